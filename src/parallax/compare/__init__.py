"""Coverage comparison: how a set of articles agree and differ, as the comparison JSON.

    articles + analyses -> sentences (material.py) -> alignment (align.py)
        -> reuse and copy groups (reuse.py) -> facts with independent origins (facts.py)
        -> conflicts (conflicts.py), quote variants (quotes.py), entities (entities.py)
        -> grounded summary and timeline (summary.py) -> render (render.py)

The keys and their meaning are documented in /DESIGN.md ("Comparison JSON") and in README.md
next to this file. Any set of articles can be compared (a stored story, or files given on the
command line); nothing here reads a store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations

from parallax.compare.align import align
from parallax.compare.conflicts import conflict_json, find_conflicts
from parallax.compare.entities import entity_rows
from parallax.compare.facts import build_facts, fact_json
from parallax.compare.material import Embedder, Material, build_material
from parallax.compare.quotes import find_quote_groups, quote_json
from parallax.compare.render import render
from parallax.compare.reuse import find_reuse, origins
from parallax.compare.summary import summarize, timeline
from parallax.model import Analysis, Article

__all__ = ["COMPARISON_VERSION", "compare_articles", "render"]

# Bump when a change alters what a comparison says for the same analyses: comparisons cached in
# a store (parallax.web.comparisons) are recomputed when it no longer matches.
# 2: sentences aligned by USE where it knows every language; person conflicts need one role.
COMPARISON_VERSION = "2"

log = logging.getLogger(__name__)


def compare_articles(
    articles: Sequence[Article],
    analyses: Sequence[Analysis] | None = None,
    *,
    lang: str = "en",
    embed: Embedder | None = None,
) -> dict:
    """The comparison JSON for these articles; analyses are computed when not given.

    `embed` maps texts to L2-normalised vectors (default: a sentence model chosen for the
    articles' languages, see encoders.py).
    """
    if analyses is None:
        from parallax.analyze import analyze_many
        from parallax.analyze.pipeline import article_language
        from parallax.compare.encoders import preload_for

        if embed is None:
            preload_for(article_language(a) for a in articles)
        analyses = analyze_many(list(articles))
    material = build_material(articles, _in_order(articles, analyses), embed)
    alignment = align(material)
    reuse = find_reuse(material)
    facts = build_facts(material, alignment, origins(len(articles), reuse), lang)
    quotes = find_quote_groups(material)
    conflicts = find_conflicts(material, alignment, facts, quotes)
    arts = material.articles
    return {
        "articles": [_article_json(material, i) for i in range(len(arts))],
        "similarity": _similarity(material),
        "facts": [fact_json(material, f) for f in facts],
        "conflicts": [conflict_json(material, c) for c in conflicts],
        "quotes": [quote_json(material, g) for g in quotes],
        "reuse": [
            {
                "source": arts[r.source].id,
                "target": arts[r.target].id,
                "shared_fraction": r.shared_fraction,
                "credited": r.credited,
            }
            for r in reuse
        ],
        "entities": entity_rows(material),
        "summary": summarize(material, facts, lang),
        "timeline": timeline(material, facts),
    }


def _in_order(articles: Sequence[Article], analyses: Sequence[Analysis]) -> list[Analysis]:
    """Analyses matched to articles by id (callers may pass them in any order)."""
    by_id = {a.article_id: a for a in analyses}
    missing = [a.id for a in articles if a.id not in by_id]
    if missing:
        raise ValueError(f"no analysis for article(s): {', '.join(missing)}")
    return [by_id[a.id] for a in articles]


def _article_json(material: Material, i: int) -> dict:
    """The article's summary, with the language and date the analysis settled on."""
    published = material.published(i)
    return {
        **material.articles[i].summary(),
        "lang": material.lang(i),
        "published": published.isoformat() if published else None,
    }


def _similarity(material: Material) -> list[dict]:
    """Every pair scored by the linker; a linker that cannot score (no fitted parameters) leaves
    the list empty with a warning rather than losing the whole comparison."""
    from parallax.link.features import pair_features, profile
    from parallax.link.params import LinkParams
    from parallax.link.similarity import score_features

    try:
        params = LinkParams.load()
    except (OSError, ValueError) as exc:
        log.warning("pair similarity unavailable: %s", exc)
        return []
    # What `score_pair` does for one pair, with each article profiled once for all its pairs.
    stats = params.stats()
    profiles = [profile(a) for a in material.analyses]
    rows = []
    for i, j in combinations(range(len(material.articles)), 2):
        s = score_features(pair_features(profiles[i], profiles[j], stats), params)
        rows.append(
            {
                "a": material.articles[i].id,
                "b": material.articles[j].id,
                "same_story": bool(s.same_story),
                "overall": round(float(s.overall), 3),
                "aspects": {
                    "geography": round(float(s.geography), 3),
                    "entities": round(float(s.entities), 3),
                    "time": round(float(s.time), 3),
                    "narrative": round(float(s.narrative), 3),
                },
            }
        )
    return rows
