"""What visitors look for, without personal data: a query log for editors.

Only the normalized query text (NFC, lowercased, e-mail addresses, phone and ID numbers
masked, at most 120 characters), the day, the scope/site, the number of results and
clicks on results are kept: no IP address, no cookie, no user agent, no time of day.
It lives in ``INDEX_DIR/querylog.sqlite``, beside (not inside) the index generations, so
rebuilds keep it. Logging never breaks a search: failures are logged and ignored.

The report shows a query only once it was searched ``MIN_SEARCHES`` times or more (the console
and ``tracuu report`` alike): the log knows no visitors, so repetition stands for "several people
asked this", and a query typed once (a name, a case number) is never shown to anyone.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from .homedb import HomeDatabase

log = logging.getLogger(__name__)

FILE = "querylog.sqlite"
MAX_QUERY = 120
MIN_SEARCHES = 3  # a query is reported only once searched this often
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (day TEXT, q TEXT, scope TEXT, site TEXT, total INTEGER);
CREATE INDEX IF NOT EXISTS searches_day ON searches(day);
CREATE TABLE IF NOT EXISTS clicks (day TEXT, q TEXT, doc TEXT);
CREATE INDEX IF NOT EXISTS clicks_day ON clicks(day);
"""
MASKS = ("[email]", "[số]")  # what normalize_query puts for personal-looking pieces: no query to offer
_EMAIL = re.compile(r"\S+@\S+")
_LONG_NUMBER = re.compile(r"(?<![\w/])\+?\d[\d .-]{7,}\d(?![\w/])")  # phones, ID and account numbers


def normalize_query(q: str) -> str:
    """The form a query is counted under; personal-looking pieces masked."""
    text = unicodedata.normalize("NFC", q or "").lower()
    text = _EMAIL.sub(MASKS[0], text)
    text = _LONG_NUMBER.sub(MASKS[1], text)
    return " ".join(text.split())[:MAX_QUERY]


def parse_since(value: str | None, today: date | None = None) -> date:
    """``7d``, ``4w``, ``YYYY-MM-DD``; default: the last 30 days."""
    today = today or date.today()
    if not value:
        return today - timedelta(days=30)
    m = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", value)
    if m:
        return today - timedelta(days=int(m.group(1)) * (7 if m.group(2) == "w" else 1))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since {value!r}: hãy cho số ngày (7d), số tuần (4w) hoặc một ngày (2026-11-01)") from None


class QueryLog:
    def __init__(self, index_root):
        self.path = Path(index_root) / FILE
        self._db = HomeDatabase(self.path, SCHEMA, timeout=2.0)
        self.broken = False


    def _write(self, sql: str, args: tuple) -> None:
        if self.broken:
            return
        try:
            self._db().execute(sql, args)
        except (sqlite3.Error, OSError) as exc:
            self.broken = True  # e.g. a read-only index home: stop trying, keep serving
            log.warning("query log disabled: %s", exc)

    def record_search(self, q: str, total: int, scope: str = "", site: str | None = None) -> None:
        text = normalize_query(q)
        if text:
            self._write("INSERT INTO searches VALUES (?, ?, ?, ?, ?)",
                        (date.today().isoformat(), text, scope or "", site or "", int(total)))

    def record_click(self, q: str, doc: str) -> None:
        text = normalize_query(q)
        if text and doc:
            self._write("INSERT INTO clicks VALUES (?, ?, ?)", (date.today().isoformat(), text, str(doc)[:500]))

    def popular(self, since: date, limit: int = 8, min_searches: int = MIN_SEARCHES) -> list[dict]:
        """The queries searched most since ``since`` that found something, most searched first, under
        the report's rule: only those searched at least ``min_searches`` times (at least 1), never
        one visitor's words. Shown to visitors (the home page), so a failure is an empty list."""
        least = max(1, int(min_searches))
        if self.broken or not self.path.exists():
            return []
        try:
            rows = self._db().execute(
                "SELECT q, COUNT(*) AS n FROM searches WHERE day >= ? AND instr(q, ?) = 0 AND instr(q, ?) = 0 "
                "GROUP BY q HAVING n >= ? AND MAX(total) > 0 ORDER BY n DESC, q LIMIT ?",
                (since.isoformat(), *MASKS, least, int(limit))).fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.warning("query log unreadable: %s", exc)
            return []
        return [{"q": q, "searches": n} for q, n in rows]

    def report(self, since: date, limit: int = 20, min_searches: int = MIN_SEARCHES) -> dict:
        """Top queries, queries without results, and queries with results nobody clicked, each
        only among the queries searched at least ``min_searches`` times (at least 1)."""
        least = max(1, int(min_searches))
        if not self.path.exists():
            return {"since": since.isoformat(), "searches": 0, "min_searches": least, "top": [], "zero_results": [],
                    "not_clicked": []}
        db = self._db()
        day = since.isoformat()
        searches = db.execute("SELECT COUNT(*) FROM searches WHERE day >= ?", (day,)).fetchone()[0]
        top = db.execute(
            "SELECT q, COUNT(*) AS n, MAX(total) FROM searches WHERE day >= ? GROUP BY q HAVING n >= ? "
            "ORDER BY n DESC, q LIMIT ?", (day, least, limit)).fetchall()
        zero = db.execute(
            "SELECT q, COUNT(*) AS n FROM searches WHERE day >= ? GROUP BY q HAVING MAX(total) = 0 AND n >= ? "
            "ORDER BY n DESC, q LIMIT ?", (day, least, limit)).fetchall()
        unclicked = db.execute(
            "SELECT q, COUNT(*) AS n FROM searches s WHERE day >= ? AND total > 0 AND NOT EXISTS "
            "(SELECT 1 FROM clicks c WHERE c.q = s.q AND c.day >= ?) GROUP BY q HAVING n >= ? "
            "ORDER BY n DESC, q LIMIT ?", (day, day, least, limit)).fetchall()
        clicks = dict(db.execute("SELECT q, COUNT(*) FROM clicks WHERE day >= ? GROUP BY q", (day,)).fetchall())
        return {
            "since": day, "searches": searches, "min_searches": least,
            "top": [{"q": q, "searches": n, "results": total, "clicks": clicks.get(q, 0)} for q, n, total in top],
            "zero_results": [{"q": q, "searches": n} for q, n in zero],
            "not_clicked": [{"q": q, "searches": n} for q, n in unclicked],
        }
