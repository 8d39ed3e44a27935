"""The HTML pages: stories, a story, an article, ingest, ad-hoc compare and the API reference.

Pages read the same functions as the JSON API, so both always agree. GET never changes
anything; the two forms POST, and a successful ingest redirects (303) to what was stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from parallax import __version__
from parallax.model import Article, ReadError
from parallax.store import Store
from parallax.store.store import StoryListing
from parallax.web import api, intake
from parallax.web.api import Sort, When, store_of
from parallax.web.charts import sparkline
from parallax.web.comparisons import comparison_version, story_comparison
from parallax.web.highlight import marked_snippet
from parallax.web.intake import RequestError
from parallax.web.views import (
    ABOUT_LABEL,
    STATUS_LABEL,
    STATUS_ORDER,
    article_marks,
    conflict_article_ids,
    default_pair,
    safe_url,
    story_view,
    when,
)

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
COMPARE_SLOTS = 3  # empty article boxes on the compare form; more can be uploaded as files
LANGUAGES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def article_href(article_id: str) -> str:
    return "/articles/" + quote(article_id, safe="")


def day_range(dates: tuple[datetime | None, datetime | None]) -> str:
    """First and last day compactly: "9 Sep 2025", "18–19 Mar 2025", "30 Oct – 2 Nov 2025"."""
    first, last = dates
    if first is None or last is None:
        return "undated"
    if first.date() == last.date():
        return f"{first.day} {first:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def schema_type(schema: dict) -> Markup:
    """An OpenAPI schema said briefly ("list of Fact", "integer | null"), models linked."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{}">{}</a>').format(name, name)
    if "anyOf" in schema:
        return Markup(" | ").join(schema_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return Markup("list of ") + schema_type(schema.get("items", {}))
    if "enum" in schema:
        return Markup("one of ") + ", ".join(map(str, schema["enum"]))
    return escape(schema.get("type", "any"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("parallax.web", "templates"),
        autoescape=True,  # every template, whatever its name: article text is untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        lang_name=lambda code: LANGUAGES.get(code or "", (code or "unknown").upper()),
        article_href=article_href,
        safe_url=safe_url,
        schema_type=schema_type,
        day_range=day_range,
    )
    env.globals.update(
        version=__version__,
        status_label=STATUS_LABEL,
        status_order=STATUS_ORDER,
        about_label=ABOUT_LABEL,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", status, status=status, detail=detail)


@router.get("/", response_class=HTMLResponse)
def stories_page(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    lang: str = "",
    outlet: str = "",
    since: str = "",
    until: str = "",
    sort: Sort = "articles",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """The filter form sends every field, empty ones as "": they mean "any"."""
    store = store_of(request)
    rows, total = api.list_stories(
        store, q=q, lang=lang, outlet=outlet, since=_date(since, "From"),
        until=_date(until, "To"), sort=sort, limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
    )  # fmt: skip
    snippets = _snippets(store, q, rows)
    listed = [
        {
            "story": r.story,
            "independent": r.independent_sources,
            "spark": sparkline(r.published),
            "snippet": snippets.get(r.story.id),
        }
        for r in rows
    ]
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    query |= {"limit": str(PER_PAGE), "offset": str((page - 1) * PER_PAGE)}
    return render(
        request, "stories.html", rows=listed, total=total, page=page,
        json_href="/api/stories?" + urlencode(query),
        pages=max(1, -(-total // PER_PAGE)), facets=store.facets(), stats=store.stats(),
        filters={"q": q, "lang": lang, "outlet": outlet, "sort": sort, "since": since,
                 "until": until},
    )  # fmt: skip


_WHEN = TypeAdapter(When)


def _date(value: str, label: str) -> When | None:
    if not value.strip():
        return None
    try:
        return _WHEN.validate_python(value.strip())
    except ValidationError as err:
        raise RequestError(422, f"{label}: {value!r} is not a date (use YYYY-MM-DD)") from err


def _snippets(store: Store, q: str, rows: list[StoryListing]) -> dict[int, Markup]:
    """For a search, the best-ranked matching passage of each listed story (when one of the
    top matches falls in it), with the matched words marked."""
    if not q or not rows:
        return {}
    story_of = {a: r.story.id for r in rows for a in r.story.article_ids}
    found: dict[int, Markup] = {}
    for hit in store.search(q, limit=100):
        story_id = story_of.get(hit.article.id)
        if story_id is not None and story_id not in found:
            found[story_id] = marked_snippet(hit.snippet)
    return found


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(
    request: Request, story_id: int, a: str | None = None, b: str | None = None
) -> HTMLResponse:
    store = store_of(request)
    summary, comparison = api.load_story(store, story_id)
    ids = [x["id"] for x in comparison["articles"]]
    pair = (a, b) if a in ids and b in ids and a != b else default_pair(comparison)
    notice = None
    if (a or b) and pair != (a, b):
        notice = "Choose two different articles of this story to set them side by side."
    wanted = [*(pair or ()), *conflict_article_ids(comparison)]
    texts = {x.id: x.text for x in store.get_articles(wanted)}
    view = story_view(comparison, texts, article_href, pair)
    return render(
        request, "story.html", story=summary, view=view, notice=notice,
        json_href=f"/api/stories/{story_id}", comparison_version=comparison_version(),
    )  # fmt: skip


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, added: str | None = None) -> HTMLResponse:
    store = store_of(request)
    article = store.get_article(article_id)
    if article is None:
        raise RequestError(404, f"no article {article_id!r}")
    analysis = store.get_analyses([article_id]).get(article_id)
    story_id = store.story_ids_of([article_id]).get(article_id)
    comparison = story_comparison(store, story_id) if story_id is not None else None
    story = store.story(story_id) if story_id is not None else None
    facts = comparison["facts"] if comparison else []
    marks = article_marks(article.id, article.text, analysis, facts)
    return render(
        request, "article.html", article=article, analysis=analysis, story=story, marks=marks,
        url=safe_url(article.url), added=added, json_href=f"/api{article_href(article_id)}",
    )  # fmt: skip


# Ingest


@router.get("/ingest", response_class=HTMLResponse)
def ingest_form(request: Request) -> HTMLResponse:
    return render(request, "ingest.html", form={}, error=None)


@router.post("/ingest", response_class=HTMLResponse)
async def ingest_submit(request: Request) -> Response:
    form = await intake.read_form(request)
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    try:
        items = await _form_items(form, fields)
        result, _ = await run_in_threadpool(request.app.state.ingest, items)
    except RequestError as err:
        return render(request, "ingest.html", err.status_code, form=fields, error=err.detail)
    first = result.articles[0]
    state = "duplicate" if first.duplicate else "new"
    return RedirectResponse(f"{article_href(first.id)}?added={state}", status_code=303)


async def _form_items(form: FormData, fields: dict[str, str]) -> list[Article | ReadError]:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        return await run_in_threadpool(intake.from_file, data, upload.filename, upload.content_type)
    if fields.get("text"):
        meta = {k: fields.get(k) or None for k in ("title", "url", "outlet", "lang")}
        return await run_in_threadpool(intake.from_text, fields["text"], meta)
    if fields.get("url"):
        return await run_in_threadpool(intake.from_url, fields["url"])
    raise RequestError(400, "paste an article's text, give a web address, or choose a file")


# Ad-hoc comparison


@router.get("/compare", response_class=HTMLResponse)
def compare_form(request: Request) -> HTMLResponse:
    return render(request, "compare.html", texts=[""] * COMPARE_SLOTS, error=None)


@router.post("/compare", response_class=HTMLResponse)
async def compare_submit(request: Request) -> HTMLResponse:
    form = await intake.read_form(request)
    texts = [v for k, v in form.multi_items() if k == "text" and isinstance(v, str)]
    items = []
    for text in texts:
        if text.strip():
            items += await run_in_threadpool(intake.from_text, text, {})
    for upload in form.getlist("file"):
        if isinstance(upload, UploadFile) and upload.filename:
            items += await run_in_threadpool(
                intake.from_file, await upload.read(), upload.filename, upload.content_type
            )
    shown = texts + [""] * max(0, COMPARE_SLOTS - len(texts))
    try:
        comparison = await run_in_threadpool(api.compare_items, items)
    except RequestError as err:
        return render(request, "compare.html", err.status_code, texts=shown, error=err.detail)
    ids = [a["id"] for a in comparison["articles"]]
    numbers = {article_id: k for k, article_id in enumerate(ids, 1)}
    by_id = {a.id: a for a in items if hasattr(a, "text")}
    view = story_view(
        comparison, {i: by_id[i].text for i in ids}, lambda i: f"#article-{numbers[i]}",
        default_pair(comparison),
    )  # fmt: skip
    return render(request, "compared.html", view=view, articles=[by_id[i] for i in ids])


# API reference


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The OpenAPI description as a readable page: works offline, unlike Swagger UI."""
    spec = request.app.openapi()
    return render(request, "docs.html", spec=spec, schemas=spec["components"]["schemas"])
