"""Story listings with filters and paging, cached comparisons and their staleness, facets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from parallax.store import Store
from parallax.store.engine import alembic_config

V = "v1"
DAY = datetime(2021, 3, 1, tzinfo=UTC)


@pytest.fixture
def three_stories(store, make_article):
    """Story 1: three articles (en, en, ru) on 1-3 March; story 2: one German article on
    10 March; story 3: two undated French articles, one mentioning Sochi."""
    arts = {
        "a": make_article(lang="en", outlet="one.com", published=DAY),
        "b": make_article(lang="en", outlet="two.com", published=DAY + timedelta(days=1)),
        "c": make_article(lang="ru", outlet="tass.ru", published=DAY + timedelta(days=2)),
        "d": make_article(lang="de", outlet="faz.de", published=DAY + timedelta(days=9)),
        "e": make_article(lang="fr", outlet="lemonde.fr", published=None),
        "f": make_article(lang="fr", outlet="lemonde.fr", published=None,
                          text="Les ministres se sont rencontrés à Sochi mardi."),
    }  # fmt: skip
    store.add_articles(arts.values())
    store.assign([(arts[k].id, s) for k, s in zip("abcdef", (1, 1, 1, 2, 3, 3), strict=True)])
    return arts


def ids(listing):
    rows, total = listing
    return [r.story.id for r in rows], total


def test_default_order_is_biggest_then_most_recent(store, three_stories):
    rows, total = store.list_stories(version=V)
    assert ([r.story.id for r in rows], total) == ([1, 3, 2], 3)
    first = rows[0]
    assert first.story.languages == ["en", "ru"]
    assert first.story.outlets == ["one.com", "tass.ru", "two.com"]
    assert first.published == [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    assert first.independent_sources is None  # nothing cached yet
    assert rows[1].published == []


def test_recent_order_puts_undated_stories_last(store, three_stories):
    assert ids(store.list_stories(version=V, sort="recent")) == ([2, 1, 3], 3)


def test_paging_keeps_the_total(store, three_stories):
    assert ids(store.list_stories(version=V, limit=2)) == ([1, 3], 3)
    assert ids(store.list_stories(version=V, limit=2, offset=2)) == ([2], 3)
    assert ids(store.list_stories(version=V, limit=2, offset=9)) == ([], 3)


def test_language_and_outlet_filters_keep_whole_stories(store, three_stories):
    rows, total = store.list_stories(version=V, lang="ru")
    assert ([r.story.id for r in rows], total) == ([1], 1)
    assert len(rows[0].story.article_ids) == 3  # the English members still count
    assert ids(store.list_stories(version=V, outlet="faz.de")) == ([2], 1)
    assert ids(store.list_stories(version=V, lang="ru", outlet="faz.de")) == ([], 0)
    assert ids(store.list_stories(version=V, lang="xx")) == ([], 0)


def test_date_filters_select_overlapping_stories(store, three_stories):
    assert ids(store.list_stories(version=V, since=DAY + timedelta(days=2))) == ([1, 2], 2)
    assert ids(store.list_stories(version=V, since=DAY + timedelta(days=3))) == ([2], 1)
    assert ids(store.list_stories(version=V, until=DAY + timedelta(days=1))) == ([1], 1)
    window = {"since": DAY + timedelta(days=5), "until": DAY + timedelta(days=20)}
    assert ids(store.list_stories(version=V, **window)) == ([2], 1)


def test_full_text_query_finds_stories_through_any_article(store, three_stories):
    assert ids(store.list_stories(version=V, query="Sochi")) == ([3], 1)
    rows, total = store.list_stories(version=V, query="report talks")
    assert ({r.story.id for r in rows}, total) == ({1, 2, 3}, 3)
    assert ids(store.list_stories(version=V, query="report talks", lang="de")) == ([2], 1)
    assert ids(store.list_stories(version=V, query="talks item4")) == ([2], 1)
    assert ids(store.list_stories(version=V, query="nowhere-to-be-found")) == ([], 0)


@pytest.mark.parametrize("query", ['"', "AND", "*", "NEAR(", "' OR 1=1 --", "?!"])
def test_query_syntax_is_never_interpreted(store, three_stories, query):
    rows, total = store.list_stories(version=V, query=query)
    assert total == len(rows) == 0


def test_a_cached_comparison_is_served_until_membership_or_version_changes(
    store, three_stories, make_article
):
    members = store.story(1).article_ids
    comparison = {"articles": members, "note": "ünïcode"}
    assert store.save_story_comparison(
        1, version=V, article_ids=members, comparison=comparison, independent_sources=2
    )
    assert store.story_comparison(1, version=V) == comparison
    assert store.story_comparison(1, version="v2") is None
    assert store.stale_story_ids(version=V) == [3, 2]
    rows, _ = store.list_stories(version=V)
    assert {r.story.id: r.independent_sources for r in rows} == {1: 2, 2: None, 3: None}

    late = make_article(published=DAY)
    store.add_articles([late])
    store.assign([(late.id, 1)])
    assert store.story_comparison(1, version=V) is None
    assert 1 in store.stale_story_ids(version=V)
    rows, _ = store.list_stories(version=V, limit=1)
    assert rows[0].independent_sources is None


def test_moving_an_article_out_makes_its_story_stale(store, three_stories):
    members = store.story(1).article_ids
    store.save_story_comparison(
        1, version=V, article_ids=members, comparison={}, independent_sources=3
    )
    store.assign([(members[0], 2)])
    assert store.story_comparison(1, version=V) is None
    assert set(store.stale_story_ids(version=V)) == {1, 2, 3}


def test_a_comparison_of_other_members_is_not_saved(store, three_stories):
    members = store.story(1).article_ids
    assert not store.save_story_comparison(
        1, version=V, article_ids=members[:2], comparison={}, independent_sources=1
    )
    assert not store.save_story_comparison(
        99, version=V, article_ids=members, comparison={}, independent_sources=1
    )
    assert store.story_comparison(1, version=V) is None


def test_saving_again_replaces_the_cached_comparison(store, three_stories):
    members = store.story(2).article_ids
    for n in (1, 2):
        store.save_story_comparison(
            2, version=V, article_ids=members, comparison={"n": n}, independent_sources=n
        )
    assert store.story_comparison(2, version=V) == {"n": 2}
    assert store.stale_story_ids(version=V, limit=1) == [3]


def test_clearing_stories_removes_cached_comparisons(store, three_stories):
    members = store.story(2).article_ids
    store.save_story_comparison(
        2, version=V, article_ids=members, comparison={}, independent_sources=1
    )
    store.clear_stories()
    assert store.story_comparison(2, version=V) is None
    assert store.list_stories(version=V) == ([], 0)


def test_duplicate_of_finds_the_stored_article(store, make_article):
    stored = make_article(url="https://example.com/x")
    store.add_articles([stored])
    same_url = make_article(id="other", url=stored.url)
    same_text = make_article(id="third", text=stored.text, content_hash=stored.content_hash)
    assert store.duplicate_of(stored) == stored.id
    assert store.duplicate_of(same_url) == stored.id
    assert store.duplicate_of(same_text) == stored.id
    assert store.duplicate_of(make_article()) is None


def test_facets_count_articles_per_language_and_outlet(store, three_stories):
    facets = store.facets()
    assert facets["languages"] == {"en": 2, "fr": 2, "de": 1, "ru": 1}
    assert facets["outlets"]["lemonde.fr"] == 2
    assert list(store.facets(limit=1)["outlets"]) == ["lemonde.fr"]


def test_upgrading_an_older_store_fills_in_the_story_counts(fresh_db_url, make_article):
    articles = [make_article(published=DAY + timedelta(days=n)) for n in range(3)]
    with Store.open(fresh_db_url) as store:
        store.add_articles(articles)
        store.assign([(articles[0].id, 1), (articles[1].id, 1), (articles[2].id, 2)])
    engine = create_engine(fresh_db_url, poolclass=NullPool)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    engine.dispose()
    with Store.open(fresh_db_url) as store:
        rows, total = store.list_stories(version=V)
        assert total == 2
        first = rows[0].story
        assert (first.id, len(first.article_ids), first.first_seen, first.last_seen) == (
            1,
            2,
            DAY,
            DAY + timedelta(days=1),
        )
        assert ids(store.list_stories(version=V, since=DAY + timedelta(days=2))) == ([2], 1)
