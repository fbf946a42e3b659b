"""What the mlp and cnn milestones share: train an image classifier with Adam and cosine annealing."""

import time

from tinytorch import Adam, CosineAnnealingLR, CrossEntropyLoss, Trainer
from tinytorch.core.dataloader import DataLoader
from tinytorch.datasets import load_digits, load_fashion_mnist


def load_images(dataset, split):
    """(images (N, H, W) float32 in [0, 1], labels (N,) int64) of `split` of `dataset`."""
    return load_digits(split) if dataset == "digits" else load_fashion_mnist(split)


def train(model, train_set, test_set, batch_size, lr, epochs, log=print):
    """Train `model` on `train_set`, evaluating on `test_set` after every epoch.

    Returns (final test accuracy, history, seconds of training).
    """
    train_batches = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    test_batches = DataLoader(test_set, batch_size=1000)
    optimizer = Adam(model.parameters(), lr=lr)
    # Cosine annealing: large steps early, small ones to settle at the end.
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), schedule=CosineAnnealingLR(optimizer, T_max=epochs))
    start = time.perf_counter()
    history = trainer.fit(train_batches, epochs, val_batches=test_batches, log=log)
    accuracy = trainer.evaluate(test_batches)["accuracy"]
    return accuracy, history, time.perf_counter() - start
