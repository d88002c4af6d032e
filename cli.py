"""The `tracuu` command: index, search, serve, stats, delete.

Thin by design: parse options, call ``indexer``, show progress and results.
Errors are one clear line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DEFAULT_INDEX_DIR = "index_data"


class Context:
    def __init__(self, index_dir: str):
        self.index_dir = Path(index_dir)

    @property
    def store(self):
        from indexer import IndexStore

        return IndexStore(self.index_dir)


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _guard(func):
    """Turn the indexer's expected errors into one line and exit code 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from indexer import QueryError, StoreError, UnsupportedSource

        try:
            return func(*args, **kwargs)
        except (StoreError, UnsupportedSource, QueryError) as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted; the index is as it was before this command", code=130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index-dir", envvar="TRACUU_INDEX_DIR", default=DEFAULT_INDEX_DIR, show_default=True,
              type=click.Path(file_okay=False), help="Index home (env TRACUU_INDEX_DIR).")
@click.version_option(package_name="tracuu", message="tracuu %(version)s")
@click.pass_context
def main(ctx, index_dir):
    """tracuu: Vietnamese search for government department websites."""
    ctx.obj = Context(index_dir)


@main.command("index")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--site", help="Site slug for documents that name none (default: the file or folder name).")
@click.option("--kind", type=click.Choice(["article", "legal"]),
              help="Kind for documents that name none (default: legal when a doc_number is given).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; problems and the summary only.")
@click.pass_obj
@_guard
def index_cmd(obj: Context, sources, site, kind, quiet):
    """Add or replace documents from .jsonl, .jsonl.gz, .csv files or folders of .html pages.

    A document with an id already in the index replaces it. Bad lines are
    reported with their line number and skipped; every good line is indexed.
    """
    from tqdm import tqdm

    from indexer import index_documents, read_source

    def items():
        for source in sources:
            yield from read_source(source, site=site, kind=kind)

    with tqdm(desc="Indexing", unit=" docs", disable=quiet, dynamic_ncols=True, file=sys.stderr) as bar:
        report = index_documents(
            obj.store, items(),
            on_document=lambda doc: bar.update(1),
            on_problem=lambda p: bar.write(f"{'skipped' if p.skipped else 'repaired'} {p}", file=sys.stderr),
        )
    click.echo(
        f"Indexed {report.indexed} documents in {report.seconds:.1f} s "
        f"({report.docs_per_second:.0f} docs/s, {report.chars / 1e6 / max(report.seconds, 1e-9):.2f} M chars/s); "
        f"{report.skipped} skipped, {report.repaired} repaired."
    )
    if report.indexed == 0 and report.skipped:
        sys.exit(1)


@main.command("search")
@click.argument("query")
@click.option("--scope", type=click.Choice(["site", "web"]), default="web", show_default=True)
@click.option("--site", help="Site slug for --scope site.")
@click.option("--kind", type=click.Choice(["article", "legal"]))
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@click.pass_obj
@_guard
def search_cmd(obj: Context, query, scope, site, kind, sort, limit, page, as_json):
    """Search the index as the page and the API do."""
    from indexer import SearchRequest, SearchService

    if scope == "site" and not site:
        _fail("--scope site needs --site SLUG")
    result = SearchService(obj.store).search(
        SearchRequest(q=query, scope=scope, site=site, kind=kind, sort=sort, page=page, per_page=limit))
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

    serve(index_dir=str(obj.index_dir.resolve()), host=host, port=port, workers=workers, threads=threads,
          default_site=default_site, config_file=str(Path(config_file).resolve()) if config_file else None)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@_guard
def stats_cmd(obj: Context, as_json):
    """Documents per site and kind, index size and last update."""
    from indexer.stats import index_stats

    stats = index_stats(obj.store)
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"Index: {stats['index_dir']} ({stats['generation']})")
    click.echo(f"Documents: {stats['documents']}   Size: {stats['size_bytes'] / 1e6:.1f} MB   "
               f"Last update: {stats['last_update']}")
    click.echo(f"{'site':<24} {'article':>8} {'legal':>8}")
    for site, counts in stats["sites"].items():
        click.echo(f"{site:<24} {counts['article']:>8} {counts['legal']:>8}")


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
@_guard
def delete_cmd(obj: Context, ids):
    """Delete documents by id."""
    from indexer import delete_documents

    missing = delete_documents(obj.store, ids)
    click.echo(f"Deleted {len(ids) - len(missing)} documents.")
    if missing:
        _fail(f"not in the index: {', '.join(missing)}")


if __name__ == "__main__":
    main()
