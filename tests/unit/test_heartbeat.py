"""Sessions beat in their studies; a running trial of a session that stopped beating belongs to the dead."""

from __future__ import annotations

import time

from sweep_plugin.search.bayes.heartbeat import ALIVE, Heartbeat, is_dead


def test_a_session_beats_at_once_and_then_every_interval() -> None:
    import optuna

    study = optuna.create_study()
    beat = Heartbeat(study, "s1", every=0.05).start()
    first = study.user_attrs[ALIVE + "s1"]["at"]
    time.sleep(0.3)
    beat.stop()
    last = study.user_attrs[ALIVE + "s1"]
    assert last["every"] == 0.05 and last["at"] > first
    assert not is_dead(study.user_attrs, "s1", None, every=30)


def test_a_session_that_missed_three_beats_is_dead() -> None:
    now = time.time()
    attrs = {ALIVE + "old": {"at": now - 31, "every": 10}, ALIVE + "live": {"at": now - 29, "every": 10}}
    assert is_dead(attrs, "old", None, every=1)
    assert not is_dead(attrs, "live", None, every=1)  # its own beat counts, not the reader's


def test_a_session_that_never_beat_is_judged_by_its_trials_start() -> None:
    now = time.time()
    assert is_dead({}, "gone", now - 100, every=30)
    assert not is_dead({}, "starting", now - 10, every=30)
    assert not is_dead({ALIVE + "x": "damaged"}, "x", None, every=30)  # nothing to judge by: not taken


def test_a_storage_that_cannot_take_a_beat_fails_nothing() -> None:
    class Gone:
        def set_user_attr(self, key: str, value: object) -> None:
            raise ConnectionError("the database went away")

    Heartbeat(Gone(), "s", every=60).start().stop()
