"""Adaptive search on Optuna (``method: bayes``): each trial asks a shared study for its parameters.

`BayesSearch` is the method; its parts are the Optuna form of each space
(`spaces`), the sampler a sweep names (`samplers`) and where studies live
(`storage`). Importing this package imports no Optuna: a sweep's first
trial does.
"""

from .method import BayesSearch
from .samplers import SAMPLERS, sampler_factory
from .spaces import OptunaSpace
from .storage import JOURNAL_FILE, fail_orphans, fail_running, import_optuna, open_storage, study_location

__all__ = [
    "JOURNAL_FILE",
    "SAMPLERS",
    "BayesSearch",
    "OptunaSpace",
    "fail_orphans",
    "fail_running",
    "import_optuna",
    "open_storage",
    "sampler_factory",
    "study_location",
]
