"""Realistic learner mistakes in Module 02 (activations), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="relu-overwrites-input",
        why="ReLU writes its result into the input's own array",
        find='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype)), "relu", (x,))\n',
        replace='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype), out=x.data), "relu", (x,))\n',
    ),
    dict(
        id="relu-records-no-history",
        why="ReLU builds a fresh tensor instead of recording the operation",
        find='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype)), "relu", (x,))\n',
        replace="        return Tensor(np.maximum(x.data, 0))\n",
    ),
    dict(
        id="sigmoid-naive",
        why="sigmoid as 1 / (1 + exp(-x)), which overflows for large negative x",
        find="    z = np.exp(-np.abs(values))\n    return (np.where(values >= 0, 1.0, z) / (1.0 + z)).astype(values.dtype, copy=False)\n",
        replace="    return (1.0 / (1.0 + np.exp(-values))).astype(values.dtype, copy=False)\n",
    ),
    dict(
        id="sigmoid-branches-swapped",
        why="the stable formula's two branches are swapped, giving 1 - sigmoid(x)",
        find="    return (np.where(values >= 0, 1.0, z) / (1.0 + z)).astype(values.dtype, copy=False)\n",
        replace="    return (np.where(values >= 0, z, 1.0) / (1.0 + z)).astype(values.dtype, copy=False)\n",
    ),
    dict(
        id="tanh-from-sigmoid-of-x",
        why="tanh as 2 sigmoid(x) - 1, which is tanh(x / 2)",
        find='        return Tensor.from_op(np.tanh(x.data), "tanh", (x,))\n',
        replace='        return Tensor.from_op(2 * logistic(x.data) - 1, "tanh", (x,))\n',
    ),
    dict(
        id="gelu-always-approximate",
        why="GELU uses the tanh approximation even when the exact form was asked for",
        find="        out = (v * normal_cdf(v, self.approximate)).astype(x.dtype, copy=False)\n",
        replace="        out = (v * normal_cdf(v, True)).astype(x.dtype, copy=False)\n",
    ),
    dict(
        id="gelu-forgets-x",
        why="GELU returns the normal CDF without multiplying by x",
        find="        out = (v * normal_cdf(v, self.approximate)).astype(x.dtype, copy=False)\n",
        replace="        out = normal_cdf(v, self.approximate).astype(x.dtype, copy=False)\n",
    ),
    dict(
        id="softmax-no-shift",
        why="softmax exponentiates without subtracting the maximum, so large inputs overflow",
        find="        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)\n        exps = np.exp(shifted)\n",
        replace="        shifted = x.data\n        exps = np.exp(shifted)\n",
    ),
    dict(
        id="softmax-sums-over-batch",
        why="softmax normalises over the first axis instead of the chosen one",
        find="        out = exps / np.sum(exps, axis=self.dim, keepdims=True)\n",
        replace="        out = exps / np.sum(exps, axis=0, keepdims=True)\n",
    ),
    dict(
        id="softmax-sums-everything",
        why="softmax divides by the sum over the whole tensor",
        find="        out = exps / np.sum(exps, axis=self.dim, keepdims=True)\n",
        replace="        out = exps / np.sum(exps)\n",
    ),
]
