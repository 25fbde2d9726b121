"""``--sweep-set PATH=VALUES``: a parameter of every collected sweep replaced or fixed from the command line.

As Hydra's ``--multirun lr=0.01,0.1`` does: VALUES is Hydra's sweeper grammar
(``0.01,0.1``, ``range(1,5)``, ``interval(0.001,0.1)``, ``tag(log, interval(...))``,
``choice(a,b)``), read by `space.hydra_space`, or one YAML value, which fixes
the parameter. A sweep "has" a path when it is one of its parameters or a key of
its config (which the override then makes a parameter); a path no collected
sweep has is an error naming them (the caller's, once collection is done).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence

import yaml

from ..errors import SweepError
from ..space import Space, Values, parse_space
from .model import SweepSpec
from .paths import get_path
from .yamlio import SweepLoader


@dataclasses.dataclass(frozen=True)
class SetOverride:
    """One ``--sweep-set``: the parameter path, its new space, and the text it came from."""

    path: str
    space: Space
    text: str


def parse_set(raw: str) -> SetOverride:
    """``PATH=VALUES`` into a `SetOverride`; `SweepError` says what is wrong and how to write it."""
    path, equals, text = raw.partition("=")
    path = path.strip()
    if not equals or not path or not text.strip():
        raise SweepError(f"{raw!r}: expected PATH=VALUES, e.g. training.lr=0.001,0.01 or model.layers=range(1,4)")
    try:
        loaded = yaml.load(text, Loader=SweepLoader)  # as a sweep file reads it: 1e-3 is a number
    except yaml.YAMLError:
        loaded = text
    try:
        space = parse_space(loaded) if isinstance(loaded, str) else Values((loaded,))
    except SweepError as exc:
        raise SweepError(f"{raw!r}: {exc.message}") from None
    return SetOverride(path, space, text)


@functools.lru_cache(maxsize=8)
def parse_sets(raws: tuple[str, ...]) -> tuple[SetOverride, ...]:
    """Every ``--sweep-set``, the later one winning for a path given twice (read once per session)."""
    by_path = {override.path: override for override in map(parse_set, raws)}
    return tuple(by_path.values())


def with_sets(spec: SweepSpec, overrides: Sequence[SetOverride]) -> tuple[SweepSpec, set[str]]:
    """``spec`` with each override it has applied, and the paths it had."""
    spaces = dict(spec.spaces)
    applied = set()
    for override in overrides:
        if override.path in spaces or _in_config(spec.config, override.path):
            spaces[override.path] = override.space
            applied.add(override.path)
    return (dataclasses.replace(spec, spaces=spaces) if applied else spec), applied


def unmatched(overrides: Sequence[SetOverride], applied: set[str], sweeps: Mapping[str, SweepSpec]) -> str:
    """The error for overrides no collected sweep had, naming the sweeps and their parameters; "" if none."""
    missing = [override.path for override in overrides if override.path not in applied]
    if not missing:
        return ""
    named = "; ".join(f"{key} ({', '.join(spec.spaces) or 'no parameters'})" for key, spec in sweeps.items())
    return (
        f"--sweep-set {', '.join(missing)}: no collected sweep has {'it' if len(missing) == 1 else 'them'}"
        f" as a parameter or config key; the sweeps: {named or 'none collected'}"
    )


def _in_config(config: Mapping[str, object], path: str) -> bool:
    try:
        get_path(config, path)
    except KeyError:
        return False
    return True
