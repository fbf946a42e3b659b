# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 06: Optimizers - turning gradients into better parameters
#
# **You have built**: a network, a loss, and `loss.backward()`, which leaves in each
# parameter's `.grad` the direction in which the loss grows fastest. **You build now**: the
# rules that move parameters the other way: plain gradient descent with momentum (SGD),
# Adam, and AdamW.
#
# ```
#   forward --> loss --> backward --> optimizer.step() --> zero_grad() --> next batch
#                                      p <- p - lr * update(grad, state)
# ```
#
# **Where the code goes**: `modules/06_optimizers/optimizers_dev.py` exports to
# `tinytorch.core.optimizers`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.optimizers
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. What every optimizer shares
#
# An optimizer holds a list of parameters and, for each, some **state** (a velocity, running
# averages). `step()` updates every parameter that has a gradient; `zero_grad()` clears the
# gradients, because backward *adds* to them. A parameter whose `.grad` is `None` at
# `step()` (it took no part in this loss) is skipped entirely: not moved, not decayed, its
# state untouched. This is what PyTorch does, and it matters, for instance, for a layer
# that is frozen or unused in some steps.
#
# `state_dict()` returns the hyperparameters and every state array, so that a checkpoint can
# resume training exactly; `load_state_dict()` checks the shapes before it changes anything.
#
# Updates are written **in place** (`p.data -= ...`, `np.multiply(..., out=...)`): the model,
# the optimizer and any checkpoint code all hold the same arrays, and no step allocates a
# new copy of every parameter.

# %% nbgrader={"grade": false, "grade_id": "optimizer-base", "solution": false}
#| export
class Optimizer:
    """Base class: parameter checking, zero_grad, step over parameters with gradients, state."""

    def __init__(self, params, lr, **hyperparameters):
        name = type(self).__name__
        params = list(params)
        if not params:
            raise ValueError(f"{name} got no parameters to optimize")
        seen = set()
        for position, param in enumerate(params):
            if not isinstance(param, Tensor) or not param.requires_grad:
                raise TypeError(
                    f"{name}: parameter {position} is not a Tensor with requires_grad=True "
                    f"(got {type(param).__name__}{'' if not isinstance(param, Tensor) else ' without requires_grad'})"
                )
            if param.dtype.kind != "f":
                raise TypeError(f"{name}: parameter {position} has dtype {param.dtype}, not floating point")
            if id(param) in seen:
                raise ValueError(f"{name}: parameter {position} appears twice in the list")
            seen.add(id(param))
        _check_non_negative(name, "lr", lr)
        self.params = params
        self.hyperparameters = {"lr": float(lr), **hyperparameters}
        self.state = [{} for _ in params]

    @property
    def lr(self):
        return self.hyperparameters["lr"]

    @lr.setter
    def lr(self, value):
        _check_non_negative(type(self).__name__, "lr", value)
        self.hyperparameters["lr"] = float(value)

    def zero_grad(self):
        """Forget every parameter's gradient (backward accumulates into .grad)."""
        for param in self.params:
            param.grad = None

    def step(self):
        """Update every parameter that has a gradient."""
        for param, state in zip(self.params, self.state):
            if param.grad is not None:
                self._update(param.data, param.grad.data, state)

    def _update(self, value, grad, state):
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    def state_dict(self):
        """{"hyperparameters": {...}, "state": [{name: array}, ...]} (copies)."""
        return {
            "hyperparameters": dict(self.hyperparameters),
            "state": [{key: np.array(value) for key, value in entry.items()} for entry in self.state],
        }

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by state_dict(); all checked before any change."""
        name = f"{type(self).__name__}.load_state_dict"
        hyper, entries = state_dict.get("hyperparameters"), state_dict.get("state")
        if not isinstance(hyper, dict) or not isinstance(entries, (list, tuple)):
            raise ValueError(f"{name}: expected keys 'hyperparameters' (dict) and 'state' (list)")
        if set(hyper) != set(self.hyperparameters):
            raise ValueError(
                f"{name}: hyperparameters {sorted(hyper)} do not match this optimizer's {sorted(self.hyperparameters)}"
            )
        if len(entries) != len(self.params):
            raise ValueError(f"{name}: state for {len(entries)} parameters, this optimizer has {len(self.params)}")
        restored = []
        for position, (param, entry) in enumerate(zip(self.params, entries)):
            arrays = {key: np.asarray(value) for key, value in entry.items()}
            for key, array in arrays.items():
                if array.ndim and array.shape != param.shape:
                    raise ValueError(
                        f"{name}: state {key!r} of parameter {position} has shape {array.shape}, "
                        f"the parameter has shape {param.shape}"
                    )
            restored.append({key: array.astype(param.dtype if array.ndim else array.dtype) for key, array in arrays.items()})
        self.hyperparameters = {key: _plain(hyper[key]) for key in self.hyperparameters}
        self.state = restored

    def __repr__(self):
        settings = ", ".join(f"{key}={value}" for key, value in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


def _check_non_negative(owner, label, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
        raise ValueError(f"{owner}: {label} must be a non-negative number, got {value!r}")


def _plain(value):
    """A hyperparameter as a Python value (checkpoints store them as 0-d arrays)."""
    array = np.asarray(value)
    if array.dtype.kind == "b":
        return bool(array)
    if array.ndim == 0:
        return float(array)
    return tuple(float(v) for v in array)


# %% [markdown]
# ## 2. SGD, with momentum and Nesterov
#
# Plain gradient descent: `p <- p - lr * g`. Two additions make it much better:
#
# - **Weight decay** adds `weight_decay * p` to the gradient: the gradient of
#   `weight_decay/2 * |p|^2`, a penalty that keeps weights small.
# - **Momentum** keeps a velocity `v <- momentum * v + g` and steps along `v` instead of `g`.
#   Along a direction where gradients agree, steps grow (up to `1/(1 - momentum)` times);
#   where they flip sign from step to step, they cancel. Like a heavy ball rolling downhill.
# - **Nesterov** momentum steps along `g + momentum * v`: it looks one step ahead along the
#   velocity, which damps overshooting.
#
# ```
# g = grad + weight_decay * p
# v = g                          on the first step
# v = momentum * v + g           afterwards
# step = g + momentum * v  (nesterov)  or  v  (plain momentum)  or  g  (no momentum)
# p = p - lr * step
# ```

# %% nbgrader={"grade": false, "grade_id": "sgd", "solution": true}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""

    def __init__(self, params, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        _check_non_negative("SGD", "momentum", momentum)
        _check_non_negative("SGD", "weight_decay", weight_decay)
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum above 0")
        super().__init__(params, lr, momentum=float(momentum), nesterov=bool(nesterov),
                         weight_decay=float(weight_decay))

    def _update(self, value, grad, state):
        """
        TODO: apply the update of the box above to `value` (the parameter's array) in place.

        HINTS:
        - state is this parameter's dict; keep the velocity in state["velocity"].
        - np.copy the gradient the first time: the velocity must not alias .grad.
        """
        h = self.hyperparameters
        ### BEGIN SOLUTION
        if h["weight_decay"]:
            grad = grad + h["weight_decay"] * value
        if h["momentum"]:
            velocity = state.get("velocity")
            if velocity is None:
                velocity = state["velocity"] = np.array(grad, dtype=value.dtype)
            else:
                velocity *= h["momentum"]
                velocity += grad
            grad = grad + h["momentum"] * velocity if h["nesterov"] else velocity
        value -= h["lr"] * grad
        ### END SOLUTION


# %% [markdown]
# ## 3. Adam
#
# Adam (Kingma and Ba, 2015) gives every parameter its own step size. It keeps two running
# averages per parameter: `m`, of the gradient (a momentum), and `v`, of the squared gradient
# (how large gradients of this parameter usually are). The step is `m / sqrt(v)`: about
# `lr` in size whatever the scale of the gradients, smaller where gradients are noisy.
#
# Both averages start at zero, so early on they are too small; dividing by `1 - beta^t`
# (after `t` steps) corrects that bias exactly.
#
# ```
# t = t + 1;  g = grad + weight_decay * p
# m = beta1 * m + (1 - beta1) * g
# v = beta2 * v + (1 - beta2) * g^2
# p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
# ```
#
# **Memory**: two extra arrays the size of the parameters, so Adam triples the memory of
# the parameters (SGD with momentum doubles it).
#
# ## 4. AdamW: weight decay done right
#
# In Adam, weight decay added to the gradient is divided by `sqrt(v)` like everything else,
# so parameters with large gradients are barely decayed. AdamW (Loshchilov and Hutter, 2019)
# *decouples* the decay: it shrinks the parameter directly, `p = p * (1 - lr * weight_decay)`,
# then takes the Adam step without weight decay in the gradient. The sign matters: decay
# pulls weights towards zero. A test with fixed numbers against PyTorch catches a flipped
# sign that "the loss still goes down" would not.

# %% nbgrader={"grade": false, "grade_id": "adam", "solution": true}
#| export
class Adam(Optimizer):
    """Adam with bias correction; weight_decay is added to the gradient (L2), as in torch.optim.Adam."""

    decoupled = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        name = type(self).__name__
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {betas!r}")
        _check_non_negative(name, "eps", eps)
        _check_non_negative(name, "weight_decay", weight_decay)
        super().__init__(params, lr, betas=(float(betas[0]), float(betas[1])), eps=float(eps),
                         weight_decay=float(weight_decay))

    def _update(self, value, grad, state):
        """
        TODO: apply the Adam update in place, with per-parameter step count state["step"].

        HINTS:
        - if self.decoupled (AdamW), shrink `value` by (1 - lr * weight_decay) first and do not
          add the decay to the gradient; otherwise add weight_decay * value to the gradient.
        - keep m and v in state["m"], state["v"] (zeros the first time).
        """
        h = self.hyperparameters
        beta1, beta2 = h["betas"]
        ### BEGIN SOLUTION
        if h["weight_decay"]:
            if self.decoupled:
                value *= 1 - h["lr"] * h["weight_decay"]
            else:
                grad = grad + h["weight_decay"] * value
        if "m" not in state:
            state["step"] = np.array(0)
            state["m"] = np.zeros_like(value)
            state["v"] = np.zeros_like(value)
        step = int(state["step"]) + 1
        state["step"] = np.array(step)
        m, v = state["m"], state["v"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * (grad * grad)
        # Python floats (math.sqrt) keep float32 arrays float32.
        denominator = np.sqrt(v) / math.sqrt(1 - beta2**step) + h["eps"]
        value -= (h["lr"] / (1 - beta1**step)) * m / denominator
        ### END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr wd) before the Adam step (torch.optim.AdamW)."""

    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# %% [markdown]
# ### Unit tests
#
# The expected numbers below were worked out by hand from the update rules above.

# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 10}
def test_unit_sgd():
    print("Unit test: SGD...")
    p = Tensor([1.0, -2.0], requires_grad=True)
    p.grad = Tensor([0.5, 0.5])
    SGD([p], lr=0.1).step()
    assert np.allclose(p.data, [0.95, -2.05])

    p = Tensor([1.0], requires_grad=True)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = Tensor([1.0])
        optimizer.step()
    assert np.allclose(p.data, [1.0 - 0.1 - 0.1 * 1.9]), "velocity 1, then 0.9 * 1 + 1 = 1.9"

    p = Tensor([2.0], requires_grad=True)
    p.grad = Tensor([0.0])
    SGD([p], lr=0.1, weight_decay=0.5).step()
    assert np.allclose(p.data, [2.0 - 0.1 * 0.5 * 2.0]), "weight decay pulls towards zero"

    still = Tensor([3.0], requires_grad=True)
    optimizer = SGD([still], lr=0.1, momentum=0.9, weight_decay=0.1)
    optimizer.step()
    assert still.data[0] == 3.0 and optimizer.state[0] == {}, "a parameter without gradient is skipped"
    print("SGD works.")


if __name__ == "__main__":
    test_unit_sgd()

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 15}
def test_unit_adam():
    print("Unit test: Adam and AdamW...")
    p = Tensor([1.0, 1.0], requires_grad=True)
    p.grad = Tensor([0.5, -2.0])
    Adam([p], lr=0.1).step()
    # First step: m_hat = g, v_hat = g^2, so the step is lr * sign(g) (up to eps).
    assert np.allclose(p.data, [0.9, 1.1], atol=1e-6)

    decayed = Tensor([1.0], requires_grad=True)
    decayed.grad = Tensor([0.0])
    AdamW([decayed], lr=0.1, weight_decay=0.5).step()
    assert np.allclose(decayed.data, [1.0 * (1 - 0.1 * 0.5)]), "AdamW shrinks the weight towards zero"

    coupled = Tensor([1.0], requires_grad=True)
    coupled.grad = Tensor([0.0])
    Adam([coupled], lr=0.1, weight_decay=0.5).step()
    assert np.allclose(coupled.data, [0.9], atol=1e-6), "Adam's L2 decay goes through the adaptive step"
    print("Adam and AdamW work.")


if __name__ == "__main__":
    test_unit_adam()

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-state", "locked": true, "points": 10}
def test_unit_optimizer_state():
    print("Unit test: optimizer state and bad input...")

    def run(steps, resume_at=None):
        p = Tensor([1.0, 2.0], requires_grad=True)
        optimizer = Adam([p], lr=0.05)
        for step in range(steps):
            if step == resume_at:
                saved = optimizer.state_dict()
                optimizer = Adam([p], lr=0.05)
                optimizer.load_state_dict(saved)
            p.grad = Tensor(np.sin(p.data + step))
            optimizer.step()
        return p.data

    assert np.array_equal(run(6), run(6, resume_at=3)), "a state_dict round trip resumes identically"
    for bad in ([Tensor([1.0])], [[1.0]], []):
        try:
            SGD(bad, lr=0.1)
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError(f"SGD({bad}) must be refused")
    print("Optimizer state works.")


if __name__ == "__main__":
    test_unit_optimizer_state()

# %% [markdown]
# ## 5. Systems view: optimizer memory
#
# For the digit network of Module 03 (235,146 parameters), the state each optimizer keeps:

# %% nbgrader={"grade": false, "grade_id": "analyze-optimizer-memory", "solution": false}
def analyze_optimizer_memory():
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential

    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    parameter_bytes = sum(p.data.nbytes for p in model.parameters())
    print(f"parameters: {parameter_bytes / 1024:.1f} KB")
    for label, optimizer in (("SGD", SGD(model.parameters())),
                             ("SGD with momentum", SGD(model.parameters(), momentum=0.9)),
                             ("Adam", Adam(model.parameters()))):
        for p in model.parameters():
            p.grad = Tensor(np.zeros(p.shape))
        optimizer.step()
        state_bytes = sum(a.nbytes for entry in optimizer.state for a in entry.values())
        print(f"{label:>18}: state {state_bytes / 1024:7.1f} KB ({state_bytes / parameter_bytes:.1f} x the parameters)")


if __name__ == "__main__":
    analyze_optimizer_memory()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "optimizers-module-integration", "locked": true, "points": 15}
def test_module():
    print("Module test: Optimizers")
    test_unit_sgd()
    test_unit_adam()
    test_unit_optimizer_state()

    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.tensor import manual_seed

    manual_seed(0)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((128, 2)))
    labels = (x.data[:, 0] * x.data[:, 1] > 0).astype(np.int64)  # XOR-like quadrants
    for make in (lambda ps: SGD(ps, lr=0.3, momentum=0.9), lambda ps: Adam(ps, lr=0.02),
                 lambda ps: AdamW(ps, lr=0.02)):
        manual_seed(1)
        model = Sequential(Linear(2, 32), ReLU(), Linear(32, 2))
        optimizer = make(model.parameters())
        for _ in range(200):
            optimizer.zero_grad()
            loss = CrossEntropyLoss()(model(x), labels)
            loss.backward()
            optimizer.step()
        accuracy = np.mean(np.argmax(model(x).data, axis=1) == labels)
        assert accuracy > 0.95, f"{optimizer!r} reached only {accuracy:.2%}"
    print("All optimizer tests passed. Next: tito module complete 06_optimizers")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - Optimizers move every parameter that has a gradient, in place, and skip those without.
# - Momentum smooths the direction; Adam adapts the step size per parameter and corrects
#   the bias of its zero-initialised averages; AdamW decouples weight decay from it.
# - `state_dict()` holds everything needed to resume exactly.
#
# **Next**: Module 07 wraps forward, backward and step into a training loop with schedules,
# clipping, progress and checkpoints.
