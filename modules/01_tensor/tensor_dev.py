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
# # Module 01: Tensor - the array every other module stands on
#
# Everything a neural network touches is a block of numbers: a batch of images, a weight
# matrix, the gradient of a loss. In this module you build `Tensor`, the one type that
# carries those numbers through tinytorch.
#
# **You build**: `Tensor` (shape, dtype, arithmetic with broadcasting, matrix multiply,
# reductions, reshaping, indexing, `exp`/`log`/`sqrt`) and the framework's random generator.
#
# **It enables**: activations (Module 02), layers (Module 03), losses (Module 04) and,
# because every operation remembers where its result came from, autograd (Module 05).
#
# ```
# Tensor --> Activations --> Layers --> Losses --> Autograd --> Optimizers --> Training
# (data)     (nonlinearity)  (weights)  (error)    (gradients)  (updates)      (the loop)
# ```
#
# **Where the code goes**: you work in `modules/01_tensor/tensor_dev.py`;
# `tito module export 01_tensor` copies the cells marked `#| export` into
# `tinytorch/core/tensor.py`, so that later modules can write
# `from tinytorch.core.tensor import Tensor`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.tensor
#| export
import importlib

import numpy as np

# %% [markdown]
# ## 1. Why wrap an array at all?
#
# NumPy already stores n-dimensional arrays and does fast arithmetic on them. A framework
# still wraps them, for three reasons:
#
# 1. **Policy.** The framework decides the default number type (float32, see below) and
#    rejects input that is not numeric or not rectangular, at the moment it arrives,
#    with a message that says what was wrong.
# 2. **Memory of the computation.** When `requires_grad=True`, every operation's result
#    records which tensors it came from and what it needs to compute gradients later.
#    Module 05 walks those records backwards. A bare `np.ndarray` cannot remember this.
# 3. **A stable API.** Layers, losses and optimizers talk to `Tensor`, not to NumPy, so the
#    storage underneath could change (a GPU array, say) without rewriting them.
#
# ```
#             Tensor
#   +-----------------------------+
#   | data: np.ndarray (float32)  |  the numbers
#   | requires_grad: bool         |  should gradients flow here?
#   | grad: Tensor or None        |  filled in by backward() (Module 05)
#   | _op, _inputs, _saved        |  how this tensor was made (None for inputs)
#   +-----------------------------+
# ```
#
# ## 2. Shapes, dtypes and memory
#
# A tensor's **shape** lists the length of each axis: a batch of 32 flattened 28x28 images
# is `(32, 784)`. Its **size** is the product of the shape (25,088 numbers), and its memory
# is size times the bytes per number.
#
# | dtype   | bytes | used for                                                      |
# |---------|-------|---------------------------------------------------------------|
# | float32 | 4     | the default: weights, activations, gradients                  |
# | float64 | 8     | numerical gradient checks, where rounding error must be tiny  |
# | int64   | 8     | class labels and indices                                      |
# | bool    | 1     | masks                                                         |
#
# Why float32 by default? It halves memory and doubles the numbers per cache line and per
# SIMD instruction compared with float64, and a network's weights do not need 16 digits.
# So Python numbers, lists and floating-point arrays become float32 unless you pass
# `dtype=`. Integer and boolean *arrays* keep their type, because there the integers
# mean something (a label is a class number, not a quantity).
#
# **Memory layout.** NumPy stores a `(2, 3)` array as one flat row-major buffer
# `[a00 a01 a02 a10 a11 a12]` plus *strides* saying how far to jump per axis. Reshaping a
# contiguous array and transposing only change the strides, so they cost no copy; that
# is why `reshape` and `transpose` below are cheap.
#
# ## 3. Broadcasting
#
# Adding a bias `(256,)` to activations `(32, 256)` works because NumPy *broadcasts*:
# shapes are aligned from the right, and an axis of length 1 (or a missing axis) is
# stretched to match.
#
# ```
#   activations (32, 256)
#   bias            (256,)  -> treated as (1, 256) -> stretched to (32, 256)
#   result      (32, 256)
#
#   (3, 1) + (1, 4) -> (3, 4)      (2, 3) + (4,) -> error: 3 != 4
# ```
#
# Broadcasting copies nothing, but it matters for gradients: the bias was used 32 times,
# so its gradient is the *sum* over those 32 rows. Module 05 undoes broadcasting with
# exactly that sum.

# %% [markdown]
# ## 4. One random generator for the whole framework
#
# Weight initialisation, dropout masks and data shuffling all draw random numbers. If each
# drew from its own source, reproducing a run would mean seeding all of them. Instead,
# tinytorch owns one `np.random.Generator`, and `manual_seed(n)` resets it: the same seed
# then gives the same weights, the same masks and the same batches.

# %% nbgrader={"grade": false, "grade_id": "random", "solution": false}
#| export
_generator = np.random.default_rng()


def manual_seed(seed):
    """Reset tinytorch's random generator so that runs are reproducible.

    Every random draw in the framework (initialisers, Dropout masks, shuffling) comes from
    the one generator returned by `default_generator()`, so this is the only seed to set.
    The generator object stays the same; only its state changes.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _generator.bit_generator.state = np.random.PCG64(int(seed)).state


def default_generator():
    """The framework's `np.random.Generator` (draw from it rather than `np.random`)."""
    return _generator


# %% [markdown]
# ## 5. Remembering how a result was made
#
# Module 05 computes gradients by walking from a loss back to the parameters. For that,
# every operation's result must remember three things: the operation's name, the input
# tensors, and anything else its gradient rule needs (an axis, a shape, an index).
# `Tensor.from_op` records them, but only when it is worth it: when gradient tracking is on
# and at least one input wants a gradient. Otherwise the result is a plain tensor and
# nothing is kept alive.
#
# Gradient tracking can be switched off as a whole (Module 05 builds `no_grad()` on the
# two functions below), for instance while evaluating a model, where no gradient is needed.

# %% nbgrader={"grade": false, "grade_id": "grad-mode", "solution": false}
#| export
_grad_enabled = True


def is_grad_enabled():
    """True when operations record what backward() needs."""
    return _grad_enabled


def set_grad_enabled(enabled):
    """Switch gradient recording on or off; returns the previous setting."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, bool(enabled)
    return previous


# %% [markdown]
# ## 6. The Tensor class
#
# The methods come in groups. For each, the docstring says what to build, and your code
# replaces the `# YOUR CODE HERE` stub below it.
#
# - **Construction**: turn the input into an array with the right dtype, or refuse it.
# - **Arithmetic** `+ - * / ** -x`: elementwise with broadcasting; reflected versions
#   (`2 * x` calls `x.__rmul__(2)`) so numbers can sit on either side.
# - **Matrix multiply** `@`: `(n, k) @ (k, m) -> (n, m)`, batched over leading axes.
# - **Reductions** `sum`, `mean`, `max` over an `axis`, with `keepdims`.
# - **Shape changes** `reshape`, `transpose`, indexing `x[...]`.
# - **Elementwise functions** `exp`, `log`, `sqrt`.
#
# Every operation hands its NumPy result to `Tensor.from_op(data, op_name, inputs, ...)`.
# When an operation gets bad input (shapes that do not broadcast, a matmul whose inner
# sizes differ) it raises at once, naming the operation and the shapes.
#
# ```
# matmul shapes:   (32, 784) @ (784, 256) -> (32, 256)
#                        ^^^   ^^^
#                        these two must be equal
# ```

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "solution": true}
#| export
def _as_array(data, dtype):
    """Convert constructor input into an ndarray, applying tinytorch's dtype policy."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Tensor data must be numbers, got the string {data!r}")
    try:
        array = np.asarray(data)
    except ValueError as error:  # NumPy refuses ragged nested lists
        raise ValueError(
            "Tensor data must be rectangular (every row the same length); "
            f"got ragged data {_preview(data)}"
        ) from error
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor data must be numbers (bool, integer or float), got dtype "
            f"{array.dtype} from {_preview(data)}"
        )
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype.kind == "f" or not isinstance(data, np.ndarray):
        # Floats, Python numbers and lists become float32; integer or bool arrays keep
        # their dtype because there the values are labels, indices or masks.
        return array.astype(np.float32, copy=False)
    return array


def _preview(data, limit=60):
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_axis(op, axis, ndim):
    """Raise a clear error for an axis outside the tensor's dimensions."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {axis!r} is out of range for a tensor with {ndim} dimensions")


class Tensor:
    """An n-dimensional array of numbers that can remember how it was computed.

    Args:
        data: a number, a (nested) list of numbers, an np.ndarray or another Tensor.
        requires_grad: when True, results computed from this tensor record their history
            so that backward() (Module 05) can fill in `.grad`.
        dtype: force a NumPy dtype; by default numbers and floats become float32 and
            integer/bool arrays keep their type.

    Example:
        >>> x = Tensor([[1, 2, 3], [4, 5, 6]])
        >>> x.shape, x.dtype
        ((2, 3), dtype('float32'))
        >>> (x * 2 + 1).sum(axis=1)
        Tensor([15. 33.], shape=(2,), dtype=float32)
    """

    __slots__ = ("data", "requires_grad", "grad", "_op", "_inputs", "_saved", "__weakref__")

    # NumPy should not try to loop over a Tensor elementwise in `array * tensor`; returning
    # NotImplemented makes Python call Tensor.__rmul__ instead.
    __array_ufunc__ = None

    # Tensor defines no __eq__ on purpose: `==` stays identity, so a tensor can be a dict key
    # or set member by identity (Module 05 keys its gradients by tensor).

    def __init__(self, data, requires_grad=False, dtype=None):
        """Store `data` as an ndarray and set up gradient bookkeeping.

        TODO: convert `data` with `_as_array`, refuse requires_grad on non-float data,
        and initialise the gradient fields.

        APPROACH:
        1. Convert `data` with _as_array (passing `dtype` on) and keep the result as self.data.
        2. If requires_grad and the dtype is not floating point, raise TypeError
           (a gradient of an integer label is meaningless).
        3. self.requires_grad, self.grad = None, and the history fields _op = None,
           _inputs = (), _saved = None (a tensor made by the user has no history).

        EXAMPLE:
        >>> Tensor([1, 2, 3]).dtype
        dtype('float32')
        >>> Tensor(np.array([0, 2, 1])).dtype   # labels stay integers
        dtype('int64')
        """
        ### BEGIN SOLUTION
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._op = None
        self._inputs = ()
        self._saved = None
        ### END SOLUTION

    @staticmethod
    def from_op(data, op, inputs, **saved):
        """Wrap an operation's NumPy result, recording its history when gradients need it.

        `op` names the operation (Module 05 looks up its gradient rule by this name),
        `inputs` are the Tensors it consumed and `saved` holds anything else the rule needs.
        """
        out = Tensor.__new__(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad = None
        out.requires_grad = False
        out._op, out._inputs, out._saved = None, (), None
        if _grad_enabled:
            for tensor in inputs:  # a plain loop: this runs for every operation, so it is kept lean
                if tensor.requires_grad:
                    out.requires_grad = True
                    out._op, out._inputs, out._saved = op, inputs, saved
                    break
        return out

    def _operand(self, value):
        """Turn the other side of an operation into a Tensor (numbers take our float dtype)."""
        if isinstance(value, Tensor):
            return value
        return Tensor(value, dtype=self.data.dtype if self.data.dtype.kind == "f" else None)

    # -- properties ------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def size(self):
        return self.data.size

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=" ", threshold=20, edgeitems=3)
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, got shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    # -- elementwise arithmetic --------------------------------------------------------
    def _binary(self, other, op, compute):
        if type(other) is not Tensor:
            other = self._operand(other)
        try:
            data = compute(self.data, other.data)
        except ValueError:
            raise ValueError(
                f"{op}: shapes {self.shape} and {other.shape} cannot be broadcast together"
            ) from None
        return Tensor.from_op(data, op, (self, other))

    def __add__(self, other):
        """Elementwise sum with broadcasting: `x + y`."""
        ### BEGIN SOLUTION
        return self._binary(other, "add", np.add)
        ### END SOLUTION

    def __sub__(self, other):
        """Elementwise difference with broadcasting: `x - y`."""
        ### BEGIN SOLUTION
        return self._binary(other, "sub", np.subtract)
        ### END SOLUTION

    def __mul__(self, other):
        """Elementwise product with broadcasting: `x * y`."""
        ### BEGIN SOLUTION
        return self._binary(other, "mul", np.multiply)
        ### END SOLUTION

    def __truediv__(self, other):
        """Elementwise quotient with broadcasting: `x / y`."""
        ### BEGIN SOLUTION
        return self._binary(other, "div", np.true_divide)
        ### END SOLUTION

    def __pow__(self, exponent):
        """Elementwise power: `x ** 2`, `x ** y`."""
        ### BEGIN SOLUTION
        return self._binary(exponent, "pow", np.power)
        ### END SOLUTION

    def __neg__(self):
        """Elementwise negation: `-x`."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.negative(self.data), "neg", (self,))
        ### END SOLUTION

    # Reflected forms: Python calls these for `2 + x`, `1 - x`, `2 * x`, `1 / x`, `2 ** x`.
    def __radd__(self, other):
        return self._operand(other) + self

    def __rsub__(self, other):
        return self._operand(other) - self

    def __rmul__(self, other):
        return self._operand(other) * self

    def __rtruediv__(self, other):
        return self._operand(other) / self

    def __rpow__(self, other):
        return self._operand(other) ** self

    # -- matrix multiplication ---------------------------------------------------------
    def matmul(self, other):
        """Matrix product `self @ other`.

        TODO: check the shapes, then multiply with np.matmul.

        APPROACH:
        1. Both operands need at least one dimension.
        2. The last axis of `self` must equal the second-to-last axis of `other`
           (its only axis when `other` is 1-D); otherwise raise ValueError naming both shapes.
        3. Leading (batch) axes broadcast, as in NumPy.

        EXAMPLE:
        >>> Tensor(np.ones((32, 784))).matmul(Tensor(np.ones((784, 256)))).shape
        (32, 256)
        """
        ### BEGIN SOLUTION
        other = self._operand(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ValueError(
                f"matmul: both operands need at least 1 dimension, got shapes {self.shape} and {other.shape}"
            )
        inner_right = other.shape[-2] if other.ndim > 1 else other.shape[0]
        if self.shape[-1] != inner_right:
            raise ValueError(
                f"matmul: shapes {self.shape} and {other.shape} are not aligned: "
                f"{self.shape[-1]} (last axis of the left) != {inner_right} "
                f"({'second-to-last' if other.ndim > 1 else 'only'} axis of the right)"
            )
        try:
            data = np.matmul(self.data, other.data)
        except ValueError:
            raise ValueError(
                f"matmul: batch axes of shapes {self.shape} and {other.shape} cannot be broadcast together"
            ) from None
        return Tensor.from_op(data, "matmul", (self, other))
        ### END SOLUTION

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return self._operand(other).matmul(self)

    # -- reductions --------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (an int, a tuple of ints, or None for every axis)."""
        ### BEGIN SOLUTION
        if axis is not None:
            _check_axis("sum", axis, self.ndim)
        data = np.sum(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        """Arithmetic mean over `axis`."""
        ### BEGIN SOLUTION
        if axis is not None:
            _check_axis("mean", axis, self.ndim)
        if self.size == 0:
            raise ValueError(f"mean: cannot average an empty tensor of shape {self.shape}")
        data = np.mean(self.data, axis=axis, keepdims=keepdims, dtype=self.dtype if self.dtype.kind == "f" else None)
        return Tensor.from_op(data, "mean", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def max(self, axis=None, keepdims=False):
        """Largest element over `axis`."""
        ### BEGIN SOLUTION
        if axis is not None:
            _check_axis("max", axis, self.ndim)
        if self.size == 0:
            raise ValueError(f"max: an empty tensor of shape {self.shape} has no maximum")
        data = np.max(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "max", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    # -- shape changes -----------------------------------------------------------------
    def reshape(self, *shape):
        """Same numbers, new shape: `x.reshape(2, 3)` or `x.reshape((2, 3))`; -1 is inferred."""
        ### BEGIN SOLUTION
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(
                f"reshape: cannot view a tensor of shape {self.shape} ({self.size} elements) as shape {shape}"
            ) from None
        return Tensor.from_op(data, "reshape", (self,))
        ### END SOLUTION

    def transpose(self, *axes):
        """Permute axes; with no arguments, reverse them (a matrix's transpose)."""
        ### BEGIN SOLUTION
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        axes = axes or None
        if axes is not None and sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of shape {self.shape}")
        return Tensor.from_op(np.transpose(self.data, axes), "transpose", (self,), axes=axes)
        ### END SOLUTION

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return self.transpose()

    def __getitem__(self, index):
        """Indexing and slicing as in NumPy: `x[0]`, `x[:, 1:3]`, `x[labels]`."""
        ### BEGIN SOLUTION
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            data = self.data[index]
        except IndexError as error:
            raise IndexError(f"index: {error} (tensor shape {self.shape})") from None
        return Tensor.from_op(np.asarray(data), "getitem", (self,), index=index)
        ### END SOLUTION

    # -- elementwise functions ---------------------------------------------------------
    def exp(self):
        """e ** x, elementwise."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.exp(self.data), "exp", (self,))
        ### END SOLUTION

    def log(self):
        """Natural logarithm, elementwise (log 0 = -inf, as in NumPy)."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.log(self.data), "log", (self,))
        ### END SOLUTION

    def sqrt(self):
        """Square root, elementwise."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.sqrt(self.data), "sqrt", (self,))
        ### END SOLUTION

    # -- gradients (Module 05) ---------------------------------------------------------
    def detach(self):
        """The same numbers (shared, not copied) without history: gradients stop here."""
        return Tensor.from_op(self.data, "detach", ())

    def backward(self, gradient=None, retain_graph=False):
        """Compute gradients of this tensor with respect to every tensor it came from.

        `gradient` is d(something)/d(self); it may be omitted only when self holds a single
        number (the usual case: a loss). Gradients accumulate into the `.grad` of every
        tensor created with requires_grad=True. The graph's saved values are released
        afterwards unless retain_graph=True.

        The algorithm lives in Module 05 (`tinytorch.core.autograd`); it is imported here,
        when first needed, so that this module works on its own before autograd exists.
        """
        try:
            autograd = importlib.import_module("tinytorch.core.autograd")
        except ModuleNotFoundError as error:
            if error.name != "tinytorch.core.autograd":
                raise
            raise RuntimeError(
                "backward() needs autograd, which you build in Module 05 "
                "(modules/05_autograd); export it with `tito module export 05_autograd`"
            ) from None
        autograd.backward(self, gradient, retain_graph=retain_graph)


# %% [markdown]
# ### Unit test: construction and dtypes
#
# **Tests**: shapes, the float32 default, integer labels kept, and clear errors for input
# that is not a rectangular block of numbers.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-creation", "locked": true, "points": 10}
def test_unit_tensor_creation():
    print("Unit test: Tensor creation...")
    x = Tensor([[1, 2, 3], [4, 5, 6]])
    assert x.shape == (2, 3) and x.size == 6 and x.ndim == 2
    assert x.dtype == np.float32, "numbers and lists default to float32"
    assert Tensor(np.random.randn(3)).dtype == np.float32, "float64 arrays become float32"
    assert Tensor(np.arange(3)).dtype.kind == "i", "integer arrays (labels) keep their dtype"
    assert Tensor([1.0], dtype=np.float64).dtype == np.float64
    assert Tensor(3.5).shape == ()
    assert x.requires_grad is False and x.grad is None
    assert Tensor([1.0], requires_grad=True).requires_grad is True
    for bad, error in (("abc", TypeError), ([[1, 2], [3]], ValueError), ([1, "a"], TypeError)):
        try:
            Tensor(bad)
        except error:
            pass
        else:
            raise AssertionError(f"Tensor({bad!r}) should raise {error.__name__}")
    print("Tensor creation works.")


if __name__ == "__main__":
    test_unit_tensor_creation()

# %% [markdown]
# ### Unit test: arithmetic and broadcasting

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arithmetic", "locked": true, "points": 10}
def test_unit_arithmetic():
    print("Unit test: arithmetic and broadcasting...")
    a = Tensor([[1, 2, 3], [4, 5, 6]])
    b = Tensor([10, 20, 30])
    assert np.array_equal((a + b).data, [[11, 22, 33], [14, 25, 36]])
    assert np.array_equal((a - 1).data, [[0, 1, 2], [3, 4, 5]])
    assert np.array_equal((2 * a).data, [[2, 4, 6], [8, 10, 12]])
    assert np.allclose((a / 2).data, [[0.5, 1, 1.5], [2, 2.5, 3]])
    assert np.array_equal((a ** 2).data, [[1, 4, 9], [16, 25, 36]])
    assert np.array_equal((-a).data, -a.data)
    assert np.allclose((1 / Tensor([2.0, 4.0])).data, [0.5, 0.25])
    assert (a + 1.5).dtype == np.float32, "a Python number must not promote float32 to float64"
    try:
        a + Tensor([1, 2])
    except ValueError as error:
        assert "(2, 3)" in str(error) and "(2,)" in str(error)
    else:
        raise AssertionError("shapes (2, 3) and (2,) must not broadcast")
    print("Arithmetic works.")


if __name__ == "__main__":
    test_unit_arithmetic()

# %% [markdown]
# ### Unit test: matrix multiplication

# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 10}
def test_unit_matmul():
    print("Unit test: matmul...")
    a = Tensor([[1, 2], [3, 4]])
    b = Tensor([[5, 6], [7, 8]])
    assert np.array_equal((a @ b).data, [[19, 22], [43, 50]])
    assert a.matmul(b).shape == (2, 2)
    batched = Tensor(np.ones((5, 2, 3))) @ Tensor(np.ones((3, 4)))
    assert batched.shape == (5, 2, 4)
    try:
        Tensor(np.ones((32, 100))) @ Tensor(np.ones((784, 256)))
    except ValueError as error:
        assert "(32, 100)" in str(error) and "(784, 256)" in str(error), str(error)
    else:
        raise AssertionError("a matmul with mismatched inner sizes must raise")
    print("Matmul works.")


if __name__ == "__main__":
    test_unit_matmul()

# %% [markdown]
# ### Unit test: reductions, shapes, indexing and elementwise functions

# %% nbgrader={"grade": true, "grade_id": "test-tensor-ops", "locked": true, "points": 10}
def test_unit_reductions_and_shapes():
    print("Unit test: reductions, reshape, transpose, indexing...")
    x = Tensor([[1, 2, 3], [4, 5, 6]])
    assert x.sum().item() == 21
    assert np.array_equal(x.sum(axis=0).data, [5, 7, 9])
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)
    assert np.allclose(x.mean(axis=1).data, [2, 5])
    assert np.array_equal(x.max(axis=0).data, [4, 5, 6])
    assert x.reshape(3, 2).shape == (3, 2) and x.reshape(-1).shape == (6,)
    assert np.array_equal(x.T.data, [[1, 4], [2, 5], [3, 6]])
    assert np.array_equal(x[1].data, [4, 5, 6])
    assert np.array_equal(x[:, 1:].data, [[2, 3], [5, 6]])
    assert np.array_equal(x[np.array([1, 0]), np.array([2, 0])].data, [6, 1])
    assert np.allclose(Tensor([0.0, 1.0]).exp().data, [1, np.e])
    assert np.allclose(Tensor([1.0, np.e]).log().data, [0, 1])
    assert np.allclose(Tensor([4.0, 9.0]).sqrt().data, [2, 3])
    try:
        x.reshape(4, 2)
    except ValueError as error:
        assert "(2, 3)" in str(error)
    else:
        raise AssertionError("reshaping 6 elements to (4, 2) must raise")
    print("Reductions and shapes work.")


if __name__ == "__main__":
    test_unit_reductions_and_shapes()

# %% [markdown]
# ## 7. Systems view: what does a tensor cost?
#
# The memory of a tensor is `size * itemsize`. The function below prints it for the shapes
# the next modules use, in float32 and float64, so you can see what the float32 default
# saves.

# %% nbgrader={"grade": false, "grade_id": "analyze-tensor-memory", "solution": false}
def analyze_tensor_memory():
    print("Tensor memory (measured with ndarray.nbytes):")
    print(f"{'shape':>14} | {'elements':>10} | {'float32':>10} | {'float64':>10}")
    for shape in [(32, 784), (784, 256), (256, 128), (128, 10), (60000, 784)]:
        small = Tensor(np.zeros(shape))
        large = Tensor(np.zeros(shape), dtype=np.float64)
        print(
            f"{str(shape):>14} | {small.size:>10,} | {small.data.nbytes / 1024:>7.1f} KB"
            f" | {large.data.nbytes / 1024:>7.1f} KB"
        )


if __name__ == "__main__":
    analyze_tensor_memory()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "tensor-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Tensor")
    test_unit_tensor_creation()
    test_unit_arithmetic()
    test_unit_matmul()
    test_unit_reductions_and_shapes()
    # A forward pass of a tiny linear model, the way Module 03 will use tensors.
    manual_seed(0)
    x = Tensor(default_generator().standard_normal((4, 3)))
    w = Tensor(default_generator().standard_normal((3, 2)), requires_grad=True)
    y = (x @ w + Tensor([0.5, -0.5])).sum(axis=1)
    assert y.shape == (4,) and y.requires_grad, "results of a tensor that requires grad record history"
    # The same seed replays the same random numbers.
    manual_seed(123)
    first = default_generator().standard_normal(5)
    manual_seed(123)
    assert np.array_equal(first, default_generator().standard_normal(5)), "manual_seed must make draws repeatable"
    print("All Tensor tests passed. Next: tito module complete 01_tensor")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# You built the type every later module passes around: a wrapped NumPy array with a
# float32 policy, broadcasting arithmetic, matrix products, reductions, shape changes and
# indexing, each refusing bad input with a message that names the operation and the shapes.
# Each result also records how it was made; Module 05 turns those records into gradients.
#
# Next, Module 02 adds activation functions: the nonlinearities that let stacked layers
# learn more than a single matrix could.
