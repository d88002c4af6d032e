"""Lighthouse scores of the visitor pages: performance (median of the runs), accessibility, best
practices and SEO, with Lighthouse's default mobile emulation and simulated throttling, on the
home page and a results page of the bundled samples.

The samples are indexed into a temporary directory and served by the real app under gunicorn
(scripts/sample_server.py); Lighthouse is the npm package pinned in bench/lighthouse/ (install it
once: ``cd bench/lighthouse && npm ci``), run on Debian's ``chromium``. Nothing is downloaded at
run time. Prints one row per page with the four scores and whether the targets are met, then
every failing audit (id and title) of the runs, so we know what to fix.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--json FILE] [--page PATH ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from sample_server import SampleServerError, serve_samples  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 95}
DEFAULT_PAGES = ["/", "/?q=bao+ve+tre+em"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run"
RUN_LIMIT = 240  # seconds for one Lighthouse run on a busy 2-core machine


def chromium_path() -> str:
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not path:
        sys.exit("lighthouse.py: Debian's chromium is needed (apt-get install chromium)")
    return path


def run_lighthouse(url: str, out: Path, chrome: str) -> dict:
    """One Lighthouse run of ``url``; its JSON report as a dict."""
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
               "--no-enable-error-reporting", "--disable-full-page-screenshot"]
    out.unlink(missing_ok=True)
    done = subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True,
                          text=True, timeout=RUN_LIMIT)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    return report


def scores_of(report: dict) -> dict[str, int | None]:
    """Category scores as 0-100 (None when Lighthouse could not score one)."""
    out = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        out[name] = None if score is None else round(score * 100)
    return out


def failing_audits(report: dict) -> dict[str, dict]:
    """Audits of the four categories that scored below 1 (weighted or not), by id."""
    failing = {}
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            mode = audit.get("scoreDisplayMode")
            if mode in ("notApplicable", "manual", "informative") or audit.get("score") is None:
                continue
            if audit["score"] < 1 and (name != "performance" or ref.get("weight", 0) > 0 or audit["score"] < 0.5):
                failing[ref["id"]] = {"category": name, "title": audit["title"], "score": audit["score"],
                                      "display": audit.get("displayValue", "")}
    return failing


def report_name(path: str, run: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
    return f"{slug}-{run}.json"


def measure(base: str, path: str, runs: int, chrome: str, out: Path) -> dict:
    """``runs`` Lighthouse runs of one page (a failed run is tried again, once per run): median
    performance, the lowest of the other scores (they rarely vary), and the audits that failed in
    any run. The reports are written to ``out``."""
    url = base.rstrip("/") + path
    reports, errors = [], []
    for _ in range(2 * runs):
        if len(reports) == runs:
            break
        print(f"  {path}: run {len(reports) + 1}/{runs}", file=sys.stderr, flush=True)
        try:
            reports.append(run_lighthouse(url, out / report_name(path, len(reports)), chrome))
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            lines = str(error).splitlines()
            reason = next((line for line in lines if "error" in line.lower()), lines[0])
            print(f"  {path}: the run failed: {reason}", file=sys.stderr, flush=True)
            errors.append(reason)
    if not reports:
        return {"page": path, "runs": 0, "errors": errors, "scores": dict.fromkeys(CATEGORIES),
                "performance_runs": [], "metrics": {}, "failing_audits": {}, "met": False}
    per_run = [scores_of(r) for r in reports]
    performance = [s["performance"] for s in per_run if s["performance"] is not None]
    scores = {name: min((s[name] for s in per_run if s[name] is not None), default=None)
              for name in CATEGORIES if name != "performance"}
    scores = {"performance": round(statistics.median(performance)) if performance else None, **scores}
    failing: dict[str, dict] = {}
    for report in reports:
        for audit_id, audit in failing_audits(report).items():
            failing.setdefault(audit_id, {**audit, "runs": 0})["runs"] += 1
    metrics = {key: statistics.median(r["audits"][key]["numericValue"] for r in reports)
               for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                           "cumulative-layout-shift", "speed-index")}
    return {"page": path, "runs": len(reports), "errors": errors, "scores": scores, "performance_runs": performance,
            "metrics": metrics, "failing_audits": failing,
            "met": all(scores[n] is not None and scores[n] >= TARGETS[n] for n in CATEGORIES),
            "lighthouse": reports[0]["lighthouseVersion"], "chromium": reports[0]["environment"]["hostUserAgent"]}


def print_table(results: list[dict]) -> None:
    header = ["Page", "Performance", "Accessibility", "Best practices", "SEO", "Targets"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * 4 + "---|")
    for result in results:
        cells = [f"`{result['page']}`"]
        for name in CATEGORIES:
            score = result["scores"][name]
            mark = "" if score is not None and score >= TARGETS[name] else " ✗"
            cells.append(f"{'–' if score is None else score}{mark}")
        cells.append("met" if result["met"] else "missed")
        print("| " + " | ".join(cells) + " |")
    print("targets: " + ", ".join(f"{n} ≥ {t}" for n, t in TARGETS.items()))
    for result in results:
        print(f"\n{result['page']}: performance runs {result['performance_runs']}; "
              + ", ".join(f"{k} {v:.0f}" if k != "cumulative-layout-shift" else f"{k} {v:.3f}"
                          for k, v in result["metrics"].items()))
        for error in result["errors"]:
            print(f"  a run failed and was tried again: {error}")
        if not result["failing_audits"] and result["runs"]:
            print("  no failing audit")
        for audit_id, audit in sorted(result["failing_audits"].items(), key=lambda kv: (kv[1]["category"], kv[0])):
            value = f" ({audit['display']})" if audit["display"] else ""
            print(f"  {audit['category']:<15} {audit_id}: {audit['title']}{value}"
                  f" [score {audit['score']}, {audit['runs']}/{result['runs']} runs]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median performance)")
    parser.add_argument("--page", action="append", dest="pages",
                        help=f"a path to measure, repeatable (default: {' and '.join(DEFAULT_PAGES)})")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--reports", type=Path,
                        help="keep Lighthouse's own JSON reports in this directory (default: not kept)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("lighthouse.py: Lighthouse is not installed: cd bench/lighthouse && npm ci")
    chrome = chromium_path()
    results = []
    try:
        with serve_samples() as base, tempfile.TemporaryDirectory(prefix="tracuu-lighthouse-") as tmp:
            out = args.reports or Path(tmp)
            out.mkdir(parents=True, exist_ok=True)
            for path in args.pages or DEFAULT_PAGES:
                results.append(measure(base, path, max(1, args.runs), chrome, out))
    except SampleServerError as error:
        sys.exit(f"lighthouse.py: {error}")
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if all(r["met"] for r in results) else 1)


if __name__ == "__main__":
    main()
