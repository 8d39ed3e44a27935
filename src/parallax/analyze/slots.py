"""Checkable values in the text: places, numbers, money, percentages, dates and times.

Contradictions between outlets are differences in these values ("6.4" vs "6.2", "Moscow" vs
"Sochi", "December 29" vs "December 28"), so each value is normalised to a form that compares
equal across languages: "100 milliards de dollars", "$100 billion" and "100 млрд долларов" are
all "100000000000 USD"; "6,4" in German and "6.4" in English are both "6.4".
Regexes, not dateparser: its search is far too slow to run over every article.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import cache

from parallax.analyze.datewords import month_names, relative_day_words, weekday_names
from parallax.analyze.gazetteer import fold
from parallax.model import Entity, Sentence, Slot, SlotKind

# Languages that write 6.4 (not 6,4) and 1,000 (not 1.000).
_DECIMAL_POINT_LANGS = "en zh ja ko he hi th ms tl ga mt sw ur bn ta te ml mr gu kn pa"
DECIMAL_POINT = frozenset(_DECIMAL_POINT_LANGS.split())
# Languages that group thousands with a space ("100 000").
_SPACE_GROUPING_LANGS = "fr ru uk be pl cs sk sv no nb fi et lv lt hu bg kk"
SPACE_GROUPING = frozenset(_SPACE_GROUPING_LANGS.split())


SCALES = {
    "thousand": 1e3, "thousands": 1e3, "tausend": 1e3, "mille": 1e3, "mil": 1e3, "bin": 1e3,
    "тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "tys": 1e3, "tysięcy": 1e3,
    "million": 1e6, "millions": 1e6, "mln": 1e6, "mio": 1e6, "m": 1e6, "millionen": 1e6,
    "millón": 1e6, "millones": 1e6, "milione": 1e6, "milioni": 1e6, "milyon": 1e6,
    "млн": 1e6, "миллион": 1e6, "миллиона": 1e6, "миллионов": 1e6, "milion": 1e6,
    "milionów": 1e6, "miliony": 1e6, "milhões": 1e6, "milhão": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "milliard": 1e9, "milliards": 1e9,
    "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "miliardo": 1e9, "miliardi": 1e9,
    "milyar": 1e9, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9,
    "miliard": 1e9, "miliardów": 1e9, "miliardy": 1e9, "bilhões": 1e9, "bilhão": 1e9,
    "trillion": 1e12, "trillions": 1e12, "billionen": 1e12, "billón": 1e12, "billones": 1e12,
    "trilyon": 1e12, "трлн": 1e12, "триллион": 1e12, "триллиона": 1e12, "триллионов": 1e12,
}  # fmt: skip
# "billion" is 10^12 in German ("Billion") and Spanish/French/Italian long-scale usage.
_LONG_SCALE_LANGS = "de es fr it pt nl pl ru tr da sv no fi cs sk hu ro hr sr"
LONG_SCALE_BILLION = frozenset(_LONG_SCALE_LANGS.split())
CURRENCY_SYMBOLS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₺": "TRY",
                    "₽": "RUB", "₹": "INR"}  # fmt: skip
CURRENCY_WORDS = {
    "USD": "usd dollar dollars dólar dólares dollaro dollari доллар доллара долларов dolar "
           "dolarów dolary dólares",
    "EUR": "eur euro euros евро avro",
    "GBP": "gbp pound pounds pfund sterling sterlina sterline фунт фунтов sterlin",
    "JPY": "jpy yen иен иены",
    "TRY": "try tl lira liras lire лир лиры türk lirası",
    "RUB": "rub ruble rubles rouble roubles rubel рубль рубля рублей ruble rubli",
    "INR": "inr rupee rupees rupia rupie рупий rupi",
    "CNY": "cny yuan юань юаней",
    "CHF": "chf franken francs suisses",
}  # fmt: skip
PERCENT_WORDS = (r"%|percent|per\s?cent|prozent|pour\s?cent|por\s?ciento|per\s?cento|"
                 r"процент\w*|proc\.?|procent\w*|pct")  # fmt: skip
MAGNITUDE_WORDS = (r"magnitude|magnitud|magnitudo|magnitúdó|stärke|richter|магнитуд\w*|"
                   r"балл\w*|büyüklüğünde|şiddetinde|siłę|magnitudy")  # fmt: skip
UNITS = {
    "km": r"km|kilomet(?:er|re|ro|ra|ri|res|ers|res|ern|rów|rach)?s?|километр\w*|kilometre",
    "mi": r"miles?|meilen",
    "m": r"meters?|metres?|metern?|метр\w*|metre",
    "cm": r"cm|centimet(?:er|re|ro|ri|ros|res|ers)?s?|zentimetern?|сантиметр\w*|santimetre|"
          r"centymetr\w*",
    "mm": r"mm|millimet(?:er|re|ro|ri|ros|res|ers)?s?|millimetern?|миллиметр\w*|milimetr\w*",
    "kg": r"kg|kilo(?:gram\w*)?s?|килограмм\w*",
    "years": r"year[- ]old|years? old|aged|jährige\w*|jahre alte?\w*|ans|años|anni|"
             r"yaşında\w*|лет\w*|letni\w*|-летн\w*",
    "people": r"people|dead|killed|injured|tote|toten|verletzte\w*|menschen|morts|blessés|"
              r"muertos|heridos|morti|feriti|погибш\w*|человек|ölü|yaralı|kişi",
}  # fmt: skip
SMALL_NUMBERS = {
    "en": "two three four five six seven eight nine ten eleven twelve",
    "de": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "it": "due tre quattro cinque sei sette otto nove dieci undici dodici",
    "ru": "два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать",
    "tr": "iki üç dört beş altı yedi sekiz dokuz on onbir oniki",
    "pl": "dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć jedenaście dwanaście",
    "pt": "dois três quatro cinco seis sete oito nove dez onze doze",
}  # fmt: skip


def extract_slots(
    text: str,
    lang: str,
    sentences: Sequence[Sentence],
    entities: Sequence[Entity],
    published: datetime | None = None,
) -> list[Slot]:
    """Slots in text order; `published` (the article date) resolves "Monday" and "yesterday"."""
    starts = [s.start for s in sentences]
    found: list[tuple[SlotKind, int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for finder in _finders():
        for kind, start, end, value in finder(text, lang, published):
            if not any(s < end and start < e for s, e in taken):
                found.append((kind, start, end, value))
                taken.append((start, end))
    found += [("place", e.start, e.end, e.key) for e in entities if e.type == "PLACE"]
    return [
        Slot(kind, text[start:end], value, start, end, _sentence_of(starts, start))
        for kind, start, end, value in sorted(found, key=lambda f: f[1])
    ]


def _sentence_of(starts: list[int], offset: int) -> int:
    return max(bisect.bisect_right(starts, offset) - 1, 0)


Match = tuple[SlotKind, int, int, str]
Finder = Callable[[str, str, datetime | None], Iterator[Match]]


def _finders() -> list[Finder]:
    """In priority order: a span claimed by an earlier finder is not matched again."""
    return [_dates, _relative_dates, _times, _money, _percents, _measures, _years, _numbers,
            _small_numbers]  # fmt: skip


# ---------------------------------------------------------------- numbers


def parse_number(raw: str, lang: str) -> float | None:
    """Read "1.000", "1,000", "6,4", "6.4", "27.768.023", "100 000" by the rules of `lang`:
    a single separator followed by exactly three digits is a thousands separator unless it is
    the language's decimal mark."""
    s = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("'", " ").strip()
    seps = [c for c in s if c in ".,' "]
    if not seps:
        return _float(s)
    decimal_mark = "." if lang in DECIMAL_POINT else ","
    if len(set(seps)) > 1:
        decimal = seps[-1]
    elif len(seps) > 1 or seps[0] == " ":
        decimal = None
    else:
        after = s.rsplit(seps[0], 1)[1]
        decimal = seps[0] if len(after) != 3 or seps[0] == decimal_mark else None
    if decimal:
        whole, frac = s.rsplit(decimal, 1)
        s = re.sub(r"[.,' ]", "", whole) + "." + frac
    else:
        s = re.sub(r"[.,' ]", "", s)
    return _float(s)


def _float(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


def format_number(value: float) -> str:
    """Plain decimal without exponent or trailing zeros: 6.4, 100000000000, 52.17."""
    if value == int(value) and abs(value) < 1e18:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _number_re(lang: str) -> str:
    """A number with optional thousands groups and decimals; parse_number reads it."""
    group = "[.,\u00a0\u202f' ]" if lang in SPACE_GROUPING else "[.,\u00a0\u202f']"
    return rf"\d{{1,3}}(?:{group}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


# ---------------------------------------------------------------- dates and times


@cache
def _month_re(lang: str) -> str:
    names = sorted(month_names(lang), key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


@cache
def _date_patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    month = _month_re(lang)
    return [
        (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"), "ymd"),
        (re.compile(r"(?<![\d.])(?P<a>\d{1,2})[./](?P<b>\d{1,2})[./](?P<y>\d{4})(?![\d.]\d)"),
         "numeric"),
        (re.compile(
            rf"(?<!\d)(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?\s*(?:de\s+|of\s+)?(?P<mn>{month})"
            rf"\b\.?(?:,?\s*(?:de\s+|del\s+)?(?P<y>\d{{4}})(?!\d))?", re.IGNORECASE), "dmy"),
        (re.compile(
            rf"\b(?P<mn>{month})\b\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
            rf"(?:,?\s+(?P<y>\d{{4}})(?!\d))?", re.IGNORECASE), "mdy"),
        (re.compile(rf"\b(?P<mn>{month})\b\.?\s+(?:de\s+)?(?P<y>\d{{4}})(?!\d)", re.IGNORECASE),
         "my"),
    ]


@cache
def _folded(table: Callable[[str], dict[str, int]], lang: str) -> dict[str, int]:
    """A word table keyed by folded words, so "ARALIK", "Aralık" and "aralik" all match."""
    return {fold(w): n for w, n in table(lang).items()}


def _dates(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    months = _folded(month_names, lang)
    for pattern, form in _date_patterns(lang):
        for m in pattern.finditer(text):
            value = _date_value(m, form, months, lang, published)
            if value:
                yield "date", m.start(), m.end(), value


def _date_value(
    m: re.Match[str], form: str, months: dict[str, int], lang: str, published: datetime | None
) -> str | None:
    g = m.groupdict()
    year = int(g["y"]) if g.get("y") else None
    if form == "numeric":
        a, b = int(g["a"]), int(g["b"])
        month_first = lang == "en" and "/" in m.group() and a <= 12
        day, month = (b, a) if month_first else (a, b)
        return _iso(year, month, day)
    if form == "ymd":
        return _iso(year, int(g["m"]), int(g["d"]))
    month = months.get(fold(g["mn"]).rstrip("."))
    if month is None:
        return None
    if form == "my":
        return f"{year:04d}-{month:02d}" if year and 1900 <= year <= 2100 else None
    day = int(g["d"])
    if year is None and published is not None:
        year = published.year
        if date(year, month, min(day, 28)) > published.date() + timedelta(days=31):
            year -= 1
    return _iso(year, month, day) if year else _partial(month, day)


def _iso(year: int | None, month: int, day: int) -> str | None:
    try:
        return date(year or 2000, month, day).isoformat() if year else _partial(month, day)
    except ValueError:
        return None


def _partial(month: int, day: int) -> str | None:
    """A date without a year, in ISO 8601's --MM-DD form."""
    return f"--{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


@cache
def _relative_re(lang: str) -> re.Pattern[str] | None:
    words = sorted({*weekday_names(lang), *relative_day_words(lang)}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def _relative_dates(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    """Weekdays and yesterday/today, resolved against the article date (news reports the
    past: "Monday" is the latest Monday on or before publication)."""
    if published is None:
        return
    weekdays, relative = _folded(weekday_names, lang), _folded(relative_day_words, lang)
    base = published.date()
    for m, word in _day_words(text, lang):
        if word in relative:
            day = base + timedelta(days=relative[word])
        else:
            day = base - timedelta(days=(base.weekday() - weekdays[word]) % 7)
        yield "date", m.start(), m.end(), day.isoformat()


def named_weekdays(text: str, lang: str) -> frozenset[int]:
    """The weekdays the text names (0 = Monday), whether or not the article has a date: reports
    of one event say "on Thursday" alike, and for an undated report that is all it says of when.
    """
    weekdays = _folded(weekday_names, lang)
    return frozenset(weekdays[word] for _, word in _day_words(text, lang) if word in weekdays)


def _day_words(text: str, lang: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each weekday or yesterday/today word of the text, folded as the word tables are."""
    pattern = _relative_re(lang)
    if pattern is not None:
        for m in pattern.finditer(text):
            yield m, fold(m.group(1))


_TIME = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d)|h(?P<m5>[0-5]\d)|\.(?P<m2>[0-5]\d)(?=\s*(?:Uhr|h\b|"
    r"hs\b|Ortszeit|GMT|UTC|CET|['’](?:da|de|te|ta)\b))|\s+Uhr(?:\s+(?P<m3>[0-5]\d))?)"
    r"(?!\d)(?:\s*(?P<ampm>[ap]\.?\s?m\.?)(?!\w))?"
    r"|(?<![\d.,:])(?P<h2>1[0-2]|[1-9])\s*(?P<ampm2>[ap]\.?m\.?)(?!\w)"
    r"|(?:(?<=\bsaat\s)|(?<=\bum\s)|(?<=\bat\s)|(?<=\bà\s)|(?<=\bore\s))"
    r"(?P<h3>[01]?\d|2[0-3])\.(?P<m4>[0-5]\d)(?![.,]?\d)",
    re.IGNORECASE,
)


def _times(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for m in _TIME.finditer(text):
        hour = int(m.group("h") or m.group("h2") or m.group("h3"))
        minute = int(next((m.group(g) for g in ("m", "m2", "m3", "m4", "m5") if m.group(g)), 0))
        ampm = (m.group("ampm") or m.group("ampm2") or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        yield "time", m.start(), m.end(), f"{hour:02d}:{minute:02d}"


def _years(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for m in re.finditer(r"(?<![\w.,\-])(?:19|20)\d\d(?![\w]|[.,]\d)", text):
        yield "date", m.start(), m.end(), m.group()


# ---------------------------------------------------------------- quantities


@cache
def _scale_re() -> str:
    return "|".join(re.escape(w) for w in sorted(SCALES, key=len, reverse=True))


@cache
def _currency_words() -> dict[str, str]:
    return {w: code for code, words in CURRENCY_WORDS.items() for w in words.split()}


@cache
def _money_re(lang: str) -> re.Pattern[str]:
    symbols = "|".join(re.escape(s) for s in sorted(CURRENCY_SYMBOLS, key=len, reverse=True))
    words = "|".join(re.escape(w) for w in sorted(_currency_words(), key=len, reverse=True))
    scale = rf"(?:[\s\-]?(?:{_scale_re()})\.?(?![^\W\d_]))"
    return re.compile(
        rf"(?P<sym>{symbols})?\s?(?<![\w.,])(?P<num>{_number_re(lang)})(?![.,]?\d)"
        rf"(?P<scale>{scale}(?:\s(?:{_scale_re()})(?![^\W\d_]))?)?"
        rf"(?:[\s\-](?:de|of|di|d['’])?\s?(?P<word>{words})(?![^\W\d_]))?",
        re.IGNORECASE,
    )


def _money(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for m in _money_re(lang).finditer(text):
        sym, word = m.group("sym"), m.group("word")
        if not sym and not word:
            continue
        amount = parse_number(m.group("num"), lang)
        if amount is None:
            continue
        amount *= _scale_value(m.group("scale") or "", lang)
        code = CURRENCY_SYMBOLS[sym.lower()] if sym else _currency_words()[word.casefold()]
        start = m.start("sym") if sym else m.start("num")
        yield "money", start, m.end(), f"{format_number(round(amount, 2))} {code}"


def _scale_value(scale: str, lang: str) -> float:
    value = 1.0
    for word in re.findall(r"[^\W\d_]+", scale):
        w = word.casefold()
        if w == "billion" and lang in LONG_SCALE_BILLION:
            value *= 1e12
        else:
            value *= SCALES.get(w, 1.0)
    return value


@cache
def _percent_re(lang: str) -> re.Pattern[str]:
    num = _number_re(lang)
    return re.compile(
        rf"(?<![\w.,])(?P<num>{num})\s?(?:{PERCENT_WORDS})(?![^\W\d_])"
        rf"|(?:%|\byüzde\s)\s?(?P<num2>{num})(?![.,]?\d)",
        re.IGNORECASE,
    )


def _percents(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for m in _percent_re(lang).finditer(text):
        value = parse_number(m.group("num") or m.group("num2"), lang)
        if value is not None:
            yield "percent", m.start(), m.end(), format_number(value)


@cache
def _measure_res(lang: str) -> list[tuple[re.Pattern[str], str]]:
    num = _number_re(lang)
    out = [
        (re.compile(rf"(?:\b(?:{MAGNITUDE_WORDS})\b|\bM)\s?(?:of|von|de|di|от|:)?\s?"
                    rf"(?P<num>{num})(?![.,]?\d)", re.IGNORECASE), "magnitude"),
        (re.compile(rf"(?<![\w.,])(?P<num>{num})[\s\-]?(?:{MAGNITUDE_WORDS})\b", re.IGNORECASE),
         "magnitude"),
    ]
    for unit, words in UNITS.items():
        out.append((re.compile(rf"(?<![\w.,])(?P<num>{num})[\s\-]?(?:{words})(?![^\W\d_])",
                               re.IGNORECASE), unit))
    out.append((re.compile(r"\baged\s(?P<num>\d{1,3})\b", re.IGNORECASE), "years"))
    return out


def _measures(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for pattern, unit in _measure_res(lang):
        for m in pattern.finditer(text):
            value = parse_number(m.group("num"), lang)
            if value is not None:
                yield "number", m.start(), m.end(), f"{format_number(value)} {unit}"


@cache
def _plain_number_re(lang: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.,\-])(?<![^\W\d_]-)(?:{_number_re(lang)})(?![.,]?\d)(?![\-]\d)")


def _numbers(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    for m in _plain_number_re(lang).finditer(text):
        if text[m.end() : m.end() + 1].isalpha():
            continue  # "N1", "4G": part of a name
        value = parse_number(m.group(), lang)
        if value is not None:
            yield "number", m.start(), m.end(), format_number(value)


@cache
def _small_number_re(lang: str) -> tuple[re.Pattern[str], dict[str, int]] | None:
    words = SMALL_NUMBERS.get(lang)
    if not words:
        return None
    table = {fold(w): n for n, w in enumerate(words.split(), 2)}
    return re.compile(r"\b(" + "|".join(words.split()) + r")\b", re.IGNORECASE), table


def _small_numbers(text: str, lang: str, published: datetime | None) -> Iterator[Match]:
    compiled = _small_number_re(lang)
    if compiled is None:
        return
    pattern, table = compiled
    for m in pattern.finditer(text):
        value = table.get(fold(m.group(1)))
        if value:
            yield "number", m.start(), m.end(), str(value)
