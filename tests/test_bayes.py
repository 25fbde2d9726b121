"""Adaptive search (``method: bayes``) through real sessions: slots, one study for every worker, every
ending told to the study, reruns with the slot's own parameters, resume, samplers, spaces, bad input.

The study is read back with Optuna's own API from the journal file in the report folder.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.storages.journal import JournalFileBackend, JournalStorage

MODELS = """
import math, os, time
from pathlib import Path

def branin(config, trial):
    x, y = config["x"], config["y"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    value = (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10
    for step in range(3):
        trial.log(step=step, value=value + 3 - step)
    return {"value": value}

def endings(config):
    kind = config["kind"]
    if kind == "error":
        raise RuntimeError("boom")
    if kind == "timeout":
        time.sleep(30)
    if kind == "crash":
        os._exit(3)
    return {"value": 1.0 if kind == "pass" else 5.0}

def odd_slots_fail(config, trial):
    if int(trial.id[-1]) % 2:
        raise RuntimeError("an odd slot")
    return {"value": config["x"]}

def flaky(config, trial):
    with open("params.log", "a") as log:
        log.write(f"{trial.id} {config['x']!r}\\n")
    flag = Path(f"tried-{trial.id}")
    if config.get("fail_once") and not flag.exists():
        flag.touch()
        raise RuntimeError("first attempt fails")
    return {"value": config["x"]}
"""

BRANIN = """
experiment: models:branin
method: bayes
trials: {trials}
metric: {{name: value, goal: minimize}}
parameters:
  x: {{distribution: uniform, min: -5, max: 10}}
  y: {{distribution: uniform, min: 0, max: 15}}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    return pytester


@dataclass(frozen=True)
class Finished:
    """How a session ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def session(project: pytest.Pytester, *args: str) -> Finished:
    """A session in this process: pytest, Optuna and the report's libraries are imported already."""
    result = project.runpytest("-p", "no:cacheprovider", *args)
    return Finished(int(result.ret), result.stdout.str(), result.stderr.str())


def subprocess_session(project: pytest.Pytester, *args: str) -> Finished:
    """A session in a process of its own, for trials that kill their process or hang."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project.path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def studies(project: pytest.Pytester) -> list[optuna.Study]:
    storage = JournalStorage(JournalFileBackend(str(project.path / "reports" / "optuna.journal")))
    summaries = sorted(optuna.get_all_study_summaries(storage, False), key=lambda s: s.datetime_start)
    return [optuna.load_study(study_name=s.study_name, storage=storage) for s in summaries]


def summary(project: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (project.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


def states(study: optuna.Study) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.trials:
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts


@pytest.mark.parametrize("processes", ["0", "2"])
def test_slots_ask_one_study_and_show_what_they_ran_with(project: pytest.Pytester, processes: str) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=12))
    result = session(project, "-n", processes, "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sweep_branin.yaml::branin[trial:07]" in result.stdout
    (study,) = studies(project)
    assert states(study) == {"COMPLETE": 12}
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 12  # no suggestion twice
    rows = summary(project)
    assert sorted(rows) == [f"trial:{i:02d}" for i in range(12)]
    by_slot = {t.user_attrs["sweep"]["slot"]: t for t in study.trials}
    for slot, row in rows.items():
        assert float(row["params.x"]) == pytest.approx(by_slot[slot].params["x"])
        assert float(row["metrics.value"]) == pytest.approx(by_slot[slot].value)
    assert "branin: 12 trials: 12 passed; best trial:" in result.stdout
    plots = project.path / "reports" / "branin"
    assert (plots / "optimization_history.png").stat().st_size > 1000
    assert (plots / "search.png").stat().st_size > 1000
    assert "optimization_history.png" in (project.path / "reports" / "index.html").read_text()


def test_every_ending_is_told_and_none_stays_running(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_end="""
        experiment: models:endings
        method: bayes
        trials: 16
        seed: 3
        timeout: 2
        metric: {name: value, goal: minimize}
        expect: [value < 3]
        parameters:
          kind: [pass, fail, error, timeout, crash]
        """,
    )
    result = subprocess_session(project, "-n", "2")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    (study,) = studies(project)
    rows = summary(project)
    by_slot = {t.user_attrs["sweep"]["slot"]: t for t in study.trials}
    expected = {"pass": "COMPLETE", "fail": "COMPLETE", "error": "FAIL", "timeout": "FAIL", "crash": "FAIL"}
    for slot, row in rows.items():
        assert by_slot[slot].state.name == expected[row["params.kind"]], (slot, row["outcome"])
    assert "RUNNING" not in states(study)
    assert {row["outcome"] for row in rows.values()} <= {"passed", "failed", "error", "timeout", "crashed"}


def test_a_retried_slot_runs_its_own_parameters_again(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_r="""
        experiment: models:flaky
        method: bayes
        trials: 3
        retries: 1
        metric: {name: value, goal: minimize}
        config: {fail_once: true}
        parameters:
          x: {distribution: uniform, min: 0, max: 1}
        """,
    )
    result = session(project, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    runs: dict[str, list[str]] = {}
    for line in (project.path / "params.log").read_text().splitlines():
        slot, value = line.split()
        runs.setdefault(slot, []).append(value)
    assert all(len(values) == 2 and values[0] == values[1] for values in runs.values()), runs
    (study,) = studies(project)
    assert states(study) == {"COMPLETE": 3}  # one trial per slot, told once, with the last attempt's metric
    assert "already finished" not in result.stdout + result.stderr


def test_last_failed_reruns_a_slot_with_the_parameters_it_had(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_l="""
        experiment: models:flaky
        method: bayes
        trials: 4
        metric: {name: value, goal: minimize}
        expect: [value < 0]
        parameters:
          x: {distribution: uniform, min: 0, max: 1}
        """,
    )
    cache = ("-p", "cacheprovider")
    first = subprocess.run([sys.executable, "-m", "pytest", *cache], cwd=project.path, capture_output=True, text=True)
    failed = {slot: row["params.x"] for slot, row in summary(project).items() if row["outcome"] == "failed"}
    assert failed, first.stdout
    (project.path / "params.log").unlink()
    subprocess.run([sys.executable, "-m", "pytest", *cache, "--lf"], cwd=project.path, capture_output=True, text=True)
    rerun = dict(line.split() for line in (project.path / "params.log").read_text().splitlines())
    assert sorted(rerun) == sorted(failed)
    assert all(float(rerun[slot]) == pytest.approx(float(failed[slot])) for slot in failed)


def test_resume_continues_the_study_and_a_new_session_starts_afresh(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=8) + "quick: 3\n")
    assert session(project, "-m", "quick").returncode == 0
    resumed = session(project, "-n", "2", "--sweep-resume")
    assert resumed.returncode == 0, resumed.stdout
    assert "sweep-resume: 3 finished trials reused, not run again" in resumed.stdout
    assert "branin: 8 trials: 8 passed (3 resumed)" in resumed.stdout
    (study,) = studies(project)
    assert states(study) == {"COMPLETE": 8}
    fresh = session(project)
    assert fresh.returncode == 0
    assert [len(s.trials) for s in studies(project)] == [8, 8]


@pytest.mark.parametrize(
    ("sampler", "options"),
    [("random", ""), ("qmc", ""), ("cmaes", ""), ("nsga2", "sampler_options: {population_size: 4}"), ("tpe", "")],
)
def test_samplers(project: pytest.Pytester, sampler: str, options: str) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=6) + f"sampler: {sampler}\n{options}\n")
    result = session(project, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    (study,) = studies(project)
    assert study.user_attrs["sweep_sampler"] == sampler
    assert states(study) == {"COMPLETE": 6}


def test_spaces_map_to_optuna_distributions(project: pytest.Pytester) -> None:
    project.makepyfile(models="def f(config):\n    return {'v': config['lr'] + config['n'] + config['q']}\n")
    project.makefile(
        ".yaml",
        sweep_s="""
        experiment: models:f
        method: bayes
        trials: 3
        metric: {name: v}
        parameters:
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-1}
          n: {distribution: int_uniform, min: 1, max: 8}
          q: {distribution: q_uniform, min: 0, max: 1, q: 0.25}
          act: [relu, tanh]
          layers: {values: [[8, 8], [16]]}
        """,
    )
    result = session(project)
    assert result.returncode == 0, result.stdout + result.stderr
    (study,) = studies(project)
    dists = study.trials[0].distributions
    assert dists["lr"] == optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)
    assert dists["n"] == optuna.distributions.IntDistribution(1, 8)
    assert dists["q"] == optuna.distributions.FloatDistribution(0, 1, step=0.25)
    assert dists["act"] == optuna.distributions.CategoricalDistribution(("relu", "tanh"))
    assert all(row["params.layers"] in ("[8, 8]", "[16]") for row in summary(project).values())


def test_constraints_are_never_broken_by_a_trial_that_runs(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=10) + "constraints: ['x + y <= 8']\n")
    assert session(project, "-n", "2").returncode == 0
    assert all(float(r["params.x"]) + float(r["params.y"]) <= 8 for r in summary(project).values())
    (study,) = studies(project)
    ran = [t for t in study.trials if "sweep_refused" not in t.user_attrs]
    assert len(ran) == 10 and all(t.state.name == "COMPLETE" for t in ran)
    assert all(t.state.name == "FAIL" for t in study.trials if "sweep_refused" in t.user_attrs)


def test_early_terminate_uses_optunas_pruner(project: pytest.Pytester) -> None:
    rule = "early_terminate: {type: median, min_iter: 1}\nsampler: random\n"  # a random sample: about half lag
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=30) + rule)
    result = session(project, "-rs")
    assert result.returncode == 0, result.stdout
    (study,) = studies(project)
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert pruned, states(study)
    rows = summary(project)
    assert {rows[t.user_attrs["sweep"]["slot"]]["outcome"] for t in pruned} == {"pruned"}


def test_hyperband_with_a_fractional_eta_prunes_with_a_whole_reduction_factor(project: pytest.Pytester) -> None:
    rule = "early_terminate: {type: hyperband, min_iter: 1, eta: 1.5}\nsampler: random\n"
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=12) + rule)
    result = session(project)
    assert result.returncode == 0, result.stdout


def test_the_budget_can_come_from_the_command_line(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=1).replace("trials: 1\n", ""))
    default = session(project)
    assert "sweep_branin.yaml::branin: no budget given (trials, run_cap or --sweep-trials): 10 trials" in default.stdout
    assert len(summary(project)) == 10
    assert session(project, "--sweep-trials", "3").returncode == 0
    assert len(summary(project)) == 3


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("sampler: tpee\n", "sweep_b.yaml:*: sampler: unknown sampler 'tpee' (did you mean 'tpe'?)"),
        (
            "sampler_options: {n_startup: 3}\n",
            "sweep_b.yaml:*: sampler_options.n_startup: sampler tpe takes no option 'n_startup'"
            " (did you mean 'n_startup_trials'?)*",
        ),
        (
            "parameters:\n  x: {distribution: normal, mu: 0, sigma: 1}\n",
            "sweep_b.yaml:*: parameters.x: normal has no Optuna equivalent for method bayes; write a bounded one*",
        ),
        (
            "parameters:\n  x: {distribution: q_log_uniform_values, min: 1, max: 100, q: 5}\n",
            "sweep_b.yaml:*: parameters.x: q_log_uniform_values has no Optuna equivalent*",
        ),
        ("repeat: 2\n", "sweep_b.yaml:*: repeat: repeat applies to grid, random and lhs; a bayes trial runs once"),
    ],
    ids=["unknown-sampler", "bad-option", "normal", "quantised-log", "repeat"],
)
def test_bad_adaptive_sweeps_are_clean_collection_errors(project: pytest.Pytester, extra: str, expected: str) -> None:
    text = BRANIN.format(trials=3)
    if extra.startswith("parameters:"):
        text = text.split("parameters:")[0]
    project.makefile(".yaml", sweep_b=text + extra)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()


def test_an_unreachable_storage_is_a_clean_collection_error(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_b=BRANIN.format(trials=3))
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-storage", "postgresql://nobody@127.0.0.1:9/nodb")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["sweep_b.yaml*cannot open the Optuna storage postgresql://nobody@127.0.0.1:9/nodb*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_resume_refuses_a_study_made_for_another_space(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_b=BRANIN.format(trials=2))
    assert session(project).returncode == 0
    project.makefile(".yaml", sweep_b=BRANIN.format(trials=2).replace("max: 15", "max: 20"))
    result = session(project, "--sweep-resume")
    assert "parameters: --sweep-resume: the study" in result.stdout
    assert "was made for another search space" in result.stdout


def test_gp_without_pytorch_says_what_to_install(project: pytest.Pytester) -> None:
    if _has("torch"):
        pytest.skip("PyTorch is installed here: the gp sampler runs")
    project.makefile(".yaml", sweep_b=BRANIN.format(trials=2) + "sampler: gp\n")
    result = project.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["sweep_b.yaml:*: sampler: sampler gp needs the package torch: pip install torch"])


def _has(module: str) -> Any:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_the_study_folder_is_the_report_folder(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=2))
    assert session(project, "--sweep-report-dir", "out").returncode == 0
    assert (Path(project.path) / "out" / "optuna.journal").exists()


def test_two_sessions_on_one_postgres_study_fill_one_budget(project: pytest.Pytester, postgres_url: str) -> None:
    """Two machines: the same RDB URL and --sweep-resume, started at the same moment."""
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=20))
    args = ["--sweep-storage", postgres_url, "--sweep-resume", "-p", "no:cacheprovider"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    before = study_names(postgres_url, "postgresql")  # the server is shared with other tests
    machines = []
    for name in ("a", "b"):
        out = ["--sweep-report-dir", f"reports_{name}"]
        command = [sys.executable, "-m", "pytest", *args, *out, "-n", "2" if name == "a" else "0"]
        machines.append(subprocess.Popen(command, cwd=project.path, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [machine.communicate(timeout=300)[0] for machine in machines]
    assert all("INTERNALERROR" not in output for output in outputs), outputs
    storage = optuna.storages.RDBStorage(postgres_url)
    try:
        (summary_name,) = set(optuna.study.get_all_study_names(storage)) - before
        study = optuna.load_study(study_name=summary_name, storage=storage)
        ran = [t for t in study.trials if t.state.name == "COMPLETE"]
    finally:
        storage.engine.dispose()  # its connections closed here, not by the garbage collector in a later test
    assert len(ran) == 20  # the budget, once
    assert len({t.user_attrs["sweep"]["slot"] for t in ran}) == 20  # no slot twice
    ran_here = [summary_of(project.path / f"reports_{name}") for name in ("a", "b")]
    assert sum(len(rows) for rows in ran_here) == 20, outputs  # each slot passed in exactly one session
    assert set(ran_here[0]).isdisjoint(ran_here[1])


@pytest.mark.parametrize("storage", ["postgresql", "journal"])
def test_sessions_naming_one_study_share_it_whoever_starts_first(
    project: pytest.Pytester, storage: str, request: pytest.FixtureRequest
) -> None:
    """--sweep-study: three sessions started in the same second join one study: the budget once, no slot twice.

    With --sweep-resume alone each session that found no study yet made its own.
    """
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=12))
    url = request.getfixturevalue("postgres_url") if storage == "postgresql" else str(project.path / "shared.journal")
    args = ["--sweep-storage", url, "--sweep-study", "nightly-42", "-p", "no:cacheprovider"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    before = study_names(url, storage)  # the server is shared with other tests
    machines = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", *args, "--sweep-report-dir", f"reports_{name}"],
            cwd=project.path,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in "abc"
    ]
    outputs = [machine.communicate(timeout=300)[0] for machine in machines]
    assert all("INTERNALERROR" not in output for output in outputs), outputs
    stored = optuna.storages.RDBStorage(url) if storage == "postgresql" else journal_storage(url)
    try:
        study = optuna.load_study(study_name="sweep_branin.yaml::branin@nightly-42", storage=stored)
        ran = [t for t in study.trials if t.state.name == "COMPLETE"]
    finally:
        if storage == "postgresql":
            stored.engine.dispose()
    assert study_names(url, storage) - before == {"sweep_branin.yaml::branin@nightly-42"}  # one study, by its name
    assert len(ran) == 12 and len({t.user_attrs["sweep"]["slot"] for t in ran}) == 12  # the budget, no slot twice
    ran_here = [summary_of(project.path / f"reports_{name}") for name in "abc"]
    assert sum(len(rows) for rows in ran_here) == 12, outputs  # each slot passed in exactly one session


def study_names(url: str, storage: str) -> set[str]:
    if storage == "journal" and not Path(url).exists():
        return set()
    stored = optuna.storages.RDBStorage(url) if storage == "postgresql" else journal_storage(url)
    try:
        return set(optuna.study.get_all_study_names(stored))
    finally:
        if storage == "postgresql":
            stored.engine.dispose()


def journal_storage(path: str) -> Any:
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path))


def summary_of(folder: Path) -> dict[str, str]:
    """The trials a session ran (not those another session had), by slot."""
    if not (folder / "summary.csv").exists():
        return {}
    with (folder / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row["outcome"] for row in csv.DictReader(handle) if row["outcome"] == "passed"}


def test_an_sqlite_url_serves_every_worker(project: pytest.Pytester) -> None:
    """Workers opening a new RDB at the same moment race to create its tables: none may lose."""
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=8))
    url = f"sqlite:///{project.path / 'study.db'}"
    result = session(project, "-n", "2", "--sweep-storage", url)
    assert result.returncode == 0, result.stdout + result.stderr
    (name,) = [s.study_name for s in optuna.get_all_study_summaries(url, False)]
    assert states(optuna.load_study(study_name=name, storage=url)) == {"COMPLETE": 8}


TWO_OBJECTIVES = """
experiment: models:two
method: bayes
sampler: {sampler}
trials: 16
metric:
  - {{name: error, goal: minimize}}
  - {{name: size, goal: minimize}}
parameters:
  x: {{distribution: uniform, min: 0, max: 1}}
"""


@pytest.mark.parametrize("sampler", ["nsga2", "tpe"])
def test_several_metrics_make_a_pareto_front(project: pytest.Pytester, sampler: str) -> None:
    project.makepyfile(models="def two(config):\n    x = config['x']\n    return {'error': x, 'size': (1 - x) ** 2}\n")
    project.makefile(".yaml", sweep_two=TWO_OBJECTIVES.format(sampler=sampler))
    result = session(project, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    (study,) = studies(project)
    assert [d.name for d in study.directions] == ["MINIMIZE", "MINIMIZE"]
    assert states(study) == {"COMPLETE": 16}
    folder = project.path / "reports" / "two"
    with (folder / "pareto.csv").open(newline="") as handle:
        front = list(csv.DictReader(handle))
    assert len(front) == 16  # error and size trade off everywhere: every trial is on the front
    import yaml

    best = yaml.safe_load((folder / "best.yaml").read_text())
    assert len(best["pareto_front"]) == 16 and best["metric"] == "error"
    assert (folder / "pareto.png").exists()
    assert "Pareto front of error, size: 16 trials" in result.stdout


def test_several_metrics_refuse_what_optuna_cannot_do(project: pytest.Pytester) -> None:
    project.makepyfile(models="def two(config):\n    return {'error': 1, 'size': 1}\n")
    project.makefile(".yaml", sweep_two=TWO_OBJECTIVES.format(sampler="tpe") + "early_terminate: {type: median}\n")
    result = project.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["sweep_two.yaml:*: early_terminate: Optuna cannot prune a study of several metrics*"])


def test_a_slot_is_selected_by_its_number(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=12))
    result = session(project, "-k", "trial:07", "-v")
    assert "sweep_branin.yaml::branin[trial:07] PASSED" in result.stdout
    assert "1 passed, 11 deselected" in result.stdout


def test_without_optuna_bayes_says_what_to_install(project: pytest.Pytester) -> None:
    blocker = project.path / "blocked" / "optuna"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('no optuna here')\n")
    project.makefile(".yaml", sweep_branin=BRANIN.format(trials=2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project.path / "blocked"), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=project.path, env=env, capture_output=True, text=True)
    assert "sweep_branin.yaml:2: method: bayes needs Optuna: pip install 'optuna>=4.8'" in result.stdout, result.stdout


def test_resume_runs_again_the_slots_that_failed(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_e="""
        experiment: models:odd_slots_fail
        method: bayes
        trials: 6
        metric: {name: value, goal: minimize}
        parameters:
          x: {distribution: uniform, min: 0, max: 1}
        """,
    )
    session(project)
    errored = {slot for slot, row in summary(project).items() if row["outcome"] == "error"}
    assert errored == {"trial:1", "trial:3", "trial:5"}
    resumed = session(project, "--sweep-resume", "-v")
    ran_again = {line.split("[")[1].split("]")[0] for line in resumed.stdout.splitlines() if "e[trial:" in line}
    assert errored and ran_again == errored, resumed.stdout  # every errored slot, and only those
