"""Copy chains: which article reused which, how much of it, who came first, who was credited.

Reuse is found on words, not meaning: two outlets independently reporting one press
conference say the same things in different words, while a republished wire story (or two
translations of one) repeats runs of words. Text inside quotation marks is left out: outlets
quoting the same speaker share those words without copying each other. Each sentence of one
article scores the share of its word 3-shingles (of transliterated word prefixes, so "affirm"
and "affirmed" meet) found in the other; shares below 0.3 are chance. Summed, these give the
reused text in "sentence equivalents" for each direction. A pair is reuse when both directions
hold at least one sentence equivalent and one holds 1.5, or, when one article credits the other
(or both credit one agency), when either holds 0.7. `shared_fraction` is the share of the
target's text that was reused.

Direction: an article that credits the other's outlet ("according to Al Jazeera", "(Japan
Times)") copied it; otherwise the earlier publication is the source; otherwise the article
whose text is more fully contained in the other is taken as the copy (a republication trims, it
rarely adds). The agency a target credits ("(AFP)", "передает ТАСС") is reported as
`credited`: when both carry it, the agency is the common origin and the pair are siblings.

Siblings are pruned: outlets that republished one agency story also share text with each
other, but each is listed once, as a copy of its most original source. Copies collapse into
origins: articles linked by reuse count as one independent source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from parallax.compare.credits import Credits, find_credits, same_name
from parallax.compare.material import Material, Unit, words

SHINGLE = 3
MIN_SENTENCE_SHARE = 0.3  # shingle share below which a sentence is not counted as reused
BOTH_WAYS = 1.0  # sentence equivalents each direction must hold
ONE_WAY = 1.5  # ... and one direction must hold
CREDITED = 0.7  # ... or either, when one article credits the other or both one agency
MIN_COMMON_SHINGLES = 8  # cheap filter before sentence-level comparison


@dataclass(frozen=True)
class Reuse:
    source: int
    target: int
    shared_fraction: float
    credited: str | None


@dataclass
class _Text:
    """One article's unquoted sentence shingles, and the union of them."""

    sentences: list[tuple[int, set[tuple[str, ...]]]]  # (length in chars, shingles)
    all: set[tuple[str, ...]]


def shingles(words: list[str], n: int = SHINGLE) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def find_reuse(material: Material) -> list[Reuse]:
    texts = [_text(material, i) for i in range(len(material.articles))]
    credit = [find_credits(a.text) for a in material.articles]
    found = []
    for a, b in combinations(range(len(texts)), 2):
        if len(texts[a].all & texts[b].all) < MIN_COMMON_SHINGLES:
            continue
        a_in_b, a_share = _reused(texts[a], texts[b])
        b_in_a, b_share = _reused(texts[b], texts[a])
        linked = _credit_link(material, credit, a, b)
        if not (
            (min(a_in_b, b_in_a) >= BOTH_WAYS and max(a_in_b, b_in_a) >= ONE_WAY)
            or (linked and max(a_in_b, b_in_a) >= CREDITED)
        ):
            continue
        src, dst = _direction(material, credit, a, b, b_share >= a_share)
        share = b_share if dst == b else a_share
        found.append(Reuse(src, dst, round(share, 3), _credited(material, credit, src, dst)))
    return prune_siblings(material, found)


def _text(material: Material, article: int) -> _Text:
    quoted = [(q.start, q.end) for q in material.analyses[article].quotes if q.direct]
    sentences = []
    for u in material.units:
        if u.article == article:
            sentences.append((len(u.text), shingles(_unquoted_words(material, u, quoted))))
    return _Text(sentences, set().union(*(sh for _, sh in sentences)))


def _unquoted_words(material: Material, unit: Unit, quoted: list[tuple[int, int]]) -> list[str]:
    """The sentence's words with quotations replaced by a break no shingle spans."""
    text = material.articles[unit.article].text
    pieces, at = [], unit.start
    for s, e in sorted(quoted):
        if e <= unit.start or s >= unit.end:
            continue
        pieces.append(text[at : max(at, s)])
        at = max(at, min(e, unit.end))
    pieces.append(text[at : unit.end])
    out: list[str] = []
    for piece in pieces:
        out += [*words(piece), "\x00"]
    return out


def _reused(text: _Text, other: _Text) -> tuple[float, float]:
    """(sentence equivalents of `text` found in `other`, share of `text`'s characters)."""
    equivalents = chars = total = 0.0
    for length, sh in text.sentences:
        total += length
        real = {s for s in sh if "\x00" not in s}
        share = len(real & other.all) / len(real) if real else 0.0
        if share >= MIN_SENTENCE_SHARE:
            equivalents += share
            chars += share * length
    return equivalents, (chars / total if total else 0.0)


def _credit_link(material: Material, credit: list[Credits], a: int, b: int) -> bool:
    arts = material.articles
    return (
        any(same_name(c, arts[b].outlet) for c in credit[a].cited + credit[a].agencies)
        or any(same_name(c, arts[a].outlet) for c in credit[b].cited + credit[b].agencies)
        or bool(set(credit[a].agencies) & set(credit[b].agencies))
    )


def _direction(
    material: Material, credit: list[Credits], a: int, b: int, b_is_copy: bool
) -> tuple[int, int]:
    """(source, target): the credited outlet first, else the earlier publication, else the
    article less contained in the other."""
    arts = material.articles
    if any(same_name(c, arts[a].outlet) for c in credit[b].cited + credit[b].agencies):
        return a, b
    if any(same_name(c, arts[b].outlet) for c in credit[a].cited + credit[a].agencies):
        return b, a
    first = _earlier(material.published(a), material.published(b))
    if first is not None:
        return (a, b) if first else (b, a)
    return (a, b) if b_is_copy else (b, a)


def _earlier(da: datetime | None, db: datetime | None) -> bool | None:
    """Whether `da` is the earlier date, None when it cannot be told: a date without a time
    (midnight) only orders against another day."""
    if da is None or db is None:
        return None
    if _date_only(da) or _date_only(db):
        return None if da.date() == db.date() else da.date() < db.date()
    return None if da == db else da < db


def _date_only(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def prune_siblings(material: Material, reuse: list[Reuse]) -> list[Reuse]:
    """Each copy once, from its most original source: two outlets that both republished an
    agency story also share text with each other, but they copied the agency, not each other.

    A source that copies no one in the set is preferred, then the earlier one, then the one
    sharing more text; a target's other sources are dropped when they are themselves copies."""
    targets = {r.target for r in reuse}
    by_target: dict[int, list[Reuse]] = {}
    for r in reuse:
        by_target.setdefault(r.target, []).append(r)
    kept = []
    for rs in by_target.values():
        best = min(rs, key=lambda r: (r.source in targets, _order(material, r.source),
                                      -r.shared_fraction))
        kept += [r for r in rs if r is best or r.source not in targets]
    return sorted(kept, key=lambda r: (r.source, r.target))


def _order(material: Material, article: int) -> float:
    moment = material.published(article)
    return moment.timestamp() if moment else float("inf")


def _credited(material: Material, credit: list[Credits], src: int, dst: int) -> str | None:
    """The origin the target names: an agency both carry, the source's outlet, or an agency."""
    common = [x for x in credit[dst].agencies if x in credit[src].agencies]
    if common:
        return common[0]
    outlet = material.articles[src].outlet
    named = [c for c in credit[dst].cited + credit[dst].agencies if same_name(c, outlet)]
    if named:
        return named[0]
    return credit[dst].agencies[0] if credit[dst].agencies else None


def origins(n: int, reuse: list[Reuse]) -> list[int]:
    """For each article, a representative of its copy group: copies are one source."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in reuse:
        ra, rb = find(r.source), find(r.target)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]
