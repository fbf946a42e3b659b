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
# # Module 13: Transformers - a GPT, block by block
#
# **You have built**: token and position embeddings (Module 11), attention and multi-head
# attention (Module 12), on top of layers, autograd, optimizers and data loading (01-08)
# and a character tokenizer (10).
#
# **You build now**: the last three pieces of a transformer and the model itself.
# `LayerNorm`, fused with its own gradient rule; the GELU `MLP`; a pre-norm
# `TransformerBlock` with residual connections and dropout; and `GPT`, a decoder-only
# language model with a `generate` method that writes text one token at a time.
#
# **This enables**: the `gpt` milestone, where this model learns to write like Shakespeare
# on your laptop's CPU.
#
# ```
#   ids (B, T) --> Embedding + PositionalEmbedding --> [TransformerBlock] x L --> LayerNorm --> Linear --> logits (B, T, V)
#                                                       |  x + Attention(LayerNorm(x))  |
#                                                       |  x + MLP(LayerNorm(x))        |
# ```
#
# By the end you will be able to:
# 1. normalise activations per position and derive layer normalisation's backward pass;
# 2. explain why residual connections and pre-norm let deep stacks train;
# 3. assemble a GPT, count its parameters, and predict its attention memory;
# 4. sample text with temperature and top-k, reproducibly under `manual_seed`.
#
# **Where the code goes.** You work in `modules/13_transformers/transformers_dev.py`. Cells
# marked `#| export` go to `tinytorch/core/transformers.py`, so afterwards:
#
# ```python
# from tinytorch.core.transformers import LayerNorm, MLP, TransformerBlock, GPT
# ```
#
# `LayerNorm` mirrors `torch.nn.LayerNorm`. PyTorch has no GPT class; ours follows GPT-2's
# layout (pre-norm blocks, learned positions, a final LayerNorm).

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.transformers
#| export
import numpy as np

from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention, causal_mask
from tinytorch.core.autograd import gradient_rule, no_grad
from tinytorch.core.embeddings import Embedding, PositionalEmbedding, check_indices
from tinytorch.core.layers import Dropout, Linear, Module, ModuleList, Parameter
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ## 1. Layer normalisation
#
# A deep stack multiplies activations by one weight matrix after another; without care their
# scale drifts, layer by layer, and so does the size of the gradients. **Layer
# normalisation** (Ba, Kiros and Hinton, 2016) resets the scale at each block: for every
# position on its own, it subtracts the mean of its features and divides by their standard
# deviation, then applies a learned per-feature scale `weight` and shift `bias`:
#
# ```
#   x (B, T, E):  for each of the B*T vectors x of E features
#     mu      = mean(x)                      one number per position
#     var     = mean((x - mu)^2)             the biased variance (divide by E, not E - 1)
#     x_hat   = (x - mu) / sqrt(var + eps)   mean 0, variance 1 (eps = 1e-5 avoids 0 / 0)
#     y       = weight * x_hat + bias        weight starts at 1, bias at 0: y = x_hat
# ```
#
# **Over which axis?** Over the *features* of one position, never over the batch: the
# statistics of "To" in one sentence must not depend on which other sentences share its
# batch. (That is what distinguishes it from batch normalisation, whose statistics are taken
# over the batch and which therefore behaves differently in training and evaluation.)
#
# ```
#          features ->                      LayerNorm: statistics along each row (one position)
#   pos 0  [ 0.3  -1.2   2.0   0.1 ]  <-- mu, var of these 4
#   pos 1  [ 5.0   4.0   6.0   5.0 ]  <-- mu, var of these 4
#   pos 2  [...]
# ```
#
# ### Its gradient, as one fused operation
#
# Composed from `mean`, `sub`, `mul`, `sqrt` and `div`, autograd would record about ten
# operations and keep each intermediate. Fused, it records one and keeps two arrays: `x_hat`
# and `1 / sqrt(var + eps)`. With `g` the incoming gradient and `N` the number of
# normalised features, the chain rule through the mean and the variance gives
#
# ```
#   dx_hat  = g * weight
#   dx      = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps)
#   dweight = sum of g * x_hat over every axis that is not normalised (batch, positions)
#   dbias   = sum of g over those axes
# ```
#
# The two subtracted means are the gradient's share that flows through `mu` and through
# `var`: shifting all features of `x` by the same amount changes nothing after
# normalisation, and neither does scaling them, so `dx` has no component along those
# directions.

# %% nbgrader={"grade": false, "grade_id": "layer-norm", "solution": true}
#| export
def layer_norm(x, weight, bias, eps=1e-5):
    """Normalise `x` over its last weight.ndim axes, then scale by `weight` and shift by `bias`.

    Args:
        x: (..., *normalized_shape) floating point.
        weight, bias: Tensors of shape normalized_shape.
        eps: added to the variance before the square root.

    Returns:
        A Tensor shaped like x, recorded as "layer_norm", with x_hat and 1 / sqrt(var + eps)
        saved for the gradient rule.

    TODO: normalise over the trailing axes, scale and shift, and record one operation.

    APPROACH:
    1. axes: the last weight.ndim axes of x, as a tuple of negative numbers.
    2. Centre: x minus its mean over those axes (keepdims, so it broadcasts back).
    3. The biased variance is the mean of the centred values squared; inv_std is
       1 / sqrt(variance + eps).
    4. x_hat is the centred input times inv_std; the output scales it by weight and shifts it by bias.
    5. Record it under "layer_norm" with inputs (x, weight, bias), saving `x_hat=`,
       `inv_std=` and `axes=`.

    EXAMPLE:
    >>> layer_norm(Tensor([[1.0, 2.0, 3.0]]), Tensor(np.ones(3)), Tensor(np.zeros(3))).data.round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """
    if not isinstance(x, Tensor) or x.dtype.kind != "f":
        raise TypeError(f"layer_norm: expects a floating-point Tensor, got {getattr(x, 'dtype', type(x).__name__)}")
    normalized = tuple(weight.shape)
    if x.ndim < len(normalized) or tuple(x.shape[x.ndim - len(normalized):]) != normalized:
        raise ValueError(f"layer_norm: expects input whose last dimensions are {normalized}, got shape {x.shape}")
    ### BEGIN SOLUTION
    axes = tuple(range(-len(normalized), 0))
    centred = x.data - x.data.mean(axis=axes, keepdims=True)
    variance = np.mean(centred * centred, axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(variance + eps)
    x_hat = centred * inv_std
    out = x_hat * weight.data + bias.data
    return Tensor.from_op(out, "layer_norm", (x, weight, bias), x_hat=x_hat, inv_std=inv_std, axes=axes)
    ### END SOLUTION


@gradient_rule("layer_norm")
def _layer_norm_rule(grad, out, inputs, saved):
    """The gradients of x, weight and bias (see the formulas above).

    TODO: return (d_x, d_weight, d_bias).

    APPROACH:
    1. x_hat, inv_std and the normalised axes come from `saved`.
    2. d_x_hat = grad * weight.
    3. d_x: from d_x_hat, subtract its mean over the normalised axes and x_hat times the
       mean of d_x_hat * x_hat over them (both keepdims), then multiply by inv_std.
    4. d_weight and d_bias: sum grad * x_hat and grad over the leading axes, the ones not
       normalised, so they come out shaped like weight.
    """
    x, weight, bias = inputs
    x_hat, inv_std, axes = saved["x_hat"], saved["inv_std"], saved["axes"]
    leading = tuple(range(grad.ndim - len(axes)))
    ### BEGIN SOLUTION
    d_x_hat = grad * weight.data
    d_x = inv_std * (d_x_hat - d_x_hat.mean(axis=axes, keepdims=True)
                     - x_hat * np.mean(d_x_hat * x_hat, axis=axes, keepdims=True))
    d_weight = np.sum(grad * x_hat, axis=leading)
    d_bias = np.sum(grad, axis=leading)
    return d_x, d_weight, d_bias
    ### END SOLUTION


class LayerNorm(Module):
    """Layer normalisation over the last dimensions (torch.nn.LayerNorm, elementwise_affine=True).

    Args:
        normalized_shape: an int (the feature size) or a tuple of trailing dimensions.
        eps: added to the variance for numerical safety.

    Attributes:
        weight: Parameter of ones, bias: Parameter of zeros, both of shape normalized_shape.
    """

    def __init__(self, normalized_shape, eps=1e-5):
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a tuple of them, got {normalized_shape!r}")
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps!r}")
        self.normalized_shape, self.eps = tuple(int(s) for s in shape), float(eps)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=np.float32))
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=np.float32))

    def forward(self, x):
        return layer_norm(x, self.weight, self.bias, self.eps)

    def __repr__(self):
        return f"LayerNorm({self.normalized_shape}, eps={self.eps})"


# %% [markdown]
# ### Unit test: LayerNorm

# %% nbgrader={"grade": true, "grade_id": "test-layer-norm", "locked": true, "points": 15}
from tinytorch.core.autograd import GradcheckError, gradcheck


def test_unit_layer_norm():
    print("Unit test: LayerNorm...")
    rng = np.random.default_rng(0)
    x = (3.0 + 2.0 * rng.standard_normal((4, 5, 6))).astype(np.float32)
    norm = LayerNorm(6)
    assert norm.weight.shape == (6,) and np.all(norm.weight.data == 1) and np.all(norm.bias.data == 0), \
        "LayerNorm(6) starts with weight = ones(6) and bias = zeros(6)"
    given = Tensor(x)
    y = norm(given).data
    assert np.array_equal(given.data, x), f"LayerNorm must not modify its input: it was changed by up to {np.abs(given.data - x).max():.3g}"
    assert y.shape == (4, 5, 6) and y.dtype == np.float32, f"expected (4, 5, 6) float32, got {y.shape} {y.dtype}"
    assert np.allclose(y.mean(-1), 0, atol=1e-5) and np.allclose(y.var(-1), 1, atol=1e-3), \
        "every position (every row of 6 features) must come out with mean 0 and variance 1"
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    assert np.allclose(y, expected, atol=1e-5), \
        "normalise over the last axis (the features), with the biased variance and eps inside the square root"
    norm.weight.data[...] = np.arange(1, 7)
    norm.bias.data[...] = 0.5
    assert np.allclose(norm(Tensor(x)).data, expected * np.arange(1, 7) + 0.5, atol=1e-4), "then weight * x_hat + bias"
    tiny = LayerNorm(3)(Tensor([[1e-4, 0.0, 0.0]])).data
    expected_tiny = (np.array([2, -1, -1]) / 3 * 1e-4) / np.sqrt(2e-8 / 9 + 1e-5)
    assert np.allclose(tiny, expected_tiny, rtol=1e-3), "eps = 1e-5 belongs inside the square root"
    wide_eps = LayerNorm(3, eps=0.25)(Tensor([[1.0, 2.0, 3.0]])).data
    expected_eps = np.array([[-1.0, 0.0, 1.0]]) / np.sqrt(2 / 3 + 0.25)  # variance 2/3, plus eps 0.25
    assert np.allclose(wide_eps, expected_eps, atol=1e-6), \
        f"LayerNorm(3, eps=0.25) must use its own eps: expected {expected_eps.round(5)}, got {wide_eps.round(5)}"
    two_axes = LayerNorm((5, 6))(Tensor(x)).data
    flat = x.reshape(4, -1).astype(np.float64)
    expected_two = ((flat - flat.mean(-1, keepdims=True)) / np.sqrt(flat.var(-1, keepdims=True) + 1e-5)).reshape(4, 5, 6)
    assert np.allclose(two_axes, expected_two, atol=1e-5), \
        "LayerNorm((5, 6)) normalises each sample's 30 values together (one mean, one variance), not each row of 6: " \
        f"differs from that by up to {np.abs(two_axes - expected_two).max():.3g}"

    leaf = Tensor(rng.standard_normal((3, 2, 4)), dtype=np.float64, requires_grad=True)
    weight = Tensor(rng.standard_normal(4), dtype=np.float64, requires_grad=True)
    bias = Tensor(rng.standard_normal(4), dtype=np.float64, requires_grad=True)
    try:
        gradcheck(lambda a, w, b: layer_norm(a, w, b), leaf, weight, bias)
        gradcheck(lambda a, w, b: layer_norm(a, w, b), Tensor(rng.standard_normal((2, 3, 4)), dtype=np.float64,
                                                             requires_grad=True),
                  Tensor(rng.standard_normal((3, 4)), dtype=np.float64, requires_grad=True),
                  Tensor(rng.standard_normal((3, 4)), dtype=np.float64, requires_grad=True))
    except GradcheckError as error:
        raise AssertionError(f"the gradient of layer_norm is wrong: {error}") from None
    except (RuntimeError, ValueError) as error:  # a gradient of the wrong shape
        raise AssertionError(f"the gradient of layer_norm failed: expected gradients shaped like x, weight and "
                             f"bias, got {type(error).__name__}: {error}") from None
    try:
        LayerNorm(8)(Tensor(np.ones((2, 6))))
    except ValueError as error:
        assert "(2, 6)" in str(error) and "(8,)" in str(error), str(error)
    else:
        raise AssertionError("LayerNorm(8) must refuse input whose last dimension is 6")
    print("LayerNorm works.")


if __name__ == "__main__":
    test_unit_layer_norm()

# %% [markdown]
# ## 2. The MLP: thinking about what attention gathered
#
# Attention moves information *between* positions; the MLP then processes each position on
# its own. It widens each vector four times, applies GELU, and projects back:
#
# ```
#   (B, T, E) --Linear(E, 4E)--> (B, T, 4E) --GELU--> --Linear(4E, E)--> (B, T, E)
# ```
#
# Two thirds of a block's parameters are here (`8 E^2` of `12 E^2`). GELU is the activation
# of Module 02 in its tanh form, as in GPT-2 (and cheaper in NumPy than the exact erf form).

# %% nbgrader={"grade": false, "grade_id": "mlp", "solution": true}
#| export
class MLP(Module):
    """Position-wise feed-forward network: Linear(E, hidden) -> GELU (tanh form) -> Linear(hidden, E).

    Args:
        embed_dim: the width E of the input and output.
        hidden_dim: the width in between; 4 * embed_dim by default.
    """

    def __init__(self, embed_dim, hidden_dim=None):
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.fc = Linear(embed_dim, hidden_dim)
        self.activation = GELU(approximate="tanh")
        self.proj = Linear(hidden_dim, embed_dim)

    def forward(self, x):
        """
        TODO: widen with self.fc, apply self.activation, project back with self.proj.
        """
        ### BEGIN SOLUTION
        return self.proj(self.activation(self.fc(x)))
        ### END SOLUTION

    def __repr__(self):
        return f"MLP({self.fc.in_features} -> {self.fc.out_features} -> {self.proj.out_features})"


# %% [markdown]
# ## 3. The transformer block: residuals and pre-norm
#
# A block does two things, each wrapped the same way:
#
# ```
#   x --+--> LayerNorm --> MultiHeadAttention --> Dropout --(+)--> x' --+--> LayerNorm --> MLP --> Dropout --(+)--> out
#       |                                                   ^           |                                      ^
#       +-------------------- residual ---------------------+           +-------------- residual --------------+
# ```
#
# **Residual connections** (`x + f(x)`) give the gradient a path around every block: the
# derivative of `x + f(x)` is `1 + f'(x)`, so even when `f` learns slowly or its gradient is
# tiny, the signal from the loss reaches the first layers undiminished. Each block only has
# to learn a *correction* to what flows past it.
#
# **Pre-norm** puts the LayerNorm *inside* the branch, before attention and the MLP, so the
# residual stream itself is never normalised. The original 2017 transformer normalised
# after the addition (post-norm, `LayerNorm(x + f(x))`), which in deep stacks trains only
# with a careful learning-rate warm-up (Xiong et al., 2020, analyse why); GPT-2 moved the
# normalisation to the input of each branch, as here.
#
# **Dropout** zeroes random parts of each branch's output while training; in evaluation
# (`model.eval()`), it does nothing, as in Module 03.

# %% nbgrader={"grade": false, "grade_id": "transformer-block", "solution": true}
#| export
class TransformerBlock(Module):
    """A pre-norm transformer block: x + Dropout(Attention(LN(x))), then + Dropout(MLP(LN(...))).

    Args:
        embed_dim: the width of the residual stream.
        num_heads: attention heads (must divide embed_dim).
        mlp_ratio: the MLP's hidden width is mlp_ratio * embed_dim.
        dropout: probability of zeroing each branch output element while training.

    Shapes: x (batch, seq, embed_dim) and an optional bool mask (True = may attend) -> (batch, seq, embed_dim).
    """

    def __init__(self, embed_dim, num_heads, mlp_ratio=4, dropout=0.0):
        self.norm1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.norm2 = LayerNorm(embed_dim)
        self.mlp = MLP(embed_dim, mlp_ratio * embed_dim)
        self.dropout = Dropout(dropout)

    def forward(self, x, mask=None):
        """
        TODO: the two residual branches of the diagram, attention first.

        APPROACH:
        1. x = x plus dropout of attention (with the mask) of norm1 of x.
        2. Return x plus dropout of the MLP of norm2 of (the new) x.
        """
        ### BEGIN SOLUTION
        x = x + self.dropout(self.attention(self.norm1(x), mask))
        return x + self.dropout(self.mlp(self.norm2(x)))
        ### END SOLUTION


# %% [markdown]
# ### Unit test: MLP and TransformerBlock
#
# The reference computes the block with plain NumPy from the block's own weights.

# %% nbgrader={"grade": true, "grade_id": "test-block", "locked": true, "points": 15}
from tinytorch.core.tensor import manual_seed


def _reference_block(block, x, mask):
    """The pre-norm block in NumPy, float64, from the block's weights (no dropout)."""
    def linear(layer, a):
        return a @ layer.weight.data.astype(np.float64) + layer.bias.data

    def norm(layer, a):
        return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + layer.eps) * layer.weight.data + layer.bias.data

    def attention(layer, a):
        batch, seq, width = a.shape
        heads, size = layer.num_heads, layer.head_dim
        q, k, v = (linear(p, a).reshape(batch, seq, heads, size).transpose(0, 2, 1, 3)
                   for p in (layer.q_proj, layer.k_proj, layer.v_proj))
        scores = np.where(mask, q @ k.transpose(0, 1, 3, 2) / np.sqrt(size), -np.inf)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        return linear(layer.out_proj, (weights @ v).transpose(0, 2, 1, 3).reshape(batch, seq, width))

    def gelu(a):
        return 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3)))

    x = x.astype(np.float64)
    x = x + attention(block.attention, norm(block.norm1, x))
    return x + linear(block.mlp.proj, gelu(linear(block.mlp.fc, norm(block.norm2, x))))


def test_unit_transformer_block():
    print("Unit test: MLP and TransformerBlock...")
    rng = np.random.default_rng(1)
    mlp = MLP(8)
    assert (mlp.fc.in_features, mlp.fc.out_features, mlp.proj.out_features) == (8, 32, 8), "the hidden width is 4 * 8"
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    hidden = x @ mlp.fc.weight.data + mlp.fc.bias.data
    gelu = 0.5 * hidden * (1 + np.tanh(np.sqrt(2 / np.pi) * (hidden + 0.044715 * hidden**3)))
    assert np.allclose(mlp(Tensor(x)).data, gelu @ mlp.proj.weight.data + mlp.proj.bias.data, atol=1e-5), \
        "MLP: Linear(8, 32), GELU (tanh form), Linear(32, 8)"

    block = TransformerBlock(8, 2)
    for _, parameter in block.named_parameters():
        parameter.data[...] += 0.1 * rng.standard_normal(parameter.shape).astype(np.float32)  # no neutral LayerNorms
    mask = causal_mask(5).data
    out = block(Tensor(x), mask=causal_mask(5))
    assert out.shape == (2, 5, 8), f"expected (2, 5, 8), got {out.shape}"
    expected = _reference_block(block, x, mask)
    assert np.allclose(out.data, expected, atol=1e-4), \
        "the block must be x + attention(norm1(x), mask), then + mlp(norm2(x)): pre-norm, both residuals"
    names = [name for name, _ in block.named_parameters()]
    assert names[:2] == ["norm1.weight", "norm1.bias"] and "mlp.fc.weight" in names and len(names) == 16, \
        f"expected 16 parameters starting with norm1.weight, norm1.bias and holding mlp.fc.weight, got {names}"

    dropping = TransformerBlock(8, 2, dropout=0.5)
    dropping.load_state_dict(block.state_dict())
    assert np.allclose(dropping.eval()(Tensor(x), mask=mask).data, out.data, atol=1e-6), "in evaluation dropout is off"
    trained = dropping.train()(Tensor(x), mask=mask).data
    assert not np.allclose(trained, out.data), "in training, dropout changes the branches' outputs"

    # Silence one branch or both (zero output projections) to see where dropout acts in training.
    manual_seed(1)
    for silenced, label in ((("attention",), "the MLP"), (("mlp",), "the attention"), (("attention", "mlp"), None)):
        probe = TransformerBlock(8, 2, dropout=0.5)
        probe.load_state_dict(block.state_dict())
        for name in silenced:
            projection = probe.attention.out_proj if name == "attention" else probe.mlp.proj
            projection.weight.data[...] = 0.0
            projection.bias.data[...] = 0.0
        evaluated = probe.eval()(Tensor(x), mask=mask).data
        dropped = probe.train()(Tensor(x), mask=mask).data
        if len(silenced) == 2:
            assert np.allclose(dropped, x, atol=1e-6), \
                "dropout acts on each branch's output, never on the residual stream: with both branches silenced, " \
                f"the block in training must return x unchanged; it differs by up to {np.abs(dropped - x).max():.3g}"
        elif label:
            assert not np.allclose(dropped, evaluated, atol=1e-6), \
                f"with the other branch silenced, dropout on {label} branch must change the output in training; " \
                "it did not change"
    print("MLP and TransformerBlock work.")


if __name__ == "__main__":
    test_unit_transformer_block()

# %% [markdown]
# ## 4. GPT
#
# A GPT is a stack of blocks between an input stage and an output stage:
#
# ```
#   ids (B, T)   int64
#    |  token_embedding      Embedding(V, E)                 (B, T, E)
#    |  position_embedding   PositionalEmbedding(T_max, E)   adds p(0) .. p(T-1)
#    |  dropout
#    |  blocks               L x TransformerBlock(E, H), every one with the causal mask
#    |  final_norm           LayerNorm(E)
#    v  head                 Linear(E, V, bias=False)        (B, T, V) logits
# ```
#
# The logits at position `t` score every possible token `t + 1`, and thanks to the causal
# mask they depend only on tokens `0..t`. So one forward pass over a sequence of `T` tokens
# trains `T` predictions at once: with `targets = ids shifted by one`, the loss is the
# cross-entropy of `logits[:, t]` against `ids[:, t + 1]` at every `t`.
#
# ```
#   input   T  o     b  e  ,     o  r
#   target  o     b  e  ,     o  r     <- the same text, one step ahead
# ```
#
# **Initialisation.** GPT-2 draws every Linear and embedding weight from N(0, 0.02^2) and
# scales the projections that feed the residual stream (`attention.out_proj` and
# `mlp.proj`) by a further `1 / sqrt(2 L)`, because `2 L` branches add into the same
# stream: their sum then has about the variance of one. `GPT` re-initialises its layers
# this way; biases start at 0 and LayerNorms at weight 1, bias 0. With these small weights
# the untrained model predicts nearly uniformly, a loss of about `log V`.
#
# The causal mask is made once, for `max_seq_len`, and kept as a buffer that is not saved
# (it follows from `max_seq_len`); a forward pass slices its top-left `T x T` corner.

# %% nbgrader={"grade": false, "grade_id": "gpt", "solution": true}
#| export
class GPT(Module):
    """A decoder-only transformer language model in the layout of GPT-2.

    Args:
        vocab_size: how many token ids there are.
        embed_dim: the width of every vector in the residual stream.
        num_layers: how many TransformerBlocks.
        num_heads: attention heads per block (must divide embed_dim).
        max_seq_len: the longest context the model reads.
        dropout: dropout probability after the embeddings and on every residual branch.

    Shapes: ids (batch, seq) integers, seq <= max_seq_len -> logits (batch, seq, vocab_size).

    Example:
        >>> model = GPT(vocab_size=76, embed_dim=64, num_layers=2, num_heads=4, max_seq_len=32)
        >>> model(np.zeros((3, 10), dtype=np.int64)).shape
        (3, 10, 76)
    """

    def __init__(self, vocab_size, embed_dim, num_layers, num_heads, max_seq_len, dropout=0.0):
        for label, value in (("vocab_size", vocab_size), ("embed_dim", embed_dim), ("num_layers", num_layers),
                             ("num_heads", num_heads), ("max_seq_len", max_seq_len)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"GPT: {label} must be a positive integer, got {value!r}")
        if embed_dim % num_heads:
            raise ValueError(f"GPT: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.vocab_size, self.embed_dim, self.num_layers = int(vocab_size), int(embed_dim), int(num_layers)
        self.num_heads, self.max_seq_len = int(num_heads), int(max_seq_len)
        self.token_embedding = Embedding(self.vocab_size, self.embed_dim)
        self.position_embedding = PositionalEmbedding(self.max_seq_len, self.embed_dim)
        self.dropout = Dropout(dropout)
        self.blocks = ModuleList([TransformerBlock(self.embed_dim, self.num_heads, dropout=dropout)
                                  for _ in range(self.num_layers)])
        self.final_norm = LayerNorm(self.embed_dim)
        self.head = Linear(self.embed_dim, self.vocab_size, bias=False)
        self.register_buffer("mask", causal_mask(self.max_seq_len), persistent=False)
        self._init_weights()

    def _init_weights(self):
        """GPT-2's initialisation: N(0, 0.02^2) weights, residual projections also / sqrt(2 L)."""
        generator = default_generator()
        for name, parameter in self.named_parameters():
            if name.endswith("weight") and ("norm" not in name):
                std = 0.02 / np.sqrt(2 * self.num_layers) if name.endswith(("out_proj.weight", "mlp.proj.weight")) else 0.02
                parameter.data[...] = generator.normal(0.0, std, size=parameter.shape)
            elif name.endswith("bias") and "norm" not in name:
                parameter.data[...] = 0.0

    def forward(self, ids):
        """
        TODO: logits for every position of every sequence.

        APPROACH:
        1. `seq = self._check_ids(ids)` (given) checks the shape and the length.
        2. Token vectors, plus positions, through self.dropout.
        3. Each block in self.blocks, with the top-left seq x seq corner of self.mask.
        4. final_norm, then head.
        """
        seq_len = self._check_ids(ids)
        ### BEGIN SOLUTION
        x = self.dropout(self.position_embedding(self.token_embedding(ids)))
        mask = self.mask[:seq_len, :seq_len]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.final_norm(x))
        ### END SOLUTION

    def _check_ids(self, ids):
        shape = ids.shape if isinstance(ids, (Tensor, np.ndarray)) else np.shape(ids)
        if len(shape) != 2:
            raise ValueError(f"{self!r} expects token ids of shape (batch, seq), got shape {shape}")
        if shape[1] > self.max_seq_len:
            raise ValueError(f"{self!r}: a sequence of {shape[1]} tokens is longer than max_seq_len "
                             f"{self.max_seq_len}; crop the context to its last {self.max_seq_len} tokens")
        return shape[1]

    def generate(self, prompt, max_new_tokens, temperature=1.0, top_k=None):
        """Continue `prompt` by `max_new_tokens` sampled tokens, reproducibly under manual_seed.

        Args:
            prompt: token ids, (seq,) or (batch, seq), at least one token.
            max_new_tokens: how many tokens to add.
            temperature: divides the logits; below 1 sharpens, above 1 flattens the distribution.
            top_k: if given, sample only among the k most likely tokens.

        Returns:
            An int64 Tensor: the prompt followed by the new tokens, (seq + max_new_tokens,)
            or (batch, seq + max_new_tokens). The model is run in evaluation mode without
            recording gradients, and its mode is restored afterwards.
        """
        ids = check_indices(f"{self!r}.generate", prompt, self.vocab_size)
        if ids.ndim not in (1, 2) or ids.shape[-1] == 0:
            raise ValueError(f"{self!r}.generate: the prompt must be (seq,) or (batch, seq) with at least one "
                             f"token, got shape {ids.shape}")
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, (int, np.integer)) or max_new_tokens < 0:
            raise ValueError(f"{self!r}.generate: max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
        check_sampling(temperature, top_k, self.vocab_size)
        sequences = ids[np.newaxis] if ids.ndim == 1 else ids
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(max_new_tokens):
                    logits = self(sequences[:, -self.max_seq_len:]).data[:, -1]
                    following = sample_next_token(logits, temperature, top_k)
                    sequences = np.concatenate([sequences, following[:, np.newaxis]], axis=1)
        finally:
            self.train(was_training)
        return Tensor(sequences[0] if ids.ndim == 1 else sequences)

    def __repr__(self):
        return (f"GPT(vocab_size={self.vocab_size}, embed_dim={self.embed_dim}, num_layers={self.num_layers}, "
                f"num_heads={self.num_heads}, max_seq_len={self.max_seq_len})")


# %% [markdown]
# ## 5. Writing: sampling the next token
#
# `generate` runs the model on the text so far, takes the logits of the **last** position
# (the prediction of the next token), picks a token, appends it, and repeats. Picking is the
# part you write, `sample_next_token`:
#
# 1. **Temperature.** Divide the logits by `temperature` before the softmax. Below 1 the
#    likely tokens become likelier (at 0.1 it is nearly always the top one); above 1 the
#    distribution flattens and the text gets wilder.
# 2. **Top-k.** Optionally keep only the `k` largest logits and set the rest to `-inf`, so
#    that a long tail of unlikely tokens cannot be drawn at all. (Ties with the k-th largest
#    value are kept.)
# 3. **Softmax, then draw.** With probabilities `p` for each row, draw `u` uniform in
#    `[0, 1)` and take the first token whose cumulative probability exceeds `u`: token `i`
#    is chosen exactly when `u` falls in its slice of width `p_i`.
#
# ```
#   p = [0.1, 0.6, 0.3]   cumulative [0.1, 0.7, 1.0]
#   u = 0.42  -->  first cumulative value above 0.42 is 0.7  -->  token 1
# ```
#
# The draw uses the framework's generator (`default_generator()`), so `manual_seed(n)` makes
# a generated text reproducible, and all rows of a batch are sampled at once.

# %% nbgrader={"grade": false, "grade_id": "sampling", "solution": true}
#| export
def check_sampling(temperature, top_k, vocab_size):
    """Refuse a temperature that is not a positive number, or a top_k outside 1 .. vocab_size."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)) \
            or not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"generate: temperature must be a positive number, got {temperature!r} "
                         "(for the most likely token every time, use top_k=1)")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer))
                              or not 1 <= top_k <= vocab_size):
        raise ValueError(f"generate: top_k must be None or an integer from 1 to the vocabulary size "
                         f"{vocab_size}, got {top_k!r}")


def sample_next_token(logits, temperature=1.0, top_k=None):
    """One token id per row of `logits` (an ndarray (batch, vocab)), drawn from softmax(logits / temperature).

    TODO: scale, optionally keep the top k, softmax stably, and draw with the framework's generator.

    APPROACH:
    1. Divide the logits by the temperature (as float64, for an exact cumulative sum).
    2. With top_k: the k-th largest value of each row is np.partition's element -k
       along the last axis; every logit below it becomes -inf.
    3. Softmax each row: subtract the row maximum, exponentiate, divide by the sum.
    4. Draw one uniform number per row from default_generator(), shaped (batch, 1).
    5. Scale u by each row's total (the last cumulative value, which rounding may leave a
       hair away from 1); the chosen id is then the number of cumulative values at or below it.
    6. Return the ids as int64, shape (batch,).

    EXAMPLE:
    >>> sample_next_token(np.array([[0.0, 5.0, 1.0]]), top_k=1)
    array([1])
    """
    ### BEGIN SOLUTION
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        kth = np.partition(scaled, -top_k, axis=-1)[:, -top_k, np.newaxis]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    probabilities = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(probabilities, axis=-1)
    draws = default_generator().random((scaled.shape[0], 1)) * cumulative[:, -1:]
    return np.sum(cumulative <= draws, axis=-1).astype(np.int64)
    ### END SOLUTION


# %% [markdown]
# ### Unit test: GPT and sampling

# %% nbgrader={"grade": true, "grade_id": "test-gpt", "locked": true, "points": 15}
from tinytorch.core.tensor import manual_seed


def test_unit_gpt():
    print("Unit test: GPT and sampling...")
    manual_seed(0)
    model = GPT(vocab_size=11, embed_dim=16, num_layers=2, num_heads=4, max_seq_len=8)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["token_embedding.weight", "position_embedding.weight"] and names[-1] == "head.weight", \
        f"expected token_embedding.weight, position_embedding.weight first and head.weight last, got {names}"
    assert len(model.blocks) == 2 and "mask" not in model.state_dict(), "the causal mask is a buffer that is not saved"
    assert abs(float(model.token_embedding.weight.data.std()) - 0.02) < 0.005, "GPT-2 initialisation: N(0, 0.02^2)"
    assert abs(float(model.blocks[0].mlp.proj.weight.data.std()) - 0.01) < 0.002, "residual projections: 0.02 / sqrt(2 L)"

    ids = np.random.default_rng(0).integers(0, 11, size=(3, 8))
    logits = model(ids)
    assert logits.shape == (3, 8, 11), f"expected logits (3, 8, 11), got {logits.shape}"
    x = model.position_embedding(model.token_embedding(ids))
    for block in model.blocks:
        x = block(x, causal_mask(8))
    expected = model.head(model.final_norm(x)).data
    assert np.allclose(logits.data, expected, atol=1e-5), \
        "GPT is token + position embeddings, the blocks with the causal mask, final_norm, then head, in that order"
    assert abs(float(-np.log(np.exp(logits.data[0, 0]) / np.exp(logits.data[0, 0]).sum()).mean()) - np.log(11)) < 0.1, \
        "the untrained model predicts nearly uniformly: a loss near log(vocab_size)"
    changed = ids.copy()
    changed[:, 5] = (changed[:, 5] + 1) % 11
    after = model(changed).data
    assert np.array_equal(after[:, :5], logits.data[:, :5]), "logits at positions 0-4 must not depend on the token at 5"
    assert not np.allclose(after[:, 5:], logits.data[:, 5:]), "...but positions 5-7 do"
    repeated = model(np.full((1, 8), 3)).data[0]
    assert not np.allclose(repeated[1:], repeated[:1], atol=1e-4), \
        "the same token at every position must give different logits at different positions (positions are added)"

    greedy = sample_next_token(np.array([[0.0, 5.0, 1.0], [9.0, 0.0, 0.0]]), top_k=1)
    assert np.array_equal(greedy, [1, 0]), f"top_k=1 always picks the largest logit of each row: expected [1, 0], got {greedy}"
    close = sample_next_token(np.array([[1.0, 1.1, 0.9, 1.05]] * 200), top_k=1)
    assert np.all(close == 1), f"top_k=1 keeps only the largest logit, even among close ones: expected 1, got {np.unique(close)}"
    extreme = sample_next_token(np.array([[0.0, 1000.0, 0.0], [-1000.0, -1000.0, -900.0]]))
    assert np.array_equal(extreme, [1, 2]), \
        f"logits of +-1000 must neither overflow nor underflow (shift each row by its own maximum): expected [1, 2], got {extreme}"
    cold = sample_next_token(np.array([[2.0, 9.0, 1.0]]), temperature=0.001)
    assert np.array_equal(cold, [1]), f"temperature 0.001 scales the logits to 9000 and must not overflow: expected [1], got {cold}"
    manual_seed(1)
    draws = np.concatenate([sample_next_token(np.log(np.array([[0.1, 0.6, 0.3]] * 2000))) for _ in range(5)])
    frequencies = np.bincount(draws, minlength=3) / draws.size
    assert np.allclose(frequencies, [0.1, 0.6, 0.3], atol=0.02), f"sampling must follow the softmax: {frequencies.round(3)}"
    manual_seed(1)
    sharp = sample_next_token(np.log(np.array([[0.1, 0.6, 0.3]] * 2000)), temperature=0.25)
    assert np.mean(sharp == 1) > 0.9, "temperature 0.25 makes the likeliest token far likelier"
    manual_seed(1)
    top_two = sample_next_token(np.log(np.array([[0.1, 0.6, 0.3]] * 2000)), top_k=2)
    assert 0 not in top_two and abs(np.mean(top_two == 1) - 2 / 3) < 0.04, "top_k=2 samples tokens 1 and 2 as 2/3 and 1/3"
    manual_seed(1)
    top_two = sample_next_token(np.log(np.array([[0.05, 0.4, 0.1, 0.3, 0.15]] * 2000)), top_k=2)
    assert set(np.unique(top_two)) == {1, 3} and abs(np.mean(top_two == 1) - 4 / 7) < 0.04, \
        f"top_k=2 of probabilities [0.05, 0.4, 0.1, 0.3, 0.15] samples tokens 1 and 3 as 4/7 and 3/7, got frequencies " \
        f"{(np.bincount(top_two, minlength=5) / top_two.size).round(3)}"

    manual_seed(5)
    first = model.generate(np.array([1, 2, 3]), max_new_tokens=12, temperature=0.8, top_k=5)
    manual_seed(5)
    second = model.generate(np.array([1, 2, 3]), max_new_tokens=12, temperature=0.8, top_k=5)
    assert first.shape == (15,) and first.dtype == np.int64 and np.array_equal(first.data[:3], [1, 2, 3]), \
        "generate returns the prompt followed by the new tokens"
    assert np.array_equal(first.data, second.data), "under the same seed, generate writes the same tokens"
    assert model.generate(np.array([[1], [2]]), max_new_tokens=10).shape == (2, 11), \
        "a batch of prompts; past max_seq_len the context is cropped to its last 8 tokens"
    assert model.training, "generate restores the model's mode"
    try:
        model(np.zeros((1, 9), dtype=np.int64))
    except ValueError as error:
        assert "9" in str(error) and "max_seq_len 8" in str(error), str(error)
    else:
        raise AssertionError("a sequence of 9 tokens must be refused by a GPT with max_seq_len 8")
    print("GPT and sampling work.")


if __name__ == "__main__":
    test_unit_gpt()

# %% [markdown]
# ## 6. Systems analysis: parameters and attention memory
#
# **Parameters.** Per block: the four attention projections `4 E^2 + 4 E`, the MLP
# `8 E^2 + 5 E`, two LayerNorms `4 E`: `12 E^2 + 13 E`. Around the blocks: the token table
# `V E`, the position table `T E`, the final LayerNorm `2 E` and the head `E V` (GPT-2 ties
# the head to the token table and saves `E V`; we keep them separate).
#
# **Activation memory.** Training keeps, per block, a few `(B, T, E)` and `(B, T, 4E)`
# arrays, growing linearly with `T`, and the attention weights `(B, H, T, T)`, growing with
# its square. The function below counts both from a real forward pass's graph at several
# context lengths.

# %% nbgrader={"grade": false, "grade_id": "analyze-parameters", "solution": false}
def gpt_parameter_formula(vocab_size, embed_dim, num_layers, max_seq_len):
    """Parameters of GPT(...) from the formula above (the head untied)."""
    per_block = 12 * embed_dim**2 + 13 * embed_dim
    return num_layers * per_block + 2 * vocab_size * embed_dim + max_seq_len * embed_dim + 2 * embed_dim


def analyze_parameters():
    """Print parameter counts: counted from real models where they are small, the formula for GPT-2."""
    print(f"{'model':>28} {'V':>6} {'E':>5} {'L':>3} {'T':>5} {'parameters':>13} {'float32':>9}")
    configs = (("milestone GPT (characters)", 76, 128, 4, 4, 128), ("wider", 76, 256, 4, 8, 128),
               ("deeper", 76, 128, 8, 4, 128), ("GPT-2 small", 50257, 768, 12, 12, 1024),
               ("GPT-2 XL", 50257, 1600, 48, 25, 1024))
    for label, vocab, width, layers, heads, context in configs:
        formula = gpt_parameter_formula(vocab, width, layers, context)
        if formula < 5_000_000:
            counted = sum(p.numel() for p in GPT(vocab, width, layers, heads, context).parameters())
            assert counted == formula, (label, counted, formula)
        print(f"{label:>28} {vocab:6d} {width:5d} {layers:3d} {context:5d} {formula:13,} {formula * 4 / 2**20:7.1f} MB")
    print("GPT-2 small has 124M parameters with its head tied to the token table: 163M - 50257 x 768 = 124M.")


# %% nbgrader={"grade": false, "grade_id": "analyze-attention-memory", "solution": false}
def _owner(array):
    """The array that owns the memory `array` looks at (views share their base's buffer)."""
    while array.base is not None:
        array = array.base
    return array


def analyze_attention_memory(lengths=(32, 64, 128, 256, 512), batch=4):
    """Memory that one forward pass of a small GPT keeps for backward: attention weights and the rest."""
    print(f"\nActivations kept for backward, GPT(76, 128, 4 layers, 4 heads), batch {batch}:")
    print(f"{'T':>5} {'attention weights':>18} {'everything else':>16} {'weights share':>14}")
    model = GPT(76, 128, 4, 4, max(lengths))
    rng = np.random.default_rng(0)
    for length in lengths:
        logits = model(rng.integers(0, 76, size=(batch, length)))
        weights, other = {}, {}  # id of each buffer -> its size: a buffer shared by views counts once
        stack, seen = [logits], set()
        while stack:  # every operation of the graph, each once
            node = stack.pop()
            if id(node) in seen or node._op is None:
                continue
            seen.add(id(node))
            for array in [node.data, *(a for a in node._saved.values() if isinstance(a, np.ndarray))]:
                owner = _owner(array)
                kept = weights if node._op == "attention" and array is node._saved["weights"] else other
                kept[id(owner)] = owner.nbytes
            stack.extend(node._inputs)
        weight_bytes, other_bytes = sum(weights.values()), sum(other.values())
        print(f"{length:5d} {weight_bytes / 2**20:15.1f} MB {other_bytes / 2**20:13.1f} MB "
              f"{weight_bytes / (weight_bytes + other_bytes):13.0%}")
    crossover = length * other_bytes / weight_bytes
    print(f"Attention weights grow with T^2, the rest with T: for this model they would overtake the rest near "
          f"T = {crossover:,.0f}.")


if __name__ == "__main__":
    analyze_parameters()
    analyze_attention_memory()

# %% [markdown]
# ## Module test
#
# Every unit test, then a GPT trained for real: on a short stretch of Shakespeare, a small
# model must get its training loss well below the uniform guess (`log V`) within a few
# dozen steps, and a model with dropout must behave deterministically in evaluation.

# %%
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import AdamW
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.datasets import load_shakespeare

# %% nbgrader={"grade": true, "grade_id": "transformers-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Transformers")
    test_unit_layer_norm()
    test_unit_transformer_block()
    test_unit_gpt()

    print("Integration: a small GPT learns from Shakespeare...")
    manual_seed(0)
    tokenizer = CharTokenizer(load_shakespeare())
    stream = tokenizer.encode(load_shakespeare("train")[:50_000])
    model = GPT(tokenizer.vocab_size, embed_dim=32, num_layers=2, num_heads=4, max_seq_len=32, dropout=0.1)
    optimizer, loss_fn = AdamW(model.parameters(), lr=3e-3, weight_decay=0.0), CrossEntropyLoss()
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(60):
        starts = rng.integers(0, len(stream) - 33, size=16)
        window = stream[starts[:, None] + np.arange(33)]
        logits = model(window[:, :-1])
        loss = loss_fn(logits.reshape(-1, tokenizer.vocab_size), window[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    uniform = float(np.log(tokenizer.vocab_size))
    assert abs(losses[0] - uniform) < 0.1, f"the first loss should be near log(76) = {uniform:.2f}, got {losses[0]:.2f}"
    assert np.mean(losses[-10:]) < 3.0, f"after 60 steps the loss should be below 3.0 nats, got {np.mean(losses[-10:]):.2f}"
    model.eval()
    probe = stream[:32][np.newaxis]
    assert np.array_equal(model(probe).data, model(probe).data), "in evaluation, dropout is off: same input, same logits"
    text = tokenizer.decode(model.generate(tokenizer.encode("ROMEO:"), max_new_tokens=40, top_k=10))
    assert text.startswith("ROMEO:") and len(text) == 46, f"the prompt and 40 new characters, got {text!r}"
    print(f"Loss went from {losses[0]:.2f} to {np.mean(losses[-10:]):.2f}; a sample: {text!r}")
    print("All transformer tests passed. Next: tito module complete 13_transformers")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - `LayerNorm` normalises every position over its own features (never over the batch),
#   then scales and shifts; fused, its gradient is one rule that removes the components
#   along the mean and the variance.
# - A transformer block is two residual branches, attention then a GELU MLP, each behind
#   its own LayerNorm (pre-norm) and dropout. Residuals carry the gradient past every block.
# - A GPT is embeddings, blocks with the causal mask, a final LayerNorm and a linear head;
#   one forward pass trains a prediction at every position. It starts from GPT-2's
#   initialisation, near the uniform guess.
# - `generate` samples one token at a time from the last position's logits, with
#   temperature and top-k, reproducibly from the framework's generator.
# - Parameters grow as `12 L E^2`; attention memory as `B H T^2` per layer.
#
# Export and record your work with `tito module complete 13_transformers`.
#
# **Next**: the `gpt` milestone: `tito milestone run gpt` trains this model on the bundled
# plays and writes a sample.
