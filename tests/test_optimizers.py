"""Optimizers (Module 06): parity with torch.optim step by step, skipped parameters, state, bad input."""

import numpy as np
import pytest

from conftest import require_torch
from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.module(name="06_optimizers")

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "betas": (0.85, 0.995)}),
]
OURS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}


def gradient_sequence(steps, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(shape).astype(np.float32) for shape in shapes] for _ in range(steps)]


@pytest.mark.parametrize("name, options", CONFIGS, ids=[f"{n}-{'-'.join(map(str, o.items()))}" for n, o in CONFIGS])
def test_matches_torch_over_several_steps(name, options):
    torch = require_torch()
    shapes = [(4, 3), (3,)]
    initial = [np.random.default_rng(9).standard_normal(s).astype(np.float32) for s in shapes]
    ours = [Tensor(v.copy(), requires_grad=True) for v in initial]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in initial]
    optimizer = OURS[name](ours, **options)
    reference = getattr(torch.optim, name)(theirs, **options)
    for step, grads in enumerate(gradient_sequence(8, shapes)):
        for ours_p, theirs_p, g in zip(ours, theirs, grads):
            if step == 3 and ours_p is ours[1]:  # a step where the bias took no part: both skip it
                ours_p.grad, theirs_p.grad = None, None
                continue
            ours_p.grad = Tensor(g)
            theirs_p.grad = torch.from_numpy(g.copy())
        optimizer.step()
        reference.step()
        for ours_p, theirs_p in zip(ours, theirs):
            np.testing.assert_allclose(ours_p.data, theirs_p.detach().numpy(), rtol=0, atol=1e-6)


def test_parameter_without_gradient_is_untouched():
    frozen = Tensor([1.0, 2.0], requires_grad=True)
    active = Tensor([1.0], requires_grad=True)
    optimizer = AdamW([frozen, active], lr=0.1, weight_decay=0.5)
    active.grad = Tensor([1.0])
    optimizer.step()
    assert np.array_equal(frozen.data, [1.0, 2.0]) and frozen not in optimizer.state
    assert active.data[0] != 1.0


@pytest.mark.parametrize("name, options", CONFIGS[1:2] + CONFIGS[7:8] + CONFIGS[9:10])
def test_state_dict_round_trip_resumes_identically(name, options):
    def train(steps, resume_at=None):
        p = Tensor(np.ones((3, 2)), requires_grad=True)
        optimizer = OURS[name]([p], **options)
        for step, (g,) in enumerate(gradient_sequence(steps, [(3, 2)])):
            if step == resume_at:
                state = optimizer.state_dict()
                optimizer = OURS[name]([p], lr=123.0)  # hyperparameters come back from the state dict
                optimizer.load_state_dict(state)
            p.grad = Tensor(g)
            optimizer.step()
        return p.data.copy()

    assert np.array_equal(train(7), train(7, resume_at=4))


def test_state_dict_is_a_copy_and_checked_on_load():
    p = Tensor(np.ones(3), requires_grad=True)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor(np.ones(3))
    optimizer.step()
    state = optimizer.state_dict()
    state["state"][0]["velocity"][:] = 99
    assert optimizer.state[p]["velocity"][0] == 1.0
    bad = optimizer.state_dict()
    bad["state"][0]["velocity"] = np.ones(4)
    with pytest.raises(ValueError, match=r"'velocity' of parameter 0 has shape \(4,\)"):
        optimizer.load_state_dict(bad)
    with pytest.raises(ValueError, match="state for parameter 1"):
        optimizer.load_state_dict({"param_groups": state["param_groups"], "state": {1: {}}})
    with pytest.raises(ValueError, match="hyperparameters"):
        Adam([p]).load_state_dict(state)
    with pytest.raises(ValueError, match="2 parameter groups saved"):
        optimizer.load_state_dict({"param_groups": state["param_groups"] * 2, "state": {}})
    assert optimizer.state[p]["velocity"][0] == 1.0, "refused loads change nothing"


def test_param_groups_like_torch():
    torch = require_torch()
    rng = np.random.default_rng(3)
    initial = [rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal(2).astype(np.float32)]
    ours = [Tensor(v, requires_grad=True) for v in initial]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in initial]
    optimizer = SGD([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.5, "momentum": 0.0}], lr=0.1, momentum=0.9)
    reference = torch.optim.SGD([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.5, "momentum": 0.0}],
                                lr=0.1, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5] and optimizer.param_groups[1]["momentum"] == 0.0
    for step, grads in enumerate(gradient_sequence(5, [(3, 2), (2,)])):
        if step == 2:
            for ours_group, theirs_group in zip(optimizer.param_groups, reference.param_groups):
                ours_group["lr"] *= 0.5
                theirs_group["lr"] *= 0.5
        for o, t, g in zip(ours, theirs, grads):
            o.grad, t.grad = Tensor(g), torch.from_numpy(g.copy())
        optimizer.step()
        reference.step()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        optimizer.add_param_group({"params": [Tensor([1.0], requires_grad=True)], "betas": (0.9, 0.99)})
    with pytest.raises(ValueError, match="appears twice"):
        optimizer.add_param_group({"params": [ours[0]]})


def test_frozen_parameters_are_accepted_and_skipped():
    frozen = Tensor([1.0, 2.0])  # requires_grad=False: accepted, as in torch, and never moved
    optimizer = SGD([frozen], lr=0.1)
    optimizer.step()
    assert np.array_equal(frozen.data, [1.0, 2.0])


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: SGD([], lr=0.1), ValueError, "got no parameters"),
        (lambda: SGD([np.ones(3)], lr=0.1), TypeError, "parameter 0 is a ndarray, not a Tensor"),
        (lambda: SGD([Tensor([1.0], requires_grad=True) * 2], lr=0.1), ValueError, "only leaf tensors"),
        (lambda: SGD(Tensor([1.0], requires_grad=True), lr=0.1), TypeError, "single Tensor"),
        (lambda: SGD([Tensor([1.0], requires_grad=True)], lr=float("nan")), ValueError, "lr must be"),
        (lambda: Adam([Tensor([1.0], requires_grad=True)], betas=0.9), ValueError, "betas must be a pair"),
        (lambda: SGD([Tensor([1.0], requires_grad=True)] * 2, lr=0.1), ValueError, "appears twice"),
        (lambda: SGD([Tensor([1.0], requires_grad=True)], lr=-0.1), ValueError, "lr must be"),
        (lambda: SGD([Tensor([1.0], requires_grad=True)], nesterov=True), ValueError, "nesterov"),
        (lambda: Adam([Tensor([1.0], requires_grad=True)], betas=(0.9, 1.0)), ValueError, "betas"),
        (lambda: AdamW([Tensor([1.0], requires_grad=True)], weight_decay=-1), ValueError, "weight_decay"),
    ],
)
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_zero_grad_and_repr():
    p = Tensor([1.0], requires_grad=True)
    p.grad = Tensor([1.0])
    optimizer = SGD([p], lr=0.1, momentum=0.5)
    optimizer.zero_grad()
    assert p.grad is None
    assert repr(optimizer).startswith("SGD(1 parameters in 1 group(s); first group: lr=0.1, momentum=0.5")
