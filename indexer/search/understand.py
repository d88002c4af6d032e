"""Understand: what the visitor typed, read into a ``ParsedQuery`` (no engine types).

``parse`` reads the visitor's text in three layers:

1. Power-user syntax, never an error: ``"quoted phrase"``, ``-word`` / ``-"phrase"``,
   ``a OR b`` and the filters ``loai:`` (document type or kind), ``nam:`` (year or
   ``2015-2017``), ``so:`` (document number), ``site:``. Anything malformed or unknown
   (an unclosed quote, ``nam:abc``, ``title:x``) is read as plain words.
2. The plain words, analyzed exactly like documents: accent-folded syllables (which
   match with or without diacritics) and pyvi words with their diacritics (which rank
   documents that agree with the visitor's diacritics first).
3. Understanding: abbreviations and synonyms (``indexer/synonyms.py``), document
   numbers however typed (``87/2015/NĐ-CP``, ``nghị định 87/2015``, ``nd 87/2015``),
   and stop words (required by nobody, but kept inside phrases).

The next stage (``indexer.search.plan``) decides what must match and what scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..analysis import (DOC_NUMBER, NUMBER_YEAR, fold, folded_analyzer, has_diacritics, normalize_text, pair,
                        word_analyzer)
from ..document import doc_number_key
from ..errors import QueryError
from ..synonyms import Synonyms, split_pieces
from ..synonyms import load as load_synonyms

MAX_QUERY_CHARS = 1000
MAX_TERMS = 48
_DOC_NUMBER_RE = re.compile(DOC_NUMBER)
_NUMBER_YEAR_RE = re.compile(NUMBER_YEAR)
_WORD_ANALYZER = word_analyzer()
_FOLDED_ANALYZER = folded_analyzer()

EXPANSION_WEIGHT = 0.8  # an expansion counts a little less than what was typed

# Function words: not required and not scored alone, but kept inside phrases and bigrams.
STOPWORDS = frozenset(normalize_text(w) for w in """
của là và có được các những này đó thì mà với cho trong theo về để khi nào gì không hay hoặc
bị do từ đến tại một như sẽ đã đang thế sao bao nhiêu ai ở ra nếu vậy nên cũng rằng lại phải
đúng sai hỏi trả lời ạ nhé ơi à vì bởi nhưng còn đây kia ấy chỉ rất mấy
""".split())
# Stop words by spelling, yet often content alone: "bao" (bao gồm), "sao" (bản sao), "ra", "do".
# Question phrases ("bao nhiêu", "ra sao") still make them stop words there.
CONTENT_ALONE = frozenset({"bao", "sao", "ra", "do"})
# Typed without diacritics, a syllable is a stop word only when no common content syllable folds
# the same way: "dang" may be "đăng" (đăng ký), "vi" "vi" (vi phạm), "da" "đa" (tối đa), "ma" "ma" (ma túy).
FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS) - CONTENT_ALONE - {
    "tai", "den", "co", "bi",  # tài, đền, cơ, bí
    "thi", "ma", "ve", "trong", "cho", "tu", "de", "da", "dang", "the", "cung", "vay", "lai", "boi",
    "nhu", "dung", "hoi", "tra", "loi", "vi", "con", "day", "chi", "o", "nhe",
}
# Question phrases (folded): their syllables are stop words there, whatever they mean elsewhere.
QUESTION_PHRASES = [tuple(p.split()) for p in (
    "bao nhieu", "bao lau", "the nao", "nhu the nao", "la gi", "o dau", "la dau", "khi nao", "hay khong",
    "duoc khong", "co phai", "phai khong", "ra sao", "co khong", "co duoc", "tai sao", "vi sao", "lam sao")]
# Document types and the code they carry in a number (87/2015/NĐ-CP, 91/2015/QH13).
DOC_TYPE_CODES = {
    ("nghi", "dinh"): "nd", ("nd",): "nd",
    ("thong", "tu", "lien", "tich"): "ttlt", ("ttlt",): "ttlt",
    ("thong", "tu"): "tt", ("tt",): "tt",
    ("quyet", "dinh"): "qd", ("qd",): "qd",
    ("nghi", "quyet"): "nq", ("nq",): "nq",
    ("chi", "thi"): "ct", ("ct",): "ct",
    ("luat",): "qh", ("bo", "luat"): "qh", ("phap", "lenh"): "ubtvqh",
}

# loai: values that mean a kind rather than a document type.
KIND_WORDS = {"tin": "article", "tin tuc": "article", "bai viet": "article", "article": "article",
              "van ban": "legal", "legal": "legal"}
_SYNTAX_RE = re.compile(
    r"""(?P<neg>(?<!\S)-)?
        (?:(?P<field>loai|loại|nam|năm|so|số|site):(?P<fvalue>"[^"]*"|[^\s"]+)
          |"(?P<phrase>[^"]*)"
          |(?<=-)(?P<word>[^\s"]+))""",
    re.VERBOSE | re.IGNORECASE,
)


# Adjacent query syllables form one word when pyvi says so (typed with diacritics), or when
# the index holds them together at least this share of the times the rarer one occurs.
MIN_WORD_ASSOCIATION = 0.03
# A pair in fewer documents than this is a chance neighbourhood, not a word (one per thousand
# documents, so that a small index still joins what it holds once).
MIN_WORD_DOCUMENTS = 3
MAX_WORD_SYLLABLES = 4


@dataclass
class Unit:
    """One thing the visitor asked for: a word (one or more syllables), or a term with its synonyms.

    A multi-syllable unit matches as a unit: through the index's pair terms, never as loose
    syllables (``indexer.search.plan``).
    """

    text: str  # as typed
    alternatives: list[tuple[str, ...]]  # folded token sequences, the typed form first
    weights: list[float]
    stop: bool = False
    number_year: bool = False
    exact: tuple[str, ...] = ()  # the typed form, lower case with its diacritics
    # A long typed form cut into words: positions in the typed form, e.g. [(0, 1), (2, 3)].
    parts: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def syllable(self) -> bool:
        """A lone syllable as typed (no synonyms, no OR): one that may join its neighbour."""
        return len(self.alternatives) == 1 and len(self.alternatives[0]) == 1 and not self.number_year \
            and self.alternatives[0][0].isalpha()


@dataclass
class ParsedQuery:
    text: str
    syllables: list[str] = field(default_factory=list)  # folded, in order (plain words only)
    words: list[str] = field(default_factory=list)  # pyvi words, lower case, with diacritics
    doc_numbers: list[str] = field(default_factory=list)  # normalized keys
    marked: set[str] = field(default_factory=set)  # syllables typed with diacritics (lower)
    marked_folded: set[str] = field(default_factory=set)  # syllables typed without (folded)
    units: list[Unit] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # quoted, folded
    phrase_words: list[list[str]] = field(default_factory=list)  # quoted, pyvi words
    excluded: list[tuple[str, ...]] = field(default_factory=list)  # folded token sequences
    filters: dict[str, list[str]] = field(default_factory=dict)  # loai/nam/so/site -> values
    doc_type_codes: list[str] = field(default_factory=list)  # "nd" for "nghị định 87/2015"
    bare_numbers: list[str] = field(default_factory=list)  # "87" in "nghị định 87"
    expansions: list[dict] = field(default_factory=list)  # [{"term", "expansions"}] for the API
    # How the words are matched: "exact" (as typed, diacritics and all) or "folded" (any marks).
    # Typed with diacritics the exact reading comes first; the pipeline falls back to folded.
    reading: str = "folded"

    @property
    def typed_marks(self) -> bool:
        return bool(self.marked)

    @property
    def empty(self) -> bool:
        return not (self.units or self.phrases or self.filters)

    @property
    def content_units(self) -> list[Unit]:
        units = [u for u in self.units if not u.stop]
        return units or self.units


# -- Parsing -------------------------------------------------------------------------

def canonical(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", fold(value.lower())).strip()


def _split_syntax(text: str) -> tuple[str, list[tuple[str, str, bool]]]:
    """Cut the syntax out of ``text``: (plain text, [(kind, value, negated)])."""
    parts: list[tuple[str, str, bool]] = []
    plain: list[str] = []
    last = 0
    for m in _SYNTAX_RE.finditer(text):
        negated = bool(m.group("neg"))
        if m.group("field"):
            name = canonical(m.group("field"))
            value = m.group("fvalue").strip('"').strip()
            if not value:
                continue
            parts.append(("filter:" + name, value, negated))
        elif m.group("phrase") is not None:
            if not m.group("phrase").strip():
                continue
            parts.append(("phrase", m.group("phrase"), negated))
        elif m.group("word") is not None:
            if not negated:
                continue
            parts.append(("word", m.group("word"), True))
        else:
            continue
        plain.append(text[last:m.start()])
        plain.append(" ")
        last = m.end()
    plain.append(text[last:])
    return "".join(plain).replace('"', " "), parts


def year_range(value: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d{4})(?:\s*(?:-|–|\.\.)\s*(\d{4}))?", value.strip())
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if not (1900 <= start <= end <= 2200):
        return None
    return start, end


def _tokens(text: str) -> list[tuple[str, str]]:
    """(folded token, token as typed) for the plain words, in order."""
    return [(t.text, text[t.startchar:t.endchar]) for t in _FOLDED_ANALYZER(text, chars=True)]


def _units(tokens: list[tuple[str, str]], synonyms: Synonyms, parsed: ParsedQuery) -> list[Unit]:
    """Group tokens into units: synonyms matched (longest first), ``a OR b`` merged."""
    typed_marks = bool(parsed.marked)
    # Pieces: hyphenated abbreviations compared piece by piece (LĐ-TBXH = ld tbxh).
    pieces: list[tuple[str, str]] = []
    owner: list[int] = []
    for i, (folded, typed) in enumerate(tokens):
        split = split_pieces(folded)
        typed_split = typed.split("-") if len(split) > 1 and len(typed.split("-")) == len(split) else [typed] * len(split)
        for p, t in zip(split, typed_split):
            pieces.append((p, t))
            owner.append(i)
    units: list[Unit] = []
    pending_or = False
    i = 0
    while i < len(pieces):
        folded, typed = pieces[i]
        if typed == "OR" and units and i + 1 < len(pieces):
            pending_or = True
            i += 1
            continue
        match = synonyms.match(pieces, i)
        if match:
            length, term, others = match
            typed_text = " ".join(t for _, t in pieces[i:i + length])
            first, last = owner[i], owner[i + length - 1]
            typed_tokens = tuple(tokens[j][0] for j in range(first, last + 1))
            alternatives = [typed_tokens] + [o.tokens for o in others if o.tokens != typed_tokens]
            unit = Unit(typed_text, alternatives, [1.0] + [EXPANSION_WEIGHT] * (len(alternatives) - 1),
                        exact=tuple(normalize_text(tokens[j][1].lower()) for j in range(first, last + 1)))
            parsed.expansions.append({"term": typed_text, "expansions": [o.text for o in others]})
            for alt in alternatives[1:]:
                parsed.marked_folded.update(alt)
            # Skip to the end of the matched pieces (whole tokens).
            while i < len(pieces) and owner[i] <= last:
                i += 1
        else:
            token_index = owner[i]
            folded_token, typed_token = tokens[token_index]
            lower = normalize_text(typed_token.lower())
            if has_diacritics(lower):
                stop = lower in STOPWORDS
            elif typed_marks:  # who types diacritics typed "ma", "con" as meant (not "mà", "còn")
                stop = lower in STOPWORDS and lower not in CONTENT_ALONE
            else:
                stop = folded_token in FOLDED_STOPWORDS
            unit = Unit(typed_token, [(folded_token,)], [1.0], stop=stop,
                        number_year=bool(_NUMBER_YEAR_RE.fullmatch(folded_token)), exact=(lower,))
            while i < len(pieces) and owner[i] == token_index:
                i += 1
        if pending_or and units:
            previous = units[-1]
            for alt, weight in zip(unit.alternatives, unit.weights):
                if alt not in previous.alternatives:
                    previous.alternatives.append(alt)
                    previous.weights.append(weight)
            previous.text = f"{previous.text} OR {unit.text}"
            previous.exact = ()  # alternatives typed with OR match by their folded forms
            previous.stop = previous.stop and unit.stop
            pending_or = False
            continue
        units.append(unit)
    _mark_question_phrases(units)
    return units


def _mark_question_phrases(units: list[Unit]) -> None:
    folded = [u.alternatives[0] if len(u.alternatives[0]) == 1 else None for u in units]
    for phrase in QUESTION_PHRASES:
        n = len(phrase)
        for i in range(len(units) - n + 1):
            if all(folded[i + k] == (phrase[k],) for k in range(n)):
                for k in range(n):
                    units[i + k].stop = True


def _doc_type_codes(syllables: list[str]) -> list[str]:
    codes = []
    for i in range(len(syllables)):
        for length in (4, 2, 1):
            code = DOC_TYPE_CODES.get(tuple(syllables[i:i + length]))
            if code and len(syllables[i:i + length]) == length:
                codes.append(code)
                break
    return list(dict.fromkeys(codes))


def parse(text: str, synonyms: Synonyms | None = None) -> ParsedQuery:
    """Analyze the visitor's text exactly like documents are analyzed, syntax and all."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    synonyms = load_synonyms() if synonyms is None else synonyms
    normalized = normalize_text(text).strip()
    parsed = ParsedQuery(text=normalized)
    plain, syntax = _split_syntax(normalized)
    leftovers: list[str] = []
    for kind, value, negated in syntax:
        if kind == "phrase":
            tokens = tuple(t for t, _ in _tokens(value))
            if not tokens:
                continue
            if negated:
                parsed.excluded.append(tokens)
            else:
                parsed.phrases.append(tokens)
                parsed.phrase_words.append([t.text for t in _WORD_ANALYZER(value)])
                leftovers.append(value)  # its words also count (and get marked)
        elif kind == "word":
            tokens = tuple(t for t, _ in _tokens(value))
            if tokens:
                parsed.excluded.append(tokens)
        else:
            name = kind.split(":", 1)[1]
            if _filter_is_valid(name, value):
                parsed.filters.setdefault(name + ("!" if negated else ""), []).append(value)
            else:
                leftovers.append(value if not negated else "")
    if parsed.excluded and not (plain.strip() or parsed.phrases or parsed.filters or leftovers):
        # Only exclusions: nothing to search for, so the visitor meant the words themselves.
        plain, parsed.excluded = normalized.replace('"', " ").replace("-", " "), []
    plain = " ".join([plain, *leftovers])

    tokens = _tokens(plain)[:MAX_TERMS]
    for folded_token, typed in tokens:
        original = typed.lower()
        if has_diacritics(original):
            parsed.marked.add(original)
        else:
            parsed.marked_folded.add(folded_token)
        parsed.syllables.append(folded_token)
    parsed.units = _units(tokens, synonyms, parsed)
    if tokens:
        parsed.words = list(dict.fromkeys(t.text for t in _WORD_ANALYZER(plain)))[:MAX_TERMS]
    parsed.doc_numbers = list(dict.fromkeys(doc_number_key(m.group()) for m in _DOC_NUMBER_RE.finditer(plain)))
    expanded = [s for u in parsed.units for s in (u.alternatives[-1] if len(u.alternatives) > 1 else u.alternatives[0])]
    parsed.doc_type_codes = _doc_type_codes(parsed.syllables) or _doc_type_codes(expanded)
    if parsed.doc_type_codes:
        parsed.bare_numbers = [s for s in parsed.syllables if re.fullmatch(r"\d{1,5}", s)][:3]
    return parsed


def word_join_terms(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """The (field, term) document frequencies ``join_words`` and the plan may ask, for engines
    that fetch them in one request."""
    exact = parsed.typed_marks
    field_name = "content_x" if exact else "content_f"
    sequences = [[(u.exact[0] if exact and u.exact else u.alternatives[0][0]) for u in parsed.units if u.syllable]]
    sequences += [list(u.exact if exact and len(u.exact) == len(u.alternatives[0]) else u.alternatives[0])
                  for u in parsed.units if len(u.alternatives) > 1 and len(u.alternatives[0]) > 2]
    wanted = []
    for keys in sequences:
        wanted += [(field_name, k) for k in keys]
        wanted += [(field_name, pair(a, b)) for a, b in zip(keys, keys[1:])]
    # Long questions keep their rarer units by the folded frequencies of the units' terms.
    folded = parsed.syllables
    wanted += [("content_f", s) for s in folded] + [("content_f", pair(a, b)) for a, b in zip(folded, folded[1:])]
    for unit in parsed.units:
        for alt in unit.alternatives[1:]:
            wanted += [("content_f", pair(a, b)) for a, b in zip(alt, alt[1:])]
    return list(dict.fromkeys(wanted))


def join_words(parsed: ParsedQuery, doc_frequency, folded: bool = False, doc_count: int = 0) -> None:
    """Group adjacent lone syllables of ``parsed`` into words, in place; and cut the typed form of
    a long synonym ("bảo vệ chăm sóc trẻ em") into its words (``Unit.parts``), so it matches
    as words rather than as one exact phrase.

    Typed with diacritics, pyvi's two-syllable words of the query are words; otherwise (and
    inside pyvi's longer compounds) two syllables join when the index holds them as a pair often enough
    (``MIN_WORD_ASSOCIATION`` of the rarer one's documents), strongest pairs first and without
    chaining statistical joins. ``doc_frequency(field, term)`` is the engine's (0 when unknown).
    ``folded``: by the folded forms whatever was typed (the lookalike relaxation); ``doc_count``
    the index's size.
    """
    needed = max(1, min(MIN_WORD_DOCUMENTS, doc_count // 1000))
    exact = parsed.typed_marks and not folded
    field_name = "content_x" if exact else "content_f"
    told = set()  # pyvi's two-syllable words; its longer ones ("hợp_đồng_ủy_quyền") are cut by statistics
    if exact:
        for word in parsed.words:
            parts = word.split("_")
            if len(parts) == 2:
                told.add((parts[0], parts[1]))

    def df(term):
        try:
            return doc_frequency(field_name, term) or 0
        except Exception:  # an engine that cannot tell: no join
            return 0

    def joins(keys: list[str | None]) -> set[int]:
        """Indexes i where keys[i] and keys[i + 1] are one word (None: never joins)."""
        scored = []
        for i, (a, b) in enumerate(zip(keys, keys[1:])):
            if a is None or b is None:
                continue
            if (a, b) in told:
                scored.append((2.0, i))
                continue
            together = df(pair(a, b))
            if together >= needed:
                association = together / max(1, min(df(a), df(b)))
                if association >= MIN_WORD_ASSOCIATION:
                    scored.append((association, i))
        joined: set[int] = set()
        for score, i in sorted(scored, reverse=True):
            if score >= 2.0 or not ({i - 1, i + 1} & joined):
                joined.add(i)
        return joined

    def runs(items: list, joined: set[int]) -> list[list]:
        out, run = [], [items[0]]
        for i in range(1, len(items)):
            if i - 1 in joined and len(run) < MAX_WORD_SYLLABLES:
                run.append(items[i])
            else:
                out.append(run)
                run = [items[i]]
        out.append(run)
        return out

    for unit in parsed.units:
        typed = unit.alternatives[0] if unit.alternatives else ()
        if len(typed) > 2 and len(unit.alternatives) > 1:
            keys = list(unit.exact) if exact and len(unit.exact) == len(typed) else list(typed)
            unit.parts = [tuple(r) for r in runs(list(range(len(typed))), joins(keys))]

    units = parsed.units
    if len(units) < 2:
        return
    keys = [(u.exact[0] if exact and u.exact else u.alternatives[0][0]) if u.syllable else None for u in units]
    joined = joins(keys)
    if joined:
        parsed.units = [_word(run) for run in runs(units, joined)]


def _word(run: list[Unit]) -> Unit:
    if len(run) == 1:
        return run[0]
    return Unit(" ".join(u.text for u in run), [tuple(u.alternatives[0][0] for u in run)], [1.0],
                stop=all(u.stop for u in run), exact=tuple(u.exact[0] if u.exact else u.alternatives[0][0] for u in run))


def _filter_is_valid(name: str, value: str) -> bool:
    if name == "nam":
        return year_range(value) is not None
    return bool(canonical(value))
