"""Bad input is one clean collection error (SPEC section 8), and a project
without sweep files sees no trace of the plugin (SPEC section 1).

Every broken sweep file must give an error that names the file, the key path
and what is wrong, with no INTERNALERROR and no frame from the plugin's own
code. The experiment (``models:train``) writes ``ran.txt``, so each case also
shows that nothing ran.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path
from textwrap import dedent

import pytest

MODELS = """
    from pathlib import Path

    def train(config):
        Path("ran.txt").write_text("ran")
        return {"acc": 1.0}

    def needs_lr(config, lr):
        return {"acc": lr}
"""
BASE = """
    layers: [{units: 8}, {units: 16}]
    model: 3
"""
# Speed: the hypothesis plugin would import hypothesis afresh in every in-process
# run, and --continue-on-collection-errors spares rendering an `Interrupted` traceback.
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
NO_REPORT = (*QUIET, "--sweep-no-report", "--continue-on-collection-errors")
PLUGIN_INSIDES = ("INTERNALERROR", "Traceback", "sweep_plugin/", "sweep_plugin\\")


def sweep_project(pytester: pytest.Pytester, text: str, **files: str) -> None:
    """A folder with ``models.py``, ``base.yaml``, ``sweep_x.yaml`` and ``files``."""
    pytester.makepyfile(models=dedent(MODELS), **{k: dedent(v) for k, v in files.items()})
    pytester.makefile(".yaml", base=dedent(BASE), sweep_x=dedent(text))


def run(pytester: pytest.Pytester, text: str, *args: str, **files: str) -> pytest.RunResult:
    sweep_project(pytester, text, **files)
    return pytester.runpytest(*NO_REPORT, *args)


def assert_clean_collection_error(pytester: pytest.Pytester, result: pytest.RunResult, expected: str) -> None:
    """One collection error whose message matches ``expected``, nothing ran, no plugin insides."""
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    output = result.stdout.str() + result.stderr.str()
    assert not [bad for bad in PLUGIN_INSIDES if bad in output], output
    assert not (pytester.path / "ran.txt").exists(), "the experiment ran despite the bad file"


def yaml_quote(text: str) -> str:
    """``text`` as a single-quoted YAML scalar."""
    return "'" + text.replace("'", "''") + "'"


GRID = "experiment: models:train\nparameters:\n  lr: [0.1, 0.2]\n"

# (sweep file, the error line that must appear in the output)
CASES = [
    pytest.param(
        "experiment: models:train\nparameters:\n  lr: [0.1, 0.2\nmethod: grid\n",
        "sweep_x.yaml:4: invalid YAML: while parsing a flow sequence expected ',' or ']'*",
        id="invalid-yaml",
    ),
    pytest.param(
        "experiment: models:train\nparameter:\n  lr: [1]\n",
        "sweep_x.yaml:2: parameter: unknown key (did you mean 'parameters'?)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  lr: {valeus: [1, 2]}\n",
        "sweep_x.yaml:3: parameters.lr: unknown key 'valeus' (did you mean 'values'?)",
        id="unknown-space-key",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  training:\n    parameters:\n"
        "      lr: {distribution: uniform, min: 0.5, max: 0.1}\n",
        "sweep_x.yaml:*: parameters.training.lr: min must be below max*",
        id="min-not-below-max-wandb-nested",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  training.lr: {distribution: uniform, min: 0.5, max: 0.1}\n",
        "sweep_x.yaml:*: parameters.training.lr: min must be below max*",
        id="min-not-below-max-dotted",
    ),
    pytest.param(
        "experiment: models:train\nmethod: random\ntrials: 2\nparameters:\n"
        "  lr: {distribution: unifrom, min: 0, max: 1}\n",
        "sweep_x.yaml:5: parameters.lr: unknown distribution 'unifrom' (did you mean 'uniform'?)",
        id="unknown-distribution",
    ),
    pytest.param(
        GRID + "method: grdi\n",
        "sweep_x.yaml:*: method: unknown search method 'grdi' (did you mean 'grid'?)*",
        id="bad-method",
    ),
    pytest.param(
        GRID + "metric: {name: acc, goal: maximise}\n",
        "sweep_x.yaml:*: metric.goal: goal must be maximize or minimize, not 'maximise'",
        id="bad-metric-goal",
    ),
    pytest.param(
        GRID + "expect:\n  - 'acc >= '\n",
        "sweep_x.yaml:*: expect.0: cannot parse 'acc >=': invalid syntax",
        id="expression-syntax",
    ),
    pytest.param(
        GRID + "constraints:\n  - lrr < 1\n",
        "sweep_x.yaml:*: constraints.0: 'lrr' is not a parameter (did you mean 'lr'?)",
        id="constraint-unknown-parameter",
    ),
    pytest.param(
        GRID + "constraints:\n  - lr > 10\n",
        "sweep_x.yaml:*: constraints: constraints removed all 2 grid points",
        id="constraints-remove-everything",
    ),
    pytest.param(
        "experiment: models:train\nbase: base.yaml\nparameters:\n  layers.5.units: [1, 2]\n",
        "sweep_x.yaml:4: parameters.layers.5.units: layers.5: no index 5 in a list of 2 items",
        id="list-index-out-of-range",
    ),
    pytest.param(
        "experiment: models:train\nbase: base.yaml\nparameters:\n  model.hidden: [1, 2]\n",
        "sweep_x.yaml:4: parameters.model.hidden: model.hidden: model is 3, not a mapping or list",
        id="path-through-a-scalar",
    ),
    pytest.param(
        "experiment: models:train\nbase: nothere.yaml\nparameters:\n  lr: [1]\n",
        "sweep_x.yaml:2: base: base config *nothere.yaml does not exist",
        id="missing-base-file",
    ),
    pytest.param(
        "experiment: nomodels:train\nparameters:\n  lr: [1]\n",
        "sweep_x.yaml:*: experiment: cannot import 'nomodels'*",
        id="module-not-importable",
    ),
    pytest.param(
        "experiment: models:trian\nparameters:\n  lr: [1]\n",
        "sweep_x.yaml:*: experiment: module 'models' has no function 'trian' (did you mean 'train'?)",
        id="function-missing",
    ),
    pytest.param(
        "experiment: models:needs_lr\nparameters:\n  lr: [1]\n",
        "sweep_x.yaml:*: experiment: models:needs_lr asks for 'lr'; an experiment may ask for config, trial, params",
        id="unknown-experiment-argument",
    ),
    pytest.param(
        "sweeps:\n  - {name: a, experiment: 'models:train', parameters: {lr: [1]}}\n"
        "  - {name: a, experiment: 'models:train', parameters: {lr: [2]}}\n",
        "sweep_x.yaml:3: sweeps.1.name: duplicate sweep name 'a'",
        id="duplicate-sweep-names",
    ),
]

# Expressions outside the language, refused when the file is collected: had
# one run, it would have written `pwned`.
FORBIDDEN = [
    pytest.param("__import__('os') == 0", "call of '__import__' is not allowed*", id="import"),
    pytest.param("__import__('os').system('touch pwned') == 0", "call of * is not allowed*", id="import-system"),
    pytest.param("open('pwned', 'w').write('x') > 0", "call of * is not allowed*", id="open-write"),
    pytest.param("exec('open(1)') == 1", "call of 'exec' is not allowed*", id="exec"),
    pytest.param("max(1, 2).real > 0", "attribute access is not allowed*", id="attribute-on-call"),
    pytest.param("(lambda: 1)() == 1", "call of 'lambda: 1' is not allowed*", id="lambda-call"),
    pytest.param("(lambda: 1) == 1", "lambda is not allowed*", id="lambda"),
    pytest.param("[x for x in (1, 2)] == 1", "ListComp is not allowed*", id="comprehension"),
    pytest.param("().__class__.__bases__ == 1", "attribute access is not allowed*", id="dunder-attribute"),
]

# Errors that once escaped as plugin tracebacks.
BUGS = [
    pytest.param(
        "experiment: models:train\nconfig: {layers: [1, 2]}\nparameters:\n  layers.\u00b2: [1, 2]\n",
        "sweep_x.yaml:4: parameters.layers.\u00b2: *",
        id="superscript-digit-index",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  lr: [1]\nexpect:\n  - \"acc > '\\ud800'\"\n",
        "sweep_x.yaml:5: expect.0: *",
        id="surrogate-in-expression",
    ),
    pytest.param(
        "experiment: models:train\nmethod: random\ntrials: 20\nparameters:\n"
        "  lr: {distribution: log_uniform, min: 0, max: 1000}\n",
        "sweep_x.yaml:5: parameters.lr: *",
        id="log-uniform-overflow",
    ),
    pytest.param(
        "experiment: broken:train\nparameters:\n  lr: [1]\n",
        "sweep_x.yaml:*: experiment: *broken*",
        id="module-with-syntax-error",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  lr: {distribution: uniform, min: 0.1, max: 0.5}\n",
        "sweep_x.yaml:3: parameters.lr: distribution 'uniform' has no finite values for a grid;*method: random*",
        id="continuous-in-grid-key-path",
    ),
    pytest.param(
        "experiment: models:train\nparameters:\n  training.lr: {distribution: uniform, min: 0.5, max: 0.1}\n",
        "sweep_x.yaml:3: parameters.training.lr: min must be below max*",
        id="dotted-parameter-line",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_bad_sweep_file_is_one_clean_collection_error(pytester: pytest.Pytester, text: str, expected: str) -> None:
    assert_clean_collection_error(pytester, run(pytester, text), expected)


def test_continuous_distribution_in_a_grid_suggests_sampling(pytester: pytest.Pytester) -> None:
    text = "experiment: models:train\nparameters:\n  lr: {distribution: uniform, min: 0.1, max: 0.5}\n"
    expected = "sweep_x.yaml:*lr: distribution 'uniform' has no finite values for a grid; use method: random or*lhs*"
    assert_clean_collection_error(pytester, run(pytester, text), expected)


@pytest.mark.parametrize("key", ["constraints", "expect"])
@pytest.mark.parametrize(("expression", "expected"), FORBIDDEN)
def test_forbidden_expression_is_refused_at_collection(
    pytester: pytest.Pytester, key: str, expression: str, expected: str
) -> None:
    text = f"{GRID}{key}:\n  - {yaml_quote(expression)}\n"
    result = run(pytester, text)
    assert_clean_collection_error(pytester, result, f"sweep_x.yaml:5: {key}.0: {expected}")
    assert not (pytester.path / "pwned").exists()


@pytest.mark.parametrize(("text", "expected"), BUGS)
def test_known_bugs_give_clean_errors(pytester: pytest.Pytester, text: str, expected: str) -> None:
    result = run(pytester, text, broken="def train(config):\n    return {\n")
    assert_clean_collection_error(pytester, result, expected)


def test_wandb_sweep_file_loads_with_only_a_warning(pytester: pytest.Pytester) -> None:
    text = """
        program: train.py
        project: demo
        entity: me
        method: grid
        metric: {name: acc, goal: maximize}
        parameters:
          lr: {values: [0.1, 0.2]}
          model:
            parameters:
              hidden: {values: [8]}
        experiment: models:train
    """
    result = run(pytester, text)
    result.assert_outcomes(passed=2)
    # What matters is which sweep warnings show, not how many warnings other plugins add.
    sweep_warnings = [line.partition("SweepWarning: ")[2] for line in result.outlines if "SweepWarning" in line]
    ignored = [f"sweep_x.yaml: {key!r} is a W&B sweep key that sweep_plugin ignores" for key in ("project", "entity")]
    program = "sweep_x.yaml: 'program' is W&B's script; this sweep runs its `experiment` in-process instead"
    assert sweep_warnings == [*ignored, program]
    assert "INTERNALERROR" not in result.stdout.str()


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "0",
        "-3",
        pytest.param(
            "inf",
        ),
        "nan",
    ],
)
def test_bad_sweep_timeout_ini_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makeini(f"[pytest]\nsweep_timeout = {value}\n")
    result = run(pytester, GRID)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: sweep_timeout: expected a positive number of seconds, got '{value}'"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


PLAIN_TESTS = """
    import pytest

    def test_passes():
        assert True

    def test_fails():
        assert 1 == 2

    @pytest.mark.skip(reason="not today")
    def test_skipped():
        pass

    @pytest.mark.parametrize("x", [1, 2])
    def test_param(x):
        assert x
"""


def normalized(result: pytest.RunResult) -> list[str]:
    """The output lines without timings, and without the plugin's own name in plugin lists."""
    text = re.sub(r"\d+\.\d+s( \(\d+:\d+:\d+\))?", "<time>", result.stdout.str())
    text = re.sub(r"'sweep_plugin': '[^']*', |sweep_plugin-[\w.]+, ", "", text)
    return text.splitlines()


@pytest.mark.parametrize("args", [(), ("-q",), ("-v", "-rA"), ("--strict-markers", "-m", "not skip")])
def test_project_without_sweep_files_is_untouched(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    pytester.makepyfile(test_plain=dedent(PLAIN_TESTS))
    pytester.makefile(".yaml", config="lr: [0.1, 0.2]\n")  # YAML, but not a sweep file
    with_plugin = pytester.runpytest(*QUIET, *args)
    without = pytester.runpytest(*QUIET, "-p", "no:sweep", *args)
    assert with_plugin.ret == without.ret == pytest.ExitCode.TESTS_FAILED
    assert normalized(with_plugin) == normalized(without)
    assert not (pytester.path / "reports").exists()


def test_empty_project_keeps_exit_code_no_tests(pytester: pytest.Pytester) -> None:
    with_plugin = pytester.runpytest(*QUIET)
    without = pytester.runpytest(*QUIET, "-p", "no:sweep")
    assert with_plugin.ret == without.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert normalized(with_plugin) == normalized(without)


def test_no_sweep_disables_the_plugin(pytester: pytest.Pytester) -> None:
    """The premise of the comparisons above: `-p no:sweep` names the entry point."""
    sweep_project(pytester, GRID)
    assert pytester.runpytest(*NO_REPORT).ret == pytest.ExitCode.OK
    assert pytester.runpytest(*QUIET, "-p", "no:sweep").ret == pytest.ExitCode.NO_TESTS_COLLECTED


@pytest.mark.parametrize(
    "text",
    ["- lr\n- hidden\n", "accuracy: 0.93\nloss: [0.4, 0.2]\n", "", "42\n"],
    ids=["a-list", "a-results-file", "empty", "a-number"],
)
def test_yaml_that_is_not_a_sweep_is_left_alone(pytester: pytest.Pytester, text: str) -> None:
    pytester.makefile(".yaml", sweep_results=text)
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_yaml_12_numbers_are_numbers(pytester: pytest.Pytester) -> None:
    sweep_project(pytester, "experiment: models:train\nparameters:\n  lr: [9e-6, 1e-3]\nconfig: {wd: 1e-4}\n")
    result = pytester.runpytest(*NO_REPORT, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["sweep_x.yaml::x[[]lr:9e-06[]]", "sweep_x.yaml::x[[]lr:0.001[]]"])


def test_free_text_names_become_one_safe_word(pytester: pytest.Pytester) -> None:
    sweep_project(pytester, "name: First Sweep (v2)\nexperiment: models:train\nparameters:\n  lr: [1, 2]\n")
    result = pytester.runpytest(*NO_REPORT, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["sweep_x.yaml::First_Sweep_v2[[]lr:1[]]"])


def test_values_with_slashes_and_colons_are_selectable(pytester: pytest.Pytester) -> None:
    sweep_project(pytester, "experiment: models:train\nparameters:\n  data: ['data/train.csv', 'a::b']\n")
    pytester.runpytest(*NO_REPORT, "-k", "data:data/train.csv").assert_outcomes(passed=1)
    pytester.runpytest(*NO_REPORT, "-k", "data:a_b").assert_outcomes(passed=1)


def test_a_parameter_inside_another_is_refused_for_experiments(pytester: pytest.Pytester) -> None:
    text = "experiment: models:train\nparameters:\n  optimizer: [adam, sgd]\n  optimizer.config.lr: [0.1, 0.01]\n"
    result = run(pytester, text)
    assert_clean_collection_error(
        pytester, result, "sweep_x.yaml:4: parameters.optimizer.config.lr: lies inside the parameter 'optimizer'*"
    )


def test_a_command_error_points_at_the_command_line(pytester: pytest.Pytester) -> None:
    result = run(pytester, "name: c\nparameters:\n  lr: [1]\ncommand: python t.py {lrr}\n")
    assert_clean_collection_error(pytester, result, "sweep_x.yaml:4: command: unknown placeholder {lrr} (did you mean*")


DEEP_YAML = "a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n"
DEEP_JSON = '{"a": ' + '{"b": ' * 10_000 + "1" + "}" * 10_001


@pytest.mark.parametrize(
    ("base", "content", "expected"),
    [
        ("base.yaml", b"name: caf\xe9\nlr: 2\n", "base config */base.yaml is not UTF-8 text (byte 0xe9 at offset 9)*"),
        ("base.yaml", DEEP_YAML.encode(), "*/base.yaml*: invalid YAML: nested more than 100 levels deep*"),
        ("base.json", DEEP_JSON.encode(), "*/base.json: invalid JSON: nested more than 100 levels deep*"),
    ],
    ids=["latin-1", "deep-yaml", "deep-json"],
)
def test_a_base_file_that_cannot_be_a_config_is_one_clean_error(
    pytester: pytest.Pytester, base: str, content: bytes, expected: str
) -> None:
    """Issue 17: a Latin-1 base was a UnicodeDecodeError traceback, a deep JSON one a RecursionError."""
    sweep_project(pytester, f"experiment: models:train\nbase: {base}\nparameters:\n  lr: [1]\n")
    (pytester.path / base).write_bytes(content)
    result = pytester.runpytest(*NO_REPORT)
    assert_clean_collection_error(pytester, result, f"sweep_x.yaml:2: base: {expected}")


def test_a_sweep_file_in_latin_1_is_one_clean_error(pytester: pytest.Pytester) -> None:
    sweep_project(pytester, GRID)
    (pytester.path / "sweep_x.yaml").write_bytes(GRID.encode() + b"name: caf\xe9\n")
    result = pytester.runpytest(*NO_REPORT)
    assert_clean_collection_error(pytester, result, "sweep_x.yaml: not UTF-8 text (byte 0xe9 at offset *): save it*")


def make_read_only(path: Path) -> bool:
    """Make ``path`` unwritable, also for root (``chattr +i``); False where this machine cannot."""
    path.chmod(0o444)
    try:
        path.open("ab").close()
    except OSError:
        return True
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode == 0
    return done


@pytest.mark.parametrize("journal", ["read-only", "a-folder"])
def test_a_journal_that_cannot_be_written_is_one_collection_error(pytester: pytest.Pytester, journal: str) -> None:
    """Issue 17: a read-only journal was a traceback of thousands of lines, one per trial."""
    text = (
        "experiment: models:train\nmethod: bayes\ntrials: 3\nmetric: {name: acc}\nparameters: {lr: {min: 0, max: 1}}\n"
    )
    sweep_project(pytester, text)
    path = pytester.path / "study.journal"
    if journal == "a-folder":
        path.mkdir()
    else:
        path.write_text("")
        if not make_read_only(path):
            pytest.skip("no way to make a file read-only for this user here")
    try:
        result = pytester.runpytest(*NO_REPORT, "--sweep-storage", str(path))
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
    expected = f"sweep_x.yaml:2: method: cannot write the Optuna journal {path} (--sweep-storage): *; make it writable*"
    assert_clean_collection_error(pytester, result, expected)
    assert len(result.stdout.lines) < 20


def test_a_damaged_store_row_is_set_aside_and_the_rest_reused(pytester: pytest.Pytester) -> None:
    """Issue 17: one row of damaged JSON in results.sqlite made --sweep-resume an INTERNALERROR."""
    sweep_project(pytester, "experiment: models:train\nparameters:\n  lr: [1, 2, 3]\n")
    pytester.runpytest(*QUIET, "--sweep-no-report").assert_outcomes(passed=3)
    store = sqlite3.connect(pytester.path / "reports" / "results.sqlite")
    with store:
        store.execute("UPDATE trials SET record = '{\"metrics\": {\"acc\": 1' WHERE nodeid LIKE '%lr:2%'")
    store.close()
    (pytester.path / "ran.txt").unlink()
    result = pytester.runpytest(*QUIET, "--sweep-no-report", "--sweep-resume")
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(
        ["*sweep-resume: 2 finished trials reused, not run again; 1 damaged stored results in *results.sqlite set*"]
    )
    assert (pytester.path / "ran.txt").exists() and "INTERNALERROR" not in result.stdout.str()


AXIS = "[" + ", ".join(map(str, range(1000))) + "]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"experiment: models:train\nparameters:\n  a: {AXIS}\n  b: {AXIS}\n  c: {AXIS}\n",
            "sweep_x.yaml:2: parameters: 1,000,000,000 trials (1000 x 1000 x 1000 grid points) is over the limit"
            " of 1,000,000 a sweep may have: sample it*",
        ),
        (
            "experiment: models:train\nmethod: random\ntrials: 1000000000\nparameters: {a: {min: 0, max: 1}}\n",
            "sweep_x.yaml:3: trials: 1,000,000,000 trials (the trial budget) is over the limit of 1,000,000*",
        ),
        (
            "experiment: models:train\nmethod: bayes\ntrials: 1000000000\nmetric: {name: acc}\n"
            "parameters: {a: {min: 0.0, max: 1.0}}\n",
            "sweep_x.yaml:3: trials: 1,000,000,000 trials (the trial budget) is over the limit of 1,000,000*",
        ),
    ],
    ids=["grid", "random", "bayes"],
)
def test_a_sweep_too_big_to_build_is_refused_before_it_is_built(
    pytester: pytest.Pytester, text: str, expected: str
) -> None:
    """Issue 17: a 1000^3 grid reached 12 GB before a bare MemoryError; a budget of 1e9 allocated 7 GiB."""
    assert_clean_collection_error(pytester, run(pytester, text), expected)


def test_the_trial_limit_is_a_setting(pytester: pytest.Pytester) -> None:
    sweep_project(pytester, "experiment: models:train\nparameters: {a: [1, 2, 3], b: [1, 2]}\nrepeat: 2\n")
    result = pytester.runpytest(*NO_REPORT, "--sweep-max-trials", "10")
    assert_clean_collection_error(
        pytester, result, "*12 trials (3 x 2 grid points x 2 repeats) is over the limit of 10*"
    )
    pytester.runpytest(*NO_REPORT, "-o", "sweep_max_trials=12").assert_outcomes(passed=12)


def test_a_big_data_file_named_like_a_sweep_is_left_alone_at_once(pytester: pytest.Pytester) -> None:
    """Issue 17: a 2 MB data file named sweep_results.yaml interrupted the session, a 14 MB one took 153 s and
    4.4 GB before it was refused. Its top-level keys are read from its text: it is no sweep, left alone."""
    rows = "".join(f"  - {{epoch: {i}, accuracy: 0.{i % 97:02d}, loss: {i / 1000}}}\n" for i in range(60_000))
    pytester.makefile(".yaml", sweep_results="results:\n" + rows, sweep_flow=json.dumps({"rows": [[1, 2]] * 200_000}))
    sweep_project(pytester, GRID)
    started = time.monotonic()
    result = pytester.runpytest(*NO_REPORT)
    result.assert_outcomes(passed=2)
    assert time.monotonic() - started < 30


def test_a_sweep_file_of_megabytes_is_refused_without_loading_it(pytester: pytest.Pytester) -> None:
    rows = "".join(f"    - {i}\n" for i in range(300_000))
    pytester.makefile(".yaml", sweep_x="method: grid\nparameters:\n  x:\n" + rows)
    result = pytester.runpytest(*NO_REPORT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["sweep_x.yaml: *.* MB is too big for a sweep file (at most 1.0 MB): a data file*"])


def test_a_project_without_sweeps_imports_nothing_it_does_not_need(pytester: pytest.Pytester) -> None:
    """Inert: no records, store or report code (nor sqlite3, statistics) in a session that runs no trial."""
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    pytester.makefile(".yaml", config="model: {layers: 2}\nparameters: {lr: 0.1}\n")  # YAML, not a sweep
    pytester.makeconftest(
        """
import sys
def pytest_unconfigure(config):
    loaded = sorted(name for name in sys.modules if name.startswith(("sweep_plugin.", "sqlite3", "statistics")))
    open("imported.txt", "w").write("\\n".join(loaded))
"""
    )
    pytester.runpytest_subprocess(*QUIET).assert_outcomes(passed=1)
    loaded = (pytester.path / "imported.txt").read_text().split()
    heavy = [name for name in loaded if name.startswith(("sqlite3", "statistics", "sweep_plugin.records"))]
    assert heavy == [], loaded
