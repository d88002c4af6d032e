"""Crawling department sites: polite fetching, robots.txt and sitemaps, incremental resumable runs."""

from .crawler import CrawlReport, crawl_site, doc_hash, fetch_documents
from .fetch import Fetcher, FetchResult
from .state import CrawlState, compare_crawls, crawl_summaries, state_path

__all__ = ["CrawlReport", "CrawlState", "Fetcher", "compare_crawls", "crawl_summaries", "FetchResult", "crawl_site", "doc_hash", "fetch_documents", "state_path"]
