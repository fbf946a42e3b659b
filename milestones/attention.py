"""Milestone: reversing sequences, a task that needs attention.

The answer at position i is the input token at position n - 1 - i. A network that treats
every position on its own (token and position embeddings, then MLPs) sees only its own
token, which says nothing about the token it must write there: it cannot beat chance,
one token in ten. Attention lets each position look up the token at its mirror position,
and a small transformer learns to reverse every sequence.

Positions are sinusoidal (Module 11): fixed vectors of full size from the first step, so
attention can route by position at once. With learned positions, which start small, the
same network sat at 32% of tokens for several epochs before it found the routing.
"""

import time

import numpy as np

from milestones.report import finish
from tinytorch import Adam, CrossEntropyLoss, Linear, Module, ModuleList, manual_seed, no_grad
from tinytorch.core.embeddings import Embedding, SinusoidalPositionalEncoding
from tinytorch.core.transformers import MLP, LayerNorm, TransformerBlock

VOCAB, LENGTH = 10, 8  # sequences of 8 digits
TRAIN, TEST = 6000, 1000
WIDTH, HEADS, LAYERS = 64, 4, 2
BATCH, LEARNING_RATE = 50, 3e-3


class PositionwiseBlock(Module):
    """A transformer block with the attention branch taken out: x + MLP(LayerNorm(x)), position by position."""

    def __init__(self, width):
        self.norm = LayerNorm(width)
        self.mlp = MLP(width)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Reverser(Module):
    """Token embeddings and sinusoidal positions, blocks (with or without attention), a LayerNorm and a linear read-out."""

    def __init__(self, attention):
        self.tokens = Embedding(VOCAB, WIDTH)
        self.positions = SinusoidalPositionalEncoding(LENGTH, WIDTH)
        block = (lambda: TransformerBlock(WIDTH, HEADS)) if attention else (lambda: PositionwiseBlock(WIDTH))
        self.layers = ModuleList([block() for _ in range(LAYERS)])
        self.norm = LayerNorm(WIDTH)
        self.head = Linear(WIDTH, VOCAB)

    def forward(self, ids):
        x = self.positions(self.tokens(ids))
        for block in self.layers:
            x = block(x)  # no mask: every position may look at every other
        return self.head(self.norm(x))


def sequences(rng, count, exclude=()):
    """`count` distinct random digit sequences, none of them in `exclude`."""
    seen = {tuple(row) for row in exclude}
    rows = []
    while len(rows) < count:
        for row in rng.integers(0, VOCAB, size=(count, LENGTH)):
            if tuple(row) not in seen and len(rows) < count:
                seen.add(tuple(row))
                rows.append(row)
    return np.array(rows)


def evaluate(model, ids):
    """(loss, token accuracy, exact-match accuracy) of reversing `ids`, in evaluation mode."""
    model.eval()
    with no_grad():
        logits = model(ids)
    model.train()
    targets = ids[:, ::-1]
    loss = CrossEntropyLoss()(logits.reshape(-1, VOCAB), targets.reshape(-1)).item()
    right = logits.data.argmax(-1) == targets
    return loss, float(right.mean()), float(right.all(axis=1).mean())


def train(model, train_ids, test_ids, epochs, rng, label):
    """Adam on shuffled batches; returns the history and prints one line per epoch."""
    optimizer, loss_fn = Adam(model.parameters(), lr=LEARNING_RATE), CrossEntropyLoss()
    history = {"epoch": [], "train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs + 1):  # epoch 0: the untrained model, where the curves start
        order = rng.permutation(len(train_ids))
        for start in range(0, len(train_ids) if epoch else 0, BATCH):
            batch = train_ids[order[start:start + BATCH]]
            loss = loss_fn(model(batch).reshape(-1, VOCAB), batch[:, ::-1].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_loss, train_tokens, _ = evaluate(model, train_ids[:TEST])
        test_loss, test_tokens, test_exact = evaluate(model, test_ids)
        for key, value in zip(history, (epoch, train_loss, train_tokens, test_loss, test_tokens)):
            history[key].append(value)
        print(f"{label}: epoch {epoch}/{epochs} train loss {train_loss:.4f} | test loss {test_loss:.4f}, "
              f"tokens right {test_tokens:.2%}, sequences reversed {test_exact:.2%}")
    return history


def run(milestone, dataset, epochs, out_dir, json_path):
    manual_seed(0)
    rng = np.random.default_rng(0)
    train_ids = sequences(rng, TRAIN)
    test_ids = sequences(rng, TEST, exclude=train_ids)
    print(f"{TRAIN:,} training and {TEST:,} other test sequences of {LENGTH} digits; the answer is each one reversed")
    start = time.perf_counter()
    without = Reverser(attention=False)
    train(without, train_ids, test_ids, epochs, rng, "without attention")
    _, without_tokens, without_exact = evaluate(without, test_ids)
    model = Reverser(attention=True)
    print(f"with attention: {sum(p.numel() for p in model.parameters()):,} parameters "
          f"(without: {sum(p.numel() for p in without.parameters()):,})")
    history = train(model, train_ids, test_ids, epochs, rng, "with attention")
    _, tokens, exact = evaluate(model, test_ids)
    seconds = time.perf_counter() - start
    example = test_ids[:1]
    print(f"example: {example[0].tolist()} -> {model.eval()(example).data.argmax(-1)[0].tolist()}")
    return finish(milestone, dataset, exact, epochs, seconds, history, out_dir, json_path,
                  details={"token_accuracy": round(tokens, 6), "without_attention_token_accuracy": round(without_tokens, 6),
                           "without_attention_exact_match": round(without_exact, 6)},
                  conditions={"without attention, at most 15% of tokens are right (chance is 10%)": without_tokens <= 0.15})
