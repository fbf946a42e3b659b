"""A GPT training step and attention forward + backward: tinytorch against PyTorch CPU, interleaved.

PyTorch runs the same model, Module 13's GPT written with torch.nn the way a PyTorch user
writes it (the query, key and value projections packed into one Linear, attention through
torch.nn.functional.scaled_dot_product_attention with is_causal=True), starting from the
same weights and trained on the same batches with the same AdamW and gradient clipping.
"""

import numpy as np

from timing import measure

import tinytorch
from tinytorch import AdamW, CrossEntropyLoss, Tensor, clip_grad_norm
from tinytorch.core.attention import causal_mask, scaled_dot_product_attention
from tinytorch.core.transformers import GPT

# The gpt milestone's model and batch in full mode; a toy in quick mode.
GPT_SIZES = {
    "full": {"vocab_size": 76, "embed_dim": 128, "num_layers": 4, "num_heads": 4, "max_seq_len": 128, "batch": 32},
    "quick": {"vocab_size": 76, "embed_dim": 32, "num_layers": 1, "num_heads": 2, "max_seq_len": 16, "batch": 4},
}
LEARNING_RATE, WEIGHT_DECAY, MAX_GRAD_NORM = 3e-3, 0.1, 1.0
ATTENTION_BATCH, ATTENTION_HEADS, HEAD_DIM = 8, 4, 32


def tinytorch_gpt(sizes, seed=0):
    tinytorch.manual_seed(seed)
    config = {key: value for key, value in sizes.items() if key != "batch"}
    return GPT(**config)


def torch_gpt(torch, model):
    """A torch.nn.Module computing what tinytorch's `model` computes, from a copy of its weights."""
    nn, functional = torch.nn, torch.nn.functional

    def tensor(array):
        return torch.from_numpy(np.ascontiguousarray(array))

    def linear(layer):  # tinytorch keeps (in, out); torch.nn.Linear keeps (out, in)
        copy = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None)
        with torch.no_grad():
            copy.weight.copy_(tensor(layer.weight.data.T))
            if layer.bias is not None:
                copy.bias.copy_(tensor(layer.bias.data))
        return copy

    def layer_norm(norm):
        copy = nn.LayerNorm(norm.normalized_shape, eps=norm.eps)
        with torch.no_grad():
            copy.weight.copy_(tensor(norm.weight.data))
            copy.bias.copy_(tensor(norm.bias.data))
        return copy

    class Block(nn.Module):
        def __init__(self, block):
            super().__init__()
            attention = block.attention
            self.heads = attention.num_heads
            self.norm1, self.norm2 = layer_norm(block.norm1), layer_norm(block.norm2)
            self.qkv = nn.Linear(attention.embed_dim, 3 * attention.embed_dim)
            with torch.no_grad():
                projections = (attention.q_proj, attention.k_proj, attention.v_proj)
                self.qkv.weight.copy_(tensor(np.concatenate([p.weight.data.T for p in projections])))
                self.qkv.bias.copy_(tensor(np.concatenate([p.bias.data for p in projections])))
            self.out = linear(attention.out_proj)
            self.fc, self.proj = linear(block.mlp.fc), linear(block.mlp.proj)

        def forward(self, x):
            batch, seq, width = x.shape
            q, k, v = self.qkv(self.norm1(x)).split(width, dim=-1)
            q, k, v = (t.view(batch, seq, self.heads, width // self.heads).transpose(1, 2) for t in (q, k, v))
            attended = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.out(attended.transpose(1, 2).reshape(batch, seq, width))
            return x + self.proj(functional.gelu(self.fc(self.norm2(x)), approximate="tanh"))

    class TorchGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(model.vocab_size, model.embed_dim)
            with torch.no_grad():
                self.tokens.weight.copy_(tensor(model.token_embedding.weight.data))
            self.positions = nn.Parameter(tensor(model.position_embedding.weight.data.copy()))
            self.blocks = nn.ModuleList([Block(block) for block in model.blocks])
            self.norm, self.head = layer_norm(model.final_norm), linear(model.head)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions[:ids.shape[1]]
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    return TorchGPT()


def gpt_batches(sizes, count, seed=0):
    """`count` batches of (input ids, target ids), each (batch, max_seq_len), int64."""
    rng = np.random.default_rng(seed)
    windows = rng.integers(0, sizes["vocab_size"], size=(count, sizes["batch"], sizes["max_seq_len"] + 1))
    return [(window[:, :-1], window[:, 1:]) for window in windows]


class TinytorchStep:
    """zero_grad, forward, loss, backward, clip, AdamW step: one training step of tinytorch's GPT."""

    def __init__(self, model):
        self.model, self.loss_fn = model, CrossEntropyLoss()
        self.optimizer = AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)

    def loss(self, inputs, targets):
        logits = self.model(inputs)
        return self.loss_fn(logits.reshape(-1, self.model.vocab_size), targets.reshape(-1))

    def step(self, inputs, targets):
        self.optimizer.zero_grad()
        self.loss(inputs, targets).backward()
        clip_grad_norm(self.model.parameters(), MAX_GRAD_NORM)
        self.optimizer.step()


class TorchStep:
    """The same step in PyTorch."""

    def __init__(self, torch, model):
        self.torch, self.model = torch, torch_gpt(torch, model)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)

    def loss(self, inputs, targets):
        logits = self.model(self.torch.from_numpy(inputs))
        return self.torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                      self.torch.from_numpy(targets).reshape(-1))

    def step(self, inputs, targets):
        self.optimizer.zero_grad()
        self.loss(inputs, targets).backward()
        self.torch.nn.utils.clip_grad_norm_(self.model.parameters(), MAX_GRAD_NORM)
        self.optimizer.step()


def gpt_train_step(torch, mode, steps, repeats):
    """Milliseconds per training step of the gpt milestone's model, `steps` steps per run."""
    sizes = GPT_SIZES[mode]
    batches = gpt_batches(sizes, steps)
    model = tinytorch_gpt(sizes)
    trainers = {"tinytorch": TinytorchStep(model)}
    if torch:
        trainers["torch"] = TorchStep(torch, model)

    def run(trainer):
        for inputs, targets in batches:
            trainer.step(inputs, targets)

    config = ", ".join(f"{key} {value}" for key, value in sizes.items())
    return {
        "label": f"GPT train step, {sizes['num_layers']} x {sizes['embed_dim']}, batch {sizes['batch']} x {sizes['max_seq_len']}",
        "unit": "ms per step",
        "definition": f"zero_grad, forward, cross-entropy, backward, clip_grad_norm, AdamW step; {config}; "
                      f"{steps} steps per run",
        "params": {**sizes, "steps_per_run": steps, "repeats": repeats},
        "ways": measure({name: (lambda t=trainer: lambda: run(t)) for name, trainer in trainers.items()},
                        repeats, scale=1e3 / steps),
    }


def attention_forward_backward(torch, seq_len, calls, repeats, seed=0):
    """Milliseconds per causal attention forward + backward, (8, 4 heads, seq_len, 32), float32."""
    rng = np.random.default_rng(seed)
    shape = (ATTENTION_BATCH, ATTENTION_HEADS, seq_len, HEAD_DIM)
    q, k, v, grad = (rng.standard_normal(shape).astype(np.float32) for _ in range(4))
    mask = causal_mask(seq_len)

    def ours():
        for _ in range(calls):
            leaves = [Tensor(a, requires_grad=True) for a in (q, k, v)]
            scaled_dot_product_attention(*leaves, mask=mask).backward(grad)

    ways = {"tinytorch": lambda: ours}
    if torch:
        their_grad = torch.from_numpy(grad)

        def theirs():
            for _ in range(calls):
                leaves = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
                torch.nn.functional.scaled_dot_product_attention(*leaves, is_causal=True).backward(their_grad)

        ways["torch"] = lambda: theirs
    return {
        "label": f"attention fwd + bwd, seq {seq_len}",
        "unit": "ms per call",
        "definition": f"causal scaled dot-product attention forward and backward, q, k, v of shape {shape}, "
                      f"float32 (PyTorch: is_causal=True); {calls} calls per run",
        "params": {"shape": list(shape), "calls_per_run": calls, "repeats": repeats},
        "ways": measure(ways, repeats, scale=1e3 / calls),
    }
