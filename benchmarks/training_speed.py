"""Training speed of the seed's MLP: tinytorch, hand-written NumPy and PyTorch CPU, interleaved.

Each way gets a fresh network from the same weights and trains on the same batches in the
same order, so all three do the same work; only who does it differs.
"""

import mlp
from timing import measure


def _ways(torch, weights, data):
    """{name: factory} for timing.measure: each run trains the way's network over `data`."""
    models = {"tinytorch": mlp.TinytorchMLP(weights), "numpy": mlp.numpy_mlp(weights)}
    if torch:
        models["torch"] = mlp.TorchMLP(torch, weights)
    return {name: (lambda model=model: lambda: mlp.epoch(model, data)) for name, model in models.items()}


def train_steps(torch, weights, images, labels, batch_size, steps, repeats):
    """Milliseconds per training step (forward, loss, backward, SGD update), `steps` steps per run."""
    data = mlp.batches(images[:batch_size * steps], labels[:batch_size * steps], batch_size)
    return {
        "unit": "ms per step",
        "definition": f"forward + loss + backward + SGD update at batch {batch_size}, {steps} steps per run",
        "params": {"batch": batch_size, "steps_per_run": steps, "repeats": repeats},
        "ways": measure(_ways(torch, weights, data), repeats, scale=1e3 / steps),
    }


def train_epoch(torch, weights, images, labels, batch_size, repeats):
    """Seconds per epoch: every sample once, in consecutive batches (the last one smaller)."""
    data = mlp.batches(images, labels, batch_size)
    return {
        "unit": "s per epoch",
        "definition": f"one epoch of {len(images):,} samples at batch {batch_size} ({len(data)} steps)",
        "params": {"samples": len(images), "batch": batch_size, "steps": len(data), "repeats": repeats},
        "ways": measure(_ways(torch, weights, data), repeats),
    }
