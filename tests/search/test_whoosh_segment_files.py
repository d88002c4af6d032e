"""indexer.engines.whoosh.segment_files: Whoosh's compound segment files read from the mmap without a private
copy per searcher (what tracuu serve installs): same bytes, same search results."""

from __future__ import annotations

import io
import pickle
import random

from whoosh.filedb import structfile

from indexer.engines.whoosh import segment_files


def test_memory_file_reads_like_bytesio():
    rng = random.Random(3)
    data = bytes(rng.randrange(256) for _ in range(20_000)) + b"\nline two\nlast"
    a, b = io.BytesIO(data), segment_files.MemoryFile(memoryview(data))
    for _ in range(300):
        op = rng.choice(("read", "readline", "seek", "seek1", "seek2"))
        if op == "read":
            n = rng.choice((-1, 0, 1, 7, 4096, 30_000))
            assert a.read(n) == b.read(n)
        elif op == "readline":
            assert a.readline() == b.readline()
        elif op == "seek":
            pos = rng.randrange(len(data) + 10)
            assert a.seek(pos) == b.seek(pos)
        elif op == "seek1":
            n = rng.randrange(50)
            assert a.seek(n, 1) == b.seek(n, 1)
        else:
            n = rng.randrange(1, 100)
            assert a.seek(-n, 2) == b.seek(-n, 2)
        assert a.tell() == b.tell()
    obj = {"x": [1, 2.5, "ba"], "y": b"\n\x00"}
    blob = pickle.dumps(obj) + b"tail"
    f = segment_files.MemoryFile(memoryview(blob))
    assert pickle.load(f) == obj and f.read() == b"tail"
    assert list(segment_files.MemoryFile(memoryview(b"a\nb\n"))) == [b"a\n", b"b\n"]


def test_searches_give_the_same_results_when_installed(tmp_path, monkeypatch):
    from indexer import IndexStore, SearchRequest, WhooshBackend, index_documents
    from indexer.document import Document

    docs = [Document(id=f"d{i}", site="s", title=f"Thông báo {i} đăng ký kết hôn",
                     body="Hồ sơ đăng ký kết hôn nộp tại Ủy ban nhân dân cấp xã. " * (1 + i % 3))
            for i in range(60)]
    index_documents(IndexStore(tmp_path), docs[:30])
    index_documents(IndexStore(tmp_path), docs[30:])

    def run():
        service = WhooshBackend(IndexStore(tmp_path), cache_size=0)
        r = service.search(SearchRequest(q="đăng ký kết hôn", scope="web", per_page=20))
        return [(h.id, h.score, h.snippet) for h in r.results], r.total, r.facets

    assert any(p.suffix == ".seg" for p in tmp_path.rglob("*"))  # compound segments: the mmap path
    before = run()
    monkeypatch.setattr(structfile.BufferFile, "__init__", structfile.BufferFile.__init__)
    segment_files.install()
    opened = []
    monkeypatch.setattr(segment_files, "MemoryFile", lambda buf, cls=segment_files.MemoryFile: opened.append(1) or cls(buf))
    assert run() == before and opened
