"""What every milestone does at the end: print, plot, write JSON, and say honestly whether it was reached."""

import json
from pathlib import Path

from tinytorch.core.training import write_atomically
from tinytorch.threads import blas_info, get_num_threads


def finish(milestone, dataset, test_accuracy, epochs, seconds, history, out_dir, json_path=None, details=None,
           conditions=None):
    """Report a finished run; returns the exit code (0 reached, 1 missed).

    `conditions` maps a description to whether it held; every one must hold, besides the
    accuracy target, for the milestone to count as reached.
    """
    target = milestone.targets[dataset]
    failed = [text for text, held in (conditions or {}).items() if not held]
    reached = bool(test_accuracy >= target) and not failed
    result = {"milestone": milestone.name, "dataset": dataset, "test_accuracy": round(float(test_accuracy), 6),
              "target": target, "reached": reached, "epochs": epochs, "seconds": round(seconds, 3),
              "final_train_loss": history["train_loss"][-1], "threads": get_num_threads(), "blas": blas_info(),
              **(details or {})}
    for text in failed:
        print(f"condition not met: {text}")
    plot = save_plot(history, Path(out_dir) / f"{milestone.name}-{dataset}.png", f"{milestone.name} on {dataset}")
    if plot:
        result["plot"] = str(plot)
    verdict = "REACHED" if reached else "MISSED"
    print(f"\n{milestone.name} on {dataset}: test accuracy {test_accuracy:.2%} (target {target:.0%}) "
          f"after {epochs} epochs in {seconds:.1f} s: {verdict}")
    if json_path:
        text = json.dumps(result, indent=2) + "\n"
        write_atomically(json_path, lambda stream: stream.write(text.encode()))
    return 0 if reached else 1


def save_plot(history, path, title):
    """Loss and accuracy curves as a PNG; without matplotlib, a note instead (it is an optional extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: matplotlib is not installed, so no plot was saved (pip install 'tinytorch[plot]')")
        return None
    epochs = history["epoch"]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("train_loss", "train"), ("val_loss", "test")):
        if any(v is not None for v in history.get(key, [])):
            loss_axes.plot(epochs, history[key], label=label)
    for key, label in (("train_accuracy", "train"), ("val_accuracy", "test")):
        if any(v is not None for v in history.get(key, [])):
            accuracy_axes.plot(epochs, history[key], label=label)
    loss_axes.set(title=f"{title}: loss", xlabel="epoch", ylabel="loss")
    accuracy_axes.set(title=f"{title}: accuracy", xlabel="epoch", ylabel="accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"plot saved to {path}")
    return path


