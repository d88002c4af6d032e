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
        "parent_id": {**_NULLABLE_STRING, "description": "an article (Điều N) of a legal text: the text's id"},
        "parent_title": {**_NULLABLE_STRING, "description": "an article of a legal text: the text's title"},
        "article": {**_NULLABLE_STRING, "description": "an article of a legal text: \"Điều N\""},
        "effective": {**_NULLABLE_STRING, "format": "date",
                      "description": "a legal text: the ISO date it takes effect (ngày hiệu lực), when known; "
                                     "`published` is its signing date"},
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
        "relaxed": {"type": "boolean", "description": "no document had every word as typed; these are the nearest"},
        "relaxed_by": {**_NULLABLE_STRING,
                       "description": "when relaxed: spelling (the corrected query, see corrected), diacritics "
                                      "(the words with other diacritics) or words (some of them)"},
        "corrected": {**_NULLABLE_STRING, "description": "the query searched instead, when relaxed_by is spelling"},
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
    "503": _json(_ERROR, "no index has been built yet, or the search engine cannot be reached"),
}


# -- the write API (webapp/write_api.py) ----------------------------------------------------------
_RECORD = {
    "type": "object",
    "description": "One document, with the fields of `tracuu index file.jsonl` (others are ignored)",
    "properties": {
        "id": {"type": "string", "description": "unique; defaults to url"},
        "title": {"type": "string", "description": "defaults to the start of the text"},
        "text": {"type": "string", "description": "the body (or `body`)"},
        "sapo": {"type": "string", "description": "the lead (or `summary`)"},
        "url": {"type": "string"},
        "site": {"type": "string", "description": "site slug; defaults to ?site= or the key's only site"},
        "kind": {"type": "string", "description": "article or legal (default: legal when doc_number is given)"},
        "date": {"type": "string", "description": "dd/mm/yyyy or ISO 8601 (or `published`)"},
        "category": {"type": "string"},
        "doc_number": {"type": "string"},
        "doc_type": {"type": "string"},
        "issuer": {"type": "string"},
        "effective_date": {"type": "string"},
    },
}
_PROBLEM = {
    "type": "object",
    "required": ["line", "id", "message"],
    "properties": {
        "line": {"type": ["integer", "null"], "description": "NDJSON line number"},
        "position": {"type": ["integer", "null"], "description": "the record's place in the body (1-based)"},
        "id": _NULLABLE_STRING,
        "message": {"type": "string", "description": "as `tracuu index` reports it"},
        "skipped": {"type": "boolean", "description": "false: repaired and indexed"},
    },
}
_TASK = {
    "type": "object",
    "required": ["id", "kind", "site", "status", "submitted", "finished", "counts", "problems"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": ["documents", "delete", "crawl"]},
        "site": _NULLABLE_STRING,
        "sites": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": ["queued", "processing", "succeeded", "failed"],
                   "description": "succeeded: committed to the index (survives a crash)"},
        "submitted": {"type": "string"},
        "finished": _NULLABLE_STRING,
        "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "received, indexed, deleted, problems (crawls: also fetched, unchanged)"},
        "problems": {"type": "array", "items": _PROBLEM},
        "key_id": _NULLABLE_STRING,
        "error": {**_NULLABLE_STRING, "description": "why a failed task failed"},
        "url": {"type": "string", "description": "where to ask for the status (202 answers)"},
    },
}
_AUTH_ERRORS = {
    "401": _json(_ERROR, "no key, or an unknown or revoked one"),
    "403": _json(_ERROR, "the key may not do this (a search key writing, a key of another site); nothing written"),
    "404": _json(_ERROR, "not found (or the write API is off: no ADMIN_TOKEN and no key)"),
}
# The operations name no ``security``: without ADMIN_TOKEN and without any key they answer 404
# (the write API is off), which a declared scheme's "401 without credentials" would contradict.


def _write_paths() -> dict:
    accepted = {"202": _json(_TASK, "queued; poll the task's url")}
    documents_body = {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [_RECORD, {"type": "array", "items": _RECORD}]}},
        "application/x-ndjson": {"schema": {"type": "string", "description": "one JSON record per line"}},
    }}
    doc_id = {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/documents": {"post": {
            "operationId": "pushDocuments",
            "summary": "Add or replace documents (one object, an array, or NDJSON); applied in order",
            "parameters": [_param("site", "site of records that name none", {"type": "string"})],
            "requestBody": documents_body,
            "responses": {**accepted, "400": _json(_ERROR, "the body is not JSON, or holds no valid record"),
                          **_AUTH_ERRORS, "413": _json(_ERROR, "body over WRITE_MAX_CONTENT_LENGTH")},
        }},
        "/api/documents/{doc_id}": {
            "put": {"operationId": "putDocument", "summary": "Add or replace one document",
                    "parameters": [doc_id],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _RECORD}}},
                    "responses": {**accepted, "400": _json(_ERROR, "not one valid JSON object"), **_AUTH_ERRORS}},
            "delete": {"operationId": "deleteDocument", "summary": "Delete one document",
                       "parameters": [doc_id], "responses": {**accepted, **_AUTH_ERRORS}},
            "get": {"operationId": "getDocument",
                    "summary": "The stored fields of a document (admin key, or a write key of its site)",
                    "parameters": [doc_id],
                    "responses": {"200": _json({"type": "object"}, "the stored fields"), **_AUTH_ERRORS}},
        },
        "/api/sites/{slug}/crawl": {"post": {
            "operationId": "crawlSite", "summary": "Recrawl a configured site now",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**accepted, **_AUTH_ERRORS},
        }},
        "/api/tasks/{task_id}": {"get": {
            "operationId": "getTask", "summary": "A write task: status, counts, problems",
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json(_TASK, "the task"), **_AUTH_ERRORS},
        }},
        "/api/tasks": {"get": {
            "operationId": "listTasks", "summary": "The newest tasks the key may see",
            "parameters": [_param("site", "only tasks writing this site", {"type": "string"}),
                           _param("limit", "how many", {"type": "integer", "minimum": 1, "maximum": 100,
                                                        "default": 20})],
            "responses": {"200": _json({"type": "object", "required": ["tasks"],
                                        "properties": {"tasks": {"type": "array", "items": _TASK}}}, "tasks"),
                          "400": _json(_ERROR, "limit out of range"), **_AUTH_ERRORS},
        }},
    }


SCOPE_DESCRIPTION = ("site: one site (site, or the configured default site); web: every site (or the configured "
                     "Web sites). Without scope: site when the service has a default site, else web")
SITE_DESCRIPTION = ("site slug (Site scope), or a site to narrow the Web scope to; one of the sites the index "
                    "holds (or the configured ones): another is a 400 whose message names them")


def document(server_url: str = "/", sites=()) -> dict:
    """The OpenAPI document, with the server the app is reached at and the sites it knows now
    (``Backend.known_sites``: the values ``site`` takes; none known, any string)."""
    site_schema = {"type": "string", **({"enum": sorted(sites)} if sites else {})}
    search_params = [
        _param("q", "what the visitor typed; without it (or blank) a facet filter or a date range lists "
               "the documents it selects, newest first (neither: 400)",
               {"type": "string", "maxLength": MAX_QUERY_CHARS}),
        _param("scope", SCOPE_DESCRIPTION, {"type": "string", "enum": list(SCOPES)}),
        _param("site", SITE_DESCRIPTION, site_schema),
        _param("page", f"page number (page * per_page at most {MAX_RESULTS_DEPTH})",
               {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS_DEPTH // MAX_PER_PAGE, "default": 1}),
        _param("per_page", "results per page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                                "default": 10}),
        _param("sort", "ranking", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
        _param("kind", "facet filter: kind", {"type": "string", "enum": list(KINDS)}),
        _param("doc_type", "facet filter: loại văn bản (Nghị định, Thông tư ...)", {"type": "string"}),
        _param("year", "facet filter: year published", {"type": "integer", "minimum": 1900, "maximum": 2200}),
        _param("category", "facet filter: chuyên mục", {"type": "string"}),
        _param("from", "published on or after this day (YYYY-MM-DD); at most `to`",
               {"type": "string", "format": "date"}),
        _param("to", "published on or before this day (YYYY-MM-DD); at least `from`",
               {"type": "string", "format": "date"}),
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
        "components": {"securitySchemes": {"apiKey": {
            "type": "http", "scheme": "bearer",
            "description": "Authorization: Bearer <an API key (`tracuu keys create`) or ADMIN_TOKEN>, on every "
                           "/api/documents, /api/sites and /api/tasks request; see docs/connect-your-cms.md"}}},
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
                        _param("scope", SCOPE_DESCRIPTION, {"type": "string", "enum": list(SCOPES)}),
                        _param("site", "site slug for titles (Site scope); " + SITE_DESCRIPTION.split("; ", 1)[1],
                               site_schema),
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
            **_write_paths(),
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
