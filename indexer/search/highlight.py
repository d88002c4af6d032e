"""Snippets with the visitor's words marked in the original text.

Tokens carry offsets into the stored (NFC) text, so the marks sit on the
visitor's words with their original spacing and diacritics. A mark covers a whole
unit of the query (a word, an expansion, a quoted phrase): typed with diacritics and
matched exactly, only the same letters and marks; typed without, every sequence that
folds to it (``bao ve`` marks bảo vệ, not the "báo" of "thông báo").

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


class _Units:
    """What to mark: the visitor's units as token sequences, looked up by their first token.

    A unit is marked whole or not at all: "kết hôn" marks "kết hôn", never the "kết" of
    "kết quả". The typed form is compared as written when the search matched it exactly
    (``ParsedQuery.reading``), folded otherwise; synonyms and quoted phrases folded; a number
    and year ("20/2021") marks the document numbers it begins.
    """

    def __init__(self, parsed: ParsedQuery):
        self.exact: dict[str, list[tuple[str, ...]]] = {}
        self.folded: dict[str, list[tuple[str, ...]]] = {}
        self.prefixes: tuple[str, ...] = ()
        exact_reading = parsed.reading == "exact"
        prefixes = []
        for unit in parsed.units:
            if unit.stop:
                continue
            for index, alt in enumerate(unit.alternatives):
                typed = index == 0 and exact_reading and len(unit.exact) == len(alt)
                table, tokens = (self.exact, unit.exact) if typed else (self.folded, alt)
                for part in (unit.parts if index == 0 and unit.parts else [range(len(tokens))]):
                    self._add(table, tuple(tokens[i] for i in part))
            if unit.number_year:
                prefixes.append(unit.alternatives[0][0] + "/")
        for phrase in parsed.phrases:
            self._add(self.folded, phrase)
        self.prefixes = tuple(prefixes)

    @staticmethod
    def _add(table, tokens):
        sequences = table.setdefault(tokens[0], [])
        if tokens not in sequences:
            sequences.append(tokens)
            sequences.sort(key=len, reverse=True)

    def items(self, text: str):
        """``(start, end, key, matched)`` for the text's syllables, a matched unit as one item."""
        tokens = []
        for token in _SYLLABLES(text, chars=True):
            if token.endchar > _MAX_CHARS:
                break
            tokens.append((token.startchar, token.endchar, token.text))
        folded = [fold(t[2]) for t in tokens]
        i = 0
        while i < len(tokens):
            length = self._match(tokens, folded, i)
            if length:
                yield tokens[i][0], tokens[i + length - 1][1], folded[i], True
                i += length
            else:
                yield tokens[i][0], tokens[i][1], tokens[i][2], False
                i += 1

    def _match(self, tokens, folded, i) -> int:
        for table, forms in ((self.exact, None), (self.folded, folded)):
            for sequence in table.get(tokens[i][2] if forms is None else forms[i], ()):
                n = len(sequence)
                if i + n <= len(tokens) and all(
                        (tokens[i + k][2] if forms is None else forms[i + k]) == sequence[k] for k in range(n)):
                    return n
        if self.prefixes and folded[i].startswith(self.prefixes):
            return 1
        return 0


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
    for start, end, word, matched in _Units(parsed).items(text):
        size = end - start
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
    matches = [(start, end, word) for start, end, word, matched in _Units(parsed).items(text) if matched]
    return _marked(text, 0, len(text), matches)
