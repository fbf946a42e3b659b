"""tinytorch against hand-written NumPy and PyTorch CPU, in one run; a table, and optionally JSON.

    python benchmarks/run.py [--quick] [--json FILE] [--threads N] [--only GROUP ...]

Measures the seed's MLP (train steps at batch 32 and 128, an epoch at batch 128), Linear's
forward, autograd's overhead on tiny adds, a 100,000-op backward, an epoch's peak memory, the
digits milestone idle and beside two busy processes, Conv2d forward + backward at LeNet-style
and CIFAR-like shapes, a training step of the cnn milestone's network with its peak memory,
a training step of the gpt milestone's model and causal attention forward + backward at three
sequence lengths, then checks the targets of issues 6, 11, 12 and 13. --only runs some groups of
these (see GROUPS) and checks the targets they measure. --quick shrinks every
size so that the run takes seconds (CI's smoke check); its figures are not the ones to quote.
Timings are never asserted anywhere.
"""

import argparse
import json
import os
import sys

import conv
import machine
import memory
import mlp
import overhead
import report
import training_speed
import transformer
import under_load
from tinytorch import get_num_threads, set_num_threads
from tinytorch.core.training import write_atomically

# Sizes of each benchmark. Full mode follows the issue: at least 5 interleaved runs, epochs of
# 60,000 samples, a 100,000-op chain. Step and micro benchmarks time many calls per run so that
# a run lasts long enough (tenths of a second) for perf_counter and the scheduler not to matter.
# The milestone under load runs 20 of its 60 epochs: with a BLAS thread per core, one loaded
# run of the whole milestone took about a minute here.
MODES = {
    "full": {"samples": 60_000, "steps": {32: 200, 128: 100}, "step_repeats": 7, "epoch_repeats": 5,
             "linear_calls": 200, "add_ops": 10_000, "chain_ops": 100_000, "micro_repeats": 7,
             "load_epochs": 20, "load_repeats": 3, "conv_calls": 10, "cnn_steps": 10,
             "gpt_steps": 3, "gpt_repeats": 5, "attention_calls": {128: 20, 256: 5, 512: 2}, "attention_repeats": 5},
    "quick": {"samples": 1_280, "steps": {32: 10, 128: 5}, "step_repeats": 3, "epoch_repeats": 3,
              "linear_calls": 10, "add_ops": 500, "chain_ops": 5_000, "micro_repeats": 3,
              "load_epochs": 2, "load_repeats": 1, "conv_calls": 1, "cnn_steps": 1,
              "gpt_steps": 2, "gpt_repeats": 3, "attention_calls": {16: 5, 32: 5}, "attention_repeats": 3},
}
BATCH = 128

# (name, where the figure is in the results, the largest value that meets the target, the ways it is computed from)
TARGETS = [
    ("epoch: tinytorch / hand-written NumPy", ("train_epoch_b128", "ratios", "tinytorch/numpy"), 1.15,
     ("tinytorch", "numpy")),
    ("epoch: tinytorch / PyTorch CPU", ("train_epoch_b128", "ratios", "tinytorch/torch"), 0.8,
     ("tinytorch", "torch")),
    ("epoch: tinytorch / hand-written NumPy (issue 13)", ("train_epoch_b128", "ratios", "tinytorch/numpy"), 1.0,
     ("tinytorch", "numpy")),
    ("epoch: tinytorch / PyTorch CPU (issue 13)", ("train_epoch_b128", "ratios", "tinytorch/torch"), 0.7,
     ("tinytorch", "torch")),
    ("add overhead, fwd + bwd, in a chain (us per op)", ("add_chain", "derived", "tinytorch_overhead_us"), 3.0,
     ("tinytorch", "numpy")),
    ("digits milestone beside 2 busy processes / idle, default threads", ("under_load_default", "ratios", "loaded/idle"),
     3.0, ("idle", "loaded")),
    ("GPT train step: tinytorch / PyTorch CPU", ("gpt_train_step", "ratios", "tinytorch/torch"), 2.0,
     ("tinytorch", "torch")),
] + [(f"{label}: tinytorch / PyTorch CPU", (key, "ratios", "tinytorch/torch"), 2.0, ("tinytorch", "torch"))
     for key, label in conv.CONV_LABELS.items()]
# Runs of one way that spread by more than this, (max - min) / median, were disturbed by other
# processes: on a quiet machine these benchmarks spread by a few percent. A verdict on such
# runs is marked noisy rather than trusted.
NOISY_SPREAD = 0.25
# The results of the milestone under load, for tinytorch's default thread count and for one per core.
UNDER_LOAD = ("under_load_default", "under_load_per_core")


# The benchmarks in groups that --only can pick: the seed's MLP and the framework's overhead,
# the milestone under load (the longest), the convolutions, the transformer.
GROUPS = ("mlp", "load", "conv", "gpt")


def run_benchmarks(torch, settings, groups=GROUPS):
    """The benchmarks of `groups`, in a fixed order; {key: result}."""
    results = {}
    if "mlp" in groups:
        results.update(_mlp_benchmarks(torch, settings))
    if "load" in groups:
        loaded = under_load.under_load(settings["load_epochs"], settings["load_repeats"])
        for name, threads in zip(UNDER_LOAD, loaded):
            results[name] = loaded[threads]
    if "conv" in groups:
        for key in conv.CONV_SHAPES:
            results[key] = conv.conv_fwd_bwd(torch, key, settings["conv_calls"], settings["step_repeats"])
        results["cnn_step"] = conv.lenet_step(torch, settings["cnn_steps"], settings["step_repeats"])
        results["memory_cnn_step"] = conv.step_memory()
    if "gpt" in groups:
        results["gpt_train_step"] = transformer.gpt_train_step(torch, settings["mode"], settings["gpt_steps"],
                                                               settings["gpt_repeats"])
        for seq_len, calls in settings["attention_calls"].items():
            results[f"attention_t{seq_len}"] = transformer.attention_forward_backward(
                torch, seq_len, calls, settings["attention_repeats"])
    return results


def _mlp_benchmarks(torch, settings):
    """The seed's MLP (steps, an epoch, its memory) and the overhead of Linear and of tiny adds."""
    images, labels = mlp.synthetic_data(settings["samples"])
    weights = mlp.initial_weights()
    results = {}
    for batch_size, steps in settings["steps"].items():
        results[f"train_step_b{batch_size}"] = training_speed.train_steps(
            torch, weights, images, labels, batch_size, steps, settings["step_repeats"])
    results[f"train_epoch_b{BATCH}"] = training_speed.train_epoch(
        torch, weights, images, labels, BATCH, settings["epoch_repeats"])
    results[f"linear_forward_b{BATCH}"] = overhead.linear_forward(
        torch, BATCH, settings["linear_calls"], settings["micro_repeats"])
    results.update(overhead.add_overhead(torch, settings["add_ops"], settings["micro_repeats"]))
    results["chain_backward"] = overhead.chain_backward(torch, settings["chain_ops"], settings["micro_repeats"])
    results[f"memory_epoch_b{BATCH}"] = memory.training_memory(weights, mlp.batches(images, labels, BATCH), BATCH)
    return results


def add_ratios(results, torch_missing):
    """tinytorch's time over each other way's, per benchmark; absent torch rows say why.

    "ratios" compares medians (the figures the targets are checked on); "ratios_of_minima"
    compares each way's fastest run, the least disturbed by other processes. When the two
    disagree much, the machine was busy: rerun when it is quiet.
    """
    for result in results.values():
        ways = result.get("ways")
        if ways is None or "tinytorch" not in ways:
            continue
        if torch_missing:
            ways["torch"] = {"skipped": torch_missing}
        for key, statistic in (("ratios", "median"), ("ratios_of_minima", "min")):
            result[key] = {
                f"tinytorch/{name}": None if "skipped" in way else ways["tinytorch"][statistic] / way[statistic]
                for name, way in ways.items() if name != "tinytorch"
            }


def check_targets(results):
    """Each measured target's figure, whether it is met, and how far the runs behind it spread."""
    checked = []
    attention = [(f"attention fwd + bwd, seq {results[key]['params']['shape'][2]}: tinytorch / PyTorch CPU",
                  (key, "ratios", "tinytorch/torch"), 2.0, ("tinytorch", "torch"))
                 for key in results if key.startswith("attention_t")]
    for name, (key, group, figure), limit, ways in TARGETS + attention:
        if key not in results:
            continue  # its group was not run (--only)
        value = results[key][group].get(figure)
        spread = None if value is None else max(results[key]["ways"][way]["spread"] for way in ways)
        checked.append({"name": name, "figure": f"{key}.{group}.{figure}", "value": value, "limit": limit,
                        "met": None if value is None else value <= limit, "spread": spread,
                        "noisy": None if value is None else spread > NOISY_SPREAD})
    return checked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few runs: a smoke check, not figures")
    parser.add_argument("--json", metavar="FILE", help="also write every figure, ratio and the machine to FILE")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="give NumPy's BLAS (and PyTorch) N threads; default: tinytorch's (see tinytorch/threads.py)")
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=GROUPS, metavar="GROUP",
                        help=f"run only these groups of benchmarks, of {', '.join(GROUPS)} (default: all)")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"

    if args.threads is not None:
        set_num_threads(args.threads)
    # PyTorch gets as many threads as NumPy's BLAS has, so neither has more cores to use.
    torch, torch_missing = machine.load_torch(get_num_threads())
    facts = machine.describe(torch)
    results = run_benchmarks(torch, {**MODES[mode], "mode": mode}, args.only)
    facts["load_average_end"] = list(os.getloadavg())
    add_ratios(results, torch_missing)
    outcome = {"mode": mode, "command": " ".join(["python benchmarks/run.py", *argv]), "settings": MODES[mode],
               "noisy_spread": NOISY_SPREAD, "machine": facts, "results": results, "targets": check_targets(results)}
    report.print_report(outcome)
    if args.json:
        text = json.dumps(outcome, indent=1) + "\n"
        write_atomically(args.json, lambda stream: stream.write(text.encode()))


if __name__ == "__main__":
    main()
