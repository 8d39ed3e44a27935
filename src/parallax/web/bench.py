"""Web latency at scale: p50/p95 of the story list and of story pages over many stories.

    python -m parallax.web.bench [--db URL] [--stories 10000] [--requests 200]

Stories are synthesised straight into the store (articles, assignments and a cached
comparison per story, no embedding), so the figure measures the web layer and its queries,
not the analysis. Without --db a throwaway SQLite file is used; a given database should be
empty, since the synthetic stories stay in it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from parallax.model import Article
from parallax.store import Store
from parallax.web.comparisons import comparison_version

WORDS = (
    "minister talks border river dam flow treaty crossing freight commission envoy earthquake "
    "magnitude rescue province mayor school tents stadium battery plant jobs factory launch "
    "rocket engine orbit satellite agency report protest election court ruling budget tariff "
    "port harbour strike union wages drought harvest flood bridge railway airport summit"
).split()
LANGS = ("en", "de", "fr", "es", "ru", "it")
BATCH = 1000


def bench_web(store_url: str, *, stories: int = 10_000, requests: int = 200) -> dict:
    """Fill the store with `stories` synthetic 3-article stories, then time warm requests."""
    from parallax.web import create_app

    started = time.perf_counter()
    with Store.open(store_url) as store:
        story_ids = synthesise(store, stories, random.Random(7))
    build_seconds = time.perf_counter() - started
    rng = random.Random(11)
    with TestClient(create_app(store_url, refresh=False)) as client:
        listing = _timed(client, lambda: _list_query(rng), requests)
        story_pages = _timed(client, lambda: f"/stories/{rng.choice(story_ids)}", requests)
        story_json = _timed(client, lambda: f"/api/stories/{rng.choice(story_ids)}", requests)
        stories_page = _timed(client, lambda: "/", requests // 4)
    return {
        "stories": stories,
        "articles": 3 * stories,
        "build_seconds": round(build_seconds, 1),
        "api_stories_ms": listing,
        "story_page_ms": story_pages,
        "api_story_ms": story_json,
        "stories_page_ms": stories_page,
    }


def synthesise(store: Store, stories: int, rng: random.Random) -> list[int]:
    """Stories of three articles each (different outlets and languages, an hour apart), with a
    cached comparison, as the pipeline and the refresher would leave them."""
    first = store.next_story_id()
    ids = list(range(first, first + stories))
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for chunk in range(0, stories, BATCH):
        batch: list[Article] = []
        pairs: list[tuple[str, int]] = []
        members: dict[int, list[Article]] = {}
        for story_id in ids[chunk : chunk + BATCH]:
            topic = rng.sample(WORDS, 4)
            day = start + timedelta(hours=story_id % 20_000)
            for k in range(3):
                article = _article(story_id, k, topic, day + timedelta(hours=k), rng)
                batch.append(article)
                pairs.append((article.id, story_id))
                members.setdefault(story_id, []).append(article)
        store.add_articles(batch)
        store.assign(pairs)
        for story_id, arts in members.items():
            store.save_story_comparison(
                story_id,
                version=comparison_version(),
                article_ids=[a.id for a in arts],
                comparison=_comparison(arts),
                independent_sources=2,
            )
    return ids


def _article(
    story_id: int, k: int, topic: list[str], when: datetime, rng: random.Random
) -> Article:
    sentences = [
        " ".join([*topic[:2], *rng.sample(WORDS, 8), f"s{story_id}"]).capitalize() + "."
        for _ in range(6)
    ]
    text = " ".join(sentences)
    return Article(
        id=f"bench-{story_id}-{k}",
        text=text,
        title=f"{' '.join(topic).capitalize()} ({story_id})",
        url=f"https://outlet{k}.example/{story_id}",
        outlet=f"outlet{k}.example",
        lang=LANGS[(story_id + k) % len(LANGS)],
        published=when,
        source="bench",
        source_format="api",
    )


def _comparison(arts: list[Article]) -> dict:
    """A small comparison in the documented shape: two shared facts, a unique one, a conflict,
    a quote in two wordings, one copy."""
    ids = [a.id for a in arts]

    def mention(i: int, n: int) -> dict:
        start = sum(len(s) + 1 for s in arts[i].text.split(". ")[:n])
        return {"article": ids[i], "sentence": n, "start": start, "end": start + 40}

    facts = [
        {"id": "f1", "text": arts[0].text.split(". ")[0], "status": "corroborated",
         "independent_sources": 2, "mentions": [mention(0, 0), mention(1, 0), mention(2, 0)]},
        {"id": "f2", "text": arts[0].text.split(". ")[1], "status": "disputed",
         "independent_sources": 2, "mentions": [mention(0, 1), mention(2, 1)]},
        {"id": "f3", "text": arts[1].text.split(". ")[2], "status": "single_source",
         "independent_sources": 1, "mentions": [mention(1, 2)]},
    ]  # fmt: skip
    return {
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "outlet": a.outlet,
                "lang": a.lang,
                "published": a.published.isoformat() if a.published else None,
                "url": a.url,
                "source": a.source,
            }
            for a in arts
        ],
        "similarity": [],
        "facts": facts,
        "conflicts": [
            {
                "about": "number",
                "fact": "f2",
                "values": [
                    {"article": ids[0], "value": "14", "sentence": 1},
                    {"article": ids[2], "value": "19", "sentence": 1},
                ],
            }
        ],
        "quotes": [
            {
                "speaker": "The minister",
                "agreement": 0.8,
                "variants": [
                    {"article": ids[0], "text": "we will rebuild", "start": 0, "end": 15},
                    {"article": ids[1], "text": "we shall rebuild", "start": 0, "end": 16},
                ],
            }
        ],
        "reuse": [{"source": ids[0], "target": ids[1], "shared_fraction": 0.8, "credited": None}],
        "entities": [{"name": "Velmara", "type": "PLACE", "aliases": [], "articles": ids}],
        "summary": [{"text": facts[0]["text"], "facts": ["f1"], "articles": ids}],
        "timeline": [{"time": arts[0].published.isoformat(), "fact": "f1", "article": ids[0]}],
    }


def _list_query(rng: random.Random) -> str:
    """A mix of what people do on the list: browse pages, filter, search."""
    return rng.choice(
        [
            "/api/stories",
            f"/api/stories?offset={rng.randrange(0, 2000, 20)}",
            f"/api/stories?lang={rng.choice(LANGS)}",
            "/api/stories?sort=recent",
            f"/api/stories?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
            "/api/stories?since=2024-03-01&until=2024-06-30&outlet=outlet1.example",
        ]
    )


def _timed(client: TestClient, path: Callable[[], str], n: int) -> dict:
    """p50/p95/max in ms of n requests, after as many warm-up requests."""
    for _ in range(max(5, n // 10)):
        client.get(path())
    times = []
    for _ in range(n):
        url = path()
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code} {response.text[:200]}")
    times.sort()
    return {
        "p50": round(statistics.median(times), 1),
        "p95": round(times[int(0.95 * (len(times) - 1))], 1),
        "max": round(times[-1], 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an empty store URL (default: a temporary SQLite file)")
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        print(json.dumps(bench_web(url, stories=args.stories, requests=args.requests)))


if __name__ == "__main__":
    main()
