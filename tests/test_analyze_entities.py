"""Entities: spaCy for English/French, rules elsewhere, and places keyed alike in every language."""

from __future__ import annotations

import pytest

from parallax.analyze.entities import extract_entities
from parallax.analyze.gazetteer import gazetteer
from parallax.analyze.sentences import split_sentences
from parallax.model import Entity


def _entities(text: str, lang: str) -> list[Entity]:
    entities = extract_entities(text, lang, split_sentences(text, lang))
    for e in entities:
        assert text[e.start : e.end] == e.text
    return entities


def _by_key(entities: list[Entity]) -> dict[str, str]:
    return {e.key: e.type for e in entities}


TALKS = {
    "en": "Russian Foreign Minister Sergey Lavrov met his Turkish counterpart Mevlut Cavusoglu "
          "in Moscow on Tuesday. Lavrov said NATO was not an issue.",
    "fr": "Le ministre russe Sergueï Lavrov a rencontré son homologue turc Mevlüt Çavuşoğlu à "
          "Moscou mardi. Lavrov a déclaré que l'OTAN n'était pas un problème.",
    "de": "Der russische Außenminister Sergej Lawrow hat seinen türkischen Kollegen Mevlüt "
          "Çavuşoğlu am Dienstag in Moskau getroffen. Lawrow sagte, die Nato sei kein Thema.",
    "es": "El canciller ruso Serguéi Lavrov se reunió con su homólogo turco Mevlüt Çavuşoğlu en "
          "Moscú el martes. Lavrov dijo que la OTAN no era un problema.",
    "ru": "Министр иностранных дел России Сергей Лавров встретился с турецким коллегой Мевлютом "
          "Чавушоглу в Москве во вторник. Лавров заявил, что НАТО не проблема.",
    "tr": "Rusya Dışişleri Bakanı Sergey Lavrov, Türk mevkidaşı Mevlüt Çavuşoğlu ile Salı günü "
          "Moskova'da görüştü. Lavrov, NATO'nun bir sorun olmadığını söyledi.",
}


@pytest.mark.parametrize("lang", sorted(TALKS))
def test_the_same_talks_give_the_same_keys_in_every_language(lang: str) -> None:
    keys = _by_key(_entities(TALKS[lang], lang))
    assert keys.get("moscow") == "PLACE", keys
    assert keys.get("nato") == "ORG", keys
    people = {k for k, t in keys.items() if t == "PERSON"}
    assert {"lavrov", "cavusolu"} <= {w for k in people for w in k.split()}, keys


def test_places_in_many_scripts_and_inflections_share_one_key() -> None:
    gaz = gazetteer()
    for name, lang in [("Moskau", "de"), ("Moscou", "fr"), ("Москва", "ru"), ("Moskova", "tr"),
                       ("موسكو", "ar"), ("Mosca", "it"), ("Москве", "ru"), ("Moskwie", "pl")]:
        assert gaz.match(name, lang) == "moscow", name
    assert gaz.match("Russlands", "de") == "russia"
    assert gaz.match("the United States", "en") == gaz.match("ABD", "tr") == "usa"
    assert gaz.match("us", "en") is None  # the acronym needs its capitals
    assert gaz.entries["sochi"].country == "russia"


def test_gazetteer_file_is_large_and_consistent() -> None:
    gaz = gazetteer()
    places = [p for p in gaz.entries.values() if p.type == "PLACE"]
    assert len(places) >= 300
    assert all(p.country in gaz.entries for p in places if p.country)


def test_german_nouns_are_not_names_but_evidenced_names_are() -> None:
    text = ("Ein Erdbeben der Stärke 6,4 hat die Stadt Petrinja erschüttert. Die Einsatzkräfte "
            "räumen Trümmer. Regierungschef Plenković besuchte am Dienstag die Region, sagte "
            "Premierminister Andrej Plenković. Die Nachrichtenagentur Hina berichtete, Plenković "
            "habe Hilfe versprochen. Bilder zeigen zerstörte Häuser.")
    keys = _by_key(_entities(text, "de"))
    assert keys.get("petrinja") == "PLACE"
    assert any("plenkovic" in k for k, t in keys.items() if t == "PERSON"), keys
    assert keys.get("hina") == "ORG", keys
    for noun in ("erdbeben", "einsatskrafte", "trumer", "bilder", "hauser", "hilfe"):
        assert noun not in keys, keys


def test_sentence_initial_capitals_are_not_names_unless_seen_elsewhere() -> None:
    text = ("Luego de varios días, Twitter confirmó la venta. Elon Musk pagó 44.000 millones. "
            "Según Reuters, Musk despidió al director de Twitter.")
    keys = _by_key(_entities(text, "es"))
    assert "luego" not in keys and "segun" not in keys
    assert "elon musk" in keys and "reuters" in keys and "tviter" in keys


def test_headline_capitals_are_not_names() -> None:
    text = "SANDIKLARIN YÜZDE 99'U AÇILDI: ERDOĞAN ÖNDE\nSeçimi Recep Tayyip Erdoğan kazandı."
    keys = _by_key(_entities(text, "tr"))
    assert "sandiklarin" not in keys and "onde" not in keys
    assert keys.get("recep taip erdoan") == "PERSON"


def test_spacy_entities_are_trimmed_and_typed_by_the_gazetteer() -> None:
    text = "The talks took place in Sochi, where Elon Musk's rival met the United Nations envoy."
    entities = _entities(text, "en")
    keys = _by_key(entities)
    assert keys.get("sochi") == "PLACE"
    assert keys.get("un") == "ORG"
    assert all(not e.text.endswith("'s") and not e.text.startswith("the ") for e in entities)


def test_spacecraft_with_numbers_are_not_places() -> None:
    keys = _by_key(_entities("Die Sonde Luna-25 ist auf dem Mond zerschellt.", "de"))
    assert "luna 25" in keys and keys.get("moon") == "PLACE"


def test_arabic_names_follow_titles_and_link_to_latin_spellings() -> None:
    from parallax.analyze.names import NameResolver, name_key

    text = ("أكد وزير الخارجية الروسي سيرغي لافروف أن التعاون مع تركيا سيتواصل. وقال لافروف في "
            "أعقاب محادثات مع نظيره التركي مولود تشاوش أوغلو في موسكو إن العلاقات جيدة.")
    entities = _entities(text, "ar")
    keys = _by_key(entities)
    assert keys.get("moscow") == "PLACE" and keys.get("turkey") == "PLACE"
    people = [e for e in entities if e.type == "PERSON"]
    assert [e.text for e in people] == ["سيرغي لافروف", "لافروف", "مولود تشاوش أوغلو"]
    resolver = NameResolver()
    for e in people:
        resolver.add(e.key, e.type)
    resolver.add(name_key("Sergey Lavrov"), "PERSON")
    assert resolver.same_entity(people[1].key, name_key("Sergey Lavrov"))
