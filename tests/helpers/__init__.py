"""Plain helpers the tests import by name: constants, builders, processes and servers.

Nothing here is a fixture. Fixtures live in the conftest.py files (tests/conftest.py for the
ones several folders share, tests/<folder>/conftest.py for one folder's), where pytest finds
them without any import. tests/site_server.py (the loopback department site the crawl tests
use) is a helper of the same kind, kept beside the tests because bench/crawl_bench.py imports it.
"""
