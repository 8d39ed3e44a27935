"""Sentence splitting with exact character offsets into the article text.

Every later stage cites sentences by index and offsets, so the spans must index the original
text exactly and, together, cover every non-blank character. pysbd is used for the languages it
knows (it handles abbreviations well); other languages, and blocks too long for pysbd's
backtracking regexes, get a punctuation rule that knows common abbreviations and ordinal dots.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

from parallax.model import Sentence

# pysbd's cost grows faster than linearly on long unpunctuated blocks (menus, tables).
PYSBD_MAX_BLOCK = 5_000

_CLOSERS = "\"'”’»)]}›」』"
_TERMINALS = ".!?…。！？؟।॥"
_LINE = re.compile(r"[^\n]*\n?")
# A boundary candidate: terminal punctuation, optional closing quotes, then whitespace (or, after
# full-width CJK punctuation, nothing at all).
_BOUNDARY = re.compile(
    r"(?:[.!?…؟।॥]+[" + re.escape(_CLOSERS) + r"]*\s+|[。！？]+[" + re.escape(_CLOSERS) + r"]*\s*)"
)
_WORD_BEFORE = re.compile(r"(\w+(?:\.\w+)*)\.$")
# Words whose trailing dot is not a sentence end (lower-cased, without the final dot).
_ABBREVIATION_LIST = """
    mr mrs ms dr prof st gen col lt sgt capt cpt gov sen rep jr sr sra srta inc ltd co corp vs
    no nr nos ca approx fig vol art abs ch dept est jan feb mar apr jun jul aug sep sept oct nov
    dec mon tue wed thu fri sat sun bzw vgl z.b u.a d.h s.o o.ä usw evtl ggf dt hr fr hl mio mrd
    tsd ggü inkl bspw mme mlle cf av etc sn doç yrd vb örn sig dott ing avv on dipl
    г гг ул им т.е т.д т.п др пр см тыс млн млрд руб св
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())
# Languages that write ordinals as "29." (German "am 29. Dezember"), so "29." ends no sentence.
_ORDINAL_DOT_LANGS = "de da no nb nn sv fi is et lv lt pl cs sk sl hr sr bs hu tr"
_ORDINAL_DOT = frozenset(_ORDINAL_DOT_LANGS.split())
_ORDINAL = re.compile(r"(?:\d{1,3}|[IVXLC]{1,5})\.$")


def split_sentences(text: str, lang: str) -> list[Sentence]:
    """Split text into sentences; paragraph (line) breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    for start, end in _blocks(text):
        spans.extend(_split_block(text, start, end, lang))
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs: runs of lines, joining a line to the next only when it was merely wrapped
    (a line ending mid-phrase followed by one starting in lower case), as in hard-wrapped text."""
    blocks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for m in _LINE.finditer(text):
        line = m.group()
        if not line:
            break
        stripped = line.strip()
        if not stripped:
            if cur:
                blocks.append(cur)
            cur = None
            continue
        s = m.start() + len(line) - len(line.lstrip())
        e = m.start() + len(line.rstrip())
        if cur and _is_wrapped(text[cur[0] : cur[1]], stripped):
            cur = (cur[0], e)
        else:
            if cur:
                blocks.append(cur)
            cur = (s, e)
    if cur:
        blocks.append(cur)
    return blocks


def _is_wrapped(previous: str, line: str) -> bool:
    last, first = previous[-1], line[0]
    return (last.islower() or last in ",;-") and first.islower()


def _split_block(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    block = text[start:end]
    if not _BOUNDARY.search(block):
        return [(start, end)]  # no sentence end inside: nothing for pysbd to decide
    cuts = _pysbd_cuts(block, lang) if len(block) <= PYSBD_MAX_BLOCK else None
    if cuts is None:
        cuts = _rule_cuts(block, lang)
    bounds = [0, *sorted(set(cuts)), len(block)]
    spans = []
    for a, b in itertools.pairwise(bounds):
        piece = block[a:b]
        s = a + len(piece) - len(piece.lstrip())
        e = a + len(piece.rstrip())
        if e > s:
            spans.append((start + s, start + e))
    return spans


@cache
def _segmenter(lang: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=lang, clean=False)


def _pysbd_cuts(block: str, lang: str) -> list[int] | None:
    """Offsets where pysbd starts a sentence, found back in the block (pysbd returns strings)."""
    if lang not in LANGUAGE_CODES:
        return None
    cuts, cursor = [], 0
    # pysbd ends a sentence at every newline, but the block's newlines are only line wraps.
    flat = block.replace("\n", " ")
    for segment in _segmenter(lang).segment(flat):
        piece = segment.strip()
        if not piece:
            continue
        pos = flat.find(piece, cursor)
        if pos < 0:
            continue
        cursor = pos + len(piece)
        before = block[:pos].rstrip().rstrip(_CLOSERS)
        if pos > 0 and not (before.endswith(".") and _is_abbreviation(before, lang)):
            cuts.append(_repair_cut(block, pos))
    return cuts


def _repair_cut(block: str, pos: int) -> int:
    """pysbd sometimes cuts between a sentence's final period and its closing quote."""
    while pos < len(block) and block[pos] in _CLOSERS and not block[pos - 1].isspace():
        pos += 1
    return pos


def _rule_cuts(block: str, lang: str) -> list[int]:
    cuts = []
    for m in _BOUNDARY.finditer(block):
        nxt = m.end()
        if nxt >= len(block) or not _starts_sentence(block[nxt]):
            continue
        before = block[: m.start() + 1].rstrip(_CLOSERS)
        if before.endswith(".") and _is_abbreviation(before, lang):
            continue
        cuts.append(nxt)
    return cuts


def _starts_sentence(ch: str) -> bool:
    """Upper case, a digit, an opening quote or bracket, or a letter of a script without case."""
    return not ch.islower() and (ch.isalnum() or ch in "\"'“‘«„([¿¡-–—")


def _is_abbreviation(before: str, lang: str) -> bool:
    if lang in _ORDINAL_DOT and _ORDINAL.search(before[-6:]):
        return True
    m = _WORD_BEFORE.search(before[-30:])
    if not m:
        return False
    word = m.group(1)
    return (len(word) == 1 and word.isalpha()) or word.casefold() in _ABBREVIATIONS
