"""Parameter spaces: value lists and distributions in W&B's vocabulary, and Hydra's sweeper grammar read into it.

Every space maps a number in [0, 1) to a value (its inverse CDF), so the
sampling search methods share one code path.
"""

from .distributions import DISTRIBUTIONS, SPACE_KEYS, Distribution, Point, Space, Values, parse_space
from .hydra import hydra_space

__all__ = ["DISTRIBUTIONS", "SPACE_KEYS", "Distribution", "Point", "Space", "Values", "hydra_space", "parse_space"]
