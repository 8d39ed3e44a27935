"""Web UI and JSON API: `create_app(db_url)` is what `parallax serve` runs with uvicorn.

Pages are rendered on the server (Jinja2, autoescaped) with one small script for conveniences;
the API under /api returns the same data as JSON, described at /docs and /openapi.json.
"""

from parallax.web.app import create_app

__all__ = ["create_app"]
