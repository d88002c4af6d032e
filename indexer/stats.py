"""What is in the index: documents per site and kind, size on disk, last update."""

from __future__ import annotations

from datetime import datetime

from whoosh import query as Q

from .schema import KINDS
from .store import IndexStore


def index_stats(store: IndexStore) -> dict:
    path = store.live_path()
    ix = store.open()
    sites: dict[str, dict[str, int]] = {}
    with ix.searcher() as searcher:
        total = searcher.doc_count()
        for site in sorted(t.decode("utf-8") for t in searcher.lexicon("site")):
            counts = {}
            for kind in KINDS:
                query = Q.And([Q.Term("site", site), Q.Term("kind", kind)])
                counts[kind] = sum(1 for _ in searcher.docs_for_query(query))
            if any(counts.values()):
                sites[site] = counts
    ix.close()
    files = [f for f in path.iterdir() if f.is_file()]
    updated = max((f.stat().st_mtime for f in files), default=None)
    return {
        "index_dir": str(store.root),
        "generation": path.name,
        "documents": total,
        "sites": sites,
        "size_bytes": sum(f.stat().st_size for f in files),
        "last_update": datetime.fromtimestamp(updated).isoformat(timespec="seconds") if updated else None,
    }
