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
# # Module 11: Embeddings - from token ids to vectors a network can learn
#
# **You have built**: tensors, layers, autograd, optimizers, a data loader (Modules 01-08)
# and tokenizers that turn text into integer ids (Module 10).
#
# **You build now**: `Embedding`, the table that turns each id into a learned vector, and two
# ways of telling a network *where* in the sequence a token stands: learned positional
# embeddings (GPT-2) and fixed sinusoidal encodings (the 2017 transformer paper).
#
# **This enables**: attention (Module 12) compares these vectors with each other, and the
# GPT of Module 13 starts every forward pass with the two lookups you write here.
#
# ```
#  "To be"  --tokenizer-->  [50, 58, 1, 45, 48]  --Embedding-->  5 vectors of 128 numbers
#                                                 + positions 0..4  (where each one stands)
#                                                 --> attention --> ... --> next-token scores
# ```
#
# By the end you will be able to:
# 1. look up a batch of ids in an embedding table and explain why that equals a one-hot
#    matrix product, without ever building the one-hot matrix;
# 2. write the gradient of the lookup, where an id that occurs twice collects two gradients;
# 3. add learned or sinusoidal position information, and say what each costs;
# 4. estimate the memory of an embedding table, its gradient and its optimizer state.
#
# **Where the code goes.** You work in `modules/11_embeddings/embeddings_dev.py`. Cells
# marked `#| export` go to `tinytorch/core/embeddings.py`, so afterwards:
#
# ```python
# from tinytorch.core.embeddings import Embedding, PositionalEmbedding, SinusoidalPositionalEncoding
# ```
#
# `Embedding` mirrors `torch.nn.Embedding` (and `embedding` mirrors
# `torch.nn.functional.embedding`); PyTorch has no positional-encoding layer of its own.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.embeddings
#| export
import numpy as np

from tinytorch.core.autograd import gradient_rule
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ## 1. An id is a row number
#
# A token id is a name, not a quantity: id 50 is not "bigger" than id 45, so feeding ids to
# a network as numbers would be meaningless. The classic fix is one-hot encoding: id `i`
# becomes a vector of zeros with a single 1 at position `i`. Multiply that by a weight matrix
# `W` of shape `(vocab_size, dim)` and you get... row `i` of `W`:
#
# ```
#   one-hot of id 2          W (vocab 4 x dim 3)           result
#   [0, 0, 1, 0]    @    [[ 0.1  0.7 -0.2]    row 0    =   [ 0.5 -0.3  0.9]
#                         [ 0.4  0.0  0.3]    row 1         (row 2 of W)
#                         [ 0.5 -0.3  0.9]    row 2
#                         [-0.6  0.2  0.1]]   row 3
# ```
#
# So an embedding *is* a Linear layer without bias on one-hot inputs, but computed the cheap
# way: instead of a `(tokens, vocab) @ (vocab, dim)` product that is almost all multiplications
# by zero, we read the rows directly, `W[ids]`. For GPT-2's 50,257-token vocabulary that
# avoids building and multiplying a matrix 50,257 times wider than the answer.
#
# Each row is a vector the network learns: tokens that behave alike (`"thee"` and `"thou"`,
# or `"."` and `"!"`) end up with nearby rows, because the gradient pushes them the same way.
#
# **Shapes.** Any array of ids works; the lookup appends one axis:
#
# ```
#   ids (batch, seq)  int64   -->   W[ids]  (batch, seq, dim)  float32
#   ids (seq,)                -->           (seq, dim)
# ```
#
# ## 2. The gradient of a lookup: scatter, and add
#
# The forward pass *gathers* rows; the backward pass must *scatter* the incoming gradient
# back to the rows it came from. Output position `n` was row `ids[n]`, so the gradient of
# the table is zero everywhere except in the rows that were read:
#
# ```
#   ids       = [  2,    0,    2  ]         grad_W row 0 = g1
#   grad_out  = [ g0,   g1,   g2  ]   -->   grad_W row 2 = g0 + g2     (id 2 was read twice)
#                                           every other row: 0
# ```
#
# The one subtle point: an id that appears twice must **add** both gradients. In the
# sentence "to be or not to be", the row of "to" was used twice and must learn from both
# uses. NumPy's fancy-index assignment `grad_W[ids] += grad_out` does *not* do that: it
# reads the rows once, adds, and writes them back, so with a repeated id the last write
# wins and the other contributions are silently lost. `np.add.at(grad_W, ids, grad_out)`
# is the unbuffered version that adds every contribution; it exists for exactly this.
#
# The rule is registered with `@gradient_rule("embedding")`, as in Module 05: the forward
# function records its result under the name `"embedding"`, saving the ids, and backward
# finds this rule by that name. Nothing in the earlier modules changes.

# %% [markdown]
# ## 3. Checking the ids
#
# An id outside `0 .. vocab_size - 1` is the classic bug of language-model code (a tokenizer
# with more ids than the model was built for). NumPy would raise a bare `IndexError` for a
# too-large id, and for a *negative* one it would quietly read a row from the end of the
# table. The helper below refuses both, naming the first bad id, where it sits and the valid
# range. It is given, not an exercise.

# %% nbgrader={"grade": false, "grade_id": "check-indices", "solution": false}
#| export
def check_indices(owner, indices, num_embeddings):
    """`indices` (a Tensor, array, list or int of token ids) as an int64 ndarray, checked.

    Raises TypeError unless the ids are integers, IndexError for an id outside
    0 .. num_embeddings - 1, naming `owner`, the id, its position and the input shape.
    """
    array = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if array.size == 0 and array.dtype.kind == "f":
        array = array.astype(np.int64)  # np.asarray([]) is float64; an empty list of ids is fine
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner} expects integer token ids, got dtype {array.dtype}")
    bad = (array < 0) | (array >= num_embeddings)
    if bad.any():
        position = tuple(int(i) for i in np.unravel_index(np.argmax(bad), array.shape))
        raise IndexError(
            f"{owner}: token id {int(array[position])} at position {position} is out of range; "
            f"ids must be 0 to {num_embeddings - 1} (input shape {array.shape})"
        )
    return array.astype(np.int64, copy=False)


# %% [markdown]
# ## 4. The lookup and its gradient rule
#
# `embedding(indices, weight)` is the operation; `Embedding` (below) is the layer that owns
# a weight table and calls it. Write both halves of the operation: the forward gather and
# the backward scatter-add.

# %% nbgrader={"grade": false, "grade_id": "embedding-op", "solution": true}
#| export
def embedding(indices, weight):
    """Rows of `weight` picked by `indices`: output[..., :] = weight[indices[...], :].

    Args:
        indices: integer token ids of any shape (a Tensor, array, list or int).
        weight: a (num_embeddings, embedding_dim) Tensor, the table.

    Returns:
        A Tensor of shape indices.shape + (embedding_dim,), recorded as "embedding".

    TODO: check the ids, gather the rows, and record the operation so that backward can
    route gradients to the rows that were read.

    APPROACH:
    1. `check_indices("embedding", indices, number of rows)` gives a checked int64 array.
    2. NumPy fancy indexing of the weight's array with that id array gathers the rows.
    3. Record the result under the op name "embedding", with the weight as the only input
       (ids have no gradient) and the id array saved under the keyword `indices`.

    EXAMPLE:
    >>> table = Tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    >>> embedding(np.array([[2, 0]]), table).data
    array([[[2., 2.],
            [0., 0.]]], dtype=float32)
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got {weight!r:.80}")
    ### BEGIN SOLUTION
    ids = check_indices("embedding", indices, weight.shape[0])
    return Tensor.from_op(weight.data[ids], "embedding", (weight,), indices=ids)
    ### END SOLUTION


@gradient_rule("embedding")
def _embedding_rule(grad, out, inputs, saved):
    """Scatter-add: row r of the table's gradient is the sum of grad over every position that read row r.

    TODO: return a one-element tuple holding the table's gradient.

    APPROACH:
    1. Start from zeros shaped like the table (inputs[0]), in the gradient's dtype.
    2. Flatten the saved ids to 1-D and the gradient to (number of ids, embedding_dim).
    3. Add each gradient row into the row its id names, with an unbuffered add, so that
       repeated ids accumulate (section 2 explains why `+=` with fancy indexing is wrong).

    EXAMPLE: ids [2, 0, 2] and gradient rows [g0, g1, g2] give row 0 = g1, row 2 = g0 + g2.

    HINTS:
    - np.add.at(target, row_indices, values)
    """
    (weight,) = inputs
    ### BEGIN SOLUTION
    table_grad = np.zeros(weight.shape, dtype=grad.dtype)
    np.add.at(table_grad, saved["indices"].reshape(-1), grad.reshape(-1, weight.shape[1]))
    return (table_grad,)
    ### END SOLUTION


# %% [markdown]
# ## 5. The Embedding layer
#
# The layer owns the table as a `Parameter` of shape `(num_embeddings, embedding_dim)`,
# initialised like PyTorch's: every entry drawn from N(0, 1), from the framework's generator
# (so `manual_seed` reproduces it). Why variance 1 and not `1/fan_in` as for Linear? A
# Linear output is a *sum* of `fan_in` products and needs small weights to keep its
# variance near 1; a lookup sums nothing, so its rows can simply start at variance 1.
#
# ```
#   Embedding(76, 128)    weight (76, 128) float32 = 9,728 numbers, 38 KB
#   ids (32, 64) int64  ------------------------------>  (32, 64, 128) float32
# ```
#
# Not supported, on purpose: `padding_idx`, `max_norm` and sparse gradients (the gradient
# is a dense table-sized array, as in PyTorch's default).

# %% nbgrader={"grade": false, "grade_id": "embedding-layer", "solution": true}
#| export
class Embedding(Module):
    """A table of learned vectors, one row per token id (torch.nn.Embedding).

    Args:
        num_embeddings: how many ids there are (the vocabulary size).
        embedding_dim: the length of each vector.

    Shapes:
        input: integer ids of any shape (*); output: (*, embedding_dim), float32.

    Attributes:
        weight: Parameter (num_embeddings, embedding_dim), initialised from N(0, 1).

    Example:
        >>> layer = Embedding(76, 16)
        >>> layer(np.array([[3, 7, 7]])).shape
        (1, 3, 16)
    """

    def __init__(self, num_embeddings, embedding_dim):
        """
        TODO: keep both sizes as attributes and create the table.

        APPROACH:
        1. Store num_embeddings and embedding_dim as ints.
        2. weight: a Parameter holding standard-normal float32 numbers of shape
           (num_embeddings, embedding_dim), drawn from default_generator().

        EXAMPLE:
        >>> Embedding(10, 4).weight.shape
        (10, 4)
        """
        for label, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {label} must be a positive integer, got {value!r}")
        ### BEGIN SOLUTION
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        table = default_generator().standard_normal((self.num_embeddings, self.embedding_dim), dtype=np.float32)
        self.weight = Parameter(table)
        ### END SOLUTION

    def forward(self, indices):
        """The rows of the table for each id: (*) -> (*, embedding_dim).

        TODO: check the ids under this layer's own name (so the error says which table
        refused them), then look them up with `embedding`.
        """
        ids = check_indices(repr(self), indices, self.num_embeddings)
        ### BEGIN SOLUTION
        return embedding(ids, self.weight)
        ### END SOLUTION

    def __repr__(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


# %% [markdown]
# ### Unit test: the lookup, the layer and the gradient
#
# **Tests**: the output is the right rows in the right order; shapes for 0-, 1- and 2-D ids;
# the N(0, 1) initialisation, reproducible with `manual_seed`; a repeated id collects every
# gradient (the test that catches `+=`), whatever the shape and kind of the ids; bad ids
# refused with their position, by the layer and by `embedding` itself.

# %% nbgrader={"grade": true, "grade_id": "test-embedding", "locked": true, "points": 15}
def test_unit_embedding():
    from tinytorch.core.tensor import manual_seed

    print("Unit test: embedding and Embedding...")
    table = Tensor(np.arange(12, dtype=np.float32).reshape(4, 3), requires_grad=True)
    ids = np.array([[2, 0], [3, 2]])
    out = embedding(ids, table)
    expected = table.data[[[2, 0], [3, 2]]]
    assert out.shape == (2, 2, 3), f"ids (2, 2) on a (4, 3) table give (2, 2, 3), got {out.shape}"
    assert np.array_equal(out.data, expected), f"expected rows 2, 0 / 3, 2 of the table:\n{expected}\ngot\n{out.data}"
    assert out.dtype == np.float32, f"the lookup keeps the table's dtype float32, got {out.dtype}"
    assert out.requires_grad, "the lookup must be recorded (Tensor.from_op), so that backward reaches the table"

    # Each output position sends its gradient to its own row; row 2 is read twice and adds both.
    grad = np.arange(1, 13, dtype=np.float32).reshape(2, 2, 3)
    (out * Tensor(grad)).sum().backward()
    expected_grad = np.zeros((4, 3), dtype=np.float32)
    expected_grad[2] = grad[0, 0] + grad[1, 1]
    expected_grad[0] = grad[0, 1]
    expected_grad[3] = grad[1, 0]
    assert np.array_equal(table.grad.data, expected_grad), \
        f"gradient of the table: expected\n{expected_grad}\ngot\n{table.grad.data}\n(row 2 was read twice: both gradients add up)"
    # Ids of any shape and kind (a list, a Tensor, a single id) must also reach the table on the way back.
    for ids, counts in (([3, 1, 3], [0, 1, 0, 2]), (Tensor(np.array([[0, 0, 2]])), [2, 0, 1, 0]), (np.array(1), [0, 1, 0, 0])):
        fresh = Tensor(table.data, requires_grad=True)
        embedding(ids, fresh).sum().backward()
        expected_grad = np.repeat(np.array(counts, dtype=np.float32)[:, None], 3, axis=1)
        assert fresh.grad is not None and np.array_equal(fresh.grad.data, expected_grad), \
            f"ids {ids!r}: expected the table's gradient\n{expected_grad}\ngot\n{None if fresh.grad is None else fresh.grad.data}"
    try:
        embedding(np.array([0, -1]), table)
    except IndexError as error:
        assert "embedding" in str(error) and "-1" in str(error), f"the error must name embedding and the id -1: {error}"
    else:
        raise AssertionError("embedding(ids, table) must refuse the id -1 itself, not read the last row of the table")

    layer = Embedding(1000, 64)
    assert layer.weight.shape == (1000, 64) and layer.weight.dtype == np.float32, \
        f"Embedding(1000, 64).weight: expected (1000, 64) float32, got {layer.weight.shape} {layer.weight.dtype}"
    assert isinstance(layer.weight, Parameter), f"the table must be a Parameter, got {type(layer.weight).__name__}"
    assert [name for name, _ in layer.named_parameters()] == ["weight"], \
        f"expected named_parameters ['weight'], got {[name for name, _ in layer.named_parameters()]}"
    spread = float(layer.weight.data.std())
    assert 0.97 < spread < 1.03 and abs(float(layer.weight.data.mean())) < 0.02, \
        f"the table starts from N(0, 1), as in PyTorch; got mean {layer.weight.data.mean():.3f}, std {spread:.3f}"
    tails = float(np.mean(np.abs(layer.weight.data) > 2.0))
    assert 0.035 < tails < 0.057, \
        f"a normal N(0, 1) table has about 4.6% of its entries beyond 2 (in absolute value), got {tails:.2%}"
    manual_seed(7)
    first = Embedding(20, 4).weight.data
    manual_seed(7)
    assert np.array_equal(Embedding(20, 4).weight.data, first), \
        "the table must be drawn from default_generator(), so that manual_seed reproduces it"
    for ids, shape in ((np.array(5), (64,)), (np.array([1, 2, 3]), (3, 64))):
        assert layer(ids).shape == shape, f"ids of shape {ids.shape} give vectors of shape {shape}, got {layer(ids).shape}"
    assert layer(Tensor(np.array([[1, 2, 3]]))).shape == (1, 3, 64), "a Tensor of ids works too"
    assert np.array_equal(layer(np.array([7, 7])).data, layer.weight.data[[7, 7]]), "an id read twice gives its row twice"
    assert repr(layer) == "Embedding(1000, 64)", f"expected repr Embedding(1000, 64), got {layer!r}"

    for bad, error_type, text in ((np.array([[1, 1000]]), IndexError, "token id 1000 at position (0, 1)"),
                                  (np.array([3, -1]), IndexError, "token id -1 at position (1,)"),
                                  (np.array([1.0, 2.0]), TypeError, "integer token ids")):
        try:
            layer(bad)
        except error_type as error:
            assert text in str(error) and "Embedding(1000, 64)" in str(error), f"the error must say {text!r}: {error}"
        else:
            raise AssertionError(f"Embedding(1000, 64) must refuse ids {bad.tolist()}")
    print("Embedding works.")


if __name__ == "__main__":
    test_unit_embedding()

# %% [markdown]
# ## 6. Where is each token? Positions
#
# Attention (Module 12) compares every token with every other and mixes their vectors by
# similarity. Nothing in that computation knows *order*: shuffle the input tokens and the
# outputs come out shuffled the same way, otherwise unchanged. "dog bites man" and
# "man bites dog" would look alike. The fix is to make each vector carry its position, by
# **adding** a position vector to each token vector before the first layer:
#
# ```
#   token vectors    [ e("To") ][ e(" ") ][ e("be") ]      (batch, seq, dim)
#        +           [  p(0)   ][  p(1)  ][  p(2)   ]      (seq, dim), broadcast over the batch
#        =           vectors that say what AND where       (batch, seq, dim)
# ```
#
# Why add rather than concatenate? Adding keeps the width, and the network can learn to
# keep the two kinds of information in different directions of the same space.
#
# Two kinds of position vectors:
#
# | | learned (GPT-2) | sinusoidal (Vaswani et al., 2017) |
# |---|---|---|
# | what | a trained table, one row per position | a fixed formula of the position |
# | parameters | `max_seq_len x dim` | none |
# | longer sequences than in training | impossible: no row for them | defined, though models rarely generalise well |
# | used by | GPT-2, BERT | the original transformer |
#
# Both are limited to `max_seq_len` here: the learned table has only that many rows, and
# the sinusoidal table is computed once for that many positions. A longer input is an error
# that names the limit, never a silent truncation.
#
# Both layers below take `x` of shape `(..., seq, dim)` and return `x` plus the first `seq`
# rows of their table. The helper `check_sequence` (given) checks the input and returns
# `seq`.

# %% nbgrader={"grade": false, "grade_id": "check-sequence", "solution": false}
#| export
def check_sequence(owner, x, max_seq_len, embed_dim):
    """The sequence length of `x` (..., seq, embed_dim), after checking it against the layer's sizes."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{owner} expects a Tensor of shape (..., seq, {embed_dim}), got {type(x).__name__}")
    if x.ndim < 2 or x.shape[-1] != embed_dim:
        raise ValueError(f"{owner} expects input of shape (..., seq, {embed_dim}), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{owner} expects floating-point vectors, got dtype {x.dtype} (embed the ids first)")
    if x.shape[-2] > max_seq_len:
        raise ValueError(
            f"{owner}: a sequence of {x.shape[-2]} positions is longer than max_seq_len {max_seq_len} "
            f"(input shape {x.shape}); crop it to the last {max_seq_len} positions"
        )
    return x.shape[-2]


def _check_sizes(owner, max_seq_len, embed_dim):
    for label, value in (("max_seq_len", max_seq_len), ("embed_dim", embed_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{owner}: {label} must be a positive integer, got {value!r}")
    return int(max_seq_len), int(embed_dim)


# %% [markdown]
# ### Learned positional embeddings
#
# The simplest idea: positions are ids too. Position `t` gets row `t` of a table of shape
# `(max_seq_len, embed_dim)`, trained like everything else. The table starts small,
# N(0, 0.02^2) as in GPT-2, so that at first the token vectors dominate and the network
# learns how much position matters.
#
# The forward pass is one addition, `x + weight[:seq]`: the slice reads the first `seq`
# rows, and broadcasting adds them to every sequence of the batch. Autograd already knows
# both operations (getitem and add), so the gradient needs no new rule: each position row
# receives the sum over the batch of the gradients at that position.

# %% nbgrader={"grade": false, "grade_id": "positional-embedding", "solution": true}
#| export
class PositionalEmbedding(Module):
    """Learned absolute positions: adds row t of a trained table to the vector at position t.

    Args:
        max_seq_len: the longest sequence the layer accepts (rows of the table).
        embed_dim: the width of the vectors it is added to.

    Shapes: (..., seq, embed_dim) -> the same, for seq <= max_seq_len.

    Attributes:
        weight: Parameter (max_seq_len, embed_dim), initialised from N(0, 0.02^2).
    """

    def __init__(self, max_seq_len, embed_dim):
        self.max_seq_len, self.embed_dim = _check_sizes("PositionalEmbedding", max_seq_len, embed_dim)
        self.weight = Parameter(0.02 * default_generator().standard_normal((self.max_seq_len, self.embed_dim),
                                                                           dtype=np.float32))

    def forward(self, x):
        """
        TODO: return x plus the position vectors of its first `seq` positions.

        APPROACH:
        1. `check_sequence` (with this layer's repr as the owner) returns seq.
        2. Slice the first seq rows of the table and add them to x; broadcasting handles
           the batch axes.

        EXAMPLE:
        >>> layer = PositionalEmbedding(8, 4)
        >>> layer(Tensor(np.zeros((2, 3, 4)))).shape     # each row gets p(0), p(1), p(2)
        (2, 3, 4)
        """
        seq_len = check_sequence(repr(self), x, self.max_seq_len, self.embed_dim)
        ### BEGIN SOLUTION
        return x + self.weight[:seq_len]
        ### END SOLUTION

    def __repr__(self):
        return f"PositionalEmbedding(max_seq_len={self.max_seq_len}, embed_dim={self.embed_dim})"


# %% [markdown]
# ### Unit test: learned positions

# %% nbgrader={"grade": true, "grade_id": "test-positional-embedding", "locked": true, "points": 10}
def test_unit_positional_embedding():
    print("Unit test: PositionalEmbedding...")
    layer = PositionalEmbedding(16, 8)
    assert layer.weight.shape == (16, 8) and isinstance(layer.weight, Parameter), \
        f"expected a (16, 8) Parameter, got {type(layer.weight).__name__} {layer.weight.shape}"
    spread = float(np.std(PositionalEmbedding(512, 64).weight.data))
    assert 0.018 < spread < 0.022, f"learned positions start from N(0, 0.02^2) as in GPT-2, got std {spread:.4f}"
    x = Tensor(np.random.default_rng(0).standard_normal((3, 5, 8)), requires_grad=True)
    y = layer(x)
    expected = x.data + layer.weight.data[:5]
    assert y.shape == (3, 5, 8) and np.allclose(y.data, expected), \
        "position t of every sequence must get row t of the table added (rows 0..4 for 5 positions)"
    assert np.allclose(layer(Tensor(np.zeros((4, 8)))).data, layer.weight.data[:4]), "a single sequence (seq, dim) works"

    grad = np.random.default_rng(1).standard_normal((3, 5, 8)).astype(np.float32)
    (y * Tensor(grad)).sum().backward()
    expected_grad = np.zeros((16, 8), dtype=np.float32)
    expected_grad[:5] = grad.sum(axis=0)
    assert np.allclose(layer.weight.grad.data, expected_grad, atol=1e-5), \
        "row t of the table collects the gradient of position t summed over the batch; rows past the sequence get 0"
    assert np.allclose(x.grad.data, grad), "the input's gradient passes through the addition unchanged"
    try:
        layer(Tensor(np.zeros((2, 17, 8))))
    except ValueError as error:
        assert "17" in str(error) and "max_seq_len 16" in str(error), str(error)
    else:
        raise AssertionError("a sequence of 17 positions must be refused by PositionalEmbedding(max_seq_len=16)")
    print("PositionalEmbedding works.")


if __name__ == "__main__":
    test_unit_positional_embedding()

# %% [markdown]
# ### Sinusoidal encodings
#
# The 2017 transformer paper used no trained table at all. Position `pos` gets a vector of
# sines and cosines at geometrically spaced frequencies. For column pairs `(2i, 2i + 1)`:
#
# ```
#   PE[pos, 2i]     = sin(pos * w_i)        w_i = 1 / base^(2i / dim),   base = 10000
#   PE[pos, 2i + 1] = cos(pos * w_i)
# ```
#
# The first pair turns once every `2 pi` positions (fast, like the seconds hand of a
# clock); the last pair takes about `2 pi * 10000` positions (slow, like the hours hand).
# Together they give every position a distinct pattern, and because
# `sin(a + b)` and `cos(a + b)` are fixed combinations of `sin a` and `cos a`, the vector of
# position `pos + k` is a fixed rotation of the vector of `pos`: "k steps further" looks the
# same wherever it happens, which attention can pick up.
#
# ```
#   dim = 8:   column   0      1      2      3      4      5      6      7
#              w_i      1      1      0.1    0.1    0.01   0.01   0.001  0.001
#   pos 0:             sin0=0 cos0=1  0      1      0      1      0      1
#   pos 1:             0.841  0.540  0.0998 0.995  0.0100 1.000  0.0010 1.000
# ```
#
# For an odd `dim` the last column is a sine whose cosine partner does not fit. The table is
# computed in float64 (at position 10,000 a float32 angle would already be off in the third
# decimal) and stored as float32.

# %% nbgrader={"grade": false, "grade_id": "sinusoidal", "solution": true}
#| export
def sinusoidal_encoding(num_positions, embed_dim, base=10000.0):
    """The (num_positions, embed_dim) float32 table of sinusoidal position encodings.

    TODO: fill even columns with sines and odd columns with cosines of position * w_i.

    APPROACH:
    1. positions: a column vector 0 .. num_positions - 1 (float64).
    2. w_i for i = 0, 1, ...: one rate per pair of columns, base ** (-(2i) / embed_dim);
       the exponents are the even column numbers 0, 2, 4, ... divided by embed_dim.
    3. angles = positions times rates, an outer product by broadcasting.
    4. Columns 0, 2, 4, ... get the sines, columns 1, 3, 5, ... the cosines (for an odd
       embed_dim there is one cosine fewer: slice the angles to fit).
    5. Return the table as float32.

    EXAMPLE:
    >>> sinusoidal_encoding(2, 4).round(4)
    array([[0.    , 1.    , 0.    , 1.    ],
           [0.8415, 0.5403, 0.01  , 1.    ]], dtype=float32)
    """
    ### BEGIN SOLUTION
    positions = np.arange(num_positions, dtype=np.float64)[:, np.newaxis]
    rates = base ** (-np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)
    angles = positions * rates
    table = np.empty((num_positions, embed_dim), dtype=np.float64)
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : embed_dim // 2])
    return table.astype(np.float32)
    ### END SOLUTION


class SinusoidalPositionalEncoding(Module):
    """Fixed sinusoidal positions (Vaswani et al., 2017), added to the input; nothing to train.

    The table is a buffer that is not saved (persistent=False): it is recomputed from the
    two sizes, so a checkpoint need not carry it.

    Shapes: (..., seq, embed_dim) -> the same, for seq <= max_seq_len.
    """

    def __init__(self, max_seq_len, embed_dim):
        self.max_seq_len, self.embed_dim = _check_sizes("SinusoidalPositionalEncoding", max_seq_len, embed_dim)
        self.register_buffer("encoding", Tensor(sinusoidal_encoding(self.max_seq_len, self.embed_dim)),
                             persistent=False)

    def forward(self, x):
        seq_len = check_sequence(repr(self), x, self.max_seq_len, self.embed_dim)
        return x + self.encoding[:seq_len]

    def __repr__(self):
        return f"SinusoidalPositionalEncoding(max_seq_len={self.max_seq_len}, embed_dim={self.embed_dim})"


# %% [markdown]
# ### Unit test: sinusoidal encodings

# %% nbgrader={"grade": true, "grade_id": "test-sinusoidal", "locked": true, "points": 10}
def test_unit_sinusoidal_encoding():
    print("Unit test: sinusoidal_encoding...")
    table = sinusoidal_encoding(50, 16)
    assert table.shape == (50, 16) and table.dtype == np.float32, f"expected (50, 16) float32, got {table.shape} {table.dtype}"
    assert np.array_equal(table[0], np.tile([0.0, 1.0], 8)), f"position 0 is sin 0 = 0, cos 0 = 1 alternating, got {table[0]}"
    pos = np.arange(50.0)
    for i in range(8):
        rate = 10000.0 ** (-2 * i / 16)
        assert np.allclose(table[:, 2 * i], np.sin(pos * rate), atol=1e-6), \
            f"column {2 * i} must be sin(pos * 10000^(-{2 * i}/16)), got {table[:4, 2 * i]} for positions 0-3"
        assert np.allclose(table[:, 2 * i + 1], np.cos(pos * rate), atol=1e-6), \
            f"column {2 * i + 1} must be cos(pos * 10000^(-{2 * i}/16)), got {table[:4, 2 * i + 1]} for positions 0-3"
    odd = sinusoidal_encoding(3, 5)
    assert odd.shape == (3, 5) and np.allclose(odd[:, 4], np.sin(np.arange(3) * 10000.0 ** (-4 / 5)), atol=1e-6), \
        "an odd width ends with a lone sine"
    far = sinusoidal_encoding(10001, 4)[10000]
    assert np.allclose(far, [np.sin(10000.0), np.cos(10000.0), np.sin(100.0), np.cos(100.0)], rtol=0, atol=1e-6), \
        f"position 10,000 must be exact to float32 precision (compute the angles in float64), got {far}"
    far_pos = np.arange(9990.0, 10001.0)[:, None]
    far_angles = far_pos * 10000.0 ** (-np.arange(0.0, 16.0, 2.0) / 16)
    far_table = sinusoidal_encoding(10001, 16)[9990:]
    for column, values in ((0, np.sin(far_angles)), (1, np.cos(far_angles))):
        error = float(np.max(np.abs(far_table[:, column::2] - values)))
        assert error < 1e-6, f"positions 9,990-10,000 of a width-16 table are off by up to {error:.1e}: " \
                             "compute the positions, the rates and the angles in float64"
    small_base = sinusoidal_encoding(3, 4, base=100.0)
    expected = np.array([[0.0, 1.0, 0.0, 1.0], [np.sin(1.0), np.cos(1.0), np.sin(0.1), np.cos(0.1)],
                         [np.sin(2.0), np.cos(2.0), np.sin(0.2), np.cos(0.2)]])
    assert np.allclose(small_base, expected, rtol=0, atol=1e-6), \
        f"with base=100 the rates of a width-4 table are 1 and 100^(-2/4) = 0.1: expected\n{expected}\ngot\n{small_base}"

    layer = SinusoidalPositionalEncoding(32, 16)
    x = Tensor(np.ones((2, 10, 16)))
    assert np.allclose(layer(x).data, 1.0 + table[:10]), "the encoding of positions 0..9 is added to every sequence"
    assert layer.parameters() == [] and layer.state_dict() == {}, "nothing to train, nothing to save"
    try:
        layer(Tensor(np.ones((1, 33, 16))))
    except ValueError as error:
        assert "33" in str(error) and "32" in str(error), str(error)
    else:
        raise AssertionError("a sequence longer than max_seq_len must be refused")
    print("sinusoidal_encoding works.")


if __name__ == "__main__":
    test_unit_sinusoidal_encoding()

# %% [markdown]
# ## 7. Systems analysis: what an embedding table costs
#
# An embedding table has `vocab_size x dim` numbers, and training keeps more than the table:
#
# ```
#   table            V x d x 4 bytes
#   gradient         V x d x 4 bytes   dense: a full table of mostly zeros, each step
#   Adam's m and v   2 x V x d x 4     one pair per number, touched or not
#   ----------------------------------
#   total            4 x the table
# ```
#
# For a character vocabulary this is nothing; for GPT-2's 50,257 tokens at width 768 it is
# 38.6 million numbers, nearly a third of the model's 124 million parameters: 147 MiB of
# table and about 589 MiB during training. And each batch reads only a few of the rows: the
# function below counts how many distinct ids a batch of 32 x 128 tokens of Shakespeare
# actually touches.

# %%
from tinytorch.datasets import load_shakespeare

# %% nbgrader={"grade": false, "grade_id": "analyze-embedding-memory", "solution": false}
def analyze_embedding_memory():
    """Print the memory of embedding tables, and how many rows a batch really uses."""
    print("Embedding table memory (float32; training adds the gradient and Adam's two moments):")
    print(f"{'vocabulary':>22} {'dim':>5} {'table':>13} {'training':>13}")
    for label, vocab, dim in (("characters", 76, 128), ("BPE, 1,024", 1024, 256),
                              ("GPT-2, 50,257", 50257, 768), ("GPT-3, 50,257", 50257, 12288)):
        size = vocab * dim * np.dtype(np.float32).itemsize
        print(f"{label:>22} {dim:5d} {size / 2**20:9,.2f} MiB {4 * size / 2**20:9,.2f} MiB")

    text = load_shakespeare("train")
    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(text) - 128, size=32)
    batch = "".join(text[s:s + 128] for s in starts)
    distinct_chars = len(set(batch))
    distinct_words = len(set(batch.split()))
    print(f"\nA batch of 32 x 128 characters of Shakespeare uses {distinct_chars} of the 76 character ids "
          f"({distinct_chars / 76:.0%} of the table's rows),")
    print(f"but only about {distinct_words:,} distinct words: with a 50,257-token vocabulary (about a token "
          f"per word) roughly {distinct_words / 50257:.1%} of the rows would receive a gradient;")
    print("the dense gradient and Adam still touch all of them, which is why sparse embedding gradients exist "
          "(torch.nn.Embedding(sparse=True)).")


# %% [markdown]
# And what do the sinusoids encode? The dot product of two position vectors depends only on
# their distance (each pair of columns contributes `cos(k * w_i)` for an offset `k`), and
# falls off as the offset grows: nearby positions look alike, distant ones less so.

# %% nbgrader={"grade": false, "grade_id": "analyze-sinusoid-similarity", "solution": false}
def analyze_sinusoid_similarity(embed_dim=64):
    """Print the similarity of position vectors as their offset grows."""
    table = sinusoidal_encoding(600, embed_dim).astype(np.float64)
    print(f"\nSimilarity of sinusoidal position vectors (dim {embed_dim}), dot product / dim:")
    print(f"{'offset':>8} {'from pos 0':>11} {'from pos 300':>13}")
    for offset in (0, 1, 2, 4, 8, 16, 64, 256):
        print(f"{offset:8d} {table[0] @ table[offset] / embed_dim:11.3f} {table[300] @ table[300 + offset] / embed_dim:13.3f}")
    print("The same offset gives the same similarity wherever it starts: relative position is visible.")


if __name__ == "__main__":
    analyze_embedding_memory()
    analyze_sinusoid_similarity()

# %% [markdown]
# ## Module test
#
# The last check runs every unit test, checks the lookup's gradient against central
# differences, then puts the pieces to work: an `Embedding(76, 76)` whose row for a
# character holds scores for the *next* character is exactly a **bigram model**. Trained
# with cross-entropy on Shakespeare for a few hundred steps, it must get well below the
# `log 76 = 4.33` nats of a uniform guess. (The GPT milestone of Module 13 has to beat a
# bigram model like this one by a wide margin.)

# %%
from tinytorch.core.autograd import gradcheck
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed
from tinytorch.core.tokenization import CharTokenizer

# %% nbgrader={"grade": true, "grade_id": "embeddings-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Embeddings")
    test_unit_embedding()
    test_unit_positional_embedding()
    test_unit_sinusoidal_encoding()

    print("Integration: gradient check, then a bigram model of Shakespeare...")
    rng = np.random.default_rng(0)
    table = Tensor(rng.standard_normal((5, 3)), dtype=np.float64, requires_grad=True)
    ids = np.array([[1, 4, 1], [0, 1, 3]])
    gradcheck(lambda w: embedding(ids, w), table)

    manual_seed(0)
    text = load_shakespeare("train")[:100_000]
    tokenizer = CharTokenizer(load_shakespeare())
    stream = tokenizer.encode(text)
    bigram = Embedding(tokenizer.vocab_size, tokenizer.vocab_size)
    optimizer = Adam(bigram.parameters(), lr=0.1)
    loss_fn = CrossEntropyLoss()
    starts = rng.integers(0, len(stream) - 33, size=(300, 32))
    losses = []
    for step_starts in starts:
        window = stream[step_starts[:, None] + np.arange(33)]
        logits = bigram(window[:, :-1])
        loss = loss_fn(logits.reshape(-1, tokenizer.vocab_size), window[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    first, last = losses[0], float(np.mean(losses[-20:]))
    assert first > 4.0, f"an untrained bigram table should be worse than a uniform guess (4.33 nats), got {first:.2f}"
    assert last < 2.8, f"after 300 steps the bigram model should be below 2.8 nats per character, got {last:.2f}"
    print(f"Bigram loss went from {first:.2f} to {last:.2f} nats per character.")

    # The input stage of a language model: token vectors plus positions, learned or fixed.
    tokens = Embedding(tokenizer.vocab_size, 32)
    batch = stream[:64].reshape(2, 32)
    for positions in (PositionalEmbedding(32, 32), SinusoidalPositionalEncoding(32, 32)):
        vectors = positions(tokens(batch))
        assert vectors.shape == (2, 32, 32), f"{positions!r}: expected (2, 32, 32), got {vectors.shape}"
        space = np.flatnonzero(batch[0] == tokenizer.encode(" ")[0])
        assert space.size > 1 and not np.allclose(vectors.data[0, space[0]], vectors.data[0, space[1]]), \
            f"{positions!r}: the same character at two positions must get two different vectors"
    print("All embedding tests passed. Next: tito module complete 11_embeddings")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - An embedding is a one-hot matrix product computed as a row lookup, `W[ids]`: ids of
#   shape `(*)` give vectors of shape `(*, dim)`.
# - Its gradient scatters back to the rows that were read and must *add* for repeated ids:
#   `np.add.at`, never `grad[ids] += g`.
# - Attention ignores order, so positions are added to the token vectors: a learned table
#   (one row per position, `max_seq_len x dim` parameters) or fixed sinusoids (no
#   parameters; offsets become rotations).
# - The table of a large vocabulary costs four times its size in training (gradient and
#   Adam), while each batch touches only a small fraction of its rows.
#
# Export and record your work with `tito module complete 11_embeddings`.
#
# **Next**: Module 12 lets every position look at every other: scaled dot-product
# attention and multi-head attention.
