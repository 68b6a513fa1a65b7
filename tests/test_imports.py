"""Imports point one way: no module of the package imports, at module level, one that
imports it back (directly or through others); packages import only the layers before
them in data-flow order; and modules stay small enough to hold one concept."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "provenance"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    files = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    # Compiled submodules (provenance._native) are leaves: known by their type stubs.
    compiled = {_module_name(path) for path in PACKAGE.rglob("*.pyi")} - set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        deps: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "provenance":
                for alias in node.names:  # "from provenance import _native" imports the submodule
                    target = f"{node.module}.{alias.name}"
                    deps.add(target if target in files or target in compiled else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names if alias.name.split(".")[0] == "provenance")
        graph[name] = {dep for dep in deps if dep in files and dep != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    assert len(graph) > 40  # the walk found the package
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


#: The package's layers in data-flow order (README, "Architecture"): a module may import
#: its own layer and the ones before it, never a later one, wherever the import sits
#: (a lazy import inside a function is still an arrow).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"_version", "_native", "errors", "config", "records"}),
    frozenset({"ingest"}),
    frozenset({"pipeline"}),
    frozenset({"store"}),
    frozenset({"execution"}),
    frozenset({"scanning", "settings", "workspace"}),
    frozenset({"report"}),
    frozenset({"ci"}),
    frozenset({"cli"}),
    frozenset({"", "__main__"}),  # the package itself: the public API and ``python -m provenance``
)


def _layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for number, layer in enumerate(LAYERS):
        if part in layer:
            return number
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS (and the README's architecture)")


def _all_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "provenance":
            found.update(f"{node.module}.{alias.name}" if node.module == "provenance" else node.module for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "provenance")
    return found


def test_imports_point_down_the_layers():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        for target in sorted(_all_imports(path)):
            if _layer(target) > _layer(name):
                upward.append(f"{name} -> {target}")
    assert upward == []


MAX_LINES = 400


def test_no_module_is_over_400_lines():
    long = {str(path.relative_to(PACKAGE.parent)): n for path in sorted(PACKAGE.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these into modules of one concept each: {long}"
