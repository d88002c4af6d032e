"""Related documents for a result: "more like this" from the index itself.

The document's title (twice: it says what the document is about) and the opening of its
text are analyzed like documents are (pyvi words), the most distinctive words are picked
by Whoosh's Bo1 model against the whole index, and documents sharing them are returned,
the document itself excluded.
"""

from __future__ import annotations

TEXT_CHARS = 3000  # the opening of the text carries its subject; the rest costs analysis time
KEY_TERMS = 12
MAX_RELATED = 20


class DocumentNotFound(KeyError):
    """No document with that id in the index."""


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


def related_item(fields: dict, score) -> dict:
    """What the API gives of a related document, from its stored fields (either engine)."""
    published = fields.get("published")
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "url": fields.get("url", ""),
        "site": fields.get("site", ""),
        "kind": fields.get("kind", ""),
        "published": published.date().isoformat() if published else None,
        "doc_number": fields.get("doc_number") or None,
        "score": round(score or 0.0, 4),
    }
