"""The seed's MLP trained in hand-written NumPy: the baseline tinytorch is measured against.

It does exactly the math tinytorch does for Linear-ReLU-Dropout-Linear-ReLU-Dropout-Linear with
mean softmax cross-entropy and plain SGD, float32 throughout, written as a careful person would
write it by hand: no framework, no graph, each gradient derived on paper. tests/test_benchmarks.py
checks that it computes the same loss, gradients and updated weights as tinytorch for the same
weights and dropout masks, so the comparison measures the framework, not different math.
"""

import numpy as np


class NumpyMLP:
    """Layers (W, b) with W of shape (in, out), as tinytorch's Linear stores it.

    Args:
        weights: [(W1, b1), (W2, b2), (W3, b3)] float32 arrays; copied, so callers keep theirs.
        dropout: the drop probability after each hidden layer, e.g. (0.5, 0.3).
        lr: the SGD learning rate.
        rng: the generator the dropout masks come from. Masks are drawn exactly as tinytorch's
            Dropout draws them (`rng.random(shape, dtype=float32) < keep`), so a generator in
            the same state gives the same masks.
    """

    def __init__(self, weights, dropout, lr, rng):
        if len(dropout) != len(weights) - 1:
            raise ValueError(f"NumpyMLP: {len(weights)} layers need {len(weights) - 1} dropout probabilities")
        self.weights = [(np.array(w, dtype=np.float32), np.array(b, dtype=np.float32)) for w, b in weights]
        self.dropout = tuple(dropout)
        self.lr = lr
        self.rng = rng

    def _mask(self, shape, p):
        """Inverted dropout: keep with probability 1 - p and scale the kept by 1 / (1 - p)."""
        keep = 1.0 - p
        return (self.rng.random(shape, dtype=np.float32) < keep).astype(np.float32) * np.float32(1.0 / keep)

    def gradients(self, x, labels):
        """Forward and backward for one batch: (mean loss, [(dW, db) per layer])."""
        # Forward, keeping what the backward pass needs: each layer's input and each ReLU's
        # pre-activation sign and dropout mask.
        inputs, positive, masks = [], [], []
        h = x
        for (w, b), p in zip(self.weights[:-1], self.dropout):
            inputs.append(h)
            z = h @ w + b
            mask = self._mask(z.shape, p)
            positive.append(z > 0)
            masks.append(mask)
            h = np.maximum(z, 0) * mask
        inputs.append(h)
        w, b = self.weights[-1]
        logits = h @ w + b

        # Softmax cross-entropy, shifted by each row's maximum so exp never overflows.
        batch = len(labels)
        rows = np.arange(batch)
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(totals[:, 0]) - shifted[rows, labels])

        # Backward: d(mean CE)/d(logits) = (softmax - onehot) / batch, then layer by layer.
        grad = exps / totals
        grad[rows, labels] -= 1
        grad /= batch
        grads = []
        for layer in reversed(range(len(self.weights))):
            w, _ = self.weights[layer]
            grads.append((inputs[layer].T @ grad, grad.sum(axis=0)))
            if layer:
                grad = (grad @ w.T) * masks[layer - 1] * positive[layer - 1]
        return loss, grads[::-1]

    def step(self, x, labels):
        """One SGD step on a batch; returns the batch's mean loss (a float32 scalar)."""
        loss, grads = self.gradients(x, labels)
        for (w, b), (dw, db) in zip(self.weights, grads):
            w -= self.lr * dw
            b -= self.lr * db
        return loss
