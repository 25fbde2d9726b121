"""Which code a trial runs: the experiment module beside its sweep file, never a namesake."""

from __future__ import annotations

import json

import pytest

SWEEP = "experiment: models:train\nparameters:\n  x: [1]\n"


def models(value: int) -> str:
    return f"def train(config):\n    return {{'source': {value}}}\n"


def sources(pytester: pytest.Pytester) -> dict[str, float]:
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    return {test["nodeid"]: test["metadata"]["metrics"].get("source") for test in tests if "metadata" in test}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_sweeps_in_packages_each_run_their_own_module(pytester: pytest.Pytester, processes: str) -> None:
    for folder, value in (("mnist", 1), ("cifar", 2)):
        pytester.mkpydir(folder)
        (pytester.path / folder / "models.py").write_text(models(value))
        (pytester.path / folder / "sweep_lr.yaml").write_text(SWEEP)
    result = pytester.runpytest("-p", "no:cacheprovider", "-n", processes)
    result.assert_outcomes(passed=2)
    assert sources(pytester) == {"mnist/sweep_lr.yaml::lr[trial]": 1, "cifar/sweep_lr.yaml::lr[trial]": 2}


def test_a_namesake_module_from_another_folder_is_an_import_file_mismatch(pytester: pytest.Pytester) -> None:
    for folder, value in (("a", 1), ("b", 2)):
        (pytester.path / folder).mkdir()
        (pytester.path / folder / "models.py").write_text(models(value))
        (pytester.path / folder / f"sweep_{folder}.yaml").write_text(SWEEP)
    result = pytester.runpytest("-p", "no:cacheprovider", "--continue-on-collection-errors", "a", "b")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "b/sweep_b.yaml:1: experiment: import file mismatch: module 'models' is already imported from"
            f" {pytester.path / 'a' / 'models.py'}, which is not {pytester.path / 'b' / 'models.py'};"
            " rename one of the two, or make their folders packages (add __init__.py)"
        ]
    )
    assert sources(pytester) == {"a/sweep_a.yaml::a[trial]": 1}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_under_importlib_mode_namesake_modules_each_run_their_own(pytester: pytest.Pytester, processes: str) -> None:
    """pytest's --import-mode=importlib: two folders' models.py are two modules, as two test_x.py files are."""
    for folder, value in (("a", 1), ("b", 2)):
        (pytester.path / folder).mkdir()
        (pytester.path / folder / "models.py").write_text(models(value))
        (pytester.path / folder / f"sweep_{folder}.yaml").write_text(SWEEP)
    (pytester.path / "test_models.py").write_text("def test_plain():\n    pass\n")  # its own tests import alike
    result = pytester.runpytest("-p", "no:cacheprovider", "--import-mode=importlib", "-n", processes)
    result.assert_outcomes(passed=3)
    assert sources(pytester) == {"a/sweep_a.yaml::a[trial]": 1, "b/sweep_b.yaml::b[trial]": 2}


def test_the_module_beside_the_sweep_wins_over_one_in_the_rootdir(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=models(0))
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "models.py").write_text(models(7))
    (pytester.path / "sub" / "sweep_s.yaml").write_text(SWEEP)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert sources(pytester) == {"sub/sweep_s.yaml::s[trial]": 7}


def test_an_installed_module_is_found_when_no_folder_holds_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", sweep_j="experiment: json:dumps\nparameters:\n  x: [1]\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)  # found and loaded: its signature is what is refused
    result.stdout.fnmatch_lines(["sweep_j.yaml:1: experiment: json:dumps asks for 'obj'; *"])
