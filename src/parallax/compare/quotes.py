"""Quote variants: the same statement by the same speaker, as each outlet printed it.

Translations and paraphrases of one remark share meaning, not words ("illegal pressures on
Washington" / "Washington's illegitimate pressure" / "presiunii ilegitime a Washingtonului"), so
quotes are compared by multilingual embeddings. Quotes of one person (names linked across
spellings by the NameResolver) group most easily; a quote whose speaker is unresolved or only a
role needs a higher similarity, and quotes given to two different people only group when nearly
verbatim (one of the attributions is then wrong: conflicts.py reports it). Two quotes of one
article never form a group on their own: variants are across outlets.

What is compared: a quotation broken by its attribution or a conjunction (“We are holding an
important election now,” and “everyone has to work together”) is one statement, as another
outlet prints or translates it whole; reported speech that no named person is credited with
("video footage showed that ...", "reports say ...") is a source of facts, not a quote, and
left out (it used to pull genuine quotes into groups without a speaker).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from parallax.compare.entities import display_name
from parallax.compare.material import Material, words
from parallax.link.linkage import average_linkage
from parallax.model import Quote

SAME_SPEAKER = 0.85  # cosine of two quotes by one speaker that say the same thing
UNKNOWN_SPEAKER = 0.86  # stricter when one speaker is unresolved
# Near-verbatim words given to two different people: one attribution is wrong (an outlet's or
# the analyzer's), the statement is still one.
DIFFERENT_SPEAKERS = 0.93
# Two quotes that are each other's best match between their two articles (mutual nearest
# neighbours, as in bitext mining), when one of the articles had other quotes to choose from,
# need less: translations of one remark score lower than paraphrases in one language.
MUTUAL_BONUS = 0.03
W_WORDS = 0.05  # word overlap bonus: outlets copying one translation print the same words
MIN_WORDS = 3
JOIN_GAP = 60  # characters between two quoted pieces of one statement ("," he said, "...")
SENTENCE_SHARE = 0.8  # a quote this much of its sentence takes the sentence's vector
# e5 puts unrelated text at ~0.75 cosine: agreement rescales [0.75, 1] to [0, 1].
AGREEMENT_FLOOR = 0.75


@dataclass(frozen=True)
class Item:
    article: int
    quote: Quote
    speaker: str | None  # resolved key


@dataclass
class QuoteGroup:
    speaker: str
    items: list[Item]
    agreement: float


def find_quote_groups(material: Material) -> list[QuoteGroup]:
    speakers = _known_speakers(material)
    items = [
        item
        for i, analysis in enumerate(material.analyses)
        for item in _pieces_joined([Item(i, q, _speaker(material, q, speakers))
                                    for q in analysis.quotes])
        if len(words(item.quote.text)) >= MIN_WORDS and (item.speaker or item.quote.direct)
    ]
    if len(items) < 2:
        return []
    cos = _cosines(material, items, _vectors(material, items))
    people = {k for k, t in speakers.items() if t == "PERSON"}
    score = _score(items, cos, people)
    groups = []
    for members in average_linkage(score, 0.0):
        if not _statement(members, items):
            continue
        groups.append(_group(material, [items[k] for k in members], cos[np.ix_(members, members)]))
    groups.sort(key=lambda g: (-len(g.items), -g.agreement))
    return groups


def _pieces_joined(items: list[Item]) -> list[Item]:
    """One article's quotes, with a quotation broken by its attribution or a conjunction
    (“We are holding an important election now,” and “everyone has to work together”) made one:
    another outlet prints (or translates) it whole."""
    out: list[Item] = []
    for it in sorted(items, key=lambda it: it.quote.start):
        last = out[-1] if out else None
        if last is not None and _continues(last, it):
            joined = replace(last.quote, text=f"{last.quote.text} … {it.quote.text}",
                             end=it.quote.end, speaker=last.quote.speaker or it.quote.speaker,
                             speaker_key=last.quote.speaker_key or it.quote.speaker_key)
            out[-1] = Item(last.article, joined, last.speaker or it.speaker)
        else:
            out.append(it)
    return out


def _continues(first: Item, then: Item) -> bool:
    a, b = first.quote, then.quote
    return (a.direct and b.direct and 0 <= b.start - a.end <= JOIN_GAP
            and b.sentence == a.sentence
            and (not first.speaker or not then.speaker or first.speaker == then.speaker))


def _known_speakers(material: Material) -> dict[str, str]:
    """Resolved keys of the names the articles mention -> the type they were tagged with most
    (the analyzer tags one name inconsistently across languages)."""
    resolve = material.resolve
    types: dict[str, list[str]] = {}
    for a in material.analyses:
        for e in a.entities:
            if e.key:
                types.setdefault(resolve(e.key), []).append(e.type)
    return {k: max(set(v), key=v.count) for k, v in types.items()}


def _speaker(material: Material, quote: Quote, known: dict[str, str]) -> str | None:
    """The speaker's resolved key when it is a name the articles mention (not a place);
    pronouns, role nouns and misattributed places count as unknown, not as someone else."""
    if not quote.speaker_key:
        return None
    key = material.resolve(quote.speaker_key)
    return key if known.get(key, "PLACE") != "PLACE" else None


def _statement(members: list[int], items: list[Item]) -> bool:
    """A quote group worth showing: across outlets, quoted verbatim at least once, and said by
    someone named (a broadcaster "reporting that" something happened is a source of facts, which
    facts.py already aligns, and is rarely quoted verbatim)."""
    group = [items[k] for k in members]
    return (
        len({it.article for it in group}) >= 2
        and any(it.quote.direct for it in group)
        and any(it.speaker for it in group)
    )


def _vectors(material: Material, items: list[Item]) -> np.ndarray:
    """Quote vectors. A quote that is most of its sentence ("Lavrov said that ...", "“...,” he
    said.") takes the vector of the sentence, embedded anyway; a shorter one is embedded alone
    (the rest of its sentence would make unrelated quotes look alike, or alike ones not)."""
    sentence = {(u.article, u.sentence): k for k, u in enumerate(material.units)}
    out = np.zeros((len(items), material.vectors.shape[1]), dtype=np.float32)
    todo = []
    for n, it in enumerate(items):
        k = sentence.get((it.article, it.quote.sentence))
        unit = material.units[k] if k is not None and material.embedded[k] else None
        if unit is not None and len(it.quote.text) >= SENTENCE_SHARE * len(unit.text):
            out[n] = material.vectors[k]
        else:
            todo.append(n)
    if todo:
        out[todo] = material.embed([items[n].quote.text for n in todo])
    return out


def _cosines(material: Material, items: list[Item], vectors: np.ndarray) -> np.ndarray:
    """Cosines of the quote vectors; one wording printed by two outlets is the same text (its
    vectors may differ when one was taken from a sentence with another attribution)."""
    cos = material.cosine(vectors, vectors)
    key = [" ".join(words(it.quote.text)) for it in items]
    same = np.array([[a == b for b in key] for a in key])
    return np.where(same, 1.0, cos)


def _score(items: list[Item], cos: np.ndarray, people: set[str]) -> np.ndarray:
    """Margin over the applicable threshold (>= 0 links), -inf for pairs that must stay apart."""
    n = len(items)
    article = np.array([it.article for it in items])
    speaker = [it.speaker for it in items]
    word_sets = [set(words(it.quote.text)) for it in items]
    best = _best_per_article(cos, article)
    count = np.bincount(article)
    score = np.full((n, n), -np.inf)
    for i in range(n):
        for j in range(i + 1, n):
            if article[i] == article[j]:
                continue
            if speaker[i] != speaker[j] and {speaker[i], speaker[j]} <= people:
                threshold = DIFFERENT_SPEAKERS
            elif speaker[i] and speaker[i] == speaker[j]:
                threshold = SAME_SPEAKER
            else:
                threshold = UNKNOWN_SPEAKER
            union = word_sets[i] | word_sets[j]
            overlap = len(word_sets[i] & word_sets[j]) / len(union) if union else 0.0
            mutual = (
                best[i, article[j]] == j
                and best[j, article[i]] == i
                and max(count[article[i]], count[article[j]]) >= 2
            )
            score[i, j] = score[j, i] = (
                cos[i, j] + W_WORDS * overlap + MUTUAL_BONUS * mutual - threshold
            )
    return score


def _best_per_article(cos: np.ndarray, article: np.ndarray) -> np.ndarray:
    """best[i, a]: the quote of article a most similar to quote i (-1 when a has none)."""
    n_articles = int(article.max()) + 1
    best = np.full((len(cos), n_articles), -1)
    for a in range(n_articles):
        members = np.flatnonzero(article == a)
        if len(members):
            best[:, a] = members[np.argmax(cos[:, members], axis=1)]
    return best


def _group(material: Material, items: list[Item], cos: np.ndarray) -> QuoteGroup:
    n = len(items)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    scaled = [(cos[i, j] - AGREEMENT_FLOOR) / (1 - AGREEMENT_FLOOR) for i, j in pairs]
    agreement = float(np.clip(np.mean(scaled), 0.0, 1.0)) if scaled else 1.0
    keys = [it.speaker for it in items if it.speaker]
    if keys:
        key = max(set(keys), key=keys.count)
        speaker = display_name(material, key) or next(
            it.quote.speaker for it in items if it.speaker == key and it.quote.speaker
        )
    else:
        speaker = next((it.quote.speaker for it in items if it.quote.speaker), "unknown")
    return QuoteGroup(speaker=speaker or "unknown", items=items, agreement=round(agreement, 3))


def quote_json(material: Material, group: QuoteGroup) -> dict:
    return {
        "speaker": group.speaker,
        "variants": [
            {
                "article": material.articles[it.article].id,
                "text": it.quote.text,
                "start": it.quote.start,
                "end": it.quote.end,
            }
            for it in sorted(group.items, key=lambda it: (it.article, it.quote.start))
        ],
        "agreement": group.agreement,
    }
