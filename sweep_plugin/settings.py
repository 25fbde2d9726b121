"""The plugin's options and ini settings, read once per session into `Settings`."""

from __future__ import annotations

import csv
import fnmatch
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

STORE_FILENAME = "results.sqlite"
DEFAULT_PATTERNS = "sweep_*.yaml sweep_*.yml *.sweep.yaml *.sweep.yml"

HELP = {
    "report_dir": "Folder for the sweep report (default: reports/ under the rootdir)",
    "no_report": "Write no sweep report files (trial results still go to the result store)",
    "resume": "Reuse stored results of finished trials with an identical config; run the rest",
    "baseline": "A summary.csv of an earlier run: baseline.<metric> in expect reads its values",
    "files": "Space-separated globs of sweep files (default: " + DEFAULT_PATTERNS + ")",
    "timeout": "Default per-trial timeout in seconds for sweeps that set none (needs pytest-timeout)",
    "store": "Keep every finished trial in <report dir>/results.sqlite, for --sweep-resume (default: true)",
}

Baseline = dict[tuple[str, str], dict[str, float]]


@dataclass(frozen=True)
class Settings:
    """What the options and ini file say, resolved against the rootdir."""

    rootdir: Path
    patterns: tuple[str, ...]
    report_dir: Path
    report: bool = True
    resume: bool = False
    timeout: float | None = None
    store: bool = True
    baseline: Baseline = field(default_factory=dict)

    def is_sweep_file(self, name: str) -> bool:
        """Whether a file name (or a node id's file part) matches the sweep patterns."""
        name = name.split("::", 1)[0].rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.patterns)

    @property
    def store_path(self) -> Path:
        return self.report_dir / STORE_FILENAME

    def trial_dir(self, sweep: str, trial_id: str) -> Path:
        """A trial's own folder; ids may hold ``/`` (string values), folders may not."""
        return self.report_dir / sweep / "trials" / trial_id.replace("/", "_")


@dataclass(frozen=True)
class Run:
    """This pytest run: one id and start time shared by the controller and its workers."""

    session: str
    started: float


RUN = pytest.StashKey[Run]()
SETTINGS = pytest.StashKey[Settings]()


def read_run(config: pytest.Config) -> Run:
    """The controller makes the run; xdist workers take it from their ``workerinput``."""
    workerinput = getattr(config, "workerinput", {})
    if "sweep_session" in workerinput:
        return Run(workerinput["sweep_session"], workerinput["sweep_started"])
    return Run(uuid.uuid4().hex, time.time())

def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("sweep", "sweep files: one pytest item per trial")
    group.addoption("--sweep-report-dir", metavar="DIR", default=None, help=HELP["report_dir"])
    group.addoption("--sweep-no-report", action="store_true", default=False, help=HELP["no_report"])
    group.addoption("--sweep-resume", action="store_true", default=False, help=HELP["resume"])
    group.addoption("--sweep-baseline", metavar="PATH", default=None, help=HELP["baseline"])
    parser.addini("sweep_files", HELP["files"], default=DEFAULT_PATTERNS)
    parser.addini("sweep_report_dir", HELP["report_dir"], default="reports")
    parser.addini("sweep_timeout", HELP["timeout"], default="")
    parser.addini("sweep_store", HELP["store"], type="bool", default=True)


def read_settings(config: pytest.Config) -> Settings:
    """Options win over ini settings; bad values are a `pytest.UsageError`."""
    rootdir = Path(config.rootpath)
    report_dir = config.getoption("sweep_report_dir") or config.getini("sweep_report_dir")
    baseline_path = config.getoption("sweep_baseline")
    return Settings(
        rootdir=rootdir,
        patterns=tuple(str(config.getini("sweep_files")).split()),
        report_dir=(rootdir / report_dir).resolve(),
        report=not config.getoption("sweep_no_report"),
        resume=bool(config.getoption("sweep_resume")),
        timeout=_timeout(str(config.getini("sweep_timeout"))),
        store=bool(config.getini("sweep_store")),
        baseline=load_baseline(Path(baseline_path)) if baseline_path else {},
    )


def _timeout(raw: str) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise pytest.UsageError(f"sweep_timeout: expected a positive number of seconds, got {raw!r}")
    return value


def load_baseline(path: Path) -> Baseline:
    """Metrics of an earlier run's summary.csv, by (sweep, trial id)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise pytest.UsageError(f"--sweep-baseline: cannot read {path}: {exc}") from None
    if rows and not {"sweep", "trial"} <= set(rows[0]):
        raise pytest.UsageError(f"--sweep-baseline: {path} is not a summary.csv (no sweep and trial columns)")
    baseline: Baseline = {}
    for row in rows:
        metrics = {}
        for column, value in row.items():
            if column.startswith("metrics.") and value not in ("", None):
                try:
                    metrics[column.removeprefix("metrics.")] = float(value)
                except ValueError:
                    continue
        baseline[(row["sweep"], row["trial"])] = metrics
    return baseline
