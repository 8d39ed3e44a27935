"""Rendering the comparison: every format, every section, and untrusted text kept inert."""

import json
import re

import pytest

from parallax.compare import compare_articles, render
from test_compare_fixtures import fake_embed, make, unzip

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def comparison():
    def article(article_id, value, extra):
        return make(
            article_id,
            f"A magnitude {value} earthquake struck the province on Tuesday, officials said. "
            "Minister Dorin Albescu said: \u201cEvery collapsed house is being searched.\u201d "
            f"{extra}",
            entities={"Dorin Albescu": "PERSON"},
            slots=[("number", value, f"{value} magnitude")],
            quotes=[("Every collapsed house is being searched.", "Dorin Albescu")],
            published="2025-09-09T08:00",
        )

    a = article("a", "6.1", f"Residents said {EVIL} was written on a wall near the church.")
    b = article("b", "5.9", "Schools in the province will stay closed until the weekend.")
    a[0].title = f"Quake {EVIL}"
    a[0].url = "https://news.example/quake?id=1&x='\"><script>"
    articles, analyses = unzip([a, b])
    return compare_articles(articles, analyses, embed=fake_embed)


def test_json_round_trips_the_comparison(comparison):
    assert json.loads(render(comparison, "json")) == comparison


def test_text_and_markdown_show_every_section_with_citations(comparison):
    text = render(comparison, "text")
    md = render(comparison, "md")
    for section in ("Summary", "Facts", "Conflicts", "Quote variants"):
        assert section in text
        assert section in md
    assert "6.1 magnitude" in text and "5.9 magnitude" in text
    assert "[1]" in md and "[2]" in md
    assert EVIL not in md  # Markdown renderers pass raw HTML through


def test_html_is_one_self_contained_file_with_all_article_text_escaped(comparison):
    page = render(comparison, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    lowered = page.lower()
    for forbidden in ("<script", "<img", "<link", "@import", "<iframe", "url("):
        assert forbidden not in lowered
    assert not re.search(r"<[^>]*\s(?:src|on\w+)\s*=", lowered)  # no fetched asset, no handler
    assert "&lt;script&gt;" in page
    assert "href='https://news.example/quake?id=1&amp;x=&#x27;&quot;&gt;&lt;script&gt;'" in page
    assert "Every collapsed house is being searched." in page


def test_unknown_formats_are_refused(comparison):
    with pytest.raises(ValueError, match="unknown format"):
        render(comparison, "pdf")
