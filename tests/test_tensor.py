"""Tensor (Module 01): construction policy, operations, and errors for bad input."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch
from tinytorch.core.tensor import Tensor, default_generator, is_grad_enabled, manual_seed, set_grad_enabled

# `tito module complete 01_tensor` runs the tests marked with its module.
pytestmark = pytest.mark.module(name="01_tensor")


class TestConstruction:
    def test_numbers_and_lists_become_float32(self):
        assert Tensor(3).dtype == np.float32
        assert Tensor([[1, 2], [3, 4]]).dtype == np.float32
        assert Tensor(np.random.randn(2, 2)).dtype == np.float32

    def test_integer_and_bool_arrays_keep_their_dtype(self):
        assert Tensor(np.array([0, 3, 1])).dtype == np.int64
        assert Tensor(np.array([True, False])).dtype == np.bool_

    def test_explicit_dtype(self):
        assert Tensor([1, 2], dtype=np.float64).dtype == np.float64

    def test_tensor_copies_and_from_numpy_shares(self):
        array = np.zeros(3, dtype=np.float32)
        copied, shared = Tensor(array), tinytorch.from_numpy(array)
        array[0] = 5.0
        assert copied.data[0] == 0.0 and shared.data is array
        assert tinytorch.from_numpy(np.zeros(2)).dtype == np.float64, "from_numpy keeps the dtype, as torch does"

    def test_tensor_of_tensor(self):
        x = Tensor([1.0, 2.0])
        assert np.array_equal(Tensor(x).data, x.data)

    @pytest.mark.parametrize("bad", ["abc", b"xy", ["a", "b"], [1, "2"], {"a": 1}, None, [1 + 2j]])
    def test_non_numeric_data_is_a_type_error(self, bad):
        with pytest.raises(TypeError, match="Tensor data must be numbers"):
            Tensor(bad)

    @pytest.mark.parametrize("ragged", [[[1, 2], [3]], [[1], [2, 3], []], [1, [2, 3]]])
    def test_ragged_lists_are_a_value_error(self, ragged):
        with pytest.raises(ValueError, match="rectangular"):
            Tensor(ragged)

    def test_integer_tensors_cannot_require_grad(self):
        with pytest.raises(TypeError, match="floating-point"):
            Tensor(np.array([1, 2]), requires_grad=True)

    def test_properties_and_repr(self):
        x = Tensor(np.arange(6).reshape(2, 3), dtype=np.float32, requires_grad=True)
        assert (x.shape, x.size(), x.size(1), x.size(-2), x.numel(), x.dim(), x.ndim, len(x)) == ((2, 3), (2, 3), 3, 2, 6, 2, 2, 2)
        assert x.grad is None and x.requires_grad
        text = repr(x)
        assert "shape=(2, 3)" in text and "float32" in text and "requires_grad=True" in text
        with pytest.raises(RuntimeError, match="detach"):
            x.numpy()
        assert x.detach().numpy() is x.data

    def test_item(self):
        assert Tensor([[2.5]]).item() == 2.5
        with pytest.raises(ValueError, match=r"\(2,\)"):
            Tensor([1.0, 2.0]).item()


class TestArithmetic:
    def test_elementwise_with_broadcasting(self):
        a = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
        b = np.array([1.0, 2.0, 4.0], dtype=np.float32)
        for op in (np.add, np.subtract, np.multiply, np.divide, np.power):
            result = {np.add: Tensor(a) + Tensor(b), np.subtract: Tensor(a) - Tensor(b),
                      np.multiply: Tensor(a) * Tensor(b), np.divide: Tensor(a) / Tensor(b),
                      np.power: Tensor(a) ** Tensor(b)}[op]
            assert np.allclose(result.data, op(a, b)), op.__name__

    def test_reflected_operators_with_numbers_and_arrays(self):
        x = Tensor([1.0, 2.0, 4.0])
        assert np.allclose((1 + x).data, [2, 3, 5])
        assert np.allclose((1 - x).data, [0, -1, -3])
        assert np.allclose((2 * x).data, [2, 4, 8])
        assert np.allclose((1 / x).data, [1, 0.5, 0.25])
        assert np.allclose((2 ** x).data, [2, 4, 16])
        product = np.array([1.0, 1.0, 1.0]) * x
        assert isinstance(product, Tensor), "numpy must defer to Tensor's reflected operator"

    def test_python_numbers_keep_float32(self):
        x = Tensor([1.0, 2.0])
        for result in (x + 1, x * 2.5, x / 3, x - 1e-3, 2.0 ** x, -x):
            assert result.dtype == np.float32

    def test_float64_stays_float64(self):
        x = Tensor([1.0, 2.0], dtype=np.float64)
        assert (x * 0.5).dtype == np.float64

    def test_broadcast_error_names_op_and_shapes(self):
        with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\)"):
            Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
        with pytest.raises(ValueError, match=r"mul: shapes \(3,\) and \(2,\)"):
            Tensor(np.ones(3)) * Tensor(np.ones(2))


class TestMatmul:
    def test_matches_numpy_including_batched_and_vectors(self):
        rng = np.random.default_rng(0)
        for left, right in [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((4,), (4, 2)), ((3, 4), (4,))]:
            a, b = rng.standard_normal(left).astype(np.float32), rng.standard_normal(right).astype(np.float32)
            assert np.allclose((Tensor(a) @ Tensor(b)).data, a @ b, atol=1e-5)

    def test_mismatch_names_both_shapes(self):
        with pytest.raises(ValueError) as error:
            Tensor(np.ones((32, 100))).matmul(Tensor(np.ones((784, 256))))
        assert "(32, 100)" in str(error.value) and "(784, 256)" in str(error.value)
        assert "matmul" in str(error.value)

    def test_scalars_cannot_be_matmul_operands(self):
        with pytest.raises(ValueError, match="at least 1 dimension"):
            Tensor(2.0) @ Tensor([1.0])

    def test_batch_axes_that_do_not_broadcast(self):
        with pytest.raises(ValueError, match=r"batch axes .*\(2, 3, 4\).*\(5, 4, 6\)"):
            Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 6)))


class TestReductionsAndShapes:
    def test_reductions_match_numpy(self):
        a = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)
        for axis in (None, 0, 1, -1, (0, 2)):
            for keepdims in (False, True):
                for name, reference in (("sum", np.sum), ("mean", np.mean), ("amax", np.max), ("amin", np.min)):
                    got = getattr(Tensor(a), name)(axis=axis, keepdims=keepdims)
                    want = reference(a, axis=axis, keepdims=keepdims)
                    assert got.shape == np.shape(want) and np.allclose(got.data, want, atol=1e-5)
                    assert isinstance(got.data, np.ndarray)

    @pytest.mark.parametrize("name", ["sum", "mean", "amax", "max", "argmax", "logsumexp"])
    def test_bad_axis_names_the_op(self, name):
        with pytest.raises(ValueError, match=f"{name}: dimension 2 is out of range"):
            getattr(Tensor(np.ones((2, 3))), name)(2)

    def test_empty_reductions(self):
        with pytest.raises(ValueError, match="mean"):
            Tensor(np.ones((0, 3))).mean()
        with pytest.raises(ValueError, match="max"):
            Tensor(np.ones((0,))).max()

    def test_reshape_and_transpose(self):
        x = Tensor(np.arange(24).reshape(2, 3, 4), dtype=np.float32)
        assert x.reshape(6, 4).shape == (6, 4)
        assert x.reshape((4, -1)).shape == (4, 6)
        assert x.permute(2, 1, 0).shape == (4, 3, 2)
        assert x.transpose(1, 0).shape == (3, 2, 4) and x.transpose(-1, 0).shape == (4, 3, 2)
        assert np.array_equal(x.T.data, x.data.T)
        with pytest.raises(ValueError, match=r"reshape: .*\(2, 3, 4\).*\(5, 5\)"):
            x.reshape(5, 5)
        with pytest.raises(ValueError, match="exactly once"):
            x.permute(0, 0, 1)
        with pytest.raises(TypeError):
            x.transpose(1, 0, 2)

    def test_indexing(self):
        x = Tensor(np.arange(12).reshape(3, 4), dtype=np.float32)
        assert np.array_equal(x[1].data, [4, 5, 6, 7])
        assert np.array_equal(x[:, ::2].data, x.data[:, ::2])
        rows, cols = np.array([0, 2]), np.array([3, 1])
        assert np.array_equal(x[rows, cols].data, [3, 9])
        assert np.array_equal(x[Tensor(np.array([2, 0]))].data, x.data[[2, 0]])
        assert x[0, 0].shape == () and isinstance(x[0, 0].data, np.ndarray)
        with pytest.raises(IndexError, match=r"shape \(3, 4\)"):
            x[5]

    def test_exp_log_sqrt(self):
        x = Tensor([0.25, 1.0, 4.0])
        assert np.allclose(x.exp().data, np.exp(x.data))
        assert np.allclose(x.log().data, np.log(x.data))
        assert np.allclose(x.sqrt().data, [0.5, 1, 2])

    @pytest.mark.parametrize("bounds, dtype, values", [
        (dict(min=0.5), np.float32, [0.5, 1.0, 2.0]),
        (dict(min=0, max=1.5), np.float32, [0.0, 1.0, 1.5]),
        (dict(min=0, max=1), np.int64, [0, 1, 1]),
    ])
    def test_clamp_of_integers_promotes_as_pytorch_does(self, bounds, dtype, values):
        # torch.arange(3).clamp(min=0.5) is float32: a float bound lifts the category, not the width.
        got = Tensor(np.array([0, 1, 2])).clamp(**bounds)
        assert got.dtype == dtype and np.array_equal(got.data, values)


class TestHistoryRecording:
    def test_results_of_tensors_requiring_grad_record_their_inputs(self):
        w = Tensor([1.0, 2.0], requires_grad=True)
        y = w * 3
        assert y.requires_grad and y._op == "mul" and y._inputs[0] is w

    def test_no_history_without_requires_grad(self):
        y = Tensor([1.0]) * 3
        assert not y.requires_grad and y._op is None and y._inputs == ()

    def test_grad_mode_switch(self):
        w = Tensor([1.0], requires_grad=True)
        previous = set_grad_enabled(False)
        try:
            assert not is_grad_enabled()
            assert not (w * 2).requires_grad
        finally:
            set_grad_enabled(previous)
        assert (w * 2).requires_grad

    def test_backward_before_autograd_names_module_05(self, workspace):
        """In a workspace where Module 05 is not exported yet, backward() says where it comes from."""
        (workspace / "tinytorch" / "core" / "autograd.py").unlink()
        script = "from tinytorch.core.tensor import Tensor\n(Tensor([1.0], requires_grad=True) * 2).sum().backward()"
        result = subprocess.run([sys.executable, "-c", script], cwd=workspace, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(workspace)})
        assert result.returncode == 1
        assert "RuntimeError: backward() needs autograd, which you build in Module 05" in result.stderr

    def test_detach_shares_data_without_history(self):
        w = Tensor([1.0, 2.0], requires_grad=True)
        d = (w * 2).detach()
        assert not d.requires_grad and d._op is None and d._inputs == ()


class TestRandomness:
    def test_manual_seed_reproduces_draws_on_the_same_generator(self):
        generator = default_generator()
        tinytorch.manual_seed(7)
        first = generator.random(4)
        tinytorch.manual_seed(7)
        assert np.array_equal(first, default_generator().random(4))
        assert default_generator() is generator

    @pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
    def test_manual_seed_rejects_non_integers(self, bad):
        with pytest.raises(ValueError, match="manual_seed"):
            manual_seed(bad)


shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_broadcasting_matches_numpy(data):
    """For any pair of broadcast-compatible shapes, every binary op agrees with NumPy."""
    left, right = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4)).input_shapes
    a = data.draw(hnp.arrays(np.float32, left, elements=st.floats(0.5, 4, width=32)))
    b = data.draw(hnp.arrays(np.float32, right, elements=st.floats(0.5, 4, width=32)))
    assert np.allclose((Tensor(a) + Tensor(b)).data, a + b)
    assert np.allclose((Tensor(a) * Tensor(b)).data, a * b)
    assert np.allclose((Tensor(a) / Tensor(b)).data, a / b)
    assert (Tensor(a) - Tensor(b)).shape == np.broadcast_shapes(left, right)


@settings(max_examples=40, deadline=None)
@given(shapes, shapes)
def test_incompatible_shapes_always_raise_a_named_error(left, right):
    try:
        np.broadcast_shapes(left, right)
    except ValueError:
        with pytest.raises(ValueError, match=r"sub: shapes"):
            Tensor(np.ones(left)) - Tensor(np.ones(right))


def test_package_reexports_resolve_lazily():
    import tinytorch

    assert tinytorch.Linear is __import__("tinytorch.core.layers", fromlist=["Linear"]).Linear
    assert "no_grad" in dir(tinytorch)
    with pytest.raises(AttributeError, match="no attribute 'Conv3d'"):
        tinytorch.Conv3d
