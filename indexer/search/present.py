"""Present: a result line from a candidate's stored fields, with the visitor's words marked."""

from __future__ import annotations

from datetime import datetime

from ..document import link_url
from . import highlight
from .request import Hit
from .rerank import Candidate
from .understand import ParsedQuery


def hit(candidate: Candidate, parsed: ParsedQuery) -> Hit:
    """One result line: stored fields as shown, a snippet and the title with marks."""
    stored = candidate.fields()
    published = stored.get("published")
    effective = stored.get("effective")
    text = stored.get("body") or stored.get("summary") or ""
    title = article_title(stored)
    return Hit(
        id=stored["id"],
        title=title,
        url=link_url(stored.get("url", "")),
        site=stored.get("site", ""),
        kind=stored.get("kind", ""),
        snippet=highlight.snippet(text, parsed),
        title_html=highlight.mark_all(title, parsed),
        published=_iso_day(published),
        doc_number=stored.get("doc_number") or None,
        doc_type=stored.get("doc_type") or None,
        issuer=stored.get("issuer") or None,
        category=stored.get("category") or None,
        score=round(candidate.score or 0.0, 4),
        parent_id=stored.get("parent_id") or None,
        parent_title=stored.get("parent_title") or None,
        article=stored.get("article") or None,
        effective=_iso_day(effective),
    )


def _iso_day(value) -> str | None:
    """A stored date (a datetime on both engines; anything else is not shown) as YYYY-MM-DD."""
    return value.date().isoformat() if isinstance(value, datetime) else None


def article_title(stored) -> str:
    """The title shown: an article of a legal text says which text it belongs to,
    "Điều 17. Bảo vệ dữ liệu cá nhân — Luật Cổng thông tin điện tử 2023"."""
    title = stored.get("title", "")
    parent = stored.get("parent_title") or ""
    if not stored.get("parent_id") or not parent:
        return title
    published = stored.get("published")
    year = str(published.year) if published else ""
    return f"{title} — {parent}" + (f" {year}" if year and year not in parent else "")
