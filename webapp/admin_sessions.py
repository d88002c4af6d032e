"""Signed-in sessions of the admin console, kept on the server.

A session is a random token in an HttpOnly cookie; the server keeps only the token's
SHA-256, the admin key it was opened with, its CSRF token and when it expires. Keeping
them server-side (one sqlite file in INDEX_DIR, shared by every gunicorn worker) is what
lets signing out end a session for good: a copied cookie is worthless afterwards.
Sessions expire after a stretch of inactivity (``ADMIN_SESSION_MINUTES``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.homedb import HomeDatabase

FILE = "admin_sessions.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, csrf TEXT NOT NULL,
    created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);
"""


@dataclass(frozen=True)
class AdminSession:
    key_id: str
    csrf: str
    created: float
    expires: float

    def csrf_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.csrf.encode())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class SessionStore:
    def __init__(self, index_root, minutes: float, clock=time.time):
        self.path = Path(index_root) / FILE
        self.lifetime = float(minutes) * 60
        self.clock = clock
        self._db = HomeDatabase(self.path, SCHEMA, timeout=5.0)


    def open(self, key_id: str) -> tuple[str, AdminSession]:
        """A new session for ``key_id``: (the cookie's token, the session)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = AdminSession(key_id, secrets.token_urlsafe(32), now, now + self.lifetime)
        db = self._db()
        db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
        db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                   (_hash(token), session.key_id, session.csrf, session.created, session.expires))
        return token, session

    def get(self, token: str | None) -> AdminSession | None:
        """The live session of a cookie's token, its expiry pushed forward; None when unknown or expired."""
        if not token:
            return None
        db = self._db()
        key = _hash(token)
        row = db.execute("SELECT key_id, csrf, created, expires FROM sessions WHERE token_hash = ?", (key,)).fetchone()
        now = self.clock()
        if row is None:
            return None
        if row[3] <= now:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
            return None
        expires = now + self.lifetime
        db.execute("UPDATE sessions SET expires = ? WHERE token_hash = ?", (expires, key))
        return AdminSession(row[0], row[1], row[2], expires)

    def close(self, token: str | None) -> bool:
        """End a session (signing out); True when there was one."""
        if not token:
            return False
        return self._db().execute("DELETE FROM sessions WHERE token_hash = ?", (_hash(token),)).rowcount > 0

    def close_key(self, key_id: str) -> int:
        """End every session opened with a key (it was revoked or lost its admin right)."""
        return self._db().execute("DELETE FROM sessions WHERE key_id = ?", (key_id,)).rowcount
