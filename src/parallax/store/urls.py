"""Where the store lives: one URL for SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DB = "sqlite:///parallax.db"
ENV_VAR = "PARALLAX_DB"
_PG_SCHEMES = ("postgres://", "postgresql://")
_PG_DRIVER = "postgresql+psycopg://"


class StoreError(Exception):
    """A store problem the user can act on (bad URL, unreachable server, failed write)."""


class ConcurrentAssignment(StoreError):
    """Another process assigned stories after this one read the state its decisions rest on:
    writing them would hand the same new story id to unrelated articles. Nothing was written;
    the caller clusters again from the new state."""


def resolve_db_url(value: str | None) -> str:
    """Explicit value, else $PARALLAX_DB, else the default; bare paths mean SQLite files.

    Plain `postgres://` URLs (as printed by most hosting services) are pointed at psycopg 3,
    the only PostgreSQL driver parallax installs.
    """
    url = (value or "").strip() or os.environ.get(ENV_VAR, "").strip() or DEFAULT_DB
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    for scheme in _PG_SCHEMES:
        if url.startswith(scheme):
            return _PG_DRIVER + url[len(scheme) :]
    return url


def parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"invalid database URL {url!r}: expected sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DBNAME"
        ) from exc


def public_url(url: URL) -> str:
    """The URL without its password, safe to print and to return from the API."""
    return url._replace(password=None).render_as_string(hide_password=False)
