"""What a site lets us fetch and where its pages are: robots.txt and sitemap.xml.

robots.txt is read with the standard library's ``urllib.robotparser`` (fetched
through our polite Fetcher); sitemaps and sitemap indexes with ElementTree
(the expat shipped with Python 3.11 refuses entity-expansion bombs). Both are
bounded: at most ``MAX_SITEMAPS`` files and ``MAX_SITEMAP_URLS`` addresses.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

from .fetch import USER_AGENT, Fetcher

MAX_SITEMAPS = 50
MAX_SITEMAP_URLS = 50_000


class Robots:
    """robots.txt rules for one site. RFC 9309: a 4xx robots.txt allows everything; an unreachable
    or 5xx one allows nothing (we try again next crawl)."""

    def __init__(self, fetcher: Fetcher, base_url: str, agent: str = USER_AGENT):
        self.agent = agent.split("/")[0]
        self.url = urljoin(base_url, "/robots.txt")
        self.parser = RobotFileParser(self.url)
        self.error = ""
        result = fetcher.get(self.url)
        if result.status == 200:
            text = result.content.decode("utf-8", "replace")
            self.parser.parse(text.splitlines())
        elif 400 <= result.status < 500:
            self.parser.allow_all = True
        else:
            self.parser.disallow_all = True
            self.error = f"robots.txt unreachable ({result.error or result.status}): nothing fetched"

    def allowed(self, url: str) -> bool:
        return self.parser.can_fetch(self.agent, url)

    @property
    def crawl_delay(self) -> float | None:
        delay = self.parser.crawl_delay(self.agent)
        return float(delay) if delay else None

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.site_maps() or [])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sitemap_urls(fetcher: Fetcher, roots: list[str], robots: Robots | None = None) -> tuple[list[str], list[str]]:
    """Page URLs listed by the sitemaps (following sitemap indexes); returns (urls, problems)."""
    queue, seen, urls, problems = list(dict.fromkeys(roots)), set(), [], []
    while queue and len(seen) < MAX_SITEMAPS and len(urls) < MAX_SITEMAP_URLS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if robots is not None and not robots.allowed(url):
            continue
        result = fetcher.get(url)
        if result.status == 404 and url.endswith("/sitemap.xml"):
            continue  # no sitemap is fine
        if not result.ok:
            problems.append(f"{url}: sitemap not fetched ({result.error or result.status})")
            continue
        content = result.content
        if content[:2] == b"\x1f\x8b":
            try:
                content = gzip.decompress(content)[: 50 * 1024 * 1024]
            except (OSError, EOFError) as exc:
                problems.append(f"{url}: bad gzip sitemap ({exc})")
                continue
        try:
            root = ET.fromstring(content)
        except ET.ParseError as exc:
            problems.append(f"{url}: unreadable sitemap ({exc})")
            continue
        is_index = _local(root.tag) == "sitemapindex"
        for loc in root.iter():
            if _local(loc.tag) != "loc" or not (loc.text or "").strip():
                continue
            target = urljoin(url, loc.text.strip())
            if is_index:
                queue.append(target)
            elif len(urls) < MAX_SITEMAP_URLS:
                urls.append(target)
    return urls, problems
