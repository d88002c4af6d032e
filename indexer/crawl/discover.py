"""What a site lets us fetch and where its pages are: robots.txt, sitemaps and feeds.

robots.txt is read with protego, as search engines read it (RFC 9309): ``*`` and ``$`` in
paths, the longest matching rule wins and ``Allow`` wins a tie, the group of our user agent or
else ``*``, ``Crawl-delay`` and ``Request-rate``. (``urllib.robotparser`` only compares
prefixes, in file order.)

Sitemaps are read with ultimate-sitemap-parser (usp): XML sitemaps and sitemap indexes, gzip,
plain-text lists, RSS 2.0 and Atom feeds. usp fetches through ``_PoliteClient``, which hands
it our Fetcher's answers (the per-host pace, retries, size limit and user agent), refuses
what robots.txt disallows, and stops at ``MAX_SITEMAPS`` files; at most ``MAX_SITEMAP_URLS``
addresses are kept.
"""

from __future__ import annotations

import gzip
import io
import logging
from urllib.parse import urljoin

from protego import Protego
from usp.fetch_parse import SitemapFetcher
from usp.objects.sitemap import InvalidSitemap
from usp.web_client.abstract_client import AbstractWebClient, AbstractWebClientSuccessResponse, WebClientErrorResponse

from .fetch import USER_AGENT, Fetcher, FetchResult

MAX_SITEMAPS = 50
MAX_SITEMAP_URLS = 50_000
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: crawlers read at least the first 500 KiB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024

# usp logs every failed fetch as a warning: kept for an application that configures logging,
# not printed by Python's last-resort handler (the crawl reports its problems itself).
logging.getLogger("usp").addHandler(logging.NullHandler())


class Robots:
    """robots.txt rules for one site. RFC 9309: a 4xx robots.txt allows everything; an unreachable
    or 5xx one allows nothing (we try again next crawl)."""

    def __init__(self, fetcher: Fetcher, base_url: str, agent: str = USER_AGENT):
        self.agent = agent.split("/")[0]
        self.url = urljoin(base_url, "/robots.txt")
        self.error = ""
        self.rules: Protego | None = None
        self.allow_all = False
        result = fetcher.get(self.url)
        if result.status == 200:
            self.rules = Protego.parse(result.content[:MAX_ROBOTS_BYTES].decode("utf-8", "replace"))
        elif 400 <= result.status < 500:
            self.allow_all = True
        else:
            self.error = f"không tải được robots.txt ({result.error or result.status}): không tải trang nào"

    def allowed(self, url: str) -> bool:
        if self.rules is None:
            return self.allow_all
        return self.rules.can_fetch(url, self.agent)

    @property
    def crawl_delay(self) -> float | None:
        """Seconds between requests the site asks for: ``Crawl-delay``, or ``Request-rate: n/s``."""
        if self.rules is None:
            return None
        delays = [self.rules.crawl_delay(self.agent) or 0.0]
        rate = self.rules.request_rate(self.agent)
        if rate and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays) or None

    @property
    def sitemaps(self) -> list[str]:
        return list(self.rules.sitemaps) if self.rules is not None else []


class _Answer(AbstractWebClientSuccessResponse):
    """A page our Fetcher got, as usp reads it (gzip recognized by its bytes, whatever its name)."""

    def __init__(self, result: FetchResult):
        self.result = result
        content = result.content
        if content[:2] == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(content)) as unzipped:
                    content = unzipped.read(MAX_UNZIPPED_BYTES)
            except (OSError, EOFError):
                pass  # usp reports it as unreadable
        self.content = content

    def status_code(self) -> int:
        return self.result.status

    def status_message(self) -> str:
        return "OK"

    def header(self, case_insensitive_name: str) -> str | None:
        if case_insensitive_name.lower() == "content-type" and self.content is not self.result.content:
            return "application/xml"  # already unzipped: usp must not try again
        return self.result.headers.get(case_insensitive_name.lower())

    def raw_data(self) -> bytes:
        return self.content

    def url(self) -> str:
        return self.result.final_url or self.result.url


class _PoliteClient(AbstractWebClient):
    """usp's web client: our Fetcher, robots.txt, and a bound on the number of files."""

    def __init__(self, fetcher: Fetcher, robots: Robots | None):
        self.fetcher = fetcher
        self.robots = robots
        self.fetched: list[str] = []
        self.failures: dict[str, tuple[int, str]] = {}  # url -> (status, why)

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        pass  # the Fetcher has its own limit

    def get(self, url: str):
        if url in self.fetched:
            self.failures.setdefault(url, (0, ""))  # listed twice: read once
            return WebClientErrorResponse("already read", retryable=False)
        if self.robots is not None and not self.robots.allowed(url):
            self.failures[url] = (0, "")  # not ours to read: not a problem
            return WebClientErrorResponse("disallowed by robots.txt", retryable=False)
        if len(self.fetched) >= MAX_SITEMAPS:
            self.failures[url] = (0, f"không đọc (quá {MAX_SITEMAPS} sitemap)")
            return WebClientErrorResponse("too many sitemaps", retryable=False)
        self.fetched.append(url)
        result = self.fetcher.get(url)
        if result.ok:
            return _Answer(result)
        why = f"không tải được sitemap ({result.error or result.status})"
        self.failures[url] = (result.status, why)
        return WebClientErrorResponse(why, retryable=False)  # the Fetcher has retried already


def sitemap_urls(fetcher: Fetcher, roots: list[str], robots: Robots | None = None) -> tuple[list[str], list[str]]:
    """Page URLs listed by the sitemaps and feeds (following sitemap indexes); returns (urls, problems)."""
    client = _PoliteClient(fetcher, robots)
    urls: list[str] = []
    problems: list[str] = []
    for root in dict.fromkeys(roots):
        if len(urls) >= MAX_SITEMAP_URLS:
            break
        try:
            tree = SitemapFetcher(url=root, recursion_level=0, web_client=client).sitemap()
        except Exception as exc:  # usp refuses some URLs (not http, a loop) by raising
            problems.append(f"{root}: sitemap không đọc được ({exc})")
            continue
        for sitemap in tree.all_sitemaps() if not isinstance(tree, InvalidSitemap) else [tree]:
            if isinstance(sitemap, InvalidSitemap):
                problems.extend(_problem(sitemap, client))
        if isinstance(tree, InvalidSitemap):
            continue
        for page in tree.all_pages():
            if len(urls) >= MAX_SITEMAP_URLS:
                break
            urls.append(page.url)
    return list(dict.fromkeys(urls)), problems


def _problem(sitemap: InvalidSitemap, client: _PoliteClient) -> list[str]:
    url = sitemap.url
    status, why = client.failures.get(url, (None, ""))
    if status is None:
        return [f"{url}: sitemap không đọc được ({sitemap.reason})"]
    if not why or (status == 404 and url.endswith("/sitemap.xml")):
        return []  # disallowed, or no sitemap where we guessed one: fine
    return [f"{url}: {why}"]
