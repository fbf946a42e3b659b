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
# # Module 04: Losses - one number that says how wrong the network is
#
# **You have built**: tensors, activations and layers: a network can now turn an input into
# scores. **You build now**: the loss functions that compare those scores with the right
# answers and reduce the comparison to a single number. Training (Modules 05-07) is the
# search for parameters that make that number small.
#
# | loss | predictions | targets | typical use |
# |------|-------------|---------|-------------|
# | `MSELoss` | any real numbers | real numbers, same shape | regression |
# | `CrossEntropyLoss` | logits `(N, C)` | class numbers `(N,)` in `0..C-1` | classification |
# | `BinaryCrossEntropyLoss` | probabilities in `[0, 1]` | 0/1 (or soft labels), same shape | yes/no questions |
# | `BCEWithLogitsLoss` | logits, any shape | 0/1, same shape | yes/no, numerically safer |
#
# **Where the code goes**: `modules/04_losses/losses_dev.py` exports to `tinytorch.core.losses`.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.losses
#| export
import numpy as np

from tinytorch.core.layers import Module
from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. Reductions, and refusing bad input
#
# A loss first computes one value per sample (or per element), then *reduces* them:
# `reduction="mean"` (the default) averages, `"sum"` adds, `"none"` returns them all. The
# mean keeps the loss, and so the size of each gradient step, independent of batch size.
#
# A loss is also the last line of defence against silent bugs. If predictions and targets
# have different batch sizes, NumPy might broadcast them into something meaningless; a
# class number of 10 for a 10-class problem would index past the end; one NaN in the
# input makes the loss NaN and every gradient after it. So each loss checks its input and
# raises an error naming the loss and the offending shapes or values.

# %% nbgrader={"grade": false, "grade_id": "loss-base", "solution": false}
#| export
REDUCTIONS = ("mean", "sum", "none")


class Loss(Module):
    """Shared checks and the reduction step of every loss."""

    def __init__(self, reduction="mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"

    def _predictions(self, predictions):
        name = type(self).__name__
        if not isinstance(predictions, Tensor):
            raise TypeError(f"{name} expects predictions as a Tensor, got {type(predictions).__name__}")
        if predictions.dtype.kind != "f":
            raise TypeError(f"{name} expects floating-point predictions, got dtype {predictions.dtype}")
        if not np.isfinite(predictions.data).all():
            bad = predictions.data[~np.isfinite(predictions.data)]
            raise ValueError(f"{name}: predictions contain {bad.size} NaN or infinite value(s), e.g. {bad[0]}")
        return predictions

    def _float_targets(self, targets, shape):
        """Targets as a float array with exactly the predictions' shape (no silent broadcasting)."""
        name = type(self).__name__
        array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name}: targets must be numbers, got dtype {array.dtype}")
        if array.shape != shape:
            raise ValueError(f"{name}: predictions have shape {shape} but targets have shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: targets contain NaN or infinite values")
        return array

    def _reduce(self, values):
        """Apply the reduction to per-element loss values (a Tensor)."""
        if self.reduction == "mean":
            return values.mean()
        if self.reduction == "sum":
            return values.sum()
        return values


# %% [markdown]
# ## 2. Mean squared error
#
# `MSE = mean((prediction - target)^2)`. Squaring makes every error positive and punishes
# large errors more than small ones. It is built here from Tensor operations (subtract,
# multiply, mean), so once autograd exists its gradient, `2 (prediction - target) / n`,
# comes from the gradients of those operations: nothing new to derive.

# %% nbgrader={"grade": false, "grade_id": "mse", "solution": true}
#| export
class MSELoss(Loss):
    """Mean squared error between predictions and targets of the same shape."""

    def forward(self, predictions, targets):
        """
        TODO: square the difference and reduce it.

        APPROACH:
        1. Check the predictions, and get targets of the same shape (self._float_targets).
        2. diff = predictions - Tensor(targets); values = diff * diff.
        3. Return self._reduce(values).

        EXAMPLE:
        >>> MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
        2.0
        """
        predictions = self._predictions(predictions)
        ### BEGIN SOLUTION
        targets = self._float_targets(targets, predictions.shape)
        diff = predictions - Tensor(targets, dtype=predictions.dtype)
        return self._reduce(diff * diff)
        ### END SOLUTION


# %% [markdown]
# ## 3. Cross-entropy for classification
#
# A classifier outputs one score (a *logit*) per class. Softmax turns a row of logits `z`
# into probabilities, `p_c = exp(z_c) / sum_j exp(z_j)`, and cross-entropy is the negative
# log-probability of the right class `y`:
#
# ```
# loss = -log p_y = -z_y + log(sum_j exp(z_j))
#                          \________________/
#                           log-sum-exp (LSE)
# ```
#
# A confident right answer (`p_y` near 1) costs almost nothing; a confident wrong one costs a
# lot (`-log 0.001 = 6.9`). Computing `log(softmax(z))` literally would overflow in `exp` and
# then take `log 0 = -inf`; computing LSE as `m + log(sum_j exp(z_j - m))` with `m = max_j z_j`
# keeps every exponent at or below zero. Both are the same number.
#
# ```
# logits (N, C) --> subtract row max --> LSE per row --> loss_i = LSE_i - z_i,y_i --> mean
# targets (N,)  --------------------------------------------^
# ```
#
# The whole loss is recorded as **one** operation, `cross_entropy`, instead of a chain of
# exp, sum, log and indexing. Module 05 gives it one fused gradient, `softmax(z) - onehot(y)`
# (divided by N for the mean): exact, cheap, and never forming an intermediate that could
# overflow.
#
# **Targets** are class numbers. They may come as an integer array or as floats holding whole
# numbers (a Python list becomes a float32 Tensor); a value that is not a whole number, or not
# in `0..C-1`, is refused.

# %% nbgrader={"grade": false, "grade_id": "cross-entropy", "solution": true}
#| export
def _class_targets(name, targets, batch, classes):
    """Targets as an int64 array of shape (batch,), every value a class number in 0..classes-1."""
    array = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: class targets must be integers, got dtype {array.dtype}")
    if array.shape != (batch,):
        raise ValueError(f"{name}: logits hold a batch of {batch} but targets have shape {array.shape}; expected ({batch},)")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or not np.array_equal(array, np.round(array)):
            raise ValueError(f"{name}: class targets must be whole numbers, got e.g. {array[array != np.round(array)][:3]}")
    labels = array.astype(np.int64, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)]
        raise ValueError(f"{name}: class targets must lie in 0..{classes - 1}, got {bad[:5].tolist()}")
    return labels


def log_sum_exp(z, axis=-1):
    """log(sum(exp(z))) along `axis`, computed without overflow (keepdims=True)."""
    # The array methods, not np.max / np.sum: they skip a layer of Python that costs more
    # than the arithmetic itself on a (128, 10) batch of logits.
    top = z.max(axis=axis, keepdims=True)
    return top + np.log(np.exp(z - top).sum(axis=axis, keepdims=True))


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy between logits (N, C) and integer class targets (N,)."""

    def forward(self, logits, targets):
        """
        TODO: compute -log softmax(logits)[i, targets[i]] per sample, stably, and reduce.

        APPROACH:
        1. Check logits: a 2-D (N, C) Tensor; targets via _class_targets.
        2. per_sample = LSE(row) - logit of the right class.
        3. Reduce (mean / sum / none) in NumPy, then record ONE op, saving what the
           gradient will need (the targets, the reduction, and the row LSEs it would
           otherwise recompute):
           Tensor.from_op(value, "cross_entropy", (logits,), targets=labels,
                          reduction=self.reduction, log_sum_exp=lse)

        EXAMPLE:
        >>> round(CrossEntropyLoss()(Tensor([[0.0, 0.0]]), np.array([1])).item(), 4)
        0.6931
        """
        name = type(self).__name__
        logits = self._predictions(logits)
        if logits.ndim != 2 or 0 in logits.shape:
            raise ValueError(f"{name} expects logits of shape (batch, classes), both non-zero, got shape {logits.shape}")
        ### BEGIN SOLUTION
        batch, classes = logits.shape
        labels = _class_targets(name, targets, batch, classes)
        z = logits.data
        lse = log_sum_exp(z, axis=1)
        per_sample = lse[:, 0] - z[np.arange(batch), labels]
        if self.reduction == "mean":
            value = per_sample.sum() / batch  # what mean() computes, without its Python wrapper
        elif self.reduction == "sum":
            value = per_sample.sum()
        else:
            value = per_sample
        value = np.asarray(value, dtype=z.dtype)
        return Tensor.from_op(value, "cross_entropy", (logits,), targets=labels, reduction=self.reduction,
                              log_sum_exp=lse)
        ### END SOLUTION


# %% [markdown]
# ## 4. Binary cross-entropy
#
# For a yes/no question with predicted probability `p` and answer `y` (1 or 0):
#
# `loss = -(y log p + (1 - y) log(1 - p))`
#
# If `p` is exactly 0 or 1, a log is `-inf`. `BinaryCrossEntropyLoss` follows PyTorch and
# clamps each log at -100, so a completely wrong certain answer costs 100 rather than
# infinity; its gradient divides by `max(p (1 - p), 1e-12)` for the same reason.
#
# Better still is not to compute `p` at all. Given the logit `x` (with `p = sigmoid(x)`),
# the same loss rearranges to
#
# `loss = max(x, 0) - x y + log(1 + exp(-|x|))`
#
# where `exp` never sees a positive number, and the gradient is simply `sigmoid(x) - y`.
# That is `BCEWithLogitsLoss`, the one to prefer.

# %% nbgrader={"grade": false, "grade_id": "binary-cross-entropy", "solution": true}
#| export
LOG_FLOOR = -100.0  # the lowest value a log term may take, as in PyTorch's BCELoss


class BinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy on probabilities in [0, 1], with each log clamped at -100."""

    def forward(self, probabilities, targets):
        """
        TODO: compute -(y log p + (1-y) log(1-p)) elementwise, logs clamped at LOG_FLOOR, and reduce.

        EXAMPLE:
        >>> round(BinaryCrossEntropyLoss()(Tensor([0.5]), Tensor([1.0])).item(), 4)
        0.6931
        """
        name = type(self).__name__
        probabilities = self._predictions(probabilities)
        p = probabilities.data
        if p.size and (p.min() < 0 or p.max() > 1):
            raise ValueError(f"{name} expects probabilities in [0, 1], got values from {p.min()} to {p.max()}")
        y = self._float_targets(targets, probabilities.shape)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{name} expects targets in [0, 1], got values from {y.min()} to {y.max()}")
        ### BEGIN SOLUTION
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped just below
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)
        values = -(y * log_p + (1 - y) * log_not_p)
        return self._reduce(Tensor.from_op(values.astype(p.dtype, copy=False), "binary_cross_entropy",
                                           (probabilities,), targets=y))
        ### END SOLUTION


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits: sigmoid and log fused, stable for any logit."""

    def forward(self, logits, targets):
        """
        TODO: compute max(x, 0) - x y + log(1 + exp(-|x|)) elementwise and reduce.

        EXAMPLE:
        >>> round(BCEWithLogitsLoss()(Tensor([0.0]), Tensor([1.0])).item(), 4)
        0.6931
        """
        name = type(self).__name__
        logits = self._predictions(logits)
        y = self._float_targets(targets, logits.shape)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{name} expects targets in [0, 1], got values from {y.min()} to {y.max()}")
        ### BEGIN SOLUTION
        x = logits.data
        values = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        return self._reduce(Tensor.from_op(values.astype(x.dtype, copy=False), "bce_with_logits",
                                           (logits,), targets=y))
        ### END SOLUTION


# %% [markdown]
# ### Unit tests

# %% nbgrader={"grade": true, "grade_id": "test-mse", "locked": true, "points": 10}
def test_unit_mse_loss():
    print("Unit test: MSELoss...")
    predictions, targets = Tensor([[1.0, 2.0], [3.0, 5.0]]), Tensor([[1.0, 0.0], [3.0, 2.0]])
    for reduction, expected in (("mean", 13 / 4), ("sum", 13.0), ("none", [[0.0, 4.0], [0.0, 9.0]])):
        got = MSELoss(reduction=reduction)(predictions, targets)
        assert got.shape == np.shape(expected) and np.allclose(got.data, expected), \
            f"MSELoss(reduction={reduction!r}): expected {expected}, got {got.data.tolist()}"
    assert np.array_equal(predictions.data, [[1.0, 2.0], [3.0, 5.0]]), "the loss must not change its inputs"
    w = Tensor([0.5, -1.0], requires_grad=True)
    recorded = MSELoss()(w, Tensor([1.0, 1.0]))
    assert recorded.requires_grad and recorded._op is not None, "the loss of predictions that require grad records its history"
    assert MSELoss()(Tensor([1.0], dtype=np.float64), Tensor([0.0])).dtype == np.float64, "float64 predictions give a float64 loss"
    try:
        MSELoss()(Tensor(np.ones((4, 1))), Tensor(np.ones(4)))
    except ValueError as error:
        assert "(4, 1)" in str(error) and "(4,)" in str(error), f"the error must name both shapes: {error}"
    else:
        raise AssertionError("shapes (4, 1) and (4,) must be refused, not broadcast")
    print("MSELoss works.")


if __name__ == "__main__":
    test_unit_mse_loss()

# %% [markdown]
# The cross-entropy test also checks the *contract with Module 05*: the one recorded
# operation must save the integer targets (shape `(N,)`), the reduction and the row
# log-sum-exps (shape `(N, 1)`), because the gradient rule computes `softmax = exp(z - lse)`
# from exactly those. A loss that saved them in another shape would pass every value check
# here and break backward later; it loses its points here instead.

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy", "locked": true, "points": 15}
def test_unit_cross_entropy_loss():
    print("Unit test: CrossEntropyLoss...")
    # Four samples, three classes: a mean over the wrong axis, or the wrong count, shows.
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [-1.0, 0.2, 3.0], [1.5, -0.5, 0.0]])
    labels = np.array([2, 0, 1, 0])
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.log([row[label] for row, label in zip(probabilities, labels)])
    for reduction, want in (("mean", expected.mean()), ("sum", expected.sum()), ("none", expected)):
        got = CrossEntropyLoss(reduction=reduction)(Tensor(logits), labels)
        assert got.shape == np.shape(want) and np.allclose(got.data, want, atol=1e-5), \
            f"CrossEntropyLoss(reduction={reduction!r}): expected {np.round(want, 5).tolist()}, got {got.data.tolist()}"
    loss = CrossEntropyLoss()
    assert np.isclose(loss(Tensor(logits), Tensor([2.0, 0.0, 1.0, 0.0])).item(), expected.mean(), atol=1e-5), \
        "float whole numbers"
    huge = loss(Tensor([[1e4, -1e4]]), np.array([1])).item()
    assert np.isclose(huge, 2e4), f"stable for large logits: expected 2e4, got {huge}"
    # Each row is shifted by its own maximum: a shift by the batch's maximum (1e4) sends the
    # second row's exponentials to 0 and its loss to infinity. Its loss is 1 + log(1 + e^-1).
    rows = CrossEntropyLoss(reduction="none")(Tensor([[1e4, -1e4], [-200.0, -199.0]]), np.array([1, 0])).data
    assert np.allclose(rows, [2e4, 1 + np.log1p(np.exp(-1.0))], rtol=0, atol=1e-4), \
        f"stable row by row (shift each row by its own max): expected [20000, 1.3133], got {rows.tolist()}"
    z = Tensor(logits, requires_grad=True)
    recorded = CrossEntropyLoss(reduction="sum")(z, labels)
    assert recorded._op == "cross_entropy" and recorded._inputs[0] is z, \
        f"cross-entropy is recorded as one 'cross_entropy' op on the logits, got {recorded._op!r}"
    saved = recorded._saved
    assert saved.get("reduction") == "sum", f"save the reduction, got {saved.get('reduction')!r}"
    assert np.asarray(saved.get("targets")).dtype == np.int64 and np.array_equal(saved["targets"], labels), \
        f"save the targets as int64 class numbers {labels.tolist()}, got {saved.get('targets')!r}"
    row_lse = np.log(np.exp(logits).sum(axis=1, keepdims=True))
    lse = np.asarray(saved.get("log_sum_exp"))
    assert lse.shape == (4, 1) and np.allclose(lse, row_lse, atol=1e-5), \
        f"save each row's log-sum-exp with shape (4, 1): expected {np.round(row_lse, 4).tolist()}, got {lse.tolist()}"
    # Float targets (a list becomes a float32 Tensor) are saved as the checked int64 labels:
    # the gradient indexes with them.
    from_floats = loss(Tensor(logits, requires_grad=True), Tensor([2.0, 0.0, 1.0, 0.0]))._saved.get("targets")
    assert isinstance(from_floats, np.ndarray) and from_floats.dtype == np.int64 and np.array_equal(from_floats, labels), \
        f"targets given as floats are saved as an int64 array {labels.tolist()}, got {from_floats!r}"
    for dtype in (np.float32, np.float64):
        out = CrossEntropyLoss()(Tensor(logits, dtype=dtype, requires_grad=True), labels)
        assert out.dtype == dtype and np.asarray(out._saved["log_sum_exp"]).dtype == dtype, \
            f"{np.dtype(dtype).name} logits give a {np.dtype(dtype).name} loss and log-sum-exp, " \
            f"got {out.dtype} and {np.asarray(out._saved['log_sum_exp']).dtype}"
    for bad_targets, message in ((np.array([0, 3, 1, 2]), "0..2"), (np.array([0.5, 1.0, 0.0, 2.0]), "whole numbers"),
                                 (np.array([0, 1]), "batch of 4")):
        try:
            loss(Tensor(logits), bad_targets)
        except ValueError as error:
            assert message in str(error), f"the error for targets {bad_targets} must mention {message!r}: {error}"
        else:
            raise AssertionError(f"targets {bad_targets} must be refused")
    print("CrossEntropyLoss works.")


if __name__ == "__main__":
    test_unit_cross_entropy_loss()

# %% nbgrader={"grade": true, "grade_id": "test-binary-cross-entropy", "locked": true, "points": 10}
def test_unit_binary_cross_entropy():
    print("Unit test: binary cross-entropy...")
    # 0.3 is a soft label (PyTorch accepts any target in [0, 1]): a loss that only picks
    # log p or log(1 - p) by the label gets it wrong.
    p, y = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.3, 0.0])
    expected = -np.log(p**y * (1 - p) ** (1 - y))
    for reduction, want in (("mean", expected.mean()), ("sum", expected.sum()), ("none", expected)):
        got = BinaryCrossEntropyLoss(reduction=reduction)(Tensor(p), Tensor(y))
        assert got.shape == np.shape(want) and np.allclose(got.data, want, atol=1e-6), \
            f"BinaryCrossEntropyLoss(reduction={reduction!r}): expected {np.round(want, 5).tolist()}, got {got.data.tolist()}"
        logits = np.log(p / (1 - p))
        got = BCEWithLogitsLoss(reduction=reduction)(Tensor(logits), Tensor(y))
        assert np.allclose(got.data, want, atol=1e-6), \
            f"BCEWithLogitsLoss(reduction={reduction!r}): expected {np.round(want, 5).tolist()}, got {got.data.tolist()}"
    for loss, inputs in ((BinaryCrossEntropyLoss(), Tensor(p)), (BCEWithLogitsLoss(), Tensor(np.log(p / (1 - p))))):
        got = loss(inputs, y.tolist())  # float64 targets must not turn a float32 loss into float64
        assert got.dtype == np.float32 and np.isclose(got.item(), expected.mean(), atol=1e-6), \
            f"{loss!r} of float32 inputs and list targets: expected float32 {expected.mean():.6f}, got {got.dtype} {got.item()}"
    clamped = BinaryCrossEntropyLoss()(Tensor([0.0, 1.0]), Tensor([1.0, 0.0])).item()
    assert np.isclose(clamped, 100.0), f"each log is clamped at -100: expected 100, got {clamped}"
    extreme = BCEWithLogitsLoss(reduction="none")(Tensor([-1e4, 1e4]), Tensor([1.0, 1.0])).data
    assert np.allclose(extreme, [1e4, 0.0]), f"stable for any logit: expected [1e4, 0], got {extreme}"
    for loss, op in ((BinaryCrossEntropyLoss(reduction="none"), "binary_cross_entropy"),
                     (BCEWithLogitsLoss(reduction="none"), "bce_with_logits")):
        x = Tensor([0.3, 0.7], requires_grad=True)
        recorded = loss(x, Tensor([1.0, 0.0]))
        assert recorded._op == op and recorded._inputs[0] is x, f"{loss!r} records op {op!r}, got {recorded._op!r}"
        assert np.array_equal(np.asarray(recorded._saved.get("targets")), [1.0, 0.0]), \
            f"{loss!r} saves the targets (shape (2,)) for its gradient, got {recorded._saved.get('targets')!r}"
    try:
        BinaryCrossEntropyLoss()(Tensor([1.5]), Tensor([1.0]))
    except ValueError as error:
        assert "[0, 1]" in str(error), f"the error must mention [0, 1], got: {error}"
    else:
        raise AssertionError("a probability of 1.5 must be refused")
    print("Binary cross-entropy works.")


if __name__ == "__main__":
    test_unit_binary_cross_entropy()

# %% [markdown]
# ## 5. Systems view: what a loss costs
#
# Cross-entropy over `N` samples and `C` classes reads `N x C` logits and does a few
# elementwise passes over them (max, exp, sum, log): `O(N C)` work and one temporary of
# `N x C` floats. Next to the network's matrix products, `O(N x in x out)` per layer, it is
# negligible; the function below measures both for the digit network of Module 03.

# %% nbgrader={"grade": false, "grade_id": "analyze-loss-cost", "solution": false}
def analyze_loss_cost():
    import time

    from tinytorch.core.layers import Linear

    layer = Linear(784, 10)
    x = Tensor(np.random.default_rng(0).standard_normal((128, 784)))
    labels = np.arange(128) % 10
    loss = CrossEntropyLoss()
    timings = {}
    for label, work in (("Linear(784, 10) forward", lambda: layer(x)),
                        ("cross-entropy of (128, 10)", lambda: loss(Tensor(np.ones((128, 10))), labels))):
        start = time.perf_counter()
        for _ in range(200):
            work()
        timings[label] = (time.perf_counter() - start) / 200 * 1e6
    for label, micros in timings.items():
        print(f"{label:>28}: {micros:8.1f} us per call")


if __name__ == "__main__":
    analyze_loss_cost()

# %% [markdown]
# ## Module test

# %% nbgrader={"grade": true, "grade_id": "losses-module-integration", "locked": true, "points": 15}
def test_module():
    print("Module test: Losses")
    test_unit_mse_loss()
    test_unit_cross_entropy_loss()
    test_unit_binary_cross_entropy()

    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential

    model = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    logits = model(Tensor(np.random.default_rng(1).standard_normal((8, 64))))
    loss = CrossEntropyLoss()(logits, np.arange(8) % 10)
    assert loss.shape == () and loss.requires_grad, "the loss of a network with parameters records its history"
    assert 0 < loss.item() < 10, f"a fresh network's loss on 10 classes is near log(10), got {loss.item()}"
    for bad in (np.array([np.nan]), np.array([np.inf])):
        try:
            MSELoss()(Tensor(bad), Tensor([0.0]))
        except ValueError as error:
            assert "NaN or infinite" in str(error), f"the error must mention NaN or infinite, got: {error}"
        else:
            raise AssertionError("NaN or inf predictions must be refused, not passed on")
    print("All loss tests passed. Next: tito module complete 04_losses")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - A loss reduces the comparison of predictions and targets to one number; `mean` keeps it
#   independent of the batch size.
# - Cross-entropy is computed through log-sum-exp, so no exponent is ever positive, and
#   recorded as one fused operation with the gradient `softmax - onehot`.
# - Binary cross-entropy clamps its logs; the logits version needs no clamping at all.
# - Every loss refuses mismatched shapes, impossible targets and NaN instead of returning
#   nonsense.
#
# **Next**: Module 05 computes the gradient of the loss with respect to every parameter.
