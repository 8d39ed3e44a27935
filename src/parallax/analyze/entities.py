"""Named entities (people, organisations, places) with canonical keys.

English and French use spaCy's statistical NER. No NER model exists offline for the other
languages, so they use rules: a run of capitalised words that is not a sentence-initial common
word is a name. German capitalises every noun, so there a single capitalised word counts only
with evidence (a title or descriptor before it, a full name it belongs to, an acronym, letters
German does not use). In every language the gazetteer types and keys known places, so
"Moskau" and "Москве" are both the place "moscow".
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

from parallax.analyze.datewords import calendar_names
from parallax.analyze.gazetteer import MAX_TOKENS, TOKEN, fold, gazetteer, lexicon, stems
from parallax.analyze.names import name_key
from parallax.analyze.nlp import get_nlp
from parallax.model import Entity, EntityType, Sentence

SPACY_LABELS: dict[str, EntityType] = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG",
    "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
    "NORP": "MISC", "MISC": "MISC", "EVENT": "MISC",
}  # fmt: skip
# Letters no German word uses: a capitalised word containing one is a foreign name.
_FOREIGN_TO_GERMAN = re.compile(r"[çşğıćčžšđłąęńśźżøåæãõñéèêáàíìóòúùýřňťďľĺŕő]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ACRONYM = re.compile(r"^(?:[A-ZÄÖÜÇŞĞİ]{2,6}|[A-Z](?:\.[A-Z])+\.?)\d?$")
_MAX_RULE_TOKENS = 5
_LEADING_ARTICLE = re.compile(r"(?:(?:the|The|THE|les|Les|le|Le|la|La)\s+|[lL]['’](?=\w))")
_TRAILING_JUNK = re.compile(r"(?:['’]s?|\s+(?:of|de|du|des|and|et))$")


@dataclass
class _Token:
    text: str
    start: int
    end: int
    sentence: int
    index: int  # position in its sentence


def extract_entities(
    text: str, lang: str, sentences: Sequence[Sentence], doc: Doc | None = None
) -> list[Entity]:
    """Entity mentions in text order; `doc` is the spaCy parse of `text`, when one was made."""
    if doc is None and get_nlp(lang) is not None:
        doc = get_nlp(lang)(text)
    tokens = _tokens(text, sentences)
    places = _gazetteer_entities(text, tokens, lang)
    found = _spacy_entities(doc, lang, sentences) if doc is not None else []
    if doc is None:
        claimed = {i for e, span in places for i in span}
        found = (_caseless_entities(text, tokens, claimed, lang) if lang in lexicon()["caseless"]
                 else _rule_entities(text, tokens, claimed, lang))
    taken = [(e.start, e.end) for e in found]
    found += [e for e, _ in places if not any(s < e.end and e.start < t for s, t in taken)]
    return _harmonise_types(sorted(found, key=lambda e: e.start), lang)


def _harmonise_types(entities: list[Entity], lang: str) -> list[Entity]:
    """One type per key within a document: NER tags the same name PERSON in one sentence and
    ORG or GPE in the next. A name starting with a known first name is a person; the
    gazetteer's types are kept as they are."""
    gaz = gazetteer()
    given = _words(lang).given_names
    votes: dict[str, Counter[str]] = {}
    for e in entities:
        tokens = e.key.split()
        person = len(tokens) > 1 and tokens[0] in given and e.type == "MISC"
        votes.setdefault(e.key, Counter())["PERSON" if person else e.type] += 1
    for e in entities:
        if e.key not in gaz.entries:
            e.type = votes[e.key].most_common(1)[0][0]
    return entities


def _tokens(text: str, sentences: Sequence[Sentence]) -> list[_Token]:
    starts = [s.start for s in sentences]
    out: list[_Token] = []
    for m in TOKEN.finditer(text):
        sent = max(bisect.bisect_right(starts, m.start()) - 1, 0)
        index = out[-1].index + 1 if out and out[-1].sentence == sent else 0
        out.append(_Token(m.group(), m.start(), m.end(), sent, index))
    return out


def _name_like(word: str) -> bool:
    """Capitalised, or a letter of a script without case (Arabic, Hebrew, CJK, Devanagari)."""
    c = word[0]
    return c.isupper() or (c.isalpha() and c.lower() == c.upper())


def _adjacent(text: str, a: _Token, b: _Token) -> bool:
    return a.sentence == b.sentence and text[a.end : b.start] in (" ", "\u00a0")


def _spacy_entities(doc: Doc, lang: str, sentences: Sequence[Sentence]) -> list[Entity]:
    gaz = gazetteer()
    starts = [s.start for s in sentences]
    out = []
    for ent in doc.ents:
        type_ = SPACY_LABELS.get(ent.label_)
        raw = ent.text.split("\n")[0].rstrip()
        if type_ is None or not any(c.isalpha() for c in raw):
            continue
        start = ent.start_char
        lead = _LEADING_ARTICLE.match(raw)
        if lead and len(raw) > lead.end():
            start += lead.end()
            raw = raw[lead.end() :]
        raw = _TRAILING_JUNK.sub("", raw)
        place = gaz.match(raw, lang)
        if place:
            type_ = gaz.entries[place].type
        key = place or name_key(raw)
        if key:
            sentence = max(bisect.bisect_right(starts, start) - 1, 0)
            out.append(Entity(raw, type_, start, start + len(raw), sentence, key))
    return out


def _gazetteer_entities(
    text: str, tokens: list[_Token], lang: str
) -> list[tuple[Entity, range]]:
    """Longest-first matches of known places, with the token range each covers. The first part
    of a hyphenated compound names a place too ("US-Medien", "Moskau-Besuch")."""
    gaz = gazetteer()
    out: list[tuple[Entity, range]] = []
    i = 0
    while i < len(tokens):
        n, key = _longest_place(text, tokens, i, lang) if _name_like(tokens[i].text) else (1, None)
        first = tokens[i]
        if key:
            end = tokens[i + n - 1].end
            out.append((_entity(text, first.start, end, first.sentence, key), range(i, i + n)))
        elif "-" in first.text and _name_like(first.text):
            head, rest = first.text.split("-", 1)
            # "Luna-25" and "Союз-2" are spacecraft, not places.
            key = gaz.lookup([head], lang) if len(head) > 1 and not rest.isdigit() else None
            if key:
                end = first.start + len(head)
                out.append((_entity(text, first.start, end, first.sentence, key), range(i, i + 1)))
        i += n
    return out


def _longest_place(text: str, tokens: list[_Token], i: int, lang: str) -> tuple[int, str | None]:
    n = 1
    while n < MAX_TOKENS and i + n < len(tokens) and _adjacent(text, tokens[i + n - 1],
                                                                  tokens[i + n]):
        n += 1
    for size in range(n, 0, -1):
        key = gazetteer().lookup([t.text for t in tokens[i : i + size]], lang)
        if key:
            return size, key
    return 1, None


def _entity(text: str, start: int, end: int, sentence: int, key: str) -> Entity:
    return Entity(text[start:end], gazetteer().entries[key].type, start, end, sentence, key)


@dataclass(frozen=True)
class _Words:
    """The word lists of one language, folded for lookup."""

    lang: str
    stop: frozenset[str]
    roles: dict[str, EntityType]
    suffixes: tuple[tuple[str, EntityType], ...]
    org_cues: frozenset[str]
    connectors: frozenset[str]
    given_names: frozenset[str]
    noun_suffixes: tuple[str, ...]

    def role(self, word: str) -> EntityType | None:
        """The kind of name a title or descriptor announces ("Außenminister" -> PERSON)."""
        w = fold(word.split("-")[-1])
        for form in sorted(stems(w), key=len, reverse=True) if _CYRILLIC.search(w) else [w]:
            if form in self.roles:
                return self.roles[form]
        if not self.suffixes:
            return None
        for form in _german_inflections(w):
            for suffix, type_ in self.suffixes:
                if form.endswith(suffix):
                    return type_
        return None

    def common_noun(self, word: str) -> bool:
        """Looks like a common noun of a language that capitalises nouns ("Rechtsabteilung")."""
        w = fold(word.split("-")[-1])
        return len(w) >= 6 and w.endswith(self.noun_suffixes)


def _german_inflections(word: str) -> list[str]:
    forms = [word]
    for ending in ("es", "en", "s", "n"):
        if word.endswith(ending) and len(word) > len(ending) + 3:
            forms.append(word[: -len(ending)])
    return forms


@cache
def _words(lang: str) -> _Words:
    lex = lexicon()
    stop = set(lex["stop"]["*"]) | set(lex["stop"].get(lang, ())) | _calendar_words(lang)
    roles: dict[str, EntityType] = {}
    for group, type_ in (("org_descriptors", "ORG"), ("place_descriptors", "PLACE"),
                         ("person_roles", "PERSON")):
        roles.update({fold(w): type_ for w in lex[group]})
    suffixes = tuple(
        (fold(w), type_)
        for group, type_ in (("role_suffixes", "PERSON"), ("place_suffixes", "PLACE"),
                             ("org_suffixes", "ORG"))
        for w in lex[group].get(lang, ())
    )
    return _Words(
        lang=lang,
        stop=frozenset(fold(w) for w in stop),
        roles=roles,
        suffixes=suffixes,
        org_cues=frozenset(fold(w) for w in lex["org_cues"]),
        connectors=frozenset(lex["connectors"]),
        given_names=frozenset(name_key(w) for w in lex["given_names"]),
        noun_suffixes=tuple(fold(w) for w in lex["noun_suffixes"].get(lang, ())),
    )


def _calendar_words(lang: str) -> set[str]:
    """Month and weekday names (capitalised in German and Turkish, never names of people)."""
    return {w for w in calendar_names(lang) if len(w) >= 3}


@dataclass
class _Segment:
    cue: EntityType | None  # what the title or descriptor before it announced
    tokens: list[_Token]


def _rule_entities(
    text: str, tokens: list[_Token], claimed: set[int], lang: str
) -> list[Entity]:
    words = _words(lang)
    nouns_capitalised = bool(words.noun_suffixes)
    mid_sentence = Counter(fold(t.text) for t in tokens if t.index > 0 and _name_like(t.text))
    shouting = _shouting_sentences(tokens)
    usable = [i not in claimed and not (t.sentence in shouting and t.text.isupper())
              for i, t in enumerate(tokens)]
    segments = [seg for run in _runs(text, tokens, usable, words) for seg in _split(run, words)]
    for seg in segments:
        _trim(seg, words, mid_sentence, nouns_capitalised)
    multi = [seg for seg in segments if len(seg.tokens) > 1]
    if nouns_capitalised:
        multi = [seg for seg in multi if _evidenced(seg, words, mid_sentence)]
    name_tokens = {t for seg in multi for t in _key(text, seg).split()}
    accepted_multi = {id(seg) for seg in multi}
    out = []
    for seg in segments:
        n = len(seg.tokens)
        if n == 0 or n > _MAX_RULE_TOKENS or (n > 1 and id(seg) not in accepted_multi):
            continue
        key = _key(text, seg)
        if not key or (n == 1 and not _accept_single(seg, key, name_tokens, lang)):
            continue
        start, end = seg.tokens[0].start, seg.tokens[-1].end
        type_ = seg.cue or _guess_type(seg, key, name_tokens, words, mid_sentence)
        out.append(Entity(text[start:end], type_, start, end, seg.tokens[0].sentence, key))
    return out


def _key(text: str, seg: _Segment) -> str:
    return name_key(text[seg.tokens[0].start : seg.tokens[-1].end])


def _shouting_sentences(tokens: list[_Token]) -> set[int]:
    """Sentences mostly in capitals (headlines, banners), where capitals prove nothing."""
    upper: Counter[int] = Counter()
    total: Counter[int] = Counter()
    for t in tokens:
        if t.text[0].isalpha() and len(t.text) > 1:
            total[t.sentence] += 1
            upper[t.sentence] += t.text.isupper()
    return {s for s in total if total[s] >= 2 and upper[s] * 2 > total[s]}


def _runs(
    text: str, tokens: list[_Token], usable: list[bool], words: _Words
) -> list[list[_Token]]:
    """Maximal runs of adjacent capitalised tokens, lower-case particles allowed inside."""
    runs: list[list[_Token]] = []
    run: list[_Token] = []
    for i, tok in enumerate(tokens):
        cased = tok.text[0].isupper() and usable[i]
        particle = bool(
            run
            and tok.text in words.connectors
            and i + 1 < len(tokens)
            and tokens[i + 1].text[0].isupper()
            and _adjacent(text, tok, tokens[i + 1])
        )
        if (cased or particle) and run and _adjacent(text, run[-1], tok):
            run.append(tok)
            continue
        if run:
            runs.append(run)
        run = [tok] if cased else []
    if run:
        runs.append(run)
    return runs


def _split(run: list[_Token], words: _Words) -> list[_Segment]:
    """Cut a run at titles/descriptors (which type the name after them) and at stop words."""
    out: list[_Segment] = []
    seg = _Segment(None, [])
    for tok in run:
        role = words.role(tok.text)
        if role or fold(tok.text) in words.stop:
            if seg.tokens:
                out.append(seg)
            seg = _Segment(role, [])
        else:
            seg.tokens.append(tok)
    if seg.tokens:
        out.append(seg)
    for seg in out:
        while seg.tokens and seg.tokens[-1].text in words.connectors:
            seg.tokens.pop()
    return out


def _trim(seg: _Segment, words: _Words, mid_sentence: Counter[str], nouns_cap: bool) -> None:
    """Drop leading words that are capitalised for grammar, not because they are names: a
    sentence-initial word never capitalised mid-sentence elsewhere, and (where nouns are
    capitalised) common nouns in apposition ("Raumflugkörper Chandrayaan-3")."""
    toks = seg.tokens
    if toks and toks[0].index == 0 and seg.cue is None and fold(toks[0].text) not in mid_sentence:
        first_name = name_key(toks[0].text) in words.given_names
        if len(toks) == 1 or (nouns_cap and not first_name):
            toks.pop(0)
    while nouns_cap and len(toks) > 1 and words.common_noun(toks[0].text):
        toks.pop(0)


def _evidenced(seg: _Segment, words: _Words, mid_sentence: Counter[str]) -> bool:
    """Where every noun is capitalised, a run of capitalised words is a name only with some
    sign of it: a title before it, a known first name, foreign letters, an acronym, an
    organisation word, or its last word used alone elsewhere (a surname)."""
    folded = [fold(t.text) for t in seg.tokens]
    return bool(
        seg.cue
        or name_key(seg.tokens[0].text) in words.given_names
        or any(_FOREIGN_TO_GERMAN.search(t.text.lower()) or _ACRONYM.match(t.text)
               for t in seg.tokens)
        or any(f in words.org_cues for f in folded)
        or mid_sentence[folded[-1]] > 1
    )


def _accept_single(seg: _Segment, key: str, name_tokens: set[str], lang: str) -> bool:
    word = seg.tokens[0].text
    if seg.cue or _ACRONYM.match(word) or key in name_tokens or any(c.isdigit() for c in word):
        return True
    if not _words(lang).noun_suffixes:
        return len(word) > 1
    return bool(_FOREIGN_TO_GERMAN.search(word.lower()))


def _guess_type(
    seg: _Segment, key: str, name_tokens: set[str], words: _Words, mid_sentence: Counter[str]
) -> EntityType:
    folded = [fold(t.text) for t in seg.tokens]
    if any(f in words.org_cues for f in folded):
        return "ORG"
    if len(folded) == 1 and _ACRONYM.match(seg.tokens[0].text):
        return "ORG"
    if len(folded) == 1:
        return "PERSON" if key in name_tokens else "MISC"
    surname_used_alone = mid_sentence[folded[-1]] > 1
    return "PERSON" if key.split()[0] in words.given_names or surname_used_alone else "MISC"


def _caseless_entities(
    text: str, tokens: list[_Token], claimed: set[int], lang: str
) -> list[Entity]:
    """Names in a script without capitals (Arabic): the words after a title ("وزير الخارجية
    الروسي سيرغي لافروف": a title, then words with the article ال, then the name), up to a
    function word; later mentions of a found surname count too."""
    words = lexicon()["caseless"][lang]
    cues = {_bare(w) for w in words["person_cues"]}
    stop = {_bare(w) for w in words["stop"]}
    names: list[list[_Token]] = []
    i = 0
    while i < len(tokens):
        if _bare(tokens[i].text) not in cues:
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].text.startswith("ال") and j not in claimed:
            j += 1
        name = []
        while (j < len(tokens) and len(name) < 3 and j not in claimed
               and _adjacent(text, tokens[j - 1], tokens[j])
               and not tokens[j].text.startswith("ال") and _bare(tokens[j].text) not in stop
               and not tokens[j].text[0].isdigit()):
            name.append(tokens[j])
            j += 1
        if name:
            names.append(name)
        i = max(j, i + 1)
    surnames = {_bare(n[-1].text) for n in names}
    taken = {t.start for n in names for t in n}
    names += [[t] for k, t in enumerate(tokens)
              if t.start not in taken and k not in claimed and _bare(t.text) in surnames]
    out = []
    for name in names:
        start, end = name[0].start, name[-1].end
        key = name_key(text[start:end])
        if key:
            out.append(Entity(text[start:end], "PERSON", start, end, name[0].sentence, key))
    return out


def _bare(word: str) -> str:
    """An Arabic word without a one-letter proclitic (و, ف, ب, ل) before a longer word."""
    return word[1:] if len(word) > 3 and word[0] in "وفبل" else word
