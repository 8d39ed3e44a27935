"""Comparison JSON -> what the story and article pages show, ready for the templates.

Everything a template prints comes from here as plain values (escaped by Jinja's autoescape)
or as `Markup` built by `highlight`, which escapes every piece of article text itself. Articles
are cited by number ([1], [2] …) in publication order, with their outlet, so a claim's sources
can be read at a glance, as in the CLI and Markdown reports.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from markupsafe import Markup

from parallax.model import Analysis
from parallax.web.charts import PALETTE, CopyGraph, Segment, copy_graph, coverage
from parallax.web.highlight import Span, highlight

STATUS_ORDER = ("disputed", "corroborated", "single_source")
STATUS_LABEL = {
    "disputed": "Disputed",
    "corroborated": "Corroborated",
    "single_source": "Single source",
}
ABOUT_LABEL = {
    "place": "Place",
    "number": "Number",
    "date": "Date",
    "person": "Person",
    "negation": "Yes or no",
    "other": "Detail",
}


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the page: an article's `url` may say `javascript:`."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def when(value: datetime | None, empty: str = "undated") -> str:
    """Dates as a newsroom writes them; midnight exactly means only the day is known."""
    if value is None:
        return empty
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return f"{value.day} {value:%b %Y}"
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class Source:
    """One article as cited on a page."""

    id: str
    number: int
    outlet: str  # the outlet, else the file it came from: never blank
    title: str | None
    lang: str | None
    published: datetime | None
    href: str  # this app's page for it (or an anchor on an ad-hoc comparison)
    url: str | None  # the original, when it is a web link
    css: str  # colour class of its language
    origin: int = 0  # citation number of its copy group's first article


def cited_sources(comparison: dict, href: Callable[[str], str]) -> list[Source]:
    """The comparison's articles as numbered sources, colour-coded by language."""
    langs = [
        lang
        for lang, _ in Counter(a.get("lang") or "?" for a in comparison["articles"]).most_common()
    ]
    out = []
    for k, a in enumerate(comparison["articles"], 1):
        source = a.get("source") or ""
        outlet = a.get("outlet") or PurePosixPath(source).name or source or f"article {k}"
        out.append(
            Source(
                id=a["id"],
                number=k,
                outlet=outlet,
                title=a.get("title"),
                lang=a.get("lang"),
                published=parse_time(a.get("published")),
                href=href(a["id"]),
                url=safe_url(a.get("url")),
                css=f"c{langs.index(a.get('lang') or '?') % PALETTE}",
            )
        )
    _mark_origins(out, comparison.get("reuse", []))
    return out


def _mark_origins(sources: list[Source], reuse: Sequence[dict]) -> None:
    """Each source's copy group, named by its lowest citation number (the earliest article)."""
    number = {s.id: s.number for s in sources}
    parent = {s.number: s.number for s in sources}

    def find(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    for r in reuse:
        if r["source"] in number and r["target"] in number:
            a, b = find(number[r["source"]]), find(number[r["target"]])
            parent[max(a, b)] = min(a, b)
    for s in sources:
        s.origin = find(s.number)


@dataclass
class FactView:
    id: str
    text: str
    status: str
    independent_sources: int
    sources: list[Source]


@dataclass
class ValueView:
    value: str
    sources: list[Source]
    sentences: list[tuple[Source, Markup]]


@dataclass
class ConflictView:
    about: str
    fact: FactView | None
    values: list[ValueView]


@dataclass
class QuoteView:
    speaker: str
    agreement: float
    variants: list[tuple[list[Source], str]]  # identical wordings once, with all their sources
    total: int  # articles quoting it


@dataclass
class TimelineRow:
    time: datetime | None
    source: Source
    facts: list[FactView]


@dataclass
class PairView:
    a: Source
    b: Source
    a_html: Markup
    b_html: Markup
    shared: int  # facts the two share
    only_a: int
    only_b: int


@dataclass
class StoryView:
    sources: list[Source]
    summary: list[tuple[str, list[Source]]]
    facts: dict[str, list[FactView]]
    conflicts: list[ConflictView]
    quotes: list[QuoteView]
    copies: CopyGraph | None
    timeline: list[TimelineRow]
    entities: dict[str, list[tuple[str, list[str], int]]]
    languages: list[Segment]
    outlets: list[Segment]
    independent_sources: int
    pair: PairView | None = None


def story_view(
    comparison: dict,
    texts: dict[str, str],
    href: Callable[[str], str],
    pair: tuple[str, str] | None,
) -> StoryView:
    """Everything the story page shows. `texts` holds the article texts the page quotes from
    (the pair and the conflicting articles); `pair` the two articles shown side by side."""
    sources = cited_sources(comparison, href)
    by_id = {s.id: s for s in sources}
    facts = {f["id"]: _fact(f, by_id) for f in comparison["facts"]}
    view = StoryView(
        sources=sources,
        summary=[
            (
                s["text"],
                sorted(
                    (by_id[i] for i in set(s["articles"]) if i in by_id),
                    key=lambda source: source.number,
                ),
            )
            for s in comparison["summary"]
        ],
        facts=_by_status(facts.values()),
        conflicts=[_conflict(c, facts, comparison, by_id, texts) for c in comparison["conflicts"]],
        quotes=[_quote(q, by_id) for q in comparison["quotes"]],
        copies=_copies(comparison, sources),
        timeline=_timeline(comparison, facts, by_id),
        entities=_entities(comparison),
        languages=_language_bar(sources),
        outlets=_outlet_bar(sources),
        independent_sources=len({s.origin for s in sources}),
    )
    if pair and all(i in texts for i in pair):
        view.pair = _pair(comparison, by_id, texts, *pair)
    return view


def default_pair(comparison: dict) -> tuple[str, str] | None:
    """The first two articles: the earliest reports."""
    ids = [a["id"] for a in comparison["articles"]]
    return (ids[0], ids[1]) if len(ids) >= 2 else None


def conflict_article_ids(comparison: dict) -> set[str]:
    return {v["article"] for c in comparison["conflicts"] for v in c["values"]}


def _fact(fact: dict, by_id: dict[str, Source]) -> FactView:
    ids = dict.fromkeys(m["article"] for m in fact["mentions"])
    return FactView(
        fact["id"],
        fact["text"],
        fact["status"],
        fact["independent_sources"],
        sorted((by_id[i] for i in ids if i in by_id), key=lambda s: s.number),
    )


def _by_status(facts: Iterable[FactView]) -> dict[str, list[FactView]]:
    grouped: dict[str, list[FactView]] = {status: [] for status in STATUS_ORDER}
    for f in sorted(facts, key=lambda f: (-f.independent_sources, -len(f.sources))):
        grouped.setdefault(f.status, []).append(f)
    return grouped


def _conflict(
    conflict: dict,
    facts: dict[str, FactView],
    comparison: dict,
    by_id: dict[str, Source],
    texts: dict[str, str],
) -> ConflictView:
    spans = _sentence_spans(comparison)
    values: dict[str, ValueView] = {}
    for v in conflict["values"]:
        source = by_id.get(v["article"])
        if source is None:
            continue
        shown = values.setdefault(v["value"], ValueView(v["value"], [], []))
        if source not in shown.sources:
            shown.sources.append(source)
        span = spans.get((v["article"], v.get("sentence")))
        if span and v["article"] in texts:
            sentence = _sentence_with_value(texts[v["article"]], span, v["value"])
            if all(sentence != seen for _, seen in shown.sentences):  # copies say it alike
                shown.sentences.append((source, sentence))
    ordered = sorted(values.values(), key=lambda v: -len(v.sources))
    return ConflictView(conflict["about"], facts.get(conflict.get("fact") or ""), ordered)


def _sentence_spans(comparison: dict) -> dict[tuple[str, int], tuple[int, int]]:
    """(article, sentence index) -> character span, from the facts' mentions."""
    return {
        (m["article"], m["sentence"]): (m["start"], m["end"])
        for f in comparison["facts"]
        for m in f["mentions"]
    }


def _sentence_with_value(text: str, span: tuple[int, int], value: str) -> Markup:
    start, end = span
    sentence = text[start:end]
    found = re.search(re.escape(value), sentence, re.IGNORECASE) if value else None
    marks = [Span(found.start(), found.end(), "value")] if found else []
    return highlight(sentence, marks)


def _quote(group: dict, by_id: dict[str, Source]) -> QuoteView:
    """Variants with the same wording (copies, usually) are shown once, with all sources."""
    wordings: dict[str, tuple[list[Source], str]] = {}
    for v in group["variants"]:
        source = by_id.get(v["article"])
        if source is None:
            continue
        key = " ".join(v["text"].casefold().strip(" \t\n,.;:!?'\"«»“”„").split())
        sources, _ = wordings.setdefault(key, ([], v["text"].strip().rstrip(",;:")))
        sources.append(source)
    variants = sorted(wordings.values(), key=lambda w: min(s.number for s in w[0]))
    total = sum(len(sources) for sources, _ in variants)
    speaker = group.get("speaker") or "Unattributed"
    return QuoteView(speaker, float(group["agreement"]), variants, total)


def _copies(comparison: dict, sources: list[Source]) -> CopyGraph | None:
    ordered = sorted(sources, key=lambda s: (s.published is None, s.published or 0, s.number))
    return copy_graph(
        comparison["reuse"],
        [s.id for s in ordered],
        {s.id: s.number for s in sources},
        {s.id: s.outlet for s in sources},
        {s.id: when(s.published) for s in sources},
    )


def _timeline(
    comparison: dict, facts: dict[str, FactView], by_id: dict[str, Source]
) -> list[TimelineRow]:
    """Who reported what first: the facts each article was the earliest to state."""
    rows: dict[str, TimelineRow] = {}
    for event in comparison["timeline"]:
        source = by_id.get(event["article"])
        if source is None or event["fact"] not in facts:
            continue
        row = rows.setdefault(source.id, TimelineRow(parse_time(event["time"]), source, []))
        row.facts.append(facts[event["fact"]])
    return sorted(rows.values(), key=lambda r: (r.time is None, r.time or 0, r.source.number))


def _entities(comparison: dict) -> dict[str, list[tuple[str, list[str], int]]]:
    grouped: dict[str, list[tuple[str, list[str], int]]] = defaultdict(list)
    for e in sorted(comparison["entities"], key=lambda e: -len(e["articles"])):
        grouped[e["type"]].append((e["name"], e["aliases"], len(e["articles"])))
    return dict(grouped)


def _language_bar(sources: list[Source]) -> list[Segment]:
    counts: dict[str, list[Source]] = {}
    for s in sources:
        counts.setdefault(s.lang or "?", []).append(s)
    return coverage(
        [
            (lang, len(members), members[0].css, ", ".join(m.outlet for m in members))
            for lang, members in sorted(counts.items(), key=lambda kv: -len(kv[1]))
        ]
    )


def _outlet_bar(sources: list[Source]) -> list[Segment]:
    """One segment per article, copies next to their origin and in its colour."""
    groups: dict[int, list[Source]] = {}
    for s in sorted(sources, key=lambda s: s.number):
        groups.setdefault(s.origin, []).append(s)
    parts = []
    for k, members in enumerate(sorted(groups.values(), key=lambda g: (-len(g), g[0].number))):
        for m in members:
            role = "original" if m.number == m.origin else f"copy of [{m.origin}]"
            parts.append(
                (
                    m.outlet,
                    1,
                    f"c{k % PALETTE}" + (" copy" if role != "original" else ""),
                    f"[{m.number}] {m.outlet} ({m.lang or '?'}) · {role}",
                )
            )
    return coverage(parts)


def _pair(
    comparison: dict, by_id: dict[str, Source], texts: dict[str, str], a: str, b: str
) -> PairView:
    """Two articles' texts with the facts they share (linked by fact id) and those only one of
    them states highlighted."""
    spans: dict[str, list[Span]] = {a: [], b: []}
    counts = Counter()
    for fact in comparison["facts"]:
        mentions = [m for m in fact["mentions"] if m["article"] in spans]
        present = {m["article"] for m in mentions}
        kind = "shared" if len(present) == 2 else "unique"
        for m in mentions:
            label = (
                f"{fact['id']}: in both"
                if kind == "shared"
                else f"{fact['id']}: only in [{by_id[m['article']].number}] of these two"
            )
            spans[m["article"]].append(Span(m["start"], m["end"], kind, label, fact["id"]))
        if kind == "shared":
            counts["shared"] += 1
        elif present:
            counts[next(iter(present))] += 1
    return PairView(
        by_id[a],
        by_id[b],
        highlight(texts[a], spans[a]),
        highlight(texts[b], spans[b]),
        counts["shared"],
        counts[a],
        counts[b],
    )


# The article page


@dataclass
class ArticleMarks:
    html: Markup
    counts: dict[str, int]


ENTITY_LABEL = {"PERSON": "person", "ORG": "organisation", "PLACE": "place", "MISC": "name"}


def article_marks(
    article_id: str, text: str, analysis: Analysis | None, facts: Sequence[dict]
) -> ArticleMarks:
    """The article text with entities, quotes, checkable values and the story's facts (those
    this article states) highlighted."""
    spans: list[Span] = []
    counts: Counter[str] = Counter()
    if analysis is not None:
        for e in analysis.entities:
            spans.append(Span(e.start, e.end, f"ent ent-{e.type}", ENTITY_LABEL.get(e.type, "")))
            counts["entities"] += 1
        for q in analysis.quotes:
            speaker = q.speaker or "unattributed"
            spans.append(Span(q.start, q.end, "quote", f"quote · {speaker}"))
            counts["quotes"] += 1
        for s in analysis.slots:
            spans.append(Span(s.start, s.end, "slot", f"{s.kind}: {s.value}"))
            counts["values"] += 1
    for f in facts:
        mentions = [m for m in f["mentions"] if m["article"] == article_id]
        if not mentions:
            continue
        for m in mentions:
            spans.append(
                Span(
                    m["start"],
                    m["end"],
                    f"fact fact-{f['status']}",
                    f"{f['id']} · {STATUS_LABEL.get(f['status'], f['status'])} · "
                    f"{f['independent_sources']} independent source(s)",
                )
            )
        counts[f["status"]] += 1
    return ArticleMarks(highlight(text, spans), dict(counts))
