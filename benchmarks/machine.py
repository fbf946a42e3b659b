"""What a benchmark ran on: CPU, cores, NumPy's BLAS and its threads, library versions, date, load.

Ratios between tinytorch, NumPy and PyTorch depend on all of these (a BLAS kernel for another
CPU, or PyTorch given more threads than NumPy, changes them), so each result file carries them.
"""

import datetime
import os
import platform

import numpy as np
import threadpoolctl


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


def numpy_blas():
    """The BLAS libraries loaded in this process, as threadpoolctl reports them.

    NumPy's BLAS is the one the hand-written NumPy baseline and tinytorch both run on. PyTorch
    links its own BLAS (MKL) statically, so threadpoolctl does not list it as a BLAS.
    """
    return [
        {key: entry.get(key) for key in ("internal_api", "version", "architecture", "num_threads",
                                          "threading_layer", "filepath")}
        for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas"
    ]


def blas_threads():
    """How many threads NumPy's BLAS uses: the thread count PyTorch is given too."""
    blas = numpy_blas()
    return blas[0]["num_threads"] if blas else 1


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
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        affinity = os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "load_average": list(os.getloadavg()),
        "blas": numpy_blas(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch else None,
        "torch_threads": torch.get_num_threads() if torch else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
