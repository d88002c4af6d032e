"""The request a search answers and the result it gives, for the web app, the API and the CLI."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from ..document import KINDS
from ..errors import QueryError
from .understand import MAX_QUERY_CHARS

MAX_PER_PAGE = 100
MAX_RESULTS_DEPTH = 10_000
SCOPES = ("site", "web")
SORTS = ("relevance", "newest")
DEFAULT_TIME_LIMIT = 3.0


@dataclass
class SearchRequest:
    q: str
    scope: str = "site"
    site: str | None = None
    page: int = 1
    per_page: int = 10
    kind: str | None = None
    sort: str = "relevance"
    # Facet filters (in the Web scope ``site`` narrows to one site too).
    doc_type: str | None = None
    year: int | None = None
    category: str | None = None
    facets: bool = True  # False skips the facet counts (and lets Whoosh keep only the top hits)
    # Date range on ``published``, inclusive: ISO dates (YYYY-MM-DD), either may be None.
    date_from: str | None = None
    date_to: str | None = None

    def validate(self) -> None:
        """Raise QueryError (a message for the visitor) for any parameter out of range."""
        if self.scope not in SCOPES:
            raise QueryError(f"scope phải là một trong: {', '.join(SCOPES)}")
        if self.sort not in SORTS:
            raise QueryError(f"sort phải là một trong: {', '.join(SORTS)}")
        if self.kind is not None and self.kind not in KINDS:
            raise QueryError(f"kind phải là một trong: {', '.join(KINDS)}")
        if self.year is not None and not 1900 <= self.year <= 2200:
            raise QueryError("year phải là một năm từ 1900 đến 2200")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page phải từ 1 đến {MAX_PER_PAGE}")
        if self.page < 1 or self.page * self.per_page > MAX_RESULTS_DEPTH:
            raise QueryError(f"page phải từ 1 đến {MAX_RESULTS_DEPTH // self.per_page}")
        start, end = self.date_range()
        if start and end and start > end:
            raise QueryError("Ngày bắt đầu (from) phải trước hoặc trùng ngày kết thúc (to)")

    def date_range(self) -> tuple[date | None, date | None]:
        """The ``date_from``/``date_to`` bounds as dates; QueryError for a malformed one."""
        return (_iso_date(self.date_from, "Từ ngày (from)"), _iso_date(self.date_to, "Đến ngày (to)"))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(text: str | None, label: str) -> date | None:
    """A YYYY-MM-DD date, exactly (``date.fromisoformat`` alone also takes 20150818 and week dates)."""
    if not text:
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{label} phải là một ngày có thật, dạng YYYY-MM-DD (ví dụ 2015-08-18)") from None


@dataclass
class Hit:
    id: str
    title: str
    url: str
    site: str
    kind: str
    snippet: str
    title_html: str
    published: str | None  # ISO date; a legal text's signing date
    doc_number: str | None
    doc_type: str | None
    issuer: str | None
    category: str | None
    score: float
    # One article of a long legal text: the text's id and title, and "Điều N".
    parent_id: str | None = None
    parent_title: str | None = None
    article: str | None = None
    effective: str | None = None  # ISO date a legal text takes effect (ngày hiệu lực), when known


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    scope: str
    site: str | None
    results: list[Hit] = field(default_factory=list)
    took_ms: float = 0.0
    partial: bool = False  # the time limit cut the search short
    relaxed: bool = False  # no document had every word as typed; showing the nearest
    # How it was relaxed: "diacritics" (the words with other marks), "spelling" (the did-you-mean
    # reading, in ``corrected``), "words" (some of the words).
    relaxed_by: str | None = None
    corrected: str | None = None
    facets: dict = field(default_factory=dict)  # facet -> [{"value", "count"}], see indexer.search.facets
    suggestion: str | None = None  # "did you mean", see indexer.search.suggest
    expansions: list = field(default_factory=list)  # [{"term", "expansions"}]: abbreviations searched too
    # Milliseconds per pipeline stage (understand, stats, plan, retrieve, rerank, present), for benchmarks.
    stages: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, MAX_RESULTS_DEPTH) // self.per_page))

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("stages")
        for hit in data["results"]:
            hit.pop("title_html")
        return data


def suggest_site(q: str, scope: str, site: str | None, default_site: str | None) -> str | None:
    """The site an autocomplete request is limited to; QueryError for a bad scope or a too long q."""
    if scope not in SCOPES:
        raise QueryError(f"scope phải là một trong: {', '.join(SCOPES)}")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    return (site or default_site) if scope == "site" else None
