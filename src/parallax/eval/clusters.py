"""`parallax eval clusters FILE.jsonl`: story clustering against gold events (BCubed, pairwise).

Each line holds `id`, `text`, optional `title`, `date`, `lang`, `url`, `outlet`, and the gold
`event`, which only the scoring reads. Articles are analysed, then fed one by one to
`OnlineClusterer.add` in date order, as a live stream would deliver them (see
`parallax.link.cluster.stream_order`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from parallax.eval.metrics import bcubed, pairwise
from parallax.model import Analysis, Article

Progress = Callable[[int], None] | None  # called with the number of articles just analysed


def read_labelled(path: Path) -> tuple[list[Article], list[str]]:
    """Articles and their gold events; lines that are not valid records are skipped.

    The gold label is taken out before the record reaches the reader, so nothing downstream
    can see it.
    """
    from parallax.ingest import article_from_record

    articles: list[Article] = []
    gold: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                event = str(record.pop("event"))
                article = article_from_record(
                    record, source=str(path), source_format="jsonl", locator=f"{path}:{number}"
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            articles.append(article)
            gold.append(event)
    return articles, gold


def read_labelled_corpus(folder: Path) -> tuple[list[Article], list[str]]:
    """A folder of article files with `labels.jsonl` (the demo corpus layout): one line per
    article with `file` and `event`, plus `url` when one file (a feed) holds several articles.
    Files are read by the ordinary readers, as `parallax ingest` would read them."""
    from parallax.ingest import read_inputs

    with (folder / "labels.jsonl").open(encoding="utf-8") as lines:
        labels = [json.loads(line) for line in lines if line.strip()]
    read = {f: [a for a in read_inputs([folder / f]) if isinstance(a, Article)]
            for f in sorted({label["file"] for label in labels})}
    articles: list[Article] = []
    gold: list[str] = []
    for label in labels:
        found = read[label["file"]]
        if label.get("url"):
            found = [a for a in found if a.url == label["url"]]
        if found:
            articles.append(found[0])
            gold.append(str(label["event"]))
    return articles, gold


def cluster_stream(analyses: Sequence[Analysis], params=None) -> list[int]:
    """Story id per analysis (in input order) once the stream has been read, assigned by
    streaming them in `stream_order` as one batch (regrouping and the batch's consolidation
    may move an article after it was placed)."""
    from parallax.link.cluster import OnlineClusterer, profile, stream_order

    clusterer = OnlineClusterer(params)
    story = [0] * len(analyses)
    where: dict[int, int] = {}  # id(profile) -> index

    def follow_moves() -> None:
        for moved, story_id in clusterer.take_moves():
            story[where[id(moved)]] = story_id

    for i in stream_order([a.published for a in analyses]):
        p = profile(analyses[i])
        where[id(p)] = i
        story[i] = clusterer.place(p)
        follow_moves()
    clusterer.consolidate()
    follow_moves()
    return story


def score_partition(pred: Sequence[int], gold: Sequence[str]) -> dict:
    return {
        "n_docs": len(gold),
        "n_gold": len(set(gold)),
        "n_pred": len(set(pred)),
        "bcubed": bcubed(pred, gold),
        "pairwise": pairwise(pred, gold),
    }


def run_clusters(path: Path, *, progress: Progress = None, params=None) -> dict:
    """`parallax eval clusters`: `params` default to the fitted ones (LinkParams.load())."""
    from parallax.analyze.pipeline import analyze_many

    start = time.perf_counter()
    path = Path(path)
    articles, gold = read_labelled_corpus(path) if path.is_dir() else read_labelled(path)
    analyses = analyze_many(articles, progress=progress)
    result = score_partition(cluster_stream(analyses, params), gold)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result
