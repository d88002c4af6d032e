"""A legal text written through the write API or deleted by id: pushed, it is cut into its articles
exactly like a line of a JSONL export; deleted (``tracuu delete``, ``DELETE /api/documents/<id>``,
``Backend.delete``), its articles go with it. On both engines (``make_backend``).

The law is the one of fixtures/legal/ (33 articles), as a CMS would send it: text only.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from click.testing import CliRunner

from indexer import SearchRequest, read_source
from indexer.document import Document
from indexer.sources.pushed import read_pushed

LAW_TEXT = (Path(__file__).parent.parent / "fixtures" / "legal" / "luat-cong-thong-tin-dien-tu.txt").read_text(
    encoding="utf-8")
LAW_ID = "luat-58-2023-qh15"
LAW = {"id": LAW_ID, "url": "https://stttt.quangnam.gov.vn/van-ban/luat-58-2023-qh15", "site": "stttt",
       "text": LAW_TEXT}
NEWS = Document(id="tin-001", title="Khai trương Trung tâm hỗ trợ khởi nghiệp sáng tạo", site="stttt",
                body="Trung tâm hỗ trợ khởi nghiệp sáng tạo của tỉnh khai trương tại Tam Kỳ.")
TOKEN = "admin-token-for-the-legal-writes-tests"


def law_units() -> list[Document]:
    units = [d for d in read_pushed(json.dumps(LAW, ensure_ascii=False).encode(), None).documents]
    assert len(units) == 34 and all(u.parent_id == LAW_ID for u in units[1:])
    return units


def ids_held(backend, ids) -> set[str]:
    return {doc_id for doc_id in ids if backend.stored(doc_id) is not None}


# -- pushing ----------------------------------------------------------------------------------------

def test_a_pushed_law_reads_exactly_like_an_exported_one(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(LAW, ensure_ascii=False) + "\n", encoding="utf-8")
    exported = [asdict(d) for d in read_source(str(export)) if isinstance(d, Document)]
    assert len(exported) == 34  # the parent and 33 articles
    body = "\n".join(['{"id": "x", "title": "Một"}', "{not json", json.dumps(LAW, ensure_ascii=False)]).encode()
    pushed = read_pushed(body, None, ndjson=True)
    assert pushed.received == 3
    assert [asdict(d) for d in pushed.documents] == exported
    # The problems still name their line, among the articles.
    assert [(p["line"], p["skipped"]) for p in pushed.problems] == [(1, True), (2, True)]
    assert pushed.problems[0]["message"].startswith("thiếu site")


def test_a_later_copy_of_a_law_in_one_body_replaces_the_earlier_one_whole():
    shorter = dict(LAW, text=LAW_TEXT[:LAW_TEXT.index("\nĐiều 10.")])  # articles 1 to 9
    pushed = read_pushed(json.dumps([LAW, shorter], ensure_ascii=False).encode(), None)
    articles = [d.id for d in pushed.documents if d.parent_id == LAW_ID]
    assert articles == [f"{LAW_ID}#dieu-{n}" for n in range(1, 10)]
    assert [d.id for d in pushed.documents if not d.parent_id] == [LAW_ID, LAW_ID]  # the later one is indexed last
    assert pushed.problems[0]["message"].startswith(f"id '{LAW_ID}' bị trùng") and not pushed.problems[0]["skipped"]


def test_a_pushed_law_is_searched_article_by_article_and_deleted_whole(make_backend, tmp_path):
    """Through the app's write API: POST the law, then DELETE it; the applier runs in the test."""
    from helpers.engines import app_config
    from webapp import create_app

    backend = make_backend(tmp_path / "home", [NEWS])
    app = create_app(app_config(backend, TESTING=True, RATE_LIMIT="", ADMIN_TOKEN=TOKEN, WRITE_APPLIER=False))
    client, auth = app.test_client(), {"Authorization": f"Bearer {TOKEN}"}
    applier, tasks = app.extensions["tracuu.applier"], app.extensions["tracuu.tasks"]

    posted = client.post("/api/documents", json=LAW, headers=auth)
    assert posted.status_code == 202, posted.get_json()
    applier.apply_pending()
    task = tasks.get(posted.get_json()["id"])
    assert task.status == "succeeded" and task.counts["indexed"] == 34
    everything = [u.id for u in law_units()]
    assert ids_held(backend, everything) == set(everything)
    article = backend.stored(f"{LAW_ID}#dieu-3")
    assert article["parent_id"] == LAW_ID and article["article"] == "Điều 3" and article["doc_number"] == "58/2023/QH15"
    found = backend.search(SearchRequest(q=article["title"].split(". ", 1)[1], scope="web")).results
    assert found[0].id == f"{LAW_ID}#dieu-3"

    deleted = client.delete(f"/api/documents/{LAW_ID}", headers=auth)
    assert deleted.status_code == 202, deleted.get_json()
    applier.apply_pending()
    task = tasks.get(deleted.get_json()["id"])
    assert task.status == "succeeded" and task.counts["deleted"] == 1 and not task.problems
    assert ids_held(backend, everything) == set()
    assert backend.doc_count() == 1 and backend.stored(NEWS.id) is not None


# -- deleting ---------------------------------------------------------------------------------------

def test_deleting_a_legal_text_deletes_its_articles(make_backend, tmp_path):
    units = law_units()
    backend = make_backend(tmp_path / "home", [NEWS, *units])
    everything = [u.id for u in units]
    # An article alone: only that article goes.
    assert backend.delete([f"{LAW_ID}#dieu-5"]) == []
    assert ids_held(backend, everything) == set(everything) - {f"{LAW_ID}#dieu-5"}
    # The text: every article with it; other documents stay.
    assert backend.delete([LAW_ID, "khong-co"]) == ["khong-co"]
    assert ids_held(backend, everything) == set()
    assert backend.doc_count() == 1 and not backend.search(SearchRequest(q="cổng thông tin điện tử", scope="web")).total
    assert backend.delete([LAW_ID]) == [LAW_ID]  # nothing left of it


def test_articles_left_without_their_text_are_deleted_by_its_id(make_backend, tmp_path):
    units = law_units()
    backend = make_backend(tmp_path / "home", [NEWS, *units[1:]])  # the articles only
    assert backend.delete([LAW_ID]) == []  # something of it was there: not "missing"
    assert backend.doc_count() == 1


def test_tracuu_delete_takes_the_articles_too(make_backend, tmp_path):
    from cli import main

    units = law_units()
    backend = make_backend(tmp_path / "home", [NEWS, *units])
    settings = backend.settings
    options = ["--index-dir", str(settings.index_dir)]
    if settings.backend == "opensearch":
        options += ["--backend", "opensearch", "--opensearch-url", settings.opensearch_url,
                    "--opensearch-index", settings.opensearch_index]
    result = CliRunner().invoke(main, [*options, "delete", LAW_ID])
    assert result.exit_code == 0, result.output
    assert ids_held(backend, [u.id for u in units]) == set()
    assert backend.doc_count() == 1

