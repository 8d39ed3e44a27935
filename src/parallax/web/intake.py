"""What clients post (JSON, plain text, HTML, uploaded files, a URL) -> Articles -> the pipeline.

The readers are the ones `parallax ingest` uses and the path through the store is
`parallax.pipeline`, so an article posted to the web gets exactly the treatment of one read from
disk. Nothing a client sends is ever taken as a path on this machine, and a URL is only fetched
when it is http(s) and every address it resolves to is public.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from parallax.ingest import Limits, article_from_html, article_from_record, article_from_text
from parallax.ingest.fetch import check_url
from parallax.ingest.formats import Context, Payload, read_payload
from parallax.ingest.limits import Budget, MiB, format_size
from parallax.ingest.sources import read_inputs
from parallax.model import Article, ReadError
from parallax.pipeline import IngestReport, analyze_pending, assign_stories, store_articles
from parallax.store import Store
from parallax.web.models import ArticleIn, IngestedArticle, IngestResult, ItemError

MAX_BODY_BYTES = 5 * MiB
MAX_ARTICLES = 100  # per request: bulk loads belong to `parallax ingest`, not to one HTTP call
MAX_COMPARE = 20
SOURCE = "api"  # Article.source of posted text: there is no file or URL it was read from

Item = Article | ReadError


class RequestError(HTTPException):
    """A request the client must change: becomes {"detail": ...} (or an error page)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(status_code=status_code, detail=detail)


def limits() -> Limits:
    """Reader limits for one request: the body cap bounds downloads and decompression too."""
    return Limits(
        max_file_bytes=MAX_BODY_BYTES,
        max_member_bytes=4 * MAX_BODY_BYTES,
        max_total_decompressed=8 * MAX_BODY_BYTES,
        max_url_bytes=MAX_BODY_BYTES,
    )


def too_large(size: int | None = None) -> RequestError:
    shown = f" ({format_size(size)})" if size else ""
    return RequestError(413, f"request body{shown} exceeds the {format_size(MAX_BODY_BYTES)} limit")


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit: a declared length is
    checked before reading, a chunked body while it streams in."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request) -> FormData:
    """A form (urlencoded or multipart) parsed from a body read under the same limit."""
    body = await read_body(request)
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(
            max_files=MAX_ARTICLES, max_fields=100, max_part_size=MAX_BODY_BYTES
        )
    except HTTPException:
        raise
    except Exception as err:  # python-multipart's parse errors have no common base class
        raise RequestError(400, f"malformed form data: {err}") from err


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def from_record(record: ArticleIn, *, allow_url: bool = True) -> list[Item]:
    """A JSON article: its text, or (only `url` given) the page fetched from the web."""
    if record.text and record.text.strip():
        return _collect(
            "article",
            lambda: iter(
                [
                    article_from_record(
                        record.model_dump(exclude_none=True), source=SOURCE, source_format="api"
                    )
                ]
            ),
        )
    if record.url and allow_url:
        return from_url(record.url)
    raise RequestError(400, "give the article's `text`" + (", or a `url` to fetch" * allow_url))


def from_url(url: str) -> list[Item]:
    """Fetch one web page; refused before any connection unless http(s) to public addresses."""
    url = url.strip()
    try:
        check_url(url, allow_private=False)
    except ValueError as err:
        raise RequestError(400, f"cannot fetch {url}: {err}") from err
    return list(read_inputs([url], limits=limits()))


def from_text(text: str, meta: dict[str, str | None]) -> list[Item]:
    return _collect(
        "text", lambda: iter([article_from_text(text, source=SOURCE, source_format="api", **meta)])
    )


def from_html(html: bytes, url: str | None) -> list[Item]:
    return _collect("html", lambda: iter([article_from_html(html, source=SOURCE, url=url)]))


def from_file(data: bytes, filename: str, content_type: str | None) -> list[Item]:
    """An uploaded file in any format the readers know (text, HTML, JSON, JSONL, feeds, WARC,
    gzip of these): the format comes from its content type, name and first bytes."""
    name = filename or "upload"
    ctx = Context(limits(), Budget(limits().max_total_decompressed))
    declared = None if content_type in (None, "application/octet-stream") else content_type
    return _collect(name, lambda: read_payload(Payload(data, name, name, declared), ctx))


def _collect(item: str, read: Callable[[], Iterator[Item]]) -> list[Item]:
    """Everything a reader yields; its failure becomes one ReadError, as in `read_inputs`."""
    out: list[Item] = []
    try:
        out.extend(read())
    except ValueError as err:
        out.append(ReadError(getattr(err, "item", None) or item, str(err)))
    except Exception as err:  # a library bug on odd input is the client's error message, not a 500
        out.append(ReadError(item, f"unexpected {type(err).__name__}: {err}"))
    return out


def readable(items: Iterable[Item], *, at_most: int) -> tuple[list[Article], list[ReadError]]:
    """Split articles from errors; refuse the request when nothing, or too much, was read."""
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, ReadError)]
    if not articles:
        reasons = "; ".join(map(str, errors)) or "the request holds no article"
        raise RequestError(422, f"no article could be read: {reasons}")
    if len(articles) > at_most:
        raise RequestError(
            413,
            f"{len(articles)} articles in one request; the limit is {at_most} "
            "(use `parallax ingest` for bulk loads)",
        )
    return articles, errors


@dataclass
class Ingest:
    """Runs posted articles through the pipeline, one request at a time: story assignment reads
    every story, then writes, so two concurrent requests could otherwise open twin stories."""

    store: Store
    lock: threading.Lock

    def __call__(self, items: list[Item]) -> tuple[IngestResult, bool]:
        """The stored articles with their stories, and whether anything new was stored."""
        articles, errors = readable(items, at_most=MAX_ARTICLES)
        report = IngestReport()
        with self.lock:
            store_articles(self.store, articles, report)
            added, duplicates = set(report.added), set(report.duplicates)
            stored_ids = [
                a.id
                if a.id in added
                else self.store.duplicate_of(a)
                if a.id in duplicates
                else None
                for a in articles
            ]
            analyze_pending(self.store)
            stories = assign_stories(self.store, [i for i in stored_ids if i])
        result = IngestResult(
            articles=[
                IngestedArticle(
                    id=stored_id,
                    title=a.title,
                    story_id=stories.get(stored_id),
                    duplicate=a.id in duplicates,
                )
                for a, stored_id in zip(articles, stored_ids, strict=True)
                if stored_id
            ],
            errors=[ItemError(item=e.item, reason=e.reason) for e in [*errors, *report.errors]],
        )
        if not result.articles:
            raise RequestError(
                422,
                "no article could be stored: "
                + "; ".join(f"{e.item}: {e.reason}" for e in result.errors),
            )
        return result, bool(report.added)
