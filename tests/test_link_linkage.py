"""Average-linkage grouping: stops at the threshold, ignores NaN pairs, honours -inf."""

import numpy as np

from parallax.link.linkage import average_linkage


def _matrix(n: int, pairs: dict[tuple[int, int], float], fill: float = 0.0) -> np.ndarray:
    m = np.full((n, n), fill)
    for (i, j), v in pairs.items():
        m[i, j] = m[j, i] = v
    return m


def test_a_chain_of_strong_pairs_does_not_join_items_that_disagree():
    # 0~1 and 1~2 are strong, 0 and 2 are unrelated: single linkage would chain them.
    score = _matrix(3, {(0, 1): 0.9, (1, 2): 0.8, (0, 2): -0.5})
    groups = average_linkage(score, 0.5)
    assert sorted(map(sorted, groups)) == [[0, 1], [2]]


def test_nan_pairs_are_no_evidence_and_minus_inf_forbids_a_group():
    neutral = _matrix(3, {(0, 1): 0.9, (1, 2): 0.9, (0, 2): np.nan})
    assert average_linkage(neutral, 0.5) == [[0, 1, 2]]
    forbidden = _matrix(3, {(0, 1): 0.9, (1, 2): 0.9, (0, 2): -np.inf})
    assert len(average_linkage(forbidden, 0.5)) == 2


def test_every_item_is_in_exactly_one_group():
    rng = np.random.default_rng(0)
    score = rng.uniform(-1, 1, (12, 12))
    score = (score + score.T) / 2
    groups = average_linkage(score, 0.2)
    assert sorted(i for g in groups for i in g) == list(range(12))
    assert average_linkage(np.zeros((0, 0)), 0.5) == []
