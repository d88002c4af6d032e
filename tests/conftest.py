"""Shared fixtures for tracuu's test suite.

Everything here uses the real parts: Whoosh indexes on disk in tmp folders, the
real pyvi segmenter (loaded once per test process), the Flask app factory.
Indexes are built once per session where the tests only read them.
"""

from __future__ import annotations

import gzip
import shutil
import unicodedata
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS_JSONL = FIXTURES / "documents.jsonl"
NOTICES_CSV = FIXTURES / "notices.csv"
MIXED_JSONL = FIXTURES / "mixed.jsonl"
HTML_DIR = FIXTURES / "html"
ARTICLE_TEMPLATE = FIXTURES / "html_templates" / "article.html.tmpl"

# The department site and the second site of documents.jsonl.
DEPT_SITE = "sldtbxh"
OTHER_SITE = "stttt"
# Articles about child protection ("bảo vệ trẻ em") in documents.jsonl, per site.
CHILD_PROTECTION_DEPT = {"tin-001", "tin-002"}
CHILD_PROTECTION_OTHER = {"tin-006"}

# Pages generated from ARTICLE_TEMPLATE at test time.
NFD_PAGE = {
    "file": "quyet-dinh-viec-lam.html",
    "charset": "utf-8",
    "title": "Quyết định phê duyệt kế hoạch hỗ trợ việc làm cho người lao động",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/quyet-dinh-viec-lam",
    "date": "15/03/2019",
    "source": "Việc làm",
    "paragraphs": [
        "Ủy ban nhân dân tỉnh đã ban hành Quyết định số 1437/QĐ-UBND phê duyệt kế hoạch hỗ trợ việc làm "
        "cho người lao động năm 2019 trên địa bàn tỉnh Quảng Nam.",
        "Kế hoạch tập trung vào tư vấn, giới thiệu việc làm và đào tạo nghề cho thanh niên nông thôn, "
        "người khuyết tật, lao động thuộc hộ nghèo và hộ cận nghèo.",
        "Trung tâm Dịch vụ việc làm tỉnh sẽ tổ chức các phiên giao dịch việc làm định kỳ hằng tháng tại "
        "thành phố Tam Kỳ và các huyện miền núi.",
        "Sở Lao động – Thương binh và Xã hội được giao chủ trì, phối hợp với các sở, ngành liên quan theo "
        "dõi, đôn đốc việc thực hiện kế hoạch.",
    ],
}
CP1258_PAGE = {
    "file": "bhxh-tu-nguyen.html",
    "charset": "windows-1258",
    "title": "Tuyên truyền chính sách bảo hiểm xã hội tự nguyện năm 2019",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/bhxh-tu-nguyen",
    "date": "02/04/2019",
    "source": "Bảo hiểm xã hội",
    "paragraphs": [
        "Sở Lao động – Thương binh và Xã hội phối hợp với Bảo hiểm xã hội tỉnh tuyên truyền chính sách "
        "bảo hiểm xã hội tự nguyện cho người lao động tự do.",
        "Người tham gia được Nhà nước hỗ trợ tiền đóng; mức hỗ trợ bằng 30% mức đóng theo chuẩn hộ nghèo "
        "khu vực nông thôn đối với người thuộc hộ nghèo.",
        "Hội nghị cũng giải đáp nhiều thắc mắc của người dân về thời gian đóng, mức hưởng lương hưu và chế "
        "độ tử tuất khi tham gia bảo hiểm xã hội tự nguyện.",
        "Dự kiến trong năm 2019 toàn tỉnh phát triển thêm 3.000 người tham gia bảo hiểm xã hội tự nguyện, "
        "góp phần thực hiện mục tiêu an sinh xã hội.",
    ],
}
UTF8_PAGE = {
    "file": "hoi-nghi-bao-ve-tre-em.html",
    "title": "Hội nghị triển khai Chương trình Bảo vệ trẻ em và Bình đẳng giới năm 2019",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/hoi-nghi-bao-ve-tre-em-2019",
}

# Text of the page chrome in ARTICLE_TEMPLATE: none of it may end up in an article body.
CHROME_TEXTS = [
    "Select the search type",  # search box
    "Trang chủ",  # menu
    "Giới thiệu chung về cơ cấu tổ chức",  # menu
    "Thủ tục hành chính công trực tuyến",  # menu
    "Văn bản mới",  # sidebar heading
    "Quy định quản lý đầu tư ứng dụng công nghệ thông tin",  # legal-notice sidebar
    "Quy định trách nhiệm công khai xin lỗi",  # legal-notice sidebar
    "Nguồn tin",
    "Người đăng",
    "Lượt xem",
    "Trở về",
    "Các tin mới hơn",
    "Các tin cũ hơn",
    "Quảng Nam tổ chức Lễ phát động Tháng hành động",  # a newer-news title
    "phòng ngừa lao động trẻ em cho cha mẹ",  # a newer-news title
    "Tặng quà cho trẻ em có hoàn cảnh khó khăn",  # an older-news title
    "Trao dụng cụ học tập và học bổng",  # an older-news title
    "Cơ quan chủ quản",  # footer
    "Ghi rõ nguồn khi phát hành lại",  # footer
]

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as windows-1258 the way Vietnamese Windows does.

    cp1258 has the vowels with hats and horns (â, ê, ô, ơ, ư, ă, đ) but not most
    toned letters: those become the base letter followed by a combining tone mark.
    Decoded, such text is *not* NFC until normalized.
    """
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            tones = "".join(c for c in parts if c in _TONE_MARKS)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def render_article(spec: dict, charset: str | None = None, paragraphs: list[str] | None = None) -> str:
    """An article page in the department CMS's style, from ARTICLE_TEMPLATE."""
    template = ARTICLE_TEMPLATE.read_text(encoding="utf-8")
    body = "\n".join(f"            <p>{p}</p>" for p in (paragraphs if paragraphs is not None else spec["paragraphs"]))
    return (template.replace("__CHARSET__", charset or spec.get("charset", "utf-8"))
            .replace("__TITLE__", spec["title"])
            .replace("__URL__", spec["url"])
            .replace("__PARAGRAPHS__", body)
            .replace("__SOURCE__", spec.get("source", "Tổng hợp"))
            .replace("__DATE__", spec.get("date", "01/01/2019")))


def index_source(index_dir, *sources, site=None, kind=None):
    """Index sources into ``index_dir`` through the public indexer API; returns the report."""
    from indexer import IndexStore, index_documents, read_source

    def items():
        for source in sources:
            yield from read_source(source, site=site, kind=kind)

    return index_documents(IndexStore(index_dir), items())


@pytest.fixture(scope="session")
def html_pages(tmp_path_factory) -> Path:
    """A folder of three article pages: UTF-8, NFD-normalized UTF-8, and windows-1258."""
    folder = tmp_path_factory.mktemp("html_pages")
    shutil.copy(HTML_DIR / UTF8_PAGE["file"], folder / UTF8_PAGE["file"])
    nfd_html = unicodedata.normalize("NFD", render_article(NFD_PAGE))
    (folder / NFD_PAGE["file"]).write_bytes(nfd_html.encode("utf-8"))
    cp_html = render_article(CP1258_PAGE)
    assert '<meta charset="windows-1258">' in cp_html
    (folder / CP1258_PAGE["file"]).write_bytes(encode_cp1258(cp_html))
    return folder


@pytest.fixture(scope="session")
def documents_gz(tmp_path_factory) -> Path:
    """documents.jsonl compressed, as exports often arrive."""
    path = tmp_path_factory.mktemp("gz") / "export.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(DOCUMENTS_JSONL.read_bytes())
    return path


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """An index home with documents.jsonl indexed; read-only for the tests that use it."""
    root = tmp_path_factory.mktemp("corpus_index")
    report = index_source(root, DOCUMENTS_JSONL)
    assert report.indexed == 12 and not report.problems
    return root


@pytest.fixture(scope="session")
def corpus_service(corpus_dir):
    from indexer import IndexStore, WhooshBackend

    return WhooshBackend(IndexStore(corpus_dir), default_site=DEPT_SITE)


@pytest.fixture(scope="session")
def search(corpus_service):
    """search(q, **request_fields) -> SearchResult on the shared corpus."""
    from indexer import SearchRequest

    def run(q, **kwargs):
        return corpus_service.search(SearchRequest(q=q, **kwargs))

    return run


@pytest.fixture(scope="session")
def app(corpus_dir):
    from webapp import create_app

    # RATE_LIMIT "": the whole session shares this app and one client address (see test_security).
    app = create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE, "TESTING": True, "RATE_LIMIT": ""})
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


def pytest_terminal_summary(terminalreporter):
    """The reliability suite's figures (requests, kills, fuzz cases, payloads), when it ran."""
    import sys

    reliability = sys.modules.get("reliability")
    for line in (reliability.report_lines() if reliability else []):
        terminalreporter.write_line(line)


# --- OpenSearch (issue 8): a real local cluster started by scripts/opensearch-cluster.sh ----------

OPENSEARCH_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "opensearch-cluster.sh"
OPENSEARCH_LAUNCHER_JAR = OPENSEARCH_SCRIPT.parent.parent / "opensearch" / "launcher" / "target" / "tracuu-opensearch-launcher.jar"


def opensearch_unavailable(reason: str):
    """Skip when no OpenSearch can be had here; under CI=true fail instead, since CI must run that part."""
    import os

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"OpenSearch is required under CI=true: {reason}", pytrace=False)
    pytest.skip(f"OpenSearch unavailable: {reason}")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are free now (for a cluster's HTTP or transport)."""
    import random
    import socket

    for _ in range(200):
        base = random.randint(20000, 45000)
        try:
            sockets = []
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free loopback ports found")


def start_opensearch_cluster(directory: Path, nodes: int = 1, heap: str = "512m", timeout: int = 300) -> str:
    """Start (or restart the missing nodes of) a local cluster in ``directory``; returns its URL.

    Skips (fails under CI=true) when Java, or Maven for the first launcher build, is missing, or
    when the script cannot start the cluster. The ports are chosen here unless ``directory``
    already holds a cluster (a restart keeps its ports).
    """
    import shutil as _shutil
    import subprocess

    if not _shutil.which("java"):
        opensearch_unavailable("java is not installed (OpenSearch 2.19 needs Java 17)")
    if not OPENSEARCH_LAUNCHER_JAR.exists() and not _shutil.which("mvn"):
        opensearch_unavailable("the launcher is not built and mvn is not installed (scripts/opensearch-cluster.sh build)")
    args = [str(OPENSEARCH_SCRIPT), "start", "--dir", str(directory), "--timeout", str(timeout)]
    if not (directory / "cluster.env").exists():
        args += ["--nodes", str(nodes), "--heap", heap,
                 "--http-port", str(free_ports(nodes)), "--transport-port", str(free_ports(nodes))]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout + 900)
    except subprocess.TimeoutExpired:
        stop_opensearch_cluster(directory)
        opensearch_unavailable(f"scripts/opensearch-cluster.sh start did not return ({directory})")
    if done.returncode != 0:
        stop_opensearch_cluster(directory)
        opensearch_unavailable(f"scripts/opensearch-cluster.sh start failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def stop_opensearch_cluster(directory: Path) -> None:
    """SIGTERM every node of the cluster in ``directory`` (SIGKILL after 60 s)."""
    import subprocess

    subprocess.run([str(OPENSEARCH_SCRIPT), "stop", "--dir", str(directory)],
                   capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory):
    """URL of a real OpenSearch 2.19 node for the whole session (plain http, no auth).

    TRACUU_TEST_OPENSEARCH_URL, when set, is used as it is (nothing started or stopped); otherwise
    a 1-node cluster is started on free loopback ports in a tmp folder and stopped at session end.
    Skips without Java/Maven; under CI=true that is a failure. Tests share the node: use index
    names of their own and delete them.
    """
    import os

    url = os.environ.get("TRACUU_TEST_OPENSEARCH_URL", "").strip()
    if url:
        yield url.rstrip("/")
        return
    directory = tmp_path_factory.mktemp("opensearch")
    try:
        yield start_opensearch_cluster(directory, nodes=1)
    finally:
        stop_opensearch_cluster(directory)


def pytest_collection_modifyitems(items):
    """Tests that use the opensearch_url fixture carry the ``opensearch`` marker (-m 'not opensearch')."""
    for item in items:
        if "opensearch_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.opensearch)
