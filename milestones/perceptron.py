"""Milestone: Rosenblatt's perceptron, as one Linear layer, on two linearly separable clouds."""

import time

import numpy as np

from milestones.report import finish
from tinytorch import BCEWithLogitsLoss, Linear, SGD, Tensor, Trainer, default_generator, manual_seed


def separable_blobs(samples):
    """Two Gaussian clouds of 2-D points, centred 6 standard deviations apart: a line separates them."""
    rng = default_generator()
    labels = rng.integers(0, 2, samples)
    centres = np.where(labels[:, None] == 1, [2.0, 2.0], [-2.0, -2.0])
    points = centres + rng.normal(0.0, 0.5, (samples, 2))
    return points.astype(np.float32), labels.astype(np.float32)[:, None]


def run(milestone, dataset, epochs, out_dir, json_path):
    manual_seed(0)
    train_x, train_y = separable_blobs(400)
    test_x, test_y = separable_blobs(200)
    model = Linear(2, 1)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), BCEWithLogitsLoss())
    batches = [(Tensor(train_x[i:i + 32]), train_y[i:i + 32]) for i in range(0, len(train_x), 32)]
    start = time.perf_counter()
    history = trainer.fit(batches, epochs, val_batches=[(Tensor(test_x), test_y)])
    accuracy = trainer.evaluate([(Tensor(test_x), test_y)])["accuracy"]
    return finish(milestone, dataset, accuracy, epochs, time.perf_counter() - start, history, out_dir, json_path)
