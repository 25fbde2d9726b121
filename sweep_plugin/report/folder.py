"""Whose files are in the report folder: the plugin deletes only what it wrote, and writes only where it may.

Every published report lists its files in a manifest (``.sweep-report.json``);
the next report removes the files of that list it does not write again, and
nothing else. A folder without a manifest is the plugin's only if everything
at its top level is something the plugin makes (an earlier report, the result
store, the Optuna journal, sweep folders), a README that keeps the folder in
git, or hidden (no report file is); any other entry means the folder is
someone else's (``--sweep-report-dir .``, or ``docs``), and the report is
refused before a file is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

MANIFEST = ".sweep-report.json"
#: Top-level names the plugin writes in its report folder (the report, the store, the default journal).
OWN_NAMES = frozenset(
    {
        "report.json",
        "summary.csv",
        "gates.csv",
        "trends.csv",
        "index.html",
        "results.sqlite",
        "results.sqlite-wal",
        "results.sqlite-shm",
        "results.sqlite-journal",
        "optuna.journal",
        "optuna.journal.lock",
        "optuna.journal.torn",
    }
)
#: What a repository keeps to hold an otherwise ignored folder in git (hidden files are never the report's).
KEEPERS = frozenset({"README", "README.md", "README.rst", "README.txt"})
SHOWN = 3  # foreign entries named in the error


class ReportFolderRefused(OSError):
    """The report folder holds files the plugin did not write: it is not the plugin's to fill."""


def previous_files(out: Path) -> set[Path] | None:
    """The files the last report published into ``out`` (relative), or None when it has no readable manifest."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, list):
        return None
    return {Path(name) for name in listed if isinstance(name, str) and _inside(Path(name))}


def check_folder(out: Path) -> None:
    """Raise `ReportFolderRefused` when ``out`` holds things at its top level that the plugin did not write."""
    if previous_files(out) is not None:
        return  # its own: a report was published here
    try:
        entries = sorted(out.iterdir())
    except FileNotFoundError:
        return
    except NotADirectoryError:
        return  # creating it fails with its own clear error
    foreign = [entry.name for entry in entries if not _looks_own(entry)]
    if foreign:
        shown = ", ".join(foreign[:SHOWN]) + (f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else "")
        raise ReportFolderRefused(
            f"{out} holds files sweep_plugin did not write ({shown}); a report removes its earlier files, so it "
            "writes only into an empty folder or one of its own: name another with --sweep-report-dir "
            "(or report --out)"
        )


def write_manifest(out: Path, files: Iterable[Path]) -> None:
    """List ``files`` (relative to ``out``) as this report's, replacing the list at once."""
    text = json.dumps({"written_by": "sweep_plugin", "files": sorted(str(path) for path in files)}, indent=1)
    temporary = out / f"{MANIFEST}.tmp"
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, out / MANIFEST)


def remove_stale(out: Path, stale: Iterable[Path]) -> None:
    """Delete the earlier report's ``stale`` files, and their folders if that leaves them empty."""
    for relative in stale:
        (out / relative).unlink(missing_ok=True)
        for parent in relative.parents[:-1]:  # a sweep folder holds trial folders too: removed only when empty
            with contextlib.suppress(OSError):
                (out / parent).rmdir()


def _looks_own(entry: Path) -> bool:
    """Something the plugin makes at the top of its folder, or a file that keeps the folder in git."""
    name = entry.name
    if name in OWN_NAMES or name in KEEPERS or name.startswith("."):  # locks, staging, .gitignore, .DS_Store
        return True
    if entry.is_dir():  # a sweep folder: its report files, or the trials' own folders
        return (entry / "trials.csv").exists() or (entry / "trials").is_dir() or not any(entry.iterdir())
    return name.endswith(".png") and name.startswith(("gates_", "trends_"))


def _inside(relative: Path) -> bool:
    """A manifest entry that names a path inside the folder (a damaged or hostile one never reaches out)."""
    return not relative.is_absolute() and ".." not in relative.parts and relative.parts != ()
