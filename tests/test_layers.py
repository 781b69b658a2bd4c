"""The package's layers: imports run one way, read from the source without importing it.

core (pure Python) <- data <- model;  core <- predict, draw;  cli on top, imported by nothing.
Every import counts, also those inside functions: an import hidden in a function still ties
two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bicep_twitch"
BASE = {"_errors", "_io", "_version"}
# Which layers each layer may import (besides itself and the base modules).
ALLOWED = {
    "core": set(),
    "data": {"core"},
    "model": {"core", "data"},
    "predict": {"core", "data"},
    "draw": {"core"},
    "cli": {"core", "data", "model", "predict", "draw"},
}
HEAVY = ("sklearn", "joblib")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level) for every import in the file, relative ones resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    # An import under `if TYPE_CHECKING:` never runs; one in a function runs when it is called.
    guarded = {
        id(inner)
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
                # `from . import x` may name a module x of that package.
                targets = [stem] + [f"{stem}.{a.name}" for a in node.names]
            else:
                targets = [node.module]
        else:
            continue
        found += [(t, id(node) in top_level) for t in targets]
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _edges(*, module_level_only: bool = False) -> dict[str, set[str]]:
    edges = {}
    for name, path in MODULES.items():
        edges[name] = {
            t for t, top in _imports(path) if t in MODULES and t != name and (top or not module_level_only)
        }
    return edges


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bicep_twitch"


def test_every_module_is_read():
    assert {"bicep_twitch.core.triage", "bicep_twitch.predict.predictor", "bicep_twitch.cli"} <= set(MODULES)


def test_no_import_cycles():
    edges = _edges()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_layers_import_only_the_layers_below():
    wrong = []
    for module, targets in _edges().items():
        layer = _layer(module)
        if layer not in ALLOWED:
            continue
        for target in targets:
            other = _layer(target)
            if other != layer and other not in BASE and other not in ALLOWED[layer]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers: " + ", ".join(sorted(wrong))


def test_cli_is_imported_by_nothing_but_the_entry_points():
    importers = sorted(
        module for module, targets in _edges().items()
        if _layer(module) != "cli" and module != "bicep_twitch.__main__" and any(_layer(t) == "cli" for t in targets)
    )
    assert importers == []


@pytest.mark.parametrize("layer", ["core", "predict", "draw"])
def test_no_scikit_learn_at_module_level(layer):
    """Importing these layers (also through what they import at module level) loads no scikit-learn."""
    edges = _edges(module_level_only=True)
    heavy = {
        name for name, path in MODULES.items()
        if any(top and t.split(".")[0] in HEAVY for t, top in _imports(path))
    }
    for module in (m for m in MODULES if _layer(m) == layer):
        seen, todo = set(), [module]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            assert current not in heavy, f"{module} imports scikit-learn at module level (through {current})"
            todo += edges[current]


def test_core_is_pure_python():
    """The core imports neither numpy nor pandas at module level: one case needs neither."""
    for name, path in MODULES.items():
        if _layer(name) == "core":
            heavy = [t for t, top in _imports(path) if top and t.split(".")[0] in ("numpy", "pandas", *HEAVY)]
            assert not heavy, f"{name} imports {heavy} at module level"
