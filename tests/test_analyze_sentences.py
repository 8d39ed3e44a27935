"""Sentence splitting: exact offsets, no text lost, abbreviations and ordinals kept inside."""

from __future__ import annotations

import re
import time

import pytest

from parallax.analyze.sentences import split_sentences

SAMPLES = {
    "en": 'Mr. Smith met U.S. officials on Jan. 5. "We agree," he said. Then he left.',
    "de": "Am 29. Dezember 2020 bebte die Erde. Der Präsident sagte z.B. nichts. Dann ging er.",
    "fr": "M. Lavrov a rencontré son homologue à Sotchi. Les deux ministres ont parlé. C'est fini.",
    "es": "El Sr. Pérez llegó a Madrid. Luego habló con la prensa. Todo terminó bien.",
    "ru": "Министр С. Лавров прибыл в Сочи. Переговоры прошли успешно. Стороны довольны.",
    "tr": "Seçimin 2. turunda oy sayımı sürüyor. Dr. Ahmet geldi. Sonuç belli oldu.",
}


def _covered(text: str, sentences) -> str:
    return "".join(s.text for s in sentences)


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_three_sentences_with_exact_offsets(lang: str) -> None:
    text = SAMPLES[lang]
    sentences = split_sentences(text, lang)
    assert len(sentences) == 3, [s.text for s in sentences]
    for i, s in enumerate(sentences):
        assert s.index == i
        assert text[s.start : s.end] == s.text
    # Nothing lost: every non-blank character is in some sentence.
    assert re.sub(r"\s", "", _covered(text, sentences)) == re.sub(r"\s", "", text)


def test_paragraph_breaks_end_sentences_but_wrapped_lines_do_not() -> None:
    text = (
        "Headline without a full stop\n\n"
        "The quake struck at dawn and\nkilled seven people.\nA new line starts here."
    )
    sentences = split_sentences(text, "en")
    assert [s.text for s in sentences] == [
        "Headline without a full stop",
        "The quake struck at dawn and\nkilled seven people.",
        "A new line starts here.",
    ]


def test_rule_fallback_for_languages_pysbd_lacks() -> None:
    text = "O Sr. Silva chegou a Lisboa. Ele falou com jornalistas! Depois saiu?  Sim."
    sentences = split_sentences(text, "pt")
    assert [s.text for s in sentences] == [
        "O Sr. Silva chegou a Lisboa.",
        "Ele falou com jornalistas!",
        "Depois saiu?",
        "Sim.",
    ]


def test_caseless_scripts_split_on_their_own_punctuation() -> None:
    arabic = "قال لافروف إن التعاون سيتواصل. وأضاف أن العقوبات غير شرعية؟ نعم."
    assert len(split_sentences(arabic, "ar")) == 3
    japanese = "地震が起きた。被害は大きい。"
    assert [s.text for s in split_sentences(japanese, "ja")] == ["地震が起きた。", "被害は大きい。"]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = 'Der Minister sagte: "Wir helfen." Dann ging er.'
    sentences = split_sentences(text, "de")
    assert [s.text for s in sentences] == ['Der Minister sagte: "Wir helfen."', "Dann ging er."]


def test_empty_and_blank_text() -> None:
    assert split_sentences("", "en") == []
    assert split_sentences(" \n\n \t", "de") == []


def test_long_unpunctuated_text_is_fast_and_complete() -> None:
    text = " ".join(["menu item"] * 20_000)  # a 190 kB block without any sentence end
    started = time.perf_counter()
    sentences = split_sentences(text, "en")
    assert time.perf_counter() - started < 2.0
    assert sentences[0].start == 0 and sentences[-1].end == len(text)
