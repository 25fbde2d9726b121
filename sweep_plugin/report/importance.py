"""How much each parameter matters, by an estimator valid for how its values were drawn.

One-way ANOVA groups the trials by a parameter's value, which is right for a
grid (every value runs many times) and wrong for a sampled range, where
every value runs once and each "group" explains everything. So the design
decides, from the data:

- **grouped** (every varying parameter took at most ``MAX_GROUPS`` values,
  some more than once: grids, ``values:`` choices): per parameter, the bias-corrected share of
  the metric's variance between its groups (epsilon squared, clipped at 0);
- **sampled** (a numeric parameter took more, or no value twice: ``random``,
  ``lhs``, ``bayes`` over a range): Optuna's PED-ANOVA, which compares where
  a parameter's values lie among the best trials (10%, and at least
  ``TOP_TRIALS``) with where they lie among all (a Pearson divergence of
  Parzen estimates: no binning, no model to fit). It needs no library beyond
  Optuna (fANOVA needs scikit-learn's random forests), takes milliseconds for
  a sweep's few hundred trials, and asks what a sweep's reader asks: what
  must be right to be among the best.

Either way a parameter's ``share`` is its score over the sum of all scores.
Scores are checked against chance with the metric shuffled across trials
``SHUFFLES`` times (a fixed seed, so a rebuilt report is the same): a
parameter *stands out* when it beats, in every shuffle, the best any
parameter did by chance (`chance`). When none stands out there are too few
trials to rank, and the report says so instead of ranking. A sweep drawn
from ranges with fewer than ``TRIALS_PER_PARAMETER`` trials per parameter is
not ranked at all: with 24 trials of 10 parameters (a public W&B sweep file)
the shuffles let an idle parameter come first and "stand out".

A sweep of more than ``MAX_TRIALS`` finished trials is ranked from a fixed random
sample of that many: plenty to rank by, at a bounded cost (a 10,000-trial
sweep took 6 s whole, 1.4 s sampled).

Repeats' ``seed`` is not a parameter: it is noise. ``noise`` is the share of
the metric's variance between the repeats of one configuration (None without
repeats), shown beside the parameters.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..records import Goal

if TYPE_CHECKING:
    import optuna

MAX_GROUPS = 10  # a parameter with more distinct numbers than this was sampled from a range
TOP_TRIALS = 10  # PED-ANOVA's best trials: 10% of them, and at least this many (below 10, it rarely ranks)
SHUFFLES = 19  # beating all 19 shuffles of the metric is p <= 0.05
TRIALS_PER_PARAMETER = 3  # below this many trials per parameter drawn from a range, nothing is ranked
MAX_TRIALS = 2_000  # a larger sweep is ranked from this many of its trials (PED-ANOVA's cost grows with them)
NOISE = "seed"


@dataclass(frozen=True)
class Importance:
    """The parameters' shares, whether they stand out from chance, and the noise between repeats."""

    method: str  # "anova" (grouped) or "ped-anova" (sampled)
    shares: dict[str, float]  # parameter -> share of the summed scores (0 to 1)
    p_values: dict[str, float]  # parameter -> the share of shuffles (and itself) scoring at least as high
    noise: float | None  # share of the metric's variance between repeats of one configuration
    trials: int

    @property
    def ranked(self) -> bool:
        """Whether any parameter stands out from chance: only then are the shares worth showing."""
        return any(p <= 1 / (SHUFFLES + 1) for p in self.p_values.values())

    def stands_out(self, param: str) -> bool:
        return self.p_values.get(param, 1.0) <= 1 / (SHUFFLES + 1)

    @property
    def estimator(self) -> str:
        """What the shares are, for a plot's axis and the page."""
        if self.method == "anova":
            return "share of explained variance (one-way ANOVA, \u03b5\u00b2)"
        return "share of importance for reaching the best trials (PED-ANOVA)"

    @property
    def note(self) -> str:
        """Why nothing is ranked, or what the noise is: a line for the plot and the page."""
        parts = []
        if self.shares and not self.ranked:
            parts.append(
                f"too few trials to rank: with {self.trials} finished, no parameter stands out "
                f"from chance (none beats it in all {SHUFFLES} shuffles of the metric, or there are"
                f" fewer than {TRIALS_PER_PARAMETER} per parameter drawn from a range)"
            )
        if self.noise is not None:
            parts.append(f"noise between repeats (seed): {self.noise:.0%} of the metric's variance")
        return "; ".join(parts)


def importance(y: pd.Series, columns: Mapping[str, pd.Series], scales: Mapping[str, str], goal: Goal) -> Importance:
    """The importance of each parameter in ``columns`` (raw values of the trials in ``y``) for the metric ``y``."""
    params = [p for p, values in columns.items() if p != NOISE and values.loc[y.index].map(_key).nunique() > 1]
    noise = noise_share(y, columns)
    if not params or len(y) < 2:
        return Importance("anova", {}, {}, noise, len(y))
    sample = y.sample(MAX_TRIALS, random_state=0) if len(y) > MAX_TRIALS else y  # the same sample every time
    values = {p: columns[p].loc[sample.index] for p in params}
    sampled = any(is_sampled(v) for v in values.values())
    score = _ped_anova(values, scales, goal) if sampled else _anova(values)
    loss = -goal.sign * sample.to_numpy(dtype=float)
    observed = score(loss)
    if sampled and len(sample) < TRIALS_PER_PARAMETER * len(params):  # chance would pick winners among many
        p_values = dict.fromkeys(params, 1.0)
    else:
        p_values = chance(observed, [score(shuffled) for shuffled in _shuffles(loss)])
    total = sum(observed.values())
    shares = {p: observed[p] / total if total > 0 else 0.0 for p in params}
    return Importance("ped-anova" if sampled else "anova", shares, p_values, noise, len(y))


def _shuffles(loss: np.ndarray) -> list[np.ndarray]:
    rng = np.random.default_rng(0)  # the same shuffles every time: a rebuilt report says the same
    return [rng.permutation(loss) for _ in range(SHUFFLES)]


def chance(observed: Mapping[str, float], shuffled: list[Mapping[str, float]]) -> dict[str, float]:
    """Each score's p-value against the shuffles, for all parameters at once (Westfall-Young max-T).

    Scores of different parameters differ in scale (a choice of two against a
    range), so each is standardised by its own shuffles first; a parameter's
    p-value is the share of shuffles (and itself) in which *any* parameter
    did as well by chance. So "stands out" holds at 5% for the sweep as a
    whole, however many parameters it has.
    """
    params = list(observed)
    null = np.nan_to_num(np.array([[s[p] for p in params] for s in shuffled], dtype=float), nan=np.inf)
    center, spread = null.mean(axis=0), null.std(axis=0)
    flat = spread <= 1e-12  # chance always scored the same: anything above it is beyond every shuffle
    with np.errstate(divide="ignore", invalid="ignore"):
        best_by_chance = np.where(flat, 0.0, (null - center) / spread).max(axis=1)
        above = np.nan_to_num(np.array([observed[p] for p in params], dtype=float), nan=-np.inf) - center
        z = np.where(flat, np.where(above > 1e-12, np.inf, 0.0), above / spread)
    return {p: (1 + int((best_by_chance >= z[i] - 1e-9).sum())) / (len(shuffled) + 1) for i, p in enumerate(params)}


def is_sampled(values: pd.Series) -> bool:
    """Whether a parameter's numbers were drawn from a range: more than `MAX_GROUPS` of them, or none twice."""
    nums = _numbers(values)
    return nums is not None and (nums.nunique() > MAX_GROUPS or not nums.duplicated().any())


def noise_share(y: pd.Series, columns: Mapping[str, pd.Series]) -> float | None:
    """The share of ``y``'s variance within configurations repeated with several seeds; None without repeats."""
    if NOISE not in columns or len(y) < 2:
        return None
    others = [columns[p].loc[y.index] for p in columns if p != NOISE]
    config = pd.Series([json.dumps([_key(v[i]) for v in others]) for i in y.index], index=y.index)
    if not config.duplicated().any():
        return None
    total = float(((y - y.mean()) ** 2).sum())
    within = float(((y - y.groupby(config).transform("mean")) ** 2).sum())
    return within / total if total > 0 else 0.0


def _anova(values: Mapping[str, pd.Series]) -> Any:
    """A scorer: epsilon squared of each parameter, from group codes computed once."""
    codes = {p: pd.factorize(v.map(_key))[0] for p, v in values.items()}  # -1: the trial lacks the parameter

    def score(loss: np.ndarray) -> dict[str, float]:
        return {p: epsilon_squared(loss[c >= 0], c[c >= 0]) for p, c in codes.items()}

    return score


def epsilon_squared(y: np.ndarray, codes: np.ndarray) -> float:
    """(SS_between - (k - 1) MS_within) / SS_total, clipped at 0; 0 when every group ran once (no spread within)."""
    n, k = len(y), int(codes.max(initial=-1)) + 1
    total = float(((y - y.mean()) ** 2).sum())
    if k < 2 or n <= k or total <= 0:
        return 0.0
    counts = np.bincount(codes, minlength=k)
    means = np.bincount(codes, weights=y, minlength=k) / np.maximum(counts, 1)
    between = float((counts * (means - y.mean()) ** 2).sum())
    within_ms = (total - between) / (n - k)
    return float(np.clip((between - (k - 1) * within_ms) / total, 0.0, 1.0))


def _ped_anova(values: Mapping[str, pd.Series], scales: Mapping[str, str], goal: Goal) -> Any:
    """A scorer: PED-ANOVA's score of each parameter, on one in-memory study built once."""
    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator

    distributions = {p: _distribution(v, scales.get(p, "linear")) for p, v in values.items()}
    rows = pd.DataFrame(values)
    trials = [_trial(row, distributions) for row in rows.to_dict("records")]
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study()
        study.add_trials(trials)
    finally:
        optuna.logging.set_verbosity(verbosity)
    evaluator = PedAnovaImportanceEvaluator(target_quantile=min(0.5, max(0.1, TOP_TRIALS / len(rows))))

    def score(loss: np.ndarray) -> dict[str, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "lower target values are better": the loss is made so
            scores = evaluator.evaluate(study, params=list(values), target=lambda t: float(loss[t.number]))
        return {p: float(scores.get(p, 0.0)) for p in values}

    return score


def _trial(row: Mapping[str, Any], distributions: Mapping[str, Any]) -> optuna.trial.FrozenTrial:
    """A finished trial with the parameters it had (a conditional one may be absent); its value is unused."""
    import optuna

    params = {p: _param_value(v, distributions[p]) for p, v in row.items() if not _missing(v)}
    return optuna.trial.create_trial(params=params, distributions={p: distributions[p] for p in params}, value=0.0)


def _param_value(value: Any, distribution: Any) -> Any:
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(distribution, CategoricalDistribution):
        return _choice(value)
    return int(value) if isinstance(distribution, IntDistribution) else float(value)


def _distribution(values: pd.Series, scale: str) -> Any:
    """The range the values were drawn from, as the Optuna distribution PED-ANOVA's estimates need."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    nums = _numbers(values)
    if nums is None or scale == "categorical":
        return CategoricalDistribution(sorted({_choice(v) for v in values if not _missing(v)}))
    low, high = float(nums.min()), float(nums.max())
    log = scale == "log" and low > 0
    if all(isinstance(v, int | np.integer) for v in values.dropna()):
        return IntDistribution(int(low), int(high), log=log)
    return FloatDistribution(low, high, log=log)


def _numbers(values: pd.Series) -> pd.Series | None:
    """The present values as floats when every one is a number (bools are not), else None."""
    present = values.dropna()
    if present.empty or not all(_is_number(v) for v in present):
        return None
    return present.astype(float)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)


def _key(value: Any) -> Any:
    """A hashable stand-in for a value: a number itself, anything else as text."""
    return float(value) if _is_number(value) else _choice(value)


def _choice(value: Any) -> str:
    """A categorical value as text: strings as they are, the rest (lists, None, bools) as JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
