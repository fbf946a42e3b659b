"""Embeddings (Module 11): the lookup and its gradient, learned and sinusoidal positions, PyTorch parity."""

import math

import numpy as np
import pytest

import tinytorch
from conftest import require_torch
from tinytorch.core.autograd import gradcheck, no_grad
from tinytorch.core.embeddings import (
    Embedding, PositionalEmbedding, SinusoidalPositionalEncoding, embedding, sinusoidal_encoding,
)
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.module(name="11_embeddings")


class TestEmbedding:
    @pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
    def test_any_integer_dtype_reads_the_same_rows(self, dtype):
        layer = Embedding(10, 4)
        ids = np.array([[9, 0, 3]], dtype=dtype)
        assert np.array_equal(layer(ids).data, layer.weight.data[[[9, 0, 3]]])

    def test_lists_and_python_ints_are_ids_too(self):
        layer = Embedding(10, 4)
        assert np.array_equal(layer([1, 2]).data, layer.weight.data[[1, 2]])
        assert layer(3).shape == (4,)
        assert layer(np.zeros((0,), dtype=np.int64)).shape == (0, 4), "an empty batch of ids gives no vectors"

    def test_gradient_accumulates_over_repeats_and_batches(self):
        layer = Embedding(6, 3)
        ids = np.array([[1, 1, 1], [1, 5, 0]])
        layer(ids).sum().backward()
        counts = np.bincount(ids.ravel(), minlength=6)[:, None]
        assert np.array_equal(layer.weight.grad.data, np.broadcast_to(counts, (6, 3)).astype(np.float32))
        layer(np.array([5])).sum().backward()
        assert layer.weight.grad.data[5, 0] == 2.0, "gradients accumulate across backward calls"

    def test_gradcheck_in_float64(self):
        rng = np.random.default_rng(1)
        table = Tensor(rng.standard_normal((7, 4)), dtype=np.float64, requires_grad=True)
        ids = rng.integers(0, 7, size=(3, 5))
        ids[0, :3] = 2  # make sure an id repeats
        assert gradcheck(lambda w: embedding(ids, w) * embedding(ids[::-1], w), table)
        assert embedding(ids, table).dtype == np.float64, "the lookup keeps the table's dtype"

    def test_no_grad_records_nothing(self):
        layer = Embedding(5, 2)
        with no_grad():
            out = layer(np.array([1, 2]))
        assert not out.requires_grad

    def test_seeded_init_is_reproducible_and_saved(self):
        tinytorch.manual_seed(4)
        first = Embedding(20, 8)
        tinytorch.manual_seed(4)
        second = Embedding(20, 8)
        assert np.array_equal(first.weight.data, second.weight.data)
        assert list(first.state_dict()) == ["weight"]
        other = Embedding(20, 8)
        other.load_state_dict(first.state_dict())
        assert np.array_equal(other(np.array([3, 19])).data, first(np.array([3, 19])).data)

    def test_torch_parity_forward_and_backward(self):
        torch = require_torch()
        rng = np.random.default_rng(2)
        ours = Embedding(11, 5)
        theirs = torch.nn.Embedding(11, 5)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        ids = rng.integers(0, 11, size=(4, 9))
        ids[1, :4] = 7
        grad = rng.standard_normal((4, 9, 5)).astype(np.float32)
        out = ours(ids)
        (out * Tensor(grad)).sum().backward()
        their_out = theirs(torch.from_numpy(ids))
        their_out.backward(torch.from_numpy(grad))
        np.testing.assert_array_equal(out.data, their_out.detach().numpy())
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
        # Same initial distribution as torch.nn.Embedding: N(0, 1).
        tinytorch.manual_seed(0)
        assert abs(Embedding(2000, 50).weight.data.std() - torch.nn.Embedding(2000, 50).weight.std().item()) < 0.02


class TestPositions:
    def test_learned_positions_are_a_saved_parameter(self):
        layer = PositionalEmbedding(8, 4)
        assert [name for name, _ in layer.named_parameters()] == ["weight"] and list(layer.state_dict()) == ["weight"]
        assert repr(layer) == "PositionalEmbedding(max_seq_len=8, embed_dim=4)"

    def test_learned_positions_gradcheck(self):
        """Through the layer's own forward, with its table swapped for a float64 leaf."""
        layer = PositionalEmbedding(6, 3)
        rng = np.random.default_rng(3)
        x = Tensor(rng.standard_normal((2, 4, 3)), dtype=np.float64, requires_grad=True)

        def forward(inputs, table):
            layer.weight = table
            return layer(inputs) * layer(inputs)

        table = tinytorch.Parameter(Tensor(rng.standard_normal((6, 3)), dtype=np.float64))
        assert gradcheck(forward, x, table)

    def test_full_length_is_accepted(self):
        layer = PositionalEmbedding(5, 2)
        assert layer(Tensor(np.zeros((1, 5, 2)))).shape == (1, 5, 2)

    def test_sinusoidal_against_the_formula_written_out(self):
        for num_positions, dim in ((7, 6), (4, 9), (3, 1)):
            table = sinusoidal_encoding(num_positions, dim)
            for pos in range(num_positions):
                for column in range(dim):
                    angle = pos / 10000 ** ((column - column % 2) / dim)
                    value = math.sin(angle) if column % 2 == 0 else math.cos(angle)
                    assert table[pos, column] == pytest.approx(value, abs=1e-6), (num_positions, dim, pos, column)

    def test_sinusoidal_base_is_a_parameter(self):
        assert np.allclose(sinusoidal_encoding(3, 4, base=100.0)[2], [np.sin(2), np.cos(2), np.sin(0.2), np.cos(0.2)])

    def test_sinusoidal_offsets_are_rotations(self):
        """PE[pos + k] is PE[pos] rotated pairwise by angle k * w_i, for every pos."""
        table = sinusoidal_encoding(40, 8).astype(np.float64)
        k = 5
        rates = 10000.0 ** (-np.arange(0, 8, 2) / 8)
        sin, cos = table[:-k, 0::2], table[:-k, 1::2]
        rotated_sin = sin * np.cos(k * rates) + cos * np.sin(k * rates)
        rotated_cos = cos * np.cos(k * rates) - sin * np.sin(k * rates)
        assert np.allclose(table[k:, 0::2], rotated_sin, atol=1e-5) and np.allclose(table[k:, 1::2], rotated_cos, atol=1e-5)

    def test_sinusoidal_layer_has_a_buffer_it_does_not_save(self):
        layer = SinusoidalPositionalEncoding(10, 4)
        assert [name for name, _ in layer.named_buffers()] == ["encoding"]
        assert layer.state_dict() == {} and layer.parameters() == []
        x = Tensor(np.zeros((3, 4)), requires_grad=True)
        layer(x).sum().backward()
        assert np.array_equal(x.grad.data, np.ones((3, 4))), "the encoding passes the gradient through"
