"""Snippets with the visitor's words marked in the original text.

A mark covers a whole unit of the query (a word, an expansion, a quoted phrase), never one
syllable of it: typed with diacritics and matched exactly (``ParsedQuery.reading``), only the
same letters and marks; otherwise every sequence that folds to it (``bao ve`` marks "bảo vệ",
not the "báo" of "thông báo"). Units are found with one regular expression over the text as
written (lower case) and one over its folded copy; both keep the text's length, so offsets
point into the stored text and the marks keep its spacing and diacritics.

Passages are cut, ranked and marked here rather than by an engine's highlighter, so every
engine shows the same snippets for the same stored text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from ..analysis import fold, normalize_text
from .understand import ParsedQuery

SNIPPET_CHARS = 240
# Characters of context kept before the first match of a passage.
_SURROUND = 50
# Matches past this offset are not looked for, so huge pages stay cheap.
_MAX_CHARS = 2**15
_BETWEEN = " … "
# What may stand between two syllables of one unit: what an index pair may span (no sentence break).
_GAP = r"[^\w.!?;:\n()\[\]\"“”]{1,3}"


def _pattern(sequences) -> re.Pattern | None:
    """One alternation of token sequences, longest first, each on word boundaries."""
    if not sequences:
        return None
    parts = [_GAP.join(re.escape(t) for t in seq) for seq in sorted(sequences, key=lambda s: (-len(s), s))]
    return re.compile(r"(?<![\w/])(?:" + "|".join(parts) + r")(?![\w/])")


@lru_cache(maxsize=256)
def _patterns(exact: tuple, folded: tuple, prefixes: tuple):
    number = re.compile(r"(?<![\w/])(?:" + "|".join(re.escape(p) for p in prefixes) + r")[\w\-–/.]*\w") \
        if prefixes else None
    return _pattern(exact), _pattern(folded), number


def _units(parsed: ParsedQuery):
    """The compiled patterns of what to mark in ``parsed``'s results."""
    exact, folded, prefixes = set(), set(), []
    exact_reading = parsed.reading == "exact"
    for unit in parsed.units:
        if unit.stop:
            continue
        for index, alt in enumerate(unit.alternatives):
            typed = index == 0 and exact_reading and len(unit.exact) == len(alt)
            table, tokens = (exact, unit.exact) if typed else (folded, alt)
            for part in (unit.parts if index == 0 and unit.parts else [range(len(tokens))]):
                table.add(tuple(tokens[i] for i in part))
        if unit.number_year:
            prefixes.append(unit.alternatives[0][0] + "/")
    folded.update(tuple(p) for p in parsed.phrases)
    return _patterns(tuple(sorted(exact)), tuple(sorted(folded)), tuple(prefixes))


def find(text: str, parsed: ParsedQuery) -> list[tuple[int, int, str]]:
    """``(start, end, unit)`` of every whole unit in ``text``, in order, without overlaps."""
    exact, folded, number = _units(parsed)
    if not (exact or folded or number):
        return []
    lower = normalize_text(text[:_MAX_CHARS]).lower()
    if len(lower) != min(len(text), _MAX_CHARS):  # a case mapping that changes length: stay safe
        return []
    found = []
    if exact is not None:
        found += [(m.start(), m.end(), fold(m.group())) for m in exact.finditer(lower)]
    if folded is not None or number is not None:
        plain = fold(lower)
        for pattern in (folded, number):
            if pattern is not None:
                found += [(m.start(), m.end(), m.group()) for m in pattern.finditer(plain)]
    found.sort(key=lambda m: (m[0], m[0] - m[1]))
    out, reached = [], 0
    for start, end, key in found:
        if start >= reached:
            out.append((start, end, key))
            reached = end
    return out


def _passages(text: str, matches, maxchars: int):
    """``(start, end, matches)``: runs of matches that fit in ``maxchars`` with their context."""
    passages, run = [], []
    for match in matches:
        if run and match[1] - run[0][0] > maxchars - _SURROUND:
            passages.append(run)
            run = []
        run.append(match)
    if run:
        passages.append(run)
    out = []
    for run in passages:
        start = max(0, run[0][0] - _SURROUND)
        if start:  # begin on a word
            space = text.find(" ", start, run[0][0])
            start = space + 1 if space != -1 else run[0][0]
        end = min(len(text), max(run[-1][1], start + maxchars))
        if end < len(text):  # end on a word, never inside a mark
            space = text.rfind(" ", run[-1][1], end)
            end = space if space != -1 else end
        out.append((start, end, run))
    return out


def _rank(passage):
    """Matches times distinct units (variety beats repetition); the earlier wins ties."""
    start, _, matches = passage
    return len(matches) * len({key for _, _, key in matches}), -start


def _marked(text: str, start: int, end: int, matches) -> str:
    """``text[start:end]`` escaped, matches in ``<mark>``."""
    out = []
    index = start
    for s, e, _ in matches:
        if s < index or e > end:
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
    """The best passages of ``text`` with whole units marked; the opening words when nothing matches."""
    if not text:
        return ""
    matches = find(text, parsed)
    if not matches:
        return _plain(text, limit)
    passages = _passages(text, matches, maxchars=limit // fragments + 40)
    best = sorted(sorted(passages, key=_rank, reverse=True)[:fragments], key=lambda passage: passage[0])
    html = _BETWEEN.join(_marked(text, *passage) for passage in best)
    prefix = "… " if best[0][0] > 0 else ""
    suffix = " …" if best[-1][1] < len(text) else ""
    return prefix + html + suffix


def mark_all(text: str, parsed: ParsedQuery) -> str:
    """The whole (short) text, escaped, with every whole unit marked: for titles."""
    if not text:
        return ""
    return _marked(text, 0, len(text), find(text, parsed))
