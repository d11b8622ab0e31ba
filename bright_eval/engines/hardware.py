"""A short name for the hardware that produced an output, recorded with its cost."""

from __future__ import annotations

import functools
import os
import platform
import sys


@functools.cache
def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def local_hardware() -> str:
    """The GPU torch computes on where one is in use, else the CPU with its core count.

    torch is asked only when something already imported it: importing it just to learn that a
    stand-in reranker runs on the CPU would cost seconds per worker."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        count = torch.cuda.device_count()
        name = torch.cuda.get_device_name(0)
        return name if count == 1 else f"{count}x {name}"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"CPU: {cpu_name()} ({cores} cores)"
