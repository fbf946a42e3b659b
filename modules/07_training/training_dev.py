# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 07: Training - the loop, and everything a real run needs around it
#
# **You have built**: a network, a loss, gradients and optimizers. One training step is
# four lines: forward, loss, backward, step. **You build now**: what turns those four lines
# into a run you can trust and resume:
#
# - **evaluation** on data the model does not train on, without dropout and without graphs;
# - **learning-rate schedules** (step decay, cosine annealing);
# - **gradient clipping** by the global norm, against the occasional exploding step;
# - **progress** you can watch: loss, accuracy and samples per second, live;
# - a **history** of every epoch, for plots;
# - **checkpoints**: model, optimizer, schedule, history and the random generator, in a
#   plain `.npz` file (no pickle), written atomically, so a crash never costs the last good one.
#
# **Where the code goes**: `modules/07_training/training_dev.py` exports to
# `tinytorch.core.training`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.training
#| export
import json
import math
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from tinytorch.core.autograd import no_grad
from tinytorch.core.losses import BCEWithLogitsLoss, CrossEntropyLoss
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ## 1. Gradient clipping by global norm
#
# Now and then a batch produces a huge gradient (a steep cliff in the loss surface), and one
# step throws the parameters far away. Clipping bounds the step: treat all gradients of the
# model as one long vector, compute its length (the *global norm*), and if it exceeds
# `max_norm`, scale every gradient by `max_norm / norm`. The direction is kept; only the
# length is capped.
#
# ```
# norm = sqrt(sum over parameters of sum(grad^2))
# if norm > max_norm:  grad <- grad * max_norm / (norm + 1e-6)
# ```

# %% nbgrader={"grade": false, "grade_id": "clip-grad-norm", "solution": true}
#| export
def clip_grad_norm(parameters, max_norm):
    """Scale all gradients in place so that their global L2 norm is at most max_norm.

    Returns the norm before clipping (useful to log). Parameters without a gradient are ignored.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be a positive number, got {max_norm!r}")
    grads = [p.grad.data for p in parameters if p.grad is not None]
    ### BEGIN SOLUTION
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total
    ### END SOLUTION


# %% [markdown]
# ## 2. Learning-rate schedules
#
# A large learning rate makes fast progress early; a small one settles into a minimum late.
# A schedule changes the learning rate of every parameter group (`group["lr"]`) once per
# epoch, each group from its own starting rate, as PyTorch's schedulers do:
#
# ```
# StepLR(step_size=2, gamma=0.5)         CosineAnnealingLR(T_max=8)
# lr |----                               lr |---.
#    |    ----                              |     `.
#    |        ----                          |       `-.
#    |            ----                      |          `--.___
#    +------------------ epoch              +------------------ epoch
# ```
#
# - `StepLR`: `lr = base * gamma ** (epoch // step_size)`.
# - `CosineAnnealingLR`: `lr = min + (base - min) (1 + cos(pi epoch / T_max)) / 2`, a smooth
#   glide from the base rate down to `eta_min` at epoch `T_max`.

# %% nbgrader={"grade": false, "grade_id": "schedules", "solution": true}
#| export
class LRSchedule:
    """Base: remembers each group's starting rate and the epoch count; step() sets the new rates."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.epoch = 0

    def step(self):
        self.epoch += 1
        self._apply()

    def _apply(self):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.rate(self.epoch, base_lr)

    def rate(self, epoch, base_lr):
        raise NotImplementedError

    def get_last_lr(self):
        """The current rate of every group (as PyTorch's schedulers report it)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"epoch": self.epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state):
        """Restore a state_dict(); checked before anything changes."""
        name = f"{type(self).__name__}.load_state_dict"
        try:
            epoch, base_lrs = int(state["epoch"]), [float(rate) for rate in np.atleast_1d(state["base_lrs"])]
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{name}: expected 'epoch' (an integer) and 'base_lrs' (numbers), got {error}") from None
        if epoch < 0 or len(base_lrs) != len(self.optimizer.param_groups) or not all(rate >= 0 for rate in base_lrs):
            raise ValueError(f"{name}: epoch {epoch} and base rates {base_lrs} do not fit an optimizer with "
                             f"{len(self.optimizer.param_groups)} parameter group(s)")
        self.epoch, self.base_lrs = epoch, base_lrs
        self._apply()


class StepLR(LRSchedule):
    """Multiply the learning rate by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma <= 1:
            raise ValueError(f"StepLR: gamma must be in (0, 1], got {gamma!r}")
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def rate(self, epoch, base_lr):
        ### BEGIN SOLUTION
        return base_lr * self.gamma ** (epoch // self.step_size)
        ### END SOLUTION


class CosineAnnealingLR(LRSchedule):
    """Glide the learning rate from its base value to eta_min along half a cosine over T_max epochs."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, (int, float)) or not eta_min >= 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be non-negative, got {eta_min!r}")
        super().__init__(optimizer)
        self.T_max, self.eta_min = T_max, eta_min

    def rate(self, epoch, base_lr):
        ### BEGIN SOLUTION
        progress = min(epoch, self.T_max) / self.T_max
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2
        ### END SOLUTION


# %% [markdown]
# ## 3. Checkpoints that survive crashes
#
# A checkpoint must restore *everything* that decides what happens next: the model's
# parameters, the optimizer's state (Adam's averages), the schedule's epoch, the history so
# far, and the state of the random generator (so that the next dropout masks and the next
# shuffle are the ones an uninterrupted run would have drawn). Then a resumed run continues
# bit for bit like one that never stopped.
#
# **Format.** A NumPy `.npz` archive: a zip of plain arrays, under names like
# `model/0.weight` and `optimizer/state/0/m`. Loading uses `allow_pickle=False`: unlike a
# pickle, a checkpoint cannot run code when opened.
#
# **Atomic writes.** Writing straight over the old file and crashing halfway would leave
# neither the old checkpoint nor the new one. Instead:
#
# ```
# write  .run.npz.tmp-PID-XXXX   (the old run.npz is untouched meanwhile)
# fsync  (the bytes are on disk, not just in a cache)
# rename .run.npz.tmp-PID-XXXX -> run.npz   (one atomic step: readers see old or new, never half)
# ```
#
# A process killed between the first and the last step leaves its temporary file behind.
# Its name carries the writer's process id, so the next save or load of the same checkpoint
# removes every temporary whose writer is no longer running. The finished file gets the
# permissions any new file of yours gets (0644 under the usual umask 022), not the private
# 0600 of a temporary file.
#
# **Loading checks before it changes anything.** A truncated file, a damaged entry, a
# checkpoint from another architecture, an optimizer with other parameters: each is a clear
# error naming the entry, and the model, optimizer, schedule and generator are left as
# they were. Every entry is read and checked first; only then is anything restored.

# %% nbgrader={"grade": false, "grade_id": "checkpoint", "solution": false}
#| export
CHECKPOINT_FORMAT = "tinytorch-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model or optimizer."""


def _flatten(prefix, tree, out):
    """Nested dicts and lists of arrays -> {"prefix/key/...": array}."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            _flatten(f"{prefix}/{key}", value, out)
    elif isinstance(tree, (list, tuple)) and tree and isinstance(tree[0], dict):
        for index, value in enumerate(tree):
            _flatten(f"{prefix}/{index}", value, out)
    else:
        out[prefix] = np.asarray(tree)
    return out


def _unflatten(arrays, prefix):
    """The inverse of _flatten for every key under `prefix/` (lists come back as dicts keyed "0", "1", ...)."""
    tree = {}
    for key, value in arrays.items():
        if not key.startswith(prefix + "/"):
            continue
        *path, leaf = key[len(prefix) + 1:].split("/")
        branch = tree
        for part in path:
            branch = branch.setdefault(part, {})
        branch[leaf] = value
    return tree


def _temporary_prefix(path):
    return f".{path.name}.tmp-"


def _remove_abandoned_temporaries(path):
    """Delete temporary files beside `path` whose writing process no longer runs."""
    prefix = _temporary_prefix(path)
    for candidate in path.parent.glob(prefix + "*"):
        writer = candidate.name[len(prefix):].split("-", 1)[0]
        if writer.isdigit() and not _process_running(int(writer)):
            candidate.unlink(missing_ok=True)


def _process_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def _new_file_mode():
    """The permissions open() would give a new file: 0o666 minus the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path, write):
    """Call write(stream) on a temporary file beside `path`, fsync it, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=f"{_temporary_prefix(path)}{os.getpid()}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fchmod(stream.fileno(), _new_file_mode())
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def save_checkpoint(path, model, optimizer=None, epoch=0, schedule=None, history=None):
    """Write model, optimizer, schedule, history and generator state to `path` (.npz), atomically."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"save_checkpoint: epoch must be a non-negative integer, got {epoch!r}")
    arrays = {"format": np.array(CHECKPOINT_FORMAT), "epoch": np.array(int(epoch)),
              "generator": np.array(json.dumps(default_generator().bit_generator.state))}
    arrays.update({f"model/{k}": v for k, v in model.state_dict().items()})
    if optimizer is not None:
        _flatten("optimizer", optimizer.state_dict(), arrays)
    if schedule is not None:
        _flatten("schedule", schedule.state_dict(), arrays)
    for key, values in (history or {}).items():
        arrays[f"history/{key}"] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return write_atomically(path, lambda stream: np.savez(stream, **arrays))


def _read_archive(path):
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: no such file")
    _remove_abandoned_temporaries(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError) as error:
        raise CheckpointError(f"checkpoint {path}: not a complete .npz archive (truncated or corrupt): {error}") from None
    if "format" not in arrays or str(arrays["format"]) != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a {CHECKPOINT_FORMAT} file")
    return arrays


def _checked_entries(path, arrays):
    """Read and check the entries that are not model or optimizer arrays: epoch, generator, history."""
    for key in ("epoch", "generator"):
        if key not in arrays:
            raise CheckpointError(f"checkpoint {path}: the entry {key!r} is missing")
    epoch = arrays["epoch"]
    if epoch.shape != () or epoch.dtype.kind not in "iu" or int(epoch) < 0:
        raise CheckpointError(f"checkpoint {path}: 'epoch' must be a non-negative integer, got {epoch!r}")
    try:
        generator = json.loads(str(arrays["generator"]))
        np.random.PCG64().state = generator  # a trial run on a scratch generator checks it
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointError(f"checkpoint {path}: the 'generator' entry is damaged ({error})") from None
    history = {}
    for key, values in _unflatten(arrays, "history").items():
        if values.ndim != 1 or values.dtype.kind != "f":
            raise CheckpointError(f"checkpoint {path}: history {key!r} is not a list of numbers")
        history[key] = [None if np.isnan(v) else float(v) for v in values]
    return int(epoch), generator, history


def _optimizer_state(tree):
    """The optimizer's state_dict() back from _unflatten's string keys (a non-number raises ValueError)."""
    groups = tree.get("param_groups", {})
    return {"state": {int(key): entry for key, entry in tree.get("state", {}).items()},
            "param_groups": [groups[key] for key in sorted(groups, key=int)]}


def load_checkpoint(path, model, optimizer=None, schedule=None):
    """Restore what save_checkpoint wrote; returns {"epoch": int, "history": dict}.

    Everything is checked first: on any error the model, optimizer, schedule and generator
    are unchanged, and the error is a CheckpointError naming what was wrong.
    """
    arrays = _read_archive(path)
    epoch, generator, history = _checked_entries(path, arrays)
    backups = [(part, part.state_dict()) for part in (model, optimizer, schedule) if part is not None]
    try:
        model.load_state_dict(_unflatten(arrays, "model"), strict=True)
        if optimizer is not None:
            optimizer.load_state_dict(_optimizer_state(_unflatten(arrays, "optimizer")))
        if schedule is not None:
            schedule.load_state_dict(_unflatten(arrays, "schedule"))
    except (KeyError, ValueError, TypeError) as error:
        for part, backup in backups:
            part.load_state_dict(backup)
        message = error.args[0] if error.args else str(error)
        raise CheckpointError(f"checkpoint {path} does not fit: {message}") from None
    default_generator().bit_generator.state = generator
    return {"epoch": epoch, "history": history}


# %% [markdown]
# ## 4. The Trainer
#
# ```
# for epoch in range(start, epochs):
#     model.train()
#     for x, y in train_batches:                 # one step
#         optimizer.zero_grad()
#         loss = loss_fn(model(x), y)
#         loss.backward()
#         clip_grad_norm(...)  (optional)
#         optimizer.step()
#     with no_grad(): evaluate(val_batches)      # model.eval(): dropout off, no graphs
#     schedule.step(); record history; save checkpoint (optional)
# ```
#
# Batches are any re-iterable source of `(inputs, targets)` pairs: a list, or Module 08's
# DataLoader. Accuracy is measured when the loss says what a prediction is: the arg-max of
# the logits for `CrossEntropyLoss`, the sign of the logit for `BCEWithLogitsLoss`.
#
# **Throughput** (samples per second) is the systems number of a training run: it tells you
# whether the framework, not the model, is the bottleneck.

# %% nbgrader={"grade": false, "grade_id": "trainer", "solution": true}
#| export
def correct_predictions(loss_fn, outputs, targets):
    """How many predictions are right, or None when the loss does not define a prediction."""
    labels = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if isinstance(loss_fn, CrossEntropyLoss):
        return int(np.sum(np.argmax(outputs.data, axis=1) == labels))
    if isinstance(loss_fn, BCEWithLogitsLoss):
        return int(np.sum((outputs.data > 0) == (labels > 0.5)))
    return None


class _Progress:
    """A live progress bar (rich) while a terminal is attached; silent otherwise."""

    def __init__(self, enabled, description, total):
        self.bar = None
        if enabled and sys.stdout.isatty():
            try:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            except ImportError:  # rich is optional for tinytorch itself
                return
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(), transient=True)
            self.task = self.bar.add_task(description, total=total, metrics="")
            self.bar.start()

    def update(self, metrics):
        if self.bar is not None:
            self.bar.update(self.task, advance=1, metrics=metrics)

    def close(self):
        if self.bar is not None:
            self.bar.stop()


class Trainer:
    """Train `model` with `optimizer` on `loss_fn`; keeps a per-epoch history and optional checkpoints."""

    HISTORY_KEYS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
                    "seconds", "samples_per_second")

    def __init__(self, model, optimizer, loss_fn, schedule=None, max_grad_norm=None):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.schedule, self.max_grad_norm = schedule, max_grad_norm
        self.history = {key: [] for key in self.HISTORY_KEYS}
        self.epoch = 0

    def _batches(self, batches):
        for x, y in batches:
            yield (x if isinstance(x, Tensor) else Tensor(x)), y

    def train_epoch(self, batches, progress=False, description="train"):
        """One pass over `batches`; returns {"loss", "accuracy", "samples", "seconds"}."""
        self.model.train()
        total_loss, correct, samples = 0.0, 0, 0
        counted = True
        total = len(batches) if hasattr(batches, "__len__") else None
        bar = _Progress(progress, description, total)
        start = time.perf_counter()
        try:
            ### BEGIN SOLUTION
            for x, y in self._batches(batches):
                self.optimizer.zero_grad()
                outputs = self.model(x)
                loss = self.loss_fn(outputs, y)
                loss.backward()
                if self.max_grad_norm is not None:
                    clip_grad_norm(self.model.parameters(), self.max_grad_norm)
                self.optimizer.step()
                batch = len(x)
                total_loss += loss.item() * batch
                samples += batch
                right = correct_predictions(self.loss_fn, outputs, y)
                counted = counted and right is not None
                correct += right or 0
                rate = samples / max(time.perf_counter() - start, 1e-9)
                accuracy = f" acc {correct / samples:6.2%}" if counted else ""
                bar.update(f"loss {total_loss / samples:.4f}{accuracy} {rate:,.0f} samples/s")
            ### END SOLUTION
        finally:
            bar.close()
        if samples == 0:
            raise ValueError("Trainer.train_epoch: the training batches were empty")
        seconds = time.perf_counter() - start
        return {"loss": total_loss / samples, "accuracy": correct / samples if counted else None,
                "samples": samples, "seconds": seconds}

    def evaluate(self, batches):
        """Loss and accuracy over `batches` in evaluation mode, recording no graph."""
        was_training = self.model.training
        self.model.eval()
        total_loss, correct, samples, counted = 0.0, 0, 0, True
        try:
            with no_grad():
                for x, y in self._batches(batches):
                    outputs = self.model(x)
                    total_loss += self.loss_fn(outputs, y).item() * len(x)
                    right = correct_predictions(self.loss_fn, outputs, y)
                    counted = counted and right is not None
                    correct += right or 0
                    samples += len(x)
        finally:
            self.model.train(was_training)
        if samples == 0:
            raise ValueError("Trainer.evaluate: the evaluation batches were empty")
        return {"loss": total_loss / samples, "accuracy": correct / samples if counted else None}

    def fit(self, train_batches, epochs, val_batches=None, checkpoint=None, progress=True, log=print):
        """Train until `epochs` epochs are done in total (a resumed trainer continues its count)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"Trainer.fit: epochs must be a non-negative integer, got {epochs!r}")
        while self.epoch < epochs:
            lr = self.optimizer.param_groups[0]["lr"]
            train = self.train_epoch(train_batches, progress, f"epoch {self.epoch + 1}/{epochs}")
            val = self.evaluate(val_batches) if val_batches is not None else {"loss": None, "accuracy": None}
            self.epoch += 1
            row = {"epoch": self.epoch, "train_loss": train["loss"], "train_accuracy": train["accuracy"],
                   "val_loss": val["loss"], "val_accuracy": val["accuracy"], "lr": lr,
                   "seconds": train["seconds"], "samples_per_second": train["samples"] / train["seconds"]}
            for key, value in row.items():
                self.history[key].append(value)
            if self.schedule is not None:
                self.schedule.step()
            if log is not None:
                log(_describe(row, epochs))
            if checkpoint is not None:
                self.save(checkpoint)
        return self.history

    def save(self, path):
        return save_checkpoint(path, self.model, self.optimizer, self.epoch, self.schedule, self.history)

    def resume(self, path):
        """Load a checkpoint written by save(); fit() then continues from its epoch."""
        restored = load_checkpoint(path, self.model, self.optimizer, self.schedule)
        self.epoch = restored["epoch"]
        self.history = {key: restored["history"].get(key, []) for key in self.HISTORY_KEYS}
        return self


def _describe(row, epochs):
    parts = [f"epoch {row['epoch']}/{epochs}", f"train loss {row['train_loss']:.4f}"]
    if row["train_accuracy"] is not None:
        parts.append(f"acc {row['train_accuracy']:.2%}")
    if row["val_loss"] is not None:
        parts.append(f"| val loss {row['val_loss']:.4f}")
    if row["val_accuracy"] is not None:
        parts.append(f"acc {row['val_accuracy']:.2%}")
    parts.append(f"| {row['samples_per_second']:,.0f} samples/s | lr {row['lr']:.3g}")
    return " ".join(parts)


# %% [markdown]
# ### Unit tests

# %% nbgrader={"grade": true, "grade_id": "test-clip", "locked": true, "points": 5}
def test_unit_clip_grad_norm():
    print("Unit test: clip_grad_norm...")
    a, b = Tensor([3.0], requires_grad=True), Tensor([4.0], requires_grad=True)
    a.grad, b.grad = Tensor([3.0]), Tensor([4.0])
    norm = clip_grad_norm([a, b], max_norm=1.0)
    assert np.isclose(norm, 5.0), f"clip_grad_norm returns the norm before clipping: expected 5, got {norm}"
    got = [a.grad.data[0], b.grad.data[0]]
    assert np.allclose(got, [0.6, 0.8], atol=1e-5), f"one global norm for all gradients, direction kept: expected [0.6, 0.8], got {got}"
    norm = clip_grad_norm([a, b], max_norm=10.0)
    assert np.isclose(norm, 1.0, atol=1e-5), f"the norm is now 1, got {norm}"
    assert np.allclose(a.grad.data, [0.6], atol=1e-5), f"below max_norm nothing changes (no scaling up): got {a.grad.data}"
    unused = Tensor([1.0], requires_grad=True)
    assert np.isclose(clip_grad_norm([a, unused], max_norm=10.0), 0.6, atol=1e-5), "parameters without a gradient are ignored"

    # A weight (2, 3) and a bias (3,): the norm is the root of the sum of all 9 squares, 40.
    weight, bias = Tensor(np.zeros((2, 3)), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    weight.grad = Tensor(np.array([[1.0, -2.0, 2.0], [0.0, 4.0, -1.0]], dtype=np.float32))
    bias.grad = Tensor(np.array([2.0, -3.0, 1.0], dtype=np.float32))
    norm = clip_grad_norm([weight, bias], max_norm=2.0)
    assert np.isclose(norm, np.sqrt(40.0), atol=1e-5), \
        f"the global norm counts every entry of every gradient: expected sqrt(40) = {np.sqrt(40.0):.5f}, got {norm}"
    scale = 2.0 / np.sqrt(40.0)
    expected_weight = np.array([[1.0, -2.0, 2.0], [0.0, 4.0, -1.0]]) * scale
    assert np.allclose(weight.grad.data, expected_weight, atol=1e-5) and np.allclose(bias.grad.data, np.array([2.0, -3.0, 1.0]) * scale, atol=1e-5), \
        f"each gradient is multiplied by 2 / sqrt(40): expected weight {expected_weight.round(5).tolist()}, got {weight.grad.data.round(5).tolist()}"
    assert weight.grad.dtype == np.float32 and bias.grad.dtype == np.float32, \
        f"clipping keeps the gradients float32, got {weight.grad.dtype} and {bias.grad.dtype}"
    print("clip_grad_norm works.")


if __name__ == "__main__":
    test_unit_clip_grad_norm()

# %% nbgrader={"grade": true, "grade_id": "test-schedules", "locked": true, "points": 5}
def test_unit_schedules():
    print("Unit test: learning-rate schedules...")
    from tinytorch.core.optimizers import SGD

    optimizer = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    rates = []
    for _ in range(5):
        schedule.step()
        rates.append(optimizer.param_groups[0]["lr"])
    assert np.allclose(rates, [1.0, 0.5, 0.5, 0.25, 0.25]), f"StepLR(step_size=2, gamma=0.5): expected [1, 0.5, 0.5, 0.25, 0.25], got {rates}"
    optimizer = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    cosine = CosineAnnealingLR(optimizer, T_max=4, eta_min=0.1)
    for _ in range(2):
        cosine.step()
    assert np.isclose(optimizer.param_groups[0]["lr"], 0.55), f"halfway: the mean of base and minimum, 0.55; got {optimizer.param_groups[0]['lr']}"
    cosine.step()
    expected = 0.1 + 0.9 * (1 + np.cos(np.pi * 3 / 4)) / 2
    assert np.isclose(optimizer.param_groups[0]["lr"], expected), f"epoch 3 of 4: expected {expected:.4f}, got {optimizer.param_groups[0]['lr']}"
    for _ in range(2):
        cosine.step()
    assert np.isclose(optimizer.param_groups[0]["lr"], 0.1), "after T_max the rate stays at eta_min"

    # Two parameter groups: each follows the schedule from its own starting rate.
    def two_groups():
        return SGD([{"params": [Tensor([1.0], requires_grad=True)]},
                    {"params": [Tensor([1.0], requires_grad=True)], "lr": 0.1}], lr=1.0)

    optimizer = two_groups()
    schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    for _ in range(4):
        schedule.step()
    assert np.allclose(schedule.get_last_lr(), [0.25, 0.025]), \
        f"StepLR after 4 epochs, groups starting at 1.0 and 0.1: expected [0.25, 0.025], got {schedule.get_last_lr()}"
    restored = StepLR(two_groups(), step_size=2, gamma=0.5)
    restored.load_state_dict(schedule.state_dict())
    assert np.allclose(restored.get_last_lr(), [0.25, 0.025]), \
        f"a restored StepLR sets the rates of its epoch (4): expected [0.25, 0.025], got {restored.get_last_lr()}"
    restored.step()
    restored.step()
    assert np.allclose(restored.get_last_lr(), [0.125, 0.0125]), \
        f"and continues from there: after epoch 6 expected [0.125, 0.0125], got {restored.get_last_lr()}"
    optimizer = two_groups()
    cosine = CosineAnnealingLR(optimizer, T_max=4, eta_min=0.05)
    cosine.step()
    expected = [0.05 + (base - 0.05) * (1 + np.cos(np.pi / 4)) / 2 for base in (1.0, 0.1)]
    assert np.allclose(cosine.get_last_lr(), expected), \
        f"cosine epoch 1 of 4, groups starting at 1.0 and 0.1: expected {np.round(expected, 5).tolist()}, got {cosine.get_last_lr()}"
    print("Schedules work.")


if __name__ == "__main__":
    test_unit_schedules()

# %% nbgrader={"grade": true, "grade_id": "test-trainer", "locked": true, "points": 15}
def test_unit_trainer_and_checkpoints():
    print("Unit test: Trainer and checkpoints...")
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Dropout, Linear, Sequential
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.tensor import manual_seed

    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 2)).astype(np.float32)
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    batches = [(Tensor(x[i:i + 32]), labels[i:i + 32]) for i in range(0, 256, 32)]

    def make():
        manual_seed(5)
        model = Sequential(Linear(2, 32), ReLU(), Linear(32, 2))
        return Trainer(model, Adam(model.parameters(), lr=0.02), CrossEntropyLoss())

    trainer = make()
    history = trainer.fit(batches, epochs=30, val_batches=batches, log=None)
    assert len(history["train_loss"]) == 30 and history["val_accuracy"][-1] > 0.9, \
        f"30 epochs reach over 90% on this easy problem, got {history['val_accuracy'][-1]:.2%}"
    assert history["train_loss"][-1] < history["train_loss"][0], "training lowers the loss"

    # One epoch of two batches (3 samples, then 1) with plain SGD, followed step by step in
    # NumPy: zero_grad before each backward, the global norm clipped before step(), and the
    # epoch's loss as the mean over samples (not over batches).
    from tinytorch.core.losses import MSELoss
    from tinytorch.core.optimizers import SGD

    layer = Linear(2, 1)
    layer.weight.data[...] = [[0.5], [-1.0]]
    layer.bias.data[...] = [0.25]
    pieces = [(np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]]), np.array([[1.0], [0.0], [2.0]])),
              (np.array([[2.0, 2.0]]), np.array([[-1.0]]))]
    w, b, losses = np.array([[0.5], [-1.0]]), np.array([0.25]), []
    for inputs, targets in pieces:
        diff = inputs @ w + b - targets
        losses.append(np.mean(diff ** 2) * len(inputs))
        grad_w, grad_b = inputs.T @ (2 * diff / len(inputs)), np.sum(2 * diff / len(inputs), axis=0)
        norm = np.sqrt(np.sum(grad_w ** 2) + np.sum(grad_b ** 2))
        scale = 1.0 / (norm + 1e-6) if norm > 1.0 else 1.0
        w, b = w - 0.1 * scale * grad_w, b - 0.1 * scale * grad_b
    stepper = Trainer(layer, SGD(layer.parameters(), lr=0.1), MSELoss(), max_grad_norm=1.0)
    result = stepper.train_epoch([(Tensor(inputs), Tensor(targets)) for inputs, targets in pieces])
    assert np.allclose(layer.weight.data, w, atol=1e-5) and np.allclose(layer.bias.data, b, atol=1e-5), \
        f"after the epoch expected weight {w.ravel().round(5).tolist()} and bias {b.round(5).tolist()}, " \
        f"got {layer.weight.data.ravel().round(5).tolist()} and {layer.bias.data.round(5).tolist()} " \
        "(zero the gradients before each backward, clip before step)"
    assert result["samples"] == 4, f"the epoch saw 4 samples (3 rows, then 1): expected 4, got {result['samples']}"
    assert np.isclose(result["loss"], sum(losses) / 4, atol=1e-5), \
        f"the epoch's loss is the mean over its 4 samples: expected {sum(losses) / 4:.5f}, got {result['loss']:.5f}"

    # Accuracy over an epoch of two batches (3 samples, then 2), at lr 0 so the model stays
    # as written: the scores' arg-max is right for 2 of the first 3 and for both of the last 2.
    scorer = Linear(2, 3)
    scorer.weight.data[...] = [[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]]
    scorer.bias.data[...] = [0.0, 0.5, -0.5]
    points = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, 1.0], [1.0, 1.0], [3.0, -1.0]], dtype=np.float32)
    classes = np.array([0, 1, 0, 1, 0])
    counted = Trainer(scorer, SGD(scorer.parameters(), lr=0.0), CrossEntropyLoss()).train_epoch(
        [(Tensor(points[:3]), classes[:3]), (Tensor(points[3:]), classes[3:])])
    assert counted["accuracy"] is not None and np.isclose(counted["accuracy"], 0.8), \
        f"the epoch's accuracy counts the right predictions of every batch: expected 4 of 5 = 0.8, got {counted['accuracy']}"

    noisy = make()
    noisy.model = Sequential(Linear(2, 8), Dropout(0.5), Linear(8, 2))
    first, second = noisy.evaluate(batches[:2]), noisy.evaluate(batches[:2])
    assert first == second and noisy.model.training, "evaluate() runs in eval mode (no dropout) and restores training mode"
    scheduled = make()
    scheduled.schedule = StepLR(scheduled.optimizer, step_size=1, gamma=0.5)
    rates = scheduled.fit(batches[:2], epochs=3, log=None)["lr"]
    assert np.allclose(rates, [0.02, 0.01, 0.005]), f"the schedule steps once per epoch: expected lr [0.02, 0.01, 0.005], got {rates}"

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.npz"
        straight = make()
        straight.fit(batches, epochs=4, log=None)
        first = make()
        first.fit(batches, epochs=2, checkpoint=path, log=None)
        resumed = make().resume(path)
        resumed.fit(batches, epochs=4, log=None)
        for a, b in zip(straight.model.parameters(), resumed.model.parameters()):
            assert np.array_equal(a.data, b.data), "a resumed run continues exactly"
        path.write_bytes(path.read_bytes()[:100])
        try:
            make().resume(path)
        except CheckpointError as error:
            assert "truncated or corrupt" in str(error), f"the error must mention truncated or corrupt, got: {error}"
        else:
            raise AssertionError("a truncated checkpoint must be refused clearly")
    print("Trainer and checkpoints work.")


if __name__ == "__main__":
    test_unit_trainer_and_checkpoints()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "training-module-integration", "locked": true, "points": 15}
def test_module():
    print("Module test: Training")
    test_unit_clip_grad_norm()
    test_unit_schedules()
    test_unit_trainer_and_checkpoints()
    print("All training tests passed. Next: tito module complete 07_training")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - A training step is forward, loss, backward, (clip), step; an epoch is all batches once.
# - Evaluation runs in `eval()` mode under `no_grad()`: no dropout, no graph, less memory.
# - Schedules lower the learning rate as training settles; clipping caps rare huge steps.
# - Checkpoints hold everything that decides the future of a run, the random generator
#   included, in a pickle-free `.npz` written atomically; loading checks before it changes.
#
# **Next**: Module 08 feeds the trainer real datasets in shuffled mini-batches.
