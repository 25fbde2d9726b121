"""A sweep prepared for pytest: its search method (from the plugins' hook), plan, marks and target.

Both kinds of trial items are made here: a sweep file's `TrialItem`s and the
parametrized cases of a test marked ``@pytest.mark.sweep``. Each carries a
`TrialCase`, found again by `case_of`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..running import PytestExpectationFailed, SweepRun, TrialCase, load_target
from ..search import no_such_method
from ..spec import parse_sets, unmatched, with_sets

if TYPE_CHECKING:
    from ..search import SearchMethod, Slot
    from ..settings import Settings
    from ..spec import SweepSpec

CASE_ARGUMENT = "_sweep_case"  # what a marked test is parametrized over

Marks = tuple[pytest.MarkDecorator, ...]


def case_of(item: pytest.Item) -> TrialCase | None:
    """The trial an item runs (a sweep file's trial or a marked test's), or None."""
    case = getattr(item, "sweep_case", None)
    if case is None:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get(CASE_ARGUMENT) if callspec is not None else None
    return case if isinstance(case, TrialCase) else None


def prepare_sweep(
    spec: SweepSpec, owner: str, config: pytest.Config, settings: Settings, *, with_target: bool
) -> tuple[SweepRun, Marks]:
    """The search method, plan and (for a sweep file) target of ``spec`` (with ``--sweep-set`` applied), and its
    marks; `SweepError` if bad."""
    spec = overridden(spec, config, settings)
    method = search_method(spec, config)
    plan = method.plan()
    importlib_mode = str(config.getoption("importmode", "prepend")) == "importlib"
    target = load_target(spec, settings.rootdir, importlib_mode) if with_target else None
    return SweepRun(spec, owner, method, plan, target, settings.report_dir), sweep_marks(spec, settings, config)


# What ``--sweep-set`` met at collection: the paths some sweep had, and every sweep seen (for the error if not).
SETS_MET = pytest.StashKey[tuple[set[str], dict[str, "SweepSpec"]]]()


def overridden(spec: SweepSpec, config: pytest.Config, settings: Settings) -> SweepSpec:
    """``spec`` with the ``--sweep-set`` overrides it has, noted for `unmet_sets`."""
    if not settings.sets:
        return spec
    spec, applied = with_sets(spec, parse_sets(settings.sets))
    met, seen = config.stash.setdefault(SETS_MET, (set(), {}))
    met |= applied
    seen[spec.key] = spec
    return spec


def unmet_sets(config: pytest.Config, settings: Settings) -> str:
    """The error for command-line ``--sweep-set`` paths that none of the sweeps collected here has; "" if all met.

    The ini file's ``sweep_set`` applies where it applies (a team's default), and a session that collected
    no sweep has nothing to override.
    """
    met, seen = config.stash.get(SETS_MET, (set(), {}))
    if not settings.sets_given or not seen:
        return ""
    return unmatched(parse_sets(settings.sets_given), met, seen)


def search_method(spec: SweepSpec, config: pytest.Config) -> SearchMethod:
    """The method that plugins (ours first-registered, so last asked) give for ``spec.method``."""
    method: SearchMethod | None = config.hook.pytest_sweep_search_method(spec=spec, config=config)
    if method is None:
        raise no_such_method(spec.method)
    return method


def sweep_marks(spec: SweepSpec, settings: Settings, config: pytest.Config) -> Marks:
    """The marks every trial of ``spec`` carries; ``quick`` is added per trial."""
    marks = [pytest.mark.full, *(getattr(pytest.mark, name) for name in spec.marks)]
    timeout = spec.timeout or settings.timeout
    if timeout and config.pluginmanager.hasplugin("timeout"):
        marks.append(pytest.mark.timeout(timeout))
    if spec.retries and config.pluginmanager.hasplugin("rerunfailures"):
        marks.append(pytest.mark.flaky(reruns=spec.retries, rerun_except=[PytestExpectationFailed]))
    return tuple(marks)


def slot_marks(marks: Marks, slot: Slot) -> Marks:
    """The marks of one trial: the sweep's, and ``quick`` inside the quick subset."""
    return (*marks, pytest.mark.quick) if slot.quick else marks
