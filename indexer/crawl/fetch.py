"""Polite HTTP fetching: one requests Session, retries with backoff, timeouts, a per-host pace.

urllib3's ``Retry`` retries connection errors and 429/5xx answers with
exponential backoff (honouring ``Retry-After``); requests follows redirects
(at most ``MAX_REDIRECTS``). ``HostThrottle`` keeps at most ``rate`` requests a
second per host, whatever the number of worker threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "tracuu-crawler/0.1 (+site search for government department websites)"
TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
MAX_REDIRECTS = 5
MAX_BYTES = 20 * 1024 * 1024
MAX_RETRY_AFTER = 30.0  # seconds


@dataclass
class FetchResult:
    url: str  # what was asked for
    final_url: str = ""  # after redirects
    status: int = 0  # 0: no answer (network error, timeout, too big)
    headers: dict = field(default_factory=dict)
    content: bytes = b""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def charset(self) -> str | None:
        ctype = self.headers.get("content-type", "")
        for part in ctype.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"\'')
        return None

    @property
    def is_html(self) -> bool:
        ctype = self.headers.get("content-type", "").lower()
        return not ctype or "html" in ctype


class _Retry(Retry):
    """urllib3's Retry, but a server asking for a long ``Retry-After`` waits at most MAX_RETRY_AFTER."""

    def get_retry_after(self, response):
        value = super().get_retry_after(response)
        return None if value is None else min(value, MAX_RETRY_AFTER)


class HostThrottle:
    """At most ``rate`` request starts per second per host, shared by every thread."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.interval
        if start > now:
            time.sleep(start - now)


class Fetcher:
    def __init__(self, rate: float = 2.0, retries: int = 3, backoff: float = 0.5, timeout=TIMEOUT,
                 user_agent: str = USER_AGENT, pool: int = 8):
        self.throttle = HostThrottle(rate)
        self.timeout = timeout
        retry = _Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                      status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET", "HEAD"),
                      respect_retry_after_header=True, raise_on_status=False, redirect=MAX_REDIRECTS)
        self.session = requests.Session()
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers.update({"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.5",
                                     "Accept-Language": "vi,en;q=0.5"})
        adapter = HTTPAdapter(max_retries=retry, pool_connections=pool, pool_maxsize=pool)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (conditionally when validators are given); never raises for network trouble."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.throttle.wait(url)
        result = FetchResult(url=url, final_url=url)
        try:
            with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as response:
                result.final_url = response.url
                result.status = response.status_code
                result.headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code == 200:
                    chunks, size = [], 0
                    for chunk in response.iter_content(64 * 1024):
                        size += len(chunk)
                        if size > MAX_BYTES:
                            return FetchResult(url, response.url, 0, result.headers,
                                               error=f"lớn hơn {MAX_BYTES // (1024 * 1024)} MB")
                        chunks.append(chunk)
                    result.content = b"".join(chunks)
        except requests.TooManyRedirects:
            result.status, result.error = 0, f"chuyển hướng quá {MAX_REDIRECTS} lần"
        except requests.RequestException as exc:
            result.status, result.error = 0, _short(exc)
        return result

    def close(self) -> None:
        self.session.close()


def _short(exc: Exception) -> str:
    text = str(exc)
    name = type(exc).__name__
    if "Max retries exceeded" in text:
        reason = text.split("Caused by", 1)[-1].strip(" ()'\"")
        return f"{name}: bỏ cuộc sau nhiều lần thử lại ({reason[:160]})"
    return f"{name}: {text[:200]}"
