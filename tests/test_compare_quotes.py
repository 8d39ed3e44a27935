"""Quote variants: one statement by one speaker across outlets, never two remarks of one
article, never a source "reporting that"."""

from parallax.compare import compare_articles
from parallax.model import Quote
from test_compare_fixtures import fake_embed, make, unzip

FILLER = "The meeting lasted four hours and ended without a joint press conference."


def _quotes(*pairs):
    articles, analyses = unzip(list(pairs))
    return compare_articles(articles, analyses, embed=fake_embed)["quotes"]


def _said(article_id, quote, speaker="Mirela Vantescu", extra=""):
    text = f"{speaker} told reporters: \u201c{quote}\u201d {extra}{FILLER}"
    return make(article_id, text, entities={speaker: "PERSON"}, quotes=[(quote, speaker)])


def test_rewordings_of_one_statement_form_one_group_with_their_spans():
    pairs = [_said("a", "We spent the morning talking past each other about the river."),
             _said("b", "We spent the whole morning talking past each other about the river."),
             _said("c", "Trucks will cross the border again from the first of April.")]
    [group] = _quotes(*pairs)
    assert group["speaker"] == "Mirela Vantescu"
    assert [v["article"] for v in group["variants"]] == ["a", "b"]
    articles, _ = unzip(pairs)
    for v in group["variants"]:
        text = next(a.text for a in articles if a.id == v["article"])
        assert text[v["start"] : v["end"]] == v["text"]


def test_similar_words_from_two_people_are_two_statements_unless_nearly_verbatim():
    said = "We spent the morning talking past each other about the river."
    reworded = "The whole morning was wasted while both delegations argued about the river."
    assert _quotes(_said("a", said), _said("b", reworded, speaker="Stanislav Korenko")) == []
    # The same words given to two people: one attribution is wrong, the statement is one.
    [group] = _quotes(_said("a", said), _said("b", said, speaker="Stanislav Korenko"))
    assert len(group["variants"]) == 2


def test_two_remarks_in_one_article_never_group_without_another_outlet():
    quote = "We spent the morning talking past each other about the river."
    text = f"Vantescu said: \u201c{quote}\u201d Later she repeated: \u201c{quote}\u201d {FILLER}"
    article, analysis = make("a", text, entities={"Vantescu": "PERSON"})
    first, second = text.index(quote), text.rindex(quote)
    analysis.quotes = [Quote(quote, at, at + len(quote), "Vantescu", "vantescu")
                       for at in (first, second)]
    assert _quotes((article, analysis), make("b", FILLER)) == []


def test_a_broadcaster_reporting_a_fact_is_not_a_quote_variant():
    def reported(article_id):
        text = f"NHK reported that the suspect was detained. {FILLER}"
        article, analysis = make(article_id, text, entities={"NHK": "ORG"},
                                 quotes=[("the suspect was detained", "NHK")])
        analysis.quotes[0].direct = False  # reported speech, not words in quotation marks
        return article, analysis

    assert _quotes(reported("a"), reported("b")) == []


def test_a_quotation_broken_by_its_attribution_is_one_statement():
    first, then = "We are holding an important election now,", "everyone must work together."
    text = f"He said \u201c{first}\u201d and \u201c{then}\u201d {FILLER}"
    article, analysis = make("a", text, entities={"Fumio Kishida": "PERSON"},
                             quotes=[(first, "Fumio Kishida"), (then, None)])
    whole = "We are holding an important election now, and everyone must work together."
    [group] = _quotes((article, analysis), _said("b", whole, speaker="Fumio Kishida"))
    joined = next(v for v in group["variants"] if v["article"] == "a")
    assert joined["text"] == f"{first} \u2026 {then}"
    assert (joined["start"], joined["end"]) == (text.index(first), text.index(then) + len(then))


def test_reported_speech_without_a_named_speaker_is_not_a_variant():
    quote = "We spent the morning talking past each other about the river."
    footage = make("c", f"Video footage showed that {quote[3:]} {FILLER}",
                   quotes=[(quote[3:], "Video footage")])
    footage[1].quotes[0].direct = False
    [group] = _quotes(_said("a", quote), _said("b", quote), footage)
    assert [v["article"] for v in group["variants"]] == ["a", "b"]
