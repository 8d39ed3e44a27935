"""Analysis <-> storage row: JSON for the structured parts, raw float32 bytes for the vector.

The vector is kept out of the JSON because text floats are ~3x larger and not bit-exact after
a round trip; bytes are both. Records are stored by field name, so fields added to the model
later (with defaults) still decode from older rows.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

import numpy as np

from parallax.model import Analysis, Entity, Quote, Sentence, Slot

_VECTOR = np.dtype("<f4")  # fixed byte order: the same bytes on every machine
_RECORDS = {"sentences": Sentence, "entities": Entity, "slots": Slot, "quotes": Quote}
# The records are flat (scalars only), so a shallow read of their fields is all `asdict` would
# give, without its recursive deep copies: they were a third of the time of a batch ingest.
_FIELDS = {name: tuple(f.name for f in fields(cls)) for name, cls in _RECORDS.items()}


def encode_analysis(analysis: Analysis) -> dict[str, Any]:
    """The `analyses` row for one Analysis."""
    data = {name: [{f: getattr(item, f) for f in _FIELDS[name]} for item in getattr(analysis, name)]
            for name in _RECORDS}
    data["lang"] = analysis.lang
    data["minhash"] = [int(value) for value in analysis.minhash]
    data["published"] = analysis.published.isoformat() if analysis.published else None
    return {
        "article_id": analysis.article_id,
        "version": analysis.version,
        "data": json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_plain),
        "embedding": _vector_bytes(analysis.embedding),
        "published": analysis.published,
    }


def decode_analysis(article_id: str, version: str, data: str, embedding: bytes | None) -> Analysis:
    fields = json.loads(data)
    published = fields["published"]
    return Analysis(
        article_id=article_id,
        version=version,
        lang=fields["lang"],
        embedding=None if embedding is None else np.frombuffer(embedding, _VECTOR).copy(),
        minhash=fields["minhash"],
        published=datetime.fromisoformat(published) if published else None,
        **{name: [cls(**item) for item in fields[name]] for name, cls in _RECORDS.items()},
    )


def _vector_bytes(vector: np.ndarray | None) -> bytes | None:
    if vector is None:
        return None
    array = np.asarray(vector)
    if array.ndim != 1:
        raise ValueError(f"embedding must be one vector, got shape {array.shape}")
    return array.astype(_VECTOR).tobytes()


def _plain(value: Any) -> Any:
    """NumPy scalars (offsets computed with numpy) are written as the Python numbers they are."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in an analysis")
