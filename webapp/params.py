"""Reading search parameters from a request, the same way for the page and the API."""

from __future__ import annotations

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


def search_request(args, per_page_default: int = 10) -> SearchRequest:
    """A validated SearchRequest from query-string ``args``; QueryError says what is wrong."""
    request = SearchRequest(
        q=args.get("q", ""),
        scope=args.get("scope", "site").strip() or "site",
        site=args.get("site", "").strip() or None,
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", per_page_default),
        kind=args.get("kind", "").strip() or None,
        sort=args.get("sort", "relevance").strip() or "relevance",
        doc_type=args.get("doc_type", "").strip() or None,
        year=_int(args, "year", 0) or None,
        category=args.get("category", "").strip() or None,
        facets=args.get("facets", "").strip().lower() not in ("0", "false", "no"),
    )
    request.validate()
    return request
