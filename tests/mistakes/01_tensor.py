"""Realistic learner mistakes in Module 01 (Tensor), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="init-ignores-dtype",
        why="the constructor converts the data but drops the dtype the caller asked for",
        find="        self.data = _as_array(data, dtype)\n",
        replace="        self.data = _as_array(data, None)\n",
    ),
    dict(
        id="grad-starts-as-zeros",
        why="a new tensor gets a zero array as its gradient instead of None",
        find="        self._grad = None\n",
        replace="        self._grad = np.zeros_like(self.data)\n",
    ),
    dict(
        id="integers-may-require-grad",
        why="requires_grad is accepted on integer data, whose gradient means nothing",
        find='        if requires_grad and self.data.dtype.kind != "f":\n',
        replace='        if requires_grad and self.data.dtype.kind not in "fiu":\n',
    ),
    dict(
        id="sub-reversed",
        why="a - b computes b - a",
        find='        return self._binary(other, "sub", np.subtract)\n',
        replace='        return self._binary(other, "sub", lambda a, b: np.subtract(b, a))\n',
    ),
    dict(
        id="div-floors",
        why="division rounds down, as // does",
        find='        return self._binary(other, "div", np.true_divide)\n',
        replace='        return self._binary(other, "div", np.floor_divide)\n',
    ),
    dict(
        id="neg-records-no-history",
        why="-x builds a fresh tensor instead of recording the operation",
        find='        return Tensor.from_op(np.negative(self.data), "neg", (self,))\n',
        replace="        return Tensor(np.negative(self.data))\n",
    ),
    dict(
        id="matmul-elementwise",
        why="matmul multiplies element by element, which square matrices let through",
        find="            data = np.matmul(a, b)\n",
        replace="            data = a * b\n",
    ),
    dict(
        id="sum-ignores-axis",
        why="sum(axis=...) always sums every element",
        find="        data = np.sum(self.data, axis=axis, keepdims=keepdims)\n",
        replace="        data = np.sum(self.data, keepdims=keepdims)\n",
    ),
    dict(
        id="mean-ignores-keepdim",
        why="mean(keepdim=True) drops the reduced axis anyway",
        find="        data = np.mean(self.data, axis=axis, keepdims=keepdims, dtype=self.data.dtype)\n",
        replace="        data = np.mean(self.data, axis=axis, dtype=self.data.dtype)\n",
    ),
    dict(
        id="amax-ignores-keepdim",
        why="amax(keepdim=True) drops the reduced axis anyway",
        find="        data = np.max(self.data, axis=axis, keepdims=keepdims)\n",
        replace="        data = np.max(self.data, axis=axis)\n",
    ),
    dict(
        id="transpose-swaps-nothing",
        why="transpose(d0, d1) assigns each axis its own position back, so nothing is swapped",
        find="        order[first], order[second] = second, first\n",
        replace="        order[first], order[second] = first, second\n",
    ),
    dict(
        id="log-base-10",
        why="log is the base-10 logarithm instead of the natural one",
        find='            return Tensor.from_op(np.log(self._float_data()), "log", (self,))\n',
        replace='            return Tensor.from_op(np.log10(self._float_data()), "log", (self,))\n',
    ),
    dict(
        id="gt-includes-equal",
        why="x > y computed with np.greater_equal, so equal elements count as greater",
        find='        return self._compare(other, "gt", np.greater)\n',
        replace='        return self._compare(other, "gt", np.greater_equal)\n',
    ),
]
