"""Resolve what a user typed (files, folders, globs, "-", URLs) into payloads, lazily.

Nothing here raises for bad input: every failure becomes one ReadError naming the item, and
the next item is read.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO
from urllib.parse import urlsplit

from parallax.model import Article, ReadError

from .fetch import fetch
from .formats import GZIP_MAGIC, Context, Payload, read_payload
from .limits import Budget, Limits, format_size, gunzip_capped
from .warc import read_warc

Item = Article | ReadError
_GLOB_CHARS = frozenset("*?[")


def read_inputs(
    inputs: Iterable[str],
    *,
    allow_private: bool = False,
    limits: Limits | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Item]:
    """Articles and per-item errors from files, folders, globs, "-" (stdin) and http(s) URLs."""
    limits = limits or Limits()
    ctx = Context(limits, Budget(limits.max_total_decompressed))
    if isinstance(inputs, str | os.PathLike):  # one path given bare, not a list of characters
        inputs = [inputs]
    for raw in map(os.fspath, inputs):
        if raw == "-":
            yield from _guarded("stdin", lambda: _read_stdin(stdin or sys.stdin.buffer, ctx))
        elif urlsplit(raw).scheme.lower() in ("http", "https"):
            yield from _guarded(raw, lambda raw=raw: _read_url(raw, allow_private, ctx))
        else:
            yield from _read_path_input(raw, ctx)


def _guarded(item: str, read: Callable[[], Iterator[Item]]) -> Iterator[Item]:
    """Run one item's reader; whatever it yielded stays, a failure adds one ReadError."""
    try:
        yield from read()
    except ValueError as err:
        yield ReadError(item, str(err))
    except OSError as err:  # unreadable file, vanished mid-walk, permissions
        yield ReadError(item, f"cannot read: {err.strerror or err}")
    except Exception as err:  # a library bug on odd input must not end the batch
        yield ReadError(item, f"unexpected {type(err).__name__}: {err}")


def _read_path_input(raw: str, ctx: Context) -> Iterator[Item]:
    if os.path.isdir(raw):
        paths = list(_walk(raw))
    elif os.path.exists(raw):
        paths = [raw]
    elif _GLOB_CHARS & set(raw):
        paths = _expand_glob(raw)
        if not paths:
            yield ReadError(raw, "pattern matched no files")
            return
    else:
        yield ReadError(raw, "no such file or directory")
        return
    for path in paths:
        yield from _guarded(path, lambda path=path: _read_file(path, ctx))


def _walk(folder: str) -> Iterator[str]:
    """Files under a folder in a stable order, skipping hidden files and folders."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


def _expand_glob(pattern: str) -> list[str]:
    paths: list[str] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        paths.extend(_walk(match) if os.path.isdir(match) else [match])
    return paths


def _read_file(path: str, ctx: Context) -> Iterator[Item]:
    lower = path.lower()
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError("empty file")
    if lower.endswith((".warc", ".warc.gz")):
        # Streamed record by record: per-record and total limits apply, not the file size.
        with open(path, "rb") as stream:
            yield from read_warc(stream, path, ctx.limits, ctx.budget)
        return
    if size > ctx.limits.max_file_bytes:
        raise ValueError(
            f"file is {format_size(size)}, limit {format_size(ctx.limits.max_file_bytes)}"
        )
    with open(path, "rb") as stream:
        head = stream.read(2)
        stream.seek(0)
        if head == GZIP_MAGIC:
            data = gunzip_capped(stream, ctx.limits.max_member_bytes)
            ctx.budget.spend(len(data))
            name = path[:-3] if lower.endswith(".gz") else path
        else:
            data, name = stream.read(), path
    yield from read_payload(Payload(data, path, name), ctx)


def _read_stdin(stream: BinaryIO, ctx: Context) -> Iterator[Item]:
    cap = ctx.limits.max_file_bytes
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"input exceeds {format_size(cap)} limit")
    yield from read_payload(Payload(data, "stdin"), ctx)


def _read_url(url: str, allow_private: bool, ctx: Context) -> Iterator[Item]:
    download = fetch(url, allow_private=allow_private, limits=ctx.limits)
    payload = Payload(
        download.body, url, urlsplit(download.url).path, download.content_type, download.url
    )
    yield from read_payload(payload, ctx)
