"""The bundled samples served for a look from outside: a temporary index of samples/ (the files
scripts/serve-sample.sh indexes) and the real app under gunicorn on a free loopback port.
bench/lighthouse.py and scripts/screenshots.py measure and photograph what it serves."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
TRACUU = ROOT / ".venv" / "bin" / "tracuu"
CONFIG = ROOT / "samples" / "tracuu.toml"
# What scripts/serve-sample.sh indexes: (arguments of `tracuu index`).
SAMPLE_INDEXING = [
    ["samples/sldtbxh/articles.jsonl", "samples/sldtbxh/legal.jsonl", "samples/sttt/articles.jsonl"],
    ["samples/sldtbxh/pages", "--site", "sldtbxh", "--kind", "article"],
]


class SampleServerError(RuntimeError):
    """The samples could not be indexed or served; the message ends with the log's tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:]


def _wait_until_up(process: subprocess.Popen, base: str, log: Path, limit: float = 90.0) -> None:
    deadline = time.monotonic() + limit
    while True:
        if process.poll() is not None:
            raise SampleServerError(f"the server exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(base, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise SampleServerError(f"{base} did not answer within {limit:.0f} s:\n{_tail(log)}")
        time.sleep(0.2)


@contextlib.contextmanager
def serve_samples(workers: int = 1, threads: int = 4) -> Iterator[str]:
    """Index samples/ into a temporary directory and serve it; yields the base URL (ending in
    ``/``). The server is stopped and the directory removed on exit."""
    if not TRACUU.exists():
        raise SampleServerError(f"{TRACUU} is missing: run scripts/setup.sh first")
    with tempfile.TemporaryDirectory(prefix="tracuu-samples-") as tmp:
        home = Path(tmp)
        index_dir = home / "index"
        log = home / "server.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TRACUU_INDEX_DIR", None)
        for arguments in SAMPLE_INDEXING:
            done = subprocess.run([str(TRACUU), "--index-dir", str(index_dir), "index", *arguments],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SampleServerError(f"tracuu index {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        port = free_port()
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(
                [str(TRACUU), "--index-dir", str(index_dir), "serve", "--config", str(CONFIG),
                 "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                 "--threads", str(threads)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(process, base, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
