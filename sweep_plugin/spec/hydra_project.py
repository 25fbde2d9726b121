"""A Hydra project as written: a sweep file's ``hydra:`` pointer read into the sweep it stands for.

```yaml
hydra:
  app: src/train.py                          # the script whose @hydra.main function is the task
  config_path: ../configs                    # optional, relative to the app (default: the decorator's)
  config_name: train                         # optional (default: the decorator's)
  overrides: [hparams_search=mnist_optuna]   # as on Hydra's command line
```

The config is composed with Hydra's compose API (``hydra-core``, imported
only here), and the sweeper under ``hydra.sweeper`` becomes the sweep: the
Optuna sweeper's ``params`` (Hydra's grammar) or legacy ``search_space``,
``n_trials``, ``direction`` and ``sampler`` (with its seed) a ``bayes`` sweep on
the plugin's own study (``GridSampler``: a grid of ``n_trials`` points), the
basic sweeper's comma lists a grid. `expand` gives the sweep mapping the
reader then checks as any other, and the `HydraProject` the trials run.

hydra-optuna-sweeper pins optuna < 3, which the plugin's Optuna cannot sit
beside; where it is not installed, its config nodes (``hydra/sweeper: optuna``
and the ``hydra/sweeper/sampler`` options) are stood in for, so configs that
name it compose as written.
"""

from __future__ import annotations

import ast
import contextlib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SweepError
from .paths import deep_merge

POINTER_KEYS = ("app", "config_path", "config_name", "overrides")
SAMPLERS = {
    "TPESampler": "tpe",
    "MOTPESampler": "tpe",
    "RandomSampler": "random",
    "CmaEsSampler": "cmaes",
    "NSGAIISampler": "nsga2",
    "QMCSampler": "qmc",
    "GPSampler": "gp",
}
OPTUNA_SWEEPER = "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"


@dataclass(frozen=True)
class HydraProject:
    """Where a Hydra app's task and config are, and the overrides every trial composes with."""

    app: Path
    task: str  # the name of the function @hydra.main decorates
    config_dir: Path
    config_name: str | None
    overrides: tuple[str, ...]
    version_base: str | None

    def compose(self, overrides: tuple[str, ...] = ()) -> Any:
        """The app's config with the project's and ``overrides``, its ``hydra`` node included (Hydra's compose API)."""
        from hydra import compose, initialize_config_dir

        stand_in_for_the_optuna_sweeper()
        with initialize_config_dir(config_dir=str(self.config_dir), version_base=self.version_base, job_name=self.task):
            return compose(self.config_name, overrides=[*self.overrides, *overrides], return_hydra_config=True)


def is_pointer(data: Any) -> bool:
    """Whether a sweep mapping's ``hydra:`` key points at an app (a Hydra config's ``hydra:`` node does not)."""
    return isinstance(data, Mapping) and isinstance(data.get("hydra"), Mapping) and "app" in data["hydra"]


def expand(raw: Mapping[str, Any], sweep_file: Path) -> tuple[dict[str, Any], HydraProject]:
    """The sweep mapping ``raw``'s ``hydra:`` pointer stands for, and its project; `SweepError` at ``hydra.<key>``."""
    project = read_pointer(raw["hydra"], sweep_file)
    try:
        composed = project.compose()
    except SweepError:
        raise
    except Exception as exc:  # Hydra's own error: a missing config, an unknown override
        raise SweepError(f"Hydra cannot compose the config: {type(exc).__name__}: {exc}", key="hydra") from None
    from omegaconf import OmegaConf

    container = OmegaConf.to_container(composed, resolve=False)
    assert isinstance(container, dict)
    config = {str(key): value for key, value in container.items()}
    sweeper = config.pop("hydra", {}).get("sweeper") or {}
    sweep = {key: value for key, value in raw.items() if key != "hydra"}
    sweep["config"] = deep_merge(config, raw.get("config") or {})  # the pointer file's config: keys win
    for key, value in sweep_of(sweeper, config).items():
        sweep.setdefault(key, value)
    return sweep, project


def read_pointer(pointer: Mapping[str, Any], sweep_file: Path) -> HydraProject:
    """The app, its task and its config folder, from the pointer and the app's ``@hydra.main`` decorator."""
    unknown = [key for key in pointer if key not in POINTER_KEYS]
    if unknown:
        raise SweepError(f"unknown key {unknown[0]!r} (a hydra: pointer has {', '.join(POINTER_KEYS)})", key="hydra")
    app = (sweep_file.parent / str(pointer["app"])).resolve()
    if not app.is_file():
        raise SweepError(f"no app {pointer['app']!r} beside the sweep file ({app})", key="hydra.app")
    task, decorated = decorator_arguments(app)
    config_path = pointer.get("config_path", decorated.get("config_path"))
    config_dir = (app.parent / str(config_path)).resolve() if config_path is not None else app.parent
    if not config_dir.is_dir():
        raise SweepError(f"no config folder {config_dir}", key="hydra.config_path")
    overrides = pointer.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(item, str) for item in overrides):
        raise SweepError("a list of Hydra overrides, as on its command line (key=value)", key="hydra.overrides")
    name = pointer.get("config_name", decorated.get("config_name"))
    version = decorated.get("version_base")
    return HydraProject(app, task, config_dir, None if name is None else str(name), tuple(overrides), version)


def decorator_arguments(app: Path) -> tuple[str, dict[str, Any]]:
    """The function ``@hydra.main(...)`` decorates in ``app``, and the decorator's literal arguments (read, not run)."""
    try:
        tree = ast.parse(app.read_text(encoding="utf-8"), str(app))
    except (SyntaxError, UnicodeDecodeError, OSError) as exc:
        raise SweepError(f"cannot read the app {app}: {exc}", key="hydra.app") from None
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _names_main(decorator.func):
                keywords = {k.arg: k.value for k in decorator.keywords if k.arg}
                literal = {name: ast.literal_eval(value) for name, value in keywords.items() if _literal(value)}
                return node.name, literal
    raise SweepError(f"{app.name} has no function decorated with @hydra.main(...)", key="hydra.app")


def _names_main(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "main") or (
        isinstance(func, ast.Name) and func.id == "main"
    )


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def sweep_of(sweeper: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The sweep keys the composed ``hydra.sweeper`` (and the config's ``optimized_metric``) stand for."""
    params = dict(sweeper.get("params") or {})
    params.update({path: _legacy_space(path, space) for path, space in (sweeper.get("search_space") or {}).items()})
    if not params:
        raise SweepError("the composed config's hydra.sweeper has no params to sweep", key="hydra.overrides")
    sweep: dict[str, Any] = {"parameters": params}
    if "optuna" not in str(sweeper.get("_target_", "")).lower() and "n_trials" not in sweeper:
        return sweep  # Hydra's basic sweeper: comma lists, a grid
    sampler = sweeper.get("sampler") or {}
    kind = str(sampler.get("_target_", "optuna.samplers.TPESampler")).rsplit(".", 1)[-1]
    if kind == "GridSampler":
        sweep["method"] = "grid"
    elif kind in SAMPLERS:
        sweep.update(method="bayes", sampler=SAMPLERS[kind])
    else:
        raise SweepError(f"the sampler {kind} has no counterpart here (use one of {', '.join(SAMPLERS)})", key="hydra")
    if sweeper.get("n_trials"):
        sweep["trials"] = int(sweeper["n_trials"])
    if sampler.get("seed") is not None:
        sweep["seed"] = int(sampler["seed"])
    directions = sweeper.get("direction") or "minimize"
    name = str(config.get("optimized_metric") or "objective")
    if isinstance(directions, list) and len(directions) > 1:
        sweep["metrics"] = [{"name": f"{name}_{i}", "goal": str(goal)} for i, goal in enumerate(directions)]
    else:
        goal = directions[0] if isinstance(directions, list) else directions
        sweep["metric"] = {"name": name, "goal": str(goal)}
    return sweep


def _legacy_space(path: str, space: Any) -> Any:
    """hydra-optuna-sweeper's older ``search_space`` entries (``type: float, low, high, log``) in W&B's words."""
    if not isinstance(space, Mapping) or "type" not in space:
        raise SweepError("a search_space entry has type: categorical, float or int", key=f"hydra.search_space.{path}")
    kind = str(space["type"])
    if kind == "categorical":
        return {"values": list(space.get("choices") or [])}
    if kind not in ("float", "int"):
        raise SweepError(f"unknown type {kind!r}", key=f"hydra.search_space.{path}")
    if space.get("log"):
        return {"distribution": "log_uniform_values" if kind == "float" else "int_uniform", "min": space["low"],
                "max": space["high"]}  # fmt: skip
    if space.get("step") is not None:
        return {"distribution": "q_uniform", "min": space["low"], "max": space["high"], "q": space["step"]}
    return {"distribution": "uniform" if kind == "float" else "int_uniform", "min": space["low"], "max": space["high"]}


@functools.cache
def stand_in_for_the_optuna_sweeper() -> None:
    """Register hydra-optuna-sweeper's config nodes where the plugin is not installed (it pins optuna < 3)."""
    from hydra.core.config_store import ConfigStore

    with contextlib.suppress(ImportError):
        import hydra_plugins.hydra_optuna_sweeper  # noqa: F401 - installed: its own nodes are there

        return
    store = ConfigStore.instance()
    with contextlib.suppress(OSError):  # the group does not exist yet
        if "optuna.yaml" in store.list("hydra/sweeper"):
            return
    samplers = {name: f"optuna.samplers.{cls}" for cls, name in _SAMPLER_NODES}
    for name, target in samplers.items():
        store.store(group="hydra/sweeper/sampler", name=name, node={"_target_": target, "seed": None})
    store.store(group="hydra/sweeper", name="optuna", node=dict(_sweeper_node()))


_SAMPLER_NODES = (
    ("TPESampler", "tpe"),
    ("RandomSampler", "random"),
    ("CmaEsSampler", "cmaes"),
    ("NSGAIISampler", "nsgaii"),
    ("MOTPESampler", "motpe"),
    ("QMCSampler", "qmc"),
    ("GridSampler", "grid"),
)


def _sweeper_node() -> Iterator[tuple[str, Any]]:
    """The fields of hydra-optuna-sweeper's ``OptunaSweeperConf``, with its defaults."""
    yield "defaults", [{"sampler": "tpe"}]
    yield "_target_", OPTUNA_SWEEPER
    yield "direction", "minimize"
    yield "storage", None
    yield "study_name", None
    yield "n_trials", 20
    yield "n_jobs", 2
    yield "max_failure_rate", 0.0
    yield "search_space", None
    yield "params", None
    yield "custom_search_space", None
