"""Known places and organisations in many languages and scripts, keyed by one English slug.

"Moskau", "Moscou", "Москве" and "موسكو" must all become the place "moscow", or articles in
different languages could never agree (or disagree) about where something happened. The data
(data/gazetteer.json) lists ~300 countries, capitals, major cities and regions and a few
international organisations with their names in en/de/fr/es/it/ru/tr/ar (and some others).
Inflected forms are matched by stripping endings: Slavic case endings, the German genitive -s,
Arabic one-letter proclitics (و ب ل ف ك).
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from parallax.model import EntityType

TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:[-‐]\w+)*")
MAX_TOKENS = 5

_SLAVIC = frozenset(["ru", "uk", "be", "bg", "sr", "hr", "bs", "sl", "pl", "cs", "sk", "mk"])
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_SLAVIC_ENDING_LIST = """
ями ами ого ему ому ыми ими ией ах ях ам ям ой ей ом ем ую юю ая яя ое ее ые ие ых их ия ии ию ье
ья ый ий ы и е у ю а я о ь й ach ami ów ych ich ymi imi ego emu owi iu ie ią ą ę y i e u a o
"""
_SLAVIC_ENDINGS = sorted(_SLAVIC_ENDING_LIST.split(), key=len, reverse=True)
_ARABIC_PROCLITICS = "وبلفك"
# Case suffixes written onto names, as (ending, what replaces it), for languages whose
# inflection the Slavic stems do not cover: German genitive, Romanian articles and cases,
# Hungarian case endings.
_INFLECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (("s", ""),),
    "ro": (("ului", ""), ("iei", "ia"), ("ii", "ia"), ("ei", "a"), ("ul", ""), ("i", "a")),
    "hu": tuple((e, "") for e in ("ban", "ben", "ba", "be", "ból", "ből", "ra", "re",
                                  "ról", "ről", "nak", "nek", "hoz", "hez", "höz", "tól", "től",
                                  "ig", "on", "en", "ön", "ot", "et", "t")),
}
_FOLD_TABLE = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae",
                             "œ": "oe", "ё": "е", "’": "'"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive form that keeps the script (Москва stays Cyrillic, and й
    keeps its breve)."""
    out = []
    for ch in text.casefold():
        if "\u0400" <= ch <= "\u04ff":
            out.append(ch)
        else:
            out.extend(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return "".join(out).translate(_FOLD_TABLE)


def stems(word: str) -> set[str]:
    """The folded word and what remains of it without each Slavic case ending it may carry
    (ambiguous: "Карабах" may be a stem or "Караб" + -ах), keeping at least three letters."""
    return {word} | {
        word[: -len(e)] for e in _SLAVIC_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3
    }


@dataclass(frozen=True)
class Place:
    key: str
    type: EntityType  # PLACE, or ORG for the organisations
    kind: str  # country, city, region, org
    country: str | None


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self.entries: dict[str, Place] = {}
        self._exact: dict[tuple[str, ...], str] = {}
        self._stems: dict[tuple[str, ...], str] = {}
        self._upper: set[tuple[str, ...]] = set()  # acronyms: "US" must not match "us"
        self._mixed: set[tuple[str, ...]] = set()
        for section, type_ in (("places", "PLACE"), ("orgs", "ORG")):
            for key, entry in data[section].items():
                self.entries[key] = Place(key, type_, entry["kind"], entry.get("country"))
                for names in entry["names"].values():
                    for name in names:
                        self._add(name, key)
        self._upper -= self._mixed

    def _add(self, name: str, key: str) -> None:
        words = tuple(fold(w) for w in TOKEN.findall(name))
        if not words or len(words) > MAX_TOKENS:
            return
        self._exact.setdefault(words, key)
        short_acronym = name.isupper() and len(name.replace(".", "")) <= 4
        (self._upper if short_acronym else self._mixed).add(words)
        for variant in itertools.product(*(sorted(stems(w)) for w in words)):
            self._stems.setdefault(variant, key)

    def lookup(self, words: list[str], lang: str) -> str | None:
        """The key of the place named by these text tokens, or None."""
        folded = tuple(fold(w) for w in words)
        key = self._exact.get(folded)
        if key:
            return key if folded not in self._upper or all(w.isupper() for w in words) else None
        last = folded[-1]
        for raw_ending, replacement in _INFLECTIONS.get(lang, ()):
            ending = fold(raw_ending)
            if last.endswith(ending) and len(last) - len(ending) >= 3:
                base = (*folded[:-1], last[: -len(ending)] + replacement)
                if base in self._exact and base not in self._upper:
                    return self._exact[base]
        if lang in _SLAVIC or _CYRILLIC.search(last):
            for variant in itertools.product(*(sorted(stems(w)) for w in folded)):
                if variant in self._stems:
                    return self._stems[variant]
        if _ARABIC.match(folded[0]) and folded[0][0] in _ARABIC_PROCLITICS and len(folded[0]) > 3:
            return self._exact.get((folded[0][1:], *folded[1:]))
        return None

    def match(self, name: str, lang: str) -> str | None:
        """The key of a whole name ("Moskau", "the United States"), or None."""
        words = TOKEN.findall(name)
        if len(words) > 1 and fold(words[0]) in ("the", "la", "le", "el", "die", "der", "das"):
            words = words[1:]
        return self.lookup(words, lang) if 0 < len(words) <= MAX_TOKENS else None


@cache
def gazetteer() -> Gazetteer:
    text = resources.files("parallax.analyze").joinpath("data/gazetteer.json").read_text("utf-8")
    return Gazetteer(json.loads(text))


@cache
def lexicon() -> dict:
    text = resources.files("parallax.analyze").joinpath("data/lexicon.json").read_text("utf-8")
    return json.loads(text)
