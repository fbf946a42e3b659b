"""DataLoader throughput: tinytorch against hand-written NumPy and PyTorch, in the same run.

    python benchmarks/dataloader.py [--samples 60000] [--features 784] [--batch-size 128] [--repeats 5]

Each way runs one full epoch over float32 images and int64 labels (Fashion-MNIST's training
set by default shape); the ways take turns (benchmarks/timing.py), and the median of --repeats
epochs is reported as samples per second and as a ratio to the hand-written NumPy loop. PyTorch
rows appear only when torch is installed. Timings vary from machine to machine and run to run;
they are never asserted in tests.
"""

import argparse

import numpy as np

from timing import measure
from tinytorch import DataLoader, Tensor, TensorDataset, default_generator


def numpy_epoch(images, labels, batch_size):
    """What the loader replaces: a permutation, then one fancy index per batch."""
    order = default_generator().permutation(len(images))
    for start in range(0, len(images), batch_size):
        batch = order[start:start + batch_size]
        yield images[batch], labels[batch]


def ways(images, labels, batch_size):
    data = TensorDataset(Tensor(images), Tensor(labels))
    found = {
        "NumPy: permutation + fancy index per batch": lambda: numpy_epoch(images, labels, batch_size),
        "tinytorch DataLoader, shuffle=True": lambda: DataLoader(data, batch_size, shuffle=True),
        "tinytorch DataLoader, shuffle=False (views)": lambda: DataLoader(data, batch_size),
    }
    try:
        import torch
        from torch.utils.data import BatchSampler, RandomSampler
        from torch.utils.data import DataLoader as TorchLoader
        from torch.utils.data import TensorDataset as TorchTensorDataset
    except ImportError:
        return found
    torch_data = TorchTensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    found["PyTorch DataLoader, shuffle=True (per-sample fetch + collate)"] = (
        lambda: TorchLoader(torch_data, batch_size=batch_size, shuffle=True)
    )
    found["PyTorch DataLoader, BatchSampler (one index per batch)"] = lambda: TorchLoader(
        torch_data, sampler=BatchSampler(RandomSampler(torch_data), batch_size, drop_last=False), batch_size=None
    )
    return found


def draining(make_epoch):
    """A timing.measure factory: each run iterates through a fresh epoch of batches."""
    def run():
        for _batch in make_epoch():
            pass
    return lambda: run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    images = rng.random((args.samples, args.features), dtype=np.float32)
    labels = rng.integers(0, 10, size=args.samples)
    print(f"{args.samples:,} samples x {args.features} float32, batch {args.batch_size}, median of {args.repeats} epochs")
    timed = measure({name: draining(make) for name, make in ways(images, labels, args.batch_size).items()},
                    args.repeats)
    rates = {name: args.samples / result["median"] for name, result in timed.items()}
    reference = next(iter(rates.values()))
    for name, rate in rates.items():
        print(f"{name:62s} {rate:14,.0f} samples/s  {rate / reference:6.2f}x NumPy")


if __name__ == "__main__":
    main()
