import pytest

from parallax.eval.metrics import bcubed, pairwise

PRED = [0, 0, 0, 1, 1]
GOLD = ["a", "a", "b", "b", "b"]


def test_bcubed_hand_computed():
    # precision: (2/3 + 2/3 + 1/3 + 1 + 1) / 5; recall: (1 + 1 + 1/3 + 2/3 + 2/3) / 5
    got = bcubed(PRED, GOLD)
    assert got["precision"] == pytest.approx(11 / 15)
    assert got["recall"] == pytest.approx(11 / 15)
    assert got["f1"] == pytest.approx(11 / 15)


def test_pairwise_hand_computed():
    # predicted pairs: 3 + 1, gold pairs: 1 + 3, shared: (1,2) and (4,5)
    got = pairwise(PRED, GOLD)
    assert got["precision"] == pytest.approx(0.5)
    assert got["recall"] == pytest.approx(0.5)


def test_one_big_cluster_has_full_recall_low_precision():
    gold = ["a", "a", "b", "c"]
    got = bcubed([7, 7, 7, 7], gold)
    assert got["recall"] == 1.0
    assert got["precision"] == pytest.approx((0.5 + 0.5 + 0.25 + 0.25) / 4)
    assert pairwise([7, 7, 7, 7], gold)["precision"] == pytest.approx(1 / 6)


def test_singletons_against_singletons_is_perfect():
    assert bcubed([1, 2, 3], ["x", "y", "z"])["f1"] == 1.0
    assert pairwise([1, 2, 3], ["x", "y", "z"])["f1"] == 1.0
    assert pairwise([1, 2, 3], ["x", "x", "z"])["recall"] == 0.0


def test_label_names_do_not_matter():
    assert bcubed(["p", "p", "q"], [5, 5, 6]) == bcubed([0, 0, 1], ["u", "u", "v"])


def test_length_mismatch_is_rejected():
    with pytest.raises(ValueError):
        bcubed([1, 2], [1])
