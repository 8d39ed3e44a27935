"""Nearest-story search over story centroids: exact numpy while small, HNSW once large.

Exact search over a few thousand centroids costs well under a millisecond and is exact, so the
approximate index is only built when the number of stories passes `hnsw_above`; from then on
every query costs O(log n). Both paths are deterministic for the same sequence of updates
(HNSW is built single-threaded with a fixed seed).
"""

from __future__ import annotations

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
        top = np.argsort(-sims, kind="stable")[:k]
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
