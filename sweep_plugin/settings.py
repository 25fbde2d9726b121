"""The plugin's options and ini keys, read once per process into `Settings`.

Every setting has an ini key (what a team sets once) and a command-line
option of the same name (``sweep_x`` / ``--sweep-x``), and the command line
wins, as in pytest-timeout. A relative path on the command line is taken
from the folder pytest was started in, one in the ini file from the ini
file's folder. ``-o sweep_x=...`` overrides an ini key for one run.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

STORE_FILENAME = "results.sqlite"
DEFAULT_PATTERNS = "sweep_*.yaml sweep_*.yml *.sweep.yaml *.sweep.yml"
DEFAULT_REPORT_DIR = "reports"
DEFAULT_HEARTBEAT_S = 30.0
DEFAULT_MAX_TRIALS = 1_000_000

HELP = {
    "report_dir": "Folder for the sweep report (default: reports/ under the rootdir)",
    "no_report": "Write no sweep report files (trial results still go to the result store)",
    "resume": "Reuse stored results of finished trials with an identical config; run the rest",
    "baseline": "A summary.csv of an earlier run: baseline.<metric> in expect reads it, regression: compares with it",
    "timeout": "Per-trial timeout in seconds for sweeps that set none (needs pytest-timeout)",
    "store": "Keep every finished trial in <report dir>/results.sqlite, for --sweep-resume (default: true)",
    "no_store": "Keep no result store for this run (no --sweep-resume afterwards)",
    "files": "Space-separated globs of sweep files (default: " + DEFAULT_PATTERNS + ")",
    "trials": "Trial budget of a random, lhs or bayes sweep whose file gives none",
    "mlflow": "Also log every trial to MLflow at this tracking URI (sqlite:///mlflow.db, http://host:5000):"
    " one parent run per sweep, one nested run per trial",
    "history": "Folder of nightly summary CSVs (<date>[-<commit>].csv): the report adds trends across nights",
    "gpus": "GPU ids to share among the xdist workers through CUDA_VISIBLE_DEVICES (default: the"
    " CUDA_VISIBLE_DEVICES the run started with, else what nvidia-smi lists)",
    "max_trials": "The most trials one sweep may have (a grid's size, a budget), refused at collection above it"
    " (default: 1000000)",
    "heartbeat": "Seconds between the beats by which a session running bayes trials shows it is alive; a slot"
    " whose session missed 3 beats is failed and run again by --sweep-resume (default: 30)",
    "storage": "Where bayes sweeps keep their Optuna study: an Optuna RDB URL (postgresql://...), or a journal"
    " file path (default: <report dir>/optuna.journal)",
    "set": "PATH=VALUES: replace or fix one parameter of every collected sweep that has it, in Hydra's sweeper"
    " grammar (lr=0.001,0.01  layers=range(1,4)  lr=tag(log,interval(1e-4,1e-1))  lr=0.01); repeatable",
    "study": "Join the bayes sweeps' studies of this name in --sweep-storage, or create them, whoever comes first:"
    " every session naming it shares one study and one budget per sweep (default: a fresh study per session)",
}


@dataclass(frozen=True)
class Settings:
    """What the options and ini file say, resolved to absolute paths."""

    rootdir: Path
    patterns: tuple[str, ...]
    report_dir: Path
    report: bool = True
    report_dir_given: bool = False  # named by --sweep-report-dir or the ini key, not the default
    resume: bool = False
    timeout: float | None = None
    store: bool = True
    baseline: Path | None = None  # --sweep-baseline: an earlier run's summary.csv
    trials: int | None = None  # the budget of sampled sweeps that give none
    max_trials: int = DEFAULT_MAX_TRIALS  # the most trials one sweep may have
    storage: str = ""  # an Optuna RDB URL or journal file path; "" is the journal in the report folder
    study: str = ""  # --sweep-study: the name of the studies every session naming it shares
    sets: tuple[str, ...] = ()  # sweep_set's and --sweep-set's PATH=VALUES, as given (spec.parse_sets reads them)
    sets_given: tuple[str, ...] = ()  # the command line's alone: a path no sweep has is an error there
    heartbeat: float = DEFAULT_HEARTBEAT_S  # seconds between a bayes session's beats in its studies
    mlflow: str = ""  # an MLflow tracking URI; "" tracks nothing
    gpus: str | None = None  # GPU ids as given; None: ask nvidia-smi
    history: Path | None = None  # kept nightly summaries, for the report's trends

    def is_sweep_file(self, name: str) -> bool:
        """Whether a file name (or a node id's file part) matches the sweep patterns."""
        name = name.split("::", 1)[0].rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.patterns)

    @property
    def store_path(self) -> Path:
        return self.report_dir / STORE_FILENAME


@dataclass(frozen=True)
class Run:
    """This pytest run: one id and start time shared by the controller and its workers."""

    session: str
    started: float


def read_run(config: pytest.Config) -> Run:
    """The controller makes the run; xdist workers take it from their ``workerinput``."""
    workerinput = getattr(config, "workerinput", {})
    if "sweep_session" in workerinput:
        return Run(workerinput["sweep_session"], workerinput["sweep_started"])
    return Run(os.urandom(16).hex(), time.time())


def positive_seconds(raw: str) -> float:
    """A positive, finite number of seconds (an option's ``type=``)."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {raw!r}")
    return value


def positive_int(raw: str) -> int:
    """A whole number of at least 1 (an option's ``type=``)."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {raw!r}")
    return value


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("sweep", "sweep files: one pytest item per trial")
    group.addoption("--sweep-report-dir", metavar="DIR", default=None, help=HELP["report_dir"])
    group.addoption("--sweep-no-report", action="store_true", default=False, help=HELP["no_report"])
    group.addoption("--sweep-resume", action="store_true", default=False, help=HELP["resume"])
    group.addoption("--sweep-baseline", metavar="PATH", default=None, help=HELP["baseline"])
    group.addoption("--sweep-timeout", metavar="SECONDS", type=positive_seconds, default=None, help=HELP["timeout"])
    group.addoption("--sweep-no-store", action="store_true", default=False, help=HELP["no_store"])
    group.addoption("--sweep-trials", metavar="N", type=positive_int, default=None, help=HELP["trials"])
    group.addoption("--sweep-max-trials", metavar="N", type=positive_int, default=None, help=HELP["max_trials"])
    group.addoption("--sweep-storage", metavar="URL", default=None, help=HELP["storage"])
    group.addoption("--sweep-study", metavar="NAME", default=None, help=HELP["study"])
    group.addoption("--sweep-set", metavar="PATH=VALUES", action="append", default=[], help=HELP["set"])
    group.addoption("--sweep-heartbeat", metavar="SECONDS", type=positive_seconds, default=None, help=HELP["heartbeat"])
    group.addoption("--sweep-mlflow", metavar="URI", default=None, help=HELP["mlflow"])
    group.addoption("--sweep-gpus", metavar="IDS", default=None, help=HELP["gpus"])
    group.addoption("--sweep-history", metavar="DIR", default=None, help=HELP["history"])
    parser.addini("sweep_report_dir", HELP["report_dir"], default="")
    parser.addini("sweep_no_report", HELP["no_report"], type="bool", default=False)
    parser.addini("sweep_resume", HELP["resume"], type="bool", default=False)
    parser.addini("sweep_baseline", HELP["baseline"], default="")
    parser.addini("sweep_timeout", HELP["timeout"], default="")
    parser.addini("sweep_store", HELP["store"], type="bool", default=True)
    parser.addini("sweep_files", HELP["files"], default=DEFAULT_PATTERNS)
    parser.addini("sweep_trials", HELP["trials"], default="")
    parser.addini("sweep_max_trials", HELP["max_trials"], default="")
    parser.addini("sweep_storage", HELP["storage"], default="")
    parser.addini("sweep_study", HELP["study"], default="")
    parser.addini("sweep_set", HELP["set"] + " (one per line)", type="linelist", default=[])
    parser.addini("sweep_heartbeat", HELP["heartbeat"], default="")
    parser.addini("sweep_mlflow", HELP["mlflow"], default="")
    parser.addini("sweep_gpus", HELP["gpus"], default="")
    parser.addini("sweep_history", HELP["history"], default="")


def read_settings(config: pytest.Config) -> Settings:
    """The command line over the ini file; a bad value is a `pytest.UsageError` naming where it came from."""
    rootdir = Path(config.rootpath)
    given_dir = _path(config, "report_dir")
    return Settings(
        rootdir=rootdir,
        patterns=tuple(str(config.getini("sweep_files")).split()),
        report_dir=given_dir or rootdir / DEFAULT_REPORT_DIR,
        report_dir_given=given_dir is not None,
        report=not (config.getoption("sweep_no_report") or config.getini("sweep_no_report")),
        resume=bool(config.getoption("sweep_resume") or config.getini("sweep_resume")),
        timeout=config.getoption("sweep_timeout") or _ini_number(config, "sweep_timeout", positive_seconds),
        store=not config.getoption("sweep_no_store") and bool(config.getini("sweep_store")),
        baseline=_path(config, "baseline"),
        trials=config.getoption("sweep_trials") or _ini_number(config, "sweep_trials", positive_int),
        max_trials=config.getoption("sweep_max_trials")
        or _ini_number(config, "sweep_max_trials", positive_int)
        or DEFAULT_MAX_TRIALS,
        storage=_storage(config),
        study=str(config.getoption("sweep_study") or config.getini("sweep_study")).strip(),
        sets=(*config.getini("sweep_set"), *config.getoption("sweep_set")),  # the command line's win: later
        sets_given=tuple(config.getoption("sweep_set")),
        heartbeat=config.getoption("sweep_heartbeat")
        or _ini_number(config, "sweep_heartbeat", positive_seconds)
        or DEFAULT_HEARTBEAT_S,
        mlflow=str(config.getoption("sweep_mlflow") or config.getini("sweep_mlflow")).strip(),
        gpus=gpus_option(config),
        history=_path(config, "history"),
    )


def gpus_option(config: pytest.Config) -> str | None:
    """``--sweep-gpus`` over ``sweep_gpus``; None when neither lists devices (read before `read_settings`)."""
    return config.getoption("sweep_gpus") or str(config.getini("sweep_gpus")).strip() or None


def _storage(config: pytest.Config) -> str:
    """An RDB URL as given; a journal file path resolved like the other paths."""
    given = config.getoption("sweep_storage") or str(config.getini("sweep_storage")).strip()
    if not given or "://" in given:
        return str(given)
    path = _path(config, "storage")
    return str(path) if path else ""


def _path(config: pytest.Config, name: str) -> Path | None:
    """``--sweep-<name>`` from the invocation folder, else ``sweep_<name>`` from the ini file's folder."""
    given = config.getoption(f"sweep_{name}")
    if given:
        return (config.invocation_params.dir / str(given)).resolve()
    ini = str(config.getini(f"sweep_{name}")).strip()
    if not ini:
        return None
    ini_folder = config.inipath.parent if config.inipath else config.rootpath
    return (ini_folder / ini).resolve()


def _ini_number(config: pytest.Config, name: str, parse: Callable[[str], T]) -> T | None:
    raw = str(config.getini(name))
    if not raw.strip():
        return None
    try:
        return parse(raw)
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"{name}: {exc}") from None
