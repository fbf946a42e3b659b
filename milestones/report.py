"""What every milestone does at the end: print, plot, write JSON, and say honestly whether it was reached."""

import json
from pathlib import Path

from tinytorch.core.training import write_atomically
from tinytorch.threads import blas_info, get_num_threads


def finish(milestone, dataset, score, epochs, seconds, history, out_dir, json_path=None, details=None,
           conditions=None, references=None):
    """Report a finished run; returns the exit code (0 reached, 1 missed).

    `score` is the milestone's measure (milestone.score: test accuracy unless it says
    otherwise); the target is reached when it is at least milestone.targets[dataset].
    `conditions` maps a description to whether it held; every one must hold, besides the
    target, for the milestone to count as reached. `references` maps a label to a loss drawn
    as a dashed line on the loss plot (a baseline, say).
    """
    target = milestone.targets[dataset]
    failed = [text for text, held in (conditions or {}).items() if not held]
    reached = bool(score >= target) and not failed
    result = {"milestone": milestone.name, "dataset": dataset, milestone.score: round(float(score), 6),
              "target": target, "reached": reached, "epochs": epochs, "seconds": round(seconds, 3),
              "final_train_loss": history["train_loss"][-1], "threads": get_num_threads(), "blas": blas_info(),
              **(details or {})}
    for text in failed:
        print(f"condition not met: {text}")
    plot = save_plot(history, Path(out_dir) / f"{milestone.name}-{dataset}.png", f"{milestone.name} on {dataset}",
                     references)
    if plot:
        result["plot"] = str(plot)
    verdict = "REACHED" if reached else "MISSED"
    print(f"\n{milestone.name} on {dataset}: {milestone.score.replace('_', ' ')} {milestone.score_format.format(score)} "
          f"(target {milestone.target_format.format(target)}) after {epochs} epochs in {seconds:.1f} s: {verdict}")
    if json_path:
        text = json.dumps(result, indent=2) + "\n"
        write_atomically(json_path, lambda stream: stream.write(text.encode()))
    return 0 if reached else 1


def save_plot(history, path, title, references=None):
    """Loss and accuracy curves as a PNG; without matplotlib, a note instead (it is an optional extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: matplotlib is not installed, so no plot was saved (pip install 'tinytorch[plot]')")
        return None
    epochs = history["epoch"]
    panels = [("loss", (("train_loss", "train"), ("val_loss", "test")))]
    if any(v is not None for key in ("train_accuracy", "val_accuracy") for v in history.get(key, [])):
        panels.append(("accuracy", (("train_accuracy", "train"), ("val_accuracy", "test"))))
    figure, all_axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axes, (quantity, curves) in zip(all_axes[0], panels):
        for key, label in curves:
            if any(v is not None for v in history.get(key, [])):
                axes.plot(epochs, history[key], label=label)
        if quantity == "loss":
            for label, value in (references or {}).items():
                axes.axhline(value, linestyle="--", linewidth=1, color=f"C{len(axes.lines)}", label=f"{label} ({value:.3f})")
        axes.set(title=f"{title}: {quantity}", xlabel="epoch", ylabel=quantity)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"plot saved to {path}")
    return path


