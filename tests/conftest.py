"""Shared set-up for the plugin's own tests."""

# pytester's in-process runs drop modules imported during a run; scipy's
# compiled modules refuse a second import, so import them once up front.
import scipy.stats.qmc  # noqa: F401
