"""What a YAML file named on the command line is, when it is not a sweep, and how to run it.

``pytest configs/hparams_search/mnist_optuna.yaml`` used to say "no tests ran"
and nothing else. Named files that are not sweeps get one line: a Hydra
sweeper config, a Hydra config, a Ray Tune search space, a data file, or a
mapping without sweep keys, with what to do instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .model import is_hydra_config
from .yamlio import SweepLoader

MAX_BYTES = 1024 * 1024  # larger files are data: not read to be described
_TUNE_SPACES = ("grid_search", "uniform", "loguniform", "quniform", "randint", "choice", "sample_from", "randn")
_HYDRA_DOCS = "see 'Coming from Hydra' in the docs"


def not_a_sweep(path: Path, shown: str) -> str:
    """One line saying what ``path`` is and how to run it (it holds no sweep)."""
    try:
        size = path.stat().st_size
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), SweepLoader)) if size <= MAX_BYTES else []
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return f"{shown}: not a sweep file (it does not read as YAML text); nothing to run"
    if size > MAX_BYTES:
        return f"{shown}: a data file ({size / 1e6:.0f} MB), not a sweep file; nothing to run"
    if len(documents) > 1:
        return f"{shown}: a stream of {len(documents)} YAML documents, not a sweep file (a sweep file is one)"
    if not documents or documents[0] is None:
        return f"{shown}: an empty YAML file, not a sweep file; nothing to run"
    return f"{shown}: {_what(documents[0], path)}"


def _what(data: Any, path: Path) -> str:
    sweeper = _sweeper(data) if isinstance(data, Mapping) else {}
    if sweeper:
        params = sweeper.get("params") or sweeper.get("search_space") or {}
        listed = f" ({len(params)} parameters)" if isinstance(params, Mapping) and params else ""
        return (
            f"a Hydra sweeper config{listed}, not a sweep file: run it through its app with a sweep file holding"
            f" hydra: {{app: <the @hydra.main script>, overrides: [{path.parent.name}={path.stem}]}} ({_HYDRA_DOCS})"
        )
    if is_hydra_config(data):
        return (
            "a Hydra config (a defaults: list), not a sweep file: a sweep file runs its app with"
            f" hydra: {{app: <the @hydra.main script>, config_name: {path.stem}}} and the parameters to sweep"
            f" ({_HYDRA_DOCS})"
        )
    if isinstance(data, Mapping) and _tune_space(data):
        return (
            "a Ray Tune search space, not a sweep file: write each tune.* space as a parameter of a sweep file"
            " (grid_search: a list of values; uniform: {min, max}; loguniform: {distribution: log_uniform_values})"
        )
    if not isinstance(data, Mapping):
        kind = f"a list of {len(data)} items" if isinstance(data, list) else "one value"
        return f"a data file ({kind}), not a sweep file; nothing to run"
    found = ", ".join(str(key) for key in list(data)[:6]) or "none"
    return (
        f"not a sweep file: none of its keys ({found}) is a sweep key; a sweep file has parameters: and"
        " experiment:, command: or program:"
    )


def _sweeper(data: Mapping[str, Any]) -> Mapping[str, Any]:
    hydra = data.get("hydra")
    sweeper = hydra.get("sweeper") if isinstance(hydra, Mapping) else None
    return sweeper if isinstance(sweeper, Mapping) else {}


def _tune_space(data: Mapping[str, Any]) -> bool:
    """Whether some value, at any depth, is Ray Tune's ``{grid_search: [...]}`` or ``{uniform: [a, b]}`` form."""
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if len(node) == 1 and next(iter(node)) in _TUNE_SPACES:
                return True
            stack.extend(node.values())
    return False
