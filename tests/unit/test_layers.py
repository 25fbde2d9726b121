"""The house rules: concept folders on floors, no import that climbs, pure layers without pytest, short modules."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import sweep_plugin

PACKAGE = Path(sweep_plugin.__file__).parent
# The floors, from the bottom: a module may import from its own floor's rooms and the floors below.
FLOORS: dict[str, int] = {
    **dict.fromkeys(("errors", "ids", "trial", "settings", "sniff"), 0),
    **dict.fromkeys(("space", "expressions", "records"), 1),
    "spec": 2,
    **dict.fromkeys(("search", "pruners", "running", "verdicts", "wandb_compat"), 3),
    **dict.fromkeys(("collection", "roles", "report"), 4),
    **dict.fromkeys(("plugin", "hookspecs", "cli", "__main__", "__init__"), 5),
}
PURE = ("spec", "space", "search", "verdicts", "records", "expressions", "pruners", "errors", "ids", "trial", "sniff")
MAX_LINES = 500


def modules() -> Iterator[tuple[str, Path]]:
    """Every module of the package by its room (its folder, or its own name at the top)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield parts[0], path


def imported_rooms(path: Path) -> Iterator[tuple[str, int]]:
    """The rooms of the package that ``path`` imports (type-only imports too), with the line."""
    package = path.relative_to(PACKAGE).parent.parts  # what a relative import is relative to
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - (node.level - 1)])
            target = [*base, *(node.module or "").split(".")] if node.module else base
            names = [target] if node.module else [[*base, alias.name] for alias in node.names]
            for name in names:
                yield (name[0] if name and name[0] else "__init__"), node.lineno
        elif isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for module in modules:
                if module and module.startswith("sweep_plugin."):
                    yield module.split(".")[1], node.lineno


def third_party(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module.split(".")[0], node.lineno


def test_every_room_has_a_floor() -> None:
    assert {room for room, _ in modules()} <= set(FLOORS)


def test_no_import_climbs_to_a_higher_floor() -> None:
    climbing = [
        f"{path.relative_to(PACKAGE)}:{line} imports {target} (floor {FLOORS[target]} over {FLOORS[room]})"
        for room, path in modules()
        for target, line in imported_rooms(path)
        if FLOORS.get(target, 0) > FLOORS[room]
    ]
    assert climbing == []


def test_the_rooms_import_each_other_without_a_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for room, path in modules():
        graph.setdefault(room, set()).update(t for t, _ in imported_rooms(path) if t != room and t != "__init__")
    graphlib.TopologicalSorter(graph).static_order()  # raises CycleError


@pytest.mark.parametrize("room", PURE)
def test_pure_layers_import_no_pytest(room: str) -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for owner, path in modules()
        if owner == room
        for name, line in third_party(path)
        if name in ("pytest", "_pytest", "pluggy", "xdist")
    ]
    assert found == []


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for _, path in modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize("folder", sorted({room for room, path in modules() if path.parent != PACKAGE}))
def test_a_concept_folder_reexports_its_public_names(folder: str) -> None:
    import importlib

    module = importlib.import_module(f"sweep_plugin.{folder}")
    assert module.__all__, f"sweep_plugin.{folder} names no public names"
    for name in module.__all__:
        assert getattr(module, name) is not None


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("sweep_plugin", ["Trial", "SweepError", "SweepWarning", "__version__"]),
        ("sweep_plugin.plugin", ["pytest_addoption", "pytest_collect_file", "sweep_trial", "sweep_config"]),
        ("sweep_plugin.hookspecs", ["pytest_sweep_search_method", "pytest_sweep_record", "pytest_sweep_finish"]),
        ("sweep_plugin.search", ["SearchMethod", "PlannedSearch", "Slot", "TrialPlan", "plan_trials"]),
        ("sweep_plugin.records", ["Record", "Metric", "Goal", "Outcome"]),
    ],
)
def test_the_public_import_paths_keep_working(module: str, names: list[str]) -> None:
    import importlib

    imported = importlib.import_module(module)
    assert [name for name in names if not hasattr(imported, name)] == []


def test_the_plugins_warnings_are_one_category_to_silence() -> None:
    from sweep_plugin import SweepWarning
    from sweep_plugin.report import SweepReportWarning

    assert issubclass(SweepReportWarning, SweepWarning) and issubclass(SweepWarning, UserWarning)
