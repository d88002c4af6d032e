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
            raise SiteConfigError(f"{path}: no such sites file")
        return load_sites(path)


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
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
            _fail("interrupted; the index is as it was before this command", code=130)
        except OSError as exc:
            import errno

            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            _fail(f"No space left on device ({exc.filename or 'writing the index'}); nothing was committed "
                  "by the failed step and the live index keeps serving")

    return wrapper


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


SITES_OPTION = click.option(
    "--sites", "sites_file", envvar="TRACUU_SITES", type=click.Path(dir_okay=False),
    help="Sites file (TOML; env TRACUU_SITES; default INDEX_DIR/sites.toml). See docs/administrators.md, Crawling sites.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index-dir", envvar="TRACUU_INDEX_DIR", default=DEFAULT_INDEX_DIR, show_default=True,
              type=click.Path(file_okay=False), help="Index home (env TRACUU_INDEX_DIR).")
@click.option("--synonyms", "synonyms", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra abbreviations/synonyms file (format of indexer/data/synonyms.txt); repeatable. "
                   "Used by search and serve.")
@click.option("--backend", type=click.Choice(["whoosh", "opensearch"]), envvar="TRACUU_BACKEND", default="whoosh",
              show_default=True, help="Search engine (env TRACUU_BACKEND): the embedded Whoosh index in "
                                      "--index-dir, or an OpenSearch cluster. See docs/administrators.md, Running on OpenSearch.")
@click.option("--opensearch-url", envvar="TRACUU_OPENSEARCH_URL", metavar="URL",
              help="OpenSearch cluster URL(s), comma-separated (env TRACUU_OPENSEARCH_URL).")
@click.option("--opensearch-index", envvar="TRACUU_OPENSEARCH_INDEX", default="tracuu", show_default=True,
              help="Alias searched on the cluster (env TRACUU_OPENSEARCH_INDEX).")
@click.version_option(package_name="tracuu", message="tracuu %(version)s")
@click.pass_context
def main(ctx, index_dir, synonyms, backend, opensearch_url, opensearch_index):
    """tracuu: Vietnamese search for government department websites."""
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
@click.option("--site", help="Site slug for documents that name none (default: the file or folder name).")
@click.option("--kind", type=click.Choice(["article", "legal"]),
              help="Kind for documents that name none (default: legal when a doc_number is given).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; problems and the summary only.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for cron and scripts).")
@SITES_OPTION
@click.pass_obj
@_guard
def index_cmd(obj: Context, sources, site, kind, quiet, as_json, sites_file):
    """Add or replace documents from .jsonl, .jsonl.gz, .csv files, folders of .html pages or page URLs.

    A document with an id already in the index replaces it. Bad lines are
    reported with their line number and skipped; every good line is indexed.
    A URL is fetched (one page, robots.txt respected) and read as an article or notice.
    """
    from tqdm import tqdm

    from indexer import read_source

    urls = [s for s in sources if _is_url(s)]
    for source in sources:
        if not _is_url(source) and not Path(source).exists():
            _fail(f"{source}: no such file or folder (or not an http(s) URL)")

    def items():
        for source in sources:
            if _is_url(source):
                continue
            yield from read_source(source, site=site, kind=kind)
        if urls:
            from indexer.crawl import fetch_documents

            yield from fetch_documents(urls, obj.sites(sites_file))

    with tqdm(desc="Indexing", unit=" docs", disable=quiet or as_json, dynamic_ncols=True, file=sys.stderr) as bar:
        report = obj.backend.index_documents(
            items(),
            on_document=lambda doc: bar.update(1),
            on_problem=lambda p: bar.write(f"{'skipped' if p.skipped else 'repaired'} {p}", file=sys.stderr),
        )
    if as_json:
        click.echo(json.dumps({"indexed": report.indexed, "skipped": report.skipped, "repaired": report.repaired,
                               "seconds": round(report.seconds, 3),
                               "problems": [str(p) for p in report.problems]}, ensure_ascii=False))
    else:
        click.echo(
            f"Indexed {report.indexed} documents in {report.seconds:.1f} s "
            f"({report.docs_per_second:.0f} docs/s, {report.chars / 1e6 / max(report.seconds, 1e-9):.2f} M chars/s); "
            f"{report.skipped} skipped, {report.repaired} repaired."
        )
    if report.indexed == 0 and report.skipped:
        sys.exit(1)


@main.command("search")
@click.argument("query")
@click.option("--scope", type=click.Choice(["site", "web"]),
              help="Default: site when a default site is configured, else web (as the page and the API).")
@click.option("--site", help="Site slug: the site of --scope site, a filter in --scope web.")
@click.option("--kind", type=click.Choice(["article", "legal"]))
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Chỉ tài liệu ban hành/đăng từ ngày này (tính cả ngày này).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Chỉ tài liệu ban hành/đăng đến ngày này (tính cả ngày này).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@click.option("--default-site", envvar="TRACUU_DEFAULT_SITE",
              help="Site of the Site scope, as `serve --default-site` (env TRACUU_DEFAULT_SITE).")
@click.option("--config", "config_file", envvar="TRACUU_CONFIG_FILE", type=click.Path(exists=True, dir_okay=False),
              help="The web app's TOML settings: DEFAULT_SITE and WEB_SITES (env TRACUU_CONFIG_FILE).")
@click.pass_obj
@_guard
def search_cmd(obj: Context, query, scope, site, kind, sort, limit, page, date_from, date_to, as_json,
               default_site, config_file):
    """Search the index as the page and the API do."""
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
    click.echo(f"{result.total} results for {query!r} ({result.took_ms:.0f} ms)"
               + (" - showing documents with some of the words" if result.relaxed else ""))
    first = (page - 1) * limit
    for rank, hit in enumerate(result.results, start=first + 1):
        label = f"[{hit.doc_number}] " if hit.doc_number else ""
        click.echo(f"{rank:>3}. {click.style(label + hit.title, bold=True)}")
        meta = " · ".join(x for x in (hit.site, hit.kind, hit.published, hit.url) if x)
        click.echo(f"     {meta}  (score {hit.score:.2f})")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Gunicorn worker processes (one per core is a good start).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker.")
@click.option("--default-site", envvar="TRACUU_DEFAULT_SITE", help="Site of the Site scope (env TRACUU_DEFAULT_SITE).")
@click.option("--config", "config_file", envvar="TRACUU_CONFIG_FILE", type=click.Path(exists=True, dir_okay=False),
              help="TOML file with the web app's settings (env TRACUU_CONFIG_FILE).")
@click.pass_obj
def serve_cmd(obj: Context, host, port, workers, threads, default_site, config_file):
    """Serve the search page and the JSON API with gunicorn."""
    from webapp.server import serve

    os.environ.update(getattr(obj, "engine_env", {}))  # the app reads TRACUU_BACKEND/TRACUU_OPENSEARCH_*
    serve(index_dir=str(obj.index_dir.resolve()), host=host, port=port, workers=workers, threads=threads,
          default_site=default_site, config_file=str(Path(config_file).resolve()) if config_file else None)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_guard
def stats_cmd(obj: Context, as_json):
    """Documents per site and kind, oldest/newest dates, last crawl and its errors, index size."""
    stats = obj.backend.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"Index: {stats['index_dir']} ({stats['generation']})")
    click.echo(f"Documents: {stats['documents']}   Size: {stats['size_bytes'] / 1e6:.1f} MB   "
               f"Last update: {stats['last_update']}")
    click.echo(f"{'site':<24} {'article':>8} {'legal':>8}")
    for site, counts in stats["sites"].items():
        click.echo(f"{site:<24} {counts['article']:>8} {counts['legal']:>8}")
    click.echo("Dates and crawls:")
    for site, info in stats["site_details"].items():
        status = f" ({info['last_crawl_status']})" if info["last_crawl_status"] else ""
        click.echo(f"  {site}: {info['oldest'] or '-'} .. {info['newest'] or '-'}; "
                   f"last crawl {info['last_crawl'] or 'never'}{status}; {info['errors']} pages with errors")
        for error in info["recent_errors"]:
            click.echo(f"    {error}")


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
@_guard
def delete_cmd(obj: Context, ids):
    """Delete documents by id (a legal text together with its articles)."""
    missing = obj.backend.delete(ids)
    click.echo(f"Deleted {len(ids) - len(missing)} documents.")
    if missing:
        _fail(f"not in the index: {', '.join(missing)}")


def _site_for(obj: Context, target: str, sites: dict):
    """A configured site by slug, the configured site a URL belongs to, or a site made from the URL."""
    from indexer.sources.sites import SiteConfigError, site_from_url

    if target in sites:
        return sites[target]
    if _is_url(target):
        site = next((s for s in sites.values() if s.in_site(target)), None)
        return site or site_from_url(target)
    known = ", ".join(sorted(sites)) or f"none: {obj.index_dir / 'sites.toml'} lists no sites"
    raise SiteConfigError(f"{target}: not a configured site slug or an http(s) URL (configured: {known})")


class _Progress:
    """A tqdm bar whose total grows as the crawl discovers pages: count, rate and ETA."""

    def __init__(self, desc: str, disable: bool):
        from tqdm import tqdm

        self.bar = tqdm(desc=desc, unit=" pages", disable=disable, dynamic_ncols=True, file=sys.stderr)

    def total(self, n: int) -> None:
        self.bar.total = n
        self.bar.refresh()

    def page(self, url: str, what: str) -> None:
        if what != "removed":
            self.bar.update(1)

    def problem(self, message: str) -> None:
        self.bar.write(f"problem: {message}", file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _crawl_line(r) -> str:
    return (f"{r.site}: {r.fetched} fetched, {r.added} added, {r.updated} updated, {r.unchanged} unchanged, "
            f"{r.removed} removed, {r.skipped} skipped, {len(r.errors)} errors in {r.seconds:.1f} s"
            + ("" if r.complete else " (stopped before the end: run again to resume)")
            + (" (resumed)" if r.resumed else ""))


@main.command("crawl")
@click.argument("targets", nargs=-1)
@click.option("--full", is_flag=True, help="Re-extract every page, ignoring ETag/Last-Modified and content hashes.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; problems and the summary only.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for cron and scripts).")
@SITES_OPTION
@click.pass_obj
@_guard
def crawl_cmd(obj: Context, targets, full, quiet, as_json, sites_file):
    """Crawl sites (URL or slug; default: every configured site) into the index, incrementally.

    Follows sitemap.xml and in-site links within the site's URL patterns, respects
    robots.txt, fetches politely; unchanged pages are skipped, changed ones replaced,
    pages answering 404/410 or no longer linked are removed. A killed crawl resumes.
    """
    sites = obj.sites(sites_file)
    chosen = [_site_for(obj, t, sites) for t in targets] if targets else list(sites.values())
    if not chosen:
        _fail(f"no sites to crawl: give a URL or a slug, or list sites in {sites_file or obj.index_dir / 'sites.toml'}")
    reports = []
    backend = obj.backend
    for site in chosen:
        progress = _Progress(f"Crawling {site.slug}", quiet or as_json)
        try:
            report = backend.crawl(site, full=full, on_page=progress.page, on_total=progress.total,
                           on_problem=None if as_json else progress.problem)
        except KeyboardInterrupt:
            _fail(f"interrupted; the pages of {site.slug} committed so far are indexed, and the next "
                  "`tracuu crawl` resumes where this one stopped", code=130)
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
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; problems and the summary only.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for cron and scripts).")
@SITES_OPTION
@click.pass_obj
@_guard
def reindex_cmd(obj: Context, targets, quiet, as_json, sites_file):
    """Rebuild the index into a new generation and switch to it atomically.

    TARGETS are source files/folders, site slugs or site URLs: their documents are
    re-read or re-crawled in full; every other document is copied from the live
    index and re-analyzed. Without TARGETS the whole index is re-analyzed. Searches
    are answered from the live index until the switch; a killed rebuild changes
    nothing and the next one cleans up after it.
    """
    from tqdm import tqdm

    sites = obj.sites(sites_file)
    sources, chosen = [], []
    for target in targets:
        if not _is_url(target) and target not in sites and Path(target).exists():
            sources.append(target)
        else:
            chosen.append(_site_for(obj, target, sites))
    with tqdm(desc="Reindexing", unit=" docs", disable=quiet or as_json, dynamic_ncols=True, file=sys.stderr) as bar:
        report = obj.backend.reindex(sources, chosen, on_document=lambda doc: bar.update(1),
                         on_problem=None if as_json else (lambda m: bar.write(f"problem: {m}", file=sys.stderr)))
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
        click.echo(f"Removed leftovers of an interrupted rebuild: {', '.join(report.removed_orphans)}")
    click.echo(f"Rebuilt {report.documents} documents ({report.from_sources} from files, {report.from_crawls} "
               f"crawled, {report.copied} copied) in {report.seconds:.1f} s; now serving {report.generation}; "
               f"{len(report.problems)} problems.")


@main.command("check")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_guard
def check_cmd(obj: Context, as_json):
    """Verify the index: it opens, counts match, no generation is left over from a killed rebuild."""
    result = obj.backend.check()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for note in result["notes"]:
            click.echo(note)
        for problem in result["problems"]:
            click.echo(f"problem: {problem}")
        click.echo("OK" if result["ok"] else f"{len(result['problems'])} problem(s)")
    if not result["ok"]:
        sys.exit(1)


@main.group("keys")
def keys_group():
    """API keys for the write API and the admin console (secrets are shown once, stored hashed)."""


@keys_group.command("create")
@click.option("--site", "sites", multiple=True, help="Site slug the key may write (repeatable; none: every site).")
@click.option("--can", type=click.Choice(["search", "write", "admin"]), required=True,
              help="search: search only; write: push documents of its sites; admin: everything.")
@click.option("--name", default="", help="Who uses the key (e.g. the CMS of a department).")
@click.pass_obj
def keys_create_cmd(obj: Context, sites, can, name):
    """Create a key and print its secret (shown this once only)."""
    from indexer.keys import InvalidKeyRequest, KeyStore

    try:
        key, secret = KeyStore(obj.index_dir).create(sites, can, name)
    except InvalidKeyRequest as exc:
        _fail(str(exc))
    click.echo(f"Đã tạo khóa {key.id} ({key.can}; trang: {', '.join(key.sites) or 'tất cả'}).")
    click.echo("Khóa bí mật (chỉ hiện một lần, hãy lưu lại ngay):")
    click.echo(secret)


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def keys_list_cmd(obj: Context, as_json):
    """Every key: id, rights, sites, name, created, revoked (never the secret)."""
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
    """Revoke a key at once, for good."""
    from indexer.keys import KeyStore

    if not KeyStore(obj.index_dir).revoke(key_id):
        _fail(f"không có khóa đang dùng nào mang id {key_id}")
    click.echo(f"Đã thu hồi khóa {key_id}.")


@main.command("report")
@click.option("--since", help="7d, 4w or a date (YYYY-MM-DD); default: the last 30 days.")
@click.option("--limit", "-n", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--min-searches", type=click.IntRange(1), default=3, show_default=True,
              help="Show only queries searched at least this often (a query typed once may be personal).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_guard
def report_cmd(obj: Context, since, limit, min_searches, as_json):
    """What visitors searched (no personal data): top queries, queries without results, and
    queries whose results nobody clicked, each only when searched at least --min-searches times."""
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
