"""Average-linkage grouping of items by a pairwise score, with a stopping threshold.

Single linkage (connected components) chains: A≈B and B≈C puts A with C even when A and C state
different things. Average linkage merges two groups only while their pairs agree *on average*,
so a fact or a quote group stays about one thing (compare) and a regrouped story about one
event (link/cluster.py). Pairs scored NaN are ignored (no evidence
either way, e.g. two sentences of one article); pairs scored -inf can never share a group.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components


def average_linkage(score: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups of item indices; every item is in exactly one group (singletons included)."""
    n = len(score)
    if n == 0:
        return []
    strong = np.nan_to_num(score, nan=-np.inf) >= threshold
    _, label = connected_components(strong, directed=False)
    groups: list[list[int]] = []
    for component in np.unique(label):
        idx = np.flatnonzero(label == component)
        for local in _link(score[np.ix_(idx, idx)], threshold):
            groups.append([int(idx[k]) for k in local])
    return sorted(groups, key=min)


def _link(score: np.ndarray, threshold: float) -> list[list[int]]:
    """Average linkage inside one component (only groups linked by a strong pair can merge).
    A merge changes one row of the mean scores, so only that row is recomputed: the story
    clusterer runs this for every arrival that regroups."""
    n = len(score)
    known = ~np.isnan(score)
    np.fill_diagonal(known, False)
    total = np.where(known, score, 0.0)
    count = known.astype(float)
    mean = _means(total, count)
    np.fill_diagonal(mean, -np.inf)
    members = [[i] for i in range(n)]
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        i, j = np.unravel_index(int(np.argmax(mean)), mean.shape)
        if not mean[i, j] >= threshold:
            break
        total[i, :] += total[j, :]
        total[:, i] += total[:, j]
        count[i, :] += count[j, :]
        count[:, i] += count[:, j]
        total[i, i] = count[i, i] = 0.0
        members[i].extend(members[j])
        alive[j] = False
        row = _means(total[i], count[i])
        row[~alive] = -np.inf
        row[i] = -np.inf
        mean[i, :] = mean[:, i] = row
        mean[j, :] = mean[:, j] = -np.inf
    return [sorted(members[k]) for k in np.flatnonzero(alive)]


def _means(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mean score of the known pairs between groups; -inf where no pair is known."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), -np.inf)
