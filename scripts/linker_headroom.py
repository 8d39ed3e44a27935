"""How far is the online clusterer from what its own pair model allows? Prints, per set:

- `online`: BCubed precision, recall and F1 of streaming the set through `OnlineClusterer`
  with the fitted params;
- `cosine alone`: the same stream with the pair model replaced by the document cosine (story
  score over all members, threshold swept on the same data: the calibration baseline);
- `offline average linkage`: agglomerative clustering of the fitted pair probabilities (all
  pairs, corpus statistics of the whole set) cut at the best threshold for that set, and at
  the cut the online regrouping uses (`regroup_cut`).

The offline figure is a reference, not a bound: it sees every article before deciding and its
cut is chosen on the set itself. The gap says whether better features or a better decision rule is
the next lever. Reads the labelled data like scripts/fit_linker.py (same --data, --demo):

    .venv/bin/python scripts/linker_headroom.py
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from fit_linker import ROOT, ClusterSet, cluster_scores, load_demo, load_ecbplus, load_events_dev
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from parallax.eval.clusters import cluster_stream, score_partition
from parallax.link.features import CorpusStats, pair_features, profile
from parallax.link.params import LinearModel, LinkParams
from parallax.link.similarity import named

COSINES = np.round(np.arange(0.80, 0.951, 0.01), 2)
CUTS = np.round(np.arange(0.20, 0.81, 0.05), 2)


def cosine_alone(s: ClusterSet, params: LinkParams) -> tuple[float, float]:
    """Best (F1, cosine threshold) of streaming with P(same) = step(cos - threshold)."""
    best = (0.0, 0.0)
    for t in COSINES:
        step = LinearModel(("cos",), (0.0,), (1.0,), (200.0,), -200.0 * float(t))
        trial = replace(params, same=step, join_threshold=0.5, best_members=100,
                        scan_members=100, centroid_weight=0.0, regroup_members=0)
        best = max(best, (cluster_scores([s], trial)[s.name], float(t)))
    return best


def online(s: ClusterSet, params: LinkParams) -> dict:
    """BCubed precision, recall and F1 of streaming the set with the fitted params."""
    return score_partition(cluster_stream(s.analyses, params), s.events)["bcubed"]


def average_linkage(s: ClusterSet, params: LinkParams) -> tuple[dict, float, dict]:
    """BCubed scores at the best cut (by F1) of average-linkage clustering on 1 - P(same) over
    all pairs, that cut, and the scores at the online regrouping's own cut."""
    profiles = [profile(a) for a in s.analyses]
    stats = CorpusStats(params.embedding_mean)
    for p in profiles:
        stats.add(p)
    n = len(profiles)
    distance = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            x = named(pair_features(profiles[i], profiles[j], stats))
            distance[i, j] = distance[j, i] = 1.0 - params.probability(x)
    tree = linkage(squareform(distance, checks=False), "average")
    def at(t: float) -> dict:
        return score_partition(list(fcluster(tree, t, "distance")), s.events)["bcubed"]

    best, cut = max(((at(t), float(t)) for t in CUTS), key=lambda found: found[0]["f1"])
    return best, cut, at(1.0 - params.regroup_cut)


def _prf(bcubed: dict) -> str:
    return " ".join(f"{k[0].upper()} {bcubed[k]:.4f}" for k in ("precision", "recall", "f1"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--demo", type=Path, default=ROOT / "examples" / "corpus")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 2
    params = LinkParams.load()
    sets = [load_events_dev(args.data / "events-dev"), load_ecbplus(args.data / "ecbplus-dev")]
    demo = load_demo(args.demo)
    for s in [*sets, *([demo] if demo else [])]:
        cos_f1, cos_t = cosine_alone(s, params)
        offline, cut, same_cut = average_linkage(s, params)
        print(f"{s.name:12} online {_prf(online(s, params))} | cosine alone F1 {cos_f1:.4f} "
              f"(cos > {cos_t}) | offline average linkage {_prf(offline)} (P > {1 - cut:.2f});"
              f" at the regrouping cut {_prf(same_cut)} (P > {params.regroup_cut:.2f})",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
