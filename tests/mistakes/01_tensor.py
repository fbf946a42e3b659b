"""Realistic learner mistakes in Module 01 (Tensor), each a patch of one solution region."""

NOT_YET = "graded tests not yet strong enough: issue 9 part 1"

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
        find="        self.grad = None\n",
        replace="        self.grad = np.zeros_like(self.data)\n",
    ),
    dict(
        id="integers-may-require-grad",
        why="requires_grad is accepted on integer data, whose gradient means nothing",
        find='        if requires_grad and self.data.dtype.kind != "f":\n',
        replace='        if requires_grad and self.data.dtype.kind not in "fiu":\n',
        xfail=NOT_YET,
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
        xfail=NOT_YET,
    ),
    dict(
        id="matmul-elementwise",
        why="matmul multiplies element by element, which square matrices let through",
        find="            data = np.matmul(self.data, other.data)\n",
        replace="            data = self.data * other.data\n",
    ),
    dict(
        id="sum-ignores-axis",
        why="sum(axis=...) always sums every element",
        find="        data = np.sum(self.data, axis=axis, keepdims=keepdims)\n",
        replace="        data = np.sum(self.data, keepdims=keepdims)\n",
    ),
    dict(
        id="mean-of-integers-truncates",
        why="the mean of an integer tensor is computed in its integer dtype",
        find='        data = np.mean(self.data, axis=axis, keepdims=keepdims, dtype=self.dtype if self.dtype.kind == "f" else None)\n',
        replace="        data = np.mean(self.data, axis=axis, keepdims=keepdims, dtype=self.dtype)\n",
        xfail=NOT_YET,
    ),
    dict(
        id="max-ignores-keepdims",
        why="max(keepdims=True) drops the reduced axis anyway",
        find="        data = np.max(self.data, axis=axis, keepdims=keepdims)\n",
        replace="        data = np.max(self.data, axis=axis)\n",
        xfail=NOT_YET,
    ),
    dict(
        id="transpose-ignores-axes",
        why="transpose(axes) always reverses every axis",
        find='        return Tensor.from_op(np.transpose(self.data, axes), "transpose", (self,), axes=axes)\n',
        replace='        return Tensor.from_op(np.transpose(self.data), "transpose", (self,), axes=axes)\n',
        xfail=NOT_YET,
    ),
    dict(
        id="log-base-10",
        why="log is the base-10 logarithm instead of the natural one",
        find='        return Tensor.from_op(np.log(self.data), "log", (self,))\n',
        replace='        return Tensor.from_op(np.log10(self.data), "log", (self,))\n',
    ),
]
