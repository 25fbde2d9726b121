"""The report folder holds only what the plugin wrote: it removes its own earlier files, never a user's (issue 17)."""

from __future__ import annotations

import pytest

from sweep_plugin.cli import main

MODEL = """
def train(config):
    return {"acc": config["x"] / 10}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_docs="name: docs\nexperiment: model:train\nparameters: {x: [1, 2]}\n")
    (pytester.path / "docs").mkdir()
    (pytester.path / "docs" / "architecture.png").write_bytes(b"the user's diagram")
    return pytester


def test_a_sweep_named_like_a_users_folder_never_deletes_its_files(project: pytest.Pytester) -> None:
    """The report of sweep ``docs`` written into the project root refused, before any trial: the diagram stays."""
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-report-dir", ".")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sweep-report-dir: * holds files sweep_plugin did not write (docs, *"])
    assert (project.path / "docs" / "architecture.png").read_bytes() == b"the user's diagram"
    assert not (project.path / "summary.csv").exists()


def test_the_merge_refuses_a_folder_it_does_not_own(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    code = main(["report", str(project.path / "reports" / "report.json"), "--out", str(project.path / "docs")])
    assert code == 1
    assert "holds files sweep_plugin did not write (architecture.png)" in capsys.readouterr().err
    assert sorted(path.name for path in (project.path / "docs").iterdir()) == ["architecture.png"]


def test_a_report_removes_its_own_earlier_files_and_nothing_else(project: pytest.Pytester) -> None:
    """A second session with another sweep: the first sweep's report files go, its trials' folders and a user's
    file in its folder stay."""
    project.makefile(".yaml", sweep_other="experiment: model:train\nparameters: {x: [3]}\n")
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    reports = project.path / "reports"
    (reports / "docs" / "notes.md").write_text("mine")
    (reports / "docs" / "trials" / "x=1").mkdir(parents=True, exist_ok=True)
    project.runpytest("-p", "no:cacheprovider", "sweep_other.yaml").assert_outcomes(passed=1)
    assert sorted(path.name for path in (reports / "docs").iterdir()) == ["notes.md", "trials"]
    assert (reports / "other" / "trials.csv").exists()
    assert (project.path / "docs" / "architecture.png").exists()
