"""Listing without words: the documents a scope and its filters select, newest first.

A request with an empty ``q`` is not a search but a listing: the home page's recent documents
and type counts (``overview``), and a facet link followed without words (``kind=legal``,
``doc_type=Nghị định``). It is planned as ``Every`` document under the same filters a search
uses, sorted by date on either engine, with the facet counts of every listed document.
A listing shows whole documents: the articles a long legal text was cut into
(``parent_id``) stay out, so "Nghị định 12" counts twelve texts and its link lists them.
"""

from __future__ import annotations

import time
from dataclasses import replace

from . import plan, present
from .request import SearchRequest, SearchResult
from .understand import parse

# Every document that is not an article of a longer legal text.
WHOLE_DOCUMENTS = plan.AndNot(plan.Every(), plan.Wildcard("parent_id", "*"))
OVERVIEW_SIZE = 8  # recent documents on the home page


def has_filter(request: SearchRequest) -> bool:
    """Whether the visitor picked a facet value or dates (what a facet link without words lists)."""
    return any((request.kind, request.doc_type, request.year, request.category, request.date_from,
                request.date_to))


def is_listing(request: SearchRequest) -> bool:
    """No words to search: the request lists documents instead."""
    return not (request.q or "").strip()


def listing(engine, request: SearchRequest, result: SearchResult, allow: plan.Node | None) -> SearchResult:
    """``result`` filled with the page of documents ``allow`` (the scope's and the filters' node, as
    the pipeline builds it for a search) lets through, newest first whatever ``request.sort``
    says: no words, no relevance."""
    started = time.perf_counter()
    found = engine.retrieve(WHOLE_DOCUMENTS, allow, replace(request, sort="newest"))
    result.total, result.partial, result.facets = found.total, found.partial, found.facets
    result.stages["retrieve"] = round((time.perf_counter() - started) * 1000, 3)
    nothing = parse("", engine.synonyms)  # no words: snippets are the opening of the text, unmarked
    result.results = [present.hit(candidate, nothing) for candidate in found.candidates]
    result.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def overview(engine, scope: str = "site", site: str | None = None, limit: int = OVERVIEW_SIZE) -> SearchResult:
    """The newest ``limit`` documents of the scope (the Site scope's site, or every site of the Web
    scope; ``site`` narrows either, as in a search) with the kind and type counts of all of them.
    Through ``engine.search``, so it is cached per index version like any search."""
    return engine.search(SearchRequest(q="", scope=scope, site=site, sort="newest", per_page=limit))
