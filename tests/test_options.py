"""Options and ini keys: every setting has both, the command line wins, paths resolve as pytest's do."""

from __future__ import annotations

import re

import pytest

MODELS = "import time\n\ndef train(config):\n    time.sleep(config['s'])\n    return {'acc': 1.0}\n"
SWEEP = "experiment: models:train\nparameters:\n  s: [0, 0.01]\n"
SETTINGS = ("report_dir", "no_report", "resume", "baseline", "timeout")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_t=SWEEP)
    return pytester


def test_help_lists_every_option_and_its_ini_twin(pytester: pytest.Pytester) -> None:
    text = pytester.runpytest("--help").stdout.str()
    for name in SETTINGS:
        assert f"--sweep-{name.replace('_', '-')}" in text
        assert re.search(rf"^  sweep_{name} \(", text, re.M), name
    assert "--sweep-no-store" in text and re.search(r"^  sweep_store \(bool\)", text, re.M)
    assert re.search(r"^  sweep_files \(", text, re.M)


def test_the_command_line_wins_over_the_ini_file(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsweep_report_dir = from_ini\n")
    project.runpytest("--sweep-report-dir", "from_cli").assert_outcomes(passed=2)
    assert (project.path / "from_cli" / "summary.csv").exists()
    assert not (project.path / "from_ini").exists()


def test_relative_paths_resolve_as_pytest_resolves_its_own(project: pytest.Pytester) -> None:
    (project.path / "sub").mkdir()
    project.makeini("[pytest]\nsweep_report_dir = from_ini\n")
    project.chdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project.path / "sub")
        project.runpytest(str(project.path), "--sweep-report-dir", "out").assert_outcomes(passed=2)
        assert (project.path / "sub" / "out" / "summary.csv").exists()  # from where pytest was started
        project.runpytest(str(project.path)).assert_outcomes(passed=2)
        assert (project.path / "from_ini" / "summary.csv").exists()  # from the ini file's folder


def test_ini_switches_and_their_override_for_one_run(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsweep_no_report = true\nsweep_store = false\n")
    project.runpytest().assert_outcomes(passed=2)
    assert not (project.path / "reports").exists()
    project.runpytest("-o", "sweep_no_report=false").assert_outcomes(passed=2)
    assert (project.path / "reports" / "summary.csv").exists()
    assert not (project.path / "reports" / "results.sqlite").exists()


def test_no_store_on_the_command_line(project: pytest.Pytester) -> None:
    project.runpytest("--sweep-no-store").assert_outcomes(passed=2)
    assert (project.path / "reports" / "summary.csv").exists()
    assert not (project.path / "reports" / "results.sqlite").exists()


def test_resume_from_the_ini_file(project: pytest.Pytester) -> None:
    project.runpytest().assert_outcomes(passed=2)
    project.makeini("[pytest]\nsweep_resume = true\n")
    result = project.runpytest()
    result.stdout.fnmatch_lines(["sweep-resume: 2 finished trials reused, not run again"])
    assert result.ret == pytest.ExitCode.OK


def test_baseline_from_the_ini_file_is_relative_to_it(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_t=SWEEP + "expect: [acc >= baseline.acc]\n")
    (project.path / "ci").mkdir()
    (project.path / "ci" / "nightly.csv").write_text("sweep,trial,metrics.acc\nt,s:0,2.0\nt,s:0.01,0.5\n")
    project.makeini("[pytest]\nsweep_baseline = ci/nightly.csv\n")
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*acc >= baseline.acc: acc = 1, baseline.acc = 2"])


@pytest.mark.parametrize(("where", "args"), [("cli", ("--sweep-timeout", "0.2")), ("ini", ())])
def test_timeout_from_either(project: pytest.Pytester, where: str, args: tuple[str, ...]) -> None:
    project.makefile(".yaml", sweep_t="experiment: models:train\nparameters:\n  s: [0, 5]\n")
    project.makeini("[pytest]\nsweep_timeout = " + ("0.2" if where == "ini" else "100") + "\n")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Timeout (>0.2s) from pytest-timeout*"])


def test_a_bad_timeout_on_the_command_line_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("--sweep-timeout", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sweep-timeout: expected a positive number of seconds, got 'soon'"])


def test_the_plugins_warnings_are_silenced_by_their_category(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_w="experiment: models:train\nproject: my-wandb-project\nparameters: {s: [0]}\n")
    shown = project.runpytest("sweep_w.yaml", "-rw")
    shown.assert_outcomes(passed=1, warnings=1)
    shown.stdout.fnmatch_lines(["*SweepWarning: sweep_w.yaml: 'project' is a W&B sweep key that sweep_plugin ignores"])
    silenced = project.runpytest("sweep_w.yaml", "-W", "ignore::sweep_plugin.SweepWarning")
    silenced.assert_outcomes(passed=1)
    assert "SweepWarning" not in silenced.stdout.str()
