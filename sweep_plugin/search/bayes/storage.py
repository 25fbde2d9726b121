"""Where adaptive sweeps keep their Optuna studies, and the plugin's marks on a study's trials.

By default a journal file in the report folder, as Optuna advises for
parallel work; any Optuna RDB URL (``postgresql://...``) lets several
machines share one study. Optuna is imported here, when an adaptive sweep
first needs it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ...errors import SweepError
from ...records import TrialError
from .journal import open_journal

JOURNAL_FILE = "optuna.journal"
RDB_ATTEMPTS = 5
TRIAL_ATTR = "sweep"  # user attribute of every Optuna trial the plugin makes: {"slot": ..., "session": ...}


def study_location(storage: str, report_dir: Path) -> str:
    """Where the studies are: the storage given, else the journal file in the report folder."""
    return storage or str(report_dir / JOURNAL_FILE)


def import_optuna() -> Any:
    """Optuna, or a `SweepError` saying how to install it."""
    try:
        import optuna
    except ImportError:
        raise SweepError("bayes needs Optuna: pip install 'optuna>=4.8'", key="method") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def open_storage(location: str, optuna: Any) -> Any:
    """The Optuna storage at ``location``: an RDB URL, or a journal file (its folder made, a torn line mended).

    Workers that open a new RDB at the same moment race to create its tables; the loser
    tries again (the tables are there by then), a few times.
    """
    try:
        if "://" in location:
            for attempt in range(RDB_ATTEMPTS):
                try:
                    return optuna.storages.RDBStorage(location)
                except Exception:
                    if attempt == RDB_ATTEMPTS - 1:
                        raise
                    time.sleep(0.2 * (attempt + 1))
        return open_journal(Path(location))
    except Exception as exc:  # any driver's error: the user's setting to fix
        raise TrialError(f"cannot open the Optuna storage {location} (--sweep-storage): {exc}") from None


def writable_journal(location: str) -> None:
    """A `TrialError` when ``location`` is a journal file that cannot be appended to (read-only, a folder).

    Opened for appending, which writes nothing: so every trial is not a traceback of its own later.
    """
    if "://" in location or not Path(location).exists():
        return
    try:
        with open(location, "ab"):
            pass
    except OSError as exc:
        raise TrialError(
            f"cannot write the Optuna journal {location} (--sweep-storage): {exc.strerror or exc}; "
            "make it writable, or name another file with --sweep-storage"
        ) from None


def owner(trial: Any) -> tuple[str | None, str | None]:
    """The slot and session an Optuna trial of the plugin's belongs to."""
    owner = trial.user_attrs.get(TRIAL_ATTR)
    return (owner.get("slot"), owner.get("session")) if isinstance(owner, dict) else (None, None)


def fail_orphans(crashed: set[str], storage: str, report_dir: Path, session: str) -> str | None:
    """Fail the trials this session's dead workers left running in the studies of the ``crashed`` sweeps.

    Else the study keeps them running (``--sweep-resume`` reruns them); what went wrong is returned, to be said.
    """
    location = study_location(storage, report_dir)
    if not crashed or ("://" not in location and not Path(location).exists()):
        return None  # no adaptive sweep ran here
    try:
        fail_running(location, crashed, session)
    except Exception as exc:  # the study keeps them running; resume reruns them
        return f"could not fail the crashed trials in the Optuna study {location}: {exc}"
    return None


def fail_running(location: str, sweep_keys: set[str], session: str) -> int:
    """Fail the trials a session left running in its sweeps' studies (a worker died); how many there were."""
    optuna = import_optuna()
    storage = open_storage(location, optuna)
    failed = 0
    for summary in optuna.get_all_study_summaries(storage, False):
        if summary.study_name.rpartition("@")[0] not in sweep_keys:
            continue
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            if owner(trial)[1] == session:
                study.tell(trial.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
                failed += 1
    return failed
