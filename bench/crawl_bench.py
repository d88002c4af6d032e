"""Crawl and reindex figures on a generated department site served from 127.0.0.1.

Generates N article pages in the style of tests/fixtures/sites/sldtbxh (plus paged listings
and a sitemap), serves them with http.server in a thread, and times: extraction alone, the
first crawl, an incremental crawl with nothing changed, one after changing 5% of the pages,
`reindex SLUG` (full re-crawl into a new generation) and `reindex` (re-analysis only).

    .venv/bin/python bench/crawl_bench.py [--pages 300] [--rate 100] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from site_server import SiteServer  # noqa: E402  (the tests' loopback server)

from indexer import IndexStore  # noqa: E402
from indexer.crawl import Fetcher  # noqa: E402
from indexer.sources.html import decode_page, extract_page  # noqa: E402
from indexer.sources.sites import load_sites  # noqa: E402
from indexer.engines.whoosh.writing import crawl, reindex  # noqa: E402

TEMPLATE = ROOT / "tests/fixtures/sites/sldtbxh/tin-tuc/hoi-nghi-bao-ve-tre-em.html"
TOPICS = ["bảo vệ trẻ em", "bình đẳng giới", "giảm nghèo bền vững", "bảo hiểm thất nghiệp", "giáo dục nghề nghiệp",
          "người có công", "an toàn lao động", "việc làm cho thanh niên", "bảo trợ xã hội", "phòng chống ma túy"]


def article(i: int, version: int = 0) -> str:
    page = TEMPLATE.read_text(encoding="utf-8")
    topic = TOPICS[i % len(TOPICS)]
    title = f"Hội nghị triển khai công tác {topic} năm {2015 + i % 10} (số {i})"
    page = page.replace("Hội nghị triển khai Chương trình Bảo vệ trẻ em và Bình đẳng giới năm 2019", title)
    page = page.replace('href="/tin-tuc/hoi-nghi-bao-ve-tre-em.html"', f'href="/tin-tuc/bai-{i}.html"')
    page = page.replace("Ngày đăng: 28/01/2019", f"Ngày đăng: {1 + i % 28:02d}/{1 + i % 12:02d}/{2015 + i % 10}")
    extra = "".join(f"<p>Đoạn {k} về công tác {topic}: các địa phương tiếp tục triển khai kế hoạch, kiểm tra, giám sát "
                    f"và báo cáo kết quả định kỳ cho Sở (bài {i}, phiên bản {version}).</p>" for k in range(6))
    return page.replace("<p>Kết luận hội nghị", extra + "<p>Kết luận hội nghị")


def build_site(root: Path, pages: int) -> None:
    (root / "tin-tuc").mkdir(parents=True)
    for i in range(pages):
        (root / f"tin-tuc/bai-{i}.html").write_text(article(i), encoding="utf-8")
    per = 20
    listing_pages = (pages + per - 1) // per
    for n in range(listing_pages):
        items = "".join(f'<li><a href="/tin-tuc/bai-{i}.html">Bài {i}</a></li>' for i in range(n * per, min(pages, (n + 1) * per)))
        nav = "".join(f'<a href="/tin-tuc/trang-{k}.html">{k + 1}</a> ' for k in range(listing_pages))
        (root / f"tin-tuc/trang-{n}.html").write_text(
            f'<html><head><meta charset="utf-8"><title>Tin tức</title></head><body><h1>Tin tức</h1><ul>{items}</ul>'
            f'<div class="paging">{nav}</div></body></html>', encoding="utf-8")
    (root / "index.html").write_text('<html><head><meta charset="utf-8"></head><body>'
                                     '<a href="/tin-tuc/trang-0.html">Tin tức</a></body></html>', encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    from indexer.analysis import word_analyzer

    list(word_analyzer()("khởi động"))  # load pyvi outside the timings
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build_site(tmp / "site", args.pages)
        started = time.perf_counter()
        files = sorted((tmp / "site/tin-tuc").glob("bai-*.html"))
        for file in files:
            extract_page(decode_page(file.read_bytes()), "bench", file.name)
        seconds = time.perf_counter() - started
        rows.append(("extract only (decode + selectolax)", len(files), seconds, f"{len(files) / seconds:.0f} pages/s"))
        with SiteServer(tmp / "site") as server:
            (tmp / "sites.toml").write_text(
                f'[[site]]\nslug = "bench"\nbase_url = "{server.base}/"\narticles = ["/tin-tuc/bai-*"]\n'
                f"rate = {args.rate}\nconcurrency = {args.concurrency}\n", encoding="utf-8")
            site = load_sites(tmp / "sites.toml")["bench"]
            store = IndexStore(tmp / "index")

            def timed(label, func, unit_count):
                t0 = time.perf_counter()
                result = func()
                dt = time.perf_counter() - t0
                count = unit_count(result)
                rows.append((label, count, dt, f"{count / dt:.0f} /s" if dt else "-"))
                return result

            def run_crawl():
                return crawl(store, site, fetcher=Fetcher(rate=args.rate, pool=args.concurrency * 2))

            timed("first crawl (fetch + extract + index)", run_crawl, lambda r: r.added)
            timed("incremental crawl, nothing changed", run_crawl, lambda r: r.unchanged)
            changed = max(1, args.pages // 20)
            for i in range(changed):
                server.write(f"tin-tuc/bai-{i}.html", article(i, version=1))
            timed(f"incremental crawl, {changed} pages changed", run_crawl, lambda r: r.updated)
            timed("reindex SLUG (full re-crawl, new generation)", lambda: reindex(store, sites=[site]),
                  lambda r: r.documents)
            timed("reindex (re-analysis of stored documents)", lambda: reindex(store), lambda r: r.documents)
    print(f"Generated site: {args.pages} articles, rate {args.rate}/s, concurrency {args.concurrency}, loopback")
    print(f"{'step':<46} {'docs':>6} {'seconds':>8}  rate")
    for label, count, seconds, rate in rows:
        print(f"{label:<46} {count:>6} {seconds:>8.2f}  {rate}")


if __name__ == "__main__":
    main()
