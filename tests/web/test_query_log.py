"""The query log and `tracuu report`: what visitors look for and cannot find, without personal data."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date

import pytest
from click.testing import CliRunner

from helpers.corpus import DEPT_SITE
from indexer.querylog import FILE, QueryLog, normalize_query, parse_since


@pytest.fixture()
def home(corpus_dir, tmp_path):
    target = tmp_path / "home"
    shutil.copytree(corpus_dir, target)
    (target / FILE).unlink(missing_ok=True)
    return target


@pytest.fixture()
def logging_client(home):
    """A test client of an app on ``home`` (a copy of ``corpus_dir``) that logs the queries there."""
    from webapp import create_app

    app = create_app({"INDEX_DIR": str(home), "DEFAULT_SITE": DEPT_SITE, "TESTING": True, "RATE_LIMIT": ""})
    return app.test_client()


def report(home, *args):
    from cli import main

    result = CliRunner().invoke(main, ["--index-dir", str(home), "report", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_searches_zero_results_and_unclicked_queries(logging_client, home):
    for _ in range(3):
        assert logging_client.get("/api/search", query_string={"q": "Bảo vệ trẻ em", "scope": "web"}).status_code == 200
    assert logging_client.get("/api/search", query_string={"q": "bảo vệ  trẻ em", "scope": "web", "page": 2}).status_code == 200
    assert logging_client.get("/", query_string={"q": "trợ cấp thất nghiệp"}).status_code == 200
    assert logging_client.get("/api/search", query_string={"q": "xyzzy không có gì", "scope": "web"}).status_code == 200
    first = logging_client.get("/api/search", query_string={"q": "bảo vệ trẻ em", "scope": "web"}).get_json()["results"][0]
    response = logging_client.get("/api/click", query_string={"q": "Bảo vệ trẻ em", "id": first["id"]})
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"

    data = report(home, "--min-searches", "1")
    top = {row["q"]: row for row in data["top"]}
    assert top["bảo vệ trẻ em"]["searches"] == 4  # one spelling; page 2 not counted again
    assert top["bảo vệ trẻ em"]["clicks"] == 1 and top["bảo vệ trẻ em"]["results"] > 0
    assert data["zero_results"] == [{"q": "xyzzy không có gì", "searches": 1}]
    assert {"q": "trợ cấp thất nghiệp", "searches": 1} in data["not_clicked"]
    assert "bảo vệ trẻ em" not in {row["q"] for row in data["not_clicked"]}


def test_nothing_personal_is_kept(logging_client, home):
    logging_client.get("/api/search", query_string={"q": "hồ sơ của nguyen.van.a@gmail.com 0905 123 456 cccd 049201001234"},
               headers={"X-Forwarded-For": "203.0.113.9", "Cookie": "session=abc", "User-Agent": "Secret/1.0"})
    dump = "\n".join(sqlite3.connect(home / FILE).iterdump())
    for secret in ("gmail", "0905", "049201001234", "203.0.113.9", "abc", "Secret", ":"):  # ":" - no time of day
        assert secret not in dump.split("INSERT INTO", 1)[-1], secret
    assert "hồ sơ của [email] [số] cccd [số]" in dump


def test_bad_click_and_report_input_never_fail(logging_client, home):
    assert logging_client.get("/api/click").status_code == 204
    assert logging_client.get("/api/click", query_string={"q": "x" * 5000, "id": "\x00"}).status_code == 204
    from cli import main

    result = CliRunner().invoke(main, ["--index-dir", str(home), "report", "--since", "last tuesday"])
    assert result.exit_code == 1 and result.stderr.startswith("Lỗi: --since")
    assert report(home)["searches"] == 0  # no log yet is an empty report, not an error


def test_log_can_be_turned_off(home):
    from webapp import create_app

    app = create_app({"INDEX_DIR": str(home), "TESTING": True, "QUERY_LOG": False, "RATE_LIMIT": ""})
    client = app.test_client()
    assert client.get("/api/search", query_string={"q": "trẻ em", "scope": "web"}).status_code == 200
    # The pages link their result clicks to /api/click: it still answers, and records nothing.
    assert client.get("/", query_string={"q": "trẻ em"}).status_code == 200
    assert client.get("/embed", query_string={"q": "trẻ em"}).status_code == 200
    assert client.get("/api/click", query_string={"q": "trẻ em", "id": "x"}).status_code == 204
    assert not (home / FILE).exists()


def test_query_normalization_and_since():
    assert normalize_query("  Bảo  VỆ trẻ em ") == "bảo vệ trẻ em"
    assert normalize_query("38/2019/NĐ-CP") == "38/2019/nđ-cp"  # document numbers are not phone numbers
    assert parse_since("7d", today=date(2026, 11, 28)) == date(2026, 11, 21)
    assert parse_since("2w", today=date(2026, 11, 28)) == date(2026, 11, 14)
    assert parse_since("2026-11-01") == date(2026, 11, 1)


def test_a_read_only_log_never_breaks_search(tmp_path):
    log = QueryLog(tmp_path / "missing" / "deeper")
    (tmp_path / "missing").write_text("a file where a folder should be")
    log.record_search("trẻ em", 3)  # logged as a warning, then disabled
    assert log.broken


def _log_for_the_threshold(home) -> QueryLog:
    """Queries searched three times (shown by default) and twice (one visitor's words: hidden)."""
    log = QueryLog(home)
    for _ in range(3):
        log.record_search("bảo vệ trẻ em", 5)
        log.record_search("lương hưu tháng 13", 0)
        log.record_search("học bổng", 2)
    log.record_click("bảo vệ trẻ em", "tin-001")
    for _ in range(2):
        log.record_search("hồ sơ của nguyễn văn bình", 0)
        log.record_search("trợ cấp thôi việc", 4)
    return log


def test_the_report_lists_only_queries_searched_several_times(home):
    log = _log_for_the_threshold(home)
    since = date.today()
    data = log.report(since)
    assert data["min_searches"] == 3 and data["searches"] == 13  # the total still counts every search
    assert [row["q"] for row in data["top"]] == ["bảo vệ trẻ em", "học bổng", "lương hưu tháng 13"]
    assert data["zero_results"] == [{"q": "lương hưu tháng 13", "searches": 3}]
    assert data["not_clicked"] == [{"q": "học bổng", "searches": 3}]
    everything = json.dumps(data, ensure_ascii=False)
    assert "nguyễn văn bình" not in everything and "trợ cấp thôi việc" not in everything
    # A lower threshold where the operator asks for one; never below 1.
    lower = log.report(since, min_searches=2)
    assert {"q": "hồ sơ của nguyễn văn bình", "searches": 2} in lower["zero_results"]
    assert {"q": "trợ cấp thôi việc", "searches": 2} in lower["not_clicked"]
    assert log.report(since, min_searches=0)["min_searches"] == 1
    # The limit applies after the threshold: the rows kept are the most searched of those allowed.
    assert [row["q"] for row in log.report(since, limit=1, min_searches=2)["top"]] == ["bảo vệ trẻ em"]


def test_tracuu_report_keeps_the_same_rule(home):
    from cli import main

    _log_for_the_threshold(home)
    data = report(home)
    assert data["min_searches"] == 3
    assert "hồ sơ của nguyễn văn bình" not in json.dumps(data, ensure_ascii=False)
    assert data["zero_results"] == [{"q": "lương hưu tháng 13", "searches": 3}]
    assert {"q": "hồ sơ của nguyễn văn bình", "searches": 2} in report(home, "--min-searches", "2")["zero_results"]
    text = CliRunner().invoke(main, ["--index-dir", str(home), "report"])
    assert text.exit_code == 0, text.output
    assert "từ 3 lần trở lên" in text.stdout and "lương hưu tháng 13" in text.stdout
    assert "nguyễn văn bình" not in text.stdout and "trợ cấp thôi việc" not in text.stdout
    bad = CliRunner().invoke(main, ["--index-dir", str(home), "report", "--min-searches", "0"])
    assert bad.exit_code == 2 and "--min-searches" in bad.stderr
