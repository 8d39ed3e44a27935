"""Storing articles: idempotent ingest, lookups, listing order, filters, all-or-nothing batches."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from parallax.ingest.normalize import content_hash
from parallax.store import Store, StoreError


def test_added_articles_come_back_unchanged(store, make_article):
    article = make_article(author="A. Writer", source_format="html", title="Çavuşoğlu in Sochi")
    result = store.add_articles([article])
    assert result.added == [article.id]
    assert result.duplicates == [] and result.errors == []
    assert store.get_article(article.id) == article
    assert store.count_articles() == 1


def test_same_url_is_a_duplicate_and_keeps_the_stored_version(store, make_article):
    first = make_article()
    store.add_articles([first])
    again = make_article(url=first.url, text="A later, edited version of the page.")
    result = store.add_articles([again])
    assert result.added == []
    assert result.duplicates == [again.id]
    assert store.get_article(first.id).text == first.text
    assert store.get_article(again.id) is None


def test_same_text_under_another_url_is_a_duplicate(store, make_article):
    first = make_article()
    copy = make_article(text=first.text, url="https://mirror.example.org/copy")
    assert copy.content_hash == first.content_hash
    store.add_articles([first])
    assert store.add_articles([copy]).duplicates == [copy.id]
    assert store.count_articles() == 1


def test_same_id_is_a_duplicate(store, make_article):
    first = make_article()
    store.add_articles([first])
    result = store.add_articles([make_article(id=first.id)])
    assert result.duplicates == [first.id]
    assert store.get_article(first.id) == first


def test_same_batch_twice_stores_it_once(store, make_article):
    batch = [make_article() for _ in range(5)]
    assert store.add_articles(batch).added == [a.id for a in batch]
    again = store.add_articles(batch)
    assert again.added == []
    assert again.duplicates == [a.id for a in batch]
    assert store.count_articles() == 5


def test_duplicates_inside_one_batch_keep_the_first(store, make_article):
    first = make_article()
    same_url = make_article(url=first.url)
    same_text = make_article(text=first.text)
    other = make_article()
    result = store.add_articles([first, same_url, same_text, other])
    assert result.added == [first.id, other.id]
    assert result.duplicates == [same_url.id, same_text.id]


def test_articles_without_url_are_told_apart_by_content(store, make_article):
    a, b = make_article(url=None), make_article(url=None)
    assert store.add_articles([a, b]).added == [a.id, b.id]


def test_missing_content_hash_is_the_readers_hash(store, make_article):
    article = make_article(content_hash="")
    store.add_articles([article])
    assert store.get_article(article.id).content_hash == content_hash(article.text)
    spaced = make_article(text="  " + article.text.replace(" ", "\n  "), content_hash="")
    assert store.add_articles([spaced]).duplicates == [spaced.id]


def test_unstorable_articles_are_reported_and_the_rest_stored(store, make_article):
    good = make_article()
    bad = [
        make_article(id=""),
        make_article(text="   "),
        make_article(text="nul \x00 inside"),
        make_article(title="bad\x00title"),
    ]
    result = store.add_articles([bad[0], good, *bad[1:]])
    assert result.added == [good.id]
    assert len(result.errors) == len(bad)
    assert all(error.reason for error in result.errors)
    assert {e.item for e in result.errors} == {a.source for a in bad}
    assert store.count_articles() == 1


def test_a_failing_batch_leaves_the_store_as_it_was(store, make_article):
    kept = make_article(text="Stored before the failure: zebra.")
    store.add_articles([kept])
    fine = make_article(text="Would be stored first: giraffe.")
    broken = make_article(source_format=None)  # violates NOT NULL, in the database
    with pytest.raises(StoreError):
        store.add_articles([fine, make_article(), broken])
    assert store.count_articles() == 1
    assert store.get_article(kept.id) == kept
    assert store.get_article(fine.id) is None
    assert store.search("giraffe") == []  # the full-text index rolled back too
    assert [hit.article.id for hit in store.search("zebra")] == [kept.id]
    assert store.add_articles([fine]).added == [fine.id]


def test_a_crash_after_the_insert_but_before_commit_leaves_nothing(store, make_article):
    store.add_articles([make_article()])
    before = store.count_articles()

    def crash(conn, clauseelement, *args):
        if getattr(clauseelement, "table", None) is not None:  # the INSERT has just run
            raise KeyboardInterrupt

    batch = [make_article() for _ in range(3)]
    event.listen(store._engine, "after_execute", crash)
    try:
        with pytest.raises(KeyboardInterrupt):
            store.add_articles(batch)
    finally:
        event.remove(store._engine, "after_execute", crash)
    assert store.count_articles() == before
    assert store.add_articles(batch).added == [a.id for a in batch]


def test_get_articles_keeps_the_requested_order_and_skips_unknown(store, make_article):
    batch = [make_article() for _ in range(3)]
    store.add_articles(batch)
    ids = [batch[2].id, "missing", batch[0].id, batch[2].id]
    assert [a.id for a in store.get_articles(ids)] == [batch[2].id, batch[0].id]
    assert store.get_articles([]) == []


def test_many_ids_are_looked_up_in_chunks(store, make_article):
    batch = [make_article() for _ in range(1203)]
    store.add_articles(batch)
    ids = [a.id for a in reversed(batch)]
    assert [a.id for a in store.get_articles(ids)] == ids


def test_dates_are_stored_as_utc(store, make_article):
    moscow = timezone(timedelta(hours=3))
    aware = make_article(published=datetime(2020, 12, 29, 15, 30, tzinfo=moscow))
    naive = make_article(published=datetime(2020, 12, 29, 9, 0))
    store.add_articles([aware, naive])
    got = store.get_article(aware.id).published
    assert got == datetime(2020, 12, 29, 12, 30, tzinfo=UTC)
    assert got.utcoffset() == timedelta(0)
    assert store.get_article(naive.id).published == datetime(2020, 12, 29, 9, 0, tzinfo=UTC)


def test_listing_is_newest_first_then_latest_ingested(store, make_article):
    day = datetime(2021, 1, 5, tzinfo=UTC)
    old, new = make_article(published=day), make_article(published=day + timedelta(days=1))
    same_a, same_b = make_article(published=day), make_article(published=day)
    undated = make_article(published=None)
    store.add_articles([old, undated, new])
    store.add_articles([same_a, same_b])
    ids = [a.id for a in store.iter_articles()]
    assert ids == [new.id, same_b.id, same_a.id, old.id, undated.id]
    assert [a.id for a in store.iter_articles(limit=2, offset=1)] == [same_b.id, same_a.id]


def test_listing_filters(store, make_article):
    day = datetime(2021, 3, 1, tzinfo=UTC)
    ru = make_article(lang="ru", outlet="tass.ru", published=day)
    en = make_article(lang="en", outlet="aa.com.tr", published=day + timedelta(days=1))
    late = make_article(lang="en", outlet="tass.ru", published=day + timedelta(days=2))
    store.add_articles([ru, en, late])
    assert [a.id for a in store.iter_articles(lang="ru")] == [ru.id]
    assert [a.id for a in store.iter_articles(outlet="tass.ru")] == [late.id, ru.id]
    window = store.iter_articles(since=day + timedelta(days=1), until=day + timedelta(days=2))
    assert [a.id for a in window] == [en.id]
    assert [a.id for a in store.iter_articles(lang="en", since=day)] == [late.id, en.id]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_thousand_articles_are_one_fast_transaction(db_url, make_article):
    batch = [make_article() for _ in range(1000)]
    with Store.open(db_url) as store:
        started = time.perf_counter()
        result = store.add_articles(batch)
        elapsed = time.perf_counter() - started
        assert len(result.added) == 1000
    # ~0.1 s on a loaded 2-core machine; one commit per article would take several seconds.
    assert elapsed < 2.0


def _in_parallel(*calls):
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def test_concurrent_writers_store_each_article_once(db_url, make_article):
    batch = [make_article() for _ in range(300)]
    Store.open(db_url).close()

    def ingest(articles):
        with Store.open(db_url) as store:
            return store.add_articles(articles)

    results = _in_parallel(lambda: ingest(batch[:200]), lambda: ingest(batch[100:][::-1]))
    added = [i for result in results for i in result.added]
    assert sorted(added) == sorted(a.id for a in batch)
    assert sum(len(result.duplicates) for result in results) == 100
    with Store.open(db_url) as store:
        assert store.count_articles() == 300


def test_concurrent_first_opens_migrate_once(fresh_db_url):
    stores = _in_parallel(*[lambda: Store.open(fresh_db_url)] * 4)
    for store in stores:
        assert store.count_articles() == 0
        store.close()
