"""Activations (Module 02): values, stability at |x| = 1e4, and bad input."""

import warnings

import numpy as np
import pytest

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh, erf
from tinytorch.core.tensor import Tensor

# `tito module complete 02_activations` runs the tests marked with its module.
pytestmark = pytest.mark.module(name="02_activations")

ALL = [ReLU(), Sigmoid(), Tanh(), GELU(), GELU(approximate="tanh"), Softmax(), Softmax(dim=0)]


@pytest.mark.parametrize("activation", ALL, ids=repr)
def test_interface(activation):
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5)))
    y = activation(x)
    assert isinstance(y, Tensor) and y.shape == x.shape and y.dtype == np.float32
    assert np.array_equal(activation.forward(x).data, y.data)
    assert activation.parameters() == []


@pytest.mark.parametrize("activation", ALL, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_up_to_1e4(activation, dtype):
    x = Tensor(np.array([[-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4]]), dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        y = activation(x)
    assert np.isfinite(y.data).all(), y.data
    assert y.dtype == dtype


def test_values():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    assert np.allclose(ReLU()(Tensor(x)).data, np.maximum(x, 0))
    assert np.allclose(Sigmoid()(Tensor(x)).data, 1 / (1 + np.exp(-x)), atol=1e-7)
    assert np.allclose(Tanh()(Tensor(x)).data, np.tanh(x), atol=1e-7)
    assert np.allclose(Sigmoid()(Tensor([-1e4, 1e4])).data, [0, 1])
    soft = Softmax()(Tensor([[1e4, 1e4 - 1.0]])).data
    assert np.allclose(soft, [[1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("layout", ["0-d", "row", "batch", "transposed", "strided"])
def test_relu_is_max_with_zero_for_edge_values_and_layouts(dtype, layout):
    # ReLU compares with an array of zeros (a faster NumPy loop than the scalar 0): the values,
    # NaN, infinities and signs of zero included, must be exactly those of max(x, 0) for any layout.
    values = np.array([-np.inf, -3.5, -1e-30, -0.0, 0.0, 1e-30, 2.25, np.inf, np.nan] * 4, dtype=dtype)
    arrays = {"0-d": values[6].reshape(()), "row": values, "batch": values.reshape(4, 9),
              "transposed": values.reshape(4, 9).T, "strided": values.reshape(4, 9)[:, ::2]}
    x = arrays[layout]
    out = ReLU()(Tensor(x, dtype=dtype)).data
    expected = np.maximum(x, 0)
    assert out.dtype == dtype and out.shape == x.shape
    assert np.array_equal(out, expected, equal_nan=True), f"expected {expected}, got {out}"
    assert np.array_equal(np.signbit(out), np.signbit(expected)), f"signs of zero: expected {expected}, got {out}"


def test_erf_accuracy():
    # Reference values of erf from tables (Abramowitz and Stegun, table 7.1).
    x = np.array([0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0])
    table = np.array([0.0, 0.1124629160, 0.5204998778, 0.8427007929, 0.9661051465, 0.9953222650, 0.9999779095])
    assert np.max(np.abs(erf(x) - table)) < 2e-7
    assert np.allclose(erf(-x), -table, atol=2e-7)


def test_softmax_rows_sum_to_one_along_dim():
    x = Tensor(np.random.default_rng(2).standard_normal((3, 4, 5)) * 50)
    for dim in (0, 1, 2, -1):
        assert np.allclose(Softmax(dim=dim)(x).data.sum(axis=dim), 1.0, atol=1e-5)


@pytest.mark.parametrize("activation", ALL, ids=repr)
def test_rejects_non_tensors_and_integer_tensors(activation):
    with pytest.raises(TypeError, match=type(activation).__name__):
        activation([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        activation(Tensor(np.array([1, 2])))


def test_bad_configuration():
    with pytest.raises(ValueError, match="approximate"):
        GELU(approximate="fast")
    with pytest.raises(TypeError, match="dim"):
        Softmax(dim=1.5)
    with pytest.raises(ValueError, match=r"Softmax\(dim=2\).*\(3, 4\)"):
        Softmax(dim=2)(Tensor(np.ones((3, 4))))
