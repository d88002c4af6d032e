"""Present: a result line from a candidate's stored fields, with the visitor's words marked."""

from __future__ import annotations

from ..document import link_url
from . import highlight
from .request import Hit
from .rerank import Candidate
from .understand import ParsedQuery


def hit(candidate: Candidate, parsed: ParsedQuery) -> Hit:
    """One result line: stored fields as shown, a snippet and the title with marks."""
    stored = candidate.fields()
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
        score=round(candidate.score or 0.0, 4),
    )
