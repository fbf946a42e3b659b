"""What a benchmark ran on: CPU, cores, NumPy's BLAS (tinytorch.threads.blas_info) and its threads, the
allocator's setting (tinytorch.memory), versions, date, load.

Ratios between tinytorch, NumPy and PyTorch depend on all of these (a BLAS kernel for another
CPU, or PyTorch given more threads than NumPy, changes them), so each result file carries them.
"""

import datetime
import os
import platform

import numpy as np

from tinytorch.memory import describe_allocator
from tinytorch.threads import blas_info, chosen_by, usable_cores


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (Linux), else what the platform module knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_torch(threads):
    """(torch, None) with torch limited to `threads` threads, or (None, why it is unavailable)."""
    try:
        import torch
    except ImportError as error:
        return None, f"torch is not installed ({error}); `pip install torch==2.13.0` adds it"
    torch.set_num_threads(threads)
    return torch, None


def describe(torch=None):
    """The machine and software as a JSON-ready dict."""
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable_cores(),
        "load_average": list(os.getloadavg()),
        "blas": blas_info(),
        "blas_threads_chosen_by": chosen_by(),
        "allocator": describe_allocator(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch else None,
        "torch_threads": torch.get_num_threads() if torch else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
