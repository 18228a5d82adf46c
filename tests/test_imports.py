"""No import cycles: none in the package at import time, and none hidden in the request package."""

from __future__ import annotations

import ast
from pathlib import Path

import careerlink

PACKAGE_DIR = Path(careerlink.__file__).parent
CONNECTIONS = "careerlink.connections"


def module_names() -> dict[str, Path]:
    """Every module of the careerlink package, by dotted name."""
    names = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


class _ModuleLevelImports(ast.NodeVisitor):
    """Collects the imports that run when the module is imported."""

    def __init__(self):
        self.found: list[ast.Import | ast.ImportFrom] = []

    def visit_Import(self, node):  # noqa: N802 (ast's name)
        self.found.append(node)

    def visit_ImportFrom(self, node):  # noqa: N802 (ast's name)
        self.found.append(node)

    def visit_FunctionDef(self, node):  # noqa: N802 (ast's name)
        """A function body runs later, not at import."""

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815
    visit_Lambda = visit_FunctionDef  # noqa: N815

    def visit_If(self, node):  # noqa: N802 (ast's name)
        if "TYPE_CHECKING" not in ast.unparse(node.test):
            self.generic_visit(node)


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    visitor = _ModuleLevelImports()
    visitor.visit(tree)
    return visitor.found


def import_graph() -> dict[str, set[str]]:
    """Module -> the careerlink modules importing it runs (parent packages included)."""
    names = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        edges: set[str] = set()
        for node in _module_level_imports(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif node.module:
                base = node.module
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target not in names:
                    continue
                # Importing a.b.c runs a.b first; a module's own packages are already running.
                parts = target.split(".")
                for i in range(2, len(parts) + 1):
                    dotted = ".".join(parts[:i])
                    if dotted in names and not name.startswith(dotted + ".") and dotted != name:
                        edges.add(dotted)
        graph[name] = edges
    return graph


def cycles_through(graph: dict[str, set[str]], prefix: str) -> list[list[str]]:
    """Every elementary path from a module under `prefix` back to itself (one per start)."""
    found = []
    for start in sorted(n for n in graph if n == prefix or n.startswith(prefix + ".")):
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    found.append([*path, start])
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_no_import_cycle_runs_through_the_request_package():
    assert cycles_through(import_graph(), CONNECTIONS) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"careerlink.connections.a": {"x"}, "x": {"careerlink.connections.a"}}
    assert cycles_through(graph, CONNECTIONS) == [
        ["careerlink.connections.a", "x", "careerlink.connections.a"]
    ]


def test_no_function_local_imports_in_the_request_package():
    local = []
    for name, path in module_names().items():
        if not name.startswith(CONNECTIONS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                local += [
                    f"{name}.{node.name}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert local == []


def test_no_module_level_import_cycle_anywhere_in_the_package():
    """The whole package, not only requests: importing any module never loops back."""
    assert cycles_through(import_graph(), "careerlink") == []
