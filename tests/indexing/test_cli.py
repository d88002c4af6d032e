"""The `tracuu` command through click's CliRunner, on both engines (the same commands and output
with `--backend opensearch`; the ``backend_name`` fixture)."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from cli import main
from helpers.corpus import DOCUMENTS_JSONL, MIXED_JSONL, NOTICES_CSV

ENGINE = {"url": None}  # the OpenSearch URL of this run, None for Whoosh (set by the `engine` fixture)


@pytest.fixture(scope="module", autouse=True)
def engine(backend_name, request):
    """Every test of this module runs once per engine; OpenSearch indexes are one alias per index dir."""
    ENGINE["url"] = request.getfixturevalue("opensearch_url") if backend_name == "opensearch" else None
    yield backend_name
    if ENGINE["url"]:
        from opensearchpy import OpenSearch

        OpenSearch(hosts=[ENGINE["url"]]).indices.delete(index="tracuu-cli-*", ignore_unavailable=True,
                                                         allow_no_indices=True)
    ENGINE["url"] = None


def run(index_dir, *args):
    options = []
    if ENGINE["url"]:
        alias = "tracuu-cli-" + hashlib.sha1(str(index_dir).encode()).hexdigest()[:12]
        options = ["--backend", "opensearch", "--opensearch-url", ENGINE["url"], "--opensearch-index", alias]
    result = CliRunner().invoke(main, ["--index-dir", str(index_dir), *options, *map(str, args)])
    # Only SystemExit is an expected way out; anything else is a crash with a traceback.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def error_line(result):
    """The one-line error a failing command must print."""
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Lỗi: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def cli_index(engine, tmp_path_factory, html_pages):
    """An index built by `tracuu index` from several sources of every kind, in one call."""
    root = tmp_path_factory.mktemp("cli_index")
    result = run(root, "index", "--quiet", DOCUMENTS_JSONL, NOTICES_CSV, html_pages)
    assert result.exit_code == 0, result.output
    return root, result


def test_index_several_sources_in_one_call(cli_index):
    _, result = cli_index
    assert "Đã lập chỉ mục 18 tài liệu" in result.stdout  # 12 + 3 + 3 pages


def test_index_a_single_file(tmp_path):
    result = run(tmp_path, "index", "-q", NOTICES_CSV)
    assert result.exit_code == 0
    assert "Đã lập chỉ mục 3 tài liệu" in result.stdout


def test_index_a_folder(tmp_path, html_pages):
    result = run(tmp_path, "index", "-q", "--site", "trang", html_pages)
    assert result.exit_code == 0
    assert "Đã lập chỉ mục 3 tài liệu" in result.stdout
    stats = json.loads(run(tmp_path, "stats", "--json").stdout)
    assert stats["sites"] == {"trang": {"article": 3, "legal": 0}}


def test_index_jsonl_gz(tmp_path, documents_gz):
    result = run(tmp_path, "index", "-q", documents_gz)
    assert result.exit_code == 0
    assert "Đã lập chỉ mục 12 tài liệu" in result.stdout


def test_index_reports_bad_lines_and_indexes_good_ones(tmp_path):
    result = run(tmp_path, "index", "-q", MIXED_JSONL)
    assert result.exit_code == 0
    for line in (2, 3, 4, 7, 8):
        assert f"mixed.jsonl:{line}:" in result.stderr
    assert "mixed.jsonl:1:" not in result.stderr
    assert "mixed.jsonl:6:" not in result.stderr
    data = json.loads(run(tmp_path, "search", "việc làm người khuyết tật", "--json").stdout)
    assert data["results"][0]["id"] == "good-2"
    data = json.loads(run(tmp_path, "search", "kỹ năng sống", "--json").stdout)
    assert data["results"][0]["id"] == "good-1"


def test_index_with_site_and_kind_defaults(tmp_path):
    assert run(tmp_path, "index", "-q", "--site", "cong", "--kind", "legal", MIXED_JSONL).exit_code == 0
    stats = json.loads(run(tmp_path, "stats", "--json").stdout)
    assert list(stats["sites"]) == ["cong"]
    assert stats["sites"]["cong"]["article"] == 0
    assert stats["sites"]["cong"]["legal"] >= 3


def test_search_json_has_the_doc_first(cli_index):
    root, _ = cli_index
    result = run(root, "search", "87/2015/nd-cp", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"query", "total", "page", "per_page", "results"} <= set(data)
    first = data["results"][0]
    assert first["id"] == "vb-87-2015"
    assert first["doc_number"] == "87/2015/NĐ-CP"
    assert {"id", "title", "url", "site", "kind", "snippet", "published", "doc_number", "score"} <= set(first)


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_search_json_highlights(cli_index, q):
    root, _ = cli_index
    data = json.loads(run(root, "search", q, "--json", "--limit", "20").stdout)
    ids = [r["id"] for r in data["results"]]
    assert {"tin-001", "tin-002", "tin-006"} <= set(ids)
    assert any("<mark>trẻ em</mark>" in r["snippet"] for r in data["results"])


def test_search_finds_html_pages(cli_index):
    root, _ = cli_index
    data = json.loads(run(root, "search", "bao hiem xa hoi tu nguyen", "--json").stdout)
    assert "https://sldtbxh.quangnam.gov.vn/tin-tuc/bhxh-tu-nguyen" in [r["id"] for r in data["results"][:2]]
    data = json.loads(run(root, "search", "1437/qd-ubnd", "--json").stdout)
    ids = [r["id"] for r in data["results"]]
    assert ids[0] == "vb-1437"
    assert "https://sldtbxh.quangnam.gov.vn/tin-tuc/quyet-dinh-viec-lam" in ids  # the NFD page cites it


def test_search_table_output(cli_index):
    root, _ = cli_index
    result = run(root, "search", "bảo vệ trẻ em")
    assert result.exit_code == 0
    out = result.stdout
    assert "kết quả cho “bảo vệ trẻ em”" in out
    assert "  1. " in out
    assert "Bảo vệ trẻ em trên môi trường mạng" in out
    assert "https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-001" in out


def test_search_table_shows_doc_numbers(cli_index):
    root, _ = cli_index
    out = run(root, "search", "87/2015/NĐ-CP").stdout
    assert "  1. [87/2015/NĐ-CP] Nghị định về giám sát và đánh giá đầu tư" in out


def test_search_scope_site_with_site(cli_index):
    root, _ = cli_index
    result = run(root, "search", "bảo vệ trẻ em", "--scope", "site", "--site", "stttt", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["scope"] == "site" and data["site"] == "stttt"
    assert "tin-006" in [r["id"] for r in data["results"]]


def test_search_scope_site_returns_only_that_site(cli_index):
    root, _ = cli_index
    data = json.loads(run(root, "search", "bảo vệ trẻ em", "--scope", "site", "--site", "stttt", "--json").stdout)
    assert [r["id"] for r in data["results"]] == ["tin-006"]
    assert data["total"] == 1


def test_stats_counts_per_site_and_kind(cli_index):
    root, _ = cli_index
    stats = json.loads(run(root, "stats", "--json").stdout)
    assert stats["documents"] == 18
    assert stats["sites"]["sldtbxh"] == {"article": 7, "legal": 3}
    assert stats["sites"]["stttt"] == {"article": 1, "legal": 1}
    assert stats["sites"]["notices"] == {"article": 2, "legal": 1}
    html_site = next(s for s in stats["sites"] if s not in ("sldtbxh", "stttt", "notices"))
    assert stats["sites"][html_site] == {"article": 3, "legal": 0}
    assert stats["size_bytes"] > 0


def test_stats_table(cli_index):
    root, _ = cli_index
    result = run(root, "stats")
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line.strip()}
    assert rows["sldtbxh"] == ["7", "3"]
    assert rows["stttt"] == ["1", "1"]
    assert "Tài liệu: 18" in result.stdout


def test_delete(tmp_path):
    assert run(tmp_path, "index", "-q", DOCUMENTS_JSONL).exit_code == 0
    result = run(tmp_path, "delete", "tin-004")
    assert result.exit_code == 0
    assert "Đã xóa 1 tài liệu." in result.stdout
    data = json.loads(run(tmp_path, "search", "phiên giao dịch việc làm", "--json").stdout)
    assert "tin-004" not in [r["id"] for r in data["results"]]
    assert json.loads(run(tmp_path, "stats", "--json").stdout)["documents"] == 11


def test_delete_missing_id_fails_with_one_line(tmp_path):
    assert run(tmp_path, "index", "-q", NOTICES_CSV).exit_code == 0
    line = error_line(run(tmp_path, "delete", "khong-co-id-nay"))
    assert "khong-co-id-nay" in line
    # A mix deletes what exists and still reports the missing one.
    result = run(tmp_path, "delete", "csv-1", "khong-co-id-nay")
    assert "khong-co-id-nay" in error_line(result)
    assert json.loads(run(tmp_path, "stats", "--json").stdout)["documents"] == 2


# -- Errors: one line, "Lỗi:", non-zero exit -------------------------------------------

def test_unsupported_file_type(tmp_path):
    path = tmp_path / "ghi-chu.txt"
    path.write_text("xin chào", encoding="utf-8")
    line = error_line(run(tmp_path / "ix", "index", "-q", path))
    assert "ghi-chu.txt" in line


def test_scope_site_without_site(cli_index):
    root, _ = cli_index
    line = error_line(run(root, "search", "trẻ em", "--scope", "site"))
    assert "--site" in line


@pytest.mark.parametrize("args", [("search", "trẻ em"), ("stats",), ("delete", "tin-001")])
def test_commands_without_an_index(tmp_path, args):
    line = error_line(run(tmp_path / "chua-co", *args))
    assert "chưa có chỉ mục" in line


def test_index_only_bad_lines_fails(tmp_path):
    path = tmp_path / "hong.jsonl"
    path.write_text('{"id": \n[1, 2]\n', encoding="utf-8")
    result = run(tmp_path / "ix", "index", "-q", path)
    assert result.exit_code != 0
    assert "hong.jsonl:1:" in result.stderr and "hong.jsonl:2:" in result.stderr


def test_search_over_long_query_is_one_line_error(cli_index):
    root, _ = cli_index
    error_line(run(root, "search", "x" * 1001))


def test_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("index", "search", "serve", "stats", "delete"):
        assert command in result.stdout
