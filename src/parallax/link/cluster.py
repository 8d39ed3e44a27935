"""Online story clustering: each article joins its best-matching story or opens a new one.

Per article: (1) retrieve the `top_k` stories whose centroid is closest to its embedding, skipping
dated stories more than `window_days` away from a dated article; (2) score the article against
the `scan_members` closest members of each candidate with the fitted pair model; (3) a story's
score is the mean P(same event) over its `best_members` best members — one lucky match is not
enough to pull an article into a big story, yet a story need not be uniformly similar (a wire
report and a long feature about one event differ), blended with the cosine of the article and
the story centroid (weight `centroid_weight`): the centroid averages out what is particular to
each member, so a story whose members each match only part of a new report still draws it in;
(4) join the best story if its score reaches `join_threshold`. Cost per article is bounded by
top_k × scan_members pair scorings plus one centroid search, whatever the size of the store.

**Regrouping** (`regroup_members` > 0) lets a later article revise earlier decisions. A greedy
stream errs in one typical way: the first report of an event joins the story of its twin (the
same teams' earlier final, the first round of the election) because its own story does not
exist yet, and every later report of it follows. When an arrival scores at least
`regroup_floor` with several stories (or reaches the threshold with one), the arrival and the
`regroup_members` closest members of each such story are clustered again by average linkage
of P(same event) over every pair among them, cut at `regroup_cut`: a group's members must
match each other on average, not just one of them. Each resulting group keeps the story it
shares most members with; the rest open new stories (a member left alone joins the group it
would join as an arrival, or stays put), and members beyond the closest stay where they were.
Members moved this way are reported by `take_moves`. The cost per arrival stays bounded, by
(1 + top_k × regroup_members)² / 2 pair scorings. At the end of a batch, `consolidate` merges
the stories the batch touched with a neighbour whose members match theirs on average.

Everything is deterministic for the same input order: ties go to the older story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from parallax.link.features import CorpusStats, Profile, pair_features, profile
from parallax.link.index import CentroidIndex
from parallax.link.linkage import average_linkage
from parallax.link.params import LinkParams
from parallax.link.similarity import named
from parallax.model import Analysis


@dataclass
class _Story:
    members: list[Profile] = field(default_factory=list)
    embedded: list[int] = field(default_factory=list)  # indices of members with an embedding
    total: np.ndarray | None = None  # sum of member embeddings
    first: datetime | None = None
    last: datetime | None = None
    _matrix: np.ndarray | None = None  # embeddings of `embedded`, stacked on demand

    def add(self, p: Profile) -> None:
        self.members.append(p)
        if p.embedding is not None:
            self.embedded.append(len(self.members) - 1)
            self._matrix = None
            vector = np.asarray(p.embedding, dtype=np.float64)
            self.total = vector if self.total is None else self.total + vector
        if p.published is not None:
            self.first = min(self.first or p.published, p.published)
            self.last = max(self.last or p.published, p.published)

    def remove(self, p: Profile) -> None:
        """Take a member out (regrouping moved it)."""
        self.members = [m for m in self.members if m is not p]
        self.embedded = [i for i, m in enumerate(self.members) if m.embedding is not None]
        self._recount([m.embedding for m in self.members], [m.published for m in self.members])

    def _recount(self, vectors: Sequence[np.ndarray | None],
                 dates: Sequence[datetime | None]) -> None:
        """Embedding sum and date range of the members left after one was taken out."""
        kept = [np.asarray(v, dtype=np.float64) for v in vectors if v is not None]
        self.total = np.sum(kept, axis=0) if kept else None
        known = [d for d in dates if d is not None]
        self.first, self.last = (min(known), max(known)) if known else (None, None)
        self._matrix = None

    def size(self) -> int:
        return len(self.members)

    def centroid(self) -> np.ndarray | None:
        if self.total is None:
            return None
        norm = float(np.linalg.norm(self.total))
        return (self.total / norm if norm else self.total).astype(np.float32)

    def closest(self, vector: np.ndarray, n: int) -> list[Profile]:
        """The n members most similar to `vector`, in arrival order (members without an
        embedding are never among them unless the story is that small)."""
        if len(self.members) <= n:
            return self.members
        if self._matrix is None:
            self._matrix = np.stack([self.members[i].embedding for i in self.embedded])
        top = np.argsort(-(self._matrix @ vector), kind="stable")[:n]
        return [self.members[self.embedded[i]] for i in sorted(top)]

    def nearest_date(self, when: datetime | None) -> datetime | None:
        """The story's date closest to `when` (its first date when `when` is unknown)."""
        if self.first is None or when is None:
            return self.first
        return min(max(when, self.first), self.last)

    def days_from(self, when: datetime | None) -> float:
        if when is None or self.first is None:
            return 0.0
        seconds = max((self.first - when).total_seconds(), (when - self.last).total_seconds(), 0)
        return seconds / 86400

    def days_between(self, other: _Story) -> float:
        """Days between the date ranges of two stories (0 when either is undated)."""
        return min(self.days_from(other.first), self.days_from(other.last))


def stream_order(dates: Sequence[datetime | None]) -> list[int]:
    """Input indices in feeding order: dated items sorted by date, undated ones left in place.

    The dated items are sorted among the positions dated items occupied, and every undated
    item keeps its input position. This is the order a live feed would produce if undated items
    arrived when they were read, and it is stable: equal dates keep their input order.
    """
    dated = [i for i, d in enumerate(dates) if d is not None]
    by_date = iter(sorted(dated, key=lambda i: dates[i]))
    return [next(by_date) if d is not None else i for i, d in enumerate(dates)]


class StoryState(Protocol):
    """Stories kept outside the clusterer (in a store, see `parallax.link.state`): a mapping that
    reads a story when first asked for it, the corpus statistics, the centroid index, and two
    hints to read in bulk what the next steps will ask for (`prepare`: the n closest members of
    these stories and their terms). Scoring is the same either way."""

    stories: MutableMapping[int, Any]  # story id -> an object with `_Story`'s methods
    stats: CorpusStats
    index: CentroidIndex | None

    def load(self, story_ids: Sequence[int]) -> None: ...

    def prepare(self, p: Profile, story_ids: Sequence[int], n: int) -> None: ...


class OnlineClusterer:
    """Assigns a stream of analyses to stories; state can be rebuilt from stored memberships,
    or read on demand from a `StoryState`."""

    def __init__(
        self,
        params: LinkParams | None = None,
        *,
        new_story_id: Callable[[], int] | None = None,
        state: StoryState | None = None,
    ) -> None:
        self.params = params or LinkParams.load()
        self._state = state
        self.stats = state.stats if state is not None else self.params.stats()
        self._new_story_id = new_story_id
        self._next_id = 0
        self._stories: MutableMapping[int, Any] = state.stories if state is not None else {}
        self._index: CentroidIndex | None = state.index if state is not None else None
        self._moves: list[tuple[Profile, int]] = []
        self._touched: set[int] = set()  # stories that gained members since `consolidate`
        self._arrival_p: dict[int, float] = {}  # id(member) -> P(same) with the current arrival

    def __len__(self) -> int:
        return len(self._stories)

    def add(self, analysis: Analysis) -> int:
        """Assign one article and return the id of the story it joined or opened."""
        return self.place(profile(analysis))

    def take_moves(self) -> list[tuple[Profile, int]]:
        """Earlier articles that regrouping moved since the last call, with their new story."""
        moves, self._moves = self._moves, []
        return moves

    def load(self, members: Iterable[tuple[int, Analysis]]) -> None:
        """Restore state from stored (story_id, analysis) pairs, in their original order
        (restored stories are not new to `consolidate`)."""
        touched = set(self._touched)
        for story_id, analysis in members:
            self._attach(story_id, profile(analysis))
            self._next_id = max(self._next_id, story_id + 1)
        self._touched = touched

    def best_story(self, p: Profile) -> tuple[int | None, float]:
        """The best candidate story for a profile and its score, without changing any state."""
        return _best(self._scores(p))

    def _scores(self, p: Profile) -> dict[int, float]:
        """Score of each candidate story, in candidate order."""
        self._arrival_p = {}
        candidates = self._candidates(p)
        if self._state is not None:
            self._state.prepare(p, candidates, self.params.scan_members)
        return {story_id: self._story_score(p, self._stories[story_id]) for story_id in candidates}

    def place(self, p: Profile) -> int:
        """`add` for an article already profiled."""
        scores = self._scores(p)
        involved = self._involved(scores)
        if involved:
            story_id = self._regroup(p, involved)
        else:
            story_id, score = _best(scores)
            if story_id is None or score < self.params.join_threshold:
                story_id = self._allocate()
        self._attach(story_id, p)
        return story_id

    def _involved(self, scores: dict[int, float]) -> list[int]:
        """The stories to regroup with the arrival: none unless it is near two stories or
        reaches the threshold with one (an arrival that joins nothing cannot regroup)."""
        if not self.params.regroup_members:
            return []
        near = [s for s, score in scores.items() if score >= self.params.regroup_floor]
        if len(near) > 1 or any(scores[s] >= self.params.join_threshold for s in near):
            return near
        return []

    def _regroup(self, p: Profile, involved: list[int]) -> int:
        """Average-linkage clustering of the arrival and the closest members of the involved
        stories; moves members whose group changed story, returns the arrival's story id."""
        if self._state is not None:
            self._state.prepare(p, involved, self.params.regroup_members)
        nodes, owners = [p], [-1]
        for story_id in involved:
            members = self._stories[story_id].closest(p.embedding, self.params.regroup_members)
            nodes += members
            owners += [story_id] * len(members)
        labels = [0] * len(nodes)
        probabilities = self._probabilities(p, nodes, owners)
        groups = self._adopt_lone(average_linkage(probabilities, self.params.regroup_cut),
                                  probabilities)
        for label, group in enumerate(groups):
            for k in group:
                labels[k] = label
        name = self._group_stories(labels, owners, involved)
        for node, owner, label in zip(nodes[1:], owners[1:], labels[1:], strict=True):
            if name[label] != owner:
                self._move(node, owner, name[label])
        return name[labels[0]]

    def _adopt_lone(self, groups: list[list[int]], probabilities: np.ndarray
                    ) -> list[list[int]]:
        """Each node that average linkage left alone joins the group it would join as an
        arrival: the one whose `best_members` best P(same) average highest, if that reaches
        `join_threshold`. Otherwise a report that matches a few members of a big story well,
        but the rest poorly, would stay out of it only because it came first: arriving last,
        it would have joined."""
        k = self.params.best_members
        for lone in [g for g in groups if len(g) == 1]:
            others = [g for g in groups if g and g is not lone]
            if not others:
                continue
            scores = [float(np.mean(sorted(probabilities[lone[0], g], reverse=True)[:k]))
                      for g in others]
            best = int(np.argmax(scores))  # ties: the group found first
            if scores[best] >= self.params.join_threshold:
                others[best].append(lone.pop())
        return [g for g in groups if g]

    def _probabilities(self, p: Profile, nodes: list[Profile], owners: list[int]) -> np.ndarray:
        """P(same event) of every pair of nodes (the arrival first), NaN on the diagonal."""
        n = len(nodes)
        out = np.full((n, n), np.nan)
        for j in range(1, n):
            known = self._arrival_p.get(id(nodes[j]))
            out[0, j] = out[j, 0] = (known if known is not None else
                                     self._pair_probability(p, nodes[j], self._stories[owners[j]]))
            for i in range(1, j):
                out[i, j] = out[j, i] = self._member_probability(nodes[i], nodes[j])
        return out

    def _group_stories(self, labels: list[int], owners: list[int], involved: list[int]
                       ) -> dict[int, int]:
        """Story id per group: the involved story it shares most members with (on a tie, the
        story found first), each story once; other groups get new stories, except a lone
        earlier member, which stays where it is: being alone is no evidence for a story of its
        own (it only lacks support on average), and evicting it made held-out stories split."""
        rank = {story_id: i for i, story_id in enumerate(involved)}
        shared = Counter(zip(labels[1:], owners[1:], strict=True))
        size = Counter(labels)
        name: dict[int, int] = {}
        for label, owner in sorted(shared, key=lambda k: (-shared[k], rank[k[1]], k[0])):
            if label not in name and owner not in name.values():
                name[label] = owner
        for label, owner in zip(labels, owners, strict=True):
            if label not in name:
                lone = size[label] == 1 and label != labels[0]
                name[label] = owner if lone else self._allocate()
        return name

    def _move(self, p: Profile, old: int, new: int) -> None:
        self._stories[old].remove(p)
        self._index_story(old)
        self._join(new, p)
        self._moves.append((p, new))

    def consolidate(self) -> None:
        """Merge stories that the articles placed since the last call formed or changed with
        a neighbouring story whose members match theirs on average (at least `regroup_cut`,
        as in regrouping), best match first; the smaller story moves into the larger (on a
        tie, into the older). Called at the end of each batch: a story's first report can
        open a story of its own before the statistics know which of its words are rare, and
        later reports may all join the event's other story, so no arrival ever brings the
        two together again. Only a story of at most `regroup_members` members moves (it is
        read whole, as regrouping reads the closest members), so the cost is bounded by the
        touched stories times `top_k` neighbours times `regroup_members`² pair scorings."""
        touched, self._touched = self._touched, set()
        if not self.params.regroup_members:
            return
        while True:
            found = [(score, story_id, other) for story_id in sorted(touched)
                     for other, score in self._merge_scores(story_id)]
            if not found:
                break
            score, a, b = max(found, key=lambda f: f[0])  # ties: the first found
            if score < self.params.regroup_cut:
                break
            into, out = self._merge_direction(a, b)
            story = self._stories[out]
            for member in list(story.closest(story.centroid(), self.params.regroup_members)):
                self._move(member, out, into)
            touched = (touched - {out}) | {into}
        self._touched.clear()

    def _merge_scores(self, story_id: int) -> list[tuple[int, float]]:
        """Mean P(same event) between this story and each neighbour it could merge with."""
        story = self._stories[story_id]
        centroid = story.centroid()
        if centroid is None or self._index is None:
            return []
        hits = [s for s, _ in self._index.search(centroid, self.params.top_k + 1) if s != story_id]
        if self._state is not None:
            self._state.load(hits)
        limit, window = self.params.regroup_members, self.params.window_days
        scores = []
        for other_id in hits:
            other = self._stories[other_id]
            if other.days_between(story) > window or min(story.size(), other.size()) > limit:
                continue
            mine = story.closest(other.centroid(), limit)
            theirs = other.closest(centroid, limit)
            pairs = [self._member_probability(a, b) for a in mine for b in theirs]
            scores.append((other_id, sum(pairs) / len(pairs)))
        return scores

    def _merge_direction(self, a: int, b: int) -> tuple[int, int]:
        """(story kept, story moved): the larger one is kept, the older on a tie."""
        size_a, size_b = self._stories[a].size(), self._stories[b].size()
        if size_a > size_b or (size_a == size_b and a < b):
            return a, b
        return b, a

    def _candidates(self, p: Profile) -> list[int]:
        """Nearest stories by centroid; an article without an embedding opens its own story."""
        if self._index is None or p.embedding is None:
            return []
        hits = self._index.search(p.embedding, 3 * self.params.top_k)
        if self._state is not None:
            self._state.load([s for s, _ in hits])
        window = self.params.window_days
        kept = [s for s, _ in hits if self._stories[s].days_from(p.published) <= window]
        return kept[: self.params.top_k]

    def _story_score(self, p: Profile, story: _Story) -> float:
        members = story.closest(p.embedding, self.params.scan_members)
        probs = []
        for m in members:  # kept for regrouping, which compares the arrival with them again
            probs.append(self._pair_probability(p, m, story))
            self._arrival_p[id(m)] = probs[-1]
        probs.sort(reverse=True)
        best = probs[: self.params.best_members]
        members_score = sum(best) / len(best)
        weight = self.params.centroid_weight
        if not weight:
            return members_score
        centroid_cos = float(np.dot(story.centroid(), p.embedding))
        return (1 - weight) * members_score + weight * centroid_cos

    def _pair_probability(self, p: Profile, member: Profile, story: _Story) -> float:
        """P(same event) of the article and one member; an undated member is dated by its
        story, so that undated articles cannot bridge two occurrences months apart."""
        when = story.nearest_date(p.published) if p.published is not None else None
        x = pair_features(p, member, self.stats, b_published=when)
        return self.params.probability(named(x))

    def _member_probability(self, a: Profile, b: Profile) -> float:
        """P(same event) of two stored members, with the statistics at the current arrival."""
        return self.stats.pair_score(a, b, lambda x: self.params.probability(named(x)))

    def _allocate(self) -> int:
        if self._new_story_id is not None:
            return self._new_story_id()
        story_id = self._next_id
        self._next_id += 1
        return story_id

    def _attach(self, story_id: int, p: Profile) -> None:
        self._join(story_id, p)
        self.stats.add(p)

    def _join(self, story_id: int, p: Profile) -> None:
        story = self._stories.setdefault(story_id, _Story())
        story.add(p)
        self._touched.add(story_id)
        self._index_story(story_id)

    def _index_story(self, story_id: int) -> None:
        centroid = self._stories[story_id].centroid()
        if centroid is None:
            if self._index is not None and story_id in self._index:
                self._index.remove(story_id)
            return
        if self._index is None:
            self._index = CentroidIndex(len(centroid), self.params.hnsw_above)
            if self._state is not None:
                self._state.index = self._index
        self._index.upsert(story_id, centroid)


def _best(scores: dict[int, float]) -> tuple[int | None, float]:
    """The highest score (above 0) and its story; ties go to the story found first."""
    best: tuple[int | None, float] = (None, 0.0)
    for story_id, score in scores.items():
        if score > best[1]:
            best = (story_id, score)
    return best
