"""The stages run in order over a store: read -> store -> analyze -> link.

This is the one place that knows the order; the CLI, the web API and the demo call it, so
an article takes the same path whichever door it came in through.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from parallax.model import Article, ReadError
from parallax.store import ConcurrentAssignment, Store

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
# Each attempt loses only to a writer that finished a whole assignment meanwhile: a few suffice.
ASSIGN_ATTEMPTS = 5
BATCH = 200  # articles per store transaction: bounded memory, and a crash loses at most one batch


@dataclass
class IngestReport:
    read: int = 0
    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    analyzed: int = 0
    stories: dict[str, int] = field(default_factory=dict)  # article id -> story id


def store_articles(
    store: Store,
    items: Iterable[Article | ReadError],
    report: IngestReport,
    on_item: Callable[[Article | ReadError], None] | None = None,
) -> None:
    """Store readable articles in batches; errors are collected, never raised."""
    batch: list[Article] = []
    for item in items:
        if on_item:
            on_item(item)
        if isinstance(item, ReadError):
            report.errors.append(item)
            continue
        report.read += 1
        batch.append(item)
        if len(batch) >= BATCH:
            _flush(store, batch, report)
    _flush(store, batch, report)


def _flush(store: Store, batch: list[Article], report: IngestReport) -> None:
    if not batch:
        return
    result = store.add_articles(batch)
    report.added.extend(result.added)
    report.duplicates.extend(result.duplicates)
    report.errors.extend(result.errors)
    batch.clear()


def analyze_pending(store: Store, progress: Progress | None = None) -> list[str]:
    """Analyse every stored article whose analysis is missing or from an older version."""
    from parallax.analyze import ANALYSIS_VERSION, analyze_many

    pending = store.ids_needing_analysis(ANALYSIS_VERSION)
    for start in range(0, len(pending), BATCH):
        articles = store.get_articles(pending[start : start + BATCH])
        store.save_analyses(analyze_many(articles, progress=progress))
    return pending


def assign_stories(
    store: Store, article_ids: Sequence[str], progress: Progress | None = None
) -> dict[str, int]:
    """Place unassigned articles into stories, oldest first, as the online engine would see them.

    The clusterer reads from the store only the stories an article may join (see
    `parallax.link.state`), so the cost per article does not grow with the store; the stories
    come out exactly as if every stored analysis had been loaded first. When another process
    assigns stories meanwhile (a server and an `ingest` on one store), nothing is written and
    the articles are clustered again on top of what it stored, as if the calls had run in turn.
    """
    attempt = 1
    while True:
        try:
            return _assign_once(store, article_ids, progress if attempt == 1 else None)
        except ConcurrentAssignment:
            if attempt == ASSIGN_ATTEMPTS:
                raise
            attempt += 1
            log.info("stories changed during assignment; clustering again (attempt %d)", attempt)


def _assign_once(
    store: Store, article_ids: Sequence[str], progress: Progress | None
) -> dict[str, int]:
    from parallax.link import OnlineClusterer, stream_order
    from parallax.link.state import open_state

    assigned = store.story_ids_of(article_ids)
    todo = [i for i in article_ids if i not in assigned]
    if not todo:
        return assigned
    state = open_state(store)  # may rebuild the statistics: writes, so outside `reading`
    try:
        with store.reading():  # the clustering's many small reads, in one transaction
            fresh_ids = itertools.count(store.next_story_id())  # past every story, emptied too
            clusterer = OnlineClusterer(new_story_id=lambda: next(fresh_ids), state=state)
            analyses = store.get_analyses(todo)
            todo = [i for i in todo if i in analyses]
            pairs: list[tuple[str, int]] = []
            for index in stream_order([analyses[i].published for i in todo]):
                article_id = todo[index]
                pairs.append((article_id, clusterer.add(analyses[article_id])))
                pairs.extend((m.article_id, story) for m, story in clusterer.take_moves())
                if progress:
                    progress(1)
            clusterer.consolidate()
            pairs.extend((m.article_id, story) for m, story in clusterer.take_moves())
    except BaseException:
        state.discard()  # the in-process index may hold stories that were never stored
        raise
    state.commit(pairs, analyses)
    assigned.update(pairs)
    return assigned
