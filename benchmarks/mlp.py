"""The seed's MLP, its synthetic data and its training step in tinytorch and in PyTorch.

784-256-128-10: Linear-ReLU-Dropout(0.5)-Linear-ReLU-Dropout(0.3)-Linear, mean softmax
cross-entropy, plain SGD at lr 0.01, float32. The hand-written NumPy version is mlp_numpy.py;
mlp_replay.py replays tinytorch's own NumPy calls without the framework. All start from the
same weights and train on the same batches, in the same order.
"""

import numpy as np

from mlp_numpy import NumpyMLP
from mlp_replay import ReplayMLP
from tinytorch import SGD, CrossEntropyLoss, Dropout, Linear, ReLU, Sequential, from_numpy

SIZES = (784, 256, 128, 10)
DROPOUT = (0.5, 0.3)
LEARNING_RATE = 0.01


def synthetic_data(samples, seed=0):
    """Images and labels of Fashion-MNIST's shape and types: float32 in [0, 1) and int64 in 0..9.

    Random data trains no useful model, but every step costs what a real one costs: the work
    depends on shapes only.
    """
    rng = np.random.default_rng(seed)
    images = rng.random((samples, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], size=samples, dtype=np.int64)
    return images, labels


def batches(images, labels, batch_size):
    """Consecutive (images, labels) views; the last batch is smaller when the size does not divide."""
    return [(images[start:start + batch_size], labels[start:start + batch_size])
            for start in range(0, len(images), batch_size)]


def initial_weights(seed=0):
    """[(W, b)] with W (in, out) drawn LeCun normal, N(0, 1/in), as tinytorch's Linear does; b zero."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out)).astype(np.float32),
         np.zeros(fan_out, dtype=np.float32))
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:])
    ]


def numpy_mlp(weights, seed=0):
    """The hand-written NumPy network, with dropout masks from its own seeded generator."""
    return NumpyMLP(weights, DROPOUT, LEARNING_RATE, np.random.default_rng(seed))


def replay_mlp(weights, seed=0):
    """tinytorch's array work without tinytorch, with dropout masks from its own seeded generator."""
    return ReplayMLP(weights, DROPOUT, LEARNING_RATE, np.random.default_rng(seed))


class TinytorchMLP:
    """The seed's network, loss and optimizer in tinytorch, written as a tinytorch user would."""

    def __init__(self, weights):
        self.model = Sequential(
            Linear(SIZES[0], SIZES[1]), ReLU(), Dropout(DROPOUT[0]),
            Linear(SIZES[1], SIZES[2]), ReLU(), Dropout(DROPOUT[1]),
            Linear(SIZES[2], SIZES[3]),
        )
        self.linears = [self.model[0], self.model[3], self.model[6]]
        for layer, (w, b) in zip(self.linears, weights):
            layer.weight.data[...] = w
            layer.bias.data[...] = b
        self.loss_fn = CrossEntropyLoss()
        self.optimizer = SGD(self.model.parameters(), lr=LEARNING_RATE)

    def loss(self, x, labels):
        """The forward pass: the batch's mean loss as a Tensor, with its graph."""
        return self.loss_fn(self.model(from_numpy(x)), labels)  # shares the batch, as torch.from_numpy does

    def step(self, x, labels):
        self.optimizer.zero_grad()
        loss = self.loss(x, labels)
        loss.backward()
        self.optimizer.step()


class TorchMLP:
    """The same network in PyTorch (torch.nn and torch.optim), the way its tutorials write it."""

    def __init__(self, torch, weights):
        nn = torch.nn
        self.torch = torch
        self.model = nn.Sequential(
            nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Dropout(DROPOUT[0]),
            nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(), nn.Dropout(DROPOUT[1]),
            nn.Linear(SIZES[2], SIZES[3]),
        )
        with torch.no_grad():
            for layer, (w, b) in zip([self.model[0], self.model[3], self.model[6]], weights):
                layer.weight.copy_(torch.from_numpy(w.T.copy()))  # torch stores (out, in)
                layer.bias.copy_(torch.from_numpy(b))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def step(self, x, labels):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.torch.from_numpy(x)), self.torch.from_numpy(labels))
        loss.backward()
        self.optimizer.step()


def epoch(model, data):
    """One pass of `model.step` over a list of (images, labels) batches."""
    for x, labels in data:
        model.step(x, labels)
