"""Geometry of the small inline-SVG charts: sparklines, coverage bars and the copy graph.

Only numbers are computed here; the templates draw them. SVG is inline (no script, no
stylesheet per chart) and coloured by CSS classes, so the strict Content-Security-Policy holds
and the charts follow the page's light or dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

PALETTE = 8  # colour classes c0..c7 in parallax.css


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    bars: list[Bar]
    label: str  # what a screen reader says instead of the picture


def sparkline(
    dates: Sequence[datetime], *, bins: int = 16, width: int = 96, height: int = 22
) -> Sparkline | None:
    """Articles per time slice between the first and last date; None without dates."""
    if not dates:
        return None
    first, last = min(dates), max(dates)
    span = (last - first).total_seconds()
    counts = [0] * bins
    for d in dates:
        slot = 0 if span == 0 else min(bins - 1, int((d - first).total_seconds() / span * bins))
        counts[slot] += 1
    peak = max(counts)
    step = width / bins
    bars = []
    for k, n in enumerate(counts):
        if not n:
            continue
        h = max(2.0, (height - 2) * n / peak)
        start = first + (last - first) * (k / bins)
        end = first + (last - first) * ((k + 1) / bins)
        bars.append(
            Bar(
                round(k * step + 0.5, 2),
                round(height - h, 2),
                round(step - 1, 2),
                round(h, 2),
                n,
                start,
                end,
            )
        )
    label = f"{len(dates)} dated article{'s' * (len(dates) != 1)}, " + (
        f"on {_day(first)}" if span == 0 else f"from {_day(first)} to {_day(last)}"
    )
    return Sparkline(width, height, bars, label)


def _day(d: datetime) -> str:
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    x: float  # percent of the bar
    width: float  # percent
    css: str  # colour class
    detail: str = ""


def coverage(parts: Sequence[tuple[str, int, str, str]]) -> list[Segment]:
    """(label, count, css class, tooltip) parts -> segments of a 100%-wide bar, in order."""
    total = sum(n for _, n, _, _ in parts) or 1
    out, x = [], 0.0
    for label, n, css, detail in parts:
        width = 100 * n / total
        out.append(Segment(label, n, round(x, 3), round(width, 3), css, detail))
        x += width
    return out


@dataclass(frozen=True)
class Borrowing:
    source: int  # citation number of the article copied from
    percent: int  # share of this article's text taken from it
    credited: str | None  # the outlet or agency this article credits


@dataclass
class Node:
    id: str
    y: float
    number: int
    label: str
    when: str
    borrowed: list[Borrowing] = field(default_factory=list)

    @property
    def first(self) -> bool:
        """Copied from nobody: an origin as far as these articles tell."""
        return not self.borrowed


@dataclass(frozen=True)
class CopyGraph:
    width: int
    height: int
    spine: float  # x of the node column; arcs bulge to its left
    nodes: list[Node]
    arcs: list[str]  # SVG path data, source -> target


ROW = 40
TOP = 20


def copy_graph(
    reuse: Sequence[dict],
    order: Sequence[str],
    numbers: dict[str, int],
    labels: dict[str, str],
    when: dict[str, str],
) -> CopyGraph | None:
    """Articles joined by reuse, one row each in publication order (`order`), with an arc from
    each source to the article that copied it. None when nothing was copied."""
    involved = {r["source"] for r in reuse} | {r["target"] for r in reuse}
    rows = [i for i in order if i in involved]
    if not rows:
        return None
    position = {article: k for k, article in enumerate(rows)}
    spine = 24 + 16 * min(len(rows), 8)
    nodes = {
        article: Node(article, TOP + k * ROW, numbers[article], labels[article], when[article])
        for k, article in enumerate(rows)
    }
    arcs = []
    for r in sorted(reuse, key=lambda r: (position[r["source"]], position[r["target"]])):
        source, target = nodes[r["source"]], nodes[r["target"]]
        bend = spine - 10 - 16 * min(abs(position[r["target"]] - position[r["source"]]), 8)
        arcs.append(
            f"M{spine - 5},{source.y} C{bend},{source.y} {bend},{target.y} {spine - 7},{target.y}"
        )
        share = round(100 * float(r["shared_fraction"]))
        target.borrowed.append(Borrowing(source.number, share, r.get("credited")))
    height = int(TOP * 2 + (len(rows) - 1) * ROW)
    return CopyGraph(720, height, spine, list(nodes.values()), arcs)
