"""The Whoosh first stage: one collection pass for the candidates, the total and the facets.

By relevance, one pass of Whoosh's TopCollector keeps the best ``RERANK_WINDOW`` and notes
every matching document it scores (the total; the facet counts come from those documents'
cached facet keys, ``facets``) instead of Whoosh's ``groupedby``, which files every
document under five facets as it goes and then sorts them all. Sorted by date, nothing
needs a score: the matching documents come from an unscored pass (``docsets``) and are
ordered by the ``published`` column.
"""

from __future__ import annotations

import heapq
import struct
import time

from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.searching import Results
from whoosh.util.times import long_to_datetime

from ...search.rerank import RERANK_WINDOW, Candidate
from ..base import Retrieved
from . import docsets
from . import facets as facet_counts


def retrieve(searcher, query, allow_query, request, time_limit: float) -> Retrieved:
    """``query`` and ``allow_query`` are Whoosh queries (``translate``); see ``Backend.retrieve``."""
    limit = request.page * request.per_page
    start = (request.page - 1) * request.per_page
    began = time.perf_counter()
    # Filters (facet values, the Web scope's sites) are a set of allowed documents rather than
    # a Require query: Require around the query's AndMaybe loses some documents' optional
    # score in Whoosh 2.7.5 (AndMaybeMatcher.skip_to), so a filtered search would rank
    # differently from the unfiltered one.
    allow = docsets.matching(searcher, allow_query) if allow_query is not None else None
    if allow is not None and not allow:  # nothing passes the filter
        return Retrieved([], 0, False, facet_counts.count_docs(searcher, ()) if request.facets else {})
    if request.sort == "newest":
        matched = docsets.matching(searcher, query)
        if allow is not None:
            matched &= allow
        facets = facet_counts.count_docs(searcher, matched) if request.facets else {}
        keys = facet_counts.sort_keys(searcher, "published")
        items = heapq.nlargest(limit, ((keys[d], d) for d in matched))
        page = Results(searcher, query, items)[start:limit]
        return Retrieved([Candidate(hit, hit.score, hit.fields) for hit in page], len(matched), False, facets)
    # By relevance, a window of the best hits for the rerank stage.
    window = max(limit, RERANK_WINDOW)
    collector = _TopAndAll(window, allow)
    timed = TimeLimitCollector(collector, timelimit=max(0.0, time_limit - (time.perf_counter() - began)),
                               use_alarm=False)
    partial = False
    try:
        searcher.search_with_collector(query, timed)
    except TimeLimit:
        partial = True
    results = timed.results()
    facets = facet_counts.count_docs(searcher, collector.seen) if request.facets else {}
    return Retrieved(_candidates(searcher, list(results[:window])), len(collector.seen), partial, facets)


def _candidates(searcher, hits) -> list[Candidate]:
    """Whoosh hits as candidates: stored fields, the date and the rerank head read only when asked."""
    column = _column(searcher) if len(hits) > 1 else None
    heads = _column(searcher, "head") if len(hits) > 1 else None

    def published(docnum):
        return (lambda: _published(column, docnum)) if column is not None else None

    def head(docnum):
        return (lambda: _head(heads, docnum)) if heads is not None else None

    return [Candidate(hit, hit.score, hit.fields, published(hit.docnum), head(hit.docnum)) for hit in hits]


def _head(column, docnum) -> str | None:
    try:
        value = column[docnum]
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    return value.decode("utf-8", "replace") if value else None


def _published(column, docnum):
    try:  # a Whoosh datetime long; unset values are out of datetime's range
        return long_to_datetime(int(column[docnum]))
    except (IndexError, KeyError, TypeError, ValueError, OverflowError, struct.error):
        return None  # struct.error: a short column block in some multiprocess-written segments


def _column(searcher, name: str = "published"):
    """The searcher's reader of column ``name`` (None without it), made once per searcher: making
    one reads every segment's offsets, milliseconds on a large index, on every query otherwise."""
    readers = searcher.__dict__.setdefault("_tracuu_columns", {})
    if name not in readers:
        readers[name] = None
        try:
            reader = searcher.reader()
            if reader.has_column(name):
                readers[name] = reader.column_reader(name, translate=False)
        except Exception:  # an index without the column: no recency, no head
            pass
    return readers[name]


class _TopAndAll(TopCollector):
    """The best ``limit`` documents by score, and every matching document (``seen``).

    No block-quality skipping and no matcher replacement (Whoosh drops branches that cannot reach
    the top, and with them documents to count): every match is visited once, as Whoosh's
    ``groupedby`` would, but kept in a list instead of being grouped and sorted. (Skipping never
    engaged on tracuu's queries anyway: their BM25F bounds are too loose.) ``allow``: the global
    document numbers a filter lets through, or None; the filter is applied in ``collect``, which
    TimeLimitCollector calls (it bypasses a FilterCollector).
    """

    def __init__(self, limit, allow=None):
        super().__init__(limit, usequality=False, replace=0)
        self.allow = allow
        self.seen: list[int] = []

    def collect(self, sub_docnum):
        docnum = self.offset + sub_docnum
        if self.allow is not None and docnum not in self.allow:
            return 0
        self.seen.append(docnum)
        return super().collect(sub_docnum)
