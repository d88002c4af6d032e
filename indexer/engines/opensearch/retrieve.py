"""The OpenSearch first stage: candidates, totals and facet counts in one request.

Plans are translated by ``translate``; scores come from index-wide term statistics
(``dfs_query_then_fetch``); facets are terms aggregations in ``indexer.search.facets``'
shape; deep pages sorted by date are walked with ``search_after``.
"""

from __future__ import annotations

from ...search import facets as facet_counts
from ...search.rerank import RERANK_WINDOW, Candidate, idf_tokens
from ...search.understand import word_join_terms
from ..base import Retrieved
from .mapping import stored_fields
from .translate import to_dsl

PAGE_CHUNK = 1000  # hits per request when walking deep pages with search_after
# Scores from index-wide term statistics, not each shard's: on several shards (a small index above
# all) per-shard IDF would reorder close results; OpenSearch skips the extra round on one shard.
SEARCH_TYPE = "dfs_query_then_fetch"
FACET_AGGS = {"kind": "kind", "doc_type": "doc_type", "site": "site", "category": "category"}
SOURCE = ["doc"]


class TermStats:
    """What planning and re-ranking ask of an index (``indexer.search.plan.TermStats``): document
    count, document frequencies (fetched for the whole query in one request) and document types."""

    def __init__(self, backend, parsed):
        self.backend = backend
        self._df: dict[tuple[str, str], int] = {}
        self._n = None
        wanted = [(f, t) for t in idf_tokens(parsed) for f in ("content_f", "title_f")]
        wanted += word_join_terms(parsed)
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


def _facet_aggs() -> dict:
    aggs = {name: {"terms": {"field": field, "size": facet_counts.MAX_VALUES}} for name, field in FACET_AGGS.items()}
    aggs["year"] = {"terms": {"field": "year", "size": 500}}
    return aggs


def _facets(aggregations: dict) -> dict:
    """Terms aggregations in ``indexer.search.facets``' shape."""
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


def retrieve(backend, query, allow, request) -> Retrieved:
    """``query`` and ``allow`` are plan nodes; see ``indexer.engines.base.Backend.retrieve``."""
    limit = request.page * request.per_page
    start = (request.page - 1) * request.per_page
    newest = request.sort == "newest"
    dsl = to_dsl(query)
    if allow is not None:
        dsl = {"bool": {"must": [dsl], "filter": [to_dsl(allow)]}}
    body = {"query": dsl, "track_total_hits": True, "_source": SOURCE,
            "timeout": f"{max(1, int(backend.time_limit * 1000))}ms"}
    if request.facets:
        body["aggs"] = _facet_aggs()
    if newest:
        sort = [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        hits, response = _collect(backend, body, sort, start, request.per_page)
    else:
        # By relevance, a window of the best hits for the rerank stage.
        hits, response = _collect(backend, body, [{"_score": "desc"}, {"id": "asc"}], 0, max(limit, RERANK_WINDOW))
    total = response["hits"]["total"]["value"]
    partial = bool(response.get("timed_out") or (response.get("_shards") or {}).get("failed"))
    facets = _facets(response.get("aggregations") or {}) if request.facets else {}
    candidates = []
    for h in hits:
        fields = stored_fields(h.get("_source") or {})
        candidates.append(Candidate(h, h.get("_score") or 0.0, fields, fields.get("published")))
    return Retrieved(candidates, total, partial, facets)


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
