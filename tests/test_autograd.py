"""Autograd (Module 05): every gradient rule against central differences, and the backward pass itself."""

import gc
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import REPO
from tinytorch.core import autograd
from tinytorch.core.activations import GELU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.autograd import GradcheckError, gradcheck, no_grad, sum_to
from tinytorch.core.layers import Dropout, Linear, Parameter, Sequential
from tinytorch.core.losses import BCEWithLogitsLoss, BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor, is_grad_enabled, manual_seed

pytestmark = pytest.mark.module(name="05_autograd")

RNG = np.random.default_rng(1)


def leaf(shape, low=-2.0, high=2.0):
    return Tensor(RNG.uniform(low, high, shape), dtype=np.float64, requires_grad=True)


# ---- every op and loss, checked numerically ---------------------------------------------------
UNARY = {
    "neg": lambda a: -a,
    "sum all": lambda a: a.sum(),
    "sum axis 0": lambda a: a.sum(axis=0),
    "sum axes keepdims": lambda a: a.sum(axis=(0, 2), keepdims=True),
    "mean all": lambda a: a.mean(),
    "mean axis -1 keepdims": lambda a: a.mean(axis=-1, keepdims=True),
    "max all": lambda a: a.max(),
    "amax axis 1": lambda a: a.amax(axis=1),
    "amax axis 0 keepdims": lambda a: a.amax(axis=0, keepdims=True),
    "max(dim) values": lambda a: a.max(dim=1).values,
    "min(dim, keepdim) values": lambda a: a.min(dim=0, keepdim=True).values,
    "amin over two axes": lambda a: a.amin(dim=(0, 2)),
    "logsumexp": lambda a: a.logsumexp(dim=-1),
    "logsumexp two axes keepdim": lambda a: a.logsumexp(dim=(0, 1), keepdim=True),
    "reshape": lambda a: a.reshape(6, -1),
    ".T": lambda a: a.T,
    "permute": lambda a: a.permute(1, 2, 0),
    "permute negative": lambda a: a.permute(-1, 0, -2),
    "transpose(-1, 0)": lambda a: a.transpose(-1, 0),
    "transpose(0, -2)": lambda a: a.transpose(0, -2),
    "mT": lambda a: a.mT,
    "view": lambda a: a.view(-1),
    "flatten(1)": lambda a: a.flatten(1),
    "unsqueeze squeeze": lambda a: a.unsqueeze(1).squeeze(1),
    "expand": lambda a: a[:, :1].expand(-1, 4, -1),
    "clone": lambda a: a.clone() * a,
    "abs": lambda a: a.abs(),
    "clamp": lambda a: a.clamp(-0.5, 0.5),
    "clamp min only": lambda a: a.clamp(min=0.1),
    "log_softmax": lambda a: LogSoftmax(dim=1)(a),
    "index int": lambda a: a[1],
    "index slice": lambda a: a[:, 1:, ::2],
    "index int arrays repeated": lambda a: a[np.array([0, 1, 0]), np.array([2, 2, 2])],
    "index bool mask": lambda a: a[a.data > 0],
    "exp": lambda a: a.exp(),
    "relu": lambda a: ReLU()(a),
    "sigmoid": lambda a: Sigmoid()(a),
    "tanh": lambda a: Tanh()(a),
    "gelu": lambda a: GELU()(a),
    "gelu tanh": lambda a: GELU(approximate="tanh")(a),
    "softmax last": lambda a: Softmax()(a),
    "softmax dim 0": lambda a: Softmax(dim=0)(a),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops(name):
    assert gradcheck(UNARY[name], leaf((2, 3, 4)))


def test_casts_pass_gradients_back_in_the_input_dtype():
    x = leaf((3,))
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == np.float64 and np.array_equal(x.grad.data, [3.0, 3.0, 3.0])
    assert not x.long().requires_grad, "an integer result has no gradient"


@pytest.mark.parametrize("name, fn", [("log", lambda a: a.log()), ("sqrt", lambda a: a.sqrt()),
                                      ("pow constant", lambda a: a ** 3), ("pow fraction", lambda a: a ** 0.5),
                                      ("rpow", lambda a: 2.0 ** a), ("rtruediv", lambda a: 1 / a)])
def test_positive_domain_ops(name, fn):
    assert gradcheck(fn, leaf((3, 4), low=0.5, high=3.0))


@pytest.mark.parametrize("left, right", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                         ((1, 3, 4), (2, 4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,))])
def test_matmul_including_batched_and_vectors(left, right):
    assert gradcheck(lambda a, b: a @ b, leaf(left), leaf(right))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_binary_ops_with_broadcasting(data):
    left, right = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    op = data.draw(st.sampled_from(["add", "sub", "mul", "div", "pow"]))
    a = leaf(left, 0.5, 2.0)
    b = leaf(right, 0.5, 2.0)
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}[op]
    assert gradcheck(fn, a, b)


def test_operand_used_twice_and_numbers_on_either_side():
    assert gradcheck(lambda a: a * a + 3 * a - a / 2 + (1 - a) * 4, leaf((3, 3)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses(reduction):
    targets = RNG.standard_normal((4, 3))
    assert gradcheck(lambda p: MSELoss(reduction)(p, targets), leaf((4, 3)))
    labels = np.array([2, 0, 1, 2, 4])
    assert gradcheck(lambda z: CrossEntropyLoss(reduction)(z, labels), leaf((5, 5), -5, 5))
    soft = RNG.uniform(0, 1, (3, 2))
    assert gradcheck(lambda p: BinaryCrossEntropyLoss(reduction)(p, soft), leaf((3, 2), 0.05, 0.95))
    assert gradcheck(lambda x: BCEWithLogitsLoss(reduction)(x, soft), leaf((3, 2), -4, 4))


def test_dropout_mask_path():
    manual_seed(3)
    x = leaf((6, 5))
    y = Dropout(0.4).forward(x, training=True)
    mask = y._saved["mask"]  # the scaled mask the forward pass drew
    (y * Tensor(np.arange(30.0).reshape(6, 5), dtype=np.float64)).sum().backward()
    assert np.allclose(x.grad.data, mask * np.arange(30.0).reshape(6, 5))
    assert set(np.unique(mask)) <= {0.0, 1 / 0.6}


def test_linear_layer_in_float64():
    layer = Linear(4, 3)
    layer.weight = Parameter(Tensor(layer.weight.data, dtype=np.float64))
    layer.bias = Parameter(Tensor(RNG.standard_normal(3), dtype=np.float64))
    x = leaf((5, 4))
    assert gradcheck(lambda x, w, b: layer(x), x, layer.weight, layer.bias)


def test_gradcheck_reports_the_worst_element():
    broken = lambda a: Tensor.from_op(a.data ** 2, "mul", (a, Tensor(np.ones(3), dtype=np.float64)))  # noqa: E731
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(3,\)\), element \(\d,\): analytic .* numeric"):
        gradcheck(broken, Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True))
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda a: a, Tensor([1.0], requires_grad=True))


# ---- the backward pass itself ------------------------------------------------------------------
def test_sum_to():
    assert sum_to(np.ones((5, 3, 4)), (3, 1)).shape == (3, 1)
    assert np.array_equal(sum_to(np.ones((2, 3)), (2, 3)), np.ones((2, 3)))


def test_tensor_used_twice_accumulates_both_gradients():
    x = Tensor([3.0], requires_grad=True)
    (x * x).sum().backward()  # d(x^2)/dx = 2x: both uses contribute
    assert np.allclose(x.grad.data, [6.0])
    shared = Linear(3, 3)
    model = Sequential(shared, shared)
    model(Tensor(np.ones((2, 3)))).sum().backward()
    assert shared.weight.grad is not None and shared.weight.grad.shape == (3, 3)


def test_gradients_are_tensors_of_the_leaf_dtype_and_own_their_memory():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert isinstance(a.grad, Tensor) and a.grad.dtype == np.float32
    a.grad.data[0] = 100.0  # e.g. an optimizer working in place
    assert b.grad.data[0] == 1.0, "two leaves must never share a gradient array"
    bias = Tensor(np.zeros(3), requires_grad=True)
    (Tensor(np.ones((4, 3))) + bias).sum().backward()
    bias.grad.data += 1  # writable, not a read-only broadcast view
    assert np.allclose(bias.grad.data, 5.0)


def test_long_chain_has_no_recursion_error():
    w = Tensor([1.0], requires_grad=True)
    y = w
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    assert w.grad.data[0] == 1.0


def test_each_node_is_visited_once_even_with_exponentially_many_paths(monkeypatch):
    calls = []
    add_rule = autograd.GRADIENT_RULES["add"]
    monkeypatch.setitem(autograd.GRADIENT_RULES, "add", lambda *args: calls.append(1) or add_rule(*args))
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(60):  # 2**60 paths from the output back to x
        y = y + y
    y.sum().backward()
    assert len(calls) == 60 and x.grad.data[0] == 2.0**60


def test_no_reference_cycles_remain():
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        model = Sequential(Linear(8, 16), ReLU(), Dropout(0.5), Linear(16, 3))
        loss = CrossEntropyLoss()(model(Tensor(np.ones((4, 8)))), [0, 1, 2, 0])
        loss.backward()
        del model, loss
        gc.collect()
        leaked = [obj for obj in gc.garbage if type(obj).__module__.startswith("tinytorch")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert leaked == [], f"objects kept alive only by cycles: {leaked[:3]}"


def test_graph_is_released_after_backward():
    w = Tensor(np.ones(3), requires_grad=True)
    hidden = w * 2
    loss = (hidden * 3).sum()
    loss.backward()
    assert hidden._inputs == () and hidden._saved is None and loss._inputs == ()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_op_without_rule_is_named():
    x = Tensor([1.0], requires_grad=True)
    y = Tensor.from_op(x.data * 2, "mystery_op", (x,))
    with pytest.raises(RuntimeError, match="operation 'mystery_op' has no gradient rule"):
        y.sum().backward()


def test_backward_argument_errors():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\)"):
        (w * 2).backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\)"):
        (w * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()
    (w * 2).backward(Tensor(np.full((2, 2), 0.5)))
    assert np.allclose(w.grad.data, 1.0)


def test_no_grad_records_nothing_and_restores_on_error():
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            assert not (w * 2).requires_grad
            raise ZeroDivisionError
    assert is_grad_enabled()

    @no_grad()
    def evaluate():
        return w * 2

    assert not evaluate().requires_grad and (w * 2).requires_grad


def test_zero_grad_clears_module_gradients():
    model = Sequential(Linear(3, 2))
    model(Tensor(np.ones((1, 3)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_autograd_patches_nothing():
    """Importing autograd must leave every class of Modules 01-04 exactly as it was."""
    script = """
import inspect
from tinytorch.core import tensor, activations, layers, losses
classes = [obj for mod in (tensor, activations, layers, losses) for obj in vars(mod).values()
           if inspect.isclass(obj) and obj.__module__.startswith("tinytorch")]
before = {cls: dict(vars(cls)) for cls in classes}
functions = {mod: dict(vars(mod)) for mod in (tensor, activations, layers, losses)}
import tinytorch.core.autograd
from tinytorch.core.tensor import Tensor

(Tensor([1.0], requires_grad=True) * 2).sum().backward()
for cls, attributes in before.items():
    after = dict(vars(cls))
    assert after.keys() == attributes.keys(), cls
    assert all(after[k] is attributes[k] for k in attributes), cls
for mod, attributes in functions.items():
    assert all(vars(mod)[k] is v for k, v in attributes.items()), mod
print(len(classes), "classes unchanged")
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[0]) >= 12


def test_a_caller_supplied_gradient_is_never_kept_by_reference():
    w = Tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([1.0, 1.0], dtype=np.float32)
    w.backward(upstream)
    upstream[0] = 50.0
    assert w.grad.data[0] == 1.0
