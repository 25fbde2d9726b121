"""Is the plugin inert where nobody asks for it? A project without sweep files, with and without it.

Runs ``python -X importtime -m pytest`` on a small project of plain tests, once
with the plugin and once with ``-p no:sweep``, and reports the modules only
the plugin's run imported (the plugin's own light modules are expected; no
pandas, matplotlib, optuna, scipy, mlflow, rich or wandb) and the median wall
time of each over ``--repeats`` runs, as a ratio.

    python benchmarks/bench_inert.py              # 7 runs each
    python benchmarks/bench_inert.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("pandas", "matplotlib", "optuna", "scipy", "mlflow", "rich", "wandb", "sqlalchemy", "numpy", "yaml")
TESTS = "\n".join(f"def test_{i}():\n    assert {i} + 1 == {i + 1}\n" for i in range(50))


def imported(stderr: str) -> set[str]:
    """The top-level names of the modules ``-X importtime`` lists."""
    names = set()
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", line)
        if match:
            names.add(match.group(1).strip())
    return names


def run(project: Path, *extra: str) -> tuple[float, set[str], int]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, imported(done.stderr), done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "test_plain.py").write_text(TESTS)
        (project / "data.yaml").write_text("a: 1\n")  # YAML that is not a sweep
        on, off = [], []
        modules_on: set[str] = set()
        modules_off: set[str] = set()
        for _ in range(args.repeats):  # alternating, so drift hits both alike
            seconds, modules, code = run(project)
            assert code == 0, "the plain tests failed with the plugin"
            on.append(seconds)
            modules_on |= modules
            seconds, modules, code = run(project, "-p", "no:sweep")
            assert code == 0, "the plain tests failed without the plugin"
            off.append(seconds)
            modules_off |= modules
    extra = sorted(modules_on - modules_off)
    own = [name for name in extra if name.startswith("sweep_plugin")]
    others = [name for name in extra if not name.startswith("sweep_plugin")]
    heavy = [name for name in others if name.split(".")[0] in HEAVY]
    ratio = statistics.median(on) / statistics.median(off)
    print(
        f"median wall time, {args.repeats} runs each: plugin {statistics.median(on):.3f} s, "
        f"-p no:sweep {statistics.median(off):.3f} s, ratio {ratio:.3f}"
    )
    print(f"spread (max - min): plugin {max(on) - min(on):.3f} s, -p no:sweep {max(off) - min(off):.3f} s")
    print(f"modules only the plugin's run imported: {len(own)} of sweep_plugin's own, {len(others)} others")
    print("  others:", ", ".join(others) or "none")
    print("  heavy ones among them:", ", ".join(heavy) or "none")
    print()
    print("| case | figure |")
    print("|---|---|")
    print(f"| wall time with the plugin vs `-p no:sweep` (median of {args.repeats}) | {ratio:.3f}x |")
    print(f"| modules imported only with the plugin (besides its own) | {len(others)}: {', '.join(others) or 'none'} |")
    print(f"| heavy libraries imported | {', '.join(heavy) or 'none'} |")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
