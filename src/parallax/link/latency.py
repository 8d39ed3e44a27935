"""Story-assignment latency of `OnlineClusterer.add` against a synthetic store of N articles.

    .venv/bin/python -m parallax.link.latency 10000 100000     # one JSON line per size

The embedding is excluded (it is computed before assignment and cached), so the analyses are
synthetic: Zipf-distributed words, names and numbers (the shape of real news vocabularies),
stories of 1–7 articles spread over three years, and unit vectors shaped like the embedder's:
a large component shared by every text (the fitted mean embedding) plus a story direction and
noise, so that unrelated articles are at cosine ~0.75 and one story's at ~0.9, as in real news.
(Vectors scattered around random centres put unrelated articles at cosine 0, far outside what
the pair model was fitted on, where it calls many of them alike.)
The store is restored with `load`, as a server restarting on a large store would, and then half
the probes belong to an existing story and half open a new one.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from parallax.link.cluster import OnlineClusterer
from parallax.link.params import LinkParams
from parallax.model import Analysis, Entity, Sentence, Slot

DIM = 384
START = datetime(2020, 1, 1, tzinfo=UTC)


class _Synthetic:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        mean = np.asarray(LinkParams.load().embedding_mean)
        self.shared = mean / np.linalg.norm(mean) if len(mean) == DIM else self.centre()

    def _zipf(self, vocabulary: int, size: int) -> np.ndarray:
        return np.minimum(self.rng.zipf(1.3, size), vocabulary) - 1

    def centre(self) -> np.ndarray:
        v = self.rng.normal(size=DIM)
        return v / np.linalg.norm(v)

    def article(self, centre: np.ndarray, actors: list[int], day: float) -> Analysis:
        v = self.shared + 0.55 * centre + 0.25 * self.centre()
        words = " ".join(f"w{i}" for i in self._zipf(50_000, 200))
        names = [*self._zipf(20_000, 8), *actors]
        entities = [Entity(f"name {k}", "PERSON", 0, 1, j % 5, f"name {k}")
                    for j, k in enumerate(names)]
        when = START + timedelta(days=day)
        slots = [Slot("number", "", str(int(x)), 0, 1, 0) for x in self._zipf(1000, 6)]
        slots.append(Slot("date", "", when.date().isoformat(), 0, 1, 0))
        return Analysis(article_id="", version="synthetic", lang="en",
                        sentences=[Sentence(0, 0, len(words), words)], entities=entities,
                        slots=slots, embedding=(v / np.linalg.norm(v)).astype(np.float32),
                        published=when)

    def story(self) -> tuple[np.ndarray, list[int], float]:
        return self.centre(), list(self.rng.integers(0, 20_000, 2)), self.rng.uniform(0, 1000)


def assignment_latency(stored: int, probes: int = 500, seed: int = 0) -> dict:
    """p50/p99 milliseconds of one `add` with `stored` articles already in the clusterer."""
    gen = _Synthetic(seed)
    members: list[tuple[int, Analysis]] = []
    stories: list[tuple[np.ndarray, list[int], float]] = []
    while len(members) < stored:
        centre, actors, day = story = gen.story()
        for _ in range(int(gen.rng.integers(1, 8))):
            day_offset = day + gen.rng.uniform(0, 2)
            members.append((len(stories), gen.article(centre, actors, day_offset)))
        stories.append(story)
    clusterer = OnlineClusterer()
    start = time.perf_counter()
    clusterer.load(members)
    load_seconds = time.perf_counter() - start
    incoming = [gen.article(*(stories[int(gen.rng.integers(len(stories)))] if i % 2
                              else gen.story())) for i in range(probes)]
    timings = []
    for analysis in incoming:
        start = time.perf_counter()
        clusterer.add(analysis)
        timings.append((time.perf_counter() - start) * 1000)
    return {
        "stored": len(members),
        "stories": len(stories),
        "load_seconds": round(load_seconds, 1),
        "p50_ms": round(float(np.percentile(timings, 50)), 2),
        "p99_ms": round(float(np.percentile(timings, 99)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [10_000]
    for n in sizes:
        print(json.dumps(assignment_latency(n)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
