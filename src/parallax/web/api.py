"""The JSON API under /api: stories, their comparisons, articles, ingest and ad-hoc comparison.

Every error is `{"detail": "..."}` with the status that says whose fault it is: 400 a malformed
request, 404 an unknown id, 413 too large, 415 a content type we cannot read, 422 a well-formed
request holding nothing usable.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from parallax.model import Article
from parallax.store import Store
from parallax.store.store import StoryListing
from parallax.web import intake
from parallax.web.comparisons import (
    compare,
    comparison_version,
    independent_sources,
    story_comparison,
)
from parallax.web.intake import RequestError
from parallax.web.models import (
    AnalysisOut,
    ArticleIn,
    ArticleOut,
    CompareIn,
    Comparison,
    IngestResult,
    Problem,
    StoryComparison,
    StoryList,
    StorySummary,
)

router = APIRouter(prefix="/api", tags=["api"])

ERRORS = {
    400: {"model": Problem, "description": "Malformed request"},
    404: {"model": Problem, "description": "No such item"},
    413: {"model": Problem, "description": "Body over 5 MiB, or too many articles"},
    415: {"model": Problem, "description": "Unsupported Content-Type"},
    422: {"model": Problem, "description": "Invalid parameters, or no readable article"},
}
POST_BODIES = {
    "requestBody": {
        "description": "One article: JSON (`text` with optional `title`, `url`, `outlet`, "
        "`lang`, `published`, `id`; or only `url` to fetch a public web page; or a list of "
        "such objects), plain text, an HTML page, or `multipart/form-data` with one or more "
        "`file` parts in any format `parallax ingest` reads.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ArticleIn"}},
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            },
        },
    }
}
When = date | datetime
Sort = Literal["articles", "recent"]


def store_of(request: Request) -> Store:
    return request.app.state.store


def as_utc(value: When | None, *, end_of_day: bool = False) -> datetime | None:
    """Dates from a query: a bare date is midnight UTC (the next midnight for an inclusive end);
    a time without an offset is UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), UTC) + timedelta(days=1 if end_of_day else 0)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def summary_of(listing: StoryListing) -> StorySummary:
    story = listing.story
    return StorySummary(
        id=story.id,
        title=story.title,
        articles=len(story.article_ids),
        outlets=story.outlets,
        independent_sources=listing.independent_sources,
        languages=story.languages,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
    )


def list_stories(
    store: Store,
    *,
    q: str | None,
    lang: str | None,
    outlet: str | None,
    since: When | None,
    until: When | None,
    sort: Sort,
    limit: int,
    offset: int,
) -> tuple[list[StoryListing], int]:
    """The listing behind both /api/stories and the stories page."""
    return store.list_stories(
        version=comparison_version(),
        query=q or None,
        lang=lang or None,
        outlet=outlet or None,
        since=as_utc(since),
        until=as_utc(until, end_of_day=True),
        sort=sort,
        limit=limit,
        offset=offset,
    )


@router.get("/stories", response_model=StoryList, responses={422: ERRORS[422]})
def get_stories(
    request: Request,
    q: Annotated[
        str | None,
        Query(
            description="Full-text: stories with an article containing every word; the best "
            "matches come first.",
            max_length=500,
        ),
    ] = None,
    lang: Annotated[
        str | None, Query(description="Stories with an article in this language.")
    ] = None,
    outlet: Annotated[
        str | None, Query(description="Stories with an article from this outlet.")
    ] = None,
    since: Annotated[
        When | None,
        Query(
            description="Stories still covered on or after this "
            "date (ISO 8601; a bare date is UTC midnight)."
        ),
    ] = None,
    until: Annotated[
        When | None,
        Query(
            description="Stories already covered on or before this "
            "date (a bare date includes that whole day)."
        ),
    ] = None,
    sort: Annotated[
        Sort, Query(description="`articles`: biggest first; `recent`: latest coverage first.")
    ] = "articles",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> StoryList:
    """Stories, biggest (or most recent) first, with counts of articles, outlets, independent
    sources and languages. `independent_sources` is null until the story's comparison has been
    computed (the server does that in the background, newest stories first)."""
    rows, total = list_stories(
        store_of(request),
        q=q,
        lang=lang,
        outlet=outlet,
        since=since,
        until=until,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return StoryList(stories=[summary_of(r) for r in rows], total=total)


def story_summary(store: Store, story_id: int, comparison: dict) -> StorySummary:
    story = store.story(story_id)
    if story is None:
        raise RequestError(404, f"no story {story_id}")
    return summary_of(StoryListing(story, [], independent_sources(comparison)))


def load_story(store: Store, story_id: int) -> tuple[StorySummary, dict]:
    comparison = story_comparison(store, story_id)
    if comparison is None:
        raise RequestError(404, f"no story {story_id}")
    return story_summary(store, story_id, comparison), comparison


@router.get("/stories/{story_id}", response_model=StoryComparison, responses={404: ERRORS[404]})
def get_story(request: Request, story_id: int) -> dict:
    """The story's comparison: shared and single-source facts, conflicts, quote variants, copy
    chain, entities, a cited summary and a timeline (DESIGN.md, "Comparison JSON"), plus the
    story's own summary under `story`."""
    summary, comparison = load_story(store_of(request), story_id)
    return {**comparison, "story": summary}


@router.get("/articles/{article_id:path}", response_model=ArticleOut, responses={404: ERRORS[404]})
def get_article(request: Request, article_id: str) -> ArticleOut:
    """One stored article with its text, its story and its analysis (sentences, entities,
    quotes, checkable values), offsets indexing into `text`."""
    store = store_of(request)
    article = store.get_article(article_id)
    if article is None:
        raise RequestError(404, f"no article {article_id!r}")
    analysis = store.get_analyses([article_id]).get(article_id)
    return ArticleOut(
        id=article.id,
        title=article.title,
        text=article.text,
        url=article.url,
        outlet=article.outlet,
        lang=article.lang,
        published=article.published,
        author=article.author,
        source=article.source,
        source_format=article.source_format,
        story_id=store.story_ids_of([article_id]).get(article_id),
        analysis=None
        if analysis is None
        else AnalysisOut.model_validate(analysis, from_attributes=True),
    )


_RECORDS = TypeAdapter(ArticleIn | list[ArticleIn])


def parse_json(body: bytes, adapter: TypeAdapter) -> object:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise RequestError(400, f"request body is not valid JSON: {err}") from err
    try:
        return adapter.validate_python(data)
    except ValidationError as err:
        raise RequestError(422, "invalid article JSON: " + validation_message(err)) from err


def validation_message(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in err.errors())


async def posted_items(request: Request, meta: dict[str, str | None]) -> list:
    """Articles and read errors from a POST body in any of the accepted content types."""
    kind = intake.content_type(request)
    if kind == "multipart/form-data":
        form = await intake.read_form(request)
        files = [f for f in form.getlist("file") if not isinstance(f, str)]
        if not files:
            raise RequestError(400, "multipart body has no `file` part")
        items = []
        for upload in files:
            data = await upload.read()
            items += await run_in_threadpool(
                intake.from_file, data, upload.filename or "upload", upload.content_type
            )
        return items
    if kind not in ("application/json", "text/plain", "text/html", "application/xhtml+xml"):
        raise RequestError(
            415,
            f"unsupported Content-Type {kind or '(none)'!r}: send application/json, "
            "text/plain, text/html or multipart/form-data",
        )
    body = await intake.read_body(request)
    if not body.strip():
        raise RequestError(400, "request body is empty")
    if kind == "application/json":
        parsed = parse_json(body, _RECORDS)
        records = parsed if isinstance(parsed, list) else [parsed]
        items = []
        for record in records:
            items += await run_in_threadpool(intake.from_record, record)
        return items
    if kind == "text/plain":
        from parallax.ingest.textcodec import decode_text

        return intake.from_text(decode_text(body, request.headers.get("content-type")), meta)
    return await run_in_threadpool(intake.from_html, body, meta.get("url"))


@router.post(
    "/articles",
    response_model=IngestResult,
    status_code=201,
    responses={200: {"model": IngestResult, "description": "Already stored"}} | ERRORS,
    openapi_extra=POST_BODIES,
)
async def post_articles(
    request: Request,
    response: Response,
    title: Annotated[str | None, Query(description="Title of a plain-text body.")] = None,
    url: Annotated[str | None, Query(description="URL of a plain-text or HTML body.")] = None,
    outlet: Annotated[str | None, Query(description="Outlet of a plain-text body.")] = None,
    lang: Annotated[str | None, Query(description="Language of a plain-text body.")] = None,
    published: Annotated[str | None, Query(description="Date of a plain-text body.")] = None,
) -> IngestResult:
    """Ingest one article (or the articles of one file): read, store, analyse and assign it to a
    story, exactly as `parallax ingest` would. 201 when something new was stored, 200 when it
    was all stored already; each returned article carries its story id. A `url` is fetched only
    over http(s) and only when every address it resolves to is public."""
    meta = {"title": title, "url": url, "outlet": outlet, "lang": lang, "published": published}
    items = await posted_items(request, meta)
    result, created = await run_in_threadpool(request.app.state.ingest, items)
    response.status_code = 201 if created else 200
    return result


@router.post(
    "/compare",
    response_model=Comparison,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "description": 'Two or more articles: JSON `{"articles": [{"text": …}, …]}` or '
            "`multipart/form-data` with two or more `file` parts.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CompareIn"}},
                "multipart/form-data": POST_BODIES["requestBody"]["content"]["multipart/form-data"],
            },
        }
    },
)
async def post_compare(request: Request) -> dict:
    """Compare posted articles with each other, without storing anything: the same comparison
    JSON as a story's. Takes a few seconds per new article (each one is analysed)."""
    kind = intake.content_type(request)
    if kind == "application/json":
        parsed = parse_json(await intake.read_body(request), TypeAdapter(CompareIn))
        items = []
        for record in parsed.articles:
            items += intake.from_record(record, allow_url=False)
    elif kind == "multipart/form-data":
        items = await posted_items(request, {})
    else:
        raise RequestError(
            415,
            f"unsupported Content-Type {kind or '(none)'!r}: send application/json or "
            "multipart/form-data",
        )
    return await run_in_threadpool(compare_items, items)


def compare_items(items: list) -> dict:
    """Distinct readable articles (at least two) -> their comparison."""
    articles, _ = intake.readable(items, at_most=intake.MAX_COMPARE)
    distinct: dict[str, Article] = {}
    for a in articles:
        distinct.setdefault(a.id, a)
    if len(distinct) < 2:
        raise RequestError(422, "a comparison needs at least two different articles")
    return compare(list(distinct.values()))
