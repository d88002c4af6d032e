"""WSGI entry point for running under any server: ``gunicorn webapp.wsgi:app``.

Configured by TRACUU_* environment variables (TRACUU_INDEX_DIR, TRACUU_DEFAULT_SITE, ...).
"""

from .app import create_app

app = create_app()
