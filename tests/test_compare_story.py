"""compare_articles end to end on a small hand-analysed story: facts and their corroboration,
contradictions, quote variants, entities, the grounded summary and the timeline."""

import pytest

from parallax.compare import compare_articles
from test_compare_fixtures import fake_embed, make, unzip

KEYS = ["articles", "similarity", "facts", "conflicts", "quotes", "reuse", "entities",
        "summary", "timeline"]  # fmt: skip
PEOPLE = {"Andrej Plenkovic": "PERSON", "Plenkovic": "PERSON", "Croatia": "PLACE",
          "Petrinja": "PLACE"}  # fmt: skip


def _story():
    a = make(
        "a",
        "A magnitude 6.4 earthquake struck central Croatia on Tuesday, officials said. "
        "Rescuers pulled survivors from collapsed buildings in Petrinja overnight. "
        "Prime Minister Andrej Plenkovic said: \u201cWe have information that one girl was "
        "killed.\u201d "
        "Slovenia shut down the Krsko nuclear plant as a precaution after the tremor.",
        entities={**PEOPLE, "Slovenia": "PLACE", "Krsko": "PLACE"},
        slots=[("number", "6.4", "6.4 magnitude"), ("date", "Tuesday", "2020-12-29"),
               ("place", "Petrinja", "petrinja")],
        quotes=[("We have information that one girl was killed.", "Andrej Plenkovic")],
        published="2020-12-29T10:00",
    )
    b = make(
        "b",
        "A magnitude 6.2 earthquake struck central Croatia on Tuesday, officials said. "
        "Overnight rescuers in Petrinja pulled more survivors out of collapsed buildings. "
        "Plenkovic said: \u201cWe have information that a young girl was killed.\u201d "
        "The town's kindergarten was destroyed but no children were inside.",
        entities=PEOPLE,
        slots=[("number", "6.2", "6.2 magnitude"), ("date", "Tuesday", "2020-12-29"),
               ("place", "Petrinja", "petrinja")],
        quotes=[("We have information that a young girl was killed.", "Plenkovic")],
        published="2020-12-29T09:00",
        lang="de",
    )
    c = make(
        "c",
        "A magnitude 6.4 earthquake struck central Croatia on Tuesday, officials said. "
        "Shares in European insurers fell on the news in early trading on the exchanges.",
        entities=PEOPLE,
        slots=[("number", "6.4", "6.4 magnitude"), ("date", "Tuesday", "2020-12-29")],
    )
    return unzip([a, b, c])


@pytest.fixture(scope="module")
def comparison():
    articles, analyses = _story()
    return compare_articles(articles, analyses, lang="de", embed=fake_embed)


def _fact_with(comparison, words):
    return next(f for f in comparison["facts"] if words in f["text"])


def test_the_comparison_has_exactly_the_documented_keys(comparison):
    assert list(comparison) == KEYS
    assert [a["id"] for a in comparison["articles"]] == ["a", "b", "c"]
    assert comparison["articles"][1]["lang"] == "de"


def test_a_fact_two_outlets_state_is_corroborated_and_a_lone_one_is_single_source(comparison):
    rescue = _fact_with(comparison, "escuers")
    assert rescue["status"] == "corroborated"
    assert rescue["independent_sources"] == 2
    assert {m["article"] for m in rescue["mentions"]} == {"a", "b"}
    krsko = _fact_with(comparison, "Krsko")
    assert krsko["status"] == "single_source"
    assert [m["article"] for m in krsko["mentions"]] == ["a"]


def test_mentions_point_at_the_sentence_in_the_article_text(comparison):
    articles, _ = _story()
    text = {a.id: a.text for a in articles}
    for fact in comparison["facts"]:
        for m in fact["mentions"]:
            assert text[m["article"]][m["start"] : m["end"]].strip()
    quake = _fact_with(comparison, "magnitude")
    spans = {text[m["article"]][m["start"] : m["end"]] for m in quake["mentions"]}
    assert all("struck central Croatia" in s for s in spans)


def test_differing_magnitudes_are_a_conflict_that_disputes_the_fact(comparison):
    [conflict] = [c for c in comparison["conflicts"] if c["about"] == "number"]
    values = {(v["article"], v["value"]) for v in conflict["values"]}
    assert values == {("a", "6.4 magnitude"), ("b", "6.2 magnitude"), ("c", "6.4 magnitude")}
    assert _fact_with(comparison, "magnitude")["id"] == conflict["fact"]
    assert _fact_with(comparison, "magnitude")["status"] == "disputed"


def test_the_same_statement_by_one_speaker_is_one_quote_group(comparison):
    [group] = comparison["quotes"]
    assert group["speaker"] == "Andrej Plenkovic"
    assert [v["article"] for v in group["variants"]] == ["a", "b"]
    assert 0.0 < group["agreement"] <= 1.0


def test_a_surname_and_the_full_name_are_one_entity(comparison):
    row = next(e for e in comparison["entities"] if e["name"] == "Andrej Plenkovic")
    assert "Plenkovic" in row["aliases"]
    assert row["articles"] == ["a", "b", "c"] or set(row["articles"]) >= {"a", "b"}


def test_every_summary_sentence_is_a_cited_mention_in_the_readers_language(comparison):
    articles, _ = _story()
    text = {a.id: a.text for a in articles}
    assert comparison["summary"]
    for sentence in comparison["summary"]:
        source = sentence["articles"][0]
        assert sentence["text"] in text[source]
        fact = next(f for f in comparison["facts"] if f["id"] == sentence["facts"][0])
        assert set(sentence["articles"]) == {m["article"] for m in fact["mentions"]}
    rescue = next(s for s in comparison["summary"] if "rescuers" in s["text"].lower())
    assert rescue["articles"][0] == "b"  # the German outlet's sentence, for a German reader


def test_the_timeline_dates_each_fact_by_its_first_report(comparison):
    rows = {r["fact"]: r for r in comparison["timeline"]}
    rescue = _fact_with(comparison, "escuers")
    assert rows[rescue["id"]]["article"] == "b"  # b (09:00) reported it before a (10:00)
    assert rows[rescue["id"]]["time"].startswith("2020-12-29T09:00")
    times = [r["time"] for r in comparison["timeline"]]
    assert times == sorted(times)


def test_analyses_must_match_the_articles():
    articles, analyses = _story()
    with pytest.raises(ValueError, match="no analysis"):
        compare_articles(articles, analyses[:2], embed=fake_embed)
    shuffled = compare_articles(articles, analyses[::-1], embed=fake_embed)
    assert [a["id"] for a in shuffled["articles"]] == ["a", "b", "c"]
