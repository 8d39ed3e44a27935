"""Acceptance on real and planted data: the seeds, events-dev/facts.jsonl and the demo corpus.

The data is read at run time from ../shared/data (or $PARALLAX_DATA); these tests skip when it
is absent. They run the real analyzer and embedder (cached on disk after the first run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.compare import compare_articles
from parallax.compare.evaluate import run_comparison_eval
from parallax.eval import shared_data
from parallax.ingest import read_inputs
from parallax.model import Article

ROOT = Path(__file__).resolve().parents[1]
DATA = shared_data()
DEMO = ROOT / "examples" / "corpus"

pytestmark = pytest.mark.slow


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    return path


@pytest.fixture(scope="module")
def seeds() -> tuple[list[Article], dict]:
    folder = _need(DATA / "seeds")
    articles = [a for a in read_inputs(sorted(str(p) for p in folder.iterdir()))
                if isinstance(a, Article)]
    assert len(articles) == 2
    return articles, compare_articles(articles)


def _fact_of(comparison: dict, article: Article, phrase: str) -> dict:
    """The fact a sentence of `article` containing `phrase` is a mention of."""
    at = article.text.index(phrase)
    return next(f for f in comparison["facts"] for m in f["mentions"]
                if m["article"] == article.id and m["start"] <= at < m["end"])


def _articles_of(fact: dict) -> set[str]:
    return {m["article"] for m in fact["mentions"]}


def test_seeds_are_one_story(seeds):
    _, comparison = seeds
    [pair] = comparison["similarity"]  # empty when the linker has no fitted parameters
    assert pair["same_story"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("military cooperation will continue despite the US sanctions",
         "military cooperation would not be deterred"),
        ("are not an alternative to its relations with NATO",
         "are not an alternative to its ties with NATO"),
    ],
)
def test_seed_facts_both_state_are_corroborated_by_both(seeds, first, second):
    (a, b), comparison = seeds
    fact = _fact_of(comparison, a, first)
    assert fact == _fact_of(comparison, b, second)
    assert fact["status"] in ("corroborated", "disputed")
    assert fact["independent_sources"] == 2


@pytest.mark.parametrize(
    ("which", "phrase"),
    [
        (0, "agreed to continue joint work to normalize the situation in Libya"),
        (1, "aim for $100B in trade"),
        (1, "Nagorno-Karabakh topic"),
    ],
)
def test_seed_facts_one_states_are_single_source_to_it(seeds, which, phrase):
    articles, comparison = seeds
    fact = _fact_of(comparison, articles[which], phrase)
    assert fact["status"] == "single_source"
    assert _articles_of(fact) == {articles[which].id}


def test_lavrovs_words_on_washington_are_one_quote_group(seeds):
    (a, b), comparison = seeds
    spans = {a.id: a.text.index("illegal pressures on Washington"),
             b.id: b.text.index("Washington's illegitimate pressure")}
    def covered(group: dict) -> set[str]:
        return {v["article"] for v in group["variants"]
                if v["start"] <= spans[v["article"]] < v["end"]}

    groups = [g for g in comparison["quotes"] if covered(g) == set(spans)]
    assert len(groups) == 1
    assert "Lavrov" in groups[0]["speaker"]


def test_both_spellings_of_cavusoglu_are_one_entity(seeds):
    _, comparison = seeds
    rows = [e for e in comparison["entities"]
            if {"Mevlüt Çavuşolu", "Mevlut Cavusoglu"} <= {e["name"], *e["aliases"]}]
    assert len(rows) == 1
    assert rows[0]["type"] == "PERSON"


def test_every_seed_summary_sentence_cites_the_articles_of_its_fact(seeds):
    articles, comparison = seeds
    text = {a.id: a.text for a in articles}
    facts = {f["id"]: f for f in comparison["facts"]}
    assert comparison["summary"]
    for sentence in comparison["summary"]:
        assert sentence["text"] in text[sentence["articles"][0]]
        assert set(sentence["articles"]) == set().union(
            *(_articles_of(facts[f]) for f in sentence["facts"]))


@pytest.fixture(scope="module")
def events_dev() -> dict:
    folder = _need(DATA / "events-dev")
    return run_comparison_eval(folder / "facts.jsonl", folder / "articles.jsonl")


def test_events_dev_copies_and_facts_reach_their_targets(events_dev):
    assert events_dev["copies_recall"]["score"] >= 0.9
    assert events_dev["multi_source_facts_recall"]["score"] >= 0.7


def test_events_dev_conflicts_and_quotes_reach_their_targets(events_dev):
    # Measured on 2026-11-22: conflicts recall 0.8 (12/15), annotated precision 0.867 (13/15);
    # quote variants 1.0 (8/8, 0.875 without the analyzer's keeping of a quote cut off by the
    # end of an excerpt). Missed: the weapon, the kind of election and the injuries (words, not
    # values: no offline model compares them).
    assert events_dev["conflicts_recall"]["score"] >= 0.8
    assert events_dev["conflicts_precision"]["score"] >= 0.7
    assert events_dev["quotes_recall"]["score"] >= 0.8


def test_every_planted_copy_contradiction_and_quote_variant_of_the_demo_is_found():
    _need(DEMO / "facts.jsonl")
    result = run_comparison_eval(DEMO / "facts.jsonl", DEMO / "labels.jsonl")
    assert result["copies_recall"]["score"] == 1.0
    assert result["conflicts_recall"]["score"] == 1.0
    assert result["quotes_recall"]["score"] == 1.0
    assert result["multi_source_facts_recall"]["score"] >= 0.8
