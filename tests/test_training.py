"""Training (Module 07): clipping, schedules, the Trainer, and checkpoints that survive crashes."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, require_torch
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor, default_generator, manual_seed
from tinytorch.core.training import (
    CheckpointError, CosineAnnealingLR, StepLR, Trainer, clip_grad_norm, load_checkpoint, save_checkpoint,
)


pytestmark = pytest.mark.module(name="07_training")

class ShuffledBatches:
    """Reshuffles with the framework generator every epoch, like a DataLoader would."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        order = default_generator().permutation(len(self.x))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            yield Tensor(self.x[rows]), self.y[rows]


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64)


def make_trainer(schedule=True):
    manual_seed(42)
    model = Sequential(Linear(4, 16), ReLU(), Dropout(0.3), Linear(16, 2))
    optimizer = Adam(model.parameters(), lr=0.01)
    return Trainer(model, optimizer, CrossEntropyLoss(), schedule=StepLR(optimizer, 2, 0.5) if schedule else None,
                   max_grad_norm=5.0)


def test_clip_grad_norm_matches_torch():
    torch = require_torch()
    grads = [np.random.default_rng(i).standard_normal(s).astype(np.float32) * 3 for i, s in enumerate([(4, 3), (3,)])]
    ours = [Tensor(np.zeros(g.shape), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = Tensor(g.copy()), torch.from_numpy(g.copy())
    norm = clip_grad_norm(ours, 1.5)
    torch_norm = torch.nn.utils.clip_grad_norm_(theirs, 1.5)
    assert np.isclose(norm, float(torch_norm), rtol=1e-6)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), atol=1e-7)
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_grad_norm(ours, 0)


@pytest.mark.parametrize("kind", ["step", "cosine"])
def test_schedules_match_torch(kind):
    torch = require_torch()
    ours_opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.3)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    if kind == "step":
        ours, theirs = StepLR(ours_opt, 3, 0.2), torch.optim.lr_scheduler.StepLR(theirs_opt, 3, 0.2)
    else:
        ours, theirs = CosineAnnealingLR(ours_opt, 7, 0.01), torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, 7, 0.01)
    for _ in range(7):
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert np.isclose(ours_opt.param_groups[0]["lr"], theirs_opt.param_groups[0]["lr"], rtol=1e-9, atol=1e-12)


def test_schedule_arguments_are_checked():
    optimizer = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(optimizer, 0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(optimizer, 2.5)


def test_fit_learns_and_records_history(capsys):
    x, y = data()
    trainer = make_trainer()
    history = trainer.fit(ShuffledBatches(x, y, 32), epochs=6, val_batches=[(Tensor(x), y)])
    assert list(history) == list(Trainer.HISTORY_KEYS)
    assert history["epoch"] == [1, 2, 3, 4, 5, 6]
    assert history["lr"] == pytest.approx([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025])
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_loss"][-1] < history["val_loss"][0] and history["val_accuracy"][-1] > 0.7
    assert all(v > 0 for v in history["samples_per_second"])
    out = capsys.readouterr().out
    assert "epoch 6/6 train loss" in out and "samples/s" in out and "val loss" in out


def test_evaluate_uses_eval_mode_and_no_graph_then_restores_training():
    x, y = data()
    trainer = make_trainer()
    first = trainer.evaluate([(Tensor(x), y)])
    assert first == trainer.evaluate([(Tensor(x), y)]), "evaluation is deterministic: dropout is off"
    assert trainer.model.training and trainer.model[2].training


def test_accuracy_only_where_a_prediction_is_defined():
    x, y = data(64)
    manual_seed(0)
    model = Sequential(Linear(4, 1))
    for loss, targets, has_accuracy in ((BCEWithLogitsLoss(), y[:, None].astype(np.float32), True),
                                        (MSELoss(), y[:, None].astype(np.float32), False)):
        trainer = Trainer(model, SGD(model.parameters(), lr=0.1), loss)
        result = trainer.train_epoch([(Tensor(x), targets)])
        assert (result["accuracy"] is not None) == has_accuracy


def test_empty_batches_and_bad_epochs():
    trainer = make_trainer()
    with pytest.raises(ValueError, match="training batches were empty"):
        trainer.train_epoch([])
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        trainer.fit([], epochs=-1)


def test_resumed_run_is_bit_identical(tmp_path):
    """Dropout masks, shuffling, Adam state, schedule and history all continue exactly."""
    x, y = data()
    straight = make_trainer()
    straight.fit(ShuffledBatches(x, y, 32), epochs=5, log=None)

    path = tmp_path / "run.npz"
    interrupted = make_trainer()
    interrupted.fit(ShuffledBatches(x, y, 32), epochs=2, checkpoint=path, log=None)
    default_generator().random(1000)  # whatever happens between runs must not matter
    resumed = make_trainer().resume(path)
    assert resumed.epoch == 2
    resumed.fit(ShuffledBatches(x, y, 32), epochs=5, log=None)
    for a, b in zip(straight.model.parameters(), resumed.model.parameters()):
        assert np.array_equal(a.data, b.data)
    assert straight.history["train_loss"] == resumed.history["train_loss"]
    assert straight.optimizer.param_groups[0]["lr"] == resumed.optimizer.param_groups[0]["lr"]


def test_checkpoint_has_no_pickle_and_names_its_parts(tmp_path):
    trainer = make_trainer()
    path = trainer.save(tmp_path / "c.npz")
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
    assert {"format", "epoch", "generator", "model/0.weight", "model/3.bias", "optimizer/param_groups/0/lr"} <= names
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"], "no temporary file is left behind"


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    trainer = make_trainer()
    path = trainer.save(tmp_path / "c.npz")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        trainer.save(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["c.npz"]


KILLED_SAVE = """
import sys, numpy as np
from tinytorch.core.layers import Linear
from tinytorch.core.training import save_checkpoint

model = Linear(6000, 6000)            # 144 MB of weights: the save takes a while
print("saving", flush=True)
save_checkpoint(sys.argv[1], model)
print("saved", flush=True)
"""


def test_process_killed_mid_save_leaves_the_previous_checkpoint_loadable(tmp_path):
    manual_seed(1)
    old_model = Linear(6000, 6000)
    path = save_checkpoint(tmp_path / "c.npz", old_model, epoch=7)
    process = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(path)], cwd=REPO, stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert process.stdout.readline().strip() == "saving"
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".c.npz.tmp-") for p in tmp_path.iterdir()):  # the new file is being written
        assert time.monotonic() < deadline and process.poll() is None, "the save never started"
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    remaining = process.stdout.read()
    process.wait()
    assert "saved" not in remaining, "the kill must land mid-save for this test to mean anything"
    assert any(p.name.startswith(".c.npz.tmp-") for p in tmp_path.iterdir()), "the killed save left its temporary"
    restored = Linear(6000, 6000)
    assert load_checkpoint(path, restored)["epoch"] == 7
    assert np.array_equal(restored.weight.data, old_model.weight.data)
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"], "loading removes the temporary of the dead writer"


def test_checkpoint_gets_ordinary_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        path = make_trainer().save(tmp_path / "c.npz")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644


def test_temporaries_of_running_writers_are_kept(tmp_path):
    path = make_trainer().save(tmp_path / "c.npz")
    alive = tmp_path / f".c.npz.tmp-{os.getpid()}-abc"  # this process is running: its file is in use
    dead = tmp_path / ".c.npz.tmp-999999999-abc"       # no such process
    alive.write_bytes(b"partial")
    dead.write_bytes(b"partial")
    make_trainer().save(path)
    assert alive.exists() and not dead.exists()


def test_corrupt_and_mismatched_checkpoints_are_clear_errors(tmp_path):
    trainer = make_trainer()
    path = trainer.save(tmp_path / "c.npz")
    data_bytes = path.read_bytes()

    (tmp_path / "cut.npz").write_bytes(data_bytes[: len(data_bytes) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        make_trainer().resume(tmp_path / "cut.npz")
    (tmp_path / "text.npz").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        make_trainer().resume(tmp_path / "text.npz")
    np.savez(tmp_path / "other.npz", weights=np.ones(3))
    with pytest.raises(CheckpointError, match="not a tinytorch-checkpoint-1 file"):
        make_trainer().resume(tmp_path / "other.npz")
    with pytest.raises(CheckpointError, match="no such file"):
        make_trainer().resume(tmp_path / "missing.npz")

    manual_seed(3)
    wider = Sequential(Linear(4, 16), ReLU(), Dropout(0.3), Linear(16, 2), ReLU(), Linear(2, 2))
    before = wider.state_dict()
    with pytest.raises(CheckpointError, match=r"missing keys \['5.weight', '5.bias'\], unexpected keys \[\]"):
        load_checkpoint(path, wider)
    assert all(np.array_equal(before[k], v) for k, v in wider.state_dict().items()), "model left unchanged"

    other = make_trainer()
    other.optimizer = SGD(other.model.parameters(), lr=0.1, momentum=0.9)
    model_before = other.model.state_dict()
    other.model[0].weight.data += 1
    model_before = other.model.state_dict()
    with pytest.raises(CheckpointError, match="hyperparameters"):
        load_checkpoint(path, other.model, other.optimizer)
    assert all(np.array_equal(model_before[k], v) for k, v in other.model.state_dict().items()), \
        "a failing optimizer restore must roll the model back too"


@pytest.mark.parametrize("damage, message", [
    (lambda arrays: arrays.update(generator=np.array("{not json")), "'generator' entry is damaged"),
    (lambda arrays: arrays.update(generator=np.array('{"bit_generator": "MT19937"}')), "'generator' entry is damaged"),
    (lambda arrays: arrays.pop("generator"), "'generator' is missing"),
    (lambda arrays: arrays.pop("epoch"), "'epoch' is missing"),
    (lambda arrays: arrays.update(epoch=np.array(-3)), "'epoch' must be a non-negative integer"),
    (lambda arrays: arrays.update(epoch=np.array("two")), "'epoch' must be a non-negative integer"),
    (lambda arrays: arrays.update({"history/train_loss": np.array(["a", "b"])}), "history 'train_loss'"),
    (lambda arrays: arrays.update({"schedule/epoch": np.array(-1)}), "does not fit"),
    (lambda arrays: arrays.update({"optimizer/state/x/m": np.ones(2)}), "does not fit"),
])
def test_damaged_entries_leave_everything_unchanged(tmp_path, damage, message):
    trainer = make_trainer(schedule=True)
    path = trainer.save(tmp_path / "c.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    damage(arrays)
    np.savez(tmp_path / "damaged.npz", **arrays)
    target = make_trainer(schedule=True)
    for p in target.model.parameters():
        p.data += 1.0
    model_before, lr_before = target.model.state_dict(), target.optimizer.param_groups[0]["lr"]
    generator_before = default_generator().bit_generator.state
    with pytest.raises(CheckpointError, match=message):
        target.resume(tmp_path / "damaged.npz")
    assert all(np.array_equal(model_before[k], v) for k, v in target.model.state_dict().items()), "model unchanged"
    assert target.optimizer.param_groups[0]["lr"] == lr_before and default_generator().bit_generator.state == generator_before

