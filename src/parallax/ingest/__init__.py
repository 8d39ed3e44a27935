"""Readers: files, folders, globs, stdin and URLs in many formats -> normalised Articles.

Bad input never raises out of `read_inputs`: it yields one ReadError per bad item and goes on.
"""

from .limits import Limits
from .records import article_from_html, article_from_record, article_from_text
from .sources import read_inputs

__all__ = [
    "Limits",
    "article_from_html",
    "article_from_record",
    "article_from_text",
    "read_inputs",
]
