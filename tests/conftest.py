"""Shared set-up for the plugin's own tests."""

# pytester's in-process runs drop the modules a run imported. Compiled
# modules (scipy) refuse a second import and pandas' extension types lose
# their identity, so the libraries the plugin imports lazily are imported
# once up front and stay.
import matplotlib.pyplot  # noqa: F401
import optuna.storages  # noqa: F401
import pandas  # noqa: F401
import scipy.stats.qmc  # noqa: F401
import sqlalchemy.orm  # noqa: F401
from postgres import postgres_url  # noqa: F401 - a fixture for the tests that need a server
