"""Size and time limits that keep one hostile or huge input from exhausting the machine."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from typing import BinaryIO

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """Defaults fit news: the largest real article pages are a few MiB; WARCs are streamed."""

    max_file_bytes: int = 50 * MiB  # one input file, stdin or archive-free download
    max_member_bytes: int = 20 * MiB  # decompressed size of one .gz payload or WARC record
    max_total_decompressed: int = 1 * GiB  # all decompressed bytes of one read_inputs() call
    max_url_bytes: int = 10 * MiB
    url_timeout: float = 20.0  # seconds, for the whole download


def format_size(n: int) -> str:
    """Sizes as people say them in an error message: "80 MiB", "1.5 KiB", "12 bytes"."""
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if n % size == 0 else f"{value:.1f} {unit}"
    return f"{n} bytes"


class BudgetExceeded(ValueError):
    """The call's decompression budget is spent: stop this input, not just one record."""


class Budget:
    """Decompressed bytes left for one read_inputs() call, so many small bombs add up too."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise BudgetExceeded(f"total decompressed size exceeds {format_size(self.limit)} limit")


def gunzip_capped(stream: BinaryIO, limit: int) -> bytes:
    """Decompress a gzip stream, refusing (before allocating it) anything larger than `limit`."""
    try:
        with gzip.GzipFile(fileobj=stream) as archive:
            data = archive.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"corrupt or truncated gzip data ({err})") from err
    if len(data) > limit:
        raise ValueError(f"decompressed size exceeds {format_size(limit)} limit")
    return data


def inflate_capped(data: bytes, encoding: str, limit: int) -> bytes:
    """Undo an HTTP Content-Encoding (gzip, deflate) under the same cap as gzip files."""
    # wbits 47 accepts gzip and zlib headers; -15 is the raw deflate some servers send.
    for wbits in (47,) if encoding == "gzip" else (15, -15):
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(data, limit + 1)
        except zlib.error:
            continue
        if len(out) > limit:
            raise ValueError(f"decompressed size exceeds {format_size(limit)} limit")
        return out
    raise ValueError(f"corrupt {encoding} content encoding")
