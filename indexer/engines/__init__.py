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

from ..errors import BackendUnavailable, StoreError
from .base import Backend, BackendSettings

BACKENDS = ("whoosh", "opensearch")

__all__ = ["BACKENDS", "Backend", "BackendSettings", "BackendUnavailable", "open_backend"]


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
            raise StoreError("máy tìm kiếm opensearch cần URL của cụm: --opensearch-url URL "
                             "(biến môi trường TRACUU_OPENSEARCH_URL, hoặc OPENSEARCH_URL trong tệp cấu hình)")
        from .opensearch import OpenSearchBackend

        return OpenSearchBackend(settings)
    raise StoreError(f"không có máy tìm kiếm {settings.backend!r}: chọn một trong {', '.join(BACKENDS)}")
