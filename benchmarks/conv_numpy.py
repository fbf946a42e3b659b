"""Conv2d by im2col in hand-written NumPy: the baseline tinytorch's Conv2d is measured against.

The same math as tinytorch's conv2d (a column matrix of every window, one batched matrix
product forward, its two products backward, the columns added back into the image), written
as a careful person would write it without a framework: the columns are filled offset by
offset into a preallocated array, and the padding comes from np.pad. tests/test_benchmarks.py
checks that it gives tinytorch's output and gradients.
"""

import numpy as np


def forward(x, weight, bias, stride, padding):
    """x (N, C, H, W), weight (O, C, KH, KW), bias (O,); stride and padding (height, width) pairs.

    Returns the output (N, O, OH, OW) and what backward needs.
    """
    n, c, h, w = x.shape
    filters, _, kh, kw = weight.shape
    (sh, sw), (ph, pw) = stride, padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    cols = cols.reshape(n, c * kh * kw, oh * ow)
    out = weight.reshape(filters, -1) @ cols
    out += bias[:, np.newaxis]
    return out.reshape(n, filters, oh, ow), (cols, weight, x.shape, padded.shape, stride, padding)


def backward(grad, cache):
    """Gradients (input, weight, bias) from the output's gradient (N, O, OH, OW)."""
    cols, weight, x_shape, padded_shape, (sh, sw), (ph, pw) = cache
    n, filters, oh, ow = grad.shape
    _, c, kh, kw = weight.shape
    g = grad.reshape(n, filters, oh * ow)
    grad_weight = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
    grad_bias = g.sum(axis=(0, 2))
    grad_cols = (weight.reshape(filters, -1).T @ g).reshape(n, c, kh, kw, oh, ow)
    grad_padded = np.zeros(padded_shape, dtype=grad.dtype)
    for i in range(kh):
        for j in range(kw):
            grad_padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += grad_cols[:, :, i, j]
    grad_x = grad_padded[:, :, ph:ph + x_shape[2], pw:pw + x_shape[3]]
    return grad_x, grad_weight, grad_bias
