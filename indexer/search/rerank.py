"""Second-stage ranking of the best hits: coverage, proximity, diacritics, recency.

Whoosh (pure Python) is fast at finding and BM25F-scoring candidates with a few terms,
slow at phrase and proximity queries over every document. So the query finds candidates
with BM25F (``indexer.search.plan``), and this module reorders the best ``RERANK_WINDOW`` of
them using their stored text, with features weighted by each syllable's IDF:

* coverage: how much of what the visitor asked for (units: syllables or an abbreviation
  with its expansions) the document contains; the same in the title, which says what the
  document is about;
* proximity: how many of the visitor's adjacent syllable pairs (bigrams) appear adjacent;
* diacritics: syllables typed with diacritics found with the same diacritics
  ("đường" above "dương" for ``đường``);
* recency: a mild tie-breaker, at most ``RECENCY_WEIGHT`` for a document published today,
  nothing when undated.

The features read only plain candidates (``Candidate``: first-stage score, stored fields,
date) and an IDF lookup (``Idf.of`` an engine's term statistics), so both engines share
them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from datetime import datetime

from ..analysis import fold, normalize_text
from ..document import doc_number_key

RERANK_WINDOW = 100
RECENCY_WEIGHT = 0.01
HALF_LIFE_YEARS = 5.0
# Weights of the features, added to the BM25F score scaled to [0, 1]. Tuned with bench/relevance.py.
W_BM25 = 1.0
W_COVERAGE = 1.0
W_TITLE = 0.2
# Short queries (a few words) name what the document is about: its title counts more.
W_TITLE_SHORT = 1.0
W_TITLE_BIGRAM_SHORT = 0.5
SHORT_QUERY_UNITS = 8
# "X là gì", "thế nào là X": the visitor asks for a definition, which laws give in an article
# titled "Giải thích từ ngữ".
W_DEFINITION = 1.0
DEFINITION_QUESTIONS = (" la gi ", " the nao la ", " nghia la gi ", " duoc hieu la ")
DEFINITION_TITLES = (" giai thich tu ngu ",)
W_BIGRAM = 1.5
# Runs of three of the visitor's syllables found in a row: questions that paraphrase an article.
W_TRIGRAM = 1.0
W_DIACRITICS = 0.3
# Queries typed without diacritics: agreeing with the reading of each bigram that most of the
# READING_DOCS best candidates use (see _readings).
W_READING = 0.3
READING_DOCS = 10
# Short queries: how much of the title's own heading (after "Điều 55." in a law) the query
# covers; "thuận tình ly hôn" is all of "Điều 55. Thuận tình ly hôn", a fifth of a long title.
W_TITLE_FOCUS_SHORT = 0.5
# A document number asks for that document ("nghị định 20/2021", "nd 20/2021", "20/2021/NĐ-CP"):
# the documents with that number go above the news that only mention it in their title, whatever
# else they match (more than every other feature together).
W_DOC_NUMBER = 10.0
_HEADING_RE = re.compile(r"^.*?\bdieu \d+[a-z]?\s")
MAX_TEXT_CHARS = 5_000  # long documents: their opening is enough for these features
FOLDED_CACHE = 4096  # candidates' folded texts kept per process (about 40 MB at most)
_WORD_RE = re.compile(r"[^\W_]+(?:[/\-][^\W_]+)*")


def recency_factor(published, now: datetime) -> float:
    """1 + up to RECENCY_WEIGHT: full weight today, half after HALF_LIFE_YEARS, 0 when undated."""
    if not isinstance(published, datetime):
        return 1.0
    years = max(0.0, (now - published).days / 365.25)
    return 1.0 + RECENCY_WEIGHT / (1.0 + years / HALF_LIFE_YEARS)


class Idf:
    """IDF of folded tokens in an index, looked up once per query.

    ``doc_frequency(token)`` is the engine's document frequency of a folded token
    (0 when unknown); ``doc_count`` the number of documents.
    """

    def __init__(self, doc_count: int, doc_frequency):
        self.n = max(1, doc_count)
        self.doc_frequency = doc_frequency
        self.cache: dict[str, float] = {}

    @classmethod
    def of(cls, stats) -> "Idf":
        """From an engine's term statistics (``indexer.search.plan.TermStats``): a folded token's
        document frequency in the content, or in the titles when the content lacks it."""
        return cls(stats.doc_count(), lambda t: stats.doc_frequency("content_f", t)
                   or stats.doc_frequency("title_f", t))

    def __call__(self, token: str) -> float:
        value = self.cache.get(token)
        if value is None:
            try:
                df = self.doc_frequency(token) or 0
            except Exception:
                df = 0
            value = self.cache[token] = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return value


def idf_tokens(parsed) -> list[str]:
    """Every folded token ``rerank`` will ask the IDF of (engines may fetch them at once)."""
    if parsed is None or not parsed.units:
        return []
    tokens = [t for unit in parsed.content_units for alt in unit.alternatives for t in alt]
    tokens += parsed.syllables + [fold(s) for s in parsed.marked]
    return list(dict.fromkeys(tokens))


HEAD_SEPARATOR = "\x1f"


def rerank_head(fields) -> str:
    """What the features read of a document (title, number, the opening of its text) as one
    string: an engine may keep it apart from the stored fields, so that reranking a large
    document does not decompress all of it."""
    text = " ".join(fields.get(k) or "" for k in ("summary", "body"))[:MAX_TEXT_CHARS]
    return HEAD_SEPARATOR.join((fields.get("title") or "", fields.get("doc_number") or "", text))


class Candidate:
    """An engine-neutral first-stage hit: its score, stored fields (read lazily) and date.

    ``fields`` is a dict or a callable returning one (Whoosh reads stored fields only
    when needed); ``published`` a datetime, a callable giving one, or None; ``head`` the
    ``rerank_head`` string or a callable giving it (else it is made from the fields).
    ``item`` is the engine's own hit, handed back in the new order.
    """

    __slots__ = ("item", "score", "_fields", "_published", "_head")

    def __init__(self, item, score, fields, published=None, head=None):
        self.item = item
        self.score = score
        self._fields = fields
        self._published = published
        self._head = head

    def fields(self) -> dict:
        if callable(self._fields):
            self._fields = self._fields()
        return self._fields

    @property
    def published(self):
        if callable(self._published):
            self._published = self._published()
        return self._published

    def head(self) -> tuple[str, str, str]:
        """(title, document number, opening text): what the features read."""
        head = self._head() if callable(self._head) else self._head
        if not head:
            head = rerank_head(self.fields())
        title, number, text = (head.split(HEAD_SEPARATOR) + ["", "", ""])[:3]
        return title, number, text


def _text(text: str) -> tuple[str, str]:
    """`` folded syllables joined by spaces `` and the same syllables as written (lower case),
    token for token."""
    exact = " " + " ".join(_WORD_RE.findall(normalize_text(text[:MAX_TEXT_CHARS]).lower())) + " "
    return fold(exact), exact


_NOT_TOKEN = re.compile(r"[^a-z0-9/\-]+")
_LOOSE_JOINER = re.compile(r"(?<![a-z0-9])[/\-]+|[/\-]+(?![a-z0-9])")


@lru_cache(maxsize=FOLDED_CACHE)
def _folded(text: str) -> str:
    """`` folded syllables joined by spaces ``, as ``_text`` gives them, at twice its speed: the
    feature every candidate needs. Cached: the same documents come back for many queries."""
    ascii_text = unicodedata.normalize("NFKD", text[:MAX_TEXT_CHARS].lower().replace("đ", "d"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii")
    return " " + " ".join(_LOOSE_JOINER.sub(" ", _NOT_TOKEN.sub(" ", ascii_text)).split()) + " "


def _readings(texts: list[tuple[str, str]], bigrams: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The likeliest diacritics of the visitor's undiacritized bigrams, read from the best candidates.

    ``texts`` are (folded, exact) texts of the first-stage's best documents, token for token;
    a bigram's reading is the exact form most of them use ("luat su" -> "luật sư"), so documents
    where the same letters mean something else ("lưu sử") stop counting as agreeing.
    """
    votes: dict[str, dict[str, int]] = {}
    for folded, exact in texts:
        f_tokens, e_tokens = folded.split(), exact.split()
        if len(f_tokens) != len(e_tokens):
            continue
        wanted = {b for b, _ in bigrams}
        seen: set[str] = set()
        for i in range(len(f_tokens) - 1):
            pair = f"{f_tokens[i]} {f_tokens[i + 1]}"
            if pair in wanted:
                form = f"{e_tokens[i]} {e_tokens[i + 1]}"
                if form not in seen:
                    seen.add(form)
                    votes.setdefault(pair, {})[form] = votes.get(pair, {}).get(form, 0) + 1
    out = []
    for bigram, weight in bigrams:
        forms = votes.get(bigram)
        if forms:
            out.append((max(sorted(forms), key=forms.get), weight))
    return out


def _focus(title: str, asked: set[str]) -> float:
    """The share of the title's heading syllables (folded) that the visitor typed."""
    heading = _HEADING_RE.sub(" ", title).split()
    return sum(1 for s in heading if s in asked) / len(heading) if heading else 0.0


def _asked_numbers(parsed) -> tuple[set[str], tuple[str, ...]]:
    """The document-number keys the visitor typed in full, and the ``number/year/`` prefixes of
    those typed as a number and a year only."""
    if parsed is None:
        return set(), ()
    prefixes = tuple(f"{u.alternatives[0][0]}/" for u in parsed.units if u.number_year and u.alternatives)
    return set(parsed.doc_numbers), prefixes


def rerank(candidates: list[Candidate], parsed, idf) -> list[Candidate]:
    """``candidates`` (best first by the engine) reordered by the features above.

    ``idf`` maps a folded token to its IDF (see ``Idf``); it is only asked when the query
    has units.
    """
    if len(candidates) < 2:
        return candidates
    now = datetime.now()
    units, bigrams, trigrams, marked = [], [], [], []
    if parsed is not None and parsed.units:
        for unit in parsed.content_units:
            weight = max(idf(t) for alt in unit.alternatives for t in alt)
            units.append(([" ".join(alt) for alt in unit.alternatives], weight))
        syllables = parsed.syllables
        for a, b in dict.fromkeys(zip(syllables, syllables[1:])):
            bigrams.append((f"{a} {b}", min(idf(a), idf(b))))
        marked = [(s, idf(fold(s))) for s in parsed.marked]
        trigrams = [(f"{a} {b} {c}", min(idf(a), idf(b), idf(c)))
                    for a, b, c in dict.fromkeys(zip(syllables, syllables[1:], syllables[2:]))]
    short = len(units) <= SHORT_QUERY_UNITS
    asked = " " + " ".join(parsed.syllables) + " " if parsed is not None else ""
    definition = short and any(q in asked for q in DEFINITION_QUESTIONS)
    w_title = W_TITLE_SHORT if short else W_TITLE
    unit_total = sum(w for _, w in units) or 1.0
    bigram_total = sum(w for _, w in bigrams) or 1.0
    marked_total = sum(w for _, w in marked) or 1.0
    trigram_total = sum(w for _, w in trigrams) or 1.0
    asked_set = set(parsed.syllables) if parsed is not None else set()
    # A document number asks for that document, whatever its title says.
    focus = short and W_TITLE_FOCUS_SHORT and parsed is not None and not parsed.doc_numbers and \
        not any(u.number_year for u in parsed.units)
    top = max((c.score or 0.0) for c in candidates) or 1.0
    number_keys, number_prefixes = _asked_numbers(parsed) if W_DOC_NUMBER else (set(), ())

    texts, raw, heads = [], [], []
    if units:
        for hit in candidates:
            title, number, body_text = hit.head()
            heads.append((title, number))
            title_text = title + " " + number
            texts.append((_folded(title_text), _folded(body_text)))
            raw.append(title_text + " " + body_text)
    exact_texts: dict[int, str] = {}

    def exact(rank: int) -> str:
        """The candidate's syllables as written, read only when a feature asks."""
        if rank not in exact_texts:
            exact_texts[rank] = _text(raw[rank])[1]
        return exact_texts[rank]

    readings = []
    if units and not short and W_READING and not parsed.marked and bigrams:
        readings = _readings([_text(raw[i]) for i in range(min(READING_DOCS, len(raw)))], bigrams)
    # Matched exactly, every candidate holds the typed diacritics: nothing to tell them apart.
    marked = marked if parsed is not None and parsed.reading != "exact" else []
    reading_total = sum(w for _, w in readings) or 1.0

    keyed = []
    for rank, hit in enumerate(candidates):
        score = W_BM25 * (hit.score or 0.0) / top
        if units:
            title, body = texts[rank]
            text = title + body
            if readings:
                exact_text = exact(rank)
                score += W_READING * sum(w for r, w in readings if f" {r} " in exact_text) / reading_total
            coverage = sum(w for alts, w in units if any(f" {a} " in text for a in alts))
            in_title = sum(w for alts, w in units if any(f" {a} " in title for a in alts))
            near = sum(w for bigram, w in bigrams if f" {bigram} " in text)
            score += W_COVERAGE * coverage / unit_total + w_title * in_title / unit_total
            score += W_BIGRAM * near / bigram_total
            if definition and any(t in title for t in DEFINITION_TITLES):
                score += W_DEFINITION
            if focus:
                score += W_TITLE_FOCUS_SHORT * _focus(_folded(heads[rank][0]), asked_set)
            if trigrams and not short and W_TRIGRAM:
                score += W_TRIGRAM * sum(w for t, w in trigrams if f" {t} " in text) / trigram_total
            if short and bigrams:
                score += W_TITLE_BIGRAM_SHORT * sum(w for bigram, w in bigrams if f" {bigram} " in title) / bigram_total
            if marked:
                exact_text = exact(rank)
                score += W_DIACRITICS * sum(w for s, w in marked if f" {s} " in exact_text) / marked_total
        if number_keys or number_prefixes:
            key = doc_number_key(heads[rank][1] if heads else hit.head()[1])
            if key and (key in number_keys or key.startswith(number_prefixes)):
                score += W_DOC_NUMBER
        published = hit.published
        if published is not None:
            score *= recency_factor(published, now)
        keyed.append((-score, rank, hit))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [hit for _, _, hit in keyed]
