"""Month, weekday and relative-day words in ~200 languages, taken from dateparser's data files.

dateparser's own parser is too slow to run over every article (its `search` tries every
language), but its per-language translation tables are exactly the vocabulary needed to write
fast date regexes and to keep "Montag" or "Aralık" from being taken for names.
"""

from __future__ import annotations

import importlib
from functools import cache

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# dateparser's relative-type phrases, as day offsets.
RELATIVE_DAYS = {"0 day ago": 0, "1 day ago": -1, "in 1 day": 1}


@cache
def _info(lang: str) -> dict:
    try:
        module = importlib.import_module(f"dateparser.data.date_translation_data.{lang}")
    except ImportError:
        return {}
    return module.info


def month_names(lang: str) -> dict[str, int]:
    """Lower-case month names and abbreviations (>= 3 letters) of `lang` and English -> 1..12."""
    return _numbered(lang, MONTHS)


def weekday_names(lang: str) -> dict[str, int]:
    """Lower-case full weekday names of `lang` and English -> 0 (Monday) .. 6."""
    names = _numbered(lang, WEEKDAYS)
    return {w: n - 1 for w, n in names.items() if len(w) >= 4}


@cache
def _numbered(lang: str, fields: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for source in ("en", lang):
        info = _info(source)
        for n, field in enumerate(fields, 1):
            for word in info.get(field, ()):
                if len(word) >= 3 and not any(c.isdigit() for c in word):
                    out.setdefault(word.casefold().rstrip("."), n)
    return out


@cache
def relative_day_words(lang: str) -> dict[str, int]:
    """Single words for yesterday / today / tomorrow -> day offset."""
    out: dict[str, int] = {}
    for source in ("en", lang):
        relative = _info(source).get("relative-type", {})
        for phrase, offset in RELATIVE_DAYS.items():
            for word in relative.get(phrase, ()):
                if " " not in word and not any(c.isdigit() for c in word):
                    out.setdefault(word.casefold(), offset)
    return out


def calendar_names(lang: str) -> set[str]:
    return set(month_names(lang)) | set(weekday_names(lang)) | set(relative_day_words(lang))
