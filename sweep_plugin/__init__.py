"""sweep_plugin: sweep YAML files become pytest items, one per trial."""

from .errors import SweepError, SweepWarning
from .trial import Trial

__all__ = ["SweepError", "SweepWarning", "Trial", "__version__"]
__version__ = "0.1.0"
