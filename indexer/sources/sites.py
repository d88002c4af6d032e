"""The sites file: which department sites tracuu crawls, and how to read the odd ones.

A TOML file (``sites.toml`` in the index home by default, or ``--sites FILE``)::

    [[site]]
    slug = "sldtbxh"                      # the site's id in the index
    name = "Sở LĐ-TBXH Quảng Nam"
    base_url = "https://sldtbxh.quangnam.gov.vn/"
    start_urls = ["/tin-tuc", "/van-ban"] # optional; sitemap.xml and base_url are always tried
    follow = ["/tin-tuc*", "/van-ban*"]   # optional globs on path?query: pages whose links are followed
    articles = ["/tin-tuc/*.html"]        # optional: only these become articles
    notices = ["/van-ban/chi-tiet*"]      # optional: these become legal notices
    exclude = ["*/print/*", "*?lang=en"]  # optional: never fetched
    rate = 2.0                            # requests per second to this host (default 2)
    concurrency = 4                       # parallel fetches (default 4)
    max_pages = 5000                      # stop after this many pages per crawl
    [site.selectors]                      # optional CSS overrides of the generic extractor
    title = "h1.news-title"
    summary = ".sapo"
    body = ".news-content"
    date = ".news-date"
    meta = ".news-info"                   # where "Người đăng / Ngày đăng / Lượt xem" live
    category = ".breadcrumb li:last-child"
    captions = ".image-caption"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urljoin, urlsplit

SELECTOR_KEYS = ("title", "summary", "body", "date", "meta", "category", "captions")


class SiteConfigError(ValueError):
    """The sites file is unreadable or names a site wrongly; the message says where."""


@dataclass
class SiteConfig:
    slug: str
    base_url: str
    name: str = ""
    start_urls: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    selectors: dict = field(default_factory=dict)
    rate: float = 2.0
    concurrency: int = 4
    max_pages: int = 5000

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    def _target(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def in_site(self, url: str) -> bool:
        """Same host (and scheme-agnostic) and under the base URL's path."""
        parts, base = urlsplit(url), urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
            return False
        return parts.path.startswith(base.path.rstrip("/") or "/") or parts.path == base.path.rstrip("/")

    @staticmethod
    def _matches(patterns: list[str], target: str) -> bool:
        return any(fnmatchcase(target, p) for p in patterns)

    def allowed(self, url: str) -> bool:
        """A URL the crawler may fetch: in the site and not excluded."""
        return self.in_site(url) and not self._matches(self.exclude, self._target(url))

    def should_follow(self, url: str) -> bool:
        return not self.follow or self._matches(self.follow, self._target(url)) or self.kind_for(url) is not None

    def kind_for(self, url: str) -> str | None:
        """"legal" or "article" when the URL patterns say so, else None (let the page decide)."""
        target = self._target(url)
        if self.notices and self._matches(self.notices, target):
            return "legal"
        if self.articles and self._matches(self.articles, target):
            return "article"
        return None

    def indexable(self, url: str) -> bool:
        """Without article/notice patterns every page may be indexed (listing pages are refused by
        the extractor); with them, only matching pages are."""
        if not self.articles and not self.notices:
            return True
        return self.kind_for(url) is not None

    def seeds(self) -> list[str]:
        return [self.base_url] + [urljoin(self.base_url, u) for u in self.start_urls]


_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def site_from_url(url: str) -> SiteConfig:
    """A site config for a bare URL given on the command line: the whole host, generic extraction."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SiteConfigError(f"{url}: không phải URL http(s)")
    slug = re.sub(r"[^a-z0-9]+", "-", parts.hostname.lower().removeprefix("www.")).strip("-")
    base = f"{parts.scheme}://{parts.netloc}/"
    start = [url] if url.rstrip("/") != base.rstrip("/") else []
    return SiteConfig(slug=slug, base_url=base, name=parts.netloc, start_urls=start)


def load_sites(path) -> dict[str, SiteConfig]:
    """Every site of a sites file, by slug. A missing file means no sites."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteConfigError(f"{path}: {exc}") from None
    sites = {}
    entries = data.get("site", [])
    if not isinstance(entries, list):
        raise SiteConfigError(f"{path}: hãy viết mỗi trang thành một bảng [[site]]")
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: trang thứ {number}"
        if not isinstance(entry, dict):
            raise SiteConfigError(f"{where}: không phải một bảng")
        slug, base = entry.get("slug"), entry.get("base_url")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise SiteConfigError(f"{where}: slug chỉ gồm chữ thường, chữ số, '-' hoặc '_'")
        if not isinstance(base, str) or urlsplit(base).scheme not in ("http", "https"):
            raise SiteConfigError(f"{where} ({slug}): base_url phải là URL http(s)")
        unknown = set(entry) - {"slug", "name", "base_url", "start_urls", "follow", "articles", "notices",
                                "exclude", "selectors", "rate", "concurrency", "max_pages"}
        if unknown:
            raise SiteConfigError(f"{where} ({slug}): khóa không hợp lệ {', '.join(sorted(unknown))}")
        selectors = entry.get("selectors", {})
        bad = set(selectors) - set(SELECTOR_KEYS)
        if bad:
            raise SiteConfigError(f"{where} ({slug}): selector không hợp lệ {', '.join(sorted(bad))}")
        try:
            site = SiteConfig(
                slug=slug, base_url=base if urlsplit(base).path else base + "/", name=str(entry.get("name", slug)),
                start_urls=list(entry.get("start_urls", [])), follow=list(entry.get("follow", [])),
                articles=list(entry.get("articles", [])), notices=list(entry.get("notices", [])),
                exclude=list(entry.get("exclude", [])), selectors=dict(selectors),
                rate=float(entry.get("rate", 2.0)), concurrency=int(entry.get("concurrency", 4)),
                max_pages=int(entry.get("max_pages", 5000)),
            )
        except (TypeError, ValueError) as exc:
            raise SiteConfigError(f"{where} ({slug}): {exc}") from None
        if not (0 < site.rate <= 100 and 1 <= site.concurrency <= 32 and site.max_pages >= 1):
            raise SiteConfigError(f"{where} ({slug}): rate phải trong (0, 100], concurrency trong 1..32, max_pages >= 1")
        if slug in sites:
            raise SiteConfigError(f"{where}: slug {slug!r} bị khai báo hai lần")
        sites[slug] = site
    return sites
