"""The web application: server-rendered pages, the JSON API, and the headers that keep both safe.

`create_app(db_url)` is all `parallax serve` needs. The store is opened here, so a bad URL
fails before the server starts listening; comparisons are refreshed by a background thread
while the app runs (see `comparisons.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parallax import __version__
from parallax.store import Store, StoreError
from parallax.web import api, pages
from parallax.web.comparisons import Refresher
from parallax.web.intake import Ingest

log = logging.getLogger(__name__)

# No inline script or style anywhere: article text that slipped through escaping still could
# not run, and nothing is loaded from other hosts (the app works offline).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Links out must not tell outlets what was read; same-origin still lets forms name their
    # origin (with no-referrer, browsers send "Origin: null" and the CSRF check cannot tell).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DESCRIPTION = """
One news story from every side. Stories group articles that report the same event; each story's
comparison tells what every source agrees on, what only one reports, where they contradict each
other, how each worded the same quote and who copied whom.

Errors are always `{"detail": "…"}`. Request bodies are limited to 5 MiB.
"""


def create_app(db_url: str | None = None, *, refresh: bool = True) -> FastAPI:
    """The app on the store at `db_url` (resolved like the CLI's `--db`). With `refresh`, a
    background thread keeps stories' cached comparisons current while the app runs."""
    store = Store.open(db_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        refresher = Refresher(store) if refresh else None
        if refresher:
            refresher.start()
        try:
            yield
        finally:
            if refresher:
                refresher.stop()
            store.close()

    app = FastAPI(
        title="parallax",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI loads its code from a CDN: /docs is rendered here instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.ingest = Ingest(store, threading.Lock())
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("parallax.web", "static")]), name="static")
    app.add_middleware(SameOrigin)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _crash)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error(request: Request, status: int, detail: str, headers: Any = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return pages.error_page(request, status, detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's list of error objects, said as one sentence."""
    assert isinstance(exc, RequestValidationError)
    parts = []
    for e in exc.errors():
        where, *name = e.get("loc", ("request",))
        field = ".".join(map(str, name))
        parts.append(f"{where} parameter {field!r}: {e['msg']}" if field else e["msg"])
    return _error(request, 422, "; ".join(parts))


async def _store_error(request: Request, exc: Exception) -> Response:
    log.error("store error on %s: %s", request.url.path, exc)
    return _error(request, 503, f"the database is unavailable: {exc}")


async def _crash(request: Request, exc: Exception) -> Response:
    """A bug still answers in the shape clients expect; the traceback goes to the log."""
    log.error("error on %s", request.url.path, exc_info=exc)
    return _error(request, 500, f"internal error ({type(exc).__name__}); see the server log")


class SecurityHeaders:
    """Adds the security headers to every response, pages, API and static files alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class SameOrigin:
    """Refuses state-changing requests sent by another site's page (cross-site request forgery).

    Browsers say where a request comes from in `Sec-Fetch-Site` (older ones only in `Origin`);
    API clients such as curl send neither and are let through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            origin = headers.get("origin")
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
            fetch_site = headers.get("sec-fetch-site")
            if fetch_site is not None:  # browsers since 2020 say where a request comes from
                refused = fetch_site not in ("same-origin", "none")
            else:
                refused = origin is not None and origin != own  # "null" (sandboxed) included
            if refused:
                response = JSONResponse({"detail": "cross-site request refused"}, 403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
