"""tracuu's import layout, read from the source with ``ast`` (nothing is imported or run).

``check(root)`` reads every module of ``indexer/`` and ``webapp/`` and ``cli.py`` under ``root``,
resolves each import statement (relative ones too, and those inside functions) to the module it
names, and reports four rules:

(a) no import cycle between modules. An edge is an explicit import statement: ``import a.b`` and
    ``from a import b`` (``b`` a submodule) are edges to ``a.b`` only; ``from a import name`` is an
    edge to ``a`` (its ``__init__``). A submodule does not import its own package implicitly.
    Imports under ``if TYPE_CHECKING:`` never run, so they are not edges of a cycle (the other
    rules still see them); imports inside functions are.
(b) the engines are siblings: nothing in ``indexer/engines/whoosh/`` imports
    ``indexer/engines/opensearch/`` or ``opensearchpy``, and nothing in
    ``indexer/engines/opensearch/`` imports ``indexer/engines/whoosh/`` or ``whoosh`` (beyond
    ``whoosh.analysis``, the tokenizer framework tracuu's analyzers are built from).
(c) the engine-neutral modules, and the two that choose an engine (``indexer/__init__.py``,
    ``indexer/engines/__init__.py``), import no search library: ``whoosh`` beyond
    ``whoosh.analysis``, or ``opensearchpy``.
(d) the engine-neutral modules import no engine: nothing under ``indexer.engines.whoosh`` or
    ``indexer.engines.opensearch``, directly or through a name ``indexer/__init__.py``
    re-exports from one (``from indexer import IndexStore``). ``indexer``, ``indexer.engines``
    (``open_backend``) and ``indexer.engines.base`` (the ``Backend`` protocol) are fine.

Engine-neutral: every module but the two engines' packages and the two that choose an engine,
i.e. ``indexer/analysis/``, ``indexer/search/``, ``indexer/sources/``, ``indexer/crawl/``,
``indexer/document.py``, ``indexer/synonyms.py``, ``indexer/errors.py``, ``indexer/writing.py``,
``indexer/querylog.py``, ``indexer/engines/base.py``, ``webapp/`` and ``cli.py`` (and any
module added beside them).

``python tests/helpers/layout.py [ROOT]`` prints the report.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("indexer", "webapp")
MODULES = ("cli",)
ENGINES = {"whoosh": "indexer.engines.whoosh", "opensearch": "indexer.engines.opensearch"}
CHOOSERS = ("indexer", "indexer.engines")  # they pick an engine (open_backend) or re-export one
# The search library of each engine, and the part of it any module may use.
LIBRARIES = {"whoosh": "whoosh", "opensearch": "opensearchpy"}
SHARED_LIBRARY_PARTS = ("whoosh.analysis",)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: indexer.search.plan; a package is named by its __init__: indexer.search
    path: Path  # relative to the root
    is_package: bool

    @property
    def engine(self) -> str | None:
        return next((engine for engine, package in ENGINES.items() if _within(self.name, package)), None)

    @property
    def role(self) -> str:
        if self.engine:
            return f"{self.engine} engine"
        return "chooses an engine" if self.name in CHOOSERS else "engine-neutral"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # a module of the tree, or an outside dotted name (whoosh.query, opensearchpy.helpers)
    path: Path
    line: int
    internal: bool
    in_function: bool = False
    type_checking: bool = False
    via: str | None = None  # for a name re-exported by the target: the module it comes from
    statement: str = ""  # the import statement as written

    @property
    def where(self) -> str:
        return f"{self.path.as_posix()}:{self.line}"

    def describe(self) -> str:
        through = f"  (from {self.via}, through {self.target})" if self.via else ""
        return f"{self.where}  {self.statement}{through}"


def _one_per_statement(found: list[Import]) -> list[Import]:
    """Several names of one ``from X import a, b`` break a rule once."""
    seen, out = set(), []
    for item in found:
        if (item.where, item.via) not in seen:
            seen.add((item.where, item.via))
            out.append(item)
    return out


@dataclass
class Report:
    root: Path
    modules: dict[str, Module]
    imports: list[Import]
    unresolved: list[str] = field(default_factory=list)
    cycles: list[list[Import]] = field(default_factory=list)  # each: the edges of one cycle, in order
    cross_engine: list[Import] = field(default_factory=list)  # rule (b)
    neutral_libraries: list[Import] = field(default_factory=list)  # rule (c)
    neutral_engines: list[Import] = field(default_factory=list)  # rule (d)

    def format_cycle(self, cycle: list[Import]) -> str:
        names = " -> ".join([cycle[0].source] + [edge.target for edge in cycle])
        return names + "".join(f"\n      {edge.describe()}" for edge in cycle)

    RULES = {
        "a": "(a) import cycles",
        "b": "(b) one engine importing the other",
        "c": "(c) engine-neutral modules importing whoosh (beyond whoosh.analysis) or opensearchpy",
        "d": "(d) engine-neutral modules importing indexer.engines.whoosh or indexer.engines.opensearch",
    }

    def found(self, rule: str) -> list:
        """What breaks one rule ("a" to "d"): cycles (lists of edges) or import statements."""
        if rule == "a":
            return self.cycles
        return _one_per_statement({"b": self.cross_engine, "c": self.neutral_libraries, "d": self.neutral_engines}[rule])

    def rule_lines(self, rule: str) -> list[str]:
        found = self.found(rule)
        show = self.format_cycle if rule == "a" else Import.describe
        return [f"{self.RULES[rule]}: " + (f"{len(found)} found" if found else "none")] + [f"    {show(x)}" for x in found]

    def lines(self) -> list[str]:
        internal = [i for i in self.imports if i.internal]
        roles: dict[str, int] = {}
        for module in self.modules.values():
            roles[module.role] = roles.get(module.role, 0) + 1
        out = [f"import layout of {self.root}: {len(self.modules)} modules ("
               + ", ".join(f"{count} {role}" for role, count in sorted(roles.items())) + "), "
               f"{len(internal)} imports between them ({sum(i.in_function for i in internal)} inside functions, "
               f"{sum(i.type_checking for i in internal)} for type checking only)"]
        if self.unresolved:
            out.append("imports naming no module of the tree:")
            out += [f"    {line}" for line in self.unresolved]
        for rule in self.RULES:
            out += self.rule_lines(rule)
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


# -- reading the tree -------------------------------------------------------------------------------

def find_modules(root: Path) -> dict[str, Module]:
    """Every module of the packages (folders with an __init__.py all the way down) and of MODULES."""
    root = Path(root)
    modules: dict[str, Module] = {}
    for package in PACKAGES:
        top = root / package
        if not (top / "__init__.py").is_file():
            continue
        for file in sorted(top.rglob("*.py")):
            rel = file.relative_to(root)
            if any(not (root.joinpath(*rel.parts[:n]) / "__init__.py").is_file() for n in range(1, len(rel.parts))):
                continue  # inside a folder that is not a package
            parts = list(rel.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            modules[".".join(parts)] = Module(".".join(parts), rel, is_package)
    for name in MODULES:
        if (root / f"{name}.py").is_file():
            modules[name] = Module(name, Path(f"{name}.py"), False)
    return modules


def _is_internal(name: str) -> bool:
    return name.split(".")[0] in PACKAGES + MODULES


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Reader(ast.NodeVisitor):
    """Collects (statement, in_function, type_checking) for every import statement of a module."""

    def __init__(self):
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []
        self.functions = 0
        self.type_checking = 0

    def _function(self, node):
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If):
        if _is_type_checking(node.test):
            self.type_checking += 1
            for child in node.body:
                self.visit(child)
            self.type_checking -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node):
        self.found.append((node, self.functions > 0, self.type_checking > 0))

    visit_ImportFrom = visit_Import


def _from_base(module: Module, node: ast.ImportFrom) -> str | None:
    """The dotted module a ``from X import ...`` statement reads from (relative levels resolved)."""
    if not node.level:
        return node.module
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    if node.level - 1 >= len(package):
        return None  # above the top-level package
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _containing_module(name: str, modules: dict[str, Module]) -> str | None:
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in modules:
            return ".".join(parts[:n])
    return None


def read_imports(root: Path, modules: dict[str, Module]) -> tuple[list[Import], list[str]]:
    """Every import statement of every module, resolved; and those naming no module of the tree."""
    imports: list[Import] = []
    unresolved: list[str] = []
    statements: dict[str, list] = {}
    for module in modules.values():
        reader = _Reader()
        reader.visit(ast.parse((Path(root) / module.path).read_text(encoding="utf-8"), str(module.path)))
        statements[module.name] = reader.found

    # What each module's top-level ``from X import name`` statements make available under ``name``:
    # a re-export, followed by rule (d) (``from indexer import IndexStore``).
    reexports: dict[str, dict[str, str]] = {}
    for name, found in statements.items():
        module = modules[name]
        for node, in_function, _ in found:
            if in_function or not isinstance(node, ast.ImportFrom):
                continue
            base = _from_base(module, node)
            if base is None or not _is_internal(base):
                continue
            for alias in node.names:
                if alias.name != "*":
                    reexports.setdefault(name, {})[alias.asname or alias.name] = f"{base}.{alias.name}"

    def origin(dotted: str, seen=()) -> str | None:
        """The module a re-exported name finally comes from (None when the name is not re-exported)."""
        if dotted in modules:
            return dotted
        owner, _, attr = dotted.rpartition(".")
        source = reexports.get(owner, {}).get(attr)
        if source is None or source in seen:
            return None
        return origin(source, (*seen, source)) or _containing_module(source, modules)

    for name, found in statements.items():
        module = modules[name]
        for node, in_function, type_checking in found:
            def add(target: str, internal: bool, via: str | None = None):
                imports.append(Import(name, target, module.path, node.lineno, internal, in_function, type_checking, via,
                                      ast.unparse(node)))

            def note(what: str):
                unresolved.append(f"{module.path.as_posix()}:{node.lineno}: {what}")

            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not _is_internal(alias.name):
                        add(alias.name, False)
                    elif alias.name in modules:
                        add(alias.name, True)
                    else:
                        note(f"import {alias.name}")
                continue
            base = _from_base(module, node)
            if base is None:
                note(f"from {'.' * node.level}{node.module or ''} import ... (above the top-level package)")
                continue
            for alias in node.names:
                dotted = base if alias.name == "*" else f"{base}.{alias.name}"
                if not _is_internal(base):
                    add(dotted, False)
                elif dotted in modules:
                    add(dotted, True)  # a submodule: an edge to it alone
                elif base in modules:
                    found_in = origin(dotted)
                    add(base, True, found_in if found_in not in (None, base) else None)
                else:
                    note(f"from {base} import {alias.name}")
    return imports, unresolved


# -- the rules --------------------------------------------------------------------------------------

def find_cycles(imports: list[Import]) -> list[list[Import]]:
    """One shortest cycle per strongly connected component of the import graph (Tarjan)."""
    graph: dict[str, dict[str, Import]] = {}
    for edge in imports:
        if edge.internal and not edge.type_checking and edge.source != edge.target:
            graph.setdefault(edge.source, {}).setdefault(edge.target, edge)
            graph.setdefault(edge.target, {})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str):  # iterative Tarjan: deep import chains must not hit the recursion limit
        work = [(node, iter(sorted(graph[node])))]
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[current] = min(low[current], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[current])
            if low[current] == index[current]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == current:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)

    cycles = []
    for component in sorted(components):
        members, start = set(component), component[0]
        previous: dict[str, str] = {}
        queue, end = [start], None
        while queue and end is None:  # breadth first: the shortest way back to start
            current = queue.pop(0)
            for child in sorted(graph[current]):
                if child not in members:
                    continue
                if child == start:
                    end = current
                    break
                if child not in previous:
                    previous[child] = current
                    queue.append(child)
        path = [end]
        while path[-1] != start:
            path.append(previous[path[-1]])
        path.reverse()
        cycles.append([graph[a][b] for a, b in zip(path, path[1:] + [start])])
    return cycles


def _library_forbidden(target: str, library: str) -> bool:
    return _within(target, library) and not any(_within(target, part) for part in SHARED_LIBRARY_PARTS)


def check(root: Path | str) -> Report:
    root = Path(root)
    modules = find_modules(root)
    imports, unresolved = read_imports(root, modules)
    report = Report(root, modules, imports, unresolved, cycles=find_cycles(imports))
    for edge in imports:
        source = modules[edge.source]
        if source.engine:
            for other, package in ENGINES.items():
                if other == source.engine:
                    continue
                if (edge.internal and (_within(edge.target, package) or (edge.via and _within(edge.via, package)))) \
                        or (not edge.internal and _library_forbidden(edge.target, LIBRARIES[other])):
                    report.cross_engine.append(edge)
            continue
        if not edge.internal and any(_library_forbidden(edge.target, library) for library in LIBRARIES.values()):
            report.neutral_libraries.append(edge)
        if source.role == "engine-neutral" and edge.internal and any(
                _within(edge.target, package) or (edge.via and _within(edge.via, package)) for package in ENGINES.values()):
            report.neutral_engines.append(edge)
    return report


if __name__ == "__main__":
    print(check(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]).text())
