#!/usr/bin/env python
"""The write API under load, and under SIGKILL.

Serves a copy of an index (``tracuu serve``, gunicorn, ``--workers`` workers) and, while
``--clients`` threads search it without pause (queries of bench/queries/visitor.jsonl):

* push-to-visible latency: from the ``202`` of ``POST /api/documents`` to the first
  ``/api/search`` that finds the document (searched by its document number), p50/p95, for
  ``--singles`` single documents pushed one after another and ``--batches`` batches of
  ``--batch-size`` documents (a batch is applied in one commit: when one of its documents is
  found, all are);
* a crash run: ``--crash-docs`` documents pushed in tasks of ``--crash-task`` documents, the
  server (master and workers) killed with SIGKILL at ``--kills`` random moments and restarted;
  after each kill the index is read offline: every task that had reported ``succeeded`` must be
  there in full, and no task may be there in part. Pushes that got no answer are sent again after
  the restart (same ids). At the end every task must succeed and every document be searchable.

The index is copied into a temporary folder first (the original is never written). Without
``--index`` it starts from an empty index (it builds nothing). The benchmarks' 30,000-document
index is made as bench/index_benchdata.sh makes its own (docs/benchmarks.md, push.py)::

    .venv/bin/tracuu --index-dir /tmp/bench30k index -q ../shared/benchdata/legal_corpus.jsonl \
        ../shared/benchdata/dept_news_phapdien.jsonl
    .venv/bin/python bench/push.py --index /tmp/bench30k
    .venv/bin/python bench/push.py --index /tmp/small --singles 10 --batches 2 --kills 3   # a quick check

Whoosh only (the OpenSearch engine applies tasks the same way, through its own writer).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIMEOUT = 60
TOPICS = ["bảo vệ trẻ em", "bình đẳng giới", "giảm nghèo bền vững", "bảo hiểm thất nghiệp", "giáo dục nghề nghiệp",
          "an toàn lao động", "việc làm cho thanh niên", "bảo trợ xã hội", "phòng chống ma túy", "cải cách hành chính"]


def document(n: int) -> dict:
    """A notice with a unique number ``n/2099/TB-DAY`` (searched by it)."""
    topic = TOPICS[n % len(TOPICS)]
    text = " ".join(f"Đoạn {k}: các phòng, ban và địa phương triển khai công tác {topic}, kiểm tra, giám sát và báo "
                    f"cáo kết quả định kỳ về Sở theo đúng thời hạn quy định." for k in range(8))
    return {"id": f"push-{n}", "title": f"Thông báo về việc triển khai công tác {topic} (đợt {n})",
            "doc_number": number(n), "doc_type": "Thông báo", "issuer": "Sở Lao động – Thương binh và Xã hội",
            "text": text, "date": f"{1 + n % 28:02d}/{1 + n % 12:02d}/2024", "site": "bench"}


def number(n: int) -> str:
    return f"{n}/2099/TB-DAY"


class Server:
    """`tracuu serve` on ``home`` in a process group of its own (so SIGKILL reaches every worker)."""

    def __init__(self, home: Path, workers: int, log: Path):
        self.home, self.workers, self.log = home, workers, log
        self.proc = None
        self.base = None

    def start(self) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
        env["TRACUU_RATE_LIMIT"] = ""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "--index-dir", str(self.home), "serve", "--port", str(port),
                 "--workers", str(self.workers)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"the server did not start; see {self.log}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Searchers:
    """``n`` threads searching without pause; their latencies are kept."""

    def __init__(self, server: Server, n: int):
        queries = [json.loads(line)["query"] for line in (ROOT / "bench/queries/visitor.jsonl").open(encoding="utf-8")]
        self.server, self.queries, self.stop = server, queries, threading.Event()
        self.latencies: list[float] = []
        self.errors: Counter = Counter()  # status code or exception name -> how many
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(n)]

    def run(self, i: int) -> None:
        rng = random.Random(i)
        session = requests.Session()
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                response = session.get(self.server.base + "/api/search",
                                       params={"q": rng.choice(self.queries), "scope": "web"}, timeout=TIMEOUT)
                if response.status_code == 200:
                    self.latencies.append(time.perf_counter() - started)
                else:
                    self.errors[str(response.status_code)] += 1
            except requests.RequestException as exc:
                self.errors[type(exc).__name__] += 1
                time.sleep(0.2)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT)


def push(base: str, secret: str, docs: list[dict]) -> dict:
    response = requests.post(base + "/api/documents", json=docs if len(docs) > 1 else docs[0], timeout=TIMEOUT,
                             headers={"Authorization": f"Bearer {secret}"})
    if response.status_code != 202:
        raise SystemExit(f"push refused: {response.status_code} {response.text[:300]}")
    return response.json()


def found(session, base: str, n: int) -> bool:
    response = session.get(base + "/api/search", params={"q": number(n), "scope": "web", "facets": "false"},
                           timeout=TIMEOUT)
    return response.status_code == 200 and any(hit["id"] == f"push-{n}" for hit in response.json()["results"])


def visible_after(base: str, secret: str, docs: list[dict], probe: int) -> float:
    """Seconds from the 202 to the first search that finds document ``probe``."""
    session = requests.Session()
    push(base, secret, docs)
    accepted = time.perf_counter()
    while not found(session, base, probe):
        if time.perf_counter() - accepted > 600:
            raise SystemExit(f"push-{probe} not searchable after 600 s")
        time.sleep(0.01)
    return time.perf_counter() - accepted


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def latency_runs(server: Server, secret: str, args, next_n) -> dict:
    singles, batches = [], []
    with Searchers(server, args.clients) as searchers:
        for _ in range(args.singles):
            n = next_n()
            singles.append(visible_after(server.base, secret, [document(n)], n))
        for _ in range(args.batches):
            numbers = [next_n() for _ in range(args.batch_size)]
            batches.append(visible_after(server.base, secret, [document(n) for n in numbers], numbers[-1]))
    return {"singles": singles, "batches": batches, "searches": searchers.latencies, "search_errors": searchers.errors}


# -- the crash run ---------------------------------------------------------------------------------

def present(home: Path, ids: list[str]) -> int:
    """How many of ``ids`` the committed index holds, read offline (the server is dead)."""
    from indexer import IndexStore, WhooshBackend

    backend = WhooshBackend(IndexStore(home))
    return sum(backend.stored(doc_id) is not None for doc_id in ids)


def crash_run(server: Server, secret: str, args, next_n) -> dict:
    rng = random.Random(7)
    batches = [[next_n() for _ in range(args.crash_task)] for _ in range(args.crash_docs // args.crash_task)]
    kill_after = sorted(rng.sample(range(1, len(batches)), min(args.kills, len(batches) - 1)))
    acknowledged: dict[int, str] = {}  # batch -> task id of its 202
    succeeded: set[int] = set()  # batches whose task reported succeeded
    checks = {"kills": 0, "acknowledged_checked": 0, "half_applied": 0, "lost_acknowledged": 0}
    headers = {"Authorization": f"Bearer {secret}"}

    def watch(stop: threading.Event) -> None:
        session = requests.Session()
        while not stop.is_set():
            for batch, task_id in list(acknowledged.items()):
                if batch in succeeded:
                    continue
                try:
                    task = session.get(f"{server.base}/api/tasks/{task_id}", headers=headers, timeout=5).json()
                except (requests.RequestException, ValueError):
                    break
                if task.get("status") == "succeeded":
                    succeeded.add(batch)
            stop.wait(0.02)

    def check_offline() -> None:
        for batch, numbers in enumerate(batches[:next_batch + 1]):  # the one in flight may be queued
            count = present(server.home, [f"push-{n}" for n in numbers])
            if 0 < count < len(numbers):
                checks["half_applied"] += 1
            if batch in succeeded:
                checks["acknowledged_checked"] += 1
                if count != len(numbers):
                    checks["lost_acknowledged"] += 1

    next_batch = 0
    ends = kill_after + [len(batches)]  # push up to each kill point, kill (maybe sooner), restart
    for number, end in enumerate(ends):
        kill = number < len(kill_after)
        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
        watcher.start()
        killer = threading.Timer(rng.uniform(0.0, 1.5), server.kill) if kill else None  # pushing or applying
        if killer:
            killer.start()
        try:
            while next_batch < end:
                try:
                    task = push(server.base, secret, [document(n) for n in batches[next_batch]])
                except (requests.RequestException, SystemExit):
                    break  # the server died: this batch is sent again after the restart
                acknowledged[next_batch] = task["id"]
                next_batch += 1
                if next_batch >= end:
                    break
            if killer:
                killer.join()
        finally:
            stop.set()
            watcher.join()
        if kill:
            checks["kills"] += 1
            check_offline()
            server.start()
    while next_batch < len(batches):  # what a last kill interrupted
        acknowledged[next_batch] = push(server.base, secret, [document(n) for n in batches[next_batch]])["id"]
        next_batch += 1
    # Everything applied in the end, and searchable.
    deadline = time.monotonic() + 600
    session = requests.Session()
    while time.monotonic() < deadline:
        statuses = [session.get(f"{server.base}/api/tasks/{t}", headers=headers, timeout=TIMEOUT).json()["status"]
                    for t in acknowledged.values()]
        if all(s == "succeeded" for s in statuses):
            break
        time.sleep(0.5)
    checks["tasks"] = len(acknowledged)
    checks["all_succeeded"] = all(s == "succeeded" for s in statuses)
    checks["searchable"] = sum(found(session, server.base, n) for numbers in batches for n in numbers)
    checks["documents"] = sum(len(numbers) for numbers in batches)
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index home to copy (default: start empty)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="threads searching all along")
    parser.add_argument("--singles", type=int, default=50)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--crash-docs", type=int, default=1000)
    parser.add_argument("--crash-task", type=int, default=50, help="documents per task in the crash run")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    from indexer.keys import KeyStore

    work = Path(tempfile.mkdtemp(prefix="tracuu-push-"))
    home = work / "home"
    try:
        if args.index:
            shutil.copytree(args.index, home, ignore=shutil.ignore_patterns("write.lock", "tasks.*", "keys.*"))
        else:
            home.mkdir()
        from indexer import IndexStore, WhooshBackend

        try:
            base_docs = WhooshBackend(IndexStore(home)).doc_count()
        except Exception:  # noqa: BLE001 - an empty home
            base_docs = 0
        _, secret = KeyStore(home).create(["bench"], "write", "bench/push.py")
        counter = iter(range(1, 10**9))
        server = Server(home, args.workers, work / "server.log")
        server.start()
        try:
            latency = latency_runs(server, secret, args, lambda: next(counter))
            if latency["search_errors"]:
                _keep_log(work / "server.log", "searches failed meanwhile")
            crash = crash_run(server, secret, args, lambda: next(counter))
        except BaseException:
            _keep_log(work / "server.log", "push.py stopped")  # the bench's folder goes; the server's log stays
            raise
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def ms(values, p):
        return round(percentile(values, p) * 1000)

    figures = {
        "index_documents": base_docs, "workers": args.workers, "clients": args.clients,
        "single": {"n": len(latency["singles"]), "p50_ms": ms(latency["singles"], 50),
                   "p95_ms": ms(latency["singles"], 95)},
        "batch": {"n": len(latency["batches"]), "size": args.batch_size, "p50_ms": ms(latency["batches"], 50),
                  "p95_ms": ms(latency["batches"], 95)},
        "searches_meanwhile": {"n": len(latency["searches"]), "p50_ms": ms(latency["searches"], 50),
                               "p95_ms": ms(latency["searches"], 95),
                               "errors": sum(latency["search_errors"].values()),
                               "errors_by_kind": dict(latency["search_errors"])},
        "crash": crash,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = (crash["half_applied"] == 0 and crash["lost_acknowledged"] == 0 and crash["all_succeeded"]
          and crash["searchable"] == crash["documents"])
    print("crash run:", "OK" if ok else "FAILED")
    if not ok:
        sys.exit(1)


def _keep_log(log: Path, why: str) -> None:
    kept = Path(tempfile.gettempdir()) / f"tracuu-push-server-{os.getpid()}.log"
    try:
        shutil.copyfile(log, kept)
        print(f"{why}; the server's log is kept in {kept}", file=sys.stderr)
    except OSError:
        pass


if __name__ == "__main__":
    main()
