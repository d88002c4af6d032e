"""Writing, engine-neutral: the reports writers give and the steps both engines' writers share.

Each engine writes its own way (``indexer.engines.whoosh.writing``,
``indexer.engines.opensearch.writing``); what a run reports, how many processes analyze
a big load, and how a full rebuild crawls its sites are the same for both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import StoreError
from .sources import SourceProblem

# Below this many documents, starting worker processes (each loads pyvi) costs more than it saves.
PARALLEL_THRESHOLD = 400


def default_procs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass
class IndexReport:
    indexed: int = 0
    problems: list[SourceProblem] = field(default_factory=list)
    seconds: float = 0.0
    chars: int = 0

    @property
    def skipped(self) -> int:
        return sum(1 for p in self.problems if p.skipped)

    @property
    def repaired(self) -> int:
        return sum(1 for p in self.problems if not p.skipped)

    @property
    def docs_per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0


@dataclass
class ReindexReport:
    generation: str = ""
    documents: int = 0
    from_sources: int = 0
    from_crawls: int = 0
    copied: int = 0
    problems: list[str] = field(default_factory=list)
    crawls: list = field(default_factory=list)
    removed_orphans: list[str] = field(default_factory=list)
    seconds: float = 0.0


def crawl_for_rebuild(root, sites, sink, report, fresh_sites: set, new_states: list,
                      on_problem=None, on_total=None, commit_every: int = 50) -> None:
    """Crawl each site in full into a rebuild's ``sink`` (either engine), its state in a
    ``.rebuild`` file listed in ``new_states`` (temporary, final) to move in after the switch.

    A site that is down (or bigger than max_pages) must not replace its documents with a partial
    set: StoreError gives up the rebuild, and the live index keeps serving.
    """
    from .crawl import CrawlState, crawl_site, state_path

    for site in sites:
        tmp = state_path(root, site.slug).with_suffix(".rebuild")
        new_states.append((tmp, state_path(root, site.slug)))
        state = CrawlState(tmp)
        try:
            before = sink.updated
            crawled = crawl_site(site, sink, state, full=True, on_problem=on_problem, on_total=on_total,
                                 commit_every=commit_every)
        finally:
            state.close()
        report.crawls.append(crawled)
        if not crawled.complete or (crawled.fetched == 0 and crawled.errors):
            why = (crawled.errors[0] if crawled.fetched == 0 and crawled.errors
                   else f"stopped after max_pages={site.max_pages} pages")
            raise StoreError(f"the crawl of {site.slug} did not complete ({why}); "
                             "the rebuild was abandoned and the live index is unchanged")
        report.from_crawls += sink.updated - before
        fresh_sites.add(site.slug)
