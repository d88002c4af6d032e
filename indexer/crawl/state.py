"""A site's crawl state, kept under the index home: ``crawl/<slug>.sqlite``.

- ``pages``: every URL seen, with its validators (ETag, Last-Modified), the
  hash of what was indexed from it, the document id, the ids of the articles
  a long legal text was cut into (``article_ids``, so they leave the index
  with the page), and its in-site links (so an unchanged listing page still
  leads to its articles);
- ``frontier``: the URLs of a run and whether they were handled, so a killed
  crawl resumes where it stopped;
- ``runs``: when each crawl started and finished, its counts and errors.

Handled-marks and page records are written only after the index commit that
holds their documents (``apply``), so state and index never disagree.
Only the crawling thread touches the database.

A state file written before ``article_ids`` existed gains the column when
opened; its pages read ``article_ids`` None ("not known"), so the next crawl
fetches them once without validators and cuts the long legal texts among them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, doc_id TEXT, etag TEXT, last_modified TEXT, hash TEXT, links TEXT,
    status INTEGER, fetched_at TEXT, seen_run INTEGER, error TEXT, article_ids TEXT);
CREATE INDEX IF NOT EXISTS pages_doc ON pages(doc_id);
CREATE TABLE IF NOT EXISTS frontier (run INTEGER, url TEXT, done INTEGER DEFAULT 0, PRIMARY KEY (run, url));
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT, finished TEXT, status TEXT, counts TEXT, errors TEXT);
"""


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


@dataclass
class PageRow:
    url: str
    doc_id: str | None
    etag: str | None
    last_modified: str | None
    hash: str | None
    links: list[str]
    status: int | None
    seen_run: int | None
    error: str | None = None
    article_ids: list[str] | None = field(default_factory=list)  # None: recorded before articles were tracked

    def doc_ids(self) -> list[str]:
        """Every document the page put in the index: its own and its articles'."""
        return [self.doc_id, *(self.article_ids or ())] if self.doc_id else []


def state_path(index_root, slug: str) -> Path:
    return Path(index_root) / "crawl" / f"{slug}.sqlite"


class CrawlState:
    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(pages)")}
        if "article_ids" not in columns:
            self.db.execute("ALTER TABLE pages ADD COLUMN article_ids TEXT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------------
    def start_or_resume(self) -> tuple[int, bool]:
        """The unfinished run to resume, or a new one. Returns (run id, resumed)."""
        row = self.db.execute("SELECT id FROM runs WHERE status IN ('running', 'paused') "
                              "ORDER BY id DESC LIMIT 1").fetchone()
        if row:
            return row[0], True
        cur = self.db.execute("INSERT INTO runs (started, status) VALUES (?, 'running')", (now(),))
        self.db.execute("DELETE FROM frontier WHERE run < ?", (cur.lastrowid,))
        return cur.lastrowid, False

    def finish(self, run: int, status: str, counts: dict, errors: list[str]) -> None:
        self.db.execute("UPDATE runs SET finished=?, status=?, counts=?, errors=? WHERE id=?",
                        (now(), status, json.dumps(counts), json.dumps(errors[:200], ensure_ascii=False), run))
        self.db.execute("DELETE FROM frontier WHERE run=?", (run,))

    def pause(self, run: int, counts: dict, errors: list[str]) -> None:
        """A run stopped at its page budget: keep its frontier for the next crawl to resume."""
        self.db.execute("UPDATE runs SET finished=?, status='paused', counts=?, errors=? WHERE id=?",
                        (now(), json.dumps(counts), json.dumps(errors[:200], ensure_ascii=False), run))

    def last_run(self) -> dict | None:
        row = self.db.execute("SELECT id, started, finished, status, counts, errors FROM runs "
                              "ORDER BY id DESC LIMIT 1").fetchone()
        if not row:
            return None
        return {"run": row[0], "started": row[1], "finished": row[2], "status": row[3],
                "counts": json.loads(row[4] or "{}"), "errors": json.loads(row[5] or "[]")}

    # -- frontier ---------------------------------------------------------------------------
    def frontier(self, run: int) -> tuple[list[str], set[str]]:
        """(pending URLs in insertion order, every URL of the run)."""
        rows = self.db.execute("SELECT url, done FROM frontier WHERE run=? ORDER BY rowid", (run,)).fetchall()
        return [u for u, done in rows if not done], {u for u, _ in rows}

    def add(self, run: int, urls) -> None:
        self.db.executemany("INSERT OR IGNORE INTO frontier (run, url) VALUES (?, ?)", ((run, u) for u in urls))

    # -- pages ------------------------------------------------------------------------------
    def page(self, url: str) -> PageRow | None:
        row = self.db.execute("SELECT url, doc_id, etag, last_modified, hash, links, status, seen_run, error, "
                              "article_ids FROM pages WHERE url=?", (url,)).fetchone()
        if not row:
            return None
        return PageRow(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "[]"), row[6], row[7], row[8],
                       None if row[9] is None else json.loads(row[9]))

    def apply(self, run: int, done: list[str], upserts: list[PageRow], deletes: list[str]) -> None:
        """Record what the last index commit holds, in one transaction."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE frontier SET done=1 WHERE run=? AND url=?", ((run, u) for u in done))
            self.db.executemany(
                "INSERT OR REPLACE INTO pages (url, doc_id, etag, last_modified, hash, links, status, fetched_at, "
                "seen_run, error, article_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((p.url, p.doc_id, p.etag, p.last_modified, p.hash, json.dumps(p.links), p.status, now(),
                  p.seen_run, p.error, None if p.article_ids is None else json.dumps(p.article_ids))
                 for p in upserts))
            self.db.executemany("DELETE FROM pages WHERE url=?", ((u,) for u in deletes))

    def unseen(self, run: int) -> list[PageRow]:
        rows = self.db.execute("SELECT url FROM pages WHERE seen_run IS NULL OR seen_run != ?", (run,)).fetchall()
        return [self.page(u) for (u,) in rows]

    def doc_ids_seen(self, run: int) -> set[str]:
        """The documents pages seen in ``run`` hold: their own ids and their articles'."""
        seen = set()
        for doc_id, articles in self.db.execute(
                "SELECT doc_id, article_ids FROM pages WHERE seen_run=? AND doc_id IS NOT NULL", (run,)):
            seen.add(doc_id)
            seen.update(json.loads(articles or "[]"))
        return seen

    def summary(self) -> dict:
        pages, errors, skipped = self.db.execute(
            "SELECT COUNT(*), SUM(error IS NOT NULL AND error != ''), "
            "SUM(status = 200 AND doc_id IS NULL AND (error IS NULL OR error = '')) FROM pages").fetchone()
        # Skipped: fetched fine but gave no document (listings, pages without an article).
        docs = set()
        for doc_id, articles in self.db.execute("SELECT doc_id, article_ids FROM pages WHERE doc_id IS NOT NULL"):
            docs.add(doc_id)
            docs.update(json.loads(articles or "[]"))
        return {"pages": pages, "documents": len(docs), "pages_with_errors": errors or 0,
                "pages_skipped": skipped or 0, "last_run": self.last_run()}


def crawl_summaries(index_root) -> dict[str, dict]:
    """Each crawled site's state summary (``CrawlState.summary``), by slug."""
    summaries = {}
    for path in sorted((Path(index_root) / "crawl").glob("*.sqlite")):
        with CrawlState(path) as state:
            summaries[path.stem] = state.summary()
    return summaries


def compare_crawls(index_root, per_site: dict, problems: list, notes: list) -> None:
    """Each site's crawl state against the documents the index holds for it (either engine)."""
    for site, crawl in crawl_summaries(index_root).items():
        held = per_site.get(site, 0)
        if crawl["documents"] > held:
            problems.append(f"trang {site}: trạng thái thu thập ghi {crawl['documents']} tài liệu, "
                            f"chỉ mục chỉ có {held} (hãy chạy `tracuu reindex {site}`)")
        elif crawl["documents"] < held:
            notes.append(f"trang {site}: {held - crawl['documents']} tài liệu được lập chỉ mục từ tệp, "
                         "không qua thu thập")
        if crawl.get("pages_skipped"):
            notes.append(f"trang {site}: bỏ qua {crawl['pages_skipped']} trang không có bài để lập chỉ mục "
                         f"(trang danh sách hoặc không tìm thấy nội dung bài)")
