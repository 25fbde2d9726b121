"""Collection: sweep files and tests marked ``@pytest.mark.sweep`` into pytest items, one per trial.

`SweepFile` and `TrialItem` are a sweep file's nodes (`files`); `parametrize_sweep`
makes a marked test's cases (`marked`); both are made from a sweep prepared by
`prepare_sweep`, and `case_of` finds an item's trial again.
"""

from .files import COLLECTED, SweepFile, TrialItem, display_path, sweep_resources
from .marked import parametrize_sweep
from .prepare import CASE_ARGUMENT, case_of, prepare_sweep, search_method, slot_marks, sweep_marks, unmet_sets

__all__ = [
    "CASE_ARGUMENT",
    "COLLECTED",
    "SweepFile",
    "TrialItem",
    "case_of",
    "display_path",
    "parametrize_sweep",
    "prepare_sweep",
    "search_method",
    "slot_marks",
    "sweep_marks",
    "sweep_resources",
    "unmet_sets",
]
