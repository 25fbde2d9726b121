"""Command-line trials: a sweep's ``command:`` run as one subprocess per trial.

The command is split into arguments first and its placeholders filled in
afterwards, one argument at a time, so a value with spaces stays one argument
and nothing ever goes through a shell. Two kinds of placeholder: ours,
``{dotted.path}`` and ``{config_file}``, and W&B's ``${args}`` macros
(`agent`). The program reports back by writing JSON to the file named by
``SWEEP_METRICS_FILE`` (JSON lines with ``step`` are its learning curve, an
object without ``step`` its final metrics), or with ``wandb.log``; `follow`
reads both while it runs.

The program runs in a process group of its own (`process`): no child
outlives its trial.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SweepError, did_you_mean
from ..records import TrialCrashed, TrialError
from ..spec import flatten, get_path
from ..wandb_compat import RunLog, agent
from .follow import MetricsFile, Reports
from .process import STDERR_FILE, crash_message, run_process

if TYPE_CHECKING:
    from ..spec import SweepSpec
    from ..trial import Trial

CONFIG_FILE_PLACEHOLDER = "config_file"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
PYTHON_NAMES = ("python", "python3")
LITERAL_BRACES = "write {{ and }} for literal braces"

# ``${macro}`` is W&B's, ``{{`` and ``}}`` literal braces, ``{name}`` ours, any other brace a mistake.
_BRACES = re.compile(r"\$\{([^{}]*)\}|\{\{|\}\}|\{([^{}]*)\}|[{}]")
_MACRO = re.compile(r"\$\{([^{}]*)\}")
_WINDOWS_PATH = re.compile(r"(?<![\w$])[A-Za-z]:\\[^\s'\"]*")  # C:\proj\train.py


@dataclass(frozen=True)
class Command:
    """A program that runs one trial in a subprocess, started in the sweep file's folder."""

    reference: str | tuple[str, ...]  # the command as the sweep file writes it
    cwd: Path
    code: str = ""  # a hash of the program file it names (resume reruns a trial when it changes)
    program: str | None = None  # W&B's ``program``: what ``${program}`` is
    nested: tuple[str, ...] = ()  # W&B's nested parameter blocks: each passed as one mapping
    sweep: str = ""  # the sweep's key, for its W&B sweep id

    def run(self, config: dict[str, Any], trial: Trial) -> None:
        run_command(
            self.reference, config, trial, cwd=self.cwd, program=self.program, nested=self.nested, sweep=self.sweep
        )


def program_file(command: str | tuple[str, ...], cwd: Path) -> Path | None:
    """The file a command runs, where it names one: ``python train.py`` is train.py, ``./run.sh`` run.sh."""
    argv = split_command(command)
    name = _named_file(argv) or argv[0]
    return cwd / name if (cwd / name).is_file() else None


def check_program(command: str | tuple[str, ...], cwd: Path, program: str | None) -> None:
    """Refuse, at collection, a command whose program is not there: once, at the sweep's line, not in every trial.

    W&B's ``program`` and a file the command names (``python train.py``, ``./run.sh``) must be files in ``cwd``
    (a script also executable); a bare program name (``torchrun``) must be on ``PATH``.
    """
    if program is not None and not (cwd / program).is_file():
        raise SweepError(_not_there(program, cwd), key="program")
    windows = _WINDOWS_PATH.search(" ".join(command) if isinstance(command, tuple) else command)
    if windows and os.name != "nt":
        raise SweepError(
            f"{windows.group(0)} is a Windows path: write it with /, relative to the sweep file", key="command"
        )
    argv = split_command(command)
    while argv and whole_macro(argv[0]) == "env":  # W&B's ${env} before the interpreter
        argv = argv[1:]
    first = argv[0] if argv else "$"
    if "{" in first or "$" in first:  # ${interpreter} is Python, ${program} checked above
        return
    name = _named_file(argv)
    if name is not None and not (cwd / name).is_file():
        raise SweepError(_not_there(name, cwd), key="command")
    if name == first and not os.access(cwd / name, os.X_OK):
        raise SweepError(f"{name} is not executable: chmod +x {name}, or run it with its interpreter", key="command")
    if name is None and Path(first).name not in PYTHON_NAMES and shutil.which(first) is None:
        here = f"; to run the file {first} here, write ./{first}" if (cwd / first).is_file() else ""
        raise SweepError(
            f"{first!r} is not on PATH: install what provides it, or give the program's path{here}", key="command"
        )


def _named_file(argv: list[str]) -> str | None:
    """The file ``argv`` runs: Python's script (not ``-m``/``-c``), or the program itself when given as a path."""
    if Path(argv[0]).name not in PYTHON_NAMES:
        return argv[0] if ("/" in argv[0] or "\\" in argv[0]) and "{" not in argv[0] else None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-m", "-c") or "{" in arg:  # a module, code, or a placeholder: no file known now
            return None
        if arg in ("-W", "-X"):  # an option with a value
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _not_there(name: str, cwd: Path) -> str:
    """``train.py is not a file in /project (did you mean 'trian.py'?)``, with a word on Windows paths."""
    with contextlib.suppress(OSError):
        close = did_you_mean(Path(name).name, [entry.name for entry in cwd.iterdir()])
        windows = " (a Windows path: write it with /, relative to the sweep file)" if "\\" in name else ""
        return f"{name} is not a file in {cwd}{close}{windows}"
    return f"{name} is not a file in {cwd}"


def split_command(command: str | tuple[str, ...] | list[str]) -> list[str]:
    """The command's arguments: a string is split like a shell would (without running one)."""
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise SweepError(f"cannot split {command!r} into arguments: {exc}", key="command") from None
    else:
        argv = [str(part) for part in command]
    if not argv or not argv[0]:
        raise SweepError("the command is empty: give a program to run", key="command")
    return argv


def substitute(arg: str, value_of: Callable[[str], str], macro_of: Callable[[str], str]) -> str:
    """``arg`` with every ``{name}`` replaced by ``value_of(name)`` and ``${name}`` by ``macro_of(name)``.

    ``{{``/``}}`` are literal braces. A ``$`` before a placeholder is always
    W&B's macro, never a literal ``$`` before our placeholder.
    """

    def replace(match: re.Match[str]) -> str:
        token, macro, name = match.group(0), match.group(1), match.group(2)
        if macro is not None:
            return macro_of(macro)
        if token in ("{{", "}}"):
            return token[0]
        if name is None:
            raise SweepError(f"unmatched {token!r} in {arg!r} ({LITERAL_BRACES})", key="command")
        if not name:
            raise SweepError(f"empty placeholder {{}} in {arg!r} ({LITERAL_BRACES})", key="command")
        return value_of(name)

    return _BRACES.sub(replace, arg)


def whole_macro(arg: str) -> str | None:
    """The macro an argument is, when it is only one: ``${args}`` is ``args``."""
    match = _MACRO.fullmatch(arg)
    return match.group(1) if match and match.group(1) in agent.MACROS else None


def check_command(command: str | tuple[str, ...], spec: SweepSpec) -> None:
    """Refuse, at collection, a command whose placeholders could never be filled.

    A placeholder is fine if it is ``config_file``, a parameter (or a
    mapping that parameters fill in), or a path of the merged base config;
    a macro if W&B's agent would expand it. Catching a typo here fails the
    sweep once instead of every trial.
    """
    params = spec.parameters

    def check(name: str) -> str:
        if name == CONFIG_FILE_PLACEHOLDER or _is_param(name, params) or _in_config(spec.config, name):
            return ""
        choices = [CONFIG_FILE_PLACEHOLDER, *params, *(path for path, _ in flatten(spec.config))]
        raise SweepError(
            f"unknown placeholder {{{name}}}{did_you_mean(name, choices)}: a placeholder is {{config_file}} "
            f"or a dotted path of the config or the parameters ({LITERAL_BRACES})",
            key="command",
        )

    def check_macro(name: str, whole: bool = False) -> str:
        try:
            agent.check_macro(name, whole=whole, program=spec.program)
        except SweepError as exc:
            raise SweepError(exc.message, key="command") from None
        return ""

    for arg in split_command(command):
        name = whole_macro(arg)
        if name is not None:
            check_macro(name, whole=True)
        else:
            substitute(arg, check, check_macro)


def _is_param(name: str, params: list[str]) -> bool:
    return name in params or any(path.startswith(name + ".") for path in params)


def _in_config(config: Mapping[str, Any], name: str) -> bool:
    try:
        get_path(config, name)
    except (KeyError, SweepError):
        return False
    return True


def format_value(value: Any) -> str:
    """A config value as one command-line argument (for our ``{placeholders}``; W&B's macros use ``str``).

    Strings go as they are and numbers as Python prints them (``0.001``,
    ``1e-05``); booleans, null, lists and mappings as JSON, which is what a
    program can parse back without knowing Python.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, default=str)


def render_command(
    command: str | tuple[str, ...],
    config: Mapping[str, Any],
    config_file: Path,
    macros: Mapping[str, list[str]],
) -> list[str]:
    """The trial's argument list: macros expanded, placeholders filled, ``python`` made this interpreter.

    ``python`` means ``sys.executable`` so a trial runs in the environment
    that runs pytest, whatever happens to be first on ``PATH``.
    """

    def value_of(name: str) -> str:
        if name == CONFIG_FILE_PLACEHOLDER:
            return str(config_file)
        try:
            return format_value(get_path(config, name))
        except KeyError:
            raise SweepError(f"placeholder {{{name}}}: the trial's config has no {name}", key="command") from None

    argv: list[str] = []
    for arg in split_command(command):
        name = whole_macro(arg)
        if name is not None:
            argv += macros.get(name, [])
        else:
            argv.append(substitute(arg, value_of, agent.expand_envvar))
    if not argv:
        raise SweepError("the command is empty once its macros are expanded", key="command")
    first = 1 if argv[0] == agent.ENV_PROGRAM and len(argv) > 1 else 0  # `${env} python ...`
    if argv[first] in PYTHON_NAMES:
        argv[first] = sys.executable
    return argv


def run_command(
    command: str | tuple[str, ...],
    config: Mapping[str, Any],
    trial: Trial,
    grace_s: float = 3.0,
    cwd: Path | None = None,
    *,
    program: str | None = None,
    nested: tuple[str, ...] = (),
    sweep: str = "",
) -> None:
    """Run one trial's command (in ``cwd``, default pytest's own) and feed what it reports into ``trial``.

    The program runs as W&B's agent would run it (`agent.AgentRun`). What it
    reports is followed while it runs (a pruned trial is stopped there) and
    read to the end in a ``finally``: what a program logged before it
    crashed or timed out is part of the record. A timeout or Ctrl-C still
    propagates as itself; a non-zero exit becomes `TrialCrashed`.
    """
    try:
        folder = trial.dir.absolute()
        config_file = folder / CONFIG_FILE
        config_file.write_text(json.dumps(config, indent=2, default=str), encoding="utf-8")
        run = agent.AgentRun(folder, sweep or trial.sweep, agent.wandb_args(trial.params, nested))
        run.write_files()
    except OSError as exc:
        raise TrialError(f"cannot write the trial's folder: {exc}") from None
    try:
        argv = render_command(command, config, config_file, agent.macro_values(run.args, program, run.json_file))
    except SweepError as exc:
        raise TrialError(str(exc)) from None
    metrics = folder / METRICS_FILE
    metrics.unlink(missing_ok=True)
    reports = Reports(trial, MetricsFile(metrics), RunLog(folder, run.run_id))
    env = {**command_environment(trial, folder, metrics), **run.environment()}
    try:
        returncode = run_process(argv, env, folder, grace_s, cwd, reports.follow)
    except BaseException:  # a timeout, Ctrl-C or pruning verdict: keep what was logged, then let it go on
        with contextlib.suppress(Exception):
            reports.finish()
        raise
    problem = reports.finish()
    if returncode != 0:
        raise TrialCrashed(crash_message(returncode, folder / STDERR_FILE, problem), returncode=returncode)
    if problem:
        raise TrialError(problem)


def command_environment(trial: Trial, folder: Path, metrics: Path) -> dict[str, str]:
    """The inherited environment plus where to write metrics and what the trial is."""
    return {
        **os.environ,
        "SWEEP_METRICS_FILE": str(metrics),
        "SWEEP_TRIAL_DIR": str(folder),
        "SWEEP_PARAMS": json.dumps(trial.params, default=str),
    }
