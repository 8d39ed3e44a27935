"""Slots: the same fact written in different languages normalises to the same value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parallax.analyze.slots import extract_slots, named_weekdays, parse_number
from parallax.model import Entity, Slot

PUBLISHED = datetime(2020, 12, 29, 15, 0, tzinfo=UTC)

SAME_FACT = {
    "money": {
        "en": "Both sides aim for $100 billion in trade.",
        "fr": "Les deux pays visent 100 milliards de dollars d'échanges.",
        "de": "Beide Seiten streben 100 Milliarden Dollar Handel an.",
        "ru": "Стороны стремятся к товарообороту в 100 млрд долларов.",
        "es": "Ambos buscan 100.000 millones de dólares en comercio.",
        "tr": "Taraflar 100 milyar dolar ticaret hedefliyor.",
        "it": "Le parti puntano a 100 miliardi di dollari.",
    },
    "magnitude": {
        "en": "A magnitude 6.4 earthquake struck.",
        "de": "Ein Erdbeben der Stärke 6,4 erschütterte die Region.",
        "fr": "Un séisme de magnitude 6,4 a frappé.",
        "ru": "Произошло землетрясение магнитудой 6,4.",
        "tr": "6,4 büyüklüğünde deprem meydana geldi.",
        "it": "Un terremoto di magnitudo 6,4 ha colpito.",
    },
    "date": {
        "en": "The quake hit on December 29, 2020.",
        "de": "Das Beben ereignete sich am 29. Dezember 2020.",
        "fr": "Le séisme a eu lieu le 29 décembre 2020.",
        "es": "El sismo ocurrió el 29 de diciembre de 2020.",
        "ru": "Землетрясение произошло 29 декабря 2020 года.",
        "tr": "Deprem 29 Aralık 2020 tarihinde oldu.",
        "pl": "Trzęsienie ziemi nastąpiło 29 grudnia 2020 roku.",
    },
    "percent": {
        "en": "He won 52.1% of the vote.",
        "de": "Er gewann 52,1 Prozent der Stimmen.",
        "fr": "Il a obtenu 52,1 % des voix.",
        "es": "Obtuvo el 52,1 por ciento de los votos.",
        "tr": "Oyların yüzde 52,1'ini aldı.",
        "ru": "Он набрал 52,1% голосов.",
    },
    "time": {
        "en": "It struck at 11:25 local time.",
        "de": "Es bebte um 11.25 Uhr.",
        "fr": "La secousse a eu lieu à 11h25.",
        "tr": "Deprem saat 11.25'te oldu.",
        "ru": "Толчок произошёл в 11:25.",
    },
}
EXPECTED = {
    "money": ("money", "100000000000 USD"),
    "magnitude": ("number", "6.4 magnitude"),
    "date": ("date", "2020-12-29"),
    "percent": ("percent", "52.1"),
    "time": ("time", "11:25"),
}


def _slots(text: str, lang: str, published: datetime | None = None) -> list[Slot]:
    slots = extract_slots(text, lang, [], [], published)
    for s in slots:
        assert text[s.start : s.end] == s.text
    return slots


@pytest.mark.parametrize(
    ("fact", "lang"), [(f, lang) for f, by_lang in SAME_FACT.items() for lang in by_lang]
)
def test_one_fact_one_value_in_every_language(fact: str, lang: str) -> None:
    slots = _slots(SAME_FACT[fact][lang], lang)
    assert EXPECTED[fact] in {(s.kind, s.value) for s in slots}, slots


@pytest.mark.parametrize(
    ("raw", "lang", "value"),
    [
        ("6,4", "de", 6.4), ("6.4", "en", 6.4), ("1.000", "de", 1000), ("1,000", "en", 1000),
        ("1,000", "de", 1.0), ("27.768.023", "tr", 27768023), ("52.17", "tr", 52.17),
        ("1,234.5", "en", 1234.5), ("1.234,5", "de", 1234.5), ("100 000", "fr", 100000),
        ("44.000", "es", 44000),
    ],
)  # fmt: skip
def test_numbers_are_read_by_the_language_conventions(raw: str, lang: str, value: float) -> None:
    assert parse_number(raw, lang) == pytest.approx(value)


def test_units_scales_and_written_numbers() -> None:
    values = {s.value for s in _slots(
        "Musk paid $44 billion, or $54.20 a share; a 41-year-old man and twelve others were "
        "detained 45 km away at 3 p.m.", "en")}
    assert {"44000000000 USD", "54.2 USD", "41 years", "12", "45 km", "15:00"} <= values
    de = {s.value for s in _slots("Die 44-Milliarden-Dollar-Übernahme; sieben Tote.", "de")}
    assert {"44000000000 USD", "7"} <= de
    es = {s.value for s in _slots("Pagó $43 mil millones de dólares.", "es")}
    assert "43000000000 USD" in es


def test_lengths_in_centimetres_and_millimetres_keep_their_unit() -> None:
    en = [s.value for s in _slots("An object about 15 centimeters long; 20 cm to 30 cm.", "en")]
    assert en == ["15 cm", "20 cm", "30 cm"]
    de = [s.value for s in _slots("Ein 15 Zentimeter langes Rohr, 4 mm Regen.", "de")]
    assert de == ["15 cm", "4 mm"]


def test_relative_days_need_the_article_date() -> None:
    text = "On Monday a tremor hit; yesterday a second one."
    assert not [s for s in _slots(text, "en") if s.kind == "date"]
    dates = [s.value for s in _slots(text, "en", PUBLISHED) if s.kind == "date"]
    assert dates == ["2020-12-28", "2020-12-28"]  # 29 Dec 2020 was a Tuesday
    assert [s.value for s in _slots("Am Montag bebte die Erde.", "de", PUBLISHED)] == ["2020-12-28"]


def test_named_weekdays_need_no_article_date_and_meet_across_languages() -> None:
    thursday = {3}
    assert named_weekdays("The rocket was lost on Thursday.", "en") == thursday
    assert named_weekdays("Первый запуск в четверг закончился неудачей.", "ru") == thursday
    assert named_weekdays("Die Rakete stürzte am Donnerstag ab.", "de") == thursday
    assert named_weekdays("Le lancement, mardi, puis l'échec jeudi.", "fr") == {1, 3}
    assert named_weekdays("Yesterday the launch was scrubbed.", "en") == set()


def test_dates_without_year_take_the_article_year() -> None:
    assert [s.value for s in _slots("Runoff on May 28.", "en")] == ["--05-28"]
    assert [s.value for s in _slots("Runoff on May 28.", "en", PUBLISHED)] == ["2020-05-28"]
    january = datetime(2021, 1, 3, tzinfo=UTC)
    assert [s.value for s in _slots("Das Beben vom 29. Dezember.", "de", january)] == [
        "2020-12-29"
    ]


def test_names_with_digits_are_not_numbers() -> None:
    slots = _slots("Turkey bought the S-400 system; Chandrayaan-3 and N1 reported it.", "en")
    assert not [s for s in slots if s.kind == "number"], slots


def test_places_come_from_place_entities() -> None:
    text = "Talks in Sochi."
    sochi = Entity("Sochi", "PLACE", 9, 14, 0, "sochi")
    person = Entity("Talks", "PERSON", 0, 5, 0, "talks")
    slots = extract_slots(text, "en", [], [sochi, person])
    assert [(s.kind, s.value, s.text) for s in slots] == [("place", "sochi", "Sochi")]
