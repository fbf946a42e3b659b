"""PyTorch parity for gradients: the seed's MLP and every loss, forward and backward, in float32."""

import numpy as np
import pytest

from conftest import require_torch
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear
from tinytorch.core.losses import BCEWithLogitsLoss, BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor, manual_seed

pytestmark = pytest.mark.module(name="05_autograd")

torch = require_torch()


def assert_close(ours, theirs, name):
    """Largest absolute difference below 1e-5 of the largest magnitude of the reference array."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, name
    worst = float(np.max(np.abs(ours - theirs)))
    scale = float(np.max(np.abs(theirs)))
    assert worst <= 1e-5 * scale, f"{name}: largest difference {worst:.3g}, largest magnitude {scale:.3g}"


class SeedMLP:
    """The seed's network: 784-256-128-10 with ReLU, Dropout(0.5) and Dropout(0.3)."""

    def __init__(self):
        self.layers = [Linear(784, 256), Linear(256, 128), Linear(128, 10)]
        self.dropouts = [Dropout(0.5), Dropout(0.3)]
        self.relu = ReLU()

    def forward(self, x):
        """Returns the logits and the two scaled dropout masks that were drawn."""
        masks = []
        h = x
        for layer, dropout in zip(self.layers[:2], self.dropouts):
            h = dropout.forward(self.relu(layer(h)), training=True)
            masks.append(h._saved["mask"])  # dropout output = input * scaled mask
        return self.layers[2](h), masks


@pytest.mark.parametrize("batch", [1, 32])
def test_seed_mlp_logits_loss_and_every_gradient(batch):
    manual_seed(0)
    model = SeedMLP()
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    labels = rng.integers(0, 10, batch)

    logits, masks = model.forward(Tensor(x))
    loss = CrossEntropyLoss()(logits, labels)
    loss.backward()

    weights = [torch.tensor(layer.weight.data, requires_grad=True) for layer in model.layers]
    biases = [torch.tensor(layer.bias.data, requires_grad=True) for layer in model.layers]
    h = torch.from_numpy(x)
    for index in range(2):  # the same masks, so both frameworks drop the same units
        h = torch.relu(h @ weights[index] + biases[index]) * torch.from_numpy(masks[index])
    torch_logits = h @ weights[2] + biases[2]
    torch_loss = torch.nn.functional.cross_entropy(torch_logits, torch.from_numpy(labels))
    torch_loss.backward()

    assert_close(logits.data, torch_logits, "logits")
    assert_close(loss.data, torch_loss, "loss")
    for index, layer in enumerate(model.layers):
        assert_close(layer.weight.grad.data, weights[index].grad, f"layer {index} weight gradient")
        assert_close(layer.bias.grad.data, biases[index].grad, f"layer {index} bias gradient")


def loss_cases():
    rng = np.random.default_rng(7)
    predictions, targets = rng.standard_normal((16, 5)), rng.standard_normal((16, 5))
    probabilities, binary = rng.uniform(0.01, 0.99, (16, 5)), rng.integers(0, 2, (16, 5)).astype(np.float32)
    F = torch.nn.functional
    return [
        ("mse", MSELoss, predictions, targets, F.mse_loss),
        ("bce", BinaryCrossEntropyLoss, probabilities, binary, F.binary_cross_entropy),
        ("bce_with_logits", BCEWithLogitsLoss, predictions * 5, binary, F.binary_cross_entropy_with_logits),
        ("cross_entropy", CrossEntropyLoss, predictions * 5, rng.integers(0, 5, 16), F.cross_entropy),
    ]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", loss_cases(), ids=lambda case: case[0])
def test_loss_value_and_gradient(case, reduction):
    _, loss_class, inputs, targets, torch_loss = case
    ours_input = Tensor(inputs, requires_grad=True)
    ours = loss_class(reduction)(ours_input, targets)
    theirs_input = torch.tensor(inputs, dtype=torch.float32, requires_grad=True)
    torch_targets = torch.from_numpy(targets if targets.dtype.kind == "i" else targets.astype(np.float32))
    theirs = torch_loss(theirs_input, torch_targets, reduction=reduction)
    upstream = np.random.default_rng(3).standard_normal(ours.shape).astype(np.float32)
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))
    assert_close(ours.data, theirs, "loss")
    assert_close(ours_input.grad.data, theirs_input.grad, "gradient")
