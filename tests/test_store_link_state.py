"""The clusterer's persisted state follows the memberships, in the same transactions."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from parallax.model import Analysis
from parallax.store.link_state import CorpusDelta

DAY = [datetime(2021, 5, d, tzinfo=UTC) for d in range(1, 10)]


def _analysis(article_id: str, vector: list[float] | None, published: datetime | None):
    embedding = None if vector is None else np.asarray(vector, dtype=np.float32)
    return Analysis(article_id=article_id, version="t", lang="en", embedding=embedding,
                    published=published)


@pytest.fixture
def stored(store, make_article):
    ids = [store.add_articles([make_article()]).added[0] for _ in range(4)]
    store.save_analyses([
        _analysis(ids[0], [1, 0, 0], DAY[3]),
        _analysis(ids[1], [0, 1, 0], DAY[1]),
        _analysis(ids[2], None, DAY[5]),
        _analysis(ids[3], [0, 0, 1], None),
    ])
    return ids


def test_story_vectors_sum_members_and_follow_moves(store, stored):
    a, b, c, d = stored
    before = store.link_state().version
    version = store.assign([(a, 1), (b, 1), (c, 1), (d, 2)])
    assert version == before + 1
    vectors = store.story_vectors([1, 2])
    one, two = vectors[1], vectors[2]
    assert (one.members, one.embedded) == (3, 2)
    assert one.total.tolist() == [1, 1, 0]
    assert (one.first, one.last) == (DAY[1], DAY[5])
    assert (two.members, two.embedded, two.first) == (1, 1, None)
    store.assign([(b, 2)])  # a move: the story it left is recomputed
    vectors = store.story_vectors([1, 2])
    one, two = vectors[1], vectors[2]
    assert one.total.tolist() == [1, 0, 0] and (one.first, one.last) == (DAY[3], DAY[5])
    assert two.total.tolist() == [0, 1, 1] and (two.first, two.last) == (DAY[1], DAY[1])
    changed = [s for rows in store.story_vectors_since(version) for s, _, _ in rows]
    assert changed == [1, 2]


def test_corpus_statistics_are_added_only_with_the_matching_delta(store, stored):
    a, b, c, _ = stored
    delta = CorpusDelta({a, b}, Counter({"w:talks": 2, "w:sochi": 1}),
                        {"en": (2, 2, np.asarray([1.0, 1.0, 0.0]))})
    store.assign([(a, 1), (b, 1)], corpus=delta)
    state = store.link_state()
    assert (state.members, state.stale) == (2, False)
    assert store.term_df(["w:talks", "w:sochi", "w:other"]) == {"w:talks": 2, "w:sochi": 1}
    n, embedded, total = store.language_totals()["en"]
    assert (n, embedded, total.tolist()) == (2, 2, [1, 1, 0])
    store.assign([(c, 2)])  # without what it adds to the statistics: they are stale
    assert store.link_state().stale


def test_reanalysing_an_assigned_article_makes_the_statistics_stale(store, stored):
    a = stored[0]
    store.assign([(a, 1)], corpus=CorpusDelta({a}, {}, {"en": (1, 1, np.ones(3))}))
    assert not store.link_state().stale
    store.save_analyses([_analysis(a, [0, 0, 2], DAY[7])])
    assert store.link_state().stale
    (one,) = store.story_vectors([1]).values()
    assert one.total.tolist() == [0, 0, 2] and one.first == DAY[7]


def test_clearing_stories_starts_a_new_epoch(store, stored):
    store.assign([(stored[0], 1)], corpus=CorpusDelta({stored[0]}, {"w:x": 1}, {}))
    epoch = store.link_state().epoch
    store.clear_stories()
    state = store.link_state()
    assert state.epoch != epoch and (state.version, state.members, state.stale) == (0, 0, False)
    assert store.story_vectors([1]) == {} and store.term_df(["w:x"]) == {}


def test_a_store_with_stories_from_revision_0002_is_rebuilt_on_first_use(tmp_path, monkeypatch):
    from alembic import command
    from sqlalchemy import text

    from parallax.link import state as link_state
    from parallax.store import Store
    from parallax.store.codec import encode_analysis
    from parallax.store.engine import alembic_config, create_store_engine, transaction
    from parallax.store.urls import parse_url

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_store_engine(parse_url(url))
    with transaction(engine, write=True) as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        now = DAY[0].replace(tzinfo=None)
        conn.execute(text(
            "INSERT INTO articles (id, seq, content_hash, text, source, source_format, "
            "ingested_at, lang) VALUES ('a', 1, 'h', 'Talks in Sochi.', 's', 'txt', :now, 'en')"
        ), {"now": now})
        row = encode_analysis(_analysis("a", [0.6, 0.8, 0.0], DAY[2]))
        del row["published"]
        conn.execute(text("INSERT INTO analyses (article_id, version, data, embedding) "
                          "VALUES (:article_id, :version, :data, :embedding)"), row)
        conn.execute(text("INSERT INTO stories (id, created_at, updated_at) "
                          "VALUES (4, :now, :now)"), {"now": now})
        conn.execute(text("INSERT INTO story_articles (article_id, story_id, assigned_at) "
                          "VALUES ('a', 4, :now)"), {"now": now})
    engine.dispose()
    monkeypatch.setenv(link_state.INDEX_ENV, "off")
    with Store.open(url) as store:
        assert store.link_state().stale
        assert store.get_analyses(["a"])["a"].published == DAY[2]
        state = link_state.open_state(store)
        assert not store.link_state().stale and store.link_state().members == 1
        (vector,) = store.story_vectors([4]).values()
        assert (vector.members, vector.first) == (1, DAY[2])
        assert vector.total.tolist() == pytest.approx([0.6, 0.8, 0.0])
        assert state.index is not None and 4 in state.index


def test_each_postgresql_store_has_one_saved_index_folder(monkeypatch, tmp_path):
    """Indexes of a server-side store live in a folder of their own per store, which a new
    epoch's index replaces (each rebuild used to leave the old one behind in ~/.cache)."""
    from types import SimpleNamespace

    from parallax.link import state as link_state

    monkeypatch.setenv(link_state.INDEX_ENV, str(tmp_path))
    news = SimpleNamespace(path=None, url="postgresql+psycopg://u@db/news")
    other = SimpleNamespace(path=None, url="postgresql+psycopg://u@db/archive")
    folder = link_state.index_folder(news)
    assert folder is not None and folder.parent == tmp_path / "centroids"
    assert folder == link_state.index_folder(SimpleNamespace(**vars(news)))
    assert folder != link_state.index_folder(other)
