"""Searching OpenSearch with tracuu's own understanding of Vietnamese.

The same steps as ``indexer.search.SearchService``: ``indexer.query.parse`` and
``build`` (translated to DSL by ``translate``), every unit required first and the same
relaxed fallback, the best ``RERANK_WINDOW`` candidates re-ranked by
``indexer.ranking.rerank_candidates``, snippets marked by ``indexer.highlight`` on the
stored text, facets from terms aggregations in ``indexer.facets``' shape, sorting by
date with ``search_after`` for deep pages, did-you-mean and autocomplete from the
same ``indexer.suggest`` code over a vocabulary counted by OpenSearch, related
documents by ``more_like_this``.
"""

from __future__ import annotations

import os
import threading
import time

from whoosh import query as Q

from .. import facets as facet_counts
from .. import suggest
from ..analysis import word_analyzer
from ..query import build, is_relaxed_from_start, needs_fallback, parse
from ..ranking import RERANK_WINDOW, Candidate, Idf, idf_tokens, rerank_candidates
from ..related import KEY_TERMS, MAX_RELATED, TEXT_CHARS, DocumentNotFound, related_item
from ..search import SearchResult, SearchService
from .mapping import stored_fields
from .translate import to_dsl

PAGE_CHUNK = 1000  # hits per request when walking deep pages with search_after
# Scores from index-wide term statistics, not each shard's: on several shards (a small index above
# all) per-shard IDF would reorder close results; OpenSearch skips the extra round on one shard.
SEARCH_TYPE = "dfs_query_then_fetch"
FACET_AGGS = {"kind": "kind", "doc_type": "doc_type", "site": "site", "category": "category"}
SOURCE = ["doc"]


class TermStats:
    """What ``indexer.query.build`` and the re-ranking ask of an index: document count, document
    frequencies (fetched for the whole query in one request) and the document types."""

    def __init__(self, backend, parsed):
        self.backend = backend
        self._df: dict[tuple[str, str], int] = {}
        self._n = None
        wanted = [(f, t) for t in idf_tokens(parsed) for f in ("content_f", "title_f")]
        wanted += [("content", w) for w in parsed.words]
        wanted = list(dict.fromkeys(wanted))
        if wanted:
            filters = {str(i): {"term": {f: t}} for i, (f, t) in enumerate(wanted)}
            body = {"size": 0, "track_total_hits": True, "query": {"match_all": {}},
                    "aggs": {"df": {"filters": {"filters": filters}}}}
            response = backend.raw_search(body)
            self._n = response["hits"]["total"]["value"]
            buckets = response["aggregations"]["df"]["buckets"]
            for i, key in enumerate(wanted):
                self._df[key] = buckets[str(i)]["doc_count"]

    def doc_count(self) -> int:
        if self._n is None:
            self._n = self.backend.raw_search({"size": 0, "track_total_hits": True})["hits"]["total"]["value"]
        return self._n

    def doc_frequency(self, field: str, token: str) -> int:
        key = (field, token)
        if key not in self._df:
            body = {"size": 0, "track_total_hits": True, "query": {"term": {field: token}}}
            self._df[key] = self.backend.raw_search(body)["hits"]["total"]["value"]
        return self._df[key]

    def lexicon(self, field: str) -> list[str]:
        body = {"size": 0, "aggs": {"values": {"terms": {"field": field, "size": 1000}}}}
        return [b["key"] for b in self.backend.raw_search(body)["aggregations"]["values"]["buckets"]]

    def idf(self) -> Idf:
        return Idf(self.doc_count(), lambda t: self.doc_frequency("content_f", t) or self.doc_frequency("title_f", t))


def _facet_aggs() -> dict:
    aggs = {name: {"terms": {"field": field, "size": facet_counts.MAX_VALUES}} for name, field in FACET_AGGS.items()}
    aggs["year"] = {"terms": {"field": "year", "size": 500}}
    return aggs


def _facets(aggregations: dict) -> dict:
    """Terms aggregations in ``indexer.facets.counts``' shape."""
    out = {}
    for name in facet_counts.FACET_FIELDS:
        buckets = (aggregations.get(name) or {}).get("buckets", [])
        values = [(str(b["key"]), b["doc_count"]) for b in buckets if str(b["key"]) != ""]
        if name == "year":
            values = [(k, c) for k, c in values if 1900 <= int(k) <= 2200]
            values.sort(key=lambda kv: -int(kv[0]))
        else:
            values.sort(key=lambda kv: (-kv[1], kv[0]))
        out[name] = [{"value": k, "count": c} for k, c in values[:facet_counts.MAX_VALUES]]
    return out


def search(backend, request) -> SearchResult:
    """``SearchService._search`` for OpenSearch."""
    started = time.perf_counter()
    site = (request.site or backend.default_site) if request.scope == "site" else None
    site_filter = site or (request.site if request.scope == "web" else None)
    result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page,
                          scope=request.scope, site=site)
    parsed = parse(request.q, backend.synonyms)
    result.expansions = parsed.expansions
    if parsed.empty:
        return result
    stats = TermStats(backend, parsed)
    filters = facet_counts.filter_query(kind=request.kind, doc_type=request.doc_type, year=request.year,
                                        site=site_filter, category=request.category)
    if request.scope == "web" and not site_filter and backend.web_sites:
        filters.append(Q.Or([Q.Term("site", s) for s in backend.web_sites]))
    restrict = Q.And(filters) if filters else None
    hits, result.total, result.partial, result.facets = _run(
        backend, build(parsed, searcher=stats), restrict, request, parsed, stats)
    result.relaxed = is_relaxed_from_start(parsed) and result.total > 0
    if result.total == 0 and needs_fallback(parsed):
        hits, result.total, result.partial, result.facets = _run(
            backend, build(parsed, require_all=False, searcher=stats), restrict, request, parsed, stats)
        result.relaxed = result.total > 0
    result.results = [SearchService._hit(hit, parsed) for hit in hits]
    result.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def _run(backend, query, restrict, request, parsed, stats):
    limit = request.page * request.per_page
    start = (request.page - 1) * request.per_page
    newest = request.sort == "newest"
    dsl = to_dsl(query)
    if restrict is not None:
        dsl = {"bool": {"must": [dsl], "filter": [to_dsl(restrict)]}}
    body = {"query": dsl, "track_total_hits": True, "_source": SOURCE,
            "timeout": f"{max(1, int(backend.time_limit * 1000))}ms"}
    if request.facets:
        body["aggs"] = _facet_aggs()
    if newest:
        sort = [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        hits, response = _collect(backend, body, sort, start, request.per_page)
    else:
        # By relevance, a window of the best hits is reordered by indexer.ranking.
        window = max(limit, RERANK_WINDOW)
        hits, response = _collect(backend, body, [{"_score": "desc"}, {"id": "asc"}], 0, window)
    total = response["hits"]["total"]["value"]
    partial = bool(response.get("timed_out") or (response.get("_shards") or {}).get("failed"))
    facets = _facets(response.get("aggregations") or {}) if request.facets else {}
    candidates = []
    for h in hits:
        fields = stored_fields(h.get("_source") or {})
        candidates.append(Candidate(h, h.get("_score") or 0.0, fields, fields.get("published")))
    if not newest:
        candidates = rerank_candidates(candidates, parsed, stats.idf())[start:limit]
    return candidates, total, partial, facets


def _collect(backend, body: dict, sort: list, start: int, count: int):
    """Hits ``start .. start+count`` in ``sort`` order and the first response (totals, facets).

    Up to PAGE_CHUNK deep in one request (from/size); deeper, pages are walked with
    ``search_after`` (only sort values fetched until the wanted page), never from/size.
    """
    body = dict(body, sort=sort)
    if start + count <= PAGE_CHUNK:
        response = backend.raw_search(dict(body, size=count, **({"from": start} if start else {})), search_type=SEARCH_TYPE)
        return response["hits"]["hits"], response
    first, hits, after, seen = None, [], None, 0
    skip_body = dict(body, _source=False)
    skip_body.pop("aggs", None)
    while seen < start + count:
        want = min(PAGE_CHUNK, start + count - seen)
        fetching = seen + want > start
        request = dict(body if (fetching or first is None) else skip_body, size=want)
        if first is not None:
            request.pop("aggs", None)
            request["track_total_hits"] = False
        if after is not None:
            request["search_after"] = after
        response = backend.raw_search(request, search_type=SEARCH_TYPE)
        first = first or response
        page = response["hits"]["hits"]
        if not page:
            break
        hits += [h for i, h in enumerate(page, start=seen) if i >= start]
        seen += len(page)
        after = page[-1]["sort"]
    return hits[:count], first


# -- suggestions and related documents ----------------------------------------------------

class VocabularyCache:
    """The vocabulary of one index version, counted by OpenSearch (composite aggregations over
    the ``v_*`` fields, titles by search_after): built at once for small indexes, in a background
    thread for large ones (no suggestions until ready), like ``indexer.suggest.vocabulary``."""

    def __init__(self):
        self.version = None
        self.voc = None
        self.building = None  # (index version, pid) of the build running in a background thread
        self.lock = threading.Lock()

    def get(self, backend, wait: bool | None = None):
        """The vocabulary of the live index version, or None while a background build runs.
        ``wait`` builds it now whatever the index size (a server's warm-up, before forking)."""
        version = backend.index_version()
        with self.lock:
            if self.version == version and self.voc is not None:
                return self.voc
            if self.building == (version, os.getpid()):  # a forked worker has no such thread: builds its own
                return None
        if wait is None:
            n = backend.raw_search({"size": 0, "track_total_hits": True})["hits"]["total"]["value"]
            wait = n <= suggest.SYNC_BUILD_DOCS
        if wait:
            voc = build_vocabulary(backend)
            with self.lock:
                self.version, self.voc = version, voc
            return voc
        with self.lock:
            self.building = (version, os.getpid())

        def run():
            try:
                voc = build_vocabulary(backend)
                with self.lock:
                    self.version, self.voc = version, voc
            except Exception:  # noqa: BLE001 - no suggestions until the next try
                pass
            finally:
                with self.lock:
                    self.building = None

        threading.Thread(target=run, name="tracuu-os-vocabulary", daemon=True).start()
        return None


def _terms(backend, field: str):
    after = None
    while True:
        composite = {"size": 5000, "sources": [{"t": {"terms": {"field": field}}}]}
        if after:
            composite["after"] = after
        response = backend.raw_search({"size": 0, "aggs": {"v": {"composite": composite}}})
        agg = response["aggregations"]["v"]
        for bucket in agg["buckets"]:
            yield bucket["key"]["t"], bucket["doc_count"]
        after = agg.get("after_key")
        if not agg["buckets"] or not after:
            return


def _titles(backend):
    after = None
    while True:
        body = {"size": 1000, "sort": [{"indexed_at": "asc"}, {"id": "asc"}],  # index order, as Whoosh reads them
                "_source": ["doc.title", "doc.site", "doc.url"]}
        if after is not None:
            body["search_after"] = after
        hits = backend.raw_search(body)["hits"]["hits"]
        for hit in hits:
            doc = hit["_source"].get("doc") or {}
            yield doc.get("title") or "", doc.get("site", ""), doc.get("url", "")
        if not hits:
            return
        after = hits[-1]["sort"]


def build_vocabulary(backend):
    return suggest.vocabulary_from(
        (t for field in ("v_title_words", "v_content_words") for t in _terms(backend, field)),
        (t for field in ("v_title_syl", "v_content_syl") for t in _terms(backend, field)),
        _titles(backend))


_WORDS = word_analyzer()


def related(backend, doc_id: str, limit: int = 5) -> list[dict]:
    """``indexer.related.related`` by ``more_like_this`` over the word field."""
    limit = max(1, min(limit, MAX_RELATED))
    hits = backend.raw_search({"size": 1, "query": {"term": {"id": doc_id}}, "_source": SOURCE})["hits"]["hits"]
    if not hits:
        raise DocumentNotFound(doc_id)
    stored = stored_fields(hits[0]["_source"])
    title = stored.get("title", "")
    text = "\n".join(p for p in (title, title, stored.get("summary") or "", (stored.get("body") or "")[:TEXT_CHARS]) if p)
    if not text.strip():
        return []
    like = " ".join(t.text for t in _WORDS(text))
    body = {"size": limit, "_source": SOURCE, "query": {"bool": {
        "must": [{"more_like_this": {"fields": ["content"], "like": like, "min_term_freq": 1, "min_doc_freq": 1,
                                     "max_query_terms": KEY_TERMS, "minimum_should_match": 1}}],
        "must_not": [{"term": {"id": doc_id}}]}}}
    return [related_item(stored_fields(hit["_source"]), hit.get("_score"))
            for hit in backend.raw_search(body)["hits"]["hits"]]
