"""The package layout: dependencies point one way, and the report formats come from one registry."""

from __future__ import annotations

import ast
from pathlib import Path

import legalcheck
from legalcheck._cli import FORMATS
from legalcheck._report.registry import Reporter, lookup, names

PACKAGE = Path(legalcheck.__file__).parent

# Lowest first: a unit may import from its own layer or any layer before it, never after.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"_core"}),  # errors, paths, safe YAML, bilingual text, vocabulary
    frozenset({"_model"}),  # case, loader, ledger, findings
    frozenset({"_facts"}),  # facts and the condition language over them
    frozenset({"_dates"}),  # calendar, periods
    frozenset({"_law"}),  # regulations, rules, duties, coverage
    frozenset({"_engines"}),
    frozenset({"_evaluation"}),
    frozenset({"_batch"}),
    frozenset({"_report"}),
    frozenset({"_api", "_dask"}),
    frozenset({"_cli"}),
    frozenset({"__init__", "__main__", "dask"}),  # the public surface
)
RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def _unit(module: str) -> str:
    """``legalcheck._law.rules`` -> ``_law``: the top-level package or module a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every legalcheck module ``path`` imports, at module level or inside a function."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "legalcheck"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "legalcheck":
                found.add(target)
                found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = _unit(_module_name(path))
        targets = {_unit(target) for target in _imports(path) if target != "legalcheck"}
        graph.setdefault(source, set()).update(t for t in targets if t != source and t in RANK)
    return graph


def test_every_module_belongs_to_a_declared_layer() -> None:
    assert set(_graph()) <= set(RANK), set(_graph()) - set(RANK)


def test_imports_point_down_the_layers_only() -> None:
    upward = sorted((source, target) for source, targets in _graph().items()
                    for target in targets if RANK[target] > RANK[source])
    assert upward == []


def test_the_package_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            assert state.get(target) != 1, " -> ".join([*path, node, target])
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_graph_sees_function_level_imports() -> None:
    # The CLI imports most reporters and the cluster runner inside functions.
    assert "_dask" in _graph()["_cli"]


def test_formats_come_from_the_registry() -> None:
    assert FORMATS == names() == ("text", "json", "jsonl", "markdown", "html", "xlsx", "pdf")
    for name in names():
        reporter = lookup(name)
        assert isinstance(reporter, Reporter) and reporter.name == name
    assert [name for name in names() if lookup(name).streams] == ["text", "jsonl"]
    assert [name for name in names() if lookup(name).writes_file] == ["xlsx", "pdf"]


def test_the_readme_map_lists_every_module() -> None:
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## How it works", 1)[1].split("\n\n", 3)[2]
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if path.name == "__init__.py" and path.parent != PACKAGE:
            relative = path.parent.relative_to(PACKAGE).as_posix() + "/"
        assert f"`{relative}`" in table, f"README's map does not list {relative}"
