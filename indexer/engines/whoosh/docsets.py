"""Which documents match a query, without scoring them: the total and the facet counts.

Whoosh can count and group only while it scores every matching document (its
``groupedby`` collects them all), which on a large index costs far more than finding
the best hundred with its block-skipping collector. So a search asks twice: Whoosh
for the top of the ranking, and this module for the exact set of matching
documents, evaluated per segment as set algebra over the documents of each term:

* ``Term``: its posting list's document numbers, read a block at a time (no scores);
* ``And`` / ``Require``: intersection; ``Or``: union; ``AndNot``: difference;
* ``AndMaybe``: its required part (the optional part only adds score);
* ``Phrase`` inside an ``Or``: skipped when every document holding all its words
  already matched another branch (e.g. "thu tuc hanh chinh" beside the same syllables
  required one by one); otherwise, like anything else (prefixes, date ranges, ...),
  Whoosh's own unscored matcher.

A term's document numbers in a segment never change (a segment is immutable; deletions
are subtracted at each use), so they are kept per process in a bounded LRU shared by
every thread: the common syllables of a portal's queries are decoded once.
"""

from __future__ import annotations

import threading
from array import array

from cachetools import LRUCache
from whoosh import query as Q
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

__all__ = ["matching"]

# Document numbers kept in the term cache, all terms together (4 bytes each: ~16 MB).
TERM_CACHE_DOCS = 4_000_000
_TERMS: LRUCache = LRUCache(maxsize=TERM_CACHE_DOCS, getsizeof=len)
_LOCK = threading.Lock()


def matching(searcher, query) -> set[int]:
    """Global document numbers of the (non-deleted) documents that ``query`` matches."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        docs = _docs(sub, query)
        if offset:
            out.update(d + offset for d in docs)
        else:
            out |= docs
    return out


def _docs(searcher, q) -> set[int]:
    kind = type(q)
    if kind is Q.Term:
        return _term(searcher, q)
    if kind in (Q.And, Q.Require):
        return _intersection(searcher, q.subqueries if kind is Q.And else (q.a, q.b))
    if kind is Q.Or and not getattr(q, "minmatch", 0):
        return _union(searcher, q.subqueries)
    if kind is Q.AndMaybe:
        return _docs(searcher, q.a)
    if kind is Q.AndNot:
        docs = _docs(searcher, q.a)
        return docs - _docs(searcher, q.b) if docs else docs
    if q is Q.NullQuery:
        return set()
    return _whoosh(searcher, q)


def _intersection(searcher, parts) -> set[int]:
    # Terms first (cheap), phrases and other Whoosh matchers last.
    docs: set[int] | None = None
    for part in sorted(parts, key=lambda p: type(p) is not Q.Term):
        found = _docs(searcher, part)
        docs = found if docs is None else docs & found
        if not docs:
            return set()
    return docs if docs is not None else set()


def _union(searcher, parts) -> set[int]:
    out: set[int] = set()
    phrases = []
    for part in parts:
        if type(part) is Q.Phrase:
            phrases.append(part)
        else:
            out |= _docs(searcher, part)
    for phrase in phrases:
        # A phrase only matches documents holding all its words: nothing to add when they all
        # matched already.
        words = _intersection(searcher, [Q.Term(phrase.fieldname, w) for w in phrase.words])
        if words and not words <= out:
            out |= _whoosh(searcher, phrase)
    return out


def _term(searcher, q) -> set[int]:
    reader = searcher.reader()
    schema = searcher.schema
    if q.fieldname not in schema:
        return set()
    try:
        text = schema[q.fieldname].to_bytes(q.text)
    except ValueError:
        return set()
    if (q.fieldname, text) not in reader:
        return set()
    segment = getattr(reader, "segment", None)
    key = None
    if segment is not None:
        try:
            key = (segment().segment_id(), q.fieldname, text)
        except Exception:  # not a plain segment reader: no caching
            key = None
    ids = _TERMS.get(key) if key is not None else None
    deleted = getattr(reader, "deleted_docs_set", None) if reader.has_deletions() else None
    if ids is None:
        matcher = reader.postings(q.fieldname, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions: subtracted below, so the cached ids stay valid
        ids = _all_ids(matcher)
        if key is not None:
            with _LOCK:
                _TERMS[key] = ids
    docs = set(ids)
    if deleted:
        docs -= deleted
    return docs


def _all_ids(matcher) -> array:
    """A posting matcher's document numbers from where it stands, a block at a time."""
    out = array("i")
    if not hasattr(matcher, "_read_ids"):  # not Whoosh 3's leaf matcher: one by one
        out.extend(matcher.all_ids())
        return out
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        out.extend(matcher._ids[matcher._i:matcher._blocklength])
        matcher._next_block()
    return out


def _whoosh(searcher, q) -> set[int]:
    try:
        return set(q.docs(searcher))
    except TermNotFound:
        return set()
