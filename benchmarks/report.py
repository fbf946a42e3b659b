"""The printed table of a benchmark run (the JSON holds the same figures, and every single run)."""

import sys

from rich.console import Console
from rich.table import Table

from conv import CONV_LABELS

LABELS = {
    "train_step_b32": "train step, batch 32",
    "train_step_b128": "train step, batch 128",
    "train_epoch_b128": "epoch, batch 128",
    "linear_forward_b128": "Linear(784, 256) forward, batch 128",
    "add_chain": "add, fwd + bwd, in a chain",
    "add_single": "add, fwd + bwd, single call",
    "chain_backward": "backward of an add chain",
    **{key: f"{label}, fwd + bwd" for key, label in CONV_LABELS.items()},
    "cnn_step": "train step, cnn milestone's network, batch 64",
}
WAYS = ("tinytorch", "numpy", "torch")


def number(value):
    """Three significant figures or so, without switching to exponents for large values."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2e}"


def _cell(way, noisy_spread):
    if "skipped" in way:
        return "skipped"
    style = "yellow" if way["spread"] > noisy_spread else "dim"
    return f"{number(way['median'])} [{style}]±{way['spread'] / 2:.0%}[/{style}]"


def _ratio(result, other):
    key = f"tinytorch/{other}"
    if key not in result["ratios"]:
        return ""
    return f"{number(result['ratios'][key])} [dim]({number(result['ratios_of_minima'][key])})[/dim]"


def _mark(met):
    return {True: "[green]met[/green]", False: "[red]not met[/red]", None: "not measured"}[met]


def _mib(size):
    return f"{size / 2**20:.2f} MiB"


def _machine_line(machine):
    blas = ", ".join(f"{b['library']} {b['version']} ({b['kernel']} kernel, {b['threads']} threads: "
                     f"{machine['blas_threads_chosen_by']})" for b in machine["blas"]) or "no BLAS found"
    torch = f"torch {machine['torch']} ({machine['torch_threads']} threads)" if machine["torch"] else "no torch"
    return (f"{machine['cpu_model']}, {machine['cpus_usable']} of {machine['cpu_count']} CPUs usable; {blas}; "
            f"{machine['allocator']}; numpy {machine['numpy']}; {torch}; Python {machine['python']}; {machine['date']}; "
            f"load average {machine['load_average'][0]:.2f} at start, {machine['load_average_end'][0]:.2f} at end")


def timings_table(results, noisy_spread):
    table = Table(title="Medians [dim]±half the spread (max - min) of the runs, [yellow]yellow[/yellow] when noisy; "
                        "ratios of medians (of fastest runs)[/dim]")
    for column in ("benchmark", "unit", "tinytorch", "NumPy", "PyTorch", "tinytorch/NumPy", "tinytorch/PyTorch"):
        table.add_column(column, justify="left" if column in ("benchmark", "unit") else "right")
    for key, result in results.items():
        if "tinytorch" not in result.get("ways", {}):
            continue  # memory and the milestone under load have tables of their own
        label, ways = LABELS.get(key) or result["label"], result["ways"]
        table.add_row(label, result["unit"], *(_cell(ways[w], noisy_spread) if w in ways else "" for w in WAYS),
                      *(_ratio(result, other) for other in ("numpy", "torch")))
    return table


def derived_lines(results):
    chain, single, backward = results["add_chain"]["derived"], results["add_single"]["derived"], results["chain_backward"]
    training = {key: results[key]["derived"] for key in ("train_step_b32", "train_step_b128", "train_epoch_b128")}
    return [
        "the framework's own cost per step (tinytorch minus the replay of its NumPy calls without it): "
        + ", ".join(f"{LABELS[key]} {number(d['framework_us_per_step'])} us" for key, d in training.items())
        + "; the replay / hand-written NumPy: "
        + ", ".join(f"{number(d['replay/numpy'])}" for d in training.values()),
        f"add overhead per op (minus NumPy's add): chain: tinytorch {number(chain['tinytorch_overhead_us'])} us, "
        f"torch {number(chain.get('torch_overhead_us'))} us; single call: tinytorch "
        f"{number(single['tinytorch_overhead_us'])} us, torch {number(single.get('torch_overhead_us'))} us",
        f"backward of {backward['params']['ops']:,} chained adds: tinytorch "
        f"{number(backward['derived']['tinytorch_seconds'])} s, torch {number(backward['derived'].get('torch_seconds'))} s",
    ]


def under_load_table(results, noisy_spread):
    rows = [results[key] for key in ("under_load_default", "under_load_per_core") if key in results]
    params = rows[0]["params"]
    table = Table(title=f"digits milestone, idle and beside {params['busy_processes']} busy processes "
                        f"[dim]({rows[0]['unit']}, {params['epochs']} epochs a run)[/dim]")
    for column in ("BLAS threads", "idle", "loaded", "loaded / idle"):
        table.add_column(column, justify="right")
    for row in rows:
        label = f"{row['params']['threads']}" + (" (tinytorch's default)" if row is rows[0] else " (one per core)")
        ratio = f"{number(row['ratios']['loaded/idle'])} [dim]({number(row['ratios_of_minima']['loaded/idle'])})[/dim]"
        table.add_row(label, _cell(row["ways"]["idle"], noisy_spread), _cell(row["ways"]["loaded"], noisy_spread), ratio)
    return table


def memory_table(memory):
    table = Table(title=memory["definition"])
    for column in ("", "tinytorch", "NumPy", "estimate"):
        table.add_column(column, justify="left" if not column else "right")
    ours, theirs, estimate = memory["tinytorch"], memory["numpy"], memory["estimate"]
    table.add_row("peak", _mib(ours["peak"]), _mib(theirs["peak"]), _mib(estimate["total"]))
    table.add_row("peak / estimate", number(memory["derived"]["tinytorch_peak_over_estimate"]),
                  number(memory["derived"]["numpy_peak_over_estimate"]), "1")
    table.add_row("peak, first / second half of the epoch", f"{_mib(ours['first_half_peak'])} / {_mib(ours['second_half_peak'])}",
                  f"{_mib(theirs['first_half_peak'])} / {_mib(theirs['second_half_peak'])}", "")
    table.add_row("held after build / half / whole epoch",
                  " / ".join(_mib(ours[k]) for k in ("after_build", "after_first_half", "after_epoch")),
                  " / ".join(_mib(theirs[k]) for k in ("after_build", "after_first_half", "after_epoch")), "")
    return table


def cnn_memory_line(memory):
    estimate = memory["estimate"]
    parts = ", ".join(f"{name.replace('_', ' ')} {_mib(size)}" for name, size in estimate.items() if name != "total")
    return (f"Peak memory of a training step of the cnn milestone's network at batch 64: {_mib(memory['peak'])}, "
            f"estimate {_mib(estimate['total'])} ({parts}); peak / estimate "
            f"{number(memory['derived']['peak_over_estimate'])}")


def targets_table(targets):
    table = Table(title="Targets of issues 6, 11, 12 and 13")
    for column in ("target", "measured", "limit", "", "runs spread"):
        table.add_column(column)
    for target in targets:
        noise = "" if target["spread"] is None else f"{target['spread']:.0%}"
        if target["noisy"]:
            noise = f"[yellow]{noise}: noisy, rerun on a quiet machine[/yellow]"
        table.add_row(target["name"], number(target["value"]), number(target["limit"]), _mark(target["met"]), noise)
    return table


def print_report(report):
    # Piped into a file or CI's log, rich would wrap at 80 columns; the tables need more.
    console = Console(width=None if sys.stdout.isatty() else 132)
    results = report["results"]
    console.print(f"[bold]tinytorch benchmarks ({report['mode']})[/bold]: {_machine_line(report['machine'])}")
    console.print(timings_table(results, report["noisy_spread"]))
    if "add_chain" in results:  # the groups --only left out print nothing
        for line in derived_lines(results):
            console.print(line)
        memory = results["memory_epoch_b128"]
        console.print(memory_table(memory))
        console.print(f"graph freed after a step: {memory['derived']['graph_nodes_alive_after_step']} of "
                      f"{memory['derived']['graph_nodes']} graph nodes still alive (reference counting alone, gc off)")
    if "under_load_default" in results:
        console.print(under_load_table(results, report["noisy_spread"]))
    if "memory_cnn_step" in results:
        console.print(cnn_memory_line(results["memory_cnn_step"]))
    console.print(targets_table(report["targets"]))
    for reason in sorted({w["skipped"] for r in results.values() for w in r.get("ways", {}).values() if "skipped" in w}):
        console.print(f"PyTorch rows skipped: {reason}")
