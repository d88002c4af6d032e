#!/usr/bin/env python
"""Relevance benchmark: tracuu's search against two baselines, on the same data, in one run.

Builds indexes from JSONL corpora with tracuu's own pipeline (``read_source`` ->
``index_documents``), runs query files through ``WhooshBackend.search`` (the function the
page, the API and the CLI call) and prints nDCG@10, MRR@10, Recall@10 and Recall@100 per
query category and overall, beside two baselines built from the same Documents:

* ``bm25``: plain BM25 over lower-cased words (one field, title + text, any word may match);
* ``bm25-folded``: the same with every word accent-folded (đ -> d) on both sides, so a query
  typed without diacritics meets the text it means (and any syllable that folds alike);
* ``whoosh-std``: Whoosh's StandardAnalyzer on title and content with BM25F, parsed by a
  MultifieldParser with an OR group (what a Whoosh tutorial gives, minus the AND that would
  return nothing for long questions).

Every query file is run twice: as written and with the diacritics stripped (đ -> d).

Visitor queries carry a ``split``: ``tune`` (may be looked at while tuning) or ``held`` (kept
back to confirm a change). ``--split`` runs one half; every table has a row per category, then
one per category and split. ``--marks`` also measures the marks of tracuu's result lines: the
share of ``<mark>`` spans in the top-10 snippets and titles that cover a whole unit of the query
(see ``QueryUnits``).

Query files: ``legal_queries.jsonl`` (``relevant`` is a list of ids, grade 1, category =
``question_type``) and files of ``{"id", "query", "category", "relevant": {"doc id": grade}}``.

Usage (from the repository root)::

    .venv/bin/python bench/relevance.py                 # everything, ~30-40 min on 2 busy cores
    .venv/bin/python bench/relevance.py --index-dir /tmp/relbench   # keep/reuse the indexes
    .venv/bin/python bench/relevance.py --only visitor --no-baselines --show-misses
    .venv/bin/python bench/relevance.py --only visitor --split held --marks --index-dir /tmp/relbench
    .venv/bin/python bench/relevance.py --only visitor --no-baselines --backend whoosh,opensearch \
        --opensearch-url http://127.0.0.1:9200     # both engines side by side (issue 8)
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import fields, index as whoosh_index, qparser  # noqa: E402
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StandardAnalyzer  # noqa: E402
from whoosh.scoring import BM25F  # noqa: E402

from indexer import IndexStore, SearchRequest, WhooshBackend, index_documents, read_source  # noqa: E402
from indexer.analysis import fold  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchdata"
LEGAL_CORPUS = ["legal_corpus.jsonl"]
UNION_CORPUS = ["legal_corpus.jsonl", "legal_notices_congbao.jsonl", "dept_news_phapdien.jsonl"]
VISITOR_QUERIES = ROOT / "bench" / "queries" / "visitor.jsonl"
DEPTH = 100
METRICS = ("nDCG@10", "MRR@10", "R@10", "R@100")
SPLITS = ("tune", "held")


# -- Query files ---------------------------------------------------------------------

def load_queries(path: Path) -> list[dict]:
    """Queries as {id, query, category, relevant: {doc id: grade}}, whatever the file's form."""
    out = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            q = json.loads(line)
            relevant = q["relevant"]
            if isinstance(relevant, list):
                relevant = {doc_id: 1 for doc_id in relevant}
            category = q.get("category") or q.get("question_type") or "other"
            out.append({"id": q["id"], "query": q["query"], "category": category, "relevant": relevant,
                        "split": q.get("split")})
    return out


def strip_diacritics(text: str) -> str:
    return fold(unicodedata.normalize("NFC", text))


def choose_split(queries: list[dict], split: str) -> list[dict]:
    """The queries of one half; a file without splits (legal_queries) runs whole."""
    if split == "all" or not any(q["split"] for q in queries):
        return queries
    return [q for q in queries if q["split"] == split]


# -- Metrics -------------------------------------------------------------------------

def evaluate(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    gains = [relevant.get(doc_id, 0) for doc_id in ranked[:DEPTH]]
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, g in enumerate(gains[:10]) if g > 0), None)
    positive = sum(1 for g in relevant.values() if g > 0) or 1
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "MRR@10": 1.0 / (first + 1) if first is not None else 0.0,
        "R@10": sum(1 for g in gains[:10] if g > 0) / positive,
        "R@100": sum(1 for g in gains if g > 0) / positive,
    }


# -- Systems -------------------------------------------------------------------------

class Tracuu:
    name = "tracuu"

    def __init__(self, root: Path):
        self.service = WhooshBackend(IndexStore(root), time_limit=30.0)
        self.service.warm_up()  # as a server does before it forks: the vocabulary (did-you-mean) is ready

    def search(self, text: str) -> list[str]:
        return [hit.id for hit in self.search_hits(text)]

    def search_hits(self, text: str) -> list:
        """The result lines (``Hit``) as a visitor gets them: ids, snippets and marked titles."""
        result = self.service.search(SearchRequest(q=text, scope="web", per_page=DEPTH))
        self.corrected = result.corrected  # a typo searched as its did-you-mean reading, said on the page
        return result.results


class WhooshBaseline:
    """A Whoosh index of the same Documents with a stock analyzer."""

    def __init__(self, name: str, root: Path, documents, analyzer, fieldnames: list[str]):
        self.name = name
        path = root / name
        if not (path / "READY").exists():
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
            schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                                   **{f: fields.TEXT(analyzer=analyzer) for f in fieldnames})
            ix = whoosh_index.create_in(str(path), schema)
            writer = ix.writer(limitmb=256)
            for doc in documents():
                text = "\n\n".join(p for p in (doc.summary, doc.body) if p)
                values = {"title": doc.title, "content": text} if len(fieldnames) == 2 else \
                    {"text": f"{doc.title}\n\n{text}"}
                writer.add_document(id=doc.id, **values)
            writer.commit()
            (path / "READY").write_text("ok")
        self.ix = whoosh_index.open_dir(str(path))
        self.searcher = self.ix.searcher(weighting=BM25F())
        self.parser = qparser.MultifieldParser(fieldnames, self.ix.schema, group=qparser.OrGroup)
        # Visitors' text is text, not syntax: only the plugins that read words.
        for plugin in (qparser.FieldsPlugin, qparser.WildcardPlugin, qparser.PhrasePlugin, qparser.RangePlugin,
                       qparser.GroupPlugin, qparser.OperatorsPlugin, qparser.BoostPlugin, qparser.EveryPlugin):
            self.parser.remove_plugin_class(plugin)

    def search(self, text: str) -> list[str]:
        query = self.parser.parse(text)
        return [hit["id"] for hit in self.searcher.search(query, limit=DEPTH)]


class FoldFilter(Filter):
    """Accent-folds each token (đ -> d): ``luật`` and ``luat`` become one term."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = strip_diacritics(token.text)
            yield token


def plain_bm25(root, documents):
    return WhooshBaseline("bm25", root, documents, RegexTokenizer(r"\w+") | LowercaseFilter(), ["text"])


def folded_bm25(root, documents):
    return WhooshBaseline("bm25-folded", root, documents,
                          RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter(), ["text"])


def whoosh_standard(root, documents):
    return WhooshBaseline("whoosh-std", root, documents, StandardAnalyzer(), ["title", "content"])


# -- Indexes -------------------------------------------------------------------------

def documents_of(data: Path, files: list[str]):
    def read():
        for name in files:
            for item in read_source(data / name):
                if hasattr(item, "index_fields"):
                    yield item
    return read


def build_tracuu(root: Path, data: Path, files: list[str], base: Path | None = None) -> Path:
    """An index home with ``files``; starts from a copy of ``base`` (which holds a prefix of them)."""
    if (root / "READY").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    todo = files
    if base is not None:
        shutil.copytree(base, root, ignore=shutil.ignore_patterns("write.lock", "READY"))
        todo = [f for f in files if f not in json.loads((base / "READY").read_text())]
    started = time.perf_counter()
    report = index_documents(IndexStore(root), (d for d in documents_of(data, todo)()))
    print(f"# indexed {report.indexed} documents of {', '.join(todo)} into {root.name} "
          f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    (root / "READY").write_text(json.dumps(files))
    return root


# -- The OpenSearch backend (--backend whoosh,opensearch) --------------------------------

class TracuuOpenSearch(Tracuu):
    """tracuu's own search served by OpenSearch (indexer.engines.opensearch), same documents."""

    name = "tracuu-opensearch"

    def __init__(self, home: Path, url: str, documents):
        from indexer import BackendSettings, open_backend

        alias = f"relbench-{home.name}"
        self.service = open_backend(BackendSettings(backend="opensearch", opensearch_url=url, opensearch_index=alias,
                                                    index_dir=str(home), time_limit=30.0, cache_size=0))
        ready = home.parent / f"{home.name}-opensearch.READY"
        if not (ready.exists() and ready.read_text() == url):
            started = time.perf_counter()
            report = self.service.reindex()  # empty and fresh: a new index behind the alias
            report = self.service.index_documents(documents())
            print(f"# indexed {report.indexed} documents into OpenSearch alias {alias} "
                  f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            ready.write_text(url)
        self.service.warm_up()


# -- Marks: do the highlights cover what the visitor typed? -----------------------------

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_SYLLABLE = re.compile(r"\w+")
# Document numbers and their parts as typed: 87/2015/NĐ-CP, 24/2015/TT-BTTTT, 87/2015.
_DOC_NUMBER = re.compile(r"\d+(?:/\w+(?:-\w+)*)+")


def syllables(text: str) -> tuple[str, ...]:
    """Folded, lower-case syllables: the form marks and units are compared in."""
    return tuple(_SYLLABLE.findall(strip_diacritics(text).lower()))


class QueryUnits:
    """The units of a query, defined without tracuu's own analysis.

    A unit is a word of the query as pyvi segments it (``bảo hiểm`` is one unit, not two),
    a document number, or a term of a synonyms group (``indexer/data/synonyms.txt``) that
    the query contains, together with the other terms of that group (``BHXH`` brings
    ``bảo hiểm xã hội``). A mark is whole when its syllables are one unit or a run of units.
    """

    def __init__(self, synonyms):
        from pyvi import ViTokenizer

        self.tokenize = ViTokenizer.tokenize
        self.groups = [[(t.key, t.capitals, t.text) for t in group] for group in synonyms.groups if group]

    def units(self, query: str) -> set[tuple[str, ...]]:
        query = unicodedata.normalize("NFC", query)
        found = {syllables(m.group()) for m in _DOC_NUMBER.finditer(query)}
        words = _DOC_NUMBER.sub(" ", query)
        found |= {syllables(w.replace("_", " ")) for w in self.tokenize(words).split()}
        typed = syllables(query)
        for group in self.groups:
            if any(self._contains(typed, key) and (not capitals or self._in_capitals(query, text))
                   for key, capitals, text in group):
                found |= {key for key, capitals, _ in group if not capitals} | {
                    key for key, capitals, text in group if capitals and self._in_capitals(query, text)}
        return {u for u in found if u}

    @staticmethod
    def _contains(seq: tuple[str, ...], key: tuple[str, ...]) -> bool:
        n = len(key)
        return any(seq[i:i + n] == key for i in range(len(seq) - n + 1))

    @staticmethod
    def _in_capitals(query: str, text: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", query) is not None


def is_whole(mark: tuple[str, ...], units: set[tuple[str, ...]]) -> bool:
    """Whether ``mark`` splits into units, end to end (a unit or a run of them)."""
    if not mark:
        return False
    longest = max(len(u) for u in units) if units else 0
    reach = [True] + [False] * len(mark)
    for end in range(1, len(mark) + 1):
        reach[end] = any(reach[start] and mark[start:end] in units
                         for start in range(max(0, end - longest), end))
    return reach[-1]


class MarkCounter:
    """Whole and partial marks per category over the top-10 result lines of a run."""

    def __init__(self, units: QueryUnits):
        self.query_units = units
        self.total: Counter = Counter()
        self.whole: Counter = Counter()
        self.partial: Counter = Counter()  # folded text of marks that are not whole

    def add(self, q: dict, hits, corrected: str | None = None) -> None:
        # Units come from the query as written, also for the run without diacritics: pyvi
        # cannot segment folded text, and the comparison is folded anyway. A query searched as its
        # spelling correction ("showing results for ...") is marked with the corrected words.
        units = self.query_units.units(q["query"])
        if corrected:
            units = units | self.query_units.units(corrected)
        for hit in hits[:10]:
            for fragment in (hit.title_html, hit.snippet):
                for inner in _MARK.findall(fragment or ""):
                    mark = syllables(html.unescape(inner))
                    whole = is_whole(mark, units)
                    for key in (q["category"], "all"):
                        self.total[key] += 1
                        self.whole[key] += whole
                    if not whole:
                        self.partial[" ".join(mark)] += 1

    def shares(self) -> dict[str, dict]:
        return {cat: {"marks": n, "whole": self.whole[cat], "share": self.whole[cat] / n if n else 0.0}
                for cat, n in self.total.items()}

    def print(self, label: str, show_misses: bool) -> None:
        print(f"\n### Whole marks, tracuu, {label}\n")
        print("| category | marks | whole | share |")
        print("|---|---:|---:|---:|")
        shares = self.shares()
        for cat in sorted(c for c in shares if c != "all") + ["all"]:
            if cat in shares:
                row = shares[cat]
                print(f"| {cat} | {row['marks']} | {row['whole']} | {row['share']:.3f} |")
        if show_misses and self.partial:
            print("\nMost frequent marks that are not a whole unit: " + ", ".join(
                f"{text!r} {n}" for text, n in self.partial.most_common(20)))


# -- Running -------------------------------------------------------------------------

def run(system, queries: list[dict], stripped: bool, misses: list | None = None,
        marks: MarkCounter | None = None) -> dict[str, dict[str, float]]:
    """Mean metrics per category, per category and split, and overall, for one system."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for q in queries:
        text = strip_diacritics(q["query"]) if stripped else q["query"]
        if marks is not None:
            hits = system.search_hits(text)
            marks.add(q, hits, getattr(system, "corrected", None))
            ranked = [hit.id for hit in hits]
        else:
            ranked = system.search(text)
        scores = evaluate(ranked, q["relevant"])
        keys = [q["category"], "all"]
        if q["split"]:
            keys += [f"{q['category']} [{q['split']}]", f"all [{q['split']}]"]
        for cat in keys:
            counts[cat] += 1
            for m, v in scores.items():
                sums[cat][m] += v
        if misses is not None and scores["MRR@10"] < 1.0:
            misses.append((q, text, ranked[:5], scores))
    return {cat: {m: sums[cat][m] / counts[cat] for m in METRICS} | {"n": counts[cat]} for cat in counts}


def print_table(title: str, results: dict[str, dict], metrics=METRICS) -> None:
    systems = list(results)
    names = {c for r in results.values() for c in r}
    overall = ["all"] + [f"all [{s}]" for s in SPLITS]
    # A category's own row, then its halves ("topical", "topical [held]", "topical [tune]").
    cats = sorted(names - set(overall)) + overall
    print(f"\n### {title}\n")
    header = "| category | n | " + " | ".join(f"{s} {m}" for m in metrics for s in systems) + " |"
    print(header)
    print("|" + "---|" * (2 + len(metrics) * len(systems)))
    for cat in cats:
        first = results[systems[0]].get(cat)
        if not first:
            continue
        cells = [f"{results[s].get(cat, {}).get(m, 0):.3f}" for m in metrics for s in systems]
        print(f"| {cat} | {first['n']} | " + " | ".join(cells) + " |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchdata folder (read in place)")
    parser.add_argument("--index-dir", type=Path, help="keep the indexes here and reuse them (default: a temp dir)")
    parser.add_argument("--only", choices=["legal", "visitor"], help="run one query file")
    parser.add_argument("--queries", type=Path, default=VISITOR_QUERIES, help="the visitor-style query file")
    parser.add_argument("--no-baselines", action="store_true", help="tracuu only (faster while tuning)")
    parser.add_argument("--no-stripped", action="store_true", help="skip the runs without diacritics")
    parser.add_argument("--only-stripped", action="store_true",
                        help="only the runs without diacritics (a second process beside --no-stripped)")
    parser.add_argument("--sample", type=int, help="use every Nth legal query (faster while tuning)")
    parser.add_argument("--show-misses", action="store_true",
                        help="print queries whose first result is wrong (with --marks: the commonest partial marks)")
    parser.add_argument("--split", choices=["tune", "held", "all"], default="all",
                        help="run one half of the visitor queries (files without splits run whole)")
    parser.add_argument("--marks", action="store_true",
                        help="also measure the share of tracuu's marks (top-10 snippets, titles) that cover a whole unit")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--backend", default="whoosh",
                        help="engines serving tracuu, comma-separated: whoosh, opensearch (side by side)")
    parser.add_argument("--opensearch-url", help="OpenSearch cluster for --backend opensearch")
    args = parser.parse_args(argv)

    temp = None
    root = args.index_dir
    if root is None:
        temp = tempfile.TemporaryDirectory(prefix="tracuu-relbench-")
        root = Path(temp.name)
    root.mkdir(parents=True, exist_ok=True)
    figures = {}
    try:
        plans = []
        if args.only in (None, "legal"):
            queries = load_queries(args.data / "legal_queries.jsonl")
            if args.sample:
                queries = queries[::args.sample]
            plans.append(("legal_queries", queries, LEGAL_CORPUS, root / "legal"))
        if args.only in (None, "visitor"):
            plans.append(("visitor", choose_split(load_queries(args.queries), args.split), UNION_CORPUS,
                          root / "union"))
        legal_home = None
        for name, queries, files, home in plans:
            base = legal_home if files != LEGAL_CORPUS else None
            if base is None and files != LEGAL_CORPUS and (root / "legal" / "READY").exists():
                base = root / "legal"
            build_tracuu(home, args.data, files, base=base)
            if files == LEGAL_CORPUS:
                legal_home = home
            systems = [Tracuu(home)]
            engines = [e.strip() for e in args.backend.split(",") if e.strip()]
            if "opensearch" in engines:
                if not args.opensearch_url:
                    parser.error("--backend opensearch needs --opensearch-url URL")
                systems.append(TracuuOpenSearch(home, args.opensearch_url, documents_of(args.data, files)))
            if "whoosh" not in engines:
                systems = systems[1:]
            if not args.no_baselines:
                docs = documents_of(args.data, files)
                systems += [plain_bm25(home.parent / f"{home.name}-baselines", docs),
                            folded_bm25(home.parent / f"{home.name}-baselines", docs),
                            whoosh_standard(home.parent / f"{home.name}-baselines", docs)]
            units = None
            if args.marks:
                from indexer import synonyms

                units = QueryUnits(synonyms.load())
            for stripped in ((False,) if args.no_stripped else (True,) if args.only_stripped else (False, True)):
                label = f"{name}{' (diacritics stripped)' if stripped else ''}"
                results, misses = {}, []
                marks = MarkCounter(units) if units is not None else None
                for system in systems:
                    started = time.perf_counter()
                    results[system.name] = run(system, queries, stripped,
                                               misses if args.show_misses and system.name == "tracuu" else None,
                                               marks if system.name == "tracuu" else None)
                    print(f"# {label}: {system.name} took {time.perf_counter() - started:.1f} s",
                          file=sys.stderr)
                print_table(label, results)
                if "tracuu" in results and "tracuu-opensearch" in results:
                    gap = results["tracuu-opensearch"]["all"]["nDCG@10"] - results["tracuu"]["all"]["nDCG@10"]
                    print(f"\nnDCG@10 OpenSearch - Whoosh: {gap:+.3f}")
                figures[label] = results
                if marks is not None:
                    marks.print(label, args.show_misses)
                    figures[f"{label}: whole marks"] = marks.shares()
                for q, text, top, scores in misses:
                    print(f"  MISS [{q['category']}] {q['id']} {text[:90]!r} want {list(q['relevant'])[:3]} "
                          f"got {top[:3]} mrr={scores['MRR@10']:.2f}")
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    finally:
        if temp is not None:
            temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
