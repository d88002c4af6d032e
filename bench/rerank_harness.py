#!/usr/bin/env python
"""Fast tuning loop for the rerank stage: the first stage once, the second stage many times.

The first stage (understand, plan, Whoosh's retrieve) costs most of a relevance run and does
not change while ranking features are tuned. This runs it once per query through the real
pipeline (same plan, same window, the relaxed fallback when nothing has every unit), pickles
the window (docnum and BM25F score of each hit; stored fields are read again), and then scores
``indexer.search.rerank.rerank`` over the cached windows in seconds. Figures are only a guide:
the reported ones come from ``bench/relevance.py``.

Usage (from the repository root)::

    .venv/bin/python bench/rerank_harness.py --index-dir /tmp/relbench --cache /tmp/rerank-cache
    .venv/bin/python bench/rerank_harness.py ... --half even     # tune on even query numbers
    .venv/bin/python bench/rerank_harness.py ... --refresh       # first stage again (the plan changed)
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relevance import DEFAULT_DATA, DEPTH, METRICS, VISITOR_QUERIES, evaluate, load_queries, strip_diacritics  # noqa: E402

from indexer import IndexStore, SearchRequest, WhooshBackend  # noqa: E402
from indexer.engines.whoosh.retrieve import _candidates  # noqa: E402
from indexer.search import pipeline  # noqa: E402
from indexer.search import rerank as ranking  # noqa: E402
from indexer.search.understand import parse  # noqa: E402
from indexer.synonyms import load as load_synonyms  # noqa: E402


class CachedHit:
    """What the ranking stage reads of a Whoosh hit."""

    searcher = None
    _fields: dict = {}

    def __init__(self, docnum, score):
        self.docnum, self.score = docnum, score

    def fields(self):
        stored = CachedHit._fields.get(self.docnum)
        if stored is None:
            stored = CachedHit._fields[self.docnum] = CachedHit.searcher.stored_fields(self.docnum)
        return stored


def first_stage(service, text):
    """The window the pipeline hands to the rerank stage, captured (the exact bench path)."""
    captured = []

    def capture(candidates, parsed, idf):
        captured[:] = [(c.item.docnum, c.score) for c in candidates]
        return candidates

    original, pipeline.rerank = pipeline.rerank, capture
    try:
        service.search(SearchRequest(q=text, scope="web", per_page=DEPTH))
    finally:
        pipeline.rerank = original
    return list(captured)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index-dir", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--only", choices=["legal", "visitor"])
    p.add_argument("--half", choices=["even", "odd"], help="legal queries with an even/odd position only")
    p.add_argument("--step", type=int, default=1, help="then every STEP-th of those (a quicker subset)")
    p.add_argument("--refresh", action="store_true")
    p.add_argument("--show-misses", type=str, help="a category whose misses to print")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a weight of indexer.search.rerank for this run (W_TRIGRAM=0.5)")
    args = p.parse_args(argv)
    synonyms = load_synonyms()
    for item in args.set:
        name, value = item.split("=", 1)
        assert hasattr(ranking, name), name
        setattr(ranking, name, float(value))
    args.cache.mkdir(parents=True, exist_ok=True)
    plans = []
    if args.only in (None, "legal"):
        qs = load_queries(DEFAULT_DATA / "legal_queries.jsonl")
        if args.half:
            qs = qs[0 if args.half == "even" else 1::2]
        qs = qs[::args.step]
        plans.append(("legal", qs, args.index_dir / "legal"))
    if args.only in (None, "visitor"):
        plans.append(("visitor", load_queries(VISITOR_QUERIES), args.index_dir / "union"))
    for name, queries, home in plans:
        service = WhooshBackend(IndexStore(home), time_limit=30.0, cache_size=0)
        searcher = service.searcher()
        idf = ranking.Idf.of(searcher)
        CachedHit.searcher, CachedHit._fields = searcher, {}
        for stripped in (False, True):
            path = args.cache / f"{name}{'-stripped' if stripped else ''}.pickle"
            cache = pickle.loads(path.read_bytes()) if path.exists() and not args.refresh else {}
            started, fresh = time.perf_counter(), 0
            sums, counts = defaultdict(lambda: defaultdict(float)), defaultdict(int)
            for q in queries:
                text = strip_diacritics(q["query"]) if stripped else q["query"]
                if text not in cache:
                    cache[text] = first_stage(service, text)
                    fresh += 1
                window = [CachedHit(d, s) for d, s in cache[text]]
                hits = ranking.rerank(_candidates(searcher, window), parse(text, synonyms), idf)
                ranked = [h.fields()["id"] for h in hits]
                scores = evaluate(ranked, q["relevant"])
                for cat in (q["category"], "all"):
                    counts[cat] += 1
                    for m, v in scores.items():
                        sums[cat][m] += v
                if args.show_misses and q["category"] == args.show_misses and scores["MRR@10"] < 1:
                    print(f"  MISS {q['id']} {text[:80]!r} want {dict(list(q['relevant'].items())[:3])} "
                          f"got {ranked[:3]} mrr={scores['MRR@10']:.2f}")
            if fresh:
                path.write_bytes(pickle.dumps(cache))
            label = f"{name}{' stripped' if stripped else ''}"
            print(f"# {label}: {time.perf_counter() - started:.0f} s ({fresh} first stages)", file=sys.stderr)
            for cat in sorted(counts, key=lambda c: (c == "all", c)):
                cells = " ".join(f"{m} {sums[cat][m] / counts[cat]:.3f}" for m in METRICS[:2])
                print(f"{label:16} {cat:16} n={counts[cat]:4} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
