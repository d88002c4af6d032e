"""An index built before word-and-pair matching (syllables with positions, no unit fields) keeps
serving and taking writes, and `check` says to rebuild it; after `reindex` it has the new fields.
Both engines: the older Whoosh schema and the older OpenSearch mapping are rebuilt here as they were."""

from __future__ import annotations

import copy

import pytest

from indexer import SearchRequest
from indexer.document import Document

DOCS = [
    Document(id="bao-ve", site="s", title="Bảo vệ trẻ em trên môi trường mạng",
             body="Tập huấn kỹ năng bảo vệ trẻ em cho giáo viên."),
    Document(id="ket-hon", site="s", title="Thủ tục đăng ký kết hôn", body="Hồ sơ đăng ký kết hôn gồm tờ khai."),
]
LATER = Document(id="hoa-nhap", site="s", title="Người khuyết tật hoà nhập cộng đồng", body="Học nghề để hoà nhập.")


def _older_whoosh(home):
    """A Whoosh index home whose live generation has the schema of version 1."""
    from whoosh import fields
    from whoosh import index as whoosh_index

    from indexer.analysis import folded_analyzer
    from indexer.engines.whoosh.schema import build_schema
    from indexer.engines.whoosh.store import INDEX_NAME, IndexStore

    current = build_schema()
    older = fields.Schema(**{name: current[name] for name in current.names()
                             if name not in ("title_x", "content_x", "title_f", "content_f", "head",
                                             "parent_id", "parent_title", "article")})
    older.add("title_f", fields.TEXT(analyzer=folded_analyzer(), phrase=True))
    older.add("content_f", fields.TEXT(analyzer=folded_analyzer(), phrase=True))
    store = IndexStore(home)
    path = store.new_generation()
    whoosh_index.create_in(str(path), older, indexname=INDEX_NAME)
    store.switch_to(path.name)


def _older_opensearch(backend):
    """The alias of ``backend`` pointing at a new index with the mapping of version 1."""
    from indexer.engines.opensearch.mapping import VERSION_2_FIELDS, index_body

    body = copy.deepcopy(index_body())
    analysis = body["settings"]["analysis"]
    analysis.setdefault("filter", {})["tracuu_fold"] = {"type": "asciifolding", "preserve_original": True}
    analysis["analyzer"]["tracuu_folded"] = {"type": "custom", "tokenizer": "whitespace",
                                             "filter": ["lowercase", "tracuu_fold"]}
    mappings = body["mappings"]
    mappings["_meta"]["tracuu"] = 1
    for name in VERSION_2_FIELDS:
        mappings["properties"].pop(name, None)
    for name in ("title_f", "content_f"):
        mappings["properties"][name] = {"type": "text", "analyzer": "tracuu_folded"}
    mappings["_source"]["excludes"] = [f for f in mappings["_source"]["excludes"] if f not in VERSION_2_FIELDS]
    name = f"{backend.alias}-older"
    client = backend.conn.client
    client.indices.create(index=name, body=body)
    client.indices.put_alias(index=name, name=backend.alias)
    backend.forget_version()


@pytest.fixture()
def older(make_backend, backend_name, tmp_path):
    home = tmp_path / "home"
    if backend_name == "whoosh":
        _older_whoosh(home)
        backend = make_backend(home)
    else:
        backend = make_backend(home)
        _older_opensearch(backend)
    backend.index_documents(DOCS)
    return backend


def ids(backend, q):
    return [h.id for h in backend.search(SearchRequest(q=q, scope="web")).results]


def test_an_older_index_serves_takes_writes_and_asks_for_a_rebuild(older):
    assert ids(older, "bảo vệ trẻ em") == ["bao-ve"]
    assert ids(older, "dang ky ket hon") == ["ket-hon"]
    older.index_documents([LATER])
    assert ids(older, "hoà nhập") == ["hoa-nhap"]
    check = older.check()
    assert not check["ok"] and any("tracuu reindex" in p for p in check["problems"])

    older.reindex()
    assert older.check()["ok"], older.check()
    assert ids(older, "bảo vệ trẻ em") == ["bao-ve"]
    assert ids(older, "hoà nhập") == ["hoa-nhap"]
    assert ids(older, "kết hôn") == ["ket-hon"]
