"""`make eval`: every quality measure on ../shared/data in one table.

Each row is the same JSON the matching `parallax eval …` command prints, so a figure in the
README can always be reproduced with one command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table


def _suite(data: Path) -> list[tuple[str, str, Path, Callable[..., dict]]]:
    from parallax.eval.clusters import run_clusters
    from parallax.eval.pairs import run_pairs
    from parallax.eval.quotes import run_quotes

    return [
        ("story clustering", "BCubed F1", data / "events-dev" / "articles.jsonl", run_clusters),
        ("story clustering", "BCubed F1", data / "ecbplus-dev" / "documents.jsonl", run_clusters),
        ("pair similarity", "Pearson r", data / "semeval2022-t8-dev" / "pairs.csv", run_pairs),
        ("quote attribution", "F1", data / "polnear-dev" / "dev", run_quotes),
    ]


def headline(result: dict) -> float:
    """The one number a row is judged by."""
    if "bcubed" in result:
        return result["bcubed"]["f1"]
    return result.get("pearson", result.get("f1", float("nan")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--json", type=Path, help="also write all results to this file")
    args = parser.parse_args(argv)
    console = Console()
    if not args.data.is_dir():
        console.print(f"[red]evaluation data not found at {args.data}[/] (see ../shared/data)")
        return 2
    table = Table("task", "data", "metric", "score", "n", "seconds", header_style="bold")
    results = {}
    for task, metric, path, runner in _suite(args.data):
        name = f"{path.parent.name}/{path.name}" if path.is_file() else path.parent.name
        console.print(f"running {task} on {name} …")
        result = runner(path)
        results[name] = result
        n = result.get("n_docs", result.get("n"))
        table.add_row(task, name, metric, f"{headline(result):.3f}", str(n),
                      f"{result['seconds']:.1f}")
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
