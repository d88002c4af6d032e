"""Related documents for a result: "more like this" from the index itself.

Each engine takes the document's title (twice: it says what the document is about) and
the opening of its text, picks its most distinctive words against the whole index, and
returns documents sharing them, the document itself excluded; this module holds what
both share: the limits and the shape of one related document.
"""

from __future__ import annotations

from ..document import link_url

TEXT_CHARS = 3000  # the opening of the text carries its subject; the rest costs analysis time
KEY_TERMS = 12
MAX_RELATED = 20


def related_item(fields: dict, score) -> dict:
    """What the API gives of a related document, from its stored fields (either engine)."""
    published = fields.get("published")
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "url": link_url(fields.get("url", "")),
        "site": fields.get("site", ""),
        "kind": fields.get("kind", ""),
        "published": published.date().isoformat() if published else None,
        "doc_number": fields.get("doc_number") or None,
        "score": round(score or 0.0, 4),
    }
