"""The engines: one object that searches and writes, whatever engine serves it.

The web app and the CLI get a backend from their settings (``open_backend``) and call
only the methods of ``indexer.engines.base.Backend``; neither knows which engine
answers. Two engines, siblings that never import each other:

* ``whoosh`` (the default): the embedded index under ``INDEX_DIR`` (``engines.whoosh``).
* ``opensearch``: an OpenSearch cluster (``engines.opensearch``), for portals that
  outgrow one machine.

The Vietnamese analysis, the search pipeline (understanding, planning, re-ranking,
presenting) and suggestions are the same Python code for both (``indexer.search``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BackendUnavailable, StoreError
from .base import Backend

BACKENDS = ("whoosh", "opensearch")
DEFAULT_OPENSEARCH_INDEX = "tracuu"

__all__ = ["BACKENDS", "Backend", "BackendSettings", "BackendUnavailable", "open_backend"]


@dataclass
class BackendSettings:
    """What selects and configures a backend (CLI options, the app's config, the environment)."""

    backend: str = "whoosh"
    index_dir: str | Path = "index_data"  # Whoosh's index home; for OpenSearch: crawl states and the query log
    opensearch_url: str | None = None  # one URL or several, comma-separated (nodes of one cluster)
    opensearch_index: str = DEFAULT_OPENSEARCH_INDEX  # the alias searched; full rebuilds switch it
    opensearch_shards: int = 1  # of indexes this backend creates
    opensearch_replicas: int | None = None  # None: 0 on one node, 1 when there are more (auto_expand_replicas)
    default_site: str | None = None
    time_limit: float = 3.0
    web_sites: list[str] = field(default_factory=list)
    cache_size: int = 1024
    synonyms: object = None  # a list of synonyms files, or a ready indexer.synonyms.Synonyms

    @classmethod
    def from_config(cls, config: Mapping) -> "BackendSettings":
        """From the web app's config keys (BACKEND, OPENSEARCH_URL, OPENSEARCH_INDEX, INDEX_DIR ...)."""
        synonyms = config.get("SYNONYMS_FILES") or []
        return cls(
            backend=str(config.get("BACKEND") or "whoosh").strip().lower(),
            index_dir=config.get("INDEX_DIR") or "index_data",
            opensearch_url=config.get("OPENSEARCH_URL") or None,
            opensearch_index=config.get("OPENSEARCH_INDEX") or DEFAULT_OPENSEARCH_INDEX,
            opensearch_shards=int(config.get("OPENSEARCH_SHARDS") or 1),
            opensearch_replicas=(None if config.get("OPENSEARCH_REPLICAS") in (None, "", "auto")
                                 else int(config.get("OPENSEARCH_REPLICAS"))),
            default_site=config.get("DEFAULT_SITE"),
            time_limit=float(config.get("SEARCH_TIME_LIMIT", 3.0)),
            web_sites=list(config.get("WEB_SITES") or []),
            cache_size=int(config.get("SEARCH_CACHE_SIZE", 1024)),
            synonyms=[synonyms] if isinstance(synonyms, str) else list(synonyms),
        )


def open_backend(settings: BackendSettings | None = None, **overrides) -> Backend:
    """The backend the settings select (``BackendSettings`` fields may be given as keywords)."""
    settings = settings or BackendSettings()
    for key, value in overrides.items():
        setattr(settings, key, value)
    kind = (settings.backend or "whoosh").strip().lower()
    if kind == "whoosh":
        from .whoosh import WhooshBackend

        return WhooshBackend.from_settings(settings)
    if kind == "opensearch":
        if not settings.opensearch_url:
            raise StoreError("the opensearch backend needs a cluster URL: --opensearch-url URL "
                             "(env TRACUU_OPENSEARCH_URL, or OPENSEARCH_URL in the config file)")
        from .opensearch import OpenSearchBackend

        return OpenSearchBackend(settings)
    raise StoreError(f"unknown backend {settings.backend!r}: choose one of {', '.join(BACKENDS)}")
