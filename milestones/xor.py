"""Milestone: XOR, the function that one linear layer provably cannot learn and two layers can.

The four points of XOR's truth table sit at the corners of a square with equal labels on the
diagonals. From any corner, the opposite corner lies inside the angle spanned by the other
two, so no straight line puts one diagonal on one side and the other diagonal on the other:
a single Linear layer gets at most 3 of the 4 right. A hidden layer with a nonlinearity bends
the plane until a line suffices.
"""

import time

import numpy as np

from milestones.report import finish
from tinytorch import SGD, BCEWithLogitsLoss, Linear, Sequential, Tanh, Tensor, Trainer, manual_seed

POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
LABELS = np.array([[0], [1], [1], [0]], dtype=np.float32)


def train(model, epochs, log):
    trainer = Trainer(model, SGD(model.parameters(), lr=0.5, momentum=0.9), BCEWithLogitsLoss())
    batches = [(Tensor(POINTS), LABELS)]
    history = trainer.fit(batches, epochs, val_batches=batches, progress=False, log=log)
    return trainer.evaluate(batches)["accuracy"], history


def run(milestone, dataset, epochs, out_dir, json_path):
    manual_seed(0)
    start = time.perf_counter()
    linear_accuracy, _ = train(Linear(2, 1), epochs, log=None)
    print(f"one Linear layer: {linear_accuracy:.0%} of the XOR table (at most 75% is possible)")
    mlp_accuracy, history = train(Sequential(Linear(2, 8), Tanh(), Linear(8, 1)), epochs, log=None)
    print(f"Linear(2, 8) - Tanh - Linear(8, 1): {mlp_accuracy:.0%} of the XOR table")
    return finish(milestone, dataset, mlp_accuracy, epochs, time.perf_counter() - start, history, out_dir, json_path,
                  details={"linear_accuracy": linear_accuracy, "mlp_accuracy": mlp_accuracy},
                  conditions={"a single Linear layer stays at or below 75%": linear_accuracy <= 0.75})
