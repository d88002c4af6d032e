"""Search: one entry point for the page, the JSON API and the CLI.

``SearchService.search(SearchRequest)`` returns a plain ``SearchResult``. Each
thread keeps its own Whoosh searcher (opening one costs ~15 ms; sharing one
between threads is unsafe) and refreshes it when the index changes or a
rebuild switches generations.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import asdict, dataclass, field

from whoosh import query as Q
from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.searching import Results

from . import docsets
from . import facets as facet_counts
from . import highlight, suggest
from .cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE
from .cache import SearchCache, request_key
from .document import link_url
from .query import MAX_QUERY_CHARS, QueryError, build, is_relaxed_from_start, needs_fallback, parse
from .ranking import RERANK_WINDOW, rerank
from .related import related as related_documents
from .schema import KINDS
from .store import IndexMissing, IndexStore
from .synonyms import Synonyms
from .synonyms import load as load_synonyms

MAX_PER_PAGE = 100
MAX_RESULTS_DEPTH = 10_000
SCOPES = ("site", "web")
SORTS = ("relevance", "newest")
DEFAULT_TIME_LIMIT = 3.0

__all__ = ["QueryError", "SearchRequest", "SearchResult", "SearchService", "Hit"]


@dataclass
class SearchRequest:
    q: str
    scope: str = "site"
    site: str | None = None
    page: int = 1
    per_page: int = 10
    kind: str | None = None
    sort: str = "relevance"
    # Facet filters (in the Web scope ``site`` narrows to one site too).
    doc_type: str | None = None
    year: int | None = None
    category: str | None = None
    facets: bool = True  # False skips the facet counts (and lets Whoosh keep only the top hits)

    def validate(self) -> None:
        """Raise QueryError (a message for the visitor) for any parameter out of range."""
        if self.scope not in SCOPES:
            raise QueryError(f"scope phải là một trong: {', '.join(SCOPES)}")
        if self.sort not in SORTS:
            raise QueryError(f"sort phải là một trong: {', '.join(SORTS)}")
        if self.kind is not None and self.kind not in KINDS:
            raise QueryError(f"kind phải là một trong: {', '.join(KINDS)}")
        if self.year is not None and not 1900 <= self.year <= 2200:
            raise QueryError("year phải là một năm từ 1900 đến 2200")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page phải từ 1 đến {MAX_PER_PAGE}")
        if self.page < 1 or self.page * self.per_page > MAX_RESULTS_DEPTH:
            raise QueryError(f"page phải từ 1 đến {MAX_RESULTS_DEPTH // self.per_page}")


@dataclass
class Hit:
    id: str
    title: str
    url: str
    site: str
    kind: str
    snippet: str
    title_html: str
    published: str | None
    doc_number: str | None
    doc_type: str | None
    issuer: str | None
    category: str | None
    score: float


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    scope: str
    site: str | None
    results: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0
    partial: bool = False  # the time limit cut the search short
    relaxed: bool = False  # no document had every word; showing those with some
    facets: dict = field(default_factory=dict)  # facet -> [{"value", "count"}], see indexer.facets
    suggestion: str | None = None  # "did you mean", see indexer.suggest
    expansions: list = field(default_factory=list)  # [{"term", "expansions"}]: abbreviations searched too

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, MAX_RESULTS_DEPTH) // self.per_page))

    def to_dict(self) -> dict:
        data = asdict(self)
        for hit in data["results"]:
            hit.pop("title_html")
        return data


def suggest_site(q: str, scope: str, site: str | None, default_site: str | None) -> str | None:
    """The site an autocomplete request is limited to; QueryError for a bad scope or a too long q."""
    if scope not in SCOPES:
        raise QueryError(f"scope phải là một trong: {', '.join(SCOPES)}")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    return (site or default_site) if scope == "site" else None


class SearchService:
    """Searches one index home; safe to share between threads."""

    def __init__(self, store: IndexStore, default_site: str | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT, web_sites: list[str] | None = None,
                 cache_size: int = DEFAULT_CACHE_SIZE, synonyms: Synonyms | list | None = None):
        self.store = store
        # The shipped abbreviations plus an admin's files (a list of paths) or a ready table.
        self.synonyms = synonyms if isinstance(synonyms, Synonyms) else load_synonyms(synonyms or ())
        self.cache = SearchCache(cache_size)  # repeated requests, per process and index version
        self.default_site = default_site
        self.web_sites = list(web_sites or [])  # the sites the Web scope covers (empty: all)
        self.time_limit = time_limit
        self._local = threading.local()

    def _searcher(self):
        """This thread's searcher, reopened when a commit or a rebuild changed the index.

        Not ``Searcher.refresh()``: it reuses segment readers together with their old
        deletion sets, so deleted and replaced documents would keep showing.
        """
        generation = self.store.generation()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is not None and local.generation == generation and searcher.up_to_date():
            return searcher
        if searcher is not None:
            searcher.close()
        local.searcher = self.store.open().searcher()
        local.generation = generation
        return local.searcher

    def search(self, request: SearchRequest) -> SearchResult:
        """The result, from this process's cache when the same request was answered at this index version."""
        request.validate()
        started = time.perf_counter()
        try:
            searcher = self._searcher()  # refreshed: its version is the live one
        except IndexMissing:
            return self._search(request)
        version = (self._local.generation, searcher.ixreader.generation())
        # Time-limited (partial) results are kept too: the heaviest queries are the ones that must
        # not cost the time limit again on every repeat.
        result = self.cache.get_or_compute(version, request_key(request), lambda: self._search(request))
        # Outside the cache: cheap, and ready only once a large index's vocabulary is built.
        result.suggestion = suggest.did_you_mean(searcher, request.q)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        site = (request.site or self.default_site) if request.scope == "site" else None
        site_filter = site or (request.site if request.scope == "web" else None)
        result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page,
                              scope=request.scope, site=site)
        parsed = parse(request.q, self.synonyms)
        result.expansions = parsed.expansions
        if parsed.empty:
            return result
        searcher = self._searcher()
        filters = facet_counts.filter_query(kind=request.kind, doc_type=request.doc_type, year=request.year,
                                            site=site_filter, category=request.category)
        if request.scope == "web" and not site_filter and self.web_sites:
            filters.append(Q.Or([Q.Term("site", s) for s in self.web_sites]))
        restrict = Q.And(filters) if filters else None
        hits, result.total, result.partial, result.facets = self._run(
            searcher, build(parsed, searcher=searcher), restrict, request, parsed)
        result.relaxed = is_relaxed_from_start(parsed) and result.total > 0
        if result.total == 0 and needs_fallback(parsed):
            hits, result.total, result.partial, result.facets = self._run(
                searcher, build(parsed, require_all=False, searcher=searcher), restrict, request, parsed)
            result.relaxed = result.total > 0
        result.results = [self._hit(hit, parsed) for hit in hits]
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        """Documents like ``doc_id`` (indexer.related); DocumentNotFound when it is not indexed."""
        return related_documents(self._searcher(), doc_id, limit=limit)

    def suggest(self, q: str, scope: str = "site", site: str | None = None, limit: int = 8) -> list[dict]:
        """Autocomplete for the search box: see indexer.suggest.complete."""
        site = suggest_site(q, scope, site, self.default_site)
        return suggest.complete(self._searcher(), q, limit=limit, site=site)

    def _run(self, searcher, query, restrict, request, parsed=None):
        """(hits of the page, total, partial, facets) for one Whoosh query.

        By relevance, one pass of Whoosh's TopCollector keeps the best ``RERANK_WINDOW`` and notes
        every matching document it scores (the total; the facet counts come from those documents'
        cached facet keys, indexer.facets) instead of Whoosh's ``groupedby``, which files every
        document under five facets as it goes and then sorts them all. Sorted by date, nothing
        needs a score: the matching documents come from an unscored pass (indexer.docsets) and
        are ordered by the ``published`` column.
        """
        limit = request.page * request.per_page
        start = (request.page - 1) * request.per_page
        began = time.perf_counter()
        # Filters (facet values, the Web scope's sites) are a set of allowed documents rather than
        # a Require query: Require around the query's AndMaybe loses some documents' optional
        # score in Whoosh 2.7.5 (AndMaybeMatcher.skip_to), so a filtered search would rank
        # differently from the unfiltered one.
        allow = docsets.matching(searcher, restrict) if restrict is not None else None
        if allow is not None and not allow:  # nothing passes the filter
            return [], 0, False, facet_counts.count_docs(searcher, ()) if request.facets else {}
        if request.sort == "newest":
            matched = docsets.matching(searcher, query)
            if allow is not None:
                matched &= allow
            facets = facet_counts.count_docs(searcher, matched) if request.facets else {}
            keys = facet_counts.sort_keys(searcher, "published")
            items = heapq.nlargest(limit, ((keys[d], d) for d in matched))
            return list(Results(searcher, query, items)[start:limit]), len(matched), False, facets
        # By relevance, a window of the best hits is reordered by indexer.ranking.
        window = max(limit, RERANK_WINDOW)
        collector = _TopAndAll(window, allow)
        timed = TimeLimitCollector(collector, timelimit=max(0.0, self.time_limit - (time.perf_counter() - began)),
                                   use_alarm=False)
        partial = False
        try:
            searcher.search_with_collector(query, timed)
        except TimeLimit:
            partial = True
        results = timed.results()
        facets = facet_counts.count_docs(searcher, collector.seen) if request.facets else {}
        hits = rerank(searcher, list(results[:window]), parsed)
        return hits[start:limit], len(collector.seen), partial, facets

    @staticmethod
    def _hit(hit, parsed) -> Hit:
        stored = hit.fields()
        published = stored.get("published")
        text = stored.get("body") or stored.get("summary") or ""
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            url=link_url(stored.get("url", "")),
            site=stored.get("site", ""),
            kind=stored.get("kind", ""),
            snippet=highlight.snippet(text, parsed),
            title_html=highlight.mark_all(stored.get("title", ""), parsed),
            published=published.date().isoformat() if published else None,
            doc_number=stored.get("doc_number") or None,
            doc_type=stored.get("doc_type") or None,
            issuer=stored.get("issuer") or None,
            category=stored.get("category") or None,
            score=round(hit.score or 0.0, 4),
        )



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
