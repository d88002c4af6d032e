"""Production serving: gunicorn, started from ``tracuu serve``.

The app (and pyvi's model, ~1 s and 100+ MB) is loaded once in the master and
shared by forked workers; each worker thread opens its own searcher.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .app import create_app


class TracuuServer(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def warm_up(app=None) -> None:
    """Load, before forking, what every worker needs, so workers share it (copy-on-write) and no
    request pays for it: pyvi's model, and what the backend prepares itself (the index vocabulary
    behind autocomplete and "did you mean": seconds on a large index, built per process otherwise)."""
    from indexer.analysis import load_segmenter

    load_segmenter()
    if app is None:
        return
    app.extensions["tracuu.search"].warm_up()


def serve(index_dir: str, host: str, port: int, workers: int = 2, threads: int = 4,
          default_site: str | None = None, config_file: str | None = None) -> None:
    config = {"INDEX_DIR": index_dir}
    if default_site:
        config["DEFAULT_SITE"] = default_site
    if config_file:
        config["CONFIG_FILE"] = config_file
    app = create_app(config)
    warm_up(app)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
    }
    TracuuServer(app, options).run()
