"""A bounded per-process cache of search results.

On a department portal most searches repeat ("thủ tục hành chính", "tuyển dụng",
a popular document number), and a search with facets, highlights and "did you
mean" costs tens of milliseconds, so each process keeps its most recent results.

Freshness comes from the key, not from expiry: an entry is keyed by the full
request *and* the index version the searcher answering it sees, i.e. the live
generation (``CURRENT``, switched by a rebuild) plus Whoosh's TOC generation
(bumped by every commit). After a commit or a reindex the next search sees a new
version, so it can never be answered from an older one; entries of older
versions are dropped as soon as a newer version is seen.

The cache is bounded by entry count (LRU, ``cachetools``); results of a few
kilobytes each keep 1,024 entries within a few MB per worker. Results the time limit
cut short are kept as well (marked ``partial``): a repeated heavy query must not cost the
full time limit again each time (bench/speed.py showed them dominating a worker's time).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import astuple

from cachetools import LRUCache

DEFAULT_SIZE = 1024

__all__ = ["DEFAULT_SIZE", "SearchCache", "request_key"]


def request_key(request) -> tuple:
    """Every field of a SearchRequest (a dataclass), so two requests differing anywhere differ."""
    return (type(request).__name__, *astuple(request))


class SearchCache:
    """Thread-safe LRU of results keyed by (index version, request key). ``maxsize=0`` disables it."""

    def __init__(self, maxsize: int = DEFAULT_SIZE):
        self.maxsize = max(0, int(maxsize))
        self._entries: LRUCache | None = LRUCache(self.maxsize) if self.maxsize else None
        self._lock = threading.Lock()
        self._version: Hashable = None
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries) if self._entries is not None else 0

    def get_or_compute(self, version: Hashable, key: Hashable, compute: Callable[[], object],
                       keep: Callable[[object], bool] = lambda value: True):
        """The cached value for ``key`` at ``version``, else ``compute()`` (stored when ``keep`` says so).

        Values are returned as copies, so a caller changing a result cannot change the cache.
        """
        if self._entries is None:
            return compute()
        full_key = (version, key)
        with self._lock:
            if version != self._version:
                # A commit or a rebuild happened (or another thread still answers from the old
                # version for a moment): entries of other versions can never be asked for again.
                self._entries.clear()
                self._version = version
            value = self._entries.get(full_key)
            if value is not None:
                self.hits += 1
                return copy.deepcopy(value)
            self.misses += 1
        value = compute()
        if keep(value):
            stored = copy.deepcopy(value)
            with self._lock:
                if version == self._version:
                    self._entries[full_key] = stored
        return value

    def clear(self) -> None:
        with self._lock:
            if self._entries is not None:
                self._entries.clear()
            self._version = None

    def stats(self) -> dict:
        return {"size": len(self), "maxsize": self.maxsize, "hits": self.hits, "misses": self.misses}
