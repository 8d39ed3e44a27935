"""The `parallax` command line as a user runs it: ingest, list, search, stats, on both backends."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallax.cli import app
from parallax.eval import shared_data

DATA = shared_data()
SEEDS = DATA / "seeds"


@pytest.fixture
def seeds() -> list[Path]:
    found = sorted(SEEDS.glob("*.txt"))
    if len(found) != 2:
        pytest.skip(f"seed articles not found: {SEEDS} (the shared evaluation data is absent)")
    return found


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def articles_json(db_url: str) -> list[dict]:
    result = run("articles", "--format", "json", "--db", db_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingesting_the_seeds_twice_stores_them_once(db_url, seeds):
    first = run("ingest", *map(str, seeds), "--db", db_url)
    second = run("ingest", *map(str, seeds), "--db", db_url)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    stored = articles_json(db_url)
    assert len(stored) == 2
    assert "2 already stored" in second.stderr
    dated = [a for a in stored if a["published"]]
    assert [a["published"][:10] for a in dated] == ["2020-12-29"]


def test_bad_files_are_named_and_the_good_ones_stored(db_url, seeds, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    (folder / "noise.html").write_bytes(os.urandom(4096))
    (folder / "empty.txt").write_text("")
    (folder / "broken.jsonl").write_text('{"id": "x", "text": "unterminated')
    result = run("ingest", str(folder), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert len(articles_json(db_url)) == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    for name in ("noise.html", "empty.txt", "broken.jsonl"):
        assert any(name in line for line in errors), (name, errors)
    assert len(errors) == 3


def test_nothing_readable_exits_non_zero(db_url, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = run("ingest", str(tmp_path / "empty.txt"), "--db", db_url)
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr


def test_search_stats_and_stories_after_ingest(db_url, seeds):
    run("ingest", *map(str, seeds), "--db", db_url)
    hits = run("search", "Sochi", "--format", "json", "--db", db_url)
    assert hits.exit_code == 0
    assert len(json.loads(hits.stdout)) == 2
    stats = json.loads(run("stats", "--format", "json", "--db", db_url).stdout)
    assert stats["articles"] == 2 and stats["analyzed"] == 2
    stories = json.loads(run("stories", "--format", "json", "--db", db_url).stdout)
    assert [s["articles"] for s in stories] == [2], "the two seeds report one event"


def test_bad_database_url_is_a_clear_error():
    result = run("stats", "--db", "nosuchdriver://x")
    assert result.exit_code == 2
    assert "error" in result.stderr.lower()


def test_help_explains_every_command():
    for command in ("ingest", "articles", "search", "stats", "stories", "similarity", "demo"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "--db" in result.stdout or command == "similarity"


DEMO = Path(__file__).resolve().parents[1] / "examples" / "corpus" / "articles"


def test_every_reader_reaches_the_store(db_url, tmp_path):
    """One article of each format, through the CLI, into SQLite and PostgreSQL alike."""
    from test_ingest_readers import write_warc

    for name in ("a01.txt", "a04.html", "a03.json", "a06.xml"):  # the demo corpus's formats
        shutil.copy(DEMO / name, tmp_path / name)
    record = json.loads((DEMO / "a05.json").read_text(encoding="utf-8"))
    (tmp_path / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    page = (DEMO / "a11.html").read_text(encoding="utf-8")
    write_warc(tmp_path / "crawl.warc.gz", [("https://archive.example/a11", page)])
    result = run("ingest", str(tmp_path), "--db", db_url)
    assert result.exit_code == 0, result.output
    formats = sorted(a["source"].rsplit(".", 1)[-1] for a in articles_json(db_url))
    assert formats == ["gz", "html", "json", "jsonl", "txt", "xml", "xml", "xml"]
