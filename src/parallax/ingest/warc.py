"""WARC / WARC.GZ: every archived HTML response becomes an article via the HTML reader.

Archives are streamed record by record (they are often far larger than any single file we
would load), each record capped by `max_member_bytes` and all of them by the call's budget.
fastwarc stops silently at a truncated record, so truncation is detected from the record's
declared length.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from parallax.model import Article, ReadError

from .limits import Budget, BudgetExceeded, Limits, format_size, inflate_capped
from .records import UnreadableError, article_from_html
from .textcodec import decode_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(
    stream: BinaryIO, source: str, limits: Limits, budget: Budget
) -> Iterator[Article | ReadError]:
    """Articles of the archive's HTML responses; one ReadError if it breaks off or is corrupt."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    seen = 0
    try:
        for record in ArchiveIterator(stream, parse_http=True):
            seen += 1
            if record.record_type == WarcRecordType.response:
                yield from _read_response(record, source, limits, budget)
    except _Truncated as err:
        yield ReadError(source, f"archive truncated after {seen - 1} complete records ({err})")
        return
    except BudgetExceeded:
        raise
    except (OSError, ValueError) as err:  # fastwarc's way of saying the bytes are no WARC
        yield ReadError(source, f"corrupt archive after {seen} records ({err})")
        return
    if seen == 0:
        yield ReadError(source, "not a WARC archive: no records found")


class _Truncated(Exception):
    pass


def _read_response(
    record: Any, source: str, limits: Limits, budget: Budget
) -> Iterator[Article | ReadError]:
    uri = record.headers.get("WARC-Target-URI") or "record"
    item = f"{source}:{uri}"
    http = record.http_headers
    content_type = (http.get("Content-Type") or "").split(";")[0].strip().lower() if http else ""
    if http is None or not 200 <= (http.status_code or 0) < 300 or content_type not in _HTML_TYPES:
        return
    body = record.reader.read(limits.max_member_bytes + 1)
    if len(body) > limits.max_member_bytes:
        yield ReadError(item, f"record exceeds {format_size(limits.max_member_bytes)} limit")
        return
    if len(body) < (record.content_length or 0):
        raise _Truncated(f"{uri} has {len(body)} of {record.content_length} bytes")
    try:
        payload = _http_body(body, http, limits)
        budget.spend(len(payload))
        html = decode_text(payload, record.http_charset)
        yield article_from_html(
            html, source=source, url=uri, published=record.record_date, source_format="warc"
        )
    except BudgetExceeded:
        raise
    except ValueError as err:
        yield ReadError(item, str(err))


def _http_body(body: bytes, http: Any, limits: Limits) -> bytes:
    """The payload as the page author wrote it: de-chunked and decompressed if stored raw."""
    if "chunked" in (http.get("Transfer-Encoding") or "").lower():
        body = _dechunk(body)
    encoding = (http.get("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        method = "gzip" if "gzip" in encoding else "deflate"
        return inflate_capped(body, method, limits.max_member_bytes)
    if encoding not in ("", "identity"):
        raise UnreadableError(f"unsupported content encoding {encoding}")
    return body


def _dechunk(body: bytes) -> bytes:
    """HTTP/1.1 chunked transfer coding; bodies already de-chunked by the crawler pass through."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        line_end = body.find(b"\r\n", pos)
        if line_end < 0:
            break
        try:
            size = int(body[pos:line_end].split(b";")[0], 16)
        except ValueError:
            return body if pos == 0 else bytes(out)
        if size == 0:
            break
        start = line_end + 2
        out += body[start : start + size]
        pos = start + size + 2
    return bytes(out)
