"""Stories: assignments persisted as the link stage decides them, moves, and listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from parallax.store import StoreError


@pytest.fixture
def stored(store, make_article):
    """Six stored articles a0..a5, one day apart from 1 March 2021."""
    day = datetime(2021, 3, 1, tzinfo=UTC)
    articles = [make_article(published=day + timedelta(days=n)) for n in range(6)]
    store.add_articles(articles)
    return [a.id for a in articles]


def test_new_ids_follow_the_highest_one(store, stored):
    assert store.next_story_id() == 1
    store.assign([(stored[0], 7)])
    assert store.next_story_id() == 8


def test_assign_then_look_up(store, stored):
    store.assign([(stored[0], 1), (stored[1], 1), (stored[2], 2)])
    assert store.story_ids_of(stored) == {stored[0]: 1, stored[1]: 1, stored[2]: 2}
    assert store.story_ids_of(["unknown"]) == {}


def test_reassigning_moves_the_article(store, stored):
    store.assign([(stored[0], 1), (stored[1], 1)])
    store.assign([(stored[1], 2)])
    assert store.story_ids_of(stored[:2]) == {stored[0]: 1, stored[1]: 2}
    assert store.story(1).article_ids == [stored[0]]
    assert store.story(2).article_ids == [stored[1]]


def test_an_emptied_story_disappears_but_its_id_is_not_reused(store, stored):
    store.assign([(stored[0], 1), (stored[1], 2)])
    store.assign([(stored[1], 1)])
    assert store.story(2) is None
    assert [s.id for s in store.stories()] == [1]
    assert store.next_story_id() == 3


def test_story_fields(store, make_article):
    day = datetime(2020, 12, 29, tzinfo=UTC)
    late = make_article(title="Later headline", outlet="b.com", lang="en", published=day)
    early = make_article(title=None, outlet="a.ru", lang="ru", published=day - timedelta(hours=5))
    undated = make_article(title="Undated", outlet="a.ru", lang="ru", published=None)
    store.add_articles([late, undated, early])
    store.assign([(late.id, 4), (undated.id, 4), (early.id, 4)])
    story = store.story(4)
    assert story.article_ids == [early.id, late.id, undated.id]
    assert story.title == "Later headline"  # the earliest article has no title
    assert story.first_seen == early.published
    assert story.last_seen == late.published
    assert story.outlets == ["a.ru", "b.com"]
    assert story.languages == ["en", "ru"]


def test_title_falls_back_to_the_opening_words(store, make_article):
    words = [f"w{n}" for n in range(30)]
    article = make_article(title=None, text=" ".join(words))
    store.add_articles([article])
    store.assign([(article.id, 1)])
    title = store.story(1).title
    assert title.startswith("w0 w1 w2") and title.endswith("…")
    assert 3 < len(title.split()) < len(words)


def test_listing_biggest_then_newest(store, stored):
    store.assign([(stored[0], 1), (stored[1], 1), (stored[2], 2), (stored[5], 3), (stored[3], 4)])
    assert [s.id for s in store.stories()] == [1, 3, 4, 2]
    assert [s.id for s in store.stories(limit=2, offset=1)] == [3, 4]
    assert store.stats()["stories"] == 4


def test_clear_stories(store, stored):
    store.assign([(i, 1) for i in stored])
    store.clear_stories()
    assert store.stories() == []
    assert store.story_ids_of(stored) == {}
    assert store.next_story_id() == 1
    assert store.count_articles() == len(stored)


def test_a_failed_assignment_changes_nothing(store, stored):
    store.assign([(stored[0], 1)])
    with pytest.raises(StoreError):
        store.assign([(stored[0], 2), (stored[1], 2), ("not-stored", 2)])
    assert store.story_ids_of(stored) == {stored[0]: 1}
    assert [s.id for s in store.stories()] == [1]
    assert store.next_story_id() == 2
