"""The OpenAPI 3 document of the embedding contract, served at /api/openapi.json.

Written by hand next to the code it describes; tests/web/test_api_openapi.py
checks the live app against it with schemathesis, so the two cannot drift.
"""

from __future__ import annotations

from indexer.search.request import MAX_PER_PAGE, MAX_RESULTS_DEPTH, SCOPES, SORTS
from indexer.document import KINDS
from indexer.search.understand import MAX_QUERY_CHARS

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_NULLABLE_STRING = {"type": ["string", "null"]}

_HIT = {
    "type": "object",
    "required": ["id", "title", "url", "site", "kind", "snippet", "published"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "site": {"type": "string"},
        "kind": {"type": "string", "description": "article (tin tức) or legal (văn bản)"},
        "snippet": {"type": "string", "description": "HTML-escaped text; the visitor's words in <mark>"},
        "published": {**_NULLABLE_STRING, "description": "ISO date"},
        "doc_number": _NULLABLE_STRING,
        "doc_type": _NULLABLE_STRING,
        "issuer": _NULLABLE_STRING,
        "category": _NULLABLE_STRING,
        "score": {"type": "number"},
    },
}

_FACET_VALUES = {
    "type": "array",
    "items": {"type": "object", "required": ["value", "count"],
              "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}},
}

_SEARCH_RESULT = {
    "type": "object",
    "required": ["query", "total", "page", "per_page", "scope", "site", "results", "took_ms", "partial",
                 "relaxed", "facets", "suggestion"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "scope": {"type": "string", "enum": list(SCOPES)},
        "site": _NULLABLE_STRING,
        "results": {"type": "array", "items": _HIT},
        "took_ms": {"type": "number"},
        "partial": {"type": "boolean", "description": "the time limit cut the search short"},
        "relaxed": {"type": "boolean", "description": "no document had every word; these have some"},
        "facets": {
            "type": "object",
            "description": "counts over every match: kind, doc_type, year, site, category",
            "additionalProperties": _FACET_VALUES,
        },
        "suggestion": {**_NULLABLE_STRING, "description": "did you mean (diacritics restored, typos fixed)"},
    },
}

_SUGGESTIONS = {
    "type": "object",
    "required": ["query", "suggestions"],
    "properties": {
        "query": {"type": "string"},
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "type"],
                "properties": {
                    "text": {"type": "string"},
                    "type": {"type": "string", "enum": ["query", "title"]},
                    "url": {"type": "string"},
                    "site": {"type": "string"},
                },
            },
        },
    },
}

_OPENSEARCH_SUGGESTIONS = {
    "type": "array",
    "description": "OpenSearch suggestions: [query, [completions], [descriptions], [urls]]",
    "minItems": 2,
    "items": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
}


def _param(name, description, schema, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ERROR, "a parameter is missing or out of range; the message is Vietnamese"),
    "503": _json(_ERROR, "no index has been built yet"),
}


def document(server_url: str = "/") -> dict:
    """The OpenAPI document, with the server the app is reached at."""
    search_params = [
        _param("q", "what the visitor typed", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
               required=True),
        _param("scope", "site: one site (site, or the default); web: every site",
               {"type": "string", "enum": list(SCOPES), "default": "site"}),
        _param("site", "site slug (Site scope), or a site to narrow the Web scope to", {"type": "string"}),
        _param("page", f"page number (page * per_page at most {MAX_RESULTS_DEPTH})",
               {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS_DEPTH // MAX_PER_PAGE, "default": 1}),
        _param("per_page", "results per page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                                "default": 10}),
        _param("sort", "ranking", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
        _param("kind", "facet filter: kind", {"type": "string", "enum": list(KINDS)}),
        _param("doc_type", "facet filter: loại văn bản (Nghị định, Thông tư ...)", {"type": "string"}),
        _param("year", "facet filter: year published", {"type": "integer", "minimum": 1900, "maximum": 2200}),
        _param("category", "facet filter: chuyên mục", {"type": "string"}),
        _param("facets", "false: no facet counts (faster on broad queries; facets is then {})",
               {"type": "boolean", "default": True}),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tracuu search API",
            "version": "1.0.0",
            "description": "Vietnamese site search for government department websites. "
                           f"page * per_page is at most {MAX_RESULTS_DEPTH}. CORS-enabled; responses carry "
                           "ETag and Cache-Control.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search documents, with facets and a did-you-mean suggestion",
                    "parameters": search_params,
                    "responses": {
                        "200": _json(_SEARCH_RESULT, "one page of results"),
                        "304": {"description": "not modified (If-None-Match)"},
                        **_ERRORS,
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Autocomplete: completions of frequent words and titles, accent-insensitive",
                    "parameters": [
                        _param("q", "what the visitor has typed so far", {"type": "string",
                                                                           "maxLength": MAX_QUERY_CHARS}),
                        _param("scope", "site or web", {"type": "string", "enum": list(SCOPES), "default": "site"}),
                        _param("site", "site slug for titles (Site scope)", {"type": "string"}),
                        _param("limit", "how many", {"type": "integer", "minimum": 1, "maximum": 20, "default": 8}),
                        _param("format", "json, or opensearch for browsers' search bars",
                               {"type": "string", "enum": ["json", "opensearch"], "default": "json"}),
                    ],
                    "responses": {
                        "200": {"description": "suggestions", "content": {
                            "application/json": {"schema": _SUGGESTIONS},
                            "application/x-suggestions+json": {"schema": _OPENSEARCH_SUGGESTIONS},
                        }},
                        "304": {"description": "not modified (If-None-Match)"},
                        **_ERRORS,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3 document",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
    }
