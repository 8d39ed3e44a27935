"""Story comparisons, computed once per story membership and cached in the store.

A comparison takes ~0.3 s for a 7-article story and grows with its size, so neither the story
list (which needs each story's independent-source count) nor a story page can afford to compute
it per request. Each result is saved with what it was computed from: the comparison version
(analysis, comparison and package versions, since each changes what it says) and the membership
(size and newest assignment). The store ignores a row that no longer matches, so adding or moving an
article makes its story stale at once, with no invalidation code anywhere else. Stale stories
are recomputed on demand (a story page) and by a background thread (`Refresher`), newest first,
so a list shows a count for every story soon after ingest and "not computed yet" meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import cache

from parallax.model import Analysis, Article
from parallax.store import Store

log = logging.getLogger(__name__)


@cache
def comparison_version() -> str:
    from parallax import __version__
    from parallax.analyze import ANALYSIS_VERSION
    from parallax.compare import COMPARISON_VERSION

    return f"analysis-{ANALYSIS_VERSION}/compare-{COMPARISON_VERSION}/parallax-{__version__}"


def independent_sources(comparison: dict) -> int:
    """Distinct origins once copies are collapsed: articles linked by reuse count once."""
    from parallax.compare.reuse import Reuse, origins

    index = {article["id"]: i for i, article in enumerate(comparison["articles"])}
    links = [
        Reuse(index[r["source"]], index[r["target"]], r["shared_fraction"], r["credited"])
        for r in comparison["reuse"]
        if r["source"] in index and r["target"] in index
    ]
    return len(set(origins(len(index), links)))


def compare(articles: Sequence[Article], analyses: Sequence[Analysis] | None = None) -> dict:
    from parallax.compare import compare_articles

    return compare_articles(articles, analyses)


def story_comparison(store: Store, story_id: int) -> dict | None:
    """The story's comparison, from the cache when still valid; None for an unknown story."""
    cached = store.story_comparison(story_id, version=comparison_version())
    return cached if cached is not None else refresh_story(store, story_id)


def refresh_story(store: Store, story_id: int) -> dict | None:
    """Compute a story's comparison now and cache it (unless its members changed meanwhile)."""
    story = store.story(story_id)
    if story is None:
        return None
    articles = store.get_articles(story.article_ids)
    comparison = compare(articles, current_analyses(store, articles))
    store.save_story_comparison(
        story_id,
        version=comparison_version(),
        article_ids=[a.id for a in articles],
        comparison=comparison,
        independent_sources=independent_sources(comparison),
    )
    return comparison


def current_analyses(store: Store, articles: Sequence[Article]) -> list[Analysis]:
    """Stored analyses of the current version; any missing one is computed and saved."""
    from parallax.analyze import ANALYSIS_VERSION, analyze_many

    stored = store.get_analyses([a.id for a in articles])
    fresh = {i: a for i, a in stored.items() if a.version == ANALYSIS_VERSION}
    missing = [a for a in articles if a.id not in fresh]
    if missing:
        computed = analyze_many(missing)
        store.save_analyses(computed)
        fresh.update((a.article_id, a) for a in computed)
    return [fresh[a.id] for a in articles]


def refresh_stale(store: Store, limit: int | None = None) -> int:
    """Recompute stale stories (newest change first); returns how many were refreshed."""
    ids = store.stale_story_ids(version=comparison_version(), limit=limit)
    for story_id in ids:
        refresh_story(store, story_id)
    return len(ids)


class Refresher:
    """A daemon thread that keeps cached comparisons current while the server runs.

    One story at a time, with a pause between stories, so requests keep most of the CPU. A story
    whose comparison fails is logged and skipped until the process restarts, instead of being
    retried in a tight loop.
    """

    def __init__(self, store: Store, *, idle_seconds: float = 5.0, pause: float = 0.05) -> None:
        self._store = store
        self._idle = idle_seconds
        self._pause = pause
        self._stop = threading.Event()
        self._failed: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="parallax-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            story_id = self._next()
            if story_id is None:
                self._stop.wait(self._idle)
                continue
            try:
                refresh_story(self._store, story_id)
            except Exception:
                log.exception("comparison of story %s failed; skipping it", story_id)
                self._failed.add(story_id)
            self._stop.wait(self._pause)

    def _next(self) -> int | None:
        try:
            ids = self._store.stale_story_ids(
                version=comparison_version(), limit=len(self._failed) + 1
            )
        except Exception:
            log.exception("cannot list stale stories")
            return None
        return next((i for i in ids if i not in self._failed), None)
