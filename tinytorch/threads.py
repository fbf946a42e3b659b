"""How many threads NumPy's BLAS may use for tinytorch's matrix products, and why the default is one.

Every matrix product in tinytorch is NumPy's, and NumPy hands it to a BLAS library (OpenBLAS
in NumPy's wheels) that splits each product across threads, by default one per core. The
matrices of this course are small: a batch of 32 to 128 rows times layers of 10 to 784 units.
Such a product takes tens of microseconds, so the threads meet and wait for each other all
the time. On a quiet machine a second thread gains little; on a machine whose cores are busy
with other programs (a shared course server, a laptop running a browser) a thread that waits
for a descheduled partner loses its time slice, and training becomes many times slower. The
README's "BLAS threads" section has the figures; in short, on a busy 2-core machine the digits
milestone trained 12 to 28 times faster with one BLAS thread than with two.

So `import tinytorch` sets one BLAS thread, unless the environment already chose a count
(OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and the like: then it is left as chosen). Large
products do gain from more threads: `set_num_threads(n)` changes the count at any time.
This differs from PyTorch, whose default is one thread per physical core.

The setting is process-wide: it applies to every NumPy matrix product in the process, not
only tinytorch's. threadpoolctl does the work; it can only see libraries already loaded,
which is why NumPy is imported first.
"""

import os

import numpy as np  # noqa: F401  (loads NumPy's BLAS, so that threadpoolctl finds it)
import threadpoolctl

DEFAULT_THREADS = 1

# Variables through which a user or a job scheduler tells a BLAS library how many threads to
# use. When one is set, the count was chosen on purpose, and tinytorch's default stays out of it.
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
)

_chosen_by = "the BLAS library's own default"


def _blas_libraries():
    """threadpoolctl's handles on the BLAS libraries loaded now (a fresh look: a later import may add one)."""
    return threadpoolctl.ThreadpoolController().select(user_api="blas")


def blas_info():
    """The BLAS libraries in this process: [{"library", "version", "kernel", "threads", "threading"}].

    "kernel" is the CPU architecture whose hand-tuned code the library runs (OpenBLAS picks it
    at load time, e.g. "Haswell" or "SkylakeX"). An empty list means NumPy found no BLAS that
    threadpoolctl knows; NumPy then multiplies matrices in its own single-threaded loops.
    """
    return [
        {"library": entry["internal_api"], "version": entry.get("version"), "kernel": entry.get("architecture"),
         "threads": entry["num_threads"], "threading": entry.get("threading_layer")}
        for entry in _blas_libraries().info()
    ]


def get_num_threads():
    """How many threads NumPy's BLAS uses for a matrix product (1 when there is no BLAS to ask)."""
    libraries = blas_info()
    # NumPy's BLAS is loaded with NumPy, before any other package could bring a second one.
    return libraries[0]["threads"] if libraries else 1


def set_num_threads(threads):
    """Let NumPy's BLAS (every BLAS library in the process) use `threads` threads per matrix product.

    Results differ between thread counts only by float round-off: a product split across
    threads may add its terms in another order. The same count gives the same result every run.
    """
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"set_num_threads expects a whole number of threads, got {threads!r}")
    if threads < 1:
        raise ValueError(f"set_num_threads expects at least 1 thread, got {threads}")
    _set(int(threads), f"set_num_threads({int(threads)})")


def _set(threads, chosen_by):
    global _chosen_by
    _blas_libraries().limit(limits=threads)  # kept until changed again: the limiter is never undone
    _chosen_by = chosen_by


def chosen_by():
    """Who chose the current thread count, in words: the environment, tinytorch's default, or a call."""
    return _chosen_by


def use_default_threads():
    """At import: one BLAS thread, unless the environment already set a count (which is then kept)."""
    global _chosen_by
    named = [f"{name}={os.environ[name]}" for name in BLAS_THREAD_VARIABLES if os.environ.get(name)]
    if named:
        _chosen_by = f"{', '.join(named)} in the environment"
    else:
        _set(DEFAULT_THREADS, "tinytorch's default")


def usable_cores():
    """How many cores this process may run on (its CPU affinity where the OS tells it, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def describe_blas():
    """One line for headers and `tito doctor`: library, version, kernel, threads, who chose them, cores."""
    libraries = blas_info()
    if not libraries:
        return f"no BLAS library found: NumPy multiplies matrices in its own loops, on 1 thread; " \
               f"{usable_cores()} cores usable"
    parts = [f"{lib['library']} {lib['version']} ({lib['kernel']} kernel), "
             f"{lib['threads']} thread{'s' if lib['threads'] != 1 else ''}" for lib in libraries]
    return f"{'; '.join(parts)}: {chosen_by()}; {usable_cores()} cores usable"
