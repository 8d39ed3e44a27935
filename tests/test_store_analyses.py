"""Analyses: an exact round trip through storage, upserts, and re-analysis by version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from parallax.model import Analysis, Entity, Quote, Sentence, Slot
from parallax.store import StoreError
from parallax.store.codec import decode_analysis, encode_analysis


def _analysis(article_id: str, version: str = "v1", seed: int = 0) -> Analysis:
    rng = np.random.default_rng(seed)
    vector = rng.standard_normal(384).astype(np.float32)
    text = "Лавров: «Давление Вашингтона нелегитимно», — сказал министр."
    return Analysis(
        article_id=article_id,
        version=version,
        lang="ru",
        sentences=[Sentence(0, 0, len(text), text)],
        entities=[
            Entity("Лавров", "PERSON", 0, 6, 0, "lavrov"),
            Entity("Вашингтона", "PLACE", 19, 29, 0, "washington"),
        ],
        slots=[Slot("money", "$100 billion", "100000000000 USD", 3, 15, 0)],
        quotes=[
            Quote("Давление Вашингтона нелегитимно", 9, 40, "Лавров", "lavrov", 0, 6, "сказал"),
            Quote("reported", 1, 2, None, None, direct=False),
        ],
        embedding=vector / np.linalg.norm(vector),
        minhash=[int(v) for v in rng.integers(0, 2**64 - 1, 128, dtype=np.uint64)],
        published=datetime(2020, 12, 29, 12, 30, tzinfo=UTC),
    )


def _roundtrip(analysis: Analysis) -> Analysis:
    row = encode_analysis(analysis)
    return decode_analysis(row["article_id"], row["version"], row["data"], row["embedding"])


def _assert_same(got: Analysis, want: Analysis) -> None:
    assert got.embedding is not None and want.embedding is not None
    assert got.embedding.dtype == np.float32
    assert np.array_equal(got.embedding, want.embedding)
    got.embedding = want.embedding = None
    assert got == want


def test_codec_round_trip_is_exact():
    original = _analysis("a")
    _assert_same(_roundtrip(original), _analysis("a"))


def test_codec_keeps_empty_parts_and_other_timezones():
    bare = Analysis("b", "v2", "en")
    assert _roundtrip(bare) == bare
    plus3 = Analysis(
        "c", "v2", "tr", published=datetime(2020, 12, 29, 15, tzinfo=timezone(timedelta(hours=3)))
    )
    assert _roundtrip(plus3).published == plus3.published


def test_codec_accepts_numpy_numbers_and_refuses_matrices():
    analysis = Analysis(
        "d", "v1", "en", sentences=[Sentence(np.int64(0), np.int64(0), np.int32(4), "Text")]
    )
    assert _roundtrip(analysis).sentences == [Sentence(0, 0, 4, "Text")]
    analysis.embedding = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="one vector"):
        encode_analysis(analysis)


def test_embedding_is_stored_as_float32_bytes():
    row = encode_analysis(_analysis("e"))
    assert isinstance(row["embedding"], bytes) and len(row["embedding"]) == 384 * 4
    assert "embedding" not in row["data"]


def test_store_round_trip_is_exact(store, make_article):
    articles = [make_article() for _ in range(3)]
    store.add_articles(articles)
    store.save_analyses(_analysis(a.id, seed=n) for n, a in enumerate(articles))
    got = store.get_analyses([a.id for a in articles] + ["missing"])
    assert set(got) == {a.id for a in articles}
    for n, article in enumerate(articles):
        _assert_same(got[article.id], _analysis(article.id, seed=n))


def test_saving_again_replaces_and_versions_drive_reanalysis(store, make_article):
    a, b, c = (make_article() for _ in range(3))
    store.add_articles([a, b, c])
    assert store.ids_needing_analysis("v1") == [a.id, b.id, c.id]
    store.save_analyses([_analysis(a.id, "v1"), _analysis(b.id, "v0")])
    assert store.ids_needing_analysis("v1") == [b.id, c.id]
    assert store.ids_needing_analysis("v2") == [a.id, b.id, c.id]
    store.save_analyses([_analysis(b.id, "v1", seed=7)])
    assert store.ids_needing_analysis("v1") == [c.id]
    _assert_same(store.get_analyses([b.id])[b.id], _analysis(b.id, "v1", seed=7))
    assert store.stats()["analyzed"] == 2


def test_analysis_of_an_unknown_article_fails_and_saves_nothing(store, make_article):
    article = make_article()
    store.add_articles([article])
    with pytest.raises(StoreError):
        store.save_analyses([_analysis(article.id), _analysis("not-stored")])
    assert store.get_analyses([article.id]) == {}
