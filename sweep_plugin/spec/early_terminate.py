"""``early_terminate``: the rule that stops lagging trials, checked into an `EarlyTerminate`.

Hyperband takes W&B's keys (its ``hyperband_stopping`` schema): ``min_iter``,
or ``max_iter`` with ``s`` (both given: ``max_iter`` and ``s`` define the
bands, as in W&B), ``eta`` (default 3) and ``strict`` (default true). With
neither ``min_iter`` nor ``max_iter``, ``min_iter`` is 3 (W&B refuses such a
rule). Median ignores ``eta``, ``max_iter`` and ``s``.

W&B counts iterations, not steps: band ``b`` is a run's ``b``-th logged
value of the metric. How a rule judges a trial is the pruners' business
(`sweep_plugin.pruners`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SweepError, did_you_mean

TYPES = ("median", "hyperband")
KEYS = {
    "median": ("type", "min_iter", "eta", "max_iter", "s"),
    "hyperband": ("type", "min_iter", "max_iter", "s", "eta", "strict"),
}
DEFAULT_ETA = 3
DEFAULT_MIN_ITER = 3  # ours: W&B requires min_iter, or max_iter with s
MAX_BANDS = 100  # W&B lists this many bands from min_iter


@dataclass(frozen=True)
class EarlyTerminate:
    """A checked rule: ``median`` from ``min_iter`` on, or W&B's ``hyperband`` at its bands."""

    type: str
    eta: float = DEFAULT_ETA
    min_iter: int | None = None  # a median rule always has one
    max_iter: int | None = None
    s: int | None = None
    strict: bool = True  # hyperband: judge the value at the band, not the trial's best so far

    @property
    def bands(self) -> tuple[int, ...]:
        """The iteration counts at which hyperband judges a trial (empty for median)."""
        if self.type != "hyperband":
            return ()
        return hyperband_bands(self.eta, self.min_iter, self.max_iter, self.s)


def hyperband_bands(
    eta: float = DEFAULT_ETA, min_iter: int | None = None, max_iter: int | None = None, s: int | None = None
) -> tuple[int, ...]:
    """The iteration counts at which hyperband judges a run, ascending and without repeats.

    With ``max_iter`` and ``s`` (they win over ``min_iter``, as in W&B):
    divide ``max_iter`` by ``eta`` up to ``s`` times, keeping ``int`` of each
    quotient, until one falls below 1 (1000, eta 3, s 2: ``(111, 333)``).
    With ``min_iter``: ``int(min_iter * eta**k)`` for the first
    ``MAX_BANDS`` values of ``k``. The result may be empty (``max_iter``
    below ``eta``); the caller says what to change.
    """
    if eta <= 1:
        raise ValueError(f"eta must be above 1, not {eta!r}")
    bands: list[int] = []
    if max_iter is not None and s is not None:
        band = float(max_iter)
        for _ in range(s):
            band /= eta
            if band < 1:
                break
            bands.append(int(band))
    elif min_iter is not None:
        band = float(min_iter)
        for _ in range(MAX_BANDS):
            if not math.isfinite(band):
                break
            bands.append(int(band))
            band *= eta
    else:
        raise ValueError("give min_iter, or max_iter with s")
    return tuple(sorted(set(bands)))


def parse_early_terminate(raw: Any) -> EarlyTerminate:
    """The rule, checked, with its defaults filled in; `SweepError` names the key that is wrong."""
    if not isinstance(raw, Mapping):
        raise SweepError(f"must be a mapping such as {{type: hyperband, min_iter: 3}}, not {raw!r}")
    kind = raw.get("type")
    if kind is None:
        raise SweepError("needs `type: median` or `type: hyperband`")
    if kind not in TYPES:
        raise SweepError(f"must be median or hyperband, not {kind!r}{did_you_mean(str(kind), TYPES)}", key="type")
    keys = KEYS[kind]
    unknown = sorted(str(key) for key in raw if key not in keys)
    if unknown:
        hint = did_you_mean(unknown[0], keys)
        raise SweepError(f"unknown key{hint}; {kind} takes {', '.join(keys[1:])}", key=unknown[0])
    eta = raw.get("eta", DEFAULT_ETA)
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not eta > 1:
        raise SweepError(f"must be a number above 1, not {eta!r}", key="eta")
    for key in ("min_iter", "max_iter", "s"):
        value = raw.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SweepError(f"must be a whole number of 1 or more, not {value!r}", key=key)
    if kind == "median":
        return EarlyTerminate("median", eta, raw.get("min_iter", DEFAULT_MIN_ITER), raw.get("max_iter"), raw.get("s"))
    return _hyperband(raw, eta)


def _hyperband(raw: Mapping[str, Any], eta: float) -> EarlyTerminate:
    strict = raw.get("strict", True)
    if not isinstance(strict, bool):
        raise SweepError(f"must be true or false, not {strict!r}", key="strict")
    if "max_iter" in raw and "s" not in raw:
        raise SweepError(
            "needs `s`, the number of bands counted down from max_iter (s: 2 judges at max_iter/eta**2 and "
            "max_iter/eta logged values), or give `min_iter` instead",
            key="max_iter",
        )
    if "s" in raw and "max_iter" not in raw and "min_iter" not in raw:
        raise SweepError("counts bands down from max_iter: add `max_iter`, or give `min_iter` instead", key="s")
    min_iter = raw.get("min_iter", None if "max_iter" in raw else DEFAULT_MIN_ITER)
    rule = EarlyTerminate("hyperband", eta, min_iter, raw.get("max_iter"), raw.get("s"), strict)
    if not rule.bands:
        raise SweepError(
            f"{rule.max_iter} / eta {eta:g} is below 1, so no band is left to judge at: "
            f"raise max_iter to {eta:g} or more, lower eta, or give `min_iter` instead",
            key="max_iter",
        )
    return rule
