"""Full-text search statements: FTS5 on SQLite, tsvector on PostgreSQL.

User input never reaches either query language as syntax. The query is cut into
whitespace-separated words (at most 32: a pasted article is not a search); on SQLite each becomes
a quoted FTS5 string (so `AND`, `*`, `"` or `NEAR` are just words), and PostgreSQL parses them
with `plainto_tsquery`, which has no operators at all. Both then match articles containing every
word, in title or text.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

MARK_START = "⟦"  # around matched words in snippets: rare in news text, easy to restyle
MARK_END = "⟧"
_SNIPPET_WORDS = 24
_MAX_WORDS = 32

_SQLITE = text(
    f"""
    SELECT a.id, snippet(articles_fts, -1, :mark_start, :mark_end, '…', {_SNIPPET_WORDS}),
           -bm25(articles_fts, 2.0, 1.0)
    FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid
    WHERE articles_fts MATCH :query
    ORDER BY bm25(articles_fts, 2.0, 1.0), a.seq DESC
    LIMIT :limit
    """
)

# The headline is computed for the returned page only: it re-parses whole documents.
_POSTGRES = text(
    """
    SELECT hit.id,
           ts_headline('simple', concat_ws(' — ', hit.title, hit.text), hit.query,
                       :headline_options),
           hit.rank
    FROM (
        SELECT a.id, a.title, a.text, a.seq, q.query, ts_rank_cd(a.search, q.query, 32) AS rank
        FROM articles a, plainto_tsquery('simple', :query) AS q(query)
        WHERE a.search @@ q.query
        ORDER BY rank DESC, a.seq DESC
        LIMIT :limit
    ) AS hit
    ORDER BY hit.rank DESC, hit.seq DESC
    """
)


def query_words(query: str) -> list[str]:
    """The searchable words: those holding at least one letter or digit."""
    return [word for word in query.split() if any(char.isalnum() for char in word)][:_MAX_WORDS]


def search_statement(dialect: str, words: list[str], limit: int) -> tuple[TextClause, dict]:
    """The statement and its bound parameters; rows are (article id, snippet, rank)."""
    if dialect == "sqlite":
        return _SQLITE, {
            "query": fts5_query(words),
            "mark_start": MARK_START,
            "mark_end": MARK_END,
            "limit": limit,
        }
    options = (
        f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords={_SNIPPET_WORDS}, '
        'MinWords=8, MaxFragments=1, FragmentDelimiter=" … "'
    )
    return _POSTGRES, {"query": " ".join(words), "headline_options": options, "limit": limit}


def fts5_query(words: list[str]) -> str:
    """Every word as an FTS5 string literal (quotes doubled), all of them required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)
