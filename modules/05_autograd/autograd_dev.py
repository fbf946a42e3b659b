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
# # Module 05: Autograd - gradients by walking the graph backwards
#
# **You have built**: tensors whose operations record where their results came from
# (Module 01), activations (02), layers (03) and losses (04). **You build now**: the
# algorithm that turns those records into gradients: `loss.backward()` fills `.grad` of
# every parameter with d(loss)/d(parameter). With it, the network of Module 03 can learn.
#
# **The design in one sentence.** Modules 01-04 already record, for each result, the
# operation's name, its inputs and what else its gradient needs; this module supplies one
# *gradient rule* per operation name, and a `backward` that visits the recorded graph once,
# outputs before inputs, applying the rules. Nothing in Modules 01-04 is replaced or
# patched: the forward code you wrote there is the code that runs.
#
# **Where the code goes**: `modules/05_autograd/autograd_dev.py` exports to
# `tinytorch.core.autograd`; `Tensor.backward` imports it when first called.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.autograd
#| export
import contextlib

import numpy as np

from tinytorch.core.activations import logistic, normal_cdf
from tinytorch.core.tensor import Tensor, from_numpy, set_grad_enabled

# %% [markdown]
# ## 1. The chain rule on a graph
#
# Take `loss = mean(relu(x @ W + b))`. Each operation is a node; each arrow is a tensor.
#
# ```
#   x ----\
#          matmul --> h1 --\
#   W ----/                 add --> h2 --> relu --> h3 --> mean --> loss
#   b ---------------------/
# ```
#
# The chain rule says: the gradient of `loss` with respect to any tensor is the gradient
# with respect to the operation's output, pushed back through that operation. If we know
# `g = d(loss)/d(h2)`, then `add` passes `g` to both `h1` and `b`, and `matmul` turns the
# gradient of `h1` into `g1 @ W.T` for `x` and `x.T @ g1` for `W`. So backward needs, per
# operation, only a local rule: *given the gradient of my output, what are the gradients of
# my inputs?* That is a **vector-Jacobian product**; the full Jacobian is never formed.
#
# Three facts shape the algorithm:
#
# 1. **Order.** A node's gradient is complete only when every node that used it has passed
#    its share back. Processing nodes in reverse *topological order* (every node after all
#    nodes computed from it) guarantees that.
# 2. **Accumulation.** A tensor used twice (`y = x * x`, or a weight shared by two layers)
#    receives two contributions; they *add*. Leaf tensors accumulate into `.grad` across
#    backward calls too, which is why training loops call `zero_grad()`.
# 3. **No recursion.** A 100,000-operation chain would overflow Python's recursion limit if
#    we recursed; an explicit stack does not. And visiting each node once keeps the cost
#    linear even when nodes are reused along exponentially many paths.

# %% [markdown]
# ## 2. Undoing broadcasting: `sum_to`
#
# When `(32, 256) + (256,)` broadcasts the bias over 32 rows, each bias element influences
# 32 outputs, so its gradient is the sum of those 32 gradients. In general, a gradient
# arriving with the output's shape must be summed back to the input's shape: sum the extra
# leading axes away, then sum (keeping the axis) wherever the input had length 1.
#
# ```
#   output gradient (32, 256) --sum over axis 0--> (256,)      bias gradient
#   output gradient (4, 3, 5) --sum axis 0, then axis 2 (keepdims)--> (3, 1)
# ```
#
# Every rule for a broadcasting operation ends with `sum_to`, so the logic exists once.

# %% nbgrader={"grade": false, "grade_id": "sum-to", "solution": true}
#| export
def sum_to(grad, shape):
    """Sum `grad` down to `shape`, undoing NumPy broadcasting.

    TODO: sum away the leading axes `grad` has in excess, then sum (keepdims) every axis
    where `shape` has length 1 but `grad` does not.

    EXAMPLE:
    >>> sum_to(np.ones((32, 256)), (256,)).shape
    (256,)
    >>> sum_to(np.ones((4, 3, 5)), (3, 1))
    array([[20.], [20.], [20.]])
    """
    ### BEGIN SOLUTION
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
    ### END SOLUTION


# %% [markdown]
# ## 3. Gradient rules
#
# A rule is a function `rule(grad, out, inputs, saved)` that returns one gradient (an
# ndarray, or None) per input. `grad` has the shape of `out`; `saved` holds whatever the
# forward operation recorded (an axis, an index, the targets of a loss).
# `@gradient_rule("mul")` registers a rule under the name the forward operation recorded.
#
# | op | forward | gradient for each input |
# |----|---------|-------------------------|
# | add / sub | a + b, a - b | g, +/-g (then sum_to) |
# | mul | a * b | g * b, g * a |
# | div | a / b | g / b, -g * a / b^2 |
# | pow | a ** b | g * b * a^(b-1) (0 where b = 0), g * out * log a (0 where a = 0 and b >= 0) |
# | matmul | a @ b | g @ b^T, a^T @ g (batch axes summed) |
# | linear | x @ W + b (Module 03) | g @ W^T, x^T @ g, g summed over the batch |
# | sum / mean | reduce over axis | g spread back over the axis (mean: divided by its length) |
# | amax / amin | largest / smallest element | g to the extreme element(s), split equally among ties |
# | take_along | `max(dim)` / `min(dim)` values | g to the one position the indices name |
# | logsumexp | log sum e^a | g * softmax(a) over the reduced axes |
# | reshape (view, flatten, squeeze, unsqueeze) | same numbers, new shape | g reshaped back |
# | permute (transpose, .T, .mT) | axes reordered | g with the inverse order |
# | expand | a broadcast to a larger shape | sum_to(g, a's shape) |
# | clone, cast | a copied / converted | g (converted back) |
# | getitem | a[index] | g scattered into zeros, repeated indices adding up |
# | cat / stack | pieces joined | g split back into the pieces |
# | exp / log / sqrt | e^a, log a, sqrt a | g * out, g / a, g / (2 out) |
# | abs / clamp | \|a\|, a limited to [lo, hi] | g * sign(a), g where lo <= a <= hi |
# | where | c ? a : b | g where c to a, g elsewhere to b |
# | maximum / minimum | elementwise larger / smaller | g to the larger / smaller side, halved on ties |
#
# Rules never modify the arrays they are given: the same gradient array may be passed to
# several inputs (an `add` hands `g` to both sides).

# %% nbgrader={"grade": false, "grade_id": "rule-registry", "solution": false}
#| export
GRADIENT_RULES = {}


def gradient_rule(op):
    """Decorator: register `rule` as the gradient of operations recorded under the name `op`."""

    def register(rule):
        GRADIENT_RULES[op] = rule
        return rule

    return register


def _expand(values, shape, axis, keepdims):
    """Broadcast a reduction's result (or gradient) back to the shape it was reduced from."""
    if axis is not None and not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        values = np.expand_dims(values, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(values, shape)


# %% nbgrader={"grade": false, "grade_id": "arithmetic-rules", "solution": true}
#| export
@gradient_rule("add")
def _add_rule(grad, out, inputs, saved):
    a, b = inputs
    return sum_to(grad, a.data.shape), sum_to(grad, b.data.shape)


@gradient_rule("sub")
def _sub_rule(grad, out, inputs, saved):
    a, b = inputs
    return sum_to(grad, a.data.shape), sum_to(-grad, b.data.shape)


@gradient_rule("neg")
def _neg_rule(grad, out, inputs, saved):
    return (-grad,)


@gradient_rule("mul")
def _mul_rule(grad, out, inputs, saved):
    """d(a*b)/da = b and d(a*b)/db = a."""
    a, b = inputs
    ### BEGIN SOLUTION
    grad_a = sum_to(grad * b.data, a.shape) if a.requires_grad else None
    grad_b = sum_to(grad * a.data, b.shape) if b.requires_grad else None
    return grad_a, grad_b
    ### END SOLUTION


@gradient_rule("div")
def _div_rule(grad, out, inputs, saved):
    """d(a/b)/da = 1/b and d(a/b)/db = -a/b^2."""
    a, b = inputs
    ### BEGIN SOLUTION
    grad_a = sum_to(grad / b.data, a.shape) if a.requires_grad else None
    grad_b = sum_to(-grad * out.data / b.data, b.shape) if b.requires_grad else None
    return grad_a, grad_b
    ### END SOLUTION


@gradient_rule("pow")
def _pow_rule(grad, out, inputs, saved):
    """d(a^b)/da = b a^(b-1) and d(a^b)/db = a^b log a."""
    base, exponent = inputs
    ### BEGIN SOLUTION
    grad_base = grad_exponent = None
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 and log 0 are masked below
        if base.requires_grad:
            # x ** 0 is the constant 1 everywhere, x = 0 included: its slope is 0, not 0 * inf.
            slope = np.where(exponent.data == 0, 0, exponent.data * base.data ** (exponent.data - 1))
            grad_base = sum_to(grad * slope, base.shape)
        if exponent.requires_grad:
            # 0 ** e is 0 for every e > 0 (and 1 at e = 0): flat in e there, where log 0 = -inf.
            flat = (base.data == 0) & (exponent.data >= 0)
            grad_exponent = sum_to(np.where(flat, 0, grad * out.data * np.log(base.data)), exponent.shape)
    return grad_base, grad_exponent
    ### END SOLUTION


# %% [markdown]
# ### Matrix multiplication
#
# For `C = A @ B` with `A (n, k)`, `B (k, m)`: `dA = G @ B^T` has shape `(n, m) @ (m, k) =
# (n, k)`, and `dB = A^T @ G` has shape `(k, n) @ (n, m) = (k, m)`: the shapes alone tell you
# where the transposes go. With batch axes the same holds per batch, and `sum_to` adds up
# the batches a broadcast operand was shared across. A 1-D operand is treated as a matrix
# with one row (left) or one column (right), and the extra axis removed again at the end.

# %% nbgrader={"grade": false, "grade_id": "matmul-rule", "solution": true}
#| export
@gradient_rule("matmul")
def _matmul_rule(grad, out, inputs, saved):
    a, b = inputs
    ### BEGIN SOLUTION
    a_data = a.data[np.newaxis, :] if a.ndim == 1 else a.data
    b_data = b.data[:, np.newaxis] if b.ndim == 1 else b.data
    g = grad
    if a.ndim == 1:  # put back the row axis, which sits just before the column axis (if any)
        g = np.expand_dims(g, g.ndim - 1 if b.ndim > 1 else g.ndim)
    if b.ndim == 1:  # put back the column axis, last
        g = np.expand_dims(g, g.ndim)
    grad_a = grad_b = None
    if a.requires_grad:
        grad_a = sum_to(g @ np.swapaxes(b_data, -1, -2), a_data.shape)
        grad_a = grad_a.reshape(a.shape) if a.ndim == 1 else grad_a
    if b.requires_grad:
        grad_b = sum_to(np.swapaxes(a_data, -1, -2) @ g, b_data.shape)
        grad_b = grad_b.reshape(b.shape) if b.ndim == 1 else grad_b
    return grad_a, grad_b
    ### END SOLUTION


# %% [markdown]
# ### Linear: matmul and bias in one rule
#
# Module 03 records a whole Linear layer as one operation, `"linear"`, with inputs
# `(x, W)` or `(x, W, b)`. Its rule is the matmul rule and the bias rule together; leading
# batch axes of `x` (a `(batch, time, in)` input, say) are flattened first, so the weight's
# gradient sums over every position at once: `dW = x_flat^T @ g_flat`, `db = g_flat` summed.

# %% nbgrader={"grade": false, "grade_id": "linear-rule", "solution": true}
#| export
@gradient_rule("linear")
def _linear_rule(grad, out, inputs, saved):
    x, weight = inputs[0], inputs[1]
    ### BEGIN SOLUTION
    rows = grad.reshape(-1, grad.shape[-1])  # (positions, out)
    grads = [
        grad @ weight.data.T if x.requires_grad else None,
        x.data.reshape(-1, x.shape[-1]).T @ rows if weight.requires_grad else None,
    ]
    if len(inputs) == 3:
        # The bias's gradient sums the rows; as the product ones @ rows, BLAS does it in half
        # the time NumPy's column-wise sum takes (rows.sum(axis=0)), with the same round-off.
        grads.append(np.ones(len(rows), rows.dtype) @ rows if inputs[2].requires_grad else None)
    return tuple(grads)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "reduction-rules", "solution": true}
#| export
@gradient_rule("sum")
def _sum_rule(grad, out, inputs, saved):
    (a,) = inputs
    ### BEGIN SOLUTION
    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]),)
    ### END SOLUTION


@gradient_rule("mean")
def _mean_rule(grad, out, inputs, saved):
    (a,) = inputs
    ### BEGIN SOLUTION
    count = a.data.size // max(out.data.size, 1)
    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]) / count,)
    ### END SOLUTION


@gradient_rule("amax")
@gradient_rule("amin")
def _extreme_rule(grad, out, inputs, saved):
    """The gradient goes to the extreme element; tied extremes share it equally."""
    (a,) = inputs
    axis, keepdims = saved["axis"], saved["keepdims"]
    ### BEGIN SOLUTION
    winners = a.data == _expand(out.data, a.shape, axis, keepdims)
    share = winners / np.sum(winners, axis=axis, keepdims=True)
    return (share * _expand(grad, a.shape, axis, keepdims),)
    ### END SOLUTION


@gradient_rule("take_along")
def _take_along_rule(grad, out, inputs, saved):
    """max(dim)/min(dim): the gradient goes to the one position each index names."""
    (a,) = inputs
    axis, indices = saved["axis"], saved["indices"]
    if not saved["keepdims"]:
        grad, indices = np.expand_dims(grad, axis), np.expand_dims(indices, axis)
    full = np.zeros(a.shape, dtype=grad.dtype)
    np.put_along_axis(full, indices, grad, axis=axis)
    return (full,)


@gradient_rule("logsumexp")
def _logsumexp_rule(grad, out, inputs, saved):
    """d/da log sum e^a = e^a / sum e^a = softmax(a) over the reduced axes."""
    (a,) = inputs
    axis, keepdims = saved["axis"], saved["keepdims"]
    softmax = np.exp(a.data - _expand(out.data, a.shape, axis, keepdims))
    return (softmax * _expand(grad, a.shape, axis, keepdims),)


# %% nbgrader={"grade": false, "grade_id": "shape-rules", "solution": true}
#| export
@gradient_rule("reshape")
def _reshape_rule(grad, out, inputs, saved):
    return (grad.reshape(inputs[0].shape),)


@gradient_rule("permute")
def _permute_rule(grad, out, inputs, saved):
    """Undo the permutation: axis `dims[i]` of the input became axis `i` of the output.

    TODO: return the gradient with the inverse order applied (transpose, .T and .mT are all
    recorded as permute, so this one rule serves them all).

    EXAMPLE: dims (2, 0, 1) took shape (2, 3, 4) to (4, 2, 3); the gradient (4, 2, 3) must
    go back to (2, 3, 4).
    """
    ### BEGIN SOLUTION
    return (np.transpose(grad, np.argsort(saved["dims"])),)
    ### END SOLUTION


@gradient_rule("expand")
def _expand_rule(grad, out, inputs, saved):
    return (sum_to(grad, inputs[0].shape),)


@gradient_rule("clone")
def _clone_rule(grad, out, inputs, saved):
    return (grad,)


@gradient_rule("cast")
def _cast_rule(grad, out, inputs, saved):
    return (grad.astype(inputs[0].dtype, copy=False),)


@gradient_rule("cat")
def _cat_rule(grad, out, inputs, saved):
    return tuple(np.split(grad, np.cumsum(saved["sizes"])[:-1], axis=saved["axis"]))


@gradient_rule("stack")
def _stack_rule(grad, out, inputs, saved):
    return tuple(np.take(grad, position, axis=saved["axis"]) for position in range(len(inputs)))


@gradient_rule("getitem")
def _getitem_rule(grad, out, inputs, saved):
    """Scatter the gradient back to the positions that were read; repeated indices add up."""
    (a,) = inputs
    ### BEGIN SOLUTION
    full = np.zeros(a.shape, dtype=grad.dtype)
    np.add.at(full, saved["index"], grad)
    return (full,)
    ### END SOLUTION


@gradient_rule("exp")
def _exp_rule(grad, out, inputs, saved):
    return (grad * out.data,)


@gradient_rule("log")
def _log_rule(grad, out, inputs, saved):
    return (grad / inputs[0].data,)


@gradient_rule("sqrt")
def _sqrt_rule(grad, out, inputs, saved):
    return (grad / (2 * out.data),)


@gradient_rule("abs")
def _abs_rule(grad, out, inputs, saved):
    return (grad * np.sign(inputs[0].data),)  # slope 0 at 0, as in PyTorch


@gradient_rule("clamp")
def _clamp_rule(grad, out, inputs, saved):
    """The gradient passes where the input was inside [min, max], bounds included."""
    x, inside = inputs[0].data, True
    if saved["min"] is not None:
        inside = inside & (x >= saved["min"])
    if saved["max"] is not None:
        inside = inside & (x <= saved["max"])
    return (grad * inside,)


@gradient_rule("where")
def _where_rule(grad, out, inputs, saved):
    a, b = inputs
    condition = saved["condition"]
    grad_a = sum_to(np.where(condition, grad, 0), a.shape) if a.requires_grad else None
    grad_b = sum_to(np.where(condition, 0, grad), b.shape) if b.requires_grad else None
    return grad_a, grad_b


@gradient_rule("maximum")
@gradient_rule("minimum")
def _pick_rule(grad, out, inputs, saved):
    """The side that was picked gets the gradient; equal sides get half each."""
    a, b = inputs
    share_a = (a.data == out.data) * np.where(a.data == b.data, 0.5, 1.0)
    grad_a = sum_to(grad * share_a, a.shape) if a.requires_grad else None
    grad_b = sum_to(grad * (1 - share_a), b.shape) if b.requires_grad else None
    return grad_a, grad_b


# %% [markdown]
# ## 4. Rules for the activations and losses
#
# | op | derivative |
# |----|------------|
# | relu | 1 where x > 0, else 0 |
# | sigmoid | s (1 - s), from the output s |
# | tanh | 1 - t^2, from the output t |
# | gelu | Phi(x) + x phi(x) (tanh form: the derivative of its formula) |
# | softmax | s * (g - sum(g * s)) along the softmax axis |
# | log_softmax | g - softmax * sum(g) along the axis |
# | cross_entropy | (softmax(z) - onehot(y)), divided by N for the mean |
# | binary_cross_entropy | (p - y) / max(p (1 - p), 1e-12) |
# | bce_with_logits | sigmoid(x) - y |
#
# The softmax rule is the Jacobian-vector product `J^T g` without forming the `C x C`
# Jacobian `diag(s) - s s^T`. The cross-entropy rule is why the loss was recorded as one
# fused operation: the gradient is `softmax - onehot`, bounded between -1 and 1, however
# large the logits.

# %% nbgrader={"grade": false, "grade_id": "activation-rules", "solution": true}
#| export
@gradient_rule("dropout")
def _dropout_rule(grad, out, inputs, saved):
    """Module 03's Dropout: the output is x * mask, so the gradient is grad * mask."""
    return (grad * saved["mask"],)


@gradient_rule("relu")
def _relu_rule(grad, out, inputs, saved):
    ### BEGIN SOLUTION
    return (grad * (inputs[0].data > 0),)
    ### END SOLUTION


@gradient_rule("sigmoid")
def _sigmoid_rule(grad, out, inputs, saved):
    ### BEGIN SOLUTION
    s = out.data
    return (grad * s * (1 - s),)
    ### END SOLUTION


@gradient_rule("tanh")
def _tanh_rule(grad, out, inputs, saved):
    ### BEGIN SOLUTION
    t = out.data
    return (grad * (1 - t * t),)
    ### END SOLUTION


_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi).item()
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi).item()


@gradient_rule("gelu")
def _gelu_rule(grad, out, inputs, saved):
    x = inputs[0].data
    if saved["approximate"] == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)  # x**3 would be ~200x slower in NumPy
        t = np.tanh(inner)
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    else:
        slope = normal_cdf(x) + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return (grad * slope,)


@gradient_rule("softmax")
def _softmax_rule(grad, out, inputs, saved):
    ### BEGIN SOLUTION
    s = out.data
    return (s * (grad - np.sum(grad * s, axis=saved["dim"], keepdims=True)),)
    ### END SOLUTION


@gradient_rule("log_softmax")
def _log_softmax_rule(grad, out, inputs, saved):
    return (grad - np.exp(out.data) * np.sum(grad, axis=saved["dim"], keepdims=True),)


# %% nbgrader={"grade": false, "grade_id": "loss-rules", "solution": true}
#| export
@gradient_rule("cross_entropy")
def _cross_entropy_rule(grad, out, inputs, saved):
    """softmax(z) - onehot(y), scaled by the incoming gradient (and 1/N for the mean)."""
    z = inputs[0].data
    labels, reduction = saved["targets"], saved["reduction"]
    ### BEGIN SOLUTION
    result = np.exp(z - saved["log_sum_exp"])  # softmax(z), from the forward pass's row LSEs
    result[np.arange(len(labels)), labels] -= 1
    if reduction == "mean":
        result *= grad / len(labels)
    elif reduction == "sum":
        result *= grad
    else:
        result *= grad[:, np.newaxis]
    return (result,)
    ### END SOLUTION


@gradient_rule("binary_cross_entropy")
def _binary_cross_entropy_rule(grad, out, inputs, saved):
    p, y = inputs[0].data, saved["targets"]
    return (grad * (p - y) / np.maximum(p * (1 - p), 1e-12),)


@gradient_rule("bce_with_logits")
def _bce_with_logits_rule(grad, out, inputs, saved):
    return (grad * (logistic(inputs[0].data) - saved["targets"]),)


# %% [markdown]
# ## 5. The backward pass
#
# ```
# backward(loss):
#   order = every node reachable from loss through inputs that require grad,
#           inputs always listed before the nodes computed from them (topological order)
#   grads = {loss: 1}
#   for node in reversed(order):               # outputs first
#       g = grads.pop(node)
#       for each input, with its share rule(g, ...)[i]:
#           if input is a leaf (made by the user):  input.grad += share
#           else:                                    grads[input] += share
#       release what the node saved, unless retain_graph
# ```
#
# The topological order comes from a depth-first search with an explicit stack: a node is
# appended once all its inputs are. Each node is visited once, so a graph where one tensor
# feeds many paths costs time proportional to its number of nodes, not paths. Only interior
# nodes (results of operations) need an order: a leaf passes nothing on, so each share of its
# gradient is added to `.grad` the moment a rule produces it. Leaving the leaves (a network's
# weights and biases) out of the search halves the nodes it visits in a training step.
#
# **Releasing memory.** After backward, each interior node forgets its inputs and saved
# values, so the forward activations can be freed as soon as the caller drops the loss. A
# second backward through the same graph is then an error (pass `retain_graph=True` to the
# first one to allow it). No node ever refers to itself, directly or through a closure, so
# the graph never forms reference cycles: it dies by reference counting, immediately.

# %% nbgrader={"grade": false, "grade_id": "backward", "solution": true}
#| export
def _topological_order(root):
    """The interior nodes that need a gradient, each after every input it was computed from.

    Leaves are left out: backward() hands them their gradient directly. A root that is
    itself a leaf is the one leaf listed.
    """
    order, visited = [], set()
    stack = [(root, False)]
    ### BEGIN SOLUTION
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        if node._saved is None and node._op is not None:
            raise RuntimeError(
                f"backward(): the graph through {node._op!r} was already used by a backward pass and its "
                "saved values released; call the first backward() with retain_graph=True to go through it twice"
            )
        stack.append((node, True))
        for source in node._inputs:
            if source._requires_grad and source._op is not None and source not in visited:
                stack.append((source, False))
    ### END SOLUTION
    return order


def _accumulate_into_leaf(leaf, grad, visible):
    """Add `grad` to leaf.grad, keeping the array itself only when the leaf alone will see it.

    `visible` holds the ids of arrays that some other tensor, or the caller, may also see:
    those, views and read-only arrays are copied first, so that changing one leaf's .grad in
    place (as clip_grad_norm does) never changes another's.
    """
    if leaf._grad is not None:
        grad = leaf._grad.data + grad
    elif id(grad) in visible or not (grad.flags.owndata and grad.flags.writeable):
        grad = np.array(grad, dtype=leaf.data.dtype)
    visible.add(id(grad))
    leaf._grad = from_numpy(grad)  # the rules keep the leaf's shape and dtype: no checks needed


def backward(root, gradient=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf tensor that requires grad."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward(): this tensor does not require grad; no tensor it was computed from has "
            "requires_grad=True, or it was computed under no_grad()"
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward(): a gradient can be implied only for a single number; this tensor has shape "
                f"{root.shape}, so pass gradient= of that shape"
            )
        seed = np.ones(root.shape, dtype=root.dtype)
    else:
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)
        if seed.shape != root.shape:
            raise ValueError(f"backward(): gradient has shape {seed.shape}, the tensor has shape {root.shape}")

    grads = {root: seed}  # keyed by tensor: Tensor hashes by identity
    # A rule may hand one array to several inputs (add gives `grad` to both sides), so a leaf
    # keeps an array without copying it only if no leaf kept it before and the caller did not
    # hand it in: `visible` lists those arrays (see _accumulate_into_leaf).
    visible = set() if gradient is None else {id(seed)}
    ### BEGIN SOLUTION
    for node in reversed(_topological_order(root)):
        grad = grads.pop(node, None)
        if grad is None:
            continue
        if node._op is None:  # the root itself is a leaf
            _accumulate_into_leaf(node, grad, visible)
            continue
        rule = GRADIENT_RULES.get(node._op)
        if rule is None:
            raise RuntimeError(f"backward(): operation {node._op!r} has no gradient rule")
        for source, source_grad in zip(node._inputs, rule(grad, node, node._inputs, node._saved)):
            if source_grad is None or not source._requires_grad:
                continue
            if source_grad.dtype is not source.data.dtype and source_grad.dtype != source.data.dtype:
                source_grad = source_grad.astype(source.data.dtype)
            if source_grad.shape != source.data.shape:
                raise RuntimeError(
                    f"backward(): the rule of {node._op!r} gave a gradient of shape {source_grad.shape} "
                    f"for an input of shape {source.data.shape}"
                )
            if source._op is None:
                _accumulate_into_leaf(source, source_grad, visible)
            elif source in grads:
                grads[source] = grads[source] + source_grad
            else:
                grads[source] = source_grad
        if not retain_graph:
            node._inputs, node._saved = (), None
    ### END SOLUTION


# %% [markdown]
# ## 6. Switching recording off: `no_grad()`
#
# Evaluating a model needs no gradients, and recording the graph would keep every
# activation alive for nothing. Inside `with no_grad():` operations record nothing; on the
# way out, the previous setting is restored even if an exception occurred. It also works as
# a decorator, `@no_grad()`.

# %% nbgrader={"grade": false, "grade_id": "no-grad", "solution": false}
#| export
@contextlib.contextmanager
def no_grad():
    """Context manager (or decorator) in which operations record no history."""
    previous = set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)


# %% [markdown]
# ## 7. Trust, but verify: `gradcheck`
#
# A wrong gradient rule does not crash: training just goes quietly wrong. So every rule is
# checked against the definition of a derivative, with central differences:
#
# `df/dx ~ (f(x + eps) - f(x - eps)) / (2 eps)`, error of order `eps^2`.
#
# `gradcheck(fn, *inputs)` makes the output a scalar by weighting it with a fixed random
# tensor `w` (`L = sum(w * fn(inputs))`: any wrong entry of the Jacobian then shows up with
# probability 1), computes `dL/dinput` by backward, and compares it, element by element, with
# central differences. It works in float64: in float32 the rounding error of `f` divided by
# `2 eps` would swamp the signal. On failure it names the worst element with both values.

# %% nbgrader={"grade": false, "grade_id": "gradcheck", "solution": false}
#| export
class GradcheckError(AssertionError):
    """An analytic gradient disagrees with central differences."""


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check backward() of `fn` against float64 central differences over every input element.

    Inputs must be float64 Tensors with requires_grad=True; `fn` must be deterministic.
    Returns True, or raises GradcheckError naming the worst element.
    """
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or tensor.dtype != np.float64 or not tensor.requires_grad:
            raise TypeError(f"gradcheck: input {position} must be a float64 Tensor with requires_grad=True")
    output = fn(*inputs)
    weights = np.random.default_rng(seed).standard_normal(output.shape)
    for tensor in inputs:
        tensor.grad = None
    (output * Tensor(weights, dtype=np.float64)).sum().backward()

    def weighted_output():
        with no_grad():
            return float(np.sum(fn(*inputs).data * weights))

    for position, tensor in enumerate(inputs):
        analytic = tensor.grad.data if tensor.grad is not None else np.zeros(tensor.shape)
        numeric = np.zeros(tensor.shape)
        flat = tensor.data.reshape(-1)  # a view: perturbing it perturbs the input
        for element in range(flat.size):
            original = flat[element]
            flat[element] = original + eps
            above = weighted_output()
            flat[element] = original - eps
            below = weighted_output()
            flat[element] = original
            numeric.reshape(-1)[element] = (above - below) / (2 * eps)
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and excess.max() > 0:
            worst = np.unravel_index(np.argmax(excess), tensor.shape)
            raise GradcheckError(
                f"gradcheck: input {position} (shape {tensor.shape}), element {tuple(map(int, worst))}: "
                f"analytic {analytic[worst]:.8g}, numeric {numeric[worst]:.8g}"
            )
    return True


# %% [markdown]
# ### Unit tests

# %% nbgrader={"grade": true, "grade_id": "test-sum-to", "locked": true, "points": 5}
def test_unit_sum_to():
    print("Unit test: sum_to...")
    cases = [
        ((32, 256), (256,), np.full(256, 32.0)),
        ((4, 3, 5), (3, 1), np.full((3, 1), 20.0)),
        ((2, 3), (1, 3), np.full((1, 3), 2.0)),
        ((2, 3), (2, 1), np.full((2, 1), 3.0)),
        ((2, 3), (), np.array(6.0)),
        ((2, 3), (2, 3), np.ones((2, 3))),
    ]
    for grad_shape, shape, expected in cases:
        got = sum_to(np.ones(grad_shape), shape)
        assert got.shape == expected.shape and np.array_equal(got, expected), \
            f"sum_to(ones{grad_shape}, {shape}): expected {expected.tolist()}, got {np.asarray(got).tolist()}"
    values = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(sum_to(values, (1, 3)), [[3.0, 5.0, 7.0]]), "sum_to adds up the stretched rows"
    assert np.array_equal(sum_to(values, (2, 1)), [[3.0], [12.0]]), "sum_to adds up the stretched columns"
    print("sum_to works.")


if __name__ == "__main__":
    test_unit_sum_to()

# %% nbgrader={"grade": true, "grade_id": "test-backward", "locked": true, "points": 15}
def test_unit_backward():
    import weakref

    print("Unit test: backward...")
    x = Tensor([2.0, 3.0], requires_grad=True)
    y = (x * x + 3 * x).sum()  # dy/dx = 2x + 3
    y.backward()
    assert np.allclose(x.grad.data, [7.0, 9.0]), f"d(x*x + 3x)/dx = 2x + 3 = [7, 9], got {x.grad.data}"
    y2 = (x * 2).sum()
    y2.backward()
    assert np.allclose(x.grad.data, [9.0, 11.0]), f"gradients accumulate across backward calls: expected [9, 11], got {x.grad.data}"

    # A diamond: `a` reaches the loss along two paths, which must both be counted, once each.
    a = Tensor([1.5, -2.0], requires_grad=True)
    b = a * 3.0
    loss = (b * b + b * a).sum()  # = 9a^2 + 3a^2 = 12 a^2, so d/da = 24 a
    loss.backward()
    assert np.allclose(a.grad.data, 24 * a.data), f"d(12 a^2)/da = 24a = {24 * a.data}, got {a.grad.data}"
    # `p` is an input of the sum and of `p * 2`, which the search reaches first: p is still
    # pushed twice, but must be processed once, after `p * 2` has passed its share back.
    a = Tensor([1.0, -2.0], requires_grad=True)
    p = a * 3.0
    try:
        (p + p * 2.0).sum().backward()
    except Exception as error:
        raise AssertionError(f"backward of p + p * 2 (p reached twice) failed: {type(error).__name__}: {error}") from error
    assert np.array_equal(a.grad.data, [9.0, 9.0]), f"d(3a + 6a)/da = 9, got {a.grad.data}"

    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    ((a * b).sum()).backward()
    assert np.allclose(b.grad.data, [2, 2, 2]) and np.allclose(a.grad.data, [[1, 2, 3], [1, 2, 3]]), \
        f"broadcast gradients: got a.grad {a.grad.data.tolist()}, b.grad {b.grad.data.tolist()}"
    assert a.grad.shape == a.shape and b.grad.shape == b.shape, "every gradient has its tensor's shape"

    left, right = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (left + right).sum().backward()
    assert left.grad.data is not right.grad.data, "two leaves must never share one gradient array"
    left.grad.data[0] = 100.0
    assert right.grad.data[0] == 1.0, "changing one leaf's gradient must not change another's"

    # `add` hands one array to both its inputs; `p` then receives a second share, which must be
    # added into a new array: neither q's share nor the caller's gradient may change.
    a, b = Tensor([1.0, -2.0], requires_grad=True), Tensor([0.5, 4.0], requires_grad=True)
    p, q = a * 2.0, b * 3.0
    given = np.array([1.0, 3.0], dtype=np.float32)
    ((p + q) + p).backward(gradient=given)
    assert np.array_equal(a.grad.data, [4.0, 12.0]) and np.array_equal(b.grad.data, [3.0, 9.0]), \
        f"(2a + 3b) + 2a weighted by [1, 3]: expected a.grad [4, 12], b.grad [3, 9]; got {a.grad.data}, {b.grad.data}"
    assert np.array_equal(given, [1.0, 3.0]), f"backward must not change the gradient it is given: [1, 3] became {given}"

    constant = Tensor([10.0, 20.0])
    (a * 2.0 + constant).sum().backward()
    assert constant.grad is None, f"a tensor that does not require grad gets no .grad, got {constant.grad}"
    alone = Tensor(2.5, requires_grad=True)
    alone.backward()
    assert alone.grad is not None and alone.grad.item() == 1.0, f"backward() of a leaf sets its .grad to 1, got {alone.grad}"
    single = Tensor([1.0, 2.0], requires_grad=True)  # float32, multiplied by a float64 tensor
    (single * Tensor([3.0, 4.0], dtype=np.float64)).sum().backward()
    assert single.grad.dtype == np.float32 and np.array_equal(single.grad.data, [3.0, 4.0]), \
        f"a float32 leaf gets a float32 gradient [3, 4], got {single.grad.data.tolist()} as {single.grad.dtype}"

    w = Tensor(np.ones((3, 2)), requires_grad=True)
    (Tensor(np.ones((4, 3))) @ w).mean().backward()
    assert np.allclose(w.grad.data, np.full((3, 2), 4 / 8)), f"mean of (4, 3) @ (3, 2): expected 0.5 everywhere, got {w.grad.data}"
    tied = Tensor([3.0, 3.0, 1.0], requires_grad=True)
    tied.amax().backward()
    assert np.allclose(tied.grad.data, [0.5, 0.5, 0.0]), f"tied maxima share the gradient: expected [0.5, 0.5, 0], got {tied.grad.data}"
    picked = Tensor([[3.0, 1.0], [0.0, 2.0]], requires_grad=True)
    picked.max(dim=1).values.sum().backward()
    assert np.array_equal(picked.grad.data, [[1.0, 0.0], [0.0, 1.0]]), f"max(dim) sends the gradient to the max, got {picked.grad.data}"

    h = Tensor([1.0, 2.0], requires_grad=True) * 2
    loss = h.sum()
    h_alive = weakref.ref(h)
    del h
    loss.backward()
    assert loss._saved is None, f"after backward the graph releases what it saved, the loss still holds {loss._saved}"
    assert h_alive() is None, "after backward the loss lets go of its inputs: the intermediate h = x * 2 is still alive"
    try:
        (w * 2).backward()
    except RuntimeError as error:
        assert "(3, 2)" in str(error), f"the error must name the shape: {error}"
    else:
        raise AssertionError("backward() of a non-scalar needs an explicit gradient")
    print("backward works.")


if __name__ == "__main__":
    test_unit_backward()

# %% nbgrader={"grade": true, "grade_id": "test-gradcheck", "locked": true, "points": 15}
def test_unit_gradient_rules():
    print("Unit test: gradient rules against central differences...")
    from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
    from tinytorch.core.losses import CrossEntropyLoss

    rng = np.random.default_rng(0)

    def leaf(*shape, low=-2.0, high=2.0):
        return Tensor(rng.uniform(low, high, shape), dtype=np.float64, requires_grad=True)

    checks = {
        "add/sub/mul/div broadcast": (lambda a, b: (a + b) * a / (b * b + 1) - b, (leaf(3, 4), leaf(4))),
        "number / tensor, number ** tensor": (lambda b: 2.0 / b + 1.5 ** b, (leaf(4, low=0.5),)),
        "pow": (lambda a, b: a ** b, (leaf(3, low=0.5), leaf(3))),
        "matmul": (lambda a, b: a @ b, (leaf(2, 3), leaf(3, 4))),
        "batched matmul": (lambda a, b: a @ b, (leaf(2, 2, 3), leaf(3, 4))),
        "vector @ matrix": (lambda a, b: a @ b, (leaf(3), leaf(3, 4))),
        "matrix @ vector": (lambda a, b: a @ b, (leaf(2, 3), leaf(3))),
        "vector @ vector": (lambda a, b: a @ b, (leaf(3), leaf(3))),
        "vector @ batched matrices": (lambda a, b: a @ b, (leaf(3), leaf(2, 3, 4))),
        "batched matrices @ vector": (lambda a, b: a @ b, (leaf(2, 4, 3), leaf(3))),
        "linear": (lambda x, w, b: Tensor.from_op(x.data @ w.data + b.data, "linear", (x, w, b)),
                   (leaf(2, 3, 4), leaf(4, 5), leaf(5))),
        "linear without bias": (lambda x, w: Tensor.from_op(x.data @ w.data, "linear", (x, w)), (leaf(3, 4), leaf(4, 2))),
        "dropout": (lambda a: Tensor.from_op(a.data * drop_mask, "dropout", (a,), mask=drop_mask), (leaf(3, 4),)),
        "sum/mean over axis 0 and 1": (lambda a: a.sum(dim=0) * a.mean(dim=1, keepdim=True), (leaf(3, 4),)),
        "sum over axes 1 and -1": (lambda a: a.sum(dim=1) * a.sum(dim=-1, keepdim=True).sum(dim=1), (leaf(2, 3, 4),)),
        "mean over axes (0, 2)": (lambda a: a.mean(dim=(0, 2)) * a.mean(dim=1).sum(), (leaf(2, 3, 4),)),
        "amax/max(dim)/logsumexp": (lambda a: a.amax(dim=0) + a.max(dim=0).values * a.logsumexp(dim=0), (leaf(3, 4),)),
        "amin/amax over axes 1 and -1": (lambda a: a.amin(dim=1) * a.amax(dim=-1, keepdim=True).sum(dim=1), (leaf(2, 3, 4),)),
        "permute": (lambda a: a.permute(2, 0, 1) * leaf_weights, (leaf(2, 3, 4),)),
        "transpose(-1, 0)": (lambda a: a.transpose(-1, 0) * transposed_weights, (leaf(2, 3, 4),)),
        "reshape/T/index": (lambda a: a.reshape(4, 3).T[1:, np.array([0, 0, 3])], (leaf(3, 4),)),
        "exp/log/sqrt/abs": (lambda a: a.exp() + a.log() + a.sqrt() + (a - 1.2).abs(), (leaf(5, low=0.5),)),
        "activations": (lambda a: ReLU()(a) + Sigmoid()(a) + Tanh()(a) + GELU()(a) + Softmax()(a), (leaf(2, 5),)),
        "softmax along dim 0": (lambda a: Softmax(dim=0)(a), (leaf(3, 4),)),
        "cross-entropy": (lambda z: CrossEntropyLoss()(z, np.array([0, 2, 1])), (leaf(3, 4),)),
        "cross-entropy, reduction='sum'": (lambda z: CrossEntropyLoss(reduction="sum")(z, np.array([0, 2, 1])), (leaf(3, 4),)),
        "cross-entropy, reduction='none'": (lambda z: CrossEntropyLoss(reduction="none")(z, np.array([0, 2, 1])), (leaf(3, 4),)),
    }
    drop_mask = np.array([[2.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 0.0], [2.0, 2.0, 0.0, 2.0]])  # p = 0.5
    leaf_weights = Tensor(rng.standard_normal((4, 2, 3)), dtype=np.float64)
    transposed_weights = Tensor(rng.standard_normal((4, 3, 2)), dtype=np.float64)
    for name, (fn, inputs) in checks.items():
        try:
            gradcheck(fn, *inputs)
        except GradcheckError as error:
            raise AssertionError(f"the gradient of {name} is wrong: {error}") from None
        except Exception as error:  # a rule that crashes on a shape it does not handle is wrong too
            raise AssertionError(f"backward through {name} failed: {type(error).__name__}: {error}") from error
    # Where the formula would divide by zero, the derivative is still defined: d(x**0)/dx = 0.
    zero = Tensor([0.0, 2.0], requires_grad=True)
    (zero ** 0).sum().backward()
    assert np.array_equal(zero.grad.data, [0.0, 0.0]), f"d(x**0)/dx is 0 everywhere, x = 0 included; got {zero.grad.data}"
    powers = Tensor([0.0, -1.5, 2.0], requires_grad=True)
    (powers ** 2 + powers ** 1).sum().backward()
    assert np.array_equal(powers.grad.data, [1.0, -2.0, 5.0]), f"d(x**2 + x**1)/dx = 2x + 1 = [1, -2, 5], got {powers.grad.data}"
    base, exponent = Tensor([0.0, 2.0], requires_grad=True), Tensor([3.0, 1.5], requires_grad=True)
    (base ** exponent).sum().backward()
    expected = [0.0, 2.0 ** 1.5 * np.log(2.0)]  # 0**e is 0 for every e > 0: flat in e
    assert np.allclose(exponent.grad.data, expected), f"d(b**e)/de = b**e log b: expected {expected}, got {exponent.grad.data}"
    assert np.allclose(base.grad.data, [0.0, 1.5 * 2.0 ** 0.5]), f"d(b**e)/db = e b**(e-1): expected [0, 2.1213], got {base.grad.data}"

    rectified = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    ReLU()(rectified).sum().backward()
    assert np.array_equal(rectified.grad.data, [0.0, 0.0, 1.0]), f"ReLU's slope is 0 at x <= 0 (as in PyTorch): expected [0, 0, 1], got {rectified.grad.data}"
    # Ties along axis 1: each row splits its gradient among its own tied extremes.
    tied = Tensor([[3.0, 3.0, 1.0], [2.0, 2.0, 2.0], [0.0, 5.0, 1.0]], requires_grad=True)
    tied.amax(dim=1).sum().backward()
    expected = np.array([[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]])
    assert np.allclose(tied.grad.data, expected), f"amax(dim=1) with ties: expected {expected.round(4).tolist()}, got {tied.grad.data.round(4).tolist()}"
    tied.grad = None
    tied.amin(dim=1, keepdim=True).sum().backward()
    expected = np.array([[0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])
    assert np.allclose(tied.grad.data, expected), f"amin(dim=1) with ties: expected {expected.round(4).tolist()}, got {tied.grad.data.round(4).tolist()}"

    # Rules never change the gradient they are given (it may be shared, or the caller's).
    given = np.array([[1.0, -1.0], [0.5, 2.0]], dtype=np.float32)
    Softmax(dim=0)(Tensor([[1.0, 2.0], [3.0, 0.5]], requires_grad=True)).backward(gradient=given)
    assert np.array_equal(given, [[1.0, -1.0], [0.5, 2.0]]), f"the softmax rule changed its incoming gradient to {given.tolist()}"
    # The cross-entropy gradient is softmax - onehot, between -1 and 1 however large the logits.
    huge = Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    CrossEntropyLoss()(huge, np.array([1])).backward()
    assert np.allclose(huge.grad.data, [[1.0, -1.0, 0.0]]), f"cross-entropy of logits +-1000: expected [[1, -1, 0]], got {huge.grad.data}"
    try:
        gradcheck(lambda a: Tensor.from_op(a.data * 3, "mul", (a, Tensor(2.0, dtype=np.float64))), leaf(3))
    except GradcheckError as error:
        assert "analytic" in str(error) and "numeric" in str(error), f"the error must mention analytic and numeric, got: {error}"
    else:
        raise AssertionError("a wrong gradient must fail gradcheck")
    print("Gradient rules agree with central differences.")


if __name__ == "__main__":
    test_unit_gradient_rules()

# %% nbgrader={"grade": true, "grade_id": "test-no-grad", "locked": true, "points": 5}
def test_unit_no_grad():
    print("Unit test: no_grad, detach, retain_graph...")
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not (w * 2).requires_grad, "inside no_grad() nothing is recorded"
    assert (w * 2).requires_grad, "recording resumes after the block"
    try:
        with no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    assert (w * 2).requires_grad, "recording resumes even when the block raised"
    detached = w.detach()
    assert not detached.requires_grad and detached.data is w.data, "detach shares the data and drops the history"
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert np.allclose(w.grad.data, [4.0, 8.0]), f"retain_graph allows a second pass: expected [4, 8], got {w.grad.data}"
    try:
        loss.backward()
    except RuntimeError as error:
        assert "retain_graph" in str(error), f"the error must mention retain_graph, got: {error}"
    else:
        raise AssertionError("a third pass through a released graph must fail clearly")
    print("no_grad, detach and retain_graph work.")


if __name__ == "__main__":
    test_unit_no_grad()

# %% [markdown]
# ## 8. Systems view: what backward costs
#
# Backward does about twice the arithmetic of forward (a matmul's backward is two
# matmuls), and it needs every saved activation, which is why memory during training is
# dominated by activations, not parameters. The function below measures, for the digit
# network of Module 03, the time of forward and of backward and the bytes of activations
# the graph keeps alive until backward runs.

# %% nbgrader={"grade": false, "grade_id": "analyze-backward", "solution": false}
def analyze_backward_cost():
    import time

    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss

    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    x = Tensor(np.random.default_rng(0).standard_normal((128, 784)))
    labels = np.arange(128) % 10
    start = time.perf_counter()
    loss = CrossEntropyLoss()(model(x), labels)
    middle = time.perf_counter()
    kept = sum(node.data.nbytes for node in _topological_order(loss))
    loss.backward()
    end = time.perf_counter()
    print(f"forward  {1e3 * (middle - start):6.2f} ms")
    print(f"backward {1e3 * (end - middle):6.2f} ms")
    print(f"activations kept for backward: {kept / 1024:.1f} KB at batch 128")


if __name__ == "__main__":
    analyze_backward_cost()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "autograd-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Autograd")
    test_unit_sum_to()
    test_unit_backward()
    test_unit_gradient_rules()
    test_unit_no_grad()

    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.tensor import manual_seed

    # Plain gradient descent on a small problem must drive the loss down.
    manual_seed(0)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 4)))
    labels = (x.data[:, 0] + x.data[:, 1] > 0).astype(np.int64)
    model = Sequential(Linear(4, 16), ReLU(), Linear(16, 2))
    loss_fn = CrossEntropyLoss()
    first = None
    for _ in range(100):
        model.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        for parameter in model.parameters():
            parameter.data -= 0.5 * parameter.grad.data
        first = first if first is not None else loss.item()
    assert loss.item() < 0.25 * first, f"loss went from {first:.3f} to {loss.item():.3f}"

    # A 10,000-operation chain needs no recursion.
    w = Tensor([1.0], requires_grad=True)
    y = w
    for _ in range(10_000):
        y = y * 1.0
    y.sum().backward()
    assert np.allclose(w.grad.data, [1.0]), f"the 10,000-op chain of * 1.0 has gradient 1, got {w.grad.data}"
    print("All autograd tests passed. Next: tito module complete 05_autograd")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - Every operation records its name, inputs and saved values (Modules 01-04); every
#   operation name has one gradient rule here.
# - `backward` orders the graph topologically with an explicit stack, visits each node
#   once, accumulates gradients, undoes broadcasting with `sum_to`, and releases what the
#   graph saved.
# - `no_grad()` turns recording off; `gradcheck` proves each rule against central
#   differences in float64.
#
# **Next**: Module 06 uses these gradients to update parameters: SGD, momentum and Adam.
