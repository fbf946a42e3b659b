"""Why `import tinytorch` asks the C allocator to keep memory it has freed, and how.

Every NumPy operation returns a new array, and a training step makes hundreds of them, many
of a megabyte or more (the im2col matrix of the cnn milestone's second convolution is 10 MB),
all freed again before the next step. Under NumPy on Linux, glibc's malloc gives large blocks
back to the kernel when they are freed (those it took with mmap), and gives back the top of
its heap once more than a threshold of it is free. The next step asks for the same memory
again, and the kernel hands it out a page at a time: the first touch of every 4 KiB page is a
page fault, which the kernel answers by zeroing the page. On the course machine that was
about 2,450 faults per training step of the cnn network (about a fifth of the step) and 1,400
per forward and backward of its second convolution (about a third); see the README's
"Convolutions (issue 11)".

So `import tinytorch` sets two of glibc's malloc parameters: blocks of up to 32 MiB come from
the heap rather than from mmap (M_MMAP_THRESHOLD; 32 MiB is the largest glibc accepts), and
the heap keeps up to 64 MiB free before it gives any back (M_TRIM_THRESHOLD). A step then
reuses the memory of the step before, and the faults drop to a handful. The price is that the
process may hold up to 64 MiB it does not use at the moment. PyTorch changes no such setting:
its kernels make few temporaries.

Like the BLAS threads (threads.py), the setting is process-wide, and the environment wins: if
it sets one of glibc's malloc variables, or malloc tunables in GLIBC_TUNABLES, nothing is
changed. With another C library (macOS, musl) nothing is done.
"""

import ctypes
import os
import platform

MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 64 * 2**20
# mallopt's parameter numbers, from glibc's <malloc.h>.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MALLOC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")

_chosen_by = "the C library's own default"


def keep_freed_memory():
    """At import: set glibc's malloc thresholds as above, unless the environment chose its own."""
    global _chosen_by
    named = [f"{name}={os.environ[name]}" for name in MALLOC_VARIABLES if os.environ.get(name)]
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        named.append("GLIBC_TUNABLES")
    if named:
        _chosen_by = f"{', '.join(named)} in the environment"
        return
    if platform.libc_ver()[0] != "glibc":
        _chosen_by = "left as it is (not glibc)"
        return
    libc = ctypes.CDLL(None)  # the C library this interpreter already runs on
    if libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD):
        _chosen_by = "tinytorch's default"


def describe_allocator():
    """One line for benchmark headers: what the allocator keeps, and who chose it."""
    if _chosen_by == "tinytorch's default":
        return (f"glibc malloc, blocks up to {MMAP_THRESHOLD >> 20} MiB from the heap, "
                f"up to {TRIM_THRESHOLD >> 20} MiB kept free: tinytorch's default")
    return f"malloc: {_chosen_by}"
