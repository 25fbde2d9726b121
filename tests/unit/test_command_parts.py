"""A command trial's parts without a process: the metrics file and the program file resume hashes."""

from __future__ import annotations

from pathlib import Path

from sweep_plugin.running.follow import MetricsFile
from sweep_plugin.trial import Trial


def test_blank_lines_are_skipped_and_a_missing_file_is_no_metrics(tmp_path: Path) -> None:
    trial = Trial(sweep="s", trial_id="t", params={}, directory=tmp_path)
    assert MetricsFile(tmp_path / "none.jsonl").finish(trial) is None
    (tmp_path / "m.jsonl").write_text('{"step": 0, "a": 1}\n\n{"step": 1.0, "a": 2}\n{"b": 3}\n')
    assert MetricsFile(tmp_path / "m.jsonl").finish(trial) is None
    assert trial.history == [{"step": 0, "a": 1.0}, {"step": 1, "a": 2.0}]
    assert trial.metrics == {"a": 2.0, "b": 3.0}


def test_the_program_file_a_command_names_is_what_resume_hashes(tmp_path: Path) -> None:
    from sweep_plugin.running.command import program_file

    (tmp_path / "train.py").write_text("")
    (tmp_path / "run.sh").write_text("")
    assert program_file("python train.py --lr {lr}", tmp_path) == tmp_path / "train.py"
    assert program_file(("python3", "-u", "train.py"), tmp_path) == tmp_path / "train.py"
    assert program_file("./run.sh {config_file}", tmp_path) == tmp_path / "run.sh"
    assert program_file("python -m trainer", tmp_path) is None
    assert program_file("python missing.py", tmp_path) is None
    assert program_file("bash run.sh", tmp_path) is None  # the README says what is not covered
