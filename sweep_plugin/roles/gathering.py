"""`TrialLog`: every trial's latest record, as reports arrive on the process that gathers results.

It learns that trials run from their reports, whichever worker ran them:
the setup report carries a trial's identity, the report that ends it its
record; a trial whose worker died is known by its identity and recorded as
crashed. Results ``--sweep-resume`` reused, and the stored results a
continuation carries for the trials it does not run, arrive from collection. At the
end the store fills in what a lost report did not bring.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..records import (
    Identity,
    Outcome,
    Record,
    ResultStore,
    StoreError,
    make_record,
    normalize_record,
    unknown_identity,
)
from .context import SweepContext
from .session import TrialsFound


class TrialLog:
    """The latest record of every trial, by node id; each final one told to the ``pytest_sweep_record`` hook."""

    def __init__(self, config: pytest.Config, context: SweepContext, found: TrialsFound) -> None:
        self.config = config
        self.context = context
        self.found = found
        self.identities: dict[str, Identity] = {}  # trials that started, by node id
        self.records: dict[str, Record] = {}
        self.heard_from_worker = False

    def gather(self, record: Record, final: bool = True) -> None:
        """Keep ``record`` as its trial's latest, and tell the ``pytest_sweep_record`` hook if it is final."""
        self.records[record["nodeid"]] = record
        if final:
            self.config.hook.pytest_sweep_record(record=record, config=self.config)

    def pytest_collection_finish(self) -> None:
        """Without xdist: the results ``--sweep-resume`` reused here, and a continuation's carried ones."""
        for record in self.context.resumed:
            self.gather(record)
        self._carry(self.context.carried)

    def _carry(self, carried: list[Record]) -> None:
        """Keep the stored results a continuation shows for the trials it did not run (not told to the hook:
        they are not this session's)."""
        for record in carried:
            self.records.setdefault(record["nodeid"], record)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Under xdist: what the first worker that ends found at collection (they all collected alike):
        the results ``--sweep-resume`` reused, and the notes for the user."""
        output = getattr(node, "workeroutput", None)
        if not output or "sweep_resumed" not in output or self.heard_from_worker:
            return
        self.heard_from_worker = True
        if output.get("sweep_usage_error"):
            self.context.usage_errors.append(output["sweep_usage_error"])
        self.context.notes.extend(output["sweep_notes"])
        self.context.resumed.extend(output["sweep_resumed"])
        if output["sweep_resumed"]:
            self.found.now()
        for record in output["sweep_resumed"]:
            self.gather(record)
        self.context.carried.extend(output.get("sweep_carried", []))
        self._carry(output.get("sweep_carried", []))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each trial's identity as it starts and its record as it ends; a dead worker's trial crashed."""
        identity = getattr(report, "sweep_identity", None)
        if identity is not None:
            self.identities[report.nodeid] = identity
            self.found.now()
            return
        record = getattr(report, "sweep_record", None)
        if record is None and self._crashed(report):
            record = self._crashed_record(report)
        if record is not None:
            self.found.now()
            self.gather(record, final=str(report.outcome) != "rerun")

    def _crashed(self, report: pytest.TestReport) -> bool:
        """A report xdist made for a worker that died running a trial (not one rerunfailures retries)."""
        if str(report.when) != "???" or str(report.outcome) == "rerun":
            return False
        return report.nodeid in self.identities or self.context.settings.is_sweep_file(report.nodeid)

    def _crashed_record(self, report: pytest.TestReport) -> Record:
        identity = self.identities.get(report.nodeid) or unknown_identity(report.nodeid)
        message = str(report.longrepr).strip().splitlines()
        return make_record(
            identity,
            outcome=Outcome.CRASHED,
            message=message[0] if message else "worker crashed",
            duration_s=report.duration,
        )

    def all_records(self) -> list[Record]:
        """This session's records: from the reports, filled in from the store (a lost report loses nothing)."""
        settings = self.context.settings
        if settings.store:
            store = ResultStore(settings.store_path)
            try:
                stored = store.session_records(self.context.run.session)
            except StoreError:  # the worker said so when it could not write it; the reports hold the records
                stored = []
            finally:
                store.close()
            for raw in stored:
                if raw.get("nodeid") not in self.records:
                    self.gather(normalize_record(raw))
        return list(self.records.values())

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        """Give every trial's test in report.json its final record (a crashed one's too)."""
        for test in json_report.get("tests", []):
            if test.get("nodeid") in self.records:
                test["metadata"] = self.records[test["nodeid"]]
