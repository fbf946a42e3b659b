"""benchmarks/: the baselines do the same math as tinytorch, and the harness reports every figure.

No timing is asserted anywhere: timings depend on the machine and its load.
"""

import sys

import numpy as np
import pytest

from conftest import REPO, require_torch

sys.path.insert(0, str(REPO / "benchmarks"))  # the harness's modules import each other as scripts do

import mlp  # noqa: E402
import tinytorch  # noqa: E402


def tinytorch_gradients(weights, x, labels, seed):
    """Loss and [(dW, db)] of tinytorch's network, its dropout masks drawn after manual_seed(seed)."""
    model = mlp.TinytorchMLP(weights)
    tinytorch.manual_seed(seed)
    loss = model.loss(x, labels)
    loss.backward()
    return model, loss.item(), [(layer.weight.grad.data, layer.bias.grad.data) for layer in model.linears]


def assert_same_gradients(ours, theirs):
    for layer, ((dw, db), (their_dw, their_db)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(dw, their_dw, rtol=1e-5, atol=1e-7, err_msg=f"dW of layer {layer}")
        np.testing.assert_allclose(db, their_db, rtol=1e-5, atol=1e-7, err_msg=f"db of layer {layer}")


@pytest.fixture
def problem():
    images, labels = mlp.synthetic_data(64, seed=3)
    return mlp.initial_weights(seed=1), images, labels


def test_numpy_mlp_computes_tinytorch_gradients(problem):
    weights, x, labels = problem
    _, loss, grads = tinytorch_gradients(weights, x, labels, seed=7)
    numpy_loss, numpy_grads = mlp.numpy_mlp(weights, seed=7).gradients(x, labels)
    assert numpy_loss.dtype == np.float32 and all(g.dtype == np.float32 for pair in numpy_grads for g in pair)
    assert numpy_loss == pytest.approx(loss, rel=1e-6)
    assert_same_gradients(numpy_grads, grads)


def test_other_dropout_masks_give_other_gradients(problem):
    """The comparison above is sharp enough to notice different masks."""
    weights, x, labels = problem
    _, _, grads = tinytorch_gradients(weights, x, labels, seed=7)
    _, numpy_grads = mlp.numpy_mlp(weights, seed=8).gradients(x, labels)
    with pytest.raises(AssertionError):
        assert_same_gradients(numpy_grads, grads)


def test_numpy_mlp_step_updates_weights_as_tinytorch_sgd(problem):
    weights, x, labels = problem
    model, _, _ = tinytorch_gradients(weights, x, labels, seed=11)
    model.optimizer.step()
    numpy_model = mlp.numpy_mlp(weights, seed=11)
    numpy_model.step(x, labels)
    for layer, (w, b) in zip(model.linears, numpy_model.weights):
        np.testing.assert_allclose(w, layer.weight.data, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(b, layer.bias.data, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(numpy_model.weights[0][0], weights[0][0]), "the step changed nothing"


def test_torch_mlp_starts_from_the_same_network(problem):
    """In evaluation mode (no dropout) PyTorch's copy computes tinytorch's logits."""
    torch = require_torch()
    weights, x, _ = problem
    ours = mlp.TinytorchMLP(weights).model.eval()
    theirs = mlp.TorchMLP(torch, weights).model.eval()
    np.testing.assert_allclose(ours(tinytorch.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_batches_cover_the_data_once_in_order():
    images, labels = mlp.synthetic_data(10)
    parts = mlp.batches(images, labels, 4)
    assert [len(x) for x, _ in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([y for _, y in parts]), labels)
