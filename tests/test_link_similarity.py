import math

import numpy as np
import pytest

from parallax.link.features import FEATURES, CorpusStats, lead, pair_features, profile, tokens
from parallax.link.similarity import score_pair
from parallax.model import Analysis, Entity, Sentence
from test_link_examples import analysis


def test_translations_are_the_same_story():
    for other in ("quake_de", "quake_es"):
        score = score_pair(analysis("quake_en"), analysis(other))
        assert score.same_story, other
        assert score.overall < 2.5


def test_unrelated_articles_are_not():
    for a, b in [("quake_en", "rates"), ("quake_es", "final"), ("rates", "final")]:
        score = score_pair(analysis(a), analysis(b))
        assert not score.same_story, (a, b)
        assert score.overall > score_pair(analysis("quake_en"), analysis("quake_de")).overall


def test_twin_with_other_date_magnitude_and_toll_scores_below_the_true_pair():
    true_pair = score_pair(analysis("quake_en"), analysis("quake_de"))
    twin = score_pair(analysis("quake_en"), analysis("twin"))
    assert twin.probability < true_pair.probability
    assert not twin.same_story  # 3.5 years apart: beyond any story's window
    assert twin.overall > true_pair.overall
    assert twin.time > true_pair.time


def test_scores_are_symmetric_and_on_the_semeval_scale():
    a, b = analysis("quake_de"), analysis("twin")
    ab, ba = score_pair(a, b), score_pair(b, a)
    assert ab.probability == pytest.approx(ba.probability)
    for value in (ab.overall, ab.geography, ab.entities, ab.time, ab.narrative):
        assert 1.0 <= value <= 4.0


def test_features_ignore_what_a_lone_pair_cannot_know():
    x = pair_features(profile(analysis("quake_en")), profile(analysis("quake_en")), CorpusStats())
    named = dict(zip(FEATURES, x, strict=True))
    assert named["cos"] == pytest.approx(1.0, abs=1e-5)
    assert named["lex"] == pytest.approx(1.0)
    assert named["log_gap"] == 0.0 and named["dated"] == 1.0


def test_rare_shared_names_weigh_more_once_the_stream_has_seen_common_ones():
    quake_en, quake_de = profile(analysis("quake_en")), profile(analysis("quake_de"))
    stats = CorpusStats()
    before = pair_features(quake_en, quake_de, stats)[FEATURES.index("actor")]
    for name in ("rates", "final", "twin"):
        stats.add(profile(analysis(name)))
    after = pair_features(quake_en, quake_de, stats)[FEATURES.index("actor")]
    assert after >= before > 0


def test_centring_removes_the_shared_language_component():
    stats = CorpusStats()
    for name in ("quake_en", "twin", "rates", "quake_de", "final"):
        stats.add(profile(analysis(name)))
    same_language = profile(analysis("quake_en")), profile(analysis("rates"))
    raw = float(np.dot(same_language[0].embedding, same_language[1].embedding))
    centred = float(np.dot(stats.centred(same_language[0]), stats.centred(same_language[1])))
    assert centred < raw


def test_tokens_meet_across_scripts_and_inflections():
    assert tokens("Лавров") == tokens("Lavrov")
    assert tokens("Erdoğan'ın")[0] == tokens("Erdogan")[0]
    assert tokens("中国人") == ["中国", "国人"]


def _bare(sentences: list[str], entities: tuple[tuple[str, str], ...] = (), lang: str = "en"
          ) -> Analysis:
    """An analysis with only sentences and entity keys: what the lead and name features read."""
    return Analysis(
        article_id="x", version="test", lang=lang,
        sentences=[Sentence(i, 0, len(s), s) for i, s in enumerate(sentences)],
        entities=[Entity(key, kind, 0, len(key), 0, key) for key, kind in entities],
    )


def test_the_lead_is_the_headline_and_first_sentence_not_the_address_line():
    page = _bare([
        "http: / / www. example. com / news / 2009 / dec / 07 / texas - prisoner - captured",
        "example.",
        "com / story / 2009 / 11 / 30 / inmate",
        "Texas prisoner captured after a week on the run",
        "A convicted inmate who escaped from a prison van was caught on Monday.",
        "Officials praised the search.",
    ])
    assert lead(page) == ("Texas prisoner captured after a week on the run A convicted inmate "
                          "who escaped from a prison van was caught on Monday.")


def test_shared_lead_words_count_beyond_the_whole_text():
    one = _bare(["Staunton police arrest woman in 1967 ice cream shop killings",
                 *["The town council met about the budget."] * 5])
    other = _bare(["Woman charged in 1967 Staunton ice cream shop killings",
                   *["Weather stayed mild across the valley."] * 5])
    x = dict(zip(FEATURES, pair_features(profile(one), profile(other), CorpusStats()),
                 strict=True))
    assert x["lead"] > x["lex"] > 0


def test_name_words_meet_a_name_given_in_part():
    full = _bare(["The Staunton Police Department made an arrest."],
                 (("staunton police department", "ORG"),))
    part = _bare(["Police in Staunton made an arrest."], (("staunton", "PLACE"),))
    other = _bare(["Police in Roanoke made an arrest."], (("roanoke", "PLACE"),))
    stats = CorpusStats()
    x = dict(zip(FEATURES, pair_features(profile(full), profile(part), stats), strict=True))
    assert x["actor"] == x["place"] == 0.0
    assert x["name_words"] > 0.0
    y = dict(zip(FEATURES, pair_features(profile(full), profile(other), stats), strict=True))
    assert y["name_words"] == 0.0


def test_address_lines_are_not_words_of_the_text():
    """Two pages of one site share their address's words ("http www example com news"), not
    their event's: only the text counts, in the whole text as in the lead."""
    one = _bare(["http: / / www. example. com / news / 2009 / texas - prisoner - captured",
                 "Texas prisoner captured after a week on the run."])
    other = _bare(["http: / / www. example. com / news / 2009 / budget - vote - delayed",
                   "Council delays budget vote again."])
    x = dict(zip(FEATURES, pair_features(profile(one), profile(other), CorpusStats()),
                 strict=True))
    assert x["lex"] == x["lead"] == 0.0


def test_words_is_the_length_of_the_shorter_article():
    short = _bare(["Quake hits Izmir."])  # quake, hits, izmir
    long = _bare(["A strong earthquake hit the Aegean coast near Izmir on Friday."])
    x = dict(zip(FEATURES, pair_features(profile(short), profile(long), CorpusStats()),
                 strict=True))
    assert x["words"] == pytest.approx(math.log1p(3))


def test_undated_reports_naming_other_weekdays_clash():
    """Two undated reports say when only by a weekday: the same one across languages is
    shared, another one is a clash (the scrub on Tuesday, the failed launch on Thursday)."""
    def features(one: Analysis, other: Analysis) -> dict[str, float]:
        return dict(zip(FEATURES, pair_features(profile(one), profile(other), CorpusStats()),
                        strict=True))

    thursday = _bare(["The Tern rocket was lost on its first flight on Thursday."])
    same = features(thursday, _bare(["Ракета Tern упала в четверг."], lang="ru"))
    assert same["weekday"] == pytest.approx(1.0) and same["weekday_clash"] == 0.0
    tuesday = features(thursday, _bare(["The Tern launch was scrubbed on Tuesday."]))
    assert tuesday["weekday"] == 0.0 and tuesday["weekday_clash"] == 1.0
    silent = features(thursday, _bare(["The Tern launch was scrubbed."]))
    assert silent["weekday"] == silent["weekday_clash"] == 0.0
