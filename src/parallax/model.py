"""The records that flow between pipeline stages.

readers -> Article -> analyze -> Analysis -> link -> Story -> compare -> Comparison

Every stage takes and returns these plain dataclasses, so a stage can be swapped
(another reader, embedder or store) without its neighbours noticing. Character
offsets (`start`, `end`) always index into `Article.text` as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

SourceFormat = Literal["txt", "html", "json", "jsonl", "rss", "atom", "warc", "url", "stdin", "api"]


@dataclass
class Article:
    """One news article as read from a source, normalised (NFC, mojibake repaired, UTC date)."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    lang: str | None = None
    published: datetime | None = None  # timezone-aware UTC, or None when unknown
    author: str | None = None
    source: str = ""  # the file path or URL the article was read from
    source_format: SourceFormat = "txt"
    content_hash: str = ""  # sha256 of the normalised text: the key for idempotent ingest

    def summary(self) -> dict:
        """The article as every JSON listing shows it (DESIGN.md `articles`): metadata, no text."""
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "lang": self.lang,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "source": self.source,
        }


@dataclass
class ReadError:
    """An input item that could not be read: shown to the user as one line, never raised."""

    item: str  # file path, archive member, URL or record locator (e.g. "feed.jsonl:17")
    reason: str

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str


EntityType = Literal["PERSON", "ORG", "PLACE", "MISC"]


@dataclass
class Entity:
    """A named-entity mention. `key` is the canonical form shared by all spellings of one name."""

    text: str
    type: EntityType
    start: int
    end: int
    sentence: int
    key: str


SlotKind = Literal["place", "number", "money", "percent", "date", "time"]


@dataclass
class Slot:
    """A checkable value in a sentence (a place, a quantity, a date): what contradictions differ in.

    `value` is normalised so that slots from different languages compare equal when they agree
    (numbers as plain decimals with unit, dates as ISO, places as their entity key).
    """

    kind: SlotKind
    text: str
    value: str
    start: int
    end: int
    sentence: int


@dataclass
class Quote:
    """A statement attributed to a speaker: direct (in quotation marks) or reported speech."""

    text: str  # the quoted content, without quotation marks
    start: int
    end: int
    speaker: str | None  # as written in the article
    speaker_key: str | None  # canonical entity key of the speaker, when resolved
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None  # the attribution verb or phrase ("said", "заявил", "according to")
    sentence: int = 0
    direct: bool = True


@dataclass
class Analysis:
    """Everything later stages need about one article, computed once and stored.

    `version` changes whenever the analysis code changes meaningfully, so stored analyses
    older than `parallax.analyze.ANALYSIS_VERSION` are recomputed.
    """

    article_id: str
    version: str
    lang: str
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    embedding: np.ndarray | None = None  # L2-normalised float32 document vector
    minhash: list[int] = field(default_factory=list)  # MinHash signature of word shingles
    published: datetime | None = None  # article date, or one found in the text when missing


@dataclass
class PairScore:
    """Pair similarity on the SemEval-2022 Task 8 scale: 1 = same story, 4 = unrelated."""

    overall: float
    geography: float
    entities: float
    time: float
    narrative: float
    same_story: bool
    probability: float  # calibrated P(same story)


@dataclass
class Story:
    """A group of articles reporting the same real-world event."""

    id: int
    title: str
    article_ids: list[str]
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    outlets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
