"""Plan: what must match and what adds score, as a small engine-neutral tree.

``build`` turns a ``ParsedQuery`` into ``Node`` s; each engine translates them
(``indexer.engines.whoosh.translate``, ``indexer.engines.opensearch.translate``), so
both search with the same understanding and every change here reaches both.

Short queries require every unit (a syllable, or an abbreviation with its expansions);
``build(..., require_all=False)`` is the fallback when nothing has them all, and long
questions start there: any unit may match and documents are ranked by BM25F over word
and syllable fields, plus adjacent-syllable (bigram) proximity, whole-phrase and title
matches, and document numbers.

The nodes mean what Lucene-style engines mean by them: ``Or`` matches any and adds the
scores, ``And`` needs all, ``AndMaybe`` needs ``required`` and adds ``optional``'s score,
``Require`` filters ``query`` by ``filter`` (matched, not scored), ``AndNot`` removes
what ``excluded`` matches. ``Phrase`` slop is Whoosh's: 1 means adjacent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Union

from ..analysis import fold
from ..document import doc_number_key
from ..synonyms import load as load_synonyms
from .understand import KIND_WORDS, STOPWORDS, FOLDED_STOPWORDS, ParsedQuery, Unit, canonical, year_range

# Up to this many content units every one is required first; longer questions go
# straight to the ranked any-unit query (no document has all 30 words of a question).
MAX_REQUIRED_UNITS = 8
# Queries with at least this many content units may miss one of them (a typo, a word the
# documents do not use); the ranking stage puts documents with every unit first.
MIN_UNITS_FOR_ONE_MISSING = 4

# Ranking weights (multiplied into BM25F scores). Tuned with bench/relevance.py.
# Titles weigh less here than in the schema's defaults: legal titles repeat the law's name in
# every article, and the ranking stage (indexer.search.rerank) rewards title matches itself.
WORD_FIELDS = {"title": 0.5, "content": 1.0}
FOLDED_FIELDS = {"title_f": 0.3, "content_f": 0.7}
DOC_NUMBER_BOOST = 40.0
DOC_TYPE_NUMBER_BOOST = 60.0
PHRASE_BOOST = {"title_f": 3.0, "content_f": 1.5}
MAX_PHRASE_SYLLABLES = 12
# Long questions find candidates with their rarer units only (see _informative).
COMMON_FRACTION = 0.2
MIN_CANDIDATE_UNITS = 4
MAX_CANDIDATE_UNITS = 30


# -- The nodes -----------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """``*`` stands for any characters."""

    field: str
    pattern: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class DateRange:
    """Inclusive bounds."""

    field: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class AndMaybe:
    required: "Node"
    optional: "Node"


@dataclass(frozen=True)
class Require:
    query: "Node"
    filter: "Node"


@dataclass(frozen=True)
class AndNot:
    query: "Node"
    excluded: "Node"


@dataclass(frozen=True)
class Every:
    """Every document."""


Node = Union[Term, Prefix, Wildcard, Phrase, DateRange, And, Or, AndMaybe, Require, AndNot, Every]


class TermStats(Protocol):
    """What planning (and re-ranking) asks of an index; a Whoosh searcher has these methods."""

    def doc_count(self) -> int:
        """The number of documents."""

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold ``text`` in ``field`` (0 when none)."""

    def lexicon(self, field: str):
        """Every value of a keyword field (str or UTF-8 bytes)."""


# -- Filters the visitor picked (facets, the Web scope's sites) --------------------------

def filters(kind=None, doc_type=None, year=None, site=None, category=None, sites=()) -> Node | None:
    """The facet values a visitor picked (and ``sites``, the Web scope's list) as one filter."""
    parts: list[Node] = []
    for field, value in (("kind", kind), ("doc_type", doc_type), ("site", site), ("category", category)):
        if value:
            parts.append(Term(field, value))
    if year:
        parts.append(DateRange("published", datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59, 999999)))
    if sites:
        parts.append(Or(tuple(Term("site", s) for s in sites)))
    return And(tuple(parts)) if parts else None


# -- Building ------------------------------------------------------------------------

def _any_field(fields: dict[str, float], text: str, weight: float = 1.0) -> Node:
    return Or(tuple(Term(name, text, boost * weight) for name, boost in fields.items()))


def _sequence(tokens: tuple[str, ...], weight: float = 1.0, slop: int = 1) -> Node:
    """A folded token sequence anywhere in the text: a term, or a phrase."""
    if len(tokens) == 1:
        return _any_field(FOLDED_FIELDS, tokens[0], weight)
    return Or(tuple(Phrase(name, tuple(tokens), slop, boost * weight) for name, boost in FOLDED_FIELDS.items()))


def _unit_match(unit: Unit) -> Node:
    """A unit anywhere in the text; "87/2015" also matches every number 87/2015/...."""
    matches = [_sequence(alt, weight) for alt, weight in zip(unit.alternatives, unit.weights)]
    typed = unit.alternatives[0]
    if len(typed) > 1:
        # What the visitor typed also matches as separate syllables (the phrase scores more).
        matches.append(And(tuple(_any_field(FOLDED_FIELDS, t) for t in typed)))
    if unit.number_year:
        prefix = unit.alternatives[0][0] + "/"
        matches += [Prefix("doc_number_key", prefix, DOC_NUMBER_BOOST / 2),
                    *(Prefix(name, prefix, boost) for name, boost in FOLDED_FIELDS.items())]
    return matches[0] if len(matches) == 1 else Or(tuple(matches))


def _proximity(parsed: ParsedQuery) -> list[Node]:
    """For short queries, the whole query as a phrase (bigrams are scored by the rerank stage)."""
    syllables = parsed.syllables
    if 1 < len(syllables) <= MAX_PHRASE_SYLLABLES:
        return [Phrase(name, tuple(syllables), 1, b) for name, b in PHRASE_BOOST.items()]
    return []


def _informative(units: list[Unit], words: list[str], stats: TermStats | None) -> tuple[list[Unit], list[str]]:
    """For long questions, the units and words rare enough to find candidates with.

    An engine scores every posting of every term; a syllable in a tenth of the documents
    costs much and tells little (the ranking stage still counts it).
    """
    if stats is None:
        return units, words
    n = max(1, stats.doc_count())

    def df(field_name, token):
        try:
            return stats.doc_frequency(field_name, token)
        except Exception:
            return 0

    def unit_df(unit):
        return min(df("content_f", alt[0]) for alt in unit.alternatives)

    rated = sorted(units, key=unit_df)
    keep = [u for u in rated if unit_df(u) <= n * COMMON_FRACTION][:MAX_CANDIDATE_UNITS]
    if len(keep) < MIN_CANDIDATE_UNITS:
        keep = rated[:MIN_CANDIDATE_UNITS]
    rare_words = sorted((w for w in words if 0 < df("content", w) <= n * COMMON_FRACTION),
                        key=lambda w: df("content", w))[:MAX_CANDIDATE_UNITS]
    return keep, rare_words


def _doc_number_queries(parsed: ParsedQuery) -> list[Node]:
    queries: list[Node] = [Term("doc_number_key", key, DOC_NUMBER_BOOST) for key in parsed.doc_numbers]
    for code in parsed.doc_type_codes:
        for unit in parsed.units:
            if unit.number_year:
                queries.append(Prefix("doc_number_key", f"{unit.alternatives[0][0]}/{code}", DOC_TYPE_NUMBER_BOOST))
        for number in parsed.bare_numbers:
            queries.append(Wildcard("doc_number_key", f"{number}/*{code}*", DOC_TYPE_NUMBER_BOOST / 2))
    return queries


def build(parsed: ParsedQuery, require_all: bool = True, stats: TermStats | None = None) -> Node:
    """The plan: units required (or any, when relaxed), the rest adds score.

    ``stats`` lets long questions keep their rarer units and ``loai:`` filters read the
    document types the index knows.
    """
    units = parsed.content_units
    words = [w for w in parsed.words if fold(w) not in FOLDED_STOPWORDS and w not in STOPWORDS]
    long_query = not (require_all and len(units) <= MAX_REQUIRED_UNITS)
    if len(units) > MAX_REQUIRED_UNITS:
        units, words = _informative(units, words, stats)
    scorers: list[Node] = [_any_field(WORD_FIELDS, w) for w in words]
    scorers += _proximity(parsed)
    for words in parsed.phrase_words:
        scorers += [_any_field(WORD_FIELDS, w) for w in words]
    numbers = _doc_number_queries(parsed)
    phrases = [_sequence(p, slop=1) for p in parsed.phrases]

    query: Node
    if not long_query and units:
        matches = [_unit_match(u) for u in units]
        if require_all and len(units) >= MIN_UNITS_FOR_ONE_MISSING:
            every = And(tuple(matches))
            # All but one unit, in any position; documents with every unit also score for `every`.
            any_but_one = Or(tuple(And(tuple(matches[:i] + matches[i + 1:])) for i in range(len(matches))))
            required: Node = Or((every, any_but_one))
        else:
            required = And(tuple(matches))
        if phrases:
            required = And((required, *phrases))
        main = AndMaybe(required, Or(tuple(scorers))) if scorers else required
        query = Or((main, *numbers)) if numbers else main
    elif units:
        query = Or(tuple([_unit_match(u) for u in units] + scorers + numbers))
        if phrases:
            query = Require(query, And(tuple(phrases))) if len(phrases) > 1 else Require(query, phrases[0])
    elif phrases:
        query = And(tuple(phrases))
    else:
        query = Every()
    return _apply_syntax(query, parsed, stats)


def needs_fallback(parsed: ParsedQuery) -> bool:
    """True when ``build`` required every unit and a relaxed query could find more."""
    units = parsed.content_units
    return 1 < len(units) <= MAX_REQUIRED_UNITS


def is_relaxed_from_start(parsed: ParsedQuery) -> bool:
    """Long questions are searched with any unit from the start."""
    return len(parsed.content_units) > MAX_REQUIRED_UNITS


def _apply_syntax(query: Node, parsed: ParsedQuery, stats: TermStats | None) -> Node:
    """Exclusions and field filters: matched, never scored."""
    positive, negative = [], []
    for name, values in parsed.filters.items():
        negated = name.endswith("!")
        clause = _filter(name.rstrip("!"), values, stats)
        if clause is not None:
            (negative if negated else positive).append(clause)
    negative += [_sequence(tokens, slop=1) for tokens in parsed.excluded]
    if positive:
        query = Require(query, And(tuple(positive)) if len(positive) > 1 else positive[0])
    if negative:
        query = AndNot(query, Or(tuple(negative)) if len(negative) > 1 else negative[0])
    return query


def _filter(name: str, values: list[str], stats: TermStats | None) -> Node | None:
    clauses: list[Node | None] = []
    for value in values:
        if name == "nam":
            start, end = year_range(value)
            clauses.append(DateRange("published", datetime(start, 1, 1), datetime(end, 12, 31, 23, 59, 59)))
        elif name == "so":
            key = doc_number_key(value)
            clauses.append(Or((Term("doc_number_key", key), Prefix("doc_number_key", key + "/"),
                               Prefix("doc_number_key", key + "-"))))
        elif name == "site":
            clauses.append(Or(tuple(Term("site", v) for v in dict.fromkeys([value, value.lower()]))))
        elif name == "loai":
            clauses.append(_type_filter(value, stats))
    found = [c for c in clauses if c is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else Or(tuple(found))


def _type_filter(value: str, stats: TermStats | None) -> Node | None:
    """loai:luat, loai:"nghị định", loai:nd, loai:tin: a document type, or a kind."""
    wanted = canonical(value)
    if wanted in KIND_WORDS:
        return Term("kind", KIND_WORDS[wanted])
    synonyms = load_synonyms()
    pieces = [(p, p) for p in wanted.split()]
    match = synonyms.match(pieces, 0) if pieces else None
    names = {wanted}
    if match and match[0] == len(pieces):
        names |= {" ".join(o.tokens) for o in match[2]}
    types = []
    if stats is not None:
        for raw in stats.lexicon("doc_type"):
            label = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if canonical(label) in names:
                types.append(label)
    if not types:
        return None  # a type the index does not know: search without the filter
    return Or(tuple(Term("doc_type", t) for t in types))
