"""The index vocabulary (``indexer.search.suggest``) counted by OpenSearch: composite
aggregations over the ``v_*`` fields, titles walked with ``search_after``."""

from __future__ import annotations

from ...search import suggest


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
        _titles(backend),
        (t for field in ("v_title_pairs", "v_content_pairs") for t in _terms(backend, field)),
        suggest.min_pair_df(backend.doc_count()))
