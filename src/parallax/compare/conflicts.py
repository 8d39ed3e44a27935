"""Contradictions: the same quantity, place, time or person reported differently.

No packaged model judges contradiction offline, so conflicts are read off the checkable values
the analyzer normalised (slots), the names in aligned sentences and the speakers of one quote.
Precision matters more than recall (a panel of false alarms is useless), so every rule errs
towards silence.

Values (numbers, amounts, percentages, times, dates, places) are compared value by value, not
sentence by sentence: two outlets giving the magnitude of one quake rarely write otherwise
similar sentences, while two sentences that do align may carry unrelated numbers. Two bounds
joined by "to"/"-" are one range ("20 cm to 30 cm": 25 cm agrees with it, 15 cm does not), and
a share written without its sign next to percentages ("yüzde 52.17, Kılıçdaroğlu 47.83") is a
percentage. Two values from different articles are taken to measure the same thing when all of
these hold:

- same class: same kind and unit (a magnitude with a magnitude, km with km (miles converted),
  a percentage with a percentage); numbers without a unit only inside strongly aligned
  sentences, and a count ("seven") never with a number written with decimals ("6,4");
- close: reporting discrepancies are small (6.4/6.2, 41/42, 45/60 km, 11:20/11:25); values far
  apart are different quantities (a depth of 10 km and a distance of 50 km);
- the sentences or the clauses around the values are related (see _affinity); two articles
  that each give a single measure of one unit (one length in cm) are taken at a lower bar;
- said of the same thing: a share, an age or a sum belongs to the person named nearest before
  it in its sentence (else after), so "Erdogan 52.1%" never meets "Kilicdaroglu 47.9%" nor a
  turnout figure; a distance to the place it is measured from ("14 km from Petrinja" is not
  the depth "10 km"); a magnitude, a size or a toll to the event;
- not about different days: sentences that both carry dates must share one (the foreshock on
  Monday is not the quake on Tuesday);
- not an update: running counts (tolls, vote shares) from articles published on different days;
- not merely additional: a value the other sentence also states is agreement, not conflict.

Linked values are grouped by average linkage (agreeing values link more strongly), and a group
holding different values from different articles is a conflict listing every article's value.
Conflicts over the figures of different people given in the same sentences (a result: both
candidates' shares) are one conflict over that statement.

Places follow the same scheme, except that only two known cities of one country are compared
(countries are actors as often as locations; unknown places may lie inside one another; cities
of two countries are listed side by side more often than contradicted), a sentence naming
places in two countries ("Moscow and Ankara") uses them as actors, places inside one another
("Wakayama", "Wakayama Prefecture") agree, neither article may give the other's place as a
location anywhere (an outlet that says "Sochi" and elsewhere "Moscow and Ankara" is not placing
the talks in Moscow; one that names Petrinja and Zagreb is not contradicting "Petrinja"), and
neither sentence may name the other's place at all ("Nara Medical University Hospital in
Kashihara" does not deny "Nara").

People: a name no other article uses standing where several articles name someone else, in two
strongly aligned sentences, or as the speaker of a statement (a quote group) that other
articles give to that someone ("Davutoglu" for "Cavusoglu"); names that differ by a typo or a
cut ("Adrej"/"Andrej") are one person. Negation: same language, nearly the same words, only
one side negated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations

import numpy as np
from rapidfuzz.distance import Indel

from parallax.analyze.gazetteer import gazetteer
from parallax.analyze.names import fold
from parallax.compare.align import SAME_FACT, Alignment
from parallax.compare.entities import display_name
from parallax.compare.facts import Fact
from parallax.compare.material import Material, Unit, embed_unique
from parallax.compare.quotes import QuoteGroup
from parallax.link.linkage import average_linkage
from parallax.model import Slot

ABOUT = {"number": "number", "money": "number", "percent": "number", "bare": "number",
         "time": "date", "date": "date", "year": "date", "place": "place"}  # fmt: skip
# Quantities are compared by the clause around them (embedded): "with 91.55% of the ballots
# counted" and "voter turnout is 85.41%" share a sentence with the vote share but not a clause.
CLAUSE_CLASSES = ("number", "money", "percent", "time", "bare", "year")
# Cosine of two clauses stating one quantity (e5: unrelated text ~0.8); translations score
# lower than rewordings in one language.
CLAUSE_FLOOR = 0.87
CLAUSE_FLOOR_ACROSS_LANGUAGES = 0.85
CLAUSE_WORDS = 6
CLAUSE_IS_SENTENCE = 0.8  # a clause this much of its sentence is embedded as the sentence
# The other classes are compared by the alignment score of their sentences (see align.py).
# Times sit in short clauses ("at 11:30 am") that say little, so their sentences count too.
# Values without a unit (a bare "14", a year) say least about what they count, so their clause
# and their sentence must both agree.
UNITLESS = ("bare", "year")
SENTENCE_FLOOR = {"date": SAME_FACT, "place": 0.05, "time": -0.06, "bare": 0.0, "year": 0.0,
                  "number": SAME_FACT, "money": SAME_FACT, "percent": SAME_FACT}  # fmt: skip
SAME_VALUE_BONUS = 0.03  # agreeing values are the best evidence of measuring one thing
# Two articles that each give one measure of a thing in a unit (one length in cm, one
# magnitude) most likely give the same one: the size of the device, the strength of the quake.
# (Not for what people have: each article may give the age of someone else.)
ONLY_ONE_BONUS = 0.03
MAX_RELATIVE_GAP = 0.45  # numbers further apart than this are different quantities
# Absolute gaps where a relative one makes no sense: log scales, and shares of a whole.
MAX_GAP = {"number:magnitude": 0.45, "percent:": 2.0}
# Running counts (tolls, vote shares while ballots are counted) change as they are reported:
# two figures published on different days are an update, not a contradiction.
RUNNING = frozenset({"number:people", "percent:"})
MAX_MINUTES = 60
MAX_DAYS = 7
MAX_YEARS = 1
PERSON_ALIGN = SAME_FACT + 0.03
MISSPELT = 0.85  # name similarity above which a different spelling is a typo, not a person
NEGATION_WORDS = 0.75  # word Jaccard of two sentences compared for negation
UNIT_FACTORS = {"mi": ("km", 1.609344)}
# Units that measure things and events, never one person among others; distances are measured
# from a place, named within REFERENCE_CHARS after the value.
UNIT_OF_THINGS = frozenset({"cm", "mm", "kg", "magnitude", "people"})
DISTANCE_UNITS = frozenset({"km", "m"})
REFERENCE_CHARS = 40
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(.*)$")
_NEGATION_LIST = """
    not no never none nobody nothing neither nor without cannot nicht kein keine keinen keinem
    keiner niemand nie ne pas aucun aucune jamais sin nunca nadie ningun ninguna non nessuno mai
    nu nao niet geen nej ikke inte ei eivat degil yok hayir не нет ни никто ничего никогда لا لم لن
    ليس
"""
_NEGATION = frozenset(_NEGATION_LIST.split())
# Words before a place that make it a reference point rather than a location (folded).
_RELATIONAL_LIST = """
    near of from outside off south north east west southeast southwest northeast northwest
    nahe von vor sudlich nordlich ostlich westlich sudostlich sudwestlich nordostlich
    pres loin de du des da dal dalla vicino lontano cerca lejos del od ot okolo bliz
"""
_RELATIONAL = frozenset(_RELATIONAL_LIST.split())
# Prepositions that introduce a location (folded), for places the gazetteer does not know.
_LOCATIVE_LIST = "in at im am a au aux en em no na nel nella w we v vo pri u fy"
_LOCATIVE = frozenset(_LOCATIVE_LIST.split())
_ARTICLES = frozenset("the la le les el los las il lo der die das dem den".split())


@dataclass(frozen=True)
class Value:
    unit: int  # index into Material.units
    article: int
    cls: str  # comparison class: kind and unit ("number:magnitude", "percent", "place")
    key: str  # normalised value
    magnitude: float | None  # for closeness: the number, minutes of the day, or day ordinal
    shown: str
    anchor: str | None  # what the value is said of (see _anchor)
    start: int  # the slot's span in the article text
    end: int
    upper: float | None = None  # the upper bound of a range ("20 cm to 30 cm")


@dataclass
class Conflict:
    about: str
    fact: Fact
    values: list[tuple[int, str]] = field(default_factory=list)  # (unit, value shown)


@dataclass
class _Context:
    material: Material
    alignment: Alignment
    by_unit: list[list[Value]]  # the values of each unit
    clauses: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)  # span -> vector
    per_article: Counter[tuple[int, str]] = field(default_factory=Counter)  # (article, class)

    def __post_init__(self) -> None:
        self.per_article.update((v.article, v.cls) for values in self.by_unit for v in values)

    def only_one(self, value: Value) -> bool:
        """Whether this is the only value of its class its article gives."""
        return self.per_article[value.article, value.cls] == 1


def find_conflicts(
    material: Material,
    alignment: Alignment,
    facts: list[Fact],
    quote_groups: Sequence[QuoteGroup] = (),
) -> list[Conflict]:
    fact_of = _facts_by_unit(facts)
    ctx = _Context(material, alignment, [_values(material, u) for u in range(len(material.units))])
    values = [v for vs in ctx.by_unit for v in vs]
    conflicts = []
    for cls in sorted({v.cls for v in values}):
        members = [v for v in values if v.cls == cls]
        for group in _one_statement(_groups(ctx, members)):
            conflict = _conflict(cls, group, fact_of)
            if conflict:
                conflicts.append(conflict)
    people = _sentence_conflicts(material, alignment, facts)
    conflicts += _one_person_dispute(material, people + _misattributed(material, quote_groups,
                                                                       fact_of))
    for c in conflicts:
        c.fact.status = "disputed"
    return conflicts


def _facts_by_unit(facts: list[Fact]) -> dict[int, list[Fact]]:
    out: dict[int, list[Fact]] = {}
    for fact in facts:
        for k in fact.units:
            out.setdefault(k, []).append(fact)
    return out


# ------------------------------------------------------------------------------ values


def _values(material: Material, u: int) -> list[Value]:
    unit = material.units[u]
    actors = _actors(material, unit)
    out: list[Value] = []
    for slot in unit.slots:
        parsed = _parse(material, slot, actors or not _located(material, unit, slot))
        if parsed:
            cls, key, magnitude, shown = parsed
            anchor = _anchor(material, unit, slot, cls)
            value = Value(u, unit.article, cls, key, magnitude, shown, anchor, slot.start, slot.end)
            if out and _range_between(material, unit, out[-1], value):
                value = _range(out.pop(), value)
            out.append(value)
    return _percent_written_once(out)


def _percent_written_once(values: list[Value]) -> list[Value]:
    """A share written without its sign next to percentages ("yüzde 52.17, Kılıçdaroğlu
    47.83"; "52.3 and 47.7 percent"): a number with decimals up to 100 is a percentage too."""
    if not any(v.cls == "percent:" for v in values):
        return values
    return [replace(v, cls="percent:", shown=f"{v.shown}%")
            if v.cls == "bare:decimal" and v.magnitude is not None and 0 < v.magnitude <= 100
            else v for v in values]


_RANGE = re.compile(r"\s*(?:-|–|—|to|bis|à|a|al|y|до|ile)\s*", re.IGNORECASE)


def _range_between(material: Material, unit: Unit, low: Value, high: Value) -> bool:
    """Whether two values of one class are the bounds of a range ("20 cm to 30 cm")."""
    text = material.articles[unit.article].text
    return (low.cls == high.cls and low.magnitude is not None and high.magnitude is not None
            and low.magnitude < high.magnitude and low.upper is None
            and _RANGE.fullmatch(text[low.end : high.start]) is not None)


def _range(low: Value, high: Value) -> Value:
    return replace(low, key=f"{low.key}-{high.key}", shown=f"{low.shown}–{high.shown}",
                   end=high.end, upper=high.magnitude)


def _located(material: Material, unit: Unit, slot: Slot) -> bool:
    """Whether a place is given as where something is, not as a reference point ("50 km south
    of Zagreb", "near Osaka", "poco distante da Petrinja"); a place the gazetteer does not know
    must also be introduced as a location ("à Lausanne", "in Genf", "в Женеве")."""
    if slot.kind != "place":
        return True
    words = _words_before(material, unit, slot)
    if any(w in _RELATIONAL for w in words):
        return False
    known = gazetteer().entries.get(material.resolve(slot.value)) is not None
    return known or _after_locative(words)


def _words_before(material: Material, unit: Unit, slot: Slot) -> list[str]:
    text = material.articles[unit.article].text
    return re.findall(r"\w+", fold(text[max(unit.start, slot.start - 40) : slot.start]))[-3:]


def _after_locative(words: list[str]) -> bool:
    """Whether the last word before a place (articles aside) introduces a location."""
    tail = [w for w in words if w not in _ARTICLES][-1:]
    return bool(tail) and tail[0] in _LOCATIVE


def _actors(material: Material, unit: Unit) -> bool:
    """Whether a sentence names known places of two countries ("Moscow and Ankara agreed"):
    then its places are parties, not locations."""
    countries = set()
    for slot in unit.slots:
        if slot.kind == "place":
            entry = gazetteer().entries.get(material.resolve(slot.value))
            if entry is not None and entry.type == "PLACE":
                countries.add(entry.country or entry.key)
    return len(countries) > 1


def _parse(
    material: Material, slot: Slot, actors: bool
) -> tuple[str, str, float | None, str] | None:
    """(class, comparable key, magnitude for closeness, value as shown) of one slot."""
    if slot.kind in ("number", "money", "percent"):
        m = _NUMBER.match(slot.value)
        if not m:
            return None
        number, unit = float(m.group(1)), m.group(2).strip().lower()
        shown = slot.value + ("%" if slot.kind == "percent" else "")
        if unit in UNIT_FACTORS:
            unit, factor = UNIT_FACTORS[unit]
            number *= factor
        if slot.kind == "number" and not unit:
            # A count ("seven dead") and a measure with decimals ("6,4") are different things.
            cls = "bare" if number == int(number) else "bare:decimal"
            return cls, repr(number), number, shown
        return f"{slot.kind}:{unit}", repr(number), number, shown
    if slot.kind == "time":
        hours, minutes = slot.value.split(":")[:2]
        return "time", slot.value, int(hours) * 60 + int(minutes), slot.value
    if slot.kind == "date":
        if re.fullmatch(r"\d{4}", slot.value):
            return "year", slot.value, float(slot.value), slot.value
        day = _day(slot.value)
        return ("date", slot.value, day, slot.value) if day is not None else None
    if slot.kind == "place" and not actors:
        key = material.resolve(slot.value)
        entry = gazetteer().entries.get(key)
        if entry and entry.kind == "country":
            return None
        return "place", key, None, display_name(material, key) or slot.text
    return None


def _day(value: str) -> float | None:
    """Day ordinal of a full ISO date, or of a yearless "--MM-DD" in a leap year (a month
    alone is too coarse to contradict anything)."""
    try:
        if value.startswith("--"):
            return float(date.fromisoformat("2000" + value[1:]).toordinal())
        if len(value) == 10:
            return float(date.fromisoformat(value).toordinal())
    except ValueError:
        return None
    return None


def _anchor(material: Material, unit: Unit, slot: Slot, cls: str) -> str | None:
    """What a value is said of, when that can differ between values of one class: the place a
    distance is measured from ("14 km from Petrinja" is not the depth "10 km"), or the person a
    share, an age or a sum belongs to. Magnitudes, sizes and tolls belong to the event."""
    unit_name = cls.split(":")[-1]
    if unit_name in DISTANCE_UNITS:
        return _reference_place(material, unit, slot)
    if cls == "place" or unit_name in UNIT_OF_THINGS:
        return None
    return _person(material, unit, slot)


def _of_things(cls: str) -> bool:
    return cls.split(":")[-1] in UNIT_OF_THINGS | DISTANCE_UNITS


def _reference_place(material: Material, unit: Unit, slot: Slot) -> str | None:
    """The place named right after a distance and a relational word ("50 km south of Zagreb",
    "8.5 miles (14 km) from Petrinja")."""
    text = material.articles[unit.article].text
    for e in material.analyses[unit.article].entities:
        if e.sentence == unit.sentence and e.type == "PLACE" and e.key and (
            0 <= e.start - slot.end <= REFERENCE_CHARS
        ):
            between = re.findall(r"\w+", fold(text[slot.end : e.start]))
            if any(w in _RELATIONAL for w in between):
                return material.resolve(e.key)
    return None


def _person(material: Material, unit: Unit, slot: Slot) -> str | None:
    """The nearest preceding name in the value's sentence, else the nearest following one
    ("Erdogan received 52.1%, while Kilicdaroglu got 47.9%")."""
    people = [
        e
        for e in material.analyses[unit.article].entities
        if e.sentence == unit.sentence and e.type == "PERSON" and e.key
    ]
    before = [e for e in people if e.end <= slot.start]
    after = [e for e in people if e.start >= slot.end]
    chosen = max(before, key=lambda e: e.end) if before else min(
        after, key=lambda e: e.start, default=None
    )
    return material.resolve(chosen.key) if chosen else None


def _country(key: str) -> str:
    entry = gazetteer().entries.get(key)
    if entry is None:
        return key
    return entry.country or entry.key


# ------------------------------------------------------------------------------ linking


def _groups(ctx: _Context, values: list[Value]) -> list[list[Value]]:
    """Values of one class grouped into conflicts.

    Agreeing values first form clusters (average linkage over equal values: the outlets that
    say 6.4); two clusters of different values are then one conflict when any of their pairs is
    linked (the 6.4 outlets against the 6.2 outlets), each pair judged on its own evidence."""
    n = len(values)
    if n < 2:
        return []
    allowed = np.full((n, n), np.nan)
    for i, j in combinations(range(n), 2):
        allowed[i, j] = allowed[j, i] = _allowed(ctx, values[i], values[j])
    same = np.array([[_same(x, y) for y in values] for x in values])
    contested = (allowed == 1.0) & ~same
    if not contested.any():
        return []
    # Embedding clauses is the costly step: only for values in a contested pair whose verdict
    # depends on it (agreeing values are clustered on their sentences' alignment alone).
    needed = {k for i, j in zip(*np.nonzero(contested), strict=True)
              if _clause_decides(ctx, values[i], values[j]) for k in (i, j)}
    _embed_clauses(ctx, [values[k] for k in sorted(needed)])
    score = np.full((n, n), np.nan)
    for i, j in zip(*np.nonzero(allowed == 1.0), strict=True):
        score[i, j] = _affinity(ctx, values[i], values[j])
    agree = np.where(same, score, -np.inf)
    agree[allowed == 0.0] = -np.inf
    agree[np.isnan(allowed)] = np.nan
    clusters = average_linkage(agree, 0.0)
    cluster_of = np.empty(n, dtype=int)
    for c, members in enumerate(clusters):
        cluster_of[members] = c
    parent = list(range(len(clusters)))

    def find(c: int) -> int:
        while parent[c] != c:
            c = parent[c]
        return c

    for i, j in zip(*np.nonzero((~same) & (np.nan_to_num(score, nan=-1.0) >= 0.0)), strict=True):
        parent[find(cluster_of[i])] = find(cluster_of[j])
    merged: dict[int, list[Value]] = {}
    for c, members in enumerate(clusters):
        merged.setdefault(find(c), []).extend(values[k] for k in members)
    return [g for g in merged.values() if len(g) > 1]


def _one_statement(groups: list[list[Value]]) -> list[list[Value]]:
    """Conflicts over the figures of different people given in the same sentences ("Erdogan
    52.1%, Kilicdaroglu 47.9%" against "52.3% to 47.7%") are one dispute over one statement (a
    result, a score): the smaller joins the larger when all its sentences are the larger's."""
    merged: list[list[Value]] = []
    for group in sorted(groups, key=len, reverse=True):
        host = next((m for m in merged if _restates(m, group)), None)
        if host is None:
            merged.append(list(group))
        else:
            host.extend(group)
    return merged


def _restates(host: list[Value], group: list[Value]) -> bool:
    anchors = {v.anchor for v in host}
    return (None not in anchors and all(v.anchor and v.anchor not in anchors for v in group)
            and {v.unit for v in group} <= {v.unit for v in host})


def _allowed(ctx: _Context, x: Value, y: Value) -> float:
    """1 when two values may measure one quantity, 0 when they cannot, NaN for no evidence."""
    same = _same(x, y)
    if x.article == y.article:
        return 0.0 if x.unit == y.unit and not same else np.nan
    if x.anchor != y.anchor or not _same_days(ctx, x.unit, y.unit):
        return 0.0
    if same:
        return 1.0
    if not _close(x, y) or _states(ctx, y.unit, x) or _states(ctx, x.unit, y):
        return 0.0
    if x.cls in RUNNING and _reported_apart(ctx.material, x.article, y.article):
        return 0.0
    if x.cls == "place" and not _place_contest(ctx, x, y):
        return 0.0
    return 1.0


def _reported_apart(material: Material, a: int, b: int) -> bool:
    """Whether two articles were published on different days (both dates known)."""
    da, db = material.published(a), material.published(b)
    return da is not None and db is not None and da.date() != db.date()


def _known_city_against_unknown(x: Value, y: Value) -> bool:
    cx, cy = gazetteer().entries.get(x.key), gazetteer().entries.get(y.key)
    known = cx or cy
    return (cx is None) != (cy is None) and known is not None and known.kind == "city"


def _clause_decides(ctx: _Context, x: Value, y: Value) -> bool:
    """Whether the clauses can change the verdict on a pair: for values with a unit the
    sentences suffice when they agree; for unitless ones, both must agree."""
    kind = x.cls.split(":")[0]
    if kind not in CLAUSE_CLASSES:
        return False
    sentence = float(ctx.alignment.score[x.unit, y.unit]) - SENTENCE_FLOOR[kind]
    return sentence >= 0 if kind in UNITLESS else sentence < 0


def _affinity(ctx: _Context, x: Value, y: Value) -> float:
    """Evidence that two allowed values measure one thing, above 0 when they do."""
    bonus = SAME_VALUE_BONUS if _same(x, y) else 0.0
    kind = x.cls.split(":")[0]
    if _of_things(x.cls) and ctx.only_one(x) and ctx.only_one(y):
        bonus += ONLY_ONE_BONUS
    sentence = float(ctx.alignment.score[x.unit, y.unit]) - SENTENCE_FLOOR[kind]
    vx, vy = ctx.clauses.get((x.start, x.end)), ctx.clauses.get((y.start, y.end))
    if kind in CLAUSE_CLASSES and vx is not None and vy is not None:
        cos = float(vx @ vy)
        same_language = ctx.material.lang(x.article) == ctx.material.lang(y.article)
        clause = cos - (CLAUSE_FLOOR if same_language else CLAUSE_FLOOR_ACROSS_LANGUAGES)
        if kind in UNITLESS:
            return min(clause, sentence) + bonus
        return max(clause, sentence) + bonus
    return sentence + bonus


def _embed_clauses(ctx: _Context, values: list[Value]) -> None:
    """Clause vectors (e5: see encoders.py); a clause that is most of its sentence takes the
    sentence's vector when the sentences were embedded by the same model."""
    material = ctx.material
    reuse = material.encoder.embed is material.clause_embed
    todo = []
    for v in values:
        if v.cls.split(":")[0] not in CLAUSE_CLASSES or (v.start, v.end) in ctx.clauses:
            continue
        most = len(clause(material, v)) >= CLAUSE_IS_SENTENCE * len(material.units[v.unit].text)
        if reuse and most and material.embedded[v.unit]:
            ctx.clauses[v.start, v.end] = material.vectors[v.unit]
        else:
            todo.append(v)
    if not todo:
        return
    vectors = embed_unique(material.clause_embed, [clause(material, v) for v in todo])
    for v, vector in zip(todo, vectors, strict=True):
        ctx.clauses[v.start, v.end] = vector


_CLAUSE_BREAK = re.compile(
    r"[;:()\[\]–—]|,(?!\d)|\s-\s|\b(?:while|whereas|but|and|während|aber|und|mentre|ma|mientras|pero|"
    r"alors que|mais|et|tandis|ise|ve|а|но|и)\b"
)


def _clause_span(material: Material, unit: Unit, start: int, end: int) -> tuple[int, int]:
    """Article offsets of the clause holding [start, end): between punctuation and
    conjunctions, within its sentence."""
    text = material.articles[unit.article].text[unit.start : unit.end]
    s, e = start - unit.start, end - unit.start
    cuts = [0, *(m.start() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    lo = max((c for c in cuts if c <= s), default=0)
    hi = min((c for c in cuts if c >= e), default=len(text))
    return unit.start + lo, unit.start + hi


def clause(material: Material, value: Value) -> str:
    """The clause of its sentence a value stands in, at most CLAUSE_WORDS words either side."""
    unit = material.units[value.unit]
    text = material.articles[unit.article].text[unit.start : unit.end]
    s, e = value.start - unit.start, value.end - unit.start
    lo, hi = (x - unit.start for x in _clause_span(material, unit, value.start, value.end))
    before = text[lo:s].split()[-CLAUSE_WORDS:]
    after = text[e:hi].split()[:CLAUSE_WORDS]
    piece = " ".join([*before, text[s:e], *after]).strip(" ,;:()[]-–—")
    return piece if len(piece.split()) >= 3 else text


def _same(x: Value, y: Value) -> bool:
    if x.cls == "place":
        return _same_place(x.key, y.key)
    if x.cls == "date" and (x.key.startswith("--") or y.key.startswith("--")):
        return x.key[-5:] == y.key[-5:]
    if x.magnitude is not None and y.magnitude is not None:
        return _gap(x, y) < 1e-9
    return x.key == y.key


def _gap(x: Value, y: Value) -> float:
    """Distance between two numbers, or between a number and a range (0 inside it)."""
    assert x.magnitude is not None and y.magnitude is not None
    x_high = x.magnitude if x.upper is None else x.upper
    y_high = y.magnitude if y.upper is None else y.upper
    return max(0.0, y.magnitude - x_high, x.magnitude - y_high)


def _same_place(a: str, b: str) -> bool:
    """One place named two ways: equal, a city and its country, names sharing a word
    ("Wakayama" / "JR Wakayama Station"), or a misspelling."""
    shared = {t for t in set(a.split()) & set(b.split()) if len(t) >= 4}
    return a == b or _country(a) == b or _country(b) == a or bool(shared) or _misspelt(a, b)


def _close(x: Value, y: Value) -> bool:
    if x.magnitude is None or y.magnitude is None:
        return x.cls == "place"
    gap = _gap(x, y)
    if x.cls == "time":
        return gap <= MAX_MINUTES
    if x.cls == "date":
        return gap <= MAX_DAYS
    if x.cls == "year":
        return gap <= MAX_YEARS
    if x.cls in MAX_GAP:
        return gap <= MAX_GAP[x.cls]
    return gap <= MAX_RELATIVE_GAP * max(abs(x.magnitude), abs(y.magnitude))


def _states(ctx: _Context, unit: int, value: Value) -> bool:
    """Whether sentence `unit` also states `value` (then a different value there is extra)."""
    return any(v.cls == value.cls and _same(v, value) for v in ctx.by_unit[unit])


def _same_days(ctx: _Context, a: int, b: int) -> bool:
    """False when both sentences are dated and share no date, at the precision both give
    (a year against a full date compares years): two different occurrences, such as the
    foreshock on Monday and the quake on Tuesday, or "the 1986 tremor"."""
    days_a = [_when(v) for v in ctx.by_unit[a] if v.cls in ("date", "year")]
    days_b = [_when(v) for v in ctx.by_unit[b] if v.cls in ("date", "year")]
    if not days_a or not days_b:
        return True
    return any(_coincide(x, y) for x in days_a for y in days_b)


def _when(value: Value) -> tuple[str | None, str | None]:
    """(year, month-day) of a date value, each None when not given."""
    if value.cls == "year":
        return value.key, None
    if value.key.startswith("--"):
        return None, value.key[2:]
    return value.key[:4], value.key[5:]


def _coincide(x: tuple[str | None, str | None], y: tuple[str | None, str | None]) -> bool:
    shared = [(p, q) for p, q in zip(x, y, strict=True) if p and q]
    return all(p == q for p, q in shared)


def _place_contest(ctx: _Context, x: Value, y: Value) -> bool:
    """Two cities of one country (or a known city and a place the gazetteer does not know, in
    sentences that state the same fact), and neither article gives the other's as a location
    anywhere. Unknown places may lie inside one another; cities of two countries are more often
    listed side by side ("felt in Vienna ... in Split") than contradicted."""
    cx, cy = gazetteer().entries.get(x.key), gazetteer().entries.get(y.key)
    cities = cx and cy and cx.kind == cy.kind == "city" and cx.country == cy.country
    if not (cities or _known_city_against_unknown(x, y)):
        return False
    return not (
        any(_same_place(x.key, p) for p in _locations(ctx, y.article))
        or any(_same_place(y.key, p) for p in _locations(ctx, x.article))
        or _mentions(ctx, y.unit, x)
        or _mentions(ctx, x.unit, y)
    )


def _locations(ctx: _Context, article: int) -> set[str]:
    """Places an article names as locations: place values (not actors, see _values), and any
    place introduced by a locative preposition ("signed in Vienna eight months after Geneva")."""
    material = ctx.material
    found = set()
    for u, unit in enumerate(material.units):
        if unit.article != article:
            continue
        found |= {v.key for v in ctx.by_unit[u] if v.cls == "place"}
        found |= {material.resolve(s.value) for s in unit.slots if s.kind == "place"
                  and _after_locative(_words_before(material, unit, s))}
    return found


def _mentions(ctx: _Context, unit: int, value: Value) -> bool:
    """Whether a sentence names the place of a value at all ("Nara Medical University Hospital
    in Kashihara" does not contradict "Nara"): then the two places are not exclusive."""
    text = fold(ctx.material.units[unit].text)
    name = fold(ctx.material.articles[value.article].text[value.start : value.end])
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


def _conflict(cls: str, group: list[Value], fact_of: dict[int, list[Fact]]) -> Conflict | None:
    disagree = any(
        x.article != y.article and not _same(x, y) for x, y in combinations(group, 2)
    )
    facts = [f for v in group for f in fact_of.get(v.unit, [])]
    if not disagree or not facts:
        return None
    fact = max(facts, key=lambda f: (facts.count(f), len(f.articles)))
    about = ABOUT[cls.split(":")[0]]
    in_text_order = sorted(group, key=lambda v: (v.unit, v.start))
    return Conflict(about=about, fact=fact,
                    values=list(dict.fromkeys((v.unit, v.shown) for v in in_text_order)))


# ------------------------------------------------------------------------------ sentences


def _sentence_conflicts(
    material: Material, alignment: Alignment, facts: list[Fact]
) -> list[Conflict]:
    """Person and negation conflicts between strongly aligned sentences."""
    fact_of = _facts_by_unit(facts)
    out: dict[tuple[int, str], Conflict] = {}
    for i, j in np.argwhere(np.triu(alignment.score >= PERSON_ALIGN, k=1)):
        u, v = material.units[i], material.units[j]
        shared = [f for f in fact_of.get(int(i), []) if f in fact_of.get(int(j), [])]
        fact = (shared or fact_of.get(int(i)) or fact_of.get(int(j)) or [None])[0]
        if fact is None:
            continue
        found = []
        people = _person_conflict(material, u, v) or _swap(_person_conflict(material, v, u))
        if people:
            found.append(("person", *people))
        if _negation_conflict(u, v, alignment.word[i, j]):
            found.append(("negation", _polarity(u), _polarity(v)))
        for about, left, right in found:
            conflict = out.setdefault((id(fact), about), Conflict(about=about, fact=fact))
            for unit, shown in ((int(i), left), (int(j), right)):
                if (unit, shown) not in conflict.values:
                    conflict.values.append((unit, shown))
    return list(out.values())


def _one_person_dispute(material: Material, conflicts: list[Conflict]) -> list[Conflict]:
    """Person conflicts found twice (in aligned sentences and in a misattributed quote) that
    give one article's name in both are one dispute."""
    merged: list[Conflict] = []
    for c in conflicts:
        names = {(material.units[k].article, shown) for k, shown in c.values}
        host = next((m for m in merged if m.about == c.about == "person" and names & {
            (material.units[k].article, shown) for k, shown in m.values}), None)
        if host is None:
            merged.append(c)
        else:
            host.values = sorted(set(host.values) | set(c.values))
    return merged


def _swap(pair: tuple[str, str] | None) -> tuple[str, str] | None:
    return (pair[1], pair[0]) if pair else None


def _person_conflict(material: Material, u: Unit, v: Unit) -> tuple[str, str] | None:
    """A name only u's article uses, where v names someone several articles name, in the same
    role: a speaker of the sentence's statement and someone it speaks of are two people."""
    odd, usual = _odd_and_usual(material, u.people - v.people, v.people - u.people)
    if not odd or bool(odd & _speakers(material, u)) != bool(usual & _speakers(material, v)):
        return None
    return _names(material, u, odd), _names(material, v, usual)


def _speakers(material: Material, unit: Unit) -> frozenset[str]:
    """Resolved keys of the people the sentence quotes."""
    quotes = material.analyses[unit.article].quotes
    return frozenset(material.resolve(q.speaker_key) for q in quotes
                     if q.sentence == unit.sentence and q.speaker_key)


def _odd_and_usual(
    material: Material, mine: Set[str], theirs: Set[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """Of two sets of people named in the same role, the names only one article uses (`mine`)
    and the ones several articles use (`theirs`); both empty unless both exist and none is a
    misspelling of the other."""
    if not mine or not theirs or any(_misspelt(a, b) for a in mine for b in theirs):
        return frozenset(), frozenset()
    reach = {p: sum(p in material.article_keys(i) for i in range(len(material.articles)))
             for p in mine | theirs}
    odd = frozenset(p for p in mine if reach[p] == 1 and _is_person(material, p))
    usual = frozenset(p for p in theirs if reach[p] >= 2 and _is_person(material, p))
    return (odd, usual) if odd and usual else (frozenset(), frozenset())


def _misattributed(
    material: Material, groups: Sequence[QuoteGroup], fact_of: dict[int, list[Fact]]
) -> list[Conflict]:
    """Person conflicts over who said something: one statement (a quote group) that one article
    gives to a name no other article uses, and others to someone several articles name."""
    unit_of = {(u.article, u.sentence): k for k, u in enumerate(material.units)}
    out = []
    for group in groups:
        speakers = {it.speaker for it in group.items if it.speaker}
        for odd_one in speakers:
            odd, usual = _odd_and_usual(material, {odd_one}, speakers - {odd_one})
            named = [(unit_of[it.article, it.quote.sentence], it.quote.speaker or "")
                     for it in group.items if it.speaker in odd | usual
                     and (it.article, it.quote.sentence) in unit_of]
            facts = [f for k, _ in named for f in fact_of.get(k, [])]
            if odd and facts and len({material.units[k].article for k, _ in named}) > 1:
                fact = max(facts, key=facts.count)
                out.append(Conflict(about="person", fact=fact, values=sorted(set(named))))
    return out


def _is_person(material: Material, key: str) -> bool:
    """Whether the analyzer tagged this name PERSON in most of its mentions."""
    resolve = material.resolve
    types = [e.type for a in material.analyses for e in a.entities
             if e.key and resolve(e.key) == key]
    return types.count("PERSON") * 2 > len(types)


def _misspelt(a: str, b: str) -> bool:
    """Two keys that are one name misspelt or cut short ("Adrej"/"Andrej", "Kılıçdar"), which is
    sloppiness, not a claim about someone else ("Korenko"/"Kovalenko" differ as words)."""
    ta, tb = a.split(), b.split()
    n = min(len(ta), len(tb))  # names are compared from the surname back: titles come first
    return all(
        x.startswith(y) or y.startswith(x) or Indel.normalized_similarity(x, y) >= MISSPELT
        for x, y in zip(ta[-n:], tb[-n:], strict=True)
    )


def _names(material: Material, unit: Unit, keys: frozenset[str]) -> str:
    resolve = material.resolve
    analysis = material.analyses[unit.article]
    names = dict.fromkeys(
        e.text
        for e in analysis.entities
        if e.sentence == unit.sentence and e.key and resolve(e.key) in keys
    )
    return ", ".join(names)


def _negated(unit: Unit) -> bool:
    tokens = re.findall(r"\w+", unit.text.lower())
    return any(t in _NEGATION or fold(t) in _NEGATION for t in tokens) or "n't" in unit.text


def _polarity(unit: Unit) -> str:
    return "negated" if _negated(unit) else "affirmed"


def _negation_conflict(u: Unit, v: Unit, word_overlap: float) -> bool:
    return u.lang == v.lang and word_overlap >= NEGATION_WORDS and _negated(u) != _negated(v)


def conflict_json(material: Material, conflict: Conflict) -> dict:
    """One entry per article sentence; several values of one sentence are joined with " / "."""
    merged: dict[tuple[int, int], list[str]] = {}
    for unit_index, shown in conflict.values:
        unit = material.units[unit_index]
        shown_here = merged.setdefault((unit.article, unit.sentence), [])
        if shown not in shown_here:
            shown_here.append(shown)
    values = [
        {"article": material.articles[article].id, "value": " / ".join(shown),
         "sentence": sentence}
        for (article, sentence), shown in sorted(merged.items())
    ]
    return {"about": conflict.about, "fact": conflict.fact.id, "values": values}
