"""A real HTTP server on 127.0.0.1 serving a copy of a fixture site, for crawl tests.

``SimpleHTTPRequestHandler`` gives Last-Modified / If-Modified-Since (304) for
free; we add an ETag from the file's bytes, ``__BASE__`` substitution in
robots.txt and sitemap.xml, answers forced per path (410, 500, redirects), and a
log of every path requested.

A plain helper like those in tests/helpers/, kept here because bench/crawl_bench.py imports it
from this path too (``import site_server`` with tests/ on sys.path).
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import threading
import time
from pathlib import Path

FIXTURE_SITES = Path(__file__).parent / "fixtures" / "sites"


class SiteServer:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        self.forced: dict[str, tuple[int, str]] = {}  # path -> (status, Location or "")
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(server.root), **kwargs)

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                server.requests.append(path)
                if path in server.forced:
                    status, location = server.forced[path]
                    self.send_response(status)
                    if location:
                        self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                file = server.root / path.lstrip("/")
                if file.is_file() and file.suffix in (".xml", ".txt"):
                    body = file.read_bytes().replace(b"__BASE__", server.base.encode())
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml" if file.suffix == ".xml" else "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if file.is_file():
                    etag = '"' + hashlib.md5(file.read_bytes()).hexdigest() + '"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                    self._etag = etag
                super().do_GET()

            def end_headers(self):
                etag = getattr(self, "_etag", None)
                if etag:
                    self.send_header("ETag", etag)
                    self._etag = None
                super().end_headers()

            def guess_type(self, path):
                return "text/html" if str(path).endswith(".html") else super().guess_type(path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(30)

    # -- changing the site between crawls -------------------------------------------------------
    def write(self, path: str, data, bump: float = 10.0) -> None:
        """Write a page and move its mtime forward, so Last-Modified changes even within a second."""
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        stamp = time.time() + bump
        os.utime(file, (stamp, stamp))

    def delete(self, path: str) -> None:
        (self.root / path).unlink()


def copy_site(tmp_path: Path, name: str = "sldtbxh") -> Path:
    target = tmp_path / "site"
    shutil.copytree(FIXTURE_SITES / name, target)
    return target


def sites_toml(base: str, slug: str = "sldtbxh", extra: str = "") -> str:
    return (f'[[site]]\nslug = "{slug}"\nname = "Sở LĐ-TBXH Quảng Nam"\nbase_url = "{base}/"\n'
            f'exclude = ["/tim-kiem*"]\nrate = 50\nconcurrency = 3\n{extra}')
