"""Losses (Module 04): values against direct formulas, reductions, and bad input."""

import numpy as np
import pytest

from tinytorch.core.losses import BCEWithLogitsLoss, BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.module(name="04_losses")

RNG = np.random.default_rng(0)
LOSSES = [MSELoss, CrossEntropyLoss, BinaryCrossEntropyLoss, BCEWithLogitsLoss]


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_reductions(reduction):
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    pred, target = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    assert np.allclose(MSELoss(reduction)(Tensor(pred), Tensor(target)).data, reduce((pred - target) ** 2), atol=1e-5)

    logits, labels = RNG.standard_normal((6, 4)) * 3, RNG.integers(0, 4, 6)
    per_sample = -np.log(softmax_rows(logits)[np.arange(6), labels])
    assert np.allclose(CrossEntropyLoss(reduction)(Tensor(logits), labels).data, reduce(per_sample), atol=1e-5)

    p, y = RNG.uniform(0.05, 0.95, (4, 2)), RNG.integers(0, 2, (4, 2)).astype(float)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.allclose(BinaryCrossEntropyLoss(reduction)(Tensor(p), Tensor(y)).data, reduce(bce), atol=1e-5)
    x = np.log(p / (1 - p))
    assert np.allclose(BCEWithLogitsLoss(reduction)(Tensor(x), y).data, reduce(bce), atol=1e-5)


def test_outputs_keep_float32():
    for loss, args in ((MSELoss(), (Tensor([1.0]), [2.0])), (CrossEntropyLoss(), (Tensor([[1.0, 2.0]]), [1])),
                       (BinaryCrossEntropyLoss(), (Tensor([0.3]), [1.0])), (BCEWithLogitsLoss(), (Tensor([0.3]), [1.0]))):
        assert loss(*args).dtype == np.float32


def test_stability_at_extremes():
    with np.errstate(all="raise", under="ignore"):
        assert np.isclose(CrossEntropyLoss()(Tensor([[1e4, -1e4, 0.0]]), [0]).item(), 0.0)
        assert np.isclose(CrossEntropyLoss()(Tensor([[1e4, -1e4, 0.0]]), [1]).item(), 2e4)
        assert np.isclose(BCEWithLogitsLoss()(Tensor([1e4, -1e4]), [0.0, 1.0]).item(), 1e4)
        assert np.isclose(BinaryCrossEntropyLoss()(Tensor([0.0, 1.0]), [1.0, 0.0]).item(), 100.0)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda c: c.__name__)
def test_nan_and_inf_predictions_are_refused(loss):
    for bad in (np.nan, np.inf, -np.inf):
        predictions = Tensor([[0.5, bad]])
        target = [1] if loss is CrossEntropyLoss else [[1.0, 0.0]]
        with pytest.raises(ValueError, match=f"{loss.__name__}: predictions contain 1 NaN or infinite"):
            loss()(predictions, target)


@pytest.mark.parametrize("loss", [MSELoss, BinaryCrossEntropyLoss, BCEWithLogitsLoss], ids=lambda c: c.__name__)
def test_shape_mismatch_is_refused(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: predictions have shape \(4, 1\) but targets have shape \(4,\)"):
        loss()(Tensor(np.full((4, 1), 0.5)), np.ones(4))


def test_cross_entropy_target_errors():
    logits = Tensor(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"batch of 3 but targets have shape \(2,\)"):
        CrossEntropyLoss()(logits, [0, 1])
    with pytest.raises(ValueError, match=r"must lie in 0..4, got \[5, -1\]"):
        CrossEntropyLoss()(logits, np.array([5, 0, -1]))
    with pytest.raises(ValueError, match="whole numbers"):
        CrossEntropyLoss()(logits, np.array([0.0, 1.5, 2.0]))
    with pytest.raises(TypeError, match="integers"):
        CrossEntropyLoss()(logits, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"shape \(batch, classes\).*\(5,\)"):
        CrossEntropyLoss()(Tensor(np.zeros(5)), [0])
    with pytest.raises(ValueError, match=r"\(0, 5\)"):
        CrossEntropyLoss()(Tensor(np.zeros((0, 5))), np.array([], dtype=int))


def test_binary_range_errors():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        BinaryCrossEntropyLoss()(Tensor([1.2]), [1.0])
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        BinaryCrossEntropyLoss()(Tensor([0.2]), [2.0])
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        BCEWithLogitsLoss()(Tensor([0.2]), [-1.0])


def test_bad_configuration_and_types():
    with pytest.raises(ValueError, match="reduction must be one of"):
        MSELoss(reduction="avg")
    with pytest.raises(TypeError, match="MSELoss expects predictions as a Tensor"):
        MSELoss()([1.0], [1.0])
    with pytest.raises(TypeError, match="floating-point"):
        MSELoss()(Tensor(np.array([1, 2])), [1, 2])
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
