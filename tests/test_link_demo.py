from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from parallax.eval.clusters import cluster_stream, read_labelled_corpus

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"


@cache
def _clustered() -> tuple[list[int], list[str]]:
    if not (CORPUS / "labels.jsonl").exists():
        pytest.skip(f"demo corpus labels not found: {CORPUS / 'labels.jsonl'}")
    from parallax.analyze.pipeline import analyze_many

    articles, gold = read_labelled_corpus(CORPUS)
    assert len(articles) >= 30
    return cluster_stream(analyze_many(articles)), gold


@pytest.mark.slow
def test_demo_corpus_clusters_exactly_into_its_events_twins_apart():
    stories, gold = _clustered()
    by_event: dict[str, set[int]] = defaultdict(set)
    for story, event in zip(stories, gold, strict=True):
        by_event[event].add(story)
    split = {e: s for e, s in by_event.items() if len(s) > 1}
    assert not split, f"events split over several stories: {split}"
    owners = [next(iter(s)) for s in by_event.values()]
    assert len(owners) == len(set(owners)), "two events (twins?) share a story"
