"""Adaptive search on Optuna (``method: bayes``): each trial asks a shared study for its parameters.

pytest-xdist needs every worker to collect the same items, so the budget becomes numbered
slots (``trial:07``); a slot asks the study when it starts and tells it how it ended. The
study lives in a storage that every worker opens (and every machine given the same RDB URL):
by default a journal file in the report folder, as Optuna advises for parallel work.

- A session starts a fresh study, ``<file>::<sweep>@<session>``; ``--sweep-resume``
  continues the newest study of the sweep (its finished slots are reused, the sampler sees
  every earlier trial) and is how several machines share one study and one budget.
- A slot runs once per study: a slot that already has a trial from another session is
  skipped; if two sessions ask for the same slot at once, the lower trial number keeps it.
  A slot whose trial is still running in a session that stopped beating (`heartbeat`:
  killed outright) is failed and run again.
- A rerun in the same session (rerunfailures, a crashed worker) and ``--lf`` evaluate the
  slot's own parameters again rather than asking for new ones.
- Every ending is told: passed and failed are complete (with the metric), pruned is pruned,
  anything else failed. Trials this session left running are failed at its end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ...errors import SweepError
from ...ids import digest
from ...records import FINISHED, Outcome, Pruned, SlotTaken, TrialError
from ..base import (
    SearchMethod,
    SearchSettings,
    Slot,
    TrialPlan,
    budget,
    budget_notes,
    check_constraint_names,
    check_size,
    constraint_filter,
)
from .heartbeat import Heartbeat, is_dead
from .samplers import sampler_factory
from .spaces import OptunaSpace
from .storage import TRIAL_ATTR, import_optuna, open_storage, owner, study_location, writable_journal

if TYPE_CHECKING:
    import optuna

    from ...records import Record
    from ...spec import SweepSpec

MAX_ASKS = 100  # suggestions one trial may refuse for breaking a constraint
CLAIM_WAIT_S = 2.0  # how long a claim waits for an earlier one whose slot is not written yet (a crash leaves one so)
SPACE = "sweep_space"  # user attribute of a study: its search space, to refuse a study made for another one


class BayesSearch(SearchMethod):
    """Numbered slots that ask an Optuna study for their parameters when they start."""

    def __init__(self, spec: SweepSpec, settings: SearchSettings) -> None:
        super().__init__(spec)
        self.optuna = import_optuna()
        self.settings = settings
        self.count = budget(spec, settings)
        if spec.repeat > 1:
            raise SweepError("repeat applies to grid, random and lhs; a bayes trial runs once", key="repeat")
        if len(spec.objectives) > 1 and spec.sampler == "cmaes":
            raise SweepError("cmaes optimizes one metric; for several, use nsga2 or tpe", key="sampler")
        if len(spec.objectives) > 1 and spec.early_terminate:
            raise SweepError("Optuna cannot prune a study of several metrics; drop it", key="early_terminate")
        check_constraint_names(spec)
        self.accept = constraint_filter(spec)
        self.spaces = {path: OptunaSpace.of(path, space, self.optuna) for path, space in spec.spaces.items()}
        self.make_sampler = sampler_factory(spec, self.optuna)
        self.location = study_location(settings.storage, settings.report_dir)
        self._study: optuna.Study | None = None
        self._live: dict[str, optuna.trial.Trial] = {}  # slots running here, asked from the study
        self._replayed: dict[str, dict[str, Any]] = {}  # slots running here again: their Optuna params
        self._adopted: dict[str, int] = {}  # slots whose trial a dead worker left running: its number
        self._heartbeat: Heartbeat | None = None  # this session's beats in the study, once it is open

    # -- collection

    def plan(self) -> TrialPlan:
        check_size(self.count, "the trial budget", self.settings, "trials")
        self._check_storage()
        width = len(str(self.count - 1))
        quick = self.spec.quick
        in_quick = self.count if quick is True else quick if isinstance(quick, int) else 0
        slots = [Slot(f"trial:{i:0{width}d}", None, quick=i < in_quick) for i in range(self.count)]
        return TrialPlan(slots, budget_notes(self.spec, self.settings))

    # -- running

    def start(self, slot: Slot) -> dict[str, Any]:
        if slot.id in self._live:  # a retry in this process (rerunfailures): the same trial again
            return self._values(self._live[slot.id].params)
        study = self.study()
        mine = self._trial_of(study, slot)
        if mine is not None and self._left_by_the_dead(study, mine):  # its session was killed: the slot is free
            study.tell(mine.number, state=self.optuna.trial.TrialState.FAIL, skip_if_finished=True)
            mine = self._trial_of(study, slot)
        if mine is not None and owner(mine)[1] != self.settings.session:
            state = mine.state.name.lower()
            raise SlotTaken(f"{slot.id} is trial {mine.number} of the study ({state}), from another session")
        if mine is not None and mine.state == self.optuna.trial.TrialState.RUNNING:
            self._adopted[slot.id] = mine.number  # its worker died: this rerun ends that trial
        earlier = mine or (self._previous_trial(slot) if self.settings.rerun_failed else None)
        if earlier is not None:  # a rerun: the slot's own parameters again
            self._replayed[slot.id] = dict(earlier.params)
            return self._values(earlier.params)
        for _ in range(MAX_ASKS):
            trial = study.ask()
            trial.set_user_attr(TRIAL_ATTR, {"slot": slot.id, "session": self.settings.session})
            if self._shared and self._lost(study, trial, slot):  # only a continued or named study is shared
                study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
                raise SlotTaken(f"{slot.id} is run by another session sharing the study")
            params = {path: space.suggest(trial, path) for path, space in self.spaces.items()}
            if self.accept(params):
                self._live[slot.id] = trial
                return params
            trial.set_user_attr("sweep_refused", "breaks a constraint: never run")
            study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
        raise TrialError(f"{slot.id}: {MAX_ASKS} suggestions in a row broke the constraints; loosen them")

    def pruner(self, slot: Slot) -> Callable[[int, dict[str, float]], None] | None:
        trial, metric = self._live.get(slot.id), self.spec.metric
        if metric is None or self.spec.early_terminate is None:
            return None
        if trial is None:  # a rerun of known parameters: nothing to prune against
            return lambda step, metrics: None

        def prune(step: int, metrics: dict[str, float]) -> None:
            if metric.name in metrics:
                trial.report(metrics[metric.name], step)
                if trial.should_prune():
                    raise Pruned(f"pruned at step {step}: {metric.name} = {metrics[metric.name]:.4g} (Optuna's pruner)")

        return prune

    def finish(self, slot: Slot, record: Record) -> None:
        state, values = self._ending(record)
        study = self.study()
        if slot.id in self._live:  # asked here and running: no need to read its state back first
            study.tell(self._live.pop(slot.id), values, state=state)
        elif slot.id in self._adopted:
            self._replayed.pop(slot.id, None)
            study.tell(self._adopted.pop(slot.id), values, state=state, skip_if_finished=True)
        elif slot.id in self._replayed:
            params = self._replayed.pop(slot.id)
            study.add_trial(
                self.optuna.trial.create_trial(
                    state=state,
                    values=values,
                    params=params,
                    distributions={path: space.distribution for path, space in self.spaces.items()},
                    user_attrs={TRIAL_ATTR: {"slot": slot.id, "session": self.settings.session}},
                )
            )
        elif (unsure := self._trial_of(study, slot)) is not None and self._left_by_the_dead(study, unsure):
            study.tell(unsure.number, values, state=state, skip_if_finished=True)  # a stored result, reused

    def close(self) -> None:
        """Trials still running here when the session ends were interrupted: they failed."""
        for trial in self._live.values():
            self.study().tell(trial, state=self.optuna.trial.TrialState.FAIL, skip_if_finished=True)
        self._live.clear()
        if self._heartbeat is not None:
            self._heartbeat.stop()

    def resumable(self, slot: Slot) -> dict[str, Any] | None:
        """With ``--sweep-resume``: the parameters of the slot's finished trial in the continued study.

        Also of a trial a dead session left running: its result may be stored though the study never heard it
        (the storage was down when it ended); if so it is reused, and `finish` tells the study.
        """
        if not self.settings.resume:
            return None
        study = self.study()
        trial = self._trial_of(study, slot)
        if trial is None:
            return None
        if trial.state == self.optuna.trial.TrialState.COMPLETE or self._left_by_the_dead(study, trial):
            return self._values(trial.params)
        return None

    # -- the study

    def study(self) -> optuna.Study:
        """The sweep's study in the storage: this session's, or the newest one with ``--sweep-resume``."""
        if self._study is None:
            storage = open_storage(self.location, self.optuna)
            name = self._study_name(storage)
            try:
                self._study = self.optuna.create_study(
                    storage=storage,
                    study_name=name,
                    sampler=self.make_sampler(self._seed()),
                    pruner=self._pruner(),
                    directions=[metric.goal for metric in self.spec.objectives],
                    load_if_exists=True,
                )
            except OSError as exc:  # the journal became unwritable since collection
                raise TrialError(f"cannot write the Optuna journal {self.location}: {exc.strerror or exc}") from None
            self._check_space(self._study)
            if "sweep_sampler" not in self._study.user_attrs:
                self._study.set_user_attr("sweep_sampler", self.spec.sampler)
            self._heartbeat = Heartbeat(self._study, self.settings.session, self.settings.heartbeat).start()
        return self._study

    def _left_by_the_dead(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        """Whether ``trial`` is another session's, still running, and that session has stopped beating."""
        session = owner(trial)[1]
        if trial.state != self.optuna.trial.TrialState.RUNNING or session == self.settings.session:
            return False
        started = trial.datetime_start.timestamp() if trial.datetime_start else None
        return is_dead(study.user_attrs, session, started, self.settings.heartbeat)

    @property
    def _shared(self) -> bool:
        """Whether other sessions may run this study's slots: it was continued, or named by ``--sweep-study``."""
        return self.settings.resume or bool(self.settings.study)

    def _study_name(self, storage: Any) -> str:
        """``<sweep>@<--sweep-study>``, which every session naming it joins; with ``--sweep-resume`` the newest
        study of the sweep; else this session's own."""
        if self.settings.study:
            return f"{self.spec.key}@{self.settings.study}"
        fresh = f"{self.spec.key}@{self.settings.session}"
        if not self.settings.resume:
            return fresh
        mine = [s for s in self.optuna.get_all_study_summaries(storage, False) if s.study_name.startswith(self._prefix)]
        newest = max(mine, key=lambda s: (s.datetime_start is not None, s.datetime_start or 0), default=None)
        return newest.study_name if newest is not None else fresh

    @property
    def _prefix(self) -> str:
        return f"{self.spec.key}@"

    def _previous_trial(self, slot: Slot) -> optuna.trial.FrozenTrial | None:
        """For ``--lf``: the slot's trial in the newest earlier study of the sweep."""
        storage = open_storage(self.location, self.optuna)
        current = self.study().study_name
        earlier = [
            s
            for s in self.optuna.get_all_study_summaries(storage, False)
            if s.study_name.startswith(self._prefix) and s.study_name != current
        ]
        if not earlier:
            return None
        newest = max(earlier, key=lambda s: (s.datetime_start is not None, s.datetime_start or 0))
        study = self.optuna.load_study(study_name=newest.study_name, storage=storage)
        ran = [t for t in study.get_trials(deepcopy=False) if owner(t)[0] == slot.id]
        ran = [t for t in ran if "sweep_refused" not in t.user_attrs]
        return max(ran, key=lambda t: t.number, default=None)  # a failed one too: --lf reruns failures

    def _check_storage(self) -> None:
        """At collection: the storage opens, and a study to continue was made for this search space."""
        try:
            writable_journal(self.location)
            storage = open_storage(self.location, self.optuna)
            name = self._study_name(storage)
        except TrialError as exc:
            raise SweepError(str(exc), key="method") from None
        except Exception as exc:  # the driver's own error while listing studies
            message = f"cannot read the Optuna storage {self.location} (--sweep-storage): {exc}"
            raise SweepError(message, key="method") from None
        if self._shared and name != f"{self.spec.key}@{self.settings.session}" and self._exists(name, storage):
            known = self.optuna.load_study(study_name=name, storage=storage).user_attrs.get(SPACE)
            if known is not None and known != self._space():
                option = "--sweep-study" if self.settings.study else "--sweep-resume"
                fix = "name another study" if self.settings.study else "run without --sweep-resume to start a fresh one"
                raise SweepError(
                    f"{option}: the study {name!r} in {self.location} was made for another search space"
                    f" (the parameters changed since): {fix}",
                    key="parameters",
                )

    def _exists(self, name: str, storage: Any) -> bool:
        return name in self.optuna.study.get_all_study_names(storage)

    def _space(self) -> dict[str, str]:
        return {path: space.signature for path, space in self.spaces.items()}

    def _check_space(self, study: optuna.Study) -> None:
        known = study.user_attrs.get(SPACE)
        if known is None:
            study.set_user_attr(SPACE, self._space())
        elif known != self._space():
            raise TrialError(
                f"the study {study.study_name!r} in {self.location} was made for another search space"
                " (the sweep file changed): start a fresh study (without --sweep-resume, or another --sweep-study)"
            )

    def _trial_of(self, study: optuna.Study, slot: Slot) -> optuna.trial.FrozenTrial | None:
        """The trial that holds ``slot`` in ``study``: the first one asked for it that has not failed.

        A failed trial (an error, a crash, a refused suggestion) leaves its slot free: resume runs it again.
        """
        held = (self.optuna.trial.TrialState.COMPLETE, self.optuna.trial.TrialState.PRUNED)
        trials = [
            t
            for t in study.get_trials(deepcopy=False, states=(*held, self.optuna.trial.TrialState.RUNNING))
            if owner(t)[0] == slot.id
        ]
        return min(trials, key=lambda t: t.number, default=None)

    def _lost(self, study: optuna.Study, trial: optuna.trial.Trial, slot: Slot) -> bool:
        """Whether another session asked for ``slot`` first (two machines at the same moment).

        The first trial asked wins, by number. A trial asked before this one whose slot is not
        written yet (its session is between ``ask`` and naming the slot) is waited for, briefly:
        else both sessions could see only their own claim and run the slot twice.
        """
        running = self.optuna.trial.TrialState.RUNNING
        deadline = time.monotonic() + CLAIM_WAIT_S
        while time.monotonic() < deadline:
            unnamed = [
                t
                for t in study.get_trials(deepcopy=False, states=(running,))
                if t.number < trial.number and TRIAL_ATTR not in t.user_attrs
            ]
            if not unnamed:
                break
            time.sleep(0.05)
        holder = self._trial_of(study, slot)
        return holder is not None and holder.number != trial.number

    def _seed(self) -> int:
        """Distinct per worker and session, from the sweep's seed: workers never draw alike."""
        return int(digest(f"{self.spec.seed}:{self.settings.session}:{self.settings.worker}"), 16) % 2**31

    def _pruner(self) -> Any:
        """Optuna's pruner for ``early_terminate``, fed by each ``trial.log`` of the metric."""
        rule = self.spec.early_terminate
        if rule is None:
            return None
        if rule.type == "median":
            return self.optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=int(rule.min_iter or 0))
        return self.optuna.pruners.HyperbandPruner(
            min_resource=rule.bands[0],  # W&B's first band: min_iter, or counted down from max_iter with s
            max_resource=rule.max_iter or "auto",
            reduction_factor=max(2, round(rule.eta)),  # Optuna's is a whole number from 2
        )

    def _values(self, optuna_params: Mapping[str, Any]) -> dict[str, Any]:
        return {path: self.spaces[path].value(optuna_params[path]) for path in self.spaces if path in optuna_params}

    def _ending(self, record: Record) -> tuple[Any, list[float] | None]:
        """The state to tell, and the objectives' values when it is complete."""
        states = self.optuna.trial.TrialState
        if record["outcome"] == Outcome.PRUNED:
            return states.PRUNED, None
        values = [record["metrics"].get(metric.name) for metric in self.spec.objectives]
        finished = record["outcome"] in FINISHED
        if finished and all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            return states.COMPLETE, [float(v) for v in values]  # type: ignore[arg-type]
        return states.FAIL, None
