"""`Store.copy_to` / `parallax copy`: a store moves to another backend whole, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from parallax.cli import app
from parallax.link import state as link_state
from parallax.model import Analysis, Article
from parallax.pipeline import assign_stories
from parallax.store import Store, StoreError

pytestmark = pytest.mark.usefixtures("isolated_index")
CENTRES = np.random.default_rng(0).normal(size=(3, 384))
START = datetime(2021, 1, 1, tzinfo=UTC)


def _analysis(article: Article, k: int) -> Analysis:
    """An analysis near one of three story centres, so the articles form three stories."""
    noise = np.random.default_rng(k).normal(scale=0.02, size=384)
    vector = CENTRES[k % 3] + noise
    return Analysis(article_id=article.id, version="test", lang="en",
                    embedding=(vector / np.linalg.norm(vector)).astype(np.float32),
                    published=article.published)


def _ingest(store: Store, articles: list[Article], first: int = 0) -> dict[str, int]:
    store.add_articles(articles)
    store.save_analyses([_analysis(a, first + k) for k, a in enumerate(articles)])
    return assign_stories(store, [a.id for a in articles])


@pytest.fixture
def source(tmp_path, make_article):
    url = f"sqlite:///{tmp_path / 'source.db'}"
    with Store.open(url) as store:
        _ingest(store, _articles(make_article, 12))
    return url


def _articles(make_article, n: int, first: int = 0) -> list[Article]:
    """Article k belongs to event k % 3: a year apart, so that they make three stories."""
    return [make_article(published=START + timedelta(days=365 * (k % 3), hours=k))
            for k in range(first, first + n)]


def test_a_copy_holds_the_same_stories_and_goes_on_as_the_original(source, db_url, make_article):
    with Store.open(source) as original, Store.open(db_url) as copy:
        counts = original.copy_to(copy)
        ids = [a.id for a in original.iter_articles()]
        assert counts["articles"] == len(ids) == 12
        assert copy.story_ids_of(ids) == original.story_ids_of(ids)
        assert len(set(copy.story_ids_of(ids).values())) == 3
        assert copy.link_state() == original.link_state()
        assert copy.get_analyses(ids).keys() == set(ids)
        assert [h.article.id for h in copy.search("Report")] != []
        link_state.drop_cached_indexes()  # each store as a process of its own would see it
        late = _articles(make_article, 3, first=12)
        assert _ingest(copy, late, first=12) == _ingest(original, late, first=12)


def test_a_store_with_articles_is_refused_and_left_alone(source, db_url, make_article):
    with Store.open(db_url) as target:
        target.add_articles([make_article(id="already-here")])
        with Store.open(source) as original, pytest.raises(StoreError, match="already holds"):
            original.copy_to(target)
        assert [a.id for a in target.iter_articles()] == ["already-here"]


def test_a_copy_that_fails_midway_leaves_the_target_empty(source, db_url):
    def broken(table: str, rows: int, total: int) -> None:
        if table == "story_articles":
            raise RuntimeError("connection lost")

    with Store.open(source) as original, Store.open(db_url) as target:
        with pytest.raises(RuntimeError, match="connection lost"):
            original.copy_to(target, progress=broken)
        assert target.stats()["articles"] == 0


def test_the_cli_copies_the_store_named_by_db(source, tmp_path):
    target = tmp_path / "copy.db"
    result = CliRunner().invoke(app, ["copy", str(target), "--db", source])
    assert result.exit_code == 0, result.output
    assert "Copied 12 article(s), 3 stories" in result.output
    again = CliRunner().invoke(app, ["copy", str(target), "--db", source])
    assert again.exit_code == 2
    assert "already holds articles" in again.output
