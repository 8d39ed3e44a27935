"""Canonical keys for names, so that every spelling and script of one name compares equal.

Outlets spell the same person "Mevlüt Çavuşoğlu", "Mevlut Cavusoglu", "Tschawuschoglu" or
"Чавушоглу". `name_key` maps such variants onto one phonetic-ish skeleton without any context
(it is not meant for display). What cannot be decided without context (a bare surname, a
German genitive "Lawrows", an Arabic spelling without vowels, a typo) is left to
`NameResolver`, which links the keys seen in one set of articles.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np
from anyascii import anyascii
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

# Two tokens of at least this many letters whose normalised similarity reaches the threshold
# are taken as one spelling (tuned on the variants in tests/test_analyze_names.py: true variants
# score >= 0.85 once transliteration is normalised, different surnames < 0.8).
TOKEN_SIMILARITY = 0.85
MIN_FUZZY_LEN = 5
# Longer runs of capitalised words are rarely one person's name (headlines, tag lists), so
# surnames are not linked to them.
MAX_FULL_NAME_TOKENS = 3
# Arabic and Hebrew scripts do not write short vowels: their keys are compared as consonant
# skeletons, more leniently, because their transliterations vary more.
SKELETON_SIMILARITY = 0.75

_APOSTROPHES = "'’ʼ`´‘"
_ELISION = re.compile(r"^(?:[dlDL]|[Dd]ell|[Qq]u)[" + _APOSTROPHES + r"](?=\w)")
_SUFFIX = re.compile(r"[" + _APOSTROPHES + r"]\w{0,6}$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ABJAD = re.compile(r"[\u0590-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufefc]")
# Oblique-case endings of Russian names: (stem pattern, ending, replacement).
_CYRILLIC_CASES = [
    (re.compile(r"(ск|цк)(ого|ому|им|ом)$"), "ий"),
    (re.compile(r"(ск|цк)(ой|ую)$"), "ая"),
    (re.compile(r"(ов|ев|ёв|ин|ын)(ой|ую)$"), "а"),
    (re.compile(r"(ов|ев|ёв|ин|ын)(а|у|ым|ом|е)$"), ""),
    (re.compile(r"(е|а)(я|ю|ем)$"), "й"),
    (re.compile(r"([бвгджзклмнпрстфхцчшщ])(ом|ым|ем)$"), ""),
]
# Female first names that look like oblique cases of surnames (Ирина is not "Ирин" + -а).
_CYRILLIC_FIRST_NAME_LIST = """
ирина марина екатерина галина алина полина кристина валентина нина арина ангелина карина регина
альбина дина зарина
"""
_CYRILLIC_FIRST_NAMES = frozenset(_CYRILLIC_FIRST_NAME_LIST.split())
# Forms of address dropped from the front of a key ("г-н" folds to "g n").
_TITLE_LIST = "mr mrs ms miss dr prof sir herr frau mme mlle m sr sra srta don dona sn sayin g n"
_TITLES = frozenset(_TITLE_LIST.split())
# Spelling variants of one sound across transliteration conventions, applied in order.
_SPELLING = [
    (re.compile(r"shch"), "s"),
    (re.compile(r"tsch|tch|dzh|dj"), "c"),
    (re.compile(r"sch|sh|zh"), "s"),
    (re.compile(r"ch"), "c"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "s"),
    (re.compile(r"[yj]"), "i"),
    (re.compile(r"ou|iu"), "u"),  # Moscou; Мевлют -> Mevlyut
    (re.compile(r"(?<=[aeiou])g(?=[aeiou]|l[aeiou])"), ""),  # Turkish soft g: Çavuşoğlu/-olu
    (re.compile(r"(?<=[oe])f$"), "v"),  # Lavrof, Lavroff
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=\w)[ei]i$"), "i"),  # Sergey/Sergei/Sergej/Sergii
]
_SKELETON_DROP = re.compile(r"[aeiouwyh]|g(?=h)")


def fold(text: str) -> str:
    """Lower-case ASCII with accents and scripts transliterated: the basis of all name keys."""
    return anyascii(unicodedata.normalize("NFKC", text)).casefold()


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The context-free canonical key of a name (a person, organisation or place)."""
    tokens = [_strip_inflection(t) for t in re.split(r"[\s\-‐–—/]+", text.strip()) if t]
    abjad = any(_ABJAD.search(t) for t in tokens)
    words = [w for t in tokens for w in re.findall(r"[a-z0-9]+", fold(t))]
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    return " ".join(_skeleton(w) if abjad else _spelling(w) for w in words)


def _strip_inflection(token: str) -> str:
    token = _ELISION.sub("", token)
    if len(token) > 2:
        token = _SUFFIX.sub("", token)
    lower = token.lower()
    if _CYRILLIC.search(token) and len(token) >= 5 and lower not in _CYRILLIC_FIRST_NAMES:
        for pattern, repl in _CYRILLIC_CASES:
            m = pattern.search(lower)
            if m:
                cut = m.start() + len(m.group(1))
                return token[:cut] + repl
    return token


def _spelling(word: str) -> str:
    if word.isdigit():
        return word
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


def _skeleton(word: str) -> str:
    """Consonants only, with the letters abjads write or drop inconsistently merged; upper case
    marks the token as a skeleton (all other keys are lower case)."""
    word = _SKELETON_DROP.sub("", word.replace("v", "f").replace("p", "b"))
    word = word.replace("k", "q").replace("c", "s").replace("z", "s").replace("j", "")
    word = re.sub(r"(.)\1+", r"\1", word.replace("g", ""))
    return word.upper()


def is_skeleton(token: str) -> bool:
    return token.isupper()


def tokens_match(a: str, b: str) -> bool:
    """One token of a name key against another: equal, near-equal, or equal as skeletons."""
    if a == b:
        return True
    if is_skeleton(a) != is_skeleton(b):
        sa, sb = (t if is_skeleton(t) else _skeleton(t) for t in (a, b))
        return len(sa) >= 2 and Indel.normalized_similarity(sa, sb) >= SKELETON_SIMILARITY
    if min(len(a), len(b)) < MIN_FUZZY_LEN or a[0] != b[0]:
        return False
    return Indel.normalized_similarity(a, b) >= TOKEN_SIMILARITY


def keys_match(a: str, b: str) -> bool:
    """Two full keys name the same thing when all their tokens match in order."""
    ta, tb = a.split(), b.split()
    return len(ta) == len(tb) and all(tokens_match(x, y) for x, y in zip(ta, tb, strict=True))


class NameResolver:
    """Links the keys seen in one set of articles: spelling variants, and surnames to full names.

    A bare surname ("Çavuşoğlu", "Лаврову") is linked to the one full person name whose last
    tokens it matches ("Mevlüt Çavuşoğlu"); when two full names share it, it stays apart.
    Places are only linked to places.
    """

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._types: dict[str, Counter[str]] = {}
        self._parent: dict[str, str] | None = None
        self._unseen: dict[str, str] = {}
        self._people: list[str] = []  # full person names, the targets of surname links

    def add(self, key: str, type: str | None = None) -> None:
        if not key:
            return
        self._counts[key] += 1
        self._types.setdefault(key, Counter())[type or "MISC"] += 1
        self._parent = None
        self._unseen = {}

    def add_many(self, items: Iterable[tuple[str, str | None]]) -> None:
        for key, type_ in items:
            self.add(key, type_)

    def resolve(self, key: str) -> str:
        """The representative key of the group `key` belongs to. A key never added is matched
        against the groups (as a spelling variant or a surname) without joining them; it is
        its own representative when it matches none, or more than one."""
        groups = self._groups()
        if key in groups:
            return groups[key]
        if key not in self._unseen:
            reps = {groups[k] for k in groups
                    if _variant(key, k) or (k in self._people and _ends(k, key))}
            self._unseen[key] = reps.pop() if len(reps) == 1 else key
        return self._unseen[key]

    def same_entity(self, a: str, b: str) -> bool:
        return a == b or self.resolve(a) == self.resolve(b)

    def _type(self, key: str) -> str:
        """The type a key was seen with most often (NER tags the same name inconsistently)."""
        return self._types[key].most_common(1)[0][0]

    def _groups(self) -> dict[str, str]:
        if self._parent is None:
            self._parent = self._build()
        return self._parent

    def _build(self) -> dict[str, str]:
        keys = sorted(self._counts)
        self._people = [k for k in keys
                        if self._type(k) == "PERSON" and 1 < len(k.split()) <= MAX_FULL_NAME_TOKENS]
        parent = {k: k for k in keys}

        def find(k: str) -> str:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        def union(a: str, b: str) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        for a, b in self._variant_pairs(keys):
            union(a, b)
        for short, full in self._surname_links(keys, find):
            union(short, full)
        groups: dict[str, list[str]] = {}
        for k in keys:
            groups.setdefault(find(k), []).append(k)
        rep = {root: max(members, key=self._rank) for root, members in groups.items()}
        return {k: rep[find(k)] for k in keys}

    def _rank(self, key: str) -> tuple[bool, bool, int, str]:
        """The representative: a full name over a surname, a Latin key over a skeleton, then
        the most frequent spelling (long runs of capitals are often headline or tag debris)."""
        return (" " in key, not key.isupper(), self._counts[key], key)

    def _variant_pairs(self, keys: list[str]) -> list[tuple[str, str]]:
        # A cheap whole-key prefilter keeps the token-by-token check off most pairs; skeleton
        # keys look unlike their Latin spellings, so they skip it.
        if len(keys) < 2:
            return []
        scores = cdist(keys, keys, scorer=Indel.normalized_similarity, score_cutoff=0.5)
        skeletal = np.array([any(is_skeleton(t) for t in k.split()) for k in keys])
        candidates = (scores > 0) | skeletal[:, None] | skeletal[None, :]
        pairs = []
        for i, j in zip(*np.nonzero(np.triu(candidates, k=1)), strict=True):
            a, b = keys[i], keys[j]
            if self._compatible(a, b) and _variant(a, b):
                pairs.append((a, b))
        return pairs

    def _compatible(self, a: str, b: str) -> bool:
        return (self._type(a) == "PLACE") == (self._type(b) == "PLACE")

    def _surname_links(
        self, keys: list[str], find: Callable[[str], str]
    ) -> list[tuple[str, str]]:
        """Link a key to the full person names it ends, when they are all one person."""
        people = self._people
        links = []
        for key in keys:
            if self._type(key) == "PLACE":
                continue
            n = len(key.split())
            fulls = [p for p in people if len(p.split()) > n and keys_match(key, _tail(p, n))]
            if fulls and len({find(p) for p in fulls}) == 1:
                links.append((key, fulls[0]))
        return links


def _ends(full: str, key: str) -> bool:
    """`key` is the surname (the last tokens) of the multi-token name `full`."""
    n = len(key.split())
    return len(full.split()) > n and keys_match(key, _tail(full, n))


def _tail(key: str, n: int) -> str:
    return " ".join(key.split()[-n:])


def _variant(a: str, b: str) -> bool:
    """Spelling variants, or a German genitive -s of the other key ("Lawrows")."""
    if keys_match(a, b):
        return True
    short, long_ = sorted((a, b), key=len)
    return long_ == short + "s" and len(short) >= 3
