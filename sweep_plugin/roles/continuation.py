"""A continuation's report describes the sweep, not the session.

``--lf``, ``--ff``, ``-k``, node ids and ``--sweep-resume`` run part of a
sweep whose other trials ran before. Their report would otherwise describe
the part alone: a failed trial named best, importance from two trials. So
after collection, every trial of the sweeps the session touched that it does
not run gets its newest stored result (any outcome, the same config and code),
marked ``carried`` with when and in which session it ran. Carried results are
shown, never judged again and never counted in the exit status. An adaptive
slot, whose parameters the study draws, is carried only where ``--sweep-resume``
knows them (its config is then checked as any other's).

``-m`` picks a different set of trials (the quick sweep in CI), not a part of
the same run, so a session with only ``-m`` is its own report, and trials
``-m`` leaves out are never carried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ..collection import COLLECTED, case_of
from ..records import Record, Wanted, find_latest

if TYPE_CHECKING:
    from ..records import ResultStore


def continuation(config: pytest.Config, resume: bool) -> str:
    """What makes this session a continuation of earlier ones (an option's name), or ``""``."""
    if config.getoption("lf", False):
        return "--lf"
    if config.getoption("failedfirst", False):
        return "--ff"
    if getattr(config.option, "keyword", ""):
        return "-k"
    if resume:
        return "--sweep-resume"
    if any("::" in str(arg) for arg in config.args):
        return "node ids"
    return ""


def carried_records(
    config: pytest.Config, ran: list[pytest.Item], resumed: list[Record], store: ResultStore, before: float
) -> list[Record]:
    """The newest stored results of the trials of the sweeps in ``ran`` or ``resumed`` that this session leaves out."""
    collected = {item.nodeid: item for item in config.stash.get(COLLECTED, [])}
    chosen = {item.nodeid for item in ran} | {record["nodeid"] for record in resumed}
    touched = {id(case.sweep) for nodeid in chosen if (case := _case(collected.get(nodeid)))}
    wanted: list[Wanted[str]] = []
    for nodeid, item in collected.items():
        case = case_of(item)
        if nodeid in chosen or case is None or id(case.sweep) not in touched or case.sweep.target is None:
            continue
        if not _marks_select(item, config):
            continue
        params = case.sweep.method.resumable(case.slot)
        if params is not None:  # an adaptive slot's parameters are the study's: its config cannot be checked
            wanted.append(Wanted(nodeid, case.sweep.spec.trial_hash(params), case.sweep.target.code))
    return list(find_latest(store, wanted, before).values()) if wanted else []


def _case(item: pytest.Item | None) -> Any:
    return case_of(item) if item is not None else None


def _marks_select(item: pytest.Item, config: pytest.Config) -> bool:
    """Whether ``-m`` (if given) selects ``item``, judged as pytest judges it.

    pytest has no public API for this; where its internals moved, nothing
    is carried from a session with ``-m`` (a report of less, never of more).
    """
    expression = config.option.markexpr
    if not expression:
        return True
    try:
        from _pytest.mark import MarkMatcher
        from _pytest.mark.expression import Expression

        return bool(Expression.compile(expression).evaluate(MarkMatcher.from_markers(item.iter_markers())))
    except Exception:
        return False
