"""Load: a bounded number of concurrent clients on loopback against the real `tracuu serve`
(gunicorn, 2 workers) for a fixed number of requests, while `tracuu reindex` and
`tracuu index` write the index: every request answered, zero 5xx, and no query that
had results comes back empty."""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL
from helpers.reliability import record, scaled, served, start_tracuu, stop, tracuu

pytestmark = pytest.mark.reliability

CLIENTS = scaled(6, 24)
REQUESTS = scaled(1200, 8000)
KNOWN = ["bảo vệ trẻ em", "bao ve tre em", "việc làm", "bảo hiểm xã hội", "trẻ em", "lao động", "hội nghị"]
NOTHING = ["xyzzy không có", "qqqq"]
TIMEOUT = 60


def _writer_source(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps({"id": f"tai-{i}", "title": f"Kiểm thử tải số {i}",
                                  "text": "kiểm thử hệ thống đo tải liên tục " * 20, "site": "kiemthu"},
                                 ensure_ascii=False) + "\n")
    return path


def test_concurrent_clients_while_the_index_is_rewritten(tmp_path):
    index_dir = tmp_path / "index"
    assert tracuu(index_dir, "index", "--quiet", DOCUMENTS_JSONL, timeout=600).returncode == 0
    source = _writer_source(tmp_path / "writes.jsonl", scaled(100, 1000))
    with served(index_dir, tmp_path / "server.log", workers=2, threads=4,
                TRACUU_DEFAULT_SITE=DEPT_SITE, TRACUU_RATE_LIMIT="1000000 per minute") as base:
        # What each query finds before the load: the ones with results must keep having them.
        session = requests.Session()
        had_results = {q for q in KNOWN if session.get(f"{base}/api/search", params={"q": q, "scope": "web"},
                                                         timeout=TIMEOUT).json()["total"] > 0}
        assert len(had_results) >= 5
        urls = []
        for q in KNOWN + NOTHING:
            urls += [("/api/search", {"q": q, "scope": "web"}, q), ("/", {"q": q, "scope": "web"}, q),
                     ("/api/suggest", {"q": q[:4]}, None), ("/api/search", {"q": q, "scope": "web", "page": "2"}, None)]
        plan = list(itertools.islice(itertools.cycle(urls), REQUESTS))

        stop_writing = threading.Event()
        one_run_done = threading.Event()
        writer_runs = Counter()

        def write_loop():
            """Rebuild, then add, then rebuild again... until the clients are done."""
            commands = itertools.cycle([["reindex", "--quiet", source], ["index", "--quiet", source],
                                        ["reindex", "--quiet"]])
            while not stop_writing.is_set():
                args = next(commands)
                proc = start_tracuu(index_dir, *args)
                while proc.poll() is None and not stop_writing.is_set():
                    stop_writing.wait(0.1)
                if proc.poll() is None:
                    stop(proc)
                    writer_runs["interrupted"] += 1
                else:
                    writer_runs["completed" if proc.returncode == 0 else f"failed {proc.returncode}"] += 1
                    one_run_done.set()

        writer = threading.Thread(target=write_loop, daemon=True)
        writer.start()
        local = threading.local()
        outcome = Counter()
        empties = []

        def one(item):
            path, params, q = item
            s = getattr(local, "session", None) or requests.Session()
            local.session = s
            try:
                response = s.get(base + path, params=params, timeout=TIMEOUT)
            except requests.RequestException as exc:
                return ("unanswered", repr(exc))
            if response.status_code >= 500:
                return ("5xx", f"{response.status_code} {path} {params}")
            if path == "/api/search" and q in had_results and response.status_code == 200:
                body = response.json()
                if not body["results"]:
                    return ("empty", f"{params} -> total {body['total']}")
            if path == "/" and q in had_results and 'class="result"' not in response.text:
                return ("empty", f"page {params}")
            return (str(response.status_code), None)

        try:
            # The last fifth of the requests waits for a finished write (a generation switch or a
            # commit), so the load always spans one, however fast or slow the machine is.
            split = len(plan) * 4 // 5
            with ThreadPoolExecutor(CLIENTS) as pool:
                for part in (plan[:split], plan[split:]):
                    for kind, detail in pool.map(one, part):
                        outcome[kind] += 1
                        if detail:
                            empties.append((kind, detail))
                    one_run_done.wait(timeout=600)
        finally:
            stop_writing.set()
            writer.join(timeout=120)
    answered = sum(v for k, v in outcome.items() if k != "unanswered")
    record("load_requests_sent", len(plan))
    record("load_requests_answered", answered)
    record("load_responses_5xx", outcome["5xx"])
    record("load_empty_answers_to_queries_with_results", outcome["empty"])
    record("load_index_runs_during_load", sum(writer_runs.values()))
    print(f"load: {len(plan)} sent, {answered} answered, {outcome['5xx']} 5xx, statuses {dict(outcome)}, "
          f"writer runs {dict(writer_runs)}")
    assert outcome["unanswered"] == 0, empties[:5]
    assert outcome["5xx"] == 0, empties[:5]
    assert outcome["empty"] == 0, empties[:5]
    assert set(outcome) <= {"200", "400"}, dict(outcome)
    assert writer_runs["completed"] >= 1 and not any(k.startswith("failed") for k in writer_runs), dict(writer_runs)
