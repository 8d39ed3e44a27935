from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from parallax.link.params import BoostedTrees, LinkParams

# x <= 0.5 -> -1, else (y <= 2 -> 0.5, else 2); plus a stump on y
TREES = BoostedTrees(
    inputs=("x", "y"),
    trees=(
        ((0, 0.5, 1, 2, 0.0), (0, 0.0, -1, -1, -1.0), (1, 2.0, 3, 4, 0.0),
         (0, 0.0, -1, -1, 0.5), (0, 0.0, -1, -1, 2.0)),
        ((1, 1.0, 1, 2, 0.0), (0, 0.0, -1, -1, 0.25), (0, 0.0, -1, -1, -0.25)),
    ),
    bias=0.1,
)


def test_boosted_trees_sum_the_leaf_each_tree_reaches():
    assert TREES({"x": 0.5, "y": 0.0}) == pytest.approx(0.1 - 1.0 + 0.25)
    assert TREES({"x": 0.7, "y": 2.0}) == pytest.approx(0.1 + 0.5 - 0.25)
    assert TREES({"x": 0.7, "y": 3.0}) == pytest.approx(0.1 + 2.0 - 0.25)


def test_params_with_trees_survive_json_one_node_per_line():
    params = replace(LinkParams.load(), same=TREES)
    text = params.to_json()
    assert LinkParams.from_json(text) == params
    assert '    [0, 0.5, 1, 2, 0.0],' in text.splitlines()


def test_the_fitting_script_exports_what_sklearn_predicts(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "scripts"))
    from fit_linker import FEATURES, boosted_trees
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.8).astype(int)
    model = HistGradientBoostingClassifier(max_iter=20, max_depth=3, random_state=0).fit(x, y)
    exported = boosted_trees(model)
    mine = [exported(dict(zip(FEATURES, row, strict=True))) for row in x]
    assert np.allclose(mine, model.decision_function(x))
