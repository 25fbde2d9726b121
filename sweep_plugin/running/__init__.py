"""Running a trial: what it runs (an experiment in-process or a command), from the moment it starts.

`started` builds a `TrialRun` when a trial item's setup begins (its
parameters asked of the search method) and its record when it ends;
`experiment` and `command` are the two targets, `process` and `follow` run a
command's program and read what it reports while it runs. `outcomes` is the
roles' edge: a trial's ending as pytest's own outcome, and back.
"""

from .command import Command, run_command
from .experiment import Experiment, load_experiment
from .outcomes import PytestExpectationFailed, as_pytest, classify
from .started import TrialRun, identity, start_trial, started, unstarted_identity
from .sweep import SweepRun, Target, TrialCase, assign_folders, load_target, program_folder

__all__ = [
    "Command",
    "Experiment",
    "PytestExpectationFailed",
    "SweepRun",
    "Target",
    "TrialCase",
    "TrialRun",
    "as_pytest",
    "assign_folders",
    "classify",
    "identity",
    "load_experiment",
    "load_target",
    "program_folder",
    "run_command",
    "start_trial",
    "started",
    "unstarted_identity",
]
