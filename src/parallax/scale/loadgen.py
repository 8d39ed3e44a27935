"""Replayed load for benchmarks: 100k or 1M articles from the real texts in ../shared/data.

    .venv/bin/python -m parallax.scale.loadgen 100000 /tmp/replay.jsonl   # N JSONL records

The base texts are events-dev's articles and ECB+'s documents (669 texts, 72 labelled events).
They are replayed in cycles: each cycle moves every event to a new date range (an event's
articles share one anchor date plus up to two days; cycles are CYCLE_DAYS apart, more than the
clusterer's 90-day window, so one replay of an event can never join another), and lightly
perturbs each text (a sentence dropped or repeated, or a number changed; plus a replay marker,
so the dedupe never fires). The gold `event` becomes `<event>@<cycle>`: consistent within a
replayed event.

`replay_analyses` yields the same articles already analysed: each base text is analysed once
(`parallax.analyze.analyze_many`, embeddings cached on disk by the usual cache), and every
replay gets a copy with its dates shifted and its embedding perturbed: a small offset shared by
the replayed event (so a replay is closer to its own cycle's articles than to earlier replays of
the same text, as a new occurrence of a recurring event is) plus per-article noise, then
renormalised; one number slot may be dropped. This excludes the analysis and embedding cost:
figures measured with it are those of the store and the clustering alone. Sentences, entities
and date slots are the base text's (the text perturbation is not re-analysed).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from parallax.model import Analysis, Article

START = datetime(2000, 1, 1, tzinfo=UTC)
CYCLE_DAYS = 150  # between replay cycles: > window_days + the spread of one cycle
EVENT_SPREAD_DAYS = 30  # an event's anchor falls within the first month of its cycle
ARTICLE_SPREAD_DAYS = 2.0  # an article is published up to two days after its event's anchor
EVENT_OFFSET = 0.35  # norm of the offset shared by one replayed event (cosine to base ≈ 0.94)
ARTICLE_NOISE = 0.05  # norm of each article's own noise
_NUMBER = re.compile(r"\d+")


def _base_records(data: Path) -> list[dict]:
    """The base texts: events-dev articles, then ECB+ documents (when present)."""
    records: list[dict] = []
    events = data / "events-dev" / "articles.jsonl"
    ecb = data / "ecbplus-dev" / "documents.jsonl"
    for path, prefix in ((events, "ev"), (ecb, "ecb")):
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            text = r.get("text") or ""
            if not text.strip():
                continue
            records.append({
                "base": f"{prefix}-{r['id']}",
                "text": text,
                "title": r.get("title") or None,
                "url": r.get("url"),
                "outlet": r.get("outlet") or (f"{prefix}.example" if prefix == "ecb" else None),
                "lang": r.get("lang") or "en",
                "event": f"{prefix}-{r['event']}",
            })
    if not records:
        raise FileNotFoundError(f"no base texts under {data} (events-dev, ecbplus-dev)")
    return records


def _perturb(text: str, rng: random.Random, cycle: int) -> str:
    """Drop or repeat one sentence, or change one number; then mark the replay."""
    lines = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    choice = rng.random()
    numbers = list(_NUMBER.finditer(text))
    if choice < 0.33 and len(lines) > 3:
        del lines[rng.randrange(1, len(lines))]
        out = " ".join(lines)
    elif choice < 0.66 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        out = " ".join(lines)
    elif numbers:
        m = numbers[rng.randrange(len(numbers))]
        out = text[: m.start()] + str(int(m.group()) + rng.randint(1, 9)) + text[m.end() :]
    else:
        out = text
    return f"{out}\n\n[replay {cycle}]"


def _schedule(base: list[dict], cycle: int, seed: int) -> list[tuple[dict, datetime]]:
    """One cycle: every base text with its replay date, in date order."""
    rng = random.Random(f"{seed}/{cycle}/dates")
    anchors: dict[str, float] = {}
    out = []
    for r in base:
        anchor = anchors.setdefault(r["event"], rng.uniform(0, EVENT_SPREAD_DAYS))
        day = cycle * CYCLE_DAYS + anchor + rng.uniform(0, ARTICLE_SPREAD_DAYS)
        out.append((r, START + timedelta(days=day)))
    out.sort(key=lambda pair: pair[1])
    return out


def _record(r: dict, cycle: int, when: datetime, rng: random.Random) -> dict:
    url = r["url"] or f"https://{r['outlet'] or 'replay.example'}/{r['base']}"
    return {
        "id": f"replay-{cycle}-{r['base']}",
        "text": _perturb(r["text"], rng, cycle),
        "title": r["title"],
        "date": when.isoformat(),
        "url": f"{url.rstrip('/')}/replay-{cycle}",
        "outlet": r["outlet"],
        "lang": r["lang"],
        "event": f"{r['event']}@{cycle}",
    }


def _replay(data: Path, n: int, seed: int, start: int = 0) -> Iterator[tuple[dict, dict]]:
    """(base record, replayed record) pairs number `start` to n - 1 of the replay; the cycles
    before `start` are skipped without being made (each cycle has its own random streams)."""
    base = _base_records(data)
    cycle = start // len(base)
    made = cycle * len(base)
    while made < n:
        rng = random.Random(f"{seed}/{cycle}/texts")
        for r, when in _schedule(base, cycle, seed):
            if made >= n:
                return
            record = _record(r, cycle, when, rng)  # made even when skipped: it advances rng
            if made >= start:
                yield r, record
            made += 1
        cycle += 1


def replay_records(data: Path, n: int, *, seed: int = 0) -> Iterator[dict]:
    """n JSONL-style records (`id`, `text`, `title`, `date`, `url`, `outlet`, `lang`, `event`)
    replaying the real texts under `data` in date order; see the module docstring."""
    for _, record in _replay(Path(data), n, seed):
        yield record


BASE_CACHE_ENV = "PARALLAX_REPLAY_BASE"  # a pickle file: the base analyses, shared by processes


@lru_cache(maxsize=2)
def _base_analyses(data: Path) -> dict[str, Analysis]:
    """Every base text analysed once per process (embeddings come from the on-disk cache), or
    once per run when $PARALLAX_REPLAY_BASE names a file to keep them in."""
    from parallax.analyze import ANALYSIS_VERSION, analyze_many

    cache = os.environ.get(BASE_CACHE_ENV)
    key = (str(data.resolve()), ANALYSIS_VERSION)
    if cache and Path(cache).is_file():
        stored_key, analyses = pickle.loads(Path(cache).read_bytes())
        if stored_key == key:
            return analyses
    articles = [
        Article(id=r["base"], text=r["text"], title=r["title"], url=r["url"],
                outlet=r["outlet"], lang=r["lang"], source="replay")
        for r in _base_records(data)
    ]
    analyses = {a.article_id: a for a in analyze_many(articles)}
    if cache:
        Path(cache).write_bytes(pickle.dumps((key, analyses)))
    return analyses


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def replay_analyses(
    data: Path,
    n: int,
    *,
    seed: int = 0,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Article, Analysis]]:
    """The replay of `replay_records` as (Article, Analysis) pairs, without running the analyzer
    per article (see the module docstring: analysis and embedding cost excluded); items `start`
    to n - 1, so that a store filled with the first ones can be continued."""
    from parallax.ingest import article_from_record

    data = Path(data)
    base = _base_analyses(data)
    offsets: dict[str, np.ndarray] = {}
    for r, record in _replay(data, n, seed, start):
        rng = np.random.default_rng(_stable(seed, record["id"]))
        article = article_from_record(record, source="replay")
        a = base[r["base"]]
        embedding = a.embedding
        if embedding is not None:
            event = record["event"]
            if event not in offsets:
                if len(offsets) > 10_000:
                    offsets.clear()  # events of past cycles never come back
                er = np.random.default_rng(_stable(seed, event))
                offsets[event] = _noise(er, len(embedding), EVENT_OFFSET)
            noise = _noise(rng, len(embedding), ARTICLE_NOISE)
            embedding = _unit(embedding.astype(np.float64) + offsets[event] + noise)
        slots = list(a.slots)
        numbers = [i for i, s in enumerate(slots) if s.kind == "number"]
        if numbers and rng.random() < 0.3:
            del slots[numbers[int(rng.integers(len(numbers)))]]
        analysis = replace(a, article_id=article.id, embedding=embedding, slots=slots,
                           published=article.published)
        yield article, analysis
        if progress:
            progress(1)


def _stable(seed: int, key: str) -> int:
    """A seed that does not change between processes (unlike `hash` of a str)."""
    return zlib.crc32(f"{seed}/{key}".encode())


def _noise(rng: np.random.Generator, dim: int, norm: float) -> np.ndarray:
    v = rng.normal(size=dim)
    return v * (norm / np.linalg.norm(v))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write N replayed JSONL records.")
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=None, help="default: ../shared/data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.data is None:
        from parallax.eval import shared_data

        args.data = shared_data()
    with args.out.open("w", encoding="utf-8") as out:
        for record in replay_records(args.data, args.n, seed=args.seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
