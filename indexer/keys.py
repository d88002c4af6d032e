"""API keys: who may search, write or administer which sites through the web API.

A key is created by an administrator (``tracuu keys create``); its secret is shown once and only
its SHA-256 is kept (a secret of 256 random bits needs no slow hash: nobody can guess it, and a
leaked database gives nothing to replay). Keys live in ``INDEX_DIR/keys.sqlite``, beside the
generations like the query log, so rebuilds keep them. A secret reads
``tk_<id>_<random>``: the id finds the row, the hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .homedb import HomeDatabase

FILE = "keys.sqlite"
CAN = ("search", "write", "admin")
_SECRET = re.compile(r"tk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, sites TEXT NOT NULL, can TEXT NOT NULL,
    created TEXT NOT NULL, revoked TEXT, hash TEXT NOT NULL
);
"""


class InvalidKeyRequest(ValueError):
    """A key cannot be created as asked; the message is for the administrator (Vietnamese)."""


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    sites: tuple[str, ...]  # empty: every site
    can: str  # one of CAN
    created: datetime
    revoked: datetime | None = None

    def allows(self, action: str, site: str | None = None) -> bool:
        """admin: everything; write: write and search on its sites (no sites: every site);
        search: search only. ``site`` None asks about the action alone."""
        if self.revoked is not None:
            return False
        if self.can == "admin":
            return True
        if action not in ("search", "write") or (action == "write" and self.can != "write"):
            return False
        return site is None or not self.sites or site in self.sites

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "sites": list(self.sites), "can": self.can,
                "created": self.created.isoformat(timespec="seconds"),
                "revoked": self.revoked.isoformat(timespec="seconds") if self.revoked else None}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """The API keys of one index home; safe to share between threads and processes."""

    def __init__(self, index_root):
        self.path = Path(index_root) / FILE
        self._db = HomeDatabase(self.path, SCHEMA, timeout=10.0, durable=True)


    def exists(self) -> bool:
        """Whether any key was ever created here (without creating the file)."""
        if not self.path.exists():
            return False
        return self._db().execute("SELECT 1 FROM keys LIMIT 1").fetchone() is not None

    def create(self, sites, can: str, name: str = "") -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is not kept and cannot be shown again."""
        sites = tuple(dict.fromkeys(str(s).strip() for s in sites if str(s).strip()))
        if can not in CAN:
            raise InvalidKeyRequest(f"quyền {can!r} không hợp lệ (chọn một trong: {', '.join(CAN)})")
        bad = [s for s in sites if not _SLUG.fullmatch(s)]
        if bad:
            raise InvalidKeyRequest(f"mã trang không hợp lệ: {', '.join(bad)} (chữ thường, số, dấu chấm, gạch)")
        key_id = secrets.token_hex(6)
        secret = f"tk_{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(id=key_id, name=str(name or "").strip()[:200], sites=sites, can=can,
                     created=datetime.now().replace(microsecond=0))
        self._db().execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, NULL, ?)",
                           (key.id, key.name, json.dumps(list(sites)), can, key.created.isoformat(),
                            hash_secret(secret)))
        return key, secret

    def verify(self, secret: str) -> ApiKey | None:
        """The key a secret belongs to; None when unknown, malformed or revoked. The hash is
        compared in constant time, also for an unknown id."""
        match = _SECRET.fullmatch((secret or "").strip())
        if not match or not self.path.exists():
            hmac.compare_digest(_DUMMY_HASH, hash_secret(secret or ""))
            return None
        row = self._db().execute("SELECT * FROM keys WHERE id = ?", (match.group(1),)).fetchone()
        stored = row[6] if row else _DUMMY_HASH
        if not hmac.compare_digest(stored, hash_secret(match.group(0))) or row is None:
            return None
        key = _key(row)
        return None if key.revoked else key

    def get(self, key_id: str) -> ApiKey | None:
        if not self.path.exists():
            return None
        row = self._db().execute("SELECT * FROM keys WHERE id = ?", (key_id,)).fetchone()
        return _key(row) if row else None

    def list(self) -> list[ApiKey]:
        if not self.path.exists():
            return []
        return [_key(row) for row in self._db().execute("SELECT * FROM keys ORDER BY created, id")]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key for good; False when there is no such key or it was already revoked."""
        if not self.path.exists():
            return False
        cursor = self._db().execute("UPDATE keys SET revoked = ? WHERE id = ? AND revoked IS NULL",
                                    (datetime.now().replace(microsecond=0).isoformat(), str(key_id).strip()))
        return cursor.rowcount == 1


def _key(row) -> ApiKey:
    key_id, name, sites, can, created, revoked, _ = row
    return ApiKey(id=key_id, name=name, sites=tuple(json.loads(sites)), can=can,
                  created=datetime.fromisoformat(created),
                  revoked=datetime.fromisoformat(revoked) if revoked else None)
