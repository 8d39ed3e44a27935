"""Entities across spellings and scripts: one row per real-world name, with every form used.

The analyzer gives each mention a canonical key; the NameResolver built over the whole set links
what keys alone cannot (a bare surname to the full name, an Arabic spelling to its Latin form).
The displayed name is the fullest Latin-script form writers used most, so a reader of any
language can recognise it; every other form is an alias.
"""

from __future__ import annotations

import re
from collections import Counter

from parallax.compare.material import Material

_LATIN = re.compile(r"^[\sA-Za-z\u00c0-\u024f\u1e00-\u1eff.'’-]+$")


def _forms(material: Material) -> dict[str, list[tuple[int, str, str]]]:
    """Resolved key -> (article, text, type) of every mention."""
    out: dict[str, list[tuple[int, str, str]]] = {}
    for i, analysis in enumerate(material.analyses):
        for e in analysis.entities:
            if e.key:
                key = material.resolve(e.key)
                out.setdefault(key, []).append((i, " ".join(e.text.split()), e.type))
    return out


def _display(texts: list[str]) -> str:
    counts = Counter(texts)
    latin = [t for t in counts if _LATIN.match(t)] or list(counts)
    return max(latin, key=lambda t: (len(t.split()), counts[t], len(t), t))


def display_name(material: Material, key: str) -> str | None:
    resolve = material.resolve
    texts = [" ".join(e.text.split()) for a in material.analyses for e in a.entities
             if e.key and resolve(e.key) == key]
    return _display(texts) if texts else None


def _type(forms: list[tuple[int, str, str]], name: str) -> str:
    """The type the displayed (fullest) form was given most: taggers often mistake a bare
    foreign surname for an organisation, rarely the full name."""
    named = [ty for _, text, ty in forms if text == name] or [ty for _, _, ty in forms]
    return Counter(named).most_common(1)[0][0]


def entity_rows(material: Material) -> list[dict]:
    rows = []
    for forms in _forms(material).values():
        texts = [t for _, t, _ in forms]
        name = _display(texts)
        by_form: dict[str, str] = {}
        for t in sorted(texts, key=lambda t: (-texts.count(t), t)):
            by_form.setdefault(t.casefold(), t)
        aliases = [t for f, t in by_form.items() if f != name.casefold()]
        type_ = _type(forms, name)
        articles = sorted({a for a, _, _ in forms})
        rows.append(
            {
                "name": name,
                "type": type_,
                "aliases": aliases,
                "articles": [material.articles[a].id for a in articles],
            }
        )
    rows.sort(key=lambda r: (-len(r["articles"]), r["name"]))
    return rows
