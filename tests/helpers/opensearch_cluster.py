"""A real local OpenSearch cluster for the tests, started and stopped by scripts/opensearch-cluster.sh
(the launcher in tools/opensearch-launcher, built with Maven on first use)."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from .processes import PROJECT_ROOT

OPENSEARCH_SCRIPT = PROJECT_ROOT / "scripts" / "opensearch-cluster.sh"
OPENSEARCH_LAUNCHER_JAR = PROJECT_ROOT / "tools" / "opensearch-launcher" / "target" / "tracuu-opensearch-launcher.jar"


def opensearch_unavailable(reason: str):
    """Skip when no OpenSearch can be had here; under CI=true fail instead, since CI must run that part."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"OpenSearch is required under CI=true: {reason}", pytrace=False)
    pytest.skip(f"OpenSearch unavailable: {reason}")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are free now (for a cluster's HTTP or transport)."""
    for _ in range(200):
        base = random.randint(20000, 45000)
        try:
            sockets = []
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free loopback ports found")


def start_opensearch_cluster(directory: Path, nodes: int = 1, heap: str = "512m", timeout: int = 300) -> str:
    """Start (or restart the missing nodes of) a local cluster in ``directory``; returns its URL.

    Skips (fails under CI=true) when Java, or Maven for the first launcher build, is missing, or
    when the script cannot start the cluster. The ports are chosen here unless ``directory``
    already holds a cluster (a restart keeps its ports).
    """
    if not shutil.which("java"):
        opensearch_unavailable("java is not installed (OpenSearch 2.19 needs Java 17)")
    if not OPENSEARCH_LAUNCHER_JAR.exists() and not shutil.which("mvn"):
        opensearch_unavailable("the launcher is not built and mvn is not installed (scripts/opensearch-cluster.sh build)")
    args = [str(OPENSEARCH_SCRIPT), "start", "--dir", str(directory), "--timeout", str(timeout)]
    if not (directory / "cluster.env").exists():
        args += ["--nodes", str(nodes), "--heap", heap,
                 "--http-port", str(free_ports(nodes)), "--transport-port", str(free_ports(nodes))]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout + 900)
    except subprocess.TimeoutExpired:
        stop_opensearch_cluster(directory)
        opensearch_unavailable(f"scripts/opensearch-cluster.sh start did not return ({directory})")
    if done.returncode != 0:
        stop_opensearch_cluster(directory)
        opensearch_unavailable(f"scripts/opensearch-cluster.sh start failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def stop_opensearch_cluster(directory: Path) -> None:
    """SIGTERM every node of the cluster in ``directory`` (SIGKILL after 60 s)."""
    subprocess.run([str(OPENSEARCH_SCRIPT), "stop", "--dir", str(directory)],
                   capture_output=True, text=True, timeout=180, check=False)
