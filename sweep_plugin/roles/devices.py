"""GPUs and memory: which devices each xdist worker gets, and how many workers ``-n auto`` starts.

The devices are the ini key ``sweep_gpus`` (``--sweep-gpus``: device ids, as
``CUDA_VISIBLE_DEVICES`` takes them), else the ``CUDA_VISIBLE_DEVICES`` the
run was started with, else what ``nvidia-smi`` lists, else none. They are
split evenly among the workers (worker ``gwN`` takes the N-th share) and
given to each through ``CUDA_VISIBLE_DEVICES``, so an experiment
or a command sees only its worker's devices; a sweep's ``resources: {gpus:
k}`` narrows that to the first k for each of its trials.

``-n auto`` takes the smallest of: the CPUs, the free memory over the
largest ``resources.memory_gb`` of the sweeps being run, and the devices
over the largest ``resources.gpus``; never fewer than one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence

from ..errors import SweepError
from ..spec import Resources

ENV = "CUDA_VISIBLE_DEVICES"


def find_devices(configured: str | None) -> list[str]:
    """The devices to share: as configured (``"0 1"`` or ``"0,1"``), else those ``CUDA_VISIBLE_DEVICES``
    already narrows this run to, else ``nvidia-smi``'s, else none."""
    if configured is not None and configured.strip():
        return configured.replace(",", " ").split()
    if ENV in os.environ:  # set, even empty ("" hides every GPU): the run's own choice
        return [device for device in os.environ[ENV].replace(",", " ").split() if device != "-1"]
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    try:
        listed = subprocess.run(
            [tool, "--query-gpu=index", "--format=csv,noheader"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in listed.stdout.splitlines() if line.strip()] if listed.returncode == 0 else []


def worker_share(devices: Sequence[str], worker: int, workers: int) -> list[str]:
    """The devices of worker number ``worker`` of ``workers``: an even share, the first ones to the first workers."""
    if not devices or workers < 1:
        return []
    size, extra = divmod(len(devices), workers)
    if size == 0:  # more workers than devices: they take turns on them
        return [devices[worker % len(devices)]]
    start = worker * size + min(worker, extra)
    return list(devices[start : start + size + (1 if worker < extra else 0)])


def worker_number(worker_id: str) -> int | None:
    """``gw3`` -> 3; None for anything else (no xdist)."""
    digits = worker_id.removeprefix("gw")
    return int(digits) if worker_id.startswith("gw") and digits.isdigit() else None


def auto_workers(cpus: int, free_memory_gb: float | None, devices: int, needs: Iterable[Resources]) -> int:
    """How many workers fit: CPUs, then memory and GPUs for the most demanding sweep's trials.

    With no GPU at all, the GPU trials will be skipped: they do not narrow the others' workers.
    """
    needs = list(needs)
    limits = [max(1, cpus)]
    memory = max((need.memory_gb for need in needs), default=0.0)
    if memory > 0 and free_memory_gb is not None:
        limits.append(int(free_memory_gb // memory))
    gpus = max((need.gpus for need in needs), default=0)
    if gpus > 0 and devices > 0:
        limits.append(devices // gpus)
    return max(1, min(limits))


def free_memory_gb() -> float | None:
    """Memory available for new processes (Linux's MemAvailable), None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        return None
    return None


def trial_devices(share: Sequence[str], gpus: int) -> list[str]:
    """The devices one trial gets from its worker's share; `SweepError` if the share is too small."""
    if gpus > len(share):
        raise SweepError(
            f"a trial needs {gpus} GPU{'s' if gpus > 1 else ''} and this worker has {len(share)}"
            f" ({','.join(share) or 'none'}): list more in sweep_gpus, or run fewer workers"
        )
    return list(share[:gpus])


def cpu_count() -> int:
    """CPUs this process may use (its affinity where the OS says, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
