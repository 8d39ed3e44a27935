"""Quote and attribution extraction scored on PolNeAR (``parallax eval quotes DIR``).

Matching. A gold attribution and a predicted quote match when

* their content spans overlap by at least half: recall asks for >= 50 % of the *gold* content's
  length to lie inside the predicted content, precision for >= 50 % of the *predicted* content's
  length to lie inside the gold content (each side is measured by its own length, so neither
  an over-long prediction covering several attributions nor a fragment of one scores both ways;
  discontinuous gold spans are measured over all their pieces), and
* the predicted speaker span overlaps the gold Source span by at least one character, unless
  the annotator marked no source, in which case the content overlap suffices.

A gold attribution is found when some prediction matches it; a prediction is correct when it
matches some gold attribution. Every extracted quote counts, with or without a speaker. PolNeAR
annotates a quote interrupted by its attribution ("“A,” Flynn said. “B.”") as one attribution
with a discontinuous content; the extractor returns its pieces as quotes sharing one speaker
mention and cue, so quotes with the same speaker span and cue form one prediction whose content
is the union of theirs.

Several annotators. Articles annotated by k people are scored against each annotator's file
separately and each file's counts are weighted 1/k, so every article weighs the same; precision
and recall are then micro-averaged over all weighted counts and F1 is their harmonic mean.
Attributions without a Content span (a handful of unfinished annotations) cannot be matched and
are left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from parallax.analyze.nlp import get_nlp
from parallax.analyze.quotes import extract_quotes
from parallax.analyze.sentences import split_sentences
from parallax.eval.polnear import AnnotatedArticle, Attribution, Span, read_split
from parallax.model import Quote

MIN_OVERLAP = 0.5
Progress = Callable[[int], None] | None


@dataclass
class Counts:
    found_gold: float = 0.0
    gold: float = 0.0
    correct_pred: float = 0.0
    pred: float = 0.0

    def add(self, other: Counts, weight: float = 1.0) -> None:
        self.found_gold += weight * other.found_gold
        self.gold += weight * other.gold
        self.correct_pred += weight * other.correct_pred
        self.pred += weight * other.pred


def _overlap(a: list[Span], b: list[Span]) -> int:
    return sum(max(0, min(ae, be) - max(as_, bs)) for as_, ae in a for bs, be in b)


def _length(spans: list[Span]) -> int:
    return sum(end - start for start, end in spans)


def as_attributions(quotes: list[Quote]) -> list[Attribution]:
    """Quotes as PolNeAR attributions, the pieces of one interrupted quote joined (see above)."""
    grouped: dict[tuple, Attribution] = {}
    for i, q in enumerate(quotes):
        speaker = [] if q.speaker_start is None else [(q.speaker_start, q.speaker_end)]
        key = (q.speaker_start, q.speaker_end, q.cue) if speaker else (i,)
        grouped.setdefault(key, Attribution([], speaker)).content.append((q.start, q.end))
    for attribution in grouped.values():
        attribution.content = _union(attribution.content)
    return list(grouped.values())


def _union(spans: list[Span]) -> list[Span]:
    """Overlapping pieces (a quote inside the reported clause it is part of) counted once."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _matches(gold: Attribution, pred: Attribution, measured: Attribution) -> bool:
    """Content overlap of at least half of `measured` (gold or pred) and overlapping sources."""
    overlap = _overlap(gold.content, pred.content)
    if overlap < MIN_OVERLAP * _length(measured.content) or overlap == 0:
        return False
    return not gold.source or _overlap(gold.source, pred.source) > 0


def score_article(gold: list[Attribution], predicted: list[Quote]) -> Counts:
    """Counts for one annotator's attributions of one article (see the module docstring)."""
    preds = as_attributions(predicted)
    found = sum(any(_matches(g, p, g) for p in preds) for g in gold)
    correct = sum(any(_matches(g, p, p) for g in gold) for p in preds)
    return Counts(found, len(gold), correct, len(preds))


def predict(articles: list[AnnotatedArticle], progress: Progress = None) -> list[list[Quote]]:
    """Quotes of every article, parsing them in one spaCy batch."""
    nlp = get_nlp("en")
    predictions = []
    for article, doc in zip(articles, nlp.pipe(a.text for a in articles), strict=True):
        predictions.append(
            extract_quotes(article.text, "en", split_sentences(article.text, "en"), doc))
        if progress:
            progress(1)
    return predictions


def evaluate(articles: list[AnnotatedArticle], predictions: list[list[Quote]]) -> dict:
    total = Counts()
    for article, quotes in zip(articles, predictions, strict=True):
        weight = 1.0 / len(article.annotations)
        for gold in article.annotations.values():
            total.add(score_article(gold, quotes), weight)
    precision = total.correct_pred / total.pred if total.pred else 0.0
    recall = total.found_gold / total.gold if total.gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n_docs": len(articles), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}


def run_quotes(directory: Path, *, progress: Progress = None) -> dict:
    """Extract quotes from every article of a PolNeAR split (``text/``, ``attributions/``) and
    score them; raises ValueError when the folder is not in that layout. `progress(n)` is called
    with the number of articles just done."""
    started = time.perf_counter()
    articles = read_split(Path(directory))
    result = evaluate(articles, predict(articles, progress))
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
