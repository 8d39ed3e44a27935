"""Similarity of two articles: calibrated P(same event) plus SemEval-2022 Task 8 style aspects."""

from __future__ import annotations

import math

import numpy as np

from parallax.link.features import FEATURES, CorpusStats, pair_features, profile
from parallax.link.params import LinkParams
from parallax.model import Analysis, PairScore


def named(x: np.ndarray) -> dict[str, float]:
    return dict(zip(FEATURES, map(float, x), strict=True))


def score_features(x: np.ndarray, params: LinkParams) -> PairScore:
    """Turn one pair's feature vector into a PairScore; aspects are clipped to the 1–4 scale.

    Two articles dated further apart than the story window are not the same story whatever
    their probability: the clusterer never compares them, and a lone pair should not say
    otherwise (the pair model, fitted mostly on pairs close in time, rates a templated report
    of the same kind of event years earlier too high)."""
    values = named(x)
    logit = params.same(values)
    values["logit"] = logit
    scale = {name: min(4.0, max(1.0, model(values))) for name, model in params.aspects.items()}
    probability = 1.0 / (1.0 + math.exp(-logit))
    return PairScore(
        overall=scale["overall"],
        geography=scale["geography"],
        entities=scale["entities"],
        time=scale["time"],
        narrative=scale["narrative"],
        same_story=probability >= params.pair_threshold and not _beyond_window(values, params),
        probability=probability,
    )


def _beyond_window(values: dict[str, float], params: LinkParams) -> bool:
    return bool(values["dated"]) and values["log_gap"] > math.log1p(params.window_days)


def score_pair(
    a: Analysis,
    b: Analysis,
    *,
    params: LinkParams | None = None,
    stats: CorpusStats | None = None,
) -> PairScore:
    """Score two analysed articles.

    `stats` supplies document frequencies and language means from a larger collection (a story,
    a store, a test set); without it every term weighs the same, which is the honest choice for
    a lone pair, and embeddings are centred on the training articles' mean.
    """
    params = params or LinkParams.load()
    x = pair_features(profile(a), profile(b), stats or params.stats())
    return score_features(x, params)
