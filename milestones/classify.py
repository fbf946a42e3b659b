"""What the mlp and cnn milestones share: train an image classifier with Adam and cosine annealing."""

import time

from tinytorch import Adam, CosineAnnealingLR, CrossEntropyLoss, Trainer
from tinytorch.core.dataloader import DataLoader
from tinytorch.datasets import load_digits, load_fashion_mnist


def load_images(dataset, split):
    """(images (N, H, W) float32 in [0, 1], labels (N,) int64) of `split` of `dataset`."""
    return load_digits(split) if dataset == "digits" else load_fashion_mnist(split)


class Augmented:
    """The batches of `loader` with their images passed through `augment`, drawn anew every epoch."""

    def __init__(self, loader, augment):
        self.loader, self.augment = loader, augment

    def __iter__(self):
        return ((self.augment(images), labels) for images, labels in self.loader)

    def __len__(self):
        return len(self.loader)


def train(model, train_set, test_set, batch_size, lr, epochs, log=print, augment=None):
    """Train `model` on `train_set`, evaluating on `test_set` after every epoch; `augment`,
    if given, transforms each training batch of images.

    Returns (final test accuracy, history, seconds of training).
    """
    train_batches = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    if augment is not None:
        train_batches = Augmented(train_batches, augment)
    test_batches = DataLoader(test_set, batch_size=1000)
    optimizer = Adam(model.parameters(), lr=lr)
    # Cosine annealing: large steps early, small ones to settle at the end.
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), schedule=CosineAnnealingLR(optimizer, T_max=epochs))
    start = time.perf_counter()
    history = trainer.fit(train_batches, epochs, val_batches=test_batches, log=log)
    accuracy = trainer.evaluate(test_batches)["accuracy"]
    return accuracy, history, time.perf_counter() - start
