"""tinytorch's own array work for the seed's MLP, replayed without the framework.

ReplayMLP makes the NumPy calls that tinytorch's Linear, ReLU, Dropout, CrossEntropyLoss,
gradient rules and SGD make for one training step, in the same order and on the same
shapes, and nothing else: no Tensors, no graph, no module calls, no checks. Its step time
is the least any framework doing tinytorch's arithmetic in NumPy could take; tinytorch's
step time minus it is what the framework itself costs (recording the graph, calling
modules, checking inputs, walking the graph backwards). tests/test_benchmarks.py checks
that it computes tinytorch's loss, gradients and update. That it makes the same calls no test
can see: when a layer or rule changes how it computes, change the replay with it.
"""

import numpy as np

from mlp_numpy import NumpyMLP


class ReplayMLP(NumpyMLP):
    """The hand-written loop's network, weights and SGD step; only the gradients are computed
    with tinytorch's calls."""

    def gradients(self, x, labels):
        """Forward and backward for one batch: (mean loss, [(dW, db) per layer])."""
        inputs, pre_activations, masks = [], [], []
        h = x
        for layer, (w, b) in enumerate(self.weights):
            inputs.append(h)
            z = np.matmul(h, w)  # Linear: the product, then the bias in place
            z += b
            if layer == len(self.weights) - 1:
                break
            relu = np.maximum(z, np.zeros(z.shape, z.dtype))  # ReLU
            keep = 1.0 - self.dropout[layer]  # Dropout
            mask = (self.rng.random(z.shape, dtype=np.float32) < keep).astype(np.float32)
            mask *= np.float32(1.0 / keep)
            pre_activations.append(z)
            masks.append(mask)
            h = np.multiply(relu, mask, dtype=np.float32)

        # CrossEntropyLoss: the row log-sum-exps, kept for the backward pass.
        batch, rows = len(labels), np.arange(len(labels))
        top = z.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
        loss = np.asarray((lse[:, 0] - z[rows, labels]).sum() / batch, dtype=np.float32)

        grad = np.exp(z - lse)  # the cross-entropy rule: softmax - onehot, over the batch
        grad[np.arange(batch), labels] -= 1
        grad *= np.float32(1.0) / batch
        grads = []
        for layer in reversed(range(len(self.weights))):
            w, _ = self.weights[layer]
            ones = np.ones(len(grad), grad.dtype)
            grads.append((inputs[layer].T @ grad, ones @ grad))  # the linear rule
            if layer:
                grad = grad @ w.T
                grad = grad * masks[layer - 1]  # the dropout rule
                grad = grad * (pre_activations[layer - 1] > 0)  # the relu rule
        return loss, grads[::-1]
