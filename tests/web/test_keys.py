"""API keys: created with a secret shown once and stored hashed, verified in constant time,
revoked at once; what each right allows; `tracuu keys`; and how the app tells callers apart."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from helpers.corpus import DEPT_SITE, OTHER_SITE


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(tmp_path):
    from indexer.keys import FILE, KeyStore

    store = KeyStore(tmp_path)
    key, secret = store.create([DEPT_SITE], "write", "CMS sở")
    assert secret.startswith(f"tk_{key.id}_") and len(secret) > 50
    assert store.verify(secret) == key
    rows = sqlite3.connect(tmp_path / FILE).execute("SELECT * FROM keys").fetchall()
    assert secret not in repr(rows) and secret.split("_", 2)[2] not in repr(rows)
    assert store.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.verify(f"tk_{key.id}_") is None and store.verify("") is None and store.verify("x" * 5000) is None
    assert [k.id for k in store.list()] == [key.id]


def test_verify_compares_in_constant_time(tmp_path, monkeypatch):
    import hmac

    from indexer.keys import KeyStore

    store = KeyStore(tmp_path)
    _, secret = store.create([], "search")
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    for given in (secret, "tk_000000000000_" + "a" * 43, "nonsense"):
        store.verify(given)
    assert len(compared) == 3  # unknown ids and malformed secrets are compared too


def test_revoked_keys_stop_at_once(tmp_path):
    from indexer.keys import KeyStore

    store = KeyStore(tmp_path)
    key, secret = store.create([], "admin")
    assert store.revoke(key.id) and not store.revoke(key.id) and not store.revoke("khong-co")
    assert KeyStore(tmp_path).verify(secret) is None  # another process sees it too
    assert store.list()[0].revoked is not None


@pytest.mark.parametrize("can, action, site, allowed", [
    ("admin", "admin", None, True), ("admin", "write", OTHER_SITE, True),
    ("write", "write", DEPT_SITE, True), ("write", "search", DEPT_SITE, True), ("write", "write", None, True),
    ("write", "write", OTHER_SITE, False), ("write", "admin", None, False),
    ("search", "search", DEPT_SITE, True), ("search", "write", DEPT_SITE, False), ("search", "admin", None, False),
])
def test_what_each_right_allows(can, action, site, allowed):
    from datetime import datetime

    from indexer.keys import ApiKey

    sites = () if can == "admin" else (DEPT_SITE,)
    assert ApiKey("k", "", sites, can, datetime.now()).allows(action, site) is allowed
    if can == "write":  # a write key without sites writes every site
        assert ApiKey("k", "", (), can, datetime.now()).allows("write", OTHER_SITE)


def test_bad_requests_are_refused_in_vietnamese(tmp_path):
    from indexer.keys import InvalidKeyRequest, KeyStore

    with pytest.raises(InvalidKeyRequest, match="quyền"):
        KeyStore(tmp_path).create([], "root")
    with pytest.raises(InvalidKeyRequest, match="mã trang"):
        KeyStore(tmp_path).create(["Sở A"], "write")


def test_the_keys_commands(tmp_path):
    from cli import main

    runner = CliRunner()
    home = ["--index-dir", str(tmp_path)]
    created = runner.invoke(main, [*home, "keys", "create", "--site", DEPT_SITE, "--site", OTHER_SITE, "--can", "write",
                                   "--name", "CMS"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("tk_") and "chỉ hiện một lần" in created.output
    listed = json.loads(runner.invoke(main, [*home, "keys", "list", "--json"]).output)
    assert listed == [{**listed[0], "sites": [DEPT_SITE, OTHER_SITE], "can": "write", "name": "CMS", "revoked": None}]
    table = runner.invoke(main, [*home, "keys", "list"]).output
    assert listed[0]["id"] in table and "đang dùng" in table and secret not in table
    assert runner.invoke(main, [*home, "keys", "revoke", listed[0]["id"]]).exit_code == 0
    assert "thu hồi" in runner.invoke(main, [*home, "keys", "list"]).output
    again = runner.invoke(main, [*home, "keys", "revoke", listed[0]["id"]])
    assert again.exit_code == 1 and "không có khóa" in again.output
    bad = runner.invoke(main, [*home, "keys", "create", "--can", "write", "--site", "Sở A"])
    assert bad.exit_code == 1 and "mã trang" in bad.output and "Traceback" not in bad.output


# -- the app ---------------------------------------------------------------------------------------

@pytest.fixture()
def app(tmp_path, web_index):
    import shutil

    from webapp import create_app

    home = tmp_path / "home"
    shutil.copytree(web_index, home)
    return create_app({"INDEX_DIR": str(home), "TESTING": True, "RATE_LIMIT": "", "WRITE_APPLIER": False})


def test_without_any_key_the_write_api_does_not_exist(app):
    client = app.test_client()
    assert client.post("/api/documents", json={"id": "x", "title": "x"}).status_code == 404
    assert client.get("/api/tasks/abc").status_code == 404
    assert not (app.extensions["tracuu.keys"].path.exists() or app.extensions["tracuu.tasks"].path.exists())


def test_authenticate_tells_callers_apart(app):
    from webapp.write_api import authenticate

    app.config["ADMIN_TOKEN"] = "bootstrap"
    store = app.extensions["tracuu.keys"]
    write_key, write = store.create([DEPT_SITE], "write")
    search_key, search = store.create([], "search")

    def status(secret, required, site=None):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        with app.test_request_context("/api/documents", headers=headers):
            try:
                return authenticate(required, site).id
            except Exception as exc:  # noqa: BLE001 - abort() with a response
                return exc.response.status_code if getattr(exc, "response", None) is not None else exc.code

    assert status("bootstrap", "admin") == "admin-token"
    assert status(write, "write", DEPT_SITE) == write_key.id and status(write, "write", OTHER_SITE) == 403
    assert status(search, "search", OTHER_SITE) == search_key.id and status(search, "write") == 403
    assert status(None, "write") == 401 and status("bootstrap-x", "admin") == 401


def test_a_valid_key_is_not_rate_limited(tmp_path, web_index):
    import shutil

    from webapp import create_app

    home = tmp_path / "home"
    shutil.copytree(web_index, home)
    app = create_app({"INDEX_DIR": str(home), "TESTING": True, "RATE_LIMIT": "3 per minute", "WRITE_APPLIER": False})
    _, secret = app.extensions["tracuu.keys"].create([DEPT_SITE], "write")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(6):
        assert client.post("/api/documents", json={"id": "r", "title": "Tiêu đề"}, headers=headers).status_code == 202
    statuses = [client.get("/api/tasks/x", headers={"Authorization": "Bearer wrong"}).status_code for _ in range(5)]
    assert 429 in statuses  # an invalid key counts like any visitor
