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
# # Module 02: Activations - where networks get their bends
#
# A linear layer computes `xW + b`. Two linear layers in a row compute
# `(xW1 + b1)W2 + b2 = x(W1W2) + (b1W2 + b2)`: still one linear map. However many you
# stack, a network of linear layers can only draw straight decision boundaries. An
# **activation function** applied between layers breaks that: it bends the space, and
# with enough bends a network can approximate any continuous function.
#
# **You build**: `ReLU`, `Sigmoid`, `Tanh`, `GELU`, `Softmax` and `LogSoftmax`, each with `forward`,
# `__call__` and `parameters()` (always empty: activations have nothing to learn).
#
# **It enables**: the hidden layers of Module 03's network, and probabilities for the
# losses of Module 04.
#
# **Where the code goes**: `modules/02_activations/activations_dev.py` exports to
# `tinytorch.core.activations`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.activations
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. Five functions and their shapes
#
# ```
#  ReLU  max(0, x)          Sigmoid 1/(1+e^-x)       Tanh  (e^x-e^-x)/(e^x+e^-x)
#        |    /                    |   ___                 |   ___
#        |   /                     |  /                    |  /
#   _____|__/____            _____|_/_____            ____|_/_____
#        |                    ___/ |                  ___/ |
#                                                   (range -1..1)
#  GELU  x * Phi(x): a smooth ReLU that lets small negative values through.
#  Softmax: turns a row of scores into probabilities that sum to 1.
# ```
#
# | activation | output range | where it is used |
# |------------|--------------|------------------|
# | ReLU       | [0, inf)     | hidden layers of MLPs and CNNs: cheap, does not saturate for x > 0 |
# | Sigmoid    | (0, 1)       | a probability for one yes/no question |
# | Tanh       | (-1, 1)      | recurrent networks; centred at 0 |
# | GELU       | about [-0.17, inf) | transformers |
# | Softmax    | (0, 1), rows sum to 1 | the last layer of a classifier |
#
# ## 2. Numerical stability
#
# These formulas overflow if computed literally. `exp(1000)` is `inf` in any float type,
# so `1 / (1 + exp(-x))` at `x = -1000` divides by infinity and NumPy warns; softmax of
# `[1000, 1000]` computes `inf / inf = nan`. Each function below is rewritten so that
# `exp` only ever sees numbers at or below 0:
#
# - **Sigmoid**: with `z = exp(-|x|)` (between 0 and 1), sigmoid is `1 / (1 + z)` for
#   `x >= 0` and `z / (1 + z)` for `x < 0`. Both are the same function; neither overflows.
# - **Softmax**: subtracting a row's maximum from every entry does not change the result
#   (the factor `exp(-max)` cancels between numerator and denominator), and afterwards the
#   largest exponent is `exp(0) = 1`.
#
# The tests check every activation at inputs up to `|x| = 1e4` for warnings and NaN.

# %% [markdown]
# ## 3. A common shape for every activation
#
# Each activation is a small class: `forward(x)` computes the function, `__call__` lets you
# write `relu(x)`, and `parameters()` returns `[]` so that code collecting a network's
# parameters can ask every part the same question. Each passes its NumPy result to
# `Tensor.from_op` under its own name, so Module 05 can attach the derivative.

# %% nbgrader={"grade": false, "grade_id": "activation-base", "solution": false}
#| export
class Activation:
    """Shared plumbing: call syntax, an empty parameter list and input checking."""

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _check(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__} expects a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__} expects a floating-point Tensor, got dtype {x.dtype}")


# %% nbgrader={"grade": false, "grade_id": "relu", "solution": true}
#| export
class ReLU(Activation):
    """Rectified linear unit: max(0, x), elementwise."""

    def forward(self, x):
        """
        TODO: return a Tensor holding max(0, x).

        HINTS: np.maximum(x.data, 0) keeps the dtype; record it with
        Tensor.from_op(result, "relu", (x,)).

        EXAMPLE:
        >>> ReLU()(Tensor([-2.0, 0.0, 3.0])).data
        array([0., 0., 3.], dtype=float32)
        """
        self._check(x)
        ### BEGIN SOLUTION
        # Same values as np.maximum(x.data, 0), twice as fast on a batch: NumPy's vectorised
        # loop runs when both operands are arrays of one layout; against the scalar 0 it
        # takes a slower general path. The zeros cost a fraction of what that saves.
        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype)), "relu", (x,))
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "sigmoid", "solution": true}
#| export
def logistic(values):
    """The sigmoid of an ndarray, elementwise, without overflow (also used by Module 05)."""
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(values))
    return (np.where(values >= 0, 1.0, z) / (1.0 + z)).astype(values.dtype, copy=False)
    ### END SOLUTION


class Sigmoid(Activation):
    """Logistic sigmoid 1 / (1 + e^-x), computed without overflow."""

    def forward(self, x):
        """
        TODO: compute the sigmoid so that exp never sees a positive argument.

        APPROACH: implement `logistic` above: z = exp(-|x|); where x >= 0 the result is
        1 / (1 + z), elsewhere z / (1 + z). Then record it under the name "sigmoid".

        EXAMPLE:
        >>> Sigmoid()(Tensor([0.0])).data
        array([0.5], dtype=float32)
        """
        self._check(x)
        ### BEGIN SOLUTION
        return Tensor.from_op(logistic(x.data), "sigmoid", (x,))
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "tanh", "solution": true}
#| export
class Tanh(Activation):
    """Hyperbolic tangent, elementwise; range (-1, 1)."""

    def forward(self, x):
        """
        TODO: return tanh(x). NumPy's np.tanh is already stable for large |x|.
        """
        self._check(x)
        ### BEGIN SOLUTION
        return Tensor.from_op(np.tanh(x.data), "tanh", (x,))
        ### END SOLUTION


# %% [markdown]
# ### GELU and the error function
#
# GELU weights its input by the probability that a standard normal variable is below it:
# `GELU(x) = x * Phi(x)` with `Phi(x) = (1 + erf(x / sqrt(2))) / 2`. NumPy has no `erf`, so
# we compute it with the rational approximation 7.1.26 of Abramowitz and Stegun (*Handbook
# of Mathematical Functions*, 1964), whose absolute error is below 1.5e-7, finer than a
# float32 can resolve near 1. The popular alternative, `approximate="tanh"`,
# replaces `Phi` by `(1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2`; both options match
# PyTorch's `gelu(x, approximate=...)`.

# %% nbgrader={"grade": false, "grade_id": "gelu", "solution": true}
#| export
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # Python floats: they never promote float32 to float64
_TANH_CUBIC = 0.044715


def erf(x):
    """Error function of an ndarray, elementwise (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7)."""
    x = np.asarray(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + _AS_P * a)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    return np.sign(x) * (1.0 - poly * np.exp(-a * a))


def normal_cdf(v, approximate="none"):
    """Phi(v), the standard normal CDF, exactly (through erf) or in GELU's tanh form."""
    if approximate == "tanh":
        # v * v * v, not v**3: NumPy raises floats to a power ~200x slower than it multiplies.
        return 0.5 * (1.0 + np.tanh(_SQRT_2_OVER_PI * (v + _TANH_CUBIC * v * v * v)))
    return 0.5 * (1.0 + erf(v / _SQRT_2))


class GELU(Activation):
    """Gaussian error linear unit, x * Phi(x); `approximate` is "none" (erf) or "tanh"."""

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f'GELU approximate must be "none" or "tanh", got {approximate!r}')
        self.approximate = approximate

    def __repr__(self):
        return f"GELU(approximate={self.approximate!r})"

    def forward(self, x):
        """
        TODO: compute x * Phi(x) with the exact (erf) or tanh form of Phi.

        EXAMPLE:
        >>> GELU()(Tensor([0.0, 1.0])).data
        array([0.        , 0.84134475], dtype=float32)
        """
        self._check(x)
        ### BEGIN SOLUTION
        v = x.data
        out = (v * normal_cdf(v, self.approximate)).astype(x.dtype, copy=False)
        return Tensor.from_op(out, "gelu", (x,), approximate=self.approximate)
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "softmax", "solution": true}
#| export
class Softmax(Activation):
    """Softmax along `dim`: exp(x) / sum(exp(x)), so that each slice sums to 1."""

    def __init__(self, dim=-1):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} dim must be an integer, got {dim!r}")
        self.dim = int(dim)

    def __repr__(self):
        return f"{type(self).__name__}(dim={self.dim})"

    def _check_dim(self, x):
        self._check(x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"{self!r} cannot apply to a tensor of shape {x.shape}")

    def forward(self, x):
        """
        TODO: subtract the maximum along self.dim, exponentiate, divide by the sum.

        EXAMPLE:
        >>> Softmax()(Tensor([[1000.0, 1000.0]])).data
        array([[0.5, 0.5]], dtype=float32)
        """
        self._check_dim(x)
        ### BEGIN SOLUTION
        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)
        exps = np.exp(shifted)
        out = exps / np.sum(exps, axis=self.dim, keepdims=True)
        return Tensor.from_op(out, "softmax", (x,), dim=self.dim)
        ### END SOLUTION


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, computed without ever taking the log of a rounded-off 0."""

    def forward(self, x):
        """
        TODO: return x - max - log(sum(exp(x - max))) along self.dim (the log-sum-exp trick).

        Why not log(Softmax()(x))? Softmax of a very negative score rounds to 0 in float32,
        and log 0 = -inf; the shifted form stays finite.

        EXAMPLE:
        >>> LogSoftmax()(Tensor([[0.0, 0.0]])).data
        array([[-0.6931472, -0.6931472]], dtype=float32)
        """
        self._check_dim(x)
        ### BEGIN SOLUTION
        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))
        return Tensor.from_op(out, "log_softmax", (x,), dim=self.dim)
        ### END SOLUTION


def softmax(x, dim):
    """Softmax of `x` along `dim`, as torch.softmax."""
    return Softmax(dim)(x)


def log_softmax(x, dim):
    """log(softmax(x)) along `dim`, stably, as torch.log_softmax."""
    return LogSoftmax(dim)(x)


# %% [markdown]
# ### Unit tests

# %% [markdown]
# The tests below check values where a plausible slip gives another answer, and one more
# thing each time: that the activation *records its history* (its name, its input, what its
# gradient rule needs). Module 05's backward pass depends on that record; a result built
# with `Tensor(...)` instead of `Tensor.from_op(...)` would work here and silently cut the
# graph there, so the test catches it here, where the mistake is made.

# %% nbgrader={"grade": false, "grade_id": "activation-test-helpers", "locked": true, "solution": false}
def check_history(name, activation, op, **saved):
    """Assert that `activation` records op `op` (with `saved`), keeps the shape and the dtype
    (float32 and float64 alike) of a rectangular input, and leaves that input unchanged."""
    values = [[0.5, -1.5], [2.0, -0.25], [-3.0, 1.0]]
    x = Tensor(values, dtype=np.float64, requires_grad=True)
    y = activation(x)
    assert y._op == op and len(y._inputs) == 1 and y._inputs[0] is x, \
        f"{name} must record op {op!r} with its input (use Tensor.from_op); got op {y._op!r}"
    for key, value in saved.items():
        assert y._saved.get(key) == value, f"{name} must save {key}={value!r} for its gradient, got {y._saved}"
    assert y.shape == (3, 2), f"{name} of a (3, 2) tensor must have shape (3, 2), got {y.shape}"
    assert np.array_equal(x.data, values), f"{name} must not change its input"
    for dtype in (np.float32, np.float64):
        got = activation(Tensor(values, dtype=dtype)).dtype
        assert got == dtype, f"{name} must keep the input's dtype {np.dtype(dtype)}, got {got}"


# %% nbgrader={"grade": true, "grade_id": "test-relu", "locked": true, "points": 5}
def test_unit_relu():
    print("Unit test: ReLU...")
    relu = ReLU()
    y = relu(Tensor([[-2.0, -0.5, 0.0, 0.5, 3.0]]))
    assert np.array_equal(y.data, [[0, 0, 0, 0.5, 3.0]]), f"ReLU: expected [[0, 0, 0, 0.5, 3]], got {y.data.tolist()}"
    assert y.dtype == np.float32, f"ReLU keeps float32, got {y.dtype}"
    assert relu.parameters() == [], "an activation has no parameters"
    # A 3-D input whose axes all differ: the result has its shape and max(0, x) everywhere.
    v = np.arange(-12, 12, dtype=np.float32).reshape(2, 3, 4) / 4
    got = relu(Tensor(v)).data
    expected = np.where(v > 0, v, 0)
    assert got.shape == (2, 3, 4) and np.array_equal(got, expected), \
        f"ReLU of a (2, 3, 4) tensor: expected {expected.tolist()}, got shape {got.shape} {got.tolist()}"
    check_history("ReLU", relu, "relu")
    print("ReLU works.")


if __name__ == "__main__":
    test_unit_relu()

# %% nbgrader={"grade": true, "grade_id": "test-sigmoid", "locked": true, "points": 5}
def test_unit_sigmoid():
    print("Unit test: Sigmoid...")
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    y = Sigmoid()(Tensor(x))
    expected = 1 / (1 + np.exp(-x))
    assert np.allclose(y.data, expected, atol=1e-6), f"Sigmoid: expected {np.round(expected, 5).tolist()}, got {y.data.tolist()}"
    with np.errstate(over="raise", invalid="raise"):
        extreme = Sigmoid()(Tensor([-1e4, 1e4])).data
    assert np.array_equal(extreme, [0.0, 1.0]), f"Sigmoid(-1e4, 1e4) is (0, 1) without overflow, got {extreme}"
    check_history("Sigmoid", Sigmoid(), "sigmoid")
    print("Sigmoid works.")


if __name__ == "__main__":
    test_unit_sigmoid()

# %% nbgrader={"grade": true, "grade_id": "test-tanh", "locked": true, "points": 5}
def test_unit_tanh():
    print("Unit test: Tanh...")
    y = Tanh()(Tensor([-1e4, -1.0, 0.0, 0.5, 1e4]))
    expected = [-1, np.tanh(-1.0), 0, np.tanh(0.5), 1]
    assert np.allclose(y.data, expected, atol=1e-6), f"Tanh: expected {np.round(expected, 5).tolist()}, got {y.data.tolist()}"
    check_history("Tanh", Tanh(), "tanh")
    print("Tanh works.")


if __name__ == "__main__":
    test_unit_tanh()

# %% nbgrader={"grade": true, "grade_id": "test-gelu", "locked": true, "points": 5}
def test_unit_gelu():
    print("Unit test: GELU...")
    # Reference values of x * Phi(x) (Phi from tables of the normal distribution).
    x = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
    expected = [-0.04550026, -0.15865525, 0.0, 0.84134475, 1.95449974]
    assert np.allclose(GELU()(x).data, expected, atol=1e-6), f"GELU: expected {expected}, got {GELU()(x).data.tolist()}"
    # The tanh form is its own formula, checked to float32 precision, not just "close to GELU".
    v = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    tanh_form = 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)))
    got = GELU(approximate="tanh")(x).data
    assert np.allclose(got, tanh_form, atol=1e-6), f"GELU(tanh): expected {np.round(tanh_form, 6).tolist()}, got {got.tolist()}"
    extreme = GELU()(Tensor([-1e4, 1e4])).data
    assert np.array_equal(extreme, [0.0, 1e4]), f"GELU(-1e4, 1e4) is (0, 1e4) without overflow, got {extreme}"
    check_history("GELU", GELU(), "gelu", approximate="none")
    check_history("GELU(tanh)", GELU(approximate="tanh"), "gelu", approximate="tanh")
    print("GELU works.")


if __name__ == "__main__":
    test_unit_gelu()

# %% nbgrader={"grade": true, "grade_id": "test-softmax", "locked": true, "points": 5}
def test_unit_softmax():
    print("Unit test: Softmax and LogSoftmax...")
    y = Softmax()(Tensor([[1.0, 2.0, 3.0], [1e4, 1e4, -1e4]]))
    assert np.allclose(y.data[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()), f"Softmax row 0: got {y.data[0]}"
    assert np.allclose(y.data[1], [0.5, 0.5, 0.0]), f"Softmax of large values must not overflow: got {y.data[1]}"
    scores = np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 0.0]])
    for dim in (0, 1, -1):
        got = Softmax(dim=dim)(Tensor(scores)).data
        expected = np.exp(scores) / np.exp(scores).sum(axis=dim, keepdims=True)
        assert np.allclose(got, expected, atol=1e-6), f"Softmax(dim={dim}): expected {np.round(expected, 4).tolist()}, got {got.tolist()}"
    # Row 2 lies far below row 0: each row must be shifted by its own maximum, or its exps round to 0.
    logs = LogSoftmax(dim=1)(Tensor([[1.0, 2.0, 3.0], [0.0, -1e4, 0.0], [-1e4, -1e4, -9999.0]]))
    expected = [[1 - np.log(np.exp([1, 2, 3]).sum()), 2 - np.log(np.exp([1, 2, 3]).sum()), 3 - np.log(np.exp([1, 2, 3]).sum())],
                [-np.log(2), -1e4 - np.log(2), -np.log(2)],
                [-1 - np.log(1 + 2 / np.e), -1 - np.log(1 + 2 / np.e), -np.log(1 + 2 / np.e)]]
    assert np.allclose(logs.data, expected, rtol=1e-5), f"LogSoftmax: expected {np.round(expected, 4).tolist()}, got {logs.data.tolist()}"
    for dim in (0, -1):
        got = LogSoftmax(dim=dim)(Tensor(scores)).data
        expected = scores - np.log(np.exp(scores).sum(axis=dim, keepdims=True))
        assert np.allclose(got, expected, atol=1e-6), f"LogSoftmax(dim={dim}): expected {np.round(expected, 4).tolist()}, got {got.tolist()}"
    cube = np.linspace(-3.0, 4.0, 24).reshape(2, 3, 4)  # a middle axis that is neither first nor last
    exps = np.exp(cube)
    for activation, expected in ((Softmax(dim=1), exps / exps.sum(axis=1, keepdims=True)),
                                 (LogSoftmax(dim=-2), cube - np.log(exps.sum(axis=1, keepdims=True)))):
        got = activation(Tensor(cube)).data
        assert got.shape == (2, 3, 4) and np.allclose(got, expected, atol=1e-6), \
            f"{activation!r} of a (2, 3, 4) tensor: expected {np.round(expected, 4).tolist()}, got {got.tolist()}"
    assert np.allclose(softmax(Tensor([[1.0, 3.0]]), dim=-1).data, np.exp([1, 3]) / np.exp([1, 3]).sum()), "the softmax function agrees with Softmax"
    assert np.allclose(log_softmax(Tensor([[1.0, 3.0]]), dim=0).data, [[0.0, 0.0]]), "log_softmax over dim 0 of one row is 0"
    check_history("Softmax(dim=0)", Softmax(dim=0), "softmax", dim=0)
    check_history("LogSoftmax(dim=1)", LogSoftmax(dim=1), "log_softmax", dim=1)
    print("Softmax works.")


if __name__ == "__main__":
    test_unit_softmax()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "activations-module-integration", "locked": true, "points": 15}
def test_module():
    print("Module test: Activations")
    test_unit_relu()
    test_unit_sigmoid()
    test_unit_tanh()
    test_unit_gelu()
    test_unit_softmax()
    # Large inputs must not produce NaN or overflow warnings in any activation.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        x = Tensor(np.linspace(-1e4, 1e4, 101).reshape(1, -1))
        for activation in (ReLU(), Sigmoid(), Tanh(), GELU(), GELU(approximate="tanh"), Softmax()):
            y = activation(x)
            assert y.shape == x.shape and not np.isnan(y.data).any(), repr(activation)
            assert activation.parameters() == [], f"{activation!r} has no parameters"
    print("All activation tests passed. Next: tito module complete 02_activations")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# Each activation is a few lines of NumPy, but each line was chosen so that the function
# cannot overflow: sigmoid and softmax keep exponents at or below zero, and GELU gets its
# error function from a short, accurate polynomial. Module 03 puts ReLU between linear
# layers to build a real network.
