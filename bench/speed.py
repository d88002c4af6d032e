#!/usr/bin/env python
"""tracuu's speed, side by side with what it is built from and what a user could pick instead.

One run measures, on the same documents and the same queries:

* indexing: pyvi alone segmenting the text (the floor for our analyzer), a full rebuild with
  ``tracuu index`` (both cores), a bare Whoosh index with StandardAnalyzer, and tantivy's Python
  bindings on the pyvi-segmented text (the ceiling): seconds, docs/s, MB/s, peak memory
  (PSS of the whole process tree), index size;
* searching a query log of two classes, told apart by where a query comes from: *short visitor
  queries* (bench/queries/speed_log_visitor.jsonl: 1-7 words, with and without diacritics, and
  document numbers) and *long questions* (the benchmark's legal questions, read in place: 4 words
  and up, 20 at the median). Per class, in process and uncached: p50/p95/p99 of tracuu, of the
  bare Whoosh baseline (the StandardAnalyzer index above, BM25F over title and content, top 10,
  every word required for short queries, any word for long questions) and of tantivy, each query
  on each engine in turn; the time in each pipeline stage (understand, plan, retrieve, rerank,
  present, from ``SearchResult.stages``); the same queries over HTTP against ``tracuu serve``
  (gunicorn on loopback, highlights and facets on, as the page asks), each sent once;
* optionally tracuu on OpenSearch at one node (``--opensearch-url``), on the same documents,
  timed beside the Whoosh engine query by query, with its share of time in the Python stages;
* autocomplete, a repeated query against a cold one, throughput with wrk at 1, 4 and 16 clients
  with 2 workers and with 1, against the bare Whoosh baseline's queries/s in one thread over the
  same query mix, and a serving worker's memory over 10,000+ requests;
* a table of targets, each judged against the baseline measured in the same run.

Usage::

    .venv/bin/python bench/speed.py --quick          # a couple of minutes, small slices
    .venv/bin/python bench/speed.py                  # everything (~20-30 min on 2 cores)
    .venv/bin/python bench/speed.py --index IDX --opensearch-url start --json run.json

Needs the ``bench`` extra (tantivy, psutil) and ``wrk`` (Debian package; ``--skip wrk`` without
it). Figures are ratios from one run; absolute times hold only for the machine they were
measured on.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "benchdata"
CORPUS_FILES = ["news_corpus.jsonl.gz", "legal_corpus.jsonl", "legal_notices_congbao.jsonl", "dept_news_phapdien.jsonl"]
QUESTION_FILES = ["zalo_legal_questions_no_corpus.jsonl", "legal_queries.jsonl"]
VISITOR_LOG = ROOT / "bench" / "queries" / "speed_log_visitor.jsonl"
VENV_BIN = Path(sys.executable).parent
TRACUU = str(VENV_BIN / "tracuu") if (VENV_BIN / "tracuu").exists() else shutil.which("tracuu") or "tracuu"
SEED = 6


# -- small helpers ---------------------------------------------------------------------------------

def pct(values, p):
    """Nearest-rank percentile of a list of numbers (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def ratio(a, b) -> float:
    return a / b if b else float("nan")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def dir_size(path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def tree_memory(proc) -> float:
    """PSS (shared pages counted once) of a process and its children, in bytes."""
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            info = p.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return total


def run_measured(cmd, env=None) -> dict:
    """Run a command; wall seconds, peak PSS of its process tree, and its last stdout line as JSON."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    ps = psutil.Process(proc.pid)
    peak = 0
    out_chunks: list[str] = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    err_chunks: list[str] = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    err_reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_memory(ps))
        time.sleep(0.3)
    wall = time.perf_counter() - started
    reader.join()
    err_reader.join()
    out = "".join(out_chunks)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {''.join(err_chunks)[-2000:]}")
    last = [line for line in out.splitlines() if line.strip()]
    result = {}
    if last:
        try:
            result = json.loads(last[-1])
        except ValueError:
            result = {"output": last[-1]}
    result.update(wall=wall, peak_mb=peak / 2**20)
    return result


# -- inputs ----------------------------------------------------------------------------------------

def prepare_corpus(data: Path, work: Path, docs_per_file: int | None) -> list[str]:
    """The corpus files, read in place; with a cap, the first N lines of each into the temp work dir."""
    if not docs_per_file:
        return [str(data / name) for name in CORPUS_FILES]
    out = []
    sub = work / "corpus"
    sub.mkdir(exist_ok=True)
    for name in CORPUS_FILES:
        opener = gzip.open if name.endswith(".gz") else open
        cap = docs_per_file * (3 if name.startswith("news") else 1)
        with opener(data / name, "rt", encoding="utf-8") as src, \
                opener(sub / name, "wt", encoding="utf-8") as dst:
            for line in itertools.islice(src, cap):
                dst.write(line)
        out.append(str(sub / name))
    return out


# Query classes, by the query's source: the visitor log (1-7 words) or the legal questions (4 words
# and up). Word counts overlap at 4-7, so the source, not a length, decides.
SHORT, LONG = "short", "long"
CLASS_NAMES = {SHORT: "short visitor queries", LONG: "long questions"}


def query_class(kind: str) -> str:
    return LONG if kind == "question" else SHORT


def query_log(data: Path, size: int) -> list[dict]:
    """Short visitor queries (all of them) plus legal questions sampled to ``size``, shuffled."""
    visitor = [json.loads(line) for line in VISITOR_LOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = []
    for name in QUESTION_FILES:
        with open(data / name, encoding="utf-8") as handle:
            questions += [{"q": json.loads(line)["query"], "kind": "question"} for line in handle if line.strip()]
    rng = random.Random(SEED)
    if size < len(visitor) * 2:
        visitor = rng.sample(visitor, size // 2)
    picked = visitor + rng.sample(questions, max(0, min(len(questions), size - len(visitor))))
    rng.shuffle(picked)
    return picked


def latency_sample(rows: list[dict], per_class: int) -> list[int]:
    """Indices into the log of up to ``per_class`` distinct queries of each class (seeded), in log order."""
    rng = random.Random(SEED)
    picked = []
    for cls in (SHORT, LONG):
        seen, idx = set(), []
        for i, row in enumerate(rows):
            if query_class(row["kind"]) == cls and row["q"] not in seen:
                seen.add(row["q"])
                idx.append(i)
        picked += idx if len(idx) <= per_class else rng.sample(idx, per_class)
    return sorted(picked)


def documents(corpus: dict):
    """The documents of a run: read from the corpus files, or, for ``--index``, rebuilt from that
    index's stored fields, so the baselines hold exactly what tracuu indexed."""
    if corpus.get("index"):
        from indexer.engines.whoosh.store import IndexStore
        from indexer.engines.whoosh.writing import stored_documents

        yield from stored_documents(IndexStore(corpus["index"]))
        return
    from indexer.sources import SourceProblem, read_source

    for source in corpus["sources"]:
        for item in read_source(source):
            if not isinstance(item, SourceProblem):
                yield item


def doc_texts(doc) -> tuple[str, str]:
    """The title and content our analyzer segments (see Document.index_fields)."""
    fields = doc.index_fields()
    return fields.get("title", ""), fields.get("content", "")


# -- workers (run as subprocesses so each one's memory is its own) -------------------------------

def worker_floor(work: Path, corpus: dict, queries: list[str]) -> dict:
    """pyvi alone: ViTokenizer.tokenize over the same title and content; writes the segmented text."""
    from pyvi.ViTokenizer import ViTokenizer

    docs = [(d.id, *doc_texts(d)) for d in documents(corpus)]
    nbytes = sum(len(t.encode()) + len(c.encode()) for _, t, c in docs)
    ViTokenizer.tokenize("khởi động")  # the model is loaded at import; keep the first call out too
    started = time.perf_counter()
    segmented = [(i, ViTokenizer.tokenize(t), ViTokenizer.tokenize(c)) for i, t, c in docs]
    seconds = time.perf_counter() - started
    with open(work / "segmented.jsonl", "w", encoding="utf-8") as out:
        for i, t, c in segmented:
            out.write(json.dumps({"id": i, "title": t, "content": c}, ensure_ascii=False) + "\n")
    with open(work / "queries_segmented.json", "w", encoding="utf-8") as out:
        json.dump([ViTokenizer.tokenize(q) for q in queries], out, ensure_ascii=False)
    return {"seconds": seconds, "docs": len(docs), "bytes": nbytes}


def worker_whoosh_standard(work: Path, corpus: dict) -> dict:
    """A bare Whoosh index of the same documents with StandardAnalyzer, same writer settings as ours."""
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer

    from indexer.engines.whoosh.writing import _open_writer
    from indexer.writing import default_procs

    analyzer = StandardAnalyzer()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), site=fields.ID(stored=True),
                           title=fields.TEXT(analyzer=analyzer, stored=True),
                           content=fields.TEXT(analyzer=analyzer), body=fields.STORED(), url=fields.STORED())
    path = work / "whoosh_standard"
    path.mkdir()
    started = time.perf_counter()
    ix = index.create_in(str(path), schema)
    writer = _open_writer(ix, default_procs(), 10**6)
    n = 0
    for doc in documents(corpus):
        title, content = doc_texts(doc)
        writer.update_document(id=doc.id, site=doc.site, title=title, content=content, body=doc.body, url=doc.url)
        n += 1
    writer.commit()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "docs": ix.doc_count(), "written": n, "size": dir_size(path)}


def _tantivy_tokens(segmented: str) -> list[str]:
    return [w for w in segmented.lower().split() if any(ch.isalnum() for ch in w)]


def worker_tantivy(work: Path) -> dict:
    """tantivy on the pyvi-segmented text (whitespace tokens, lower case): the speed ceiling."""
    import tantivy

    rows = [json.loads(line) for line in open(work / "segmented.jsonl", encoding="utf-8")]
    texts = [(r["id"], " ".join(_tantivy_tokens(r["title"])), " ".join(_tantivy_tokens(r["content"]))) for r in rows]
    path = work / "tantivy"
    path.mkdir()
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="whitespace")
    builder.add_text_field("content", stored=True, tokenizer_name="whitespace")
    schema = builder.build()
    ix = tantivy.Index(schema, path=str(path))
    writer = ix.writer(256_000_000, 2)  # heap, threads: both cores
    for i, title, content in texts:
        writer.add_document(tantivy.Document(id=i, title=title, content=content))
    writer.commit()
    writer.wait_merging_threads()
    return {"seconds": time.perf_counter() - started, "docs": len(texts), "size": dir_size(path)}


# -- searching -------------------------------------------------------------------------------------

WARM_UP = "khởi động"


def tracuu_engine(backend):
    """A timed step for ``time_side_by_side``: one uncached search on a tracuu backend (Web scope,
    facets and highlights on, as the page asks); the pipeline's stage times and the total."""
    from indexer import SearchRequest

    backend.warm_up()  # the vocabulary, as a serving worker has it before its first request
    for q in (WARM_UP, "thủ tục hành chính", "Công an xã xử phạt lỗi không mang bằng lái xe có đúng không?"):
        backend.search(SearchRequest(q=q, scope="web"))  # searchers, pyvi, caches of the engine

    def run(row):
        result = backend.search(SearchRequest(q=row["q"], scope="web"))
        return {"stages": dict(result.stages), "total": result.total}
    return run


class BareWhoosh:
    """The baseline: the bare Whoosh index of the same documents (``worker_whoosh_standard``),
    searched as a Whoosh user would without tracuu: the query's words through StandardAnalyzer,
    each one in title or content, all of them required (AND) for a short query, any (OR) for a long
    question, BM25F, the top 10 with their stored title and URL. It is the query MultifieldParser
    builds for plain words, built directly so that its syntax (a question's "?" is a wildcard)
    does not change the query."""

    def __init__(self, path: Path):
        from whoosh import index, scoring

        self.ix = index.open_dir(str(path))
        self.searcher = self.ix.searcher(weighting=scoring.BM25F())
        self.analyzer = self.ix.schema["content"].analyzer

    def search(self, text: str, require_all: bool) -> int:
        from whoosh.query import And, Or, Term

        words = list(dict.fromkeys(token.text for token in self.analyzer(text)))
        query = (And if require_all else Or)([Or([Term("title", w), Term("content", w)]) for w in words])
        results = self.searcher.search(query, limit=10)
        for hit in results:
            hit.get("title"), hit.get("url")
        return results.scored_length()

    def engine(self):
        """A timed step for ``time_side_by_side``: AND for short queries, OR for long questions."""
        for q in (WARM_UP, "thủ tục hành chính"):
            self.search(q, True)

        def run(row):
            return {"total": self.search(row["q"], require_all=query_class(row["kind"]) == SHORT)}
        return run

    def rate(self, rows: list[dict], seconds: float) -> dict:
        """Queries/s in this one thread over the log in its order (the mix wrk replays), for ``seconds``."""
        done, started = 0, time.perf_counter()
        for row in itertools.cycle(rows):
            self.search(row["q"], require_all=query_class(row["kind"]) == SHORT)
            done += 1
            if time.perf_counter() - started >= seconds:
                break
        elapsed = time.perf_counter() - started
        return {"queries": done, "seconds": elapsed, "qps": done / elapsed}

    def close(self):
        self.searcher.close()
        self.ix.close()


def time_side_by_side(engines: dict, rows: list[dict]) -> dict:
    """Each query on every engine in turn, so that a busy moment of the shared machine falls on all
    of them alike: per engine the milliseconds, the stage times (tracuu) and the hit counts."""
    out = {name: {"ms": [], "stages": [], "totals": []} for name in engines}
    for n, row in enumerate(rows, 1):
        for name, run in engines.items():
            started = time.perf_counter()
            info = run(row)
            out[name]["ms"].append((time.perf_counter() - started) * 1000)
            out[name]["totals"].append(info["total"])
            if "stages" in info:
                out[name]["stages"].append(info["stages"])
        if n % 50 == 0:
            log(f"  {n}/{len(rows)}")
    return out


class OpenSearchSide:
    """tracuu on OpenSearch at one node beside Whoosh: the run's documents in a fresh index of its
    own (1 shard, no replica), searched through the same backend API, the result cache off.

    ``url`` is a running node (the bench's index there is deleted at the end), or "start" for a
    node of scripts/opensearch-cluster.sh in the work folder (as bench/opensearch_scale.py does),
    stopped at the end."""

    def __init__(self, url: str, work: Path, heap: str):
        self.url, self.work, self.heap = url, work, heap
        self.cluster = None
        self.backend = None
        self.alias = f"tracuu-speed-{os.getpid()}-{random.randrange(16**6):06x}"

    def __enter__(self):
        from indexer import BackendSettings, open_backend

        url = self.url
        if url == "start":
            sys.path.insert(0, str(ROOT / "bench"))
            from opensearch_scale import Cluster

            self.cluster = Cluster(self.work, 1, self.heap).__enter__()
            url = self.cluster.url
        self.settings = BackendSettings(backend="opensearch", opensearch_url=url, opensearch_index=self.alias,
                                        opensearch_shards=1, opensearch_replicas=0,
                                        index_dir=self.work / "opensearch-home", cache_size=0)
        self.backend = open_backend(self.settings)
        return self

    def index(self, docs) -> dict:
        from opensearchpy import OpenSearch

        started = time.perf_counter()
        report = self.backend.index_documents(docs)
        seconds = time.perf_counter() - started
        client = OpenSearch(hosts=self.settings.opensearch_url.split(","), timeout=300)
        client.indices.flush(index=self.alias)
        client.cluster.health(index=self.alias, wait_for_status="yellow", timeout="300s", request_timeout=330)
        return {"docs": report.indexed, "seconds": seconds, "url": "started here" if self.cluster else "given"}

    def __exit__(self, *exc):
        try:
            if self.cluster:
                self.cluster.stop()
            elif self.backend is not None:
                from opensearchpy import OpenSearch

                client = OpenSearch(hosts=self.settings.opensearch_url.split(","), timeout=60)
                ours = client.indices.get(index=f"{self.alias}*", allow_no_indices=True, expand_wildcards="all")
                for name in ours:
                    client.indices.delete(index=name, ignore_unavailable=True)
        except Exception as exc:  # the figures matter more than the clean-up; say what was left
            log(f"OpenSearch clean-up failed ({exc}); indexes {self.alias}* may be left")


def repeated_vs_cold(index_dir: Path, queries: list[str]) -> tuple[list[float], list[float]]:
    """Each query cold (first time in this process) then repeated, with the cache on."""
    from indexer import SearchRequest, WhooshBackend
    from indexer.engines.whoosh.store import IndexStore

    service = WhooshBackend(IndexStore(index_dir))
    service.warm_up()
    service.search(SearchRequest(q=WARM_UP, scope="web"))
    cold, warm = [], []
    for q in queries:
        for bucket in (cold, warm):
            started = time.perf_counter()
            service.search(SearchRequest(q=q, scope="web"))
            bucket.append((time.perf_counter() - started) * 1000)
    return cold, warm


def search_tantivy(work: Path) -> list[float]:
    """The same queries, pre-segmented: every word required (any, when none has all), top 10 with a
    highlighted snippet and the total count; no facets (the bindings have none)."""
    import tantivy

    ix = tantivy.Index.open(str(work / "tantivy"))
    ix.reload()
    searcher = ix.searcher()
    schema = ix.schema
    segmented = json.load(open(work / "queries_segmented.json", encoding="utf-8"))
    times = []
    for text in segmented:
        words = list(dict.fromkeys(_tantivy_tokens(text)))[:48]
        started = time.perf_counter()
        if words:
            def per_word(w, occur):
                return (occur, tantivy.Query.boolean_query([
                    (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(schema, "title", w), 3.0)),
                    (tantivy.Occur.Should, tantivy.Query.term_query(schema, "content", w))]))
            query = tantivy.Query.boolean_query([per_word(w, tantivy.Occur.Must) for w in words])
            result = searcher.search(query, 10, count=True)
            if result.count == 0 and len(words) > 1:
                query = tantivy.Query.boolean_query([per_word(w, tantivy.Occur.Should) for w in words])
                result = searcher.search(query, 10, count=True)
            snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "content")
            for _score, address in result.hits:
                doc = searcher.doc(address)
                snippets.snippet_from_doc(doc).to_html()
        times.append((time.perf_counter() - started) * 1000)
    return times


# -- HTTP ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``tracuu serve`` (gunicorn) on loopback, with the rate limit off (every request comes from
    one address) and the access log discarded."""

    def __init__(self, index_dir: Path, workers: int, threads: int | None, cache_size: int):
        self.port = free_port()
        env = dict(os.environ, TRACUU_SEARCH_CACHE_SIZE=str(cache_size), TRACUU_RATE_LIMIT='""')
        cmd = [TRACUU, "--index-dir", str(index_dir), "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(workers)]
        if threads:
            cmd += ["--threads", str(threads)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                                     start_new_session=True)
        deadline = time.time() + 240  # the master builds the vocabulary first: seconds on a big index
        while time.time() < deadline:
            try:
                status, _ = self.get("/api/search?q=kh%E1%BB%9Fi+%C4%91%E1%BB%99ng&scope=web")
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("tracuu serve exited at start")
            time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError("tracuu serve did not answer within 240 s")
        # Let every worker open its searcher before anything is measured.
        for _ in range(8 * workers):
            self.get("/api/search?q=kh%E1%BB%9Fi+%C4%91%E1%BB%99ng&scope=web")

    def get(self, path, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            return response.status, body
        finally:
            if own:
                conn.close()

    def worker_rss_mb(self) -> list[float]:
        import psutil

        return [p.memory_info().rss / 2**20 for p in psutil.Process(self.proc.pid).children()]

    def worker_memory_mb(self) -> list[dict]:
        """RSS, PSS and USS of each worker. RSS counts every page a worker maps, once per mapping:
        pages shared with the master (pyvi, vocabulary) and the index files each thread's
        searcher maps (the same page cache, counted again per searcher); USS is the worker's own."""
        import psutil

        out = []
        for p in psutil.Process(self.proc.pid).children():
            info = p.memory_full_info()
            out.append({k: round(getattr(info, k) / 2**20, 1) for k in ("rss", "pss", "uss")})
        return out

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def search_path(q: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, "scope": "web"})


def sequential(server: Server, paths: list[str], repeat: int = 1) -> tuple[list[float], int]:
    """Each path ``repeat`` times in a row on one keep-alive connection (so on one worker, whose
    cache a repeat can hit); the times of all requests in order."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times, errors = [], 0
    for path in (p for p in paths for _ in range(repeat)):
        started = time.perf_counter()
        try:
            status, _ = server.get(path, conn)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        errors += status != 200
    conn.close()
    return times, errors


WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local threads, counter, n = {}, 0, 0
function setup(thread)
  thread:set("offset", n * 7919)
  n = n + 1
  table.insert(threads, thread)
end
function init(args) counter = offset end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50": %.3f, "p99": %.3f, "max": %.3f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def wrk(server: Server, work: Path, paths: list[str], clients: int, duration: float) -> dict:
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    listing = work / f"paths-{len(paths)}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    cmd = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{duration:.0f}s", "--timeout", "20s",
           "-s", str(script), f"http://127.0.0.1:{server.port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, WRK_PATHS=str(listing)), check=True)
    line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
    result = json.loads(line)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def suggest_paths(queries: list[str], limit: int) -> list[str]:
    """Every keystroke from the 2nd character of the visitor queries, as the search box sends them."""
    paths = []
    for q in queries:
        for end in range(2, len(q) + 1):
            if q[end - 1] != " ":
                paths.append("/api/suggest?" + urllib.parse.urlencode({"q": q[:end], "scope": "web"}))
    return paths[:limit]


# -- the run ---------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small slices: about two minutes")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchdata folder (read in place)")
    ap.add_argument("--docs", type=int, help="documents per corpus file (news: 3x); default all, --quick 150")
    ap.add_argument("--queries", type=int, help="queries in the log; default 2000, --quick 300")
    ap.add_argument("--latency-sample", type=int, help="queries of each class timed one by one in-process and "
                                                        "over HTTP (default 200, --quick all)")
    ap.add_argument("--repeat-sample", type=int, help="visitor queries timed cold then repeated, and replayed for the memory run (default 40)")
    ap.add_argument("--duration", type=float, help="seconds per throughput run; default 12, --quick 4")
    ap.add_argument("--requests", type=int, help="requests a serving worker's memory is followed over "
                                                  "(default 10000, --quick 3000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="threads per worker (default: tracuu serve's)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: baselines (bare Whoosh and tantivy), "
                                               "tantivy, http (everything over HTTP), wrk (throughput and memory)")
    ap.add_argument("--keep", type=Path, help="keep the work folder (indexes) here")
    ap.add_argument("--index", type=Path, help="search this tracuu index instead of building one: skips tracuu's "
                                               "indexing; the baselines are built from the documents stored in it")
    ap.add_argument("--opensearch-url", help="also time tracuu on OpenSearch at one node, on the same documents: "
                                             "the URL of a running node (a fresh index, deleted at the end), or "
                                             "'start' to start one with scripts/opensearch-cluster.sh")
    ap.add_argument("--opensearch-heap", default="512m", help="heap of a node started with --opensearch-url start")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--report", type=Path, help="print the table of a run saved with --json, and stop")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.report:
        fig = json.loads(args.report.read_text(encoding="utf-8"))
        for key in ("wrk", "wrk_1worker"):  # JSON turned the client counts into strings
            if key in fig:
                fig[key] = {int(k): v for k, v in fig[key].items()}
        report(fig, fig["floor"]["bytes"] / 1e6 if "floor" in fig else 0.0)
        return
    if args.worker:
        spec = json.loads((args.work / "spec.json").read_text(encoding="utf-8"))
        corpus = spec.get("corpus") or {"sources": spec["sources"]}
        fn = {"floor": lambda: worker_floor(args.work, corpus, spec["queries"]),
              "whoosh-standard": lambda: worker_whoosh_standard(args.work, corpus),
              "tantivy": lambda: worker_tantivy(args.work)}[args.worker]
        print(json.dumps(fn()))
        return

    if args.index and args.docs is not None:
        ap.error("--docs does not apply with --index: the documents are the ones stored in that index")
    if args.index and not (args.index / "CURRENT").exists():
        ap.error(f"{args.index} is not a tracuu index (no CURRENT file)")
    if args.opensearch_url == "start" and not shutil.which("java"):
        ap.error("--opensearch-url start needs java (scripts/opensearch-cluster.sh)")
    docs_cap = args.docs if args.docs is not None else (150 if args.quick else None)
    n_queries = args.queries or (300 if args.quick else 2000)
    duration = args.duration or (4 if args.quick else 12)
    mem_requests = args.requests or (3000 if args.quick else 10000)
    skip = set(filter(None, args.skip.split(",")))
    if "baselines" in skip:
        skip.add("tantivy")
    if "http" in skip:
        skip.add("wrk")
    if not shutil.which("wrk") and "wrk" not in skip:
        sys.exit("wrk not found: apt-get install wrk (or --skip wrk)")

    work = Path(tempfile.mkdtemp(prefix="tracuu-speed-", dir=args.keep.parent if args.keep else None))
    fig: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cores": os.cpu_count(), "workers": args.workers}
    try:
        from indexer import WhooshBackend
        from indexer.engines.whoosh.store import IndexStore

        if args.index:  # the baselines get the documents stored in it: exactly what tracuu indexed
            corpus = {"index": str(args.index.resolve())}
        else:
            corpus = {"sources": prepare_corpus(args.data, work, docs_cap)}
        log_rows = query_log(args.data, n_queries)
        queries = [r["q"] for r in log_rows]
        visitor = [r["q"] for r in log_rows if r["kind"] != "question"]
        # Latencies one by one on a seeded sample of each class (the same queries everywhere); the
        # throughput runs replay the whole log.
        per_class = args.latency_sample or (len(queries) if args.quick else 200)
        sample_idx = latency_sample(log_rows, per_class)
        lat_rows = [log_rows[i] for i in sample_idx]
        lat_queries = [r["q"] for r in lat_rows]
        fig["sample_idx"] = sample_idx
        fig["query_kinds"] = [r["kind"] for r in lat_rows]
        repeat_visitor = visitor[:args.repeat_sample or 40]
        fig["queries"] = {"total": len(queries), "visitor": len(visitor), "questions": len(queries) - len(visitor)}
        fig["classes"] = {}
        for cls in (SHORT, LONG):
            words = sorted(len(r["q"].split()) for r in log_rows if query_class(r["kind"]) == cls)
            if words:
                fig["classes"][cls] = {"log": len(words), "words": [words[0], words[len(words) // 2], words[-1]]}
        (work / "spec.json").write_text(json.dumps({"corpus": corpus, "queries": queries}, ensure_ascii=False))
        worker = [sys.executable, __file__, "--work", str(work), "--worker"]

        def save():  # after every phase, so a run cut short still leaves its figures
            if args.json:
                args.json.write_text(json.dumps(fig, ensure_ascii=False, default=str), encoding="utf-8")

        # -- indexing
        if args.index:
            index_dir = args.index
            with IndexStore(index_dir).open().searcher() as searcher:
                fig["docs"] = searcher.doc_count()
            fig["index"] = str(index_dir)
            log(f"reusing {index_dir} ({fig['docs']} documents): no tracuu indexing; baselines from its stored documents")
        else:
            index_dir = work / "tracuu"
        if not args.index or "tantivy" not in skip:  # the floor of our indexing, and tantivy's input
            log("pyvi alone (the floor) ...")
            floor = run_measured(worker + ["floor"])
            fig["floor"] = floor
            log(f"  {floor['docs']} docs, {floor['bytes'] / 1e6:.1f} MB in {floor['seconds']:.1f} s")
            save()
        if not args.index:
            log("tracuu index (full rebuild) ...")
            fig["tracuu_index"] = run_measured([TRACUU, "--index-dir", str(index_dir), "index", "--quiet",
                                                *corpus["sources"]])
            fig["tracuu_index"]["seconds"] = fig["tracuu_index"]["wall"]
            fig["tracuu_index"]["size"] = dir_size(index_dir)
            with IndexStore(index_dir).open().searcher() as searcher:
                fig["docs"] = fig["tracuu_index"]["docs"] = searcher.doc_count()
            log(f"  {fig['tracuu_index']['wall']:.1f} s")
            save()
        if "baselines" not in skip:
            log("Whoosh StandardAnalyzer ...")
            fig["whoosh_standard"] = run_measured(worker + ["whoosh-standard"])
            if fig["whoosh_standard"]["docs"] != fig["docs"]:
                raise RuntimeError(f"the bare Whoosh index has {fig['whoosh_standard']['docs']} documents, "
                                   f"tracuu's {fig['docs']}: not the same corpus")
        if "tantivy" not in skip:
            log("tantivy ...")
            fig["tantivy_index"] = run_measured(worker + ["tantivy"])
        save()

        # -- searching, in process: each query on each engine in turn
        with contextlib.ExitStack() as stack:
            engines = {"tracuu": tracuu_engine(WhooshBackend(IndexStore(index_dir), cache_size=0))}
            bare = None
            if "baselines" not in skip:
                bare = BareWhoosh(work / "whoosh_standard")
                stack.callback(bare.close)
                engines["bare_whoosh"] = bare.engine()
            if args.opensearch_url:
                log(f"OpenSearch, 1 node ({args.opensearch_url}): indexing the same documents ...")
                side = stack.enter_context(OpenSearchSide(args.opensearch_url, work, args.opensearch_heap))
                fig["opensearch"] = side.index(documents(corpus))
                log(f"  {fig['opensearch']['docs']} docs in {fig['opensearch']['seconds']:.1f} s")
                if fig["opensearch"]["docs"] != fig["docs"]:
                    raise RuntimeError(f"OpenSearch indexed {fig['opensearch']['docs']} documents, tracuu's index "
                                       f"has {fig['docs']}: not the same corpus")
                engines["opensearch"] = tracuu_engine(side.backend)
            log(f"in-process search, {len(lat_rows)} queries on {', '.join(engines)}, cache off ...")
            timed = time_side_by_side(engines, lat_rows)
        fig["inproc"], fig["inproc_stages"] = timed["tracuu"]["ms"], timed["tracuu"]["stages"]
        fig["inproc_totals"] = timed["tracuu"]["totals"]
        if "bare_whoosh" in timed:
            fig["bare_whoosh"], fig["bare_whoosh_totals"] = timed["bare_whoosh"]["ms"], timed["bare_whoosh"]["totals"]
        if "opensearch" in timed:
            fig["opensearch"].update(ms=timed["opensearch"]["ms"], stages=timed["opensearch"]["stages"],
                                     totals=timed["opensearch"]["totals"])
        save()
        if "tantivy" not in skip:
            log("tantivy search ...")
            fig["tantivy_search"] = search_tantivy(work)
        log("repeated vs cold ...")
        fig["cold"], fig["repeated"] = repeated_vs_cold(index_dir, repeat_visitor)
        save()
        if "baselines" not in skip and "wrk" not in skip:
            log(f"bare Whoosh, one thread, the whole log in order for {duration:.0f} s ...")
            bare = BareWhoosh(work / "whoosh_standard")
            try:
                bare.engine()  # warm up
                fig["bare_whoosh_rate"] = bare.rate(log_rows, duration)
            finally:
                bare.close()
            save()

        # -- HTTP
        if "http" not in skip:
            paths = [search_path(q) for q in queries]
            lat_paths = [search_path(q) for q in lat_queries]
            repeat_paths = [search_path(q) for q in repeat_visitor]
            log(f"HTTP: tracuu serve, {args.workers} workers, cache off, {len(lat_paths)} queries each sent once ...")
            server = Server(index_dir, args.workers, args.threads, cache_size=0)
            served = 0
            try:
                fig["rss_start"] = server.worker_rss_mb()
                fig["http_seq"], errors = sequential(server, lat_paths)
                served += len(lat_paths)
                fig["http_seq_errors"] = errors
                sugg = suggest_paths(visitor, max(200, len(lat_queries)))
                fig["suggest"], fig["suggest_errors"] = sequential(server, sugg)
                served += len(sugg)
                if "wrk" not in skip:
                    fig["wrk"] = {}
                    for clients in (1, 4, 16):
                        log(f"  wrk {clients} clients ...")
                        fig["wrk"][clients] = wrk(server, work, paths, clients, duration)
                        served += fig["wrk"][clients]["requests"]
                fig["rss_cold_end"] = server.worker_rss_mb()
                fig["mem_cold_end"] = server.worker_memory_mb()
                fig["served_cold"] = served
                save()
            finally:
                server.stop()

            if "wrk" not in skip:
                log("HTTP: 1 worker, cache off ...")
                server = Server(index_dir, 1, args.threads, cache_size=0)
                try:
                    fig["wrk_1worker"] = {c: wrk(server, work, paths, c, duration) for c in (4, 16)}
                    save()
                finally:
                    server.stop()

            log(f"HTTP: {args.workers} workers, cache on (the production setting): repeated vs cold"
                + (f", memory over {mem_requests} requests of repeated visitor queries ..." if "wrk" not in skip else " ..."))
            server = Server(index_dir, args.workers, args.threads, cache_size=1024)
            try:
                mem = [(0, server.worker_memory_mb())]
                pairs, _ = sequential(server, repeat_paths, repeat=2)
                fig["http_cold"], fig["http_repeated"] = pairs[0::2], pairs[1::2]
                done = 2 * len(repeat_paths)
                mem.append((done, server.worker_memory_mb()))
                stop_at = time.time() + max(120.0, duration * 10)  # also bounded in time
                while "wrk" not in skip and done < mem_requests and time.time() < stop_at:
                    r = wrk(server, work, repeat_paths, 16, max(2.0, duration / 3))
                    fig["wrk_cached"] = r  # the last run: the steady state
                    done += r["requests"]
                    mem.append((done, server.worker_memory_mb()))
                if "wrk" not in skip:
                    fig["mem_cached"] = mem
            finally:
                server.stop()
        fig["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        report(fig, fig["floor"]["bytes"] / 1e6 if "floor" in fig else 0.0)
        if args.json:
            args.json.write_text(json.dumps(fig, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    finally:
        if args.keep:
            if args.keep.exists():
                shutil.rmtree(args.keep)
            shutil.move(str(work), args.keep)
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(fig: dict, mb: float) -> None:
    """Print the run's tables; a run cut short prints what it has."""
    lines: list[str] = []
    try:
        _report(fig, mb, lines)
    except KeyError as exc:
        lines.append(f"(the run stopped before {exc} was measured)")
    print("\n".join(lines))


STAGES = ("understand", "stats", "plan", "retrieve", "rerank", "present")
PYTHON_STAGES = ("understand", "plan", "rerank", "present")  # stats and retrieve are the engine's


def by_class(fig: dict, values: list, cls: str) -> list:
    """The values (aligned with the latency sample) of the queries of one class."""
    return [v for v, kind in zip(values, fig.get("query_kinds") or []) if query_class(kind) == cls]


def python_share(times: list[float], stages: list[dict]) -> float:
    """Time in understand + plan + rerank + present over the whole search time, summed over queries."""
    return ratio(sum(sum(st.get(name, 0.0) for name in PYTHON_STAGES) for st in stages), sum(times))


def _report(fig: dict, mb: float, lines: list[str]) -> None:
    floor = fig.get("floor")
    docs = fig["docs"] if "docs" in fig else floor["docs"]
    q = fig["queries"]
    lines += [f"tracuu speed, {fig['started']}, {fig['cores']} cores; {docs} documents"
              + (f", {mb:.1f} MB of text" if mb else "") + (f" (the index {fig['index']})" if fig.get("index") else "")
              + f"; log of {q['total']} queries ({q['visitor']} visitor, {q['questions']} questions), "
              f"{len(fig.get('sample_idx') or [])} of them timed one by one", ""]
    for cls, c in (fig.get("classes") or {}).items():
        timed = len(by_class(fig, fig["sample_idx"], cls))
        source = "bench/queries/speed_log_visitor.jsonl" if cls == SHORT else "the benchmark's legal questions"
        lines.append(f"- {CLASS_NAMES[cls]}: {source}; {c['words'][0]}-{c['words'][2]} words "
                     f"(median {c['words'][1]}); {c['log']} in the log, {timed} timed one by one")
    if fig.get("classes"):
        lines.append("")
    if floor or "tracuu_index" in fig or "whoosh_standard" in fig:
        lines.append("| indexing | s | docs/s | MB/s | peak MB | index MB | time vs pyvi |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")

    def irow(name, r, seconds_key="seconds"):
        s = r[seconds_key]
        size = f"{r['size'] / 2**20:.0f}" if r.get("size") else "–"
        mbs = f"{mb / s:.2f}" if mb else "–"
        vs = f"{s / floor['seconds']:.2f}x" if floor else "–"
        lines.append(f"| {name} | {s:.1f} | {docs / s:.0f} | {mbs} | {r['peak_mb']:.0f} | {size} | {vs} |")

    if floor:
        irow("pyvi alone, 1 process (floor)", floor)
    if "tracuu_index" in fig:
        irow("**tracuu index**, full rebuild", fig["tracuu_index"])
    if "whoosh_standard" in fig:
        irow("Whoosh + StandardAnalyzer", fig["whoosh_standard"])
    if "tantivy_index" in fig:
        irow("tantivy, pre-segmented text", fig["tantivy_index"])
    if "opensearch" in fig:
        o = fig["opensearch"]
        mbs = f"{mb / o['seconds']:.2f}" if mb else "–"
        lines.append(f"| tracuu on OpenSearch, 1 node ({o['url']}) | {o['seconds']:.1f} | {o['docs'] / o['seconds']:.0f} "
                     f"| {mbs} | – | – | – |")
    lines += ["", "| searching (ms) | p50 | p95 | p99 | p99/p50 | p50 vs in-process |", "|---|---:|---:|---:|---:|---:|"]
    base = pct(fig["inproc"], 50)

    def srow(name, times, ref=base):
        p50 = pct(times, 50)
        lines.append(f"| {name} | {p50:.1f} | {pct(times, 95):.1f} | {pct(times, 99):.1f} | {pct(times, 99) / p50:.1f} | "
                     f"{p50 / ref:.2f}x |")

    srow("**tracuu in-process**, cache off", fig["inproc"])
    tantivy_times = None
    if "tantivy_search" in fig:
        tantivy_times = [fig["tantivy_search"][i] for i in fig.get("sample_idx") or range(len(fig["tantivy_search"]))]
    if "inproc_stages" not in fig:  # a run saved before the classes had their own table
        kinds = fig.get("query_kinds") or []
        for label, keep in (("visitor queries", lambda k: k != "question"), ("questions", lambda k: k == "question")):
            part = [t for t, k in zip(fig["inproc"], kinds) if keep(k)]
            if part:
                srow(f"  tracuu in-process, {label} only", part)
        if tantivy_times:
            srow("tantivy in-process, pre-segmented", tantivy_times)
    if "http_seq" in fig:
        srow("**tracuu HTTP** (gunicorn), 1 client", fig["http_seq"])
        srow("autocomplete HTTP (/api/suggest), each keystroke", fig["suggest"])
    srow("cold visitor query, in-process", fig["cold"])
    srow("same query repeated (cache hit), in-process", fig["repeated"])
    if "http_cold" in fig:
        srow("cold visitor query, HTTP", fig["http_cold"])
        srow("same query repeated (cache hit), HTTP", fig["http_repeated"])

    # Per query class, against the bare Whoosh baseline of the same run.
    ref = {}
    workers = fig.get("workers", 2)
    if "inproc_stages" in fig:  # runs saved before the classes had their own table have none
        lines += ["", "| by query class (ms), one query at a time | queries | p50 | p95 | p99 | "
                      "p50 vs bare Whoosh | p95 vs bare Whoosh |", "|---|---:|---:|---:|---:|---:|---:|"]
        for cls in (SHORT, LONG):
            bare = by_class(fig, fig.get("bare_whoosh") or [], cls)
            if bare:
                ref[cls] = (pct(bare, 50), pct(bare, 95))

            def crow(name, times):
                if times:
                    p50, p95 = pct(times, 50), pct(times, 95)
                    vs = (f"{ratio(p50, ref[cls][0]):.2f}x | {ratio(p95, ref[cls][1]):.2f}x" if cls in ref
                          else "– | –")
                    lines.append(f"| {name} | {len(times)} | {p50:.1f} | {p95:.1f} | {pct(times, 99):.1f} | {vs} |")

            crow(f"**{CLASS_NAMES[cls]}**: tracuu in-process, cache off", by_class(fig, fig["inproc"], cls))
            if "http_seq" in fig:
                crow(f"{CLASS_NAMES[cls]}: tracuu HTTP, {workers} workers, each query once",
                     by_class(fig, fig["http_seq"], cls))
            if "opensearch" in fig:
                crow(f"{CLASS_NAMES[cls]}: tracuu on OpenSearch (1 node) in-process", by_class(fig, fig["opensearch"]["ms"], cls))
            if bare:
                empty = sum(1 for n in by_class(fig, fig.get("bare_whoosh_totals") or [], cls) if not n)
                crow(f"{CLASS_NAMES[cls]}: bare Whoosh ({'AND' if cls == SHORT else 'OR'}; {empty} found nothing)", bare)
            if tantivy_times:
                crow(f"{CLASS_NAMES[cls]}: tantivy, pre-segmented", by_class(fig, tantivy_times, cls))

    # Where the time goes, stage by stage.
    if fig.get("inproc_stages"):
        lines += ["", "| stages, in-process, cache off (ms, p50 / p95) | " + " | ".join(STAGES)
                  + " | outside the stages | whole search | Python stages' share |",
                  "|---|" + "---:|" * (len(STAGES) + 3)]
        runs = [("tracuu (Whoosh)", fig["inproc"], fig["inproc_stages"])]
        if "opensearch" in fig:
            runs.append(("tracuu on OpenSearch", fig["opensearch"]["ms"], fig["opensearch"]["stages"]))
        for cls in (SHORT, LONG):
            for name, times, stages in runs:
                times, stages = by_class(fig, times, cls), by_class(fig, stages, cls)
                if not times:
                    continue
                cells = []
                for stage in STAGES:
                    values = [st.get(stage, 0.0) for st in stages]
                    cells.append(f"{pct(values, 50):.1f} / {pct(values, 95):.1f}")
                outside = [t - sum(st.values()) for t, st in zip(times, stages)]
                cells.append(f"{pct(outside, 50):.1f} / {pct(outside, 95):.1f}")
                cells.append(f"{pct(times, 50):.1f} / {pct(times, 95):.1f}")
                cells.append(f"{python_share(times, stages):.0%}")
                lines.append(f"| {CLASS_NAMES[cls]}, {name} | " + " | ".join(cells) + " |")

    if "wrk" in fig:
        lines += ["", "| throughput (HTTP, cache off) | req/s | p50 ms | p99 ms | errors | vs 1 client |",
                  "|---|---:|---:|---:|---:|---:|"]
        one = fig["wrk"][1]["rps"]
        for clients, r in fig["wrk"].items():
            lines.append(f"| {workers} workers, {clients} clients | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                         f"{r['errors']} | {ratio(r['rps'], one):.2f}x |")
        for clients, r in fig.get("wrk_1worker", {}).items():
            lines.append(f"| 1 worker, {clients} clients | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                         f"{r['errors']} | {ratio(r['rps'], one):.2f}x |")
        r = fig.get("wrk_cached")
        if r:
            lines.append(f"| {workers} workers, 16 clients, repeated visitor queries, cache on | {r['rps']:.1f} | {r['p50']:.1f} | "
                             f"{r['p99']:.1f} | {r['errors']} | {ratio(r['rps'], one):.2f}x |")
        r = fig.get("bare_whoosh_rate")
        if r:
            lines.append(f"| bare Whoosh, 1 thread in-process, the same log in order ({r['queries']} queries) | "
                         f"{r['qps']:.1f} | – | – | – | {ratio(r['qps'], one):.2f}x |")

    lines += ["", "| target | measured | met |", "|---|---:|:-:|"]

    def target(name, value, ok):
        lines.append(f"| {name} | {value} | {'yes' if ok else '**no**'} |")

    def against_bare(name, cls, times, p, limit):
        """``times``' percentile ``p`` of class ``cls`` over bare Whoosh's, at most ``limit``."""
        part = by_class(fig, times, cls)
        if part and cls in ref:
            r = ratio(pct(part, p), ref[cls][0 if p == 50 else 1])
            target(f"{CLASS_NAMES[cls]}, {name} p{p} <= {limit:g}x bare Whoosh ({'AND' if cls == SHORT else 'OR'})",
                   f"{r:.2f}x", r <= limit)

    against_bare("in-process", SHORT, fig["inproc"], 50, 3)
    against_bare("in-process", SHORT, fig["inproc"], 95, 4)
    if "http_seq" in fig:
        against_bare(f"HTTP ({workers} workers, each query once)", SHORT, fig["http_seq"], 50, 4)
        against_bare(f"HTTP ({workers} workers, each query once)", SHORT, fig["http_seq"], 95, 5)
    against_bare("in-process", LONG, fig["inproc"], 50, 1)
    if "wrk" in fig and fig.get("bare_whoosh_rate"):
        r = ratio(fig["wrk"][16]["rps"], fig["bare_whoosh_rate"]["qps"])
        target(f"tracuu serve, {workers} workers, 16 clients >= 1.5x bare Whoosh's q/s in one thread (same query mix)",
               f"{r:.2f}x", r >= 1.5)
    if "opensearch" in fig:
        o = fig["opensearch"]
        for cls in (SHORT, LONG):
            mine, whoosh = by_class(fig, o["ms"], cls), by_class(fig, fig["inproc"], cls)
            if mine:
                r = ratio(pct(mine, 50), pct(whoosh, 50))
                target(f"{CLASS_NAMES[cls]}, OpenSearch p50 <= Whoosh's p50 (in-process)", f"{r:.2f}x", r <= 1)
                share = python_share(mine, by_class(fig, o["stages"], cls))
                target(f"{CLASS_NAMES[cls]}, OpenSearch: Python stages < 20 % of the search time", f"{share:.0%}",
                       share < 0.2)
    if floor and "tracuu_index" in fig:
        ti = fig["tracuu_index"]["seconds"] / floor["seconds"]
        target("full rebuild <= 2x pyvi alone", f"{ti:.2f}x", ti <= 2)
    if "tantivy_index" in fig and "tracuu_index" in fig:
        lines.append(f"| indexing time vs tantivy (ceiling) | {fig['tracuu_index']['seconds'] / fig['tantivy_index']['seconds']:.0f}x | – |")
    if tantivy_times:
        lines.append(f"| search p50 vs tantivy (ceiling) | {base / pct(tantivy_times, 50):.0f}x | – |")
    if "http_seq" in fig:
        h = pct(fig["http_seq"], 50) / base
        target("HTTP p50 <= 1.5x in-process p50", f"{h:.2f}x", h <= 1.5)
        r = pct(fig["http_seq"], 99) / pct(fig["http_seq"], 50)
        target("HTTP p99 < 10x p50", f"{r:.1f}x", r < 10)
    if "wrk_1worker" in fig:
        two, single = fig["wrk"][16]["rps"], fig["wrk_1worker"][16]["rps"]
        target(f"{workers} workers >= 1.7x 1 worker (16 clients)", f"{ratio(two, single):.2f}x", ratio(two, single) >= 1.7)
        e = fig["wrk"][16]["errors"]
        target("no errors at 16 clients", str(e), e == 0)
    rep = pct(fig["cold"], 50) / pct(fig["repeated"], 50)
    target("repeated query >= 10x faster than cold (p50, in-process)", f"{rep:.0f}x", rep >= 10)
    if "http_cold" in fig:
        rep = pct(fig["http_cold"], 50) / pct(fig["http_repeated"], 50)
        target("repeated query >= 10x faster than cold (p50, HTTP)", f"{rep:.0f}x", rep >= 10)
    if "suggest" in fig:
        a = pct(fig["suggest"], 95) / pct(fig["http_seq"], 95)
        target("autocomplete p95 <= 1/4 of search p95 (HTTP)", f"{a:.2f}", a <= 0.25)
    if "mem_cached" in fig or "rss_cached" in fig:
        # Flat is judged on USS, the worker's own memory (what a leak grows). RSS also counts the
        # index files' page cache as each thread's searcher touches more of the mapping: shared,
        # reclaimable, and not the worker's. Runs saved before USS was sampled judge RSS.
        if "mem_cached" in fig:
            uss = [(n, [m["uss"] for m in mb]) for n, mb in fig["mem_cached"]]
            rss = [(n, [m["rss"] for m in mb]) for n, mb in fig["mem_cached"]]
            judged = "own memory (USS)"
        else:
            uss = rss = fig["rss_cached"]
            judged = "RSS"
        mid = min(uss[1:], key=lambda point: abs(point[0] - uss[-1][0] / 2))  # growth over the second half
        first, last = mid, uss[-1]
        growth = max(b - a for a, b in zip(first[1], last[1])) if first[1] and last[1] else float("nan")
        target(f"worker memory flat: {judged} growth from request {first[0]} to {last[0]} (cache on)",
               f"{growth:+.1f} MB (now {', '.join(f'{v:.0f}' for v in last[1])} MB)", growth < 10)
        if "mem_cached" in fig:
            lines.append(f"| worker USS along the way (requests: MB per worker) | "
                         f"{'; '.join(f'{n}: ' + '/'.join(f'{v:.0f}' for v in mb) for n, mb in uss)} | – |")
        lines.append(f"| worker RSS along the way (requests: MB per worker) | "
                     f"{'; '.join(f'{n}: ' + '/'.join(f'{v:.0f}' for v in mb) for n, mb in rss)} | – |")
        cold_growth = max(b - a for a, b in zip(fig["rss_start"], fig["rss_cold_end"]))
        lines.append(f"| worker memory, cache off, over its first {fig['served_cold']} requests | {cold_growth:+.1f} MB "
                     f"(now {', '.join(f'{v:.0f}' for v in fig['rss_cold_end'])} MB) | – |")
    if "mem_cold_end" in fig:
        lines.append("| worker memory after the cache-off runs, RSS / PSS / USS (own) MB | "
                     + "; ".join(f"{m['rss']:.0f} / {m['pss']:.0f} / {m['uss']:.0f}" for m in fig["mem_cold_end"])
                     + " | – |")


if __name__ == "__main__":
    main()
