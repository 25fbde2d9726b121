"""sweep_plugin: sweep YAML files become pytest items, one per trial."""

from .errors import SweepError
from .trial import Trial

__all__ = ["SweepError", "Trial", "__version__"]
__version__ = "0.1.0"
