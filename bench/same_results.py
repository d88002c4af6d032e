#!/usr/bin/env python
"""Do speed changes keep the results identical? Record, then check, on a real index.

``record`` runs a fixed set of requests (the visitor queries of bench/queries, a seeded sample of
the benchmark's legal questions, and for some of them a facet filter, sort newest, page 2 and
facets off) through the Whoosh engine with the cache off, and saves per request the result ids of
the page, their scores, the total, the facet counts and the flags. ``check`` runs the same requests
again and lists every difference. Run ``record`` before a change to the search path and ``check``
after it::

    .venv/bin/python bench/same_results.py record --index-dir IDX --out /tmp/before.json
    .venv/bin/python bench/same_results.py check --index-dir IDX --baseline /tmp/before.json

To record a baseline of another commit, run that commit's own copy of this script on a
checkout of it (``git worktree add /tmp/old COMMIT``, then ``PYTHONPATH=/tmp/old python
/tmp/old/bench/same_results.py record ...``) and check with this one.

The ranking's recency factor reads the clock, so both runs use the same frozen "now"; the time
limit is raised (``--time-limit``, default 60 s) so no result is cut short by it. The file also
records a hash of the understanding, plan and rerank stages and the synonyms: if they changed
between the two runs, differences may come from them rather than from the search path.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ROOT / "bench" / "queries"
DATA = ROOT.parent / "shared" / "benchdata"
QUESTION_FILES = ["zalo_legal_questions_no_corpus.jsonl", "legal_queries.jsonl"]
FROZEN_NOW = datetime(2026, 11, 28, 12, 0, 0)
SEED = 6
STAGE_FILES = ("indexer/search/understand.py", "indexer/search/plan.py", "indexer/search/rerank.py",
               "indexer/synonyms.py")


def _freeze_clock() -> None:
    """indexer.ranking's recency factor uses datetime.now(): pin it, so two runs a day apart agree."""
    from indexer.search import rerank as ranking

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return FROZEN_NOW

    ranking.datetime = Frozen


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def requests(questions: int, variants: int, visitor: int | None = None, data: Path = DATA) -> list[dict]:
    """The fixed request set, as SearchRequest keyword dicts."""
    queries = [r["q"] for r in _lines(QUERIES / "speed_log_visitor.jsonl")]
    queries += [r["query"] for r in _lines(QUERIES / "visitor.jsonl")]
    pool = []
    for name in QUESTION_FILES:
        if (data / name).exists():
            pool += [r["query"] for r in _lines(data / name)]
    rng = random.Random(SEED)
    queries = list(dict.fromkeys(queries))
    if visitor is not None and visitor < len(queries):
        queries = rng.sample(queries, visitor)
    queries += rng.sample(pool, min(questions, len(pool)))
    queries = list(dict.fromkeys(q for q in queries if q.strip()))
    out = [{"q": q, "scope": "web"} for q in queries]
    for q in rng.sample(queries, min(variants, len(queries))):
        out += [
            {"q": q, "scope": "web", "kind": "legal"},
            {"q": q, "scope": "web", "site": "news-corpus"},
            {"q": q, "scope": "web", "year": 2015},
            {"q": q, "scope": "web", "sort": "newest"},
            {"q": q, "scope": "web", "page": 2},
            {"q": q, "scope": "web", "facets": False},
            {"q": q, "scope": "site", "site": "legal-corpus", "doc_type": "Luật"},
        ]
    return out


def _hash(*names: str) -> str:
    h = hashlib.sha1()
    for name in names:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()[:12]


def run(index_dir: Path, reqs: list[dict], time_limit: float) -> list[dict]:
    from indexer import IndexStore, SearchRequest, WhooshBackend

    _freeze_clock()
    service = WhooshBackend(IndexStore(index_dir), cache_size=0, time_limit=time_limit)
    service.search(SearchRequest(q="khởi động", scope="web"))  # open the searcher, load pyvi
    out = []
    started = time.perf_counter()
    for i, kwargs in enumerate(reqs):
        t0 = time.perf_counter()
        try:
            r = service.search(SearchRequest(**kwargs))
        except Exception as exc:  # a failure is a result too
            out.append({"request": kwargs, "error": f"{type(exc).__name__}: {exc}"})
            continue
        out.append({"request": kwargs, "ids": [h.id for h in r.results], "scores": [h.score for h in r.results],
                    "total": r.total, "partial": r.partial, "relaxed": r.relaxed, "facets": r.facets,
                    "ms": round((time.perf_counter() - t0) * 1000, 1)})
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{len(reqs)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    return out


def compare(before: list[dict], after: list[dict]) -> list[str]:
    problems = []
    for b, a in zip(before, after):
        if b["request"] != a["request"]:
            problems.append(f"request lists differ at {b['request']} / {a['request']}")
            break
        label = json.dumps(b["request"], ensure_ascii=False)
        for key in ("error", "ids", "scores", "total", "relaxed", "facets"):
            if key == "total" and (b.get("partial") or a.get("partial")):
                continue  # a time-limited search counts what it reached
            if b.get(key) != a.get(key):
                problems.append(f"{label}: {key} {str(b.get(key))[:300]} -> {str(a.get(key))[:300]}")
    if len(before) != len(after):
        problems.append(f"{len(before)} requests recorded, {len(after)} checked")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("record", "check"))
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, help="record: where to save")
    ap.add_argument("--baseline", type=Path, help="check: a file saved by record")
    ap.add_argument("--save", type=Path, help="check: also save this run")
    ap.add_argument("--visitor", type=int, default=220, help="visitor queries sampled (default 220 of 473)")
    ap.add_argument("--questions", type=int, default=30, help="legal questions sampled (default 30)")
    ap.add_argument("--variants", type=int, default=15, help="queries also run with filters, newest, page 2, "
                                                             "facets off (default 15)")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--data", type=Path, default=DATA, help=f"benchmark data directory (default {DATA})")
    args = ap.parse_args(argv)

    code_hash = _hash(*STAGE_FILES)
    if args.mode == "record":
        reqs = requests(args.questions, args.variants, args.visitor, args.data)
        print(f"recording {len(reqs)} requests ...", file=sys.stderr)
        results = run(args.index_dir, reqs, args.time_limit)
        args.out.write_text(json.dumps({"code_hash": code_hash, "results": results}, ensure_ascii=False),
                            encoding="utf-8")
        ms = sorted(r.get("ms", 0) for r in results)
        print(f"{len(results)} requests, p50 {ms[len(ms) // 2]:.0f} ms, total {sum(ms) / 1000:.0f} s")
        return 0
    saved = json.loads(args.baseline.read_text(encoding="utf-8"))
    reqs = [r["request"] for r in saved["results"]]
    print(f"checking {len(reqs)} requests ...", file=sys.stderr)
    results = run(args.index_dir, reqs, args.time_limit)
    if args.save:
        args.save.write_text(json.dumps({"code_hash": code_hash, "results": results}, ensure_ascii=False),
                             encoding="utf-8")
    if saved["code_hash"] != code_hash:
        print(f"warning: {', '.join(STAGE_FILES)} changed since the baseline")
    problems = compare(saved["results"], results)
    ms_b = sorted(r.get("ms", 0) for r in saved["results"])
    ms_a = sorted(r.get("ms", 0) for r in results)
    print(f"{len(results)} requests; p50 {ms_b[len(ms_b) // 2]:.0f} -> {ms_a[len(ms_a) // 2]:.0f} ms, "
          f"sum {sum(ms_b) / 1000:.0f} -> {sum(ms_a) / 1000:.0f} s")
    for p in problems[:50]:
        print("DIFF", p)
    print(f"{len(problems)} differences" if problems else "identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
