"""Processes the tests start (`python -m cli serve`, `tracuu reindex` ...): the project root they run
in, a free loopback port, and a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_LIMIT = 60  # seconds for `tracuu serve` to answer: pyvi loads in ~1-2 s; this is only an upper bound


def free_port() -> int:
    """A loopback port that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s; reaps the process."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


class ServerDidNotStart(RuntimeError):
    """The served app exited or did not answer in time; the message ends with its log."""


def wait_until_serving(proc: subprocess.Popen, base: str, log_path: Path, limit: float = STARTUP_LIMIT) -> None:
    """Poll ``base + "/"`` until it answers 200; ServerDidNotStart if ``proc`` exits first or
    ``limit`` seconds pass."""
    import requests

    def log_tail() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    deadline = time.monotonic() + limit
    while True:
        if proc.poll() is not None:
            raise ServerDidNotStart(f"server exited with {proc.returncode} before answering:\n{log_tail()}")
        try:
            if requests.get(base + "/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise ServerDidNotStart(f"server did not answer within {limit} s:\n{log_tail()}")
        time.sleep(0.2)


def clean_env(**extra: str) -> dict:
    """This process's environment without any TRACUU_* setting, plus ``extra``: a served app or a
    command configured only by what the test gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env.update(extra)
    return env


@contextmanager
def served(index_dir, log_path: Path, *args: str, env: dict | None = None, workers: int = 1):
    """``python -m cli --index-dir INDEX_DIR serve`` (gunicorn) on a free loopback port with the
    extra ``args``, in a process group of its own so a test may SIGKILL the master and its workers
    at once; yields (base URL, process). ``env``: the whole environment (default ``clean_env()``).
    ServerDidNotStart, with the log, when it does not answer; stopped at the end (SIGTERM, then
    SIGKILL) unless the test ended it."""
    port = free_port()
    command = [sys.executable, "-m", "cli", "--index-dir", str(index_dir), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), *args]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env=clean_env() if env is None else env, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(proc, base, log_path)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
