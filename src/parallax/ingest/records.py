"""Turn one text, HTML page or JSON-like record into a normalised Article.

`build_article` is the single place every reader goes through: repair, crawl date prefix,
title, dates, language, outlet, content hash and id are decided here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from parallax.model import Article, SourceFormat

from .normalize import (
    content_hash,
    date_from_url,
    detect_language,
    most_precise,
    normalize_lang,
    outlet_from_url,
    parse_date,
    repair_text,
    split_date_prefix,
)
from .textcodec import decode_text

MIN_TEXT_CHARS = 20  # non-space characters; less is a caption or a headline, not an article
MAX_TITLE_CHARS = 150
# Scripts written without spaces between words (Thai, Lao, Khmer, Myanmar, CJK): a headline
# there can be a single "word".
_UNSPACED_SCRIPT = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uf900-\ufaff]")


class UnreadableError(ValueError):
    """A record that cannot become an Article; str() is the reason, `item` where it came from."""

    def __init__(self, reason: str, item: str | None = None) -> None:
        super().__init__(reason)
        self.item = item


def build_article(
    text: str,
    *,
    source: str,
    source_format: SourceFormat,
    title: str | None = None,
    url: str | None = None,
    published: Any = None,
    lang: str | None = None,
    outlet: str | None = None,
    author: str | None = None,
    article_id: str | None = None,
    find_title: bool = False,
) -> Article:
    """Normalise one article. `published` is any date form; the text's crawl prefix and the
    date in the URL back it up, the one that names the day first."""
    body, prefix_date = split_date_prefix(repair_text(text))
    title = _one_line(title)
    if title is None and find_title:
        title, body = split_title(body)
    if _visible_chars(body) < MIN_TEXT_CHARS:
        raise UnreadableError("too little text")
    url = (url or "").strip() or None
    digest = content_hash(body)
    return Article(
        id=article_id or hashlib.sha256((url or digest).encode("utf-8")).hexdigest()[:16],
        text=body,
        title=title,
        url=url,
        outlet=(outlet or "").strip() or outlet_from_url(url),
        lang=normalize_lang(lang) or detect_language(body),
        published=parse_date(published) or most_precise(prefix_date, date_from_url(url)),
        author=_one_line(author),
        source=source,
        source_format=source_format,
        content_hash=digest,
    )


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(repair_text(value).split()) or None


def _visible_chars(text: str) -> int:
    return sum(map(len, text.split()))


def split_title(text: str) -> tuple[str | None, str]:
    """Take the first line as title when it reads like a headline; otherwise invent nothing.

    A headline is short, has no closing period (or comma/colon: those lead into the next line),
    does not start in lower case, has a few words, and stands apart: a blank line or a longer
    paragraph follows.
    """
    first, _, rest = text.partition("\n")
    head = first.strip()
    body = rest.strip()
    if not body or _visible_chars(body) < MIN_TEXT_CHARS or not _reads_like_headline(head):
        return None, text
    next_paragraph = body.split("\n", 1)[0]
    if rest.startswith("\n") or len(next_paragraph) > len(head):
        return head, body
    return None, text


def _reads_like_headline(line: str) -> bool:
    if not line or len(line) >= MAX_TITLE_CHARS or line[-1] in ".,;:" or line[0].islower():
        return False
    words = line.split()
    return len(words) >= 3 or (len(line) >= 6 and _UNSPACED_SCRIPT.search(line) is not None)


def article_from_text(
    text: str,
    *,
    source: str,
    title: str | None = None,
    url: str | None = None,
    published: Any = None,
    lang: str | None = None,
    outlet: str | None = None,
    source_format: SourceFormat = "txt",
) -> Article:
    """A plain-text article; without a title, a headline-like first line becomes the title."""
    return build_article(
        text,
        source=source,
        source_format=source_format,
        title=title,
        url=url,
        published=published,
        lang=lang,
        outlet=outlet,
        find_title=True,
    )


# Field names used by common exports (news-please, NewsAPI, feeds dumped to JSON, our own).
_RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "maintext", "description", "summary"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "published": (
        "date", "published", "pubdate", "published_at", "publishedat", "datetime",
        "date_publish", "date_published",
    ),
    "lang": ("lang", "language"),
    "outlet": ("outlet", "source", "site", "domain", "source_domain", "sitename"),
    "author": ("author", "byline", "authors"),
    "id": ("id",),
}  # fmt: skip
_MARKUP = re.compile(
    r"<(?:p|div|br|span|a|h[1-6]|li|ul|ol|strong|em|b|i|img|figure|blockquote|section|article)"
    r"\b[^>]*>",
    re.IGNORECASE,
)


def article_from_record(
    record: dict, *, source: str, source_format: SourceFormat = "json", locator: str | None = None
) -> Article:
    """A JSON-like record -> Article. Raises UnreadableError (a ValueError) when unusable.

    `locator` ("feed.jsonl:17") travels on the error as `.item`, so callers can say where.
    """
    if not isinstance(record, Mapping):
        raise UnreadableError("not a JSON object", locator)
    fields = {str(key).lower(): value for key, value in record.items()}

    def pick(name: str) -> Any:
        return next(
            (fields[key] for key in _RECORD_FIELDS[name] if _present(fields.get(key))), None
        )

    text = _as_text(pick("text"), "\n\n")
    if not text:
        raise UnreadableError("missing text", locator)
    if _MARKUP.search(text):
        text = html_fragment_to_text(text)
    record_id = pick("id")
    try:
        return build_article(
            text,
            source=source,
            source_format=source_format,
            title=_as_text(pick("title"), " "),
            url=_as_text(pick("url"), " "),
            published=_as_date(pick("published")),
            lang=_as_text(pick("lang"), " "),
            outlet=_as_text(pick("outlet"), " "),
            author=_as_text(pick("author"), ", "),
            article_id=None if record_id is None else str(record_id).strip() or None,
        )
    except UnreadableError as err:
        raise UnreadableError(str(err), locator) from None


def has_text_field(record: Mapping) -> bool:
    """Whether a JSON object is itself an article rather than a wrapper around a list of them."""
    names = {str(key).lower() for key in record}
    return any(name in names for name in _RECORD_FIELDS["text"])


def _as_date(value: Any) -> Any:
    return value if isinstance(value, int | float) else _as_text(value, " ")


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _as_text(value: Any, joiner: str) -> str | None:
    """Strings as they are; lists joined; objects by their name (NewsAPI's source: {name})."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        return _as_text(
            next((value[k] for k in ("name", "title", "url", "id") if value.get(k)), None), joiner
        )
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        parts = [part for part in (_as_text(item, joiner) for item in value) if part]
        return joiner.join(parts) or None
    return None


_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
    "article", "header", "footer", "figure", "figcaption", "table", "tr", "pre", "dd", "dt",
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def html_fragment_to_text(markup: str) -> str:
    """Feed summaries and HTML inside JSON: keep the words and the paragraph breaks only.

    trafilatura is built for whole pages and drops short fragments, so lxml does this.
    """
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fromstring(markup)
    except (ParserError, ValueError):
        return markup
    for junk in root.xpath("//script|//style|//noscript"):
        junk.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str):  # skip comments and processing instructions
            element.text = _WHITESPACE.sub(" ", element.text or "")
            element.tail = _WHITESPACE.sub(" ", element.tail or "")
            if element.tag in _BLOCK_TAGS:
                element.tail = "\n\n" + element.tail
            elif element.tag == "br":
                element.tail = "\n" + element.tail
    return root.text_content()


def article_from_html(
    html: bytes | str,
    *,
    source: str,
    url: str | None = None,
    published: Any = None,
    source_format: SourceFormat = "html",
) -> Article:
    """A web page -> Article via trafilatura. `url` and `published` are fallbacks for a page
    that names no canonical URL or date of its own (a WARC's target URI and capture date)."""
    if isinstance(html, bytes):
        html = decode_text(html)
    page = _extract_page(html, url)
    if page is None:
        raise UnreadableError("no article text found")
    page_url = page.url if _is_web_url(page.url) else url
    title = _one_line(page.title)
    return build_article(
        _drop_leading_title(page.text, title),
        source=source,
        source_format=source_format,
        title=title,
        url=page_url,
        published=parse_date(page.date) or published,
        outlet=outlet_from_url(page_url) or page.sitename,
        author=page.author,
    )


def _extract_page(html: str, url: str | None) -> Any:
    """trafilatura's fast path first; its fallback extractors only when that finds nothing."""
    import trafilatura
    from trafilatura.settings import set_date_params

    # Dates from markup only (meta tags, <time>, date classes, the URL): htmldate's free-text
    # search turns "founded in 2006" into 2006-01-01. %z keeps a published_time's time and offset.
    date_params = {**set_date_params(False), "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
    for fast in (True, False):
        page = trafilatura.bare_extraction(
            html,
            url=url,
            fast=fast,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=date_params,
        )
        if page is not None and _visible_chars(page.text or "") >= MIN_TEXT_CHARS:
            return page
    return None


def _is_web_url(value: str | None) -> bool:
    return bool(value) and re.match(r"https?://[^/\s]+", value or "", re.IGNORECASE) is not None


def _drop_leading_title(text: str, title: str | None) -> str:
    """trafilatura keeps the page's <h1> as the first line; the title already carries it."""
    first, _, rest = text.partition("\n")
    if title and rest.strip() and " ".join(first.split()).casefold() == title.casefold():
        return rest
    return text
