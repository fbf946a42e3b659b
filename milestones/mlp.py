"""Milestone: the seed's network, Linear-ReLU-Dropout(0.5)-Linear-ReLU-Dropout(0.3)-Linear, on real images.

On the bundled UCI digits (8x8 = 64 inputs) it trains in seconds; on Fashion-MNIST it is
exactly the seed's 784-256-128-10 network. The cnn milestone trains it too, through `train`,
to compare the two on the same images.
"""

import time

from milestones.report import finish
from tinytorch import (
    Adam, CosineAnnealingLR, CrossEntropyLoss, Dropout, Linear, ReLU, Sequential, Tensor, Trainer, manual_seed,
)
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.datasets import load_digits, load_fashion_mnist

BATCH_SIZE = {"digits": 32, "fashion-mnist": 128}
LEARNING_RATE = {"digits": 2e-3, "fashion-mnist": 2e-3}


def seed_network(inputs):
    """The seed's MLP; only the input width depends on the images."""
    return Sequential(
        Linear(inputs, 256), ReLU(), Dropout(0.5),
        Linear(256, 128), ReLU(), Dropout(0.3),
        Linear(128, 10),
    )


def load_images(dataset, split):
    """(images (N, H, W) float32 in [0, 1], labels (N,) int64) of `split` of `dataset`."""
    return load_digits(split) if dataset == "digits" else load_fashion_mnist(split)


def load(dataset, split):
    images, labels = load_images(dataset, split)
    return TensorDataset(Tensor(images.reshape(len(images), -1)), Tensor(labels))


def train(dataset, epochs, log=print):
    """Train the seed's MLP from seed 0; returns (test accuracy, history, seconds of training)."""
    manual_seed(0)
    train_set, test_set = load(dataset, "train"), load(dataset, "test")
    inputs = train_set.tensors[0].shape[1]
    model = seed_network(inputs)
    print(f"{len(train_set):,} training and {len(test_set):,} test images of {inputs} pixels; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    train_batches = DataLoader(train_set, batch_size=BATCH_SIZE[dataset], shuffle=True)
    test_batches = DataLoader(test_set, batch_size=1000)
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE[dataset])
    # Cosine annealing: large steps early, small ones to settle at the end.
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), schedule=CosineAnnealingLR(optimizer, T_max=epochs))
    start = time.perf_counter()
    history = trainer.fit(train_batches, epochs, val_batches=test_batches, log=log)
    accuracy = trainer.evaluate(test_batches)["accuracy"]
    return accuracy, history, time.perf_counter() - start


def run(milestone, dataset, epochs, out_dir, json_path):
    accuracy, history, seconds = train(dataset, epochs)
    return finish(milestone, dataset, accuracy, epochs, seconds, history, out_dir, json_path)
