"""tracuu's web room: HTTP only. Pages and the JSON API call ``indexer``; no search logic here."""

from .app import create_app

__all__ = ["create_app"]
