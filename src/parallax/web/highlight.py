"""Article text as HTML with highlighted spans, built so that no article byte is ever markup.

Article text is untrusted (a page can hold `<script>`), so highlighted HTML is assembled from
pieces: every piece of text goes through `markupsafe.escape`, and the only tags are the ones
written here. Spans may overlap (a quote containing a name): the text is cut at every span
boundary and each piece is wrapped once, with the classes of all spans covering it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from parallax.store import MARK_END, MARK_START


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a CSS class: "quote", "ent-PERSON", "shared", ...
    label: str = ""  # shown as a tooltip
    ref: str = ""  # links the span to others (a fact id), for the side-by-side view


_MARK = Markup('<mark class="{}"{}{}>{}</mark>')
_TITLE = Markup(' title="{}"')
_REF = Markup(' data-ref="{}"')


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """`text` escaped, with each run covered by spans wrapped in one <mark>."""
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[Markup] = []
    for start, end in itertools.pairwise(cuts):
        covering = [s for s in spans if s.start <= start and end <= s.end]
        out.append(_piece(text[start:end], covering))
    return Markup("").join(out)


def _piece(text: str, covering: list[Span]) -> Markup:
    if not covering:
        return escape(text)
    kinds = " ".join(dict.fromkeys(s.kind for s in covering))
    labels = " · ".join(dict.fromkeys(s.label for s in covering if s.label))
    refs = " ".join(dict.fromkeys(s.ref for s in covering if s.ref))
    return _MARK.format(
        kinds,
        _TITLE.format(labels) if labels else "",
        _REF.format(refs) if refs else "",
        text,
    )


def marked_snippet(snippet: str) -> Markup:
    """A search snippet with its MARK_START/MARK_END pairs as <mark>, everything else escaped."""
    out: list[Markup] = []
    for k, part in enumerate(snippet.split(MARK_START)):
        if k == 0:
            out.append(escape(part))
            continue
        matched, _, rest = part.partition(MARK_END)
        out.append(Markup("<mark>{}</mark>{}").format(matched, rest))
    return Markup("").join(out)
