"""Vietnamese analysis as Whoosh analyzer chains, the same at index and query time.

Three chains feed three kinds of fields:

* ``unit_analyzer(folded=False)``: NFC, one tone placement, lower case; every syllable and
  every pair of adjacent syllables inside a sentence (``trẻ``, ``em``, ``trẻ_em``). A
  two-syllable word is one term, so a query word matches as a unit with one posting-list
  lookup instead of loose syllables or a phrase query.
* ``unit_analyzer(folded=True)``: the same units accent-folded (``tre_em``), so
  ``bao ve tre em`` still finds ``bảo vệ trẻ em``; used when the visitor typed no
  diacritics, or as a relaxation when the exact reading finds nothing.
* ``word_analyzer``: pyvi words (``trẻ_em``), lower case, for related documents and the
  autocomplete vocabulary.

Protected tokens (document numbers, dates, e-mails, URLs, LĐ-TBXH) are one token, never paired.
"""

from __future__ import annotations

import re

from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from .segmenter import DOC_NUMBER, NUMBER_YEAR, segment, syllables
from .text import fold, has_diacritics, normalize_text

__all__ = [
    "DOC_NUMBER",
    "NUMBER_YEAR",
    "FoldFilter",
    "PAIR",
    "SyllableTokenizer",
    "UnitTokenizer",
    "VietnameseWordTokenizer",
    "fold",
    "folded_analyzer",
    "has_diacritics",
    "load_segmenter",
    "normalize_text",
    "pair",
    "unit_analyzer",
    "unit_terms",
    "word_analyzer",
]

_SENTENCE_BREAK = re.compile(r"[.!?;:\n()\[\]\"“”]")
PAIR = "_"  # joins the two syllables of a pair term: "trẻ_em"


def pair(first: str, second: str) -> str:
    return f"{first}{PAIR}{second}"


def unit_terms(text: str, folded: bool) -> list[str]:
    """Lower-case syllables and adjacent-syllable pairs of ``text``, in order (``folded``: no marks).

    A pair never spans a sentence break (``.!?;:``, a line break, brackets, quotes) or a
    protected token; it does span commas and dashes ("Lao động - Thương binh và Xã hội").
    """
    text = normalize_text(text)
    out: list[str] = []
    previous = None  # the last syllable, when it may start a pair
    last_end = 0
    for syl in syllables(text):
        if syl.punct:
            continue
        token = syl.text.lower()
        if folded:
            token = fold(token)
        out.append(token)
        if previous is not None and not syl.protected and not _SENTENCE_BREAK.search(text, last_end, syl.start):
            out.append(pair(previous, token))
        previous = None if syl.protected else token
        last_end = syl.end
    return out


class _OffsetTokenizer(Tokenizer):
    """Shared Whoosh plumbing: turn (text, start, end) pieces into Tokens."""

    def pieces(self, text: str):
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for text, start, end in self.pieces(normalize_text(value)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class VietnameseWordTokenizer(_OffsetTokenizer):
    """pyvi words joined by underscores; original case (pyvi needs it), offsets kept."""

    def pieces(self, text):
        for word in segment(text):
            yield word.text, word.start, word.end


class SyllableTokenizer(_OffsetTokenizer):
    """Syllables and protected tokens, no segmentation: cheap, and robust to missing diacritics."""

    def pieces(self, text):
        for syl in syllables(text):
            if not syl.punct:
                yield syl.text, syl.start, syl.end


class UnitTokenizer(Tokenizer):
    """``unit_terms`` as Whoosh tokens (no positions: pairs do the work of phrases)."""

    def __init__(self, folded: bool):
        self.folded = folded

    def __eq__(self, other):
        return type(other) is type(self) and other.folded == self.folded

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(unit_terms(value, self.folded), start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            yield token


class FoldFilter(Filter):
    """Accent folding: đ -> d, every tone and vowel mark removed."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


def word_analyzer():
    return VietnameseWordTokenizer() | LowercaseFilter()


def folded_analyzer():
    return SyllableTokenizer() | LowercaseFilter() | FoldFilter()


def unit_analyzer(folded: bool):
    return UnitTokenizer(folded)


def load_segmenter() -> None:
    """Load pyvi's model now (~1 s, 100+ MB), before forking workers, so they share it
    (copy-on-write) instead of each loading its own."""
    list(word_analyzer()("khởi động"))
