"""The online clusterer's state read from a store on demand, so assignment cost does not grow
with the store.

`assign_stories` used to rebuild an `OnlineClusterer` from every stored analysis on every call.
Now one call (`open_state` ... `StoreState.commit`) reads only:

- the centroid index, kept in this process between calls and persisted beside the store
  (SQLite: `<db>.centroids/`; PostgreSQL: `~/.cache/parallax/centroids/<store>/`, or
  `$PARALLAX_INDEX_DIR`), brought up to date from the `story_vectors` rows changed since;
- the summary (`story_vectors`) of the stories the index proposes;
- the embeddings of those candidates' members, and the analyses of the `scan_members` closest;
- the stored document frequency of the terms those profiles contain (`link_terms`).

The clusterer then scores exactly as it would with everything in memory: the corpus statistics
are restored to the values a full reload would give (article count, per-language embedding
sums, document frequencies, and the same refresh point of the IDF cache), each member is
profiled once per call, and a story's members come in the order a full reload had them
(oldest first, then this call's arrivals). `commit` writes the memberships, story vectors and
corpus statistics in one transaction (`Store.assign`); if it fails, the in-process index is
dropped and the next call reloads it from the store.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from parallax.link.cluster import _Story
from parallax.link.features import CorpusStats, Profile, profile
from parallax.link.index import CentroidIndex
from parallax.link.params import LinkParams
from parallax.model import Analysis
from parallax.store import Store
from parallax.store.link_state import CorpusDelta, LinkState, StoryVector
from parallax.store.store import MemberVector

INDEX_ENV = "PARALLAX_INDEX_DIR"
PERSIST_ABOVE = 2000  # stories; below this, building the index from story_vectors is quicker


def unit(total: np.ndarray | None) -> np.ndarray | None:
    """A story's centroid from its embedding sum, exactly as `_Story.centroid` computes it."""
    if total is None:
        return None
    norm = float(np.linalg.norm(total))
    return (total / norm if norm else total).astype(np.float32)


# corpus statistics


class Frequencies:
    """`CorpusStats.df` read from the store on demand: the stored frequency of a term as of the
    start of the call, plus what this call's articles added (`delta`, persisted at commit)."""

    def __init__(self, fetch: Any, base: dict[str, int] | None = None) -> None:
        self._fetch = fetch
        self._base: dict[str, int] = {} if base is None else base
        self.delta: Counter[str] = Counter()

    def prefetch(self, terms: Iterable[str]) -> None:
        missing = [t for t in terms if t not in self._base]
        if missing:
            found = self._fetch(missing)
            for term in missing:
                self._base[term] = found.get(term, 0)

    def get(self, term: str, default: int = 0) -> int:
        base = self._base.get(term)
        if base is None:
            self.prefetch([term])
            base = self._base[term]
        return base + self.delta.get(term, 0) or default

    def update(self, terms: Iterable[str]) -> None:
        self.delta.update(terms)


def fresh_until(n: int, refresh: float) -> int:
    """`CorpusStats._fresh_until` after n additions from empty (its IDF-cache refresh point)."""
    until, k = 0, 1
    while k <= n:
        until = int(k * (1 + refresh))
        k = until + 1
    return until


def restore_stats(
    stats: CorpusStats,
    n: int,
    df: Any,
    languages: dict[str, tuple[int, int, np.ndarray | None]],
) -> CorpusStats:
    """Put empty statistics into the state n additions would have left them in (caches empty,
    as after `OnlineClusterer.load`). `tests/test_link_state.py` pins this against `add`."""
    stats.n = n
    stats.df = df
    totals = []
    for lang, (_, embedded, total) in sorted(languages.items()):
        if embedded and total is not None:
            stats._lang_sum[lang] = total.copy()
            stats._lang_n[lang] = embedded
            totals.append(total)
    stats._sum = np.sum(totals, axis=0) if totals else None
    stats._fresh_until = fresh_until(n, stats.REFRESH)
    return stats


# stories


class StoredStory(_Story):
    """A stored story: its summary at once, its members' embeddings when first scored against,
    a member's analysis only when it is among the closest to an incoming article."""

    def __init__(self, state: StoreState, vector: StoryVector) -> None:
        super().__init__(total=vector.total, first=vector.first, last=vector.last)
        self._state = state
        self.story_id = vector.story_id
        self.count = vector.members
        self._entries: list[str | Profile] | None = None  # article ids, or this call's profiles
        self._vectors: list[np.ndarray | None] = []
        self._dates: list[datetime | None] = []
        self._pending: list[Profile] = []  # joined before the members were read

    @property
    def read(self) -> bool:
        return self._entries is not None

    def set_members(self, members: Sequence[MemberVector]) -> None:
        self._entries = [article_id for article_id, _, _ in members]
        self._vectors = [vector for _, vector, _ in members]
        self._dates = [published for _, _, published in members]
        self.embedded = [i for i, v in enumerate(self._vectors) if v is not None]
        self._matrix = None
        for p in self._pending:
            self._append(p)
        self._pending = []

    def _append(self, p: Profile) -> None:
        assert self._entries is not None
        self._entries.append(p)
        self._vectors.append(p.embedding)
        self._dates.append(p.published)
        if p.embedding is not None:
            self.embedded.append(len(self._entries) - 1)
            self._matrix = None

    def remove(self, p: Profile) -> None:
        """`_Story.remove` on entries; regrouping only moves members it has read."""
        assert self._entries is not None
        i = next(i for i, e in enumerate(self._entries) if e is p or e == p.article_id)
        for column in (self._entries, self._vectors, self._dates):
            del column[i]
        self.embedded = [i for i, v in enumerate(self._vectors) if v is not None]
        self.count -= 1
        self._recount(self._vectors, self._dates)

    def add(self, p: Profile) -> None:
        if self._entries is None:
            self._pending.append(p)
        else:
            self._append(p)
        self.count += 1
        if p.embedding is not None:
            vector = np.asarray(p.embedding, dtype=np.float64)
            self.total = vector if self.total is None else self.total + vector
        if p.published is not None:
            self.first = min(self.first or p.published, p.published)
            self.last = max(self.last or p.published, p.published)

    def size(self) -> int:
        return self.count

    def closest_entries(self, vector: np.ndarray, n: int) -> list[str | Profile]:
        """`_Story.closest` on entries: the same members, in the same order."""
        if not self.read:
            self._state.read_members([self])
        entries = self._entries
        assert entries is not None
        if len(entries) <= n:
            return list(entries)
        if self._matrix is None:
            self._matrix = np.stack([self._vectors[i] for i in self.embedded])
        top = np.argsort(-(self._matrix @ vector), kind="stable")[:n]
        return [entries[self.embedded[i]] for i in sorted(top)]

    def closest(self, vector: np.ndarray, n: int) -> list[Profile]:
        return self._state.profiles(self.closest_entries(vector, n))


class Stories(MutableMapping[int, Any]):
    """story id -> story; stored stories are read on first access (or in bulk by `load`)."""

    def __init__(self, state: StoreState, first_new: int) -> None:
        self._state = state
        self._first_new = first_new  # ids from here on were allocated by this call
        self._known: dict[int, Any] = {}

    def load(self, story_ids: Sequence[int]) -> None:
        missing = [s for s in story_ids if s not in self._known and s < self._first_new]
        if missing:
            found = self._state.store.story_vectors(missing)
            for story_id in missing:
                if story_id in found:
                    self._known[story_id] = StoredStory(self._state, found[story_id])
                elif self._state.index is not None and story_id in self._state.index:
                    # In the index but deleted from the store behind its back: never a candidate.
                    self._known[story_id] = _GONE
                    self._state.index.remove(story_id)

    def __getitem__(self, story_id: int) -> Any:
        if story_id not in self._known:
            self.load([story_id])
        return self._known[story_id]

    def __setitem__(self, story_id: int, story: Any) -> None:
        self._known[story_id] = story

    def __delitem__(self, story_id: int) -> None:
        del self._known[story_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)

    def setdefault(self, story_id: int, default: Any = None) -> Any:
        try:
            return self[story_id]
        except KeyError:
            self._known[story_id] = default
            return default


class _Gone:
    """A story deleted from the store while an index still held it."""

    def days_from(self, when: object) -> float:
        return math.inf

    def days_between(self, other: object) -> float:
        return math.inf


_GONE = _Gone()


# the centroid index, kept between calls in this process


@dataclass
class _Cached:
    index: CentroidIndex | None
    version: int  # every story_vectors row up to this version is in `index`
    unsaved: int  # index changes since it was last written to `folder`
    folder: Path | None
    # Also kept between calls: members' profiles (pure functions of analyses that cannot change
    # within an epoch) and stored document frequencies as of `df_version` (this process's own
    # commits are applied to them; another writer's commit empties them).
    profiles: dict[str, Profile] = field(default_factory=dict)
    df: dict[str, int] = field(default_factory=dict)
    df_version: int = -1


MAX_PROFILES = 5_000  # kept between calls; ~40 kB each
MAX_TERMS = 2_000_000


_INDEXES: dict[tuple[str, str], _Cached] = {}


def index_folder(store: Store) -> Path | None:
    """Where the centroid index of this store is persisted (None: it is not)."""
    configured = os.environ.get(INDEX_ENV, "")
    if configured == "off":
        return None
    if store.path is not None:
        return store.path.with_name(store.path.name + ".centroids")
    if store.url.startswith("sqlite"):
        return None  # in memory
    root = Path(configured).expanduser() if configured else Path.home() / ".cache" / "parallax"
    # One folder per store, as beside a SQLite file: an index of a new epoch replaces the old
    # one instead of piling up next to it (its meta.json says which epoch it holds).
    return root / "centroids" / hashlib.sha1(store.url.encode()).hexdigest()[:16]


def _load_index(folder: Path | None, epoch: str) -> tuple[CentroidIndex | None, int]:
    if folder is None or not (folder / "meta.json").is_file():
        return None, 0
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("epoch") != epoch:
            return None, 0
        return CentroidIndex.load(folder), int(meta["version"])
    except (OSError, ValueError, KeyError, RuntimeError):
        return None, 0  # unreadable: rebuilt from story_vectors


def _catch_up(store: Store, cached: _Cached, params: LinkParams) -> int:
    """Apply every story_vectors row changed after the index's version; returns how many."""
    changed = 0
    for rows in store.story_vectors_since(cached.version):
        changed += len(rows)
        if cached.index is None:  # nothing yet: build in bulk, much faster than one by one
            kept = [(s, unit(total)) for s, embedded, total in rows if embedded]
            if kept:
                ids = [s for s, _ in kept]
                vectors = np.stack([v for _, v in kept])
                cached.index = CentroidIndex.from_vectors(
                    vectors.shape[1], params.hnsw_above, ids, vectors
                )
            continue
        for story_id, embedded, total in rows:
            if embedded:
                cached.index.upsert(story_id, unit(total))
            else:
                cached.index.remove(story_id)
    return changed


def drop_cached_indexes() -> None:
    """Forget every index kept in this process (tests; a restart does the same)."""
    _INDEXES.clear()


# one call


class StoreState:
    """A `StoryState` over a store for one assignment call; see the module docstring."""

    def __init__(self, store: Store, params: LinkParams, link: LinkState, cached: _Cached) -> None:
        self.store = store
        self.params = params
        self._link = link
        self._cached = cached
        self.index = cached.index
        self.stories = Stories(self, store.next_story_id())
        if cached.df_version != link.version or len(cached.df) > MAX_TERMS:
            cached.df = {}
            cached.df_version = link.version
        if len(cached.profiles) > MAX_PROFILES:
            cached.profiles = {}
        self.df = Frequencies(store.term_df, cached.df)
        self.stats = restore_stats(params.stats(), link.members, self.df, store.language_totals())
        self._profiles = cached.profiles
        self._ready: set[int] = set()  # ids of profiles whose terms were prefetched

    # StoryState

    def load(self, story_ids: Sequence[int]) -> None:
        self.stories.load(story_ids)

    def prepare(self, p: Profile, story_ids: Sequence[int], n: int) -> None:
        """Before scoring p against these stories: read their members, the analyses of the n
        closest ones, and the document frequencies of every term involved, in a few queries."""
        stories = [self.stories[s] for s in story_ids]
        self.read_members([s for s in stories if isinstance(s, StoredStory) and not s.read])
        wanted: list[str] = []
        members: list[Profile] = [p]
        for story in stories:
            if isinstance(story, StoredStory):
                for entry in story.closest_entries(p.embedding, n):
                    if isinstance(entry, str):
                        if entry not in self._profiles:
                            wanted.append(entry)
                    else:
                        members.append(entry)
            else:
                members.extend(story.closest(p.embedding, n))
        members.extend(self.profiles(wanted))
        terms: set[str] = set()
        for m in members:
            if id(m) not in self._ready:
                self._ready.add(id(m))
                terms.update(m.terms())
        self.df.prefetch(terms)

    # reading

    def read_members(self, stories: Sequence[StoredStory]) -> None:
        if stories:
            members = self.store.member_vectors([s.story_id for s in stories])
            for story in stories:
                story.set_members(members[story.story_id])

    def profiles(self, entries: Sequence[str | Profile]) -> list[Profile]:
        """Profiles of members; one object per article per call (the statistics cache derived
        weights by profile identity, as with everything in memory)."""
        wanted = [e for e in dict.fromkeys(e for e in entries if isinstance(e, str))
                  if e not in self._profiles]
        if wanted:
            for article_id, analysis in self.store.get_analyses(wanted).items():
                self._profiles[article_id] = profile(analysis)
        return [self._profiles[e] if isinstance(e, str) else e for e in entries]

    # writing

    def commit(self, pairs: Sequence[tuple[str, int]], analyses: dict[str, Analysis]) -> None:
        """Store the memberships with the state they imply, in one transaction. `analyses` are
        the articles new to the stories; the other pairs move stored members (regrouping)."""
        new = {a for a, _ in pairs if a in analyses}
        delta = CorpusDelta(
            article_ids=new,
            terms=self.df.delta,
            languages=language_sums(analyses[article_id] for article_id in new),
        )
        try:
            version = self.store.assign(pairs, corpus=delta, based_on=self._link.version)
        except BaseException:  # ConcurrentAssignment included: the index holds unstored stories
            self.discard()
            raise
        # Nobody else wrote in between (the store checked): the index and the cached document
        # frequencies already hold this call's changes and nothing else's.
        cached = self._cached
        cached.index = self.index
        for term, added in self.df.delta.items():
            if term in cached.df:
                cached.df[term] += added
        cached.df_version = cached.version = version
        cached.unsaved += len({s for _, s in pairs})
        if (
            cached.folder is not None
            and cached.index is not None
            and len(cached.index) >= PERSIST_ABOVE
            and cached.unsaved >= len(cached.index) // 20
        ):
            save_index(cached, self._link.epoch)

    def discard(self) -> None:
        """Forget the in-process index: it may hold changes that were never stored."""
        _INDEXES.pop((self.store.url, self._link.epoch), None)


def save_index(cached: _Cached, epoch: str) -> None:
    if cached.folder is None or cached.index is None:
        return
    try:
        cached.index.save(cached.folder, epoch=epoch, version=cached.version)
        cached.unsaved = 0
    except OSError:
        pass  # a cache: the store stays the reference, the next open rebuilds


def rebuild(store: Store, params: LinkParams) -> None:
    """Recompute the corpus statistics and every story vector from the memberships (a store
    migrated from an older version, or re-analysed articles)."""
    df: Counter[str] = Counter()
    ids: set[str] = set()

    def counted() -> Iterator[Analysis]:  # one streaming pass: a store may hold millions
        for _, analysis in store.assigned_analyses():
            ids.add(analysis.article_id)
            df.update(profile(analysis).terms())
            yield analysis

    languages = language_sums(counted())
    store.replace_corpus_stats(CorpusDelta(ids, df, languages))


def language_sums(analyses: Iterable[Analysis | Profile]) -> dict[str, tuple[int, int, Any]]:
    """Per language: (articles, articles with an embedding, float64 sum of the embeddings),
    what the language means that centre embeddings are made of."""
    languages: dict[str, list[Any]] = {}
    for a in analyses:
        entry = languages.setdefault(a.lang, [0, 0, None])
        entry[0] += 1
        if a.embedding is not None:
            entry[1] += 1
            vector = np.asarray(a.embedding, dtype=np.float64)
            entry[2] = vector if entry[2] is None else entry[2] + vector
    return {lang: tuple(v) for lang, v in languages.items()}


def open_state(store: Store, params: LinkParams | None = None) -> StoreState:
    """The clusterer state of a store for one assignment call (rebuilt first if stale)."""
    params = params or LinkParams.load()
    link = store.link_state()
    if link.stale:
        rebuild(store, params)
        link = store.link_state()
    key = (store.url, link.epoch)
    cached = _INDEXES.get(key)
    if cached is None:
        for stale_key in [k for k in _INDEXES if k[0] == store.url]:
            del _INDEXES[stale_key]  # an index of an earlier epoch of this store
        folder = index_folder(store)
        index, version = _load_index(folder, link.epoch)
        cached = _INDEXES[key] = _Cached(index, version, 0, folder)
    cached.unsaved += _catch_up(store, cached, params)
    cached.version = link.version
    return StoreState(store, params, link, cached)
