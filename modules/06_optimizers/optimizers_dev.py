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
# An optimizer holds the parameters, in one or more **parameter groups** (as in PyTorch: a
# group is a dict with its `params` and its own hyperparameters, so a network's last layer
# can learn faster than the rest, or skip weight decay), and, for each parameter, some
# **state** (a velocity, running averages). `step()` updates every parameter that has a gradient; `zero_grad()` clears the
# gradients, because backward *adds* to them. A parameter whose `.grad` is `None` at
# `step()` (it took no part in this loss) is skipped entirely: not moved, not decayed, its
# state untouched. This is what PyTorch does, and it matters, for instance, for a layer
# that is frozen or unused in some steps.
#
# `state_dict()` returns the groups' hyperparameters and every state array, in PyTorch's
# layout, so that a checkpoint can resume training exactly; `load_state_dict()` checks the
# groups and the shapes before it changes anything. A learning-rate schedule (Module 07)
# changes `group["lr"]` in every group, as PyTorch's schedulers do.
#
# Updates are written **in place** (`p.data -= ...`, `np.multiply(..., out=...)`): the model,
# the optimizer and any checkpoint code all hold the same arrays, and no step allocates a
# new copy of every parameter.

# %% nbgrader={"grade": false, "grade_id": "optimizer-base", "solution": false}
#| export
class Optimizer:
    """Base class: parameter groups, zero_grad, step over parameters with gradients, state.

    `params` is an iterable of tensors, or, as in PyTorch, of dicts ("parameter groups"),
    each with a "params" entry and any hyperparameters that differ from the defaults:
    `SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 0.1}], lr=0.01)`.
    """

    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of tensors (or of dicts), got a single Tensor")
        groups = list(params)
        if not groups:
            raise ValueError(f"{name} got no parameters to optimize")
        self.defaults = self._validated(dict(defaults))
        self.param_groups = []
        self.state = {}  # parameter -> its state; Tensors hash by identity
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters; hyperparameters it does not give come from the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got {group!r}")
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameters {unknown}; this optimizer takes {sorted(self.defaults)}")
        params = [group["params"]] if isinstance(group["params"], Tensor) else list(group["params"])
        if not params:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has no parameters")
        taken = {id(p) for other in self.param_groups for p in other["params"]}
        for position, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: parameter {position} is a {type(param).__name__}, not a Tensor")
            if param.dtype.kind != "f":
                raise TypeError(f"{name}: parameter {position} has dtype {param.dtype}, not floating point")
            if not param.is_leaf:
                raise ValueError(f"{name}: parameter {position} was computed by an operation; only leaf tensors can be optimized")
            if id(param) in taken:
                raise ValueError(f"{name}: parameter {position} appears twice (in this group or an earlier one)")
            taken.add(id(param))
        settings = {key: value for key, value in group.items() if key != "params"}
        self.param_groups.append({"params": params, **self._validated({**self.defaults, **settings})})

    def _validated(self, hyperparameters):
        """Check a group's hyperparameters and return them as plain Python values."""
        _check_non_negative(type(self).__name__, "lr", hyperparameters["lr"])
        return {**hyperparameters, "lr": float(hyperparameters["lr"])}

    def _parameters(self):
        return [param for group in self.param_groups for param in group["params"]]

    def zero_grad(self):
        """Forget every parameter's gradient (backward accumulates into .grad)."""
        for param in self._parameters():
            param.grad = None

    def step(self):
        """Update every parameter that has a gradient, with its group's hyperparameters."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param.data, param.grad.data, self.state.setdefault(param, {}), group)

    def _update(self, value, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    def state_dict(self):
        """PyTorch's layout, with arrays: {"state": {index: {name: array}}, "param_groups":
        [{hyperparameters..., "params": [index, ...]}]}, indices counting parameters across groups."""
        index = {id(param): position for position, param in enumerate(self._parameters())}
        return {
            "state": {index[id(param)]: {key: np.array(value) for key, value in entry.items()}
                      for param, entry in self.state.items()},
            "param_groups": [{**{key: value for key, value in group.items() if key != "params"},
                              "params": [index[id(param)] for param in group["params"]]}
                             for group in self.param_groups],
        }

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by state_dict(); all checked before any change."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("state"), dict) \
                or not isinstance(state_dict.get("param_groups"), (list, tuple)):
            raise ValueError(f"{name}: expected a dict with 'state' (a dict) and 'param_groups' (a list)")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}: {len(groups)} parameter groups saved, this optimizer has {len(self.param_groups)}")
        settings = []
        for position, (saved, own) in enumerate(zip(groups, self.param_groups)):
            if set(saved) != set(own):
                raise ValueError(f"{name}: group {position} has hyperparameters {sorted(saved)}, this optimizer's have {sorted(own)}")
            if len(np.atleast_1d(saved["params"])) != len(own["params"]):
                raise ValueError(f"{name}: group {position} saved {len(np.atleast_1d(saved['params']))} parameters, "
                                 f"this optimizer's has {len(own['params'])}")
            settings.append(self._validated({key: _plain(saved[key]) for key in own if key != "params"}))
        params = self._parameters()
        restored = {}
        for key, entry in state_dict["state"].items():
            try:
                param = params[int(key)]
            except (ValueError, IndexError):
                raise ValueError(f"{name}: state for parameter {key!r}, this optimizer has {len(params)}") from None
            arrays = {field: np.asarray(value) for field, value in entry.items()}
            for field, array in arrays.items():
                if array.ndim and array.shape != param.shape:
                    raise ValueError(f"{name}: state {field!r} of parameter {key} has shape {array.shape}, "
                                     f"the parameter has shape {param.shape}")
            restored[param] = {field: array.astype(param.dtype if array.ndim else array.dtype)
                               for field, array in arrays.items()}
        for group, setting in zip(self.param_groups, settings):
            group.update(setting)
        self.state = restored

    def __repr__(self):
        first = {key: value for key, value in self.param_groups[0].items() if key != "params"}
        settings = ", ".join(f"{key}={value}" for key, value in first.items())
        return (f"{type(self).__name__}({len(self._parameters())} parameters in {len(self.param_groups)} "
                f"group(s); first group: {settings})")


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
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay))

    def _validated(self, h):
        h = super()._validated(h)
        _check_non_negative("SGD", "momentum", h["momentum"])
        _check_non_negative("SGD", "weight_decay", h["weight_decay"])
        if not isinstance(h["nesterov"], (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, got {h['nesterov']!r}")
        if h["nesterov"] and h["momentum"] == 0:
            raise ValueError("SGD: nesterov=True needs a momentum above 0")
        return {**h, "momentum": float(h["momentum"]), "nesterov": bool(h["nesterov"]),
                "weight_decay": float(h["weight_decay"])}

    def _update(self, value, grad, state, group):
        """
        TODO: apply the update of the box above to `value` (the parameter's array) in place.

        HINTS:
        - `group` holds the hyperparameters (group["lr"], group["momentum"], ...).
        - state is this parameter's dict; keep the velocity in state["velocity"].
        - np.copy the gradient the first time: the velocity must not alias .grad.
        """
        h = group
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
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _validated(self, h):
        h = super()._validated(h)
        name, betas = type(self).__name__, h["betas"]
        try:
            first, second = (float(b) for b in betas)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: betas must be a pair of numbers in [0, 1), got {betas!r}") from None
        if not (0.0 <= first < 1.0 and 0.0 <= second < 1.0):
            raise ValueError(f"{name}: betas must be a pair of numbers in [0, 1), got {betas!r}")
        _check_non_negative(name, "eps", h["eps"])
        _check_non_negative(name, "weight_decay", h["weight_decay"])
        return {**h, "betas": (first, second), "eps": float(h["eps"]), "weight_decay": float(h["weight_decay"])}

    def _update(self, value, grad, state, group):
        """
        TODO: apply the Adam update in place, with per-parameter step count state["step"].

        HINTS:
        - if self.decoupled (AdamW), shrink `value` by (1 - lr * weight_decay) first and do not
          add the decay to the gradient; otherwise add weight_decay * value to the gradient.
        - keep m and v in state["m"], state["v"] (zeros the first time).
        """
        h = group
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
# Momentum and Adam's bias correction only show after a few steps (after one step, plain SGD,
# momentum SGD and Nesterov all move by the same amount), so the tests run four steps with
# gradients that change sign, and compare with values computed by PyTorch's `torch.optim` for
# the same settings. A helper runs an optimizer over that fixed gradient sequence.
#
# Real training adds what one parameter of shape (2,) cannot show: several parameters of
# different shapes in float32, groups with their own learning rates, a schedule that changes
# `group["lr"]` between steps, a parameter without gradient in some step, a `.grad` seen by two
# steps. Those runs are checked against the closed forms of the running averages, written
# out below as sums over the gradient history (no weight decay).

# %% nbgrader={"grade": false, "grade_id": "optimizer-test-helpers", "locked": true, "solution": false}
GRADIENTS = [[0.5, -1.0], [0.25, 2.0], [-1.0, 0.5], [0.75, -0.25]]


def after_four_steps(make_optimizer):
    """The parameter [1, -2] after four steps of the optimizer over GRADIENTS (float64)."""
    p = Tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    optimizer = make_optimizer([p])
    for gradient in GRADIENTS:
        p.grad = Tensor(gradient, dtype=np.float64)
        optimizer.step()
        assert np.array_equal(p.grad.data, gradient), "step() must leave .grad as it was (use new arrays, not +=)"
    return p.data


def check_steps(label, make_optimizer, expected):
    got = after_four_steps(make_optimizer)
    assert np.allclose(got, expected, rtol=0, atol=1e-9), f"{label}: after four steps expected {expected}, got {got.tolist()}"


def momentum_reference(start, gradients, lrs, momentum):
    """SGD with momentum, step t moving by lrs[t] * sum_k momentum^(t-k) gradients[k]."""
    history = [np.asarray(g, dtype=np.float64) for g in gradients]
    p = np.asarray(start, dtype=np.float64)
    for t, lr in enumerate(lrs):
        p = p - lr * sum(momentum ** (t - k) * history[k] for k in range(t + 1))
    return p


def adam_reference(start, gradients, lrs, betas, eps):
    """Adam over a parameter's own updates: m_t = (1 - b1) sum_k b1^(t-k) g_k, v_t likewise with g_k^2."""
    b1, b2 = betas
    history = [np.asarray(g, dtype=np.float64) for g in gradients]
    p = np.asarray(start, dtype=np.float64)
    for t in range(1, len(history) + 1):
        m = (1 - b1) * sum(b1 ** (t - k) * history[k - 1] for k in range(1, t + 1))
        v = (1 - b2) * sum(b2 ** (t - k) * history[k - 1] ** 2 for k in range(1, t + 1))
        p = p - lrs[t - 1] * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


def float32_draws(seed, shapes, count):
    """Seeded float32 arrays: {name: [array of that shape] * count}."""
    rng = np.random.default_rng(seed)
    return {name: [rng.standard_normal(shape).astype(np.float32) for _ in range(count)] for name, shape in shapes.items()}


# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 10}
def test_unit_sgd():
    print("Unit test: SGD...")
    check_steps("SGD(lr=0.1)", lambda ps: SGD(ps, lr=0.1), [0.95, -2.125])
    check_steps("SGD(lr=0.1, momentum=0.9)", lambda ps: SGD(ps, lr=0.1, momentum=0.9), [0.8753, -2.2681])
    check_steps("SGD(lr=0.1, momentum=0.9, nesterov=True)", lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                [0.83777, -2.36629])
    check_steps("SGD(lr=0.1, momentum=0.5, weight_decay=0.2)", lambda ps: SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.2),
                [0.82400656, -1.97361312])

    still = Tensor([3.0], requires_grad=True)
    moving = Tensor([1.0], requires_grad=True)
    optimizer = SGD([still, moving], lr=0.1, momentum=0.9, weight_decay=0.1)
    moving.grad = Tensor([1.0])
    optimizer.step()
    assert still.data[0] == 3.0 and still not in optimizer.state, "a parameter without gradient is skipped: not moved, not decayed"
    assert np.isclose(moving.data[0], 1.0 - 0.1 * 1.1), f"the other one moves: expected 0.89, got {moving.data[0]}"

    # Two float32 parameters; the schedule lowers lr after two steps; the second step sees the
    # first step's .grad again (no zero_grad, no backward in between).
    shapes = {"weight": (3, 2), "bias": (2,)}
    start = {name: draws[0] for name, draws in float32_draws(6, shapes, 1).items()}
    gradients = float32_draws(7, shapes, 3)
    for history in gradients.values():
        history.insert(1, history[0])
    params = {name: Tensor(value, requires_grad=True) for name, value in start.items()}
    optimizer = SGD(list(params.values()), lr=0.1, momentum=0.8)
    lrs = [0.1, 0.1, 0.05, 0.02]
    for step, lr in enumerate(lrs):
        optimizer.param_groups[0]["lr"] = lr  # what a learning-rate schedule does
        for name, param in params.items():
            if step != 1:
                param.grad = Tensor(gradients[name][step])
        optimizer.step()
        for name, param in params.items():
            assert np.array_equal(param.grad.data, gradients[name][step]), \
                f"step {step + 1} changed the {name}'s .grad: the velocity must be a copy, not the gradient array"
    for name, param in params.items():
        want = momentum_reference(start[name], gradients[name], lrs, 0.8)
        assert param.dtype == np.float32 and np.allclose(param.data, want, rtol=0, atol=1e-5), \
            f"SGD(momentum=0.8) with lr {lrs} over four steps, {name}: expected float32 {np.round(want, 5).tolist()}, " \
            f"got {param.dtype} {np.round(param.data, 5).tolist()}"
    print("SGD works.")


if __name__ == "__main__":
    test_unit_sgd()

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 15}
def test_unit_adam():
    print("Unit test: Adam and AdamW...")
    check_steps("Adam(lr=0.1)", lambda ps: Adam(ps, lr=0.1), [0.8097115722107037, -2.0057118875758366])
    check_steps("Adam(lr=0.05, betas=(0.8, 0.9))", lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.9)),
                [0.9091870881574254, -2.0075479881417504])
    check_steps("Adam(lr=0.1, weight_decay=0.3)", lambda ps: Adam(ps, lr=0.1, weight_decay=0.3),
                [0.7360773616252677, -1.874767193855257])
    check_steps("AdamW(lr=0.1, weight_decay=0.3)", lambda ps: AdamW(ps, lr=0.1, weight_decay=0.3),
                [0.708627192489793, -1.7816195820671687])

    p = Tensor([1.0, 1.0], requires_grad=True)
    p.grad = Tensor([0.5, -2.0])
    Adam([p], lr=0.1).step()
    # First step: m_hat = g, v_hat = g^2, so the step is lr * sign(g) (up to eps).
    assert np.allclose(p.data, [0.9, 1.1], atol=1e-6), f"Adam's first step is lr * sign(g): expected [0.9, 1.1], got {p.data}"

    # Two float32 parameters in two groups (lr 0.1 and 0.05), a schedule halving every group's
    # lr after two steps, and the bias without gradient in step 2: it is skipped, and its own
    # step count (3 updates, not 4, and not one count per parameter) drives its bias correction.
    shapes = {"weight": (3, 2), "bias": (2,)}
    start = {name: draws[0] for name, draws in float32_draws(8, shapes, 1).items()}
    gradients = float32_draws(9, shapes, 4)
    weight, bias = (Tensor(start[name], requires_grad=True) for name in shapes)
    betas, eps = (0.8, 0.95), 0.01
    optimizer = Adam([{"params": [weight]}, {"params": [bias], "lr": 0.05}], lr=0.1, betas=betas, eps=eps)
    for step in range(4):
        if step == 2:
            for group in optimizer.param_groups:
                group["lr"] /= 2  # what a learning-rate schedule does
        weight.grad = Tensor(gradients["weight"][step])
        bias.grad = None if step == 1 else Tensor(gradients["bias"][step])
        optimizer.step()
    for name, param, lrs, used in (("weight", weight, [0.1, 0.1, 0.05, 0.05], [0, 1, 2, 3]),
                                   ("bias", bias, [0.05, 0.025, 0.025], [0, 2, 3])):
        want = adam_reference(start[name], [gradients[name][k] for k in used], lrs, betas, eps)
        assert param.dtype == np.float32 and np.allclose(param.data, want, rtol=0, atol=1e-5), \
            f"Adam(betas={betas}, eps={eps}), {name} updated with lr {lrs}: expected float32 " \
            f"{np.round(want, 5).tolist()}, got {param.dtype} {np.round(param.data, 5).tolist()}"
        state = optimizer.state[param]
        assert int(state["step"]) == len(used), f"the {name} was updated {len(used)} times, its step count is {state['step']}"
        dtypes = {key: state[key].dtype for key in ("m", "v")}
        assert set(dtypes.values()) == {np.dtype(np.float32)}, \
            f"a float32 parameter keeps float32 averages (float64 would double their memory), got {dtypes}"
    print("Adam and AdamW work.")


if __name__ == "__main__":
    test_unit_adam()

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-state", "locked": true, "points": 10}
def test_unit_optimizer_state():
    print("Unit test: optimizer state, groups and bad input...")

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
    fast, slow = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    optimizer = SGD([{"params": [fast], "lr": 0.5}, {"params": [slow]}], lr=0.1)
    fast.grad, slow.grad = Tensor([1.0]), Tensor([1.0])
    optimizer.step()
    assert np.isclose(fast.data[0], 0.5) and np.isclose(slow.data[0], 0.9), \
        f"each group uses its own lr (0.5 and the default 0.1): got {fast.data[0]} and {slow.data[0]}"
    for bad in ([Tensor([1.0], requires_grad=True) * 2], [[1.0]], [], [Tensor(np.array([1, 2]))]):
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
        state_bytes = sum(a.nbytes for entry in optimizer.state.values() for a in entry.values())
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
