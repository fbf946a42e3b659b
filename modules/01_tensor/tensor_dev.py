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
# **You build**: `Tensor` (shape, dtype and PyTorch's type promotion, arithmetic with
# broadcasting, elementwise comparisons, matrix multiply, reductions, shape changes and views,
# indexing, elementwise functions) and the framework's random generator.
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
#
# **PyTorch, mirrored.** tinytorch's `Tensor` behaves like `torch.Tensor` wherever it borrows a
# PyTorch name: `transpose(0, 1)` swaps two axes, `a == b` compares element by element,
# `x.max(dim=1)` returns values and indices, `int64 + 1` stays an integer. The few places
# where tinytorch differs on purpose are listed at the end of this module and in the README.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.tensor
#| export
import collections
import importlib
import numbers

import numpy as np

# %% [markdown]
# ## 1. Why wrap an array at all?
#
# NumPy already stores n-dimensional arrays and does fast arithmetic on them. A framework
# still wraps them, for three reasons:
#
# 1. **Policy.** The framework decides the default number type (float32, see below), how
#    types combine, and rejects input that is not numeric or not rectangular, at the moment
#    it arrives, with a message that says what was wrong.
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
# is `(32, 784)`. Its number of elements, `numel()`, is the product of the shape (25,088
# numbers), and its memory is that times the bytes per number.
#
# | dtype   | bytes | used for                                                      |
# |---------|-------|---------------------------------------------------------------|
# | float32 | 4     | the default: weights, activations, gradients                  |
# | float64 | 8     | numerical gradient checks, where rounding error must be tiny  |
# | int64   | 8     | class labels and indices                                      |
# | bool    | 1     | masks, and the result of every comparison                     |
#
# Why float32 by default? It halves memory and doubles the numbers per cache line and per
# SIMD instruction compared with float64, and a network's weights do not need 16 digits.
# So Python numbers, lists of numbers and floating-point arrays become float32 unless you
# pass `dtype=`. Integer and boolean *arrays* keep their type, because there the integers
# mean something (a label is a class number, not a quantity), and lists of `True`/`False`
# become bool masks.
#
# **Copy or share?** `Tensor(data)` always copies, as `torch.tensor` does: a tensor built from
# your array is independent of it, so an optimizer updating the tensor never changes your
# data. `from_numpy(array)` shares the array instead, as `torch.from_numpy` does, and keeps its
# dtype exactly: a change to one shows in the other, and no memory is spent. The data loader
# uses it to hand out batches without copying them twice.
#
# **Memory layout.** NumPy stores a `(2, 3)` array as one flat row-major buffer
# `[a00 a01 a02 a10 a11 a12]` plus *strides* saying how far to jump per axis. Reshaping a
# contiguous array and permuting its axes only change the strides, so they cost no copy;
# that is why `view`, `permute` and `transpose` below are cheap. A permuted tensor is no
# longer contiguous, so viewing it with a new shape would need a copy: `view` refuses (as in
# PyTorch), `reshape` copies when it must.
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
#
# ## 4. Type promotion: what dtype does `a + b` have?
#
# NumPy and PyTorch answer differently, and tinytorch follows PyTorch. Each operand falls in
# a *category* (bool < integer < floating point) and has a *priority*: a tensor with at least
# one dimension beats a 0-d tensor, which beats a plain Python number. The result takes the
# dtype of the highest-priority operands, unless an operand of lower priority belongs to a
# higher category; then its category wins (a Python number bringing its default dtype:
# int64 for integers, float32 for floats).
#
# | expression                              | result  | why                                       |
# |-----------------------------------------|---------|-------------------------------------------|
# | float32 tensor `+ 2.5`                  | float32 | same category: the tensor decides         |
# | int64 tensor `+ 1`                      | int64   | same category: the tensor decides         |
# | int64 tensor `+ 1.5`                    | float32 | the number's category is higher           |
# | int64 tensor `+` float32 tensor         | float32 | the higher category wins                  |
# | float32 tensor `+` float64 tensor       | float64 | same priority and category: the wider one |
# | float32 tensor `+` 0-d float64 tensor   | float32 | 0-d tensors are like numbers              |
# | int tensor `/` int tensor               | float32 | true division always gives floats         |
#
# NumPy would make `int64 + 1.5` float64 and `float32 + float64-scalar` float64: twice the
# memory for no gain in a network. The rule lives in one small function, `_result_dtype`.

# %% [markdown]
# ## 5. One random generator for the whole framework
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
# ## 6. Remembering how a result was made
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
# ## 7. The rules every operation shares
#
# Before the class itself, a few small functions that every operation leans on. They are
# given, not exercises: they hold the framework's *policy*, and you should read them, because
# your methods call them.
#
# - `_as_array(data, dtype)`: turns constructor input into a fresh array under the dtype
#   policy of section 2, or refuses it with a message that says why.
# - `_result_dtype(a, b)`: the promotion rule of section 4.
# - `_resolve_dims(...)`: reductions accept PyTorch's `dim=`/`keepdim=` and NumPy's
#   `axis=`/`keepdims=` spellings, check the axes and turn negative ones into positive ones.
# - `_dim(...)`: one axis, checked and made non-negative.

# %% nbgrader={"grade": false, "grade_id": "tensor-policy", "solution": false}
#| export
_DEFAULT_FLOAT = np.dtype(np.float32)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating point
_SCALAR_DTYPE = {0: np.dtype(np.bool_), 1: np.dtype(np.int64), 2: _DEFAULT_FLOAT}


def _numeric_dtype(owner, dtype):
    """`dtype` as a np.dtype, refusing anything that is not bool, integer or floating point."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: {dtype!r} is not a dtype") from None
    if dtype.kind not in _CATEGORY:
        raise TypeError(f"{owner}: dtype {dtype} is not supported; tensors hold bool, integer or floating-point numbers")
    return dtype


def _as_array(data, dtype):
    """A new ndarray holding `data`, with tinytorch's dtype policy applied."""
    source = data.data if isinstance(data, Tensor) else data
    if isinstance(source, (str, bytes)):
        raise TypeError(f"Tensor data must be numbers, got the string {source!r}")
    try:
        array = np.asarray(source)
    except ValueError as error:  # NumPy refuses ragged nested lists
        raise ValueError(
            "Tensor data must be rectangular (every row the same length); "
            f"got ragged data {_preview(source)}"
        ) from error
    if array.dtype.kind not in _CATEGORY:
        raise TypeError(
            f"Tensor data must be numbers (bool, integer or float), got dtype "
            f"{array.dtype} from {_preview(source)}"
        )
    if dtype is not None:
        dtype = _numeric_dtype("Tensor", dtype)
    elif array.dtype.kind == "f" or (array.dtype.kind != "b" and not isinstance(source, (np.ndarray, np.generic, Tensor))):
        # Floats, and Python numbers and lists of numbers, become float32; integer or bool
        # arrays (and lists of True/False) keep their dtype: labels, indices, masks.
        dtype = _DEFAULT_FLOAT
    else:
        dtype = array.dtype
    # Copy whatever the caller may still hold (their array, another tensor's data); an array
    # NumPy has just built from a list is ours already.
    shared = array is source or isinstance(data, Tensor)
    return np.array(array, dtype=dtype, copy=True) if shared else array.astype(dtype, copy=False)


def _preview(data, limit=60):
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(value):
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, (complex, np.complexfloating))


def _operand_rank(value):
    """(priority, dtype) of an operand: tensors with dimensions > 0-d tensors > Python numbers."""
    if isinstance(value, Tensor):
        return (2 if value.data.ndim else 1), value.data.dtype
    kind = np.asarray(value).dtype.kind
    return 0, _SCALAR_DTYPE[_CATEGORY[kind]]


def _result_dtype(a, b):
    """The dtype of an elementwise operation on `a` and `b`, by PyTorch's promotion rules."""
    (priority_a, dtype_a), (priority_b, dtype_b) = _operand_rank(a), _operand_rank(b)
    category_a, category_b = _CATEGORY[dtype_a.kind], _CATEGORY[dtype_b.kind]
    if priority_a == priority_b:
        if category_a == category_b:
            return np.promote_types(dtype_a, dtype_b)
        return dtype_a if category_a > category_b else dtype_b
    if priority_a > priority_b:
        high, high_category, low, low_category = dtype_a, category_a, dtype_b, category_b
    else:
        high, high_category, low, low_category = dtype_b, category_b, dtype_a, category_a
    return low if low_category > high_category else high


def _dim(op, dim, ndim, extra=0):
    """One axis as a non-negative int; `extra=1` allows the position just past the end (unsqueeze)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: a dimension must be an integer, got {dim!r}")
    size = ndim + extra
    if not -max(size, 1) <= dim < max(size, 1):
        raise ValueError(
            f"{op}: dimension {dim} is out of range for a tensor with {ndim} dimensions "
            f"(expected {-max(size, 1)} to {max(size, 1) - 1})"
        )
    return int(dim) % max(size, 1)


def _resolve_dims(op, ndim, dim, keepdim, axis, keepdims):
    """Reconcile dim/axis and keepdim/keepdims; return (axes or None, keep) with axes non-negative."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim= or axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return None, bool(keepdim)
    if isinstance(dim, (tuple, list)):
        axes = tuple(_dim(op, d, ndim) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dimension {tuple(dim)} names an axis twice")
        return axes, bool(keepdim)
    return _dim(op, dim, ndim), bool(keepdim)


def _shape_argument(op, shape):
    """Accept f(2, 3), f((2, 3)) and f([2, 3]); return a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be integers, got {shape!r}")
    return tuple(int(size) for size in shape)


ValuesIndices = collections.namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What max(dim)/min(dim) return, as torch.return_types.max: (values, indices)."


# %% [markdown]
# ## 8. The Tensor class
#
# The methods come in groups. For each, the docstring says what to build, and your code
# replaces the `# YOUR CODE HERE` stub below it.
#
# - **Construction**: copy the input into an array with the right dtype, or refuse it.
# - **Arithmetic** `+ - * / ** -x`: elementwise with broadcasting and the promotion rule of
#   section 4; reflected versions (`2 * x` calls `x.__rmul__(2)`) so numbers can sit on
#   either side.
# - **Comparisons** `== != < <= > >=`: elementwise, giving bool tensors (masks).
# - **Matrix multiply** `@`: `(n, k) @ (k, m) -> (n, m)`, batched over leading axes.
# - **Reductions** `sum`, `mean`, `max`, `min`, `amax`, `amin`, `argmax`, `argmin`,
#   `logsumexp` over `dim`, with `keepdim`.
# - **Shape changes** `reshape`, `view`, `flatten`, `squeeze`, `unsqueeze`, `permute`,
#   `transpose`, `expand`, and indexing `x[...]`.
# - **Elementwise functions** `exp`, `log`, `sqrt`, `abs`, `clamp`.
#
# Every operation hands its NumPy result to `Tensor.from_op(data, op_name, inputs, ...)`.
# When an operation gets bad input (shapes that do not broadcast, a matmul whose inner
# sizes differ, an axis that does not exist) it raises at once, naming the operation and
# the shapes.
#
# ```
# matmul shapes:   (32, 784) @ (784, 256) -> (32, 256)
#                        ^^^   ^^^
#                        these two must be equal
# ```
#
# **Comparisons and hashing.** `a == b` compares element by element and returns a bool
# tensor, so `x[x > 0]` picks the positive entries. A class that redefines `==` this way can
# no longer hash by value, so `Tensor` hashes by *identity*, as PyTorch does: a tensor can
# still be a dict key (Module 05 keys gradients by tensor), and two equal tensors are still
# two keys. `if a == b:` on tensors with several elements is ambiguous and raises; ask
# `(a == b).all()` instead.
#
# **Views.** `permute(2, 0, 1)` reorders all axes, `transpose(0, 1)` swaps two of them (a
# special case of `permute`), `.T` reverses them all, `.mT` swaps the last two. `view`,
# `squeeze`, `unsqueeze`, `flatten` and `expand` change only the shape. None of these copies:
# the result looks at the same memory, and Module 05 undoes each one for the gradient.
#
# **In place.** `x += 1` changes `x` itself. That is fine for plain data, but a tensor that
# requires grad is a *leaf* that the graph refers to; changing it behind the graph's back would
# make every later gradient wrong. So, as in PyTorch, in-place changes to such a tensor raise
# while gradients are recorded; optimizers make their updates inside `no_grad()`.

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "solution": true}
#| export
class Tensor:
    """An n-dimensional array of numbers that can remember how it was computed.

    Args:
        data: a number, a (nested) list of numbers, an np.ndarray or another Tensor. It is
            copied, as `torch.tensor` copies; `from_numpy` shares an array instead.
        requires_grad: when True, results computed from this tensor record their history
            so that backward() (Module 05) can fill in `.grad`.
        dtype: force a NumPy dtype; by default numbers and floats become float32,
            integer/bool arrays keep their type and lists of True/False become bool.

    Example:
        >>> x = Tensor([[1, 2, 3], [4, 5, 6]])
        >>> x.shape, x.dtype
        ((2, 3), dtype('float32'))
        >>> (x * 2 + 1).sum(dim=1)
        Tensor([15. 33.], shape=(2,), dtype=float32)
    """

    __slots__ = ("data", "_requires_grad", "_grad", "_op", "_inputs", "_saved", "__weakref__")

    # NumPy should not try to loop over a Tensor elementwise in `array * tensor`; returning
    # NotImplemented makes Python call Tensor.__rmul__ instead.
    __array_ufunc__ = None

    # `==` is elementwise (below), so hashing by value is impossible: hash by identity, as
    # PyTorch does. Dicts and sets of tensors then work by identity (Module 05 relies on it).
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad=False, dtype=None):
        """Copy `data` into an ndarray and set up gradient bookkeeping.

        TODO: convert `data` with the policy helper of section 7, check the flag, refuse
        requires_grad on non-float data, and initialise the gradient fields.

        APPROACH:
        1. Convert with `_as_array` (it copies and applies the dtype policy).
        2. `requires_grad` must be a real bool (True/False), not "yes" or 1: raise TypeError.
        3. If requires_grad and the dtype is not floating point, raise TypeError
           (a gradient of an integer label is meaningless).
        4. Store the flag in `self._requires_grad`, `self._grad = None`, and the history
           fields `_op = None`, `_inputs = ()`, `_saved = None` (a tensor made by the user has
           no history).

        EXAMPLE:
        >>> Tensor([1, 2, 3]).dtype
        dtype('float32')
        >>> Tensor(np.array([0, 2, 1])).dtype   # labels stay integers
        dtype('int64')
        """
        ### BEGIN SOLUTION
        self.data = _as_array(data, dtype)
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"Tensor: requires_grad must be True or False, got {requires_grad!r}")
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self._requires_grad = bool(requires_grad)
        self._grad = None
        self._op = None
        self._inputs = ()
        self._saved = None
        ### END SOLUTION

    @staticmethod
    def from_op(data, op, inputs, **saved):
        """Wrap an operation's NumPy result, recording its history when gradients need it.

        `op` names the operation (Module 05 looks up its gradient rule by this name),
        `inputs` are the Tensors it consumed and `saved` holds anything else the rule needs.
        The array is wrapped, not copied.
        """
        out = Tensor.__new__(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out._grad = None
        out._requires_grad = False
        out._op, out._inputs, out._saved = None, (), None
        if _grad_enabled:
            for tensor in inputs:  # a plain loop: this runs for every operation, so it is kept lean
                if tensor._requires_grad:
                    out._requires_grad = True
                    out._op, out._inputs, out._saved = op, inputs, saved
                    break
        return out

    def _operand(self, op, value):
        """The other side of an operation as a Tensor; a Python number becomes a 0-d tensor
        of the dtype the promotion rule gives it."""
        if isinstance(value, Tensor):
            return value
        if _is_number(value):
            number = np.asarray(value)
            if number.dtype.kind not in _CATEGORY:
                raise TypeError(f"{op}: {value!r} does not fit in any dtype a tensor can hold")
            # astype, not asarray(dtype=...): like PyTorch, -2 on a uint8 tensor wraps around.
            return Tensor.from_op(number.astype(_result_dtype(self, value)), None, ())
        try:
            return Tensor(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{op}: cannot combine a Tensor with {_preview(value)} ({error})") from None

    # -- properties ------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def size(self, dim=None):
        """The shape, as `torch.Tensor.size()`; `size(d)` is the length of axis d."""
        if dim is None:
            return self.data.shape
        return self.data.shape[_dim("size", dim, self.data.ndim)]

    def numel(self):
        """The number of elements (the product of the shape)."""
        return self.data.size

    def dim(self):
        """The number of axes (same as .ndim)."""
        return self.data.ndim

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be True or False, got {value!r}")
        if self._op is not None and not value:
            raise RuntimeError(
                "requires_grad can be changed only on leaf tensors (ones not computed by an operation); "
                "use detach() for a copy of the values outside the graph"
            )
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, this one is {self.data.dtype}")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self (as in PyTorch)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors made by the user, not computed by a recorded operation."""
        return self._op is None

    @property
    def grad(self):
        """d(output)/d(self) after backward(): a Tensor of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"a gradient must be a Tensor or None, got {type(value).__name__}")
            if value.data.shape != self.data.shape:
                raise ValueError(
                    f"a gradient of shape {value.data.shape} cannot belong to a tensor of shape {self.data.shape}"
                )
            if value.data.dtype != self.data.dtype:
                raise TypeError(
                    f"a gradient of dtype {value.data.dtype} cannot belong to a tensor of dtype {self.data.dtype}"
                )
        self._grad = value

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=" ", threshold=20, edgeitems=3)
        grad = ", requires_grad=True" if self._requires_grad else ""
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"

    # -- leaving the tensor world ---------------------------------------------------------
    def _one_element(self, what):
        if self.data.size != 1:
            raise ValueError(
                f"{what} needs a tensor with exactly one element, got shape {self.shape} "
                f"({self.data.size} elements)"
            )
        return self.data.reshape(()).item()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self._one_element("item()")

    def __bool__(self):
        return bool(self._one_element("bool() of a tensor (use .any() or .all() for several elements)"))

    def __float__(self):
        return float(self._one_element("float()"))

    def __int__(self):
        return int(self._one_element("int()"))

    def __index__(self):
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"only integer tensors can be used as an index, this one is {self.dtype}")
        return int(self._one_element("an index"))

    def numpy(self):
        """The underlying array, shared, not copied. Like PyTorch, refuses a tensor that
        requires grad: call detach() first, to say you leave the graph."""
        if self._requires_grad:
            raise RuntimeError("numpy() on a tensor that requires grad: call .detach().numpy() instead")
        return self.data

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def tolist(self):
        """The values as (nested) Python lists."""
        return self.data.tolist()

    # -- elementwise arithmetic --------------------------------------------------------
    def _binary(self, other, op, compute):
        """Apply `compute` to both arrays after type promotion, and record `op`."""
        if type(other) is not Tensor:
            other = self._operand(op, other)
        a, b = self.data, other.data
        if a.dtype is not b.dtype and a.dtype != b.dtype:
            dtype = _result_dtype(self, other)
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        try:
            data = compute(a, b)
        except ValueError as error:
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                raise ValueError(f"{op}: shapes {self.shape} and {other.shape} cannot be broadcast together") from None
            raise ValueError(f"{op}: {error}") from None  # a value NumPy refuses, e.g. 2 ** -1 in integers
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
        """Elementwise quotient with broadcasting: `x / y`. Integers divide to float32."""
        ### BEGIN SOLUTION
        other_is_float = other.data.dtype.kind == "f" if isinstance(other, Tensor) else isinstance(other, (float, np.floating))
        if self.data.dtype.kind != "f" and not other_is_float:
            # Integers divide in float32: convert the tensors (a number converts with them).
            other = other.float() if isinstance(other, Tensor) else other
            return self.float()._binary(other, "div", np.true_divide)
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
        if self.data.dtype.kind == "b":
            raise TypeError("neg: negating a bool tensor is not defined; use ~x (logical not)")
        return Tensor.from_op(np.negative(self.data), "neg", (self,))
        ### END SOLUTION

    # Reflected forms: Python calls these for `2 + x`, `1 - x`, `2 * x`, `1 / x`, `2 ** x`.
    def __radd__(self, other):
        return self._operand("add", other) + self

    def __rsub__(self, other):
        return self._operand("sub", other) - self

    def __rmul__(self, other):
        return self._operand("mul", other) * self

    def __rtruediv__(self, other):
        return self._operand("div", other) / self

    def __rpow__(self, other):
        return self._operand("pow", other) ** self

    # -- comparisons and logic -----------------------------------------------------------
    def _compare(self, other, op, compute):
        """An elementwise comparison: a bool tensor with no history (it has no gradient).

        Both sides are first promoted as for arithmetic (section 4), as PyTorch does: a uint8
        tensor compared with -2 compares with -2 wrapped around to 254, not with -2.
        """
        if not isinstance(other, Tensor):
            if not _is_number(other) and not isinstance(other, (np.ndarray, list, tuple)):
                return NotImplemented
            other = self._operand(op, other)
        a, b = self.data, other.data
        if a.dtype != b.dtype:
            dtype = _result_dtype(self, other)
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        try:
            data = compute(a, b)
        except ValueError:
            raise ValueError(
                f"{op}: shapes {self.shape} and {other.shape} cannot be broadcast together"
            ) from None
        return Tensor.from_op(data, None, ())

    def __eq__(self, other):
        """Elementwise `x == y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "eq", np.equal)
        ### END SOLUTION

    def __ne__(self, other):
        """Elementwise `x != y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "ne", np.not_equal)
        ### END SOLUTION

    def __lt__(self, other):
        """Elementwise `x < y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "lt", np.less)
        ### END SOLUTION

    def __le__(self, other):
        """Elementwise `x <= y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "le", np.less_equal)
        ### END SOLUTION

    def __gt__(self, other):
        """Elementwise `x > y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "gt", np.greater)
        ### END SOLUTION

    def __ge__(self, other):
        """Elementwise `x >= y`: a bool tensor."""
        ### BEGIN SOLUTION
        return self._compare(other, "ge", np.greater_equal)
        ### END SOLUTION

    def _logical(self, other, op, compute):
        if self.data.dtype.kind not in "biu" or (isinstance(other, Tensor) and other.data.dtype.kind not in "biu"):
            raise TypeError(f"{op}: needs bool or integer tensors, got {self.dtype}")
        return self._compare(other, op, compute)

    def __and__(self, other):
        return self._logical(other, "and", np.bitwise_and)

    def __or__(self, other):
        return self._logical(other, "or", np.bitwise_or)

    def __xor__(self, other):
        return self._logical(other, "xor", np.bitwise_xor)

    def __invert__(self):
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"~ (logical not) needs a bool or integer tensor, got {self.dtype}")
        return Tensor.from_op(np.invert(self.data), None, ())

    def all(self):
        """True (a 0-d bool tensor) when every element is non-zero."""
        return Tensor.from_op(np.all(self.data), None, ())

    def any(self):
        """True (a 0-d bool tensor) when some element is non-zero."""
        return Tensor.from_op(np.any(self.data), None, ())

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
        other = self._operand("matmul", other)
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
        a, b = self.data, other.data
        if a.dtype != b.dtype:
            dtype = _result_dtype(self, other)
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        try:
            data = np.matmul(a, b)
        except ValueError:
            raise ValueError(
                f"matmul: batch axes of shapes {self.shape} and {other.shape} cannot be broadcast together"
            ) from None
        return Tensor.from_op(data, "matmul", (self, other))
        ### END SOLUTION

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return self._operand("matmul", other).matmul(self)

    # -- reductions --------------------------------------------------------------------
    # Each takes PyTorch's `dim`/`keepdim` and NumPy's `axis`/`keepdims`; _resolve_dims
    # checks them and hands back non-negative axes (or None for every axis).
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Sum over `dim` (an int, a tuple of ints, or None for every axis)."""
        axis, keepdims = _resolve_dims("sum", self.ndim, dim, keepdim, axis, keepdims)
        ### BEGIN SOLUTION
        data = np.sum(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Arithmetic mean over `dim`; floating-point tensors only, as in PyTorch."""
        axis, keepdims = _resolve_dims("mean", self.ndim, dim, keepdim, axis, keepdims)
        if self.data.dtype.kind != "f":
            raise TypeError(f"mean: needs a floating-point tensor, got {self.dtype} (convert it with .float())")
        if self.data.size == 0:
            raise ValueError(f"mean: cannot average an empty tensor of shape {self.shape}")
        ### BEGIN SOLUTION
        data = np.mean(self.data, axis=axis, keepdims=keepdims, dtype=self.data.dtype)
        return Tensor.from_op(data, "mean", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Largest element over `dim` (values only; tied maxima share the gradient)."""
        axis, keepdims = _resolve_dims("amax", self.ndim, dim, keepdim, axis, keepdims)
        self._require_elements("amax")
        ### BEGIN SOLUTION
        data = np.max(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "amax", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Smallest element over `dim` (values only; tied minima share the gradient)."""
        axis, keepdims = _resolve_dims("amin", self.ndim, dim, keepdim, axis, keepdims)
        self._require_elements("amin")
        data = np.min(self.data, axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "amin", (self,), axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """`x.max()`: the largest element. `x.max(dim)`: (values, indices) along `dim`.

        As in PyTorch, with a dimension the result is a pair: the maxima and where they
        are (`_, predicted = scores.max(dim=1)`); the gradient goes to those positions.
        """
        return self._extreme("max", np.argmax, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """`x.min()`: the smallest element. `x.min(dim)`: (values, indices) along `dim`."""
        return self._extreme("min", np.argmin, dim, keepdim, axis, keepdims)

    def _extreme(self, op, arg, dim, keepdim, axis, keepdims):
        axis, keepdims = _resolve_dims(op, self.ndim, dim, keepdim, axis, keepdims)
        if axis is None:
            return self.amax() if op == "max" else self.amin()
        if isinstance(axis, tuple):
            raise TypeError(f"{op}: takes one dimension; use amax/amin for several")
        self._require_elements(op)
        indices = np.expand_dims(arg(self.data, axis=axis), axis)
        values = np.take_along_axis(self.data, indices, axis=axis)
        if not keepdims:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return ValuesIndices(
            Tensor.from_op(values, "take_along", (self,), indices=indices, axis=axis, keepdims=keepdims),
            Tensor.from_op(indices, None, ()),
        )

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Position of the largest element (over the flattened tensor when dim is None)."""
        return self._arg("argmax", np.argmax, dim, keepdim, axis, keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Position of the smallest element (over the flattened tensor when dim is None)."""
        return self._arg("argmin", np.argmin, dim, keepdim, axis, keepdims)

    def _arg(self, op, arg, dim, keepdim, axis, keepdims):
        axis, keepdims = _resolve_dims(op, self.ndim, dim, keepdim, axis, keepdims)
        if isinstance(axis, tuple):
            raise TypeError(f"{op}: takes one dimension, got {axis}")
        self._require_elements(op)
        data = arg(self.data, axis=axis, keepdims=keepdims and axis is not None)
        return Tensor.from_op(np.asarray(data, dtype=np.int64), None, ())

    def _require_elements(self, op):
        if self.data.size == 0:
            raise ValueError(f"{op}: an empty tensor of shape {self.shape} has no extreme value")

    def logsumexp(self, dim, keepdim=False, *, keepdims=None):
        """log(sum(exp(x))) over `dim`, computed without overflow (the largest value is
        taken out first: log sum exp(x) = m + log sum exp(x - m))."""
        axis, keepdims = _resolve_dims("logsumexp", self.ndim, dim, keepdim, None, keepdims)
        x = self._float_data()
        largest = np.max(x, axis=axis, keepdims=True)
        largest = np.where(np.isfinite(largest), largest, 0)  # rows of -inf stay -inf, not NaN
        with np.errstate(divide="ignore"):
            data = np.log(np.sum(np.exp(x - largest), axis=axis, keepdims=True)) + largest
        if not keepdims:
            data = data.squeeze(axis)
        return Tensor.from_op(data, "logsumexp", (self,), axis=axis, keepdims=keepdims)

    # -- shape changes -----------------------------------------------------------------
    def reshape(self, *shape):
        """Same numbers, new shape: `x.reshape(2, 3)` or `x.reshape((2, 3))`; -1 is inferred.
        Copies only when the memory layout makes a view impossible."""
        shape = _shape_argument("reshape", shape)
        ### BEGIN SOLUTION
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot view a tensor of shape {self.shape} ({self.numel()} elements) as shape {shape}"
            ) from None
        return Tensor.from_op(data, "reshape", (self,))
        ### END SOLUTION

    def view(self, *shape):
        """Like reshape, but never copies: the result always shares this tensor's memory."""
        shape = _shape_argument("view", shape)
        try:
            data = np.reshape(self.data, shape, copy=False)
        except ValueError:
            if np.prod(shape) == self.numel() or -1 in shape:
                raise ValueError(
                    f"view: a tensor of shape {self.shape} with this memory layout (after permute or "
                    f"transpose) cannot be viewed as {shape} without a copy; use reshape() or "
                    "contiguous().view()"
                ) from None
            raise ValueError(
                f"view: cannot view a tensor of shape {self.shape} ({self.numel()} elements) as shape {shape}"
            ) from None
        return Tensor.from_op(data, "reshape", (self,))

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge the axes from start_dim to end_dim (inclusive) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _dim("flatten", start_dim, self.ndim), _dim("flatten", end_dim, self.ndim)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {self.shape}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        """Remove axes of length 1 (all of them, or those in `dim` that have length 1)."""
        if dim is None:
            axes = [a for a, size in enumerate(self.shape) if size == 1]
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            axes = [a for a in (_dim("squeeze", d, self.ndim) for d in dims) if self.shape[a] == 1]
        return self.reshape(tuple(size for a, size in enumerate(self.shape) if a not in axes))

    def unsqueeze(self, dim):
        """Insert an axis of length 1 at position `dim` (-1 appends one at the end)."""
        position = _dim("unsqueeze", dim, self.ndim, extra=1)
        return self.reshape(self.shape[:position] + (1,) + self.shape[position:])

    def permute(self, *dims):
        """Reorder the axes: `x.permute(2, 0, 1)` makes axis 2 the first one.

        TODO: check that `dims` names every axis once, then permute with np.transpose and
        record the (non-negative) order, which the gradient rule needs to undo it.

        APPROACH:
        1. Turn every entry into a non-negative axis with `_dim("permute", d, self.ndim)`.
        2. If the result is not a rearrangement of 0..ndim-1, raise ValueError naming the
           dims and the shape.
        3. Record the operation as "permute", saving `dims` as a tuple.

        EXAMPLE:
        >>> Tensor(np.zeros((2, 3, 4))).permute(2, 0, 1).shape
        (4, 2, 3)
        """
        dims = _shape_argument("permute", dims)
        ### BEGIN SOLUTION
        order = tuple(_dim("permute", d, self.ndim) for d in dims)
        if sorted(order) != list(range(self.ndim)):
            raise ValueError(
                f"permute: {dims} does not name each of the {self.ndim} axes of shape {self.shape} exactly once"
            )
        return Tensor.from_op(np.transpose(self.data, order), "permute", (self,), dims=order)
        ### END SOLUTION

    def transpose(self, dim0, dim1):
        """Swap two axes, as `torch.transpose`: `x.transpose(0, 1)`, `x.transpose(-2, -1)`.

        TODO: build the order that swaps `dim0` and `dim1` and leaves every other axis in
        place, then hand it to `permute` (negative axes count from the end).

        EXAMPLE:
        >>> Tensor(np.zeros((2, 3, 4))).transpose(-1, 0).shape
        (4, 3, 2)
        """
        ### BEGIN SOLUTION
        first, second = _dim("transpose", dim0, self.ndim), _dim("transpose", dim1, self.ndim)
        order = list(range(self.ndim))
        order[first], order[second] = second, first
        return self.permute(order)
        ### END SOLUTION

    @property
    def T(self):
        """All axes reversed (a matrix's transpose)."""
        return self.permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        """The last two axes swapped: a transpose of every matrix in a batch."""
        if self.ndim < 2:
            raise ValueError(f"mT: needs at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)

    def expand(self, *sizes):
        """Broadcast to a larger shape without copying; -1 keeps an axis's length.
        Only axes of length 1 can grow, and new axes can only be added in front."""
        sizes = _shape_argument("expand", sizes)
        extra = len(sizes) - self.ndim
        if extra < 0:
            raise ValueError(f"expand: shape {sizes} has fewer axes than the tensor's shape {self.shape}")
        target = []
        for position, size in enumerate(sizes):
            own = self.shape[position - extra] if position >= extra else None
            if size == -1 and own is None:
                raise ValueError(f"expand: -1 is not allowed for a new leading axis, got {sizes}")
            target.append(own if size == -1 else size)
        return self.broadcast_to(tuple(target))

    def broadcast_to(self, shape):
        """This tensor broadcast to `shape`, as np.broadcast_to (a read-only view)."""
        shape = _shape_argument("broadcast_to", (shape,))
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: shape {self.shape} cannot be broadcast to {shape}") from None
        return Tensor.from_op(data, "expand", (self,))

    def clone(self):
        """A copy of the values that still belongs to the graph (gradients flow back through it)."""
        return Tensor.from_op(self.data.copy(), "clone", (self,))

    def contiguous(self):
        """This tensor if its memory is in row-major order, else a row-major copy."""
        return self if self.data.flags.c_contiguous else Tensor.from_op(np.ascontiguousarray(self.data), "clone", (self,))

    def __getitem__(self, index):
        """Indexing and slicing as in NumPy: `x[0]`, `x[:, 1:3]`, `x[labels]`, `x[x > 0]`."""
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
    def _float_data(self):
        """The data, as float32 if it holds integers (exp of a label count is a float)."""
        return self.data if self.data.dtype.kind == "f" else self.data.astype(_DEFAULT_FLOAT)

    def exp(self):
        """e ** x, elementwise."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.exp(self._float_data()), "exp", (self,))
        ### END SOLUTION

    def log(self):
        """Natural logarithm, elementwise (log 0 = -inf, as in NumPy)."""
        ### BEGIN SOLUTION
        with np.errstate(divide="ignore", invalid="ignore"):
            return Tensor.from_op(np.log(self._float_data()), "log", (self,))
        ### END SOLUTION

    def sqrt(self):
        """Square root, elementwise."""
        ### BEGIN SOLUTION
        with np.errstate(invalid="ignore"):
            return Tensor.from_op(np.sqrt(self._float_data()), "sqrt", (self,))
        ### END SOLUTION

    def abs(self):
        """|x|, elementwise."""
        ### BEGIN SOLUTION
        return Tensor.from_op(np.abs(self.data), "abs", (self,))
        ### END SOLUTION

    def __abs__(self):
        return self.abs()

    def clamp(self, min=None, max=None):
        """Limit every element to [min, max] (either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clamp: give min, max or both")
        for label, bound in (("min", min), ("max", max)):
            if bound is not None and not _is_number(bound):
                raise TypeError(f"clamp: {label} must be a number, got {bound!r}")
        ### BEGIN SOLUTION
        # One dtype for both bounds, by section 4's rule: a float bound makes an integer tensor
        # float32. The data is converted too: NumPy would make int64 against a float32 bound float64.
        # (sorted, not max(): `max` is a bound here.)
        dtypes = [_result_dtype(self, bound) for bound in (min, max) if bound is not None]
        dtype = sorted(dtypes, key=lambda d: _CATEGORY[d.kind])[-1]
        data = self.data.astype(dtype, copy=False)
        if min is not None:
            data = np.maximum(data, np.asarray(min, dtype=dtype))
        if max is not None:
            data = np.minimum(data, np.asarray(max, dtype=dtype))
        return Tensor.from_op(data, "clamp", (self,), min=min, max=max)
        ### END SOLUTION

    clip = clamp

    def maximum(self, other):
        """Elementwise larger of two tensors (ties share the gradient)."""
        return maximum(self, other)

    def minimum(self, other):
        """Elementwise smaller of two tensors (ties share the gradient)."""
        return minimum(self, other)

    def where(self, condition, other):
        """`self` where `condition` holds, else `other` (as torch.Tensor.where)."""
        return where(condition, self, other)

    def softmax(self, dim):
        """Softmax along `dim` (Module 02's Softmax)."""
        return importlib.import_module("tinytorch.core.activations").softmax(self, dim)

    def log_softmax(self, dim):
        """log(softmax) along `dim`, computed stably (Module 02's LogSoftmax)."""
        return importlib.import_module("tinytorch.core.activations").log_softmax(self, dim)

    # -- in place ------------------------------------------------------------------------
    def _check_in_place(self, op, other=None):
        """Refuse an in-place change the graph cannot survive (see "In place" above)."""
        if _grad_enabled:
            if self._requires_grad and self._op is None:
                raise RuntimeError(
                    f"{op}: a leaf tensor that requires grad cannot be changed in place while gradients "
                    "are recorded; do it inside `with no_grad():` (as optimizers do) or write x = x + y"
                )
            if self._requires_grad or (isinstance(other, Tensor) and other._requires_grad):
                raise RuntimeError(
                    f"{op}: tinytorch does not record in-place operations on tensors that are part of a "
                    "graph; write x = x + y (a new tensor) instead"
                )
        if not self.data.flags.writeable:
            raise RuntimeError(
                f"{op}: this tensor's memory is read-only (it was made by expand or broadcast_to); "
                "clone() it first"
            )

    def _in_place(self, op, compute, other):
        self._check_in_place(op, other)
        value = other.data if isinstance(other, Tensor) else other
        try:
            compute(self.data, value, out=self.data, casting="same_kind")
        except TypeError:
            raise TypeError(
                f"{op}: the result of {self.dtype} and {np.result_type(value)} cannot be stored in this "
                f"{self.dtype} tensor"
            ) from None
        except ValueError:
            raise ValueError(
                f"{op}: a value of shape {np.shape(value)} cannot be broadcast into shape {self.shape}"
            ) from None
        return self

    def __iadd__(self, other):
        return self._in_place("add_ (+=)", np.add, other)

    def __isub__(self, other):
        return self._in_place("sub_ (-=)", np.subtract, other)

    def __imul__(self, other):
        return self._in_place("mul_ (*=)", np.multiply, other)

    def __itruediv__(self, other):
        return self._in_place("div_ (/=)", np.true_divide, other)

    def __setitem__(self, index, value):
        """`x[mask] = 0` and friends: an in-place change, under the same rules as `+=`."""
        self._check_in_place("setitem", value)
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            self.data[index] = value.data if isinstance(value, Tensor) else value
        except (ValueError, IndexError) as error:
            raise type(error)(f"setitem: {error} (tensor shape {self.shape})") from None

    def zero_(self):
        """Set every element to 0, in place; returns self."""
        return self.fill_(0)

    def fill_(self, value):
        """Set every element to `value`, in place; returns self."""
        self._check_in_place("fill_")
        self.data[...] = value
        return self

    def copy_(self, source):
        """Copy `source`'s values into this tensor (broadcast, cast to this dtype); returns self."""
        self._check_in_place("copy_", source)
        values = source.data if isinstance(source, Tensor) else np.asarray(source)
        try:
            np.copyto(self.data, values, casting="unsafe")
        except ValueError:
            raise ValueError(f"copy_: a value of shape {np.shape(values)} cannot be copied into shape {self.shape}") from None
        return self

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

    # -- dtype conversions (last in the class: `float`, `int` and `bool` are method names here) --
    def to(self, dtype):
        """This tensor converted to `dtype` (itself when it already has it). Converting between
        floating-point dtypes keeps the gradient flowing; to integers or bool it stops."""
        dtype = _numeric_dtype("to", dtype)
        if dtype == self.data.dtype:
            return self
        data = self.data.astype(dtype)
        if dtype.kind != "f" or self.data.dtype.kind != "f":
            return Tensor.from_op(data, None, ())
        return Tensor.from_op(data, "cast", (self,))

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    def bool(self):
        return self.to(np.bool_)


# %% [markdown]
# ## 9. Functions beside the class
#
# PyTorch code builds tensors with functions as often as with the class: `torch.tensor(...)`,
# `torch.zeros(3, 4)`, `torch.randn(...)`, and combines them with `torch.where`,
# `torch.maximum`, `torch.cat` and `torch.stack`. tinytorch has the same functions, so that a
# PyTorch snippet runs with only its import changed. Random ones draw from the framework
# generator, so `manual_seed` governs them too.
#
# `where(condition, a, b)` picks from `a` where the bool `condition` holds and from `b`
# elsewhere; the gradient goes to whichever side was picked. `maximum`/`minimum` compare
# element by element; where both sides are equal they share the gradient equally (as PyTorch
# does). `cat` joins tensors along an existing axis, `stack` along a new one.

# %% nbgrader={"grade": false, "grade_id": "tensor-functions", "solution": true}
#| export
def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data`, with torch.tensor's dtype inference: Python ints
    give int64, bools bool, floats float32, and arrays and tensors keep their dtype.

    (The class constructor `Tensor(...)` keeps the course's float policy instead, as PyTorch's
    own `torch.Tensor(...)` does: `Tensor([1, 2])` is float32, `tensor([1, 2])` int64.)
    """
    if dtype is None:
        source = data.data if isinstance(data, Tensor) else data
        if isinstance(source, (np.ndarray, np.generic)):
            dtype = source.dtype
        elif not isinstance(source, (str, bytes)):
            try:
                inferred = np.asarray(source).dtype
            except ValueError:
                inferred = None  # ragged: Tensor below says so
            if inferred is not None and inferred.kind in "biu":
                dtype = np.int64 if inferred.kind != "b" else np.bool_
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array):
    """A tensor that shares `array`'s memory and keeps its dtype (as torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in _CATEGORY:
        raise TypeError(f"from_numpy: dtype {array.dtype} is not supported; tensors hold bool, integer or float numbers")
    return Tensor.from_op(array, None, ())


def _new(op, shape, dtype, requires_grad, fill):
    shape = _shape_argument(op, shape)
    if any(size < 0 for size in shape):
        raise ValueError(f"{op}: sizes must not be negative, got {shape}")
    dtype = _DEFAULT_FLOAT if dtype is None else _numeric_dtype(op, dtype)
    out = from_numpy(np.asarray(fill(shape), dtype=dtype))
    return out.requires_grad_(requires_grad) if requires_grad else out


def zeros(*size, dtype=None, requires_grad=False):
    return _new("zeros", size, dtype, requires_grad, np.zeros)


def ones(*size, dtype=None, requires_grad=False):
    return _new("ones", size, dtype, requires_grad, np.ones)


def full(size, fill_value, dtype=None, requires_grad=False):
    return _new("full", (size,), dtype, requires_grad, lambda shape: np.full(shape, fill_value))


def zeros_like(other, dtype=None, requires_grad=False):
    return zeros(other.shape, dtype=other.dtype if dtype is None else dtype, requires_grad=requires_grad)


def ones_like(other, dtype=None, requires_grad=False):
    return ones(other.shape, dtype=other.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal samples from the framework generator."""
    return _new("randn", size, dtype, requires_grad, _generator.standard_normal)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the framework generator."""
    return _new("rand", size, dtype, requires_grad, _generator.random)


def arange(start, end=None, step=1, dtype=None):
    """Evenly spaced values in [start, end): int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    integral = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, end, step))
    default = np.int64 if integral else _DEFAULT_FLOAT
    return from_numpy(np.arange(start, end, step, dtype=default if dtype is None else _numeric_dtype("arange", dtype)))


def where(condition, input, other):
    """Elementwise `input if condition else other`; `condition` must be a bool tensor."""
    mask = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor (a comparison's result), got dtype {mask.dtype}")
    if not isinstance(input, Tensor):
        input = other._operand("where", input) if isinstance(other, Tensor) else Tensor(input)
    other = input._operand("where", other)
    ### BEGIN SOLUTION
    dtype = _result_dtype(input, other)
    try:
        data = np.where(mask, input.data.astype(dtype, copy=False), other.data.astype(dtype, copy=False))
    except ValueError:
        raise ValueError(
            f"where: shapes {mask.shape} (condition), {input.shape} and {other.shape} cannot be broadcast together"
        ) from None
    return Tensor.from_op(data, "where", (input, other), condition=mask)
    ### END SOLUTION


def maximum(a, b):
    """Elementwise maximum of two tensors (or a tensor and a number)."""
    return _elementwise_pick("maximum", np.maximum, a, b)


def minimum(a, b):
    """Elementwise minimum of two tensors (or a tensor and a number)."""
    return _elementwise_pick("minimum", np.minimum, a, b)


def _elementwise_pick(op, compute, a, b):
    if not isinstance(a, Tensor):
        a, b = b, a  # both functions are symmetric: put the tensor first
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}: needs at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    return a._binary(b, op, compute)


def cat(tensors, dim=0):
    """Join tensors along an existing axis; all other axes must match."""
    tensors = _tensor_list("cat", tensors)
    axis = _dim("cat", dim, tensors[0].ndim)
    for position, t in enumerate(tensors):
        if t.ndim != tensors[0].ndim or t.shape[:axis] + t.shape[axis + 1:] != tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]:
            raise ValueError(
                f"cat: tensor {position} has shape {t.shape}, which does not match {tensors[0].shape} "
                f"outside dimension {axis}"
            )
    top = max(_CATEGORY[t.data.dtype.kind] for t in tensors)  # promotion as in section 4
    dtype = np.result_type(*(t.data.dtype for t in tensors if _CATEGORY[t.data.dtype.kind] == top))
    data = np.concatenate([t.data for t in tensors], axis=axis).astype(dtype, copy=False)
    return Tensor.from_op(data, "cat", tuple(tensors), axis=axis, sizes=[t.shape[axis] for t in tensors])


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new axis at position `dim`."""
    tensors = _tensor_list("stack", tensors)
    axis = _dim("stack", dim, tensors[0].ndim, extra=1)
    for position, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {position} has shape {t.shape}, tensor 0 has {tensors[0].shape}")
    data = np.stack([t.data for t in tensors], axis=axis)
    return Tensor.from_op(data, "stack", tuple(tensors), axis=axis)


def _tensor_list(op, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    for position, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: item {position} is {type(t).__name__}, not a Tensor")
    return list(tensors)


# %% [markdown]
# ### Unit test: construction and dtypes
#
# **Tests**: shapes, the float32 default, integer labels and bool masks kept, the copy that
# `Tensor(data)` makes, the `requires_grad` flag, and clear errors for input that is not a
# rectangular block of numbers.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-creation", "locked": true, "points": 10}
def test_unit_tensor_creation():
    print("Unit test: Tensor creation...")
    x = Tensor([[1, 2, 3], [4, 5, 6]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.numel() == 6, f"expected shape (2, 3), 6 elements; got {x.shape}"
    assert x.dtype == np.float32, f"numbers and lists default to float32, got {x.dtype}"
    assert np.array_equal(x.data, [[1, 2, 3], [4, 5, 6]]), f"the values must be kept, got {x.data}"
    assert Tensor(np.random.randn(3)).dtype == np.float32, "float64 arrays become float32"
    assert Tensor(np.arange(3)).dtype == np.int64, "integer arrays (labels) keep their dtype"
    assert Tensor([True, False]).dtype == np.bool_, "lists of True/False become bool masks"
    assert Tensor([1.0], dtype=np.float64).dtype == np.float64, "dtype= is obeyed"
    assert Tensor(3.5).shape == () and Tensor(3.5).item() == 3.5, "a number becomes a 0-d tensor"
    # Tensor(data) copies: changing the source afterwards must not change the tensor, and
    # changing the tensor must not change the source.
    source = np.array([1.0, 2.0], dtype=np.float32)
    copied = Tensor(source)
    source[0] = 100.0
    assert copied.data[0] == 1.0, f"Tensor(array) must copy the array: expected 1.0, got {copied.data[0]}"
    copied.data[1] = -5.0
    assert source[1] == 2.0, "changing a tensor must not change the array it was made from"
    again = Tensor(copied)
    assert again.data is not copied.data and np.array_equal(again.data, copied.data), "Tensor(tensor) copies too"
    assert x.requires_grad is False and x.grad is None and x.is_leaf, "a new tensor needs no gradient yet"
    assert Tensor([1.0], requires_grad=True).requires_grad is True, "requires_grad=True must be kept"
    for bad, error in (("abc", TypeError), ([[1, 2], [3]], ValueError), ([1, "a"], TypeError),
                       ([1 + 2j], TypeError)):
        try:
            Tensor(bad)
        except error:
            pass
        else:
            raise AssertionError(f"Tensor({bad!r}) should raise {error.__name__}")
    for flag in ("yes", 1, None):
        try:
            Tensor([1.0], requires_grad=flag)
        except TypeError:
            pass
        else:
            raise AssertionError(f"requires_grad={flag!r} must raise TypeError: only True or False mean something")
    try:
        Tensor(np.array([1, 2]), requires_grad=True)
    except TypeError:
        pass
    else:
        raise AssertionError("an integer tensor cannot require gradients")
    print("Tensor creation works.")


if __name__ == "__main__":
    test_unit_tensor_creation()

# %% [markdown]
# ### Unit test: arithmetic, broadcasting and type promotion
#
# **Tests**: every operator on values where a swapped or wrong operator gives another
# answer, broadcasting, numbers on the left, the promotion table of section 4, inputs left
# unchanged and the history every result records.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arithmetic", "locked": true, "points": 10}
def test_unit_arithmetic():
    print("Unit test: arithmetic and broadcasting...")
    a = Tensor([[1, 2, 3], [4, 5, 6]])
    b = Tensor([10, 20, 40])
    cases = [
        ("a + b", a + b, [[11, 22, 43], [14, 25, 46]]),
        ("a - b", a - b, [[-9, -18, -37], [-6, -15, -34]]),
        ("b - a", b - a, [[9, 18, 37], [6, 15, 34]]),
        ("a * b", a * b, [[10, 40, 120], [40, 100, 240]]),
        ("a / b", a / b, [[0.1, 0.1, 0.075], [0.4, 0.25, 0.15]]),
        ("b / a", b / a, [[10, 10, 40 / 3], [2.5, 4, 40 / 6]]),
        ("a ** 2", a ** 2, [[1, 4, 9], [16, 25, 36]]),
        ("2 ** a", 2 ** a, [[2, 4, 8], [16, 32, 64]]),
        ("-a", -a, [[-1, -2, -3], [-4, -5, -6]]),
        ("1 - a", 1 - a, [[0, -1, -2], [-3, -4, -5]]),
        ("12 / a", 12 / a, [[12, 6, 4], [3, 2.4, 2]]),
        ("3 * a + 1", 3 * a + 1, [[4, 7, 10], [13, 16, 19]]),
    ]
    for text, got, expected in cases:
        assert isinstance(got, Tensor), f"{text} must give a Tensor, got {type(got).__name__}"
        assert got.shape == np.shape(expected), f"{text}: expected shape {np.shape(expected)}, got {got.shape}"
        assert np.allclose(got.data, expected), f"{text}: expected {np.array(expected)}, got {got.data}"
        assert got.dtype == np.float32, f"{text} of float32 tensors and numbers must stay float32, got {got.dtype}"
    assert np.array_equal(a.data, [[1, 2, 3], [4, 5, 6]]) and np.array_equal(b.data, [10, 20, 40]), \
        "operations must not change their inputs"
    integers = Tensor(np.array([1, 2, 3]))
    promotions = [
        ("float32 + 1.5", Tensor([1.0]) + 1.5, np.float32),
        ("int64 + 1", integers + 1, np.int64),
        ("int64 * 2", integers * 2, np.int64),
        ("int64 ** 2", integers ** 2, np.int64),
        ("int64 + 1.5", integers + 1.5, np.float32),
        ("int64 + float32 tensor", integers + Tensor([0.5, 0.5, 0.5]), np.float32),
        ("float32 + float64 tensor", Tensor([1.0]) + Tensor([1.0], dtype=np.float64), np.float64),
        ("float32 + 0-d float64 tensor", Tensor([1.0]) + Tensor(2.0, dtype=np.float64), np.float32),
        ("int64 / int64", integers / Tensor(np.array([2, 2, 2])), np.float32),
    ]
    for text, got, dtype in promotions:
        assert got.dtype == dtype, f"{text}: expected dtype {np.dtype(dtype)}, got {got.dtype}"
    assert np.array_equal((integers + 1).data, [2, 3, 4]), f"int64 [1, 2, 3] + 1: expected [2, 3, 4], got {(integers + 1).data}"
    halves = (integers / Tensor(np.array([2, 2, 2]))).data
    assert np.allclose(halves, [0.5, 1, 1.5]), f"[1, 2, 3] / 2 is true division: expected [0.5, 1, 1.5], got {halves}"
    try:
        a + Tensor([1, 2])
    except ValueError as error:
        assert "(2, 3)" in str(error) and "(2,)" in str(error), f"the error must name both shapes: {error}"
    else:
        raise AssertionError("shapes (2, 3) and (2,) must not broadcast")
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for name, result in (("add", w + a), ("sub", a - w), ("mul", w * 2.0), ("div", 1.0 / w), ("pow", w ** 3), ("neg", -w)):
        assert result.requires_grad and result._op == name, \
            f"{name}: a result computed from a tensor that requires grad records op {name!r}, got {result._op!r}"
        assert any(source is w for source in result._inputs), f"{name}: the result must record its input tensors"
    assert (a + a)._op is None, "nothing is recorded when no input requires grad"
    print("Arithmetic works.")


if __name__ == "__main__":
    test_unit_arithmetic()

# %% [markdown]
# ### Unit test: comparisons, hashing and conversions

# %% nbgrader={"grade": true, "grade_id": "test-tensor-comparisons", "locked": true, "points": 10}
def test_unit_comparisons():
    print("Unit test: comparisons...")
    x = Tensor([1.0, 2.0, 3.0])
    y = Tensor([3.0, 2.0, 1.0])
    expected = {
        "x == y": (x == y, [False, True, False]),
        "x != y": (x != y, [True, False, True]),
        "x < y": (x < y, [True, False, False]),
        "x <= y": (x <= y, [True, True, False]),
        "x > y": (x > y, [False, False, True]),
        "x >= y": (x >= y, [False, True, True]),
        "x > 2": (x > 2, [False, False, True]),
        "x >= 2": (x >= 2, [False, True, True]),
        "2 < x": (2 < x, [False, False, True]),
        "x == 2": (x == 2, [False, True, False]),
        # Exact, as in PyTorch: 1.000001 is a different float32 from 1.0, however close.
        "x == [1.000001, 2, 3.000001]": (x == Tensor([1.000001, 2.0, 3.000001]), [False, True, False]),
        "x != [1.000001, 2, 3.000001]": (x != Tensor([1.000001, 2.0, 3.000001]), [True, False, True]),
    }
    for text, (got, values) in expected.items():
        assert isinstance(got, Tensor) and got.dtype == np.bool_, \
            f"{text} must be a bool Tensor, got {type(got).__name__} {getattr(got, 'dtype', '')}"
        assert np.array_equal(got.data, values), f"{text}: expected {values}, got {got.data.tolist()}"
    assert (Tensor([[1.0], [5.0]]) > Tensor([2.0, 4.0])).shape == (2, 2), "comparisons broadcast"
    assert np.array_equal(x[x > 1.5].data, [2.0, 3.0]), "a comparison's result selects elements"
    # Tensors hash by identity: two equal tensors are two dict keys.
    first, second = Tensor([1.0]), Tensor([1.0])
    table = {first: "first", second: "second"}
    assert len(table) == 2 and table[first] == "first", "tensors must hash by identity"
    converted = (float(Tensor([2.5])), int(Tensor([7.0])), bool(Tensor([1.0])))
    assert converted == (2.5, 7, True), f"float/int/bool of one-element tensors: expected (2.5, 7, True), got {converted}"
    assert bool(Tensor(0.0)) is False, "bool() of a one-element tensor is its value's truth"
    for convert in (bool, float, int):
        try:
            convert(Tensor([0.0, 0.0]))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{convert.__name__}() of a tensor with several elements must raise ValueError")
    print("Comparisons work.")


if __name__ == "__main__":
    test_unit_comparisons()

# %% [markdown]
# ### Unit test: matrix multiplication

# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 10}
def test_unit_matmul():
    print("Unit test: matmul...")
    a = Tensor([[1, 2, 3], [4, 5, 6]])
    b = Tensor([[7, 8], [9, 10], [11, 12]])
    product = a @ b
    assert product.shape == (2, 2), f"(2, 3) @ (3, 2) gives (2, 2), got {product.shape}"
    assert np.array_equal(product.data, [[58, 64], [139, 154]]), f"expected [[58, 64], [139, 154]], got {product.data}"
    assert np.array_equal(a.matmul(b).data, product.data), "a.matmul(b) must equal a @ b"
    assert np.array_equal((b @ a).data, [[39, 54, 69], [49, 68, 87], [59, 82, 105]]), "b @ a is not a @ b"
    stack = Tensor(np.arange(12.0).reshape(2, 2, 3))
    batched = stack @ b
    assert batched.shape == (2, 2, 2), f"(2, 2, 3) @ (3, 2) gives (2, 2, 2), got {batched.shape}"
    assert np.allclose(batched.data[1], np.arange(6.0, 12.0).reshape(2, 3) @ b.data), "each batch is multiplied"
    assert np.array_equal((a @ Tensor([1, 0, -1])).data, [-2, -2]), "a matrix times a vector"
    # Batched on both sides: the inner size is the left's last axis and the right's second-to-last.
    left, right = np.arange(24.0).reshape(2, 3, 4), np.arange(24.0).reshape(2, 4, 3) - 10
    expected = np.einsum("bij,bjk->bik", left, right)
    got = (Tensor(left) @ Tensor(right)).data
    assert got.shape == (2, 3, 3) and np.allclose(got, expected), \
        f"(2, 3, 4) @ (2, 4, 3): expected shape (2, 3, 3) {expected.tolist()}, got {got.shape} {got.tolist()}"
    got = (Tensor([1.0, 0.0, -1.0]) @ Tensor(np.arange(24.0).reshape(2, 3, 4))).data
    assert np.array_equal(got, [[-8, -8, -8, -8], [-8, -8, -8, -8]]), \
        f"a (3,) vector @ (2, 3, 4): expected [[-8] * 4] * 2, got {got.tolist()}"
    # Promotion as for arithmetic (section 4): int64 labels times float32 weights is float32.
    labels, weights = Tensor(np.array([[1, 2], [3, 4]])), Tensor([[0.5], [0.25]])
    for text, got, dtype, values in (("int64 @ float32", labels @ weights, np.float32, [[1.0], [2.5]]),
                                     ("int64 @ int64", labels @ labels, np.int64, [[7, 10], [15, 22]])):
        assert got.dtype == dtype and np.array_equal(got.data, values), \
            f"{text}: expected {np.dtype(dtype)} {values}, got {got.dtype} {got.data.tolist()}"
    try:
        Tensor(np.ones((32, 100))) @ Tensor(np.ones((784, 256)))
    except ValueError as error:
        assert "(32, 100)" in str(error) and "(784, 256)" in str(error), f"the error must name both shapes: {error}"
    else:
        raise AssertionError("a matmul with mismatched inner sizes must raise")
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    assert (a @ w)._op == "matmul" and (a @ w)._inputs[1] is w, "matmul records its history"
    print("Matmul works.")


if __name__ == "__main__":
    test_unit_matmul()

# %% [markdown]
# ### Unit test: reductions
#
# **Tests**: every reduction over the first and last axis, with and without `keepdim`, in
# both spellings (`dim`/`axis`), `max(dim)`'s values and indices, and the history.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-reductions", "locked": true, "points": 10}
def test_unit_reductions():
    print("Unit test: reductions...")
    x = Tensor([[1.0, 9.0, 3.0], [8.0, 2.0, 7.0]])
    cases = [
        ("sum()", x.sum(), 30.0),
        ("sum(dim=0)", x.sum(dim=0), [9.0, 11.0, 10.0]),
        ("sum(axis=1)", x.sum(axis=1), [13.0, 17.0]),
        ("sum(1, keepdim=True)", x.sum(1, keepdim=True), [[13.0], [17.0]]),
        ("sum(axis=0, keepdims=True)", x.sum(axis=0, keepdims=True), [[9.0, 11.0, 10.0]]),
        ("sum(dim=(0, 1))", x.sum(dim=(0, 1)), 30.0),
        ("mean()", x.mean(), 5.0),
        ("mean(dim=0)", x.mean(dim=0), [4.5, 5.5, 5.0]),
        ("mean(dim=-1, keepdim=True)", x.mean(dim=-1, keepdim=True), [[13 / 3], [17 / 3]]),
        ("amax(dim=0)", x.amax(dim=0), [8.0, 9.0, 7.0]),
        ("amax(dim=1)", x.amax(dim=1), [9.0, 8.0]),
        ("amax(dim=0, keepdim=True)", x.amax(dim=0, keepdim=True), [[8.0, 9.0, 7.0]]),
        ("amin(axis=1, keepdims=True)", x.amin(axis=1, keepdims=True), [[1.0], [2.0]]),
        ("max(dim=1, keepdim=True).values", x.max(dim=1, keepdim=True).values, [[9.0], [8.0]]),
        ("max()", x.max(), 9.0),
        ("min()", x.min(), 1.0),
        ("amin(dim=1)", x.amin(dim=1), [1.0, 2.0]),
        ("argmax()", x.argmax(), 1),
        ("argmax(dim=0)", x.argmax(dim=0), [1, 0, 1]),
        ("argmin(dim=1)", x.argmin(dim=1), [0, 1]),
    ]
    for text, got, expected in cases:
        assert got.shape == np.shape(expected), f"x.{text}: expected shape {np.shape(expected)}, got {got.shape}"
        assert np.allclose(got.data, expected), f"x.{text}: expected {expected}, got {got.data.tolist()}"
        dtype = np.int64 if text.startswith("arg") else np.float32
        assert got.dtype == dtype, f"x.{text} of a float32 tensor: expected dtype {np.dtype(dtype)}, got {got.dtype}"
    values, indices = x.max(dim=1)
    assert np.array_equal(values.data, [9.0, 8.0]) and np.array_equal(indices.data, [1, 0]), \
        f"x.max(dim=1) gives values [9, 8] at indices [1, 0], got {values.data.tolist()} at {indices.data.tolist()}"
    values, indices = x.min(dim=0, keepdim=True)
    assert values.shape == (1, 3) and np.array_equal(indices.data, [[0, 1, 0]]), \
        f"x.min(dim=0, keepdim=True): expected indices [[0, 1, 0]], got {indices.data.tolist()}"
    assert x.max(dim=1).indices.dtype == np.int64, "indices are int64"
    assert np.allclose(Tensor([[0.0, 1.0], [1000.0, 1000.0]]).logsumexp(dim=1).data, [np.log(1 + np.e), 1000 + np.log(2)]), \
        "logsumexp must be right, and must not overflow for large values"
    assert np.array_equal(x.data, [[1.0, 9.0, 3.0], [8.0, 2.0, 7.0]]), "reductions must not change their input"
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    for name, result in (("sum", w.sum(dim=-1)), ("mean", w.mean(axis=0)), ("amax", w.amax(dim=1))):
        assert result._op == name and result._inputs[0] is w, f"{name} records its history"
        assert result._saved["axis"] in (0, 1) and result._saved["keepdims"] is False, \
            f"{name} saves its axis (non-negative) and keepdims for the gradient rule, got {result._saved}"
    try:
        x.sum(dim=2)
    except ValueError as error:
        assert "2" in str(error), f"the error must mention 2, got: {error}"
    else:
        raise AssertionError("summing over an axis a 2-D tensor does not have must raise")
    print("Reductions work.")


if __name__ == "__main__":
    test_unit_reductions()

# %% [markdown]
# ### Unit test: shapes, views and indexing

# %% nbgrader={"grade": true, "grade_id": "test-tensor-shapes", "locked": true, "points": 10}
def test_unit_shapes():
    print("Unit test: reshape, permute, transpose, indexing...")
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    shapes = (x.reshape(6, 4).shape, x.reshape(-1).shape, x.reshape((4, -1)).shape)
    assert shapes == ((6, 4), (24,), (4, 6)), f"reshape(6, 4), reshape(-1), reshape((4, -1)): expected (6, 4), (24,), (4, 6), got {shapes}"
    assert np.array_equal(x.reshape(4, 6).data[1], np.arange(6.0, 12.0)), "reshape keeps the row-major order"
    permuted = x.permute(2, 0, 1)
    assert permuted.shape == (4, 2, 3), f"permute(2, 0, 1) of (2, 3, 4) gives (4, 2, 3), got {permuted.shape}"
    assert permuted.data[3, 1, 2] == x.data[1, 2, 3], "permute(2, 0, 1): out[k, i, j] = x[i, j, k]"
    swapped = x.transpose(0, 1)
    assert swapped.shape == (3, 2, 4), f"transpose(0, 1) swaps two axes: expected (3, 2, 4), got {swapped.shape}"
    assert swapped.data[2, 1, 3] == x.data[1, 2, 3], "transpose(0, 1): out[j, i, k] = x[i, j, k]"
    end = x.transpose(-1, 0)
    assert end.shape == (4, 3, 2) and end.data[3, 1, 0] == x.data[0, 1, 3], \
        f"transpose(-1, 0) swaps the last and the first axis: expected (4, 3, 2), got {end.shape}"
    assert x.transpose(1, -1).shape == (2, 4, 3), "transpose(1, -1) swaps axes 1 and 2"
    m = Tensor([[1, 2, 3], [4, 5, 6]])
    assert np.array_equal(m.transpose(0, 1).data, [[1, 4], [2, 5], [3, 6]]), "a matrix's transpose(0, 1)"
    assert np.array_equal(m.T.data, [[1, 4], [2, 5], [3, 6]]), f".T of [[1, 2, 3], [4, 5, 6]]: got {m.T.data.tolist()}"
    assert x.mT.shape == (2, 4, 3), f".mT swaps the last two axes: expected (2, 4, 3), got {x.mT.shape}"
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12), "flatten"
    squeezed = (Tensor(np.zeros((1, 3, 1))).squeeze().shape, Tensor(np.zeros((1, 3, 1))).squeeze(0).shape)
    assert squeezed == ((3,), (3, 1)), f"squeeze() and squeeze(0) of (1, 3, 1): expected (3,) and (3, 1), got {squeezed}"
    assert m.unsqueeze(0).shape == (1, 2, 3) and m.unsqueeze(-1).shape == (2, 3, 1), "unsqueeze"
    view = m.view(3, 2)
    view.data[0, 0] = 100.0
    assert m.data[0, 0] == 100.0, "view shares the memory of the tensor it views"
    m.data[0, 0] = 1.0
    assert np.array_equal(m[1].data, [4, 5, 6]), f"m[1]: expected [4, 5, 6], got {m[1].data}"
    assert np.array_equal(m[:, 1:].data, [[2, 3], [5, 6]]), f"m[:, 1:]: expected [[2, 3], [5, 6]], got {m[:, 1:].data.tolist()}"
    assert np.array_equal(m[np.array([1, 0]), np.array([2, 0])].data, [6, 1]), "integer-array indexing"
    w = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    recorded = w.permute(-1, 0, 1)
    assert recorded._op == "permute" and tuple(recorded._saved["dims"]) == (2, 0, 1), \
        f"permute records op 'permute' with non-negative dims (2, 0, 1), got {recorded._op!r} {recorded._saved}"
    through_transpose = w.transpose(-1, 0)
    assert tuple(through_transpose._saved["dims"]) == (2, 1, 0), \
        f"transpose(-1, 0) records the permutation (2, 1, 0), got {through_transpose._saved}"
    for name, result in (("reshape", w.reshape(4, 6)), ("getitem", w[0, 1:])):
        assert result._op == name and result._inputs[0] is w, f"{name} records its history"
    for bad in (lambda: x.reshape(5, 5), lambda: x.permute(0, 0, 1), lambda: x.transpose(0, 3)):
        try:
            bad()
        except ValueError as error:
            assert "(2, 3, 4)" in str(error) or "3" in str(error), f"the error must name the shape or the axis, got: {error}"
        else:
            raise AssertionError("an impossible reshape, permutation or transpose must raise ValueError")
    print("Shapes work.")


if __name__ == "__main__":
    test_unit_shapes()

# %% [markdown]
# ### Unit test: elementwise functions and in-place rules

# %% nbgrader={"grade": true, "grade_id": "test-tensor-elementwise", "locked": true, "points": 10}
def test_unit_elementwise():
    print("Unit test: exp, log, sqrt, abs, clamp, where, in place...")
    x = Tensor([-2.0, 0.5, 3.0])
    cases = [
        ("exp", x.exp(), np.exp([-2.0, 0.5, 3.0])),
        ("exp of int64 [0, 1, 2]", Tensor(np.array([0, 1, 2])).exp(), np.exp([0.0, 1.0, 2.0])),
        ("log", Tensor([1.0, np.e, 10.0]).log(), [0.0, 1.0, np.log(10.0)]),
        ("sqrt", Tensor([4.0, 9.0, 2.0]).sqrt(), [2.0, 3.0, np.sqrt(2.0)]),
        ("abs", x.abs(), [2.0, 0.5, 3.0]),
        ("clamp(-1, 1)", x.clamp(-1.0, 1.0), [-1.0, 0.5, 1.0]),
        ("clamp(min=0)", x.clamp(min=0.0), [0.0, 0.5, 3.0]),
        ("clamp(max=0)", x.clamp(max=0.0), [-2.0, 0.0, 0.0]),
        ("clamp of int64 [0, 1, 2] to [0.5, 1.5]", Tensor(np.array([0, 1, 2])).clamp(0.5, 1.5), [0.5, 1.0, 1.5]),
        ("where", where(x > 0, x, Tensor([10.0, 20.0, 30.0])), [10.0, 0.5, 3.0]),
        ("where of int64 and float32", where(x > 0, Tensor(np.array([7, 8, 9])), x), [-2.0, 8.0, 9.0]),
        ("maximum", maximum(x, Tensor([0.0, 1.0, 2.0])), [0.0, 1.0, 3.0]),
        ("minimum", minimum(x, Tensor([0.0, 1.0, 2.0])), [-2.0, 0.5, 2.0]),
        ("cat", cat([x, Tensor([4.0])]), [-2.0, 0.5, 3.0, 4.0]),
        ("stack", stack([x, x * 2], dim=1), [[-2.0, -4.0], [0.5, 1.0], [3.0, 6.0]]),
    ]
    for text, got, expected in cases:
        assert np.allclose(got.data, expected), f"{text}: expected {np.round(expected, 4).tolist()}, got {got.data.tolist()}"
        assert got.dtype == np.float32, f"{text}: expected dtype float32, got {got.dtype}"
    w = Tensor([1.0, 2.0], requires_grad=True)
    for name, result in (("exp", w.exp()), ("log", w.log()), ("sqrt", w.sqrt()), ("abs", w.abs()), ("clamp", w.clamp(0.0, 1.5))):
        assert result._op == name and result._inputs[0] is w, f"{name} records its history"
    clamped = w.clamp(0.0, 1.5)
    assert (clamped._saved or {}).get("min") == 0.0 and (clamped._saved or {}).get("max") == 1.5, \
        f"clamp(0.0, 1.5) saves min=0.0 and max=1.5 for its gradient rule, got {clamped._saved}"
    picked = where(w > 1.5, w, 0.0)
    condition = (picked._saved or {}).get("condition")
    assert picked._op == "where" and picked._inputs[0] is w and np.array_equal(condition, [False, True]), \
        f"where(w > 1.5, w, 0.0) records op 'where' with w and saves condition [False, True], got {picked._op!r} {condition}"
    y = Tensor([1.0, 2.0])
    y += 1
    assert np.array_equal(y.data, [2.0, 3.0]), "+= changes a plain tensor in place"
    try:
        w += 1
    except RuntimeError:
        pass
    else:
        raise AssertionError("+= on a leaf that requires grad must raise RuntimeError while gradients are recorded")
    assert np.array_equal(w.data, [1.0, 2.0]), "the refused in-place change must leave the tensor as it was"
    print("Elementwise functions work.")


if __name__ == "__main__":
    test_unit_elementwise()

# %% [markdown]
# ## 10. Systems view: what does a tensor cost?
#
# The memory of a tensor is `numel() * itemsize`. The function below prints it for the shapes
# the next modules use, in float32 and float64, so you can see what the float32 default
# saves. It also shows that views are free: a permuted or viewed tensor owns no memory.

# %% nbgrader={"grade": false, "grade_id": "analyze-tensor-memory", "solution": false}
def analyze_tensor_memory():
    print("Tensor memory (measured with ndarray.nbytes):")
    print(f"{'shape':>14} | {'elements':>10} | {'float32':>10} | {'float64':>10}")
    for shape in [(32, 784), (784, 256), (256, 128), (128, 10), (60000, 784)]:
        small = zeros(shape)
        large = zeros(shape, dtype=np.float64)
        print(
            f"{str(shape):>14} | {small.numel():>10,} | {small.data.nbytes / 1024:>7.1f} KB"
            f" | {large.data.nbytes / 1024:>7.1f} KB"
        )
    batch = zeros(64, 3, 32, 32)
    for text, result in (("permute(0, 2, 3, 1)", batch.permute(0, 2, 3, 1)), ("view(64, -1)", batch.view(64, -1)),
                         ("expand(8, 64, 3, 32, 32)", batch.expand(8, -1, -1, -1, -1))):
        print(f"{text:>26}: shares memory with the batch: {np.shares_memory(result.data, batch.data)}, "
              f"owns {0 if result.data.base is not None else result.data.nbytes} bytes")


if __name__ == "__main__":
    analyze_tensor_memory()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "tensor-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Tensor")
    test_unit_tensor_creation()
    test_unit_arithmetic()
    test_unit_comparisons()
    test_unit_matmul()
    test_unit_reductions()
    test_unit_shapes()
    test_unit_elementwise()
    # A forward pass of a tiny linear model, the way Module 03 will use tensors.
    manual_seed(0)
    x = Tensor(default_generator().standard_normal((4, 3)))
    w = Tensor(default_generator().standard_normal((3, 2)), requires_grad=True)
    y = (x @ w + Tensor([0.5, -0.5])).sum(dim=1)
    assert y.shape == (4,) and y.requires_grad, "results of a tensor that requires grad record history"
    assert np.allclose(y.data, (x.data @ w.data + [0.5, -0.5]).sum(axis=1), atol=1e-5), "the forward values"
    # The accuracy idiom of PyTorch code: predicted classes, compared with labels.
    scores = Tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
    _, predicted = scores.max(dim=1)
    assert (predicted == Tensor(np.array([1, 0]))).sum().item() == 2, "max(dim=1) gives the predicted classes"
    # from_numpy shares; Tensor copies.
    array = np.zeros(3)
    shared = from_numpy(array)
    array[0] = 5.0
    assert shared.data[0] == 5.0 and shared.dtype == np.float64, "from_numpy shares memory and keeps the dtype"
    # The same seed replays the same random numbers.
    manual_seed(123)
    first = randn(5)
    manual_seed(123)
    assert np.array_equal(first.data, randn(5).data), "manual_seed must make draws repeatable"
    print("All Tensor tests passed. Next: tito module complete 01_tensor")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# You built the type every later module passes around: a wrapped NumPy array with a
# float32 policy and PyTorch's type promotion, broadcasting arithmetic, elementwise
# comparisons, matrix products, reductions, views and indexing, each refusing bad input with
# a message that names the operation and the shapes. Each result also records how it was
# made; Module 05 turns those records into gradients.
#
# **Where tinytorch differs from PyTorch on purpose**:
#
# - `Tensor(data)` follows PyTorch's class constructor `torch.Tensor(data)`: numbers and float
#   arrays become float32, so that the course's `Tensor([[1, 2, 3]])` examples feed straight
#   into layers. One difference: integer and bool *arrays* keep their dtype (labels stay labels),
#   where `torch.Tensor` makes them float32 too. The function `tensor(data)` infers dtypes as
#   `torch.tensor` does (ints give int64); `from_numpy` keeps every dtype, as in PyTorch.
# - `x.data` is the NumPy array itself (PyTorch: a Tensor sharing the storage).
# - Errors are Python's usual types: `ValueError` for a wrong shape or value, `TypeError`
#   for a wrong type, `RuntimeError` for autograd's rules (PyTorch raises `RuntimeError`
#   for nearly everything).
# - In-place operations (`+=`, `x[i] = v`, `copy_`) are refused on any tensor that takes part
#   in a recorded graph; PyTorch records them and checks versions instead. tinytorch does not
#   notice a plain tensor changed in place after an operation saved it.
# - `expand`/`broadcast_to` give read-only views, so writing into them raises.
#
# Next, Module 02 adds activation functions: the nonlinearities that let stacked layers
# learn more than a single matrix could.
