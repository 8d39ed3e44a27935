"""Readers for one payload of bytes: plain text, HTML, JSON, JSON Lines, RSS/Atom and WARC.

A payload is what one file, stdin or one download holds. Its format comes from the declared
content type, then the file extension, then a look at the first bytes. Each reader yields an
Article per article and a ReadError per bad record, so one bad line never hides the others.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parallax.model import Article, ReadError, SourceFormat

from .limits import Budget, Limits, gunzip_capped
from .normalize import outlet_from_url, parse_date
from .records import (
    MIN_TEXT_CHARS,
    UnreadableError,
    article_from_html,
    article_from_record,
    article_from_text,
    build_article,
    has_text_field,
    html_fragment_to_text,
)
from .textcodec import decode_text, looks_binary
from .warc import read_warc

Item = Article | ReadError
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Payload:
    """Bytes to read, and what is known about them before looking inside."""

    data: bytes
    source: str  # shown as Article.source and in errors: the path, URL or "stdin"
    name: str | None = None  # file name or URL path: its extension hints at the format
    content_type: str | None = None  # from an HTTP response
    url: str | None = None  # where a download came from: the page URL if it names none


@dataclass
class Context:
    limits: Limits
    budget: Budget


_EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".rss": "feed", ".atom": "feed", ".xml": "feed",
    ".warc": "warc",
}  # fmt: skip
_CONTENT_TYPES = {
    "text/html": "html", "application/xhtml+xml": "html",
    "application/rss+xml": "feed", "application/atom+xml": "feed", "application/rdf+xml": "feed",
    "application/xml": "feed", "text/xml": "feed",
    "application/json": "json", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
    "application/warc": "warc",
}  # fmt: skip
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)


def read_payload(payload: Payload, ctx: Context) -> Iterator[Item]:
    """Every article in the payload; raises ValueError when the payload as a whole is unusable."""
    if not payload.data.strip():
        raise ValueError("empty file")
    if payload.data.startswith(GZIP_MAGIC):
        yield from read_payload(_gunzipped(payload, ctx), ctx)
        return
    fmt = _format_of(payload)
    yield from _READERS[fmt](payload, ctx)


def _gunzipped(payload: Payload, ctx: Context) -> Payload:
    data = gunzip_capped(io.BytesIO(payload.data), ctx.limits.max_member_bytes)
    ctx.budget.spend(len(data))
    name = payload.name
    if name and name.lower().endswith(".gz"):
        name = name[:-3]
    return Payload(data, payload.source, name, None, payload.url)


def _format_of(payload: Payload) -> str:
    declared = (payload.content_type or "").split(";")[0].strip().lower()
    return (
        _CONTENT_TYPES.get(declared)
        or _format_from_name(payload.name)
        or sniff_format(payload.data)
    )


def _format_from_name(name: str | None) -> str | None:
    if not name:
        return None
    lower = name.lower()
    return next((fmt for ext, fmt in _EXTENSIONS.items() if lower.endswith(ext)), None)


def sniff_format(data: bytes) -> str:
    """Format of an unnamed payload (stdin, unknown extension) from its first bytes."""
    if data.startswith(b"WARC/"):
        return "warc"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"<":
        return "feed" if _FEED_ROOT.search(head) else "html"
    return "text"


def _read_text(payload: Payload, ctx: Context) -> Iterator[Item]:
    text = decode_text(payload.data)
    yield article_from_text(text, source=payload.source, url=payload.url)


def _read_html(payload: Payload, ctx: Context) -> Iterator[Item]:
    yield article_from_html(payload.data, source=payload.source, url=payload.url)


def _read_json(payload: Payload, ctx: Context) -> Iterator[Item]:
    text = decode_text(payload.data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":  # several documents, one per line: JSON Lines after all
            yield from _records_from_lines(text, payload)
            return
        raise ValueError(_json_problem(err, text)) from None
    records = _records_in(document)
    single = len(records) == 1 and records[0] is document
    for index, record in enumerate(records, start=1):
        locator = payload.source if single else f"{payload.source}:item {index}"
        yield _record_or_error(record, payload.source, "json", locator)


def _json_problem(err: json.JSONDecodeError, text: str) -> str:
    if err.msg.startswith("Unterminated") or err.pos >= len(text.rstrip()):
        return f"truncated JSON ({err.msg}, line {err.lineno})"
    return f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}"


def _records_in(document: Any) -> list[Any]:
    """An array of records, one record, or an object wrapping one array ({"articles": [...]})."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise ValueError("JSON holds neither an object nor an array of objects")
    lists = [value for value in document.values() if isinstance(value, list) and value]
    wrapped = [value for value in lists if all(isinstance(item, dict) for item in value)]
    if len(wrapped) == 1 and not has_text_field(document):
        return wrapped[0]
    return [document]


def _read_jsonl(payload: Payload, ctx: Context) -> Iterator[Item]:
    yield from _records_from_lines(decode_text(payload.data), payload)


def _records_from_lines(text: str, payload: Payload) -> Iterator[Item]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        locator = f"{payload.source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield ReadError(locator, f"invalid JSON: {err.msg} at column {err.colno}")
            continue
        yield _record_or_error(record, payload.source, "jsonl", locator)


def _record_or_error(record: Any, source: str, fmt: SourceFormat, locator: str) -> Item:
    try:
        return article_from_record(record, source=source, source_format=fmt, locator=locator)
    except UnreadableError as err:
        return ReadError(err.item or locator, str(err))


def _read_feed(payload: Payload, ctx: Context) -> Iterator[Item]:
    import feedparser

    if looks_binary(payload.data):
        raise ValueError("not text: looks binary")
    # Bytes, never a string: given a string that looks like a URL, feedparser fetches it.
    feed = feedparser.parse(payload.data)
    entries = feed.entries
    if not entries and not feed.version:
        if payload.name and payload.name.lower().endswith(".xml"):
            yield from _read_html(payload, ctx)  # an .xml that is no feed may be XHTML
            return
        raise ValueError(f"not a valid RSS/Atom feed ({_feed_problem(feed) or 'no entries'})")
    fmt: SourceFormat = "atom" if str(feed.version).startswith("atom") else "rss"
    feed_link = feed.feed.get("link")
    for index, entry in enumerate(entries, start=1):
        try:
            yield _entry_article(entry, payload.source, fmt, feed_link)
        except UnreadableError as err:
            yield ReadError(f"{payload.source}:entry {index}", str(err))
    problem = _feed_problem(feed)
    if problem:
        yield ReadError(payload.source, f"malformed feed, read {len(entries)} entries ({problem})")
    elif not entries:
        yield ReadError(payload.source, "feed has no entries")


def _feed_problem(feed: Any) -> str | None:
    """The XML error feedparser recovered from, if any; encoding notices are not problems."""
    import feedparser

    err = feed.get("bozo_exception")
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    return None if err is None or isinstance(err, benign) else str(err)


def _entry_article(entry: Any, source: str, fmt: SourceFormat, feed_link: str | None) -> Article:
    contents = [part.get("value", "") for part in entry.get("content", [])]
    markup = max(contents, key=len, default="") or entry.get("summary", "")
    text = html_fragment_to_text(markup) if "<" in markup else markup
    title = entry.get("title")
    if sum(map(len, text.split())) < MIN_TEXT_CHARS and title:
        text = f"{title}\n\n{text}"  # a headline-only entry still says what happened
    link = entry.get("link")
    return build_article(
        text,
        source=source,
        source_format=fmt,
        title=title,
        url=link,
        published=_entry_date(entry),
        outlet=None if link else outlet_from_url(feed_link),
        author=entry.get("author"),
    )


def _entry_date(entry: Any) -> datetime | str | None:
    """feedparser's parsed struct_time is already UTC; the raw string is the fallback."""
    for key in ("published", "updated", "created"):
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return parse_date(datetime(*parsed[:6]))
    return entry.get("published") or entry.get("updated")


def _read_warc(payload: Payload, ctx: Context) -> Iterator[Item]:
    yield from read_warc(io.BytesIO(payload.data), payload.source, ctx.limits, ctx.budget)


_READERS: dict[str, Callable[[Payload, Context], Iterator[Item]]] = {
    "text": _read_text,
    "html": _read_html,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "feed": _read_feed,
    "warc": _read_warc,
}
