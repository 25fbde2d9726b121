"""The controller: the process that gathers results, as a few parts that each do one thing.

That is the only process without xdist, the controller with it. It learns
that trials run from its own collection, from a worker's collected ids, or
from the first trial report (a marked test under xdist), so it never
depends on sweep files being among the ids.

- `TrialsFound`: the switch that turns the JSON report and SIGTERM handling on;
- `TrialLog`: every trial's latest record;
- `Announcer`: collection's notes and the time estimate;
- `Gatekeeper`: the gates, judged after the trials and reported as tests;
- `Reporter`: the report files and the terminal's ``sweeps`` section.
"""

from __future__ import annotations

import pytest

from .announcer import Announcer
from .context import SweepContext
from .gatekeeper import Gatekeeper
from .gathering import TrialLog
from .reporter import Reporter
from .session import TrialsFound


def controller_parts(config: pytest.Config, context: SweepContext) -> dict[str, object]:
    """The controller's parts, by the name each is registered under as a pytest plugin."""
    problems: list[str] = []
    found = TrialsFound(config, context)
    log = TrialLog(config, context, found)
    announcer = Announcer(config, context, found)
    gatekeeper = Gatekeeper(config, context, found, log, problems)
    reporter = Reporter(config, context, (found, log, announcer, gatekeeper), problems)
    return {
        "sweep-trials-found": found,
        "sweep-trial-log": log,
        "sweep-announcer": announcer,
        "sweep-gatekeeper": gatekeeper,
        "sweep-reporter": reporter,
    }
