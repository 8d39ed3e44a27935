"""Facts: what the articles state, each sentence aligned with its counterparts in other
articles and languages, with how many independent origins stand behind it.

Sentences are grouped by average linkage over the alignment score (see align.py). A sentence
that states two things ("Lavrov said X, while Cavusoglu said Y") joins the group of one of them,
and is then also attached as a mention to any other group it aligns with as strongly, so that
both claims find their corroboration. A lone sentence is kept as a single-source fact only when
it names something checkable (an entity or a value); the rest is talk and boilerplate.

Corroboration counts origins, not outlets: mentions from articles that copy each other (one
copy group, see reuse.py) are one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from parallax.compare.align import SAME_FACT, Alignment
from parallax.compare.material import Material
from parallax.link.linkage import average_linkage


@dataclass
class Fact:
    units: list[int]  # indices into Material.units, sorted
    representative: int
    independent_sources: int
    articles: list[int]
    id: str = ""
    status: str = "single_source"
    conflicts: list[int] = field(default_factory=list)


def build_facts(
    material: Material, alignment: Alignment, origin: list[int], lang: str
) -> list[Fact]:
    score = np.where(np.isfinite(alignment.score), alignment.score, np.nan)
    primary = average_linkage(score, SAME_FACT)
    groups = _attach_secondary(score, primary, alignment.article)
    facts = []
    for own, units in zip(primary, groups, strict=True):
        articles = sorted({material.units[k].article for k in units})
        if len(articles) == 1 and not _checkable(material, units):
            continue
        facts.append(
            Fact(
                units=units,
                representative=_representative(material, score, own, units, lang),
                independent_sources=len({origin[a] for a in articles}),
                articles=articles,
            )
        )
    facts.sort(key=lambda f: (-f.independent_sources, -len(f.articles), _position(material, f)))
    for k, fact in enumerate(facts, 1):
        fact.id = f"f{k}"
        fact.status = "corroborated" if fact.independent_sources >= 2 else "single_source"
    return facts


def _attach_secondary(
    score: np.ndarray, groups: list[list[int]], article: np.ndarray
) -> list[list[int]]:
    """Add a sentence to every other group it aligns with as well as the group's own members do,
    when its article is not yet represented there."""
    if not groups:
        return groups
    n = len(score)
    member = np.zeros((n, len(groups)))
    for g, units in enumerate(groups):
        member[units, g] = 1.0
    known = ~np.isnan(score)
    total = np.nan_to_num(score, nan=0.0, neginf=0.0) @ member
    count = known.astype(float) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), -np.inf)
    out = [list(units) for units in groups]
    for g, units in enumerate(groups):
        present = set(article[units].tolist())
        for i in np.flatnonzero(mean[:, g] >= SAME_FACT):
            if article[i] not in present:
                out[g].append(int(i))
    return [sorted(units) for units in out]


def _checkable(material: Material, units: list[int]) -> bool:
    return any(material.units[k].entities or material.units[k].slots for k in units)


def _representative(
    material: Material, score: np.ndarray, own: list[int], units: list[int], lang: str
) -> int:
    """The mention most like the others (the medoid), in the reader's language when one is.

    Sentences attached as secondary mentions state another fact first, so they represent this
    one only when no own member is in the reader's language."""
    preferred = (
        [k for k in own if material.units[k].lang == lang]
        or [k for k in units if material.units[k].lang == lang]
        or own
    )
    if len(units) == 1:
        return units[0]
    sub = score[np.ix_(preferred, units)]
    known = ~np.isnan(sub)
    total = np.where(known, sub, 0.0).sum(axis=1)
    centrality = np.where(known.any(axis=1), total / np.maximum(known.sum(axis=1), 1), -np.inf)
    return preferred[int(np.argmax(centrality))]


def _position(material: Material, fact: Fact) -> tuple[int, int]:
    first = material.units[fact.units[0]]
    return first.article, first.sentence


def fact_json(material: Material, fact: Fact) -> dict:
    return {
        "id": fact.id,
        "text": material.units[fact.representative].text,
        "status": fact.status,
        "independent_sources": fact.independent_sources,
        "mentions": [
            {
                "article": material.articles[u.article].id,
                "sentence": u.sentence,
                "start": u.start,
                "end": u.end,
            }
            for u in (material.units[k] for k in fact.units)
        ],
    }
