"""Syllables with offsets, and pyvi word segmentation over them.

pyvi's own ``tokenize`` re-spaces its input and splits document numbers
(``24 / 2015 / TT - BTTTT``), losing both offsets and protected tokens. We cut
the text into syllables ourselves, keep protected tokens whole, and ask pyvi's
CRF model only for the begin/inside labels, so every word carries character
offsets into the original string.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache

# A document number: 24/2015/TT-BTTTT, 1437/QĐ-UBND, 10/2012/QH13, 87/2015/NĐ-CP.
DOC_NUMBER = r"\d{1,5}[a-zA-Z]?(?:/\d{4})?/[^\W\d_][\w]*(?:[-–][^\W_][\w]*)*"
# A number and year alone (87/2015): how visitors type half a document number.
NUMBER_YEAR = r"\d{1,5}/\d{4}(?![/\w])"
_PROTECTED = [
    r"(?:https?|ftp)://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]",  # URL
    r"www\.[^\s<>\"']+[^\s<>\"'.,;:!?)\]]",
    r"[\w.+-]+@(?:[\w-]+\.)+[\w-]+",  # e-mail
    r"\d{1,2}/\d{1,2}/\d{4}",  # date 25/01/2019
    DOC_NUMBER,
    NUMBER_YEAR,
    r"[A-ZĐ][A-ZĐ0-9]*(?:[-&][A-ZĐ][A-ZĐ0-9]*)+",  # LĐ-TBXH, BVCSTE&BĐG
    r"\d+(?:[.,]\d+)+",  # 0,15 and 6.000.000
]
_TOKEN_RE = re.compile(
    "|".join(f"(?P<p{i}>{p})" for i, p in enumerate(_PROTECTED)) + r"|(?P<word>\w+)|(?P<punct>[^\w\s])"
)
# Sentence boundaries: pyvi is trained on sentences and is faster on short sequences.
_SENTENCE_END = frozenset(".!?;:\n")
_MAX_SEQUENCE = 120


@dataclass(slots=True)
class Syllable:
    text: str
    start: int
    end: int
    protected: bool = False
    punct: bool = False


def syllables(text: str) -> list[Syllable]:
    """Cut text into syllables, protected tokens and punctuation marks, with offsets."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        out.append(Syllable(m.group(), m.start(), m.end(), kind.startswith("p"), kind == "punct"))
    return out


@lru_cache(maxsize=1)
def _pyvi():
    """Load pyvi's model once per process (about a second and 100+ MB)."""
    from pyvi.ViTokenizer import ViTokenizer

    # Unpickling the CRF writes the model to a temp file that is only removed by a
    # finalizer, which often does not run at exit; crfsuite reads the whole file
    # into memory when it opens it, so remove it now instead of leaking one per process.
    model = ViTokenizer.model
    if model.tagger_ is not None:
        model.modelfile.cleanup()
    return ViTokenizer


def _sentences(sylls: list[Syllable], text: str) -> list[list[Syllable]]:
    chunks, current = [], []
    for i, s in enumerate(sylls):
        current.append(s)
        boundary = s.punct and s.text in _SENTENCE_END
        if not boundary and i + 1 < len(sylls) and "\n" in text[s.end : sylls[i + 1].start]:
            boundary = True
        if boundary or len(current) >= _MAX_SEQUENCE:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _joinable(prev: Syllable, cur: Syllable) -> bool:
    """pyvi's own rule for gluing an I_W syllable to the previous one, plus protected tokens."""
    if prev.protected or cur.protected or prev.punct or cur.punct:
        return False
    if cur.text in string.punctuation or prev.text in string.punctuation:
        return False
    if cur.text[0].isdigit() or prev.text[0].isdigit():
        return False
    return not (cur.text[0].istitle() and not prev.text[0].istitle())


@dataclass(slots=True)
class Word:
    text: str  # syllables joined by "_"
    start: int
    end: int
    protected: bool = False


def segment(text: str) -> list[Word]:
    """Vietnamese words of ``text`` (already normalized), with offsets; punctuation dropped."""
    sylls = syllables(text)
    if not sylls:
        return []
    tokenizer = _pyvi()
    chunks = _sentences(sylls, text)
    features = [tokenizer.sent2features([s.text for s in chunk], False) for chunk in chunks]
    labels = tokenizer.model.predict(features)
    words: list[Word] = []
    for chunk, chunk_labels in zip(chunks, labels):
        prev = None
        for syl, label in zip(chunk, chunk_labels):
            if prev is not None and label == "I_W" and _joinable(prev, syl) and words:
                last = words[-1]
                last.text = f"{last.text}_{syl.text}"
                last.end = syl.end
            elif not syl.punct:
                words.append(Word(syl.text, syl.start, syl.end, syl.protected))
            prev = syl
    return words
