"""Article analysis: sentences, entities, quotes, slots, embeddings and fingerprints.

The public entry points are re-exported lazily, so that importing a light submodule
(`parallax.analyze.names`, `.fingerprint`) does not load spaCy and the embedder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parallax.analyze.pipeline import ANALYSIS_VERSION, analyze, analyze_many, document_text

__all__ = ["ANALYSIS_VERSION", "analyze", "analyze_many", "document_text"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from parallax.analyze import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
