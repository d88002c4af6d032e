"""Related documents by Whoosh's ``more_like`` (Bo1 model) over the word field."""

from __future__ import annotations

from ...errors import DocumentNotFound
from ...search.related import KEY_TERMS, MAX_RELATED, TEXT_CHARS, related_item


def related(searcher, doc_id: str, limit: int = 5) -> list[dict]:
    """Up to ``limit`` documents like ``doc_id``, best first, as plain dicts."""
    limit = max(1, min(limit, MAX_RELATED))
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        raise DocumentNotFound(doc_id)
    stored = searcher.stored_fields(docnum)
    title = stored.get("title", "")
    text = "\n".join(p for p in (title, title, stored.get("summary") or "", (stored.get("body") or "")[:TEXT_CHARS]) if p)
    if not text.strip():
        return []
    hits = searcher.more_like(docnum, "content", text=text, top=limit, numterms=KEY_TERMS)
    return [related_item(hit.fields(), hit.score) for hit in hits]
