"""tinytorch.core.spatial: every op against central differences, and against PyTorch with the weights copied across."""

import numpy as np
import pytest

from conftest import require_torch
from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import gradcheck, no_grad
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.spatial import (
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Flatten, MaxPool2d, avg_pool2d, batch_norm, conv2d, conv2d_loops,
    images_per_group, max_pool2d, receptive_field,
)
from tinytorch.core.tensor import Tensor, manual_seed

# `tito module complete 09_spatial` runs the tests marked with its module.
pytestmark = pytest.mark.module(name="09_spatial")

RNG = np.random.default_rng(2024)


@pytest.fixture(scope="module")
def torch():
    return require_torch()


def leaf(*shape, low=-2.0, high=2.0):
    """A float64 tensor that requires grad, for gradcheck."""
    return Tensor(RNG.uniform(low, high, shape), dtype=np.float64, requires_grad=True)


def distinct(*shape):
    """float64 values that are all different (a shuffled ramp): no ties for max pooling."""
    return Tensor(RNG.permutation(int(np.prod(shape))).reshape(shape) / 7.0, dtype=np.float64, requires_grad=True)


def close(ours, theirs, what, tolerance=1e-5):
    """Largest absolute difference at most `tolerance` times the largest magnitude (at least 1)."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch's {theirs.shape}"
    scale = max(1.0, float(np.max(np.abs(theirs)))) if theirs.size else 1.0
    worst = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
    assert worst <= tolerance * scale, f"{what}: largest difference from PyTorch {worst:.3g} at scale {scale:.3g}"


# (input shape, out_channels, kernel_size, stride, padding, bias): strides, paddings, rectangular
# kernels, 1x1, channel counts that differ, pairs given per axis, a stride that skips the last rows.
CONV_CASES = [
    ((2, 3, 8, 8), 4, 3, 1, 0, True),
    ((2, 3, 8, 8), 4, 3, 1, 1, True),
    ((2, 3, 9, 9), 5, 3, 2, 1, True),
    ((1, 2, 7, 10), 3, (3, 5), (2, 1), (1, 2), True),
    ((3, 5, 6, 6), 2, 1, 1, 0, True),
    ((2, 4, 5, 5), 7, 1, 2, 0, False),
    ((2, 1, 12, 12), 6, 5, 1, 2, True),
    ((2, 6, 8, 8), 16, 5, 1, 0, False),
    ((1, 3, 11, 8), 2, (4, 2), (3, 2), 0, True),
    ((4, 2, 6, 7), 3, (2, 3), (2, 1), (1, 0), True),
]
CONV_IDS = [f"{shape}-k{kernel}-s{stride}-p{padding}-{'bias' if bias else 'nobias'}"
            for shape, _, kernel, stride, padding, bias in CONV_CASES]


@pytest.fixture(params=["batch-first", "batch-last"])
def layout(request, monkeypatch):
    """conv2d in each of its layouts, whatever its rule would choose for the shape: NCHW
    (one image per group) or the whole batch side by side."""
    import tinytorch.core.spatial as spatial

    chosen = {"batch-first": lambda n, out_width: 1, "batch-last": lambda n, out_width: n}[request.param]
    monkeypatch.setattr(spatial, "images_per_group", chosen)
    return request.param


def test_conv2d_puts_the_batch_last_on_narrow_maps_only():
    assert images_per_group(64, 10) == 64, "the second LeNet layer's 10x10 outputs: the whole batch side by side"
    assert images_per_group(64, 24) == 1 and images_per_group(64, 16) == 1, "wide maps stay NCHW"
    assert images_per_group(96, 5) == 32 and images_per_group(256, 5) == 64, "a divisor of the batch, at most 64"
    assert images_per_group(59, 5) == 1 and images_per_group(1, 5) == 1


@pytest.mark.usefixtures("layout")
@pytest.mark.parametrize("shape, out_channels, kernel, stride, padding, bias", CONV_CASES, ids=CONV_IDS)
def test_conv2d_gradients_agree_with_central_differences(shape, out_channels, kernel, stride, padding, bias):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    inputs = [leaf(*shape), leaf(out_channels, shape[1], kh, kw)] + ([leaf(out_channels)] if bias else [])
    assert gradcheck(lambda x, w, *b: conv2d(x, w, b[0] if b else None, stride, padding), *inputs)


@pytest.mark.usefixtures("layout")
@pytest.mark.parametrize("shape, out_channels, kernel, stride, padding, bias", CONV_CASES, ids=CONV_IDS)
def test_conv2d_matches_the_direct_loops(shape, out_channels, kernel, stride, padding, bias):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x, w, b = RNG.standard_normal(shape), RNG.standard_normal((out_channels, shape[1], kh, kw)), RNG.standard_normal(out_channels)
    pairs = [(v, v) if isinstance(v, int) else v for v in (stride, padding)]
    expected = conv2d_loops(x, w, b if bias else None, *pairs)
    got = conv2d(Tensor(x, dtype=np.float64), Tensor(w, dtype=np.float64),
                 Tensor(b, dtype=np.float64) if bias else None, stride, padding)
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("layout")
@pytest.mark.parametrize("shape, out_channels, kernel, stride, padding, bias", CONV_CASES, ids=CONV_IDS)
def test_conv2d_layer_matches_torch(torch, shape, out_channels, kernel, stride, padding, bias):
    ours = Conv2d(shape[1], out_channels, kernel, stride, padding, bias=bias)
    theirs = torch.nn.Conv2d(shape[1], out_channels, kernel, stride, padding, bias=bias)
    with torch.no_grad():  # the same layout, (O, C, KH, KW): copied as it is
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        if bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x = RNG.standard_normal(shape).astype(np.float32)
    ours_x, theirs_x = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
    ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
    close(ours_out, theirs_out, "output")
    upstream = RNG.standard_normal(ours_out.shape).astype(np.float32)
    (ours_out * Tensor(upstream)).sum().backward()
    theirs_out.backward(torch.from_numpy(upstream))
    close(ours_x.grad, theirs_x.grad, "input gradient")
    close(ours.weight.grad, theirs.weight.grad, "weight gradient", tolerance=1e-4)
    if bias:
        close(ours.bias.grad, theirs.bias.grad, "bias gradient", tolerance=1e-4)


@pytest.mark.usefixtures("layout")
def test_conv2d_in_float64_and_on_one_image_matches_torch(torch):
    x, w, b = RNG.standard_normal((3, 9, 7)), RNG.standard_normal((4, 3, 2, 3)), RNG.standard_normal(4)
    ours = conv2d(Tensor(x, dtype=np.float64), Tensor(w, dtype=np.float64), Tensor(b, dtype=np.float64), 2, 1)
    theirs = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=2, padding=1)
    assert ours.dtype == np.float64 and ours.shape == (4, 5, 4)
    close(ours, theirs, "unbatched float64 output", tolerance=1e-12)


def test_conv2d_initialisation_is_torchs(torch):
    """Both draw uniformly from +-1/sqrt(fan_in): the same bound, the same spread."""
    manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = Conv2d(32, 64, (3, 5)), torch.nn.Conv2d(32, 64, (3, 5))
    bound = 1 / np.sqrt(32 * 3 * 5)
    for name in ("weight", "bias"):
        mine, reference = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        assert mine.shape == reference.shape and mine.dtype == reference.dtype == np.float32
        assert np.abs(mine).max() <= bound * (1 + 1e-6) and np.abs(reference).max() <= bound * (1 + 1e-6)
        assert np.abs(mine).max() > 0.9 * bound, f"{name}: the draws should reach near the bound"
    np.testing.assert_allclose(ours.weight.data.std(), theirs.weight.detach().numpy().std(), rtol=0.03)
    np.testing.assert_allclose(ours.weight.data.std(), bound / np.sqrt(3), rtol=0.03)


def test_conv2d_only_computes_the_gradients_that_are_needed(monkeypatch):
    """A first layer's input (the data) needs no gradient: no column gradient is built for it.
    A frozen weight gets none either, while the input and bias still do."""
    import tinytorch.core.spatial as spatial

    calls = []
    original = spatial.add_windows
    monkeypatch.setattr(spatial, "add_windows", lambda *args: calls.append(args) or original(*args))
    layer = Conv2d(2, 3, 3)
    x = Tensor(RNG.standard_normal((2, 2, 5, 5)))
    layer(x).sum().backward()
    assert calls == [] and x.grad is None, "the input's gradient was computed though nothing needs it"
    assert layer.weight.grad.shape == (3, 2, 3, 3) and layer.bias.grad.shape == (3,)

    layer.zero_grad()
    layer.weight.requires_grad = False
    y = Tensor(RNG.standard_normal((2, 2, 5, 5)), requires_grad=True)
    layer(y).sum().backward()
    assert len(calls) == 1 and y.grad.shape == (2, 2, 5, 5) and layer.bias.grad.shape == (3,)
    assert layer.weight.grad is None, "a frozen weight gets no gradient"
    with no_grad():
        assert not layer(y).requires_grad, "under no_grad nothing is recorded"


POOL_CASES = [(2, None, 0), (2, 1, 0), (3, 2, 1), ((3, 2), (2, 1), (1, 0)), (3, 3, 0), (1, 1, 0)]
POOL_IDS = [f"k{k}-s{s}-p{p}" for k, s, p in POOL_CASES]


@pytest.mark.parametrize("kernel, stride, padding", POOL_CASES, ids=POOL_IDS)
def test_pool_gradients_agree_with_central_differences(kernel, stride, padding):
    assert gradcheck(lambda x: max_pool2d(x, kernel, stride, padding), distinct(2, 3, 7, 6))
    assert gradcheck(lambda x: avg_pool2d(x, kernel, stride, padding), leaf(2, 3, 7, 6))


@pytest.mark.parametrize("kernel, stride, padding", POOL_CASES, ids=POOL_IDS)
@pytest.mark.parametrize("layer", ["MaxPool2d", "AvgPool2d"])
def test_pools_match_torch(torch, layer, kernel, stride, padding):
    ours = {"MaxPool2d": MaxPool2d, "AvgPool2d": AvgPool2d}[layer](kernel, stride, padding)
    theirs = getattr(torch.nn, layer)(kernel, stride, padding)
    x = RNG.standard_normal((3, 4, 9, 8)).astype(np.float32)
    ours_x, theirs_x = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
    ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
    close(ours_out, theirs_out, f"{layer} output", tolerance=1e-6)
    upstream = RNG.standard_normal(ours_out.shape).astype(np.float32)
    (ours_out * Tensor(upstream)).sum().backward()
    theirs_out.backward(torch.from_numpy(upstream))
    close(ours_x.grad, theirs_x.grad, f"{layer} input gradient", tolerance=1e-6)


def test_max_pool_ties_and_nan_behave_as_torch_on_the_cpu(torch):
    """Tied maxima (a ReLU's zeros, repeated values): the whole gradient to the first one in
    row-major order; a NaN in a window comes out as NaN. The documented behaviour, as PyTorch's."""
    x = np.maximum(RNG.standard_normal((2, 3, 8, 8)), 0).astype(np.float32)  # half zeros: many all-zero windows
    x[0, 0, :2, :2] = 5.0
    x[1, 2, 4:7, 4:7] = np.nan
    for kernel, stride, padding in ((2, 2, 0), (3, 1, 1), (3, 2, 1)):
        ours_x, theirs_x = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
        ours_out = max_pool2d(ours_x, kernel, stride, padding)
        theirs_out = torch.nn.functional.max_pool2d(theirs_x, kernel, stride, padding)
        np.testing.assert_array_equal(ours_out.data, theirs_out.detach().numpy())
        upstream = RNG.standard_normal(ours_out.shape).astype(np.float32)
        (ours_out * Tensor(upstream)).sum().backward()
        theirs_out.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-6, atol=1e-6,
                                   err_msg=f"kernel {kernel}, stride {stride}, padding {padding}")


def test_pools_and_flatten_take_one_image_as_torch_does(torch):
    x = RNG.standard_normal((3, 6, 6)).astype(np.float32)
    close(MaxPool2d(2)(Tensor(x)), torch.nn.MaxPool2d(2)(torch.from_numpy(x)), "unbatched max pool")
    close(AvgPool2d(3, 1, 1)(Tensor(x)), torch.nn.AvgPool2d(3, 1, 1)(torch.from_numpy(x)), "unbatched avg pool")
    four = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    for arguments in ((), (0,), (1, 2), (2, -1)):
        close(Flatten(*arguments)(Tensor(four)), torch.nn.Flatten(*arguments)(torch.from_numpy(four)), f"Flatten{arguments}")


BN_CASES = [("BatchNorm2d", (4, 3, 5, 6)), ("BatchNorm1d", (16, 3)), ("BatchNorm1d", (4, 3, 7))]


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(4, 3, 2, 3), (6, 3), (3, 3, 4)], ids=str)
def test_batch_norm_gradients_agree_with_central_differences(training, shape):
    running = (Tensor(RNG.standard_normal(3)), Tensor(RNG.uniform(0.5, 2.0, 3)))
    assert gradcheck(lambda x, w, b: batch_norm(x, *running, w, b, training=training, momentum=0.0),
                     leaf(*shape), leaf(3), leaf(3))


@pytest.mark.parametrize("momentum", [0.1, 0.5, None], ids=["momentum0.1", "momentum0.5", "cumulative"])
@pytest.mark.parametrize("layer, shape", BN_CASES, ids=[f"{name}{shape}" for name, shape in BN_CASES])
def test_batch_norm_matches_torch_in_training_and_evaluation(torch, layer, shape, momentum):
    channels = shape[1]
    ours, theirs = getattr(__import__("tinytorch.core.spatial", fromlist=[layer]), layer)(channels, momentum=momentum), \
        getattr(torch.nn, layer)(channels, momentum=momentum)
    weight, bias = RNG.uniform(0.5, 2.0, channels).astype(np.float32), RNG.standard_normal(channels).astype(np.float32)
    ours.weight.data[...], ours.bias.data[...] = weight, bias
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(weight))
        theirs.bias.copy_(torch.from_numpy(bias))
    for step in range(3):  # training: batch statistics, running statistics updated every step
        x = (RNG.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        ours_x, theirs_x = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
        ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
        close(ours_out, theirs_out, f"training output, step {step}")
        upstream = RNG.standard_normal(shape).astype(np.float32)
        ours.zero_grad()
        theirs.zero_grad()
        (ours_out * Tensor(upstream)).sum().backward()
        theirs_out.backward(torch.from_numpy(upstream))
        close(ours_x.grad, theirs_x.grad, f"training input gradient, step {step}", tolerance=1e-4)
        close(ours.weight.grad, theirs.weight.grad, "weight gradient", tolerance=1e-4)
        close(ours.bias.grad, theirs.bias.grad, "bias gradient", tolerance=1e-4)
        close(ours.running_mean, theirs.running_mean, f"running mean after step {step}")
        close(ours.running_var, theirs.running_var, f"running variance after step {step}")
    assert int(ours.num_batches_tracked.data) == int(theirs.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal(shape).astype(np.float32)
    ours_x, theirs_x = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
    ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
    close(ours_out, theirs_out, "evaluation output")
    ours_out.sum().backward()
    theirs_out.sum().backward()
    close(ours_x.grad, theirs_x.grad, "evaluation input gradient")
    close(ours.running_mean, theirs.running_mean, "evaluation leaves the running mean")
    assert list(ours.state_dict()) == list(theirs.state_dict()), "the same state dict names, in the same order"


def test_a_small_cnn_matches_torch_with_its_state_dict(torch):
    """A whole network: PyTorch's state dict, loaded into tinytorch (Linear weights transposed:
    tinytorch's are (in, out)), gives the same scores, loss gradients and running statistics."""
    def ours_net():
        return Sequential(Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
                          Conv2d(4, 8, 3), ReLU(), AvgPool2d(2), Flatten(), Linear(8 * 2 * 2, 10))

    t = torch.nn
    theirs = t.Sequential(t.Conv2d(1, 4, 3, padding=1), t.BatchNorm2d(4), t.ReLU(), t.MaxPool2d(2),
                          t.Conv2d(4, 8, 3), t.ReLU(), t.AvgPool2d(2), t.Flatten(), t.Linear(8 * 2 * 2, 10))
    state = {name: value.numpy().T if name == "8.weight" else value.numpy() for name, value in theirs.state_dict().items()}
    ours = ours_net()
    ours.load_state_dict(state)
    x = RNG.standard_normal((5, 1, 12, 12)).astype(np.float32)
    labels = np.array([0, 3, 9, 1, 3])
    from tinytorch.core.losses import CrossEntropyLoss

    ours_loss = CrossEntropyLoss()(ours(Tensor(x)), labels)
    theirs_loss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(labels))
    close(ours_loss, theirs_loss, "loss")
    ours_loss.backward()
    theirs_loss.backward()
    for (name, parameter), (their_name, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == their_name
        expected = reference.grad.T if name == "8.weight" else reference.grad
        close(parameter.grad, expected, f"gradient of {name}", tolerance=1e-4)
    close(ours[1].running_var, theirs[1].running_var, "running variance")
    ours.eval()
    theirs.eval()
    close(ours(Tensor(x)), theirs(torch.from_numpy(x)), "evaluation scores")


def test_receptive_field_of_common_stacks():
    assert receptive_field([Conv2d(3, 8, 3, padding=1)] * 2) == (5, 5)
    assert receptive_field(Sequential(Conv2d(1, 6, 5), ReLU(), MaxPool2d(2), Conv2d(6, 16, 5), MaxPool2d(2))) == (16, 16)
    assert receptive_field([Flatten(), Linear(4, 2)]) == (1, 1), "layers without a kernel do not widen it"


def test_the_saved_arrays_die_with_the_step():
    """The im2col matrix, the pooling winners and BatchNorm's x_hat are held by the graph alone:
    once backward has run and the outputs are dropped, nothing (no layer, no cache) keeps them."""
    import gc
    import weakref

    layer, norm = Conv2d(3, 4, 3), BatchNorm2d(4)
    x = Tensor(RNG.standard_normal((2, 3, 8, 8)), requires_grad=True)
    out = layer(x)
    pooled = max_pool2d(out, 2)
    normed = norm(pooled)
    saved = [weakref.ref(out._saved["cols"]), weakref.ref(pooled._saved["winners"]), weakref.ref(normed._saved["x_hat"])]
    gc.disable()  # reference counting alone must free them
    try:
        normed.sum().backward()
        del out, pooled, normed
        assert [ref() is None for ref in saved] == [True, True, True], "a saved array outlived its graph"
    finally:
        gc.enable()


def test_refused_batches_leave_batch_norm_as_it_was():
    layer = BatchNorm2d(3)
    for bad in (Tensor(np.ones((1, 3, 1, 1))), Tensor(np.ones((2, 4, 2, 2))), Tensor(np.ones((3, 2, 2)))):
        with pytest.raises(ValueError):
            layer(bad)
    assert int(layer.num_batches_tracked.data) == 0, "a refused batch is not counted"
    assert np.array_equal(layer.running_mean.data, np.zeros(3)) and np.array_equal(layer.running_var.data, np.ones(3))


def test_the_layers_are_re_exported_by_tinytorch():
    import tinytorch
    from tinytorch.core import spatial

    for name in ("Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm2d", "BatchNorm1d"):
        assert getattr(tinytorch, name) is getattr(spatial, name) and name in tinytorch.__all__
