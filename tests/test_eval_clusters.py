import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from parallax.eval import shared_data
from parallax.eval.clusters import read_labelled, run_clusters, score_partition
from parallax.link.cluster import stream_order

DATA = shared_data()


def _day(d: int) -> datetime:
    return datetime(2023, 5, d, tzinfo=UTC)


def test_dated_items_are_sorted_among_themselves_and_undated_keep_their_place():
    dates = [_day(9), None, _day(3), None, _day(5), _day(3)]
    assert stream_order(dates) == [2, 1, 5, 3, 4, 0]


def test_stream_order_without_dates_is_input_order():
    assert stream_order([None, None, None]) == [0, 1, 2]


def test_read_labelled_hides_the_gold_label_and_skips_bad_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    talks = "The foreign ministers met in Sochi and agreed to keep working together. " * 3
    quake = "A strong earthquake hit the town before dawn, damaging dozens of houses. " * 3
    lines = [
        json.dumps({"id": "a1", "text": talks, "event": "e1", "date": "2020-12-29"}),
        "{not json",
        json.dumps({"id": "a2", "event": "e1"}),  # no text
        json.dumps({"id": "a3", "text": quake, "event": "e2", "lang": "en"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, gold = read_labelled(path)
    assert [a.id for a in articles] == ["a1", "a3"]
    assert gold == ["e1", "e2"]
    assert articles[0].published is not None and articles[1].published is None
    assert all("e1" not in a.text and "e2" not in a.text for a in articles)


def test_score_partition_has_the_documented_keys():
    result = score_partition([0, 0, 1], ["x", "x", "y"])
    assert set(result) == {"n_docs", "n_gold", "n_pred", "bcubed", "pairwise"}
    assert result["bcubed"]["f1"] == 1.0 and result["n_pred"] == 2


def _data(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    return path


# The acceptance bars, asserted, and the floors below which the current model must never
# fall (measured figures minus a small margin; see scripts/fit_linker.py for how they are
# measured). Measured 2026-12-07 with the 20-feature trees (weekdays), the joint tune and
# batch-end consolidation: 0.944 and 0.970.
BARS = {"events-dev/articles.jsonl": 0.90, "ecbplus-dev/documents.jsonl": 0.95}
FLOORS = {"events-dev/articles.jsonl": 0.93, "ecbplus-dev/documents.jsonl": 0.96}


@cache
def _run(name: str) -> dict:
    return run_clusters(_data(name))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_clustering_quality_does_not_regress(name):
    result = _run(name)
    assert result["n_docs"] > 100
    assert result["bcubed"]["f1"] >= FLOORS[name], result


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BARS))
def test_clustering_reaches_the_acceptance_target(name):
    assert _run(name)["bcubed"]["f1"] >= BARS[name]
