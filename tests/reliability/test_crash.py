"""Crashes: SIGKILL during `tracuu index`, `tracuu reindex` and `tracuu crawl` at several
points, two writers at once, and a full disk. After each, the live index opens and
answers as before, and the next run completes. Real CLI processes, real indexes."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers.corpus import DOCUMENTS_JSONL
from helpers.pages import NFD_PAGE, render_article
from helpers.reliability import FULL, kill_group, record, scaled, start_tracuu, tracuu

pytestmark = pytest.mark.reliability

BASELINE_QUERIES = ["bảo vệ trẻ em", "bao ve tre em", "việc làm", "bảo hiểm xã hội", "38/2019/NĐ-CP"]
BIG_DOCS = scaled(1200, 3000)
RUN_LIMIT = 600  # seconds: an upper bound for one CLI run, never an assertion on speed


# -- helpers ----------------------------------------------------------------------------------
def _answers(index_dir) -> dict[str, list[str]]:
    """What the live index answers to the baseline queries (ids, in rank order)."""
    from indexer import IndexStore, SearchRequest, WhooshBackend

    service = WhooshBackend(IndexStore(index_dir))
    return {q: [h.id for h in service.search(SearchRequest(q=q, scope="web", per_page=100)).results]
            for q in BASELINE_QUERIES}


def _doc_count(index_dir) -> int:
    from indexer import IndexStore

    ix = IndexStore(index_dir).open()
    try:
        return ix.doc_count()
    finally:
        ix.close()


def _big_source(path: Path, count: int, prefix: str = "tai", words: int = 60, unique: bool = False) -> Path:
    """Documents whose words appear in no baseline query (so the baseline answers cannot change);
    ``unique``: every word a random token, which makes the index large (~100 KB a document)."""
    filler = " ".join(["kiểm thử hệ thống đo tải nhiều lần liên tục"] * (words // 10 + 1))
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            if unique:
                filler = " ".join(f"{rng.getrandbits(24):06x}" for _ in range(words))
            out.write(json.dumps({"id": f"{prefix}-{i}", "title": f"Kiểm thử {prefix} số {i} mã {prefix}x{i}",
                                  "text": f"{filler} {prefix}x{i}", "site": "kiemthu"}, ensure_ascii=False) + "\n")
    return path


def _baseline(tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    result = tracuu(index_dir, "index", "--quiet", DOCUMENTS_JSONL, timeout=RUN_LIMIT)
    assert result.returncode == 0, result.stderr
    return index_dir


def _wait(proc: subprocess.Popen, condition, limit: float = RUN_LIMIT) -> bool:
    """Poll until ``condition()`` or the process ends; True when it is still running."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if condition():
                return proc.poll() is None
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return proc.poll() is None


def _holds_lock(index_dir: Path, pid: int):
    def check():
        text = (index_dir / "write.lock").read_text(encoding="utf-8")
        return text and json.loads(text)["pid"] == pid
    return check


def _progress_at_least(log: Path, count: int):
    def check():
        found = re.findall(r"ndexing: (\d+) docs", log.read_text(encoding="utf-8", errors="replace"))
        return found and int(found[-1]) >= count
    return check


def _new_files_in(directory_of, before: set[str]):
    """True once the (live or new) generation holds files that were not there before."""
    def check():
        folder = directory_of()
        return folder is not None and bool(set(os.listdir(folder)) - before)
    return check


def _assert_serving_as_before(index_dir: Path, before: dict, exact: bool = True) -> None:
    from indexer import IndexStore

    IndexStore(index_dir).open().close()  # opens
    after = _answers(index_dir)
    for q, ids in before.items():
        if exact:
            assert after[q] == ids, q
        else:
            assert set(ids) <= set(after[q]), q


def _check_ok(index_dir: Path) -> None:
    result = tracuu(index_dir, "check", "--json", timeout=RUN_LIMIT)
    report = json.loads(result.stdout)
    assert report["ok"], report


def _kill_points(index_dir: Path, log: Path, label: str) -> list:
    """(name, condition factory taking the process) for the points where a run is killed."""
    def live_dir():
        name = (index_dir / "CURRENT").read_text().strip()
        return index_dir / name

    def newest_generation():
        gens = sorted(index_dir.glob("gen-*"), key=lambda p: p.stat().st_mtime)
        return gens[-1] if gens else None

    live_files = set(os.listdir(live_dir()))
    points = [
        ("at start", lambda proc: (lambda: True)),
        ("holding the lock", lambda proc: _holds_lock(index_dir, proc.pid)),
        ("mid-run", lambda proc: _progress_at_least(log, BIG_DOCS // 3)),
        ("writing segments", lambda proc: _new_files_in(live_dir if label == "index" else newest_generation,
                                                        live_files)),
    ]
    if FULL:
        points += [(f"after {BIG_DOCS * k // 10} docs", lambda proc, k=k: _progress_at_least(log, BIG_DOCS * k // 10))
                   for k in (1, 5, 7, 9)]
    return points


def _kill_during(index_dir, log, args, label):
    """Run ``tracuu ARGS`` and SIGKILL it (and its workers) at each point; check the index after each."""
    before = _answers(index_dir)
    killed = 0
    for name, condition in _kill_points(index_dir, log, label):
        log.write_text("")
        with open(log, "ab") as handle:
            proc = start_tracuu(index_dir, *args, log=handle)
        running = _wait(proc, condition(proc))
        kill_group(proc)
        if running:
            killed += 1
        print(f"{label}: kill point {name!r}: " + ("killed while running" if running else
              f"the run had ended ({proc.returncode}): {log.read_text(errors='replace')[-200:]!r}"))
        # The live index opens and answers exactly as before (or, for a run killed after its
        # commit, still answers everything it did).
        _assert_serving_as_before(index_dir, before, exact=label != "crawl")
    record(f"sigkill_{label}_survived", killed)
    return killed


# -- SIGKILL ----------------------------------------------------------------------------------
def test_sigkill_during_index_then_the_next_run_completes(tmp_path):
    index_dir = _baseline(tmp_path)
    base_count = _doc_count(index_dir)
    source = _big_source(tmp_path / "big.jsonl", BIG_DOCS)
    killed = _kill_during(index_dir, tmp_path / "run.log", ["index", source], "index")
    assert killed >= 2
    result = tracuu(index_dir, "index", "--quiet", source, timeout=RUN_LIMIT)
    assert result.returncode == 0, result.stderr
    assert _doc_count(index_dir) == base_count + BIG_DOCS
    _check_ok(index_dir)


def test_sigkill_during_reindex_then_the_next_run_completes(tmp_path):
    index_dir = _baseline(tmp_path)
    base_count = _doc_count(index_dir)
    source = _big_source(tmp_path / "big.jsonl", BIG_DOCS)
    killed = _kill_during(index_dir, tmp_path / "run.log", ["reindex", source], "reindex")
    assert killed >= 2
    result = tracuu(index_dir, "reindex", "--quiet", source, timeout=RUN_LIMIT)
    assert result.returncode == 0, result.stderr
    assert _doc_count(index_dir) == base_count + BIG_DOCS
    assert _answers(index_dir)["bảo vệ trẻ em"]  # the copied documents still answer
    _check_ok(index_dir)  # leftovers of the killed rebuilds were removed


def test_sigkill_during_crawl_then_the_next_crawl_completes(tmp_path):
    from site_server import SiteServer, copy_site, sites_toml

    index_dir = _baseline(tmp_path)
    root = copy_site(tmp_path)
    pages = scaled(60, 150)
    entries = []
    for i in range(pages):
        spec = dict(NFD_PAGE, title=f"Thông báo kiểm thử thu thập số {i}", url=f"__BASE__/tin-tuc/them-{i}.html")
        text = [f"Kiểm thử thu thập số {i}: hệ thống đo tải chạy nhiều lần liên tục trên máy chủ thử nghiệm.",
                "Trang này chỉ dùng để kiểm tra khả năng chịu lỗi khi tiến trình bị dừng đột ngột."]
        (root / "tin-tuc" / f"them-{i}.html").write_text(render_article(spec, paragraphs=text), encoding="utf-8")
        entries.append(f"  <url><loc>__BASE__/tin-tuc/them-{i}.html</loc></url>")
    sitemap = (root / "sitemap.xml").read_text(encoding="utf-8").replace("</urlset>", "\n".join(entries) + "\n</urlset>")
    (root / "sitemap.xml").write_text(sitemap, encoding="utf-8")
    with SiteServer(root) as server:
        for path in root.rglob("*.html"):
            path.write_bytes(path.read_bytes().replace(b"__BASE__", server.base.encode()))
        (index_dir / "sites.toml").write_text(sites_toml(server.base, extra=(
            'articles = ["/tin-tuc/*.html"]\nnotices = ["/van-ban/chi-tiet-*"]\n')).replace("rate = 50", "rate = 100"),
            encoding="utf-8")
        before = _answers(index_dir)
        killed = 0
        points = [pages // 6, pages // 2, pages - 5] + ([pages // 4, pages * 3 // 4] if FULL else [])
        for point in points:
            start = len(server.requests)
            proc = start_tracuu(index_dir, "crawl", "sldtbxh", "--quiet")
            running = _wait(proc, lambda: len(server.requests) - start >= point)
            kill_group(proc)
            killed += running
            _assert_serving_as_before(index_dir, before, exact=False)
        record("sigkill_crawl_survived", killed)
        assert killed >= 2
        result = tracuu(index_dir, "crawl", "sldtbxh", "--quiet", timeout=RUN_LIMIT)
        assert result.returncode == 0, result.stderr + result.stdout
    from indexer import IndexStore, SearchRequest, WhooshBackend

    found = WhooshBackend(IndexStore(index_dir)).search(SearchRequest(q="kiểm thử thu thập", scope="web", per_page=100))
    assert found.total == pages
    _assert_serving_as_before(index_dir, before, exact=False)
    _check_ok(index_dir)


# -- two writers ------------------------------------------------------------------------------
def test_a_second_writer_fails_with_a_clear_message_and_nothing_is_corrupted(tmp_path):
    index_dir = _baseline(tmp_path)
    base_count = _doc_count(index_dir)
    source = _big_source(tmp_path / "big.jsonl", BIG_DOCS)
    other = _big_source(tmp_path / "other.jsonl", 20, prefix="khac")
    log = tmp_path / "first.log"
    with open(log, "wb") as handle:
        first = start_tracuu(index_dir, "index", source, log=handle)
    try:
        assert _wait(first, _holds_lock(index_dir, first.pid)), "the first writer ended too soon"
        for args in (["index", other], ["reindex"], ["delete", "tin-001"]):
            second = tracuu(index_dir, *args, timeout=RUN_LIMIT)
            assert second.returncode == 1, (args, second.stdout, second.stderr)
            assert "Traceback" not in second.stderr
            assert re.search(r"^Lỗi: chỉ mục trong .* đang được ghi bởi `tracuu index` \(pid \d+", second.stderr, re.M), \
                second.stderr
            record("second_writer_refused")
        assert first.wait(timeout=RUN_LIMIT) == 0, log.read_text()[-2000:]
    finally:
        kill_group(first)
    assert _doc_count(index_dir) == base_count + BIG_DOCS
    _check_ok(index_dir)
    assert tracuu(index_dir, "index", "--quiet", other, timeout=RUN_LIMIT).returncode == 0  # the lock was released
    assert _doc_count(index_dir) == base_count + BIG_DOCS + 20


# -- full disk --------------------------------------------------------------------------------
@pytest.fixture()
def small_disk(tmp_path):
    """An 8 MB tmpfs (root only); skipped with the reason when mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.parametrize("command", ["index", "reindex"])
def test_a_full_disk_gives_a_clear_error_and_the_live_index_keeps_serving(small_disk, tmp_path, command):
    index_dir = small_disk / "index"
    result = tracuu(index_dir, "index", "--quiet", DOCUMENTS_JSONL, timeout=RUN_LIMIT)
    assert result.returncode == 0, result.stderr
    before = _answers(index_dir)
    base_count = _doc_count(index_dir)
    source = _big_source(tmp_path / "huge.jsonl", scaled(200, 400), prefix="day", words=300, unique=True)
    result = tracuu(index_dir, command, "--quiet", source, timeout=RUN_LIMIT)
    assert result.returncode != 0
    # The last line is the one clear error. (Whoosh's worker processes, used for big batches,
    # print their own traceback before it; the command's own output has none.)
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(r"Lỗi: .*(hết dung lượng đĩa|disk is full)", last), result.stderr[-2000:]
    if "SubWriterTask" not in result.stderr:
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
    _assert_serving_as_before(index_dir, before)
    assert _doc_count(index_dir) == base_count
    record("full_disk_runs_survived")
    # Space back: the next run completes.
    small = _big_source(tmp_path / "small.jsonl", 30, prefix="nho")
    result = tracuu(index_dir, command, "--quiet", small, timeout=RUN_LIMIT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _doc_count(index_dir) == base_count + 30
