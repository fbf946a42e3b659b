"""Training speed of the seed's MLP: tinytorch, hand-written NumPy and PyTorch CPU, interleaved.

Each way gets a fresh network from the same weights and trains on the same batches in the
same order, so all of them do the same work; only who does it differs. A fourth way, the
replay of tinytorch's NumPy calls without the framework (mlp_replay.py), splits tinytorch's
time into its arithmetic and the framework's own cost.
"""

import mlp
from timing import measure


def _ways(torch, weights, data):
    """{name: factory} for timing.measure: each run trains the way's network over `data`."""
    models = {"tinytorch": mlp.TinytorchMLP(weights), "numpy": mlp.numpy_mlp(weights),
              "replay": mlp.replay_mlp(weights)}
    if torch:
        models["torch"] = mlp.TorchMLP(torch, weights)
    return {name: (lambda model=model: lambda: mlp.epoch(model, data)) for name, model in models.items()}


def _framework_cost(ways, seconds_per_step):
    """What the framework adds to its own arithmetic: tinytorch's median step minus the replay's,
    in microseconds; and the replay's median over the hand-written loop's (below 1 when tinytorch's
    choice of NumPy calls is the cheaper one)."""
    return {"framework_us_per_step": (ways["tinytorch"]["median"] - ways["replay"]["median"]) * seconds_per_step * 1e6,
            "replay/numpy": ways["replay"]["median"] / ways["numpy"]["median"]}


def train_steps(torch, weights, images, labels, batch_size, steps, repeats):
    """Milliseconds per training step (forward, loss, backward, SGD update), `steps` steps per run."""
    data = mlp.batches(images[:batch_size * steps], labels[:batch_size * steps], batch_size)
    ways = measure(_ways(torch, weights, data), repeats, scale=1e3 / steps)
    return {
        "unit": "ms per step",
        "definition": f"forward + loss + backward + SGD update at batch {batch_size}, {steps} steps per run",
        "params": {"batch": batch_size, "steps_per_run": steps, "repeats": repeats},
        "ways": ways,
        "derived": _framework_cost(ways, 1e-3),
    }


def train_epoch(torch, weights, images, labels, batch_size, repeats):
    """Seconds per epoch: every sample once, in consecutive batches (the last one smaller)."""
    data = mlp.batches(images, labels, batch_size)
    ways = measure(_ways(torch, weights, data), repeats)
    return {
        "unit": "s per epoch",
        "definition": f"one epoch of {len(images):,} samples at batch {batch_size} ({len(data)} steps)",
        "params": {"samples": len(images), "batch": batch_size, "steps": len(data), "repeats": repeats},
        "ways": ways,
        "derived": _framework_cost(ways, 1 / len(data)),
    }
