"""Bad content on the way in: broken HTML, wrong or missing charsets, binary files, a
50 MB page, JSONL with bad lines, duplicate ids, missing titles. Each is skipped or
repaired with a report naming the file (and the line, for records); every good
document is still indexed. Runs the real `tracuu index` command."""

from __future__ import annotations

import json
import os
import re

import pytest

from helpers.pages import NFD_PAGE, encode_cp1258, render_article
from helpers.reliability import record, tracuu

pytestmark = pytest.mark.reliability

BIG_PAGE_MB = 50


def _page(token: str, charset: str = "utf-8") -> str:
    spec = dict(NFD_PAGE, title=f"Thông báo {token} về hỗ trợ người lao động",
                url=f"https://sldtbxh.quangnam.gov.vn/tin/{token}")
    return render_article(spec, charset=charset, paragraphs=[
        f"Nội dung {token}: Sở Lao động – Thương binh và Xã hội hướng dẫn thủ tục hỗ trợ người lao động.",
        "Người lao động nộp hồ sơ tại Trung tâm Dịch vụ việc làm tỉnh trước ngày 30 tháng 6.",
    ])


@pytest.fixture(scope="module")
def bad_sources(tmp_path_factory):
    """A folder of pages and a JSONL/CSV export, good and bad mixed; returns (paths, good tokens)."""
    root = tmp_path_factory.mktemp("bad_content")
    pages = root / "pages"
    pages.mkdir()
    good = []

    def page(name: str, data: bytes, token: str | None = None):
        (pages / name).write_bytes(data)
        if token:
            good.append(token)

    page("a-good.html", _page("robusta").encode("utf-8"), "robusta")
    broken = _page("robustb")
    broken = broken.replace("</p>", "").replace("</li>", "<li><b>").replace("</body>", "<td></tr><!--")
    page("b-broken.html", broken.encode("utf-8"), "robustb")
    page("c-unclosed.html", b"<html><head><title>x</title><body><div class='content'><p>" +
         "Văn bản robustc chưa đóng thẻ <b><i><table><tr><td>nội dung hỗ trợ người dân".encode("utf-8"), None)
    no_charset = _page("robustd", charset="windows-1258").replace('<meta charset="windows-1258">', "")
    page("d-no-charset.html", encode_cp1258(no_charset), "robustd")
    page("e-wrong-charset.html", _page("robuste", charset="windows-1258").encode("utf-8"), "robuste")
    page("f-says-utf8-is-cp1258.html", encode_cp1258(_page("robustf", charset="utf-8")), "robustf")
    page("g-binary.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    page("h-empty.html", b"")
    page("i-nul-bytes.html", _page("robusti").replace("Nội dung", "Nội\x00dung").encode("utf-8"))
    big = _page("robustbig").encode("utf-8")
    filler = b"<p>" + ("lap lai " * 1000).encode() + b"</p>\n"
    with open(pages / "j-50mb.html", "wb") as out:
        out.write(big[: big.index(b"</body>")])
        for _ in range(BIG_PAGE_MB * 1024 * 1024 // len(filler) + 1):
            out.write(filler)
        out.write(b"</body></html>")
    page("k-no-title.html", b"<html><body><div class='content'><p>" +
         "Trang robustk không có tiêu đề nhưng có nội dung về chính sách bảo hiểm xã hội tự nguyện.".encode() +
         b"</p></div></body></html>", None)

    lines = [
        json.dumps({"id": "r-1", "title": "Tin robustm", "text": "Nội dung robustm về việc làm.", "site": "sldtbxh"}),
        "{bad json",
        "[1, 2, 3]",
        "42",
        "null",
        json.dumps({"title": "không có id robustx", "text": "x"}),
        json.dumps({"id": "r-notitle", "text": "Thông báo robustn về lịch tiếp công dân tháng 7.", "site": "sldtbxh"}),
        json.dumps({"id": "r-dup", "title": "Bản cũ robusto", "text": "cũ", "site": "sldtbxh"}),
        json.dumps({"id": "r-dup", "title": "Bản mới robustp", "text": "mới", "site": "sldtbxh"}),
        json.dumps({"id": "r-kind", "title": "robustx", "kind": "video", "text": "x"}),
        json.dumps({"id": "r-date", "title": "Tin robustq", "text": "q", "date": "31/02/2019", "site": "sldtbxh"}),
        json.dumps({"id": "r-nul", "title": "Tin\u0000 robustr\u202e", "text": "r\u0000r", "site": "sldtbxh"}),
        json.dumps({"id": "r-empty"}),
        json.dumps({"id": "r-long", "title": "Tin robusts", "text": "dài " * 200_000, "site": "sldtbxh"}),
    ]
    jsonl = root / "export.jsonl"
    data = ("\ufeff" + "\n".join(lines[:12]) + "\n").encode("utf-8") + b"\xff\xfe\x00garbage\x80\n" + \
        ("\n".join(lines[12:]) + "\n").encode("utf-8")
    jsonl.write_bytes(data)
    good += ["robustm", "robustn", "robustp", "robustq", "robustr", "robusts"]
    csv_path = root / "notices.csv"
    csv_path.write_text('id,title,text,doc_number,site\n'
                        'c-1,Quyết định robustt,Nội dung robustt,12/2020/QĐ-UBND,sldtbxh\n'
                        'c-2,,,,\n'
                        'c-3,"Quyết định robustu, có dấu phẩy","Nội dung ""trích"" robustu",13/2020/QĐ-UBND,sldtbxh\n',
                        encoding="utf-8")
    good += ["robustt", "robustu"]
    return root, pages, jsonl, csv_path, good


@pytest.fixture(scope="module")
def indexed(bad_sources, tmp_path_factory):
    root, pages, jsonl, csv_path, good = bad_sources
    index_dir = tmp_path_factory.mktemp("bad_content_index")
    result = tracuu(index_dir, "index", "--quiet", pages, jsonl, csv_path, "--site", "sldtbxh", timeout=600)
    return index_dir, result


def _search(index_dir, q):
    from indexer import IndexStore, SearchRequest, WhooshBackend

    return WhooshBackend(IndexStore(index_dir)).search(SearchRequest(q=q, scope="web", per_page=20))


def test_the_run_completes_with_one_line_per_problem(indexed):
    index_dir, result = indexed
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert re.search(r"Đã lập chỉ mục \d+ tài liệu", result.stdout)


def test_every_good_document_is_indexed(indexed, bad_sources):
    index_dir, _ = indexed
    good = bad_sources[-1]
    missing = [token for token in good if _search(index_dir, token).total == 0]
    assert missing == []
    record("content_good_documents_indexed", len(good))


@pytest.mark.parametrize("name, why", [
    ("g-binary.html", "nhị phân"),
    ("j-50mb.html", "MB"),
    ("h-empty.html", ""),
])
def test_bad_pages_are_reported_by_file(indexed, name, why):
    _, result = indexed
    lines = [line for line in result.stderr.splitlines() if name in line]
    assert lines, f"no report for {name}:\n{result.stderr[-2000:]}"
    assert why in lines[0]
    record("content_bad_inputs_reported")


def test_every_page_is_indexed_or_reported(indexed, bad_sources):
    """No file vanishes silently: a page is searchable by its text or named in a report."""
    index_dir, result = indexed
    pages = bad_sources[1]
    for page in pages.iterdir():
        token = re.sub(r"[^a-z]", "", page.name.split("-")[0])
        assert _search(index_dir, f"robust{token}").total or page.name in result.stderr, page.name


@pytest.mark.parametrize("line, why", [
    (2, "không phải JSON hợp lệ"), (3, "cần một đối tượng"), (4, "cần một đối tượng"), (5, "cần một đối tượng"),
    (6, "không có id"), (10, "loại không hợp lệ"), (13, ""), (14, ""),
])
def test_bad_jsonl_lines_are_reported_with_file_and_line(indexed, line, why):
    _, result = indexed
    found = [x for x in result.stderr.splitlines() if f"export.jsonl:{line}:" in x]
    assert found and why in found[0] and found[0].startswith("bỏ qua"), result.stderr[-3000:]
    record("content_bad_inputs_reported")


def test_repairs_are_reported_with_file_and_line(indexed):
    _, result = indexed
    repaired = [x for x in result.stderr.splitlines() if x.startswith("đã sửa")]
    assert any("export.jsonl:11:" in x and "date" in x for x in repaired), result.stderr[-3000:]
    assert any("export.jsonl:7:" in x and "tiêu đề" in x for x in repaired), result.stderr[-3000:]
    record("content_bad_inputs_reported", 2)


def test_duplicate_ids_are_reported_and_the_last_one_wins(indexed):
    index_dir, result = indexed
    assert any("export.jsonl:9:" in x and "r-dup" in x for x in result.stderr.splitlines()), result.stderr[-3000:]
    assert _search(index_dir, "robustp").total == 1
    assert _search(index_dir, "robusto").total == 0
    record("content_bad_inputs_reported")


def test_control_characters_never_reach_the_index(indexed):
    index_dir, _ = indexed
    hit = _search(index_dir, "robustr").results[0]
    assert "\x00" not in hit.title and "\x00" not in hit.snippet


def test_bad_csv_rows_are_reported_with_line(indexed):
    _, result = indexed
    assert any("notices.csv:3:" in x for x in result.stderr.splitlines()), result.stderr[-3000:]


def test_a_rebuild_with_duplicate_ids_keeps_one_document_each(bad_sources, tmp_path):
    """The same for `tracuu reindex` (IndexSink): the later record replaces the earlier one."""
    from indexer import IndexStore
    from indexer.engines.whoosh.writing import reindex

    _, _, jsonl, _, _ = bad_sources
    store = IndexStore(tmp_path / "idx")
    reindex(store, sources=[jsonl])
    assert _search(store.root, "robustp").total == 1 and _search(store.root, "robusto").total == 0
    with store.open().searcher() as searcher:
        ids = [fields["id"] for fields in searcher.all_stored_fields()]
    assert len(ids) == len(set(ids))
