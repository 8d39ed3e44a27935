"""How strongly two sentences of different articles state the same thing.

Within one story every sentence is about the same actors, so raw embedding cosines are all high
(multilingual-e5 puts unrelated sentences at ~0.8 and translations at ~0.9). The score therefore
measures each pair against the two sentences' background similarity to other articles (a margin,
as in bitext mining: Artetxe & Schwenk 2019, with the background taken past each sentence's best
matches), and adds the evidence an embedding blurs: shared named entities and checkable values,
and shared words where the two articles write the same language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parallax.compare.material import Material, Unit, shared_counts

# The background of a sentence: this percentile of its cosines to the sentences of other
# articles, leaving out its best match in each (its likely counterpart: in a story, one sentence
# has counterparts in several articles, so its nearest neighbours are not background).
BACKGROUND = 90
MIN_BACKGROUND = 3  # fewer cosines than this: the story's median cosine is the background
W_ENTITY = 0.04  # weight of the share of entities the sparser sentence has in common
W_WORDS = 0.08  # weight of the Jaccard overlap of word prefixes
# A pair at or above this score states the same fact (chosen on the seeds, events-dev and the
# demo corpus, trading recall of shared facts against single-source facts wrongly merged).
SAME_FACT = 0.07


@dataclass
class Alignment:
    cos: np.ndarray  # cosine of sentence vectors, on e5's scale (see encoders.py)
    entity: np.ndarray  # shared entities / entities of the sparser sentence
    word: np.ndarray  # Jaccard of word prefixes
    score: np.ndarray  # combined; -inf within one article
    article: np.ndarray  # article index of each unit


def align(material: Material) -> Alignment:
    units = material.units
    art = np.array([u.article for u in units], dtype=int)
    cos = material.cosine(material.vectors, material.vectors) if units else np.zeros((0, 0))
    # Pairs across articles, both embedded: an unembedded sentence shares nothing with others.
    embedded = material.embedded
    other = (art[:, None] != art[None, :]) & embedded[:, None] & embedded[None, :]
    entity = _overlap(units, lambda u: u.entities | {_slot_key(s) for s in u.slots}, "min")
    word = _overlap(units, lambda u: u.words, "jaccard")
    score = _margin(cos, art, other) + W_ENTITY * entity + W_WORDS * word
    score = np.where(other, score, -np.inf)
    return Alignment(cos=cos, entity=entity, word=word, score=score, article=art)


def _slot_key(slot) -> str:
    return f"{slot.kind}:{slot.value}"


def _margin(cos: np.ndarray, article: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Cosine minus the mean of both sentences' background cosine to other articles (`other`:
    the pairs that count, so unembedded sentences are no one's background)."""
    if cos.size == 0:
        return cos
    rest = np.where(other, cos, np.nan)
    for a in np.unique(article):
        cols = np.flatnonzero(article == a)
        best = cols[np.argmax(cos[:, cols], axis=1)]
        rest[np.arange(len(cos)), best] = np.nan  # a sentence's counterpart is not background
    rest[~other] = np.nan
    known = np.sum(~np.isnan(rest), axis=1)
    story = float(np.median(cos[other])) if other.any() else 0.0
    background = np.full(len(cos), story)
    enough = known >= MIN_BACKGROUND
    if enough.any():
        background[enough] = np.nanpercentile(rest[enough], BACKGROUND, axis=1)
    return cos - (background[:, None] + background[None, :]) / 2


def _overlap(units: list[Unit], items, how: str) -> np.ndarray:
    """Pairwise overlap of item sets: shared items over the smaller set ("min") or the union."""
    if not units:
        return np.zeros((0, 0))
    shared = shared_counts([items(u) for u in units])
    size = np.diag(shared).copy()
    if how == "min":
        denom = np.minimum(size[:, None], size[None, :])
    else:
        denom = size[:, None] + size[None, :] - shared
    return np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
