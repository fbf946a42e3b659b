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
# # Module 08: DataLoader - feeding the network one batch at a time
#
# **You have built**: `Tensor` (Module 01), activations (Module 02), layers (Module 03),
# and, in the modules between, the pieces that make a network learn.
#
# **You build now**: `Dataset`, the contract every data source follows; `TensorDataset`,
# a data set held in memory as tensors; and `DataLoader`, which cuts a data set into
# shuffled batches, one epoch per `for` loop.
#
# **This enables**: training on real data sets, batch by batch: the handwritten digits
# bundled with tinytorch and Fashion-MNIST's 60,000 images (`tinytorch.datasets`).
#
# ```
#  data set on disk         Dataset              DataLoader                 training loop
#  (files, arrays)  --> (len, sample i) --> (batch 0, batch 1, ...)  --> forward, loss, step
#                                            new order every epoch
# ```
#
# By the end you will be able to:
# 1. explain why networks train on mini-batches, and why the order is shuffled every epoch;
# 2. build a batch with a single vectorised index instead of a Python loop over samples;
# 3. reason about what a batch costs in memory and what shuffling costs in copying;
# 4. choose what happens to the last, incomplete batch (`drop_last`).
#
# **Where the code goes.** You work in `modules/08_dataloader/dataloader_dev.py`. Cells
# marked `#| export` go to `tinytorch/core/dataloader.py`, so afterwards:
#
# ```python
# from tinytorch.core.dataloader import Dataset, TensorDataset, DataLoader
# ```
#
# This mirrors PyTorch's `torch.utils.data`, which has the same three names.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.dataloader
#| export
from abc import ABC, abstractmethod

import numpy as np

from tinytorch.core.tensor import Tensor, default_generator, from_numpy

# %% [markdown]
# ## 1. Why batches?
#
# Training improves the parameters a little at a time: compute the loss on some examples,
# compute its gradient, take a step. How many examples should one step look at?
#
# ```
#  one sample per step       all 60,000 per step        a mini-batch of 128 per step
#  -------------------       -------------------        ----------------------------
#  60,000 steps / epoch      1 step / epoch             469 steps / epoch
#  very noisy gradient       exact gradient             a good estimate of it
#  1 x 784 @ 784 x 256:      the input alone is         128 x 784 @ 784 x 256:
#  tiny matmuls, slow        60,000 x 784 x 4 B =       big enough to be fast,
#  (Python overhead per      188 MB, and every layer's  small enough to fit in cache
#   sample dominates)        activations come on top
# ```
#
# - **The gradient of a batch estimates the gradient of the whole data set.** Its error
#   shrinks like `1/sqrt(batch_size)`: 128 samples give an estimate about 11 times less
#   noisy than one sample, and a little noise even helps the optimiser leave poor regions.
# - **Matrix multiplication loves batches.** One `(128, 784) @ (784, 256)` product does the
#   work of 128 separate `(1, 784)` products, but NumPy runs it as one call into an
#   optimised BLAS routine: the per-call overhead is paid once instead of 128 times.
# - **Memory caps the batch.** A batch's activations stay alive until the backward pass,
#   so they grow linearly with the batch size (section 6 measures it).
#
# ## 2. Epochs and shuffling
#
# An **epoch** is one pass over every sample of the training set. With `N` samples and
# batch size `B`, an epoch has `ceil(N / B)` steps (or `floor(N / B)`, see `drop_last`).
#
# Why shuffle? Data files are often sorted: by class, by date, by the person who wrote the
# digits. If batches follow the file order, one batch may hold only sevens, and its step
# pulls the network towards "everything is a seven"; the next batch pulls it somewhere
# else. A step is only a fair estimate of the full gradient when its batch is a *random*
# sample of the data. So at the start of every epoch the loader draws a fresh random
# permutation of the indices and cuts it into batches:
#
# ```
#  epoch 1: permutation  [7 2 9 | 0 5 3 | 8 1 6 | 4]     batch_size = 3, N = 10
#                         batch0  batch1  batch2  batch3 (partial)
#  epoch 2: permutation  [3 8 0 | 6 1 9 | 2 4 7 | 5]     a new order: new batches
# ```
#
# Every sample appears exactly once per epoch, in a different company each time. The
# permutation comes from tinytorch's one generator, `default_generator()`, so
# `tinytorch.manual_seed(n)` makes the whole sequence of epochs reproducible.
# Evaluation does not shuffle: the order does not change an average over every sample.

# %% [markdown]
# ## 3. The Dataset contract
#
# A data set can live anywhere: arrays in memory, a folder of image files, rows of a
# database. The loader should not care. It needs exactly two things:
#
# | method | returns |
# |--------|---------|
# | `len(dataset)` | the number of samples |
# | `dataset[i]` | sample `i`: a Tensor, a NumPy array, a number, or a tuple, list or dict of them, such as `(image, label)` |
#
# So, as in PyTorch, a plain Python list of `(array, label)` pairs is already a data set.
# `Dataset` is an abstract base class with those two methods, for data sets you write
# yourself. A third one, `get_batch`, builds a whole batch. Its general version calls
# `dataset[i]` once per sample and stacks the results with `collate`: it works for every
# data set, but it pays Python's overhead once per sample. A data set that can fetch many
# samples in one operation overrides it, as `TensorDataset` does below.
#
# **Collation** follows PyTorch's `default_collate`: samples that are tuples (or lists, or
# dicts) are stacked field by field, keeping the structure; tensors, arrays and numbers are
# stacked into one tensor with a new leading batch axis. Python floats become float32 (the
# framework's default; PyTorch makes them float64), ints become int64, bools stay bool.
#
# ```
#  get_batch([4, 0, 7])  (the general way)
#    dataset[4] -> (x4, y4) \
#    dataset[0] -> (x0, y0)  }--> stack x's -> X (3, ...),  stack y's -> Y (3,)
#    dataset[7] -> (x7, y7) /
# ```

# %% nbgrader={"grade": false, "grade_id": "dataset", "solution": true}
#| export
class Dataset(ABC):
    """A source of samples: `len(dataset)` of them, sample i is `dataset[i]`.

    Subclasses define `__len__` and `__getitem__`; a sample is a Tensor or a tuple of
    Tensors (for example `(image, label)`). Subclasses that can fetch many samples at once
    override `get_batch` to do it without a Python loop.
    """

    @abstractmethod
    def __len__(self):
        """The number of samples."""

    @abstractmethod
    def __getitem__(self, index):
        """Sample `index` (an int from 0 to len - 1)."""

    def get_batch(self, indices):
        """The samples at `indices` (a slice or a 1-D integer array), stacked into one batch."""
        return fetch_batch(self, indices)


def fetch_batch(dataset, indices):
    """The samples of any data set at `indices` (a slice or an integer array), collated.

    TODO: fetch each sample with dataset[i] and collate them into one batch.

    APPROACH:
    1. A slice becomes the positions range(len(dataset))[indices]; an array is used as is.
    2. samples = one dataset[int(i)] per position.
    3. Return collate(samples, ...), passing the positions and the data set's type name so
       that an error can say which sample was wrong.

    EXAMPLE:
    >>> class Squares(Dataset):
    ...     def __len__(self): return 5
    ...     def __getitem__(self, i): return Tensor([float(i)]), Tensor(np.array(i * i))
    >>> x, y = Squares().get_batch(np.array([3, 1]))
    >>> x.shape, y.data
    ((2, 1), array([9, 1]))

    HINTS:
    - range(5)[slice(1, 4)] is range(1, 4): no array of every index is built.
    """
    ### BEGIN SOLUTION
    positions = range(len(dataset))[indices] if isinstance(indices, slice) else indices
    samples = [dataset[int(i)] for i in positions]
    return collate(samples, positions, type(dataset).__name__)
    ### END SOLUTION


_SCALAR_DTYPES = {bool: np.bool_, int: np.int64, float: np.float32}


def collate(samples, positions=None, owner="collate"):
    """Stack samples into one batch of the same structure, as PyTorch's default_collate.

    Tuples, lists and dicts are collated field by field; Tensors, arrays and numbers are
    stacked along a new first axis into one Tensor (float arrays and Python floats become
    float32, Python ints int64). Every sample must have the structure and shapes of the first.
    """
    positions = range(len(samples)) if positions is None else positions
    first = samples[0]
    if isinstance(first, (tuple, list, dict)):
        keys = list(first) if isinstance(first, dict) else range(len(first))
        for position, sample in zip(positions, samples):
            if type(sample) is not type(first) or len(sample) != len(first) or (isinstance(first, dict) and set(sample) != set(keys)):
                raise TypeError(
                    f"{owner}[{position}] is {_describe(sample)}, but sample {positions[0]} is {_describe(first)}: "
                    "every sample of a batch must have the same structure"
                )
        fields = [collate([sample[key] for sample in samples], positions, f"{owner} field {key!r} of sample") for key in keys]
        if isinstance(first, dict):
            return dict(zip(keys, fields))
        return tuple(fields) if isinstance(first, tuple) else fields
    arrays = [_sample_array(sample, position, owner) for position, sample in zip(positions, samples)]
    shapes = sorted({array.shape for array in arrays})
    if len(shapes) > 1:
        raise ValueError(f"{owner}: cannot stack a batch whose samples have different shapes {shapes}")
    return from_numpy(np.stack(arrays))


def _sample_array(sample, position, owner):
    """One stackable piece of a sample as an array, under the framework's dtype policy."""
    if isinstance(sample, Tensor):
        return sample.data
    if type(sample) in _SCALAR_DTYPES:
        return np.asarray(sample, dtype=_SCALAR_DTYPES[type(sample)])
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return sample.astype(np.float32, copy=False) if sample.dtype.kind == "f" else np.asarray(sample)
    raise TypeError(
        f"{owner}[{position}] is {_describe(sample)}: a sample must be a Tensor, a NumPy array, a number, "
        "or a tuple, list or dict of them"
    )


def _describe(sample):
    if isinstance(sample, (tuple, list)):
        return f"a {type(sample).__name__} of (" + ", ".join(type(field).__name__ for field in sample) + ")"
    if isinstance(sample, np.ndarray):
        return f"an array of dtype {sample.dtype}"
    return f"a {type(sample).__name__}"


# %% [markdown]
# ### Unit test: Dataset
#
# **Tests**: `Dataset` itself cannot be created (it is abstract); a small subclass gets a
# working `get_batch` for free, from a slice or an index array, with labels kept as
# integers; a sample of the wrong kind or shape is refused with its index in the message.

# %% nbgrader={"grade": true, "grade_id": "test-dataset", "locked": true, "points": 5}
def test_unit_dataset():
    print("Unit test: Dataset...")

    class Squares(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return Tensor([float(i), -float(i)]), Tensor(np.array(i * i))

    try:
        Dataset()
    except TypeError:
        pass
    else:
        raise AssertionError("Dataset is abstract: Dataset() must raise TypeError")

    x, y = Squares().get_batch(np.array([4, 0, 2]))
    assert x.shape == (3, 2) and x.dtype == np.float32, f"a batch of 3 samples of 2 floats: expected (3, 2) float32, got {x.shape} {x.dtype}"
    assert np.array_equal(x.data[:, 0], [4, 0, 2]), f"rows come in the order of the indices: expected [4, 0, 2], got {x.data[:, 0].tolist()}"
    assert y.dtype == np.int64 and np.array_equal(y.data, [16, 0, 4]), "labels stay integers"
    x, y = Squares().get_batch(slice(3, 6))
    assert np.array_equal(y.data, [9, 16, 25]), "a slice selects consecutive samples"

    class Ragged(Squares):
        def __getitem__(self, i):
            return Tensor(np.ones(i + 1)), Tensor(np.int64(i))

    try:
        Ragged().get_batch(np.array([0, 1]))
    except ValueError as error:
        assert "(1,)" in str(error) and "(2,)" in str(error), f"the error must mention (1,) and (2,), got: {error}"
    else:
        raise AssertionError("samples of different shapes cannot be stacked")

    # PyTorch's default collation: arrays, numbers, lists and dicts are stacked too.
    class Mixed(Squares):
        def __getitem__(self, i):
            return {"pixels": np.full(2, i, dtype=np.float64), "label": i, "weight": 0.5 * i, "pair": [i, -i]}

    batch = Mixed().get_batch(np.array([1, 3]))
    assert set(batch) == {"pixels", "label", "weight", "pair"}, f"a dict sample gives a dict batch, got {batch!r}"
    assert batch["pixels"].shape == (2, 2) and batch["pixels"].dtype == np.float32, "float arrays become float32"
    assert batch["label"].dtype == np.int64 and np.array_equal(batch["label"].data, [1, 3]), "ints become int64"
    assert batch["weight"].dtype == np.float32 and np.allclose(batch["weight"].data, [0.5, 1.5]), "floats become float32"
    assert isinstance(batch["pair"], list) and np.array_equal(batch["pair"][1].data, [-1, -3]), "lists are collated field by field"

    class OddOneOut(Squares):
        def __getitem__(self, i):
            return [float(i), i] if i == 5 else (float(i), i)

    try:
        OddOneOut().get_batch(np.array([2, 5]))
    except TypeError as error:
        assert "OddOneOut[5]" in str(error) and "sample 2" in str(error), \
            f"the error must name the samples by their indices in the data set (OddOneOut[5], sample 2), got: {error}"
    else:
        raise AssertionError("a list sample in a batch of tuples must be refused")

    class Words(Squares):
        def __getitem__(self, i):
            return "word", i

    try:
        Words().get_batch(slice(0, 2))
    except TypeError as error:
        assert "Words" in str(error) and "str" in str(error), f"the error must mention Words and str, got: {error}"
    else:
        raise AssertionError("a sample holding a string cannot be stacked into a tensor")
    print("Dataset works.")


if __name__ == "__main__":
    test_unit_dataset()

# %% [markdown]
# ## 4. TensorDataset: a data set that is already in memory
#
# When the whole data set fits in memory, as the digits and Fashion-MNIST do, it is just a
# few tensors that share their first dimension: images `(N, 784)` and labels `(N,)`.
# Sample `i` is row `i` of each.
#
# The point of `TensorDataset` is speed. NumPy can pick many rows in **one** operation
# (integer-array indexing, also called fancy indexing), so a whole batch takes one call
# per tensor, however large the batch:
#
# ```
#  images (N, 784)                 indices = [7, 2, 9]
#  row 0  [.... 784 values ....]
#  row 1  [....................]   images.data[indices]  -->  (3, 784), rows 7, 2, 9
#  row 2  [....................]   labels.data[indices]  -->  (3,)
#   ...
# ```
#
# Fancy indexing always *copies* the selected rows into a new array: the rows of a random
# batch are scattered in memory, and a batch must be contiguous for the matrix multiply.
# A slice (`images.data[128:256]`) instead returns a *view*: no copy at all. So the
# loader asks for slices when it does not shuffle.
#
# The tensors must agree on the number of samples; if they do not, it is almost always
# a bug (labels of the training set paired with images of the test set), so the
# constructor refuses them and names every shape.

# %% nbgrader={"grade": false, "grade_id": "tensor-dataset", "solution": true}
#| export
class TensorDataset(Dataset):
    """Samples taken row by row from tensors that share their first dimension.

    TensorDataset(images, labels)[i] is (images[i], labels[i]). Indexing with a slice or an
    integer array (or Tensor) returns many samples at once, stacked, in one NumPy operation.
    Every dtype is kept: integer labels stay integers.
    """

    def __init__(self, *tensors):
        """
        TODO: check the tensors and store them.

        APPROACH:
        1. At least one tensor; each a Tensor with at least one dimension (checked below).
        2. Every tensor's shape[0] must be the same; if not, raise ValueError naming all
           the shapes.
        3. Store them as the tuple self.tensors.

        EXAMPLE:
        >>> TensorDataset(Tensor(np.ones((100, 4))), Tensor(np.zeros(99, dtype=np.int64)))
        Traceback (most recent call last):
        ValueError: TensorDataset: all tensors need the same first dimension (the number of samples), got shapes (100, 4), (99,)
        """
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {position} is a {type(tensor).__name__}, not a Tensor "
                    "(wrap arrays as Tensor(array))"
                )
            if tensor.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {position} is a 0-d tensor; each tensor needs a first "
                    "dimension that counts the samples"
                )
        ### BEGIN SOLUTION
        if len({tensor.shape[0] for tensor in tensors}) > 1:
            shapes = ", ".join(str(tensor.shape) for tensor in tensors)
            raise ValueError(
                f"TensorDataset: all tensors need the same first dimension (the number of samples), got shapes {shapes}"
            )
        self.tensors = tuple(tensors)
        ### END SOLUTION

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        """
        TODO: return a tuple with each tensor's rows at `index`.

        APPROACH:
        1. A Tensor index (e.g. of labels) is unwrapped to its array.
        2. Index each tensor's .data once; NumPy raises IndexError for an index out of
           range: re-raise it saying how many samples there are.
        3. Wrap each result with from_numpy: it keeps the dtype and, unlike Tensor(...), does
           not copy, so a slice of the data stays a view.

        EXAMPLE:
        >>> data = TensorDataset(Tensor(np.arange(6.0).reshape(3, 2)), Tensor(np.array([0, 1, 2])))
        >>> data[1]
        (Tensor([2. 3.], shape=(2,), dtype=float32), Tensor(1, shape=(), dtype=int64))
        >>> data[np.array([2, 0])][1].data
        array([2, 0])

        HINTS:
        - t.data[index] works for an int, a slice and an integer array alike.
        """
        ### BEGIN SOLUTION
        if isinstance(index, Tensor):
            index = index.data
        try:
            parts = [tensor.data[index] for tensor in self.tensors]
        except IndexError as error:
            raise IndexError(f"TensorDataset of {len(self)} samples: {error}") from None
        return tuple(from_numpy(np.asarray(part)) for part in parts)
        ### END SOLUTION

    def get_batch(self, indices):
        # One vectorised index per tensor: the whole batch without a loop over samples.
        return self[indices]

    def __repr__(self):
        shapes = ", ".join(str(tensor.shape) for tensor in self.tensors)
        return f"TensorDataset({len(self)} samples; shapes {shapes})"


# %% [markdown]
# ### Unit test: TensorDataset
#
# **Tests**: length, one sample, a batch by integer array and by slice (a slice is a view,
# an index array a copy), dtypes kept, and each bad input refused with a message that
# names the shapes or the index.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dataset", "locked": true, "points": 10}
def test_unit_tensor_dataset():
    print("Unit test: TensorDataset...")
    images = Tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    labels = Tensor(np.arange(10) % 3)
    data = TensorDataset(images, labels)
    assert len(data) == 10, f"10 samples, got len {len(data)}"

    x, y = data[4]
    assert np.array_equal(x.data, [8, 9]) and y.item() == 1 and y.dtype == labels.dtype, f"data[4]: expected ([8, 9], 1), got ({x.data}, {y.data})"

    x, y = data[np.array([9, 0, 4])]
    assert x.shape == (3, 2) and np.array_equal(x.data[:, 0], [18, 0, 8]), f"rows 9, 0, 4 in that order, got {x.data.tolist()}"
    assert y.dtype == labels.dtype and np.array_equal(y.data, [0, 0, 1]), f"labels of rows 9, 0, 4: expected [0, 0, 1], got {y.data}"
    assert not np.shares_memory(x.data, images.data), "an index array gathers a copy"
    x, _ = data.get_batch(slice(2, 5))
    assert np.array_equal(x.data[:, 0], [4, 6, 8]) and np.shares_memory(x.data, images.data), "a slice is a view"
    x, _ = data[Tensor(np.array([1, 2]))]
    assert x.shape == (2, 2), "a Tensor of indices works as an index"

    try:
        TensorDataset(Tensor(np.ones((100, 4))), Tensor(np.zeros(99, dtype=np.int64)))
    except ValueError as error:
        assert "(100, 4)" in str(error) and "(99,)" in str(error), f"the error must mention (100, 4) and (99,), got: {error}"
    else:
        raise AssertionError("tensors with different first dimensions must be refused")
    try:
        TensorDataset(Tensor(np.ones((4, 2))), Tensor(np.zeros(4)), Tensor(np.zeros(3)))
    except ValueError as error:
        assert "(3,)" in str(error), f"the error must mention the third tensor's shape (3,), got: {error}"
    else:
        raise AssertionError("every tensor is checked: a third tensor of 3 samples beside two of 4 must be refused")
    alone = TensorDataset(images)
    sample, batch = alone[3], alone.get_batch(slice(0, 2))
    assert isinstance(sample, tuple) and len(sample) == 1 and np.array_equal(sample[0].data, [6, 7]), \
        f"a data set of one tensor still gives tuples, as in PyTorch: expected (Tensor([6, 7]),), got {sample!r}"
    assert isinstance(batch, tuple) and len(batch) == 1 and batch[0].shape == (2, 2), \
        f"a batch of a one-tensor data set is a 1-tuple of a (2, 2) tensor, got {batch!r}"
    for bad, error_type in (((), ValueError), ((np.ones(3),), TypeError), ((Tensor(1.0),), ValueError)):
        try:
            TensorDataset(*bad)
        except error_type:
            pass
        else:
            raise AssertionError(f"TensorDataset{bad} must raise {error_type.__name__}")
    try:
        data[10]
    except IndexError as error:
        assert "10 samples" in str(error), f"the error must mention 10 samples, got: {error}"
    else:
        raise AssertionError("index 10 of 10 samples must raise IndexError")
    print("TensorDataset works.")


if __name__ == "__main__":
    test_unit_tensor_dataset()

# %% [markdown]
# ## 5. DataLoader
#
# The loader turns a data set into a stream of batches. One `for batch in loader:` loop is
# one epoch; each new loop is a new epoch, with a new order when `shuffle=True`.
#
# ```
#  __iter__ (start of an epoch)
#    order = permutation(N) from default_generator()   if shuffle
#          = 0, 1, ..., N-1 (as slices, no array)       otherwise
#    for start in 0, B, 2B, ...:
#        yield dataset.get_batch(order[start : start + B])
# ```
#
# ### The last batch: `drop_last`
#
# With N = 60,000 and B = 128 there are 468 full batches and 96 samples left over.
#
# | `drop_last` | batches per epoch | what you get | what it costs |
# |-------------|-------------------|--------------|---------------|
# | `False` (default) | `ceil(N / B)` = 469 | every sample, every epoch | one smaller, noisier step per epoch |
# | `True` | `floor(N / B)` = 468 | every step the same size | up to B - 1 samples skipped per epoch |
#
# With shuffling, the skipped samples are different ones in every epoch, so nothing is
# lost for good; that makes `drop_last=True` harmless for training when an identical batch
# shape matters (a fixed memory budget, layers that normalise over the batch and break on
# a batch of one). **Never drop for evaluation**: the accuracy would silently leave out
# some test samples.
#
# `len(loader)` is the number of batches, the number of optimiser steps in an epoch.
#
# ### Refusing nonsense early
#
# A `batch_size` of 0, -1, 2.5 or True is a bug, and so is a loader over an empty data set
# or one that `drop_last` would leave with no batch at all: each would train on nothing,
# quietly. The loader refuses them when it is built, naming the value.

# %% nbgrader={"grade": false, "grade_id": "dataloader", "solution": true}
#| export
class DataLoader:
    """Iterate over a Dataset in batches; every `for` loop over it is one epoch.

    Args:
        dataset: a Dataset, for example TensorDataset(images, labels).
        batch_size: samples per batch, a positive integer.
        shuffle: draw a new random order at the start of every epoch, from
            tinytorch's generator (so tinytorch.manual_seed makes it reproducible).
        drop_last: leave out the last batch of an epoch when it is smaller than batch_size.

    A batch has the structure of one sample with a leading batch axis: for
    TensorDataset(images (N, 784), labels (N,)) it is (images (B, 784), labels (B,)).

    Example:
        >>> loader = DataLoader(TensorDataset(images, labels), batch_size=128, shuffle=True)
        >>> for x, y in loader:     # one epoch: len(loader) batches
        ...     scores = model(x)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")) or isinstance(dataset, (str, bytes, dict)):
            raise TypeError(
                "DataLoader expects a data set: anything with len() and [i] (a Dataset such as "
                f"TensorDataset(x, y), a list of samples, a Tensor), got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader: {name} must be True or False, got {flag!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if len(dataset) == 0:
            raise ValueError(f"DataLoader: the dataset {type(dataset).__name__} is empty, there is nothing to load")
        if len(self) == 0:
            raise ValueError(
                f"DataLoader: drop_last=True with batch_size {self.batch_size} and only {len(dataset)} "
                "samples leaves no batch at all"
            )

    def __len__(self):
        """
        TODO: the number of batches in one epoch.

        APPROACH:
        1. Divide the number of samples by the batch size: the quotient counts the full
           batches, the remainder says whether a partial batch is left over.
        2. A partial batch counts unless drop_last.

        EXAMPLE:
        >>> data = TensorDataset(Tensor(np.zeros((10, 1))))
        >>> len(DataLoader(data, batch_size=3)), len(DataLoader(data, batch_size=3, drop_last=True))
        (4, 3)
        """
        ### BEGIN SOLUTION
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)
        ### END SOLUTION

    def __iter__(self):
        """
        TODO: start an epoch: fix its order now, then return a generator of its batches.

        APPROACH:
        1. Count the samples. With shuffle, draw a random permutation of that many positions
           from default_generator(), here, once per epoch; without shuffle, the order is None.
        2. Hand both to self._batches, which yields each batch.

        EXAMPLE:
        >>> loader = DataLoader(TensorDataset(Tensor(np.arange(5.0))), batch_size=2)
        >>> [batch.data.tolist() for (batch,) in loader]
        [[0.0, 1.0], [2.0, 3.0], [4.0]]
        """
        ### BEGIN SOLUTION
        count = len(self.dataset)
        order = default_generator().permutation(count) if self.shuffle else None
        return self._batches(order, count)
        ### END SOLUTION

    def _batches(self, order, count):
        """
        TODO: yield one batch per batch_size positions of the epoch.

        APPROACH:
        1. stop = len(self) * self.batch_size, but at most count (the last batch may be short).
        2. For each start in range(0, stop, batch_size): the batch's indices are
           order[start:start + batch_size], or slice(start, start + batch_size) when there is
           no order (a slice lets TensorDataset return views, not copies).
        3. Yield the batch that _fetch builds from those indices (it uses the data set's own
           get_batch when there is one, else fetch_batch: one dataset[i] per sample, collated).
        """
        ### BEGIN SOLUTION
        stop = min(len(self) * self.batch_size, count)
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, stop)
            indices = slice(start, end) if order is None else order[start:end]
            yield self._fetch(indices)
        ### END SOLUTION

    def _fetch(self, indices):
        get_batch = getattr(self.dataset, "get_batch", None)
        return get_batch(indices) if callable(get_batch) else fetch_batch(self.dataset, indices)

    def __repr__(self):
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}): {len(self)} batches"
        )


# %% [markdown]
# ### Unit test: DataLoader
#
# The trick that makes these tests sharp: put the sample indices themselves into the data
# set, as an extra integer tensor. Every batch then says exactly which samples it holds,
# so "every sample exactly once per epoch" becomes a check that the indices of an epoch,
# sorted, are 0, 1, ..., N-1; and each image row can be checked against its index.
#
# **Tests**: batch sizes and `len()` with and without `drop_last`; every sample exactly
# once per epoch, shuffled or not; the file order without shuffling; a different order in
# the next epoch; the same sequence of epochs after the same `manual_seed`; labels stay
# integers; bad arguments refused.

# %%
from tinytorch.core.tensor import manual_seed

# %% nbgrader={"grade": true, "grade_id": "test-dataloader", "locked": true, "points": 15}
def _epoch_indices(loader):
    """The sample indices of one epoch, batch by batch (the data set's last field holds them)."""
    return [batch[-1].data.tolist() for batch in loader]


def test_unit_dataloader():
    print("Unit test: DataLoader...")
    count = 10
    images = Tensor(np.arange(count * 3, dtype=np.float32).reshape(count, 3))
    data = TensorDataset(images, Tensor(np.arange(count)))

    for batch_size, drop_last, sizes in ((3, False, [3, 3, 3, 1]), (3, True, [3, 3, 3]),
                                         (5, False, [5, 5]), (5, True, [5, 5]), (20, False, [10])):
        loader = DataLoader(data, batch_size=batch_size, drop_last=drop_last)
        batches = _epoch_indices(loader)
        assert [len(b) for b in batches] == sizes, f"batch_size={batch_size}, drop_last={drop_last}: expected sizes {sizes}, got {[len(b) for b in batches]}"
        assert len(loader) == len(sizes), f"len(loader) is the number of batches: expected {len(sizes)}, got {len(loader)}"
        assert sum(batches, []) == list(range(sum(sizes))), f"without shuffle, the file order: got {batches}"

    manual_seed(7)
    loader = DataLoader(data, batch_size=4, shuffle=True)
    first, second = _epoch_indices(loader), _epoch_indices(loader)
    for epoch in (first, second):
        assert sorted(sum(epoch, [])) == list(range(count)), f"every sample exactly once: {epoch}"
    assert first != second, f"each epoch draws a new order: both epochs gave {first}"
    assert sum(first, []) != list(range(count)), f"shuffle=True changes the order: got {first}"
    manual_seed(7)
    replay = [_epoch_indices(loader), _epoch_indices(loader)]
    assert replay == [first, second], f"manual_seed replays the epochs: expected {[first, second]}, got {replay}"

    for x, index in loader:
        assert np.array_equal(x.data, images.data[index.data]), "each row travels with its own index"
        assert index.dtype == np.int64 and x.dtype == np.float32, f"dtypes are kept: got {x.dtype} and {index.dtype}"
    x, _ = next(iter(DataLoader(data, batch_size=4)))
    assert np.shares_memory(x.data, images.data), "without shuffle, batches are slices: views, not copies"

    manual_seed(7)
    dropped = _epoch_indices(DataLoader(data, batch_size=4, shuffle=True, drop_last=True))
    assert [len(b) for b in dropped] == [4, 4] and len(set(sum(dropped, []))) == 8, f"drop_last with 10 samples in 4s: two batches of distinct samples, got {dropped}"
    seen, dropping = set(), DataLoader(data, batch_size=4, shuffle=True, drop_last=True)
    for _ in range(8):
        seen.update(sum(_epoch_indices(dropping), []))
    assert seen == set(range(count)), \
        f"drop_last leaves out the end of each epoch's shuffled order, other samples each epoch: over 8 epochs expected all {count} seen, got {sorted(seen)}"

    for bad in (0, -1, 2.5, True, "8", None):
        try:
            DataLoader(data, batch_size=bad)
        except ValueError as error:
            assert repr(bad) in str(error), str(error)
        else:
            raise AssertionError(f"batch_size={bad!r} must raise ValueError")
    for arguments, error_type in (({"shuffle": "yes"}, TypeError), ({"drop_last": 1}, TypeError),
                                  ({"batch_size": 11, "drop_last": True}, ValueError)):
        try:
            DataLoader(data, **arguments)
        except error_type:
            pass
        else:
            raise AssertionError(f"DataLoader(data, **{arguments}) must raise {error_type.__name__}")
    try:
        DataLoader(42)
    except TypeError as error:
        assert "int" in str(error), f"the error must mention int, got: {error}"
    else:
        raise AssertionError("a number is not a data set")
    # As in PyTorch, a plain list of samples is a data set, and so is a Tensor (its rows).
    pairs = [(np.full(3, float(i)), i % 2) for i in range(5)]
    batches = list(DataLoader(pairs, batch_size=2))
    assert len(batches) == 3 and batches[0][0].shape == (2, 3) and np.array_equal(batches[2][1].data, [0]), \
        f"a list of (array, label) pairs gives (images, labels) batches, got {[tuple(b.shape for b in batch) for batch in batches]}"
    rows = list(DataLoader(images, batch_size=4))
    assert [r.shape for r in rows] == [(4, 3), (4, 3), (2, 3)] and np.array_equal(rows[1].data, images.data[4:8]), \
        f"a Tensor's rows are its samples: expected batches (4, 3), (4, 3), (2, 3) with rows 4-7 second, " \
        f"got {[r.shape for r in rows]} with second batch {rows[1].data.tolist()}"
    try:
        DataLoader(TensorDataset(Tensor(np.zeros((0, 3)))))
    except ValueError as error:
        assert "empty" in str(error), f"the error must mention empty, got: {error}"
    else:
        raise AssertionError("an empty dataset must be refused")
    print("DataLoader works.")


if __name__ == "__main__":
    test_unit_dataloader()

# %% [markdown]
# ## 6. Systems analysis: what a batch costs
#
# **Memory.** A batch of `B` flattened 28x28 images in float32 takes `B * 784 * 4` bytes;
# its labels, int64, `B * 8`. Compare that with the whole training set:
#
# ```
#  Fashion-MNIST training images, float32:  60,000 x 784 x 4 B = 188,160,000 B  (179 MB)
#  one batch of 128:                           128 x 784 x 4 B =     401,408 B  (392 KB)
# ```
#
# The data set is loaded once; a batch is what moves through the network, and its
# activations, one `(B, width)` array per layer, are what grows when you raise `B`.
#
# **Copying.** A shuffled batch is gathered into a new array: B rows copied. Over an
# epoch that copies the data set once, about 188 MB, a few hundredths of a second at
# memory speed, against billions of multiply-adds for the first layer alone
# (60,000 x 784 x 256 = 12 billion per epoch). Gathering is cheap; looping is not: the
# general `Dataset.get_batch` makes one Python call and one small Tensor per sample, and
# that overhead is what the vectorised path removes. The functions below measure both.

# %% nbgrader={"grade": false, "grade_id": "analyze-batch-memory", "solution": false}
def analyze_batch_memory():
    """Print the bytes of real batches of 28x28 images (flattened) for several batch sizes."""
    print("Analyzing batch memory...")
    images = Tensor(np.zeros((1024, 784), dtype=np.float32))
    labels = Tensor(np.zeros(1024, dtype=np.int64))
    data = TensorDataset(images, labels)
    print("Batch Size -> Images -> Labels -> Total")
    for batch_size in (1, 32, 128, 512):
        x, y = next(iter(DataLoader(data, batch_size=batch_size, shuffle=True)))
        print(f"{batch_size:10d} -> {x.data.nbytes:9,} B -> {y.data.nbytes:6,} B -> {x.data.nbytes + y.data.nbytes:9,} B")


# %%
import time

# %% nbgrader={"grade": false, "grade_id": "analyze-loader-speed", "solution": false}
class _OneByOne(Dataset):
    """The same samples as a TensorDataset, but only through __getitem__: the general path."""

    def __init__(self, tensor_dataset):
        self.inner = tensor_dataset

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        return self.inner[index]


def _samples_per_second(loader):
    started = time.perf_counter()
    for _ in loader:
        pass
    return len(loader.dataset) / (time.perf_counter() - started)


def analyze_loader_speed(count=20_000, batch_size=128):
    """Print samples per second of one epoch: slices, a shuffled gather, and one call per sample."""
    print(f"Analyzing loader speed ({count:,} samples of 784 float32, batch {batch_size})...")
    data = TensorDataset(Tensor(default_generator().random((count, 784), dtype=np.float32)), Tensor(np.arange(count)))
    ways = (
        ("in order (views, no copy)", DataLoader(data, batch_size)),
        ("shuffled (one gather per batch)", DataLoader(data, batch_size, shuffle=True)),
        ("shuffled, one __getitem__ per sample", DataLoader(_OneByOne(data), batch_size, shuffle=True)),
    )
    for label, loader in ways:
        print(f"{label:38s} {_samples_per_second(loader):12,.0f} samples/s")
    print("\nKey insights:")
    print("- A shuffled gather copies each sample once per epoch, at memory speed")
    print("- A Python call per sample costs far more than the copy it makes")


if __name__ == "__main__":
    analyze_batch_memory()
    analyze_loader_speed()

# %% [markdown]
# ## Module test
#
# The last check runs every unit test, then puts the loader where it will live: in front
# of a network. One shuffled epoch through Linear -> ReLU -> Linear must produce, for every
# sample, exactly the scores that one big batch of all samples produces; the general and
# the vectorised paths must give the same batches.

# %%
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential

# %% nbgrader={"grade": true, "grade_id": "module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: DataLoader")
    test_unit_dataset()
    test_unit_tensor_dataset()
    test_unit_dataloader()

    print("Integration: a shuffled epoch through a network...")
    manual_seed(0)
    count, features = 103, 16
    images = Tensor(default_generator().standard_normal((count, features)).astype(np.float32))
    labels = Tensor(default_generator().integers(0, 10, size=count))
    data = TensorDataset(images, labels, Tensor(np.arange(count)))
    model = Sequential(Linear(features, 32), ReLU(), Linear(32, 10)).eval()
    expected = model(images).data

    loader = DataLoader(data, batch_size=16, shuffle=True)
    assert len(loader) == 7, "103 samples in batches of 16: 6 full batches and one of 7"
    scores = np.full((count, 10), np.nan, dtype=np.float32)
    for x, y, index in loader:
        assert x.shape[1:] == (features,) and y.dtype == labels.dtype, f"a batch holds (B, {features}) images and the labels' dtype, got {x.shape} {y.dtype}"
        assert np.array_equal(y.data, labels.data[index.data]), "labels travel with their images"
        scores[index.data] = model(x).data
    assert not np.isnan(scores).any(), "every sample was seen in the epoch"
    assert np.allclose(scores, expected, atol=1e-5), "batching does not change what the network computes"

    manual_seed(1)
    vectorised = list(DataLoader(data, batch_size=16, shuffle=True))
    manual_seed(1)
    general = list(DataLoader(_OneByOne(data), batch_size=16, shuffle=True))
    for fast, slow in zip(vectorised, general, strict=True):
        for fast_field, slow_field in zip(fast, slow, strict=True):
            assert fast_field.dtype == slow_field.dtype and np.array_equal(fast_field.data, slow_field.data), "the vectorised and the general path give the same batches"
    print("All DataLoader tests passed. Next: tito module complete 08_dataloader")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - A `Dataset` is anything with a length and a way to fetch sample `i`; `TensorDataset`
#   holds tensors in memory and fetches a whole batch with one index per tensor.
# - A `DataLoader` turns a data set into batches. Each `for` loop is an epoch; with
#   `shuffle=True` each epoch draws a new permutation from `default_generator()`, so
#   every sample is seen once per epoch, in a new company, reproducibly under
#   `manual_seed`.
# - `drop_last` trades the last partial batch for equal batch sizes: fine for training
#   with shuffling, never for evaluation.
# - A batch costs `B x features x 4` bytes; shuffling costs one copy of the data set per
#   epoch, which is cheap. A Python call per sample is what is expensive.
#
# Export and record your work with `tito module complete 08_dataloader`.
