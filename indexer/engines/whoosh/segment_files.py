"""Read Whoosh's compound segment files from the mmap, without a private copy per searcher.

Whoosh (whoosh-reloaded 2.7.5) maps a compound segment (``.seg``) and opens each file inside it
as ``BufferFile(memoryview)``, whose ``BytesIO(buf)`` *copies* the file: every searcher (one per
serving thread) kept its own copy of the postings and stored fields, ~230 MB each on the
30,044-document benchmark index, ~1 GB of private memory per gunicorn worker with 4 threads.
``MemoryFile`` reads the same bytes straight from the shared mapping. ``install()`` makes
``BufferFile`` use it; reading gives the same bytes, so nothing else changes.
"""

from __future__ import annotations

from whoosh.filedb import structfile

__all__ = ["MemoryFile", "install"]


class MemoryFile:
    """A read-only file over a buffer (``read``, ``readline``, ``seek``, ``tell``), no copy."""

    def __init__(self, buf):
        self._buf = buf
        self._len = len(buf)
        self._pos = 0
        self.closed = False

    def read(self, n=-1):
        start = self._pos
        end = self._len if n is None or n < 0 else min(self._len, start + n)
        if end <= start:
            return b""
        self._pos = end
        return bytes(self._buf[start:end])

    def readline(self, limit=-1):
        start = self._pos
        end = self._len if limit is None or limit < 0 else min(self._len, start + limit)
        if end <= start:
            return b""
        chunk = self._buf[start:end]
        newline = bytes(chunk).find(b"\n") if len(chunk) <= 4096 else -2
        if newline == -2:  # long buffer: look a page at a time
            newline = -1
            for at in range(0, len(chunk), 4096):
                found = bytes(chunk[at:at + 4096]).find(b"\n")
                if found >= 0:
                    newline = at + found
                    break
        stop = end if newline < 0 else start + newline + 1
        self._pos = stop
        return bytes(self._buf[start:stop])

    def seek(self, pos, whence=0):
        if whence == 1:
            pos += self._pos
        elif whence == 2:
            pos += self._len
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self):
        return self._pos

    def readable(self):
        return True

    def seekable(self):
        return True

    def writable(self):
        return False

    def write(self, data):
        raise OSError("read-only segment file")

    def flush(self):
        pass

    def close(self):
        self.closed = True

    def __iter__(self):
        line = self.readline()
        while line:
            yield line
            line = self.readline()


def _init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = MemoryFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make Whoosh's BufferFile read through MemoryFile (idempotent)."""
    structfile.BufferFile.__init__ = _init
