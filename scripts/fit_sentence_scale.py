"""Fit the map of USE sentence cosines onto e5's scale (src/parallax/compare/sentence_scale.json).

    .venv/bin/python scripts/fit_sentence_scale.py            # fit and write
    .venv/bin/python scripts/fit_sentence_scale.py --no-write # print the quantiles only

Why: a comparison aligns sentences by thresholds chosen on e5 cosines; when it embeds them with
the faster USE model instead (see parallax/compare/encoders.py), USE cosines are read through
this quantile map. The pairs it is fitted on are the ones alignment sees: content sentences of
two different articles of one story. Stories come from sets the comparison is NOT evaluated on
(events-dev is held out): ECB+ events (English), SemEval pairs rated the same story
(Overall <= 2, in USE's languages, cross-lingual ones included) and the demo corpus. Each set
weighs the same (subsampled to the smallest set's pair count). Reads (never copies) --data.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from parallax.analyze.embed import FAST_LANGUAGES, embed, embed_fast
from parallax.analyze.pipeline import article_language
from parallax.analyze.sentences import split_sentences
from parallax.compare.encoders import SCALE_FILE, quantile_map
from parallax.compare.material import MAX_EMBEDDED_PER_ARTICLE, is_content
from parallax.eval.clusters import read_labelled, read_labelled_corpus
from parallax.eval.pairs import read_pairs
from parallax.model import Article

ROOT = Path(__file__).resolve().parents[1]
DOCS_PER_EVENT = 4  # ECB+ events have up to ~20 documents; 4 give 6 article pairs each
SEMEVAL_PAIRS = 150
SAME_STORY = 2.0  # SemEval Overall: 1 = same story ... 4 = unrelated
SEED = 7


def sentences(article: Article) -> list[str]:
    found = [s.text for s in split_sentences(article.text, article_language(article))
             if is_content(s.text)]
    return found[:MAX_EMBEDDED_PER_ARTICLE]


def story_cosines(stories: Sequence[Sequence[Article]]) -> tuple[np.ndarray, np.ndarray]:
    """USE and e5 cosines of every pair of sentences from two different articles of a story."""
    use, e5 = [], []
    for story in stories:
        texts, owner = [], []
        for n, article in enumerate(story):
            found = sentences(article)
            texts += found
            owner += [n] * len(found)
        if len(set(owner)) < 2:
            continue
        owner_ = np.asarray(owner)
        across = np.triu(owner_[:, None] != owner_[None, :], 1)
        u, e = embed_fast(texts), embed(texts)
        use.append((u @ u.T)[across])
        e5.append((e @ e.T)[across])
    return np.concatenate(use), np.concatenate(e5)


def in_use_languages(story: Sequence[Article]) -> bool:
    return all(article_language(a) in FAST_LANGUAGES for a in story)


def grouped(articles: list[Article], gold: list[str], per_event: int | None) -> list[list[Article]]:
    events: dict[str, list[Article]] = defaultdict(list)
    for article, event in zip(articles, gold, strict=True):
        events[event].append(article)
    return [group[:per_event] for group in events.values() if len(group) >= 2]


def story_sets(data: Path) -> dict[str, list[list[Article]]]:
    ecb = grouped(*read_labelled(data / "ecbplus-dev" / "documents.jsonl"), DOCS_PER_EVENT)
    pairs, articles = read_pairs(data / "semeval2022-t8-dev" / "pairs.csv")
    by_id = {a.id: a for a in articles}
    same = [[by_id[p.a], by_id[p.b]] for p in pairs if p.gold["overall"] <= SAME_STORY]
    same = [s for s in same if in_use_languages(s)][:SEMEVAL_PAIRS]
    sets = {"ecbplus-dev": ecb, "semeval2022-t8-dev": same}
    corpus = ROOT / "examples" / "corpus"
    if (corpus / "labels.jsonl").exists():
        demo = grouped(*read_labelled_corpus(corpus), None)
        sets["demo"] = [s for s in demo if in_use_languages(s)]
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=SCALE_FILE)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    measured = {name: story_cosines(stories) for name, stories in story_sets(args.data).items()}
    size = min(len(u) for u, _ in measured.values())
    rng = random.Random(SEED)
    use, e5 = [], []
    for name, (u, e) in measured.items():
        keep = sorted(rng.sample(range(len(u)), size))
        use.append(u[keep])
        e5.append(e[keep])
        print(f"{name}: {len(u)} sentence pairs, rank correlation of the two models "
              f"{spearmanr(u, e).statistic:.3f}")
    fitted = quantile_map(np.concatenate(use), np.concatenate(e5))
    fitted["fitted_on"] = {name: len(u) for name, (u, _) in measured.items()}
    fitted["pairs_per_set"] = size
    print(json.dumps(fitted))
    if not args.no_write:
        args.out.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
