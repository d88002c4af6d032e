"""Related documents by OpenSearch's ``more_like_this`` over the word field."""

from __future__ import annotations

from ...analysis import word_analyzer
from ...errors import DocumentNotFound
from ...search.related import KEY_TERMS, MAX_RELATED, TEXT_CHARS, related_item
from .mapping import stored_fields
from .retrieve import SOURCE

_WORDS = word_analyzer()


def related(backend, doc_id: str, limit: int = 5) -> list[dict]:
    """Up to ``limit`` documents like ``doc_id``, best first, as plain dicts."""
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
