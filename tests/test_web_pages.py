"""Server-rendered pages: what they show, how they escape article text, forms, and helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from markupsafe import Markup

import test_web_api as shared
from parallax.store import MARK_END, MARK_START
from parallax.web.charts import copy_graph, coverage, sparkline
from parallax.web.highlight import Span, highlight, marked_snippet
from parallax.web.pages import day_range
from parallax.web.views import safe_url

# The demo store and clients of the API tests (built once per session, shared through its folder).
demo_db, client, writable = shared.demo_db, shared.client, shared.writable
CORPUS, all_stories, story_of_file = shared.CORPUS, shared.all_stories, shared.story_of_file

HOSTILE = (
    "Mayor says <script>alert('x')</script> is not a threat\n\n"
    "The town council of Caradin met on Monday evening. <img src=x onerror=alert(1)> "
    "Councillors discussed the repair of the old bridge over the river, which was closed "
    "after the earthquake, and said that work would start within three weeks."
)


def text_of(html: str) -> str:
    """Visible text, roughly: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))


# Units


def test_highlight_escapes_every_piece_and_nests_overlaps():
    text = '<b>Lavrov</b> said "x < y" & left'
    spans = [Span(3, 9, "ent", "person"), Span(0, 13, "quote", 'a "label"', "f1"),
             Span(20, 25, "slot")]  # fmt: skip
    html = highlight(text, spans)
    assert isinstance(html, Markup)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert text_of(str(html)) == text
    assert html.count("<mark") == 4  # quote | quote+ent | quote | slot
    assert 'class="ent quote" title="person · a &#34;label&#34;"' in html  # in span order
    assert 'data-ref="f1"' in html


def test_highlight_ignores_spans_outside_the_text():
    assert highlight("abc", [Span(2, 9, "x"), Span(-1, 1, "y"), Span(1, 1, "z")]) == "abc"


def test_snippet_marks_become_mark_tags_and_the_rest_is_escaped():
    snippet = f"…the <i>{MARK_START}Sochi{MARK_END}</i> talks & {MARK_START}<x>{MARK_END}"
    html = marked_snippet(snippet)
    assert html == "…the &lt;i&gt;<mark>Sochi</mark>&lt;/i&gt; talks &amp; <mark>&lt;x&gt;</mark>"


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a.example/x?y=1", True),
        ("http://a.example", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("", False),
        (None, False),
    ],
)
def test_only_web_links_are_linked(url, safe):
    assert (safe_url(url) is not None) is safe


def test_sparkline_bins_articles_over_the_story_span():
    start = datetime(2025, 3, 1, tzinfo=UTC)
    dates = [start, start, start + timedelta(days=1), start + timedelta(days=10)]
    spark = sparkline(dates, bins=10, width=100, height=20)
    assert sum(bar.count for bar in spark.bars) == 4
    assert [bar.count for bar in spark.bars] == [2, 1, 1]
    assert spark.bars[0].height == 18 and spark.bars[-1].height == 9
    assert all(0 <= bar.x < 100 and bar.y + bar.height <= 20 for bar in spark.bars)
    assert "4 dated articles" in spark.label
    single = sparkline([start], bins=10)
    assert len(single.bars) == 1 and "1 dated article, on 1 Mar 2025" in single.label
    assert sparkline([]) is None


def test_coverage_segments_fill_the_bar_in_proportion():
    segments = coverage([("en", 3, "c0", ""), ("de", 1, "c1", "")])
    assert [(s.x, s.width) for s in segments] == [(0, 75), (75, 25)]


def test_copy_graph_rows_follow_publication_order():
    reuse = [
        {"source": "a", "target": "c", "shared_fraction": 0.991, "credited": "MPA"},
        {"source": "a", "target": "b", "shared_fraction": 0.4, "credited": None},
    ]
    graph = copy_graph(reuse, ["x", "a", "b", "c"], {"x": 1, "a": 2, "b": 3, "c": 4},
                       {k: k.upper() for k in "xabc"}, {k: "" for k in "xabc"})  # fmt: skip
    assert [n.id for n in graph.nodes] == ["a", "b", "c"]  # x copied nothing, nobody copied it
    first, b, c = graph.nodes
    assert first.first and not b.first and not c.first
    assert [(x.source, x.percent, x.credited) for x in c.borrowed] == [(2, 99, "MPA")]
    assert len(graph.arcs) == 2
    assert copy_graph([], ["a"], {"a": 1}, {"a": "A"}, {"a": ""}) is None


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("2025-09-09T06:10", "2025-09-09T16:20", "9 Sep 2025"),
        ("2025-03-18T10:00", "2025-03-19T08:00", "18–19 Mar 2025"),
        ("2025-10-30T10:00", "2025-11-02T08:00", "30 Oct – 2 Nov 2025"),
        ("2024-12-30T10:00", "2025-01-02T08:00", "30 Dec 2024 – 2 Jan 2025"),
    ],
)
def test_day_range(first, last, shown):
    assert day_range((datetime.fromisoformat(first), datetime.fromisoformat(last))) == shown
    assert day_range((None, None)) == "undated"


# Pages on the demo store


def test_stories_page_lists_stories_with_counts_and_sparklines(client):
    stories = all_stories(client)
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for story in stories:
        assert f'href="/stories/{story["id"]}"' in page.text
    assert page.text.count('class="spark"') == sum(1 for s in stories if s["first_seen"])
    assert f"{len(stories)} stories" in text_of(page.text)


def test_search_page_marks_the_matched_words(client):
    page = client.get("/", params={"q": "Lausanne"})
    assert "<mark>Lausanne</mark>" in page.text
    assert MARK_START not in page.text


def test_pages_of_filtered_lists_link_to_the_same_filters(client):
    page = client.get("/", params={"lang": "de", "sort": "recent"})
    assert page.status_code == 200
    assert "/api/stories?lang=de&amp;sort=recent&amp;limit=20&amp;offset=0" in page.text


def test_story_page_shows_conflict_values_quotes_and_the_pair(client):
    found = story_of_file(client, "a35.txt")
    story = found["story"]
    page = client.get(f"/stories/{story['story']['id']}")
    assert page.status_code == 200
    visible = text_of(page.text)
    for conflict in story["conflicts"]:
        for value in conflict["values"]:
            assert value["value"] in visible
    for group in story["quotes"]:
        assert all(v["text"].strip(" ,;:") in visible for v in group["variants"])
    assert page.text.count('class="pair-col"') == 2
    assert 'class="copygraph"' in page.text or "independent reporting" in visible


def test_side_by_side_pair_follows_the_query(client):
    story = story_of_file(client, "a34.html")["story"]
    ids = [a["id"] for a in story["articles"]]
    page = client.get(f"/stories/{story['story']['id']}", params={"a": ids[-1], "b": ids[2]})
    selected = re.findall(r'<option value="([^"]+)" selected>', page.text)
    assert selected == [ids[-1], ids[2]]
    assert 'mark class="shared"' in page.text
    same = client.get(f"/stories/{story['story']['id']}", params={"a": ids[0], "b": ids[0]})
    assert "Choose two different articles" in same.text


def test_article_page_highlights_and_links_back(client):
    found = story_of_file(client, "a27.txt")
    page = client.get(f"/articles/{found['article']}")
    assert page.status_code == 200
    assert f'href="/stories/{found["story"]["story"]["id"]}"' in page.text
    assert 'class="ent ent-PERSON"' in page.text or "ent ent-PERSON" in page.text
    assert 'mark class="' in page.text


def test_unknown_pages_are_html_404s(client):
    page = client.get("/stories/424242")
    assert page.status_code == 404 and "no story 424242" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert client.get("/articles/missing").status_code == 404


def test_hostile_article_text_is_shown_as_text(writable):
    response = writable.post("/ingest", data={"text": HOSTILE}, follow_redirects=False)
    assert response.status_code == 303
    article_page = writable.get(response.headers["location"])
    assert article_page.status_code == 200
    for page in (article_page.text, writable.get("/", params={"q": "onerror"}).text):
        assert "<script>alert" not in page and "<img src=x" not in page
    visible = text_of(article_page.text)
    assert "<script>alert('x')</script>" in visible and "<img src=x onerror=alert(1)>" in visible
    story_link = re.search(r'href="(/stories/\d+)"', article_page.text).group(1)
    story_page = writable.get(story_link).text
    assert "<script>alert" not in story_page and "<img src=x" not in story_page
    scripts = re.findall(r"<script\b[^>]*>", story_page)  # ours only: one external file
    assert len(scripts) == 1 and re.fullmatch(r'<script src="/static/[^"]+" defer>', scripts[0])


def test_ingest_form_errors_keep_what_was_typed(writable):
    page = writable.post("/ingest", data={"text": "too short", "title": "<b>mine</b>"})
    assert page.status_code == 422
    assert "too little text" in page.text and "&lt;b&gt;mine&lt;/b&gt;" in page.text
    empty = writable.post("/ingest", data={})
    assert empty.status_code == 400 and "paste" in empty.text


def test_compare_page_compares_pasted_articles(client):
    texts = [(CORPUS / "articles" / n).read_text(encoding="utf-8") for n in ("a20.txt", "a27.txt")]
    page = client.post("/compare", data={"text": [*texts, ""]})
    assert page.status_code == 200, page.text
    assert "Comparison of 2 articles" in page.text
    assert 'id="article-1"' in page.text and 'id="article-2"' in page.text
    one = client.post("/compare", data={"text": [texts[0]]})
    assert one.status_code == 422 and "at least two" in one.text
