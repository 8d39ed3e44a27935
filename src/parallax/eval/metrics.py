"""Clustering metrics: BCubed and pairwise precision/recall/F1 of a predicted partition.

BCubed (Bagga & Baldwin 1998; Amigó et al. 2009) scores every item by how much of its predicted
cluster shares its gold label and vice versa, so one giant cluster or all singletons are both
penalised and large events do not drown small ones. Pairwise scores count same-cluster pairs and
are stricter about merging two big events; both are reported because they fail differently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _check(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> None:
    if len(pred) != len(gold):
        raise ValueError(f"pred has {len(pred)} labels but gold has {len(gold)}")


def bcubed(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """Mean over items of |pred cluster ∩ gold class| / |pred cluster| (P) and / |gold class| (R).

    Computed from cluster/class intersection counts, so it is linear in the number of items.
    An empty input scores 1.0: there is nothing to get wrong.
    """
    _check(pred, gold)
    n = len(pred)
    if n == 0:
        return _prf(1.0, 1.0)
    pred_size = Counter(pred)
    gold_size = Counter(gold)
    joint = Counter(zip(pred, gold, strict=True))
    # each of the `c` items in cell (p, g) contributes c/|p| to precision and c/|g| to recall
    precision = sum(c * c / pred_size[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in joint.items()) / n
    return _prf(precision, recall)


def _pairs(counts: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def pairwise(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """Precision/recall of the unordered item pairs put in one cluster.

    With no predicted (or no gold) same-cluster pair the corresponding ratio is 1.0 when the other
    side has none either, else 0.0, so all-singletons against all-singletons is perfect.
    """
    _check(pred, gold)
    joint = Counter(zip(pred, gold, strict=True))
    both = _pairs(joint)
    in_pred = _pairs(Counter(pred))
    in_gold = _pairs(Counter(gold))
    precision = both / in_pred if in_pred else float(in_gold == 0)
    recall = both / in_gold if in_gold else float(in_pred == 0)
    return _prf(precision, recall)
