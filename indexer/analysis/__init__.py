"""Vietnamese analysis as Whoosh analyzer chains, the same at index and query time.

Two chains feed two kinds of fields:

* ``word_analyzer``: NFC, one tone placement, pyvi words (``trẻ_em``), lower case.
  Matches only when the visitor typed the diacritics, so it ranks exact forms first.
* ``folded_analyzer``: the same syllables without pyvi, lower case and accent-folded
  (``tre``, ``em``), with positions for phrases, so ``bao ve tre em`` still finds
  ``bảo vệ trẻ em``.

Protected tokens (document numbers, dates, e-mails, URLs, LĐ-TBXH) are one token in both.
"""

from __future__ import annotations

from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from .segmenter import DOC_NUMBER, NUMBER_YEAR, segment, syllables
from .text import fold, has_diacritics, normalize_text

__all__ = [
    "DOC_NUMBER",
    "NUMBER_YEAR",
    "FoldFilter",
    "SyllableTokenizer",
    "VietnameseWordTokenizer",
    "fold",
    "folded_analyzer",
    "has_diacritics",
    "load_segmenter",
    "normalize_text",
    "word_analyzer",
]


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


def load_segmenter() -> None:
    """Load pyvi's model now (~1 s, 100+ MB), before forking workers, so they share it
    (copy-on-write) instead of each loading its own."""
    list(word_analyzer()("khởi động"))
