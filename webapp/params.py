"""Reading search parameters from a request, the same way for the page and the API."""

from __future__ import annotations

from flask import current_app

from indexer import QueryError, SearchRequest


def _int(args, name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        if len(raw) > 9:
            raise ValueError(raw)
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} phải là một số nguyên") from None


FILTERS = ("kind", "doc_type", "year", "site", "category")  # facet filters, by request parameter


def default_scope() -> str:
    """The scope when the request names none: "site" with a DEFAULT_SITE, else "web" (the rule
    ``Backend.default_scope`` gives the CLI too)."""
    return current_app.extensions["tracuu.search"].default_scope()


def search_request(args, per_page_default: int = 10) -> SearchRequest:
    """A validated SearchRequest from query-string ``args``; QueryError says what is wrong."""
    request = SearchRequest(
        q=args.get("q", ""),
        scope=args.get("scope", "").strip() or default_scope(),
        site=args.get("site", "").strip() or None,
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", per_page_default),
        kind=args.get("kind", "").strip() or None,
        sort=args.get("sort", "relevance").strip() or "relevance",
        doc_type=args.get("doc_type", "").strip() or None,
        year=_int(args, "year", 0) or None,
        category=args.get("category", "").strip() or None,
        facets=args.get("facets", "").strip().lower() not in ("0", "false", "no"),
        date_from=args.get("from", "").strip() or None,
        date_to=args.get("to", "").strip() or None,
    )
    request.validate()
    return request
