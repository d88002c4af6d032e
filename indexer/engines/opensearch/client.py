"""The connection to an OpenSearch cluster, and its failures said in one line.

Every call goes through ``guarded``: an unreachable or overloaded cluster becomes
``BackendUnavailable`` (the web app answers 503, the CLI prints one line), a missing
index ``IndexMissing``. A client is made per process (gunicorn forks after loading
the app: connection pools must not be shared between processes).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from ...errors import BackendUnavailable, IndexMissing, StoreError

REQUEST_TIMEOUT = 30  # seconds; searches carry their own (shorter) time limit
# A refused connection (a node down) is retried on the next node; a timeout is not (a visitor
# would wait several times the time limit).
_UNAVAILABLE_STATUS = {429, 502, 503, 504}


def hosts(url: str) -> list[str]:
    """One URL or several, comma-separated (nodes of one cluster; the client fails over)."""
    return [u.strip().rstrip("/") for u in (url or "").split(",") if u.strip()]


def describe(url: str) -> str:
    """The cluster's address without credentials, for messages."""
    from urllib.parse import urlsplit

    out = []
    for host in hosts(url):
        parts = urlsplit(host if "://" in host else f"http://{host}")
        out.append(f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 9200)}")
    return ", ".join(out)


class Connection:
    """A lazily made, per-process OpenSearch client for one cluster URL."""

    def __init__(self, url: str):
        self.url = url
        self.where = describe(url)
        self._client = None
        self._pid = None
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None or self._pid != os.getpid():
            with self._lock:
                if self._client is None or self._pid != os.getpid():
                    from opensearchpy import OpenSearch

                    self._client = OpenSearch(hosts=hosts(self.url), timeout=REQUEST_TIMEOUT, max_retries=3,
                                              retry_on_timeout=False, http_compress=True)
                    self._pid = os.getpid()
        return self._client

    @contextmanager
    def guarded(self, what: str = "gửi yêu cầu"):
        """Turn the client's exceptions into tracuu's StoreErrors."""
        from opensearchpy import exceptions as oe

        try:
            yield self.client
        except oe.NotFoundError as exc:
            if "index_not_found" in str(getattr(exc, "error", "")) or "no such index" in str(exc):
                raise IndexMissing(f"chưa có chỉ mục trên cụm OpenSearch tại {self.where}: "
                                   "hãy chạy `tracuu --backend opensearch index SOURCE` trước") from None
            raise StoreError(f"OpenSearch tại {self.where}: lỗi khi {what}: {_reason(exc)}") from None
        except (oe.ConnectionError, oe.ConnectionTimeout) as exc:
            raise BackendUnavailable(f"không kết nối được cụm OpenSearch tại {self.where} "
                                     f"({type(exc).__name__}); hãy thử lại sau") from None
        except oe.TransportError as exc:
            if exc.status_code in _UNAVAILABLE_STATUS or exc.status_code == "N/A":
                raise BackendUnavailable(f"cụm OpenSearch tại {self.where} không trả lời "
                                         f"({exc.status_code} {_reason(exc)}); hãy thử lại sau") from None
            raise StoreError(f"OpenSearch tại {self.where}: lỗi khi {what}: {exc.status_code} {_reason(exc)}") from None


def _reason(exc) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            cause = (error.get("root_cause") or [{}])[0]
            return str(cause.get("reason") or error.get("reason") or error.get("type"))[:300]
    return str(getattr(exc, "error", exc))[:300]
