"""The Optuna journal mended of torn lines: a cut tail, a torn line with whole records glued after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweep_plugin.search.bayes.journal import mend, open_journal, whole_records

A = b'{"op_code":0,"worker_id":"w","study_name":"s","directions":[1]}\n'
B = b'{"op_code":2,"worker_id":"w","study_id":0,"user_attr":{"k":1}}\n'
TORN = b'{"op_code":4,"worker_id":"w","study_id":0,"datetime_st'


def test_whole_lines_are_kept_and_a_torn_tail_counted() -> None:
    assert whole_records(A + B) == ([A, B], 0)
    assert whole_records(A + B + TORN) == ([A, B], 1)


def test_a_record_glued_after_a_torn_line_is_saved() -> None:
    """An append after the tear lands on the torn line: that record is whole and kept."""
    assert whole_records(A + TORN + B + B) == ([A, B, B], 1)
    assert whole_records(A + b"garbage\n" + B) == ([A, B], 1)


def test_a_torn_tail_is_cut_off_in_place(tmp_path: Path) -> None:
    journal = tmp_path / "optuna.journal"
    journal.write_bytes(A + B + TORN)
    mended = mend(journal)
    assert mended is not None and (mended.kept, mended.torn, mended.copy) == (2, 1, None)
    assert journal.read_bytes() == A + B
    assert mend(journal) is None  # nothing left to mend


def test_a_torn_line_inside_is_set_aside_and_the_file_kept_as_it_was(tmp_path: Path) -> None:
    journal = tmp_path / "optuna.journal"
    journal.write_bytes(A + TORN + B)
    mended = mend(journal)
    assert mended is not None and mended.copy == tmp_path / "optuna.journal.torn"
    assert journal.read_bytes() == A + B and mended.copy.read_bytes() == A + TORN + B
    assert not list(tmp_path.glob("*.lock"))  # Optuna's lock released


def test_a_study_in_a_torn_journal_opens_with_every_whole_trial(tmp_path: Path) -> None:
    """Through Optuna itself: a study written, its journal torn and appended to, then read back whole."""
    import optuna

    journal = tmp_path / "optuna.journal"
    study = optuna.create_study(study_name="s", storage=open_journal(journal))
    for value in (1.0, 2.0):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=value))
    with journal.open("ab") as handle:
        handle.write(TORN)
    with pytest.warns(UserWarning, match=r"1 torn line\(s\).*whole records kept"):
        study = optuna.load_study(study_name="s", storage=open_journal(journal))
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=3.0))
    reread = optuna.load_study(study_name="s", storage=open_journal(journal))
    assert [trial.value for trial in reread.trials] == [1.0, 2.0, 3.0]
