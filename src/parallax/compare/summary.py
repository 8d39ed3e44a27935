"""A grounded summary and a timeline, both built from facts only.

Summary: extractive on purpose. Every sentence is the text of one mention, so it can be traced
to the article it was taken from, and it cites every article stating that fact. Facts are
ranked by independent corroboration first (what several origins agree on is the core of a
story; beyond three origins a fact counts as settled), then by centrality (how close the fact is
to what all articles say, which favours the lead over background), a fact stated in the reader's
language before one that is not; near-repeats of a chosen sentence are skipped. The sentence
shown is the fact's representative, which is in the reader's language whenever one mention is.

Timeline: each fact at the first time an article reported it (publication date of the earliest
dated article that states it).
"""

from __future__ import annotations

import numpy as np

from parallax.compare.facts import Fact
from parallax.compare.material import Material

MAX_SENTENCES = 5
# Beyond this many independent sources a fact is settled; centrality then ranks it.
CORROBORATED_ENOUGH = 3
REPEAT = 0.93  # cosine above which a candidate repeats a sentence already chosen


def summarize(material: Material, facts: list[Fact], lang: str = "en") -> list[dict]:
    if not facts:
        return []
    vectors = material.vectors
    centroid = _centroid(material)
    centrality = {id(f): float(vectors[f.units].mean(axis=0) @ centroid) for f in facts}
    readable = {id(f) for f in facts if material.units[f.representative].lang == lang}
    ranked = sorted(
        facts,
        key=lambda f: (-min(f.independent_sources, CORROBORATED_ENOUGH), id(f) not in readable,
                       -centrality[id(f)]),
    )
    chosen: list[Fact] = []
    for fact in ranked:
        v = vectors[fact.representative]
        if any(float(v @ vectors[c.representative]) >= REPEAT for c in chosen):
            continue
        chosen.append(fact)
        if len(chosen) == MAX_SENTENCES:
            break
    chosen.sort(key=lambda f: _reading_order(material, f))
    return [_sentence(material, f) for f in chosen]


def _centroid(material: Material) -> np.ndarray:
    """Mean of per-article mean vectors, so a long article does not outweigh a short one."""
    embedded = material.embedded
    per_article = [
        material.vectors[[k for k, u in enumerate(material.units)
                          if u.article == a and embedded[k]]].mean(axis=0)
        for a in sorted({u.article for k, u in enumerate(material.units) if embedded[k]})
    ]
    if not per_article:
        return np.zeros(material.vectors.shape[1], dtype=np.float32)
    centroid = np.mean(per_article, axis=0)
    return centroid / max(float(np.linalg.norm(centroid)), 1e-12)


def _reading_order(material: Material, fact: Fact) -> tuple[float, int]:
    """Facts in the order articles tell them: mean relative position of their mentions."""
    positions = []
    for k in fact.units:
        u = material.units[k]
        length = max(len(material.articles[u.article].text), 1)
        positions.append(u.start / length)
    return float(np.mean(positions)), fact.representative


def _sentence(material: Material, fact: Fact) -> dict:
    source = material.units[fact.representative].article
    articles = [source, *[a for a in fact.articles if a != source]]
    return {
        "text": material.units[fact.representative].text,
        "facts": [fact.id],
        "articles": [material.articles[a].id for a in articles],
    }


def timeline(material: Material, facts: list[Fact]) -> list[dict]:
    rows = []
    for fact in facts:
        dated = [(material.published(a), a) for a in fact.articles if material.published(a)]
        if not dated:
            continue
        when, article = min(dated)
        rows.append((when, int(fact.id[1:]), fact.id, material.articles[article].id))
    rows.sort()
    return [{"time": when.isoformat(), "fact": fid, "article": aid} for when, _, fid, aid in rows]
