"""PyTorch parity: the same inputs and weights give the same outputs (torch is a reference only)."""

import numpy as np
import pytest

from conftest import require_torch
from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor

torch = require_torch()
F = torch.nn.functional


def close(ours, theirs, tolerance=1e-6):
    """Largest absolute difference below `tolerance` times the largest magnitude (at least 1)."""
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape
    scale = max(1.0, float(np.max(np.abs(theirs))))
    worst = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
    assert worst <= tolerance * scale, f"largest difference {worst:.3g} at scale {scale:.3g}"


@pytest.mark.module(name="03_layers")
@pytest.mark.module(name="03_layers")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(784, 256), (256, 128), (128, 10), (3, 1)])
def test_linear_forward_matches_torch(shape, bias):
    in_features, out_features = shape
    ours = Linear(in_features, out_features, bias=bias)
    if bias:
        ours.bias.data[:] = np.random.default_rng(1).standard_normal(out_features)
    theirs = torch.nn.Linear(in_features, out_features, bias=bias)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data.T.copy()))  # torch stores (out, in)
        if bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x = np.random.default_rng(0).standard_normal((32, in_features)).astype(np.float32)
    close(ours(Tensor(x)).data, theirs(torch.from_numpy(x)), tolerance=1e-5)


ACTIVATIONS = [
    (ReLU(), torch.relu),
    (Sigmoid(), torch.sigmoid),
    (Tanh(), torch.tanh),
    (GELU(), lambda t: F.gelu(t, approximate="none")),
    (GELU(approximate="tanh"), lambda t: F.gelu(t, approximate="tanh")),
    (Softmax(), lambda t: torch.softmax(t, dim=-1)),
    (Softmax(dim=0), lambda t: torch.softmax(t, dim=0)),
]


@pytest.mark.module(name="02_activations")
@pytest.mark.module(name="02_activations")
@pytest.mark.parametrize("ours, theirs", ACTIVATIONS, ids=[repr(a) for a, _ in ACTIVATIONS])
@pytest.mark.parametrize("scale", [1.0, 10.0, 1e4])
def test_activation_matches_torch(ours, theirs, scale):
    x = (np.random.default_rng(5).standard_normal((16, 33)) * scale).astype(np.float32)
    x[0, :5] = [0.0, -0.0, 1e-8, -1e-8, 3.0]
    close(ours(Tensor(x)).data, theirs(torch.from_numpy(x)))
