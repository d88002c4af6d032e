"""Processes the tests start (`python -m cli serve`, `tracuu reindex` ...): the project root they run
in, a free loopback port, and a clean stop."""

from __future__ import annotations

import socket
import subprocess
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
