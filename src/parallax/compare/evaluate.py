"""Scoring a comparison against hand-checked ground truth (events-dev/facts.jsonl layout).

One line per event: `facts` [{fact, articles}], `conflicts` [{about, values {article: value}}],
`quote_variants` [{speaker, articles {article: quote as printed}}], `copies` [{from, to}]. Each
event's articles are compared together with `compare_articles`, and every kind of annotation is
matched by one rule, written here and nowhere else:

- copy: found when `reuse` holds the pair, in either direction (the annotation often cannot
  tell who copied whom).
- quote variant group: found when one predicted quote group has variants in at least two of the
  annotated articles whose spans overlap the annotated quote there (located verbatim in the
  article text).
- conflict: found when one predicted conflict gives values for at least two annotated articles
  whose annotated values differ, and each of those predicted values agrees with the annotation
  (numbers: every annotated number occurs among the predicted ones; words: the folded annotated
  value occurs in the predicted one or vice versa). Precision: a predicted conflict is correct
  when it matches some annotated conflict by that rule; unannotated true conflicts count as
  errors, so the figure is a lower bound.
- multi-source fact (annotated with >= 2 articles): in each annotated article, the evidence is
  the predicted mention most similar to the annotation text (multilingual embeddings, query vs
  passage); the fact is found when one predicted fact holds the evidence of at least two of
  its articles.
- single-source fact (one article): correct when its evidence belongs to a fact with one
  independent source.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from itertools import combinations
from pathlib import Path

from parallax.analyze.names import fold
from parallax.model import Article

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ONLY = re.compile(r"\s*\((?:only|nur)\b[^)]*\)\s*$", re.I)

Compare = Callable[[list[Article]], dict]


def run_comparison_eval(
    facts_path: Path, articles_path: Path, compare: Compare | None = None
) -> dict:
    """Compare each annotated event's articles and score the result; one JSON-ready dict.

    `articles_path` is either a JSONL of articles with their text and gold `event`
    (events-dev), or a labels JSONL naming each article's `file` (and `url` for feed items)
    relative to its own folder (the demo corpus); annotations then cite `file` or `file#url`.
    """
    from parallax.compare import compare_articles

    compare = compare or compare_articles
    started = time.perf_counter()
    events = [json.loads(line) for line in _lines(Path(facts_path))]
    catalogue = _Catalogue(Path(articles_path))
    tallies: dict[str, list[int]] = {}
    per_event = []
    for event in events:
        articles = catalogue.event_articles(event)
        comparison = compare(list(articles.values()))
        gold = _translate(event, {ref: a.id for ref, a in articles.items()})
        scores = score_event(gold, comparison, {a.id: a for a in articles.values()})
        per_event.append({"event": event.get("event"), **_ratios(scores)})
        for name, (hit, total) in scores.items():
            t = tallies.setdefault(name, [0, 0])
            t[0] += hit
            t[1] += total
    return {
        "n_events": len(events),
        **_ratios({k: (v[0], v[1]) for k, v in tallies.items()}),
        "events": per_event,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _ratios(scores: dict[str, tuple[int, int]]) -> dict:
    return {
        name: {"score": round(hit / total, 3) if total else None, "hit": hit, "n": total}
        for name, (hit, total) in scores.items()
    }


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _Catalogue:
    """The annotated articles, read once, by the reference annotations use for them."""

    def __init__(self, path: Path) -> None:
        from parallax.ingest import article_from_record, read_inputs

        self.records = [json.loads(line) for line in _lines(path)]
        self.articles: dict[str, Article] = {}
        if all("text" in r for r in self.records):
            for n, r in enumerate(self.records, 1):
                self.articles[str(r["id"])] = article_from_record(r, source=f"{path}:{n}")
            self.events = {str(r["id"]): r.get("event") for r in self.records}
            return
        files = [r["file"] for r in self.records]
        read = [a for a in read_inputs([str(path.parent / f) for f in dict.fromkeys(files)])
                if isinstance(a, Article)]
        self.events = {}
        for r in self.records:
            shared = files.count(r["file"]) > 1  # a feed: its items are told apart by URL
            ref = f"{r['file']}#{r['url']}" if shared else r["file"]
            match = next((a for a in read if Path(a.source).as_posix().endswith(r["file"])
                          and (not shared or a.url == r["url"])), None)
            if match is not None:
                self.articles[ref] = match
                self.events[ref] = r.get("event")

    def event_articles(self, event: dict) -> dict[str, Article]:
        """Every article of the event's gold label, else every article the annotations cite."""
        label = event.get("event")
        refs = [ref for ref, ev in self.events.items() if label and ev == label]
        refs = refs or [ref for ref in _event_refs(event) if ref in self.articles]
        return {ref: self.articles[ref] for ref in refs}


def _event_refs(event: dict) -> list[str]:
    refs: list[str] = []
    for fact in event.get("facts", []):
        refs += fact["articles"]
    for conflict in event.get("conflicts", []):
        refs += list(conflict["values"])
    for group in event.get("quote_variants", []):
        refs += list(group["articles"])
    for copy in event.get("copies", []):
        refs += [copy["from"], copy["to"]]
    return list(dict.fromkeys(refs))


def _translate(event: dict, ids: dict[str, str]) -> dict:
    """The annotations with every article reference replaced by the article's id."""
    return {
        "facts": [{**f, "articles": [ids[a] for a in f["articles"] if a in ids]}
                  for f in event.get("facts", [])],
        "conflicts": [{**c, "values": {ids[a]: v for a, v in c["values"].items() if a in ids}}
                      for c in event.get("conflicts", [])],
        "quote_variants": [{**q, "articles": {ids[a]: t for a, t in q["articles"].items()
                                              if a in ids}}
                           for q in event.get("quote_variants", [])],
        "copies": [{**c, "from": ids[c["from"]], "to": ids[c["to"]]}
                   for c in event.get("copies", []) if c["from"] in ids and c["to"] in ids],
    }


def score_event(event: dict, comparison: dict, articles: dict[str, Article]) -> dict:
    """(hits, total) per measure for one event."""
    conflict_hits, conflict_precision = _conflicts(event.get("conflicts", []), comparison)
    multi, single = _facts(event.get("facts", []), comparison, articles)
    return {
        "conflicts_recall": conflict_hits,
        "conflicts_precision": conflict_precision,
        "copies_recall": _copies(event.get("copies", []), comparison),
        "quotes_recall": _quotes(event.get("quote_variants", []), comparison, articles),
        "multi_source_facts_recall": multi,
        "single_source_facts_accuracy": single,
    }


def _copies(gold: list[dict], comparison: dict) -> tuple[int, int]:
    pairs = {frozenset((r["source"], r["target"])) for r in comparison.get("reuse", [])}
    return sum(frozenset((c["from"], c["to"])) in pairs for c in gold), len(gold)


def _quotes(gold: list[dict], comparison: dict, articles: dict[str, Article]) -> tuple[int, int]:
    hits = 0
    for group in gold:
        spans = {}
        for article_id, quote in group["articles"].items():
            text = articles[article_id].text if article_id in articles else ""
            at = text.find(quote.strip())
            if at >= 0:
                spans[article_id] = (at, at + len(quote.strip()))
        hits += any(_quote_group_matches(spans, g) for g in comparison.get("quotes", []))
    return hits, len(gold)


def _quote_group_matches(spans: dict[str, tuple[int, int]], group: dict) -> bool:
    matched = {
        v["article"]
        for v in group["variants"]
        if v["article"] in spans
        and v["start"] < spans[v["article"]][1]
        and spans[v["article"]][0] < v["end"]
    }
    return len(matched) >= 2


def _conflicts(gold: list[dict], comparison: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    predicted = comparison.get("conflicts", [])
    recall = sum(any(conflict_matches(g, p) for p in predicted) for g in gold)
    precision = sum(any(conflict_matches(g, p) for g in gold) for p in predicted)
    return (recall, len(gold)), (precision, len(predicted))


def conflict_matches(gold: dict, predicted: dict) -> bool:
    values = gold["values"]
    agreeing = {
        v["article"]
        for v in predicted["values"]
        if v["article"] in values and values_agree(values[v["article"]], v["value"])
    }
    return len({fold(values[a]).strip() for a in agreeing}) >= 2


def values_agree(gold: str, predicted: str) -> bool:
    gold_numbers = _numbers(gold)
    if gold_numbers:
        found = _numbers(predicted)
        return all(any(abs(g - f) < 1e-6 for f in found) for g in gold_numbers)
    g, p = _folded(gold), _folded(predicted)
    return bool(g and p) and (g in p or p in g)


def _numbers(text: str) -> list[float]:
    return [float(m.replace(",", ".")) for m in _NUMBER.findall(text)]


def _folded(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def _facts(
    gold: list[dict], comparison: dict, articles: dict[str, Article]
) -> tuple[tuple[int, int], tuple[int, int]]:
    from parallax.analyze.embed import embed

    facts = comparison.get("facts", [])
    mentions = [
        (f["id"], m["article"], m["start"], m["end"]) for f in facts for m in f["mentions"]
    ]
    spans = list(dict.fromkeys((a, s, e) for _, a, s, e in mentions))
    if not gold or not spans:
        return (0, sum(len(g["articles"]) > 1 for g in gold)), (0, 0)
    vectors = embed([articles[a].text[s:e] for a, s, e in spans])
    queries = embed([_ONLY.sub("", g["fact"]) for g in gold], kind="query")
    row = {span: k for k, span in enumerate(spans)}
    facts_of: dict[tuple[str, int, int], set[str]] = {}
    for fid, a, s, e in mentions:
        facts_of.setdefault((a, s, e), set()).add(fid)
    sources = {f["id"]: f["independent_sources"] for f in facts}
    multi = [0, 0]
    single = [0, 0]
    for k, g in enumerate(gold):
        evidence = {}
        for article_id in g["articles"]:
            candidates = [sp for sp in spans if sp[0] == article_id]
            if candidates:
                evidence[article_id] = max(candidates, key=lambda sp: float(vectors[row[sp]]
                                                                           @ queries[k]))
        if len(g["articles"]) > 1:
            multi[1] += 1
            multi[0] += _linked(evidence.values(), facts_of)
        else:
            single[1] += 1
            span = next(iter(evidence.values()), None)
            single[0] += bool(span) and any(sources[f] == 1 for f in facts_of[span])
    return (multi[0], multi[1]), (single[0], single[1])


def _linked(evidence: Iterable[tuple[str, int, int]], facts_of: dict) -> bool:
    """Whether two pieces of evidence, from different articles, share a predicted fact."""
    return any(
        a[0] != b[0] and facts_of[a] & facts_of[b] for a, b in combinations(list(evidence), 2)
    )
