"""Attention (Module 12): scaled dot-product attention and multi-head attention, gradients and PyTorch parity."""

import numpy as np
import pytest

import tinytorch
from conftest import require_torch
from tinytorch.core.attention import MultiHeadAttention, causal_mask, scaled_dot_product_attention
from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.module(name="12_attention")


def arrays(rng, *shapes):
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def torch_attention(torch, q, k, v, mask, grad):
    """PyTorch's output and gradients of q, k, v for the same inputs and bool mask (True = may attend)."""
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=None if mask is None else torch.from_numpy(np.ascontiguousarray(mask)))
    out.backward(torch.from_numpy(grad))
    return out.detach().numpy(), [t.grad.numpy() for t in (tq, tk, tv)]


def our_attention(q, k, v, mask, grad):
    tq, tk, tv = (Tensor(a, requires_grad=True) for a in (q, k, v))
    out = scaled_dot_product_attention(tq, tk, tv, mask=mask)
    (out * Tensor(grad)).sum().backward()
    return out.data, [t.grad.data for t in (tq, tk, tv)]


class TestScaledDotProductAttention:
    @pytest.mark.parametrize("case", ["no mask", "causal", "random mask with fully masked rows", "cross, broadcast"])
    def test_torch_parity_forward_and_backward(self, case):
        torch = require_torch()
        rng = np.random.default_rng(0)
        if case == "cross, broadcast":
            q, k, v = arrays(rng, (2, 3, 5, 8), (2, 1, 7, 8), (2, 1, 7, 4))
            mask = rng.random((5, 7)) < 0.5
        else:
            q, k, v = arrays(rng, (2, 3, 6, 8), (2, 3, 6, 8), (2, 3, 6, 8))
            mask = {"no mask": None, "causal": causal_mask(6).data,
                    "random mask with fully masked rows": rng.random((2, 3, 6, 6)) < 0.5}[case]
            if mask is not None and mask.ndim == 4:
                mask[0, 1, 2] = False
                mask[1, :, 4] = False
        grad = rng.standard_normal((*np.broadcast_shapes(q.shape[:-2], k.shape[:-2]), q.shape[-2], v.shape[-1])).astype(np.float32)
        ours, our_grads = our_attention(q, k, v, mask, grad)
        theirs, their_grads = torch_attention(torch, q, k, v, mask, grad)
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5, err_msg=f"{case}: output")
        for name, mine, reference in zip("qkv", our_grads, their_grads):
            np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-5, err_msg=f"{case}: gradient of {name}")

    def test_gradcheck_every_input_with_a_mask_and_broadcasting(self):
        rng = np.random.default_rng(1)
        q, k, v = (Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)
                   for shape in ((2, 1, 3, 4), (1, 2, 5, 4), (5, 3)))
        mask = rng.random((3, 5)) < 0.6
        mask[1] = False
        assert gradcheck(lambda a, b, c: scaled_dot_product_attention(a, b, c, mask=mask), q, k, v)
        assert scaled_dot_product_attention(q, k, v).dtype == np.float64, "float64 in, float64 out"

    def test_float32_stays_float32_and_scale_is_one_over_sqrt_d(self):
        q = Tensor(np.array([[1.0, 1.0, 1.0, 1.0]]))
        k = Tensor(np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]))
        v = Tensor(np.array([[1.0], [0.0]]))
        out = scaled_dot_product_attention(q, k, v)
        assert out.dtype == np.float32
        # scores 4 / sqrt(4) = 2 and 0: weight of the first key is e^2 / (e^2 + 1)
        assert out.item() == pytest.approx(np.exp(2) / (np.exp(2) + 1), rel=1e-6)

    def test_fully_masked_everything_is_zero_without_warnings(self):
        rng = np.random.default_rng(2)
        q, k, v = (Tensor(a, requires_grad=True) for a in arrays(rng, (3, 4), (3, 4), (3, 2)))
        with np.errstate(all="raise"):
            out = scaled_dot_product_attention(q, k, v, mask=np.zeros((3, 3), dtype=bool))
            out.sum().backward()
        assert np.array_equal(out.data, np.zeros((3, 2)))
        assert all(np.array_equal(t.grad.data, np.zeros(t.shape)) for t in (q, k, v))

    def test_mask_may_be_a_tensor_an_array_or_broadcast(self):
        rng = np.random.default_rng(3)
        q, k, v = (Tensor(a) for a in arrays(rng, (2, 4, 3), (2, 4, 3), (2, 4, 3)))
        full = scaled_dot_product_attention(q, k, v, mask=np.broadcast_to(causal_mask(4).data, (2, 4, 4))).data
        for mask in (causal_mask(4), causal_mask(4).data, causal_mask(4).data[np.newaxis]):
            assert np.array_equal(scaled_dot_product_attention(q, k, v, mask=mask).data, full)

    def test_the_graph_saves_only_the_weights(self):
        rng = np.random.default_rng(4)
        q, k, v = (Tensor(a, requires_grad=True) for a in arrays(rng, (5, 2), (6, 2), (6, 3)))
        out = scaled_dot_product_attention(q, k, v)
        assert out._op == "attention" and out._inputs == (q, k, v)
        assert set(out._saved) == {"weights", "scale"} and out._saved["weights"].shape == (5, 6)
        assert np.allclose(out._saved["weights"].sum(-1), 1.0)


def copy_into_torch(torch, ours):
    """A torch.nn.MultiheadAttention holding the weights of our MultiHeadAttention.

    Ours keeps four Linear layers with weights (in, out); PyTorch packs the query, key and
    value projections into one in_proj_weight (3E, E) in the (out, in) layout, rows in that
    order, and keeps out_proj as a Linear (out, in).
    """
    theirs = torch.nn.MultiheadAttention(ours.embed_dim, ours.num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.from_numpy(np.concatenate(
            [p.weight.data.T for p in (ours.q_proj, ours.k_proj, ours.v_proj)])))
        theirs.in_proj_bias.copy_(torch.from_numpy(np.concatenate(
            [p.bias.data for p in (ours.q_proj, ours.k_proj, ours.v_proj)])))
        theirs.out_proj.weight.copy_(torch.from_numpy(ours.out_proj.weight.data.T))
        theirs.out_proj.bias.copy_(torch.from_numpy(ours.out_proj.bias.data))
    return theirs


class TestMultiHeadAttention:
    @pytest.mark.parametrize("mask_kind", ["none", "causal", "per sequence"])
    def test_torch_parity_with_weights_mapped(self, mask_kind):
        torch = require_torch()
        rng = np.random.default_rng(5)
        tinytorch.manual_seed(5)
        ours = MultiHeadAttention(16, 4)
        for linear in (ours.q_proj, ours.k_proj, ours.v_proj, ours.out_proj):
            linear.bias.data[...] = rng.standard_normal(16)  # non-zero biases, so a mapping slip shows
        theirs = copy_into_torch(torch, ours)
        x, grad = arrays(rng, (3, 7, 16), (3, 7, 16))
        mask = {"none": None, "causal": causal_mask(7).data, "per sequence": rng.random((3, 7, 7)) < 0.7}[mask_kind]
        if mask is not None and mask.ndim == 3:
            mask[:, :, 0] = True  # PyTorch's module gives NaN for fully masked rows; keep one key open
        x_ours = Tensor(x, requires_grad=True)
        out = ours(x_ours, mask=mask)
        (out * Tensor(grad)).sum().backward()

        x_theirs = torch.tensor(x, requires_grad=True)
        # torch.nn.MultiheadAttention's bool mask means True = blocked, the opposite of ours,
        # and a per-sequence mask is given per (sequence, head): (batch * heads, seq, seq).
        torch_mask = None
        if mask is not None:
            blocked = torch.from_numpy(~mask)
            torch_mask = blocked if mask.ndim == 2 else blocked.repeat_interleave(ours.num_heads, dim=0)
        their_out, _ = theirs(x_theirs, x_theirs, x_theirs, attn_mask=torch_mask, need_weights=False)
        their_out.backward(torch.from_numpy(grad))

        np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
        in_proj_grad = np.concatenate([p.weight.grad.data.T for p in (ours.q_proj, ours.k_proj, ours.v_proj)])
        np.testing.assert_allclose(in_proj_grad, theirs.in_proj_weight.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(np.concatenate([p.bias.grad.data for p in (ours.q_proj, ours.k_proj, ours.v_proj)]),
                                   theirs.in_proj_bias.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(ours.out_proj.weight.grad.data.T, theirs.out_proj.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(ours.out_proj.bias.grad.data, theirs.out_proj.bias.grad.numpy(), rtol=1e-4, atol=1e-4)

    def test_gradcheck_through_the_whole_layer(self):
        rng = np.random.default_rng(6)
        layer = MultiHeadAttention(6, 2)
        for linear in (layer.q_proj, layer.k_proj, layer.v_proj, layer.out_proj):
            linear.weight = tinytorch.Parameter(Tensor(linear.weight.data, dtype=np.float64))
            linear.bias = tinytorch.Parameter(Tensor(rng.standard_normal(6), dtype=np.float64))
        x = Tensor(rng.standard_normal((2, 3, 6)), dtype=np.float64, requires_grad=True)
        assert gradcheck(lambda inputs, w: layer(inputs, mask=causal_mask(3)), x, layer.k_proj.weight)

    def test_heads_are_independent(self):
        """Zeroing one head's slice of the value projection changes only that head's contribution."""
        rng = np.random.default_rng(7)
        layer = MultiHeadAttention(8, 2, bias=False)
        x = Tensor(rng.standard_normal((1, 4, 8)))
        merged = {}
        for head in (0, 1):
            layer.v_proj.weight.data[...] = rng.standard_normal((8, 8))
            saved = layer.v_proj.weight.data.copy()
            layer.v_proj.weight.data[:, head * 4:(head + 1) * 4] = 0
            q, k, v = (layer.split_heads(p(x)) for p in (layer.q_proj, layer.k_proj, layer.v_proj))
            merged[head] = layer.merge_heads(scaled_dot_product_attention(q, k, v)).data
            assert np.array_equal(merged[head][..., head * 4:(head + 1) * 4], np.zeros((1, 4, 4)))
            assert np.abs(merged[head][..., (1 - head) * 4:(2 - head) * 4]).sum() > 0
            layer.v_proj.weight.data[...] = saved

    def test_one_to_sixteen_heads_and_no_bias(self):
        x = Tensor(np.random.default_rng(8).standard_normal((2, 5, 16)))
        for heads in (1, 2, 4, 8, 16):
            assert MultiHeadAttention(16, heads)(x).shape == (2, 5, 16)
        layer = MultiHeadAttention(16, 4, bias=False)
        assert len(layer.parameters()) == 4 and all(p.ndim == 2 for p in layer.parameters())

    def test_state_dict_round_trip(self):
        first, second = MultiHeadAttention(8, 2), MultiHeadAttention(8, 2)
        second.load_state_dict(first.state_dict())
        x = Tensor(np.ones((1, 3, 8)))
        assert np.array_equal(first(x).data, second(x).data)
