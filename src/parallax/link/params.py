"""The fitted linking parameters: plain JSON weights, so they can be read, diffed and reviewed.

`scripts/fit_linker.py` writes `params.json` next to this file; nothing here is learned at run
time except document frequencies (see `features.CorpusStats`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from parallax.link.features import CorpusStats

PARAMS_PATH = Path(__file__).with_name("params.json")
_FLAT_LIST = re.compile(r"\[[^\[\]{}]*\]")  # a list holding no list or object
ASPECTS = ("overall", "geography", "entities", "time", "narrative")


@dataclass(frozen=True)
class LinearModel:
    """w · standardise(x) + b over named inputs; inputs missing from `x` count as their mean."""

    inputs: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def __call__(self, x: Mapping[str, float]) -> float:
        total = self.bias
        for name, mu, sd, w in zip(self.inputs, self.mean, self.scale, self.weights, strict=True):
            total += w * (x.get(name, mu) - mu) / sd
        return total

    @classmethod
    def from_dict(cls, d: Mapping) -> LinearModel:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass(frozen=True)
class BoostedTrees:
    """A sum of small regression trees over named inputs plus a bias: the gradient-boosted
    logit of P(same event). A linear logit cannot say "a high cosine means little without a
    shared name"; shallow trees can, and stay cheap to evaluate per pair. (Which inputs may
    interact is the fitting script's choice: scripts/fit_linker.py keeps time apart.)

    Each tree is a list of nodes `(input index, threshold, left, right, value)`; a node whose
    `left` is -1 is a leaf worth `value`, otherwise x[input] <= threshold goes left. Every input
    must be given (the pair features always are)."""

    inputs: tuple[str, ...]
    trees: tuple[tuple[tuple[int, float, int, int, float], ...], ...]
    bias: float

    def __call__(self, x: Mapping[str, float]) -> float:
        return self._compiled([x[name] for name in self.inputs])

    @cached_property
    def _compiled(self) -> Callable[[list[float]], float]:
        """The ensemble as one Python expression of nested conditionals, compiled once: scoring
        runs in the clusterer's innermost loop, where walking the node tuples cost ~4x more.
        Only numbers of this model are written into the source."""
        def tree(nodes: tuple, k: int) -> str:
            feature, threshold, left, right, value = nodes[k]
            if left < 0:
                return repr(value)
            return (f"({tree(nodes, left)} if v[{feature}] <= {threshold!r}"
                    f" else {tree(nodes, right)})")

        source = " + ".join([repr(self.bias), *(tree(nodes, 0) for nodes in self.trees)])
        return eval(compile(f"lambda v: {source}", "<boosted trees>", "eval"))

    @classmethod
    def from_dict(cls, d: Mapping) -> BoostedTrees:
        trees = tuple(tuple((int(i), float(t), int(lo), int(hi), float(v))
                            for i, t, lo, hi, v in tree) for tree in d["trees"])
        return cls(tuple(d["inputs"]), trees, float(d["bias"]))


PairModel = LinearModel | BoostedTrees


def _model(d: Mapping) -> PairModel:
    return BoostedTrees.from_dict(d) if "trees" in d else LinearModel.from_dict(d)


@dataclass(frozen=True)
class LinkParams:
    """Pair model, SemEval-scale regressors, and the online clustering's decision knobs."""

    same: PairModel  # logit of P(same event) from the pair features
    aspects: Mapping[str, LinearModel]  # ASPECTS -> 1..4 scale, inputs include "logit"
    pair_threshold: float = 0.5  # P(same) above which PairScore.same_story is true
    join_threshold: float = 0.5  # article-to-story score needed to join a story
    top_k: int = 10  # candidate stories retrieved by centroid similarity
    scan_members: int = 8  # members of a candidate story scored (closest by cosine)
    best_members: int = 2  # story score = mean P(same) over this many best-scoring members
    centroid_weight: float = 0.0  # share of the story score given to the centroid cosine
    window_days: float = 90.0  # dated stories further than this from a dated article are skipped
    # Regrouping (see link/cluster.py): up to this many closest members of each story scoring
    # at least `regroup_floor` are re-clustered with the arrival by average linkage of P(same),
    # cut at `regroup_cut` (a group's pairs must average at least that); 0 members: never.
    regroup_members: int = 0
    regroup_floor: float = 0.3
    regroup_cut: float = 0.5
    hnsw_above: int = 20000  # stories; below this, exact numpy search is both faster and exact
    embedding_mean: tuple[float, ...] = ()  # mean training embedding: the centre of a new stream
    meta: Mapping[str, object] = field(default_factory=dict)  # provenance: data, figures, date

    def probability(self, x: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-self.same(x)))

    def stats(self) -> CorpusStats:
        """Empty corpus statistics centred on the training articles."""
        return CorpusStats(self.embedding_mean)

    def to_json(self) -> str:
        d = asdict(self)
        d["embedding_mean"] = [round(v, 6) for v in self.embedding_mean]
        text = json.dumps(d, indent=1, ensure_ascii=False)
        # one line per list of plain values (a tree node, a weight vector): readable diffs
        return _FLAT_LIST.sub(lambda m: json.dumps(json.loads(m.group(0)), ensure_ascii=False),
                              text) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LinkParams:
        d = json.loads(text)
        d["same"] = _model(d["same"])
        d["aspects"] = {k: LinearModel.from_dict(v) for k, v in d["aspects"].items()}
        d["embedding_mean"] = tuple(d.get("embedding_mean", ()))
        return cls(**d)

    @classmethod
    def load(cls, path: Path | None = None) -> LinkParams:
        return _load(path or PARAMS_PATH)


@lru_cache(maxsize=4)
def _load(path: Path) -> LinkParams:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no fitted linking parameters; run scripts/fit_linker.py")
    return LinkParams.from_json(path.read_text(encoding="utf-8"))
