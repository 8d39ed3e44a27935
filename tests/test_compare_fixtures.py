"""Hand-built articles and analyses for the comparison tests, and a fast stand-in embedder.

The comparison is tested on analyses written here rather than produced by the analyzer, so each
test controls exactly which entities, values and quotes an article carries. The stand-in
embedder is a bag of transliterated content-word prefixes (numbers and short words left out)
plus a component every text shares, sized so that unrelated texts land near cosine 0.8 and
rewordings near 0.9, as with multilingual-e5: the comparison's thresholds then mean the same
thing, at no model cost.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from parallax.analyze.names import fold, name_key
from parallax.analyze.sentences import split_sentences
from parallax.model import Analysis, Article, Entity, Quote, Slot

DIM = 384
SHARED = 2.0  # weight of the common component: unrelated texts at 4 / (4 + 1) = 0.8


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"[^\W\d_]{4,}", fold(text)):
            bucket = 1 + int(hashlib.md5(word[:5].encode()).hexdigest(), 16) % (DIM - 1)
            out[i, bucket] += 1.0
        out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        out[i, 0] = SHARED
        out[i] /= float(np.linalg.norm(out[i]))
    return out


def make(
    article_id: str,
    text: str,
    *,
    entities: dict[str, str] | None = None,
    slots: list[tuple[str, str, str]] | None = None,
    quotes: list[tuple[str, str | None]] | None = None,
    published: str | None = None,
    outlet: str | None = None,
    lang: str = "en",
) -> tuple[Article, Analysis]:
    """An article and its analysis. `entities`: surface -> type, found wherever it occurs;
    `slots`: (kind, surface, value); `quotes`: (quoted text, speaker)."""
    date = datetime.fromisoformat(published).replace(tzinfo=UTC) if published else None
    article = Article(id=article_id, text=text, outlet=outlet or f"{article_id}.example",
                      lang=lang, published=date, source=f"{article_id}.txt")
    sentences = split_sentences(text, lang)

    def sentence_of(offset: int) -> int:
        return next(s.index for s in sentences if s.start <= offset < s.end)

    analysis = Analysis(article_id=article_id, version="test", lang=lang, sentences=sentences,
                        published=date)
    for surface, type_ in (entities or {}).items():
        for m in re.finditer(re.escape(surface), text):
            analysis.entities.append(Entity(surface, type_, m.start(), m.end(),
                                            sentence_of(m.start()), name_key(surface)))
    for kind, surface, value in slots or []:
        for m in re.finditer(re.escape(surface), text):
            analysis.slots.append(Slot(kind, surface, value, m.start(), m.end(),
                                       sentence_of(m.start())))
    for quoted, speaker in quotes or []:
        at = text.index(quoted)
        analysis.quotes.append(Quote(quoted, at, at + len(quoted), speaker,
                                     name_key(speaker) if speaker else None,
                                     sentence=sentence_of(at)))
    return article, analysis


def unzip(pairs: list[tuple[Article, Analysis]]) -> tuple[list[Article], list[Analysis]]:
    return [a for a, _ in pairs], [b for _, b in pairs]


def test_fake_embed_is_close_for_shared_words_and_far_otherwise():
    v = fake_embed(["The quake struck Petrinja, killing 5", "the quake struck petrinja, killing 7",
                    "Shares of the company fell sharply"])
    assert float(v[0] @ v[1]) > 0.95
    assert 0.75 < float(v[0] @ v[2]) < 0.85


def test_make_places_entities_slots_and_quotes_on_their_sentences():
    article, analysis = make(
        "a", "Lavrov met Cavusoglu in Sochi. He said: \u201cWe agree.\u201d",
        entities={"Lavrov": "PERSON", "Sochi": "PLACE"},
        slots=[("place", "Sochi", "sochi")], quotes=[("We agree.", "Lavrov")],
    )
    assert [e.sentence for e in analysis.entities] == [0, 0]
    assert analysis.slots[0].sentence == 0
    assert article.text[analysis.quotes[0].start : analysis.quotes[0].end] == "We agree."
    assert analysis.quotes[0].sentence == 1
