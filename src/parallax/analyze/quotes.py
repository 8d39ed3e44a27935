"""Quotes and who said them: direct quotes in any language, reported speech in English.

Direct quotes are found from quotation marks alone, so they work in every language; the speaker
comes from a small multilingual lexicon of attribution cues ("said", "sagte", "заявил", "göre")
and the nearest name, role noun or pronoun in the clause around the quote. Lines such as
"Paul Ryan: …" or "Q: …" (headlines, transcripts) are attributed to the name before the colon.
English also has a dependency parse, which gives the subject of a reporting verb and what it
reports: that finds reported speech ("Lavrov said that ...") and attributes direct quotes more
precisely than the lexicon. Offsets always index into the article text; the quoted content
excludes the marks. Measured on PolNeAR by `parallax eval quotes` (see parallax.eval.quotes).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

from parallax.analyze.nlp import get_nlp
from parallax.model import Quote, Sentence

# ---------------------------------------------------------------------------------------------
# Quotation marks
# ---------------------------------------------------------------------------------------------

# Opening mark -> the marks that may close it ("„…“" in German, "»…«" in German and Danish);
# straight and curly double quotes close each other because hand-edited text mixes them, and
# two apostrophes ('' ... '') stand for a double quote in some wire styles.
_CLOSERS = {
    "“": ("”", "“", '"'), "„": ("“", "”", '"'), "«": ("»",), "»": ("«",),
    '"': ('"', "”", "“"), "''": ("''", '"', "”"), "``": ("''",), "「": ("」",), "『": ("』",),
    "‹": ("›",), "›": ("‹",), "‘": ("’",), "‚": ("‘", "’"), "'": ("'",),
}
_MARK = re.compile("''|``|[“”„«»\"‘’‚'‹›「」『』\n]")
# Single marks double as apostrophes ("it’s", "Democrats’"), so they only ever close the
# innermost open quote, never reach through it to an outer one.
_SINGLE = frozenset("‘’‚'‹›")
# Marks that are only ever used to open, so they need no evidence from their neighbours.
_CERTAIN_OPENERS = frozenset(("“", "„", "«", "「", "『", "``"))
_OPEN_AFTER = frozenset("([{—–-/:;,")
# Shorter quotes without a speaker are scare quotes, names or titles rather than statements.
MIN_UNATTRIBUTED_WORDS = 4


@dataclass
class _Marked:
    """A span in quotation marks: [open_at, close_end) with the marks, [start, end) without."""

    open_at: int
    start: int
    end: int
    close_end: int
    continued: bool = False  # unclosed at a paragraph end, continued in the next paragraph


def find_quoted_spans(text: str) -> list[_Marked]:
    """Outermost quoted spans, in text order.

    A paragraph break closes everything: news style leaves a quote that runs over several
    paragraphs unclosed at each paragraph end and reopens it in the next one, so an unclosed
    quote is kept when the next paragraph starts with the same mark, or when its mark can only
    open a quote (a truncated text cuts quotes short, at a paragraph or the text's end); other
    unclosed marks are stray ones and are dropped.
    """
    spans: list[_Marked] = []
    stack: list[re.Match[str]] = []
    for m in _MARK.finditer(text):
        if m.group() == "\n":
            if stack and (stack[0].group() in _CERTAIN_OPENERS or _continues(text, stack[0], m)):
                _add_span(spans, text, stack[0], m.start(), m.start(),
                          continued=_continues(text, stack[0], m))
            stack.clear()
            continue
        depth = _closable_depth(stack, text, m)
        if depth is not None:
            opener = stack[depth]
            del stack[depth:]
            if not stack:
                _add_span(spans, text, opener, m.start(), m.end())
        elif m.group() in _CLOSERS and _can_open(text, m):
            stack.append(m)
    if stack and stack[0].group() in _CERTAIN_OPENERS:
        _add_span(spans, text, stack[0], len(text), len(text))
    return spans


def _continues(text: str, opener: re.Match[str], newline: re.Match[str]) -> bool:
    return text.startswith(opener.group(), _skip_space(text, newline.end()))


def _closable_depth(stack: list[re.Match[str]], text: str, m: re.Match[str]) -> int | None:
    mark = m.group()
    if not stack or not _can_close(text, m):
        return None
    levels = [len(stack) - 1] if mark in _SINGLE else range(len(stack) - 1, -1, -1)
    for depth in levels:
        if mark in _CLOSERS[stack[depth].group()]:
            return depth
    return None


def _can_open(text: str, m: re.Match[str]) -> bool:
    nxt = text[m.end()] if m.end() < len(text) else "\n"
    if nxt == "\n":
        return False
    if m.group() in _CERTAIN_OPENERS:
        return True
    prev = text[m.start() - 1] if m.start() else " "
    return (prev.isspace() or prev in _OPEN_AFTER or _MARK.match(prev) is not None) and (
        not nxt.isspace())


def _can_close(text: str, m: re.Match[str]) -> bool:
    """Symmetric marks close only after a word, and a single one not before a letter: that is
    an apostrophe ("Clinton’s")."""
    mark = m.group()
    if mark not in ('"', "'", "’", "''"):
        return True
    prev = text[m.start() - 1] if m.start() else " "
    nxt = text[m.end()] if m.end() < len(text) else " "
    return not prev.isspace() and not (mark in ("'", "’") and nxt.isalnum())


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _add_span(spans: list[_Marked], text: str, opener: re.Match[str], end: int, close_end: int,
              continued: bool = False) -> None:
    start = _skip_space(text, opener.end())
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalnum() for ch in text[start:end]):
        spans.append(_Marked(opener.start(), start, end, close_end, continued))


# ---------------------------------------------------------------------------------------------
# Multilingual attribution lexicon
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lexicon:
    verbs: tuple[str, ...]  # speaker usually before the verb, or right after it when inverted
    preps: tuple[str, ...] = ()  # "according to X": speaker follows
    postps: tuple[str, ...] = ()  # "X'e göre", "X zufolge": speaker precedes
    pronouns: tuple[str, ...] = ()  # third-person singular pronouns, resolved to a person
    roles: tuple[str, ...] = ()  # role nouns that name a speaker without naming them


_LEXICONS = {
    "en": _Lexicon(
        verbs=("said", "says", "say", "told", "tells", "added", "adds", "adding", "stated",
               "states", "warned", "warns", "insisted", "insists", "explained", "explains",
               "noted", "notes", "asked", "asks", "wrote", "writes", "argued", "argues",
               "claimed", "claims", "declared", "announced", "stressed", "emphasized",
               "replied", "responded", "continued", "tweeted", "recalled", "acknowledged",
               "admitted", "conceded", "confirmed", "denied", "remarked", "observed",
               "suggested", "predicted", "vowed", "promised", "complained", "joked", "quipped",
               "cautioned", "urged", "saying", "telling", "asking", "writing", "pointed out",
               "went on", "shouted", "yelled"),
        preps=("according to",),
        pronouns=("he", "she"),
        roles=("minister", "president", "spokesman", "spokeswoman", "spokesperson",
               "official", "officials", "source", "sources", "secretary", "senator",
               "governor", "chairman", "chief", "leader", "ambassador", "director",
               "candidate", "lawmaker", "aide", "analyst", "expert", "police"),
    ),
    "de": _Lexicon(
        verbs=("sagte", "sagt", "sagten", "erklärte", "erklärt", "betonte", "betont", "so",
               "teilte", "meinte", "warnte", "kritisierte", "forderte", "unterstrich",
               "schrieb", "fügte", "äußerte", "berichtete", "bekräftigte", "versicherte"),
        preps=("laut", "nach Angaben"),
        postps=("zufolge",),
        pronouns=("er", "sie"),
        roles=("Minister", "Ministerin", "Sprecher", "Sprecherin", "Präsident",
               "Präsidentin", "Kanzler", "Kanzlerin", "Außenminister", "Regierungssprecher"),
    ),
    "fr": _Lexicon(
        verbs=("a déclaré", "a dit", "dit", "déclare", "a affirmé", "affirme", "a ajouté",
               "ajoute", "a expliqué", "explique", "a souligné", "souligne", "a estimé",
               "estime", "a indiqué", "indique", "a précisé", "précise", "a assuré", "assure",
               "a averti", "a insisté", "a martelé", "a lancé", "déclaré", "affirmé", "ajouté",
               "expliqué", "souligné", "estimé", "indiqué", "précisé", "assuré", "averti",
               "insisté", "martelé", "lancé"),
        preps=("selon", "d'après", "d’après"),
        pronouns=("il", "elle"),
        roles=("ministre", "président", "présidente", "porte-parole", "chef", "dirigeant"),
    ),
    "es": _Lexicon(
        verbs=("dijo", "afirmó", "declaró", "señaló", "aseguró", "explicó", "indicó",
               "añadió", "agregó", "sostuvo", "manifestó", "advirtió", "destacó", "subrayó",
               "expresó", "comentó", "apuntó", "dice", "afirma", "asegura"),
        preps=("según",),
        pronouns=("él", "ella"),
        roles=("ministro", "ministra", "presidente", "presidenta", "portavoz", "canciller"),
    ),
    "it": _Lexicon(
        verbs=("ha detto", "ha dichiarato", "ha affermato", "ha spiegato", "ha aggiunto",
               "ha sottolineato", "ha ribadito", "ha commentato", "ha osservato", "dice",
               "afferma", "dichiara", "spiega", "aggiunge", "ha concluso"),
        preps=("secondo",),
        pronouns=("lui", "lei"),
        roles=("ministro", "presidente", "portavoce", "premier", "leader"),
    ),
    "pt": _Lexicon(
        verbs=("disse", "afirmou", "declarou", "acrescentou", "explicou", "destacou",
               "ressaltou", "garantiu", "sublinhou", "diz", "afirma"),
        preps=("segundo", "de acordo com"),
        pronouns=("ele", "ela"),
        roles=("ministro", "ministra", "presidente", "porta-voz"),
    ),
    "ru": _Lexicon(
        verbs=("заявил", "заявила", "заявили", "сказал", "сказала", "сказали", "отметил",
               "отметила", "подчеркнул", "подчеркнула", "сообщил", "сообщила", "добавил",
               "добавила", "пояснил", "пояснила", "указал", "указала", "считает",
               "говорит", "заметил", "заметила", "написал", "написала", "заверил"),
        preps=("по словам", "по мнению", "по данным"),
        pronouns=("он", "она"),
        roles=("министр", "президент", "глава", "представитель", "пресс-секретарь",
               "премьер"),
    ),
    "tr": _Lexicon(
        verbs=("dedi", "söyledi", "açıkladı", "belirtti", "ifade etti", "kaydetti",
               "vurguladı", "dile getirdi", "diye konuştu", "şeklinde konuştu",
               "ifadelerini kullandı", "bildirdi", "aktardı", "dedi ki", "açıklamasında"),
        postps=("göre",),
        pronouns=("o",),
        roles=("Bakan", "Bakanı", "Cumhurbaşkanı", "Sözcüsü", "Başkanı", "bakan"),
    ),
    "ar": _Lexicon(
        verbs=("قال", "قالت", "أكد", "أكدت", "صرح", "صرحت", "أضاف", "أضافت", "أوضح",
               "أوضحت", "أشار", "أشارت", "مضيفا", "مضيفاً", "وقال", "وقالت", "وأكد",
               "وأكدت", "وأضاف", "وأضافت", "وأوضح", "وأشار"),
        preps=("وفقا ل", "وفقاً ل", "بحسب", "حسب", "وفق"),
        pronouns=("هو", "هي"),
        roles=("الوزير", "الرئيس", "المتحدث", "المتحدثة"),
    ),
    "pl": _Lexicon(
        verbs=("powiedział", "powiedziała", "stwierdził", "stwierdziła", "dodał", "dodała",
               "podkreślił", "podkreśliła", "zaznaczył", "zaznaczyła", "oświadczył",
               "oświadczyła", "mówi", "napisał", "napisała"),
        preps=("według", "zdaniem"),
        pronouns=("on", "ona"),
        roles=("minister", "prezydent", "rzecznik", "premier"),
    ),
    "ro": _Lexicon(
        verbs=("a declarat", "a spus", "a afirmat", "a adăugat", "a subliniat", "a precizat",
               "a explicat", "a transmis", "a arătat", "a anunțat", "a anuntat", "a adaugat",
               "declară", "spune", "afirmă"),
        preps=("potrivit", "conform"),
        pronouns=("el", "ea"),
        roles=("ministrul", "președintele", "presedintele", "purtătorul", "premierul"),
    ),
    "nl": _Lexicon(
        verbs=("zei", "zegt", "verklaarde", "stelde", "benadrukte", "voegde", "schreef"),
        preps=("volgens",),
        pronouns=("hij", "zij"),
        roles=("minister", "president", "woordvoerder", "premier"),
    ),
}
# Scripts without letter case: names cannot be told from other words by their capital.
_CASELESS = frozenset({"ar", "fa", "he", "ur", "zh", "ja", "ko", "th", "hi"})
# Capitalised words that start sentences and are never names.
_NOT_NAMES = frozenset("""
    the a an he she it they we i but and or in on at for of to this that these those his her
    their its our my mr mrs ms dr der die das ein eine er sie es wir und aber im am le la les un
    une il elle ils nous mais et en el los las ella ellos pero y lo gli lui lei ma ed e o os as
    ele ela mas он она они но и в на я мы bu şu ve ama bir de het een hij zij maar on ona oraz
    ale w
""".split())
# Lower-case particles inside personal names ("Ursula von der Leyen", "Abu Bakr al-Baghdadi").
_PARTICLES = frozenset("""
    de da del della di dos du van von der den la le al el bin ibn bint
""".split())
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*\.?")


def _lexicon(lang: str) -> _Lexicon:
    """The language's lexicon; unknown languages get the union, which is noisier but finds more
    than nothing."""
    return _LEXICONS.get(lang) or _union_lexicon()


@lru_cache(maxsize=1)
def _union_lexicon() -> _Lexicon:
    fields = ("verbs", "preps", "postps", "pronouns", "roles")
    merged = {f: tuple(dict.fromkeys(w for lex in _LEXICONS.values() for w in getattr(lex, f)))
              for f in fields}
    return _Lexicon(**merged)


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Speakers of direct quotes from the lexicon
# ---------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    start: int
    end: int
    kind: str  # "name", "role" or "pronoun"
    name: str | None = None  # the name, when it is not all of the text at start:end


@dataclass
class _Attribution:
    """Who said what, before it becomes a Quote: character spans into the text."""

    content: tuple[int, int]
    speaker: tuple[int, int] | None
    speaker_text: str | None
    cue: str | None
    cue_at: int = -1


class _Context:
    """The article with the lookups every quote needs: sentences, paragraphs, names."""

    def __init__(self, text: str, lang: str, sentences: list[Sentence], doc: Doc | None):
        self.text = text
        self.lang = lang
        self.lexicon = _lexicon(lang)
        self.sentences = sorted(sentences, key=lambda s: s.start)
        self.sentence_starts = [s.start for s in self.sentences]
        self.entities = _entity_spans(doc)
        self.doc = doc

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect_right(self.sentence_starts, pos) - 1
        return self.sentences[i] if i >= 0 else None

    def sentence_index(self, pos: int) -> int:
        sentence = self.sentence_at(pos)
        return sentence.index if sentence else 0

    def paragraph(self, pos: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return start, len(self.text) if end < 0 else end


def _entity_spans(doc: Doc | None) -> list[tuple[int, int, str]]:
    if doc is None:
        return []
    kinds = {"PERSON", "PER", "ORG", "NORP", "GPE"}
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in kinds]


def _left_context(ctx: _Context, q: _Marked, previous_end: int) -> tuple[int, int]:
    """From the start of the quote's sentence to the opening mark; for a quote that opens its
    paragraph, the last sentence of the previous paragraph when it ends with a colon
    ("Stated Stone:" then the quote)."""
    para_start, _ = ctx.paragraph(q.open_at)
    sentence = ctx.sentence_at(q.open_at)
    start = max(para_start, previous_end, sentence.start if sentence else 0)
    before = ctx.text[:para_start].rstrip()
    if not ctx.text[para_start:q.open_at].strip() and before.endswith(":"):
        intro = ctx.sentence_at(len(before) - 1)
        start = max(previous_end, ctx.paragraph(len(before) - 1)[0],
                    intro.start if intro else 0)
    return start, q.open_at


def _right_context(ctx: _Context, q: _Marked, next_start: int) -> tuple[int, int]:
    """From the closing mark to the end of its sentence; when the quote closes its sentence,
    the next sentence, whose opening words may still attribute it ("“…” Lavrov said.")."""
    _, para_end = ctx.paragraph(q.close_end - 1)
    limit = min(para_end, next_start)
    sentence = ctx.sentence_at(q.close_end - 1)
    end = sentence.end if sentence else limit
    if not ctx.text[q.close_end:end].strip() and sentence is not None:
        following = ctx.sentence_at(end + 1) if end < len(ctx.text) else None
        end = following.end if following and following is not sentence else limit
    return q.close_end, max(q.close_end, min(end, limit))


def _closes_sentence(text: str, q: _Marked) -> bool:
    return text[q.start:q.end].rstrip()[-1:] in ".!?…"


def _lexical_attribution(ctx: _Context, q: _Marked, left: tuple[int, int],
                         right: tuple[int, int]) -> _Attribution | None:
    """The cue nearest the quote, preferring the clause after it ("“…,” he said") unless the
    quote closed its sentence and the next one is not about it, or the clause before introduces
    the quote with a colon ("Lavrov said: “…”")."""
    text = ctx.text
    right_cue = _nearest_cue(ctx, right, from_left=True)
    left_cue = _nearest_cue(ctx, left, from_left=False)
    if right_cue and _closes_sentence(text, q) and not _attributing_sentence(ctx, right, right_cue):
        right_cue = None
    introduced = text[left[0]:left[1]].rstrip().endswith((":", "—", "-"))
    order = [(left_cue, left), (right_cue, right)] if introduced else [
        (right_cue, right), (left_cue, left)]
    cues = [(cue, span) for cue, span in order if cue]
    for cue, span in cues:
        other = left if span is right else right
        speaker = _parsed_subject(ctx, cue) or _speaker_near(
            ctx, cue, span, other, toward_quote=span is right)
        if speaker:
            return _Attribution((q.start, q.end), (speaker.start, speaker.end),
                                speaker.name or text[speaker.start:speaker.end],
                                text[cue[0]:cue[1]])
    if cues:  # a cue without a subject: "ha affermato" in a pro-drop language
        cue = cues[0][0]
        return _Attribution((q.start, q.end), None, None, text[cue[0]:cue[1]])
    return None


def _parsed_subject(ctx: _Context, cue: tuple[int, int, str]) -> _Candidate | None:
    """With an English parse, the cue verb's subject, wherever it is ("Prime Minister Andrej
    Plenkovic, who rushed to Petrinja, said: …" is Plenkovic's, not Petrinja's)."""
    if ctx.doc is None or ctx.lang != "en" or cue[2] != "verb":
        return None
    span = ctx.doc.char_span(cue[0], cue[1], alignment_mode="expand")
    subject = _subject(span.root) if span is not None else None
    if subject is None:
        return None
    (start, end), name = _speaker(subject)
    return _Candidate(start, end, "name", name)


def _attributing_sentence(ctx: _Context, right: tuple[int, int], cue: tuple[int, int, str],
                          ) -> bool:
    """After a quote that closed its sentence, the next sentence still attributes it when the
    cue comes early ("“…?” Miller, a retired worker, said") and little follows it: a long
    remainder is a new statement ("Trump said on Monday that …")."""
    before = _word_count(ctx.text[right[0]:cue[0]])
    after = _word_count(ctx.text[cue[1]:right[1]])
    return before <= 3 or (before <= 12 and after <= 6)


def _word_count(s: str) -> int:
    return len(_WORD.findall(s))


def _nearest_cue(ctx: _Context, span: tuple[int, int], from_left: bool,
                 ) -> tuple[int, int, str] | None:
    """The cue closest to the quote: a listed word form, or with an English parse any verb whose
    lemma is a reporting verb ("states", "continues")."""
    lex = ctx.lexicon
    found = []
    for kind, words in (("verb", lex.verbs), ("prep", lex.preps), ("postp", lex.postps)):
        pattern = _pattern(words)
        if pattern:
            found += [(m.start(), m.end(), kind) for m in pattern.finditer(ctx.text, *span)]
    if ctx.doc is not None and ctx.lang == "en":
        window = ctx.doc.char_span(*span, alignment_mode="contract")
        found += [(t.idx, t.idx + len(t), "verb") for t in window or ()
                  if t.pos_ == "VERB" and t.lemma_.lower() in _SPEECH_LEMMAS]
    if not found:
        return None
    return min(found) if from_left else max(found)


def _speaker_near(ctx: _Context, cue: tuple[int, int, str], span: tuple[int, int],
                  other: tuple[int, int], toward_quote: bool) -> _Candidate | None:
    """Prepositions name the speaker after them, postpositions before; a verb's speaker is its
    subject before it, or after it when inverted ("said Lavrov", Arabic "قال لافروف"). When the
    cue's clause names nobody, the speaker may sit on the quote's other side (Turkish
    "Çavuşoğlu, “…” dedi")."""
    cue_start, cue_end, kind = cue
    before = _candidates(ctx, (span[0], cue_start))
    after = _candidates(ctx, (cue_end, span[1]))
    nearest_before = before[-1] if before else None
    nearest_after = after[0] if after else None
    if kind == "prep":
        found = nearest_after
    elif kind == "postp":
        found = nearest_before
    else:
        found = nearest_before or nearest_after
    if found:
        return _name_after_role(ctx, found, before + after)
    across = _candidates(ctx, other)
    if not across:
        return None
    # The speaker across the quote is the one closest to it.
    return across[-1] if toward_quote else across[0]


def _name_after_role(ctx: _Context, found: _Candidate, pool: list[_Candidate]) -> _Candidate:
    """"The Russian minister Sergei Lavrov": the name that follows a role noun in the same
    phrase is the speaker's name."""
    if found.kind != "role":
        return found
    for c in pool:
        gap = ctx.text[found.end:c.start]
        if c.kind == "name" and 0 <= len(gap) <= 25 and not re.search(r"[,.;:()—–]", gap):
            return c
    return found


def _candidates(ctx: _Context, span: tuple[int, int]) -> list[_Candidate]:
    lo, hi = span
    text = ctx.text
    found = [_Candidate(s, e, "name") for s, e, _ in ctx.entities if s >= lo and e <= hi]
    found += [c for c in _capitalised_runs(text, lo, hi) if not _overlaps_any(c, found)]
    for kind, words in (("role", ctx.lexicon.roles), ("pronoun", ctx.lexicon.pronouns)):
        pattern = _pattern(words)
        if pattern:
            found += [_Candidate(m.start(), m.end(), kind) for m in pattern.finditer(text, lo, hi)
                      if not _overlaps_any(_Candidate(m.start(), m.end(), kind), found)]
    if not found and ctx.lang in _CASELESS:
        found = _caseless_words(text, lo, hi)
    return sorted(found, key=lambda c: c.start)


def _overlaps_any(c: _Candidate, others: list[_Candidate]) -> bool:
    return any(c.start < o.end and o.start < c.end for o in others)


def _capitalised_runs(text: str, lo: int, hi: int) -> list[_Candidate]:
    """Runs of capitalised words, the speaker names of languages without an NER model; a run may
    hold lower-case name particles but not start or end with one."""
    runs: list[_Candidate] = []
    current: list[re.Match[str]] = []
    pending: list[re.Match[str]] = []

    def flush() -> None:
        if current:
            end = current[-1].end()
            # A run that ends a sentence does not own the full stop.
            end -= current[-1].group().endswith(".")
            # Endings after an apostrophe are not part of the name: Turkish case endings
            # ("Lavrov’a göre"), English possessives ("Trump’s").
            suffix = re.search(r"['’]\w{1,4}$", text[current[0].start():end])
            end -= len(suffix.group()) if suffix and suffix.group()[1:].islower() else 0
            runs.append(_Candidate(current[0].start(), end, "name"))
        current.clear()
        pending.clear()

    previous_end = lo
    for m in _WORD.finditer(text, lo, hi):
        word = m.group().rstrip(".")
        gap = text[previous_end:m.start()]
        if current and gap.strip():
            flush()
        previous_end = m.end()
        if (word[:1].isupper() and word.lower() not in _NOT_NAMES and not word.isupper()) or (
                word.isupper() and len(word) > 1 and current):
            current.extend(pending)
            pending.clear()
            current.append(m)
        elif current and word.lower() in _PARTICLES:
            pending.append(m)
        else:
            flush()
    flush()
    return runs


def _caseless_words(text: str, lo: int, hi: int) -> list[_Candidate]:
    return [_Candidate(m.start(), m.end(), "name") for m in _WORD.finditer(text, lo, hi)]


# ---------------------------------------------------------------------------------------------
# English reported speech from the dependency parse
# ---------------------------------------------------------------------------------------------

# English verbs that attribute content to their subject, by where the content is: a clause
# ("said that …", "“…,” he said"), an infinitive ("vowed to …"), an object with what completes it
# ("called the deal a disaster", "accused Clinton of lying") or a prepositional object ("called
# for his dismissal"). Communication, cognition and evidence verbs, not verbs of doing.
_CLAUSE_VERBS = frozenset("""
    say tell announce claim warn add state argue deny insist believe accuse confirm report write
    note explain ask suggest acknowledge admit declare assert stress emphasize contend predict
    promise vow pledge reply respond answer recall reveal disclose indicate show find conclude
    think know hope fear worry agree complain concede joke quip tweet post mention remark
    comment observe caution urge demand propose recommend allege charge testify boast brag
    estimate signal hint imply guess forecast reckon doubt wonder learn suspect speculate lament
    concur counter retort threaten question proclaim tout highlight point reiterate assure
    remind insinuate muse recount
""".split())
_INFINITIVE_VERBS = frozenset("""
    promise vow pledge urge threaten demand ask tell warn refuse decline claim seek call agree
    propose hope offer encourage order say
""".split())
# Verbs that introduce a direct quote next to them ("“…,” the ad states", "Wallnau continues:").
_SPEECH_LEMMAS = _CLAUSE_VERBS | frozenset("""
    continue read chide scoff exclaim shout yell snap bark chant sing concede plead laugh
    interject marvel
""".split())
_OBJECT_VERBS = frozenset("""
    say tell call ask cite accuse describe urge criticize announce express discuss defend praise
    reject blame mention endorse attack oppose recall tweet mock question dismiss propose note
    blast denounce explain reveal slam challenge report remind highlight tout claim acknowledge
    deny thank portray decry declare reference condemn confirm repeat applaud promise emphasize
    assure warn suggest stress reiterate quote credit invoke voice deem charge lament demand
    rebut pledge disclose detail outline hail characterize label dub brand predict show
    ridicule lambaste fault congratulate
""".split())
_PREP_VERBS = {
    "call": ("for", "on"), "talk": ("about",), "speak": ("about", "of", "out"),
    "refer": ("to",), "point": ("to",), "comment": ("on",), "push": ("for",),
    "advocate": ("for",), "campaign": ("for", "against"), "warn": ("of", "against", "about"),
    "rail": ("against",), "hint": ("at",), "apologize": ("for",), "boast": ("of", "about"),
    "complain": ("about",), "argue": ("for", "against"),
    "testify": ("about",), "brag": ("about",), "joke": ("about",), "lash": ("out",),
}
# What completes an object: "called [the deal] [a disaster]", "accused [Clinton] [of lying]".
_OBJECT_PARTS = frozenset({"dobj", "dative", "oprd", "xcomp", "ccomp"})
_OBJECT_PREPS = frozenset({"for", "of", "as", "about", "over", "against"})
_RELATIVE = frozenset({"who", "which", "that"})
_SPEAKER_CUT = frozenset({"appos", "relcl", "acl", "punct", "cc", "conj", "advmod"})


def parse_attributions(doc: Doc) -> list[_Attribution]:
    """Reported speech in an English parse: a reporting verb with a subject and its content, a
    parenthetical "…, X said", or "according to X, …"."""
    found = []
    for token in doc:
        if token.lower_ == "according" and token.dep_ == "prep":
            attribution = _according_to(token)
        elif token.pos_ == "VERB":
            attribution = _reporting_verb(token)
        else:
            attribution = None
        if attribution:
            found.append(attribution)
    return found


def _reporting_verb(verb: Token) -> _Attribution | None:
    lemma = verb.lemma_.lower()
    tokens = _content_tokens(verb, lemma)
    if not tokens:
        return None
    speaker = _subject(verb)
    if speaker is None:
        return None
    content = _char_span(tokens, verb, exclude=speaker)
    if content is None:
        return None
    span, name = _speaker(speaker)
    return _Attribution(content, span, name, verb.text, verb.idx)


def _content_tokens(verb: Token, lemma: str) -> list[Token]:
    """The tokens of what the verb attributes, trying the most specific construction first."""
    after = [c for c in verb.children if c.i > verb.i]
    if lemma in _CLAUSE_VERBS:
        clauses = [c for c in verb.children if c.dep_ == "ccomp"]
        if clauses:
            return [t for c in clauses for t in c.subtree]
        if verb.dep_ in ("ccomp", "parataxis") and verb.head is not verb:
            # "Cooperation will continue, Lavrov said." parsed with the content as the head.
            clause = {t.i for t in verb.subtree}
            return [t for t in verb.head.subtree if t.i not in clause]
    if lemma in _OBJECT_VERBS and any(c.dep_ in ("dobj", "dative") for c in after):
        parts = [c for c in after if c.dep_ in _OBJECT_PARTS
                 or (c.dep_ == "prep" and c.lower_ in _OBJECT_PREPS)]
        return [t for c in parts for t in c.subtree]
    if lemma in _INFINITIVE_VERBS:
        infinitives = [c for c in after if c.dep_ == "xcomp"]
        if infinitives:
            return [t for c in infinitives for t in c.subtree]
    preps = _PREP_VERBS.get(lemma, ())
    objects = [g for c in after if c.dep_ in ("prep", "prt") and c.lower_ in preps
               for g in c.children if g.dep_ in ("pobj", "pcomp")]
    return [t for g in objects for t in g.subtree]


def _according_to(token: Token) -> _Attribution | None:
    source = next((g for c in token.children if c.lower_ == "to"
                   for g in c.children if g.dep_ == "pobj"), None)
    if source is None:
        return None
    phrase = {t.i for t in token.subtree}
    tokens = [t for t in token.head.subtree if t.i not in phrase]
    content = _char_span(tokens, token)
    if content is None:
        return None
    span, name = _speaker(source)
    return _Attribution(content, span, name, "according to", token.idx)


def _subject(verb: Token) -> Token | None:
    """The speaker: the verb's own subject, the noun a relative clause hangs on ("officials who
    said"), or the subject of the clause a participle or conjunct depends on ("…, adding")."""
    current = verb
    for _ in range(4):
        subject = next((c for c in current.children if c.dep_ == "nsubj"
                        and c.lower_ not in ("it", "there")), None)
        if subject is not None:
            return current.head if subject.lower_ in _RELATIVE and current.dep_ == "relcl" \
                else subject
        if current.dep_ not in ("advcl", "conj", "xcomp", "relcl") or current.head is current:
            return None
        if current.dep_ == "relcl":
            return current.head
        current = current.head
    return None


def _speaker(head: Token) -> tuple[tuple[int, int], str]:
    """Where the speaker is written and their name: a name in apposition stands for a common
    noun ("his rival, Marco Rubio"), and an entity covering the head is the name ("Retired Lt.
    Gen. Michael Flynn" is Michael Flynn); otherwise the noun phrase names the speaker."""
    if head.pos_ != "PROPN":
        head = next((c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"), head)
    span = _speaker_span(head)
    ent = next((e for e in head.doc.ents if e.start <= head.i < e.end), None)
    return span, ent.text if ent is not None else head.doc.text[span[0]:span[1]]


def _speaker_span(head: Token) -> tuple[int, int]:
    """The speaker's noun phrase without appositions and relative clauses ("Flynn, a top Trump
    surrogate, who…" -> "Flynn"), and not across a line break (datelines, page debris)."""
    tokens = [head]
    stack = [c for c in head.children if c.dep_ not in _SPEAKER_CUT]
    while stack:
        t = stack.pop()
        tokens.append(t)
        stack.extend(c for c in t.children if c.dep_ not in _SPEAKER_CUT)
    ids = {t.i for t in tokens if not t.is_space}
    lo = hi = head.i
    while lo - 1 in ids:
        lo -= 1
    while hi + 1 in ids:
        hi += 1
    span = head.doc[lo:hi + 1]
    return span.start_char, span.end_char


_EDGE_PUNCT = ",;:—–-"


def _char_span(tokens: list[Token], cue: Token, exclude: Token | None = None,
               ) -> tuple[int, int] | None:
    """Character range of the content: the tokens on the cue's side where most of them are and
    in the cue's paragraph (a parse can run a sentence across both), without the speaker's
    phrase and without edge punctuation; None when fewer than two words remain ("endorsed
    him" attributes nothing worth showing)."""
    text = cue.doc.text
    para_start = text.rfind("\n", 0, cue.idx) + 1
    para_end = text.find("\n", cue.idx) % (len(text) + 1)
    skip = {t.i for t in exclude.subtree} if exclude is not None else set()
    kept = [t for t in tokens if t.i not in skip and para_start <= t.idx < para_end]
    after = 2 * sum(t.i > cue.i for t in kept) >= len(kept)
    kept = sorted((t for t in kept if (t.i > cue.i) == after), key=lambda t: t.i)
    while kept and (kept[0].is_space or kept[0].text in _EDGE_PUNCT):
        kept.pop(0)
    while kept and (kept[-1].is_space or kept[-1].text in _EDGE_PUNCT or kept[-1].text == "."):
        kept.pop()
    if sum(t.is_alpha for t in kept) < 2:
        return None
    return kept[0].idx, kept[-1].idx + len(kept[-1].text)


# ---------------------------------------------------------------------------------------------
# "Name: statement" lines (headlines, interview transcripts), any language
# ---------------------------------------------------------------------------------------------

_COLON_LINE = re.compile(r"^[ \t]*([^\W\d_][^:\n]{0,40}?)[ \t]*:[ \t]+(\S[^\n]*?)[ \t]*$", re.M)
# Editorial labels that also start lines with a colon and are no one's words.
_LABELS = frozenset("""
    update updated note photo photos video watch read more related source sources correction
    breaking exclusive advertisement listen editor's editor’s via credit caption see also
""".split())


def colon_attributions(text: str) -> list[_Attribution]:
    """Lines that open with a name and a colon: "Paul Ryan: FBI Decision … Defies Explanation"
    in headlines, "CLINTON: Honestly, …" or "Q: …" in transcripts. The name must be capitalised,
    short and not open with an article ("The Latest: …" is a rubric), and the line must say
    something (three words or more)."""
    found = []
    for m in _COLON_LINE.finditer(text):
        words = m.group(1).split()
        if (len(words) <= 5 and all(w[0].isupper() for w in words)
                and (len(words) == 1 or words[0].lower() not in _NOT_NAMES)
                and not any(w.lower().strip(".") in _LABELS for w in words)
                and len(_WORD.findall(m.group(2))) >= 3):
            found.append(_Attribution(m.span(2), m.span(1), m.group(1), ":", m.end(1)))
    return found


# ---------------------------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------------------------


def extract_quotes(text: str, lang: str, sentences: list[Sentence], doc: Doc | None = None,
                   ) -> list[Quote]:
    """Direct quotes and "Name: …" lines (any language) and, for English, reported speech, in
    text order.

    `doc` is the spaCy parse of `text` when the pipeline has one; English text is parsed here
    when it is missing, because reported speech needs the parse.
    """
    if doc is None and lang == "en":
        nlp = get_nlp("en")
        doc = nlp(text[: nlp.max_length])
    ctx = _Context(text, lang, sentences, doc)
    marked = find_quoted_spans(text)
    parsed = parse_attributions(doc) if doc is not None and lang == "en" else []
    reported = [a for a in parsed + colon_attributions(text)
                if not _inside(a.cue_at, marked) and not _inside(a.speaker[0], marked)]
    direct = _attribute_direct(ctx, marked, reported)
    quotes = [_quote(ctx, a, direct=True) for a in direct]
    quotes += [_quote(ctx, a, direct=False) for a in reported if not _covered(a, marked)]
    quotes = _resolve_pronouns(ctx, sorted(quotes, key=lambda q: (q.start, q.end)), marked, doc)
    return [q for q in quotes if q.speaker or _statement(q.text)]


def _attribute_direct(ctx: _Context, marked: list[_Marked], reported: list[_Attribution],
                      ) -> list[_Attribution]:
    attributions: list[_Attribution] = []
    marked = [q for q in marked if not _is_title(ctx, q)]
    for i, q in enumerate(marked):
        previous_end = marked[i - 1].close_end if i else 0
        next_start = marked[i + 1].open_at if i + 1 < len(marked) else len(ctx.text)
        found = _from_parse(q, reported) or _lexical_attribution(
            ctx, q, _left_context(ctx, q, previous_end), _right_context(ctx, q, next_start))
        attributions.append(found or _Attribution((q.start, q.end), None, None, None))
    _inherit_speakers(ctx, marked, attributions)
    return attributions


def _is_title(ctx: _Context, q: _Marked) -> bool:
    """A title or a name in quotation marks (“Meet the Press”, “America’s Bitter Pill”):
    every longer word capitalised, in a sentence that is not itself title-cased (a headline)."""
    sentence = ctx.sentence_at(q.open_at)
    lo, hi = (sentence.start, sentence.end) if sentence else ctx.paragraph(q.open_at)
    around = ctx.text[lo:q.open_at] + " " + ctx.text[q.close_end:hi]
    return _title_cased(ctx.text[q.start:q.end]) and not _title_cased(around)


def _title_cased(text: str) -> bool:
    longer = [w for w in _WORD.findall(text) if len(w) > 3 and w.isalpha()]
    return bool(longer) and all(w[0].isupper() for w in longer) and not all(
        w.isupper() for w in longer)


def _statement(quoted: str) -> bool:
    """Whether quoted text that no one is credited with is a statement rather than a scare
    quote or a nickname (so-called “experts”): it has several words."""
    return len(_WORD.findall(quoted)) >= MIN_UNATTRIBUTED_WORDS


def _from_parse(q: _Marked, reported: list[_Attribution]) -> _Attribution | None:
    """A parsed attribution whose content holds the quote (or most of it) attributes it too."""
    for a in reported:
        overlap = min(q.end, a.content[1]) - max(q.start, a.content[0])
        if overlap > 0.5 * (q.end - q.start):
            return replace(a, content=(q.start, q.end))
    return None


def _inherit_speakers(ctx: _Context, marked: list[_Marked], found: list[_Attribution]) -> None:
    """A quote with no cue of its own continues the previous speaker when it opens the sentence
    right after that speaker's quote and attribution ("“…,” Flynn said. “…”") or directly follows
    the quote ("“…” “…”"), and the next speaker's when it is a paragraph continued by the next
    quote."""
    for i in range(1, len(marked)):
        previous = found[i - 1]
        gap_start, gap_end = marked[i - 1].close_end, marked[i].open_at
        gap = ctx.text[gap_start:gap_end]
        attributed_between = previous.speaker is not None and (
            len(gap) <= 80 or gap_start <= previous.speaker[0] < gap_end)
        new_sentence = (
            "\n" in gap
            or (_closes_sentence(ctx.text, marked[i - 1]) and not gap.strip())
            or gap.rstrip().rstrip("”’\"'»«“").endswith((".", "!", "?")))
        adjacent = not any(ch.isalpha() for ch in gap)
        if found[i].speaker is None and attributed_between and (new_sentence or adjacent):
            found[i] = replace(previous, content=found[i].content)
    for i in range(len(marked) - 2, -1, -1):
        if found[i].speaker is None and marked[i].continued and found[i + 1].speaker is not None:
            found[i] = replace(found[i + 1], content=found[i].content)


def _inside(pos: int, marked: list[_Marked]) -> bool:
    """Speech reported inside a quote ("“I think …”") is the quoted speaker's own words, not an
    attribution by the article."""
    return any(q.start <= pos < q.end for q in marked)


def _covered(a: _Attribution, marked: list[_Marked]) -> bool:
    """Reported speech that is almost all direct quotes ("“…,” he said" parsed as a clause) is
    those quotes, already extracted; a clause with a quoted phrase in it is kept."""
    start, end = a.content
    inside = sum(max(0, min(end, q.end) - max(start, q.start)) for q in marked)
    return inside >= 0.8 * (end - start)


def _quote(ctx: _Context, a: _Attribution, direct: bool) -> Quote:
    start, end = a.content
    speaker_start, speaker_end = a.speaker if a.speaker else (None, None)
    return Quote(
        text=ctx.text[start:end], start=start, end=end, speaker=a.speaker_text, speaker_key=None,
        speaker_start=speaker_start, speaker_end=speaker_end, cue=a.cue,
        sentence=ctx.sentence_index(start), direct=direct,
    )


def _resolve_pronouns(ctx: _Context, quotes: list[Quote], marked: list[_Marked],
                      doc: Doc | None) -> list[Quote]:
    """"He said" names a person mentioned before the pronoun, outside quotation marks (people
    named inside a quote are rarely the one quoted): the last one who spoke or was the subject
    of a clause in this or the previous paragraph, else the last one mentioned at all. A cue
    with no subject at all ("«…», ha affermato" in a pro-drop language) takes the speaker from
    this or the previous paragraph only, and points at that mention. People are PERSON entities
    when there is a parse, capitalised multi-word names otherwise, and earlier speakers."""
    people = _people(ctx, doc) + [
        (q.speaker_start, q.speaker_end, q.speaker, True) for q in quotes
        if q.speaker and q.speaker_start is not None and not _is_pronoun(ctx, q.speaker)]
    people = sorted(p for p in people if not _inside(p[0], marked))
    resolved = []
    for q in quotes:
        if q.speaker and q.speaker_start is not None and _is_pronoun(ctx, q.speaker):
            found = _antecedent(ctx, people, q.speaker_start, nearby_only=False)
            q = replace(q, speaker=found[2]) if found else q
        elif q.speaker is None and q.cue:
            found = _antecedent(ctx, people, q.start, nearby_only=True)
            if found:
                q = replace(q, speaker=found[2], speaker_start=found[0], speaker_end=found[1])
        resolved.append(q)
    return resolved


def _antecedent(ctx: _Context, people: list[tuple[int, int, str, bool]], pos: int,
                nearby_only: bool) -> tuple[int, int, str, bool] | None:
    para_start, _ = ctx.paragraph(pos)
    window = ctx.paragraph(max(para_start - 2, 0))[0]
    before = [p for p in people if p[1] <= pos]
    nearby = [p for p in before if p[0] >= window]
    chosen = [p for p in nearby if p[3]] or (nearby if nearby_only else before)
    return chosen[-1] if chosen else None


def _is_pronoun(ctx: _Context, word: str) -> bool:
    return word.lower() in ctx.lexicon.pronouns


def _people(ctx: _Context, doc: Doc | None) -> list[tuple[int, int, str, bool]]:
    """Mentions of people, flagged when the person is likely a clause's subject, the usual
    referent of "he": with a parse, PERSON entities and proper-noun subjects (the small English
    model misses or mislabels many foreign names); without one, capitalised multi-word names,
    the first in each sentence taken as its subject."""
    if doc is not None:
        found = [(e.start_char, e.end_char, e.text, e.root.dep_ == "nsubj")
                 for e in doc.ents if e.label_ in ("PERSON", "PER")]
        for t in doc:
            if t.dep_ == "nsubj" and t.pos_ == "PROPN" and t.ent_type_ in ("", "ORG"):
                name = doc[min([t.i] + [c.i for c in t.lefts if c.dep_ == "compound"]):t.i + 1]
                found.append((name.start_char, name.end_char, name.text, True))
        return found
    found = []
    for c in _capitalised_runs(ctx.text, 0, len(ctx.text)):
        name = ctx.text[c.start:c.end]
        if len(name.split()) >= 2:
            sentence = ctx.sentence_at(c.start)
            first = not found or sentence is None or found[-1][0] < sentence.start
            found.append((c.start, c.end, name, first))
    return found
