"""Bytes -> str for inputs of unknown origin, refusing binary data instead of decoding noise."""

from __future__ import annotations

import codecs
import re

from .normalize import language_confidence

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE = 8192
# C0 controls other than tab, newline, vertical tab, form feed, carriage return and escape.
_CONTROL_BYTES = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}))
_MAX_CONTROL_RATIO = 0.05
_DECLARED_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def bom_encoding(data: bytes) -> str | None:
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes: what images, archives and random bytes look like."""
    sample = data[:_SAMPLE]
    if not sample or bom_encoding(sample):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > _MAX_CONTROL_RATIO


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML head declares (meta charset, http-equiv, XML declaration)."""
    match = _DECLARED_CHARSET.search(data[:4096]) or re.search(
        rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9_.:-]+)""", data[:512]
    )
    return match.group(1).decode("ascii").lower() if match else None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """BOM, then strict UTF-8, then the declared charset, then charset detection.

    UTF-8 goes before the declaration because pages that are valid UTF-8 but declare
    ISO-8859-1 are far more common than the reverse.
    """
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    if looks_binary(data):
        raise ValueError("not text: looks binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in filter(None, (declared, declared_charset(data))):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    encoding = detect_encoding(data)
    if encoding is None:
        raise ValueError("cannot decode: not UTF-8 and no known character encoding fits")
    return data.decode(encoding, errors="replace")


_CHAOS_TOLERANCE = 0.02
_MAX_CANDIDATES = 8


def detect_encoding(data: bytes) -> str | None:
    """charset_normalizer's candidates, tie-broken by which decoding reads most like a language.

    Single-byte code pages often decode the same bytes with equal "chaos" (cp1250 and cp1254
    for Turkish), and charset_normalizer then picks the first; the language model tells
    "Dışişleri" from "Dýţiţleri".
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    least_chaos = min(match.chaos for match in matches)
    candidates = [m.encoding for m in matches if m.chaos <= least_chaos + _CHAOS_TOLERANCE]
    sample = data[:_SAMPLE]
    return max(
        candidates[:_MAX_CANDIDATES],
        key=lambda enc: language_confidence(sample.decode(enc, errors="ignore")),
    )
