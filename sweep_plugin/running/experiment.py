"""In-process experiments: find ``module:function``, and call it for a trial.

A module beside the sweep file is that file's module, imported the way
pytest imports test modules in the session's ``--import-mode``:

- ``prepend`` (pytest's default): its folder (or, in a package, the folder
  above the package) goes to the front of ``sys.path``, and a module of the
  same name already imported from another file is an "import file mismatch"
  error, never the wrong code;
- ``importlib`` (pytest's advice for new projects): it is imported under a
  name made from its path below the rootdir (``a/models.py`` is ``a.models``)
  and ``sys.path`` is left alone, so two folders' ``models.py`` each run
  their own experiment, as two same-named test files do.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import SweepError, did_you_mean
from ..ids import file_digest
from ..records.outcomes import TrialError
from ..trial import Trial

ARGUMENTS = ("config", "trial", "params")

Function = Callable[..., Any]


@dataclass(frozen=True)
class Experiment:
    """A Python function that runs one trial in this process."""

    reference: str  # "module:function", as the sweep file writes it
    function: Function
    asked: tuple[str, ...]  # the arguments its signature asks for
    code: str = ""  # a hash of the source file that defines it (resume reruns a trial when it changes)

    def run(self, config: dict[str, Any], trial: Trial) -> None:
        returned = call_experiment(self.function, self.asked, config, trial)
        try:
            trial.finish(returned)
        except TypeError as exc:  # the user's mistake, told in one line (the plugin's frames would hide it)
            raise TrialError(f"{self.reference} returned {_shown(returned)}: {exc}") from None


def _shown(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call_experiment(
    function: Function, asked: Sequence[str], config: dict[str, Any], trial: Trial
) -> Mapping[str, Any] | None:
    """Call ``function`` with the arguments its signature asks for (its traceback starts below here)."""
    available = {"config": config, "trial": trial, "params": trial.params}
    result: Mapping[str, Any] | None = function(**{name: available[name] for name in asked})
    return result


def load_experiment(reference: str, folders: Iterable[Path], isolated_from: Path | None = None) -> Experiment:
    """Import ``module:function``: from the first of ``folders`` that holds the module, else installed.

    ``isolated_from``: pytest's importlib mode, with module names made from paths below this folder (the rootdir).
    """
    module_name, _, function_name = reference.partition(":")
    module = import_module(module_name, folders, isolated_from)
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n in dir(module) if not n.startswith("_")]
        hint = did_you_mean(function_name, names)
        raise SweepError(f"module {module_name!r} has no function {function_name!r}{hint}", key="experiment")
    return Experiment(reference, function, _asked_arguments(function, reference), file_digest(module.__file__))


def import_module(name: str, folders: Iterable[Path], isolated_from: Path | None = None) -> ModuleType:
    """The module ``name``, from the first folder that holds it as a file, else an installed one."""
    for folder in folders:
        file = module_file(folder, name)
        if file is not None and isolated_from is not None:
            return _import_isolated(name, file, isolated_from)
        if file is not None:
            return _import_file(name, file, folder)
    return _import(name, name)


def _import_isolated(name: str, file: Path, rootdir: Path) -> ModuleType:
    """``file`` as pytest's importlib mode imports it: named by its path below ``rootdir``, ``sys.path`` untouched."""
    try:
        parts = list(file.with_suffix("").relative_to(rootdir.resolve()).parts)
    except ValueError:  # outside the rootdir: its own folder's name keeps it apart
        parts = [file.parent.name, file.stem]
    if parts[-1] == "__init__":
        parts.pop()
    return import_file(".".join(parts), file, repr(name), "experiment")


def import_file(qualified: str, file: Path, shown: str, key: str) -> ModuleType:
    """``file`` imported as the module ``qualified`` (kept in ``sys.modules``), unless it is there already.

    A module that fails to import is the user's error to see: a `SweepError` at ``key``, and nothing half made
    left behind.
    """
    existing = sys.modules.get(qualified)
    if existing is not None and _is_file(existing, file):
        return existing
    spec = importlib.util.spec_from_file_location(qualified, file)
    if spec is None or spec.loader is None:
        raise SweepError(f"cannot import {shown} from {file}", key=key)
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[qualified]
        raise SweepError(f"cannot import {shown}: {type(exc).__name__}: {exc}", key=key) from None
    return module


def module_file(folder: Path, name: str) -> Path | None:
    """``folder/a/b.py`` or ``folder/a/b/__init__.py`` for the module ``a.b``, if it exists."""
    base = folder.joinpath(*name.split("."))
    for candidate in (base.parent / f"{base.name}.py", base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _import_file(name: str, file: Path, folder: Path) -> ModuleType:
    """Import ``file`` as pytest's prepend mode would, refusing a module of that name from elsewhere."""
    root, qualified = _package_root(folder.resolve(), name)
    existing = sys.modules.get(qualified)
    if existing is not None and not _is_file(existing, file):
        raise _mismatch(qualified, existing, file)
    if not sys.path or sys.path[0] != str(root):
        sys.path.insert(0, str(root))
    if existing is None:
        importlib.invalidate_caches()  # the file may be newer than the import system's view of its folder
    module = _import(qualified, name)
    if not _is_file(module, file):
        raise _mismatch(qualified, module, file)
    return module


def _package_root(folder: Path, name: str) -> tuple[Path, str]:
    """The folder to import from and the module's full name, climbing the packages ``folder`` is in."""
    parts = name.split(".")
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


def _import(qualified: str, shown: str) -> ModuleType:
    try:
        return importlib.import_module(qualified)
    except Exception as exc:  # a module that fails to import is the user's error to see
        raise SweepError(f"cannot import {shown!r}: {type(exc).__name__}: {exc}", key="experiment") from None


def _is_file(module: ModuleType, file: Path) -> bool:
    origin = getattr(module, "__file__", None)
    return origin is not None and Path(origin).resolve() == file


def _mismatch(name: str, module: ModuleType, file: Path) -> SweepError:
    return SweepError(
        f"import file mismatch: module {name!r} is already imported from {getattr(module, '__file__', None)}, "
        f"which is not {file}; rename one of the two, or make their folders packages (add __init__.py)",
        key="experiment",
    )


def _asked_arguments(function: Function, reference: str) -> tuple[str, ...]:
    asked = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ARGUMENTS:
            asked.append(name)
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            raise SweepError(
                f"{reference} asks for {name!r}; an experiment may ask for {', '.join(ARGUMENTS)}",
                key="experiment",
            )
    return tuple(asked)
