"""The search pipeline: one function a query goes through, top to bottom, on either engine.

understand (``understand.parse``: the visitor's text, no engine types) -> plan
(``plan.build``: what must match and what scores) -> retrieve (the engine: candidates,
totals, facet counts) -> rerank (``rerank.rerank``: the best candidates reordered by
their text) -> present (``present.hit``: snippets and title marks; did-you-mean).

``search`` answers from the engine's cache when the same request was answered at the
same index version; ``answer`` is the pipeline itself.
"""

from __future__ import annotations

import time

from ..analysis import fold
from . import browse, plan, present, suggest
from .cache import request_key
from .request import SearchRequest, SearchResult
from .rerank import Idf, rerank
from .understand import join_words, parse

# Fewer results than this, and a spelling correction that finds CORRECTION_MARGIN times as many,
# and the correction is what the visitor meant.
FEW_RESULTS = 5
CORRECTION_MARGIN = 10
# What an engine's ``index_version`` says when there is no version to cache under.
NO_VERSION = ("none", "unavailable")


def search(engine, request: SearchRequest) -> SearchResult:
    """The result of ``request`` on ``engine`` (an ``indexer.engines.base.Backend``)."""
    request.validate()
    started = time.perf_counter()
    version = engine.index_version()
    if version in NO_VERSION:
        return answer(engine, request)  # raises the engine's clear error, unless nothing was asked
    # Time-limited (partial) results are kept too: the heaviest queries are the ones that must
    # not cost the time limit again on every repeat.
    result = engine.cache.get_or_compute(version, request_key(request), lambda: answer(engine, request))
    # Outside the cache: cheap, and ready only once a large index's vocabulary is built.
    vocabulary = engine.vocabulary(version=version)
    if result.suggestion is None and vocabulary is not None:  # answer() may have read it already
        result.suggestion = suggest.did_you_mean(vocabulary, request.q, engine.synonyms)
    result.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def answer(engine, request: SearchRequest) -> SearchResult:
    """The pipeline, uncached."""
    started = clock = time.perf_counter()
    stages = {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = round((now - clock) * 1000, 3)
        clock = now

    site = (request.site or engine.default_site) if request.scope == "site" else None
    site_filter = site or (request.site if request.scope == "web" else None)
    result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page,
                          scope=request.scope, site=site, stages=stages)
    date_from, date_to = request.date_range()
    allow = plan.filters(kind=request.kind, doc_type=request.doc_type, year=request.year, site=site_filter,
                         category=request.category,
                         sites=engine.web_sites if request.scope == "web" and not site_filter else (),
                         date_from=date_from, date_to=date_to)
    if browse.is_listing(request):  # no words: the documents the scope and filters select, newest first
        return browse.listing(engine, request, result, allow)

    # Understand
    parsed = parse(request.q, engine.synonyms)
    result.expansions = parsed.expansions
    lap("understand")
    if parsed.empty:
        return result

    # Plan
    stats = engine.term_stats(parsed)
    lap("stats")  # the engine's: a request to an OpenSearch node
    join_words(parsed, stats.doc_frequency, doc_count=stats.doc_count())
    parsed.reading = "exact" if parsed.typed_marks else "folded"
    first = plan.build(parsed, stats=stats, exact=parsed.reading == "exact")
    lap("plan")

    # Retrieve: every unit required, as typed. Nothing found (or next to nothing, where the
    # did-you-mean reading finds far more): the did-you-mean reading (a typo),
    # then the words with any diacritics (lookalikes), then any unit; each a relaxation the result
    # owns up to. Questions start with any unit.
    found = engine.retrieve(first, allow, request)
    relaxed_by = "words" if plan.is_relaxed_from_start(parsed) else None
    if (found.total < FEW_RESULTS or parsed.typed_marks) and not plan.is_relaxed_from_start(parsed):
        spelled = _spelled(engine, request, result, parsed, found, stats, allow)
        if spelled is not None:
            found, parsed, result.corrected = spelled
            relaxed_by = "spelling"
    if found.total == 0 and parsed.reading == "exact":
        parsed.reading = "folded"
        join_words(parsed, stats.doc_frequency, folded=True, doc_count=stats.doc_count())
        found = engine.retrieve(plan.build(parsed, stats=stats, exact=False), allow, request)
        relaxed_by = "diacritics"
    if found.total == 0 and plan.needs_fallback(parsed):
        found = engine.retrieve(plan.build(parsed, require_all=False, stats=stats, exact=False), allow, request)
        relaxed_by = "words"
    if found.total > 0 and relaxed_by:
        result.relaxed, result.relaxed_by = True, relaxed_by
    result.total, result.partial, result.facets = found.total, found.partial, found.facets
    lap("retrieve")

    # Rerank: by relevance, the engine gave the best candidates, not yet the page
    hits = found.candidates
    if request.sort == "relevance":
        start = (request.page - 1) * request.per_page
        hits = rerank(hits, parsed, Idf.of(stats))[start:start + request.per_page]
    lap("rerank")

    # Present
    result.results = [present.hit(candidate, parsed) for candidate in hits]
    lap("present")
    result.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def _spelled(engine, request, result, parsed, found, stats, allow):
    """``(found, parsed, corrected)`` of the did-you-mean reading when it is what the visitor
    meant: the typed query found next to nothing and the correction finds CORRECTION_MARGIN times
    as much, or only the marks were wrong ("tiếp cân") and it finds at least as much; else None."""
    corrected = _spelling(engine, request.q)
    if corrected is None:
        return None
    result.suggestion = corrected  # search() need not compute it again
    marks_only = fold(corrected.lower()) == fold(parsed.text.lower())
    if not (found.total < FEW_RESULTS or marks_only):
        return None
    fixed = parse(corrected, engine.synonyms)
    join_words(fixed, stats.doc_frequency, doc_count=stats.doc_count())
    fixed.reading = "exact" if fixed.typed_marks else "folded"
    retry = engine.retrieve(plan.build(fixed, stats=stats, exact=fixed.reading == "exact"), allow, request)
    if retry.total > 0 and (found.total == 0 or retry.total >= CORRECTION_MARGIN * found.total
                            or (marks_only and retry.total >= found.total)):
        return retry, fixed, corrected
    return None


def _spelling(engine, q: str) -> str | None:
    """The did-you-mean reading of ``q``, when the engine's vocabulary is ready and has one."""
    try:
        vocabulary = engine.vocabulary()
    except Exception:  # no vocabulary, no correction: the search goes on without it
        return None
    return suggest.did_you_mean(vocabulary, q, engine.synonyms) if vocabulary is not None else None
