"""Name keys: one key for all spellings and scripts of a name, and none shared by two people."""

from __future__ import annotations

import pytest

from parallax.analyze.names import NameResolver, keys_match, name_key

SAME_KEY = [
    # Turkish with and without diacritics, a typo dropping the soft g, Cyrillic, German
    ["Mevlüt Çavuşoğlu", "Mevlut Cavusoglu", "Mevlüt Çavuşolu", "Мевлют Чавушоглу"],
    ["Çavuşoğlu", "Cavusoglu", "Чавушоглу", "Tschawuschoglu", "Çavuşoğlu'nun", "Cavusoglu's"],
    # German w/v, Cyrillic with case endings
    ["Lawrow", "Лавров", "Lavrov", "Лаврову", "Лавровым", "Lavrov’s"],
    ["Sergej Lawrow", "Сергей Лавров", "Sergei Lavrov", "Sergey Lavrov", "Сергея Лаврова"],
    ["Kemal Kılıçdaroğlu", "Kemal Kilicdaroglu", "Кемаль Кылычдароглу"],
    ["Selenskyj", "Zelenskyy", "Zelensky", "Зеленский", "Зеленского"],
    ["Schoigu", "Shoigu", "Шойгу"],
    ["Kishida", "Kischida", "Кисида"],
    ["Chodorkowski", "Chodorkovski"],
    ["Mr. Musk", "Musk", "Elon Musk's"[5:]],
    ["Recep Tayyip Erdoğan", "Recep Tayyip Erdogan", "Recep Tayyip Erdoğan'ın"],
]

DIFFERENT = [
    ("Sergey Lavrov", "Sergey Shoigu"),
    ("Kim Jong Un", "Kim Jong Il"),
    ("Shinzo Abe", "Akie Abe"),
    ("Erdoğan", "Davutoğlu"),
    ("Cavusoglu", "Davutoglu"),
    ("Musk", "Mask"),
]


@pytest.mark.parametrize("variants", SAME_KEY, ids=[v[0] for v in SAME_KEY])
def test_spelling_variants_share_one_key(variants: list[str]) -> None:
    keys = {name_key(v) for v in variants}
    assert len(keys) == 1, dict(zip(variants, map(name_key, variants), strict=True))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_people_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)
    assert not keys_match(name_key(a), name_key(b))


def test_key_is_plain_lowercase_ascii_without_titles() -> None:
    key = name_key("  Dr.  Ångela   Mérkel-Müller ")
    assert key == key.strip().lower() and key.isascii()
    assert not key.startswith("dr")
    assert name_key("") == ""


def _resolver(*names: tuple[str, str]) -> NameResolver:
    r = NameResolver()
    for name, type_ in names:
        r.add(name_key(name), type_)
    return r


def test_resolver_links_surnames_to_the_full_name() -> None:
    r = _resolver(("Mevlüt Çavuşoğlu", "PERSON"), ("Çavuşoğlu", "PERSON"), ("Чавушоглу", "PERSON"),
                  ("Sergey Lavrov", "PERSON"), ("Лаврову", "PERSON"), ("Lawrows", "PERSON"))
    assert r.same_entity(name_key("Çavuşoğlu"), name_key("Mevlut Cavusoglu"))
    assert r.same_entity(name_key("Чавушоглу"), name_key("Mevlüt Çavuşoğlu"))
    assert r.same_entity(name_key("Лаврову"), name_key("Sergey Lavrov"))
    assert r.same_entity(name_key("Lawrows"), name_key("Lavrov"))  # German genitive
    assert r.resolve(name_key("Лаврову")) == name_key("Sergey Lavrov")
    assert not r.same_entity(name_key("Lavrov"), name_key("Çavuşoğlu"))


def test_resolver_links_near_spellings_and_inflections() -> None:
    r = _resolver(("Recep Tayyip Erdoğan", "PERSON"), ("Эрдогана", "PERSON"),
                  ("Mevlüt Cavusoglu", "PERSON"), ("Мевлютом Чавушоглу", "PERSON"))
    assert r.same_entity(name_key("Эрдогана"), name_key("Erdogan"))
    assert r.same_entity(name_key("Мевлютом Чавушоглу"), name_key("Mevlüt Cavusoglu"))


def test_resolver_keeps_a_shared_surname_ambiguous() -> None:
    r = _resolver(("Shinzo Abe", "PERSON"), ("Akie Abe", "PERSON"), ("Abe", "PERSON"))
    assert not r.same_entity(name_key("Shinzo Abe"), name_key("Akie Abe"))
    assert r.resolve(name_key("Abe")) == name_key("Abe")


def test_resolver_links_arabic_script_by_consonant_skeleton() -> None:
    r = _resolver(("Sergey Lavrov", "PERSON"), ("سيرغي لافروف", "PERSON"), ("لافروف", "PERSON"),
                  ("Recep Tayyip Erdogan", "PERSON"), ("أردوغان", "PERSON"))
    assert r.same_entity(name_key("سيرغي لافروف"), name_key("Sergey Lavrov"))
    assert r.same_entity(name_key("لافروف"), name_key("Lavrov"))
    assert r.same_entity(name_key("أردوغان"), name_key("Erdogan"))
    assert not r.same_entity(name_key("لافروف"), name_key("Erdogan"))
    assert r.resolve(name_key("لافروف")) == name_key("Sergey Lavrov")  # Latin key represents


def test_resolver_does_not_merge_places_with_people() -> None:
    r = _resolver(("Washington", "PLACE"), ("Denzel Washington", "PERSON"))
    assert not r.same_entity(name_key("Washington"), name_key("Denzel Washington"))


def test_resolver_negatives_stay_apart() -> None:
    r = _resolver(*((n, "PERSON") for pair in DIFFERENT for n in pair))
    for a, b in DIFFERENT:
        assert not r.same_entity(name_key(a), name_key(b)), (a, b)


def test_headline_debris_does_not_absorb_names() -> None:
    r = _resolver(("Elon Musk fires Twitter", "PERSON"), ("Twitter", "ORG"),
                  ("Sergey Lavrov Mevlut Cavusoglu", "PERSON"), ("Mevlut Cavusoglu", "PERSON"),
                  ("Mevlut Cavusoglu", "PERSON"))
    assert r.resolve(name_key("Twitter")) == name_key("Twitter")
    assert r.resolve(name_key("Cavusoglu")) == name_key("Mevlut Cavusoglu")


def test_resolver_with_no_names_answers_for_any_key():
    resolver = NameResolver()
    assert resolver.resolve("lavrov") == "lavrov"
    assert not resolver.same_entity("lavrov", "shoigu")
