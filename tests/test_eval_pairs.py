import csv

import pytest

from parallax.eval import shared_data
from parallax.eval.pairs import pearson, read_pairs, run_pairs

DATA = shared_data()
COLUMNS = ["pair_id", "lang1", "lang2", "text1", "text2", "Geography", "Entities", "Time",
           "Narrative", "Overall", "Style", "Tone"]
TALKS = "The foreign ministers met in Sochi and agreed to keep working together. " * 3
QUAKE = "A strong earthquake hit the town before dawn, damaging dozens of houses. " * 3


def test_read_pairs_shares_repeated_texts_and_skips_unusable_rows(tmp_path):
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerow({"pair_id": "1_2", "lang1": "en", "lang2": "en", "text1": TALKS,
                         "text2": QUAKE, "Overall": "4.0", "Geography": "3.5"})
        writer.writerow({"pair_id": "1_3", "lang1": "en", "lang2": "en", "text1": TALKS,
                         "text2": TALKS, "Overall": "1.0"})
        writer.writerow({"pair_id": "4_5", "lang1": "en", "lang2": "en", "text1": TALKS,
                         "text2": "", "Overall": "2.0"})  # empty text
        writer.writerow({"pair_id": "6_7", "lang1": "en", "lang2": "en", "text1": TALKS,
                         "text2": QUAKE, "Overall": ""})  # no gold
    pairs, articles = read_pairs(path)
    assert [p.pair_id for p in pairs] == ["1_2", "1_3"]
    assert len(articles) == 2  # TALKS is analysed once
    assert pairs[0].gold == {"overall": 4.0, "geography": 3.5}
    assert pairs[1].a == pairs[1].b == pairs[0].a


def test_pearson():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 1, 1], [1, 2, 3]) == 0.0  # undefined: no signal


TARGET = 0.75  # the acceptance bar


@pytest.mark.slow
def test_semeval_pair_correlation():
    path = DATA / "semeval2022-t8-dev" / "pairs.csv"
    if not path.exists():
        pytest.skip(f"evaluation data not found: {path}")
    result = run_pairs(path)
    assert result["n"] > 1000
    assert result["pearson"] >= TARGET, result
