"""The persistent store: articles, analyses and stories on SQLite (default) or PostgreSQL.

    with Store.open("sqlite:///parallax.db") as store:
        store.add_articles(articles)
        hits = store.search("Lavrov Sochi")

See README.md in this folder for the schema and the reasons behind it.
"""

from parallax.store.search import MARK_END, MARK_START
from parallax.store.store import AddResult, SearchHit, Store
from parallax.store.urls import DEFAULT_DB, ConcurrentAssignment, StoreError, resolve_db_url

__all__ = [
    "DEFAULT_DB",
    "MARK_END",
    "MARK_START",
    "AddResult",
    "ConcurrentAssignment",
    "SearchHit",
    "Store",
    "StoreError",
    "resolve_db_url",
]
