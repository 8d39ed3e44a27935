"""The comparison JSON rendered for people: terminal text (rich), Markdown, and one HTML file.

All three show the same sections in the same order, built from one view of the comparison
(`_View`): articles are cited by a short number ([1], [2] …) with their outlet, so a claim's
sources can be read at a glance. The HTML report is a single self-contained file (inline CSS,
no script, no external asset) and every string that came from an article is escaped: article
text is untrusted input.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("text", "json", "md", "html")
SHOW_FACTS = 12  # per status in text and Markdown; the HTML report lists them all
SHOW_ENTITIES = 20
STATUS_LABEL = {"corroborated": "corroborated", "disputed": "disputed",
                "single_source": "single source"}  # fmt: skip


def _when(iso: str) -> str:
    """A timestamp for people: the date, and the time of day when one is known (not midnight)."""
    day, _, rest = iso.partition("T")
    clock = rest[:5]
    return day if clock in ("", "00:00") else f"{day} {clock}"


def render(comparison: dict, fmt: str) -> str:
    renderers: dict[str, Callable[[dict], str]] = {
        "json": lambda c: json.dumps(c, ensure_ascii=False, indent=2),
        "text": _text,
        "md": _markdown,
        "html": _html,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderers[fmt](comparison)


@dataclass
class _View:
    c: dict
    number: dict[str, int]  # article id -> citation number
    facts: dict[str, dict]

    @classmethod
    def of(cls, c: dict) -> _View:
        number = {a["id"]: k for k, a in enumerate(c.get("articles", []), 1)}
        return cls(c, number, {f["id"]: f for f in c.get("facts", [])})

    def outlet(self, article_id: str) -> str:
        """The outlet, else the file or URL the article came from (by its last part)."""
        for a in self.c.get("articles", []):
            if a["id"] == article_id:
                source = (a.get("source") or "").rstrip("/").rsplit("/", 1)[-1]
                return a.get("outlet") or source or article_id
        return article_id

    def cite(self, ids: list[str]) -> str:
        return "[" + ", ".join(str(self.number.get(i, i)) for i in dict.fromkeys(ids)) + "]"

    def fact_articles(self, fact: dict) -> list[str]:
        return list(dict.fromkeys(m["article"] for m in fact["mentions"]))

    def by_status(self, status: str) -> list[dict]:
        return [f for f in self.c.get("facts", []) if f["status"] == status]

    def fact_text(self, fact_id: str) -> str:
        return self.facts.get(fact_id, {}).get("text", fact_id)

    def copy_groups(self) -> list[list[str]]:
        """Articles linked by reuse, as groups: each group is one origin."""
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                x = parent[x]
            return x

        for r in self.c.get("reuse", []):
            parent[find(r["target"])] = find(r["source"])
        groups: dict[str, list[str]] = {}
        for x in list(parent):
            groups.setdefault(find(x), []).append(x)
        return [sorted(g, key=lambda i: self.number.get(i, 0)) for g in groups.values()]

    def headline(self) -> str:
        arts = self.c.get("articles", [])
        langs = sorted({a.get("lang") or "?" for a in arts})
        outlets = {self.outlet(a["id"]) for a in arts}
        return f"{len(arts)} articles · {len(outlets)} sources · languages: {', '.join(langs)}"


# ------------------------------------------------------------------------------------------
# text (rich)
# ------------------------------------------------------------------------------------------


def _text(c: dict) -> str:
    v = _View.of(c)
    buf = io.StringIO()
    con = Console(file=buf, width=110, record=True, color_system=None, soft_wrap=False)
    con.rule("parallax · coverage comparison")
    con.print(v.headline())
    t = Table("#", "outlet", "lang", "published", "title", header_style="bold", expand=False)
    for a in c.get("articles", []):
        t.add_row(str(v.number[a["id"]]), v.outlet(a["id"]),
                  a.get("lang") or "", (a.get("published") or "")[:10], a.get("title") or "")
    con.print(t)
    _text_section(con, "Summary (every sentence cites its sources)")
    for s in c.get("summary", []):
        con.print(Text(f"• {s['text']} {v.cite(s['articles'])}"))
    for status in ("corroborated", "disputed", "single_source"):
        facts = v.by_status(status)
        if not facts:
            continue
        _text_section(con, f"Facts: {STATUS_LABEL[status]} ({len(facts)})")
        for f in facts[:SHOW_FACTS]:
            con.print(Text(f"{f['id']:>4}  {f['text']} {v.cite(v.fact_articles(f))} "
                           f"· {f['independent_sources']} independent"))
        if len(facts) > SHOW_FACTS:
            con.print(f"      … {len(facts) - SHOW_FACTS} more (see --format json/html)")
    if c.get("conflicts"):
        _text_section(con, f"Conflicts ({len(c['conflicts'])})")
        for k in c["conflicts"]:
            con.print(Text(f"{k['about']}: {v.fact_text(k['fact'])}"))
            for val in k["values"]:
                con.print(Text(f"    {val['value']:<28} {v.cite([val['article']])} "
                               f"{v.outlet(val['article'])}"))
    if c.get("quotes"):
        _text_section(con, f"Quote variants ({len(c['quotes'])})")
        for q in c["quotes"]:
            con.print(Text(f"{q['speaker']} · agreement {q['agreement']:.2f}"))
            for var in q["variants"]:
                con.print(Text(f"    {v.cite([var['article']])} “{var['text']}”"))
    if c.get("reuse"):
        _text_section(con, "Copy chains")
        for r in c["reuse"]:
            credit = f" · credits {r['credited']}" if r.get("credited") else ""
            con.print(Text(f"{v.cite([r['source']])} {v.outlet(r['source'])} → "
                           f"{v.cite([r['target']])} {v.outlet(r['target'])}: "
                           f"{r['shared_fraction']:.0%} shared{credit}"))
    if c.get("entities"):
        _text_section(con, "Entities")
        t = Table("name", "type", "aliases", "articles", header_style="bold")
        for e in c["entities"][:SHOW_ENTITIES]:
            t.add_row(e["name"], e["type"], ", ".join(e["aliases"][:4]), v.cite(e["articles"]))
        con.print(t)
    if c.get("timeline"):
        _text_section(con, "Timeline (first report of each fact)")
        for row in c["timeline"][:SHOW_FACTS]:
            con.print(Text(f"{_when(row['time']):<16}  {v.cite([row['article']])} "
                           f"{v.fact_text(row['fact'])}"))
    if c.get("similarity"):
        _text_section(con, "Article pairs (1 = same story … 4 = unrelated)")
        for p in c["similarity"]:
            same = "same story" if p["same_story"] else "different"
            con.print(f"{v.cite([p['a'], p['b']])} overall {p['overall']:.2f} · {same}")
    return con.export_text()


def _text_section(con: Console, title: str) -> None:
    con.print()
    con.rule(title, align="left")


# ------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _markdown(c: dict) -> str:
    v = _View.of(c)
    e = _md_escape
    out = ["# Coverage comparison", "", v.headline(), "",
           "| # | outlet | lang | published | title |", "|---|---|---|---|---|"]
    for a in c.get("articles", []):
        out.append(f"| {v.number[a['id']]} | {e(v.outlet(a['id']))} | "
                   f"{a.get('lang') or ''} | {(a.get('published') or '')[:10]} | "
                   f"{e(a.get('title') or '')} |")
    out += ["", "## Summary", ""]
    out += [f"- {e(s['text'])} {v.cite(s['articles'])}" for s in c.get("summary", [])]
    for status in ("corroborated", "disputed", "single_source"):
        facts = v.by_status(status)
        if facts:
            out += ["", f"## Facts: {STATUS_LABEL[status]} ({len(facts)})", ""]
            out += [f"- **{f['id']}** {e(f['text'])} {v.cite(v.fact_articles(f))} "
                    f"({f['independent_sources']} independent)" for f in facts[:SHOW_FACTS]]
    if c.get("conflicts"):
        out += ["", "## Conflicts", ""]
        for k in c["conflicts"]:
            vals = "; ".join(f"{e(x['value'])} {v.cite([x['article']])}" for x in k["values"])
            out.append(f"- **{k['about']}** — {e(v.fact_text(k['fact']))}: {vals}")
    if c.get("quotes"):
        out += ["", "## Quote variants", ""]
        for q in c["quotes"]:
            out.append(f"- **{e(q['speaker'])}** (agreement {q['agreement']:.2f})")
            out += [f"  - {v.cite([x['article']])} “{e(x['text'])}”" for x in q["variants"]]
    if c.get("reuse"):
        out += ["", "## Copy chains", ""]
        for r in c["reuse"]:
            credit = f", credits {e(r['credited'])}" if r.get("credited") else ""
            out.append(f"- {v.cite([r['source']])} {e(v.outlet(r['source']))} → "
                       f"{v.cite([r['target']])} {e(v.outlet(r['target']))}: "
                       f"{r['shared_fraction']:.0%} shared{credit}")
    if c.get("entities"):
        out += ["", "## Entities", "", "| name | type | aliases | articles |", "|---|---|---|---|"]
        out += [f"| {e(x['name'])} | {x['type']} | {e(', '.join(x['aliases'][:4]))} | "
                f"{v.cite(x['articles'])} |" for x in c["entities"][:SHOW_ENTITIES]]
    if c.get("timeline"):
        out += ["", "## Timeline", ""]
        out += [f"- {_when(row['time'])} {v.cite([row['article']])} {e(v.fact_text(row['fact']))}"
                for row in c["timeline"][:SHOW_FACTS]]
    if c.get("similarity"):
        out += ["", "## Article pairs", "", "| pair | overall (1–4) | same story |",
                "|---|---|---|"]
        out += [f"| {v.cite([p['a'], p['b']])} | {p['overall']:.2f} | "
                f"{'yes' if p['same_story'] else 'no'} |" for p in c["similarity"]]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f5f6f8;color:#1d2330;font:15px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
header{background:#1d2330;color:#fff;padding:22px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:650}
header p{margin:0;color:#c5cad6}
main{max-width:1180px;margin:0 auto;padding:20px 32px 48px}
section{background:#fff;border:1px solid #e2e5eb;border-radius:10px;padding:16px 20px;
margin:0 0 18px}
h2{font-size:17px;margin:0 0 12px;display:flex;gap:10px;align-items:center}
h2 .n{font-weight:500;color:#6b7385;font-size:14px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #edf0f4;vertical-align:top}
th{color:#5b6476;font-weight:600;background:#fafbfc}
.cite{color:#3a5bd9;font-weight:600;font-size:12px;white-space:nowrap}
.nowrap{white-space:nowrap}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;
white-space:nowrap}
.corroborated{background:#dcf3e4;color:#17693a}
.disputed{background:#fde2e1;color:#a1261f}
.single_source{background:#eceef3;color:#4d5566}
.summary li{margin:0 0 8px}
ul{margin:0;padding-left:20px}
.fact{display:grid;grid-template-columns:44px 1fr auto;gap:10px;padding:7px 0;
border-bottom:1px solid #f0f2f5}
.fact:last-child{border-bottom:0}
.fid{color:#8a92a3;font-size:13px}
.meta{color:#6b7385;font-size:12px}
.conflict{border-left:4px solid #d9534f;padding:6px 12px;margin:0 0 12px;background:#fff8f7}
.conflict .about{font-weight:700;text-transform:uppercase;font-size:12px;color:#a1261f}
.value{display:inline-block;margin:4px 6px 0 0;padding:3px 9px;border-radius:6px;
background:#fff;border:1px solid #f1c4c1;font-size:13px}
.quote{margin:0 0 14px}
.quote blockquote{margin:4px 0 4px 0;padding:4px 12px;border-left:3px solid #b9c3e6;
background:#f7f8fd}
.bar{height:8px;background:#e8ebf2;border-radius:4px;overflow:hidden;width:140px;
display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;background:#3a5bd9}
.chain{padding:6px 0;border-bottom:1px solid #f0f2f5}
details summary{cursor:pointer;color:#3a5bd9;margin:8px 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
.sim td{text-align:center;font-size:12px}
.alias{color:#5b6476}
footer{color:#8a92a3;font-size:12px;text-align:center;padding:10px}
"""


def _html(c: dict) -> str:
    v = _View.of(c)
    e = html.escape
    arts = c.get("articles", [])
    title = next((a.get("title") for a in arts if a.get("title")), None) or "Coverage comparison"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{e(title)} · parallax</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{e(title)}</h1><p>{e(v.headline())}</p></header><main>",
        _html_articles(v),
        _html_summary(v),
        _html_facts(v),
        "<div class='grid'>",
        _html_conflicts(v),
        _html_reuse(v),
        "</div>",
        _html_quotes(v),
        "<div class='grid'>",
        _html_entities(v),
        _html_timeline(v),
        "</div>",
        _html_similarity(v),
        "</main><footer>parallax · every sentence above is taken from, and cites, the articles"
        " listed at the top</footer></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _cite_html(v: _View, ids: list[str]) -> str:
    names = ", ".join(v.outlet(i) for i in dict.fromkeys(ids))
    return f"<span class='cite' title='{html.escape(names)}'>{html.escape(v.cite(ids))}</span>"


def _section(title: str, count: int | None, body: str) -> str:
    n = f"<span class='n'>{count}</span>" if count is not None else ""
    return f"<section><h2>{html.escape(title)} {n}</h2>{body}</section>"


def _html_articles(v: _View) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td class='cite'>[{v.number[a['id']]}]</td><td>{e(v.outlet(a['id']))}</td>"
        f"<td>{e(a.get('lang') or '')}</td>"
        f"<td class='nowrap'>{e(_when(a.get('published') or ''))}</td>"
        f"<td>{_linked(a.get('title') or a.get('url') or '', a.get('url'))}</td>"
        f"<td class='meta'>{e(a['id'])}</td></tr>"
        for a in v.c.get("articles", [])
    )
    return _section("Articles", len(v.c.get("articles", [])),
                    "<table><tr><th>#</th><th>outlet</th><th>lang</th><th>published</th>"
                    f"<th>title</th><th>id</th></tr>{rows}</table>")


def _linked(text: str, url: str | None) -> str:
    """Text linking to the article when its URL is a web address (nothing else is a link)."""
    label = html.escape(text)
    if url and url.startswith(("http://", "https://")):
        return f"<a href='{html.escape(url)}' rel='noopener noreferrer'>{label}</a>"
    return label


def _html_summary(v: _View) -> str:
    items = "".join(f"<li>{html.escape(s['text'])} {_cite_html(v, s['articles'])}</li>"
                    for s in v.c.get("summary", []))
    return _section("Summary", None, f"<ul class='summary'>{items}</ul>") if items else ""


def _fact_row(v: _View, f: dict) -> str:
    status = f["status"]
    return (f"<div class='fact'><span class='fid'>{html.escape(f['id'])}</span>"
            f"<span>{html.escape(f['text'])} {_cite_html(v, v.fact_articles(f))}</span>"
            f"<span><span class='badge {status}'>{STATUS_LABEL.get(status, status)}</span> "
            f"<span class='meta'>{f['independent_sources']} indep.</span></span></div>")


def _html_facts(v: _View) -> str:
    body = []
    for status in ("corroborated", "disputed", "single_source"):
        facts = v.by_status(status)
        if not facts:
            continue
        head = "".join(_fact_row(v, f) for f in facts[:SHOW_FACTS])
        rest = "".join(_fact_row(v, f) for f in facts[SHOW_FACTS:])
        more = (f"<details><summary>{len(facts) - SHOW_FACTS} more</summary>{rest}</details>"
                if rest else "")
        body.append(f"<h3 class='meta'>{STATUS_LABEL[status]} ({len(facts)})</h3>{head}{more}")
    return _section("Facts", len(v.c.get("facts", [])), "".join(body)) if body else ""


def _html_conflicts(v: _View) -> str:
    e = html.escape
    items = []
    for k in v.c.get("conflicts", []):
        values = "".join(
            f"<span class='value'>{e(x['value'])} {_cite_html(v, [x['article']])}</span>"
            for x in k["values"]
        )
        items.append(f"<div class='conflict'><div class='about'>{e(k['about'])}</div>"
                     f"<div>{e(v.fact_text(k['fact']))}</div>{values}</div>")
    body = "".join(items) or "<p class='meta'>No contradiction found between the sources.</p>"
    return _section("Conflicts", len(items), body)


def _html_reuse(v: _View) -> str:
    e = html.escape
    rows = []
    for r in v.c.get("reuse", []):
        pct = max(0.0, min(1.0, float(r["shared_fraction"])))
        credit = f" · credits <b>{e(r['credited'])}</b>" if r.get("credited") else ""
        rows.append(
            f"<div class='chain'>{_cite_html(v, [r['source']])} {e(v.outlet(r['source']))} → "
            f"{_cite_html(v, [r['target']])} {e(v.outlet(r['target']))}<br>"
            f"<span class='bar'><span style='width:{pct * 100:.0f}%'></span></span> "
            f"<span class='meta'>{pct:.0%} of the text shared{credit}</span></div>"
        )
    groups = [g for g in v.copy_groups() if len(g) > 1]
    if groups:
        listed = "".join(f"<li>{', '.join(e(v.outlet(i)) + ' ' + _cite_html(v, [i]) for i in g)}"
                         "</li>" for g in groups)
        rows.append("<p class='meta'>Copy groups (each counts as one source):</p>"
                    f"<ul>{listed}</ul>")
    body = "".join(rows) or "<p class='meta'>No reused text between the articles.</p>"
    return _section("Copy chains", len(v.c.get("reuse", [])), body)


def _html_quotes(v: _View) -> str:
    e = html.escape
    items = []
    for q in v.c.get("quotes", []):
        variants = "".join(
            f"<blockquote>“{e(x['text'])}” {_cite_html(v, [x['article']])} "
            f"<span class='meta'>{e(v.outlet(x['article']))}</span></blockquote>"
            for x in q["variants"]
        )
        items.append(f"<div class='quote'><b>{e(q['speaker'])}</b> <span class='meta'>"
                     f"agreement {q['agreement']:.2f}</span>{variants}</div>")
    return _section("Quote variants", len(items), "".join(items)) if items else ""


def _html_entities(v: _View) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(x['name'])}</td><td class='meta'>{e(x['type'])}</td>"
        f"<td class='alias'>{e(', '.join(x['aliases'][:5]))}</td>"
        f"<td>{_cite_html(v, x['articles'])}</td></tr>"
        for x in v.c.get("entities", [])[:SHOW_ENTITIES]
    )
    if not rows:
        return ""
    return _section("Entities", len(v.c.get("entities", [])),
                    "<table><tr><th>name</th><th>type</th><th>also written</th><th>in</th></tr>"
                    f"{rows}</table>")


def _html_timeline(v: _View) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td class='meta nowrap'>{e(_when(row['time']))}</td>"
        f"<td>{e(v.fact_text(row['fact']))} {_cite_html(v, [row['article']])}</td></tr>"
        for row in v.c.get("timeline", [])[:SHOW_ENTITIES]
    )
    if not rows:
        return ""
    return _section("Timeline · first report", len(v.c.get("timeline", [])),
                    f"<table>{rows}</table>")


def _html_similarity(v: _View) -> str:
    arts = v.c.get("articles", [])
    pairs = {(p["a"], p["b"]): p for p in v.c.get("similarity", [])}
    if not pairs:
        return ""
    head = "".join(f"<th class='cite'>[{v.number[a['id']]}]</th>" for a in arts)
    rows = []
    for a in arts:
        cells = []
        for b in arts:
            p = pairs.get((a["id"], b["id"])) or pairs.get((b["id"], a["id"]))
            if p is None:
                cells.append("<td></td>")
                continue
            shade = int(255 - (4 - float(p["overall"])) / 3 * 120)
            mark = "●" if p["same_story"] else ""
            cells.append(f"<td style='background:rgb({shade},{shade + 0},255)' "
                         f"title='geography {p['aspects']['geography']:.2f}, entities "
                         f"{p['aspects']['entities']:.2f}, time {p['aspects']['time']:.2f}, "
                         f"narrative {p['aspects']['narrative']:.2f}'>"
                         f"{float(p['overall']):.1f}{mark}</td>")
        rows.append(f"<tr><th class='cite'>[{v.number[a['id']]}]</th>{''.join(cells)}</tr>")
    return _section("Article pairs", len(pairs),
                    "<p class='meta'>Overall similarity on the SemEval scale (1 = same story, "
                    "4 = unrelated); ● = judged the same story.</p>"
                    f"<table class='sim'><tr><th></th>{head}</tr>{''.join(rows)}</table>")
