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
# # Module 12: Attention - letting every position look at every other
#
# **You have built**: token and position vectors (Module 11) on top of tensors, layers,
# autograd and optimizers (Modules 01-08).
#
# **You build now**: scaled dot-product attention, the operation at the heart of every
# transformer, as one fused operation with its own gradient rule; the causal mask that
# stops a language model from reading ahead; and `MultiHeadAttention`, which runs several
# attentions side by side, batched over heads without a Python loop.
#
# **This enables**: Module 13 stacks attention and MLPs into transformer blocks and a GPT.
#
# ```
#   x (batch, seq, embed) --q_proj--> queries  \
#                         --k_proj--> keys      >-- attention(q, k, v, mask) --out_proj--> (batch, seq, embed)
#                         --v_proj--> values   /    "each position gathers the values of
#                                                    the positions whose keys match its query"
# ```
#
# By the end you will be able to:
# 1. compute attention with a boolean mask (True = may attend), a numerically stable
#    softmax and a defined answer for rows that may attend to nothing;
# 2. derive and implement its backward pass: five matrix products and one softmax rule;
# 3. split a projection into heads and merge them back with reshapes and transposes;
# 4. measure why attention costs O(n^2) time and memory in the sequence length n.
#
# **Where the code goes.** You work in `modules/12_attention/attention_dev.py`. Cells
# marked `#| export` go to `tinytorch/core/attention.py`, so afterwards:
#
# ```python
# from tinytorch.core.attention import scaled_dot_product_attention, causal_mask, MultiHeadAttention
# ```
#
# `scaled_dot_product_attention` mirrors `torch.nn.functional.scaled_dot_product_attention`
# with a boolean `attn_mask` (here called `mask`). `MultiHeadAttention` is self-attention
# over `(batch, seq, embed)`; section 6 lists how it differs from `torch.nn.MultiheadAttention`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.attention
#| export
import math

import numpy as np

from tinytorch.core.autograd import gradient_rule, sum_to
from tinytorch.core.layers import Linear, Module
from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. Attention as a soft dictionary lookup
#
# A Python dict maps a key to a value exactly: `d["thou"]`. Attention is a *soft* lookup:
# every position asks a question (its **query**), every position offers a label (its
# **key**) and a content (its **value**). Each query is compared with every key by a dot
# product; softmax turns those similarities into weights that sum to 1; the answer is the
# weighted average of the values.
#
# ```
#   query of "thou"  .  key of "art"   = 2.1  \               weights     values
#   query of "thou"  .  key of "thou"  = 0.3   > softmax -->  [0.7, 0.1,  x  [v_art, v_thou, v_what]
#   query of "thou"  .  key of "what"  = 1.2  /               0.2]           = 0.7 v_art + 0.1 v_thou + 0.2 v_what
# ```
#
# For all queries at once, with `n` query positions, `m` key positions and width `d`:
#
# ```
#   scores  = Q @ K^T / sqrt(d)            (n, d) @ (d, m) -> (n, m)   every query against every key
#   weights = softmax(scores, over keys)   (n, m), each row sums to 1
#   output  = weights @ V                  (n, m) @ (m, d_v) -> (n, d_v)
# ```
#
# Any leading axes (batch, heads) come along for the ride: `(..., n, d)`.
#
# **Why divide by sqrt(d)?** If the entries of a query and a key are independent with
# variance 1, their dot product is a sum of `d` such products and has variance `d`. With
# `d = 64`, scores of size +-8 are common and softmax becomes nearly one-hot: one weight near
# 1, the rest near 0, and gradients that vanish. Dividing by `sqrt(d)` brings the variance
# back to 1 whatever the width. (Dividing by `d` would overshoot and make every row nearly
# uniform.)
#
# ## 2. Masks: who may attend to whom
#
# A **mask** is a boolean array that broadcasts against the scores `(..., n, m)`: **True
# means "may attend"**, False means "must not". This is the convention of
# `torch.nn.functional.scaled_dot_product_attention`. Masked scores become `-inf` before the
# softmax, so their weights are exactly 0.
#
# A language model predicts token `t + 1` from tokens `0..t`, so position `t` must never see
# a later position: the **causal mask** is True on and below the diagonal.
#
# ```
#   causal_mask(4)           key 0  1  2  3
#                  query 0     T  F  F  F      position 0 sees only itself
#                  query 1     T  T  F  F
#                  query 2     T  T  T  F
#                  query 3     T  T  T  T      the last position sees everything
# ```
#
# One convention, checked. Other libraries use others: an *additive* float mask (0 where
# allowed, `-inf` where not), or a boolean mask where True means *blocked*
# (`torch.nn.MultiheadAttention`'s own `attn_mask`). Passing one where another is expected
# is a classic, silent bug: an additive causal mask read as 0/1 blocks nearly everything.
# So here a float mask is refused with a message saying how to convert it, and a mask
# whose shape does not fit the scores is refused too.
#
# **Rows with nothing to attend to.** If a mask row is all False, every score in it is
# `-inf`, and a naive softmax computes `exp(-inf) / sum = 0 / 0 = NaN`, which then spreads
# through every later layer. We define the answer instead: such a row has all weights 0, so
# its output is 0 and no gradient flows through it. PyTorch 2.13 does the same.
#
# ## 3. A stable softmax over the keys
#
# As in Module 02, subtract each row's maximum before `exp`, so the largest exponent is
# `exp(0) = 1` and nothing overflows. For a fully masked row the maximum is `-inf` itself
# (and `-inf - (-inf)` is NaN), so those rows use 0 as their shift; their exponentials are
# then all `exp(-inf) = 0`, their sum is 0, and dividing by 1 instead of 0 keeps them at 0.

# %% nbgrader={"grade": false, "grade_id": "causal-mask", "solution": true}
#| export
def causal_mask(seq_len):
    """The (seq_len, seq_len) bool mask of a causal model: True where key <= query.

    TODO: return a bool Tensor that is True on and below the diagonal, False above it.

    EXAMPLE:
    >>> causal_mask(3).data
    array([[ True, False, False],
           [ True,  True, False],
           [ True,  True,  True]])

    HINTS:
    - np.tril keeps the lower triangle (and the diagonal, with its default k=0).
    """
    if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or seq_len < 1:
        raise ValueError(f"causal_mask: seq_len must be a positive integer, got {seq_len!r}")
    ### BEGIN SOLUTION
    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool)))
    ### END SOLUTION


# %% [markdown]
# ## 4. Checking the inputs
#
# Attention multiplies four arrays whose shapes must agree in three different ways, and a
# wrong mask fails silently rather than loudly. The helper below checks everything and
# returns the mask as a NumPy bool array (or None). It is given, not an exercise.

# %% nbgrader={"grade": false, "grade_id": "check-attention", "solution": false}
#| export
_OP = "scaled_dot_product_attention"


def check_attention_inputs(query, key, value, mask):
    """Check shapes and dtypes of an attention call; return the mask as a bool ndarray, or None."""
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{_OP}: {name} must be a Tensor, got {type(tensor).__name__}")
        if tensor.dtype.kind != "f":
            raise TypeError(f"{_OP}: {name} must be a floating-point tensor, got dtype {tensor.dtype}")
        if tensor.ndim < 2:
            raise ValueError(f"{_OP}: {name} must have shape (..., positions, features), got shape {tensor.shape}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{_OP}: query and key must have the same feature size (their dot product runs over it), "
                         f"got query {query.shape} and key {key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{_OP}: key and value must have the same number of positions, "
                         f"got key {key.shape} and value {value.shape}")
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(f"{_OP}: the leading (batch) axes of query {query.shape}, key {key.shape} and "
                         f"value {value.shape} do not broadcast together") from None
    if mask is None:
        return None
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(
            f"{_OP}: mask must be a bool tensor where True means 'may attend' (as in "
            f"torch.nn.functional.scaled_dot_product_attention), got dtype {array.dtype}. An additive mask "
            "(0 = attend, -inf = blocked) converts with `mask == 0`"
        )
    scores = batch + (query.shape[-2], key.shape[-2])
    try:
        fits = np.broadcast_shapes(array.shape, scores) == scores
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{_OP}: mask of shape {array.shape} does not broadcast to the attention scores' shape "
                         f"{scores} (batch axes, query positions, key positions)")
    return array


# %% [markdown]
# ## 5. Attention, first from the operations you already have
#
# Everything attention needs exists already: `@`, `transpose`, `where`, `softmax`. Composed
# from them, autograd differentiates it for free:

# %% nbgrader={"grade": false, "grade_id": "attention-from-primitives", "solution": false}
from tinytorch.core.tensor import where


def attention_from_primitives(query, key, value, mask=None):
    """Attention composed of existing operations (not exported: the fused version below replaces it).

    Unlike the fused version it has no answer for rows with nothing to attend to: their
    softmax is 0 / 0 = NaN.
    """
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = where(mask, scores, float("-inf"))
    return scores.softmax(dim=-1) @ value


# %% [markdown]
# That works, but it records six operations, each keeping its own `(..., n, m)` result
# alive until backward (scores, scaled scores, masked scores, weights) and each making a new
# array: four copies of the largest array in the model. Section 9 measures the cost. The
# **fused** version below computes the same thing in one operation, keeps only the weights
# for backward, and has one gradient rule.
#
# ### The backward pass, derived
#
# Name the pieces `S = Q K^T * c` (with `c = 1/sqrt(d)`), `P = softmax(S)` over the keys,
# `O = P V`, and let `G = dL/dO` arrive from above. The matrix-product rule of Module 05
# gives the value and weight gradients; the softmax rule of Module 05 gives the scores'
# gradient; the first product gives the query and key gradients:
#
# ```
#   dV = P^T G                          (m, n) @ (n, d_v) -> (m, d_v)
#   dP = G V^T                          (n, d_v) @ (d_v, m) -> (n, m)
#   dS = P * (dP - rowsum(dP * P))      the softmax rule, row by row
#   dQ = dS K * c                       (n, m) @ (m, d) -> (n, d)
#   dK = dS^T Q * c                     (m, n) @ (n, d) -> (m, d)
# ```
#
# Masked positions need no special care: their `P` is exactly 0, so their `dS` is 0 too,
# and fully masked rows (all `P = 0`) send nothing back. The shapes tell you where each
# transpose goes. When query, key and value broadcast over batch axes, each gradient is
# summed back to its input's shape with `sum_to`, as every broadcasting rule does.

# %% nbgrader={"grade": false, "grade_id": "attention", "solution": true}
#| export
def scaled_dot_product_attention(query, key, value, mask=None):
    """softmax(query @ key^T / sqrt(d), over keys) @ value, as one fused operation.

    Args:
        query: (..., n, d) floating point.
        key: (..., m, d).
        value: (..., m, d_v).
        mask: optional bool Tensor or array broadcasting to (..., n, m); True = may attend.
            A query row whose mask is all False gets weights 0 and output 0.

    Returns:
        (..., n, d_v), recorded as the op "attention" with the attention weights saved.

    TODO: compute the scores, mask them, take a stable softmax over the keys that leaves
    fully masked rows at zero, and multiply by the values.

    APPROACH:
    1. mask = check_attention_inputs(...) (given): a bool ndarray or None.
    2. scale = 1 / sqrt(d) as a Python float (a NumPy float64 would turn float32 into
       float64); scores = the query array times the key array with its last two axes
       swapped (np.swapaxes), times scale.
    3. Where the mask is False, set the score to -inf (np.copyto with where=, or np.where).
    4. Shift every row by its maximum over the keys; rows whose maximum is -inf (fully
       masked) shift by 0 instead.
    5. Exponentiate; divide each row by its sum, using 1 where the sum is 0.
    6. output = weights @ value array; record it with Tensor.from_op under "attention",
       inputs (query, key, value), saving `weights=` and `scale=` for the gradient rule.

    The (..., n, m) scores are the largest array of the model: steps 2-5 can all work in
    place on the one array the first product made (`*=`, `-=`, `/=`, `np.exp(a, out=a)`),
    instead of allocating a new one at every step.

    EXAMPLE:
    >>> q = k = Tensor(np.eye(2)); v = Tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> scaled_dot_product_attention(q, k, v).data.round(3)   # each row prefers itself
    array([[0.67, 0.33],
           [0.33, 0.67]], dtype=float32)
    """
    mask = check_attention_inputs(query, key, value, mask)
    ### BEGIN SOLUTION
    scale = 1.0 / math.sqrt(query.shape[-1])
    scores = query.data @ np.swapaxes(key.data, -1, -2)
    scores *= scale
    if mask is not None:
        np.copyto(scores, -np.inf, where=~mask)
    shift = scores.max(axis=-1, keepdims=True)
    shift[np.isneginf(shift)] = 0.0
    scores -= shift
    weights = np.exp(scores, out=scores)
    totals = weights.sum(axis=-1, keepdims=True)
    totals[totals == 0] = 1.0
    weights /= totals
    output = weights @ value.data
    return Tensor.from_op(output, "attention", (query, key, value), weights=weights, scale=scale)
    ### END SOLUTION


@gradient_rule("attention")
def _attention_rule(grad, out, inputs, saved):
    """dL/dquery, dL/dkey, dL/dvalue from dL/doutput (`grad`), the saved weights and scale.

    TODO: apply the five formulas of the derivation above and sum each gradient back to its
    input's shape (batch axes may have been broadcast).

    APPROACH:
    1. weights P and scale c from `saved`; transpose the last two axes with np.swapaxes.
    2. d_value = P^T @ grad; d_weights = grad @ V^T.
    3. d_scores = P * (d_weights - (d_weights * P) summed over the last axis, keepdims),
       times c (in place on the d_weights array saves two n x m arrays).
    4. d_query = d_scores @ K; d_key = d_scores^T @ Q.
    5. Return (sum_to(d_query, query shape), sum_to(d_key, ...), sum_to(d_value, ...)).

    HINTS:
    - The softmax rule is the one of Module 05: s * (g - sum(g * s)), along the keys' axis.
    """
    query, key, value = inputs
    weights, scale = saved["weights"], saved["scale"]
    ### BEGIN SOLUTION
    d_value = np.swapaxes(weights, -1, -2) @ grad
    d_scores = grad @ np.swapaxes(value.data, -1, -2)  # d_weights for now; made d_scores in place below
    d_scores -= np.sum(d_scores * weights, axis=-1, keepdims=True)
    d_scores *= weights
    d_scores *= scale
    d_query = d_scores @ key.data
    d_key = np.swapaxes(d_scores, -1, -2) @ query.data
    return sum_to(d_query, query.shape), sum_to(d_key, key.shape), sum_to(d_value, value.shape)
    ### END SOLUTION


# %% [markdown]
# ### Unit test: the causal mask

# %% nbgrader={"grade": true, "grade_id": "test-causal-mask", "locked": true, "points": 5}
def test_unit_causal_mask():
    print("Unit test: causal_mask...")
    mask = causal_mask(5)
    assert isinstance(mask, Tensor) and mask.shape == (5, 5) and mask.dtype == np.bool_, \
        f"expected a (5, 5) bool Tensor, got {type(mask).__name__} {getattr(mask, 'shape', None)} {getattr(mask, 'dtype', None)}"
    expected = np.array([[key <= query for key in range(5)] for query in range(5)])
    assert np.array_equal(mask.data, expected), \
        f"query t may attend to keys 0..t (itself included), never later ones; expected\n{expected}\ngot\n{mask.data}"
    assert causal_mask(1).data.tolist() == [[True]], f"a single position attends to itself, got {causal_mask(1).data.tolist()}"
    print("causal_mask works.")


if __name__ == "__main__":
    test_unit_causal_mask()

# %% [markdown]
# ### Unit test: attention's forward pass
#
# The reference below is attention written out with loops, one query at a time, in float64.

# %% nbgrader={"grade": true, "grade_id": "test-attention-forward", "locked": true, "points": 15}
def _reference_attention(q, k, v, mask):
    """Attention of (n, d), (m, d), (m, d_v) arrays and a (n, m) bool mask or None, one query row at a time, in float64."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    out = np.zeros((q.shape[0], v.shape[1]))
    for row in range(q.shape[0]):
        allowed = np.ones(k.shape[0], dtype=bool) if mask is None else np.asarray(mask)[row]
        if not allowed.any():
            continue  # nothing to attend to: the output row stays 0
        scores = np.array([q[row] @ k[col] / np.sqrt(q.shape[1]) for col in range(k.shape[0])])
        weights = np.where(allowed, np.exp(scores - scores[allowed].max()), 0.0)
        out[row] = (weights / weights.sum()) @ v
    return out


def test_unit_attention_forward():
    print("Unit test: scaled_dot_product_attention, forward...")
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    inputs = (Tensor(q), Tensor(k), Tensor(v))
    before = [tensor.data.copy() for tensor in inputs]
    out = scaled_dot_product_attention(*inputs)
    expected = _reference_attention(q, k, v, None)
    assert out.shape == (3, 2) and out.dtype == np.float32, f"expected (3, 2) float32, got {out.shape} {out.dtype}"
    assert np.allclose(out.data, expected, atol=1e-5), \
        f"softmax(q k^T / sqrt(4)) v over the 5 keys: expected\n{expected.round(4)}\ngot\n{out.data.round(4)}"
    for name, tensor, original in zip(("query", "key", "value"), inputs, before):
        assert np.array_equal(tensor.data, original), \
            f"attention must not modify its inputs: {name} was\n{original}\nand is now\n{tensor.data}"

    mask = rng.random((3, 5)) < 0.6
    mask[0] = [True, False, False, False, False]
    out = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=Tensor(mask))
    assert np.allclose(out.data, _reference_attention(q, k, v, mask), atol=1e-5), \
        "with a mask, only keys where the mask is True may receive weight (True = may attend)"
    assert np.allclose(out.data[0], v[0], atol=1e-6), "a query allowed one key copies that key's value"

    mask[1] = False
    out = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=mask)
    assert not np.isnan(out.data).any(), "a fully masked row must not produce NaN"
    assert np.array_equal(out.data[1], [0.0, 0.0]), f"a fully masked row gives output 0, got {out.data[1]}"

    big = Tensor(np.full((2, 3), 300.0))
    assert np.allclose(scaled_dot_product_attention(big, big, Tensor(np.eye(2))).data, 0.5), \
        "scores of 52,000 must not overflow: shift by the row maximum before exp"
    # Row 1's scores reach +-212 while row 0's stay near 0: each row needs its own shift, or row 0 underflows.
    apart_q, apart_k = np.array([[0.1, 0.2], [300.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    apart_v = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]])
    apart = scaled_dot_product_attention(Tensor(apart_q), Tensor(apart_k), Tensor(apart_v)).data
    expected = _reference_attention(apart_q, apart_k, apart_v, None)
    assert np.allclose(apart, expected, atol=1e-5), \
        f"each query row is shifted by its own maximum (not one maximum over all rows): expected\n{expected.round(4)}\ngot\n{apart.round(4)}"

    arrays = rng.standard_normal((2, 3, 4, 8)), rng.standard_normal((2, 1, 6, 8)), rng.standard_normal((2, 1, 6, 5))
    batched = scaled_dot_product_attention(*(Tensor(a) for a in arrays), mask=causal_mask(6)[:4])
    assert batched.shape == (2, 3, 4, 5), f"batch axes broadcast: expected (2, 3, 4, 5), got {batched.shape}"
    for b, h in np.ndindex(2, 3):
        expected = _reference_attention(arrays[0][b, h], arrays[1][b, 0], arrays[2][b, 0], causal_mask(6).data[:4])
        assert np.allclose(batched.data[b, h], expected, atol=1e-5), \
            f"batch {b}, head {h} (keys and values broadcast over the heads, the mask over everything): " \
            f"expected\n{expected.round(4)}\ngot\n{batched.data[b, h].round(4)}"
    for bad_mask, error_type in ((np.zeros((3, 5), dtype=np.float32), TypeError), (np.ones((5, 3), dtype=bool), ValueError)):
        try:
            scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=bad_mask)
        except error_type as error:
            assert str(bad_mask.shape) in str(error) or str(bad_mask.dtype) in str(error), str(error)
        else:
            raise AssertionError(f"a mask of shape {bad_mask.shape} and dtype {bad_mask.dtype} must be refused")
    print("Attention's forward pass works.")


if __name__ == "__main__":
    test_unit_attention_forward()

# %% [markdown]
# ### Unit test: attention's backward pass
#
# `gradcheck` (Module 05) compares the rule with central differences over every element of
# query, key and value, with a causal mask, with broadcast batch axes, and with a fully
# masked row.

# %% nbgrader={"grade": true, "grade_id": "test-attention-backward", "locked": true, "points": 15}
from tinytorch.core.autograd import GradcheckError, gradcheck


def test_unit_attention_backward():
    print("Unit test: scaled_dot_product_attention, backward...")
    rng = np.random.default_rng(1)

    def leaf(*shape):
        return Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)

    mask = causal_mask(4).data.copy()
    mask[2] = False  # one query with nothing to attend to
    cases = {
        "no mask": ((leaf(3, 4), leaf(5, 4), leaf(5, 3)), None),
        "causal mask, one fully masked row": ((leaf(4, 3), leaf(4, 3), leaf(4, 2)), mask),
        "broadcast batch axes": ((leaf(2, 3, 4), leaf(1, 3, 4), leaf(3, 2)), causal_mask(3)),
    }
    for name, (inputs, case_mask) in cases.items():
        out = scaled_dot_product_attention(*inputs, mask=case_mask)
        assert out.requires_grad, f"attention ({name}) of inputs that require grad must be recorded for autograd, " \
                                  f"got an output with requires_grad={out.requires_grad}"
        assert out.dtype == np.float64, f"attention ({name}) of float64 inputs keeps float64: got {out.dtype}"
        try:
            gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, mask=case_mask), *inputs)
        except GradcheckError as error:
            raise AssertionError(f"the gradient of attention ({name}) is wrong: {error}") from None
        except ValueError as error:  # e.g. a row sum without keepdims that does not broadcast
            raise AssertionError(f"the gradient of attention ({name}) failed: expected gradients shaped like "
                                 f"the inputs, got ValueError: {error}") from None
    q, k, v = cases["causal mask, one fully masked row"][0]
    for tensor in (q, k, v):
        tensor.grad = None
    scaled_dot_product_attention(q, k, v, mask=mask).sum().backward()
    assert np.array_equal(q.grad.data[2], np.zeros(3)), "a fully masked query row receives no gradient"
    print("Attention's backward pass agrees with central differences.")


if __name__ == "__main__":
    test_unit_attention_backward()

# %% [markdown]
# ## 6. Multi-head attention
#
# One attention computes one weighted average per position: one kind of relation at a time
# ("which earlier word is my subject?"). **Multi-head attention** runs `h` smaller
# attentions side by side, each on its own `embed_dim / h` slice of learned projections, so
# that one head can track syntax while another tracks, say, the previous character.
#
# ```
#   x (B, T, E) --q_proj--> (B, T, E) --split--> (B, h, T, E/h)  \
#               --k_proj--> (B, T, E) --split--> (B, h, T, E/h)   > attention per head, all heads at once
#               --v_proj--> (B, T, E) --split--> (B, h, T, E/h)  /        (B, h, T, E/h)
#                                                                          --merge--> (B, T, E) --out_proj--> (B, T, E)
# ```
#
# **Splitting heads is a reshape and a transpose, never a loop.** Feature `j` of head `i` is
# feature `i * E/h + j` of the projection. `reshape(B, T, h, E/h)` exposes the heads as an
# axis *next to* the positions; `transpose(1, 2)` moves it in front of the positions, so that
# attention's batch axes are `(B, h)` and it runs every head of every sequence in one call.
# Merging undoes both steps in reverse order. Skipping the transpose and reshaping straight
# to `(B, h, T, E/h)` gives the right shape and the wrong numbers: it would cut the sequence,
# not the features, into pieces.
#
# The cost: the four projections are `4 E^2` parameters (plus biases), whatever `h`; more
# heads mean smaller heads, not more arithmetic in the projections.
#
# **The mask** may be `(T, T)`, shared by every sequence and head (the causal mask), or
# `(B, T, T)`, one per sequence (e.g. to hide padding), or `(B, 1 or h, T, T)`. A 3-D mask
# gets its head axis inserted here; it would otherwise line its batch axis up with the heads.
#
# **Compared with `torch.nn.MultiheadAttention`**: this is self-attention only
# (`forward(x, mask)` instead of `forward(query, key, value)`), inputs are batch-first
# (`batch_first=True` in PyTorch), the mask keeps this module's convention (True = may attend;
# PyTorch's module uses True = blocked), `forward` returns the output alone (no averaged
# weights), there is no dropout on the attention weights, and the projections are four
# Linear layers (`q_proj`, `k_proj`, `v_proj`, `out_proj`, LeCun-normal like every Linear)
# instead of one packed `in_proj_weight`. The parity test in `tests/test_attention.py` maps
# one layout onto the other.

# %% nbgrader={"grade": false, "grade_id": "multi-head-attention", "solution": true}
#| export
class MultiHeadAttention(Module):
    """Multi-head self-attention over (batch, seq, embed_dim) inputs.

    Args:
        embed_dim: width of the input and output vectors; must be divisible by num_heads.
        num_heads: how many attentions run side by side, each on embed_dim // num_heads features.
        bias: whether the four projections have biases.

    Shapes:
        x: (batch, seq, embed_dim); mask: bool (seq, seq), (batch, seq, seq) or
        (batch, 1 or num_heads, seq, seq), True = may attend. Output: (batch, seq, embed_dim).

    Example:
        >>> attention = MultiHeadAttention(64, 4)
        >>> attention(Tensor(np.zeros((2, 10, 64))), mask=causal_mask(10)).shape
        (2, 10, 64)
    """

    def __init__(self, embed_dim, num_heads, bias=True):
        for label, size in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"MultiHeadAttention: {label} must be a positive integer, got {size!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiHeadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}; "
                f"each head needs an equal share of the features (try num_heads in "
                f"{[h for h in range(1, min(embed_dim, 16) + 1) if embed_dim % h == 0]})"
            )
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.q_proj = Linear(self.embed_dim, self.embed_dim, bias=bias)
        self.k_proj = Linear(self.embed_dim, self.embed_dim, bias=bias)
        self.v_proj = Linear(self.embed_dim, self.embed_dim, bias=bias)
        self.out_proj = Linear(self.embed_dim, self.embed_dim, bias=bias)

    def split_heads(self, x):
        """(batch, seq, embed_dim) -> (batch, num_heads, seq, head_dim).

        TODO: expose the heads as an axis of their own, then move it before the positions.

        APPROACH:
        1. Reshape to (batch, seq, num_heads, head_dim): head i owns features
           i * head_dim .. (i + 1) * head_dim - 1.
        2. Swap axes 1 and 2.

        EXAMPLE: x of shape (2, 10, 64) with 4 heads -> (2, 4, 10, 16).
        """
        batch, seq, _ = x.shape
        ### BEGIN SOLUTION
        return x.reshape(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)
        ### END SOLUTION

    def merge_heads(self, x):
        """(batch, num_heads, seq, head_dim) -> (batch, seq, embed_dim): split_heads undone.

        TODO: swap the head and position axes back, then join the heads' features.
        """
        batch, _, seq, _ = x.shape
        ### BEGIN SOLUTION
        return x.transpose(1, 2).reshape(batch, seq, self.embed_dim)
        ### END SOLUTION

    def forward(self, x, mask=None):
        """Self-attention of x with itself.

        TODO: project x to queries, keys and values, split each into heads, attend (one
        call for every head of every sequence), merge the heads and project the result.

        APPROACH:
        1. `mask = self._head_mask(x, mask)` (given) checks x and puts a 3-D mask's head axis in.
        2. q, k, v: each projection of x, passed through split_heads.
        3. scaled_dot_product_attention(q, k, v, mask) -> (batch, heads, seq, head_dim).
        4. merge_heads, then out_proj.
        """
        mask = self._head_mask(x, mask)
        ### BEGIN SOLUTION
        q = self.split_heads(self.q_proj(x))
        k = self.split_heads(self.k_proj(x))
        v = self.split_heads(self.v_proj(x))
        return self.out_proj(self.merge_heads(scaled_dot_product_attention(q, k, v, mask)))
        ### END SOLUTION

    def _head_mask(self, x, mask):
        """Check x; return the mask with a head axis where it has none, as a bool array (or None)."""
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.embed_dim:
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{self!r} expects x of shape (batch, seq, {self.embed_dim}), got {shape}")
        if mask is None:
            return None
        array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        if array.ndim == 3:
            array = array[:, np.newaxis]  # (batch, seq, seq) -> (batch, 1, seq, seq): one mask for every head
        if array.ndim not in (2, 4):
            raise ValueError(f"{self!r}: mask must be (seq, seq), (batch, seq, seq) or (batch, heads, seq, seq), "
                             f"got shape {array.shape}")
        return array

    def __repr__(self):
        return f"MultiHeadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"


# %% [markdown]
# ### Unit test: multi-head attention
#
# The reference runs each head separately, with explicit slices of the projection weights,
# and concatenates: the computation that the reshapes do at once.

# %% nbgrader={"grade": true, "grade_id": "test-multi-head-attention", "locked": true, "points": 15}
def _reference_multi_head(layer, x, mask):
    """MultiHeadAttention computed head by head and sequence by sequence, in float64."""
    def project(linear, inputs):
        return inputs @ linear.weight.data.astype(np.float64) + linear.bias.data

    x = np.asarray(x, dtype=np.float64)
    q, k, v = (project(p, x) for p in (layer.q_proj, layer.k_proj, layer.v_proj))
    d = layer.head_dim
    merged = np.zeros_like(x)
    for b in range(x.shape[0]):
        for h in range(layer.num_heads):
            cols = slice(h * d, (h + 1) * d)
            merged[b, :, cols] = _reference_attention(q[b, :, cols], k[b, :, cols], v[b, :, cols],
                                                      None if mask is None else mask[b] if mask.ndim == 3 else mask)
    return project(layer.out_proj, merged)


def test_unit_multi_head_attention():
    print("Unit test: MultiHeadAttention...")
    rng = np.random.default_rng(2)
    layer = MultiHeadAttention(12, 3)
    for linear in (layer.q_proj, layer.k_proj, layer.v_proj, layer.out_proj):
        linear.bias.data[...] = rng.standard_normal(12)
    names = [name for name, _ in layer.named_parameters()]
    expected_names = [f"{p}.{w}" for p in ("q_proj", "k_proj", "v_proj", "out_proj") for w in ("weight", "bias")]
    assert names == expected_names, f"four projections, each with weight and bias: expected {expected_names}, got {names}"
    assert layer.head_dim == 4, f"12 features in 3 heads: head_dim 4, got {layer.head_dim}"
    assert repr(layer) == "MultiHeadAttention(embed_dim=12, num_heads=3)", \
        f"expected repr MultiHeadAttention(embed_dim=12, num_heads=3), got {layer!r}"

    x = rng.standard_normal((2, 5, 12)).astype(np.float32)
    out = layer(Tensor(x))
    assert out.shape == (2, 5, 12), f"expected (2, 5, 12), got {out.shape}"
    expected = _reference_multi_head(layer, x, None)
    assert np.allclose(out.data, expected, atol=1e-4), (
        f"MultiHeadAttention(12, 3) differs from the head-by-head reference by up to {np.abs(out.data - expected).max():.3g}: "
        "q, k and v each come from their own projection, head i owns features i * head_dim .. (i + 1) * head_dim - 1, "
        "and out_proj is applied to the merged heads")

    causal = causal_mask(5)
    assert np.allclose(layer(Tensor(x), mask=causal).data, _reference_multi_head(layer, x, causal.data), atol=1e-4), \
        "the mask applies to every head of every sequence"
    per_sequence = rng.random((2, 5, 5)) < 0.7
    per_sequence[:, :, 0] = True
    assert np.allclose(layer(Tensor(x), mask=per_sequence).data, _reference_multi_head(layer, x, per_sequence), atol=1e-4), \
        "a (batch, seq, seq) mask gives each sequence its own mask, shared by its heads"

    split = layer.split_heads(Tensor(x))
    assert split.shape == (2, 3, 5, 4) and np.array_equal(split.data[1, 2, 3], x[1, 3, 8:12]), \
        "split_heads: element [b, h, t] must be features h*4 .. h*4+3 of position t"
    assert np.array_equal(layer.merge_heads(split).data, x), "merge_heads must undo split_heads"
    try:
        MultiHeadAttention(10, 3)
    except ValueError as error:
        assert "10" in str(error) and "3" in str(error), str(error)
    else:
        raise AssertionError("embed_dim 10 cannot be split into 3 equal heads: MultiHeadAttention(10, 3) must fail")
    print("MultiHeadAttention works.")


if __name__ == "__main__":
    test_unit_multi_head_attention()

# %% [markdown]
# ## 7. Systems analysis: O(n^2)
#
# Every query meets every key, so attention over `n` positions computes an `n x n` score
# matrix per head, and the fused operation keeps the `n x n` weights until backward:
#
# ```
#   time    ~ 4 * n^2 * d multiply-adds per head (Q K^T and P V forward; twice that backward)
#   memory  = batch * heads * n^2 * 4 bytes of weights, per layer, kept for backward
# ```
#
# Doubling the context quadruples both. The projections cost `4 * n * E^2` and grow only
# linearly, so at short contexts they dominate and at long ones attention does. The function
# below measures the weights' memory and the time of a forward and backward pass.

# %% nbgrader={"grade": false, "grade_id": "analyze-attention-scaling", "solution": false}
def analyze_attention_scaling(lengths=(64, 128, 256, 512, 1024), heads=4, head_dim=32, repeats=3):
    """Print the time (fastest of `repeats`) and saved memory of attention forward + backward as the sequence grows."""
    import time

    rng = np.random.default_rng(0)
    print(f"Attention of one sequence, {heads} heads of width {head_dim}, causal mask:")
    print(f"{'seq':>6} {'weights kept':>13} {'fwd + bwd':>10} {'time / previous':>16}")
    previous = None
    for n in lengths:
        q, k, v = (Tensor(rng.standard_normal((1, heads, n, head_dim)), requires_grad=True) for _ in range(3))
        elapsed = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            out = scaled_dot_product_attention(q, k, v, mask=causal_mask(n))
            kept = out._saved["weights"].nbytes
            out.sum().backward()
            elapsed = min(elapsed, time.perf_counter() - start)
        growth = "" if previous is None else f"{elapsed / previous:15.1f}x"
        print(f"{n:6d} {kept / 2**20:10.2f} MB {1e3 * elapsed:8.1f} ms {growth}")
        previous = elapsed
    print("Each doubling of the sequence multiplies the memory by 4, and the time by about 4 once the n^2 terms")
    print("dominate (more when the n x n arrays outgrow the processor's caches, less while fixed costs dominate).")


# %% [markdown]
# And the fused operation against the composed one of section 5: the same numbers, fewer
# graph nodes, fewer `n x n` arrays kept alive, less time.

# %% nbgrader={"grade": false, "grade_id": "analyze-fusion", "solution": false}
def analyze_fusion(n=256, heads=4, head_dim=32, repeats=3):
    """Compare the fused attention with the composed one: time, graph nodes, n x n arrays kept."""
    import time

    rng = np.random.default_rng(0)
    mask = causal_mask(n)
    arrays = [rng.standard_normal((4, heads, n, head_dim)).astype(np.float32) for _ in range(3)]
    print(f"\nFused against composed attention, batch 4, {heads} heads, {n} positions, causal:")
    for name, attend in (("composed", attention_from_primitives), ("fused", scaled_dot_product_attention)):
        best, nodes, square = float("inf"), 0, 0
        for _ in range(repeats):
            q, k, v = (Tensor(a, requires_grad=True) for a in arrays)
            start = time.perf_counter()
            out = attend(q, k, v, mask)
            stack, seen, nodes, square = [out], set(), 0, 0
            while stack:  # walk the recorded graph: operations and the n x n results they keep
                node = stack.pop()
                if id(node) in seen or node._op is None:
                    continue
                seen.add(id(node))
                nodes += 1
                square += sum(a.nbytes for a in [node.data, *node._saved.values()]
                              if isinstance(a, np.ndarray) and a.shape[-2:] == (n, n))
                stack.extend(node._inputs)
            out.sum().backward()
            best = min(best, time.perf_counter() - start)
        print(f"{name:>9}: {1e3 * best:7.1f} ms forward + backward, {nodes} graph node{'s' * (nodes != 1)}, "
              f"{square / 2**20:5.1f} MB of n x n arrays kept for backward")


if __name__ == "__main__":
    analyze_attention_scaling()
    analyze_fusion()

# %% [markdown]
# ## Module test
#
# Every unit test, then three properties of attention as a whole: without a mask it treats
# the sequence as a set (permuting the positions permutes the output, nothing else);
# with the causal mask no position is influenced by a later one; and, trained with Adam
# for a few dozen steps, an embedding, positions and one attention layer learn to copy the
# first token of a sequence to every position, a task no position can solve alone.

# %%
from tinytorch.core.embeddings import Embedding, PositionalEmbedding
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed

# %% nbgrader={"grade": true, "grade_id": "attention-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Attention")
    test_unit_causal_mask()
    test_unit_attention_forward()
    test_unit_attention_backward()
    test_unit_multi_head_attention()

    print("Integration: permutations, causality, and a task that needs attention...")
    rng = np.random.default_rng(3)
    manual_seed(3)
    layer = MultiHeadAttention(16, 4)
    x = rng.standard_normal((2, 7, 16)).astype(np.float32)
    order = rng.permutation(7)
    plain, permuted = layer(Tensor(x)).data, layer(Tensor(x[:, order])).data
    assert np.allclose(permuted, plain[:, order], atol=1e-5), "without positions or a mask, attention is permutation-equivariant"

    causal = layer(Tensor(x), mask=causal_mask(7)).data
    changed = x.copy()
    changed[:, 4:] = rng.standard_normal((2, 3, 16))
    after = layer(Tensor(changed), mask=causal_mask(7)).data
    assert np.array_equal(after[:, :4], causal[:, :4]), "with the causal mask, changing positions 4-6 must not change positions 0-3"
    assert not np.allclose(after[:, 4:], causal[:, 4:]), "...while positions 4-6 do change"

    vocab, seq, dim = 8, 6, 16
    tokens, positions, attention = Embedding(vocab, dim), PositionalEmbedding(seq, dim), MultiHeadAttention(dim, 2)
    parameters = tokens.parameters() + positions.parameters() + attention.parameters()
    optimizer, loss_fn = Adam(parameters, lr=0.02), CrossEntropyLoss()

    def predict(ids):
        vectors = positions(tokens(ids))
        return (vectors + attention(vectors)) @ tokens.weight.T  # scores against every token's vector

    for _ in range(80):
        ids = rng.integers(0, vocab, size=(32, seq))
        loss = loss_fn(predict(ids).reshape(-1, vocab), np.repeat(ids[:, :1], seq, axis=1).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    ids = rng.integers(0, vocab, size=(200, seq))
    accuracy = float(np.mean(predict(ids).data.argmax(-1) == ids[:, :1]))
    assert accuracy > 0.95, f"copying the first token to every position: expected > 95% right, got {accuracy:.1%}"
    print(f"One attention layer learned to copy the first token: {accuracy:.1%} of positions right.")
    print("All attention tests passed. Next: tito module complete 12_attention")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - Attention is a soft lookup: `softmax(Q K^T / sqrt(d)) V`, every query against every
#   key; `sqrt(d)` keeps the scores' variance near 1 whatever the width.
# - Masks are boolean, True = may attend (PyTorch's `scaled_dot_product_attention`
#   convention); the causal mask is the lower triangle, diagonal included. Float masks and
#   misshapen masks are refused; fully masked rows give 0, not NaN.
# - Fused into one operation, attention keeps only the `n x n` weights for backward and
#   its gradient is five matrix products and the softmax rule.
# - Multi-head attention splits the projections into heads with a reshape and a
#   transpose, so one call attends over every head of every sequence.
# - Time and memory grow with the square of the sequence length.
#
# Export and record your work with `tito module complete 12_attention`.
#
# **Next**: Module 13 adds layer normalisation and MLPs, and stacks them with attention
# into transformer blocks and a GPT that writes Shakespeare.
