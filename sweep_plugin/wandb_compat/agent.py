"""What W&B's agent does for a command trial, so a W&B sweep file runs as written.

W&B's agent turns a run's parameters into argument lists (``${args}`` and
its siblings, each value written with Python's ``str()``), writes them to a
YAML file named by ``WANDB_SWEEP_PARAM_PATH`` (which ``wandb.init()``
reads into ``wandb.config``), and expands a command's ``${...}`` macros.
This module does the same for one trial, with W&B in offline mode: the
program needs no account and no network, and what it logs lands in the
trial's folder, where `wandblog` reads it back.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import SweepError, did_you_mean
from ..ids import digest
from ..spec import set_path

# Macros that stand for a whole list of arguments; W&B expands them only as a whole list item.
MACROS = (
    "env",
    "interpreter",
    "program",
    "args",
    "args_no_equals",
    "args_no_hyphens",
    "args_no_boolean_flags",
    "args_json",
    "args_json_file",
    "args_append_hydra",
    "args_override_hydra",
)
ENVVAR = re.compile(r"envvar:([A-Z0-9_]*)")  # ``${envvar:NAME}``: W&B expands it anywhere in an argument
ENV_PROGRAM = "/usr/bin/env"
FLUSH_INTERVAL_S = "0.5"  # how often W&B writes its run file, so a trial's curve can be followed


def check_macro(name: str, whole: bool, program: str | None) -> None:
    """Refuse a ``${name}`` that W&B's agent would not expand (it would drop or pass it silently)."""
    if ENVVAR.fullmatch(name):
        return
    if name in MACROS:
        if not whole:
            raise SweepError(f"W&B expands ${{{name}}} only as an argument of its own: make it a list item")
        if name == "program" and program is None:
            raise SweepError("${program} needs the key `program: <script>`")
        return
    hint = did_you_mean(name, MACROS)
    raise SweepError(
        f"${{{name}}} is not a W&B macro{hint}: the macros are {', '.join('${' + m + '}' for m in MACROS)}"
        f" and ${{envvar:NAME}}; for a parameter's value write {{{name}}} (no `$`), for a literal"
        f" ${{...}} (an OmegaConf interpolation) write ${{{{{name}}}}}"
    )


def expand_envvar(name: str) -> str:
    """``envvar:NAME`` as W&B expands it: the variable's value, or NAME itself when it is not set."""
    match = ENVVAR.fullmatch(name)
    assert match is not None, "check_macro let only envvar macros through"
    return os.environ.get(match.group(1), match.group(1))


def unset_envvars(command: str | tuple[str, ...] | None) -> list[str]:
    """The ``${envvar:NAME}`` variables of a command that are not set now (W&B would pass NAME itself)."""
    argv = [command] if isinstance(command, str) else list(command or ())
    names = (m.group(1) for arg in argv for m in re.finditer(r"\$\{" + ENVVAR.pattern + r"\}", arg))
    return sorted({name for name in names if name and name not in os.environ})


def envvar_warnings(command: str | tuple[str, ...] | None) -> list[str]:
    """What collection says of a command's ``${envvar:NAME}`` that is not set."""
    return [
        f"command: ${{envvar:{name}}} is not set; W&B's agent passes {name!r} in its place"
        for name in unset_envvars(command)
    ]


def wandb_args(params: Mapping[str, Any], nested: tuple[str, ...]) -> dict[str, Any]:
    """The trial's parameters as W&B passes them: nested blocks as one mapping, dotted keys flat."""
    args: dict[str, Any] = {}
    for path, value in params.items():
        block = next((key for key in nested if path.startswith(key + ".")), None)
        if block is None:
            args[path] = value
        else:
            set_path(args.setdefault(block, {}), path[len(block) + 1 :], value)
    return args


def macro_values(args: Mapping[str, Any], program: str | None, json_file: Path) -> dict[str, list[str]]:
    """Every list macro's arguments, formatted as W&B's ``create_sweep_command_args`` formats them."""
    flags = [f"{name}={value}" for name, value in args.items()]
    return {
        "env": [ENV_PROGRAM] if Path(ENV_PROGRAM).exists() else [],
        "interpreter": [sys.executable],  # the Python running pytest (W&B's agent says `python`)
        "program": [program] if program else [],
        "args": [f"--{flag}" for flag in flags],
        "args_no_equals": [part for name, value in args.items() for part in (f"--{name}", str(value))],
        "args_no_hyphens": flags,
        "args_no_boolean_flags": [
            f"--{name}" if value is True else f"--{name}={value}" for name, value in args.items() if value is not False
        ],
        "args_append_hydra": [f"+{flag}" for flag in flags],
        "args_override_hydra": [f"++{flag}" for flag in flags],
        "args_json": [json.dumps(dict(args), default=str)],
        "args_json_file": [str(json_file)],
    }


class AgentRun:
    """One trial as a W&B run: its ids, its parameter files and its environment."""

    def __init__(self, folder: Path, sweep_key: str, args: Mapping[str, Any]) -> None:
        self.folder = folder
        self.sweep_id = digest(sweep_key)  # W&B-shaped, the same for every trial and every run of the sweep
        self.run_id = secrets.token_hex(4)  # new for each attempt, so a retry is a run of its own
        self.args = dict(args)
        files = folder / "wandb" / f"sweep-{self.sweep_id}"
        self.param_file = files / f"config-{self.run_id}.yaml"
        self.json_file = files / f"config-{self.run_id}.json"

    def write_files(self) -> None:
        """The parameter file ``wandb.init()`` reads, as W&B's agent writes it, and ``${args_json_file}``."""
        self.param_file.parent.mkdir(parents=True, exist_ok=True)
        values = {name: {"value": value} for name, value in self.args.items()}
        body = yaml.safe_dump(values, default_flow_style=False, allow_unicode=True, sort_keys=False) if values else ""
        self.param_file.write_text("wandb_version: 1\n\n" + body, encoding="utf-8")
        self.json_file.write_text(json.dumps(self.args, default=str), encoding="utf-8")

    def environment(self) -> dict[str, str]:
        """What W&B's agent sets, with W&B offline (unless ``WANDB_MODE`` says otherwise) and writing often."""
        return {
            "WANDB_SWEEP_ID": self.sweep_id,
            "WANDB_RUN_ID": self.run_id,
            "WANDB_SWEEP_PARAM_PATH": str(self.param_file),
            "WANDB_DIR": str(self.folder),
            "WANDB_MODE": os.environ.get("WANDB_MODE", "offline"),
            "WANDB__TRANSACTION_LOG_FLUSH_INTERVAL": os.environ.get(
                "WANDB__TRANSACTION_LOG_FLUSH_INTERVAL", FLUSH_INTERVAL_S
            ),
        }
