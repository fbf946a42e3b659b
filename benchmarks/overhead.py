"""What the framework adds on top of the arithmetic: one Linear layer, tiny adds, a long backward.

Each function returns {"unit", "definition", "ways": {name: timing summary}} (plus "derived"
figures where the arithmetic is subtracted); run.py adds the ratios and the skipped torch rows.
"""

import numpy as np

from timing import measure
from tinytorch import Linear, Tensor


def linear_forward(torch, batch, calls, repeats):
    """Linear(784, 256) forward on a (batch, 784) input against the bare `x @ W + b`.

    tinytorch records the graph, as in training (the weight requires grad); so does PyTorch.
    """
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784), dtype=np.float32)
    layer = Linear(784, 256)
    w, b, tx = layer.weight.data, layer.bias.data, Tensor(x)

    def repeat(function):
        def run():
            for _ in range(calls):
                function()
        return lambda: run

    ways = {"tinytorch": repeat(lambda: layer(tx)), "numpy": repeat(lambda: x @ w + b)}
    if torch:
        torch_layer = torch.nn.Linear(784, 256)
        torch_x = torch.from_numpy(x)
        ways["torch"] = repeat(lambda: torch_layer(torch_x))
    return {
        "unit": "us per call",
        "definition": f"Linear(784, 256) forward, batch {batch}, graph recorded; numpy is x @ W + b",
        "params": {"batch": batch, "calls_per_run": calls, "repeats": repeats},
        "ways": measure(ways, repeats, scale=1e6 / calls),
    }


def _add_chain(make, ops):
    """x + c + c + ... (`ops` adds), each add taking the previous sum: a graph that is one long chain."""
    x, c = make()
    y = x
    for _ in range(ops):
        y = y + c
    return y


def _tinytorch_pair():
    return Tensor([1.0], requires_grad=True), Tensor([1.0])


def _torch_pair(torch):
    return lambda: (torch.ones(1, requires_grad=True), torch.ones(1))


def _numpy_pair():
    return np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)


def add_overhead(torch, ops, repeats):
    """Autograd overhead of an add on 1-element tensors, forward plus backward, per op.

    The chain: a forward of `ops` chained adds, then one backward() through all of them, timed
    together and divided by `ops`; the same adds on 1-element NumPy arrays give the arithmetic,
    and the difference is the overhead. The single call: `(a + b).backward()` on two 1-element
    leaves, repeated `ops` times, per call, so it also pays backward()'s fixed cost every time.
    """
    def chain(make):
        return lambda: lambda: _add_chain(make, ops).backward()

    def single(a, b):
        def run():
            for _ in range(ops):
                (a + b).backward()
        return lambda: run

    def numpy_chain():  # the arithmetic alone
        return lambda: _add_chain(_numpy_pair, ops)

    chain_ways = {"tinytorch": chain(_tinytorch_pair), "numpy": numpy_chain}
    single_ways = {"tinytorch": single(Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)),
                   "numpy": numpy_chain}
    if torch:
        chain_ways["torch"] = chain(_torch_pair(torch))
        single_ways["torch"] = single(torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True))
    results = {}
    for name, ways, definition in (
        ("add_chain", chain_ways, f"a chain of {ops} adds on 1-element tensors, forward + one backward, per add"),
        ("add_single", single_ways, "(a + b).backward() on two 1-element leaves, per call"),
    ):
        timed = measure(ways, repeats, scale=1e6 / ops)
        arithmetic = timed["numpy"]["median"]
        results[name] = {
            "unit": "us per op",
            "definition": definition + "; numpy is the same adds on 1-element arrays (no backward)",
            "params": {"ops": ops, "repeats": repeats},
            "ways": timed,
            "derived": {f"{way}_overhead_us": timed[way]["median"] - arithmetic for way in timed if way != "numpy"},
        }
    return results


def chain_backward(torch, ops, repeats):
    """backward() alone through a chain of `ops` adds (the forward is built, untimed, before each run)."""
    def backward_of(make):
        def prepare():
            return _add_chain(make, ops).backward
        return prepare

    ways = {"tinytorch": backward_of(_tinytorch_pair)}
    if torch:
        ways["torch"] = backward_of(_torch_pair(torch))
    timed = measure(ways, repeats, scale=1e6 / ops)
    return {
        "unit": "us per op",
        "definition": f"backward() through a chain of {ops} adds on 1-element tensors",
        "params": {"ops": ops, "repeats": repeats},
        "ways": timed,
        "derived": {f"{way}_seconds": timed[way]["median"] * ops / 1e6 for way in timed},
    }
