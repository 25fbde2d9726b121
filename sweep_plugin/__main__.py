"""``python -m sweep_plugin``: the command line (`sweep_plugin.cli`)."""

import sys

from .cli import main

sys.exit(main())
