"""The matching rules of the comparison scorer (evaluate.py), on hand-made predictions."""

import json

import pytest

from parallax.compare.evaluate import (
    conflict_matches,
    run_comparison_eval,
    score_event,
    values_agree,
)
from parallax.model import Article


@pytest.mark.parametrize(
    ("gold", "predicted", "agree"),
    [
        ("6.4", "6.4 magnitude", True),
        ("52.10", "52.1%", True),
        ("30 miles", "30 mi", True),
        ("11:20", "11:20", True),
        ("20-30 cm", "20 cm / 30 cm", True),
        ("6.4", "6.2 magnitude", False),
        ("Moscow", "Moscow", True),
        ("Stanislav Kovalenko", "Kovalenko", True),
        ("Sochi", "Moscow", False),
    ],
)
def test_values_agree_by_number_or_by_name(gold, predicted, agree):
    assert values_agree(gold, predicted) is agree


GOLD = {"about": "magnitude", "values": {"a": "6.4", "b": "6.2", "c": "6.4"}}


def test_a_conflict_matches_when_two_differing_annotated_values_are_reported():
    found = {"values": [{"article": "a", "value": "6.4 magnitude", "sentence": 0},
                        {"article": "b", "value": "6.2 magnitude", "sentence": 0}]}
    same_side = {"values": [{"article": "a", "value": "6.4 magnitude", "sentence": 0},
                            {"article": "c", "value": "6.4 magnitude", "sentence": 0}]}
    wrong_value = {"values": [{"article": "a", "value": "10 km", "sentence": 0},
                              {"article": "b", "value": "6.2 magnitude", "sentence": 0}]}
    assert conflict_matches(GOLD, found)
    assert not conflict_matches(GOLD, same_side)
    assert not conflict_matches(GOLD, wrong_value)


def _article(article_id, text):
    return Article(id=article_id, text=text)


def test_copies_quotes_and_facts_are_scored_by_their_rules():
    articles = {"a": _article("a", "He said \u201cwe will win\u201d today. Rain fell."),
                "b": _article("b", "\u201cWe shall win,\u201d he said. Snow fell.")}
    event = {
        "facts": [],
        "conflicts": [GOLD],
        "quote_variants": [{"speaker": "X", "articles": {"a": "we will win",
                                                         "b": "We shall win,"}}],
        "copies": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}],
    }
    comparison = {
        "facts": [],
        "conflicts": [],
        "reuse": [{"source": "b", "target": "a", "shared_fraction": 0.9, "credited": None}],
        "quotes": [{"speaker": "X", "agreement": 0.9, "variants": [
            {"article": "a", "text": "we will win", "start": 9, "end": 20},
            {"article": "b", "text": "We shall win", "start": 1, "end": 13}]}],
    }
    scores = score_event(event, comparison, articles)
    assert scores["copies_recall"] == (1, 2)  # either direction counts
    assert scores["quotes_recall"] == (1, 1)
    assert scores["conflicts_recall"] == (0, 1)
    assert scores["conflicts_precision"] == (0, 0)


def test_run_comparison_eval_reads_an_events_dev_layout(tmp_path):
    articles = [{"id": "x1", "event": "e", "text": "The quake struck at noon, officials said."},
                {"id": "x2", "event": "e", "text": "The quake struck at noon, police said."}]
    (tmp_path / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles))
    (tmp_path / "facts.jsonl").write_text(json.dumps(
        {"event": "e", "facts": [], "conflicts": [], "quote_variants": [],
         "copies": [{"from": "x1", "to": "x2"}]}))
    seen = []

    def compare(batch):
        seen.append([a.id for a in batch])
        return {"facts": [], "conflicts": [], "quotes": [],
                "reuse": [{"source": "x1", "target": "x2"}]}

    result = run_comparison_eval(tmp_path / "facts.jsonl", tmp_path / "articles.jsonl", compare)
    assert seen == [["x1", "x2"]]
    assert result["copies_recall"] == {"score": 1.0, "hit": 1, "n": 1}
    assert result["n_events"] == 1
