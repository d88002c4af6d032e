"""Abbreviations and synonyms (UBND = ủy ban nhân dân) from data files admins can extend.

The file format is documented at the top of ``indexer/data/synonyms.txt``: one group per
line, terms separated by ``=``, every term of a group finds the others. Terms are compared
as accent-folded, lower-case syllables, so ``UBND``, ``ubnd`` and ``Ubnd`` are one term, and
``LĐ-TBXH`` matches ``ld tbxh``; ``^TE^`` marks a term that matches only when typed in capitals.

The query side asks ``Synonyms.match(tokens, i)`` for the longest term starting at token ``i``
and builds its alternatives from ``Term.tokens``: the term as the index analyzes it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .analysis import folded_analyzer, normalize_text

DATA_FILE = Path(__file__).parent / "data" / "synonyms.txt"
MAX_TERM_TOKENS = 8
_ANALYZER = folded_analyzer()
_CAPITALS = re.compile(r"^\^(.+)\^$")

log = logging.getLogger(__name__)


class SynonymsError(ValueError):
    """A synonyms file that cannot be read; the message names it."""


@dataclass(frozen=True)
class Term:
    text: str  # as written in the file
    tokens: tuple[str, ...]  # folded index tokens ("ld-tbxh"): what to search for
    key: tuple[str, ...]  # folded pieces compared with the visitor's ("ld", "tbxh")
    capitals: bool = False  # only when typed in capitals


def split_pieces(token: str) -> list[str]:
    """A hyphenated abbreviation (``ld-tbxh``) is compared piece by piece; other tokens whole."""
    if "-" in token and "/" not in token and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", token):
        return token.split("-")
    return [token]


def _term(raw: str) -> Term | None:
    raw = raw.strip()
    capitals = False
    m = _CAPITALS.match(raw)
    if m:
        raw, capitals = m.group(1).strip(), True
    tokens = tuple(t.text for t in _ANALYZER(normalize_text(raw)))
    if not tokens or len(tokens) > MAX_TERM_TOKENS:
        return None
    key = tuple(piece for t in tokens for piece in split_pieces(t))
    return Term(raw, tokens, key, capitals)


class Synonyms:
    """Groups of equivalent terms, looked up by the longest match in a query."""

    def __init__(self, groups: list[list[Term]] = ()):
        self.groups: list[list[Term]] = []
        self._by_key: dict[tuple[str, ...], list[int]] = {}
        self.longest = 1
        for group in groups:
            self.add_group(group)

    def add_group(self, terms: list[Term]) -> None:
        """Add a group; one sharing a term with an earlier group is merged into it."""
        ids = {i for t in terms for i in self._by_key.get(t.key, [])}
        if ids:
            target = min(ids)
            merged = self.groups[target]
            for i in sorted(ids - {target}):
                merged.extend(self.groups[i])
                self.groups[i] = []
            for term in terms:
                if term not in merged:
                    merged.append(term)
        else:
            target = len(self.groups)
            self.groups.append(list(terms))
        self._by_key = {}
        for i, group in enumerate(self.groups):
            for term in group:
                self._by_key.setdefault(term.key, [])
                if i not in self._by_key[term.key]:
                    self._by_key[term.key].append(i)
                self.longest = max(self.longest, len(term.key))

    def __len__(self) -> int:
        return sum(1 for g in self.groups if g)

    def match(self, pieces: list[tuple[str, str]], start: int) -> tuple[int, Term, list[Term]] | None:
        """The longest term at ``pieces[start:]`` as (length, matched term, the other terms).

        ``pieces`` are (folded piece, text as typed) pairs.
        """
        for length in range(min(self.longest, len(pieces) - start), 0, -1):
            key = tuple(p for p, _ in pieces[start:start + length])
            for gid in self._by_key.get(key, ()):
                group = self.groups[gid]
                typed = " ".join(t for _, t in pieces[start:start + length])
                for term in group:
                    if term.key != key:
                        continue
                    if term.capitals and not (typed.isupper() and typed.upper() == typed):
                        continue
                    # A capitals-only term is never searched for: once folded it is an ordinary syllable.
                    others = [t for t in group if t.tokens != term.tokens and not t.capitals]
                    if others:
                        return length, term, others
        return None

    @classmethod
    def from_text(cls, text: str, source: str = "<text>") -> "Synonyms":
        table = cls()
        table.extend_text(text, source)
        return table

    def extend_text(self, text: str, source: str = "<text>") -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            terms = [t for t in (_term(part) for part in line.split("=")) if t is not None]
            if len(terms) < 2 or "=" not in line:
                log.warning("%s:%d: ignored (expected TERM = TERM [= TERM ...])", source, number)
                continue
            self.add_group(terms)

    def extend_file(self, path) -> None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SynonymsError(f"không đọc được tệp từ đồng nghĩa {path}: {exc}") from None
        self.extend_text(text, str(path))


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> Synonyms:
    table = Synonyms()
    table.extend_file(DATA_FILE)
    for path in paths:
        table.extend_file(path)
    return table


def load(extra_files=()) -> Synonyms:
    """The shipped table plus ``extra_files`` (an admin's own groups); cached per file list."""
    if isinstance(extra_files, (str, Path)):
        extra_files = [extra_files]
    return _load(tuple(str(Path(p).resolve()) for p in extra_files or ()))
