"""Nearest-story search over story centroids: exact numpy while small, HNSW once large.

Exact search over a few thousand centroids costs well under a millisecond and is exact, so the
approximate index is only built when the number of stories passes `hnsw_above`; from then on
every query costs O(log n). Both paths are deterministic for the same sequence of updates
(HNSW is built single-threaded with a fixed seed).

An index can be saved to a folder and loaded back as it was (`save`, `load`): a store with
hundreds of thousands of stories then opens in seconds instead of rebuilding the graph.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import hnswlib
import numpy as np


class CentroidIndex:
    """Maps story id -> unit vector; `search` returns the most cosine-similar story ids."""

    def __init__(self, dim: int, hnsw_above: int) -> None:
        self.dim = dim
        self.hnsw_above = hnsw_above
        self._rows: dict[int, int] = {}  # story id -> row in _matrix
        self._ids: list[int] = []
        self._matrix = np.zeros((64, dim), dtype=np.float32)
        self._hnsw: hnswlib.Index | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, story_id: int) -> bool:
        return story_id in self._rows

    def upsert(self, story_id: int, vector: np.ndarray) -> None:
        row = self._rows.get(story_id)
        if row is None:
            row = len(self._ids)
            if row == len(self._matrix):
                self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
            self._rows[story_id] = row
            self._ids.append(story_id)
        self._matrix[row] = vector
        if self._hnsw is not None:
            self._hnsw_add(story_id, vector)
        elif len(self._ids) > self.hnsw_above:
            self._build_hnsw()

    def remove(self, story_id: int) -> None:
        """Forget a story (one left without any embedded member)."""
        row = self._rows.pop(story_id, None)
        if row is None:
            return
        last = len(self._ids) - 1
        if row != last:
            moved = self._ids[last]
            self._matrix[row] = self._matrix[last]
            self._ids[row] = moved
            self._rows[moved] = row
        self._ids.pop()
        if self._hnsw is not None:
            self._hnsw.mark_deleted(story_id)

    @classmethod
    def from_vectors(
        cls, dim: int, hnsw_above: int, ids: Sequence[int], vectors: np.ndarray
    ) -> CentroidIndex:
        """An index of these unit vectors, built in one go (the graph in bulk, single-threaded)."""
        index = cls(dim, hnsw_above)
        n = len(ids)
        index._matrix = np.zeros((max(64, 2 * n), dim), dtype=np.float32)
        index._matrix[:n] = vectors
        index._ids = [int(i) for i in ids]
        index._rows = {story_id: row for row, story_id in enumerate(index._ids)}
        if n > hnsw_above:
            index._build_hnsw()
        return index

    def save(self, folder: Path, **meta: object) -> None:
        """Write the index to `folder` (replaced whole: a reader never sees half of it), with
        `meta` (JSON values) in its meta.json."""
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        n = len(self._ids)
        np.save(tmp / "ids.npy", np.asarray(self._ids, dtype=np.int64))
        np.save(tmp / "vectors.npy", self._matrix[:n])
        if self._hnsw is not None:
            self._hnsw.save_index(str(tmp / "hnsw.bin"))
        meta |= {"dim": self.dim, "hnsw_above": self.hnsw_above, "n": n}
        (tmp / "meta.json").write_text(json.dumps(meta))
        old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> CentroidIndex:
        meta = json.loads((folder / "meta.json").read_text())
        ids = np.load(folder / "ids.npy")
        vectors = np.load(folder / "vectors.npy")
        if len(ids) != meta["n"] or vectors.shape != (meta["n"], meta["dim"]):
            raise ValueError(f"{folder}: inconsistent centroid index")
        index = cls(meta["dim"], meta["hnsw_above"])
        n = meta["n"]
        index._matrix = np.zeros((max(64, 2 * n), index.dim), dtype=np.float32)
        index._matrix[:n] = vectors
        index._ids = [int(i) for i in ids]
        index._rows = {story_id: row for row, story_id in enumerate(index._ids)}
        if (folder / "hnsw.bin").exists():
            graph = hnswlib.Index(space="ip", dim=index.dim)
            graph.load_index(str(folder / "hnsw.bin"), max_elements=max(2 * n, 1024))
            graph.set_num_threads(1)
            index._hnsw = graph
        return index

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = len(self._ids)
        k = min(k, n)
        if k == 0:
            return []
        if self._hnsw is not None:
            self._hnsw.set_ef(max(64, 2 * k))
            labels, distances = self._hnsw.knn_query(vector, k=k, num_threads=1)
            return [(int(s), 1.0 - float(d)) for s, d in zip(labels[0], distances[0], strict=True)]
        sims = self._matrix[:n] @ vector
        # The k best in O(n), then sorted: every row tied with the k-th is kept, so the order
        # (ties by row) is exactly that of a stable sort of all n, at a tenth of its cost.
        rows = np.flatnonzero(sims >= np.partition(sims, n - k)[n - k])
        top = rows[np.argsort(-sims[rows], kind="stable")][:k]
        return [(self._ids[i], float(sims[i])) for i in top]

    def _build_hnsw(self) -> None:
        n = len(self._ids)
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=max(2 * n, 1024), ef_construction=100, M=16, random_seed=7)
        index.set_num_threads(1)
        index.add_items(self._matrix[:n], np.asarray(self._ids), num_threads=1)
        self._hnsw = index

    def _hnsw_add(self, story_id: int, vector: np.ndarray) -> None:
        index = self._hnsw
        if index.get_current_count() >= index.get_max_elements():
            index.resize_index(2 * index.get_max_elements())
        index.add_items(vector[None, :], np.asarray([story_id]), num_threads=1)
