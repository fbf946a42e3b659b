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
        replace='        out = (v * normal_cdf(v, "tanh")).astype(x.dtype, copy=False)\n',
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
    dict(
        id="relu-zeros-default-dtype",
        why="ReLU compares with np.zeros(x.shape), which is float64, so a float32 input comes out float64",
        find='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype)), "relu", (x,))\n',
        replace='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape)), "relu", (x,))\n',
    ),
    dict(
        id="relu-zeros-of-first-axis",
        why="ReLU's zeros are sized len(x.data), which broadcasts only for a single row or a square matrix",
        find='        return Tensor.from_op(np.maximum(x.data, np.zeros(x.shape, x.dtype)), "relu", (x,))\n',
        replace='        return Tensor.from_op(np.maximum(x.data, np.zeros(len(x.data), x.dtype)), "relu", (x,))\n',
    ),
    dict(
        id="sigmoid-ones-float64",
        why="logistic builds its 1s with np.ones (float64) and drops the cast, so float32 comes out float64",
        find="    return (np.where(values >= 0, 1.0, z) / (1.0 + z)).astype(values.dtype, copy=False)\n",
        replace="    return np.where(values >= 0, np.ones(values.shape), z) / (1.0 + z)\n",
    ),
    dict(
        id="tanh-in-float64",
        why="tanh is computed in float64 'for precision' and never cast back, so float32 comes out float64",
        find='        return Tensor.from_op(np.tanh(x.data), "tanh", (x,))\n',
        replace='        return Tensor.from_op(np.tanh(x.data.astype(np.float64)), "tanh", (x,))\n',
    ),
    dict(
        id="gelu-cdf-in-float64",
        why="GELU evaluates Phi on a float64 copy and drops the cast, so float32 comes out float64",
        find="        out = (v * normal_cdf(v, self.approximate)).astype(x.dtype, copy=False)\n",
        replace="        out = v * normal_cdf(v.astype(np.float64), self.approximate)\n",
    ),
    dict(
        id="softmax-sums-in-float64",
        why="softmax accumulates the denominator in float64 'for accuracy', so float32 comes out float64",
        find="        out = exps / np.sum(exps, axis=self.dim, keepdims=True)\n",
        replace="        out = exps / np.sum(exps, axis=self.dim, keepdims=True, dtype=np.float64)\n",
    ),
    dict(
        id="log-softmax-shifts-by-global-max",
        why="LogSoftmax subtracts the maximum of the whole tensor, so a row far below it underflows to log 0",
        find="        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)\n"
             "        out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))\n",
        replace="        shifted = x.data - np.max(x.data)\n"
                "        out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))\n",
    ),
    dict(
        id="log-softmax-is-log-of-softmax",
        why="LogSoftmax takes the log of the softmax, which is log 0 = -inf for a very negative score",
        find="        out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))\n",
        replace="        exps = np.exp(shifted)\n"
                "        out = np.log(exps / np.sum(exps, axis=self.dim, keepdims=True))\n",
    ),
    dict(
        id="log-softmax-forgets-the-shift-back",
        why="LogSoftmax returns x - log(sum(exp(x - max))), dropping the max it took out",
        find="        out = shifted - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))\n",
        replace="        out = x.data - np.log(np.sum(np.exp(shifted), axis=self.dim, keepdims=True))\n",
    ),
    dict(
        id="softmax-shift-over-last-axis",
        why="softmax subtracts each row's maximum whatever dim is, which is not a constant along dim 0",
        find="        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)\n        exps = np.exp(shifted)\n",
        replace="        shifted = x.data - np.max(x.data, axis=-1, keepdims=True)\n        exps = np.exp(shifted)\n",
    ),
]
