"""The sweep file, read and checked into `SweepSpec` values: pure Python, no pytest.

`load_sweep_file` is the way in. A broken file is one `SweepError` naming the
file, line and key path; parts: the YAML reader that remembers lines
(`yamlio`), dotted config paths (`paths`), each key's parser (`fields`), the
``early_terminate``, ``regression`` and ``resources`` rules, and the model.
"""

from .describe import not_a_sweep
from .early_terminate import EarlyTerminate, hyperband_bands, parse_early_terminate
from .hydra_project import HydraProject
from .model import (
    DEFAULT_COMMAND,
    METHODS,
    SWEEP_KEYS,
    WANDB_KEYS,
    Check,
    SweepSpec,
    config_hash,
    default_name,
    is_sweep,
)
from .overrides import SetOverride, parse_set, parse_sets, unmatched, with_sets
from .paths import deep_merge, flatten, get_path, inner_paths, load_config_file, overlay, set_path, with_params
from .reader import load_sweep_file
from .rules import Regression, Resources, parse_regression, parse_resources
from .yamlio import LoadedYaml, load_yaml

__all__ = [
    "DEFAULT_COMMAND",
    "METHODS",
    "SWEEP_KEYS",
    "WANDB_KEYS",
    "Check",
    "EarlyTerminate",
    "HydraProject",
    "LoadedYaml",
    "Regression",
    "Resources",
    "SetOverride",
    "SweepSpec",
    "config_hash",
    "deep_merge",
    "default_name",
    "flatten",
    "get_path",
    "hyperband_bands",
    "inner_paths",
    "is_sweep",
    "load_config_file",
    "load_sweep_file",
    "load_yaml",
    "not_a_sweep",
    "overlay",
    "parse_early_terminate",
    "parse_regression",
    "parse_resources",
    "parse_set",
    "parse_sets",
    "set_path",
    "unmatched",
    "with_params",
    "with_sets",
]
