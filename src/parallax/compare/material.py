"""The sentences a comparison works on, with everything the comparison steps ask of them.

Every step (reuse, facts, conflicts, summary) looks at the same sentences with the same
vectors, entity keys and slots, so they are gathered once here. Names are resolved across the
whole set of articles (one `NameResolver` for all of them), which is what lets "Mevlüt
Çavuşoğlu", "Cavusoglu" and "Чавушоглу" count as one actor when sentences are aligned.

Embedding is the cost of a comparison (e5 runs at ~35 sentences/s on 2 cores, the faster model
chosen by encoders.py at 500-850/s), so a sentence is embedded only when it can have a
counterpart: when it names something or gives a value (its counterpart may give another value:
that is a conflict), or shares two content words with a sentence of another article. The rest
(talk without a name, a number or a shared word) never aligned on the evaluation data, and would
not be a fact on its own. A sentence repeated with different punctuation or case (a republished
copy) is embedded once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import sparse

from parallax.analyze.embed import DIM
from parallax.analyze.names import NameResolver, fold
from parallax.compare.encoders import E5, Embedder, SentenceEncoder, for_languages, given
from parallax.model import Analysis, Article, Slot

# Sentences shorter than this say nothing checkable (datelines, captions, "DMCA"); longer ones
# are menus or run-together paragraphs that would align with everything.
MIN_WORDS = 5
MIN_LETTER_WORDS = 3  # a dateline ("28 Mayıs 2023 - 21:09") is numbers, not a statement
MAX_CHARS = 700
# News puts what matters first (the inverted pyramid): a long article's tail is background.
# Sentences are cheap to compare by words (reuse, single-source facts), costly to embed, so the
# cap on embedded ones is lower: a 20-article story costs at most 400 sentence embeddings.
MAX_UNITS_PER_ARTICLE = 40
MAX_EMBEDDED_PER_ARTICLE = 20
PREFIX = 5  # transliterated word prefix: a crude stemmer that works in any alphabet
# A sentence without a name or a value is worth embedding when it shares this many content words
# (prefixes of words of CONTENT_LETTERS letters or more) with a sentence of another article.
MIN_SHARED_WORDS = 2
CONTENT_LETTERS = 4

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Unit:
    """One sentence of one article taking part in the comparison."""

    article: int  # position in Material.articles
    sentence: int  # Sentence.index in the article's analysis
    start: int
    end: int
    text: str
    lang: str
    entities: frozenset[str]  # resolved entity keys
    people: frozenset[str]  # resolved keys of PERSON entities
    slots: tuple[Slot, ...]
    words: frozenset[str]


@dataclass
class Material:
    articles: list[Article]
    analyses: list[Analysis]
    resolver: NameResolver
    units: list[Unit] = field(default_factory=list)
    # Row k is unit k's vector; zero for units left unembedded (see `embedded`).
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    embedded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    encoder: SentenceEncoder = E5  # the model of `vectors` (and of quotes)
    clause_embed: Embedder = E5.embed  # values in conflict are compared by e5 clause vectors
    has_names: bool = False

    def resolve(self, key: str) -> str:
        """The canonical key of a name across the set (the key itself when no names were seen:
        an empty NameResolver cannot be queried)."""
        return self.resolver.resolve(key) if self.has_names else key

    def lang(self, i: int) -> str:
        return self.analyses[i].lang or self.articles[i].lang or "und"

    def published(self, i: int) -> datetime | None:
        return self.articles[i].published or self.analyses[i].published

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence-model vectors of texts (sentences, quotes), each distinct text once."""
        return embed_unique(self.encoder.embed, texts, self.encoder.dim)

    def cosine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosines of sentence-model vectors, on the scale the thresholds were chosen on."""
        return self.encoder.cosine(a, b)

    def article_keys(self, i: int) -> frozenset[str]:
        return frozenset(self.resolve(e.key) for e in self.analyses[i].entities if e.key)


def words(text: str) -> list[str]:
    """Transliterated, lower-cased word prefixes: comparable across inflection and scripts."""
    return [w[:PREFIX] for w in _WORD.findall(fold(text))]


def is_content(text: str) -> bool:
    """Whether a sentence is long enough to state something, and short enough to be one."""
    if len(text) > MAX_CHARS:
        return False
    found = _WORD.findall(text)
    n = len(found) + len(_CJK.findall(text)) // 2
    letters = sum(1 for w in found if not any(c.isdigit() for c in w))
    return n >= MIN_WORDS and letters >= MIN_LETTER_WORDS and any(c.islower() for c in text)


def build_resolver(analyses: Sequence[Analysis]) -> NameResolver:
    resolver = NameResolver()
    resolver.add_many((e.key, e.type) for a in analyses for e in a.entities if e.key)
    return resolver


def build_material(
    articles: Sequence[Article], analyses: Sequence[Analysis], embed: Embedder | None = None
) -> Material:
    """`embed`, when given, serves every sentence, quote and clause (taken to be on e5's
    scale); by default the sentence model is chosen for the articles' languages."""
    material = Material(list(articles), list(analyses), build_resolver(analyses),
                        has_names=any(e.key for a in analyses for e in a.entities))
    if embed is not None:
        material.encoder, material.clause_embed = given(embed), embed
    else:
        material.encoder = for_languages(material.lang(i) for i in range(len(articles)))
    for i, analysis in enumerate(analyses):
        material.units.extend(_units_of(i, articles[i], analysis, material))
    material.embedded = worth_embedding(material.units)
    chosen = np.flatnonzero(material.embedded)
    found = material.embed([material.units[k].text for k in chosen])
    material.vectors = np.zeros((len(material.units), found.shape[1]), dtype=np.float32)
    material.vectors[chosen] = found
    return material


def embed_unique(embed: Embedder, texts: Sequence[str], dim: int = DIM) -> np.ndarray:
    """Embed each distinct text once: republished copies repeat many sentences verbatim, up to
    case, spacing and punctuation."""
    keys = [" ".join(_WORD.findall(t.casefold())) or t for t in texts]
    first: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        first.setdefault(key, text)
    if not first:
        return np.zeros((0, dim), dtype=np.float32)
    vectors = np.asarray(embed(list(first.values())), dtype=np.float32)
    row = {k: n for n, k in enumerate(first)}
    return vectors[[row[k] for k in keys]]


def worth_embedding(units: Sequence[Unit]) -> np.ndarray:
    """Whether each unit names something, gives a value, or shares MIN_SHARED_WORDS content
    words with some unit of another article; the first MAX_EMBEDDED_PER_ARTICLE of an article."""
    if not units:
        return np.zeros(0, dtype=bool)
    article = np.array([u.article for u in units])
    content = shared_counts([
        {w for w in u.words if len(w) >= CONTENT_LETTERS and not w.isdigit()} for u in units
    ])
    shares = ((content >= MIN_SHARED_WORDS) & (article[:, None] != article[None, :])).any(axis=1)
    worth = shares | np.array([bool(u.entities or u.slots) for u in units])
    for a in np.unique(article):
        mine = np.flatnonzero(worth & (article == a))
        worth[mine[MAX_EMBEDDED_PER_ARTICLE:]] = False
    return worth


def shared_counts(sets: Sequence[Set[str]]) -> np.ndarray:
    """How many items each pair of sets shares, via a sparse incidence matrix (fast for
    thousands of sentences)."""
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, items in enumerate(sets):
        for item in items:
            rows.append(i)
            cols.append(vocab.setdefault(item, len(vocab)))
    incidence = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(sets), max(len(vocab), 1))
    )
    return (incidence @ incidence.T).toarray()


def _units_of(i: int, article: Article, analysis: Analysis, material: Material) -> list[Unit]:
    resolve = material.resolve
    lang = material.lang(i)
    seen: set[str] = set()
    units: list[Unit] = []
    for s in analysis.sentences:
        raw = article.text[s.start : s.end]
        text = raw.strip()
        if not is_content(text) or text in seen:
            continue
        start = s.start + len(raw) - len(raw.lstrip())
        seen.add(text)
        ents = [e for e in analysis.entities if e.sentence == s.index and e.key]
        units.append(
            Unit(
                article=i,
                sentence=s.index,
                start=start,
                end=start + len(text),
                text=text,
                lang=lang,
                entities=frozenset(resolve(e.key) for e in ents),
                people=frozenset(resolve(e.key) for e in ents if e.type == "PERSON"),
                slots=tuple(sl for sl in analysis.slots if sl.sentence == s.index),
                words=frozenset(words(text)),
            )
        )
        if len(units) >= MAX_UNITS_PER_ARTICLE:
            break
    return units
