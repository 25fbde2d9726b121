"""What W&B's agent and ``wandb`` do for a trial, so sweep files and programs written for W&B run as written.

`agent` expands a command's macros and writes the parameter files as W&B's
agent does; `runfile` reads back what a program logged offline with
``wandb.log``. The ``wandb`` package itself is imported only to decode a run
file, when a program wrote one.
"""

from . import agent
from .agent import MACROS, AgentRun, check_macro, envvar_warnings, expand_envvar, macro_values, wandb_args
from .runfile import Logged, RunLog, RunLogError

__all__ = [
    "MACROS",
    "AgentRun",
    "Logged",
    "RunLog",
    "RunLogError",
    "agent",
    "check_macro",
    "envvar_warnings",
    "expand_envvar",
    "macro_values",
    "wandb_args",
]
