"""The failures a caller can expect, shared by both engines and said in one line.

The web app turns them into a Vietnamese message for the visitor, the CLI into one line
for the administrator; anything else is a bug.
"""

from __future__ import annotations


class StoreError(RuntimeError):
    """A problem with the index (its home, its lock, its engine), said in one line."""


class IndexMissing(StoreError):
    """Nothing has been indexed yet."""


class IndexLocked(StoreError):
    """Another writer holds the index; the message names it."""


class BackendUnavailable(StoreError):
    """The search engine cannot be reached (a cluster down, a network problem): try again later."""


class QueryError(ValueError):
    """The query cannot be searched; the message is for the visitor."""


class DocumentNotFound(KeyError):
    """No document with that id in the index."""
