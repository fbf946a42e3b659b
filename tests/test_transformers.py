"""Transformers (Module 13): LayerNorm, MLP, TransformerBlock, GPT and sampling; gradients and PyTorch parity."""

import numpy as np
import pytest

import tinytorch
from conftest import require_torch
from tinytorch.core.attention import causal_mask
from tinytorch.core.autograd import gradcheck
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformers import GPT, MLP, LayerNorm, TransformerBlock, layer_norm, sample_next_token

pytestmark = pytest.mark.module(name="13_transformers")


def perturb(module, rng, scale=0.1):
    """Move every parameter off its initial value (LayerNorms off 1 and 0), so that mix-ups show."""
    for parameter in module.parameters():
        parameter.data[...] += scale * rng.standard_normal(parameter.shape).astype(np.float32)


class TestLayerNorm:
    @pytest.mark.parametrize("normalized_shape", [6, (3, 6)])
    def test_torch_parity_forward_and_backward(self, normalized_shape):
        torch = require_torch()
        rng = np.random.default_rng(0)
        ours = LayerNorm(normalized_shape)
        perturb(ours, rng)
        theirs = torch.nn.LayerNorm(normalized_shape)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
        x = (5 + 3 * rng.standard_normal((4, 3, 6))).astype(np.float32)
        grad = rng.standard_normal((4, 3, 6)).astype(np.float32)
        x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out = ours(x_ours)
        (out * Tensor(grad)).sum().backward()
        their_out = theirs(x_theirs)
        their_out.backward(torch.from_numpy(grad))
        np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-5)

    def test_gradcheck_with_a_constant_row(self):
        """A row whose features are all equal has variance 0: eps keeps the gradient finite and right."""
        rng = np.random.default_rng(1)
        x = rng.standard_normal((3, 5))
        x[1] = 2.0
        leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in (x, rng.standard_normal(5), rng.standard_normal(5))]
        assert gradcheck(lambda a, w, b: layer_norm(a, w, b, eps=1e-3), *leaves)

    def test_statistics_never_mix_sequences_of_a_batch(self):
        norm = LayerNorm(4)
        rng = np.random.default_rng(2)
        x = rng.standard_normal((3, 2, 4)).astype(np.float32)
        together = norm(Tensor(x)).data
        alone = norm(Tensor(x[1:2])).data
        assert np.array_equal(together[1:2], alone)

    def test_repr_parameters_and_eps(self):
        norm = LayerNorm(8, eps=1e-6)
        assert repr(norm) == "LayerNorm((8,), eps=1e-06)" and [n for n, _ in norm.named_parameters()] == ["weight", "bias"]
        x = Tensor([[1e-3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
        assert abs(norm(x).data[0, 0] - LayerNorm(8)(x).data[0, 0]) > 0.01, "eps is used"


def torch_block(torch, block, x, mask):
    """Our block's computation, written with PyTorch's own layers from our block's weights."""
    functional = torch.nn.functional

    def linear(layer, a):
        return functional.linear(a, torch.from_numpy(layer.weight.data.T.copy()), torch.from_numpy(layer.bias.data))

    def norm(layer, a):
        return functional.layer_norm(a, layer.normalized_shape, torch.from_numpy(layer.weight.data),
                                     torch.from_numpy(layer.bias.data), layer.eps)

    attention = block.attention
    batch, seq, width = x.shape

    def heads(a):
        return a.reshape(batch, seq, attention.num_heads, attention.head_dim).transpose(1, 2)

    h = norm(block.norm1, x)
    q, k, v = (heads(linear(p, h)) for p in (attention.q_proj, attention.k_proj, attention.v_proj))
    attended = functional.scaled_dot_product_attention(q, k, v, attn_mask=torch.from_numpy(mask))
    x = x + linear(attention.out_proj, attended.transpose(1, 2).reshape(batch, seq, width))
    hidden = functional.gelu(linear(block.mlp.fc, norm(block.norm2, x)), approximate="tanh")
    return x + linear(block.mlp.proj, hidden)


class TestBlocks:
    def test_mlp_shapes_and_custom_width(self):
        mlp = MLP(8, hidden_dim=20)
        assert repr(mlp) == "MLP(8 -> 20 -> 8)" and mlp(Tensor(np.ones((2, 3, 8)))).shape == (2, 3, 8)
        assert [name for name, _ in mlp.named_parameters()] == ["fc.weight", "fc.bias", "proj.weight", "proj.bias"]

    def test_block_torch_parity_forward_and_input_gradient(self):
        torch = require_torch()
        rng = np.random.default_rng(3)
        block = TransformerBlock(16, 4)
        perturb(block, rng)
        x = rng.standard_normal((2, 6, 16)).astype(np.float32)
        grad = rng.standard_normal((2, 6, 16)).astype(np.float32)
        mask = causal_mask(6).data
        x_ours = Tensor(x, requires_grad=True)
        out = block(x_ours, mask=mask)
        (out * Tensor(grad)).sum().backward()
        x_theirs = torch.tensor(x, requires_grad=True)
        their_out = torch_block(torch, block, x_theirs, mask)
        their_out.backward(torch.from_numpy(grad))
        np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-4, atol=1e-4)

    def test_block_gradcheck_of_an_inner_weight(self):
        rng = np.random.default_rng(4)
        block = TransformerBlock(4, 2, mlp_ratio=2)
        for layer in (block.attention.v_proj, block.mlp.fc, block.norm2):
            layer.weight = tinytorch.Parameter(Tensor(layer.weight.data + 0.1, dtype=np.float64))
        x = Tensor(rng.standard_normal((1, 3, 4)), dtype=np.float64, requires_grad=True)
        assert gradcheck(lambda a, w1, w2, w3: block(a, mask=causal_mask(3)),
                         x, block.attention.v_proj.weight, block.mlp.fc.weight, block.norm2.weight)

    def test_dropout_is_on_both_branches_and_only_in_training(self):
        block = TransformerBlock(8, 2, dropout=1.0)
        x = Tensor(np.random.default_rng(5).standard_normal((1, 3, 8)))
        assert np.allclose(block.train()(x).data, x.data), "with p = 1 both branches are dropped: the block is the identity"
        assert not np.allclose(block.eval()(x).data, x.data)


@pytest.fixture
def small_gpt():
    tinytorch.manual_seed(0)
    return GPT(vocab_size=13, embed_dim=16, num_layers=2, num_heads=4, max_seq_len=10)


class TestGPT:
    def test_causality_probe_at_every_position(self, small_gpt):
        rng = np.random.default_rng(6)
        ids = rng.integers(0, 13, size=(2, 10))
        logits = small_gpt(ids).data
        for position in range(10):
            changed = ids.copy()
            changed[:, position] = (changed[:, position] + 1 + rng.integers(0, 12)) % 13
            after = small_gpt(changed).data
            assert np.array_equal(after[:, :position], logits[:, :position]), f"a change at {position} leaked backwards"
            assert not np.allclose(after[:, position:], logits[:, position:]), f"a change at {position} had no effect"

    def test_every_parameter_gets_a_gradient(self, small_gpt):
        ids = np.random.default_rng(7).integers(0, 13, size=(3, 10))
        logits = small_gpt(ids)
        tinytorch.CrossEntropyLoss()(logits[:, :-1].reshape(-1, 13), ids[:, 1:].reshape(-1)).backward()
        for name, parameter in small_gpt.named_parameters():
            assert parameter.grad is not None and np.abs(parameter.grad.data).sum() > 0, name

    def test_shorter_sequences_use_the_first_positions(self, small_gpt):
        ids = np.random.default_rng(8).integers(0, 13, size=(1, 10))
        assert np.allclose(small_gpt(ids[:, :4]).data, small_gpt(ids).data[:, :4], atol=1e-6)

    def test_state_dict_round_trip_without_the_mask(self, small_gpt):
        state = small_gpt.state_dict()
        assert "mask" not in state and "blocks.1.mlp.proj.weight" in state
        other = GPT(vocab_size=13, embed_dim=16, num_layers=2, num_heads=4, max_seq_len=10)
        other.load_state_dict(state)
        ids = np.arange(10).reshape(1, 10)
        assert np.array_equal(other(ids).data, small_gpt(ids).data)

    def test_parameter_count_formula(self, small_gpt):
        v, e, layers, t = 13, 16, 2, 10
        assert sum(p.numel() for p in small_gpt.parameters()) == layers * (12 * e * e + 13 * e) + 2 * v * e + t * e + 2 * e

    def test_untrained_loss_is_near_uniform(self):
        tinytorch.manual_seed(1)
        model = GPT(76, 64, 2, 4, 32)
        ids = np.random.default_rng(9).integers(0, 76, size=(8, 32))
        loss = tinytorch.CrossEntropyLoss()(model(ids).reshape(-1, 76), ids.reshape(-1)).item()
        assert abs(loss - np.log(76)) < 0.05, loss

    def test_generate_is_reproducible_and_crops_the_context(self, small_gpt):
        tinytorch.manual_seed(3)
        first = small_gpt.generate([4, 5], max_new_tokens=20)
        tinytorch.manual_seed(3)
        second = small_gpt.generate(Tensor(np.array([4, 5])), max_new_tokens=20)
        tinytorch.manual_seed(4)
        third = small_gpt.generate([4, 5], max_new_tokens=20)
        assert first.shape == (22,) and np.array_equal(first.data, second.data) and not np.array_equal(first.data, third.data)
        assert small_gpt.generate([[1, 2], [3, 4], [5, 6]], 0).shape == (3, 2)
        assert small_gpt.generate([1] * 10, 3).shape == (13,), "a prompt of max_seq_len tokens and more still generates"

    def test_greedy_generation_follows_the_argmax(self, small_gpt):
        out = small_gpt.generate([[2, 7, 1]], max_new_tokens=4, top_k=1).data
        for length in range(3, 7):
            expected = int(small_gpt.eval()(out[:, :length]).data[0, -1].argmax())
            assert out[0, length] == expected

    def test_generate_does_not_record_or_change_the_mode(self, small_gpt):
        small_gpt.train()
        out = small_gpt.generate([1, 2], max_new_tokens=3)
        assert small_gpt.training and not out.requires_grad and out.dtype == np.int64
        small_gpt.eval()
        small_gpt.generate([1, 2], max_new_tokens=3)
        assert not small_gpt.training


class TestSampling:
    def test_frequencies_follow_softmax_with_temperature(self):
        tinytorch.manual_seed(0)
        logits = np.log(np.array([[0.5, 0.3, 0.2]]))
        draws = sample_next_token(np.repeat(logits, 30_000, axis=0), temperature=2.0)
        expected = np.array([0.5, 0.3, 0.2]) ** 0.5
        expected /= expected.sum()
        assert np.allclose(np.bincount(draws, minlength=3) / draws.size, expected, atol=0.01)

    def test_top_k_keeps_ties_and_never_samples_outside(self):
        tinytorch.manual_seed(0)
        logits = np.array([[1.0, 3.0, 3.0, 0.0, 2.0]] * 5000)
        draws = sample_next_token(logits, top_k=2)
        assert set(np.unique(draws)) == {1, 2}
        draws = sample_next_token(np.array([[1.0, 3.0, 3.0, 0.0, 2.0]] * 5000), top_k=1)
        assert set(np.unique(draws)) == {1, 2}, "the k-th largest value's ties stay in"

    def test_large_logits_and_batches(self):
        draws = sample_next_token(np.array([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, -999.0]]))
        assert draws.tolist()[:2] == [0, 1] and draws.dtype == np.int64 and draws.shape == (3,)
