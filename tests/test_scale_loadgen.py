"""The replayed load: distinct articles, dates moved per cycle, gold events kept per replay."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from parallax.scale import loadgen

BASE = [
    {"id": "a1", "event": "quake", "lang": "en", "title": "Quake hits Korvash",
     "url": "https://one.example/quake", "outlet": "one.example", "date": None,
     "text": "A magnitude 6.1 earthquake struck Korvash on Tuesday. It killed 12 people. "
             "Rescue teams from Tarvel searched the old town. The minister visited."},
    {"id": "a2", "event": "quake", "lang": "de", "title": "Erdbeben in Korvash",
     "url": "https://two.example/beben", "outlet": "two.example", "date": None,
     "text": "Ein Erdbeben der Stärke 6,1 erschütterte Korvash. Zwölf Menschen starben."},
    {"id": "a3", "event": "rates", "lang": "en", "title": "Bank raises rates",
     "url": "https://one.example/rates", "outlet": "one.example", "date": None,
     "text": "The central bank raised its rate by 25 basis points to 4.5 percent on Thursday."},
]


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data" / "events-dev"
    folder.mkdir(parents=True)
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(r) for r in BASE))
    return tmp_path / "data"


def test_records_are_distinct_and_cycles_move_in_time(data):
    records = list(loadgen.replay_records(data, 12))
    assert len(records) == 12
    for key in ("id", "url", "text"):
        assert len({r[key] for r in records}) == 12, key
    assert set(records[0]) == {"id", "text", "title", "date", "url", "outlet", "lang", "event"}
    by_event: dict[str, list[datetime]] = {}
    for r in records:
        by_event.setdefault(r["event"], []).append(datetime.fromisoformat(r["date"]))
    assert set(by_event) == {f"ev-{e}@{c}" for e in ("quake", "rates") for c in range(4)}
    for dates in by_event.values():  # one replayed event: one anchor, at most two days apart
        assert max(dates) - min(dates) <= timedelta(days=loadgen.ARTICLE_SPREAD_DAYS)
    first = min(by_event["ev-quake@0"])
    second = min(by_event["ev-quake@1"])
    assert second - first > timedelta(days=90)  # beyond the clusterer's window


def test_records_are_deterministic_per_seed(data):
    assert list(loadgen.replay_records(data, 7)) == list(loadgen.replay_records(data, 7))
    assert list(loadgen.replay_records(data, 7, seed=1)) != list(loadgen.replay_records(data, 7))


def test_cli_writes_n_records(data, tmp_path):
    out = tmp_path / "replay.jsonl"
    assert loadgen.main(["5", str(out), "--data", str(data)]) == 0
    lines = out.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [
        r["id"] for r in loadgen.replay_records(data, 5)
    ]


def test_the_stored_articles_are_all_new(data, store):
    from parallax.ingest import article_from_record

    articles = [article_from_record(r, source="t") for r in loadgen.replay_records(data, 9)]
    assert len(store.add_articles(articles).added) == 9


def test_analyses_are_replayed_with_dates_and_perturbed_embeddings(data, monkeypatch, tmp_path):
    monkeypatch.setenv(loadgen.BASE_CACHE_ENV, str(tmp_path / "base.pickle"))
    loadgen._base_analyses.cache_clear()
    pairs = list(loadgen.replay_analyses(data, 6))
    records = list(loadgen.replay_records(data, 6))
    assert [a.id for a, _ in pairs] == [r["id"] for r in records]
    base = loadgen._base_analyses(data)
    for (article, analysis), record in zip(pairs, records, strict=True):
        assert analysis.article_id == article.id
        assert analysis.published == article.published == datetime.fromisoformat(record["date"])
        original = base[f"ev-{record['id'].split('-ev-')[1]}"]
        assert analysis.sentences == original.sentences
        assert np.linalg.norm(analysis.embedding) == pytest.approx(1.0, abs=1e-5)
        assert 0.85 < float(analysis.embedding @ original.embedding) < 0.9999
    # the base analyses were kept for the next process
    assert (tmp_path / "base.pickle").is_file()
    loadgen._base_analyses.cache_clear()


def test_a_replay_can_continue_from_any_item(data, monkeypatch, tmp_path):
    """A store filled with the first k items (or copied from one) is continued with item k."""
    monkeypatch.setenv(loadgen.BASE_CACHE_ENV, str(tmp_path / "base.pickle"))
    loadgen._base_analyses.cache_clear()
    whole = list(loadgen.replay_analyses(data, 11))
    for start in (0, 2, 3, 7):  # the base has 3 texts: inside a cycle and at its edges
        rest = list(loadgen.replay_analyses(data, 11, start=start))
        assert [a for a, _ in rest] == [a for a, _ in whole[start:]]
        assert all(np.array_equal(x.embedding, y.embedding)
                   for (_, x), (_, y) in zip(rest, whole[start:], strict=True))
    loadgen._base_analyses.cache_clear()
