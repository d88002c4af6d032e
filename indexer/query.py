"""Understanding what the visitor typed: one Whoosh query plus the words to mark.

The visitor's text is never parsed as query syntax (``AND``, ``*``, ``field:``
are just words), so no input can raise a parse error or explode.

Matching is on accent-folded syllables (so typing without diacritics works);
ranking adds word-level matches with the same diacritics, phrase proximity and
an exact document-number match on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from .analysis import DOC_NUMBER, NUMBER_YEAR, folded_analyzer, has_diacritics, normalize_text, word_analyzer
from .document import doc_number_key
from .schema import FOLDED_FIELDS, WORD_FIELDS

MAX_QUERY_CHARS = 1000
MAX_TERMS = 48
_DOC_NUMBER_RE = re.compile(DOC_NUMBER)
_NUMBER_YEAR_RE = re.compile(NUMBER_YEAR)
_WORD_ANALYZER = word_analyzer()
_FOLDED_ANALYZER = folded_analyzer()
DOC_NUMBER_BOOST = 40.0
PHRASE_BOOST = {"title_f": 3.0, "content_f": 1.5}


class QueryError(ValueError):
    """The query cannot be searched; the message is for the visitor."""


@dataclass
class ParsedQuery:
    text: str
    syllables: list[str] = field(default_factory=list)  # folded, in order
    words: list[str] = field(default_factory=list)  # pyvi words, lower case, with diacritics
    doc_numbers: list[str] = field(default_factory=list)  # normalized keys
    marked: set[str] = field(default_factory=set)  # syllables typed with diacritics (lower)
    marked_folded: set[str] = field(default_factory=set)  # syllables typed without (folded)

    @property
    def empty(self) -> bool:
        return not self.syllables


def parse(text: str) -> ParsedQuery:
    """Analyze the visitor's text exactly like documents are analyzed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    normalized = normalize_text(text).strip()
    parsed = ParsedQuery(text=normalized)
    for token in _FOLDED_ANALYZER(normalized, chars=True):
        original = normalized[token.startchar:token.endchar].lower()
        if has_diacritics(original):
            parsed.marked.add(original)
        else:
            parsed.marked_folded.add(token.text)
        if len(parsed.syllables) < MAX_TERMS:
            parsed.syllables.append(token.text)
    if parsed.syllables:
        parsed.words = list(dict.fromkeys(t.text for t in _WORD_ANALYZER(normalized)))[:MAX_TERMS]
    parsed.doc_numbers = list(dict.fromkeys(doc_number_key(m.group()) for m in _DOC_NUMBER_RE.finditer(normalized)))
    return parsed


def _any_field(fields: dict[str, float], text: str) -> Q.Query:
    return Q.Or([Q.Term(name, text, boost=boost) for name, boost in fields.items()])


def _syllable_match(syllable: str) -> Q.Query:
    """A syllable anywhere in the text; "87/2015" also matches every number 87/2015/...."""
    match = _any_field(FOLDED_FIELDS, syllable)
    if not _NUMBER_YEAR_RE.fullmatch(syllable):
        return match
    prefix = syllable + "/"
    return Q.Or([match, Q.Prefix("doc_number_key", prefix, boost=DOC_NUMBER_BOOST / 2),
                 *(Q.Prefix(name, prefix, boost=boost) for name, boost in FOLDED_FIELDS.items())])


def build(parsed: ParsedQuery, require_all: bool = True) -> Q.Query:
    """The Whoosh query: every syllable required (or any, when relaxed), the rest adds score."""
    unique = list(dict.fromkeys(parsed.syllables))
    matches = [_syllable_match(s) for s in unique]
    required = Q.And(matches) if require_all else Q.Or(matches)
    boosts: list[Q.Query] = [_any_field(WORD_FIELDS, w) for w in parsed.words]
    if 1 < len(parsed.syllables) <= 12:
        boosts += [Q.Phrase(name, parsed.syllables, slop=1, boost=b) for name, b in PHRASE_BOOST.items()]
    scored = Q.AndMaybe(required, Q.Or(boosts)) if boosts else required
    if not parsed.doc_numbers:
        return scored
    numbers = [Q.Term("doc_number_key", key, boost=DOC_NUMBER_BOOST) for key in parsed.doc_numbers]
    return Q.Or([scored, *numbers])
