"""Trial records: the one schema, how a trial ends, the result store and what is read back from it.

A record is a dict of JSON builtins (`Record`) that crosses xdist's channel,
lands in pytest-json-report's per-test ``metadata`` and in the store. This
package is pure Python: it imports no pytest.
"""

from .estimate import RECENT_SESSIONS, Estimate, SessionTime, estimate, session_time
from .outcomes import ExpectationFailed, Pruned, SlotTaken, TrialCrashed, TrialEnded, TrialError
from .resume import Found, Wanted, find_latest, find_stored
from .schema import (
    DEFAULT_GOAL,
    FINISHED,
    GOALS,
    MAX_TEXT,
    OUTCOMES,
    Goal,
    Identity,
    Metric,
    Outcome,
    Record,
    bounded,
    by_sweep,
    cut,
    finite,
    is_number,
    make_record,
    normalize_record,
    parse_nodeid,
    sweep_key,
    unknown_identity,
)
from .store import MEMORY, ResultStore, StoreError

__all__ = [
    "DEFAULT_GOAL",
    "FINISHED",
    "GOALS",
    "MAX_TEXT",
    "MEMORY",
    "OUTCOMES",
    "RECENT_SESSIONS",
    "Estimate",
    "ExpectationFailed",
    "Found",
    "Goal",
    "Identity",
    "Metric",
    "Outcome",
    "Pruned",
    "Record",
    "ResultStore",
    "SessionTime",
    "SlotTaken",
    "StoreError",
    "TrialCrashed",
    "TrialEnded",
    "TrialError",
    "Wanted",
    "bounded",
    "by_sweep",
    "cut",
    "estimate",
    "find_latest",
    "find_stored",
    "finite",
    "is_number",
    "make_record",
    "normalize_record",
    "parse_nodeid",
    "session_time",
    "sweep_key",
    "unknown_identity",
]
