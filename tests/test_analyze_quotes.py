"""Quote extraction: quoted content and its offsets, speakers in many languages, reported speech."""

from __future__ import annotations

import pytest

from parallax.analyze.quotes import extract_quotes, find_quoted_spans
from parallax.analyze.sentences import split_sentences
from parallax.model import Quote


def quotes(text: str, lang: str = "en") -> list[Quote]:
    found = extract_quotes(text, lang, split_sentences(text, lang))
    for q in found:  # offsets always index the text; the speaker span is where it is written
        assert text[q.start : q.end] == q.text
        if q.speaker_start is not None:
            assert text[q.speaker_start : q.speaker_end]
    return found


def only(text: str, lang: str = "en") -> Quote:
    found = quotes(text, lang)
    assert len(found) == 1, found
    return found[0]


def written_speaker(text: str, q: Quote) -> str:
    assert q.speaker_start is not None, q
    return text[q.speaker_start : q.speaker_end]


@pytest.mark.parametrize(
    ("lang", "text", "content", "speaker", "cue"),
    [
        ("en", "“Military cooperation will continue,” Lavrov said on Tuesday.",
         "Military cooperation will continue,", "Lavrov", "said"),
        ("en", "Sergey Lavrov told reporters: “Our cooperation will continue despite sanctions.”",
         "Our cooperation will continue despite sanctions.", "Sergey Lavrov", "told"),
        ("de", "„Die Sanktionen der USA sind illegal“, sagte Lawrow am Dienstag in Sotschi.",
         "Die Sanktionen der USA sind illegal", "Lawrow", "sagte"),
        ("de", "Außenminister Lawrow erklärte: »Wir setzen die Zusammenarbeit fort.«",
         "Wir setzen die Zusammenarbeit fort.", "Außenminister Lawrow", "erklärte"),
        ("de", "„Wir lassen uns nicht unter Druck setzen“, so Çavuşoğlu.",
         "Wir lassen uns nicht unter Druck setzen", "Çavuşoğlu", "so"),
        ("fr", "« La coopération militaire va se poursuivre », a déclaré Sergueï Lavrov mardi.",
         "La coopération militaire va se poursuivre", "Sergueï Lavrov", "a déclaré"),
        ("fr", "Selon Mevlüt Çavuşoğlu, « les sanctions américaines sont illégitimes ».",
         "les sanctions américaines sont illégitimes", "Mevlüt Çavuşoğlu", "Selon"),
        ("ru", "«Военное сотрудничество продолжится», — заявил Сергей Лавров.",
         "Военное сотрудничество продолжится", "Сергей Лавров", "заявил"),
        ("ru", "По словам Лаврова, «санкции США незаконны».",
         "санкции США незаконны", "Лаврова", "По словам"),
        ("tr", "Çavuşoğlu, “Rusya ile askeri işbirliğimiz devam edecek” dedi.",
         "Rusya ile askeri işbirliğimiz devam edecek", "Çavuşoğlu", "dedi"),
        ("tr", "Lavrov’a göre “ABD yaptırımları yasa dışı”.",
         "ABD yaptırımları yasa dışı", "Lavrov", "göre"),
        ("es", "“La cooperación militar continuará”, dijo el ministro ruso Serguéi Lavrov.",
         "La cooperación militar continuará", "Serguéi Lavrov", "dijo"),
        ("es", "Según Lavrov, “las sanciones son ilegales”.",
         "las sanciones son ilegales", "Lavrov", "Según"),
        ("ar", "وقال لافروف: «التعاون العسكري سيستمر».",
         "التعاون العسكري سيستمر", "لافروف", "وقال"),
    ],
)
def test_direct_quote_with_speaker_before_or_after(
    lang: str, text: str, content: str, speaker: str, cue: str
) -> None:
    q = only(text, lang)
    assert (q.text, q.speaker, q.cue, q.direct) == (content, speaker, cue, True)
    assert written_speaker(text, q) == speaker


def test_nested_quotes_are_one_quote_with_the_inner_marks_kept() -> None:
    text = "“They told me ‘forget it’ and left,” said Maria Lopez."
    q = only(text)
    assert q.text == "They told me ‘forget it’ and left,"
    assert q.speaker == "Maria Lopez"


def test_a_quote_spans_sentences_and_continues_over_paragraphs() -> None:
    text = (
        "“We will not be pressured. Our partners know this.\n\n"
        "“Military cooperation will continue,” Lavrov said."
    )
    first, second = quotes(text)
    assert first.text == "We will not be pressured. Our partners know this."
    assert second.text == "Military cooperation will continue,"
    assert first.speaker == second.speaker == "Lavrov"
    assert first.sentence < second.sentence


def test_a_quote_interrupted_by_its_attribution_keeps_the_speaker() -> None:
    text = (
        "“Trade will reach $100 billion,” Cavusoglu said after the talks. "
        "“We are working on it every day.”"
    )
    first, second = quotes(text)
    assert second.text == "We are working on it every day."
    assert second.speaker == first.speaker == "Cavusoglu"
    assert (second.speaker_start, second.speaker_end) == (first.speaker_start, first.speaker_end)


def test_apostrophes_are_not_quotation_marks() -> None:
    text = (
        "Clinton’s team said it’s the Democrats’ plan, not Trump's, and the '90s are over. "
        "They can't say what O’Brien's view is."
    )
    assert find_quoted_spans(text) == []
    assert all(q.direct is False for q in quotes(text))


def test_single_quotes_and_double_apostrophes_are_quotes() -> None:
    text = "''We will win,'' said Ted Cruz. 'It's over,' said his rival, Marco Rubio."
    first, second = quotes(text)
    assert (first.text, first.speaker) == ("We will win,", "Ted Cruz")
    assert (second.text, second.speaker) == ("It's over,", "Marco Rubio")


def test_pronoun_speaker_resolves_to_the_person_named_before() -> None:
    text = (
        "Russian Foreign Minister Sergey Lavrov met Mevlut Cavusoglu in Sochi. "
        "“Military cooperation will continue,” he said."
    )
    q = only(text)
    assert written_speaker(text, q) == "he"
    assert q.speaker == "Sergey Lavrov"


def test_pronoun_resolution_without_a_parse_uses_names() -> None:
    text = (
        "Außenminister Sergej Lawrow traf Mevlüt Çavuşoğlu in Sotschi. "
        "„Die Zusammenarbeit geht weiter“, sagte er."
    )
    q = only(text, "de")
    assert written_speaker(text, q) == "er"
    assert q.speaker == "Außenminister Sergej Lawrow"


def test_a_cue_without_a_subject_takes_the_person_just_named() -> None:
    text = ("Il ministro degli Esteri, Luigi Rossi, è arrivato a Roma ieri sera. "
            "«La cooperazione continuerà», ha dichiarato.")
    q = only(text, "it")
    assert (q.text, q.speaker, q.cue) == ("La cooperazione continuerà", "Luigi Rossi",
                                          "ha dichiarato")
    assert written_speaker(text, q) == "Luigi Rossi"


def test_the_subject_of_the_cue_beats_a_nearer_name() -> None:
    text = 'Prime Minister Ana Horvat, who rushed to Zagreb, said: "We have no other information."'
    assert only(text).speaker == "Ana Horvat"


def test_a_quote_cut_short_by_the_end_of_the_text_is_kept() -> None:
    text = "“We have won the second round,” Erdogan said.\n“We will govern for five more"
    first, second = quotes(text)
    assert second.text == "We will govern for five more"
    assert second.speaker == first.speaker == "Erdogan"


def test_english_reported_speech_has_the_complement_as_content() -> None:
    text = "Lavrov said that military cooperation would continue despite US sanctions."
    q = only(text)
    assert q.direct is False
    assert q.text == "that military cooperation would continue despite US sanctions"
    assert (q.speaker, q.cue) == ("Lavrov", "said")


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        ("Military cooperation will continue, the Russian minister told reporters.",
         "Military cooperation will continue", "the Russian minister"),
        ("According to the ministry, the talks lasted three hours.",
         "the talks lasted three hours", "the ministry"),
        ("Cavusoglu accused Washington of illegal pressure on Ankara.",
         "Washington of illegal pressure on Ankara", "Cavusoglu"),
        ("The minister vowed to continue the talks in January.",
         "to continue the talks in January", "The minister"),
    ],
)
def test_english_reported_speech_constructions(text: str, content: str, speaker: str) -> None:
    q = only(text)
    assert (q.text, written_speaker(text, q), q.direct) == (content, speaker, False)


def test_reported_speech_is_not_repeated_for_a_direct_quote() -> None:
    text = "“Our cooperation is not directed against anyone,” Lavrov said."
    q = only(text)
    assert q.direct is True


def test_reported_speech_inside_a_quote_belongs_to_the_quoted_speaker() -> None:
    text = "“I think the sanctions will fail,” Lavrov said."
    q = only(text)
    assert (q.direct, q.speaker) == (True, "Lavrov")


def test_titles_and_scare_quotes_are_not_quotes() -> None:
    text = (
        "He spoke on “Meet the Press” about the so-called “experts” and the "
        "“Make America Great Again” slogan."
    )
    assert [q for q in quotes(text) if q.direct] == []


def test_colon_lines_in_headlines_and_transcripts() -> None:
    text = "Paul Ryan: The decision defies explanation\n\nQ: Will you run again?\nA: No, I won't."
    found = quotes(text)
    assert [(q.speaker, q.text) for q in found] == [
        ("Paul Ryan", "The decision defies explanation"),
        ("Q", "Will you run again?"),
        ("A", "No, I won't."),
    ]


@pytest.mark.parametrize(
    "text",
    ["", "“", "\"\"\"", "» « “ ” „ ’ ‘", "Unclosed “quote that never ends\n\nNext paragraph.",
     "said said said: according to", "“" * 500 + "x" + "”" * 500],
)
def test_odd_input_never_raises(text: str) -> None:
    for lang in ("en", "de", "xx"):
        for q in extract_quotes(text, lang, split_sentences(text, lang)):
            assert text[q.start : q.end] == q.text
