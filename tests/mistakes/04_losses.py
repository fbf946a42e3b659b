"""Realistic learner mistakes in Module 04 (losses), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="mse-forgets-square",
        why="MSE averages the differences instead of their squares",
        find="        return self._reduce(diff * diff)\n",
        replace="        return self._reduce(diff)\n",
    ),
    dict(
        id="cross-entropy-negated",
        why="the per-sample loss is picked logit minus log-sum-exp, the negative of the loss",
        find="        per_sample = lse[:, 0] - z[np.arange(batch), labels]\n",
        replace="        per_sample = z[np.arange(batch), labels] - lse[:, 0]\n",
    ),
    dict(
        id="cross-entropy-mean-is-sum",
        why="reduction='mean' sums the per-sample losses",
        find="            value = per_sample.sum() / batch  # what mean() computes, without its Python wrapper\n",
        replace="            value = per_sample.sum()\n",
    ),
    dict(
        id="cross-entropy-picks-by-column",
        why="the picked logit is indexed [labels, rows] instead of [rows, labels]",
        find="        per_sample = lse[:, 0] - z[np.arange(batch), labels]\n",
        replace="        per_sample = lse[:, 0] - z[labels, np.arange(batch)]\n",
    ),
    dict(
        id="cross-entropy-saves-flat-lse",
        why="the saved log-sum-exp loses its kept axis, which Module 05's gradient rule relies on",
        find="                              log_sum_exp=lse)\n",
        replace="                              log_sum_exp=lse[:, 0])\n",
    ),
    dict(
        id="bce-log-not-clamped",
        why="log(p) is not clamped, so p = 0 or 1 gives inf or nan",
        find="            log_p = np.maximum(np.log(p), LOG_FLOOR)\n",
        replace="            log_p = np.log(p)\n",
    ),
    dict(
        id="bce-terms-swapped",
        why="the y and 1 - y terms take each other's logarithms",
        find="        values = -(y * log_p + (1 - y) * log_not_p)\n",
        replace="        values = -(y * log_not_p + (1 - y) * log_p)\n",
    ),
    dict(
        id="bce-log1p-sign",
        why="log(1 - p) computed as log1p(p)",
        find="            log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)\n",
        replace="            log_not_p = np.maximum(np.log1p(p), LOG_FLOOR)\n",
    ),
    dict(
        id="bce-with-logits-unstable",
        why="log(1 + exp(-x)) without the |x| trick, which overflows for large negative logits",
        find="        values = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))\n",
        replace="        values = np.log1p(np.exp(-x)) + x - x * y\n",
    ),
    dict(
        id="bce-with-logits-sign",
        why="x * y is added instead of subtracted",
        find="        values = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))\n",
        replace="        values = np.maximum(x, 0) + x * y + np.log1p(np.exp(-np.abs(x)))\n",
    ),
    dict(
        id="cross-entropy-mean-divides-by-classes",
        why="reduction='mean' divides by the number of classes, which only equals the batch size for square logits",
        find="            value = per_sample.sum() / batch  # what mean() computes, without its Python wrapper\n",
        replace="            value = per_sample.sum() / classes\n",
    ),
    dict(
        id="cross-entropy-batch-wide-max",
        why="the log-sum-exp shifts every row by the largest logit of the whole batch, not of its own row, "
            "so a row far below that maximum underflows to log(0)",
        find="        lse = log_sum_exp(z, axis=1)\n",
        replace="        top = z.max()  # shift by the largest logit so no exponent is positive\n"
                "        lse = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))\n",
    ),
    dict(
        id="cross-entropy-float64-intermediates",
        why="the logits are converted to float64 'to be safe', so float32 logits give a float64 loss and lse",
        find="        z = logits.data\n",
        replace="        z = logits.data.astype(np.float64)  # double precision for the exponentials\n",
    ),
    dict(
        id="cross-entropy-saves-raw-targets",
        why="the recorded op saves the targets as given (a float Tensor, a list) instead of the checked int64 labels",
        find='        return Tensor.from_op(value, "cross_entropy", (logits,), targets=labels, reduction=self.reduction,\n',
        replace='        return Tensor.from_op(value, "cross_entropy", (logits,), targets=targets, reduction=self.reduction,\n',
    ),
    dict(
        id="bce-picks-log-by-label",
        why="the loss takes log p where y == 1 and log(1 - p) elsewhere: right for 0/1 labels, wrong for soft labels",
        find="        values = -(y * log_p + (1 - y) * log_not_p)\n",
        replace="        values = -np.where(y == 1, log_p, log_not_p)  # the log-probability of the right answer\n",
    ),
    dict(
        id="bce-with-logits-hard-labels-only",
        why="softplus(-x) where y == 1 and softplus(x) elsewhere: right for 0/1 labels, wrong for soft labels",
        find="        values = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))\n",
        replace="        values = np.maximum(np.where(y == 1, -x, x), 0) + np.log1p(np.exp(-np.abs(x)))\n",
    ),
    dict(
        id="bce-float64-leaks",
        why="the values are wrapped without casting back, so float32 probabilities with float64 (list) targets give float64",
        find='        return self._reduce(Tensor.from_op(values.astype(p.dtype, copy=False), "binary_cross_entropy",\n',
        replace='        return self._reduce(Tensor.from_op(values, "binary_cross_entropy",\n',
    ),
    dict(
        id="bce-with-logits-float64-leaks",
        why="the values are wrapped without casting back, so float32 logits with float64 (list) targets give float64",
        find='        return self._reduce(Tensor.from_op(values.astype(x.dtype, copy=False), "bce_with_logits",\n',
        replace='        return self._reduce(Tensor.from_op(values, "bce_with_logits",\n',
    ),
    dict(
        id="bce-clips-probabilities",
        why="p is clipped to [1e-7, 1 - 1e-7] before the logs (Keras style) instead of clamping each log at -100",
        find="            log_p = np.maximum(np.log(p), LOG_FLOOR)\n"
             "            log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)\n",
        replace="            p = np.clip(p, 1e-7, 1 - 1e-7)  # keep both logs finite\n"
                "            log_p = np.log(p)\n"
                "            log_not_p = np.log1p(-p)\n",
    ),
    dict(
        id="mse-computed-in-numpy",
        why="MSE is computed on the raw arrays and wrapped in a new Tensor, so nothing is recorded for autograd",
        find="        diff = predictions - Tensor(targets, dtype=predictions.dtype)\n"
             "        return self._reduce(diff * diff)\n",
        replace="        diff = predictions.data - targets\n"
                "        return self._reduce(Tensor(diff * diff, dtype=predictions.dtype))\n",
    ),
]
