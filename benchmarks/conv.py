"""Convolutions: Conv2d forward + backward at LeNet's and CIFAR-like shapes against hand-written
NumPy im2col and PyTorch CPU; a training step of the cnn milestone's network against PyTorch;
and that step's peak memory against an estimate from its shapes (im2col matrices included).

Each function returns {"unit", "definition", "params", "ways"} (memory: its own figures); run.py
adds the ratios and the skipped torch rows.
"""

import sys
import tracemalloc
from pathlib import Path

import numpy as np

import conv_numpy
from timing import measure
from tinytorch import SGD, BatchNorm2d, Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, ReLU, Tensor, from_numpy
from tinytorch.core.spatial import conv_output_size, pool_arguments

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the milestones package, for its network
from milestones.cnn import lenet  # noqa: E402

# name: (input shape, out_channels, kernel, stride, padding). The two convolutions of the cnn
# milestone's LeNet-style network on a batch of 64 Fashion-MNIST images, and a first layer for
# 32 x 32 colour images (CIFAR-10's).
CONV_SHAPES = {
    "conv_lenet1": ((64, 1, 28, 28), 16, 5, 1, 2),
    "conv_lenet2": ((64, 16, 14, 14), 32, 5, 1, 0),
    "conv_cifar": ((64, 3, 32, 32), 32, 3, 1, 1),
}
CONV_LABELS = {  # the rows of the report, and of the "within 2x of PyTorch" target
    "conv_lenet1": "Conv2d(1, 16, 5, padding=2), LeNet-style first, batch 64",
    "conv_lenet2": "Conv2d(16, 32, 5), LeNet-style second, batch 64",
    "conv_cifar": "Conv2d(3, 32, 3, padding=1), 32x32, batch 64",
}
STEP_BATCH = 64
LEARNING_RATE = 0.01
FLOAT32 = 4  # bytes


def conv_fwd_bwd(torch, name, calls, repeats):
    """Milliseconds per Conv2d forward + backward (gradients of input, weight and bias)."""
    shape, out_channels, kernel, stride, padding = CONV_SHAPES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    layer = Conv2d(shape[1], out_channels, kernel, stride, padding)
    weight, bias = layer.weight.data, layer.bias.data
    out_shape = layer(Tensor(x)).shape
    upstream = rng.standard_normal(out_shape, dtype=np.float32)
    ours_x, ours_upstream = Tensor(x, requires_grad=True), Tensor(upstream)

    def tinytorch_run():
        for _ in range(calls):
            ours_x.grad = None
            layer.zero_grad()
            layer(ours_x).backward(ours_upstream)

    def numpy_run():
        for _ in range(calls):
            out, cache = conv_numpy.forward(x, weight, bias, layer.stride, layer.padding)
            conv_numpy.backward(upstream, cache)

    ways = {"tinytorch": lambda: tinytorch_run, "numpy": lambda: numpy_run}
    if torch:
        theirs = torch.nn.Conv2d(shape[1], out_channels, kernel, stride, padding)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(weight))
            theirs.bias.copy_(torch.from_numpy(bias))
        their_x, their_upstream = torch.from_numpy(x).requires_grad_(), torch.from_numpy(upstream)

        def torch_run():
            for _ in range(calls):
                their_x.grad = None
                theirs.zero_grad(set_to_none=True)
                theirs(their_x).backward(their_upstream)

        ways["torch"] = lambda: torch_run
    return {
        "unit": "ms per call",
        "definition": f"{layer!r} on {shape}: forward, then backward to input, weight and bias; "
                      "numpy is a hand-written im2col",
        "params": {"input": list(shape), "output": list(out_shape), "calls_per_run": calls, "repeats": repeats},
        "ways": measure(ways, repeats, scale=1e3 / calls),
    }


def torch_copy(torch, model):
    """The same network in torch.nn, with the same weights (Linear's transposed: torch stores (out, in))."""
    nn, layers = torch.nn, []
    for layer in model:
        if isinstance(layer, Conv2d):
            layers.append(nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding))
        elif isinstance(layer, BatchNorm2d):
            layers.append(nn.BatchNorm2d(layer.num_features, layer.eps, layer.momentum))
        elif isinstance(layer, MaxPool2d):
            layers.append(nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding))
        elif isinstance(layer, Linear):
            layers.append(nn.Linear(layer.in_features, layer.out_features))
        else:
            layers.append({ReLU: nn.ReLU, Flatten: nn.Flatten}[type(layer)]())
    copy = nn.Sequential(*layers)
    state = {name: torch.from_numpy(value.T.copy() if isinstance(model[int(name.split(".")[0])], Linear)
                                    and name.endswith("weight") else value)
             for name, value in model.state_dict().items()}
    copy.load_state_dict(state)
    return copy


def step_data(seed=0):
    """A batch of Fashion-MNIST's shape: (64, 1, 28, 28) float32 in [0, 1) and int64 labels."""
    rng = np.random.default_rng(seed)
    return rng.random((STEP_BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, STEP_BATCH, dtype=np.int64)


class TinytorchStep:
    """One training step of the cnn milestone's network: zero_grad, forward, loss, backward, SGD update."""

    def __init__(self, model):
        self.model, self.loss_fn = model, CrossEntropyLoss()
        self.optimizer = SGD(model.parameters(), lr=LEARNING_RATE)

    def __call__(self, x, labels):
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(from_numpy(x)), labels)
        loss.backward()
        self.optimizer.step()
        return loss


def lenet_step(torch, steps, repeats):
    """Milliseconds per training step of the cnn milestone's Fashion-MNIST network at batch 64."""
    from tinytorch import manual_seed

    manual_seed(0)
    model = lenet("fashion-mnist")
    x, labels = step_data()
    ours = TinytorchStep(model)

    def repeat(step):
        def run():
            for _ in range(steps):
                step()
        return lambda: run

    ways = {"tinytorch": repeat(lambda: ours(x, labels))}
    if torch:
        theirs = torch_copy(torch, model)
        optimizer = torch.optim.SGD(theirs.parameters(), lr=LEARNING_RATE)
        loss_fn, their_x, their_labels = torch.nn.CrossEntropyLoss(), torch.from_numpy(x), torch.from_numpy(labels)

        def torch_step():
            optimizer.zero_grad()
            loss_fn(theirs(their_x), their_labels).backward()
            optimizer.step()

        ways["torch"] = repeat(torch_step)
    return {
        "unit": "ms per step",
        "definition": f"the cnn milestone's LeNet-style network (with BatchNorm), batch {STEP_BATCH}: "
                      "zero_grad, forward, cross-entropy, backward, SGD update",
        "params": {"batch": STEP_BATCH, "steps_per_run": steps, "repeats": repeats},
        "ways": measure(ways, repeats, scale=1e3 / steps),
    }


def step_estimate(model, input_shape):
    """Bytes one training step needs at its peak, from the shapes alone, as {part: bytes}.

    Parameters and their gradients; every array the forward pass keeps for the backward pass
    (each layer's output; a convolution's im2col matrix, counted apart; BatchNorm's normalised
    input; max pooling's winners, one byte each); and the largest temporary of the backward
    pass: a convolution's column gradient plus its padded input gradient (not for the first
    layer, whose input, the data, needs no gradient).
    """
    parameters = sum(p.numel() for p in model.parameters()) * FLOAT32
    shape, kept, im2col, transient = tuple(input_shape), 0, 0, 0
    for position, layer in enumerate(model):
        n = shape[0]
        if isinstance(layer, Conv2d):
            (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
            oh, ow = conv_output_size(shape[2], kh, sh, ph), conv_output_size(shape[3], kw, sw, pw)
            columns = n * shape[1] * kh * kw * oh * ow * FLOAT32
            im2col += columns
            if position > 0:
                padded_input = n * shape[1] * (shape[2] + 2 * ph) * (shape[3] + 2 * pw) * FLOAT32
                transient = max(transient, columns + padded_input)
            shape = (n, layer.out_channels, oh, ow)
        elif isinstance(layer, MaxPool2d):
            (kh, kw), (sh, sw), (ph, pw) = pool_arguments("MaxPool2d", layer.kernel_size, layer.stride, layer.padding)
            shape = (n, shape[1], conv_output_size(shape[2], kh, sh, ph), conv_output_size(shape[3], kw, sw, pw))
            kept += int(np.prod(shape))  # the winners, one byte each
        elif isinstance(layer, Flatten):
            shape = (n, int(np.prod(shape[1:])))
            continue  # a view: nothing new is kept
        elif isinstance(layer, Linear):
            shape = (n, layer.out_features)
        elif isinstance(layer, BatchNorm2d):
            kept += int(np.prod(shape)) * FLOAT32  # x_hat
        kept += int(np.prod(shape)) * FLOAT32  # the layer's output
    parts = {"parameters": parameters, "parameter_gradients": parameters, "activations": kept,
             "im2col": im2col, "backward_transient": transient}
    return {**parts, "total": sum(parts.values())}


def step_memory():
    """tracemalloc's peak over one training step of the cnn milestone's network, against step_estimate.

    The model and the batch are built before tracing starts, so the peak counts the step's own
    arrays plus the gradients it leaves; a first, untraced step makes every lazily created
    buffer exist already.
    """
    from tinytorch import manual_seed

    manual_seed(0)
    model = lenet("fashion-mnist")
    x, labels = step_data()
    step = TinytorchStep(model)
    step(x, labels)
    step.optimizer.zero_grad()
    parameters = sum(p.data.nbytes for p in model.parameters())
    tracemalloc.start()
    try:
        step(x, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = step_estimate(model, x.shape)
    measured = peak + parameters  # the parameters were allocated before tracing started
    return {
        "definition": f"tracemalloc peak of one training step of the cnn milestone's network at batch {STEP_BATCH} "
                      "(parameters included, the batch not), against an estimate from its shapes",
        "peak": measured,
        "estimate": estimate,
        "derived": {"peak_over_estimate": measured / estimate["total"],
                    "im2col_share_of_estimate": estimate["im2col"] / estimate["total"]},
    }
