"""Page extraction scored on the page-style corpus: our extractor against trafilatura alone.

Every page of tests/fixtures/pages/<style>/ has its truth beside it (NAME.json, described in that
folder's README). For each extractor and style this prints the share of pages whose title and date
are right, whose text starts and ends where the truth says, the share of boilerplate phrases kept
out of the indexed text, and the mean milliseconds per page (best of --repeat runs). The tuning
half (``split: tune``) and the held-back half are reported apart, then together.

    .venv/bin/python bench/extraction.py [--pages tests/fixtures/pages] [--repeat 5] [--verbose]

``--baseline FILE`` scores an older ``indexer/sources/html.py`` beside them (before/after):

    git show <commit>:indexer/sources/html.py > /tmp/html_before.py
    .venv/bin/python bench/extraction.py --baseline /tmp/html_before.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.sources.html import PageError, decode_page, extract_page  # noqa: E402

EDGE = 400  # body_first must sit in the first EDGE characters of the text, body_last in the last EDGE
FIELDS = ("title", "date", "start", "end", "clean")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def ours(html: str, name: str) -> dict:
    try:
        doc = extract_page(html, "bench", name)
    except PageError as exc:
        return {"title": "", "date": None, "text": "", "body": "", "indexed": "", "error": str(exc)}
    fields = doc.index_fields()
    return {"title": doc.title, "date": doc.published.date().isoformat() if doc.published else None,
            "text": "\n\n".join(p for p in (doc.summary, doc.body) if p), "body": doc.body,
            "indexed": f"{fields['title_f']}\n\n{fields['content']}"}


def baseline(path: Path):
    """An extractor from an older html.py, its relative imports pointed at the current package."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"^from \.\.(\w+) import", r"from indexer.\1 import", source, flags=re.M)
    source = re.sub(r"^from \.(\w+) import", r"from indexer.sources.\1 import", source, flags=re.M)
    module = types.ModuleType("html_baseline")
    exec(compile(source, str(path), "exec"), module.__dict__)

    def extract(html: str, name: str) -> dict:
        try:
            doc = module.extract_page(html, "bench", name)
        except module.PageError as exc:
            return {"title": "", "date": None, "text": "", "body": "", "indexed": "", "error": str(exc)}
        fields = doc.index_fields()
        return {"title": doc.title, "date": doc.published.date().isoformat() if doc.published else None,
                "text": "\n\n".join(p for p in (doc.summary, doc.body) if p), "body": doc.body,
                "indexed": f"{fields['title_f']}\n\n{fields['content']}"}
    return extract


def library(html: str, name: str) -> dict:
    import trafilatura

    result = trafilatura.bare_extraction(html, with_metadata=True, favor_precision=False)
    if result is None:
        return {"title": "", "date": None, "text": "", "body": "", "indexed": "", "error": "nothing extracted"}
    text = result.text or ""
    return {"title": result.title or "", "date": result.date, "text": text, "body": text,
            "indexed": f"{result.title or ''}\n\n{text}"}


def score(truth: dict, got: dict) -> dict:
    text, body, indexed = _norm(got["text"]), _norm(got["body"]), _norm(got["indexed"])
    first, last = _norm(truth["body_first"]), _norm(truth["body_last"])
    leaked = [p for p in truth["boilerplate"] if _norm(p) in indexed]
    return {
        "title": float(_norm(got["title"]) == _norm(truth["title"])),
        "date": float(got["date"] == truth["date"]),
        "start": float(first in text[:EDGE + len(first)]),
        "end": float(last in body[-(EDGE + len(last)):]),
        "clean": 1 - len(leaked) / len(truth["boilerplate"]) if truth["boilerplate"] else 1.0,
        "leaked": leaked,
    }


def load(folder: Path) -> list[tuple[Path, dict, str]]:
    pages = []
    for truth_path in sorted(folder.rglob("*.json")):
        page = truth_path.with_suffix(".html")
        if page.exists():
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            pages.append((page, truth, decode_page(page.read_bytes())))
    return pages


def run(pages, extractor, repeat: int) -> list[tuple[dict, dict, float]]:
    rows = []
    for path, truth, html in pages:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            got = extractor(html, path.name)
            best = min(best, time.perf_counter() - start)
        rows.append((truth, score(truth, got), best * 1000))
    return rows


def table(results: dict[str, list]) -> list[str]:
    lines = ["| Style | Half | Pages | Extractor | Title | Date | Body start | Body end | Boilerplate kept out | ms/page |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    styles = sorted({t["style"] for t, _, _ in next(iter(results.values()))})
    for style in styles + ["all"]:
        for half in ("tune", "held", "both"):
            for name, rows in results.items():
                chosen = [(t, s, ms) for t, s, ms in rows
                          if (style == "all" or t["style"] == style) and (half == "both" or t["split"] == half)]
                if not chosen:
                    continue
                means = [100 * sum(s[f] for _, s, _ in chosen) / len(chosen) for f in FIELDS]
                ms = sum(m for _, _, m in chosen) / len(chosen)
                lines.append(f"| {style} | {half} | {len(chosen)} | {name} | "
                             + " | ".join(f"{m:.0f} %" for m in means) + f" | {ms:.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=ROOT / "tests/fixtures/pages")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    parser.add_argument("--baseline", type=Path, help="an older indexer/sources/html.py to score beside")
    args = parser.parse_args()
    pages = load(args.pages)
    if not pages:
        sys.exit(f"no pages with a truth under {args.pages}")
    results = {"tracuu": run(pages, ours, args.repeat)}
    if args.baseline:
        results["tracuu before"] = run(pages, baseline(args.baseline), args.repeat)
    results["trafilatura"] = run(pages, library, args.repeat)
    print("\n".join(table(results)))
    if args.verbose:
        for name, rows in results.items():
            for (path, _, _), (truth, s, _) in zip(pages, rows):
                misses = [f for f in FIELDS[:4] if not s[f]]
                if misses or s["leaked"]:
                    print(f"{name} {path.parent.name}/{path.name}: missed {misses} leaked {s['leaked']}")


if __name__ == "__main__":
    main()
