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
]
