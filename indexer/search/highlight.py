"""Snippets with the visitor's words marked in the original text.

Tokens carry offsets into the stored (NFC) text, so the marks sit on the
visitor's words with their original spacing and diacritics. A syllable typed
with diacritics marks only the same syllable; one typed without marks every
syllable that folds to it (``bao`` marks bảo, báo, bão).

Passages are cut, ranked and marked here rather than by an engine's
highlighter, so every engine shows the same snippets for the same stored text.
"""

from __future__ import annotations

from collections import deque
from heapq import nlargest
from html import escape

from whoosh.analysis import LowercaseFilter

from ..analysis import SyllableTokenizer, fold
from .understand import ParsedQuery

_SYLLABLES = SyllableTokenizer() | LowercaseFilter()
SNIPPET_CHARS = 240
# Characters of context kept around the matches of a passage.
_SURROUND = 50
# Syllables ending past this offset are not looked at, so huge pages stay cheap.
_MAX_CHARS = 2**15
_BETWEEN = " … "


class _Marks(dict):
    """Syllable -> whether to mark it; syllables repeat a lot, so each is checked (and folded) once."""

    def __init__(self, parsed: ParsedQuery):
        super().__init__()
        self.marked, self.marked_folded = parsed.marked, parsed.marked_folded

    def __missing__(self, word: str) -> bool:
        hit = self[word] = word in self.marked or fold(word) in self.marked_folded
        return hit


def _passages(text: str, parsed: ParsedQuery, maxchars: int):
    """``(start, end, matches)`` windows around runs of matches, in text order.

    A passage opens on a match, reaching back over the unmatched syllables of
    about ``_SURROUND`` characters before it (with none there, it keeps twice as
    much context after). Every further match renews ``_SURROUND`` characters of
    context; the passage closes when that runs out, or on the syllable that would
    take its length (counted from its first match) past ``maxchars``: that
    syllable still ends the passage but is neither marked nor reused. A passage
    with no match is dropped, as it could never be shown.

    This is the cut of Whoosh's ContextFragmenter, step for step and quirks
    included: any change here would move the snippets visitors see.
    """
    before = deque()  # starts of the unmatched syllables just before a passage
    first = None  # where the open passage starts
    countdown = -1  # context left in the open passage; < 0 when none is open
    matches = []
    length = 0
    end = 0
    marks = _Marks(parsed)
    for token in _SYLLABLES(text, chars=True):
        start, end, word = token.startchar, token.endchar, token.text
        if end > _MAX_CHARS:
            break
        size = end - start
        matched = marks[word]
        if countdown < 0 and not matched:
            before.append(start)
            while before and end - before[0] > _SURROUND:
                before.popleft()
        elif length + size > maxchars:
            countdown = 0
        elif matched:
            countdown = _SURROUND
            if first is None:
                if before:
                    first = before[0]
                else:
                    first = start
                    countdown += _SURROUND
            matches.append((start, end, word))
        if countdown >= 0:
            length += size
            countdown -= size
            if countdown <= 0:
                if matches:
                    yield first, min(len(text), end), matches
                before, first, matches, length = deque(), None, [], 0
    if matches:
        yield first, min(len(text), end), matches


def _rank(passage):
    """Matches times distinct matched syllables (variety beats repetition); later wins ties."""
    start, _, matches = passage
    return len(matches) * len({word for _, _, word in matches}), start


def _marked(text: str, start: int, end: int, matches) -> str:
    """``text[start:end]`` escaped, matches in ``<mark>``; of overlapping ones the first, longest wins."""
    out = []
    index = start
    for s, e, _ in sorted(matches, key=lambda m: (m[0], m[0] - m[1])):
        if s < index:
            continue
        if s > index:
            out.append(escape(text[index:s], quote=False))
        out.append("<mark>" + escape(text[s:e], quote=False) + "</mark>")
        index = e
    out.append(escape(text[index:end], quote=False))
    return "".join(out)


def _plain(text: str, limit: int) -> str:
    if len(text) <= limit:
        return escape(text, quote=False)
    return escape(text[:limit].rsplit(" ", 1)[0], quote=False) + " …"


def snippet(text: str, parsed: ParsedQuery, limit: int = SNIPPET_CHARS, fragments: int = 2) -> str:
    """The best passages of ``text`` with matches marked; the opening words when nothing matches."""
    if not text:
        return ""
    passages = _passages(text, parsed, maxchars=limit // fragments + 40)
    best = sorted(nlargest(fragments, passages, key=_rank), key=lambda passage: passage[0])
    if not best:
        return _plain(text, limit)
    html = _BETWEEN.join(_marked(text, *passage) for passage in best)
    prefix = "… " if best[0][0] > 0 else ""
    suffix = " …" if best[-1][1] < len(text) else ""
    return prefix + html + suffix


def mark_all(text: str, parsed: ParsedQuery) -> str:
    """The whole (short) text, escaped, with every match marked: for titles."""
    if not text:
        return ""
    marks = _Marks(parsed)
    matches = []
    for token in _SYLLABLES(text, chars=True):
        if token.endchar > _MAX_CHARS:
            break
        if marks[token.text]:
            matches.append((token.startchar, token.endchar, token.text))
    return _marked(text, 0, len(text), matches)
