"""Differential test against torch: hypothesis draws shapes, broadcasting, dtypes and short chains
of operations; tinytorch and torch run the same code (the APIs share their names), and their
values and every gradient must agree.

Input values come from a seeded normal generator rather than from hypothesis, so that ties
(where two correct frameworks may legitimately route a gradient differently) have
probability zero; hypothesis chooses the structure: shapes, dtypes, operations, axes.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
from conftest import require_torch
from tinytorch import Tensor

pytestmark = pytest.mark.module(name="05_autograd")

# Binary operations combine the two leaves (shapes that broadcast together).
BINARY = {
    "add": lambda t, a, b: a + b,
    "sub": lambda t, a, b: a - b,
    "mul": lambda t, a, b: a * b,
    "div": lambda t, a, b: a / (b.abs() + 0.5),
    "pow": lambda t, a, b: (a.abs() + 0.5) ** b,
    "maximum": lambda t, a, b: t.maximum(a, b),
    "minimum": lambda t, a, b: t.minimum(a, b),
    "where": lambda t, a, b: t.where(a > b, a, b * 2),
    "scalar mix": lambda t, a, b: 2.5 * a - b / 4 + 1,
}

# Unary operations, each given the current tensor and the axes hypothesis drew for it.
UNARY = {
    "neg": lambda x, d: -x,
    "abs": lambda x, d: x.abs(),
    "exp": lambda x, d: x.clamp(-3.0, 3.0).exp(),
    "log": lambda x, d: (x.abs() + 1).log(),
    "sqrt": lambda x, d: (x * x + 1).sqrt(),
    "square": lambda x, d: x ** 2,
    "clamp": lambda x, d: x.clamp(min=-1.0),
    "sum": lambda x, d: x.sum(dim=d[0]),
    "sum keepdim": lambda x, d: x.sum(dim=d[0], keepdim=True),
    "mean": lambda x, d: x.mean(dim=d[0]),
    "amax": lambda x, d: x.amax(dim=d[0]),
    "logsumexp": lambda x, d: x.logsumexp(dim=d[0]),
    "log_softmax": lambda x, d: x.log_softmax(dim=d[0]),
    "softmax": lambda x, d: x.softmax(dim=d[0]),
    "transpose": lambda x, d: x.transpose(d[0], d[1]),
    "permute reversed": lambda x, d: x.permute(*reversed(range(x.dim()))),
    "unsqueeze": lambda x, d: x.unsqueeze(d[0]),
    "flatten": lambda x, d: x.flatten(),
    "reshape": lambda x, d: x.reshape(-1, 1),
    "getitem": lambda x, d: x[..., :1],
}
REDUCING = {"sum", "mean", "amax", "logsumexp"}


def run_chain(t, a, b, binary, steps):
    x = BINARY[binary](t, a, b)
    for name, dims in steps:
        if x.dim() == 0:
            break  # nothing left to reduce or permute
        if name in REDUCING and x.dim() == 1 and x.shape[0] == 0:
            break
        x = UNARY[name](x, [d % x.dim() - x.dim() * (d % 2) for d in dims])  # some axes negative
    return x


@settings(max_examples=150, deadline=None, derandomize=True)  # the same examples on every run
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=4),
    dtype=st.sampled_from([np.float32, np.float64]),
    binary=st.sampled_from(sorted(BINARY)),
    steps=st.lists(st.tuples(st.sampled_from(sorted(UNARY)), st.lists(st.integers(0, 5), min_size=2, max_size=2)),
                   min_size=0, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_chains_of_operations_match_torch(shapes, dtype, binary, steps, seed):
    torch = require_torch()
    rng = np.random.default_rng(seed)
    left, right = (rng.standard_normal(shape).astype(dtype) for shape in shapes.input_shapes)
    ours_a, ours_b = Tensor(left, dtype=dtype, requires_grad=True), Tensor(right, dtype=dtype, requires_grad=True)
    theirs_a, theirs_b = torch.tensor(left, requires_grad=True), torch.tensor(right, requires_grad=True)
    ours = run_chain(tinytorch, ours_a, ours_b, binary, steps)
    theirs = run_chain(torch, theirs_a, theirs_b, binary, steps)
    assert ours.shape == tuple(theirs.shape), (binary, steps)
    assert ours.dtype == np.dtype(dtype), f"{binary} then {steps} changed the dtype to {ours.dtype}"
    tolerance = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **tolerance, err_msg=f"{binary} {steps}")
    weights = rng.standard_normal(ours.shape).astype(dtype)
    (ours * Tensor(weights, dtype=dtype)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    for name, mine, reference in (("a", ours_a, theirs_a), ("b", ours_b, theirs_b)):
        expected = np.zeros(mine.shape, dtype) if reference.grad is None else reference.grad.numpy()
        got = np.zeros(mine.shape, dtype) if mine.grad is None else mine.grad.data
        assert got.dtype == np.dtype(dtype), f"the gradient of {name} has dtype {got.dtype}"
        np.testing.assert_allclose(got, expected, **tolerance, err_msg=f"gradient of {name}: {binary} {steps}")


DTYPES = [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64]
SCALARS = [True, 3, -2, 2.5]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    left=st.sampled_from(DTYPES),
    right=st.one_of(st.sampled_from(DTYPES), st.sampled_from(SCALARS)),
    left_dims=st.integers(0, 2),
    right_dims=st.integers(0, 2),
    op=st.sampled_from(["add", "mul", "div", "eq", "lt"]),
)
@example(left=np.uint8, right=-2, left_dims=0, right_dims=0, op="lt")  # found by hypothesis: -2 wraps to 254 in uint8
def test_dtype_promotion_matches_torch(left, right, left_dims, right_dims, op):
    torch = require_torch()
    operate = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
               "eq": lambda a, b: a == b, "lt": lambda a, b: a < b}[op]
    a = np.full((2,) * left_dims, 1 if left is np.bool_ else 3, dtype=left)
    if isinstance(right, type):
        b = np.full((2,) * right_dims, 1 if right is np.bool_ else 2, dtype=right)
        ours, theirs = operate(tinytorch.from_numpy(a), tinytorch.from_numpy(b)), operate(torch.from_numpy(a), torch.from_numpy(b))
    else:
        ours, theirs = operate(tinytorch.from_numpy(a), right), operate(torch.from_numpy(a), right)
    assert str(theirs.dtype) == f"torch.{np.dtype(ours.dtype).name}", \
        f"{np.dtype(left).name}{list(a.shape)} {op} {right!r}: torch gives {theirs.dtype}, tinytorch {ours.dtype}"
    np.testing.assert_allclose(ours.data.astype(np.float64), theirs.numpy().astype(np.float64), rtol=1e-6)
