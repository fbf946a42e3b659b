"""The one timing helper of benchmarks/: interleaved runs of several ways of doing the same work.

Running way A five times, then way B five times, lets a burst of load from another process
land on one way only. Here every repetition runs each way once, in turn, so a slow spell hits
them all alike; the median of the repetitions then ignores the odd disturbed run.
"""

import gc
import statistics
import time


def interleaved(ways, repeats, warmup=1):
    """Time each way `repeats` times, in turns, after `warmup` untimed rounds.

    `ways` maps a name to a factory: called untimed before every run, it returns the
    zero-argument function whose call is timed. Work that must be redone for each run but
    is not what we measure (building the graph that a backward pass then consumes) goes in
    the factory; a way with nothing to prepare is written `lambda: run`.

    Returns {name: [seconds of each timed run]}.
    """
    seconds = {name: [] for name in ways}
    for round_number in range(warmup + repeats):
        for name in turns(list(ways), round_number):
            run = ways[name]()
            # Start every run with nothing left to collect. Otherwise the objects earlier runs
            # (or the factory) left behind can set off a full collection inside this run, and
            # its cost grows with every object the process holds (PyTorch's modules alone are
            # ~170,000): a 10,000-add chain then measured 7x slower in one run of three.
            # Collections that the run's own allocations set off stay in its time.
            gc.collect()
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
            if round_number >= warmup:
                seconds[name].append(elapsed)
    return seconds


def turns(names, round_number):
    """The order in which `names` take their turns in round `round_number`.

    Each round starts with another name, and every other round goes backwards, so no way
    always runs right after the same one (whose BLAS or OpenMP threads may still be spinning
    for a moment after it returns) or always first.
    """
    first, step = round_number % len(names), -1 if round_number % 2 else 1
    return [names[(first + step * i) % len(names)] for i in range(len(names))]


def summary(runs, scale=1.0):
    """Median, min and max of a way's runs, each multiplied by `scale` (e.g. 1e3 / steps for ms per step).

    The spread (max - min) / median says how noisy the runs were: a few percent on a quiet
    machine, much more when another process competed for the cores.
    """
    values = sorted(value * scale for value in runs)
    middle = statistics.median(values)
    return {
        "median": middle,
        "min": values[0],
        "max": values[-1],
        "spread": (values[-1] - values[0]) / middle if middle else 0.0,
        "runs": [value * scale for value in runs],
    }


def measure(ways, repeats, scale=1.0, warmup=1):
    """interleaved() then summary() of each way: {name: {"median", "min", "max", "spread", "runs"}}."""
    return {name: summary(runs, scale) for name, runs in interleaved(ways, repeats, warmup).items()}
