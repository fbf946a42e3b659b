"""Tensor and Module behave as in PyTorch where they borrow its names (issue: PyTorch semantics).

The first three tests are the regression tests of three bugs: a negative axis in transpose,
x ** 0 at x = 0, and freezing a parameter the PyTorch way. Then PyTorch's semantics one by one,
compared with torch itself, and a PyTorch user's snippet that runs with only its imports changed.
"""

import warnings

import numpy as np
import pytest

import tinytorch
from conftest import require_torch
from tinytorch import Linear, Parameter, Sequential, Tensor
from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import set_grad_enabled

# Each test is marked with the course module whose `tito module complete` runs it: the latest
# module it needs (a learner who has finished Module 01 can run the Tensor tests).
TENSOR = pytest.mark.module(name="01_tensor")
LAYERS = pytest.mark.module(name="03_layers")
AUTOGRAD = pytest.mark.module(name="05_autograd")
DATA = pytest.mark.module(name="08_dataloader")


def as_numpy(value):
    """A tinytorch or torch tensor (or a number) as an ndarray."""
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)


# ---- the three bugs ---------------------------------------------------------------------------

@AUTOGRAD
@pytest.mark.parametrize("dims", [(-1, 0), (0, -1), (-2, -1), (1, -3), (-3, 2)])
def test_transpose_with_negative_axes_has_the_right_gradient(dims):
    torch = require_torch()
    values = np.random.default_rng(0).standard_normal((2, 3, 4))
    weights = np.random.default_rng(1).standard_normal(np.swapaxes(values, *dims).shape)
    ours = Tensor(values, dtype=np.float64, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    (ours.transpose(*dims) * Tensor(weights, dtype=np.float64)).sum().backward()
    (theirs.transpose(*dims) * torch.tensor(weights)).sum().backward()
    assert ours.transpose(*dims).shape == tuple(theirs.transpose(*dims).shape)
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


@AUTOGRAD
def test_power_gradients_at_zero_are_zero_not_nan():
    torch = require_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from NumPy fails the test
        x = Tensor([0.0, 2.0], requires_grad=True)
        (x ** 0).sum().backward()
        exponent = Tensor([0.0, 2.0, 0.5], requires_grad=True)
        (Tensor([0.0, 2.0, 0.0]) ** exponent).sum().backward()
    reference_x = torch.tensor([0.0, 2.0], requires_grad=True)
    (reference_x ** 0).sum().backward()
    reference_e = torch.tensor([0.0, 2.0, 0.5], requires_grad=True)
    (torch.tensor([0.0, 2.0, 0.0]) ** reference_e).sum().backward()
    np.testing.assert_array_equal(x.grad.data, reference_x.grad.numpy())
    np.testing.assert_allclose(exponent.grad.data, reference_e.grad.numpy(), rtol=1e-6)
    assert not np.isnan(exponent.grad.data).any()


@LAYERS
def test_frozen_parameters_are_saved_and_loaded():
    tinytorch.manual_seed(0)
    source = Sequential(Linear(3, 4), Linear(4, 2))
    source[0].weight.requires_grad = False
    state = source.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    target = Sequential(Linear(3, 4), Linear(4, 2))
    target[0].weight.requires_grad = False
    target.load_state_dict(state)
    assert np.array_equal(target[0].weight.data, source[0].weight.data), "the frozen weight is restored"
    assert [name for name, _ in target.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]


# ---- Tensor semantics, one by one -------------------------------------------------------------

@TENSOR
def test_transpose_swaps_two_axes_and_permute_reorders_all():
    matrix = Tensor([[1, 2, 3], [4, 5, 6]])
    assert np.array_equal(matrix.transpose(0, 1).data, [[1, 4], [2, 5], [3, 6]])
    assert np.array_equal(matrix.transpose(1, 0).data, matrix.T.data)
    cube = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert cube.permute(2, 0, 1).shape == (4, 2, 3) and cube.mT.shape == (2, 4, 3)


@TENSOR
def test_comparisons_are_elementwise_and_hashing_is_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    assert (a == b).dtype == np.bool_ and bool((a == b).all())
    assert np.array_equal((a < Tensor([2.0, 2.0])).data, [True, False])
    t = Tensor([-1.0, 2.0, -3.0, 4.0])
    assert np.array_equal(t[t > 0].data, [2.0, 4.0])
    assert len({a: 1, b: 2}) == 2 and hash(a) != hash(b)
    gradients = {a: "a"}
    assert gradients[a] == "a" and b not in gradients


@TENSOR
def test_one_element_conversions():
    loss = (Tensor([3.0], requires_grad=True) * 2).sum()
    assert float(loss) == 6.0 and int(loss) == 6 and bool(loss)
    assert [10, 20, 30][Tensor(np.array(1))] == 20, "integer tensors can index Python lists"
    for convert in (bool, float, int):
        with pytest.raises(ValueError, match="exactly one element"):
            convert(Tensor([0.0, 0.0]))


@TENSOR
def test_numpy_interoperation():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    array = np.asarray(t)
    assert array.dtype == np.float32 and array.shape == (2, 2) and np.shares_memory(array, t.data)
    with pytest.raises(RuntimeError, match="detach"):
        np.asarray(Tensor([1.0], requires_grad=True))


@TENSOR
@pytest.mark.parametrize("left, right, dtype", [
    (np.array([1, 2]), 1, np.int64), (np.array([1, 2]), 1.5, np.float32), (np.array([True]), 1, np.int64),
    (np.array([1.0], dtype=np.float32), 2.0, np.float32), (np.array([1, 2]), np.array([1.0, 2.0], dtype=np.float32), np.float32),
    (np.array([1.0], dtype=np.float32), np.array(2.0), np.float32),
])
def test_dtype_promotion_matches_torch(left, right, dtype):
    torch = require_torch()
    ours = tinytorch.from_numpy(left) + (tinytorch.from_numpy(right) if isinstance(right, np.ndarray) else right)
    theirs = torch.from_numpy(left) + (torch.from_numpy(right) if isinstance(right, np.ndarray) else right)
    assert ours.dtype == dtype and str(theirs.dtype) == f"torch.{np.dtype(dtype).name}"


@TENSOR
def test_tensor_copies_from_numpy_shares():
    array = np.ones(3, dtype=np.float32)
    copied, shared = Tensor(array), tinytorch.from_numpy(array)
    previous = set_grad_enabled(False)
    copied += 1
    set_grad_enabled(previous)
    assert array[0] == 1.0, "Tensor(array) must not write through to the array"
    shared += 1
    assert array[0] == 2.0, "from_numpy shares"


@TENSOR
def test_in_place_on_a_leaf_that_requires_grad_raises():
    weight = Tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: weight.__iadd__(1), lambda: weight.__imul__(2), lambda: weight.__setitem__(0, 5.0),
                   lambda: weight.zero_(), lambda: weight.copy_(Tensor([0.0, 0.0]))):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            change()
    assert np.array_equal(weight.data, [1.0, 2.0])
    previous = set_grad_enabled(False)  # what no_grad() (Module 05) does: the optimizer's way
    weight -= 0.5
    set_grad_enabled(previous)
    assert np.array_equal(weight.data, [0.5, 1.5])
    with pytest.raises(RuntimeError, match="part of a graph"):
        middle = weight * 2
        middle += 1


@TENSOR
def test_grad_assignments_are_checked_when_made():
    p = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="must be a Tensor or None, got ndarray"):
        p.grad = np.ones(3)
    with pytest.raises(ValueError, match=r"shape \(1,\) cannot belong to a tensor of shape \(3,\)"):
        p.grad = Tensor([1.0])
    with pytest.raises(TypeError, match="dtype float64"):
        p.grad = Tensor(np.ones(3), dtype=np.float64)
    p.grad = Tensor(np.ones(3))
    assert p.grad.shape == (3,)


@TENSOR
def test_requires_grad_is_a_flag_and_leafness_is_tracked():
    with pytest.raises(TypeError, match="True or False"):
        Tensor([1.0], requires_grad="yes")
    x = Tensor([1.0]).requires_grad_()
    y = x * 2
    assert x.is_leaf and not y.is_leaf and x.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


# ---- every new API against torch: values and gradients -------------------------------------------

API = {
    "view": lambda t, x: x.view(4, 6),
    "view -1": lambda t, x: x.view(-1, 3),
    "flatten": lambda t, x: x.flatten(),
    "flatten(1)": lambda t, x: x.flatten(1),
    "unsqueeze(1)": lambda t, x: x.unsqueeze(1),
    "unsqueeze(-1)": lambda t, x: x.unsqueeze(-1),
    "squeeze": lambda t, x: x.unsqueeze(0).unsqueeze(2).squeeze(),
    "squeeze(dim)": lambda t, x: x[:, :1].squeeze(1),
    "permute": lambda t, x: x.permute(2, 0, 1),
    "expand": lambda t, x: x[:1].expand(3, -1, -1),
    "broadcast_to": lambda t, x: x[:, :, :1].broadcast_to((2, 3, 5)),
    "clone": lambda t, x: x.clone() * x,
    "abs": lambda t, x: x.abs(),
    "clamp": lambda t, x: x.clamp(-0.5, 0.7),
    "clamp(max)": lambda t, x: x.clamp(max=0.3),
    "where": lambda t, x: t.where(x > 0, x, x * x),
    "maximum": lambda t, x: t.maximum(x, x.flip(0) if hasattr(x, "flip") else x[::-1]),
    "minimum": lambda t, x: t.minimum(x, t.zeros_like(x)),
    "min": lambda t, x: x.min(),
    "max": lambda t, x: x.max(),
    "min(dim).values": lambda t, x: x.min(dim=1).values,
    "max(1, keepdim).values": lambda t, x: x.max(1, keepdim=True).values,
    "amax((0, 2))": lambda t, x: x.amax(dim=(0, 2)),
    "sum(dim, keepdim)": lambda t, x: x.sum(dim=-1, keepdim=True),
    "mean(dim=(0, 1))": lambda t, x: x.mean(dim=(0, 1)),
    "logsumexp": lambda t, x: x.logsumexp(dim=1),
    "log_softmax": lambda t, x: x.log_softmax(dim=-1),
    "softmax": lambda t, x: x.softmax(dim=0),
    "cat": lambda t, x: t.cat([x, x * 2], dim=1),
    "stack": lambda t, x: t.stack([x, x.exp()], dim=-1),
    "contiguous view": lambda t, x: x.transpose(0, 2).contiguous().view(-1),
}


@AUTOGRAD
@pytest.mark.parametrize("name", API)
def test_api_matches_torch_in_values_and_gradients(name):
    torch = require_torch()
    values = np.random.default_rng(4).standard_normal((2, 3, 4))
    ours = Tensor(values, dtype=np.float64, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    out_ours, out_theirs = API[name](tinytorch, ours), API[name](torch, theirs)
    assert out_ours.shape == tuple(out_theirs.shape)
    np.testing.assert_allclose(out_ours.data, as_numpy(out_theirs), rtol=1e-12, atol=1e-12)
    weights = np.random.default_rng(5).standard_normal(out_ours.shape)
    (out_ours * Tensor(weights, dtype=np.float64)).sum().backward()
    (out_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x: API[name](tinytorch, x), Tensor(values, dtype=np.float64, requires_grad=True))


@TENSOR
def test_argmax_argmin_numel_dim_match_torch():
    torch = require_torch()
    values = np.random.default_rng(6).standard_normal((3, 4))
    ours, theirs = Tensor(values), torch.tensor(values)
    for call in (lambda x: x.argmax(), lambda x: x.argmin(dim=0), lambda x: x.argmax(dim=1, keepdim=True),
                 lambda x: x.max(dim=1).indices):
        np.testing.assert_array_equal(as_numpy(call(ours)), as_numpy(call(theirs)))
    assert (ours.numel(), ours.dim(), ours.size(), ours.size(1)) == (theirs.numel(), theirs.dim(), tuple(theirs.size()), theirs.size(1))


# ---- a PyTorch user's code, with only the imports changed ------------------------------------------

SNIPPET = """
x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
w = Parameter(torch.tensor([[0.2, -0.4], [0.6, 0.1], [-0.3, 0.5]]))
hidden = torch.maximum(x @ w, torch.zeros(2, 2))
scores = torch.cat([hidden, x.abs().sum(dim=1, keepdim=True)], dim=1)
logp = scores.log_softmax(dim=-1)
labels = torch.tensor([2, 0])
loss = -logp[torch.arange(2), labels].mean()
loss = loss + 0.1 * torch.where(x > 0, x, -x).clamp(max=1.0).sum() + scores.logsumexp(dim=1).mean()
loss.backward()
_, predicted = scores.max(dim=1)
optimizer = SGD([{"params": [w]}, {"params": [x], "lr": 0.05}], lr=0.1, momentum=0.9)
optimizer.step()
batches = [b for b in DataLoader([(np.float32(i), i % 2) for i in range(5)], batch_size=2)]
results = {
    "loss": float(loss),
    "x.grad": x.grad.detach().numpy(),
    "w.grad": w.grad.detach().numpy(),
    "w after a step": w.detach().numpy(),
    "predicted": predicted.numpy(),
    "first batch": batches[0][0].numpy(),
    "unsqueezed": x.detach().unsqueeze(0).permute(2, 0, 1).flatten(1).numpy(),
    "expanded": x.detach()[:1].expand(3, -1).clone().numpy(),
    "is_leaf": (x.is_leaf, hidden.is_leaf),
    "numel": hidden.numel(),
}
"""
TORCH_IMPORTS = "import numpy as np\nimport torch\nfrom torch.nn import Parameter\nfrom torch.optim import SGD\nfrom torch.utils.data import DataLoader\n"
TINYTORCH_IMPORTS = "import numpy as np\nimport tinytorch as torch\nfrom tinytorch import DataLoader, Parameter, SGD\n"


@DATA
def test_a_pytorch_snippet_runs_unchanged_apart_from_the_imports():
    require_torch()
    ours, theirs = {}, {}
    exec(TINYTORCH_IMPORTS + SNIPPET, ours)  # noqa: S102 (our own test code)
    exec(TORCH_IMPORTS + SNIPPET, theirs)  # noqa: S102
    for key, expected in theirs["results"].items():
        got = ours["results"][key]
        if isinstance(expected, tuple):
            assert got == expected, key
        else:
            np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                                       rtol=1e-5, atol=1e-6, err_msg=key)


@LAYERS
def test_parameter_is_a_tensor_subclass_like_nn_parameter():
    p = Parameter(np.zeros(3))
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert type(p * 2) is Tensor, "operations on parameters give plain tensors"
    source = Tensor([1.0, 2.0])
    assert Parameter(source).data is source.data, "Parameter(tensor) shares its memory, as in torch"
    assert Parameter(np.zeros(2), requires_grad=False).requires_grad is False
    assert repr(Parameter([1.0])).startswith("Parameter containing:")
