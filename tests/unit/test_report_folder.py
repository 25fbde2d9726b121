"""Whose files are in the report folder: the manifest, the refusal of someone else's folder, the stale files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweep_plugin.report.folder import (
    MANIFEST,
    ReportFolderRefused,
    check_folder,
    previous_files,
    remove_stale,
    write_manifest,
)


def test_a_missing_or_empty_folder_is_fine(tmp_path: Path) -> None:
    check_folder(tmp_path / "new")
    check_folder(tmp_path)


def test_a_folder_of_someone_else_is_refused_naming_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.png").write_bytes(b"png")
    for name in ("mkdocs.yml", "a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("x")
    with pytest.raises(ReportFolderRefused, match=r"holds files sweep_plugin did not write \(a\.txt, b\.txt, c\.txt"):
        check_folder(tmp_path)
    with pytest.raises(ReportFolderRefused, match="and 2 more"):
        check_folder(tmp_path)


def test_an_earlier_report_without_a_manifest_is_the_plugins(tmp_path: Path) -> None:
    """A report folder written before manifests existed, kept in git by a README, is still the plugin's."""
    for name in ("report.json", "summary.csv", "index.html", "results.sqlite", "README.md", "gates_g.png"):
        (tmp_path / name).write_text("x")
    (tmp_path / "moons").mkdir()
    (tmp_path / "moons" / "trials.csv").write_text("x")
    (tmp_path / "wandb_moons" / "trials" / "lr=0.1").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    check_folder(tmp_path)


def test_a_folder_with_a_manifest_is_the_plugins_whatever_else_it_holds(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    write_manifest(tmp_path, [Path("summary.csv")])
    check_folder(tmp_path)
    assert previous_files(tmp_path) == {Path("summary.csv")}


@pytest.mark.parametrize(
    "manifest", ['{"files": ["../outside.txt", "/etc/passwd", "", "ok.csv", 3]}', "not json", '{"files": "x"}', "[]"]
)
def test_a_damaged_or_hostile_manifest_never_names_a_file_outside(tmp_path: Path, manifest: str) -> None:
    (tmp_path / MANIFEST).write_text(manifest)
    listed = previous_files(tmp_path)
    assert listed is None or listed == {Path("ok.csv")}


def test_stale_files_go_with_their_folders_only_when_empty(tmp_path: Path) -> None:
    for name in ("a/plot.png", "b/plot.png", "b/trials/t1/out.txt", "keep.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    remove_stale(tmp_path, [Path("a/plot.png"), Path("b/plot.png"), Path("gone.png")])
    assert not (tmp_path / "a").exists()  # nothing else was in it
    assert (tmp_path / "b" / "trials" / "t1" / "out.txt").exists() and not (tmp_path / "b" / "plot.png").exists()
    assert (tmp_path / "keep.csv").exists()


def test_the_manifest_is_written_whole(tmp_path: Path) -> None:
    write_manifest(tmp_path, [Path("s/b.png"), Path("a.csv")])
    assert json.loads((tmp_path / MANIFEST).read_text())["files"] == ["a.csv", "s/b.png"]
    assert not list(tmp_path.glob(f"{MANIFEST}.*"))


@pytest.mark.parametrize("complete", [True, False])
def test_an_incomplete_report_keeps_the_earlier_files_it_could_not_replace(tmp_path: Path, complete: bool) -> None:
    from sweep_plugin.report.publish import publish

    out, staging = tmp_path / "out", tmp_path / "staging"
    for name in ("index.html", "s/old.png"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("earlier")
    write_manifest(out, [Path("index.html"), Path("s/old.png")])
    staging.mkdir()
    (staging / "summary.csv").write_text("new")
    publish(staging, out, [Path("summary.csv")], complete=complete)
    assert (out / "index.html").exists() is not complete  # a page that failed to render leaves the earlier one
    kept = set() if complete else {Path("index.html"), Path("s/old.png")}
    assert previous_files(out) == {Path("summary.csv"), *kept}  # the earlier files still there stay listed
