"""``tracuu stats`` and ``tracuu check`` for an OpenSearch index: the same dicts as ``indexer.engines.whoosh.stats``."""

from __future__ import annotations

from ...crawl import compare_crawls, crawl_summaries
from ...document import KINDS
from ...errors import IndexMissing
from . import writing
from .mapping import MAPPING_VERSION


def _day(value) -> str | None:
    return value[:10] if isinstance(value, str) else None


def index_stats(backend) -> dict:
    live = writing.live_index(backend)
    if live is None:
        raise IndexMissing(f"chưa có chỉ mục trên cụm OpenSearch tại {backend.conn.where}: "
                           "hãy chạy `tracuu --backend opensearch index SOURCE` trước")
    body = {"size": 0, "track_total_hits": True, "aggs": {
        "sites": {"terms": {"field": "site", "size": 10000}, "aggs": {
            "kinds": {"terms": {"field": "kind", "size": 10}},
            "oldest": {"min": {"field": "published"}}, "newest": {"max": {"field": "published"}}}},
        "last_update": {"max": {"field": "indexed_at"}}}}
    response = backend.raw_search(body)
    crawls = crawl_summaries(backend.root)
    sites, details = {}, {}
    for bucket in sorted(response["aggregations"]["sites"]["buckets"], key=lambda b: b["key"]):
        site = bucket["key"]
        counts = {kind: 0 for kind in KINDS}
        for k in bucket["kinds"]["buckets"]:
            counts[k["key"]] = k["doc_count"]
        crawl = crawls.get(site) or {}
        last = crawl.get("last_run") or {}
        sites[site] = counts
        details[site] = dict(documents=bucket["doc_count"], oldest=_day(bucket["oldest"].get("value_as_string")),
                             newest=_day(bucket["newest"].get("value_as_string")),
                             last_crawl=last.get("finished") or last.get("started"),
                             last_crawl_status=last.get("status"), last_crawl_counts=last.get("counts") or {},
                             errors=crawl.get("pages_with_errors", 0), recent_errors=(last.get("errors") or [])[:5])
    with backend.conn.guarded("đọc thống kê chỉ mục") as client:
        size = client.indices.stats(index=live, metric="store")["indices"][live]["primaries"]["store"]["size_in_bytes"]
    last_update = response["aggregations"]["last_update"].get("value_as_string")
    return {
        "index_dir": f"{backend.conn.where} (alias {backend.alias})",
        "generation": live,
        "previous_generation": writing.previous_index(backend, live),
        "documents": response["hits"]["total"]["value"],
        "sites": sites,
        "site_details": details,
        "crawled_sites_without_documents": sorted(set(crawls) - set(sites)),
        "size_bytes": size,
        "last_update": last_update[:19] if last_update else None,
    }


def check_index(backend) -> dict:
    """The cluster answers and is not red, the alias points at one index whose documents all have
    ids, crawl states agree with the index, no index is left over from a failed rebuild."""
    problems, notes = [], []
    try:
        with backend.conn.guarded("đọc tình trạng cụm") as client:
            health = client.cluster.health()
        notes.append(f"cụm {health.get('cluster_name')}: {health.get('status')}, "
                     f"{health.get('number_of_nodes')} nút")
        if health.get("status") == "red":
            problems.append("cụm ở trạng thái red: có shard chính chưa được phân bổ")
        with backend.conn.guarded("đọc bí danh") as client:
            from opensearchpy import exceptions as oe

            try:
                targets = sorted(client.indices.get_alias(name=backend.alias))
            except oe.NotFoundError:
                targets = []
        if not targets:
            return {"ok": False, "problems": problems + [f"chưa có chỉ mục nào sau bí danh {backend.alias}"],
                    "notes": notes}
        if len(targets) > 1:
            problems.append(f"bí danh {backend.alias} trỏ tới {len(targets)} chỉ mục: {', '.join(targets)}")
        body = {"size": 0, "track_total_hits": True, "query": {"bool": {"must_not": [{"exists": {"field": "id"}}]}},
                "aggs": {"sites": {"terms": {"field": "site", "size": 10000}}}}
        response = backend.raw_search(body)
        if response["hits"]["total"]["value"]:
            problems.append(f"{response['hits']['total']['value']} tài liệu không có id")
        all_sites = backend.raw_search({"size": 0, "track_total_hits": True,
                                        "aggs": {"sites": {"terms": {"field": "site", "size": 10000}}}})
        total = all_sites["hits"]["total"]["value"]
        per_site = {b["key"]: b["doc_count"] for b in all_sites["aggregations"]["sites"]["buckets"]}
        notes.append(f"{total} tài liệu trong {targets[-1]}")
        if backend.mapping_version() < MAPPING_VERSION:
            problems.append(f"chỉ mục {targets[-1]} theo mapping cũ (chỉ theo âm tiết): vẫn phục vụ tìm kiếm "
                            "nhưng chậm hơn và khớp lỏng theo âm tiết; hãy chạy `tracuu reindex` để dựng lại "
                            "theo đơn vị từ")
        holder = lock_holder(backend)
        if holder:
            notes.append(f"đang được ghi bởi {holder}")
        leftovers = writing.orphans(backend)
        if leftovers and not holder:
            problems.append("còn sót chỉ mục của lần dựng lại thất bại (lần `tracuu reindex` sau sẽ xóa): "
                            + ", ".join(leftovers))
    except Exception as exc:  # any failure to read is what this command exists to report
        return {"ok": False, "problems": problems + [f"{type(exc).__name__}: {exc}"], "notes": notes}
    compare_crawls(backend.root, per_site, problems, notes)
    return {"ok": not problems, "problems": problems, "notes": notes}


def lock_holder(backend) -> str | None:
    """Who holds the writer lock now (a description), or None (see ``lock``)."""
    import time

    from .lock import LOCK_ID, _describe, lock_index

    with backend.conn.guarded("đọc khóa ghi") as client:
        if not client.indices.exists(index=lock_index(backend)):
            return None
        found = client.get(index=lock_index(backend), id=LOCK_ID, ignore=404)
    held = found.get("_source") if found.get("found") else None
    if not held or float(held.get("expires", 0)) <= time.time():
        return None
    return _describe(held)
