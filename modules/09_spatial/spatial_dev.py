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
# # Module 09: Spatial - convolutional networks
#
# **You have built**: tensors, layers, losses, autograd, optimizers, a training loop and a
# data loader. The multi-layer perceptron of the `mlp` milestone reaches about 88.6% on
# Fashion-MNIST, and then it is stuck: it sees an image as a list of 784 unrelated numbers.
#
# **You build now**: the layers that know an image is a grid. `Conv2d` slides small learned
# filters over the image; `MaxPool2d` and `AvgPool2d` shrink it; `Flatten` hands the result
# to `Linear`; `BatchNorm2d` (and `BatchNorm1d`) keep the signal well scaled while training.
# Every one with a forward *and* a backward pass written as a few large NumPy operations:
# no Python loop over images, channels or pixels.
#
# **This enables**: the `cnn` milestone, a LeNet-style network that beats the MLP on the same
# Fashion-MNIST images, and everything built on convolutions after it.
#
# ```
#  image (1, 28, 28) -> Conv2d -> ReLU -> MaxPool2d -> Conv2d -> ReLU -> MaxPool2d -> Flatten -> Linear -> 10 scores
#                       edges, blobs     halve          parts of shapes   halve         one vector
# ```
#
# By the end you will be able to:
# 1. compute a convolution's output size, parameters and arithmetic from its arguments;
# 2. write a convolution as four nested loops, then as one matrix multiplication (im2col),
#    and explain why the second is a thousand times faster and what it costs in memory;
# 3. derive and implement the backward pass of convolution, pooling and batch normalisation;
# 4. explain what BatchNorm does differently in training and in evaluation, and why;
# 5. compute the receptive field of a stack of layers.
#
# **Where the code goes.** You work in `modules/09_spatial/spatial_dev.py`. Cells marked
# `#| export` go to `tinytorch/core/spatial.py`, so afterwards:
#
# ```python
# from tinytorch.core.spatial import Conv2d, MaxPool2d, AvgPool2d, Flatten, BatchNorm2d, BatchNorm1d
# ```
#
# These mirror `torch.nn.Conv2d` and friends: same arguments, same weight layout, same
# initialisation, same train/eval behaviour, so weights copied from PyTorch give the same
# numbers (the tests check exactly that). The functions `conv2d`, `max_pool2d`, `avg_pool2d`
# and `batch_norm` mirror `torch.nn.functional`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.spatial
#| export
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinytorch.core.autograd import gradient_rule
from tinytorch.core.layers import Module, Parameter, kaiming_uniform
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# ## 1. Why convolutions?
#
# A `Linear(784, 256)` layer connects every pixel to every hidden unit: 200,960 weights, and
# none of them knows that pixel 29 sits right below pixel 1. Shift a shirt by two pixels and,
# to the MLP, it is a different list of numbers. Images have structure that this ignores:
#
# - **Locality.** What a pixel means depends mostly on its neighbours: an edge, a corner, a
#   seam is a pattern in a small patch.
# - **Translation.** A sleeve is a sleeve wherever it appears. A detector learned at one
#   place should work everywhere.
#
# A convolution builds both in. It learns a small filter (a *kernel*), say 5 x 5, and
# applies the *same* filter at every position of the image:
#
# ```
#  input (one channel)               kernel 3x3            output
#  +---+---+---+---+---+             +---+---+---+         +----+----+----+
#  | 1 | 2 | 0 | 1 | 3 |             | 1 | 0 |-1 |         |    |    |    |
#  +---+---+---+---+---+             +---+---+---+         +----+----+----+
#  | 0 | 1 | 2 | 3 | 1 |    (*)      | 1 | 0 |-1 |    =    |    | o  |    |
#  +---+---+---+---+---+             +---+---+---+         +----+----+----+
#  | 1 | 0 | 1 | 2 | 2 |             | 1 | 0 |-1 |         |    |    |    |
#  +---+---+---+---+---+             +---+---+---+         +----+----+----+
#  | 2 | 1 | 0 | 1 | 0 |
#  +---+---+---+---+---+             o = sum of (3x3 patch centred on the input's (2, 2))
#  | 0 | 2 | 1 | 0 | 1 |                     x (kernel), elementwise
#  +---+---+---+---+---+
# ```
#
# Slide the 3 x 3 window one step at a time over the 5 x 5 input and you get a 3 x 3 output.
# This kernel, with +1 on the left and -1 on the right, answers "is it brighter on the left
# than on the right here?": a vertical-edge detector. A network learns its own kernels.
#
# **Weights are shared**, so a convolution is tiny: `Conv2d(1, 6, kernel_size=5)` has
# `6 x 1 x 5 x 5 + 6 = 156` parameters, against 200,960 for the Linear layer above. It does
# not pay in arithmetic, though: each of the 6 filters is applied at 24 x 24 positions, so a
# 28 x 28 image costs `6 x 24 x 24 x 25 = 86,400` multiply-adds. Convolutions are cheap in
# memory for weights and expensive in compute, the opposite of Linear layers.

# %% [markdown]
# ## 2. The mathematics
#
# ### Channels, batches and the NCHW layout
#
# Real inputs have several **channels** (red, green, blue; or, after a first convolution,
# the 6 feature maps it produced). A batch of images is a 4-D array in **NCHW** order, the
# layout PyTorch uses:
#
# ```
#  x: (N, C, H, W)   N images, C channels, H rows, W columns
#  weight: (O, C, KH, KW)   O filters, each with one KH x KW kernel per input channel
#  bias: (O,)               one number per filter
#  output: (N, O, OH, OW)   one feature map per filter
# ```
#
# Every filter looks at *all* input channels and sums them: output channel `o` at position
# `(i, j)` of image `n` is
#
# ```
#  out[n, o, i, j] = bias[o] + sum over c, u, v of  x[n, c, i*S + u, j*S + v] * weight[o, c, u, v]
# ```
#
# with `u` running over the kernel's rows and `v` over its columns, and `S` the stride.
#
# **Not flipped.** In signal processing, a convolution flips the kernel before sliding it
# (`weight[o, c, KH-1-u, KW-1-v]`); the formula above, without the flip, is strictly a
# *cross-correlation*. Deep-learning libraries compute the cross-correlation and call it
# convolution. For learning it makes no difference (the network would simply learn flipped
# kernels); for loading PyTorch's weights it makes every difference, so we do not flip.
#
# ### Stride and padding
#
# - **Stride** `S`: how far the window moves between outputs. Stride 2 halves the output.
# - **Padding** `P`: rows and columns of zeros added on *every* side before sliding, so
#   that the border pixels are looked at as often as the others, and so that a 3 x 3
#   kernel with padding 1 keeps the size: "same" padding.
#
# The window fits at positions `0, S, 2S, ...` as long as it stays inside the padded input
# of `H + 2P` rows; counting them gives the output size. For the height
#
# ```
#  OH = floor( (H + 2P - KH) / S ) + 1          and likewise OW from W, P, KW, S
#
#  H = 28, KH = 5, P = 0, S = 1:   (28 - 5) / 1 + 1 = 24
#  H = 28, KH = 5, P = 2, S = 1:   (28 + 4 - 5) / 1 + 1 = 28       ("same")
#  H = 28, KH = 2, P = 0, S = 2:   (28 - 2) / 2 + 1 = 14           (a 2x2 pool)
#  H = 7,  KH = 3, P = 1, S = 2:   floor(6 / 2) + 1 = 4            (the last row is never a window's start)
# ```
#
# As in PyTorch, the stride, padding and kernel size may be one integer (the same for
# height and width) or a pair `(height, width)`.
#
# ### What it costs
#
# Per image, a convolution performs `O x OH x OW x (C x KH x KW)` multiply-adds: every one
# of the `O x OH x OW` outputs is a dot product of length `C x KH x KW`. We count a
# multiply-add as 2 FLOPs.
#
# The helpers below turn the arguments into pairs and refuse bad input with a message that
# names the layer and the shapes, before any arithmetic starts. They are written for you.

# %% nbgrader={"grade": false, "grade_id": "argument-helpers", "solution": false}
#| export
def _is_integer(value):
    """An int or NumPy integer, but not a bool (True would silently mean 1)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def pair(owner, name, value, minimum):
    """`value` as a (height, width) pair of ints, each at least `minimum`; one int means both.

    `owner` names the layer or function in the error message.
    """
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(_is_integer(v) and v >= minimum for v in values):
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum} or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def check_images(owner, x, channels=None):
    """Refuse anything but a floating-point image batch (N, C, H, W), or one image (C, H, W)
    as PyTorch accepts too; with `channels`, the channel axis must have that length."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{owner} expects a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{owner} expects a floating-point input, got dtype {x.dtype} (convert it with .float())")
    c = "C" if channels is None else channels
    if x.ndim not in (3, 4):
        raise ValueError(f"{owner} expects a 4-D input (N, {c}, H, W) or one image ({c}, H, W), got shape {x.shape}")
    if channels is not None and x.shape[-3] != channels:
        raise ValueError(f"{owner} expects {channels} input channels, shape (N, {c}, H, W), got shape {x.shape}")


def window_count(owner, x, kernel, stride, padding):
    """(OH, OW) for windows of `kernel` sliding over x's last two axes; refuses a kernel that
    does not fit even once into the padded input."""
    (h, w), (kh, kw), (ph, pw) = x.shape[-2:], kernel, padding
    if h + 2 * ph < kh or w + 2 * pw < kw:
        raise ValueError(
            f"{owner}: the kernel ({kh}, {kw}) is larger than the input's height and width ({h}, {w}) "
            f"with padding ({ph}, {pw}), ({h + 2 * ph}, {w + 2 * pw}); got input of shape {x.shape}"
        )
    return conv_output_size(h, kh, stride[0], ph), conv_output_size(w, kw, stride[1], pw)


# %% [markdown]
# ### Your turn: the output size, and padding
#
# `conv_output_size` is the formula above for one axis. `pad_images` adds `padding[0]`
# rows of `value` above *and* below every image, and `padding[1]` columns on the left *and*
# on the right. Convolution pads with zeros; max pooling will pad with minus infinity, so
# that a padded cell never wins a maximum.
#
# ```
#  padding (1, 2), value 0:      0 0 0 0 0 0 0
#      a b c                     0 0 a b c 0 0
#      d e f         ->          0 0 d e f 0 0
#                                0 0 0 0 0 0 0
#  (2, 3)                        (4, 7)
# ```
#
# `crop_images`, written for you, undoes the padding: the backward pass needs it to hand
# back a gradient of the input's original size.

# %% nbgrader={"grade": false, "grade_id": "output-size-and-padding", "solution": true}
#| export
def conv_output_size(size, kernel, stride=1, padding=0):
    """How many positions a window of length `kernel` takes along an axis of length `size`.

    TODO: return the number of window positions along one axis, padded by `padding` on
    each side, the window moving by `stride`.

    EXAMPLE:
    >>> conv_output_size(28, 5)
    24
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4

    HINTS:
    - Floor division `//` rounds down, as the formula needs (for non-negative numbers).
    """
    ### BEGIN SOLUTION
    return (size + 2 * padding - kernel) // stride + 1
    ### END SOLUTION


def pad_images(x, padding, value=0.0):
    """A (N, C, H, W) array surrounded by `padding` = (rows, columns) of `value` on every side.

    TODO: return a new array of shape (N, C, H + 2*rows, W + 2*columns), filled with
    `value`, with `x` copied into its middle. Without padding, return `x` itself.

    APPROACH:
    1. If both paddings are 0, return x (no copy).
    2. Allocate the larger array with np.full, in x's dtype.
    3. Assign x to the slice that leaves `rows` untouched at the top and at the bottom, and
       `columns` at the left and at the right.

    EXAMPLE:
    >>> pad_images(np.ones((1, 1, 2, 3)), (1, 2)).shape
    (1, 1, 4, 7)
    """
    rows, columns = padding
    if rows == 0 and columns == 0:
        return x
    n, c, h, w = x.shape
    ### BEGIN SOLUTION
    padded = np.full((n, c, h + 2 * rows, w + 2 * columns), value, dtype=x.dtype)
    padded[:, :, rows:rows + h, columns:columns + w] = x
    return padded
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "crop", "solution": false}
#| export
def crop_images(padded, padding, size):
    """The inverse of pad_images: the (height, width) = `size` middle of `padded` (a view)."""
    (rows, columns), (h, w) = padding, size
    return padded[:, :, rows:rows + h, columns:columns + w]


# %% nbgrader={"grade": true, "grade_id": "test-output-size-and-padding", "locked": true, "points": 5}
def test_unit_output_size_and_padding():
    print("Unit test: conv_output_size and pad_images...")
    cases = [((28, 5), 24), ((28, 5, 1, 2), 28), ((28, 2, 2), 14), ((7, 3, 2, 1), 4), ((8, 3, 2, 0), 3),
             ((5, 5), 1), ((10, 1, 3, 0), 4), ((6, 4, 3, 2), 3)]
    for arguments, expected in cases:
        got = conv_output_size(*arguments)
        assert got == expected, f"conv_output_size{arguments}: expected {expected}, got {got}"

    x = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3) + 1
    padded = pad_images(x, (1, 2))
    assert padded.shape == (1, 1, 4, 7), f"padding (1, 2) of a 2x3 image: expected shape (1, 1, 4, 7), got {padded.shape}"
    expected = np.zeros((4, 7), dtype=np.float32)
    expected[1:3, 2:5] = [[1, 2, 3], [4, 5, 6]]
    assert np.array_equal(padded[0, 0], expected), f"the image goes in the middle:\nexpected\n{expected}\ngot\n{padded[0, 0]}"
    assert padded.dtype == np.float32, f"padding keeps the dtype: expected float32, got {padded.dtype}"
    filled = pad_images(x, (2, 1), value=-np.inf)
    assert filled.shape == (1, 1, 6, 5) and np.isneginf(filled[0, 0, :2]).all() and np.isneginf(filled[0, 0, :, -1]).all(), \
        f"pad_images(x, (2, 1), value=-inf) puts -inf on every side, got\n{filled[0, 0]}"
    assert np.array_equal(filled[0, 0, 2:4, 1:4], x[0, 0]), f"the image goes in the middle of the -inf frame, got\n{filled[0, 0]}"
    for padding, expected_shape in (((1, 0), (1, 1, 4, 3)), ((0, 2), (1, 1, 2, 7))):  # one axis padded, the other not
        try:
            one_axis = pad_images(x, padding)
        except ValueError as error:
            raise AssertionError(f"pad_images(x, {padding}) of a 2x3 image failed: {error}") from None
        rows, columns = padding
        assert one_axis.shape == expected_shape and np.array_equal(one_axis[0, 0, rows:rows + 2, columns:columns + 3], x[0, 0]) \
            and one_axis.sum() == x.sum(), \
            f"pad_images(x, {padding}) of a 2x3 image: expected shape {expected_shape} with the image in the middle, " \
            f"got shape {one_axis.shape}:\n{one_axis[0, 0]}"
    assert pad_images(x, (0, 0)) is x, "without padding the input itself comes back"
    assert np.array_equal(crop_images(padded, (1, 2), (2, 3)), x), "crop_images undoes pad_images"
    print("conv_output_size and pad_images work.")


if __name__ == "__main__":
    test_unit_output_size_and_padding()

# %% [markdown]
# ## 3. The direct version: four loops
#
# Before making it fast, make it right. The formula of section 2 translates directly into
# loops: for every image, every filter and every output position, take the window under
# the filter and sum the elementwise product.
#
# ```
#  for n in images:
#      for o in filters:
#          for i in output rows:
#              for j in output columns:
#                  window = padded[n, :, i*S : i*S + KH, j*S : j*S + KW]      # (C, KH, KW)
#                  out[n, o, i, j] = sum(window * weight[o]) + bias[o]
# ```
#
# This is the reference every faster version is checked against. It is also hopelessly
# slow: for a batch of 64 Fashion-MNIST images and LeNet's first layer, the innermost body
# runs `64 x 6 x 28 x 28 = 301,056` times, each a handful of NumPy calls costing
# microseconds: seconds for what a matrix multiplication does in about a millisecond. The
# analysis at the end measures it (on 8 images). Use it on tiny inputs only.

# %% nbgrader={"grade": false, "grade_id": "conv2d-loops", "solution": true}
#| export
def conv2d_loops(x, weight, bias=None, stride=(1, 1), padding=(0, 0)):
    """Reference convolution with explicit loops, on NumPy arrays: slow, obviously right.

    x (N, C, H, W), weight (O, C, KH, KW), bias (O,) or None; stride and padding are
    (height, width) pairs. Returns the (N, O, OH, OW) array.

    TODO: pad the input, then fill every output element with the sum of the window under
    the filter times the filter, plus the filter's bias.

    APPROACH:
    1. Pad the input with pad_images (the output sizes are computed for you).
    2. Loop over images, filters, output rows, output columns.
    3. The window of output (i, j) starts at row i * stride[0] and column j * stride[1] of
       the padded input and spans all channels and KH x KW pixels.
    4. Multiply it elementwise with the filter's weights (C, KH, KW), sum, add the bias.

    EXAMPLE:
    >>> conv2d_loops(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]

    HINTS:
    - Do not flip the kernel: deep learning's convolution is a cross-correlation.
    """
    n, c, h, w = x.shape
    filters, _, kh, kw = weight.shape
    (sh, sw), (ph, pw) = stride, padding
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    out = np.zeros((n, filters, oh, ow), dtype=np.result_type(x, weight))
    ### BEGIN SOLUTION
    padded = pad_images(x, padding)
    for image in range(n):
        for f in range(filters):
            for i in range(oh):
                for j in range(ow):
                    window = padded[image, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[image, f, i, j] = np.sum(window * weight[f])
            if bias is not None:
                out[image, f] += bias[f]
    ### END SOLUTION
    return out


# %% nbgrader={"grade": true, "grade_id": "test-conv2d-loops", "locked": true, "points": 10}
def test_unit_conv2d_loops():
    print("Unit test: conv2d_loops against results worked out by hand...")
    x = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]], dtype=np.float64).reshape(1, 1, 3, 3)
    kernel = np.array([[1, 2], [0, -1]], dtype=np.float64).reshape(1, 1, 2, 2)  # not symmetric: a flip shows
    # Top-left window [[1, 2], [0, 1]] -> 1*1 + 2*2 + 0*0 + 1*(-1) = 4, and so on.
    expected = np.array([[4, -1], [1, 6]], dtype=np.float64)
    got = conv2d_loops(x, kernel)
    assert got.shape == (1, 1, 2, 2), f"3x3 input, 2x2 kernel: expected shape (1, 1, 2, 2), got {got.shape}"
    assert np.allclose(got[0, 0], expected), \
        f"expected\n{expected}\ngot\n{got[0, 0]}\n(a flipped kernel gives [[0, 3], [5, 2]]: deep learning's convolution does not flip)"

    # Bias, padding 1 and stride 2: the windows start at rows/cols -1 and 1 of the original.
    got = conv2d_loops(x, kernel, bias=np.array([10.0]), stride=(2, 2), padding=(1, 1))
    expected = np.array([[9, 10], [8, 16]], dtype=np.float64)
    assert got.shape == (1, 1, 2, 2), f"padding 1, stride 2 on 3x3 with a 2x2 kernel: expected (1, 1, 2, 2), got {got.shape}"
    assert np.allclose(got[0, 0], expected), f"with bias 10, stride 2, padding 1: expected\n{expected}\ngot\n{got[0, 0]}"

    # Two images, two input channels, three filters: each filter sums over all channels.
    rng = np.random.default_rng(0)
    images, filters = rng.standard_normal((2, 2, 4, 5)), rng.standard_normal((3, 2, 3, 2))
    got = conv2d_loops(images, filters, bias=np.array([1.0, 2.0, 3.0]), stride=(1, 2))
    assert got.shape == (2, 3, 2, 2), f"expected shape (2, 3, 2, 2), got {got.shape}"
    corner = np.sum(images[1, :, 1:4, 2:4] * filters[2]) + 3.0  # rows 1*1.., columns 1*2..
    assert np.isclose(got[1, 2, 1, 1], corner), f"out[1, 2, 1, 1]: expected {corner:.6f}, got {got[1, 2, 1, 1]:.6f}"
    print("conv2d_loops works.")


if __name__ == "__main__":
    test_unit_conv2d_loops()

# %% [markdown]
# ## 4. Windows without copying, and im2col
#
# The loops spend their time in Python, not in arithmetic. To hand the arithmetic to NumPy
# in one piece, we first need every window as part of one array.
#
# ### A view of every window
#
# A NumPy array is a block of memory plus **strides**: how many bytes to skip to move one
# step along each axis. A float32 image of 28 columns has strides (112, 4): 4 bytes to the
# next column, 112 to the next row. An array of *windows* can reuse the same memory: window
# (i, j) starts where pixel (i, j) is, and inside a window the steps are the image's own.
#
# ```
#  image (H, W), strides (W*4, 4)     windows (OH, OW, KH, KW), strides (W*4*S, 4*S, W*4, 4)
#                                               ^ next window   ^ inside a window
# ```
#
# No number is copied: a 28 x 28 image's 24 x 24 windows of 5 x 5 are a *view* of 14,400
# "elements" over the same 784 numbers. `np.lib.stride_tricks.sliding_window_view` builds
# this view safely (it checks the shapes; writing through it is disabled); for a stride `S`
# we keep every S-th window with a slice, again a view.
#
# `sliding_windows` returns, for a (N, C, H, W) array, the view of shape
# (N, C, OH, OW, KH, KW): `windows[n, c, i, j]` is the KH x KW patch under output (i, j).
#
# ### Putting windows back: the adjoint
#
# The backward pass needs the opposite direction. Each output position passed gradient to
# the KH x KW input pixels of its window; where windows overlap (stride smaller than the
# kernel), a pixel belongs to several windows and its gradient is the **sum** of what each
# of them sends. `add_windows(grad_windows, shape, stride)` takes an array shaped like the
# windows and adds every entry into the pixel it was read from. Looping over the KH x KW
# offsets inside a window (25 steps for 5 x 5) is fine: each step moves a whole (N, C, OH, OW)
# slab at once.
#
# ```
#  offset (u, v) of every window        lands on pixels         rows u, u + S, u + 2S, ...
#  grad_windows[:, :, :, :, u, v]  --+=-->  total[:, :, u::S, v::S]  (OH rows and OW columns of them)
# ```
#
# The two functions are *adjoint*: for any arrays `x` and `g` of the right shapes,
# `sum(sliding_windows(x) * g) == sum(x * add_windows(g))`. The test below checks exactly
# that, and a version that assigns (`=`) instead of adding (`+=`) fails it as soon as
# windows overlap.

# %% nbgrader={"grade": false, "grade_id": "windows", "solution": true}
#| export
def sliding_windows(x, kernel, stride):
    """A read-only view (N, C, OH, OW, KH, KW) of every `kernel`-sized window of the
    (N, C, H, W) array `x`, windows `stride` apart. Nothing is copied.

    Axes after W, if x has any, are carried along: (N, C, H, W, G) gives (N, C, OH, OW, G,
    KH, KW). conv2d uses that for its batch-last layout (section 4).

    TODO: build the view of every window with sliding_window_view over the last two
    axes, then keep only the windows that start on a multiple of the stride.

    EXAMPLE:
    >>> sliding_windows(np.zeros((2, 3, 28, 28)), (5, 5), (1, 1)).shape
    (2, 3, 24, 24, 5, 5)
    >>> sliding_windows(np.zeros((2, 3, 28, 28)), (2, 2), (2, 2)).shape
    (2, 3, 14, 14, 2, 2)

    HINTS:
    - sliding_window_view(x, window_shape, axis=(2, 3)) appends the window axes at the end.
    - A slice with a step, `[:, :, ::a, ::b]`, keeps every a-th row and b-th column.
    """
    ### BEGIN SOLUTION
    every = sliding_window_view(x, kernel, axis=(2, 3))
    return every[:, :, ::stride[0], ::stride[1]]
    ### END SOLUTION


def add_windows(grad_windows, shape, stride):
    """Add each entry of `grad_windows` (N, C, OH, OW, KH, KW) into the pixel of a
    (N, C, H, W) = `shape` array that sliding_windows read it from; returns that array.
    As in sliding_windows, axes between OW and KH are carried along (after W in `shape`).

    TODO: for every offset (u, v) inside a window, add the slab of all windows' values
    at that offset into the pixels they came from.

    APPROACH:
    1. Start from zeros of `shape` in grad_windows' dtype (already done below).
    2. For u in range(KH) and v in range(KW): the windows' (u, v) entries came from rows
       u, u + S0, ..., (OH of them) and columns v, v + S1, ... (OW of them). Add
       grad_windows[..., u, v] into that strided slice of `total` (the `...` keeps the
       axes in between, whatever their number).
    3. Add, do not assign: overlapping windows share pixels, and each one contributes.

    EXAMPLE:
    >>> add_windows(np.ones((1, 1, 2, 2, 2, 2)), (1, 1, 3, 3), (1, 1))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    (oh, ow), (kh, kw) = grad_windows.shape[2:4], grad_windows.shape[-2:]
    sh, sw = stride
    total = np.zeros(shape, dtype=grad_windows.dtype)
    ### BEGIN SOLUTION
    for u in range(kh):
        for v in range(kw):
            total[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += grad_windows[..., u, v]
    ### END SOLUTION
    return total


# %% nbgrader={"grade": true, "grade_id": "test-windows", "locked": true, "points": 10}
def test_unit_windows():
    print("Unit test: sliding_windows and add_windows...")
    x = np.arange(2 * 3 * 5 * 6, dtype=np.float64).reshape(2, 3, 5, 6)
    for kernel, stride in (((2, 3), (1, 1)), ((3, 2), (2, 2)), ((2, 2), (2, 3)), ((1, 1), (1, 1))):
        windows = sliding_windows(x, kernel, stride)
        oh = conv_output_size(5, kernel[0], stride[0])
        ow = conv_output_size(6, kernel[1], stride[1])
        expected_shape = (2, 3, oh, ow) + kernel
        assert windows.shape == expected_shape, \
            f"kernel {kernel}, stride {stride}: expected windows of shape {expected_shape}, got {windows.shape}"
        i, j = oh - 1, ow - 1
        top, left = i * stride[0], j * stride[1]
        patch = x[1, 2, top:top + kernel[0], left:left + kernel[1]]
        assert np.array_equal(windows[1, 2, i, j], patch), \
            f"kernel {kernel}, stride {stride}: window ({i}, {j}) should be rows {top}.. and columns {left}.., " \
            f"expected\n{patch}\ngot\n{windows[1, 2, i, j]}"
        assert np.shares_memory(windows, x), "sliding_windows must be a view of x, not a copy"

        # Adjointness: <windows(x), g> == <x, add_windows(g)>, for a random g.
        g = np.random.default_rng(1).standard_normal(windows.shape)
        back = add_windows(g, x.shape, stride)
        assert back.shape == x.shape, f"add_windows must return shape {x.shape}, got {back.shape}"
        left_side, right_side = np.sum(windows * g), np.sum(x * back)
        assert np.isclose(left_side, right_side), \
            f"kernel {kernel}, stride {stride}: sum(windows * g) = {left_side:.6f} but sum(x * add_windows(g)) = " \
            f"{right_side:.6f}; every window entry must be added (not assigned) into its pixel"

    counts = add_windows(np.ones((1, 1, 2, 2, 2, 2)), (1, 1, 3, 3), (1, 1))[0, 0]
    expected = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert np.array_equal(counts, expected), f"how many 2x2 windows cover each pixel of a 3x3 image:\nexpected\n{expected}\ngot\n{counts}"

    # conv2d's grouped layout has an axis after W (the images of a group): both carry it along.
    grouped = np.arange(2 * 3 * 5 * 6 * 4, dtype=np.float64).reshape(2, 3, 5, 6, 4)
    windows = sliding_windows(grouped, (2, 3), (2, 1))
    assert windows.shape == (2, 3, 2, 4, 4, 2, 3), \
        f"windows of a (2, 3, 5, 6, 4) array, kernel (2, 3), stride (2, 1): expected shape (2, 3, 2, 4, 4, 2, 3), got {windows.shape}"
    assert np.array_equal(windows[1, 2, 1, 3, 0], grouped[1, 2, 2:4, 3:6, 0]), "the axis after W is carried along, not windowed"
    g = np.random.default_rng(2).standard_normal(windows.shape)
    try:
        back = add_windows(g, grouped.shape, (2, 1))
    except ValueError as error:
        raise AssertionError(f"add_windows on windows of shape {g.shape} (an axis after OW): {error}; "
                             "index the offsets as [..., u, v]") from None
    assert back.shape == grouped.shape and np.isclose(np.sum(windows * g), np.sum(grouped * back)), \
        "add_windows on (N, C, OH, OW, G, KH, KW) windows must be the adjoint too: index the offsets as [..., u, v]"
    print("sliding_windows and add_windows work.")


if __name__ == "__main__":
    test_unit_windows()

# %% [markdown]
# ### im2col: a convolution as one matrix multiplication
#
# Look at one image and one output position: the output is the dot product of the window,
# flattened to `C x KH x KW` numbers, with each filter, flattened the same way. Put the
# flattened windows of all `OH x OW` positions side by side as the columns of a matrix (the
# "image to columns", **im2col**, matrix), and all filters as the rows of another:
#
# ```
#  weight, as a matrix            cols of image n                         output of image n
#  (O, C*KH*KW)               @   (C*KH*KW, OH*OW)                   =    (O, OH*OW)
#  one filter per row             one flattened window per column         reshape -> (O, OH, OW)
# ```
#
# With the batch as a leading axis, `cols` is (N, C*KH*KW, OH*OW) and `@` multiplies each
# image's matrix by the same weights; NumPy hands every product to BLAS, which runs at the
# speed of the hardware. The result comes out as (N, O, OH*OW): already NCHW after a
# reshape, no transpose needed.
#
# Building `cols` is the one copy: the window view, transposed to (N, C, KH, KW, OH, OW),
# and reshaped. **Its memory is the price**: every input pixel appears in up to `KH x KW`
# windows, so `cols` is about `KH x KW / S^2` times the size of the input. For a batch of
# 64 CIFAR-like images (3 x 32 x 32) and a 3 x 3 kernel with padding 1 that is
# `64 x 27 x 1024 x 4 bytes = 7.1 MB`, against 0.8 MB for the images themselves. The
# analysis at the end tabulates it for every layer of the milestone's network.
#
# ### The backward pass
#
# With `G` the gradient of the output, as (N, O, OH*OW), the matrix form makes the
# gradients those of a matrix product (Module 05), image by image:
#
# ```
#  out_n = W @ cols_n + b      =>    dW      = sum over n of  G_n @ cols_n^T          (O, C*KH*KW)
#                                    db      = sum of G over images and positions      (O,)
#                                    dcols_n = W^T @ G_n                               (C*KH*KW, OH*OW)
# ```
#
# and `dcols` goes back to the image with `add_windows`: every column entry is added into
# the pixel it was copied from (then the padding is cropped off). The forward pass saves
# `cols` for `dW`, so training keeps that im2col matrix alive until backward. (The code
# computes `dW` transposed, `cols_n @ G_n^T`, and transposes the small result: the same
# numbers, but BLAS runs this order of the operands up to a fifth faster here.)
#
# `conv2d` records itself as one operation, `"conv2d"`, and registers its gradient rule
# with Module 05's `@gradient_rule`: autograd needs nothing else to differentiate through it.
#
# ### Small feature maps: the batch as the last axis
#
# Written as above, im2col is fast when every image has many output positions and slow when
# it has few, because two of its costs grow with the number of *rows* NumPy moves rather
# than with the numbers in them. Building `cols` copies the windows a row of OW numbers at a
# time, and `add_windows` adds slabs whose rows are OW numbers long. The milestone network's
# second convolution has 10 x 10 outputs: `add_windows` adds 25 slabs of 64 x 16 x 10 rows
# of 10 numbers, a quarter of a million tiny additions, each costing more in NumPy's
# bookkeeping than in arithmetic. Its per-image matrix products are small as well (100
# columns), too small for BLAS to run at full speed.
#
# The cure is a layout. Move the batch axis to the end, (C, H, W, N), and the N images'
# values of one pixel sit side by side: a row of a window slab becomes OW x N numbers (640
# here), and the whole batch is *one* matrix product with OH x OW x N columns. The
# arithmetic is the same, the windows are the same, the adjoint is the same. The price is a
# transposed copy of the input and one of the output's gradient (the output itself comes
# back as a view with unusual strides, which NumPy's operations accept): cheap while those
# arrays are small enough to stay in the processor's cache, and slower than what they save
# on large maps, where the NCHW rows are long anyway. So `conv2d` chooses per call, and
# writes both layouts as one, **grouped**: the batch as B groups of G images, each group's
# images on the last axis.
#
# ```
#  grouped (B, C, H, W, G), B x G = N
#  G = 1:  (N, C, H, W, 1)   NCHW itself       when the output is at least 16 columns wide
#  G > 1:  (N/G, C, H, W, G) the batch last    when it is narrower; G is the largest power of
#                                              two dividing N, up to 64: a batch of 64 is (1, C, H, W, 64)
# ```
#
# On grouped arrays the steps above do not change, with B where N was: the windows are
# (B, C, OH, OW, G, KH, KW) (`sliding_windows` carries the G axis along), `cols` is
# (B, C*KH*KW, OH*OW*G), the products and `add_windows` are the same lines. The helpers
# below, written for you, choose G and convert to and from the grouped layout.

# %% nbgrader={"grade": false, "grade_id": "grouped-layout", "solution": false}
#| export
MAX_GROUP = 64  # at most this many images side by side (a power of two): keeps each transposed block small


def images_per_group(n, out_width):
    """G, the images conv2d puts side by side: 1 (NCHW) for outputs at least 16 columns
    wide, else the largest power of two that divides the batch n, up to MAX_GROUP."""
    return math.gcd(n, MAX_GROUP) if out_width < 16 else 1


def to_groups(images, group):
    """(N, C, H, W) -> (N // group, C, H, W, group), contiguous: a copy unless group is 1."""
    n, c, h, w = images.shape
    return np.ascontiguousarray(images.reshape(n // group, group, c, h, w).transpose(0, 2, 3, 4, 1))


def from_groups(grouped):
    """The inverse of to_groups: (B, C, H, W, G) -> (B * G, C, H, W); a view (not a
    contiguous one when G > 1) unless there are several groups of several images."""
    b, c, h, w, group = grouped.shape
    return grouped.transpose(0, 4, 1, 2, 3).reshape(b * group, c, h, w)


# %% [markdown]
# Now `conv2d` and its gradient rule, on grouped arrays.

# %% nbgrader={"grade": false, "grade_id": "conv2d", "solution": true}
#| export
def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation) of images with a bank of filters, as
    torch.nn.functional.conv2d.

    Args:
        x: Tensor (N, C, H, W), or one image (C, H, W).
        weight: Tensor (O, C, KH, KW).
        bias: Tensor (O,) or None.
        stride, padding: an int or a (height, width) pair; padding adds zeros on every side.

    Returns the Tensor (N, O, OH, OW) (or (O, OH, OW) for one image), recorded as "conv2d".

    TODO: compute the output with im2col and one (batched) matrix multiplication, and
    record it with everything the gradient rule needs.

    APPROACH:
    1. Pad x's array (pad_images), put it in the grouped layout (to_groups, with the
       `group` chosen for you), take its windows (sliding_windows).
    2. cols: reorder the window view's axes to (B, C, KH, KW, OH, OW, G), then reshape to
       (B, C*KH*KW, OH*OW*G). This reshape is where the copy happens.
    3. The weight as a matrix (O, C*KH*KW), times cols: (B, O, OH*OW*G).
    4. Add the bias, one number per filter (a column vector broadcasts over positions).
    5. Reshape to (B, O, OH, OW, G), back to (N, O, OH, OW) with from_groups, and wrap it
       with Tensor.from_op(data, "conv2d", inputs, cols=..., padded_shape=..., group=...,
       stride=..., padding=...), where inputs is (x, weight) or (x, weight, bias) and
       padded_shape is the grouped padded input's.

    EXAMPLE:
    >>> conv2d(Tensor(np.ones((2, 3, 8, 8))), Tensor(np.ones((4, 3, 3, 3))), padding=1).shape
    (2, 4, 8, 8)
    """
    stride, padding = pair("conv2d", "stride", stride, 1), pair("conv2d", "padding", padding, 0)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"conv2d expects a 4-D weight Tensor (O, C, KH, KW), got {getattr(weight, 'shape', weight)!r}")
    filters, channels, kh, kw = weight.shape
    owner = f"conv2d with weight of shape {weight.shape}"
    check_images(owner, x, channels)
    if x.ndim == 3:  # one image (C, H, W): a batch of one, as PyTorch allows
        return conv2d(x.unsqueeze(0), weight, bias, stride, padding).squeeze(0)
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (filters,)):
        raise ValueError(f"{owner}: the bias must be a Tensor of shape ({filters},), got {getattr(bias, 'shape', bias)!r}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype != x.dtype:
            raise TypeError(f"{owner}: the input is {x.dtype} but the {name} is {tensor.dtype}; convert one of them")
    oh, ow = window_count(owner, x, (kh, kw), stride, padding)
    n = x.shape[0]
    group = images_per_group(n, ow)
    b = n // group
    ### BEGIN SOLUTION
    padded = to_groups(pad_images(x.data, padding), group)
    windows = sliding_windows(padded, (kh, kw), stride)
    cols = windows.transpose(0, 1, 5, 6, 2, 3, 4).reshape(b, channels * kh * kw, oh * ow * group)
    out = weight.data.reshape(filters, -1) @ cols
    if bias is not None:
        out += bias.data[:, np.newaxis]
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Tensor.from_op(from_groups(out.reshape(b, filters, oh, ow, group)), "conv2d", inputs,
                          cols=cols, padded_shape=padded.shape, group=group, stride=stride, padding=padding)
    ### END SOLUTION


@gradient_rule("conv2d")
def _conv2d_rule(grad, out, inputs, saved):
    """Gradients of x, weight (and bias) from the output's gradient and the saved im2col matrix.

    TODO: compute dW, db and dcols with the formulas above, and turn dcols back into an
    image gradient with add_windows and crop_images. Skip what no input needs.

    APPROACH:
    1. G: grad in the grouped layout (to_groups), as (B, O, OH*OW*G).
    2. If weight.requires_grad: dW transposed, cols times G with its last two axes
       swapped, summed over the groups, then transposed and reshaped to the weight's shape.
    3. If x.requires_grad: the weight matrix transposed times G gives dcols
       (B, C*KH*KW, OH*OW*G). Reshape it to (B, C, KH, KW, OH, OW, G), reorder the axes
       to the window layout (B, C, OH, OW, G, KH, KW), add_windows into the padded shape,
       crop the padding off, and come back from the groups (from_groups).
    4. With a bias that requires grad: G summed over groups and positions.
    5. Return one gradient per input, None where not needed.
    """
    x, weight = inputs[0], inputs[1]
    n, filters, oh, ow = grad.shape
    _, channels, kh, kw = weight.shape
    cols, group = saved["cols"], saved["group"]
    b = n // group
    grad_x = grad_weight = grad_bias = None
    ### BEGIN SOLUTION
    g = to_groups(grad, group).reshape(b, filters, oh * ow * group)
    if weight.requires_grad:
        grad_weight = (cols @ g.transpose(0, 2, 1)).sum(axis=0).T.reshape(weight.shape)
    if x.requires_grad:
        grad_cols = weight.data.reshape(filters, -1).T @ g
        grad_windows = grad_cols.reshape(b, channels, kh, kw, oh, ow, group).transpose(0, 1, 4, 5, 6, 2, 3)
        grad_padded = add_windows(grad_windows, saved["padded_shape"], saved["stride"])
        grad_x = from_groups(crop_images(grad_padded, saved["padding"], x.shape[2:]))
    if len(inputs) == 3 and inputs[2].requires_grad:
        grad_bias = g.sum(axis=(0, 2))
    ### END SOLUTION
    return (grad_x, grad_weight) if len(inputs) == 2 else (grad_x, grad_weight, grad_bias)


# %% [markdown]
# ## 5. The Conv2d layer
#
# `Conv2d` owns the weight and bias and calls `conv2d`. Its arguments and attributes are
# PyTorch's: `Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True)`,
# with `kernel_size`, `stride` and `padding` stored as (height, width) pairs, the weight as
# (out_channels, in_channels, KH, KW), PyTorch's own layout (unlike `Linear`, whose layout
# Module 03 fixed as `(in, out)`), so a state dict moves between the two unchanged.
#
# **Initialisation, PyTorch's scheme.** PyTorch draws a convolution's weight with
# `kaiming_uniform_(weight, a=sqrt(5))`: Kaiming uniform with the gain of a leaky ReLU of
# slope `sqrt(5)`, `gain = sqrt(2 / (1 + 5)) = sqrt(1/3)`. The bound is then
# `gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)`, where `fan_in = in_channels x KH x KW` is
# the length of the dot product each output computes. So the weights are uniform on
# `(-1/sqrt(fan_in), 1/sqrt(fan_in))`, variance `1 / (3 fan_in)`, and so is the bias.
# (That variance is a third of LeCun's `1 / fan_in`: PyTorch keeps this historical default
# for compatibility. Deep plain stacks shrink their signal with it, which BatchNorm, below,
# repairs. We keep it, so that a tinytorch layer starts from the same distribution as
# PyTorch's.)
#
# Module 03's `kaiming_uniform(fan_in, fan_out, gain)` draws a (fan_in, fan_out) array of
# independent values; any reshape of independent values is as good, so its transpose,
# reshaped to (out_channels, in_channels, KH, KW), is the weight.

# %% nbgrader={"grade": false, "grade_id": "conv2d-layer", "solution": true}
#| export
class Conv2d(Module):
    """2-D convolution layer over NCHW images, as torch.nn.Conv2d (without groups or dilation).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, padding: an int or a (height, width) pair; padding is zeros,
            added on every side.
        bias: if False, the layer has no bias and `self.bias is None`.

    Shapes:
        input (N, in_channels, H, W) or (in_channels, H, W) -> output (N, out_channels, OH, OW),
        OH = (H + 2 * padding[0] - kernel_size[0]) // stride[0] + 1, OW likewise.

    Attributes:
        weight: Parameter (out_channels, in_channels, KH, KW), uniform on +-1/sqrt(fan_in)
            (PyTorch's kaiming_uniform_ with a = sqrt(5)), fan_in = in_channels * KH * KW.
        bias: Parameter (out_channels,), uniform on the same interval, or None.

    Example:
        >>> layer = Conv2d(1, 6, kernel_size=5, padding=2)
        >>> layer(Tensor(np.zeros((32, 1, 28, 28)))).shape
        (32, 6, 28, 28)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        """
        TODO: store the arguments, then create the weight and (optionally) the bias with
        PyTorch's initialisation.

        APPROACH:
        1. fan_in = in_channels * KH * KW.
        2. weight: kaiming_uniform(fan_in, out_channels, gain=sqrt(1/3)) is a (fan_in,
           out_channels) array whose values lie in +-1/sqrt(fan_in); transpose it and
           reshape it to (out_channels, in_channels, KH, KW); wrap it in a Parameter.
        3. bias: out_channels values drawn uniformly on the same interval from
           default_generator(), as float32, in a Parameter; or None when bias=False.
           Assign the weight first: the assignment order is the order of parameters().

        EXAMPLE:
        >>> layer = Conv2d(3, 16, (3, 5))
        >>> layer.weight.shape, layer.bias.shape
        ((16, 3, 3, 5), (16,))
        """
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not _is_integer(value) or value < 1:
                raise ValueError(f"Conv2d: {label} must be a positive integer, got {value!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = pair("Conv2d", "stride", stride, 1)
        self.padding = pair("Conv2d", "padding", padding, 0)
        kh, kw = self.kernel_size
        ### BEGIN SOLUTION
        fan_in = self.in_channels * kh * kw
        drawn = kaiming_uniform(fan_in, self.out_channels, gain=np.sqrt(1.0 / 3.0))
        self.weight = Parameter(drawn.T.reshape(self.out_channels, self.in_channels, kh, kw))
        if bias:
            bound = 1.0 / np.sqrt(fan_in)
            self.bias = Parameter(default_generator().uniform(-bound, bound, self.out_channels).astype(np.float32))
        else:
            self.bias = None
        ### END SOLUTION

    def forward(self, x):
        check_images(repr(self), x, self.in_channels)
        window_count(repr(self), x, self.kernel_size, self.stride, self.padding)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def __repr__(self):
        padding = f", padding={self.padding}" if self.padding != (0, 0) else ""
        bias = ", bias=False" if self.bias is None else ""
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}{padding}{bias})")


# %% [markdown]
# ### Unit test: Conv2d
#
# **Tests**: the fast `conv2d` agrees with `conv2d_loops` for strides, paddings, rectangular
# kernels, 1 x 1 kernels and unequal channel counts; its gradients agree with central
# differences (`gradcheck`, float64, every element); the layer's shapes, initialisation and
# parameter order; a single image; and refusals of bad input.

# %% nbgrader={"grade": false, "grade_id": "gradcheck-import", "solution": false}
from tinytorch.core.autograd import GradcheckError, gradcheck  # the tests check every rule with it
from tinytorch.core.tensor import manual_seed

# %% nbgrader={"grade": true, "grade_id": "test-conv2d", "locked": true, "points": 20}
def test_unit_conv2d():
    print("Unit test: conv2d and Conv2d...")
    rng = np.random.default_rng(0)
    configs = [  # (N, C, H, W), (O, KH, KW), stride, padding
        ((2, 3, 7, 6), (4, 3, 3), (1, 1), (0, 0)),
        ((2, 3, 7, 6), (4, 3, 3), (2, 2), (1, 1)),
        ((1, 2, 9, 8), (3, 2, 4), (2, 3), (1, 2)),
        ((3, 5, 4, 4), (2, 1, 1), (1, 1), (0, 0)),
        ((2, 2, 5, 18), (3, 3, 3), (1, 1), (1, 1)),  # 18 columns wide: NCHW (the others put the batch last)
        ((2, 1, 6, 6), (6, 5, 5), (1, 1), (2, 2)),
    ]
    for shape, (filters, kh, kw), stride, padding in configs:
        x = rng.standard_normal(shape)
        w = rng.standard_normal((filters, shape[1], kh, kw))
        b = rng.standard_normal(filters)
        expected = conv2d_loops(x, w, b, stride, padding)
        got = conv2d(Tensor(x, dtype=np.float64), Tensor(w, dtype=np.float64), Tensor(b, dtype=np.float64), stride, padding)
        assert got.shape == expected.shape, \
            f"input {shape}, kernel {(kh, kw)}, stride {stride}, padding {padding}: expected shape {expected.shape}, got {got.shape}"
        worst = np.max(np.abs(got.data - expected))
        assert worst < 1e-9, \
            f"input {shape}, kernel {(kh, kw)}, stride {stride}, padding {padding}: conv2d differs from conv2d_loops by {worst:.3g}"

    def leaf(*shape):
        return Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)

    for shape, (filters, kh, kw), stride, padding in configs[:5]:
        x, w, b = leaf(*shape), leaf(filters, shape[1], kh, kw), leaf(filters)
        try:
            gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding), x, w, b)
        except GradcheckError as error:
            raise AssertionError(f"conv2d's gradient, kernel {(kh, kw)}, stride {stride}, padding {padding}: {error}") from None
    x, w = leaf(2, 2, 5, 5), leaf(3, 2, 2, 2)
    gradcheck(lambda x, w: conv2d(x, w, None, 2, 0), x, w)  # no bias; a stride that skips the last row

    manual_seed(0)
    layer = Conv2d(3, 16, (3, 5), stride=2, padding=1)
    assert layer.kernel_size == (3, 5) and layer.stride == (2, 2) and layer.padding == (1, 1), \
        f"int arguments become pairs: got kernel_size {layer.kernel_size}, stride {layer.stride}, padding {layer.padding}"
    assert layer.weight.shape == (16, 3, 3, 5) and layer.bias.shape == (16,), \
        f"expected weight (16, 3, 3, 5) and bias (16,), got {layer.weight.shape} and {layer.bias.shape}"
    assert isinstance(layer.weight, Parameter) and layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32, \
        f"weight and bias are float32 Parameters, got {type(layer.weight).__name__} {layer.weight.dtype} and {layer.bias.dtype}"
    assert layer.parameters() == [layer.weight, layer.bias], "parameters(): weight, then bias"
    wide = Conv2d(64, 64, 3)
    bound = 1 / np.sqrt(64 * 9)
    for name, values in (("weight", wide.weight.data), ("bias", wide.bias.data)):
        assert np.abs(values).max() <= bound * (1 + 1e-6), f"{name} must lie in +-1/sqrt(fan_in) = {bound:.5f}, max {np.abs(values).max():.5f}"
    assert abs(wide.weight.data.std() / (bound / np.sqrt(3)) - 1) < 0.05, \
        f"uniform on +-{bound:.5f} has std {bound / np.sqrt(3):.5f}, got {wide.weight.data.std():.5f}"
    assert np.abs(wide.bias.data).max() > bound / 4, "the bias is drawn at random too, as in PyTorch, not zeros"
    manual_seed(7)
    narrow = Conv2d(2, 48, (3, 2))  # fan_in = 2 * 3 * 2 = 12, while out_channels * KH * KW = 288
    bound = 1 / np.sqrt(12)
    for name, values in (("weight", narrow.weight.data), ("bias", narrow.bias.data)):
        biggest = np.abs(values).max()
        assert bound / 2 < biggest <= bound * (1 + 1e-6), \
            f"Conv2d(2, 48, (3, 2)): the {name} is uniform on +-1/sqrt(in_channels * KH * KW) = +-{bound:.4f}, " \
            f"but its largest magnitude is {biggest:.4f}"
    manual_seed(7)
    again = Conv2d(2, 48, (3, 2))
    for name in ("weight", "bias"):
        assert np.array_equal(getattr(again, name).data, getattr(narrow, name).data), \
            f"after the same manual_seed, two Conv2d layers get the same {name}: draw it from default_generator(), not np.random"

    out = layer(Tensor(rng.standard_normal((4, 3, 10, 9))))
    assert out.shape == (4, 16, 5, 4), f"Conv2d(3, 16, (3, 5), stride 2, padding 1) on (4, 3, 10, 9): expected (4, 16, 5, 4), got {out.shape}"
    assert out.requires_grad and out.dtype == np.float32, \
        f"the output is float32 and records its history: got {out.dtype}, requires_grad={out.requires_grad}"
    single = layer(Tensor(rng.standard_normal((3, 10, 9))))
    assert single.shape == (16, 5, 4), f"one image (3, 10, 9) gives (16, 5, 4), got {single.shape}"
    no_bias = Conv2d(2, 3, 1, bias=False)
    assert no_bias.bias is None and len(no_bias.parameters()) == 1, \
        f"bias=False: expected bias None and 1 parameter, got {no_bias.bias!r} and {len(no_bias.parameters())}"
    assert repr(layer) == "Conv2d(3, 16, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))", repr(layer)

    for bad, words in ((Tensor(np.ones((4, 1, 10, 9))), "3 input channels"), (Tensor(np.ones((10, 9))), "4-D"),
                       (Tensor(np.ones((4, 3, 10, 2))), "larger than the input")):
        try:
            layer(bad)
        except ValueError as error:
            assert words in str(error) and str(bad.shape) in str(error), f"the error must say {words!r} and name {bad.shape}: {error}"
        else:
            raise AssertionError(f"Conv2d(3, 16, (3, 5)) must refuse input of shape {bad.shape}")
    for arguments in ((3, 16, 0), (3, 16, 3, 1, -1), (0, 16, 3), (3, 16, 3, 0)):
        try:
            Conv2d(*arguments)
        except ValueError:
            pass
        else:
            raise AssertionError(f"Conv2d{arguments} must raise ValueError")
    print("conv2d and Conv2d work.")


if __name__ == "__main__":
    test_unit_conv2d()

# %% [markdown]
# ## 6. Pooling: MaxPool2d and AvgPool2d
#
# A pooling layer summarises each window of each channel by one number, with nothing to
# learn. With the usual 2 x 2 window and stride 2 it halves the height and the width, so the
# next convolution sees twice as far for the same kernel size, and the network becomes a
# little insensitive to exactly where a feature appeared.
#
# ```
#  one channel, 4x4            MaxPool2d(2)          AvgPool2d(2)
#  +----+----+----+----+
#  |  1 |  3 |  2 |  0 |        +---+---+             +------+------+
#  |  4 |  2 |  1 |  5 |   ->   | 4 | 5 |             | 2.50 | 2.00 |
#  +----+----+----+----+        +---+---+             +------+------+
#  |  0 |  1 |  3 |  3 |        | 6 | 3 |             | 2.00 | 2.50 |
#  |  6 |  1 |  2 |  2 |        +---+---+             +------+------+
#  +----+----+----+----+
# ```
#
# Both reuse the windows of section 4: a max or a mean over the last two axes of the window
# view. The arguments are PyTorch's: `kernel_size`, `stride` (by default the kernel size, so
# windows tile the image), and `padding`, at most half the kernel. Max pooling pads with
# minus infinity, so padding never wins; average pooling pads with zeros and, like
# PyTorch's default (`count_include_pad=True`), still divides by the full window size.
#
# ### Gradients
#
# - **Average**: each output is `(1 / (KH*KW)) x` the sum of its window, so every pixel of
#   the window receives `grad / (KH*KW)`; overlapping windows add up (`add_windows`).
# - **Max**: the output *is* one pixel of the window, the largest; a small change of any
#   other pixel changes nothing. So the whole gradient goes to that one pixel, the
#   **arg-max**, and the others get zero. The forward pass remembers, for every window, the
#   position of its winner (an index from 0 to KH*KW - 1); the backward pass visits the
#   KH x KW offsets and, at each, adds the gradient of the windows won there.
#
# **Finding the winners** is a scan, as in PyTorch's CPU kernel, but over all windows at
# once: start with every window's first entry as the best so far, then visit the other
# KH x KW - 1 offsets; at each, the windows whose entry there is larger take it as their
# new best and remember the offset. A loop over the 4 offsets of a 2 x 2 window moves whole
# (N, C, OH, OW) slabs, never single pixels.
#
# One systems detail decides the speed. The obvious update, "where the candidate wins, copy
# it in" (`np.copyto(out, candidate, where=wins)`), is a *masked* write: the processor
# cannot predict which elements it writes, and on LeNet's first pooling layer it makes the
# scan five times slower than the same scan written as arithmetic. So the scan never
# branches: the best value is `np.maximum(best, candidate)`, and since the offsets are
# visited in increasing order, a window's winner is the *largest* offset at which it found
# a new best, `np.maximum(winners, wins * offset)`. The backward pass multiplies by a mask
# instead of selecting with one, for the same reason.
#
# **Ties.** If several pixels of a window share the maximum (a ReLU output full of zeros,
# say), the maximum is not differentiable there. A later entry replaces the best only if it
# is *strictly* larger, so the whole gradient goes to the *first* of the tied pixels in
# row-major order, exactly as PyTorch does on the CPU, rather than being split as Module
# 05's `amax` rule splits it. (`x.max(dim)` and `torch.max` pick one index for the same
# reason: an index is the cheapest thing to remember.) **NaN** always wins, so a window
# holding a NaN outputs NaN and its gradient goes to the (last) NaN, as in PyTorch.

# %% nbgrader={"grade": false, "grade_id": "pool-arguments", "solution": false}
#| export
def pool_arguments(owner, kernel_size, stride, padding):
    """(kernel, stride, padding) as pairs; stride None means the kernel size, as in PyTorch."""
    kernel = pair(owner, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair(owner, "stride", stride, 1)
    padding = pair(owner, "padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{owner}: padding {padding} must be at most half of the kernel size {kernel}")
    return kernel, stride, padding


# %% nbgrader={"grade": false, "grade_id": "pooling", "solution": true}
#| export
def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The largest value of every window of every channel, as torch.nn.functional.max_pool2d.

    x (N, C, H, W) or (C, H, W) -> (N, C, OH, OW), recorded as "max_pool2d".

    TODO: pad with minus infinity, take the windows, and scan the KH x KW offsets of every
    window at once, keeping the best value so far and the offset it came from.

    APPROACH:
    1. pad_images with value=-np.inf, then sliding_windows.
    2. Start `out` as a copy of every window's first entry (offset (0, 0)) and `winners`
       as zeros of the same shape (the dtype is chosen for you: the smallest that holds
       KH*KW - 1).
    3. For each offset (u, v), with `candidate` the windows' entries there: they win where
       they are greater than the best so far, or NaN. Then update the best with
       np.maximum (which keeps NaN, as wanted), and the winners with np.maximum of
       winners and (wins times u * KW + v), in that index dtype: offsets come in
       increasing order, so the last win is the largest index. Use out= to update in place.
    4. Tensor.from_op(out, "max_pool2d", (x,), winners=..., kernel=..., stride=...,
       padding=..., padded_shape=...).
    """
    kernel, stride, padding = pool_arguments("max_pool2d", kernel_size, stride, padding)
    check_images("max_pool2d", x)
    if x.ndim == 3:
        return max_pool2d(x.unsqueeze(0), kernel, stride, padding).squeeze(0)
    window_count("max_pool2d", x, kernel, stride, padding)
    kh, kw = kernel
    index_dtype = np.min_scalar_type(kh * kw - 1)
    ### BEGIN SOLUTION
    padded = pad_images(x.data, padding, value=-np.inf)
    windows = sliding_windows(padded, kernel, stride)
    out = windows[:, :, :, :, 0, 0].copy()
    winners = np.zeros(out.shape, dtype=index_dtype)
    for u in range(kh):
        for v in range(kw):
            candidate = windows[:, :, :, :, u, v]
            wins = (candidate > out) | np.isnan(candidate)
            np.maximum(out, candidate, out=out)
            np.maximum(winners, wins * index_dtype.type(u * kw + v), out=winners)
    return Tensor.from_op(out, "max_pool2d", (x,), winners=winners, kernel=kernel, stride=stride,
                          padding=padding, padded_shape=padded.shape)
    ### END SOLUTION


@gradient_rule("max_pool2d")
def _max_pool2d_rule(grad, out, inputs, saved):
    """The whole gradient of each window goes to its winner.

    TODO: for every offset (u, v) inside a window, the windows whose winner sits at that
    offset send their gradient to the pixels at that offset; the others send nothing. Add
    those slabs into a zero image of the padded shape, as add_windows does, then crop.

    APPROACH:
    1. The winner's index in a window of KW columns is u * KW + v.
    2. For each (u, v): grad times (winners == that index) is (N, C, OH, OW), zero where
       the window's winner sits elsewhere; add it into the strided slice of rows u,
       u + S0, ... and columns v, v + S1, ... (add: with overlapping windows a pixel can
       win several of them).

    (Building the one-hot windows and calling add_windows gives the same numbers, but
    materialises an array KH*KW times the output's size: this is two to three times faster.)
    """
    (x,) = inputs
    kh, kw = saved["kernel"]
    sh, sw = saved["stride"]
    n, c, oh, ow = grad.shape
    winners = saved["winners"]
    grad_padded = np.zeros(saved["padded_shape"], dtype=grad.dtype)
    ### BEGIN SOLUTION
    for u in range(kh):
        for v in range(kw):
            grad_padded[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += grad * (winners == u * kw + v)
    ### END SOLUTION
    return (crop_images(grad_padded, saved["padding"], x.shape[2:]),)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of every window of every channel, as torch.nn.functional.avg_pool2d
    (padding zeros count towards the mean: count_include_pad=True).

    x (N, C, H, W) or (C, H, W) -> (N, C, OH, OW), recorded as "avg_pool2d".

    TODO: pad with zeros, average every window over its last two axes, record the op.
    """
    kernel, stride, padding = pool_arguments("avg_pool2d", kernel_size, stride, padding)
    check_images("avg_pool2d", x)
    if x.ndim == 3:
        return avg_pool2d(x.unsqueeze(0), kernel, stride, padding).squeeze(0)
    window_count("avg_pool2d", x, kernel, stride, padding)
    ### BEGIN SOLUTION
    padded = pad_images(x.data, padding)
    out = sliding_windows(padded, kernel, stride).mean(axis=(4, 5))
    return Tensor.from_op(out, "avg_pool2d", (x,), kernel=kernel, stride=stride, padding=padding,
                          padded_shape=padded.shape)
    ### END SOLUTION


@gradient_rule("avg_pool2d")
def _avg_pool2d_rule(grad, out, inputs, saved):
    """Every pixel of a window receives the window's gradient divided by the window's size.

    TODO: spread grad / (KH*KW) over windows of shape (N, C, OH, OW, KH, KW) (np.broadcast_to
    makes that without copying), add them back and crop.
    """
    (x,) = inputs
    kh, kw = saved["kernel"]
    ### BEGIN SOLUTION
    share = grad / (kh * kw)
    grad_windows = np.broadcast_to(share[..., np.newaxis, np.newaxis], grad.shape + (kh, kw))
    grad_padded = add_windows(grad_windows, saved["padded_shape"], saved["stride"])
    return (crop_images(grad_padded, saved["padding"], x.shape[2:]),)
    ### END SOLUTION


# %% [markdown]
# The layers hold the arguments and check the input in their own name, then call the
# functions. `Flatten` is the bridge to `Linear`: it keeps the batch axis and merges the
# rest, `(N, C, H, W) -> (N, C*H*W)`, as `torch.nn.Flatten` does (`start_dim=1`).

# %% nbgrader={"grade": false, "grade_id": "pool-layers", "solution": true}
#| export
class _Pool2d(Module):
    """What MaxPool2d and AvgPool2d share: arguments, checks, repr; `pool` is the function."""

    pool = None

    def __init__(self, kernel_size, stride=None, padding=0):
        pool_arguments(type(self).__name__, kernel_size, stride, padding)  # refuse bad arguments now
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        owner = repr(self)
        kernel, stride, padding = pool_arguments(owner, self.kernel_size, self.stride, self.padding)
        check_images(owner, x)
        window_count(owner, x, kernel, stride, padding)
        return type(self).pool(x, kernel, stride, padding)

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})"


class MaxPool2d(_Pool2d):
    """Max pooling over NCHW images, as torch.nn.MaxPool2d (without dilation or ceil_mode).

    Example:
        >>> MaxPool2d(2)(Tensor(np.zeros((8, 6, 28, 28)))).shape
        (8, 6, 14, 14)
    """

    pool = staticmethod(max_pool2d)


class AvgPool2d(_Pool2d):
    """Average pooling over NCHW images, as torch.nn.AvgPool2d (count_include_pad=True)."""

    pool = staticmethod(avg_pool2d)


class Flatten(Module):
    """Merge the axes start_dim..end_dim into one, as torch.nn.Flatten: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim=1, end_dim=-1):
        for label, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not _is_integer(value):
                raise ValueError(f"Flatten: {label} must be an integer, got {value!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        """
        TODO: merge the axes from self.start_dim to self.end_dim with the Tensor's own method.

        EXAMPLE:
        >>> Flatten()(Tensor(np.zeros((8, 16, 5, 5)))).shape
        (8, 400)
        """
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(x).__name__}")
        ### BEGIN SOLUTION
        return x.flatten(self.start_dim, self.end_dim)
        ### END SOLUTION

    def __repr__(self):
        return f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})"


# %% [markdown]
# ### Unit test: pooling and Flatten
#
# **Tests**: the example above, by hand; overlapping windows and padding (minus infinity
# must not win, even over negative numbers); the gradient goes to the arg-max alone, to the
# first of tied maxima, and adds up where overlapping windows pick the same pixel; average
# pooling's gradients; gradcheck of both; Flatten.

# %% nbgrader={"grade": true, "grade_id": "test-pooling", "locked": true, "points": 15}
def test_unit_pooling():
    print("Unit test: MaxPool2d, AvgPool2d, Flatten...")
    image = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 3, 3], [6, 1, 2, 2]], dtype=np.float32)
    x = Tensor(image.reshape(1, 1, 4, 4), requires_grad=True)
    pooled = MaxPool2d(2)(x)
    assert pooled.shape == (1, 1, 2, 2), f"MaxPool2d(2) on 4x4: expected (1, 1, 2, 2), got {pooled.shape}"
    assert np.array_equal(pooled.data[0, 0], [[4, 5], [6, 3]]), f"expected [[4, 5], [6, 3]], got {pooled.data[0, 0].tolist()}"
    (pooled * Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))).sum().backward()
    expected = np.array([[0, 0, 0, 0], [1, 0, 0, 2], [0, 0, 4, 0], [3, 0, 0, 0]], dtype=np.float32)
    # The window [[3, 3], [2, 2]] has a tie: the first 3 (row-major) takes the gradient.
    assert np.array_equal(x.grad.data[0, 0], expected), \
        f"each window's gradient goes to its maximum only (the first one on a tie):\nexpected\n{expected}\ngot\n{x.grad.data[0, 0]}"

    assert pooled.dtype == np.float32 and x.grad.dtype == np.float32, \
        f"max pooling keeps float32: expected output and gradient float32, got {pooled.dtype} and {x.grad.dtype}"

    # A NaN wins its window, as in PyTorch: the output is NaN and the window's gradient goes to the NaN.
    with_nan = Tensor(np.array([[1, 5, 0, 2], [np.nan, 2, 3, 1]], dtype=np.float32).reshape(1, 1, 2, 4), requires_grad=True)
    nan_pooled = MaxPool2d(2)(with_nan)
    assert np.isnan(nan_pooled.data[0, 0, 0, 0]) and nan_pooled.data[0, 0, 0, 1] == 3, \
        f"a window holding a NaN outputs NaN: expected [[nan, 3]], got {nan_pooled.data[0, 0].tolist()}"
    nan_pooled.sum().backward()
    expected = np.array([[0, 0, 0, 0], [1, 0, 1, 0]], dtype=np.float32)
    assert np.array_equal(with_nan.grad.data[0, 0], expected), \
        f"the gradient of a window with a NaN goes to the NaN (row 1, column 0):\nexpected\n{expected}\ngot\n{with_nan.grad.data[0, 0]}"

    averaged = AvgPool2d(2)(Tensor(image.reshape(1, 1, 4, 4)))
    assert averaged.dtype == np.float32, f"average pooling keeps float32, got {averaged.dtype}"
    assert np.allclose(averaged.data[0, 0], [[2.5, 2.0], [2.0, 2.5]]), f"expected [[2.5, 2.0], [2.0, 2.5]], got {averaged.data[0, 0].tolist()}"

    # Overlapping windows (3x3, stride 1): a pixel that wins two windows collects both gradients.
    peak = np.zeros((1, 1, 4, 4), dtype=np.float32)
    peak[0, 0, 1, 2] = 9.0
    source = Tensor(peak, requires_grad=True)
    MaxPool2d(3, stride=1)(source).sum().backward()
    assert source.grad.data[0, 0, 1, 2] == 4.0 and source.grad.data.sum() == 4.0, \
        f"the peak wins all 4 overlapping windows, so its gradient is 4; got\n{source.grad.data[0, 0]}"

    # Padding with -inf: negative images must keep their own maximum at the border.
    negative = Tensor(-1.0 - np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3))
    padded_max = MaxPool2d(3, stride=2, padding=1)(negative)
    expected = np.array([[-1, -2], [-4, -5]], dtype=np.float32)
    assert padded_max.shape == (1, 1, 2, 2) and np.array_equal(padded_max.data[0, 0], expected), \
        f"max pooling pads with -inf, so padding never wins: expected\n{expected}\ngot\n{padded_max.data[0, 0]}"
    padded_mean = AvgPool2d(3, stride=2, padding=1)(Tensor(np.ones((1, 1, 4, 4))))
    assert np.allclose(padded_mean.data[0, 0], [[4 / 9, 6 / 9], [6 / 9, 9 / 9]]), \
        f"padding zeros count in the average (count_include_pad=True): got {padded_mean.data[0, 0].tolist()}"

    rng = np.random.default_rng(3)
    for pool in (lambda t: max_pool2d(t, 2), lambda t: max_pool2d(t, (3, 2), (2, 1), (1, 1)),
                 lambda t: avg_pool2d(t, 2), lambda t: avg_pool2d(t, (3, 2), (2, 1), (1, 0))):
        values = rng.permutation(2 * 3 * 6 * 5).reshape(2, 3, 6, 5) / 10.0  # distinct values: no ties
        try:
            gradcheck(pool, Tensor(values, dtype=np.float64, requires_grad=True))
        except GradcheckError as error:
            raise AssertionError(f"pooling gradient: {error}") from None

    assert MaxPool2d(2).stride == 2 and MaxPool2d(3, 1).stride == 1 and MaxPool2d(2).parameters() == [], \
        f"the stride defaults to the kernel size and pooling has no parameters: MaxPool2d(2).stride is {MaxPool2d(2).stride}"
    assert MaxPool2d(2)(Tensor(np.zeros((6, 8, 8)))).shape == (6, 4, 4), "one image (C, H, W) works too"
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0)", repr(MaxPool2d(2))
    for bad in (lambda: MaxPool2d(2, padding=2), lambda: MaxPool2d(0), lambda: AvgPool2d(3, stride=-1)):
        try:
            bad()
        except ValueError:
            pass
        else:
            raise AssertionError("pooling arguments out of range must raise ValueError")
    try:
        MaxPool2d(5)(Tensor(np.zeros((1, 1, 4, 4))))
    except ValueError as error:
        assert "(1, 1, 4, 4)" in str(error) and "MaxPool2d" in str(error), str(error)
    else:
        raise AssertionError("a 5x5 window does not fit in a 4x4 image: ValueError expected")

    flat = Flatten()(Tensor(np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)))
    assert flat.shape == (2, 60), f"Flatten() keeps the batch axis: expected (2, 60), got {flat.shape}"
    assert np.array_equal(flat.data[1], np.arange(60, 120)), "Flatten keeps each sample's numbers in order"
    got = Flatten(0)(Tensor(np.zeros((2, 3, 4)))).shape
    assert got == (24,), f"Flatten(0) on (2, 3, 4): expected (24,), got {got}"
    got = Flatten(1, 2)(Tensor(np.zeros((2, 3, 4, 5)))).shape
    assert got == (2, 12, 5), f"Flatten(1, 2) on (2, 3, 4, 5): expected (2, 12, 5), got {got}"
    print("MaxPool2d, AvgPool2d and Flatten work.")


if __name__ == "__main__":
    test_unit_pooling()

# %% [markdown]
# ## 7. Batch normalisation
#
# As a network trains, the scale of each layer's output drifts with the weights before it:
# one layer's activations grow, the next one's shrink, and a learning rate that suits one
# layer is too large or too small for another. **Batch normalisation** (Ioffe and Szegedy,
# 2015) resets each channel to zero mean and unit variance over the batch, then lets the
# network choose the scale and shift it wants with two learned vectors:
#
# ```
#  for each channel c, over the N x H x W numbers of the batch:
#      mean_c = average,   var_c = average of (x - mean_c)^2          (biased: divides by the count M)
#      x_hat  = (x - mean_c) / sqrt(var_c + eps)                       zero mean, unit variance
#      y      = weight_c * x_hat + bias_c                              learned scale and shift
# ```
#
# `BatchNorm2d(C)` normalises each channel of (N, C, H, W) over N, H and W; `BatchNorm1d(C)`
# each feature of (N, C) over N, or of (N, C, L) over N and L. `eps` (1e-5) keeps the
# division safe when a channel is constant.
#
# ### Training and evaluation differ
#
# In training the statistics come from the batch. In evaluation they cannot: a prediction
# must not depend on which other images share its batch, and a batch may hold one image.
# So during training the layer keeps **running statistics**, exponential moving averages of
# the batch statistics, and evaluation normalises with those:
#
# ```
#  after each training batch:   running_mean = (1 - momentum) * running_mean + momentum * mean
#                               running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)
#  in evaluation:               x_hat = (x - running_mean) / sqrt(running_var + eps)
# ```
#
# Two details come from PyTorch, and a checkpoint moved between the two depends on them:
# `momentum = 0.1` weighs the *new* batch (the opposite of an optimiser's momentum), and the
# running variance is the **unbiased** estimate (`M / (M - 1)` times the biased one: the
# population's variance, estimated from a sample) while the batch itself is normalised with
# the biased one. `momentum=None` averages all batches equally instead (a cumulative
# average, `1 / num_batches_tracked`).
#
# The running statistics are **buffers** (Module 03): saved in `state_dict()`, never given
# to an optimiser. Forgetting `model.eval()` before evaluating is the classic BatchNorm bug:
# predictions then change with the batch they come in.
#
# ### The gradient
#
# In evaluation, mean and variance are constants, and `dx = grad * weight / sqrt(var + eps)`.
# In training they depend on every x of the channel, and the chain rule through them gives,
# with `g = grad * weight` and averages taken over the channel's M numbers:
#
# ```
#  dx = (g - average(g) - x_hat * average(g * x_hat)) / sqrt(var + eps)
#  dweight = sum of grad * x_hat,      dbias = sum of grad            (over everything but the channel)
# ```
#
# The two subtracted terms remove the parts of `g` that would shift the batch's mean or
# scale its variance, changes the normalisation would undo anyway. Both averages are
# already at hand, since `weight` is one number per channel: `average(g)` is
# `weight x dbias / M` and `average(g * x_hat)` is `weight x dweight / M`. So
#
# ```
#  dx = weight / sqrt(var + eps) * (grad - dbias / M - x_hat * dweight / M)
# ```
#
# a few passes over the data, with nothing but the saved `x_hat` and `1 / sqrt(var + eps)`.
#
# The forward pass is written to save passes too: `x - mean` is computed once, squared for
# the variance, then scaled in place to become `x_hat`.

# %% nbgrader={"grade": false, "grade_id": "batch-norm", "solution": true}
#| export
def batch_norm(x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5):
    """Normalise every channel (axis 1) of x, as torch.nn.functional.batch_norm.

    x: Tensor (N, C, ...); running_mean, running_var: Tensors (C,) or None (then only
    training mode is possible, and nothing is tracked); weight, bias: Tensors (C,).
    In training, normalise with the batch's statistics and update the running ones in place;
    otherwise normalise with the running ones. Recorded as "batch_norm" on (x, weight, bias).

    TODO: compute the statistics (from the batch or the running buffers), update the
    buffers when training, normalise, scale and shift; record what the gradient rule needs.

    APPROACH:
    1. `axes` (every axis but the channel's) and `shape` (to broadcast a (C,) vector over
       x) are prepared for you below; `count` is M, the numbers per channel.
    2. Training: the mean of x's array over `axes`; x minus the mean (reshaped to
       `shape`); the biased variance as the mean of its square over `axes`. If
       running_mean is not None, blend both buffers' arrays in place with `momentum` (the
       new batch weighs `momentum`); the variance blended in is the unbiased one, scaled
       by M / (M - 1).
    3. Evaluation: mean and variance are the running buffers' arrays; subtract the mean.
    4. inv_std = 1 / sqrt(variance + eps); multiply the centred x by it in place: x_hat.
       out = x_hat * weight + bias, each (C,) vector reshaped to `shape`.
    5. Tensor.from_op(out, "batch_norm", (x, weight, bias), x_hat=..., inv_std=...,
       axes=axes, training=training).
    """
    if not isinstance(x, Tensor) or x.dtype.kind != "f":
        raise TypeError(f"batch_norm expects a floating-point Tensor, got {getattr(x, 'dtype', type(x).__name__)}")
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    for name, tensor in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if tensor is None and name.startswith("running") and training:
            continue
        if not isinstance(tensor, Tensor) or tensor.shape != (channels,):
            raise ValueError(f"batch_norm: {name} must be a Tensor of shape ({channels},) for input {x.shape}, "
                             f"got {getattr(tensor, 'shape', tensor)!r}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    count = x.data.size // channels
    if training and count < 2:
        raise ValueError(f"batch_norm: training needs more than one value per channel, got input of shape {x.shape}")
    ### BEGIN SOLUTION
    if training:
        mean = x.data.mean(axis=axes)
        x_hat = x.data - mean.reshape(shape)
        var = np.square(x_hat).mean(axis=axes)
        if running_mean is not None:
            running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean
            running_var.data[...] = (1 - momentum) * running_var.data + momentum * var * (count / (count - 1))
    else:
        mean, var = running_mean.data, running_var.data
        x_hat = x.data - mean.reshape(shape)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat *= inv_std.reshape(shape)
    out = x_hat * weight.data.reshape(shape) + bias.data.reshape(shape)
    return Tensor.from_op(out, "batch_norm", (x, weight, bias), x_hat=x_hat, inv_std=inv_std, axes=axes,
                          training=training)
    ### END SOLUTION


@gradient_rule("batch_norm")
def _batch_norm_rule(grad, out, inputs, saved):
    """Gradients of x, weight and bias, with the formulas above.

    TODO: dweight and dbias are sums over `axes` (compute both: in training dx needs them
    too). dx is grad times weight * inv_std (reshaped to `shape`); in training, grad first
    loses dbias / M and x_hat times dweight / M, each reshaped to `shape`.
    """
    x, weight, bias = inputs
    x_hat, axes = saved["x_hat"], saved["axes"]
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    count = grad.size // grad.shape[1]
    grad_x = None
    ### BEGIN SOLUTION
    grad_weight = (grad * x_hat).sum(axis=axes)
    grad_bias = grad.sum(axis=axes)
    if x.requires_grad:
        scale = (weight.data * saved["inv_std"]).reshape(shape)
        if saved["training"]:
            grad = grad - x_hat * (grad_weight / count).reshape(shape) - (grad_bias / count).reshape(shape)
        grad_x = grad * scale
    ### END SOLUTION
    return grad_x, grad_weight if weight.requires_grad else None, grad_bias if bias.requires_grad else None


# %% [markdown]
# The layers own `weight` (ones) and `bias` (zeros), as PyTorch initialises them, and three
# buffers: `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked` (how many
# training batches they have seen; PyTorch saves it too, so state dicts match name for name).
# Their `forward` counts the batch when training, and hands the module's mode to `batch_norm`.

# %% nbgrader={"grade": false, "grade_id": "batch-norm-layers", "solution": true}
#| export
class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; `shapes` maps each accepted input rank to its layout."""

    shapes = {}

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        name = type(self).__name__
        if not _is_integer(num_features) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive integer, got {num_features!r}")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")
        if momentum is not None and (isinstance(momentum, bool) or not isinstance(momentum, numbers.Real)
                                     or not 0 <= momentum <= 1):
            raise ValueError(f"{name}: momentum must be a number from 0 to 1, or None, got {momentum!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.weight = Parameter(np.ones(self.num_features, dtype=np.float32))
        self.bias = Parameter(np.zeros(self.num_features, dtype=np.float32))
        self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=np.float32)))
        self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=np.float32)))
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))

    def _check_input(self, x):
        owner = repr(self)
        if not isinstance(x, Tensor):
            raise TypeError(f"{owner} expects a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{owner} expects a floating-point input, got dtype {x.dtype} (convert it with .float())")
        layouts = " or ".join(layout.format(C=self.num_features) for layout in self.shapes.values())
        if x.ndim not in self.shapes or x.shape[1] != self.num_features:
            raise ValueError(f"{owner} expects input of shape {layouts}, got shape {x.shape}")
        if self.training and x.numel() // x.shape[1] < 2:
            raise ValueError(f"{owner}: training needs more than one value per channel, got input of shape {x.shape}")

    def forward(self, x):
        """
        TODO: when training, count the batch in num_batches_tracked (in place); then
        normalise with batch_norm in the module's mode.

        APPROACH:
        1. The momentum is self.momentum, except when it is None: then, in training, it is
           1 / num_batches_tracked (after counting this batch), a cumulative average.
        2. batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
           with this module's buffers, parameters and `self.training`.
        """
        self._check_input(x)
        ### BEGIN SOLUTION
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked.data += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training, momentum, self.eps)
        ### END SOLUTION

    def __repr__(self):
        return f"{type(self).__name__}({self.num_features}, eps={self.eps}, momentum={self.momentum})"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of every channel of (N, C, H, W) images, as torch.nn.BatchNorm2d
    (affine, tracking running statistics)."""

    shapes = {4: "(N, {C}, H, W)"}


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of every feature of (N, C) or (N, C, L), as torch.nn.BatchNorm1d."""

    shapes = {2: "(N, {C})", 3: "(N, {C}, L)"}


# %% [markdown]
# ### Unit test: BatchNorm
#
# **Tests**: in training each channel comes out with mean `bias` and standard deviation
# `weight`; the running statistics after two batches, worked out with NumPy (momentum 0.1
# on the new batch, unbiased variance); evaluation uses the running statistics, not the
# batch's; gradients in both modes against central differences; buffers in the state dict.

# %% nbgrader={"grade": true, "grade_id": "test-batch-norm", "locked": true, "points": 15}
def test_unit_batch_norm():
    print("Unit test: BatchNorm2d and BatchNorm1d...")
    rng = np.random.default_rng(4)
    layer = BatchNorm2d(3)
    layer.weight.data[...] = [1.0, 2.0, 0.5]
    layer.bias.data[...] = [0.0, -1.0, 3.0]
    first = (rng.standard_normal((4, 3, 5, 6)) * [[[[1.0]], [[4.0]], [[0.2]]]] + 7.0).astype(np.float32)
    second = (rng.standard_normal((2, 3, 5, 6)) * 3.0 - 2.0).astype(np.float32)
    given = Tensor(first.copy())
    out = layer(given)
    assert np.array_equal(given.data, first), "BatchNorm must not change its input's array (centre a copy, not x.data in place)"
    means, stds = out.data.mean(axis=(0, 2, 3)), out.data.std(axis=(0, 2, 3))
    assert np.allclose(means, [0.0, -1.0, 3.0], atol=1e-4), f"in training each channel's mean becomes its bias [0, -1, 3], got {means}"
    assert np.allclose(stds, [1.0, 2.0, 0.5], atol=1e-3), f"... and its standard deviation its weight [1, 2, 0.5], got {stds}"
    layer(Tensor(second))
    running_mean, running_var = np.zeros(3), np.ones(3)
    for batch in (first, second):
        count = batch.size // 3
        running_mean = 0.9 * running_mean + 0.1 * batch.mean(axis=(0, 2, 3))
        running_var = 0.9 * running_var + 0.1 * batch.var(axis=(0, 2, 3)) * count / (count - 1)
    assert np.allclose(layer.running_mean.data, running_mean, rtol=1e-4, atol=1e-5), \
        f"running_mean after two batches (momentum 0.1 on the new batch): expected {running_mean}, got {layer.running_mean.data}"
    assert np.allclose(layer.running_var.data, running_var, rtol=1e-4), \
        f"running_var after two batches (unbiased batch variance): expected {running_var}, got {layer.running_var.data}"
    assert int(layer.num_batches_tracked.data) == 2, f"two training batches, got num_batches_tracked {layer.num_batches_tracked.data}"

    layer.eval()
    test = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    expected = ((test - running_mean.reshape(1, 3, 1, 1)) / np.sqrt(running_var.reshape(1, 3, 1, 1) + 1e-5)
                * np.reshape([1.0, 2.0, 0.5], (1, 3, 1, 1)) + np.reshape([0.0, -1.0, 3.0], (1, 3, 1, 1)))
    got = layer(Tensor(test)).data
    assert np.allclose(got, expected, atol=1e-4), \
        f"evaluation normalises with the running statistics, not the batch's: largest difference {np.abs(got - expected).max():.3g}"
    assert np.allclose(layer.running_mean.data, running_mean, rtol=1e-4) and int(layer.num_batches_tracked.data) == 2, \
        "evaluation must not change the running statistics"
    alone = layer(Tensor(test[:1])).data
    assert np.allclose(alone, got[:1], atol=1e-5), "in evaluation an image's output does not depend on its batch"

    # momentum=None: the running statistics are the plain average over all training batches so far.
    cumulative = BatchNorm2d(3, momentum=None)
    batches = [(rng.standard_normal((n, 3, 2, 3)) * scale + shift).astype(np.float32)
               for n, scale, shift in ((2, 1.0, 4.0), (3, 2.0, -1.0), (2, 0.5, 0.0))]
    for batch in batches:
        cumulative(Tensor(batch))
    mean_expected = np.mean([batch.mean(axis=(0, 2, 3)) for batch in batches], axis=0)
    var_expected = np.mean([batch.var(axis=(0, 2, 3), ddof=1) for batch in batches], axis=0)
    assert np.allclose(cumulative.running_mean.data, mean_expected, atol=1e-5) \
        and np.allclose(cumulative.running_var.data, var_expected, rtol=1e-4), \
        f"momentum=None averages the 3 batches' statistics equally (momentum 1 / num_batches_tracked): expected running_mean " \
        f"{mean_expected} and running_var {var_expected}, got {cumulative.running_mean.data} and {cumulative.running_var.data}"

    # A channel of nearly equal values: eps belongs inside the square root.
    flat_channel = np.full((4, 1, 2, 2), 5.0, dtype=np.float64)
    flat_channel[0, 0, 0, 0] = 5.002
    ones, zeros = Tensor(np.ones(1), dtype=np.float64), Tensor(np.zeros(1), dtype=np.float64)
    normed = batch_norm(Tensor(flat_channel, dtype=np.float64), None, None, ones, zeros, training=True).data
    expected = (flat_channel - flat_channel.mean()) / np.sqrt(flat_channel.var() + 1e-5)
    assert np.allclose(normed, expected, rtol=1e-6), f"x_hat = (x - mean) / sqrt(var + eps): expected {expected[0, 0, 0, 0]:.6f}, got {normed[0, 0, 0, 0]:.6f}"

    def leaf(*shape, low=-2.0, high=2.0):
        return Tensor(rng.uniform(low, high, shape), dtype=np.float64, requires_grad=True)

    stats = (Tensor(rng.standard_normal(3)), Tensor(rng.uniform(0.5, 2.0, 3)))
    for training in (True, False):
        for shape in ((4, 3, 2, 3), (5, 3)):
            try:
                gradcheck(lambda x, w, b: batch_norm(x, *stats, w, b, training=training, momentum=0.0),
                          leaf(*shape), leaf(3), leaf(3))
            except GradcheckError as error:
                raise AssertionError(f"batch_norm's gradient, training={training}, input {shape}: {error}") from None

    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], \
        f"state_dict: parameters then buffers, as PyTorch names them; got {list(layer.state_dict())}"
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"], "running statistics are buffers, not parameters"
    features = BatchNorm1d(4)
    for shape in ((8, 4), (8, 4, 3)):
        got = features(Tensor(rng.standard_normal(shape))).shape
        assert got == shape, f"BatchNorm1d(4) keeps the shape: expected {shape}, got {got}"
    for bad_layer, bad in ((BatchNorm2d(3), Tensor(np.ones((2, 4, 5, 5)))), (BatchNorm2d(3), Tensor(np.ones((3, 5, 5)))),
                           (BatchNorm1d(4), Tensor(np.ones((8, 3)))), (BatchNorm2d(3), Tensor(np.ones((1, 3, 1, 1))))):
        try:
            bad_layer(bad)
        except ValueError as error:
            assert str(bad.shape) in str(error) and repr(bad_layer) in str(error), f"name the layer and the shape: {error}"
        else:
            raise AssertionError(f"{bad_layer!r} must refuse input of shape {bad.shape} in training")
    for bad in (0, -3, 2.5, True):
        try:
            BatchNorm2d(bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"BatchNorm2d({bad!r}) must raise ValueError")
    print("BatchNorm2d and BatchNorm1d work.")


if __name__ == "__main__":
    test_unit_batch_norm()

# %% [markdown]
# ## 8. Receptive field
#
# How much of the image can one output pixel see? A 5 x 5 convolution's output depends on a
# 5 x 5 patch. Stack a second 5 x 5 convolution on it and each of its outputs sees 5 x 5
# first-layer outputs, which together cover 9 x 9 input pixels. A pooling layer of stride 2
# in between makes neighbouring first-layer outputs 2 pixels apart in the input, so each
# further step of a kernel reaches twice as far.
#
# Keep two numbers while walking through the layers: the receptive field `r` and the
# **jump** `j`, the distance in input pixels between two neighbouring outputs of the
# current layer. Start with `r = 1, j = 1` (a pixel sees itself); a layer with kernel `k`
# and stride `s` widens the field by `k - 1` of its input's steps, then multiplies the step:
#
# ```
#  r <- r + (k - 1) * j         j <- j * s
#
#  LeNet-style:  Conv 5x5 s1   r = 1 + 4*1 = 5      j = 1
#                MaxPool 2 s2  r = 5 + 1*1 = 6      j = 2
#                Conv 5x5 s1   r = 6 + 4*2 = 14     j = 2
#                MaxPool 2 s2  r = 14 + 1*2 = 16    j = 4
# ```
#
# Activations, BatchNorm and padding do not change it. After the second pooling, each of
# the 5 x 5 positions summarises a 16 x 16 patch of the 28 x 28 image: large enough for the
# parts of a shoe or a sleeve, which is why two such stages suffice for Fashion-MNIST.

# %% nbgrader={"grade": false, "grade_id": "receptive-field", "solution": true}
#| export
def receptive_field(layers):
    """(height, width) of the input patch that one output pixel of `layers` depends on.

    `layers` is any sequence of layers (a Sequential, say); those with a `kernel_size`
    (Conv2d, MaxPool2d, AvgPool2d) count, and the others leave the field as it is.

    TODO: walk the layers, updating the field and the jump on both axes as above.

    EXAMPLE:
    >>> receptive_field([Conv2d(1, 6, 5), MaxPool2d(2), Conv2d(6, 16, 5), MaxPool2d(2)])
    (16, 16)
    """
    field, jump = [1, 1], [1, 1]
    for layer in layers:
        if not hasattr(layer, "kernel_size"):
            continue
        kernel = pair("receptive_field", "kernel_size", layer.kernel_size, 1)
        stride = pair("receptive_field", "stride", layer.stride, 1)
        ### BEGIN SOLUTION
        for axis in (0, 1):
            field[axis] += (kernel[axis] - 1) * jump[axis]
            jump[axis] *= stride[axis]
        ### END SOLUTION
    return tuple(field)


# %% nbgrader={"grade": true, "grade_id": "test-receptive-field", "locked": true, "points": 5}
def test_unit_receptive_field():
    print("Unit test: receptive_field...")
    from tinytorch.core.activations import ReLU

    cases = [
        ([Conv2d(1, 6, 5)], (5, 5)),
        ([Conv2d(1, 6, 5), ReLU(), MaxPool2d(2), Conv2d(6, 16, 5), ReLU(), MaxPool2d(2)], (16, 16)),
        ([Conv2d(1, 4, 3, padding=1), Conv2d(4, 4, 3, padding=1), Conv2d(4, 4, 3, padding=1)], (7, 7)),
        ([Conv2d(1, 4, 3, stride=2), Conv2d(4, 4, 3, stride=2), Conv2d(4, 4, 3)], (15, 15)),
        ([Conv2d(1, 4, (3, 1)), MaxPool2d((2, 3), stride=(2, 1)), BatchNorm2d(4), Conv2d(4, 4, (1, 5))], (4, 7)),
    ]
    for layers, expected in cases:
        got = receptive_field(layers)
        assert got == expected, f"receptive field of {[type(layer).__name__ for layer in layers]}: expected {expected}, got {got}"
    print("receptive_field works.")


if __name__ == "__main__":
    test_unit_receptive_field()

# %% [markdown]
# ## 9. Systems analysis: speed, parameters, FLOPs and memory
#
# First, what vectorising bought. The function below times `conv2d_loops` and the im2col
# `conv2d` on the same small batch (LeNet's first layer on 8 images: the loops would take
# minutes on a real batch) and reports the arithmetic rate of each.

# %% nbgrader={"grade": false, "grade_id": "analyze-speed", "solution": false}
def analyze_conv_speed(batch=8):
    """Time the loop version against the im2col version on LeNet's first layer."""
    import time

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    layer = Conv2d(1, 6, 5, padding=2)
    weight, bias = layer.weight.data, layer.bias.data
    flops = 2 * batch * 6 * 28 * 28 * 1 * 5 * 5

    def seconds(run, repeats):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        return (time.perf_counter() - start) / repeats

    loops = seconds(lambda: conv2d_loops(x, weight, bias, (1, 1), (2, 2)), 1)
    fast = seconds(lambda: layer(Tensor(x)), 50)
    print(f"Conv2d(1, 6, 5, padding=2) forward on ({batch}, 1, 28, 28): {flops / 1e6:.1f} MFLOP")
    print(f"  four loops:   {loops * 1e3:9.2f} ms  ({flops / loops / 1e9:6.3f} GFLOP/s)")
    print(f"  im2col + BLAS:{fast * 1e3:9.3f} ms  ({flops / fast / 1e9:6.3f} GFLOP/s)")
    print(f"  speed-up: {loops / fast:,.0f}x")


if __name__ == "__main__":
    analyze_conv_speed()

# %% [markdown]
# Next, the network the `cnn` milestone trains on Fashion-MNIST (see `milestones/cnn.py`),
# layer by layer, for a batch of 64 images: each layer's output shape, its parameters,
# its forward FLOPs, and for convolutions the size of the im2col matrix the forward pass
# builds and training keeps until backward. Output shapes are measured by running a batch
# through the network, not computed.

# %% nbgrader={"grade": false, "grade_id": "analyze-network", "solution": false}
def milestone_network():
    """The cnn milestone's network for 28 x 28 images (milestones/cnn.py builds the same)."""
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential

    return Sequential(
        Conv2d(1, 16, 5, padding=2), BatchNorm2d(16), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 5), BatchNorm2d(32), ReLU(), MaxPool2d(2),
        Flatten(), Linear(32 * 5 * 5, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10),
    )


def analyze_network_costs(batch=64):
    """Parameters, forward FLOPs and im2col memory of every layer of the milestone network."""
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.layers import Linear

    model = milestone_network().eval()
    x = Tensor(np.zeros((batch, 1, 28, 28), dtype=np.float32))
    print(f"{'layer':<52} {'output':>18} {'params':>8} {'MFLOP':>8} {'im2col':>9}")
    totals = np.zeros(3)
    with no_grad():
        for layer in model:
            y = layer(x)
            params = sum(p.numel() for p in layer.parameters()) if isinstance(layer, Module) else 0
            outputs = y.numel()
            flops, cols = 0, 0
            if isinstance(layer, Conv2d):
                per_output = layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
                flops = 2 * outputs * per_output
                cols = batch * per_output * y.shape[2] * y.shape[3] * 4
            elif isinstance(layer, Linear):
                flops = 2 * outputs * layer.in_features
            elif not isinstance(layer, Flatten):
                flops = x.numel()  # about one operation per element: pooling, BatchNorm, ReLU
            totals += (params, flops, cols)
            print(f"{layer!r:<52.52} {str(y.shape):>18} {params:>8,} {flops / 1e6:>8.1f} {cols / 2**20:>6.2f} MiB")
            x = y
    print(f"{'total':<52} {'':>18} {int(totals[0]):>8,} {totals[1] / 1e6:>8.1f} {totals[2] / 2**20:>6.2f} MiB")
    print(f"Per image: {totals[1] / batch / 1e6:.2f} MFLOP forward, about three times that for a training step;"
          f" the input batch itself is {batch * 28 * 28 * 4 / 2**20:.2f} MiB.")


def analyze_receptive_field():
    """How far each stage of the milestone network sees."""
    model = milestone_network()
    stages = [layer for layer in model if hasattr(layer, "kernel_size")]
    for depth in range(1, len(stages) + 1):
        names = " -> ".join(f"{type(layer).__name__}{layer.kernel_size}" for layer in stages[:depth])
        print(f"{names}: each output sees {receptive_field(stages[:depth])} input pixels")


if __name__ == "__main__":
    analyze_network_costs()
    analyze_receptive_field()

# %% [markdown]
# What the tables say:
#
# - **Parameters live in the Linear layers, arithmetic in the convolutions.** The two
#   convolutions hold about a tenth of the parameters and do over nine tenths of the FLOPs:
#   shared weights are reused at every position.
# - **im2col trades memory for speed.** The second convolution's matrix holds each pixel of
#   its 14 x 14 input up to 25 times. Training keeps every layer's im2col matrix alive until
#   the backward pass, on top of the activations: at batch 64 about 14.6 MiB here, some 75
#   times the input batch. It grows with batch, channels and kernel area, and for large
#   images it is why frameworks use other algorithms (direct, Winograd, FFT) or compute the
#   columns in tiles.
# - **Pooling is cheap and shrinks everything after it** by 4x per 2 x 2 stage.

# %% [markdown]
# ## Module test
#
# The last check runs every unit test, then trains a small CNN (Conv2d, BatchNorm2d, ReLU,
# MaxPool2d, Flatten, Linear) on the bundled 8 x 8 digits for a few dozen steps, and checks
# that it learns, that evaluation mode is deterministic, and that a state dict (parameters
# and running statistics) restores the same predictions in a fresh network.

# %% nbgrader={"grade": true, "grade_id": "spatial-module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Spatial")
    test_unit_output_size_and_padding()
    test_unit_conv2d_loops()
    test_unit_windows()
    test_unit_conv2d()
    test_unit_pooling()
    test_unit_batch_norm()
    test_unit_receptive_field()

    print("Integration: a small CNN learns the digits...")
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam
    from tinytorch.datasets import load_digits

    def network():
        return Sequential(Conv2d(1, 8, 3, padding=1), BatchNorm2d(8), ReLU(), MaxPool2d(2),
                          Flatten(), Linear(8 * 4 * 4, 10))

    manual_seed(0)
    images, labels = load_digits("train")
    x, y = Tensor(images[:256, np.newaxis]), labels[:256]
    model = network()
    optimizer, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
    losses = []
    for step in range(40):
        batch = slice(64 * (step % 4), 64 * (step % 4 + 1))
        optimizer.zero_grad()
        loss = loss_fn(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-4:]) < 0.35 * np.mean(losses[:4]), \
        f"the loss should fall to a third within 40 steps: first steps {np.mean(losses[:4]):.3f}, last {np.mean(losses[-4:]):.3f}"
    model.eval()
    scores = model(x)
    accuracy = np.mean(scores.data.argmax(axis=1) == y)
    assert accuracy > 0.85, f"after 40 steps the CNN should know most training digits, accuracy {accuracy:.1%}"
    assert np.array_equal(model(x).data, scores.data), "evaluation mode is deterministic"

    state = model.state_dict()
    assert "1.running_mean" in state and "1.num_batches_tracked" in state and int(state["1.num_batches_tracked"]) == 40, \
        f"the state dict holds BatchNorm's buffers: got {sorted(state)}"
    fresh = network()
    fresh.load_state_dict(state)
    assert np.allclose(fresh.eval()(x).data, scores.data, atol=1e-6), "a loaded state dict reproduces the predictions"
    print("All spatial tests passed. Next: tito module complete 09_spatial")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - A convolution applies one small learned filter at every position: few parameters, much
#   arithmetic. Its output size is `floor((H + 2P - K) / S) + 1` per axis.
# - The direct loops are the definition; im2col (a window view, one copy, one matrix
#   multiplication) computes the same numbers a thousand times faster, at the cost of a
#   matrix about `K x K / S^2` times the input.
# - The backward pass is the matrix product's, plus `add_windows`, the adjoint of taking
#   windows, which sums where windows overlap.
# - On narrow maps NumPy's cost per row, not arithmetic, dominates; putting the batch on the
#   last axis (the grouped layout) makes the rows long and the batch one matrix product.
# - Max pooling routes each window's gradient to its arg-max (the first of ties), average
#   pooling spreads it evenly.
# - BatchNorm normalises with the batch's statistics in training and with running averages
#   in evaluation; the running statistics are buffers, saved with the model.
# - The receptive field grows by `(k - 1) x jump` per layer, and pooling multiplies the jump.
#
# Export and record your work with `tito module complete 09_spatial`, then run
# `tito milestone run cnn --dataset fashion-mnist` and watch it beat the MLP.
#
# **Next**: Module 10 turns text into tokens, the input of the language models that follow.
