"""The `tracuu` command: index, search, serve, stats, delete.

Thin by design: parse options, call ``indexer``, show progress and results.
Errors are one clear line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

DEFAULT_INDEX_DIR = "index_data"
KIND_LABELS = {"article": "tin tức", "legal": "văn bản"}
CRAWL_STATUS_LABELS = {"running": "đang chạy hoặc bị ngắt giữa chừng", "paused": "tạm dừng, lần sau chạy tiếp",
                       "done": "hoàn tất", "failed": "thất bại"}


class Context:
    def __init__(self, index_dir: str, backend: str = "whoosh", opensearch_url: str | None = None,
                 opensearch_index: str | None = None):
        self.index_dir = Path(index_dir)
        self.backend_name = backend
        self.opensearch_url = opensearch_url
        self.opensearch_index = opensearch_index
        self.synonyms = []

    @property
    def backend(self):
        """The search backend the options select (indexer.open_backend); commands never ask which."""
        return self.backend_with()

    def backend_with(self, **settings):
        """The backend with more BackendSettings (``default_site``, ``web_sites`` ...)."""
        from indexer import BackendSettings, open_backend

        return open_backend(BackendSettings(
            backend=self.backend_name, index_dir=self.index_dir, opensearch_url=self.opensearch_url,
            opensearch_index=self.opensearch_index or "tracuu", synonyms=self.synonyms, **settings))

    def sites(self, sites_file=None) -> dict:
        """The configured sites, by slug (an absent default file means none)."""
        from indexer.sources.sites import SiteConfigError, load_sites

        path = Path(sites_file) if sites_file else self.index_dir / "sites.toml"
        if sites_file and not path.exists():
            raise SiteConfigError(f"{path}: không tìm thấy tệp cấu hình các trang")
        return load_sites(path)


def _fail(message: str, code: int = 1):
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


def _guard(func):
    """Turn the indexer's expected errors into one line and exit code 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from indexer import QueryError, StoreError, UnsupportedSource
        from indexer.sources.sites import SiteConfigError
        from indexer.synonyms import SynonymsError

        try:
            return func(*args, **kwargs)
        except (StoreError, UnsupportedSource, QueryError, SiteConfigError, SynonymsError) as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("đã ngắt (Ctrl-C); chỉ mục vẫn giữ nguyên như trước lệnh này", code=130)
        except OSError as exc:
            import errno

            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            _fail(f"hết dung lượng đĩa ({exc.filename or 'khi ghi chỉ mục'}); bước bị lỗi không ghi gì vào "
                  "chỉ mục, chỉ mục đang dùng vẫn phục vụ tìm kiếm")

    return wrapper


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


SITES_OPTION = click.option(
    "--sites", "sites_file", envvar="TRACUU_SITES", type=click.Path(dir_okay=False),
    help="Tệp cấu hình các trang (TOML; biến môi trường TRACUU_SITES; mặc định INDEX_DIR/sites.toml). "
         "Xem docs/administrators.md, mục Crawling sites.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index-dir", envvar="TRACUU_INDEX_DIR", default=DEFAULT_INDEX_DIR, show_default=True,
              type=click.Path(file_okay=False), help="Thư mục chỉ mục (biến môi trường TRACUU_INDEX_DIR).")
@click.option("--synonyms", "synonyms", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Tệp viết tắt/từ đồng nghĩa bổ sung (định dạng như indexer/data/synonyms.txt); có thể lặp lại. "
                   "Dùng cho search và serve.")
@click.option("--backend", type=click.Choice(["whoosh", "opensearch"]), envvar="TRACUU_BACKEND", default="whoosh",
              show_default=True, help="Máy tìm kiếm (biến môi trường TRACUU_BACKEND): chỉ mục Whoosh nhúng trong "
                                      "--index-dir, hoặc một cụm OpenSearch. Xem docs/administrators.md, mục Running on OpenSearch.")
@click.option("--opensearch-url", envvar="TRACUU_OPENSEARCH_URL", metavar="URL",
              help="URL của cụm OpenSearch, nhiều URL cách nhau bằng dấu phẩy (biến môi trường TRACUU_OPENSEARCH_URL).")
@click.option("--opensearch-index", envvar="TRACUU_OPENSEARCH_INDEX", default="tracuu", show_default=True,
              help="Bí danh (alias) được tìm trên cụm (biến môi trường TRACUU_OPENSEARCH_INDEX).")
@click.version_option(package_name="tracuu", message="tracuu %(version)s", help="In phiên bản rồi thoát.")
@click.pass_context
def main(ctx, index_dir, synonyms, backend, opensearch_url, opensearch_index):
    """tracuu: tìm kiếm tiếng Việt cho cổng thông tin điện tử của các sở, ban, ngành."""
    ctx.obj = Context(index_dir, backend, opensearch_url, opensearch_index)
    # Engine options given on the command line, for `serve` to hand to the web app (see serve_cmd).
    ctx.obj.engine_env = {f"TRACUU_{name.upper()}": value for name, value in (
        ("backend", backend), ("opensearch_url", opensearch_url), ("opensearch_index", opensearch_index))
        if value and ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    ctx.obj.synonyms = [str(Path(p).resolve()) for p in synonyms]
    if synonyms:  # `serve` runs the web app in gunicorn workers: they read it from the environment
        os.environ["TRACUU_SYNONYMS_FILES"] = json.dumps(ctx.obj.synonyms)


@main.command("index")
@click.argument("sources", nargs=-1, required=True)
@click.option("--site", help="Mã trang cho tài liệu không ghi trang (mặc định: tên tệp hoặc thư mục).")
@click.option("--kind", type=click.Choice(["article", "legal"]),
              help="Loại cho tài liệu không ghi loại (mặc định: legal khi có doc_number).")
@click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến độ; chỉ in sự cố và bản tóm tắt.")
@click.option("--json", "as_json", is_flag=True, help="In bản tóm tắt dạng JSON (cho cron và script).")
@SITES_OPTION
@click.pass_obj
@_guard
def index_cmd(obj: Context, sources, site, kind, quiet, as_json, sites_file):
    """Thêm hoặc thay tài liệu từ tệp .jsonl, .jsonl.gz, .csv, thư mục trang .html hoặc URL trang.

    Tài liệu có id đã có trong chỉ mục sẽ thay bản cũ. Dòng hỏng được báo kèm
    số dòng và bỏ qua; mọi dòng tốt đều được lập chỉ mục. URL được tải về (một
    trang, tôn trọng robots.txt) và đọc như một bài viết hoặc văn bản.
    """
    from tqdm import tqdm

    from indexer import read_source

    urls = [s for s in sources if _is_url(s)]
    for source in sources:
        if not _is_url(source) and not Path(source).exists():
            _fail(f"{source}: không có tệp hay thư mục này (cũng không phải URL http(s))")

    def items():
        for source in sources:
            if _is_url(source):
                continue
            yield from read_source(source, site=site, kind=kind)
        if urls:
            from indexer.crawl import fetch_documents

            yield from fetch_documents(urls, obj.sites(sites_file))

    with tqdm(desc="Lập chỉ mục", unit=" tài liệu", disable=quiet or as_json, dynamic_ncols=True, file=sys.stderr) as bar:
        report = obj.backend.index_documents(
            items(),
            on_document=lambda doc: bar.update(1),
            on_problem=lambda p: bar.write(f"{'bỏ qua' if p.skipped else 'đã sửa'} {p}", file=sys.stderr),
        )
    if as_json:
        click.echo(json.dumps({"indexed": report.indexed, "skipped": report.skipped, "repaired": report.repaired,
                               "seconds": round(report.seconds, 3),
                               "problems": [str(p) for p in report.problems]}, ensure_ascii=False))
    else:
        click.echo(
            f"Đã lập chỉ mục {report.indexed} tài liệu trong {report.seconds:.1f} s "
            f"({report.docs_per_second:.0f} tài liệu/s, {report.chars / 1e6 / max(report.seconds, 1e-9):.2f} "
            f"triệu ký tự/s); bỏ qua {report.skipped}, đã sửa {report.repaired}."
        )
    if report.indexed == 0 and report.skipped:
        sys.exit(1)


@main.command("search")
@click.argument("query")
@click.option("--scope", type=click.Choice(["site", "web"]),
              help="Mặc định: site khi có cấu hình trang mặc định, nếu không thì web (như trang tìm kiếm và API).")
@click.option("--site", help="Mã trang: trang được tìm với --scope site, bộ lọc với --scope web.")
@click.option("--kind", type=click.Choice(["article", "legal"]), help="Chỉ tin tức (article) hoặc văn bản (legal).")
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True,
              help="Xếp theo mức liên quan (relevance) hoặc mới nhất trước (newest).")
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Số kết quả mỗi trang.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Trang kết quả.")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Chỉ tài liệu ban hành/đăng từ ngày này (tính cả ngày này).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Chỉ tài liệu ban hành/đăng đến ngày này (tính cả ngày này).")
@click.option("--json", "as_json", is_flag=True, help="In JSON của API thay cho bảng.")
@click.option("--default-site", envvar="TRACUU_DEFAULT_SITE",
              help="Trang của phạm vi Site, như `serve --default-site` (biến môi trường TRACUU_DEFAULT_SITE).")
@click.option("--config", "config_file", envvar="TRACUU_CONFIG_FILE", type=click.Path(exists=True, dir_okay=False),
              help="Tệp cấu hình TOML của ứng dụng web: DEFAULT_SITE và WEB_SITES (biến môi trường TRACUU_CONFIG_FILE).")
@click.pass_obj
@_guard
def search_cmd(obj: Context, query, scope, site, kind, sort, limit, page, date_from, date_to, as_json,
               default_site, config_file):
    """Tìm trong chỉ mục như trang tìm kiếm và API."""
    from indexer import SearchRequest
    from webapp.app import load_config

    import tomllib

    try:
        settings = load_config({"CONFIG_FILE": config_file} if config_file else None)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _fail(f"không đọc được tệp cấu hình {config_file or os.environ.get('TRACUU_CONFIG_FILE')}: {exc}")
    backend = obj.backend_with(default_site=default_site or settings.get("DEFAULT_SITE") or None,
                               web_sites=list(settings.get("WEB_SITES") or []))
    scope = scope or backend.default_scope()
    if scope == "site" and not (site or backend.default_site):
        _fail("--scope site cần --site SLUG (hoặc một trang mặc định: --default-site, TRACUU_DEFAULT_SITE)")
    result = backend.search(
        SearchRequest(q=query, scope=scope, site=site, kind=kind, sort=sort, page=page, per_page=limit,
                      date_from=date_from, date_to=date_to))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{result.total} kết quả cho “{query}” ({result.took_ms:.0f} ms)"
               + (" – gồm cả tài liệu chỉ có một số từ" if result.relaxed else ""))
    first = (page - 1) * limit
    for rank, hit in enumerate(result.results, start=first + 1):
        label = f"[{hit.doc_number}] " if hit.doc_number else ""
        click.echo(f"{rank:>3}. {click.style(label + hit.title, bold=True)}")
        meta = " · ".join(x for x in (hit.site, KIND_LABELS.get(hit.kind, hit.kind), hit.published, hit.url) if x)
        click.echo(f"     {meta}  (điểm {hit.score:.2f})")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Cổng lắng nghe.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Số tiến trình worker của gunicorn (nên bắt đầu với một tiến trình mỗi lõi CPU).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Số luồng mỗi worker.")
@click.option("--default-site", envvar="TRACUU_DEFAULT_SITE", help="Trang của phạm vi Site (biến môi trường TRACUU_DEFAULT_SITE).")
@click.option("--config", "config_file", envvar="TRACUU_CONFIG_FILE", type=click.Path(exists=True, dir_okay=False),
              help="Tệp cấu hình TOML của ứng dụng web (biến môi trường TRACUU_CONFIG_FILE).")
@click.pass_obj
def serve_cmd(obj: Context, host, port, workers, threads, default_site, config_file):
    """Chạy trang tìm kiếm và API JSON bằng gunicorn."""
    from webapp.server import serve

    os.environ.update(getattr(obj, "engine_env", {}))  # the app reads TRACUU_BACKEND/TRACUU_OPENSEARCH_*
    serve(index_dir=str(obj.index_dir.resolve()), host=host, port=port, workers=workers, threads=threads,
          default_site=default_site, config_file=str(Path(config_file).resolve()) if config_file else None)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (cho cron và script).")
@click.pass_obj
@_guard
def stats_cmd(obj: Context, as_json):
    """Số tài liệu theo trang và loại, ngày cũ/mới nhất, lần thu thập gần nhất và lỗi của nó, dung lượng chỉ mục."""
    stats = obj.backend.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"Chỉ mục: {stats['index_dir']} ({stats['generation']})")
    click.echo(f"Tài liệu: {stats['documents']}   Dung lượng: {stats['size_bytes'] / 1e6:.1f} MB   "
               f"Cập nhật lần cuối: {stats['last_update'] or 'chưa có'}")
    click.echo(f"{'trang':<24} {'tin tức':>8} {'văn bản':>8}")
    for site, counts in stats["sites"].items():
        click.echo(f"{site:<24} {counts['article']:>8} {counts['legal']:>8}")
    click.echo("Ngày đăng và thu thập:")
    for site, info in stats["site_details"].items():
        status = info["last_crawl_status"]
        status = f" ({CRAWL_STATUS_LABELS.get(status, status)})" if status else ""
        click.echo(f"  {site}: {info['oldest'] or '-'} .. {info['newest'] or '-'}; "
                   f"thu thập lần cuối {info['last_crawl'] or 'chưa lần nào'}{status}; {info['errors']} trang bị lỗi")
        for error in info["recent_errors"]:
            click.echo(f"    {error}")


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
@_guard
def delete_cmd(obj: Context, ids):
    """Xóa tài liệu theo id (văn bản pháp luật được xóa cùng các điều của nó)."""
    missing = obj.backend.delete(ids)
    click.echo(f"Đã xóa {len(ids) - len(missing)} tài liệu.")
    if missing:
        _fail(f"không có trong chỉ mục: {', '.join(missing)}")


def _site_for(obj: Context, target: str, sites: dict):
    """A configured site by slug, the configured site a URL belongs to, or a site made from the URL."""
    from indexer.sources.sites import SiteConfigError, site_from_url

    if target in sites:
        return sites[target]
    if _is_url(target):
        site = next((s for s in sites.values() if s.in_site(target)), None)
        return site or site_from_url(target)
    known = ", ".join(sorted(sites)) or f"chưa có: {obj.index_dir / 'sites.toml'} không liệt kê trang nào"
    raise SiteConfigError(f"{target}: không phải mã trang đã cấu hình hay URL http(s) (các trang đã cấu hình: {known})")


class _Progress:
    """A tqdm bar whose total grows as the crawl discovers pages: count, rate and ETA."""

    def __init__(self, desc: str, disable: bool):
        from tqdm import tqdm

        self.bar = tqdm(desc=desc, unit=" trang", disable=disable, dynamic_ncols=True, file=sys.stderr)

    def total(self, n: int) -> None:
        self.bar.total = n
        self.bar.refresh()

    def page(self, url: str, what: str) -> None:
        if what != "removed":
            self.bar.update(1)

    def problem(self, message: str) -> None:
        self.bar.write(f"sự cố: {message}", file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _crawl_line(r) -> str:
    return (f"{r.site}: đã tải {r.fetched}, thêm mới {r.added}, cập nhật {r.updated}, không đổi {r.unchanged}, "
            f"đã gỡ {r.removed}, bỏ qua {r.skipped}, lỗi {len(r.errors)}; {r.seconds:.1f} s"
            + ("" if r.complete else " (dừng trước khi xong: chạy lại để làm tiếp)")
            + (" (tiếp tục lần trước)" if r.resumed else ""))


@main.command("crawl")
@click.argument("targets", nargs=-1)
@click.option("--full", is_flag=True, help="Đọc lại mọi trang, bỏ qua ETag/Last-Modified và mã băm nội dung.")
@click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến độ; chỉ in sự cố và bản tóm tắt.")
@click.option("--json", "as_json", is_flag=True, help="In bản tóm tắt dạng JSON (cho cron và script).")
@SITES_OPTION
@click.pass_obj
@_guard
def crawl_cmd(obj: Context, targets, full, quiet, as_json, sites_file):
    """Thu thập các trang (URL hoặc mã trang; mặc định: mọi trang đã cấu hình) vào chỉ mục, theo kiểu tăng dần.

    Theo sitemap.xml và các liên kết trong trang khớp mẫu URL của trang, tôn trọng
    robots.txt, tải có chừng mực; trang không đổi được bỏ qua, trang đổi được thay,
    trang trả 404/410 hoặc không còn được liên kết bị gỡ. Lần thu thập bị ngắt sẽ được làm tiếp.
    """
    sites = obj.sites(sites_file)
    chosen = [_site_for(obj, t, sites) for t in targets] if targets else list(sites.values())
    if not chosen:
        _fail(f"không có trang nào để thu thập: hãy cho một URL hoặc mã trang, hoặc liệt kê các trang trong "
              f"{sites_file or obj.index_dir / 'sites.toml'}")
    reports = []
    backend = obj.backend
    for site in chosen:
        progress = _Progress(f"Thu thập {site.slug}", quiet or as_json)
        try:
            report = backend.crawl(site, full=full, on_page=progress.page, on_total=progress.total,
                           on_problem=None if as_json else progress.problem)
        except KeyboardInterrupt:
            _fail(f"đã ngắt (Ctrl-C); các trang của {site.slug} ghi được đến lúc này đã có trong chỉ mục, "
                  "lần `tracuu crawl` sau sẽ làm tiếp từ chỗ dừng", code=130)
        finally:
            progress.close()
        reports.append(report)
        if not as_json:
            click.echo(_crawl_line(report))
    if as_json:
        click.echo(json.dumps([dict(r.counts(), error_messages=r.errors) for r in reports], ensure_ascii=False))
    if any(r.errors and not (r.fetched or r.unchanged) for r in reports):
        sys.exit(1)


@main.command("reindex")
@click.argument("targets", nargs=-1)
@click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến độ; chỉ in sự cố và bản tóm tắt.")
@click.option("--json", "as_json", is_flag=True, help="In bản tóm tắt dạng JSON (cho cron và script).")
@SITES_OPTION
@click.pass_obj
@_guard
def reindex_cmd(obj: Context, targets, quiet, as_json, sites_file):
    """Dựng lại chỉ mục thành một thế hệ mới rồi chuyển sang nó trong một bước.

    TARGETS là tệp/thư mục nguồn, mã trang hoặc URL trang: tài liệu của chúng được
    đọc lại hoặc thu thập lại toàn bộ; mọi tài liệu khác được chép từ chỉ mục đang
    dùng và phân tích lại. Không có TARGETS thì phân tích lại toàn bộ chỉ mục. Tìm
    kiếm vẫn dùng chỉ mục cũ cho đến lúc chuyển; lần dựng bị ngắt không thay đổi gì
    và lần sau sẽ dọn phần còn sót.
    """
    from tqdm import tqdm

    sites = obj.sites(sites_file)
    sources, chosen = [], []
    for target in targets:
        if not _is_url(target) and target not in sites and Path(target).exists():
            sources.append(target)
        else:
            chosen.append(_site_for(obj, target, sites))
    with tqdm(desc="Dựng lại chỉ mục", unit=" tài liệu", disable=quiet or as_json, dynamic_ncols=True, file=sys.stderr) as bar:
        report = obj.backend.reindex(sources, chosen, on_document=lambda doc: bar.update(1),
                         on_problem=None if as_json else (lambda m: bar.write(f"sự cố: {m}", file=sys.stderr)))
    if as_json:
        click.echo(json.dumps({
            "generation": report.generation, "documents": report.documents, "from_sources": report.from_sources,
            "from_crawls": report.from_crawls, "copied": report.copied, "seconds": round(report.seconds, 3),
            "removed_leftovers": report.removed_orphans, "problems": report.problems,
            "crawls": [r.counts() for r in report.crawls]}, ensure_ascii=False))
        return
    for crawl_report in report.crawls:
        click.echo(_crawl_line(crawl_report))
    if report.removed_orphans:
        click.echo(f"Đã xóa phần còn sót của lần dựng lại bị ngắt: {', '.join(report.removed_orphans)}")
    click.echo(f"Đã dựng lại {report.documents} tài liệu ({report.from_sources} từ tệp, {report.from_crawls} "
               f"thu thập, {report.copied} chép lại) trong {report.seconds:.1f} s; đang phục vụ {report.generation}; "
               f"{len(report.problems)} sự cố.")


@main.command("check")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (cho cron và script).")
@click.pass_obj
@_guard
def check_cmd(obj: Context, as_json):
    """Kiểm tra chỉ mục: mở được, số lượng khớp, không còn thế hệ sót lại từ lần dựng lại bị ngắt."""
    result = obj.backend.check()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for note in result["notes"]:
            click.echo(note)
        for problem in result["problems"]:
            click.echo(f"sự cố: {problem}")
        click.echo("Chỉ mục ổn, không có sự cố." if result["ok"] else f"{len(result['problems'])} sự cố.")
    if not result["ok"]:
        sys.exit(1)


@main.group("keys")
def keys_group():
    """Khóa API cho API ghi và bảng quản trị (khóa bí mật chỉ hiện một lần, được lưu dạng băm)."""


@keys_group.command("create")
@click.option("--site", "sites", multiple=True, help="Mã trang khóa được ghi (có thể lặp lại; không ghi: mọi trang).")
@click.option("--can", type=click.Choice(["search", "write", "admin"]), required=True,
              help="search: chỉ tìm kiếm; write: gửi tài liệu của các trang được phép; admin: mọi quyền.")
@click.option("--name", default="", help="Ai dùng khóa (ví dụ: CMS của một sở).")
@click.pass_obj
def keys_create_cmd(obj: Context, sites, can, name):
    """Tạo khóa và in khóa bí mật (chỉ hiện lần này)."""
    from indexer.keys import InvalidKeyRequest, KeyStore

    try:
        key, secret = KeyStore(obj.index_dir).create(sites, can, name)
    except InvalidKeyRequest as exc:
        _fail(str(exc))
    click.echo(f"Đã tạo khóa {key.id} ({key.can}; trang: {', '.join(key.sites) or 'tất cả'}).")
    click.echo("Khóa bí mật (chỉ hiện một lần, hãy lưu lại ngay):")
    click.echo(secret)


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="In danh sách dạng JSON.")
@click.pass_obj
def keys_list_cmd(obj: Context, as_json):
    """Mọi khóa: id, quyền, trang, tên, lúc tạo, lúc thu hồi (không bao giờ in khóa bí mật)."""
    from indexer.keys import KeyStore

    keys = KeyStore(obj.index_dir).list()
    if as_json:
        click.echo(json.dumps([k.to_dict() for k in keys], ensure_ascii=False, indent=2))
        return
    if not keys:
        click.echo("Chưa có khóa nào. Tạo khóa: tracuu keys create --can write --site SLUG")
        return
    click.echo(f"{'id':<14} {'quyền':<7} {'trạng thái':<22} {'tạo lúc':<20} trang / tên")
    for k in keys:
        state = f"thu hồi {k.revoked:%Y-%m-%d %H:%M}" if k.revoked else "đang dùng"
        click.echo(f"{k.id:<14} {k.can:<7} {state:<22} {k.created:%Y-%m-%d %H:%M:%S}  "
                   f"{', '.join(k.sites) or 'tất cả'}{' / ' + k.name if k.name else ''}")


@keys_group.command("revoke")
@click.argument("key_id")
@click.pass_obj
def keys_revoke_cmd(obj: Context, key_id):
    """Thu hồi một khóa ngay lập tức, vĩnh viễn."""
    from indexer.keys import KeyStore

    if not KeyStore(obj.index_dir).revoke(key_id):
        _fail(f"không có khóa đang dùng nào mang id {key_id}")
    click.echo(f"Đã thu hồi khóa {key_id}.")


@main.command("report")
@click.option("--since", help="7d, 4w hoặc một ngày (YYYY-MM-DD); mặc định: 30 ngày gần nhất.")
@click.option("--limit", "-n", type=click.IntRange(1, 500), default=20, show_default=True,
              help="Số truy vấn tối đa mỗi danh sách.")
@click.option("--min-searches", type=click.IntRange(1), default=3, show_default=True,
              help="Chỉ hiện truy vấn được tìm ít nhất chừng này lần (truy vấn gõ một lần có thể là thông tin cá nhân).")
@click.option("--json", "as_json", is_flag=True, help="In báo cáo dạng JSON.")
@click.pass_obj
@_guard
def report_cmd(obj: Context, since, limit, min_searches, as_json):
    """Người dùng đã tìm gì (không có dữ liệu cá nhân): truy vấn nhiều nhất, truy vấn không có kết quả
    và truy vấn có kết quả nhưng không ai nhấn, mỗi truy vấn chỉ khi được tìm ít nhất --min-searches lần."""
    from indexer.querylog import QueryLog, parse_since

    try:
        start = parse_since(since)
    except ValueError as exc:
        _fail(str(exc))
    report = QueryLog(obj.index_dir).report(start, limit, min_searches=min_searches)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Lượt tìm từ {report['since']}: {report['searches']}")
    click.echo(f"Chỉ liệt kê những truy vấn được tìm từ {report['min_searches']} lần trở lên.")
    click.echo("Truy vấn nhiều nhất (lượt tìm, số kết quả, lượt nhấn):")
    for row in report["top"]:
        click.echo(f"  {row['searches']:>6} {row['results']:>6} {row['clicks']:>6}  {row['q']}")
    click.echo("Không có kết quả (lượt tìm):")
    for row in report["zero_results"]:
        click.echo(f"  {row['searches']:>6}  {row['q']}")
    click.echo("Có kết quả nhưng không ai nhấn vào (lượt tìm):")
    for row in report["not_clicked"]:
        click.echo(f"  {row['searches']:>6}  {row['q']}")


if __name__ == "__main__":
    main()
