"""Whether a YAML file is a sweep, told from its top-level keys without building the document (or importing
the rest of the plugin: a session that runs no trial reads its YAML files with this alone).

A data file that happens to match the sweep patterns (``sweep_results.yaml``
of 14 MB) must be left alone at once, not loaded into gigabytes first. A file
over `SNIFF_BYTES` has its top-level keys read from its text (the keys at the
start of a line, in block style; Optuna's and W&B's sweep files are written
so), or, for a flow-style document, from the parser's first events; a sweep
file is never over `MAX_SWEEP_BYTES`.
"""

from __future__ import annotations

import re
from pathlib import Path

SNIFF_BYTES = 256 * 1024  # files above this are sniffed before they are loaded
MAX_SWEEP_BYTES = 1024 * 1024  # a sweep file above this is refused: it is a data file named like one
MAX_FLOW_EVENTS = 10_000  # parser events read from a flow-style document before giving up on finding a key

_BLOCK_KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s#'"{\[\-?:][^:#]*?))[ \t]*:(?:[ \t]|$)""")


def top_level_keys(path: Path) -> set[str]:
    """The top-level keys of the YAML document in ``path`` (empty when it is no mapping)."""
    keys: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip() or line[0] in " \t#%" or line.startswith(("---", "...")):
                continue
            if line[0] in "{[":
                return _flow_keys(path)
            if line[0] == "-" or line[0] == "?":
                return keys if keys else set()  # a list at the top, or a complex key: no sweep
            match = _BLOCK_KEY.match(line.rstrip("\n"))
            if match:
                keys.add(next(group for group in match.groups() if group is not None).strip())
    return keys


def _flow_keys(path: Path) -> set[str]:
    """The top-level keys of a flow-style document (``{method: grid, ...}``), from the parser's first events."""
    import yaml

    keys: set[str] = set()
    depth, want_key = 0, True
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8", errors="replace") as handle:
        try:
            for count, event in enumerate(yaml.parse(handle, Loader=loader)):
                if count > MAX_FLOW_EVENTS:
                    break
                if isinstance(event, yaml.CollectionStartEvent):
                    if depth == 0 and isinstance(event, yaml.SequenceStartEvent):
                        return set()  # a list at the top: no sweep
                    depth += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                    if depth == 1:  # a collection value at the top level ended: a key comes next
                        want_key = not want_key
                    elif depth == 0:
                        break
                elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent) and depth == 1:
                    if want_key and isinstance(event, yaml.ScalarEvent):
                        keys.add(str(event.value))
                    want_key = not want_key
        except yaml.YAMLError:
            pass  # what was read so far tells
    return keys


def uncollected_sweep(path: Path) -> list[str] | None:
    """The keys that make a file the sweep patterns skip look like a sweep (ours or W&B's), or None.

    Stricter than `is_sweep`: ``parameters`` beside what runs or judges it, so a workflow or a Hydra config
    is never taken for one; a file over `SNIFF_BYTES` is no sweep file. Most YAML files (configs, workflows)
    never say ``parameters``: for them this is one read.
    """
    try:
        if path.stat().st_size > SNIFF_BYTES or b"parameters" not in path.read_bytes():
            return None
        keys = top_level_keys(path)
    except OSError:
        return None
    beside = sorted(keys & {"method", "experiment", "command", "program", "metric"})
    return ["parameters", *beside] if "parameters" in keys and beside else None
