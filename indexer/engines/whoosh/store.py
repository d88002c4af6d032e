"""Where the index lives on disk, who may write it, and which copy is live.

Layout of an index home (``index_data/`` by default)::

    CURRENT            name of the live generation, replaced atomically
    PREVIOUS           name of the generation live before the last switch
    gen-<timestamp>/   a complete Whoosh index
    write.lock         held (flock) by the one writer; names who holds it
    crawl/<slug>.sqlite  crawl state of each site (indexer.crawl)

Readers follow CURRENT; a full rebuild writes a new generation beside the live
one and switches CURRENT with ``os.replace``, so readers never see a half-built
index. The previous generation is kept until the next rebuild, so searchers
still open on it keep working; generations that are neither CURRENT nor
PREVIOUS are leftovers of a killed or failed rebuild and are removed by the
next writer. The lock is an OS lock: it dies with its process, so a crashed
writer never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index

from ...errors import IndexLocked, IndexMissing, StoreError
from .schema import build_schema

POINTER = "CURRENT"
PREVIOUS = "PREVIOUS"
LOCK = "write.lock"
INDEX_NAME = "tracuu"


class IndexStore:
    def __init__(self, root):
        self.root = Path(root)

    # -- reading -------------------------------------------------------------
    def generation(self) -> str | None:
        """Name of the live generation, or None when nothing was indexed yet."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def live_path(self) -> Path:
        name = self.generation()
        if name is None or not (self.root / name).is_dir():
            raise IndexMissing(f"chưa có chỉ mục trong {self.root}: hãy chạy `tracuu index SOURCE` trước")
        return self.root / name

    def open(self):
        """The live Whoosh index (read side)."""
        path = self.live_path()
        try:
            return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        except (whoosh_index.EmptyIndexError, OSError) as exc:
            raise IndexMissing(f"không mở được chỉ mục trong {path}: {exc}") from exc

    def size_bytes(self) -> int:
        try:
            path = self.live_path()
        except IndexMissing:
            return 0
        return sum(f.stat().st_size for f in path.iterdir() if f.is_file())

    # -- writing -------------------------------------------------------------
    @contextmanager
    def write_lock(self, purpose: str):
        """Hold the single-writer lock; fail at once with who holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK, "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                raise IndexLocked(f"chỉ mục trong {self.root} đang được ghi bởi {_describe(handle.read())}") from None
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({
                "pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
                "since": datetime.now().isoformat(timespec="seconds"),
            }))
            handle.flush()
            yield
        finally:
            handle.close()  # releases the flock

    def open_for_writing(self):
        """The live index, created (and made live) when there is none yet. Hold the lock."""
        try:
            return self.open()
        except IndexMissing:
            path = self.new_generation()
            ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
            self.switch_to(path.name)
            return ix

    def new_generation(self) -> Path:
        stem = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        for n in range(1000):
            path = self.root / (stem if n == 0 else f"{stem}-{n}")
            try:
                path.mkdir(parents=True)
                return path
            except FileExistsError:
                continue
        raise StoreError(f"không tạo được thế hệ chỉ mục mới trong {self.root}")

    def switch_to(self, name: str) -> None:
        """Make generation ``name`` live, atomically; keep the one it replaces (open searchers may still
        read it) and remove older ones. Hold the lock."""
        previous = self.generation()
        if previous and previous != name:
            self._write_pointer(PREVIOUS, previous)
        self._write_pointer(POINTER, name)
        self.remove_orphans()

    def _write_pointer(self, pointer: str, name: str) -> None:
        tmp = self.root / f".{pointer}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / pointer)
        try:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass

    def previous(self) -> str | None:
        try:
            return (self.root / PREVIOUS).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def orphans(self) -> list[Path]:
        """Generations neither live nor kept: leftovers of killed or failed rebuilds (or one being
        built right now, when someone holds the lock)."""
        keep = {self.generation(), self.previous()}
        return sorted(p for p in self.root.glob("gen-*") if p.is_dir() and p.name not in keep)

    def remove_orphans(self) -> list[str]:
        """Remove leftover generations and pointer temp files. Hold the lock."""
        removed = []
        for path in self.orphans():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        for tmp in self.root.glob(".CURRENT.*"):
            tmp.unlink(missing_ok=True)
        for tmp in self.root.glob(".PREVIOUS.*"):
            tmp.unlink(missing_ok=True)
        return removed

    def lock_holder(self) -> str | None:
        """Who holds the writer lock now (a description), or None when nobody does."""
        if not (self.root / LOCK).exists():
            return None
        with open(self.root / LOCK, "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                return _describe(handle.read())
            return None


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f"`tracuu {info['purpose']}` (pid {info['pid']} trên máy {info['host']}, từ {info['since']})"
    except (ValueError, KeyError, TypeError):
        return "một tiến trình khác"
