"""The link stage of the Spark backfill, as plain Python (no pyspark): what each task runs.

The online engine (`parallax.link.cluster.OnlineClusterer`) reads a stream in `stream_order`
and, for each article, scores it against members of the nearest stories with corpus statistics
(IDF, per-language mean embeddings) accumulated over the articles *before* it. A backfill
splits that work in three, so that the costly part runs in parallel and the decisions stay the
online engine's own:

1. **Blocking** (`earlier_neighbours`, parallel): each article's `neighbours` most
   cosine-similar *earlier* articles (stream order), within `window_days` when both are dated;
   undated articles are compared with every earlier article. Exact top-k over a time range of
   the stream-ordered embedding matrix (dated articles are sorted by date in stream order, so
   the window is one contiguous slice).
2. **Pair scoring** (`score_block`, parallel): every blocked pair is scored with the online
   engine's own `pair_features` + `LinkParams.probability`, with the statistics the online
   engine would hold at that point of the stream. `CorpusStats` is a sum over articles, so
   the statistics before a block of the stream are the sum of the per-block partials before it
   (`partial_stats`, `merge_stats`); inside its block a task adds each article after scoring
   it, exactly as the online engine does.
3. **Story formation** (`form_stories`, driver, sequential): the online engine's policy
   itself (an `OnlineClusterer` subclass: centroid retrieval, time window, closest members,
   best members, centroid weight, join threshold, tie-breaking), replayed in stream order over
   the precomputed pair probabilities instead of scoring pairs. Without regrouping: that
   compares earlier articles with each other under the statistics of each arrival, pairs no
   blocking foresees (asking for them round after round did not converge: each round moved the
   first divergence by about one article), and the driver holds no terms to score them itself.
   So the backfill forms the stories of the online engine with `regroup_members = 0`.
   The pair feature that depends on a story's state (the date assumed for an undated member:
   its story's nearest date) is recomputed here. The online policy may ask for a pair the
   blocking did not produce (a story's closest member that is not among the article's nearest
   earlier articles): it counts as 0 and is recorded; those pairs are then scored (step 2
   again) and stories formed again, until a formation asks for nothing missing (at most
   MAX_ROUNDS times). That fixed point is the online engine's own partition (without
   regrouping), since every probability it used is the one the online engine computes.

"The one the online engine computes" holds up to one implementation detail of the online
engine: `CorpusStats` caches IDF values and vector norms until the stream has grown by
`REFRESH` (2%), so a value there is the one of the moment it was first asked for since the last
refresh, which depends on which pairs were scored before. Here every value is exact for its
position in the stream. With `CorpusStats.REFRESH = 0` both engines give identical partitions
(tests/test_scale_spark.py, and 1,000 replayed articles); with the cache, they differ as much
as the online engine differs from itself with and without the cache.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from parallax.link.cluster import OnlineClusterer
from parallax.link.features import (
    FEATURES,
    VALUE_KINDS,
    WEIGHTED_KINDS,
    CorpusStats,
    Profile,
    pair_features,
)
from parallax.link.params import LinkParams
from parallax.link.similarity import named
from parallax.model import Analysis

NEIGHBOURS = 32  # earlier articles scored per article; 16 already reproduced the online engine
MAX_ROUNDS = 5  # story formations; each scores the pairs the one before asked for and missed
QUERY_CHUNK = 256  # queries per matrix product in the blocking
# The features that depend on the other article's date, which for an undated story member is
# its story's nearest date (known only while forming stories).
TIME_FEATURES = ("dated", "same_day", "log_gap")
_TIME_INDEX = [FEATURES.index(name) for name in TIME_FEATURES]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_number(when: datetime | None) -> float:
    """Days since 1970 as a float; NaN when the date is unknown."""
    return math.nan if when is None else (when - _EPOCH).total_seconds() / 86400


# 1. blocking


def earlier_neighbours(
    embeddings: np.ndarray,
    days: np.ndarray,
    queries: Sequence[int],
    *,
    window_days: float,
    k: int = NEIGHBOURS,
) -> Iterator[tuple[int, list[int]]]:
    """(rank, its k most similar earlier ranks) for each query rank.

    `embeddings` and `days` are in stream order (row = rank), so "earlier" means a smaller row,
    and the dated rows are sorted by date. Ties in similarity go to the earlier article.
    """
    dated = ~np.isnan(days)
    dated_ranks = np.flatnonzero(dated)
    dated_days = days[dated_ranks]
    undated_ranks = np.flatnonzero(~dated)
    queries = sorted(queries)
    for start in range(0, len(queries), QUERY_CHUNK):
        chunk = np.asarray(queries[start : start + QUERY_CHUNK])
        lows = [_window_start(q, days, dated_ranks, dated_days, window_days) for q in chunk]
        lo, hi = min(lows), int(chunk[-1])
        # Undated articles before the window are candidates of every query.
        extra = undated_ranks[undated_ranks < lo]
        refs = np.concatenate([extra, np.arange(lo, hi)]).astype(np.int64)
        if not len(refs):
            yield from ((int(q), []) for q in chunk)
            continue
        sims = embeddings[chunk] @ embeddings[refs].T  # (queries, refs)
        for row, q in enumerate(chunk):
            keep = refs < q
            if dated[q]:
                keep &= ~dated[refs] | (np.abs(days[refs] - days[q]) <= window_days)
            candidates = refs[keep]
            if not len(candidates):
                yield int(q), []
                continue
            scores = sims[row][keep]
            # Descending similarity, then ascending rank: lexsort's last key is the primary.
            top = np.lexsort((candidates, -scores))[:k]
            yield int(q), [int(r) for r in candidates[top]]


def _window_start(q: int, days, dated_ranks, dated_days, window_days: float) -> int:
    """The smallest rank that can be within the window of query q (0 for an undated query)."""
    if math.isnan(days[q]):
        return 0
    i = int(np.searchsorted(dated_days, days[q] - window_days, side="left"))
    return int(dated_ranks[i]) if i < len(dated_ranks) else q


# 2. statistics and pair scoring


def partial_stats(profiles: Iterable[Profile]) -> CorpusStats:
    """The statistics of one block of the stream, counted from zero (no prior)."""
    stats = CorpusStats()
    for p in profiles:
        stats.add(p)
    return stats


def merge_stats(params: LinkParams, partials: Iterable[CorpusStats]) -> CorpusStats:
    """The statistics of the concatenated blocks: counts and vector sums add up.

    Equal, field by field, to `params.stats()` fed every profile of the blocks with `add`.
    """
    merged = params.stats()
    for part in partials:
        merged.n += part.n
        merged.df.update(part.df)
        if part._sum is not None:
            merged._sum = part._sum.copy() if merged._sum is None else merged._sum + part._sum
        for lang, total in part._lang_sum.items():
            merged._lang_sum[lang] = merged._lang_sum.get(lang, 0.0) + total
        merged._lang_n.update(part._lang_n)
    return merged


@dataclass(frozen=True)
class Scored:
    """One query's blocked pairs (the query is the later article, refs earlier ones), as story
    formation needs them: refs and their probabilities, plus the features of pairs whose ref is
    undated and query dated (their time features are redone with the ref's story date)."""

    refs: np.ndarray  # int64 ranks
    probabilities: np.ndarray  # float64
    features: Mapping[int, np.ndarray]  # ref -> pair features, for the pairs above only


def score_block(
    queries: Sequence[tuple[int, Profile]],
    refs: Mapping[int, Profile],
    neighbours: Mapping[int, Sequence[int]],
    stats: CorpusStats,
    params: LinkParams,
) -> Iterator[tuple[int, Scored]]:
    """Score each query (in rank order) against its neighbours, with `stats` holding the
    articles before the first query; each query is added to `stats` after being scored."""
    profiles = dict(refs)
    for rank, p in sorted(queries, key=lambda item: item[0]):
        profiles[rank] = p
        near = list(neighbours.get(rank, ()))
        probabilities = np.empty(len(near))
        features = {}
        for i, ref in enumerate(near):
            other = profiles[ref]
            x = pair_features(p, other, stats)
            probabilities[i] = params.probability(named(x))
            if p.published is not None and other.published is None:
                features[ref] = x
        stats.add(p)
        yield rank, Scored(np.asarray(near, dtype=np.int64), probabilities, features)


# 3. story formation


def light_profile(embedding: np.ndarray | None, published: datetime | None, lang: str) -> Profile:
    """What story formation keeps of an article: no terms (its pairs are already scored)."""
    return Profile(
        embedding=embedding,
        published=published,
        lang=lang,
        weights={kind: {} for kind in WEIGHTED_KINDS},
        values={kind: frozenset() for kind in VALUE_KINDS},
        latest_year=None,
        minhash=(),
    )


class _Replay(OnlineClusterer):
    """The online engine with pair probabilities looked up instead of computed; the pairs it
    asked for and did not find are collected in `missing` (query rank -> ref ranks)."""

    def __init__(self, params: LinkParams, scored: Mapping[int, Scored]) -> None:
        super().__init__(params)
        self._scored = scored
        self._rank_of: dict[int, int] = {}  # id(profile) -> rank
        self._current: dict[int, float] = {}
        self._features: Mapping[int, np.ndarray] = {}
        self._blank = params.stats()
        self._rank = 0
        self.missing: dict[int, list[int]] = {}

    def replay(self, rank: int, p: Profile) -> int:
        self._rank_of[id(p)] = self._rank = rank
        scored = self._scored.get(rank)
        if scored is None:
            self._current, self._features = {}, {}
        else:
            self._current = dict(zip(scored.refs.tolist(), scored.probabilities.tolist(),
                                     strict=True))
            self._features = scored.features
        return self.place(p)

    def _pair_probability(self, p: Profile, member: Profile, story) -> float:
        ref = self._rank_of[id(member)]
        probability = self._current.get(ref)
        if probability is None:
            self.missing.setdefault(self._rank, []).append(ref)
            return 0.0
        x = self._features.get(ref)
        when = story.nearest_date(p.published) if x is not None else None
        if when is None:
            return probability
        x = x.copy()
        dates = pair_features(light_profile(None, p.published, ""),
                              light_profile(None, when, ""), self._blank)
        x[_TIME_INDEX] = dates[_TIME_INDEX]
        return self.params.probability(named(x))


def form_stories(
    light: Sequence[Profile], scored: Mapping[int, Scored], params: LinkParams
) -> tuple[list[int], dict[int, list[int]]]:
    """Story id (0, 1, … in order of opening) per rank, placing ranks 0, 1, … in turn with the
    online policy without regrouping; and the pairs it asked for that are not in `scored`
    (counted as probability 0)."""
    replay = _Replay(replace(params, regroup_members=0), scored)
    stories = [replay.replay(rank, p) for rank, p in enumerate(light)]
    return stories, replay.missing


def merge_scored(into: dict[int, Scored], more: Iterable[tuple[int, Scored]]) -> None:
    for rank, extra in more:
        have = into.get(rank)
        if have is None:
            into[rank] = extra
        else:
            into[rank] = Scored(np.concatenate([have.refs, extra.refs]),
                                np.concatenate([have.probabilities, extra.probabilities]),
                                {**have.features, **extra.features})


def link_in_process(
    analyses: Sequence[Analysis],
    params: LinkParams | None = None,
    *,
    partitions: int = 1,
    k: int = NEIGHBOURS,
) -> list[int]:
    """The three steps above without Spark, block after block: story number per analysis (in
    input order). The reference the Spark engine is tested against, and a single-process
    backfill path."""
    from parallax.link.cluster import stream_order
    from parallax.link.features import profile

    params = params or LinkParams.load()
    n = len(analyses)
    if n == 0:
        return []
    order = stream_order([a.published for a in analyses])
    profiles = [profile(analyses[i]) for i in order]
    dim = next((len(p.embedding) for p in profiles if p.embedding is not None), 1)
    matrix = np.stack([np.zeros(dim, np.float32) if p.embedding is None else p.embedding
                       for p in profiles]).astype(np.float32)
    days = np.array([day_number(p.published) for p in profiles])
    bounds = [n * j // partitions for j in range(partitions + 1)]
    partials = [partial_stats(profiles[bounds[j] : bounds[j + 1]]) for j in range(partitions)]
    scored: dict[int, Scored] = {}
    wanted = {}
    for j in range(partitions):
        ranks = range(bounds[j], bounds[j + 1])
        wanted.update(earlier_neighbours(matrix, days, ranks, window_days=params.window_days, k=k))
    light = [light_profile(p.embedding, p.published, p.lang) for p in profiles]
    for _round in range(MAX_ROUNDS):
        for j in range(partitions):
            ranks = range(bounds[j], bounds[j + 1])
            refs = {r: profiles[r] for q in ranks for r in wanted.get(q, ()) if r < bounds[j]}
            stats = merge_stats(params, partials[:j])
            merge_scored(scored, score_block([(q, profiles[q]) for q in ranks], refs, wanted,
                                             stats, params))
        by_rank, wanted = form_stories(light, scored, params)
        if not wanted:
            break
    stories = [0] * n
    for rank, index in enumerate(order):
        stories[index] = by_rank[rank]
    return stories
