"""Peak memory of a training epoch against an estimate from shapes, and evidence that graphs are freed.

tracemalloc sees NumPy's array buffers (NumPy reports them to it) as well as Python objects,
so its peak is what an epoch holds at its worst moment. The dataset is allocated before tracing
starts and batches are views of it, so the peak counts training only. Tracing slows Python down
several times: memory is measured in runs of its own, never in the timed ones.
"""

import gc
import tracemalloc
import weakref

import mlp

FLOAT32 = 4  # bytes


def estimate(batch_size):
    """Bytes a careful implementation needs, from the shapes alone, as {part: bytes}.

    Parameters, one gradient per parameter, plain SGD's state (none: it keeps no velocity),
    the activations the backward pass needs (per hidden layer: pre-activation, ReLU output,
    dropout mask, dropout output; then the logits), and as much again for their gradients.
    """
    sizes = mlp.SIZES
    parameters = sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))
    activations = batch_size * (4 * sum(sizes[1:-1]) + sizes[-1])
    parts = {
        "parameters": parameters * FLOAT32,
        "parameter_gradients": parameters * FLOAT32,
        "optimizer_state": 0,
        "activations": activations * FLOAT32,
        "activation_gradients": activations * FLOAT32,
    }
    return {**parts, "total": sum(parts.values())}


def _traced_epoch(make_model, data):
    """Build the model and run one epoch under tracemalloc; the traced figures in bytes."""
    tracemalloc.start()
    try:
        model = make_model()
        tracemalloc.reset_peak()  # initialisers' temporary arrays are not training memory
        after_build = tracemalloc.get_traced_memory()[0]
        half = len(data) // 2
        mlp.epoch(model, data[:half])
        first_half_peak = tracemalloc.get_traced_memory()[1]
        after_first_half = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        mlp.epoch(model, data[half:])
        current, second_half_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "after_build": after_build,
        "peak": max(first_half_peak, second_half_peak),
        "first_half_peak": first_half_peak,
        "second_half_peak": second_half_peak,
        "after_first_half": after_first_half,
        "after_epoch": current,
    }


def graph_release(weights, data):
    """After a step, is every node of its graph gone? Counted by reference counting alone.

    Walks the loss's graph before backward() (through `_inputs`, the tensors each node was
    computed from) and keeps a weak reference to every node, then finishes the step and drops
    the loss with the cyclic garbage collector switched off: a node still alive would be one
    the framework keeps, or one only a reference cycle frees (later, and in bulk).
    """
    model = mlp.TinytorchMLP(weights)
    x, labels = data[0]
    model.optimizer.zero_grad()
    loss = model.loss(x, labels)
    nodes, stack = {}, [loss]
    while stack:
        node = stack.pop()
        if node._op is not None and id(node) not in nodes:
            nodes[id(node)] = weakref.ref(node)
            stack.extend(node._inputs)
    gc.disable()
    try:
        loss.backward()
        model.optimizer.step()
        del loss, node, stack
        alive = sum(ref() is not None for ref in nodes.values())
    finally:
        gc.enable()
    return {"graph_nodes": len(nodes), "alive_after_step": alive}


def training_memory(weights, data, batch_size):
    """The whole memory report: traced epochs of tinytorch and NumPy, the estimate, graph release."""
    tinytorch = _traced_epoch(lambda: mlp.TinytorchMLP(weights), data)
    numpy = _traced_epoch(lambda: mlp.numpy_mlp(weights), data)
    expected = estimate(batch_size)
    release = graph_release(weights, data)
    return {
        "definition": f"tracemalloc peak over one epoch at batch {batch_size} (parameters included, dataset not)",
        "tinytorch": tinytorch,
        "numpy": numpy,
        "estimate": expected,
        "derived": {
            "tinytorch_peak_over_estimate": tinytorch["peak"] / expected["total"],
            "numpy_peak_over_estimate": numpy["peak"] / expected["total"],
            "tinytorch_second_half_peak_over_first": tinytorch["second_half_peak"] / tinytorch["first_half_peak"],
            "graph_nodes": release["graph_nodes"],
            "graph_nodes_alive_after_step": release["alive_after_step"],
        },
    }
