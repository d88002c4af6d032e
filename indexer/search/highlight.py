"""Snippets with the visitor's words marked in the original text.

Tokens carry offsets into the stored (NFC) text, so the marks sit on the
visitor's words with their original spacing and diacritics. A syllable typed
with diacritics marks only the same syllable; one typed without marks every
syllable that folds to it (``bao`` marks bảo, báo, bão).
"""

from __future__ import annotations

from html import escape

from whoosh.analysis import LowercaseFilter
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, top_fragments, BasicFragmentScorer

from ..analysis import SyllableTokenizer, fold
from .understand import ParsedQuery

_SYLLABLES = SyllableTokenizer() | LowercaseFilter()
SNIPPET_CHARS = 240


class _MarkFormatter(HtmlFormatter):
    """Escaped text with plain ``<mark>`` around matches."""

    template = "<%(tag)s>%(t)s</%(tag)s>"

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")


def _matched_tokens(text: str, parsed: ParsedQuery):
    for token in _SYLLABLES(text, chars=True):
        token.matched = token.text in parsed.marked or fold(token.text) in parsed.marked_folded
        yield token


def _plain(text: str, limit: int) -> str:
    if len(text) <= limit:
        return escape(text, quote=False)
    return escape(text[:limit].rsplit(" ", 1)[0], quote=False) + " …"


def snippet(text: str, parsed: ParsedQuery, limit: int = SNIPPET_CHARS, fragments: int = 2) -> str:
    """The best passages of ``text`` with matches marked; the opening words when nothing matches."""
    if not text:
        return ""
    fragmenter = ContextFragmenter(maxchars=limit // fragments + 40, surround=50)
    best = top_fragments(fragmenter.fragment_tokens(text, _matched_tokens(text, parsed)),
                         fragments, BasicFragmentScorer(), lambda f: f.startchar)
    if not best:
        return _plain(text, limit)
    html = _MarkFormatter()(text, best)
    prefix = "… " if best[0].startchar > 0 else ""
    suffix = " …" if best[-1].endchar < len(text) else ""
    return prefix + html + suffix


def mark_all(text: str, parsed: ParsedQuery) -> str:
    """The whole (short) text, escaped, with every match marked: for titles."""
    if not text:
        return ""
    fragments = list(WholeFragmenter().fragment_tokens(text, _matched_tokens(text, parsed)))
    return _MarkFormatter()(text, fragments) if fragments else escape(text, quote=False)
