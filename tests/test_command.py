"""Command-line trials (`command:`): real pytest sessions running one subprocess per trial."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sweep_plugin.records import TrialCrashed
from sweep_plugin.running.command import run_command
from sweep_plugin.trial import Trial

# One helper program for every test; its first argument says what to do.
TOOL = r"""
import json, os, subprocess, sys, time

def emit(*entries):
    with open(os.environ["SWEEP_METRICS_FILE"], "a") as out:
        for entry in entries:
            out.write(json.dumps(entry) + "\n")

def trial_file(name):
    return os.path.join(os.environ["SWEEP_TRIAL_DIR"], name)

mode, args = sys.argv[1], sys.argv[2:]
if mode == "train":
    lr = float(args[0])
    emit(*({"step": step, "loss": 1.0 / (step + 1) / lr} for step in range(3)))
    emit({"acc": lr * 10})
elif mode == "whole":
    with open(os.environ["SWEEP_METRICS_FILE"], "w") as out:
        json.dump({"acc": 0.5, "loss": 0.25}, out, indent=2)
elif mode == "echo":
    seen = {
        "argv": args,
        "executable": sys.executable,
        "env": {key: value for key, value in os.environ.items() if key.startswith("SWEEP_")},
        "metrics_existed": os.path.exists(os.environ["SWEEP_METRICS_FILE"]),
    }
    if "--config" in args:
        with open(args[args.index("--config") + 1]) as config:
            seen["config"] = json.load(config)
    with open(trial_file("seen.json"), "w") as out:
        json.dump(seen, out)
    print("hello on stdout")
    print("hello on stderr", file=sys.stderr)
    emit({"acc": 1.0})
elif mode == "crash":
    emit({"step": 0, "loss": 2.0})
    for number in range(30):
        print(f"stderr line {number}", file=sys.stderr)
    sys.exit(int(args[0]))
elif mode == "hang":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(trial_file("pids.json"), "w") as out:
        json.dump([os.getpid(), child.pid], out)
    emit({"step": 0, "loss": 1.0})
    time.sleep(60)
elif mode == "background":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(trial_file("pids.json"), "w") as out:
        json.dump([child.pid], out)
    emit({"acc": 1.0})
elif mode == "rewrite":  # the whole file written again each epoch, longer each time
    for epoch in range(3):
        with open(os.environ["SWEEP_METRICS_FILE"], "w") as out:
            out.write(json.dumps({"acc": 0.5 + epoch / 10, "note_" * epoch + "epoch": epoch}) + "\n")
        time.sleep(0.5)
elif mode == "rawbytes":  # a line that is not UTF-8, then more lines read while the program runs
    with open(os.environ["SWEEP_METRICS_FILE"], "ab") as out:
        out.write(b'{"step": 0, "l\xffoss": 1.0}\n')
    time.sleep(0.5)
    emit({"step": 1, "loss": 0.5})
    time.sleep(0.5)
    emit({"acc": 1.0})
elif mode == "folder":  # the metrics file's name taken by a folder
    os.mkdir(os.environ["SWEEP_METRICS_FILE"])
elif mode == "bad":
    emit({"step": 0, "loss": 1.0})
    with open(os.environ["SWEEP_METRICS_FILE"], "a") as out:
        out.write(args[0] + "\n")
"""


@pytest.fixture
def tool(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(tool=TOOL)
    return pytester


def report_tests(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((pytester.path / "reports" / "report.json").read_text())
    return {test["nodeid"]: test["metadata"] for test in data["tests"]}


def only_record(pytester: pytest.Pytester) -> dict[str, Any]:
    """The record of a sweep's single trial (whose id the ids module picks)."""
    (record,) = report_tests(pytester).values()
    return record


def trial_dir(pytester: pytest.Pytester, record: dict[str, Any]) -> Path:
    return pytester.path / "reports" / str(record["sweep"]) / "trials" / str(record["trial"]).replace(":", "=")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (killed, not yet reaped by init) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_gone(pids: list[int], within_s: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within_s
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize("processes", [0, 2])
def test_metrics_lines_become_history_and_final_metrics(tool: pytest.Pytester, processes: int) -> None:
    tool.makefile(
        ".yaml",
        sweep_cmd="""
command: python tool.py train {training.lr}
parameters:
  training.lr: [0.01, 0.1]
expect:
  - acc >= 0.5
""",
    )
    result = tool.runpytest("-n", str(processes), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    tests = report_tests(tool)
    good = tests["sweep_cmd.yaml::cmd[lr:0.1]"]
    assert good["outcome"] == "passed"
    assert good["metrics"] == {"loss": pytest.approx(10 / 3), "acc": pytest.approx(1.0)}
    assert [point["step"] for point in good["history"]] == [0, 1, 2]
    assert good["history"][0]["loss"] == pytest.approx(10.0)
    missed = tests["sweep_cmd.yaml::cmd[lr:0.01]"]
    assert (missed["outcome"], missed["metrics"]["acc"]) == ("failed", pytest.approx(0.1))


def test_a_whole_file_object_is_the_final_metrics(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_cmd="command: [python, tool.py, whole]\nparameters:\n  x: [1]\n")
    tool.runpytest().assert_outcomes(passed=1)
    record = only_record(tool)
    assert (record["metrics"], record["history"]) == ({"acc": 0.5, "loss": 0.25}, [])


SWEEP_ECHO = """
command: >-
  python tool.py echo --lr={training.lr} {model.layers} "{name} with spaces" {{literal}}
  --seed {seed} --config {config_file}
config:
  name: my run
  model: {layers: [16, 32], kind: mlp}
parameters:
  training.lr: [0.001]
  model.kind: [mlp]
repeat: 2
"""


def test_placeholders_config_file_env_and_interpreter_reach_the_program(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_echo=SWEEP_ECHO)
    tool.runpytest().assert_outcomes(passed=2)
    folder = trial_dir(tool, report_tests(tool)["sweep_echo.yaml::echo[seed:1]"])
    seen = json.loads((folder / "seen.json").read_text())
    config_file = folder / "config.json"
    assert seen["argv"] == [
        "--lr=0.001",
        "[16, 32]",
        "my run with spaces",
        "{literal}",
        "--seed",
        "1",
        "--config",
        str(config_file),
    ]
    assert seen["executable"] == sys.executable
    expected = {"name": "my run", "model": {"layers": [16, 32], "kind": "mlp"}, "training": {"lr": 0.001}, "seed": 1}
    assert seen["config"] == expected == json.loads(config_file.read_text())
    token = seen["env"].pop("SWEEP_TRIAL_TOKEN")  # a run of its own: processes it starts carry it
    assert len(token) == 32
    assert seen["env"] == {
        "SWEEP_METRICS_FILE": str(folder / "metrics.jsonl"),
        "SWEEP_TRIAL_DIR": str(folder),
        "SWEEP_PARAMS": json.dumps({"training.lr": 0.001, "model.kind": "mlp", "seed": 1}),
    }
    assert not seen["metrics_existed"]


def test_output_is_kept_in_the_trial_folder_and_a_rerun_starts_clean(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_echo="command: python tool.py echo\nparameters:\n  x: [1]\n")
    tool.runpytest().assert_outcomes(passed=1)
    tool.runpytest().assert_outcomes(passed=1)
    folder = trial_dir(tool, only_record(tool))
    assert (folder / "stdout.log").read_text() == "hello on stdout\n"
    assert (folder / "stderr.log").read_text() == "hello on stderr\n"
    assert (folder / "metrics.jsonl").read_text() == '{"acc": 1.0}\n'
    assert not json.loads((folder / "seen.json").read_text())["metrics_existed"]


def test_a_non_zero_exit_is_a_crashed_trial_with_code_and_stderr_tail(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_cmd="command: python tool.py crash {code}\nparameters:\n  code: [3, 0]\n")
    result = tool.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["command exited with code 3", "*stderr line 29", "FAILED *TrialCrashed: command exited*"]
    )
    result.stdout.no_fnmatch_line("*stderr line 9")
    assert "sweep_plugin/" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()
    record = report_tests(tool)["sweep_cmd.yaml::cmd[code:3]"]
    assert record["outcome"] == "crashed"
    lines = record["message"].splitlines()
    assert lines[0] == "command exited with code 3"
    assert lines[-20:] == [f"stderr line {number}" for number in range(10, 30)]
    assert record["history"] == [{"step": 0, "loss": 2.0}]


def test_a_program_missing_at_run_time_is_a_crashed_trial_with_a_plain_message(tool: pytest.Pytester) -> None:
    """A program only known when the trial starts (a placeholder) and not found then crashes that trial alone."""
    tool.makefile(".yaml", sweep_cmd="command: '{prog} --x 1'\nparameters:\n  prog: [no-such-program-xyz]\n")
    result = tool.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["command not found: no-such-program-xyz", "FAILED *TrialCrashed: command not*"])
    assert "Traceback" not in result.stdout.str()
    record = only_record(tool)
    assert (record["outcome"], record["message"]) == ("crashed", "command not found: no-such-program-xyz")


@pytest.mark.parametrize(
    ("sweep", "error"),
    [
        ("command: no-such-program-xyz --x {x}", "command: 'no-such-program-xyz' is not on PATH: install*"),
        ("command: python tools.py --x {x}", "command: tools.py is not a file in * (did you mean 'tool.py'?)"),
        ("command: python -W ignore tol.py", "command: tol.py is not a file in * (did you mean 'tool.py'?)"),
        ("command: 'C:\\proj\\tool.py --x {x}'", "command: C:\\proj\\tool.py is a Windows path: write it with /*"),
        ("command: ./run.sh {x}", "command: ./run.sh is not executable: chmod +x ./run.sh*"),
        ("command: run.sh {x}", "command: 'run.sh' is not on PATH*; to run the file run.sh here, write ./run.sh"),
        ("program: tol.py", "program: tol.py is not a file in * (did you mean 'tool.py'?)"),
    ],
    ids=["not-on-path", "python-script", "python-option", "windows-path", "not-executable", "bare-file", "wandb"],
)
def test_a_missing_program_is_one_collection_error_at_its_line(tool: pytest.Pytester, sweep: str, error: str) -> None:
    """Issue 17: a typo in the program, a Windows path or a console script not installed was a crash in every
    trial; it is found once, at collection, naming the file and line."""
    (tool.path / "run.sh").write_text("#!/bin/sh\necho hi\n")
    tool.makefile(".yaml", sweep_cmd=f"{sweep}\nparameters:\n  x: [1, 2]\nmetric: {{name: score}}\n")
    result = tool.runpytest("--sweep-no-report")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"sweep_cmd.yaml:1: {error}"])
    assert "Traceback" not in result.stdout.str() and "TrialCrashed" not in result.stdout.str()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not a JSON object"),
        ('{"acc": "high"}', "metric 'acc' must be a number, not 'high'"),
        ('{"step": "one", "loss": 1}', "step must be a whole number"),
        ("[1, 2]", "expected a JSON object of metrics"),
    ],
)
def test_a_bad_metrics_line_is_an_error_naming_file_and_line(tool: pytest.Pytester, line: str, problem: str) -> None:
    tool.makefile(".yaml", sweep_cmd="command: [python, tool.py, bad, '{x}']\nparameters:\n  x: [1]\n")
    tool.makepyfile(tool=TOOL.replace("args[0] + ", repr(line) + " + "))
    result = tool.runpytest()
    result.assert_outcomes(failed=1)
    metrics = trial_dir(tool, only_record(tool)) / "metrics.jsonl"
    result.stdout.fnmatch_lines([f"{metrics}:2: {problem}*", "FAILED *TrialError: *"])
    assert "sweep_plugin/" not in result.stdout.str()
    record = only_record(tool)
    assert record["outcome"] == "error"
    assert record["history"] == [{"step": 0, "loss": 1.0}]


def test_a_rewritten_metrics_file_is_read_again_from_its_start(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_cmd="command: python tool.py rewrite\nparameters:\n  x: [1]\n")
    tool.runpytest().assert_outcomes(passed=1)
    assert only_record(tool)["metrics"] == {
        "acc": pytest.approx(0.7),
        "epoch": 0,
        "note_epoch": 1,
        "note_note_epoch": 2,
    }


def test_a_line_that_is_not_utf8_does_not_shift_the_lines_after_it(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_cmd="command: python tool.py rawbytes\nparameters:\n  x: [1]\n")
    tool.runpytest().assert_outcomes(passed=1)
    record = only_record(tool)
    assert record["history"] == [{"step": 0, "l\ufffdoss": 1.0}, {"step": 1, "loss": 0.5}]
    assert record["metrics"]["acc"] == 1.0


def test_an_unreadable_metrics_file_is_the_trials_error(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_cmd="command: python tool.py folder\nparameters:\n  x: [1]\n")
    result = tool.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*metrics.jsonl: cannot read metrics: Is a directory*"])
    assert only_record(tool)["outcome"] == "error"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("python tool.py {training.lrr}", "unknown placeholder {training.lrr} (did you mean 'training.lr'?)"),
        ("python tool.py {seed}", "unknown placeholder {seed}"),
        ("python tool.py {confg_file}", "unknown placeholder {confg_file} (did you mean 'config_file'?)"),
        ("python tool.py '{'", "unmatched '{' in '{' (write {{ and }} for literal braces)"),
        ("python tool.py {}", "empty placeholder {}"),
        ("python tool.py 'oops", "cannot split * into arguments: No closing quotation"),
        ("''", "the command is empty*"),
    ],
)
def test_a_bad_command_is_a_collection_error_naming_command(tool: pytest.Pytester, command: str, message: str) -> None:
    sweep = f"command: {json.dumps(command)}\nconfig:\n  model: {{hidden: 3}}\nparameters:\n  training.lr: [1]\n"
    tool.makefile(".yaml", sweep_cmd=sweep)
    result = tool.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"sweep_cmd.yaml*: command: {message}*"])
    assert "sweep_plugin/" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_known_placeholders_pass_collection(tool: pytest.Pytester) -> None:
    command = "python tool.py {model} {model.hidden} {training} {training.lr} {seed} {config_file} {{x}}"
    sweep = f"command: {command}\nconfig:\n  model: {{hidden: 3}}\nparameters:\n  training.lr: [1]\nrepeat: 2\n"
    tool.makefile(".yaml", sweep_cmd=sweep)
    result = tool.runpytest("--collect-only", "-q")
    assert result.ret == 0, result.stdout.str()


def test_a_timeout_kills_the_program_and_its_children_and_the_rest_run(tool: pytest.Pytester) -> None:
    tool.makefile(
        ".yaml", sweep_hang="command: python tool.py {mode} 1\ntimeout: 1\nparameters:\n  mode: [hang, train]\n"
    )
    result = tool.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    record = report_tests(tool)["sweep_hang.yaml::hang[mode:hang]"]
    assert record["outcome"] == "timeout"
    assert record["history"] == [{"step": 0, "loss": 1.0}]
    assert record["duration_s"] < 10
    pids = json.loads((trial_dir(tool, record) / "pids.json").read_text())
    assert wait_gone(pids) == []


def test_children_left_running_after_a_normal_exit_are_killed(tool: pytest.Pytester) -> None:
    tool.makefile(".yaml", sweep_bg="command: python tool.py background\nparameters:\n  x: [1]\n")
    tool.runpytest().assert_outcomes(passed=1)
    pids = json.loads((trial_dir(tool, only_record(tool)) / "pids.json").read_text())
    assert wait_gone(pids) == []


STUBBORN = """
import json, os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
with open(os.path.join(os.environ["SWEEP_TRIAL_DIR"], "pids.json"), "w") as out:
    json.dump([os.getpid(), child.pid], out)
time.sleep(60)
"""


class Interrupted(Exception):
    pass


def test_an_interrupted_wait_kills_a_group_that_ignores_sigterm(tmp_path: Path) -> None:
    """What pytest-timeout's signal method does, with a program deaf to SIGTERM: SIGKILL after the grace."""
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN)
    pids_file = tmp_path / "trial" / "pids.json"
    trial = Trial(sweep="s", trial_id="t", params={}, directory=tmp_path / "trial")

    def interrupt(signum: int, frame: Any) -> None:
        raise Interrupted

    def send_once_started() -> None:
        while not pids_file.exists():
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGUSR1)

    previous = signal.signal(signal.SIGUSR1, interrupt)
    sender = threading.Thread(target=send_once_started, daemon=True)
    start = time.monotonic()
    try:
        sender.start()
        with pytest.raises(Interrupted):
            run_command(("python", str(script)), {}, trial, grace_s=0.3)
    finally:
        sender.join(timeout=5)
        signal.signal(signal.SIGUSR1, previous)
    assert time.monotonic() - start < 5
    assert wait_gone(json.loads(pids_file.read_text()), within_s=2) == []


def test_a_signal_death_names_the_signal(tmp_path: Path) -> None:
    trial = Trial(sweep="s", trial_id="t", params={}, directory=tmp_path)
    with pytest.raises(TrialCrashed) as caught:
        run_command(("python", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"), {}, trial)
    assert caught.value.returncode == -9
    assert caught.value.message == "command killed by signal 9 (SIGKILL)"


DAEMON = """
import json, os, subprocess, sys
daemon = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
with open(os.path.join(os.environ["SWEEP_TRIAL_DIR"], "daemon.pid"), "w") as handle:
    handle.write(str(daemon.pid))
with open(os.environ["SWEEP_METRICS_FILE"], "w") as handle:
    json.dump({"acc": 1.0}, handle)
"""


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no init has reaped yet does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="processes are found through /proc (Linux)")
def test_a_daemon_a_trial_started_outside_its_group_ends_with_the_trial(pytester: pytest.Pytester) -> None:
    """Issue 17: a daemon started by a command trial (setsid) outlived the trial and the session."""
    pytester.makepyfile(daemon=DAEMON)
    pytester.makefile(".yaml", sweep_d="command: python daemon.py\nparameters:\n  x: [1]\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    (pid_file,) = (pytester.path / "reports").rglob("daemon.pid")
    pid = int(pid_file.read_text())
    try:
        assert not running(pid)
    finally:
        if running(pid):
            os.kill(pid, signal.SIGKILL)
