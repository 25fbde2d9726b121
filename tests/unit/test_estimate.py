"""The estimate of how long a session takes: its trials from stored durations, plus recent sessions' overhead."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sweep_plugin.records import ResultStore, SessionTime, estimate, session_time
from sweep_plugin.records.estimate import trial_time


def test_unknown_trials_take_their_sweeps_mean_and_sweeps_without_history_are_left_out() -> None:
    durations = {"f.yaml::a[x:1]": 10.0, "f.yaml::a[x:2]": 30.0}
    found = estimate(["f.yaml::a[x:1]", "f.yaml::a[x:2]", "f.yaml::a[x:3]", "f.yaml::b[y:1]"], durations, 2)
    assert found is not None
    assert (found.seconds, found.trials, found.known, found.unknown) == (30.0, 3, 2, 1)
    assert found.line() == (
        "sweeps: about 30 s for 3 trials on 2 workers (trials 30 s, from 2 that ran before;"
        " 1 with no history left out; session overhead not known yet, left out)"
    )
    assert estimate(["f.yaml::b[y:1]"], durations, 2, [5.0]) is None  # no trial history: nothing said


def test_the_longest_trial_bounds_the_time() -> None:
    assert trial_time([600.0, 30.0], 4) == 600.0
    assert trial_time([10.0] * 8, 4) == 20.0
    assert trial_time([], 4) == 0.0
    found = estimate(["f.yaml::a[x:1]", "f.yaml::a[x:2]"], {"f.yaml::a[x:1]": 600.0, "f.yaml::a[x:2]": 30.0}, 4)
    assert found is not None and found.line().startswith("sweeps: about 10 min for 2 trials on 4 workers")


def test_the_median_overhead_of_recent_sessions_is_added_and_said() -> None:
    nodeids = [f"f.yaml::a[x:{i}]" for i in range(30)]
    durations = dict.fromkeys(nodeids, 0.5)
    found = estimate(nodeids, durations, 4, [36.0, 30.0, 90.0, 35.0, 40.0])
    assert found is not None
    assert (found.trial_s, found.overhead_s, found.seconds) == (3.75, 36.0, 39.75)
    assert found.line() == (
        "sweeps: about 40 s for 30 trials on 4 workers"
        " (trials 4 s, from 30 that ran before; session overhead 36 s, the median of the last 5 sessions)"
    )
    one = estimate(nodeids[:1], {nodeids[0]: 1.0}, 1, [12.0])
    assert one is not None and one.line() == (
        "sweeps: about 13 s for 1 trial on 1 worker (trials 1 s, from 1 that ran before;"
        " session overhead 12 s, the last session)"
    )


def test_a_sessions_overhead_is_its_wall_time_less_its_trials_part_never_below_zero() -> None:
    took = session_time(36.0, [1.0, 2.0, 3.0, 2.0], 4, report=True)
    assert (took.trials, took.workers, took.trial_s, took.longest_s) == (4, 4, 8.0, 3.0)
    assert took.overhead == 33.0  # the longest trial (3 s) bounds the trials' part, not 8 s over 4
    assert session_time(10.0, [4.0] * 10, 2, report=True).overhead == 0.0  # faster than the trials' part
    assert session_time(5.0, [], 2, report=False).overhead == 5.0  # all resumed: the whole session is overhead
    assert session_time(5.0, [8.0], 0, report=True).workers == 1


def test_the_store_keeps_sessions_and_gives_the_newest_of_a_kind_first(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite")
    try:
        for index in range(7):
            store.put_session(f"s{index}", session_time(10.0 + index, [1.0], 1, report=index != 3))
        with_report = store.sessions(before=float("inf"), report=True, last=5)
        assert [took.wall_s for took in with_report] == [16.0, 15.0, 14.0, 12.0, 11.0]
        assert store.sessions(before=float("inf"), report=False, last=5) == [SessionTime(13.0, 1, 1, 1.0, 1.0, False)]
        assert store.sessions(before=0.0, report=True, last=5) == []
    finally:
        store.close()


def test_a_store_an_older_version_wrote_opens_and_gains_the_sessions_table(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE trials (session TEXT NOT NULL, nodeid TEXT NOT NULL, hash TEXT NOT NULL, outcome TEXT NOT NULL,"
        " finished_at REAL NOT NULL, record TEXT NOT NULL, PRIMARY KEY (session, nodeid))"
    )
    old.execute("INSERT INTO trials VALUES ('old', 'f.yaml::a[x:1]', 'h', 'passed', 1.0, '{\"duration_s\": 2.5}')")
    old.commit()
    old.close()
    store = ResultStore(path)
    try:
        assert store.sessions(before=float("inf"), report=True, last=5) == []
        store.put_session("new", session_time(9.0, [2.5], 1, report=True))
        assert [took.overhead for took in store.sessions(before=float("inf"), report=True, last=5)] == [6.5]
        assert store.durations(["f.yaml::a[x:1]"], before=float("inf")) == {"f.yaml::a[x:1]": 2.5}
    finally:
        store.close()
