"""The shape of the code, checked from its source: tests/helpers/layout.py reads every module of
indexer/, webapp/ and cli.py with ``ast`` (imports nothing) and reports (a) import cycles, (b) one
engine importing the other, (c) engine-neutral modules importing whoosh (beyond whoosh.analysis)
or opensearchpy, (d) engine-neutral modules importing an engine's modules. Each rule is checked
on the real tree (what it found is printed: ``-s`` or ``-rA`` shows it), and shown to fail on a
small tree written into tmp_path with that very mistake in it.
"""

from __future__ import annotations

import textwrap

import pytest

from helpers.layout import check
from helpers.processes import PROJECT_ROOT


@pytest.fixture(scope="module")
def tree():
    """The report on the project's own code."""
    return check(PROJECT_ROOT)


def verdict(report, rule: str) -> str:
    lines = report.rule_lines(rule)
    print("\n" + "\n".join(lines))
    return "\n".join(lines)


def write_tree(root, files: dict[str, str]):
    """Write a synthetic tree: ``files`` maps paths to source; folders get an empty __init__.py."""
    for path, source in files.items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(source), encoding="utf-8")
    for file in list(root.rglob("*.py")):
        for folder in file.relative_to(root).parents:
            init = root / folder / "__init__.py"
            if folder.parts and not init.exists():
                init.write_text("", encoding="utf-8")
    return root


def flagged(found) -> set[str]:
    return {item.where for item in found}


# -- the project's code -----------------------------------------------------------------------------

def test_the_whole_tree_is_read(tree):
    """The rules below mean something only if the checker sees the code they are about."""
    print("\n" + "\n".join(tree.lines()[:1]))
    assert {"indexer", "indexer.engines", "indexer.engines.base", "indexer.engines.whoosh",
            "indexer.engines.opensearch", "indexer.search", "webapp", "cli"} <= set(tree.modules)
    assert {m.role for m in tree.modules.values()} == {"engine-neutral", "chooses an engine", "whoosh engine",
                                                       "opensearch engine"}
    assert sum(i.internal for i in tree.imports) > 100 and any(i.in_function for i in tree.imports)
    assert not tree.unresolved, "imports naming no module of the tree:\n" + "\n".join(tree.unresolved)


def test_no_import_cycles(tree):
    assert not tree.cycles, verdict(tree, "a")
    verdict(tree, "a")


def test_the_engines_do_not_import_each_other(tree):
    assert not tree.found("b"), verdict(tree, "b")
    verdict(tree, "b")


def test_engine_neutral_modules_import_no_search_library(tree):
    # e.g. indexer/search/highlight.py cuts and marks snippets itself, never with whoosh.highlight.
    assert not tree.found("c"), verdict(tree, "c")
    verdict(tree, "c")


def test_engine_neutral_modules_import_no_engine(tree):
    assert not tree.found("d"), verdict(tree, "d")
    verdict(tree, "d")


# -- each rule fails when broken (synthetic trees) ----------------------------------------------------

def test_imports_resolve_to_the_modules_they_name(tmp_path):
    """Relative imports, ``from package import submodule``, imports inside functions, re-exports;
    and the checker only reads: a module that fails when imported is no problem."""
    report = check(write_tree(tmp_path, {
        "indexer/__init__.py": "from .search import SearchRequest\n",
        "indexer/search/__init__.py": "from .request import SearchRequest\nfrom . import pipeline\n",
        "indexer/search/request.py": "SearchRequest = object\n",
        "indexer/search/plan.py": "from ..analysis import fold\n",
        "indexer/search/pipeline.py": """\
            from . import plan
            from indexer.search import request


            def run():
                from ..search import plan as again
            """,
        "indexer/analysis/__init__.py": "def fold(text):\n    return text\n",
        "indexer/boom.py": "raise RuntimeError('imported!')\n",
        "webapp/app.py": "from indexer import SearchRequest\n",
        "cli.py": "import indexer.search.plan\n",
    }))
    edges = {(i.source, i.target, i.in_function) for i in report.imports if i.internal}
    assert edges == {
        ("indexer", "indexer.search", False),
        ("indexer.search", "indexer.search.request", False),
        ("indexer.search", "indexer.search.pipeline", False),
        ("indexer.search.plan", "indexer.analysis", False),
        ("indexer.search.pipeline", "indexer.search.plan", False),  # not indexer.search: plan is a module
        ("indexer.search.pipeline", "indexer.search.request", False),
        ("indexer.search.pipeline", "indexer.search.plan", True),
        ("webapp.app", "indexer", False),
        ("cli", "indexer.search.plan", False),
    }
    webapp = next(i for i in report.imports if i.source == "webapp.app")
    assert webapp.via == "indexer.search.request"  # the name's own module, through two re-exports
    # indexer.search imports pipeline, and pipeline reads its sibling ``plan`` from the package:
    # the package itself is not imported by name, so that is no cycle.
    assert not report.cycles and not report.unresolved


def test_a_cycle_is_reported_with_each_import(tmp_path):
    report = check(write_tree(tmp_path, {
        "indexer/a.py": "from .search import b\n",
        "indexer/search/b.py": "from indexer.engines.c import helper\n",
        "indexer/engines/c.py": "def helper():\n    from ..a import thing  # inside a function: still a cycle\n",
        "indexer/search/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import thing\n",
        "indexer/search/__init__.py": "from .request import SearchRequest\n",
        "indexer/search/request.py": "from indexer.search import SearchRequest as Same\nSearchRequest = object\n",
    }))
    text = verdict(report, "a")
    assert len(report.cycles) == 2, text
    long, short = sorted(report.cycles, key=len, reverse=True)
    assert [e.source for e in long] == ["indexer.a", "indexer.search.b", "indexer.engines.c"]
    assert [e.where for e in long] == ["indexer/a.py:1", "indexer/search/b.py:1", "indexer/engines/c.py:2"]
    assert "indexer.a -> indexer.search.b -> indexer.engines.c -> indexer.a" in text
    # A module that imports a name its own package's __init__ defines (from it) makes a cycle too.
    assert {e.source for e in short} == {"indexer.search", "indexer.search.request"}
    assert "indexer.search.d" not in text  # an import for type checking only never runs


def test_one_engine_importing_the_other_is_reported(tmp_path):
    report = check(write_tree(tmp_path, {
        "indexer/engines/whoosh/store.py": "from ..opensearch import client\nfrom whoosh import index\n",
        "indexer/engines/whoosh/extra.py": "def connect():\n    import opensearchpy\n",
        "indexer/engines/opensearch/client.py": "import opensearchpy\n",
        "indexer/engines/opensearch/mapping.py": (
            "from whoosh.analysis import LowercaseFilter\nfrom whoosh import analysis\nfrom whoosh import query\n"),
        "indexer/engines/opensearch/related.py": "from indexer.engines.whoosh.store import index\n",
    }))
    text = verdict(report, "b")
    assert flagged(report.found("b")) == {"indexer/engines/whoosh/store.py:1", "indexer/engines/whoosh/extra.py:2",
                                          "indexer/engines/opensearch/mapping.py:3",
                                          "indexer/engines/opensearch/related.py:1"}, text


def test_a_search_library_in_engine_neutral_code_is_reported(tmp_path):
    report = check(write_tree(tmp_path, {
        "indexer/search/highlight.py": (
            "from whoosh.highlight import HtmlFormatter\nfrom whoosh.analysis import LowercaseFilter\n"
            "from whoosh import analysis\n"),
        "indexer/analysis/__init__.py": "from whoosh.analysis import Tokenizer\nimport whoosh.analysis.filters\n",
        "indexer/engines/__init__.py": "from whoosh import index\n",
        "indexer/engines/whoosh/store.py": "from whoosh import index\n",
        "indexer/engines/opensearch/client.py": "from opensearchpy import OpenSearch\n",
        "webapp/app.py": "def make():\n    import opensearchpy\n",
        "cli.py": "import whoosh\n",
    }))
    text = verdict(report, "c")
    assert flagged(report.found("c")) == {"indexer/search/highlight.py:1", "indexer/engines/__init__.py:1",
                                          "webapp/app.py:2", "cli.py:1"}, text


def test_an_engine_module_in_engine_neutral_code_is_reported(tmp_path):
    report = check(write_tree(tmp_path, {
        "indexer/__init__.py": "from .engines import open_backend\nfrom .engines.whoosh import IndexStore\n",
        "indexer/engines/__init__.py": "def open_backend():\n    from .whoosh import IndexStore\n",
        "indexer/engines/base.py": "class Backend:\n    pass\n",
        "indexer/engines/whoosh/__init__.py": "from .store import IndexStore\n",
        "indexer/engines/whoosh/store.py": "class IndexStore:\n    pass\n",
        "indexer/engines/opensearch/client.py": "class Connection:\n    pass\n",
        "indexer/search/pipeline.py": "from ..engines.opensearch.client import Connection\n",
        "webapp/server.py": "def warm_up():\n    from indexer.engines.whoosh import store\n",
        "webapp/app.py": (
            "from indexer import open_backend\nfrom indexer.engines import open_backend\n"
            "from indexer.engines.base import Backend\n"),
        "cli.py": "from indexer import IndexStore, open_backend\n",
    }))
    text = verdict(report, "d")
    assert flagged(report.found("d")) == {"indexer/search/pipeline.py:1", "webapp/server.py:2", "cli.py:1"}, text
    (through_indexer,) = [i for i in report.found("d") if i.where == "cli.py:1"]
    assert through_indexer.via == "indexer.engines.whoosh.store"  # IndexStore, not open_backend
