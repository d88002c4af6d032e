"""Crawl one site into the index: sitemap + in-site links, politely, incrementally, resumably.

The crawling thread owns the state database and the index writer (the sink);
``concurrency`` worker threads fetch and extract pages. Incremental by default:
a page answered 304 (ETag / Last-Modified) or whose extracted document hashes
as before is skipped; a changed one is replaced; one answering 404/410, or no
longer reached from the site after a complete crawl, is removed.

A long legal text is indexed as ``legal.legal_units`` cuts it: the page's document (the
parent) and one document per article (``<id>#dieu-N``). The state records the articles'
ids with the page, so they are replaced, removed and kept together with it; the hash is
of the page's document before the cut.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser

from ..document import KIND_LEGAL, Document
from ..sources.html import NotAnArticle, PageError, decode_page, extract_page
from ..sources.legal import legal_units
from ..sources.sites import SiteConfig
from .discover import Robots, sitemap_urls
from .fetch import Fetcher, FetchResult
from .state import CrawlState, PageRow

GONE = (404, 410)
_SKIP_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".jpg", ".jpeg",
             ".png", ".gif", ".webp", ".svg", ".mp3", ".mp4", ".avi", ".exe", ".css", ".js", ".ico", ".xml")


@dataclass
class CrawlReport:
    site: str
    run: int = 0
    resumed: bool = False
    complete: bool = False
    fetched: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0  # pages that are not articles or notices (listings, non-HTML)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict:
        data = asdict(self)
        data["errors"] = len(self.errors)
        return data


@dataclass
class _Outcome:
    url: str
    result: FetchResult
    doc: Document | None = None  # the page's document, before a legal text is cut into articles
    units: list[Document] = field(default_factory=list)  # what is indexed: doc, or a legal text's parent and articles
    links: list[str] = field(default_factory=list)
    problem: str = ""


def doc_hash(doc: Document) -> str:
    """What identifies a document's content: everything indexed, not the ever-changing view count."""
    data = doc.to_dict()
    data["extra"] = {k: v for k, v in data.get("extra", {}).items() if k != "views"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def page_units(doc: Document) -> list[Document]:
    """The documents a page's document is indexed as: a legal text its parent and articles, as
    ``tracuu index`` reads a saved page (``html.read_html_page``)."""
    return legal_units(doc) if doc.kind == KIND_LEGAL else [doc]


def _links(html: str, base: str, site: SiteConfig, robots: Robots) -> list[str]:
    tree = LexborHTMLParser(html)
    found = []
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base, href)).url
        if url.split("?")[0].lower().endswith(_SKIP_EXT):
            continue
        if site.allowed(url) and site.should_follow(url) and robots.allowed(url):
            found.append(url)
    return list(dict.fromkeys(found))


def _work(fetcher: Fetcher, site: SiteConfig, robots: Robots, url: str, prior: PageRow | None, full: bool) -> _Outcome:
    """Fetch and extract one page (runs in a worker thread)."""
    # A page recorded before articles were tracked is fetched anew once, so a long legal text gets cut.
    use_validators = prior is not None and not full and prior.status == 200 and prior.article_ids is not None
    result = fetcher.get(url, prior.etag if use_validators else None, prior.last_modified if use_validators else None)
    outcome = _Outcome(url, result)
    if result.status != 200:
        return outcome
    if not result.is_html:
        outcome.problem = "skip: không phải trang HTML"
        return outcome
    try:
        html = decode_page(result.content, result.charset)
    except PageError as exc:
        outcome.problem = str(exc)
        return outcome
    outcome.links = _links(html, result.final_url, site, robots)
    if not site.indexable(result.final_url):
        outcome.problem = "skip: URL không khớp mẫu bài viết hay văn bản"
        return outcome
    try:
        outcome.doc = extract_page(html, site.slug, result.final_url, site.kind_for(result.final_url),
                                   site.selectors, url=result.final_url)
        if outcome.doc.url and not site.in_site(outcome.doc.url):
            outcome.doc.url = result.final_url  # a canonical pointing elsewhere is not this page's address
            outcome.doc.id = result.final_url
        outcome.units = page_units(outcome.doc)
    except NotAnArticle as exc:
        outcome.problem = f"skip: {exc}"
    except PageError as exc:
        outcome.problem = ("" if site.kind_for(result.final_url) else "skip: ") + str(exc)
    return outcome


def crawl_site(site: SiteConfig, sink, state: CrawlState, *, full: bool = False, fetcher: Fetcher | None = None,
               on_page: Callable[[str, str], None] | None = None, on_problem: Callable[[str], None] | None = None,
               on_total: Callable[[int], None] | None = None, commit_every: int = 50) -> CrawlReport:
    """Crawl ``site`` into ``sink`` (update/delete/commit), recording progress in ``state``.

    ``full`` ignores validators and hashes (every page is re-extracted): what a rebuild wants.
    ``on_page(url, what)`` is called once per handled URL; ``on_total(n)`` when the frontier grows.
    """
    started = time.perf_counter()
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(rate=site.rate, pool=site.concurrency * 2)
    report = CrawlReport(site=site.slug)
    run, report.resumed = state.start_or_resume()
    report.run = run

    def problem(message: str) -> None:
        report.errors.append(message)
        if on_problem:
            on_problem(message)

    robots = Robots(fetcher, site.base_url)
    if robots.crawl_delay:
        fetcher.throttle.interval = max(fetcher.throttle.interval, min(robots.crawl_delay, 60.0))
    if robots.error:
        problem(robots.error)
        state.finish(run, "failed", report.counts(), report.errors)
        report.seconds = time.perf_counter() - started
        return report

    pending, known = state.frontier(run)
    if not report.resumed:
        seeds = [u for u in site.seeds() if site.allowed(u) and robots.allowed(u)]
        listed, problems = sitemap_urls(fetcher, robots.sitemaps or [urljoin(site.base_url, "/sitemap.xml")], robots)
        for message in problems:
            problem(message)
        listed = [urldefrag(u).url for u in listed]
        fresh = list(dict.fromkeys(seeds + [u for u in listed if site.allowed(u) and robots.allowed(u)]))
        state.add(run, fresh)
        pending, known = fresh, set(fresh)
    queue = deque(pending)
    handled = 0  # pages handled by this invocation: max_pages bounds each run of `tracuu crawl`
    if on_total:
        on_total(len(known))
    done: list[str] = []
    upserts: list[PageRow] = []
    deletes: list[str] = []
    seed_ok = report.resumed

    def flush() -> None:
        sink.commit()
        state.apply(run, done, upserts, deletes)
        done.clear(), upserts.clear(), deletes.clear()

    def enqueue(urls) -> None:
        fresh = [u for u in urls if u not in known]
        if fresh:
            known.update(fresh)
            queue.extend(fresh)
            state.add(run, fresh)
            if on_total:
                on_total(len(known))

    def handle(out: _Outcome, prior: PageRow | None) -> str:
        nonlocal seed_ok
        res = out.result
        if out.url == site.base_url and res.status in (200, 304):
            seed_ok = True
        if res.status and res.final_url != out.url and res.final_url not in known:
            known.add(res.final_url)  # reached by redirect: do not fetch it again
        if res.status == 304 and prior is not None:
            report.unchanged += 1
            enqueue(prior.links)
            upserts.append(PageRow(**{**prior.__dict__, "seen_run": run}))  # a broken page stays reported
            return "unchanged"
        if res.status in GONE or (res.status == 200 and not site.in_site(res.final_url)):
            if prior is not None and prior.doc_id:
                for doc_id in prior.doc_ids():
                    sink.delete(doc_id)
                report.removed += 1
            deletes.append(out.url)
            return "removed" if prior is not None and prior.doc_id else "gone"
        if res.status != 200:
            problem(f"{out.url}: {res.error or f'HTTP {res.status}'}")
            if prior is not None:
                upserts.append(PageRow(**{**prior.__dict__, "seen_run": run, "error": res.error or str(res.status)}))
            return "error"
        report.fetched += 1
        enqueue(out.links)
        row = PageRow(out.url, None, res.headers.get("etag"), res.headers.get("last-modified"), None, out.links,
                      200, run)
        if out.doc is None:
            if out.problem.startswith("skip:"):
                report.skipped += 1
                what = "skipped"
            else:
                problem(f"{out.url}: {out.problem}")
                row.error = out.problem
                what = "error"
            if prior is not None and prior.doc_id:
                # A page that held a document and is now broken keeps its old documents until fixed or gone.
                row.doc_id, row.hash, row.article_ids = prior.doc_id, prior.hash, prior.article_ids
            upserts.append(row)
            return what
        row.doc_id, row.hash, row.article_ids = out.doc.id, doc_hash(out.doc), [u.id for u in out.units[1:]]
        upserts.append(row)
        if not full and prior is not None and prior.hash == row.hash and prior.doc_id == row.doc_id and (
                prior.article_ids == row.article_ids or (prior.article_ids is None and not row.article_ids)):
            report.unchanged += 1
            return "unchanged"
        if prior is not None:
            kept = set(row.doc_ids())
            for doc_id in prior.doc_ids():
                if doc_id not in kept:  # an article the text no longer has, or the page's old id
                    sink.delete(doc_id)
        for unit in out.units:
            sink.update(unit)
        if prior is not None and prior.doc_id:
            report.updated += 1
            return "updated"
        report.added += 1
        return "added"

    try:
        with ThreadPoolExecutor(max_workers=site.concurrency, thread_name_prefix=f"crawl-{site.slug}") as pool:
            inflight: dict = {}
            while queue or inflight:
                while queue and len(inflight) < site.concurrency * 2 and handled + len(inflight) < site.max_pages:
                    url = queue.popleft()
                    prior = state.page(url)
                    inflight[pool.submit(_work, fetcher, site, robots, url, prior, full)] = (url, prior)
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for future in finished:
                    url, prior = inflight.pop(future)
                    try:
                        what = handle(future.result(), prior)
                    except Exception as exc:  # a bug in extraction must not stop the crawl
                        problem(f"{url}: {type(exc).__name__}: {exc}")
                        what = "error"
                    done.append(url)
                    handled += 1
                    if on_page:
                        on_page(url, what)
                if len(done) >= commit_every:
                    flush()
        flush()
        report.complete = not queue
        if report.complete and seed_ok:
            # Pages not reached this time have left the site (or its patterns, or robots.txt allows them no more).
            keep = state.doc_ids_seen(run)
            for row in state.unseen(run):
                if row.doc_id and row.doc_id not in keep:
                    for doc_id in row.doc_ids():
                        if doc_id not in keep:
                            sink.delete(doc_id)
                    report.removed += 1
                    if on_page:
                        on_page(row.url, "removed")
                deletes.append(row.url)
        flush()
    except BaseException:
        sink.cancel()
        raise
    finally:
        if own_fetcher:
            fetcher.close()
    report.seconds = time.perf_counter() - started
    if report.complete:
        state.finish(run, "done", report.counts(), report.errors)
    else:
        state.pause(run, report.counts(), report.errors)  # max_pages reached: the next crawl resumes
    return report


def fetch_documents(urls, sites=None, fetcher: Fetcher | None = None):
    """Documents (or SourceProblems) from single page URLs, no link following: ``tracuu index URL``
    (a long legal text: its parent and one per article).

    A URL under a configured site's base URL uses that site's slug, patterns and selectors;
    robots.txt is respected as in a crawl.
    """
    from ..sources.problems import SourceProblem
    from ..sources.sites import site_from_url

    fetcher = fetcher or Fetcher()
    robots_by_host: dict[str, Robots] = {}
    try:
        for url in urls:
            site = next((s for s in (sites or {}).values() if s.in_site(url)), None) or site_from_url(url)
            robots = robots_by_host.get(site.base_url) or Robots(fetcher, site.base_url)
            robots_by_host[site.base_url] = robots
            if not robots.allowed(url):
                yield SourceProblem(url, None, robots.error or "robots.txt không cho phép tải")
                continue
            out = _work(fetcher, site, robots, url, None, True)
            if out.doc is not None:
                yield from out.units
            elif out.result.status != 200:
                yield SourceProblem(url, None, out.result.error or f"HTTP {out.result.status}")
            else:
                yield SourceProblem(url, None, out.problem.removeprefix("skip: ") or "không tìm thấy bài")
    finally:
        fetcher.close()
