"""Readers on good and malformed input: every bad item is one ReadError, the rest still read."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parallax.ingest import (
    Limits,
    article_from_html,
    article_from_record,
    article_from_text,
    read_inputs,
)
from parallax.model import Article, ReadError

BODY = (
    "Russian Foreign Minister Sergey Lavrov said military cooperation with Turkey will "
    "continue despite US sanctions, after talks with his Turkish counterpart in Sochi."
)
BODY2 = "Cavusoglu said Turkey's ties with Russia are no alternative to NATO or the EU."


def read_all(*inputs: str | Path, **options) -> tuple[list[Article], list[ReadError]]:
    items = list(read_inputs([str(i) for i in inputs], **options))
    articles = [item for item in items if isinstance(item, Article)]
    errors = [item for item in items if isinstance(item, ReadError)]
    assert len(articles) + len(errors) == len(items)
    return articles, errors


def page(title: str, paragraphs: list[str], head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Contact us</footer></body></html>"
    )


# --- plain text ---------------------------------------------------------------------------


def test_text_date_prefix_on_the_same_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f" date 2020-12-29 {BODY}\n\n{BODY2}\n")
    [article], errors = read_all(path)
    assert not errors
    assert article.published == datetime(2020, 12, 29, tzinfo=UTC)
    assert article.text.startswith("Russian Foreign Minister")
    assert "date 2020" not in article.text
    assert article.title is None  # a long first sentence is no headline
    assert article.source == str(path) and article.source_format == "txt"
    assert article.lang == "en"
    assert len(article.id) == 16 and int(article.id, 16) >= 0


def test_text_headline_becomes_title() -> None:
    article = article_from_text(
        f"date 2022-10 Musk deutet Twitter-Abschluss an\n\n{BODY}", source="x.txt"
    )
    assert article.title == "Musk deutet Twitter-Abschluss an"
    assert article.text == BODY
    assert article.published == datetime(2022, 10, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "url", "expected"),
    [
        (None, "https://example.com/2022/10/28/musk-twitter", datetime(2022, 10, 28, tzinfo=UTC)),
        ("2022-10-27", "https://example.com/2022/10/28/x", datetime(2022, 10, 27, tzinfo=UTC)),
        (None, "https://example.com/2022/10/musk-twitter", datetime(2022, 10, 1, tzinfo=UTC)),
        (None, "https://example.com/musk-twitter", datetime(2022, 10, 1, tzinfo=UTC)),
    ],
)
def test_a_given_date_then_a_day_then_a_month(published: str | None, url: str,
                                              expected: datetime) -> None:
    """The crawl marker names only the month: a day in the URL is better, a given date best."""
    article = article_from_text(f"date 2022-10 {BODY}", source="x.txt", url=url,
                                published=published)
    assert article.published == expected


@pytest.mark.parametrize(
    "first_line",
    [
        "Lavrov said this.",  # a sentence
        "Advertisement",  # a single word
        "TÜRKİYE",  # a section label
        "per Mail teilen",  # starts in lower case
        "Follow us:",  # leads into the next line
    ],
)
def test_text_no_invented_title(first_line: str) -> None:
    article = article_from_text(f"{first_line}\n\n{BODY}", source="x.txt")
    assert article.title is None
    assert article.text.startswith(first_line)


def test_text_headline_in_unspaced_script() -> None:
    article = article_from_text(f"拉夫罗夫称俄土军事合作将继续\n\n{BODY}", source="x.txt")
    assert article.title == "拉夫罗夫称俄土军事合作将继续"


def test_html_date_not_guessed_from_body_text() -> None:
    html = page("Talks", [f"{BODY} The agency was founded in 2006.", BODY2])
    assert article_from_html(html, source="s").published is None


def test_text_given_fields_win() -> None:
    article = article_from_text(
        f"date 2020-12-28 Talks in Sochi today\n\n{BODY}",
        source="x",
        title="Given",
        url="https://www.aa.com.tr/en/x",
        published="2020-12-29",
        lang="EN-us",
    )
    assert article.title == "Given"
    assert article.published == datetime(2020, 12, 29, tzinfo=UTC)
    assert article.outlet == "aa.com.tr" and article.lang == "en"
    assert article.text.startswith("Talks in Sochi today")


def test_ids_are_stable_and_follow_url_then_content() -> None:
    plain = article_from_text(BODY, source="a")
    reformatted = article_from_text(BODY.upper().replace(" ", "  \n"), source="b")
    assert plain.id == article_from_text(BODY, source="c").id
    assert plain.content_hash == reformatted.content_hash
    with_url = article_from_text(BODY, source="a", url="https://ex.com/a")
    assert with_url.id != plain.id
    assert with_url.id == article_from_text(BODY2 * 2, source="z", url="https://ex.com/a").id


# --- JSON and JSON Lines ------------------------------------------------------------------


def test_record_field_names_and_kept_id() -> None:
    record = {
        "id": 42,
        "headline": "Talks in Sochi",
        "maintext": BODY,
        "link": "https://amp.example.co.uk/a",
        "pubDate": "Tue, 29 Dec 2020 10:00:00 +0300",
        "language": "en",
        "authors": ["A. Writer", "B. Writer"],
    }
    article = article_from_record(record, source="f.json")
    assert article.id == "42"
    assert article.title == "Talks in Sochi" and article.text == BODY
    assert article.url == "https://amp.example.co.uk/a" and article.outlet == "example.co.uk"
    assert article.published == datetime(2020, 12, 29, 7, tzinfo=UTC)
    assert article.author == "A. Writer, B. Writer"
    assert article.source == "f.json" and article.source_format == "json"


def test_record_html_body_and_nested_source() -> None:
    record = {"content": f"<p>{BODY}</p><p>{BODY2}</p>", "source": {"name": "Anadolu"}}
    article = article_from_record(record, source="f.json")
    assert article.text == f"{BODY}\n\n{BODY2}"
    assert article.outlet == "Anadolu"


@pytest.mark.parametrize(
    ("record", "reason"),
    [({"title": "only a title"}, "missing text"), ({"text": "too short"}, "too little text")],
)
def test_record_unusable(record: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        article_from_record(record, source="f.json", locator="f.json:3")
    assert str(info.value) == reason
    assert getattr(info.value, "item", None) == "f.json:3"


@pytest.mark.parametrize(
    "document",
    [
        {"articles": [{"text": BODY}, {"text": BODY2 * 2}]},
        [{"text": BODY}, {"text": BODY2 * 2}],
    ],
)
def test_json_array_or_wrapped(tmp_path: Path, document: object) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(document))
    articles, errors = read_all(path)
    assert [a.text for a in articles] == [BODY, BODY2 * 2] and not errors


def test_json_single_object(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"text": BODY, "date": "2020-12-29"}))
    [article], _ = read_all(path)
    assert article.published == datetime(2020, 12, 29, tzinfo=UTC)


def test_json_bad_items_are_located(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"text": BODY}, "oops", {"title": "x"}]))
    articles, errors = read_all(path)
    assert len(articles) == 1
    assert [str(e) for e in errors] == [
        f"{path}:item 2: not a JSON object",
        f"{path}:item 3: missing text",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('[{"text": "Russian Foreign Minister Sergey', "truncated JSON"),
        ('[{"text": 1,, }]', "invalid JSON"),
    ],
)
def test_json_malformed(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "a.json"
    path.write_text(content)
    articles, [error] = read_all(path)
    assert not articles
    assert error.item == str(path) and error.reason.startswith(reason)


def test_jsonl_bad_line_does_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"text": BODY}), "{broken", "", json.dumps({"body": BODY2 * 2})]
    path.write_text("\n".join(lines) + "\n" + json.dumps({"text": "short"}) + "\n")
    articles, errors = read_all(path)
    assert [a.source_format for a in articles] == ["jsonl", "jsonl"]
    assert [e.item for e in errors] == [f"{path}:2", f"{path}:5"]
    assert errors[0].reason.startswith("invalid JSON") and errors[1].reason == "too little text"


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"text": BODY}) + "\n" + json.dumps({"text": BODY2 * 2}) + "\n")
    articles, errors = read_all(path)
    assert len(articles) == 2 and not errors


# --- HTML ---------------------------------------------------------------------------------


def test_html_metadata(tmp_path: Path) -> None:
    head = (
        "<link rel='canonical' href='https://www.aa.com.tr/en/europe/talks/123'>"
        "<meta property='article:published_time' content='2020-12-29T10:15:00+03:00'>"
        "<meta name='author' content='Jane Roe'>"
        "<meta property='og:site_name' content='Anadolu Agency'>"
    )
    path = tmp_path / "page.html"
    path.write_text(page("Lavrov: cooperation goes on", [BODY, BODY2], head))
    [article], errors = read_all(path)
    assert not errors
    assert article.title == "Lavrov: cooperation goes on"
    assert article.text.startswith("Russian Foreign Minister") and BODY2 in article.text
    assert "Home" not in article.text and "Contact us" not in article.text
    assert article.url == "https://www.aa.com.tr/en/europe/talks/123"
    assert article.outlet == "aa.com.tr"
    assert article.published == datetime(2020, 12, 29, 7, 15, tzinfo=UTC)
    assert article.author == "Jane Roe"
    assert article.source_format == "html"


def test_html_fallbacks_and_declared_charset() -> None:
    html = page("Çavuşoğlu ile görüşme", [BODY, BODY2]).replace("utf-8", "iso-8859-9")
    article = article_from_html(
        html.encode("iso-8859-9"),
        source="s",
        url="https://news.example.org/a",
        published="2021-01-02",
    )
    assert article.title == "Çavuşoğlu ile görüşme"
    assert article.url == "https://news.example.org/a" and article.outlet == "example.org"
    assert article.published == datetime(2021, 1, 2, tzinfo=UTC)


def test_html_without_article_text() -> None:
    with pytest.raises(ValueError, match="no article text found"):
        article_from_html("<html><body><nav>Home</nav></body></html>", source="s")


# --- feeds --------------------------------------------------------------------------------

RSS = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Example</title><link>https://www.example.com/</link>
<item><title>Lavrov in Sochi</title><link>https://www.example.com/a</link>
<pubDate>Tue, 29 Dec 2020 10:00:00 +0300</pubDate><description>Short teaser.</description>
<content:encoded><![CDATA[<p>{BODY}</p><p>{BODY2}</p>]]></content:encoded></item>
<item><title>Only a summary</title><link>https://www.example.com/b</link>
<description>Lavrov and &lt;b&gt;Cavusoglu&lt;/b&gt; met in Sochi.</description></item>
</channel></rss>"""


def test_rss_entries(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(RSS)
    articles, errors = read_all(path)
    assert not errors
    full, short = articles
    assert full.text == f"{BODY}\n\n{BODY2}" and full.title == "Lavrov in Sochi"
    assert full.published == datetime(2020, 12, 29, 7, tzinfo=UTC)
    assert full.url == "https://www.example.com/a" and full.outlet == "example.com"
    assert short.text == "Lavrov and Cavusoglu met in Sochi."
    assert {a.source_format for a in articles} == {"rss"}


def test_truncated_atom_feed_keeps_complete_entries(tmp_path: Path) -> None:
    path = tmp_path / "feed.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        '<entry><title>E1</title><link href="https://news.example.org/e1"/>'
        f'<updated>2020-12-29T10:00:00Z</updated><content type="html">&lt;p&gt;{BODY}&lt;/p&gt;'
        "</content></entry><entry><title>E2</titl"
    )
    articles, errors = read_all(path)
    assert [a.url for a in articles] == ["https://news.example.org/e1"]
    assert articles[0].source_format == "atom"
    assert any(e.item == str(path) and "malformed feed" in e.reason for e in errors)


def test_xml_that_is_no_feed(tmp_path: Path) -> None:
    path = tmp_path / "data.xml"
    path.write_text("<?xml version='1.0'?><config><a>1</a></config>")
    articles, [error] = read_all(path)
    assert not articles and error.item == str(path)


# --- WARC ---------------------------------------------------------------------------------


def write_warc(path: Path, pages: list[tuple[str, str]], gz: bool = True) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gz)
        for uri, html in pages:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    uri, "response", payload=io.BytesIO(html.encode()), http_headers=headers
                )
            )
        writer.write_record(
            writer.create_warc_record(
                "https://ex.com/robots.txt", "resource", payload=io.BytesIO(b"User-agent: *"),
                warc_content_type="text/plain",
            )
        )  # fmt: skip


WARC_PAGES = [
    (f"https://www.example.com/news/{i}", page(f"Story number {i} about Sochi", [BODY, BODY2]))
    for i in range(3)
]


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_html_responses(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_warc(path, WARC_PAGES, gz=name.endswith(".gz"))
    articles, errors = read_all(path)
    assert not errors
    assert [a.url for a in articles] == [uri for uri, _ in WARC_PAGES]
    assert {a.source_format for a in articles} == {"warc"}
    assert all(a.published is not None and a.published.tzinfo == UTC for a in articles)
    assert articles[0].title == "Story number 0 about Sochi"


def test_truncated_warc_yields_what_it_could(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, WARC_PAGES)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) // 2])
    articles, errors = read_all(cut)
    assert 0 < len(articles) < len(WARC_PAGES)
    assert len(errors) == 1 and errors[0].item == str(cut)
    assert "truncated" in errors[0].reason or "corrupt" in errors[0].reason


def test_not_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "x.warc"
    path.write_text("hello, this is no archive\n" * 5)
    articles, [error] = read_all(path)
    assert not articles and error.item == str(path)


# --- gzip and limits ----------------------------------------------------------------------


def test_gzipped_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps({"text": BODY}) + "\n").encode()))
    [article], errors = read_all(path)
    assert article.source_format == "jsonl" and article.source == str(path) and not errors


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    chunk = bytes(1024 * 1024)
    with gzip.open(path, "wb", compresslevel=1) as bomb:
        for _ in range(24):
            bomb.write(chunk)
    assert path.stat().st_size < 200_000
    articles, [error] = read_all(path)
    assert not articles
    assert error == ReadError(str(path), "decompressed size exceeds 20 MiB limit")


def test_total_decompressed_budget(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.txt.gz")
        paths[-1].write_bytes(gzip.compress(f"{BODY} {i}".encode() * 10))
    limits = Limits(max_total_decompressed=4000)
    articles, errors = read_all(*paths, limits=limits)
    assert len(articles) == 2
    assert [e.reason for e in errors] == ["total decompressed size exceeds 3.9 KiB limit"]


def test_oversized_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(80 * 1024 * 1024)  # sparse: nothing is written or read
    _, [error] = read_all(path)
    assert error == ReadError(str(path), "file is 80 MiB, limit 50 MiB")


# --- bad input and input kinds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\n ", "empty file"),
        ("random.html", random.Random(1).randbytes(4000), "not text: looks binary"),
        ("random.bin", random.Random(2).randbytes(100), "not text: looks binary"),
        ("short.txt", b"Breaking: talks.", "too little text"),
        ("undecodable.txt", bytes(range(0x80, 0x100)) * 4, "cannot decode"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    articles, [error] = read_all(path)
    assert not articles
    assert error.item == str(path) and error.reason.startswith(reason)


def test_legacy_encoding_is_detected(tmp_path: Path) -> None:
    text = "Dışişleri Bakanı Çavuşoğlu, Rusya ile ilişkilerin süreceğini söyledi. " * 3
    path = tmp_path / "tr.txt"
    path.write_bytes(text.encode("iso-8859-9"))
    [article], _ = read_all(path)
    assert article.text == text.strip() and article.lang == "tr"


def test_missing_path_and_empty_glob(tmp_path: Path) -> None:
    _, errors = read_all(tmp_path / "nope.txt", tmp_path / "*.nothing")
    assert [e.reason for e in errors] == ["no such file or directory", "pattern matched no files"]
    assert errors[0].item == str(tmp_path / "nope.txt")


def test_folder_recursion_skips_hidden_and_globs(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "sub" / "b.md").write_text(BODY2 * 2)
    (tmp_path / ".hidden.txt").write_text(BODY)
    (tmp_path / ".git" / "c.txt").write_text(BODY)
    articles, errors = read_all(tmp_path)
    assert sorted(a.source for a in articles) == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "sub" / "b.md"),
    ]
    assert not errors
    globbed, _ = read_all(tmp_path / "**" / "*.md")
    assert [a.source for a in globbed] == [str(tmp_path / "sub" / "b.md")]


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (json.dumps([{"text": BODY}]).encode(), "json"),
        ((json.dumps({"text": BODY}) + "\n" + json.dumps({"text": BODY2 * 2})).encode(), "jsonl"),
        (page("Talks in Sochi", [BODY]).encode(), "html"),
        (RSS.encode(), "rss"),
        (f" date 2020-12-29 {BODY}".encode(), "txt"),
        (gzip.compress(f" date 2020-12-29 {BODY}".encode()), "txt"),
    ],
)
def test_stdin_is_sniffed(content: bytes, fmt: str) -> None:
    articles, errors = read_all("-", stdin=io.BytesIO(content))
    assert articles and not errors
    assert {a.source_format for a in articles} == {fmt}
    assert {a.source for a in articles} == {"stdin"}


def test_stdin_binary() -> None:
    _, [error] = read_all("-", stdin=io.BytesIO(os.urandom(2000)))
    assert error == ReadError("stdin", "not text: looks binary")


def test_reading_is_lazy(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY)
    items = read_inputs([str(tmp_path / "a.txt"), str(tmp_path / "later.txt")])
    assert isinstance(next(items), Article)
    (tmp_path / "later.txt").write_text(BODY2 * 2)  # created after iteration began
    assert isinstance(next(items), Article)


def chunked(data: bytes, size: int = 700) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_warc_record_limits_and_http_encodings(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "enc.warc.gz"
    html = page("Compressed page about Sochi", [BODY, BODY2]).encode()
    records = [
        ("https://ex.com/gz", [("Content-Encoding", "gzip")], gzip.compress(html)),
        ("https://ex.com/chunked", [("Transfer-Encoding", "chunked")], chunked(html)),
        ("https://ex.com/plain", [], html),
        ("https://ex.com/big", [], html + b"<!-- padding -->" * 2000),
    ]
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for uri, fields, payload in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html"), *fields], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(payload), http_headers=headers
            )
            writer.write_record(record)
    articles, errors = read_all(path, limits=Limits(max_member_bytes=20 * 1024))
    assert [a.url for a in articles] == [uri for uri, _, _ in records[:3]]
    assert len({a.text for a in articles}) == 1
    assert errors == [ReadError(f"{path}:https://ex.com/big", "record exceeds 20 KiB limit")]
