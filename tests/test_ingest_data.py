"""Readers on the real evaluation data in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from parallax.eval import shared_data
from parallax.ingest import read_inputs
from parallax.ingest.normalize import FoundDate, date_from_url, repair_text, split_date_prefix
from parallax.model import Article, ReadError


def data_dir(*parts: str) -> Path:
    root = shared_data()
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    return path


def split(items: list[Article | ReadError]) -> tuple[list[Article], list[ReadError]]:
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, ReadError)],
    )


def test_seeds() -> None:
    articles, errors = split(list(read_inputs([str(data_dir("seeds"))])))
    assert not errors
    assert len(articles) == 2
    first, second = sorted(articles, key=lambda a: a.source)
    assert first.published is None
    assert second.published == datetime(2020, 12, 29, tzinfo=UTC)
    assert not second.text.startswith("date") and second.text.startswith("Russian Foreign")
    assert {a.lang for a in articles} == {"en"}
    assert "Mevlüt Çavuşolu" in first.text  # the misspelling is the source's, kept as is


def test_folder_with_seeds_and_bad_files(tmp_path: Path) -> None:
    for seed in data_dir("seeds").iterdir():
        shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "random.html").write_bytes(random.Random(0).randbytes(5000))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.jsonl").write_text(
        '{"text": "Lavrov said the talks in Sochi went on', "utf-8"
    )
    articles, errors = split(list(read_inputs([str(tmp_path)])))
    assert len(articles) == 2
    assert sorted(Path(e.item).name.split(":")[0] for e in errors) == [
        "broken.jsonl",
        "empty.txt",
        "random.html",
    ]
    assert all(e.reason for e in errors)


def test_events_dev_jsonl() -> None:
    """Ids kept, crawl prefixes stripped into dates that agree with the labelled ones."""
    path = data_dir("events-dev", "articles.jsonl")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    articles, errors = split(list(read_inputs([str(path)])))
    assert not errors
    assert [a.id for a in articles] == [r["id"] for r in records]
    for article, record in zip(articles, records, strict=True):
        assert not article.text.startswith("date ")
        if record["date"]:
            assert article.published is not None
            assert article.published.date().isoformat() == record["date"]
        prefix = re.match(r"\s*date (\d{4}-\d{2})", record["text"])
        if prefix:
            assert article.published is not None
            assert article.published.isoformat().startswith(prefix.group(1))



def test_events_dev_urls_date_the_undated() -> None:
    """A day in the URL dates an article given no day otherwise; on real news it is the event's
    day or up to two days later (reports appear the day after)."""
    folder = data_dir("events-dev", "articles.jsonl").parent
    events = {e["event"]: e for e in map(json.loads, (folder / "events.jsonl").open())}
    records = [json.loads(line) for line in (folder / "articles.jsonl").open(encoding="utf-8")]
    articles, _ = split(list(read_inputs([str(folder / "articles.jsonl")])))
    dated_by_url = [
        (article, record) for article, record in zip(articles, records, strict=True)
        if not record["date"] and not _names_its_day(split_date_prefix(record["text"])[1])
        and _names_its_day(date_from_url(record["url"]))
    ]
    assert len(dated_by_url) >= 10
    for article, record in dated_by_url:
        assert article.published is not None
        event_day = date.fromisoformat(events[record["event"]]["date"][:10])
        assert 0 <= (article.published.date() - event_day).days <= 2, record["id"]


def _names_its_day(found: FoundDate | None) -> bool:
    return found is not None and found.has_day


def test_language_detection_on_events_dev() -> None:
    """Detected (not given) languages agree with the hand-labelled ones on real news."""
    path = data_dir("events-dev", "articles.jsonl")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    unlabelled = [{k: v for k, v in r.items() if k != "lang"} for r in records]
    stdin = "\n".join(json.dumps(r) for r in unlabelled).encode()
    articles, _ = split(list(read_inputs(["-"], stdin=io.BytesIO(stdin))))
    agree = sum(a.lang == r["lang"] for a, r in zip(articles, records, strict=True))
    assert agree / len(records) >= 0.95


MOJIBAKE = re.compile("Ã|Ä±|Ä°|ÄŸ|Å\x9f|ÅŸ|√|ńĪ")


def semeval_texts() -> list[tuple[str, str]]:
    with data_dir("semeval2022-t8-dev", "pairs.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(row[f"lang{i}"], row[f"text{i}"]) for row in rows for i in (1, 2)]


def test_repair_fixes_real_turkish_mojibake() -> None:
    garbled = [text for lang, text in semeval_texts() if lang == "tr" and MOJIBAKE.search(text)]
    assert garbled, "expected some mojibake'd Turkish texts in the SemEval sample"
    for text in garbled:
        repaired = repair_text(text)
        assert not MOJIBAKE.search(repaired), repaired[:200]
        assert re.search("[ıİşŞğĞ]", repaired)
        assert len(repaired) <= len(text)


def test_repair_leaves_clean_real_text_alone() -> None:
    """Outside mojibake, repair only changes layout (whitespace, BOMs, HTML entities)."""
    clean = [text for _, text in semeval_texts() if not MOJIBAKE.search(text)]
    changed = [
        text
        for text in clean
        if " ".join(repair_text(text).split()) != " ".join(text.replace("\ufeff", "").split())
    ]
    assert len(changed) <= len(clean) // 500, changed[:3]
