"""What is in a Whoosh index: documents per site and kind, dates, crawls, size on disk; and a health check."""

from __future__ import annotations

from datetime import datetime

from whoosh import query as Q

from ...crawl import compare_crawls, crawl_summaries
from ...document import KINDS
from ...errors import IndexMissing
from .schema import SCHEMA_VERSION, schema_version
from .store import IndexStore

OLD_SCHEMA = ("chỉ mục theo lược đồ cũ (chỉ theo âm tiết): vẫn phục vụ tìm kiếm nhưng chậm hơn và khớp lỏng "
              "theo âm tiết; hãy chạy `tracuu reindex` để dựng lại theo đơn vị từ")


def _day(value) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else None


def index_stats(store: IndexStore) -> dict:
    path = store.live_path()
    ix = store.open()
    sites: dict[str, dict] = {}
    details: dict[str, dict] = {}
    crawls = crawl_summaries(store.root)
    with ix.searcher() as searcher:
        total = searcher.doc_count()
        for site in sorted(t.decode("utf-8") for t in searcher.lexicon("site")):
            counts = {}
            for kind in KINDS:
                query = Q.And([Q.Term("site", site), Q.Term("kind", kind)])
                counts[kind] = sum(1 for _ in searcher.docs_for_query(query))
            if not any(counts.values()):
                continue
            dates = [f.get("published") for f in (searcher.stored_fields(n)
                                                  for n in searcher.docs_for_query(Q.Term("site", site)))]
            dates = [d for d in dates if isinstance(d, datetime)]
            crawl = crawls.get(site) or {}
            last = crawl.get("last_run") or {}
            sites[site] = counts
            details[site] = dict(documents=sum(counts.values()),
                               oldest=_day(min(dates)) if dates else None, newest=_day(max(dates)) if dates else None,
                               last_crawl=last.get("finished") or last.get("started"),
                               last_crawl_status=last.get("status"),
                               last_crawl_counts=last.get("counts") or {},
                               errors=crawl.get("pages_with_errors", 0),
                               recent_errors=(last.get("errors") or [])[:5])
    ix.close()
    files = [f for f in path.iterdir() if f.is_file()]
    updated = max((f.stat().st_mtime for f in files), default=None)
    return {
        "index_dir": str(store.root),
        "generation": path.name,
        "previous_generation": store.previous(),
        "documents": total,
        "sites": sites,
        "site_details": details,
        "crawled_sites_without_documents": sorted(set(crawls) - set(sites)),
        "size_bytes": sum(f.stat().st_size for f in files),
        "last_update": datetime.fromtimestamp(updated).isoformat(timespec="seconds") if updated else None,
    }


def check_index(store: IndexStore) -> dict:
    """Verify the index home: the live generation opens and reads, counts agree (index vs stored
    documents vs crawl states), and no generation is left over from a killed rebuild.
    Returns {"ok": bool, "problems": [...], "notes": [...]}."""
    problems, notes = [], []
    holder = store.lock_holder() if store.root.exists() else None
    try:
        ix = store.open()
    except IndexMissing as exc:
        return {"ok": False, "problems": [str(exc)], "notes": []}
    per_site: dict[str, int] = {}
    if schema_version(ix.schema) < SCHEMA_VERSION:
        problems.append(OLD_SCHEMA)
    try:
        with ix.searcher() as searcher:
            total = searcher.doc_count()
            stored = 0
            for fields in searcher.all_stored_fields():
                stored += 1
                if not fields.get("id"):
                    problems.append("có tài liệu không có id")
                per_site[fields.get("site", "")] = per_site.get(fields.get("site", ""), 0) + 1
            if stored != total:
                problems.append(f"chỉ mục đếm {total} tài liệu nhưng chỉ lưu {stored}")
            notes.append(f"{total} tài liệu trong {store.generation()}")
    except Exception as exc:  # any failure to read is what this command exists to report
        problems.append(f"không đọc được chỉ mục đang dùng: {type(exc).__name__}: {exc}")
    finally:
        ix.close()
    compare_crawls(store.root, per_site, problems, notes)
    orphans = store.orphans()
    if orphans and holder:
        notes.append(f"{len(orphans)} thế hệ đang được ghi bởi {holder}")
    elif orphans:
        problems.append("còn sót thế hệ của lần dựng lại bị ngắt hoặc thất bại (lần `tracuu reindex` sau "
                        f"sẽ xóa): {', '.join(p.name for p in orphans)}")
    previous = store.previous()
    if previous and not (store.root / previous).is_dir():
        notes.append(f"thế hệ trước {previous} đã được xóa")
    return {"ok": not problems, "problems": problems, "notes": notes}
