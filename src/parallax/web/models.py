"""The JSON API's response and request bodies, as pydantic models: they are the OpenAPI schema.

The comparison models document the "Comparison JSON" of DESIGN.md field by field. They allow
extra keys, so a field the compare stage adds later reaches API clients before it is documented
here instead of being silently dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    """Every error of the API, whatever its status."""

    detail: str = Field(description="What went wrong, in one sentence a person can act on.")


class StorySummary(BaseModel):
    id: int
    title: str = Field(description="The earliest headline, or the opening words of the text.")
    articles: int = Field(description="Articles in the story.")
    outlets: list[str] = Field(description="Distinct outlets (domains or names), sorted.")
    independent_sources: int | None = Field(
        description="Distinct origins once copies are collapsed: ten sites republishing one wire "
        "story count once. Null while the story's comparison has not been computed yet."
    )
    languages: list[str] = Field(description="ISO 639-1 codes, sorted.")
    first_seen: datetime | None = Field(description="Earliest publication date (UTC).")
    last_seen: datetime | None = Field(description="Latest publication date (UTC).")


class StoryList(BaseModel):
    stories: list[StorySummary]
    total: int = Field(description="Stories matching the filters, over all pages.")


class ComparisonArticle(_Open):
    id: str
    title: str | None
    outlet: str | None
    lang: str | None
    published: str | None = Field(description="ISO 8601 date and time, UTC.")
    url: str | None
    source: str = Field(description="The file path or URL the article was read from.")


class Aspects(_Open):
    geography: float
    entities: float
    time: float
    narrative: float


class Similarity(_Open):
    a: str
    b: str
    same_story: bool
    overall: float = Field(description="SemEval-2022 Task 8 scale: 1 = same story, 4 = unrelated.")
    aspects: Aspects


class Mention(_Open):
    article: str
    sentence: int = Field(description="Index of the sentence in the article's analysis.")
    start: int = Field(description="Character offset into the article text.")
    end: int


class Fact(_Open):
    id: str
    text: str = Field(description="The fact as worded by one of its sources.")
    status: Literal["corroborated", "single_source", "disputed"]
    independent_sources: int = Field(description="Distinct origins stating it, copies collapsed.")
    mentions: list[Mention]


class ConflictValue(_Open):
    article: str
    value: str
    sentence: int | None = Field(description="Index of the sentence stating the value.")


class Conflict(_Open):
    about: Literal["place", "number", "date", "person", "negation", "other"]
    fact: str | None = Field(description="Id of the fact the competing values belong to.")
    values: list[ConflictValue]


class QuoteVariant(_Open):
    article: str
    text: str
    start: int
    end: int


class QuoteGroup(_Open):
    speaker: str | None
    variants: list[QuoteVariant]
    agreement: float = Field(description="How closely the variants agree, 0 to 1.")


class ReuseLink(_Open):
    source: str = Field(description="The article that was reused (published first).")
    target: str = Field(description="The article that reused it.")
    shared_fraction: float = Field(description="Share of the target's text taken from source.")
    credited: str | None = Field(description="The outlet or agency the target credits, if any.")


class EntityRow(_Open):
    name: str
    type: str
    aliases: list[str]
    articles: list[str]


class SummarySentence(_Open):
    text: str
    facts: list[str]
    articles: list[str] = Field(description="The articles this sentence is grounded in.")


class TimelineEvent(_Open):
    time: str | None
    fact: str
    article: str


class Comparison(_Open):
    """How a set of articles agree and differ (DESIGN.md, "Comparison JSON")."""

    articles: list[ComparisonArticle]
    similarity: list[Similarity]
    facts: list[Fact]
    conflicts: list[Conflict]
    quotes: list[QuoteGroup]
    reuse: list[ReuseLink]
    entities: list[EntityRow]
    summary: list[SummarySentence]
    timeline: list[TimelineEvent]


class StoryComparison(Comparison):
    story: StorySummary = Field(description="The story these articles belong to.")


class SentenceOut(BaseModel):
    index: int
    start: int
    end: int
    text: str


class EntityOut(BaseModel):
    text: str
    type: str
    start: int
    end: int
    key: str


class QuoteOut(BaseModel):
    text: str
    start: int
    end: int
    speaker: str | None
    direct: bool


class SlotOut(BaseModel):
    kind: str
    text: str
    value: str = Field(description="Normalised: comparable across languages.")
    start: int
    end: int


class AnalysisOut(BaseModel):
    version: str
    lang: str
    sentences: list[SentenceOut]
    entities: list[EntityOut]
    quotes: list[QuoteOut]
    slots: list[SlotOut]


class ArticleOut(BaseModel):
    id: str
    title: str | None
    text: str = Field(description="Plain text as stored; untrusted, escape it before display.")
    url: str | None
    outlet: str | None
    lang: str | None
    published: datetime | None
    author: str | None
    source: str
    source_format: str
    story_id: int | None = Field(description="Null until the article is assigned to a story.")
    analysis: AnalysisOut | None


class IngestedArticle(BaseModel):
    id: str
    title: str | None
    story_id: int | None
    duplicate: bool = Field(description="True when the same article was already stored.")


class ItemError(BaseModel):
    item: str
    reason: str


class IngestResult(BaseModel):
    articles: list[IngestedArticle]
    errors: list[ItemError] = Field(description="Parts of the input that could not be read.")


class ArticleIn(BaseModel):
    """One article as JSON: `text` (with optional metadata), or only `url` to fetch the page."""

    model_config = ConfigDict(extra="ignore")

    text: str | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    lang: str | None = None
    published: str | None = Field(default=None, description="Any common date format.")
    author: str | None = None
    id: str | None = Field(default=None, description="Kept as the article id when given.")


class CompareIn(BaseModel):
    articles: list[ArticleIn] = Field(description="Two or more articles, each with `text`.")
