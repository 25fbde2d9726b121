"""MLflow tracking (``--sweep-mlflow URI``): one parent run per sweep, one nested run per trial.

Every process logs the trials it ran, through ``MlflowClient`` with explicit
run ids rather than MLflow's process-global active run, which one xdist
worker cannot share with another. No lock is held while MLflow is called (a
server that hangs would make every worker wait on the one that waits on
it): a process that finds no parent run for its sweep makes one, then all
take the oldest of the session's parents for the sweep, and a process whose
own was not chosen deletes it. The controller adds the report's plots to the
parents and ends them after the session.

MLflow is imported only when the option is given. If tracking fails (a
server that does not answer), the trials go on: the first process to find
out says so, in the warnings summary, and leaves a note in the report folder
(`GIVEN_UP`) so the session's other processes do not wait on the server too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..records import Outcome, by_sweep, finite, sweep_key

EXPERIMENT = "sweep_plugin"
PARENT_TAG = "sweep_plugin.parent"
SESSION_TAG = "sweep_plugin.session"
SWEEP_TAG = "sweep_plugin.sweep"
STATUS = {"passed": "FINISHED", "failed": "FAILED", "pruned": "KILLED", "skipped": "KILLED"}  # else FAILED
_NOT_MLFLOW = re.compile(r"[^\w\-. /:]")
RETRIES = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}  # unless the user set them
GIVEN_UP = ".mlflow-unreachable"  # in the report folder: the session that gave MLflow up, and why


class TrackingFailed(Exception):
    """MLflow could not be reached or refused a call: tracking stops for this process."""


class Tracker:
    """Logs trials of one session to MLflow at ``uri`` (one instance per process)."""

    def __init__(self, uri: str, session: str, report_dir: Path) -> None:
        self.uri = uri
        self.session = session
        self.report_dir = report_dir
        self.failed: str | None = None  # why tracking stopped, once it has
        self._client: Any = None
        self._experiment: str | None = None
        self._parents: dict[str, str] = {}  # sweep key -> parent run id

    @property
    def client(self) -> Any:
        if self._client is None:
            for name, value in RETRIES.items():  # a server that does not answer costs seconds, not minutes
                os.environ.setdefault(name, value)
            with warnings.catch_warnings():  # MLflow's own deprecation noise is not the user's to read
                warnings.simplefilter("ignore", DeprecationWarning)
                from mlflow.tracking import MlflowClient

                self._client = MlflowClient(tracking_uri=self.uri)
        return self._client

    @property
    def experiment(self) -> str:
        if self._experiment is None:
            found = self.client.get_experiment_by_name(EXPERIMENT)
            if found is None:
                try:
                    made: str = self.client.create_experiment(EXPERIMENT)
                    self._experiment = made
                    return made
                except Exception:  # another process made it first
                    found = self.client.get_experiment_by_name(EXPERIMENT)
                    if found is None:
                        raise
            self._experiment = found.experiment_id
        return self._experiment

    def log_trial(self, record: Mapping[str, Any]) -> None:
        """One nested run under its sweep's parent: params, metrics, history, outcome, the trial's folder."""
        if self._given_up():
            return
        try:
            self._log_trial(record)
        except Exception as exc:  # any failure of the tracking server must leave the trials alone
            raise self._give_up(exc) from None

    def _log_trial(self, record: Mapping[str, Any]) -> None:
        from mlflow.entities import Metric, Param

        parent = self.parent(record)
        tags = {
            "mlflow.parentRunId": parent,
            SWEEP_TAG: sweep_key(record),
            SESSION_TAG: self.session,
            "sweep_plugin.trial": str(record["trial"]),
            "sweep_plugin.nodeid": str(record["nodeid"]),
            "sweep_plugin.outcome": str(record["outcome"]),
            "sweep_plugin.message": str(record.get("message") or "")[:5000],
        }
        run = self.client.create_run(self.experiment, run_name=str(record["trial"]), tags=tags)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        params = [Param(mlflow_name(k), _param_text(v)) for k, v in record["params"].items()]
        points = list(history_points(record))
        history = record.get("history") or ()
        last_step = max((_step(entry, index) for index, entry in enumerate(history)), default=-1) + 1
        metrics = [Metric(mlflow_name(name), value, now, step) for name, value, step in points]
        metrics += [Metric(mlflow_name(name), value, now, last_step) for name, value in final_metrics(record, points)]
        self.client.log_batch(run_id, metrics=metrics, params=params)  # (MLflow splits it into allowed sizes)
        folder = self.report_dir / str(record.get("dir") or "")  # (the record's folder is relative to the report)
        if record.get("dir") and folder.is_dir() and any(folder.iterdir()):
            self.client.log_artifacts(run_id, str(folder))
        self.client.set_terminated(run_id, STATUS.get(str(record["outcome"]), "FAILED"))

    def parent(self, record: Mapping[str, Any]) -> str:
        """The sweep's parent run of this session: found, or made, and the oldest one kept if several were."""
        key = sweep_key(record)
        if key not in self._parents:
            found = self.parents().get(key)
            if found is None:
                made = self._make_parent(key, record)
                found = self.parents().get(key, made)
                if found != made:  # another process made one first: every process takes the oldest
                    self.client.delete_run(made)
            self._parents[key] = found
        return self._parents[key]

    def _make_parent(self, key: str, record: Mapping[str, Any]) -> str:
        tags = {PARENT_TAG: "true", SESSION_TAG: self.session, SWEEP_TAG: key, "sweep_plugin.file": str(record["file"])}
        run = self.client.create_run(self.experiment, run_name=str(record["sweep"]), tags=tags)
        return str(run.info.run_id)

    def parents(self) -> dict[str, str]:
        """This session's parent runs, by sweep key (on the controller, after the workers logged)."""
        query = f"tags.`{PARENT_TAG}` = 'true' and tags.`{SESSION_TAG}` = '{self.session}'"
        runs = self.client.search_runs([self.experiment], filter_string=query, max_results=1000)
        oldest_last = sorted(runs, key=lambda run: (run.info.start_time or 0, run.info.run_id), reverse=True)
        return {run.data.tags[SWEEP_TAG]: run.info.run_id for run in oldest_last}

    def finish(self, records: Sequence[Mapping[str, Any]], report_dir: Path | None) -> None:
        """End the parents: the best trial's metric and the report's plots of each sweep on its parent."""
        if self._given_up():
            return
        try:
            self._finish(records, report_dir)
        except Exception as exc:
            raise self._give_up(exc) from None

    def _give_up(self, exc: Exception) -> TrackingFailed:
        """Stop tracking here, and leave the note that stops it in the session's other processes."""
        self.failed = f"MLflow tracking at {self.uri} stopped: {type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError):
            self.report_dir.mkdir(parents=True, exist_ok=True)
            (self.report_dir / GIVEN_UP).write_text(f"{self.session}\n{self.failed}\n", encoding="utf-8")
        return TrackingFailed(self.failed)

    def _given_up(self) -> bool:
        """Whether this process, or another of the session, has given MLflow up (said once, by that one)."""
        if self.failed is None:
            with contextlib.suppress(OSError):
                session, _, why = (self.report_dir / GIVEN_UP).read_text(encoding="utf-8").partition("\n")
                if session == self.session:
                    self.failed = why.strip()
        return self.failed is not None

    def _finish(self, records: Sequence[Mapping[str, Any]], report_dir: Path | None) -> None:
        from ..report.grouping import outcome_counts

        grouped = {f"{file}::{sweep}": its for (file, sweep), its in by_sweep(records).items()}
        for key, run_id in self.parents().items():
            its = grouped.get(key, [])
            counts = outcome_counts(its)
            for outcome, count in counts.items():
                self.client.log_metric(run_id, f"trials.{outcome}", count)
            folder = sweep_folder(its)
            if report_dir is not None and folder is not None:
                for png in sorted((report_dir / folder).glob("*.png")):
                    self.client.log_artifact(run_id, str(png), "report")
            failed = any(outcome not in (Outcome.PASSED, Outcome.PRUNED, Outcome.SKIPPED) for outcome in counts)
            self.client.set_terminated(run_id, "FAILED" if failed else "FINISHED")


def sweep_folder(records: list[Mapping[str, Any]]) -> str | None:
    """The report folder of a sweep, from where its trials wrote (``<report>/<folder>/trials/<trial>``)."""
    for record in records:
        if record.get("dir"):
            return Path(str(record["dir"])).parent.parent.name
    return None


def mlflow_name(name: object) -> str:
    """A metric or parameter name MLflow takes: letters, digits and ``_ - . / :`` and spaces; others become ``_``."""
    return _NOT_MLFLOW.sub("_", str(name)) or "_"


def _step(entry: Mapping[str, Any], index: int) -> int:
    step = entry.get("step", index)
    return int(step) if isinstance(step, int | float) and float(step).is_integer() else index


def history_points(record: Mapping[str, Any]) -> Iterator[tuple[str, float, int]]:
    """Every finite logged value as (metric, value, step)."""
    for index, entry in enumerate(record.get("history") or ()):
        step = _step(entry, index)
        for name, value in entry.items():
            if name != "step" and finite(value) is not None:
                yield str(name), float(value), step


def final_metrics(record: Mapping[str, Any], points: Sequence[tuple[str, float, int]]) -> Iterator[tuple[str, float]]:
    """The final metrics that differ from the last logged value (those are in ``points``, the history, already)."""
    last = {name: value for name, value, _ in points}
    for name, value in (record.get("metrics") or {}).items():
        if finite(value) is not None and last.get(name) != float(value):
            yield str(name), float(value)


def _param_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:6000]  # MLflow's limit of a param value
