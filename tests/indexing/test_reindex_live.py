"""Zero-downtime rebuild: `tracuu serve` keeps answering from the old index while `tracuu reindex`
runs, is SIGKILLed half-way (nothing changes), and switches to the new index when a rebuild
completes, without restarting the server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from helpers.processes import PROJECT_ROOT, STARTUP_LIMIT, free_port, stop_process as _stop
from indexer import IndexStore, index_documents
from indexer.document import Document

WAIT = 120  # upper bound for each wait below, never a timing assertion
QUERY = "trợ cấp thất nghiệp"
TOPICS = 20
FILLER = 600  # enough documents that a rebuild takes a few seconds, so it can be killed half-way


def old_docs():
    return [Document(id=f"tc-{i}", site="sldtbxh", title=f"Chi trả trợ cấp thất nghiệp đợt {i} (bản cũ)",
                     body="Người lao động đến bưu điện nhận trợ cấp thất nghiệp theo lịch.") for i in range(TOPICS)]


def new_records():
    for i in range(TOPICS):
        yield {"id": f"tc-{i}", "site": "sldtbxh", "title": f"Chi trả trợ cấp thất nghiệp đợt {i} (bản mới)",
               "text": "Người lao động nhận trợ cấp thất nghiệp qua tài khoản ngân hàng."}
    for i in range(FILLER):
        yield {"id": f"ts-{i}", "site": "sldtbxh", "title": f"Tuyển sinh giáo dục nghề nghiệp khóa {i}",
               "text": "Các trường cao đẳng, trung cấp trên địa bàn tỉnh tuyển sinh các ngành cơ khí, điện dân dụng, "
                       "may công nghiệp, chăm sóc sắc đẹp và công nghệ thông tin cho thanh niên nông thôn."}


class Client(threading.Thread):
    """Queries the server without pause; records the versions (bản cũ / bản mới) each answer showed."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.answers: list[set[str]] = []
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self):
        session = requests.Session()
        while not self.stop.is_set():
            try:
                response = session.get(f"{self.base}/api/search", params={"q": QUERY, "per_page": 50}, timeout=30)
                data = response.json()
                if response.status_code != 200 or not data["results"]:
                    self.failures.append(f"{response.status_code}: {str(data)[:200]}")
                else:
                    self.answers.append({"mới" if "(bản mới)" in r["title"] else "cũ" for r in data["results"]})
            except (requests.RequestException, ValueError, KeyError) as exc:
                self.failures.append(repr(exc))
            time.sleep(0.05)

    def mark(self) -> int:
        return len(self.answers)


def cli(index_dir, *args):
    env = dict(os.environ)
    env.pop("TRACUU_INDEX_DIR", None)
    return [sys.executable, "-m", "cli", "--index-dir", str(index_dir), *args], env


def wait_for(predicate, what: str, proc=None):
    deadline = time.monotonic() + WAIT
    while not predicate():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process exited with {proc.returncode} first")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT} s")
        time.sleep(0.05)


@pytest.fixture()
def served(tmp_path):
    index_dir = tmp_path / "index"
    store = IndexStore(index_dir)
    index_documents(store, old_docs())
    port = free_port()
    config = tmp_path / "tracuu.toml"
    config.write_text('RATE_LIMIT = ""  # this test is the only client, and a busy one\n', encoding="utf-8")
    command, env = cli(index_dir, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                       "--threads", "2", "--config", str(config))
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            try:
                return requests.get(base + "/api/search", params={"q": QUERY}, timeout=5).status_code == 200
            except requests.RequestException:
                return False

        deadline = time.monotonic() + STARTUP_LIMIT
        while not up():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield base, store, proc
    finally:
        _stop(proc)


def test_reindex_killed_then_completed_while_serving(served, tmp_path):
    base, store, server = served
    source = tmp_path / "new.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in new_records()) + "\n", encoding="utf-8")
    live = store.generation()
    client = Client(base)
    client.start()
    try:
        wait_for(lambda: client.mark() >= 3, "first answers")

        # 1. A rebuild killed half-way: some of the new generation is committed, the switch never happens.
        command, env = cli(store.root, "reindex", str(source), "--quiet")
        reindexer = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        try:
            def half_written():
                return any(int(toc.stem.rsplit("_", 1)[-1]) >= 1
                           for gen in store.root.glob("gen-*") if gen.name != live
                           for toc in gen.glob("_tracuu_*.toc"))

            wait_for(half_written, "a partly written new generation", reindexer)
            assert reindexer.poll() is None  # still running: killed half-way
            os.kill(reindexer.pid, signal.SIGKILL)
            reindexer.wait(WAIT)
        finally:
            if reindexer.poll() is None:
                reindexer.kill()
                reindexer.wait(WAIT)
            reindexer.stderr.close()
        assert reindexer.returncode == -signal.SIGKILL
        assert store.generation() == live
        leftovers = store.orphans()
        assert leftovers  # the killed rebuild's generation, left for the next run to clean
        seen = client.mark()
        wait_for(lambda: client.mark() >= seen + 5, "answers after the kill")
        assert all(versions == {"cũ"} for versions in client.answers)  # every answer from the old index
        assert client.failures == []

        # 2. A complete rebuild: the server switches to it without a restart.
        command, env = cli(store.root, "reindex", str(source), "--json")
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout)
        assert summary["from_sources"] == TOPICS + FILLER
        assert summary["removed_leftovers"] == [p.name for p in leftovers]
        assert store.generation() == summary["generation"] != live and store.previous() == live
        seen = client.mark()
        wait_for(lambda: client.mark() > seen and client.answers[-1] == {"mới"}, "answers from the new index")
        assert server.poll() is None  # the same server process
    finally:
        client.stop.set()
        client.join(WAIT)
    # Before the switch every answer was old, after it every answer new; never an error, never a mix.
    versions = [next(iter(v)) if len(v) == 1 else "mixed" for v in client.answers]
    assert "mixed" not in versions
    first_new = versions.index("mới")
    assert set(versions[:first_new]) == {"cũ"} and set(versions[first_new:]) == {"mới"}
    assert client.failures == []
    assert sorted(p.name for p in store.root.glob("gen-*")) == sorted([store.generation(), live])
    print(f"\nzero-downtime reindex: {first_new} answers from the old index (through the killed rebuild and the "
          f"complete one), then {len(versions) - first_new} from the new; 0 errors")
