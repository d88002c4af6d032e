"""Character-level normalization of Vietnamese text.

Every function here keeps the length of NFC text unchanged, so character
offsets computed on the normalized text point into the stored (NFC) text and
highlights land on the visitor's words.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _build_tone_table() -> dict[str, str]:
    """Map old-style placements (hoà, thuỷ, khoẻ) to one canonical form (hòa, thủy, khỏe).

    Only the open diphthongs oa, oe, uy carry the mark in two places in real
    text; with a final consonant (hoàng, thuyết) placement is fixed and left alone.
    """
    table = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in _TONE_MARKS:
            for f, s in ((first, second), (first.upper(), second), (first.upper(), second.upper())):
                old = f + unicodedata.normalize("NFC", s + mark)
                new = unicodedata.normalize("NFC", f + mark) + s
                table[old] = new
    return table


_TONE_TABLE = _build_tone_table()
# Not after "q" (quý is already right) and only at the end of a syllable. One character class per
# diphthong rather than an alternation of every table key: the scan runs over whole documents.
_MARKED = {first: "".join(sorted({key[1] for key in _TONE_TABLE if key[0].lower() == first}))
           for first in ("o", "u")}
_OLD_TONE_RE = re.compile(rf"(?<![qQ])(?:[oO][{_MARKED['o']}]|[uU][{_MARKED['u']}])(?!\w)")


def normalize_tones(text: str) -> str:
    """Rewrite old-style tone placement to the canonical one; length-preserving on NFC text."""
    return _OLD_TONE_RE.sub(lambda m: _TONE_TABLE.get(m.group(), m.group()), text)


def normalize_text(text: str) -> str:
    """NFC plus one tone placement: the form every analyzer works on."""
    return normalize_tones(unicodedata.normalize("NFC", text))


def _build_fold_table() -> dict[int, str]:
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x1EFA):
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            table[code] = base
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (đ -> d) from NFC text, keeping its length."""
    return text.translate(_FOLD_TABLE)


def has_diacritics(text: str) -> bool:
    """True when folding would change the text, i.e. the visitor typed marks."""
    return fold(text) != text
