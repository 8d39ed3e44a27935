"""The analysis pipeline: complete Analyses for a mixed-language batch, bad input included."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from parallax.analyze import ANALYSIS_VERSION, analyze, analyze_many, document_text
from parallax.analyze.pipeline import published_from_text
from parallax.eval import shared_data
from parallax.model import Article, Slot

DATA = shared_data()

ARTICLES = [
    Article(id="en", lang="en", title="Lavrov and Cavusoglu meet in Sochi",
            published=datetime(2020, 12, 29, 12, tzinfo=UTC),
            text='Russian Foreign Minister Sergey Lavrov met Mevlut Cavusoglu in Sochi on Tuesday. '
                 '"We will continue our military cooperation," Lavrov said. Trade should reach '
                 '$100 billion.'),
    Article(id="de", lang="de", title=None,
            text=" date 2020-12-29 Der russische Außenminister Sergej Lawrow hat seinen "
                 "türkischen Kollegen Mevlüt Çavuşoğlu in Sotschi getroffen. Das Handelsvolumen "
                 "soll 100 Milliarden Dollar erreichen. Am Dienstag sagte Lawrow: „Wir setzen "
                 "die Zusammenarbeit fort.“"),
    Article(id="ru", lang=None, title=None,
            text="Министр иностранных дел России Сергей Лавров провел переговоры с Мевлютом "
                 "Чавушоглу в Сочи 29 декабря 2020 года. Товарооборот должен достичь 100 млрд "
                 "долларов."),
    Article(id="fr", lang="fr", text="Sergueï Lavrov a rencontré Mevlüt Çavuşoğlu à Sotchi."),
    Article(id="empty", lang="en", text=""),
    Article(id="junk", lang="xx", text="\x00\x01 ))) ### 1.2.3.4.5 ---\n\n\n" * 50),
]


@pytest.fixture(scope="module")
def analyses():
    done: list[int] = []
    result = analyze_many(ARTICLES, progress=done.append)
    assert sum(done) == len(ARTICLES)
    return {a.article_id: a for a in result}


def test_every_article_gets_a_complete_analysis(analyses) -> None:
    assert list(analyses) == [a.id for a in ARTICLES]
    for article in ARTICLES:
        analysis = analyses[article.id]
        assert analysis.version == ANALYSIS_VERSION
        assert analysis.embedding is not None and analysis.embedding.shape == (384,)
        assert analysis.embedding.dtype == np.float32
        assert np.linalg.norm(analysis.embedding) == pytest.approx(1.0, abs=1e-3)
        for s in analysis.sentences:
            assert article.text[s.start : s.end] == s.text
        for item in [*analysis.entities, *analysis.slots, *analysis.quotes]:
            assert 0 <= item.start <= item.end <= len(article.text)
    for lang in ("en", "de", "ru", "fr"):
        assert len(analyses[lang].minhash) == 128 and analyses[lang].sentences


def test_languages_are_kept_or_detected(analyses) -> None:
    assert analyses["en"].lang == "en" and analyses["de"].lang == "de"
    assert analyses["ru"].lang == "ru"  # detected: the article had no language


def test_the_same_facts_share_keys_and_values_across_languages(analyses) -> None:
    for lang in ("en", "de", "ru"):
        a = analyses[lang]
        assert "sochi" in {s.value for s in a.slots if s.kind == "place"}, lang
        assert "100000000000 USD" in {s.value for s in a.slots if s.kind == "money"}, lang
        words = {w for e in a.entities if e.type == "PERSON" for w in e.key.split()}
        assert {"lavrov", "cavusolu"} <= words, (lang, words)
    assert "sochi" in {e.key for e in analyses["fr"].entities}


def test_quotes_get_speaker_keys(analyses) -> None:
    quotes = analyses["en"].quotes
    assert any(q.speaker_key == "lavrov" for q in quotes), quotes


def test_published_falls_back_to_the_text(analyses) -> None:
    assert analyses["en"].published == ARTICLES[0].published
    assert analyses["de"].published == datetime(2020, 12, 29, tzinfo=UTC)
    assert analyses["ru"].published == datetime(2020, 12, 29, tzinfo=UTC)
    assert analyses["fr"].published is None


def test_published_from_text_skips_partial_and_future_dates() -> None:
    def slot(value: str, start: int) -> Slot:
        return Slot("date", value, value, start, start + 1, 0)

    slots = [slot("--05-28", 0), slot("2999-01-01", 1), slot("2023-05", 2), slot("2023-05-28", 3)]
    assert published_from_text(slots) == datetime(2023, 5, 28, tzinfo=UTC)
    assert published_from_text([slot("--05-28", 0)]) is None


def test_document_text_is_title_and_lead_cut_at_a_word() -> None:
    body = "word " * 1000
    text = document_text(Article(id="x", text=body, title="Title"))
    assert text.startswith("Title\nword") and len(text) <= 1500 + 6 and text.endswith("word")
    same = Article(id="y", text="Title\n\nBody.", title="Title")
    assert document_text(same) == "Title\n\nBody."


def test_analyze_one() -> None:
    analysis = analyze(Article(id="one", text="Elon Musk bought Twitter for $44 billion.",
                               lang="en"))
    assert analysis.article_id == "one"
    assert {"money"} <= {s.kind for s in analysis.slots}


@pytest.mark.slow
def test_events_dev_analysis_is_complete() -> None:
    """All of events-dev: every article analysed, with entities, slots and its date."""
    path = DATA / "events-dev" / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    articles = [Article(id=r["id"], text=r["text"], title=r.get("title"), lang=r.get("lang"))
                for r in rows]
    result = analyze_many(articles)
    assert len(result) == len(articles)
    assert all(a.sentences and a.embedding is not None for a in result)
    assert sum(bool(a.entities) for a in result) >= 0.95 * len(result)
    assert sum(bool(a.slots) for a in result) >= 0.95 * len(result)
    dated = [(a, r["date"]) for a, r in zip(result, rows, strict=True)
             if len(r["date"] or "") == 10]
    found = sum(a.published is not None and a.published.date().isoformat() == d for a, d in dated)
    assert found >= 0.9 * len(dated)


def test_a_failing_step_costs_only_its_own_result(monkeypatch, caplog) -> None:
    import parallax.analyze.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("quote extractor crashed")

    monkeypatch.setattr(pipeline, "extract_quotes", broken)
    [analysis] = analyze_many([ARTICLES[0]])
    assert analysis.quotes == []
    assert analysis.entities and analysis.slots and analysis.embedding is not None
    assert "quotes failed" in caplog.text and "crashed" in caplog.text
