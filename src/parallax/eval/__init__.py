"""Evaluation against labelled data: story clustering, pair similarity, quotes, comparison."""

import os
from pathlib import Path


def shared_data() -> Path:
    """The labelled evaluation data: $PARALLAX_DATA, else ../shared/data beside the project."""
    configured = os.environ.get("PARALLAX_DATA")
    project = Path(__file__).resolve().parents[3]  # src/parallax/eval/__init__.py -> project
    return Path(configured) if configured else project.parent / "shared" / "data"
