"""Shared parts of the reliability and security suite (the ``reliability`` marker: tests/reliability/
and tests/browser/test_security_xss_browser.py).

Two profiles: the quick one CI runs by default, and the full one (``TRACUU_FULL=1``, see
bench/reliability.sh) with more fuzz cases, more kill points and more load. Every test adds what
it did to ``FIGURES``; the session prints them at the end (``pytest_terminal_summary`` in
tests/conftest.py) and, when ``TRACUU_FIGURES`` names a file, writes them there as JSON. The
hypothesis profiles of both are registered in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from .processes import PROJECT_ROOT, free_port, wait_until_serving

FULL = os.environ.get("TRACUU_FULL", "") not in ("", "0")
STARTUP_LIMIT = 90  # seconds for `served`; an upper bound only (pyvi loads in ~1-2 s)

FIGURES: Counter = Counter()


def scaled(quick: int, full: int) -> int:
    return full if FULL else quick


def record(name: str, count: int = 1) -> None:
    FIGURES[name] += count


def report_lines() -> list[str]:
    if not FIGURES:
        return []
    path = os.environ.get("TRACUU_FIGURES")
    if path:
        Path(path).write_text(json.dumps(dict(sorted(FIGURES.items())), indent=2), encoding="utf-8")
    profile = "full" if FULL else "quick"
    return [f"reliability figures ({profile} profile):"] + [f"  {k}: {v}" for k, v in sorted(FIGURES.items())]


# -- processes ----------------------------------------------------------------------------
def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tracuu(index_dir, *args, env=None, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m cli --index-dir DIR ARGS`` to completion."""
    return subprocess.run([sys.executable, "-m", "cli", "--index-dir", str(index_dir), *map(str, args)],
                          cwd=PROJECT_ROOT, env=env or clean_env(), capture_output=True, text=True, **kwargs)


def start_tracuu(index_dir, *args, env=None, log=None) -> subprocess.Popen:
    """Start ``python -m cli --index-dir DIR ARGS`` in its own process group."""
    return subprocess.Popen([sys.executable, "-m", "cli", "--index-dir", str(index_dir), *map(str, args)],
                            cwd=PROJECT_ROOT, env=env or clean_env(), stdout=log or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL, start_new_session=True)


def kill_group(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """Signal the process and the workers it started (its own session), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL for the whole process group after 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            pass
    kill_group(proc)


@contextmanager
def served(index_dir, log_path: Path, workers: int = 2, threads: int = 4, **env):
    """The real ``tracuu serve`` (gunicorn) on a free loopback port; yields its base URL."""
    port = free_port()
    with open(log_path, "wb") as log:
        proc = start_tracuu(index_dir, "serve", "--host", "127.0.0.1", "--port", port, "--workers", workers,
                            "--threads", threads, env=clean_env(**env), log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log_path, limit=STARTUP_LIMIT)
        yield base
    finally:
        stop(proc)
