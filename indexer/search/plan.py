"""Plan: what must match and what adds score, as a small engine-neutral tree.

``build`` turns a ``ParsedQuery`` into ``Node`` s; each engine translates them
(``indexer.engines.whoosh.translate``, ``indexer.engines.opensearch.translate``), so
both search with the same understanding and every change here reaches both.

A unit (a word of one or more syllables, an abbreviation with its expansions) matches
through the index's unit terms (``indexer.analysis.unit_terms``): a lone syllable as one
term, a longer word as all of its adjacent-syllable pairs, so "kết hôn" never matches a
document that only has "kết quả" and "hôn". Typed with diacritics, the typed form matches
the exact fields (``*_x``) first; the folded fields (``*_f``) are the relaxation.

Short queries require every unit; ``build(..., require_all=False)`` is the fallback when
nothing has them all, and questions start there: any unit may match and the rerank window
decides. Pairs across the units' boundaries score as proximity; document numbers add more.
Indexes of the older syllable-only schema get the same plan rewritten for their fields
(``for_syllable_index``).

The nodes mean what Lucene-style engines mean by them: ``Or`` matches any and adds the
scores, ``And`` needs all, ``AndMaybe`` needs ``required`` and adds ``optional``'s score,
``Require`` filters ``query`` by ``filter`` (matched, not scored), ``AndNot`` removes
what ``excluded`` matches. ``Phrase`` slop is Whoosh's: 1 means adjacent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol, Union

from ..analysis import PAIR, fold, pair
from ..document import doc_number_key
from ..synonyms import load as load_synonyms
from .understand import KIND_WORDS, QUESTION_PHRASES, ParsedQuery, Unit, canonical, year_range

# Up to this many content units every one is required first; longer questions go
# straight to the ranked any-unit query (no document has all 30 words of a question).
MAX_REQUIRED_UNITS = 8

# Ranking weights (multiplied into BM25F scores). Titles weigh less here than their share of
# attention suggests: legal titles repeat the law's name in every article, and the ranking stage
# (indexer.search.rerank) rewards title matches itself.
EXACT_FIELDS = {"title_x": 0.5, "content_x": 1.0}
FOLDED_FIELDS = {"title_f": 0.5, "content_f": 1.0}
# Pairs of the query's syllables across its word boundaries ("tục đăng" in "thủ tục đăng ký"):
# they score documents where the words stand together, as a phrase would, for one term each.
PROXIMITY_BOOST = 0.5
DOC_NUMBER_BOOST = 40.0
DOC_TYPE_NUMBER_BOOST = 60.0
# Long questions find candidates with their rarer units only (see _informative).
COMMON_FRACTION = 0.2
MIN_CANDIDATE_UNITS = 4
MAX_CANDIDATE_UNITS = 30
# Words a question is recognised by, anywhere (folded: none is a common content syllable), at its
# end, or typed with their diacritics ("mấy" is "máy" once folded).
QUESTION_WORDS = frozenset({"gi", "nao", "dau"})
QUESTION_ENDINGS = frozenset({"khong", "ko", "k", "hok", "chua", "nhieu", "lau", "may", "sao"})
QUESTION_WORDS_TYPED = frozenset({"mấy", "gì", "đâu"})


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

# The open end of a date range with one bound: both engines take these dates as they are.
EARLIEST = datetime(1000, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999)


def filters(kind=None, doc_type=None, year=None, site=None, category=None, sites=(),
            date_from: date | None = None, date_to: date | None = None) -> Node | None:
    """The facet values a visitor picked (and ``sites``, the Web scope's list) as one filter;
    ``date_from``/``date_to`` bound ``published``, both days included."""
    parts: list[Node] = []
    for field, value in (("kind", kind), ("doc_type", doc_type), ("site", site), ("category", category)):
        if value:
            parts.append(Term(field, value))
    if year:
        parts.append(DateRange("published", datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59, 999999)))
    if date_from or date_to:
        start = datetime.combine(date_from, time.min) if date_from else EARLIEST
        end = datetime.combine(date_to, time.max) if date_to else LATEST
        parts.append(DateRange("published", start, end))
    if sites:
        parts.append(Or(tuple(Term("site", s) for s in sites)))
    return And(tuple(parts)) if parts else None


# -- Building ------------------------------------------------------------------------

def _any_field(fields: dict[str, float], text: str, weight: float = 1.0) -> Node:
    return Or(tuple(Term(name, text, boost * weight) for name, boost in fields.items()))


def unit_terms(tokens: tuple[str, ...]) -> list[str]:
    """The index terms a token sequence matches as one unit: its syllable, or its pairs."""
    if len(tokens) == 1:
        return [tokens[0]]
    return [pair(a, b) for a, b in zip(tokens, tokens[1:])]


def _sequence(tokens: tuple[str, ...], fields: dict[str, float] = FOLDED_FIELDS, weight: float = 1.0) -> Node:
    """A token sequence as a unit: every pair term of it, each in the title or the content."""
    terms = [_any_field(fields, t, weight) for t in unit_terms(tokens)]
    return terms[0] if len(terms) == 1 else And(tuple(terms))


def _unit_match(unit: Unit, exact: bool) -> Node:
    """A unit anywhere in the text: the typed form (exactly, when ``exact``) or a synonym;
    "87/2015" also matches every number 87/2015/...."""
    matches = []
    for index, (alt, weight) in enumerate(zip(unit.alternatives, unit.weights)):
        typed = exact and index == 0 and len(unit.exact) == len(alt)
        tokens, fields = (unit.exact, EXACT_FIELDS) if typed else (alt, FOLDED_FIELDS)
        if index == 0 and unit.parts:
            words = [_sequence(tuple(tokens[i] for i in part), fields, weight) for part in unit.parts]
            matches.append(words[0] if len(words) == 1 else And(tuple(words)))
        else:
            matches.append(_sequence(tokens, fields, weight))
    if unit.number_year:
        prefix = unit.alternatives[0][0] + "/"
        matches += [Prefix("doc_number_key", prefix, DOC_NUMBER_BOOST / 2),
                    *(Prefix(name, prefix, boost) for name, boost in FOLDED_FIELDS.items())]
    return matches[0] if len(matches) == 1 else Or(tuple(matches))


def _proximity(parsed: ParsedQuery, exact: bool) -> list[Node]:
    """The query's syllable pairs across its units' boundaries, as optional pair terms."""
    units = [u for u in parsed.units if u.alternatives]
    nodes = []
    for left, right in zip(units, units[1:]):
        if left.number_year or right.number_year:
            continue
        if exact and left.exact and right.exact:
            term, fields = pair(left.exact[-1], right.exact[0]), EXACT_FIELDS
        else:
            term, fields = pair(left.alternatives[0][-1], right.alternatives[0][0]), FOLDED_FIELDS
        if term.count(PAIR) == 1 and all(part.isalnum() for part in term.split(PAIR)):
            nodes.append(_any_field(fields, term, PROXIMITY_BOOST))
    return nodes


def is_question(parsed: ParsedQuery) -> bool:
    """A question in the visitor's words ("ly di can giay to gi", "mấy tuổi thì được về hưu"),
    or a long one: answered by documents that hold some of its words, not all."""
    if len(parsed.content_units) > MAX_REQUIRED_UNITS or parsed.text.rstrip().endswith("?"):
        return True
    syllables = parsed.syllables
    if QUESTION_WORDS & set(syllables) or (syllables and syllables[-1] in QUESTION_ENDINGS):
        return True
    if any(syllables[i:i + len(p)] == list(p) for p in QUESTION_PHRASES for i in range(len(syllables))):
        return True
    return bool({t.lower() for t in parsed.marked} & QUESTION_WORDS_TYPED)


def _informative(units: list[Unit], stats: TermStats | None) -> list[Unit]:
    """For long questions, the units rare enough to find candidates with.

    An engine scores every posting of every term; a word in a fifth of the documents costs
    much and tells little (the ranking stage still counts it).
    """
    if stats is None:
        return units
    n = max(1, stats.doc_count())

    def df(token):
        try:
            return stats.doc_frequency("content_f", token)
        except Exception:
            return 0

    def unit_df(unit):
        return min(max(df(t) for t in unit_terms(alt)) for alt in unit.alternatives)

    rated = sorted(units, key=unit_df)
    keep = [u for u in rated if unit_df(u) <= n * COMMON_FRACTION][:MAX_CANDIDATE_UNITS]
    if len(keep) < MIN_CANDIDATE_UNITS:
        keep = rated[:MIN_CANDIDATE_UNITS]
    return keep


def _doc_number_queries(parsed: ParsedQuery) -> list[Node]:
    queries: list[Node] = [Term("doc_number_key", key, DOC_NUMBER_BOOST) for key in parsed.doc_numbers]
    for code in parsed.doc_type_codes:
        for unit in parsed.units:
            if unit.number_year:
                queries.append(Prefix("doc_number_key", f"{unit.alternatives[0][0]}/{code}", DOC_TYPE_NUMBER_BOOST))
        for number in parsed.bare_numbers:
            queries.append(Wildcard("doc_number_key", f"{number}/*{code}*", DOC_TYPE_NUMBER_BOOST / 2))
    return queries


def build(parsed: ParsedQuery, require_all: bool = True, stats: TermStats | None = None,
          exact: bool | None = None) -> Node:
    """The plan: every unit required (or any, for questions and when relaxed); the rest adds score.

    ``exact`` (default: whether the visitor typed diacritics) matches the typed words as
    written; folded, they match whatever their marks. ``stats`` lets long questions keep their
    rarer units and ``loai:`` filters read the document types the index knows.
    """
    exact = parsed.typed_marks if exact is None else exact
    units = parsed.content_units
    any_unit = not require_all or is_question(parsed)
    if len(units) > MAX_REQUIRED_UNITS:
        units = _informative(units, stats)
    matches = [_unit_match(u, exact) for u in units]
    scorers = _proximity(parsed, exact)
    numbers = _doc_number_queries(parsed)
    phrases = [_sequence(p) for p in parsed.phrases]

    query: Node
    if units and not any_unit:
        required = matches[0] if len(matches) == 1 else And(tuple(matches))
        if phrases:
            required = And((required, *phrases))
        main = AndMaybe(required, Or(tuple(scorers))) if scorers else required
        query = Or((main, *numbers)) if numbers else main
    elif units:
        query = Or(tuple(matches + scorers + numbers))
        if phrases:
            query = Require(query, And(tuple(phrases))) if len(phrases) > 1 else Require(query, phrases[0])
    elif phrases:
        query = phrases[0] if len(phrases) == 1 else And(tuple(phrases))
    else:
        query = Every()
    return _apply_syntax(query, parsed, stats)


def needs_fallback(parsed: ParsedQuery) -> bool:
    """True when ``build`` required every unit and any unit could find more."""
    return 1 < len(parsed.content_units) and not is_question(parsed)


def is_relaxed_from_start(parsed: ParsedQuery) -> bool:
    """Questions are searched with any unit from the start."""
    return is_question(parsed)


def for_syllable_index(node: Node) -> Node:
    """``node`` for an index of the older schema (folded syllables with positions, no unit
    fields): a pair term becomes a two-syllable phrase, an exact term its folded term."""
    if isinstance(node, Term) and node.field in UNIT_FIELDS:
        folded_field = UNIT_FIELDS[node.field]
        parts = node.text.split(PAIR)
        if len(parts) == 2 and all(parts):
            return Phrase(folded_field, (fold(parts[0]), fold(parts[1])), 1, node.boost)
        return Term(folded_field, fold(node.text), node.boost)
    if isinstance(node, (And, Or)):
        return type(node)(tuple(for_syllable_index(n) for n in node.items))
    if isinstance(node, AndMaybe):
        return AndMaybe(for_syllable_index(node.required), for_syllable_index(node.optional))
    if isinstance(node, Require):
        return Require(for_syllable_index(node.query), for_syllable_index(node.filter))
    if isinstance(node, AndNot):
        return AndNot(for_syllable_index(node.query), for_syllable_index(node.excluded))
    return node


UNIT_FIELDS = {"title_x": "title_f", "content_x": "content_f", "title_f": "title_f", "content_f": "content_f"}


def _apply_syntax(query: Node, parsed: ParsedQuery, stats: TermStats | None) -> Node:
    """Exclusions and field filters: matched, never scored."""
    positive, negative = [], []
    for name, values in parsed.filters.items():
        negated = name.endswith("!")
        clause = _filter(name.rstrip("!"), values, stats)
        if clause is not None:
            (negative if negated else positive).append(clause)
    negative += [_sequence(tokens) for tokens in parsed.excluded]
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
