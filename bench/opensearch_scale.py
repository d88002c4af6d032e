#!/usr/bin/env python
"""tracuu on OpenSearch at 1 and 3 nodes, with Whoosh beside it, on the same documents and queries.

For each engine one run measures, through the public backend API (``indexer.open_backend``, so
the Python side — pyvi segmentation, tone normalization, query understanding, re-ranking,
snippets, facets — is part of every figure, as in production):

* indexing: documents/s of ``backend.index_documents`` (analysis in forked worker processes, bulk
  requests, a refresh at the end), and the CPU seconds the OpenSearch JVMs spent on it;
* index size: Whoosh's folder; OpenSearch's primary store (and the total with replicas), per
  10,000 documents;
* searching: p50/p95/p99 of ``backend.search`` over a query log (short visitor queries and long
  legal questions, the speed benchmark's), Web scope, facets and highlights on, the result cache
  off, one client at a time; and the JVMs' CPU seconds per 100 searches.

OpenSearch clusters are started with scripts/opensearch-cluster.sh in a temp folder on free
loopback ports (1 node: 1 shard, 0 replicas; 3 nodes: 3 shards, 1 replica) and stopped at the
end, whatever happens. The documents are read in place from ../shared/benchdata (round robin over
its four corpus files, so every size has the same mix) and never copied.

Usage::

    .venv/bin/python bench/opensearch_scale.py                     # 10,000 docs, 300 queries (~15-25 min)
    .venv/bin/python bench/opensearch_scale.py --docs 2000 --queries 100 --nodes 1
    .venv/bin/python bench/opensearch_scale.py --out /tmp/scale.json

On this 2-core machine three 512 MB JVMs share two cores with the client and the Python
analysis, so the 3-node figures show the cost of distribution (scatter/gather, replication),
not the capacity a cluster of real machines adds. Absolute times hold only for this machine.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT = ROOT / "scripts" / "opensearch-cluster.sh"
DEFAULT_DATA = ROOT.parent / "shared" / "benchdata"
CORPUS_FILES = ["news_corpus.jsonl.gz", "legal_corpus.jsonl", "legal_notices_congbao.jsonl", "dept_news_phapdien.jsonl"]
QUESTION_FILES = ["zalo_legal_questions_no_corpus.jsonl", "legal_queries.jsonl"]
VISITOR_LOG = ROOT / "bench" / "queries" / "speed_log_visitor.jsonl"
SEED = 8


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def free_port_block(count: int) -> int:
    for _ in range(200):
        base = random.randint(20000, 45000)
        sockets = []
        try:
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
    raise RuntimeError("no free loopback ports")


# -- inputs ----------------------------------------------------------------------------------------

def load_documents(data: Path, count: int) -> list:
    """``count`` Documents, round robin over the corpus files (read in place, never copied)."""
    from indexer.sources import SourceProblem, read_source

    streams = [(item for item in read_source(str(data / name)) if not isinstance(item, SourceProblem))
               for name in CORPUS_FILES]
    docs = []
    while streams and len(docs) < count:
        for stream in list(streams):
            doc = next(stream, None)
            if doc is None:
                streams.remove(stream)
            else:
                docs.append(doc)
                if len(docs) >= count:
                    break
    return docs


def load_queries(data: Path, size: int) -> list[str]:
    """Half short visitor queries, half legal questions, shuffled (fixed seed)."""
    rng = random.Random(SEED)
    visitor = [json.loads(line)["q"] for line in VISITOR_LOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = []
    for name in QUESTION_FILES:
        with open(data / name, encoding="utf-8") as handle:
            questions += [json.loads(line)["query"] for line in handle if line.strip()]
    picked = rng.sample(visitor, min(len(visitor), size // 2))
    picked += rng.sample(questions, min(len(questions), size - len(picked)))
    rng.shuffle(picked)
    return picked


# -- a cluster of the script's -------------------------------------------------------------------

class Cluster:
    """scripts/opensearch-cluster.sh in a temp folder; ``stop`` always runs (context manager)."""

    def __init__(self, work: Path, nodes: int, heap: str):
        self.dir = work / f"cluster-{nodes}"
        self.nodes = nodes
        self.heap = heap
        self.url = None

    def __enter__(self):
        args = [str(SCRIPT), "start", "--dir", str(self.dir), "--nodes", str(self.nodes), "--heap", self.heap,
                "--http-port", str(free_port_block(self.nodes)), "--transport-port", str(free_port_block(self.nodes)),
                "--timeout", "600"]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=1800)
        except BaseException:
            self.stop()
            raise
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"cluster start failed: {done.stderr[-2000:]}")
        self.url = done.stdout.strip().splitlines()[-1]
        return self

    def urls(self) -> str:
        base = int(self.url.rsplit(":", 1)[1])
        return ",".join(f"http://127.0.0.1:{base + i}" for i in range(self.nodes))

    def cpu_seconds(self) -> float:
        """User + system CPU of the node JVMs so far."""
        import psutil

        total = 0.0
        for pid_file in self.dir.glob("node-*.pid"):
            try:
                times = psutil.Process(int(pid_file.read_text())).cpu_times()
                total += times.user + times.system
            except (OSError, ValueError, psutil.Error):
                pass
        return total

    def stop(self):
        subprocess.run([str(SCRIPT), "stop", "--dir", str(self.dir)], capture_output=True, text=True, timeout=300)

    def __exit__(self, *exc):
        self.stop()


# -- measuring -----------------------------------------------------------------------------------

def measure_search(backend, queries: list[str]) -> dict:
    from indexer import SearchRequest

    for q in queries[:10]:  # warm-up: searchers, pyvi, the vocabulary, JIT
        backend.search(SearchRequest(q=q, scope="web"))
    times, totals = [], 0
    for q in queries:
        started = time.perf_counter()
        result = backend.search(SearchRequest(q=q, scope="web"))
        times.append((time.perf_counter() - started) * 1000)
        totals += 1 if result.total else 0
    return {"queries": len(times), "with_hits": totals, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
            "p99_ms": pct(times, 99), "mean_ms": sum(times) / len(times)}


def run_whoosh(work: Path, docs: list, queries: list[str]) -> dict:
    from indexer import BackendSettings, open_backend

    index_dir = work / "whoosh"
    backend = open_backend(BackendSettings(backend="whoosh", index_dir=index_dir, cache_size=0))
    log(f"whoosh: indexing {len(docs)} documents")
    started = time.perf_counter()
    report = backend.index_documents(iter(docs))
    seconds = time.perf_counter() - started
    out = {"engine": "whoosh", "nodes": 1, "docs": report.indexed, "index_seconds": seconds,
           "docs_per_s": report.indexed / seconds, "size_bytes": dir_size(index_dir)}
    log(f"whoosh: {out['docs_per_s']:.0f} docs/s; searching {len(queries)} queries")
    backend = open_backend(BackendSettings(backend="whoosh", index_dir=index_dir, cache_size=0))
    out.update(measure_search(backend, queries))
    return out


def run_opensearch(work: Path, docs: list, queries: list[str], nodes: int, heap: str) -> dict:
    from indexer import BackendSettings, open_backend

    shards, replicas = (1, 0) if nodes == 1 else (nodes, 1)
    log(f"opensearch: starting {nodes} node(s), heap {heap} each")
    with Cluster(work, nodes, heap) as cluster:
        settings = BackendSettings(backend="opensearch", opensearch_url=cluster.urls(), opensearch_index="bench",
                                   opensearch_shards=shards, opensearch_replicas=replicas,
                                   index_dir=work / f"os-home-{nodes}", cache_size=0)
        backend = open_backend(settings)
        log(f"opensearch x{nodes}: indexing {len(docs)} documents ({shards} shards, {replicas} replicas)")
        cpu0 = cluster.cpu_seconds()
        started = time.perf_counter()
        report = backend.index_documents(iter(docs))
        seconds = time.perf_counter() - started
        index_cpu = cluster.cpu_seconds() - cpu0
        from opensearchpy import OpenSearch

        client = OpenSearch(hosts=cluster.urls().split(","), timeout=300)
        client.cluster.health(wait_for_status="green", timeout="300s", request_timeout=330)
        client.indices.flush(index="bench")
        stats = client.indices.stats(index="bench", metric="store,segments,docs")["_all"]
        out = {"engine": "opensearch", "nodes": nodes, "shards": shards, "replicas": replicas, "heap": heap,
               "docs": report.indexed, "index_seconds": seconds, "docs_per_s": report.indexed / seconds,
               "jvm_cpu_index_s": index_cpu,
               "size_bytes": stats["primaries"]["store"]["size_in_bytes"],
               "size_total_bytes": stats["total"]["store"]["size_in_bytes"],
               "segments": stats["primaries"]["segments"]["count"],
               "count": stats["primaries"]["docs"]["count"]}
        log(f"opensearch x{nodes}: {out['docs_per_s']:.0f} docs/s; searching {len(queries)} queries")
        backend = open_backend(settings)
        cpu0 = cluster.cpu_seconds()
        out.update(measure_search(backend, queries))
        out["jvm_cpu_per_100_searches_s"] = (cluster.cpu_seconds() - cpu0) / (len(queries) + 10) * 100
    return out


# -- report --------------------------------------------------------------------------------------

def report(rows: list[dict], docs: int, command: str) -> list[str]:
    def size(row, key="size_bytes"):
        return f"{row[key] / 2**20 * 10000 / row['docs']:.1f} MB" if row.get(key) else "—"

    lines = [f"`{command}` — {docs} documents, {rows[0]['queries']} queries, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             "| engine | nodes (shards × copies) | index docs/s | JVM CPU s / 10k docs | size / 10k docs (primary) "
             "| with replicas | search p50 | p95 | p99 | JVM CPU s / 100 searches |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["engine"] == "whoosh":
            layout, jvm_i, jvm_s, total = "embedded", "—", "—", "—"
        else:
            layout = f"{r['nodes']} ({r['shards']} × {1 + r['replicas']})"
            jvm_i = f"{r['jvm_cpu_index_s'] * 10000 / r['docs']:.1f}"
            jvm_s = f"{r['jvm_cpu_per_100_searches_s']:.1f}"
            total = size(r, "size_total_bytes")
        lines.append(f"| {r['engine']} | {layout} | {r['docs_per_s']:.0f} | {jvm_i} | {size(r)} | {total} "
                     f"| {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms | {jvm_s} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchdata folder (read in place)")
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--nodes", default="1,3", help="cluster sizes, comma-separated (1-3)")
    ap.add_argument("--heap", default="512m", help="heap of each OpenSearch node")
    ap.add_argument("--no-whoosh", action="store_true", help="leave Whoosh out")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = ap.parse_args(argv)
    command = "bench/opensearch_scale.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if not (args.data / CORPUS_FILES[0]).exists():
        ap.error(f"no benchmark data in {args.data} (see its SOURCES.md)")
    if not shutil.which("java"):
        ap.error("java is needed for the OpenSearch nodes (scripts/opensearch-cluster.sh)")

    log(f"reading {args.docs} documents from {args.data}")
    docs = load_documents(args.data, args.docs)
    queries = load_queries(args.data, args.queries)
    rows: list[dict] = []
    fig = {"command": command, "docs": len(docs), "queries": len(queries), "rows": rows}
    with tempfile.TemporaryDirectory(prefix="tracuu-os-scale-") as tmp:
        work = Path(tmp)

        def save():
            if args.out:
                args.out.write_text(json.dumps(fig, indent=2, ensure_ascii=False), encoding="utf-8")

        if not args.no_whoosh:
            rows.append(run_whoosh(work, docs, queries))
            save()
        for nodes in [int(n) for n in args.nodes.split(",") if n.strip()]:
            rows.append(run_opensearch(work, docs, queries, nodes, args.heap))
            save()
    lines = report(rows, len(docs), command)
    print("\n".join(lines))
    fig["table"] = lines
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
