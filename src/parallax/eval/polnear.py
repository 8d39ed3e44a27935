"""Reader of the PolNeAR attribution corpus (Newell et al. 2018) in its brat standoff layout.

A split folder holds ``text/<article>.txt`` and ``attributions/<article>_<annotator>.ann``; an
article annotated by several people has one ``.ann`` file per annotator (the annotator id is the
last ``_``-separated part of the file name). Spans may be discontinuous (``"315 448;463 553"``)
and an attribution may carry a second content role (``Content2``), so every role is kept as a
list of character ranges rather than one range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[int, int]

_TEXTBOUND = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t")
_EVENT = re.compile(r"^E\d+\t(\S+)(.*)$")


@dataclass
class Attribution:
    """One annotated attribution; an empty ``source`` means the annotator marked no source."""

    content: list[Span]
    source: list[Span] = field(default_factory=list)
    cue: list[Span] = field(default_factory=list)


@dataclass
class AnnotatedArticle:
    name: str
    text: str
    annotations: dict[str, list[Attribution]]  # annotator id -> that annotator's attributions


def parse_ann(ann: str) -> list[Attribution]:
    """Attributions of one brat file; those without a Content span cannot be matched and are
    dropped. Lines that do not start with an id are continuations of span texts holding a
    newline, so they are skipped rather than treated as errors."""
    spans: dict[str, list[Span]] = {}
    events: list[list[list[str]]] = []
    for line in ann.splitlines():
        if m := _TEXTBOUND.match(line):
            spans[m.group(1)] = [_span(part) for part in m.group(3).split(";")]
        elif m := _EVENT.match(line):
            events.append([arg.split(":", 1) for arg in m.group(2).split() if ":" in arg])
    attributions = []
    for args in events:
        roles: dict[str, list[Span]] = {"Content": [], "Source": [], "Cue": []}
        for role, ref in args:
            base = role.rstrip("0123456789")
            if base in roles:
                roles[base].extend(spans.get(ref, []))
        if roles["Content"]:
            attributions.append(Attribution(roles["Content"], roles["Source"], roles["Cue"]))
    return attributions


def _span(part: str) -> Span:
    start, end = part.split()
    return int(start), int(end)


def read_split(directory: Path) -> list[AnnotatedArticle]:
    """Articles of one split that have at least one annotation file, sorted by name.

    Raises ValueError naming what is missing when ``directory`` is not in the PolNeAR layout.
    """
    directory = Path(directory)
    text_dir, ann_dir = directory / "text", directory / "attributions"
    missing = [str(d) for d in (text_dir, ann_dir) if not d.is_dir()]
    if missing:
        raise ValueError(
            f"{directory} is not in the PolNeAR layout: missing {', '.join(missing)} "
            "(expected text/<article>.txt and attributions/<article>_<annotator>.ann)"
        )
    by_article: dict[str, dict[str, list[Attribution]]] = {}
    for ann_path in sorted(ann_dir.glob("*.ann")):
        article, _, annotator = ann_path.stem.rpartition("_")
        if article and (text_dir / f"{article}.txt").is_file():
            ann = ann_path.read_text(encoding="utf-8", errors="replace")
            by_article.setdefault(article, {})[annotator] = parse_ann(ann)
    if not by_article:
        raise ValueError(
            f"{directory}: no attributions/<article>_<annotator>.ann file matches a "
            "text/<article>.txt file"
        )
    return [AnnotatedArticle(name, _read_text(text_dir / f"{name}.txt"), anns)
            for name, anns in sorted(by_article.items())]


def _read_text(path: Path) -> str:
    """The text exactly as annotated: brat offsets count "\r\n" as two characters."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return f.read()
