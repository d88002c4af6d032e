"""Writing, engine-neutral: the reports writers give and the steps both engines' writers share.

Each engine writes its own way (``indexer.engines.whoosh.writing``,
``indexer.engines.opensearch.writing``); what a run reports, how many processes analyze
a big load, what a sink counts, and the steps of a full rebuild (``full_rebuild``) are the
same for both.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StoreError
from .sources import SourceProblem

if TYPE_CHECKING:
    from .document import Document

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


def indexed_chars(doc: Document) -> int:
    """The characters of ``doc`` a report counts (``IndexReport.chars``)."""
    return len(doc.body) + len(doc.title) + len(doc.summary)


def documents_only(items: Iterable[Document | SourceProblem], report: IndexReport,
                   on_problem: Callable[[SourceProblem], None] | None = None) -> Iterator[Document]:
    """The Documents among ``items``; each SourceProblem is kept in ``report.problems`` and told to
    ``on_problem`` as it comes, so problems are reported in the order the source gives them."""
    for item in items:
        if isinstance(item, SourceProblem):
            report.problems.append(item)
            if on_problem:
                on_problem(item)
        else:
            yield item


class Sink:
    """Where a crawl or a rebuild puts documents: ``update``, ``delete``, ``commit`` and ``cancel``
    are each engine's own; the counts its report reads and the ``on_document`` callback are shared."""

    def __init__(self, on_document: Callable[[Document], None] | None = None):
        self.on_document = on_document
        self.updated = 0
        self.deleted = 0
        self.chars = 0

    def counted(self, doc: Document) -> None:
        """Count a document ``update`` has written and tell ``on_document``."""
        self.updated += 1
        self.chars += indexed_chars(doc)
        if self.on_document:
            self.on_document(doc)


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
        before = sink.updated
        with CrawlState(tmp) as state:
            crawled = crawl_site(site, sink, state, full=True, on_problem=on_problem, on_total=on_total,
                                 commit_every=commit_every)
        report.crawls.append(crawled)
        if not crawled.complete or (crawled.fetched == 0 and crawled.errors):
            why = (crawled.errors[0] if crawled.fetched == 0 and crawled.errors
                   else f"dừng sau max_pages={site.max_pages} trang")
            raise StoreError(f"lần thu thập {site.slug} không xong ({why}); "
                             "đã bỏ việc dựng lại, chỉ mục đang dùng không thay đổi")
        report.from_crawls += sink.updated - before
        fresh_sites.add(site.slug)


# A crawl state is an SQLite database in WAL mode: beside it, its write-ahead log and shared memory.
_SQLITE_SIDE_FILES = ("-wal", "-shm")


def _unlink(path, suffixes) -> None:
    for suffix in suffixes:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def remove_rebuild_leftovers(root) -> None:
    """Remove the temporary crawl states of a killed rebuild, so no rebuild resumes a stale one."""
    for leftover in (Path(root) / "crawl").glob("*.rebuild*"):
        leftover.unlink(missing_ok=True)


def move_in_crawl_states(new_states) -> None:
    """Move each rebuild's crawl state over the site's own (once the new index is live). The old
    state's -wal/-shm go first: SQLite would otherwise apply them to the new database."""
    for tmp, final in new_states:
        _unlink(final, _SQLITE_SIDE_FILES)
        os.replace(tmp, final)
        _unlink(tmp, _SQLITE_SIDE_FILES)


def discard_crawl_states(new_states) -> None:
    """Remove the crawl states of a rebuild that failed: the sites keep their own."""
    for tmp, _ in new_states:
        _unlink(tmp, ("",) + _SQLITE_SIDE_FILES)


def full_rebuild(root, open_build, sources=(), sites=(), *, on_problem=None, on_total=None,
                 commit_every: int = 200, commit_in_steps: bool = True) -> ReindexReport:
    """A full rebuild, the same steps on either engine.

    ``sources`` (files/folders, read with ``read_source``) and ``sites`` (SiteConfigs, crawled in
    full) provide fresh documents; every other document of the live index is copied over
    (re-analyzed) unless its site or id was among the fresh ones.

    ``open_build(report, after_switch)`` is the engine's part, run holding its writer lock: a
    context manager that opens the new generation (or index) beside the live one and yields
    ``(sink, live_documents)``, ``live_documents(skip_sites=..., skip_ids=...)`` giving the live
    index's documents to copy. When the block ends without error it switches the new one in
    atomically and calls ``after_switch`` while still holding the lock; on error it drops the new
    one, and the live index keeps serving. ``after_switch`` moves in the re-crawled sites' crawl
    states, so a state never describes an index that is not live.

    With ``commit_in_steps``, the sources and copy loops commit every ``commit_every`` documents
    (Whoosh's writer); without, the sink batches on its own (OpenSearch's bulk batches). Crawls
    commit every ``commit_every`` pages either way.
    """
    from .sources import read_source

    report = ReindexReport()
    started = time.perf_counter()
    fresh_sites: set[str] = set()
    fresh_ids: set[str] = set()
    new_states: list = []

    def problem(message) -> None:
        report.problems.append(str(message))
        if on_problem:
            on_problem(str(message))

    try:
        with open_build(report, lambda: move_in_crawl_states(new_states)) as (sink, live_documents):
            remove_rebuild_leftovers(root)
            since_commit = 0

            def written() -> None:
                nonlocal since_commit
                since_commit += 1
                if commit_in_steps and since_commit >= commit_every:
                    sink.commit()
                    since_commit = 0

            for source in sources:
                for item in read_source(source):
                    if isinstance(item, SourceProblem):
                        problem(item)
                        continue
                    sink.update(item)
                    fresh_sites.add(item.site)
                    fresh_ids.add(item.id)
                    report.from_sources += 1
                    written()
            crawl_for_rebuild(root, sites, sink, report, fresh_sites, new_states,
                              on_problem=problem, on_total=on_total, commit_every=commit_every)
            for doc in live_documents(skip_sites=fresh_sites, skip_ids=fresh_ids):
                sink.update(doc)
                report.copied += 1
                written()
            report.documents = sink.updated
    except BaseException:
        discard_crawl_states(new_states)
        raise
    finally:
        report.seconds = time.perf_counter() - started
    return report
