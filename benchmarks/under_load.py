"""The digits milestone on a quiet machine and beside two busy processes: what a shared machine costs.

Learners train on laptops and course servers where other programs want the same cores. This
runs the `mlp` milestone on the bundled digits in a fresh process, idle and again while two
busy processes (each a Python loop that spins until stopped, and at most BUSY_LIMIT seconds)
compete for the cores, and reports loaded / idle. It does so for tinytorch's default of one
BLAS thread and for one thread per usable core, in the same rounds: the second shows why the
default is one (tinytorch/threads.py).

The time is the milestone's own: training and evaluation, not Python's start-up or the data
loading. "Idle" means that this benchmark adds no load; other programs may still run, and the
machine's load average is in the report.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import summary, turns
from tinytorch.threads import DEFAULT_THREADS, usable_cores

REPO = Path(__file__).resolve().parent.parent
BUSY_PROCESSES = 2
# A busy process stops by itself after this many seconds, should this benchmark die without stopping it.
BUSY_LIMIT = 600
SPIN = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def busy_processes(count=BUSY_PROCESSES, limit=BUSY_LIMIT):
    """`count` processes that each keep one core busy until the block ends (or `limit` seconds pass)."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN, str(limit)], stdin=subprocess.DEVNULL)
                for _ in range(count)]
    try:
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


def milestone_seconds(threads, epochs, folder):
    """The digits milestone's training time, in seconds, run in a fresh process with `threads` BLAS threads."""
    result_file = Path(folder) / "result.json"
    command = [sys.executable, "-m", "milestones", "run", "mlp", "--epochs", str(epochs), "--threads", str(threads),
               "--json", str(result_file), "--out", str(folder)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "Agg"}
    child = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    # Exit status 1 only says that a shortened run missed the 97% target; the time still counts.
    if child.returncode not in (0, 1) or not result_file.exists():
        raise RuntimeError(f"the milestone failed (exit status {child.returncode}):\n{child.stdout}\n{child.stderr}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    if result["threads"] != threads:
        raise RuntimeError(f"the milestone ran on {result['threads']} BLAS threads, not the {threads} asked for")
    return result["seconds"]


def thread_counts():
    """tinytorch's default, then one thread per usable core when that is more."""
    cores = usable_cores()
    return [DEFAULT_THREADS] + ([cores] if cores > DEFAULT_THREADS else [])


def under_load(epochs, repeats):
    """{threads: result} for each of thread_counts(): ms per epoch idle and loaded, and their ratio.

    Every round runs each (threads, idle or loaded) pair once, in an order that changes from
    round to round, so that a change in the machine's other load hits them all alike.
    """
    counts = thread_counts()
    pairs = [(threads, condition) for threads in counts for condition in ("idle", "loaded")]
    seconds = {pair: [] for pair in pairs}
    with tempfile.TemporaryDirectory(prefix="tinytorch-under-load-") as folder:
        milestone_seconds(DEFAULT_THREADS, 1, folder)  # untimed: the first run pays for compiling and caching
        for round_number in range(repeats):
            for threads, condition in turns(pairs, round_number):
                with busy_processes() if condition == "loaded" else contextlib.nullcontext():
                    seconds[threads, condition].append(milestone_seconds(threads, epochs, folder))
    results = {}
    for threads in counts:
        ways = {condition: summary(seconds[threads, condition], scale=1e3 / epochs) for condition in ("idle", "loaded")}
        results[threads] = {
            "unit": "ms per epoch",
            "definition": f"digits milestone, {epochs} epochs at batch 32 in a fresh process, {threads} BLAS "
                          f"thread{'s' if threads != 1 else ''}, idle and beside {BUSY_PROCESSES} busy processes",
            "params": {"threads": threads, "epochs": epochs, "repeats": repeats, "busy_processes": BUSY_PROCESSES},
            "ways": ways,
            "ratios": {"loaded/idle": ways["loaded"]["median"] / ways["idle"]["median"]},
            "ratios_of_minima": {"loaded/idle": ways["loaded"]["min"] / ways["idle"]["min"]},
        }
    return results
