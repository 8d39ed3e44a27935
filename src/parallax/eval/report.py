"""`make eval`: every quality measure on ../shared/data in one table.

Each row is the same JSON the matching `parallax eval …` command prints, so a figure in the
README can always be reproduced with one command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from parallax.eval import shared_data


def _suite(data: Path) -> list[tuple[str, Path, Callable[[], dict]]]:
    from parallax.compare.evaluate import run_comparison_eval
    from parallax.eval.clusters import run_clusters
    from parallax.eval.pairs import run_pairs
    from parallax.eval.quotes import run_quotes

    events, demo = data / "events-dev", Path(__file__).resolve().parents[3] / "examples" / "corpus"
    clusters = [data / "events-dev" / "articles.jsonl", data / "ecbplus-dev" / "documents.jsonl"]
    return [
        *(("story clustering", path, partial(run_clusters, path)) for path in clusters),
        ("story clustering", demo, partial(run_clusters, demo)),
        ("pair similarity", data / "semeval2022-t8-dev" / "pairs.csv",
         partial(run_pairs, data / "semeval2022-t8-dev" / "pairs.csv")),
        ("quote attribution", data / "polnear-dev" / "dev",
         partial(run_quotes, data / "polnear-dev" / "dev")),
        ("comparison", events / "facts.jsonl",
         partial(run_comparison_eval, events / "facts.jsonl", events / "articles.jsonl")),
        ("comparison", demo / "facts.jsonl",
         partial(run_comparison_eval, demo / "facts.jsonl", demo / "labels.jsonl")),
    ]


def rows(result: dict) -> list[tuple[str, float | None, int | None]]:
    """(metric, score, n) lines of one result: one headline, or every ratio of a comparison."""
    if "bcubed" in result:
        return [("BCubed F1", result["bcubed"]["f1"], result["n_docs"])]
    if "pearson" in result:
        return [("Pearson r", result["pearson"], result["n"])]
    if "f1" in result:
        return [("F1", result["f1"], result["n_docs"])]
    return [(name, v["score"], v["n"]) for name, v in result.items()
            if isinstance(v, dict) and "score" in v]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=shared_data())
    parser.add_argument("--json", type=Path, help="also write all results to this file")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)  # logs keep whole rows
    if not args.data.is_dir():
        console.print(f"[red]evaluation data not found at {args.data}[/] (see ../shared/data)")
        return 2
    table = Table("task", "data", "metric", "score", "n", "seconds", header_style="bold")
    results = {}
    for task, path, runner in _suite(args.data):
        name = f"{path.parent.name}/{path.name}"
        console.print(f"running {task} on {name} …")
        result = runner()
        results[f"{task}: {name}"] = result
        for metric, score, n in rows(result):
            table.add_row(task, name, metric, "—" if score is None else f"{score:.3f}",
                          str(n), f"{result['seconds']:.1f}")
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
