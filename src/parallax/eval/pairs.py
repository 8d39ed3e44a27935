"""`parallax eval pairs FILE.csv`: SemEval-2022 Task 8 pair similarity, Pearson r on `Overall`.

Columns: pair_id, lang1, lang2, text1, text2, Geography, Entities, Time, Narrative, Overall, …
(1 = same story … 4 = unrelated). Each distinct text is analysed once; document frequencies come
from all texts of the file, as they would from a store holding them.
"""

from __future__ import annotations

import csv
import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.link.features import CorpusStats
from parallax.model import Analysis, Article

Progress = Callable[[int], None] | None  # called with the number of texts just analysed
GOLD_COLUMNS = {"overall": "Overall", "geography": "Geography", "entities": "Entities",
                "time": "Time", "narrative": "Narrative"}


@dataclass(frozen=True)
class LabelledPair:
    pair_id: str
    a: str  # article ids (a hash of language and text: identical texts are analysed once)
    b: str
    gold: dict[str, float]  # GOLD_COLUMNS keys that are present in the row


def _article_id(lang: str, text: str) -> str:
    return hashlib.sha1(f"{lang}\x00{text}".encode()).hexdigest()[:16]


def read_pairs(path: Path) -> tuple[list[LabelledPair], list[Article]]:
    """Labelled pairs and their distinct articles; rows without texts or `Overall` are skipped."""
    from parallax.ingest import article_from_record

    csv.field_size_limit(sys.maxsize)
    pairs: list[LabelledPair] = []
    articles: dict[str, Article] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), 2):
            try:
                gold = {k: float(row[c]) for k, c in GOLD_COLUMNS.items() if row.get(c)}
                ids = []
                for side in ("1", "2"):
                    lang, text = row.get(f"lang{side}") or None, row[f"text{side}"]
                    if not text.strip():
                        raise ValueError("empty text")
                    ids.append(_article_id(lang or "", text))
                    if ids[-1] not in articles:
                        record = {"id": ids[-1], "text": text, "lang": lang}
                        articles[ids[-1]] = article_from_record(
                            record, source=str(path), locator=f"{path}:{number}"
                        )
                pairs.append(LabelledPair(row.get("pair_id", str(number)), *ids, gold=gold))
            except (KeyError, ValueError, TypeError):
                continue
    return [p for p in pairs if "overall" in p.gold], list(articles.values())


def pair_feature_matrix(
    pairs: Sequence[LabelledPair], analyses: Sequence[Analysis], stats: CorpusStats
) -> np.ndarray:
    """One FEATURES row per pair, with IDF and language means estimated over every distinct
    text of the set (added to `stats`)."""
    from parallax.link.features import pair_features, profile

    profiles = {a.article_id: profile(a) for a in analyses}
    for p in profiles.values():
        stats.add(p)
    return np.array([pair_features(profiles[p.a], profiles[p.b], stats) for p in pairs])


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def run_pairs(path: Path, *, progress: Progress = None) -> dict:
    from parallax.analyze.pipeline import analyze_many
    from parallax.link.params import LinkParams
    from parallax.link.similarity import score_features

    start = time.perf_counter()
    pairs, articles = read_pairs(Path(path))
    analyses = analyze_many(articles, progress=progress)
    params = LinkParams.load()
    x = pair_feature_matrix(pairs, analyses, params.stats())
    predicted = [score_features(row, params).overall for row in x]
    return {
        "n": len(pairs),
        "pearson": round(pearson(predicted, [p.gold["overall"] for p in pairs]), 4),
        "seconds": round(time.perf_counter() - start, 3),
    }
