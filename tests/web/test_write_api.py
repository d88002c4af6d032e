"""The write API on a served app (`python -m cli serve`, gunicorn, two workers): a CMS pushes,
updates and deletes documents and finds them through /api/search; bad NDJSON lines are reported
with their line numbers; every refusal (no key, wrong, revoked, search-only, another site's) is a
401/403 with nothing written; acknowledged and queued tasks survive SIGKILL of every process."""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

import pytest
import requests

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, OTHER_SITE
from helpers import processes

TIMEOUT = 30
APPLIED_WITHIN = 60  # seconds a task may take to be applied on a busy test machine

ARTICLE = {"id": "cms-001", "title": "Khai trương Trung tâm hỗ trợ khởi nghiệp sáng tạo tỉnh",
           "sapo": "Trung tâm hỗ trợ khởi nghiệp sáng tạo chính thức đi vào hoạt động.",
           "text": "Sáng nay, Trung tâm hỗ trợ khởi nghiệp sáng tạo của tỉnh khai trương tại thành phố Tam Kỳ, "
                   "hỗ trợ doanh nghiệp trẻ về vốn và mặt bằng.",
           "url": "https://sldtbxh.example.gov.vn/tin-tuc/khai-truong-trung-tam-khoi-nghiep.html",
           "date": "05/03/2024", "category": "Tin hoạt động"}
FIND = "khởi nghiệp sáng tạo"


# -- serving -------------------------------------------------------------------------------------

def _serve_env(backend) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env["TRACUU_RATE_LIMIT"] = ""
    settings = backend.settings
    if settings.backend == "opensearch":
        env.update(TRACUU_BACKEND="opensearch", TRACUU_OPENSEARCH_URL=settings.opensearch_url,
                   TRACUU_OPENSEARCH_INDEX=settings.opensearch_index)
    return env


@contextmanager
def served(home, env, log_path, workers: int = 2):
    """`tracuu serve` on ``home`` with the department site as the default; yields (base URL, process)."""
    with processes.served(home, log_path, "--default-site", DEPT_SITE, env=env, workers=workers) as server:
        yield server


def kill_everything(proc) -> None:
    """SIGKILL to the master and every worker at once."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=20)


def auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def wait_task(base, secret, task_id, until=("succeeded", "failed")) -> dict:
    deadline = time.monotonic() + APPLIED_WITHIN
    while True:
        response = requests.get(f"{base}/api/tasks/{task_id}", headers=auth(secret), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        task = response.json()
        if task["status"] in until:
            return task
        assert time.monotonic() < deadline, f"task still {task['status']} after {APPLIED_WITHIN} s"
        time.sleep(0.1)


def found_ids(base, q, **params) -> set[str]:
    response = requests.get(f"{base}/api/search", params={"q": q, "scope": "web", **params}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    result = response.json()
    return set() if result["relaxed"] else {hit["id"] for hit in result["results"]}  # every word, or nothing


def _seeded(make_backend, home):
    from indexer import read_source

    return make_backend(home, read_source(str(DOCUMENTS_JSONL)), default_site=DEPT_SITE)


# -- pushing and finding, on both engines ----------------------------------------------------------

def test_push_find_update_delete(make_backend, tmp_path):
    from indexer.keys import KeyStore

    backend = _seeded(make_backend, tmp_path / "home")
    _, secret = KeyStore(backend.settings.index_dir).create([DEPT_SITE], "write", "CMS")
    with served(backend.settings.index_dir, _serve_env(backend), tmp_path / "server.log") as (base, _):
        assert "cms-001" not in found_ids(base, FIND)
        response = requests.post(f"{base}/api/documents", json=ARTICLE, headers=auth(secret), timeout=TIMEOUT)
        assert response.status_code == 202, response.text
        task = response.json()
        assert task["status"] in ("queued", "processing", "succeeded") and task["site"] == DEPT_SITE
        assert response.headers["Location"] == f"/api/tasks/{task['id']}"
        done = wait_task(base, secret, task["id"])
        assert done["status"] == "succeeded" and done["counts"]["indexed"] == 1 and done["problems"] == []
        assert "cms-001" in found_ids(base, FIND)  # visible as soon as the task says succeeded

        changed = dict(ARTICLE, title="Khai trương Trung tâm đổi mới sáng tạo tỉnh",
                       text="Trung tâm đổi mới sáng tạo của tỉnh hỗ trợ doanh nghiệp về chuyển đổi số.")
        changed.pop("sapo")
        response = requests.put(f"{base}/api/documents/cms-001", json=changed, headers=auth(secret), timeout=TIMEOUT)
        assert response.status_code == 202, response.text
        assert wait_task(base, secret, response.json()["id"])["status"] == "succeeded"
        assert "cms-001" in found_ids(base, "chuyển đổi số")
        assert "cms-001" not in found_ids(base, FIND)  # replaced, not added beside
        stored = requests.get(f"{base}/api/documents/cms-001", headers=auth(secret), timeout=TIMEOUT).json()
        assert stored["title"] == changed["title"] and "summary" not in stored

        response = requests.delete(f"{base}/api/documents/cms-001", headers=auth(secret), timeout=TIMEOUT)
        assert response.status_code == 202, response.text
        done = wait_task(base, secret, response.json()["id"])
        assert done["status"] == "succeeded" and done["counts"]["deleted"] == 1
        assert "cms-001" not in found_ids(base, "chuyển đổi số")
        assert {"tin-001", "tin-002"} <= found_ids(base, "bảo vệ trẻ em")  # the rest untouched


# -- the rest on Whoosh: one server for the module -------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A served Whoosh index with the sample corpus, and keys: {name: (key, secret)}."""
    from helpers.corpus import index_source
    from indexer.keys import KeyStore

    home = tmp_path_factory.mktemp("write_api")
    assert index_source(home, DOCUMENTS_JSONL).indexed == 12
    store = KeyStore(home)
    keys = {
        "admin": store.create([], "admin", "quản trị"),
        "dept": store.create([DEPT_SITE], "write", "CMS sở"),
        "search": store.create([], "search", "tiện ích tìm kiếm"),
        "revoked": store.create([DEPT_SITE], "write", "CMS cũ"),
    }
    assert store.revoke(keys["revoked"][0].id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env.update(TRACUU_RATE_LIMIT="", TRACUU_ADMIN_TOKEN="bootstrap-admin-token-for-tests")
    with served(home, env, tmp_path_factory.mktemp("log") / "server.log") as (base, _):
        yield base, home, {name: secret for name, (_, secret) in keys.items()}


def _nothing_written(base, home, doc_id):
    from indexer.tasks import TaskQueue

    assert not [t for t in TaskQueue(home).recent(limit=100) if doc_id in str(t.to_dict())]
    response = requests.get(f"{base}/api/documents/{doc_id}", headers=auth("bootstrap-admin-token-for-tests"),
                            timeout=TIMEOUT)
    assert response.status_code == 404


def test_ndjson_bad_lines_are_reported_and_good_ones_applied(server):
    base, _, secrets = server
    lines = [
        '{"id": "nd-1", "title": "Tập huấn an toàn vệ sinh lao động cho doanh nghiệp", "text": "Tập huấn an toàn."}',
        '{"id": "nd-2", "title": "thiếu dấu ngoặc"',
        '',
        '{"title": "", "text": ""}',
        '{"id": "nd-3", "title": "Tập huấn an toàn vệ sinh lao động đợt hai", "date": "31/02/2024"}',
    ]
    response = requests.post(f"{base}/api/documents", data="\n".join(lines).encode(), timeout=TIMEOUT,
                             headers={**auth(secrets["dept"]), "Content-Type": "application/x-ndjson"})
    assert response.status_code == 202, response.text
    task = wait_task(base, secrets["dept"], response.json()["id"])
    assert task["status"] == "succeeded"
    assert task["counts"] == {"received": 4, "indexed": 2, "deleted": 0, "problems": 3}
    by_line = {p["line"]: p for p in task["problems"]}
    assert set(by_line) == {2, 4, 5}
    assert by_line[2]["message"].startswith("không phải JSON hợp lệ") and by_line[2]["skipped"]
    assert by_line[4]["message"] == "không có id (cũng không có url để thay id)"  # as `tracuu index` says it
    assert "ngày không đọc được '31/02/2024'" in by_line[5]["message"] and not by_line[5]["skipped"]
    assert {"nd-1", "nd-3"} <= found_ids(base, "tập huấn an toàn vệ sinh lao động")


def test_an_array_and_the_bootstrap_token(server):
    base, _, _ = server
    docs = [{"id": f"arr-{n}", "title": f"Hội thảo chuyển giao công nghệ nông nghiệp lần {n}", "site": OTHER_SITE}
            for n in range(3)]
    token = "bootstrap-admin-token-for-tests"
    response = requests.post(f"{base}/api/documents", json=docs, headers=auth(token), timeout=TIMEOUT)
    assert response.status_code == 202, response.text
    task = wait_task(base, token, response.json()["id"])
    assert task["status"] == "succeeded" and task["counts"]["indexed"] == 3 and task["key_id"] == "admin-token"
    assert {"arr-0", "arr-1", "arr-2"} <= found_ids(base, "chuyển giao công nghệ nông nghiệp")
    stored = requests.get(f"{base}/api/documents/arr-1", headers=auth(token), timeout=TIMEOUT)
    assert stored.status_code == 200 and stored.json()["site"] == OTHER_SITE
    assert stored.json()["title"] == "Hội thảo chuyển giao công nghệ nông nghiệp lần 1"


REFUSED = {"id": "refused-1", "title": "Văn bản không được phép ghi vào chỉ mục", "site": DEPT_SITE}


@pytest.mark.parametrize("who, status", [(None, 401), ("wrong", 401), ("revoked", 401), ("search", 403)])
def test_refused_callers_write_nothing(server, who, status):
    base, home, secrets = server
    headers = {} if who is None else auth("tk_0123456789ab_" + "x" * 43 if who == "wrong" else secrets[who])
    for method, path in (("POST", "/api/documents"), ("PUT", "/api/documents/refused-1"),
                         ("DELETE", "/api/documents/tin-001")):
        response = requests.request(method, base + path, json=REFUSED, headers=headers, timeout=TIMEOUT)
        assert response.status_code == status, (method, path, response.text)
        assert response.json()["error"]  # Vietnamese, for the client
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _nothing_written(base, home, "refused-1")
    assert "tin-001" in found_ids(base, "bảo vệ trẻ em")


def test_a_site_key_cannot_write_another_site(server):
    base, home, secrets = server
    other = dict(REFUSED, id="refused-2", site=OTHER_SITE)
    mixed = [dict(REFUSED, id="refused-3"), other]  # one allowed, one not: the whole request is refused
    for body in (other, mixed):
        response = requests.post(f"{base}/api/documents", json=body, headers=auth(secrets["dept"]), timeout=TIMEOUT)
        assert response.status_code == 403 and OTHER_SITE in response.json()["error"]
    response = requests.post(f"{base}/api/documents", params={"site": OTHER_SITE}, json={"id": "refused-4", "title": "x"},
                             headers=auth(secrets["dept"]), timeout=TIMEOUT)
    assert response.status_code == 403
    response = requests.delete(f"{base}/api/documents/tin-006", headers=auth(secrets["dept"]), timeout=TIMEOUT)
    assert response.status_code == 403  # tin-006 belongs to the other site
    for doc_id in ("refused-2", "refused-3", "refused-4"):
        _nothing_written(base, home, doc_id)
    assert "tin-006" in found_ids(base, "bảo vệ trẻ em")


def test_bad_bodies_are_400_in_vietnamese(server):
    base, _, secrets = server
    for body in (b"", b"{not json", b"42", "[1, 2]".encode()):
        response = requests.post(f"{base}/api/documents", data=body, timeout=TIMEOUT,
                                 headers={**auth(secrets["dept"]), "Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["error"]
    response = requests.put(f"{base}/api/documents/abc", json={"id": "other", "title": "x"},
                            headers=auth(secrets["dept"]), timeout=TIMEOUT)
    assert response.status_code == 400 and "abc" in response.json()["error"]


def test_tasks_are_visible_only_to_their_sites(server):
    base, _, secrets = server
    response = requests.post(f"{base}/api/documents", json={"id": "vis-1", "title": "Thông báo lịch tiếp công dân"},
                             headers=auth(secrets["dept"]), timeout=TIMEOUT)
    task_id = response.json()["id"]
    assert requests.get(f"{base}/api/tasks/{task_id}", headers=auth(secrets["search"]),
                        timeout=TIMEOUT).status_code == 403
    assert requests.get(f"{base}/api/tasks/{task_id}", headers=auth(secrets["admin"]),
                        timeout=TIMEOUT).status_code == 200
    listed = requests.get(f"{base}/api/tasks", params={"site": DEPT_SITE}, headers=auth(secrets["dept"]),
                          timeout=TIMEOUT)
    assert listed.status_code == 200 and task_id in {t["id"] for t in listed.json()["tasks"]}
    assert requests.get(f"{base}/api/tasks", params={"site": OTHER_SITE}, headers=auth(secrets["dept"]),
                        timeout=TIMEOUT).status_code == 403


# -- crashes ---------------------------------------------------------------------------------------

def test_acknowledged_and_queued_tasks_survive_sigkill(tmp_path):
    """A task that said succeeded is there after SIGKILL of every process; a task still queued at
    the kill is applied after the restart."""
    from helpers.corpus import index_source
    from indexer.keys import KeyStore

    home = tmp_path / "home"
    assert index_source(home, DOCUMENTS_JSONL).indexed == 12
    _, secret = KeyStore(home).create([DEPT_SITE], "write")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACUU_")}
    env["TRACUU_RATE_LIMIT"] = ""
    log = tmp_path / "server.log"
    with served(home, env, log) as (base, proc):
        response = requests.post(f"{base}/api/documents", json=ARTICLE, headers=auth(secret), timeout=TIMEOUT)
        acknowledged = response.json()["id"]
        assert wait_task(base, secret, acknowledged)["status"] == "succeeded"
        kill_everything(proc)
    with served(home, dict(env, TRACUU_WRITE_APPLIER="false"), log) as (base, proc):  # queues, applies nothing
        assert "cms-001" in found_ids(base, FIND)
        second = {"id": "cms-002", "title": "Ngày hội việc làm cho thanh niên nông thôn", "text": "Ngày hội việc làm."}
        queued = requests.post(f"{base}/api/documents", json=second, headers=auth(secret), timeout=TIMEOUT).json()["id"]
        time.sleep(0.5)
        assert wait_task(base, secret, queued, until=("queued",))["status"] == "queued"
        kill_everything(proc)
    with served(home, env, log) as (base, _):
        assert wait_task(base, secret, queued)["status"] == "succeeded"
        assert "cms-002" in found_ids(base, "ngày hội việc làm thanh niên nông thôn")
        assert wait_task(base, secret, acknowledged)["status"] == "succeeded"
