"""What the search page shows before anything is typed: the scope's recent documents, its document
types with counts, the queries visitors searched most, and a placeholder drawn from the index.

Everything comes from the backend (``Backend.overview``, cached per index version like a
search) and the query log (``QueryLog.popular``, under the report's ``min_searches`` rule:
never one visitor's words). The assembled data is kept per app for ``HOME_TTL`` seconds and
index version, so the landing page costs a dictionary lookup; the log's part may lag that long.
Example searches are checked against the index before they are offered, through the unlogged
backend (``tracuu.backend``), so checking never counts as a visitor's search.
"""

from __future__ import annotations

import heapq
import threading
from dataclasses import dataclass, field

from cachetools import TTLCache
from flask import current_app

from indexer import SearchRequest, StoreError
from indexer.analysis import has_diacritics
from indexer.querylog import MIN_SEARCHES, parse_since
from indexer.search.understand import FOLDED_STOPWORDS, STOPWORDS

HOME_TTL = 300  # seconds the assembled home data is kept (the query log's part may lag this much)
POPULAR_SINCE = "4w"  # the window of "most searched"
POPULAR_SIZE = 8
# A placeholder must fit the box on a 390 px phone: "Ví dụ: " and at most this many characters.
MAX_EXAMPLES_CHARS = 28
MAX_EXAMPLE_CHECKS = 6  # searches run to check candidate examples
DEFAULT_PLACEHOLDER = "Nhập từ khóa tìm kiếm"
PLACEHOLDER_PREFIX = "Ví dụ: "


@dataclass
class Home:
    recent: list = field(default_factory=list)  # indexer Hits, newest first
    total: int = 0  # documents in the scope
    kinds: list = field(default_factory=list)  # [{"value", "count"}] of the kind facet
    doc_types: list = field(default_factory=list)  # [{"value", "count"}] of the doc_type facet
    popular: list = field(default_factory=list)  # [{"q", "searches"}]
    examples: list = field(default_factory=list)  # searches that find something, for the placeholder

    @property
    def placeholder(self) -> str:
        return PLACEHOLDER_PREFIX + ", ".join(self.examples) if self.examples else DEFAULT_PLACEHOLDER


class HomeCache:
    """Home data per (index version, scope, site), for ``HOME_TTL`` seconds."""

    def __init__(self, ttl: float = HOME_TTL):
        self._entries: TTLCache = TTLCache(maxsize=256, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            value = self._entries.get(key)
        if value is None:
            value = compute()
            with self._lock:
                self._entries[key] = value
        return value


def home_for(scope: str, site: str | None) -> Home:
    """The home data of ``scope``/``site`` (as a search reads them); an empty Home when the index
    cannot answer (nothing indexed, the engine down): the page still shows the search box."""
    backend = current_app.extensions["tracuu.backend"]
    try:
        version = backend.index_version()
    except StoreError:
        return Home()
    cache = current_app.extensions.setdefault("tracuu.home", HomeCache())
    try:
        return cache.get((version, scope, site), lambda: _build(backend, scope, site))
    except StoreError:
        return Home()


def _build(backend, scope: str, site: str | None) -> Home:
    listing = backend.overview(scope=scope, site=site)
    home = Home(recent=listing.results, total=listing.total, kinds=listing.facets.get("kind", []),
                doc_types=listing.facets.get("doc_type", []), popular=popular_queries())
    home.examples = _examples(backend, scope, site, home)
    return home


def popular_queries(limit: int = POPULAR_SIZE) -> list[dict]:
    """The most searched queries of the last weeks, under the admin report's ``min_searches``."""
    querylog = current_app.extensions.get("tracuu.querylog")
    if querylog is None:
        return []
    least = int(current_app.config.get("ADMIN_REPORT_MIN_SEARCHES") or MIN_SEARCHES)
    return querylog.popular(parse_since(POPULAR_SINCE), limit=limit, min_searches=least)


def _examples(backend, scope: str, site: str | None, home: Home) -> list[str]:
    """One or two short searches that find something in this scope: a popular query, else a
    frequent word of the index; and a legal document's number, when they fit together."""
    checks = 0

    def finds(q: str) -> bool:
        nonlocal checks
        if checks >= MAX_EXAMPLE_CHECKS:
            return False
        checks += 1
        return backend.search(SearchRequest(q=q, scope=scope, site=site, per_page=1, facets=False)).total > 0

    words = [p["q"] for p in home.popular] + _frequent_words(backend)
    word = next((w for w in words if len(w) <= MAX_EXAMPLES_CHARS and finds(w)), None)
    number = next((n for n in _numbers(backend, scope, site) if finds(n)), None)
    examples = [e for e in (word, number) if e]
    if len(examples) == 2 and len(", ".join(examples)) > MAX_EXAMPLES_CHARS:
        examples = examples[:1]
    return examples


def _numbers(backend, scope: str, site: str | None) -> list[str]:
    """Numbers of the scope's newest legal documents that fit a placeholder, shortest first."""
    legal = backend.search(SearchRequest(q="", scope=scope, site=site, kind="legal", per_page=20, facets=False))
    numbers = {h.doc_number for h in legal.results if h.doc_number and len(h.doc_number) <= MAX_EXAMPLES_CHARS}
    return sorted(numbers, key=lambda n: (len(n), n))


def _frequent_words(backend, limit: int = 3) -> list[str]:
    """The most frequent two-syllable words of the index, with their diacritics (``kết hôn``)."""
    try:
        voc = backend.vocabulary()
    except StoreError:
        return []
    if voc is None:  # a large index's vocabulary is still being built
        return []
    words = ((df, form.lower()) for key, (form, df) in voc.forms.items()
             if key.count(" ") == 1 and has_diacritics(form)
             and not any(p in FOLDED_STOPWORDS or p in STOPWORDS for p in key.split(" ") + form.lower().split(" ")))
    return [form for _, form in heapq.nlargest(limit, words)]
