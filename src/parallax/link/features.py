"""Pair features for "do these two articles report the same event?".

Dense similarity alone confuses an event with its twin (the same ministers meeting a year later,
the foreshock the day before the quake): the embedding sees the same actors and the same kind of
event. What tells twins apart is the rare, checkable detail (the attacker's name, the score, the
magnitude, the date, the host city), so most features here are overlaps of such details, weighted
by how rare each detail is in the stream seen so far (IDF estimated online by `CorpusStats`),
next to the embedding cosine (raw and with each language's mean removed) and the time gap.
The headline and first sentence get a word overlap of their own: every report of an event
states it there, while the body drifts into background a twin shares.

All features are language-independent: entity keys and slot values are already canonical across
scripts (the analyzer's job), and words are transliterated to ASCII and cut to a short prefix so
that "Erdoğan'ın" and "Erdogan", or "Лавров" and "Lavrov", meet.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np
from anyascii import anyascii

from parallax.analyze.fingerprint import jaccard
from parallax.analyze.slots import named_weekdays
from parallax.model import Analysis

FEATURES = (
    "cos",  # cosine of the document embeddings
    "cos_centred",  # the same after removing each language's mean embedding (see CorpusStats)
    "lex",  # TF-IDF cosine of transliterated word prefixes
    "actor",  # TF-IDF cosine of person/organisation/other entity keys (mentions, lead counted up)
    "place",  # same for places (entities and place slots)
    "number",  # IDF-weighted share of numbers, amounts and percentages the other also states
    "number_clash",  # 1 when both state numbers and share none
    "day",  # IDF-weighted overlap of the days (month and day) mentioned in the text
    "day_clash",  # 1 when both mention days and share none
    "years",  # 1 when both give a year (in a full date in the text or the publication date)
    "year_gap",  # log(1 + |difference of the latest such year|), 0 unless both give one
    "minhash",  # estimated Jaccard of word shingles: copies and wire reprints
    "dated",  # 1 when both publication dates are known
    "same_day",  # 1 when they are at most SAME_DAY apart: reports of one event cluster in time
    "log_gap",  # log(1 + |days between publication dates|), 0 when either is unknown
    "lead",  # TF-IDF cosine of the words of the headline and first sentence (see `lead`)
    "name_words",  # TF-IDF cosine of the words of entity names: "Staunton police" meets "Staunton"
    "words",  # log(1 + distinct words of the shorter article): see `pair_features`
    "weekday",  # IDF-weighted overlap of the weekdays named in the text ("on Thursday")
    "weekday_clash",  # 1 when both name weekdays and share none
)

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
SAME_DAY = 1.5  # days: time zones and late editions put one day's reports a day apart
PREFIX = 6  # chars kept per transliterated word: a cheap stemmer that works in any language
LEAD_SENTENCES = 2  # names in the headline and first sentence are the protagonists ...
LEAD_WEIGHT = 2.0  # ... and count double: a background mention of a twin's actor counts less
NAME_KINDS = ("actor", "place")  # weighted by mentions
# "w": words; "lead": the words of the lead (IDF shared with "w"); "names": words of entity names
WEIGHTED_KINDS = ("w", *NAME_KINDS, "lead", "names")
VALUE_KINDS = ("number", "day", "weekday")  # present or not
_NUMBER_SLOTS = {"number", "money", "percent"}
_DAY = re.compile(r"-(\d\d-\d\d)$")  # "2020-12-29" and yearless "--12-29" name the same day
_YEAR = re.compile(r"^(\d{4})-\d\d")  # a year with a month: "since 1962" says nothing of when
# A line of a page's address, not of its text: "http: / / www. x. com / news / 2009 / ...", a
# lone "com / story / ..." left by the sentence splitter, or a bare "x17online." fragment.
_ADDRESS = re.compile(r"https?\s*:|www\s*\.|^\s*(com|org|net|html?|php|co|uk)\b|(\s/\s.*){2}"
                      r"|^\S+\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Profile:
    """What the features need from one article, extracted once (an Analysis holds much more)."""

    embedding: np.ndarray | None
    published: datetime | None
    lang: str
    # WEIGHTED_KINDS -> "kind:term" -> sublinear frequency (words) or mention weight (names)
    weights: Mapping[str, Mapping[str, float]]
    values: Mapping[str, frozenset[str]]  # VALUE_KINDS -> canonical values
    latest_year: int | None  # the latest year the article states or was published in
    minhash: tuple[int, ...]
    article_id: str = ""  # whom to tell when regrouping moves the article to another story

    def terms(self) -> set[str]:
        """Every namespaced term whose document frequency the corpus statistics track, once
        (the lead's words are also the article's words)."""
        found = {t for weights in self.weights.values() for t in weights}
        found.update(f"{kind}:{value}" for kind, values in self.values.items() for value in values)
        return found


def tokens(text: str) -> list[str]:
    """Transliterated, lower-cased word prefixes; CJK runs become character bigrams."""
    return [t for word in _WORD.findall(text) for t in _word_tokens(word)]


@lru_cache(maxsize=1 << 18)
def _word_tokens(word: str) -> tuple[str, ...]:
    """Cached: news vocabulary repeats, and transliteration is the costly step."""
    if _CJK.search(word):
        return tuple(word[i : i + 2] for i in range(max(len(word) - 1, 1)))
    ascii_word = re.sub(r"[^a-z0-9]", "", anyascii(word).lower())
    return (ascii_word[:PREFIX],) if len(ascii_word) > 1 or ascii_word.isdigit() else ()


def _sublinear(kind: str, counts: Mapping[str, float]) -> dict[str, float]:
    return {f"{kind}:{k}": 1.0 + math.log(c) for k, c in counts.items() if c >= 1}


def _name_mentions(analysis: Analysis) -> dict[str, Counter[str]]:
    """Mention weights per key; a person's surname is also a key of its own, because later
    mentions and other outlets often use the surname alone."""
    mentions: dict[str, Counter[str]] = {kind: Counter() for kind in NAME_KINDS}
    for e in analysis.entities:
        if not e.key:
            continue
        weight = LEAD_WEIGHT if e.sentence < LEAD_SENTENCES else 1.0
        kind = "place" if e.type == "PLACE" else "actor"
        keys = {e.key, e.key.rsplit(" ", 1)[-1]} if e.type == "PERSON" else {e.key}
        for key in keys:
            mentions[kind][key] += weight
    for slot in analysis.slots:
        if slot.kind == "place" and slot.value:
            mentions["place"][slot.value] += LEAD_WEIGHT if slot.sentence < LEAD_SENTENCES else 1
    return mentions


def _text(analysis: Analysis) -> Iterator[str]:
    """The sentences of the article's text, without its address lines: a page start often
    begins with one, and two reports' addresses share their site's words, not their event's."""
    return (s.text for s in analysis.sentences if not _ADDRESS.search(s.text))


def lead(analysis: Analysis) -> str:
    """The headline and first sentence: what every report of an event states first, before the
    background that twins share."""
    return " ".join(islice(_text(analysis), LEAD_SENTENCES))


def _name_words(analysis: Analysis) -> Counter[str]:
    """The words of entity names, cut like `tokens`: the same place or body named in full by one
    outlet and in part by another ("Staunton Police Department", "Staunton") shares them."""
    return Counter(t for e in analysis.entities if e.key for t in tokens(e.key) if len(t) > 2)


def _latest_year(analysis: Analysis) -> int | None:
    """A lower bound on when the article was written: twins a year or more apart differ here
    even when neither gives a publication date."""
    years = [int(m.group(1)) for s in analysis.slots if s.kind == "date"
             for m in [_YEAR.match(s.value)] if m]
    if analysis.published is not None:
        years.append(analysis.published.year)
    return max(years, default=None)


def profile(analysis: Analysis) -> Profile:
    text = " ".join(_text(analysis))
    values: dict[str, set[str]] = {kind: set() for kind in VALUE_KINDS}
    values["weekday"] = {str(d) for d in named_weekdays(text, analysis.lang)}
    for slot in analysis.slots:
        if slot.kind in _NUMBER_SLOTS and slot.value:
            values["number"].add(slot.value)
        elif slot.kind == "date" and (day := _DAY.search(slot.value)):
            values["day"].add(day.group(1))
    mentions = _name_mentions(analysis)
    return Profile(
        embedding=analysis.embedding,
        published=analysis.published,
        lang=analysis.lang,
        weights={
            "w": _sublinear("w", Counter(tokens(text))),
            **{kind: _sublinear(kind, mentions[kind]) for kind in NAME_KINDS},
            "lead": _sublinear("w", Counter(tokens(lead(analysis)))),
            "names": _sublinear("names", _name_words(analysis)),
        },
        values={kind: frozenset(v) for kind, v in values.items()},
        latest_year=_latest_year(analysis),
        minhash=tuple(analysis.minhash),
        article_id=analysis.article_id,
    )


class CorpusStats:
    """What the stream so far says about weights: document frequencies (IDF) and the mean
    embedding of each language.

    Multilingual embeddings carry a language component: two unrelated German articles are
    closer than a German and a Hindi report of one event. Subtracting each language's mean
    vector removes most of it. Means are shrunk (PRIOR pseudo-articles) towards the mean of
    all articles, and that one towards `prior_mean` (the fitted mean of the training articles),
    so the first article of a language, or a lone pair, is centred sensibly too. With no
    documents every term weighs the same.
    """

    PRIOR = 20.0

    def __init__(self, prior_mean: Sequence[float] = ()) -> None:
        self.n = 0
        self.df: Counter[str] = Counter()
        self._prior = np.asarray(prior_mean, dtype=np.float64) if len(prior_mean) else None
        self._sum: np.ndarray | None = None
        self._lang_sum: dict[str, np.ndarray] = {}
        self._lang_n: Counter[str] = Counter()
        # Weights derived from the state above (IDF, vector norms, centred embeddings). They
        # drift slowly as the stream grows, so they are kept until it has grown by REFRESH:
        # recomputing every member's norms for every article dominated the cost of scoring.
        self._idf: dict[str, float] = {}
        self._derived: dict[tuple[int, str], tuple[Profile, Any]] = {}
        # Scores of two stored articles: regrouping compares the same members again with each
        # arrival of their event. Everything their features are computed from is one of the
        # cached values above, so until the next refresh a recomputation would give the same.
        self._pairs: dict[tuple[int, int], tuple[Profile, Profile, float]] = {}
        self._fresh_until = 0

    REFRESH = 0.02

    def add(self, p: Profile) -> None:
        self.n += 1
        self.df.update(p.terms())
        if self.n > self._fresh_until:
            self._idf.clear()
            self._derived.clear()
            self._pairs.clear()
            self._fresh_until = int(self.n * (1 + self.REFRESH))
        if p.embedding is not None:
            e = np.asarray(p.embedding, dtype=np.float64)
            self._sum = e.copy() if self._sum is None else self._sum + e
            self._lang_sum[p.lang] = self._lang_sum.get(p.lang, 0.0) + e
            self._lang_n[p.lang] += 1

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1.0
        return value

    def norm(self, p: Profile, kind: str) -> float:
        """Length of the profile's TF-IDF vector of one of WEIGHTED_KINDS."""
        return self._memo(p, kind, lambda: math.sqrt(
            sum((tf * self.idf(t)) ** 2 for t, tf in p.weights[kind].items())))

    def pair_score(self, a: Profile, b: Profile, score: Callable[[np.ndarray], float]) -> float:
        """`score(pair_features(a, b, self))`, kept until the next refresh (both dates their
        own). The score, not just the features, is kept: scoring a pair with the boosted pair
        model costs as much as computing its features. One statistics object serves one
        clusterer, hence one `score`."""
        key = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
        entry = self._pairs.get(key)
        if entry is None:
            entry = self._pairs[key] = (a, b, score(pair_features(a, b, self)))
        return entry[2]

    def _memo(self, p: Profile, what: str, compute: Callable[[], Any]) -> Any:
        """Cache by profile identity; the entry holds the profile, so its id stays unique."""
        entry = self._derived.get((id(p), what))
        if entry is None:
            entry = self._derived[(id(p), what)] = (p, compute())
        return entry[1]

    def _shrunk(self, total: np.ndarray | None, n: int, prior: np.ndarray | None):
        if prior is None:
            return None if total is None else total / n
        return ((0.0 if total is None else total) + self.PRIOR * prior) / (n + self.PRIOR)

    def centred(self, p: Profile) -> np.ndarray | None:
        """The unit embedding minus its language's (shrunk) mean, re-normalised."""
        return self._memo(p, "centred", lambda: self._centre(p))

    def _centre(self, p: Profile) -> np.ndarray | None:
        overall = self._shrunk(self._sum, sum(self._lang_n.values()), self._prior)
        if p.embedding is None or overall is None:
            return p.embedding
        mean = self._shrunk(self._lang_sum.get(p.lang), self._lang_n[p.lang], overall)
        v = p.embedding - mean
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v


def _weighted_overlap(a: frozenset[str], b: frozenset[str], kind: str, stats: CorpusStats) -> float:
    """Cosine of binary IDF-weighted vectors: sharing one rare value outweighs many common ones."""
    if not a or not b or a.isdisjoint(b):
        return 0.0
    w2 = {t: stats.idf(f"{kind}:{t}") ** 2 for t in a | b}
    dot = sum(w2[t] for t in a & b)
    return dot / math.sqrt(sum(w2[t] for t in a) * sum(w2[t] for t in b))


def _tfidf_cosine(a: Profile, b: Profile, kind: str, stats: CorpusStats) -> float:
    """Cosine of the TF-IDF vectors of one of WEIGHTED_KINDS."""
    wa, wb = a.weights[kind], b.weights[kind]
    if len(wa) > len(wb):
        wa, wb = wb, wa
    dot, idf = 0, stats.idf  # a plain loop: this is the clusterer's innermost one
    for t, tf in wa.items():
        other = wb.get(t)
        if other is not None:
            dot += tf * other * idf(t) ** 2
    if not dot:
        return 0.0
    return dot / (stats.norm(a, kind) * stats.norm(b, kind))


NUMBER_TOLERANCE = 0.01  # relative: outlets round 49.51 % to 49.5 % and $43.9bn to $44bn


@lru_cache(maxsize=1 << 16)
def _number(value: str) -> tuple[str, float] | None:
    """("unit", amount) of a normalised number slot value ("44000000000 USD", "6.4")."""
    amount, _, unit = value.partition(" ")
    try:
        return unit, float(amount)
    except ValueError:
        return None


@lru_cache(maxsize=1 << 14)
def _by_unit(values: frozenset[str]) -> dict[str, list[float]]:
    """Amounts per unit, sorted (cached: one profile's numbers are compared many times)."""
    out: dict[str, list[float]] = {}
    for parsed in map(_number, values):
        if parsed:
            out.setdefault(parsed[0], []).append(parsed[1])
    return {unit: sorted(amounts) for unit, amounts in out.items()}


def _stated(value: str, theirs: frozenset[str], amounts: dict[str, list[float]]) -> bool:
    """Whether the other article states this number too, equal up to rounding."""
    if value in theirs:
        return True
    parsed = _number(value)
    if parsed is None or parsed[0] not in amounts:
        return False
    candidates = amounts[parsed[0]]
    i = bisect_left(candidates, parsed[1])
    return any(abs(c - parsed[1]) <= NUMBER_TOLERANCE * max(abs(c), abs(parsed[1]))
               for c in candidates[max(i - 1, 0) : i + 1])


def _number_overlap(a: frozenset[str], b: frozenset[str], stats: CorpusStats) -> float:
    """IDF-weighted share of the numbers of both articles that the other states too, equal up
    to rounding and in the same unit."""
    if not a or not b:
        return 0.0
    matched = total = 0.0
    for mine, theirs in ((a, b), (b, a)):
        amounts = _by_unit(theirs)
        for v in mine:
            w = stats.idf(f"number:{v}")
            total += w
            if _stated(v, theirs, amounts):
                matched += w
    return matched / total


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    return float(np.dot(a, b))


def pair_features(
    a: Profile, b: Profile, stats: CorpusStats, *, b_published: datetime | None = None
) -> np.ndarray:
    """The FEATURES vector of one pair; symmetric in (a, b).

    `b_published` is a date to assume for b when it has none (the date of b's story).
    `words` lets the pair model read every overlap by length: two one-paragraph reports of one
    event share few words, and a TF-IDF cosine that would be weak between two long pages is
    strong between them.
    """
    b_when = b.published or b_published
    dated = a.published is not None and b_when is not None
    gap = abs((a.published - b_when).total_seconds()) / 86400 if dated else 0.0
    overlap = {"number": _number_overlap(a.values["number"], b.values["number"], stats),
               **{k: _weighted_overlap(a.values[k], b.values[k], k, stats)
                  for k in ("day", "weekday")}}
    clash = {k: float(not overlap[k] and bool(a.values[k]) and bool(b.values[k]))
             for k in VALUE_KINDS}
    years = a.latest_year is not None and b.latest_year is not None
    values = [
        _cosine(a.embedding, b.embedding),
        _cosine(stats.centred(a), stats.centred(b)),
        *(_tfidf_cosine(a, b, k, stats) for k in ("w", *NAME_KINDS)),
        overlap["number"],
        clash["number"],
        overlap["day"],
        clash["day"],
        float(years),
        math.log1p(abs(a.latest_year - b.latest_year)) if years else 0.0,
        jaccard(a.minhash, b.minhash),
        float(dated),
        float(dated and gap <= SAME_DAY),
        math.log1p(gap),
        _tfidf_cosine(a, b, "lead", stats),
        _tfidf_cosine(a, b, "names", stats),
        math.log1p(min(len(a.weights["w"]), len(b.weights["w"]))),
        overlap["weekday"],
        clash["weekday"],
    ]
    return np.asarray(values, dtype=np.float64)
