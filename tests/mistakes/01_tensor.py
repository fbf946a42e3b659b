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
    dict(
        id="pow-float-power",
        why="x ** y uses np.float_power, which computes in float64, so float32 (and int64) powers come out float64",
        find='        return self._binary(exponent, "pow", np.power)\n',
        replace='        return self._binary(exponent, "pow", np.float_power)\n',
    ),
    dict(
        id="eq-with-tolerance",
        why="== compares floats with np.isclose, so values 1e-6 apart count as equal (PyTorch compares exactly)",
        find='        return self._compare(other, "eq", np.equal)\n',
        replace='        return self._compare(other, "eq", np.isclose)\n',
    ),
    dict(
        id="matmul-checks-first-axis-of-right",
        why="matmul compares the left's last axis with the right's first axis, which is wrong for a batched right side",
        find="        inner_right = other.shape[-2] if other.ndim > 1 else other.shape[0]\n",
        replace="        inner_right = other.shape[0]\n",
    ),
    dict(
        id="matmul-no-type-promotion",
        why="matmul leaves dtypes to NumPy, so an int64 matrix times a float32 one comes out float64",
        find="        a, b = self.data, other.data\n"
             "        if a.dtype != b.dtype:\n"
             "            dtype = _result_dtype(self, other)\n"
             "            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)\n"
             "        try:\n"
             "            data = np.matmul(a, b)\n",
        replace="        a, b = self.data, other.data\n"
                "        try:\n"
                "            data = np.matmul(a, b)\n",
    ),
    dict(
        id="sum-accumulates-in-float64",
        why="sum accumulates in float64 'for accuracy' and returns float64 for a float32 tensor",
        find="        data = np.sum(self.data, axis=axis, keepdims=keepdims)\n",
        replace="        data = np.sum(self.data, axis=axis, keepdims=keepdims, dtype=np.float64)\n",
    ),
    dict(
        id="exp-of-integers-float64",
        why="exp skips _float_data, so exp of an integer tensor is float64 instead of float32",
        find='        return Tensor.from_op(np.exp(self._float_data()), "exp", (self,))\n',
        replace='        return Tensor.from_op(np.exp(self.data), "exp", (self,))\n',
    ),
    dict(
        id="where-no-promotion",
        why="where hands both sides to np.where unconverted, so int64 labels against a float32 tensor give float64",
        find="        data = np.where(mask, input.data.astype(dtype, copy=False), other.data.astype(dtype, copy=False))\n",
        replace="        data = np.where(mask, input.data, other.data)\n",
    ),
    dict(
        id="where-saves-no-condition",
        why="where records its inputs but not the condition, which its gradient rule needs to route the gradient",
        find='    return Tensor.from_op(data, "where", (input, other), condition=mask)\n',
        replace='    return Tensor.from_op(data, "where", (input, other))\n',
    ),
    dict(
        id="clamp-saves-no-bounds",
        why="clamp records no min/max, which its gradient rule needs to know where the gradient is cut",
        find='        return Tensor.from_op(data, "clamp", (self,), min=min, max=max)\n',
        replace='        return Tensor.from_op(data, "clamp", (self,))\n',
    ),
    dict(
        id="clamp-skips-zero-bound",
        why="clamp tests `if min:`, so a bound of 0.0 is ignored as if it were None",
        find="        if min is not None:\n",
        replace="        if min:\n",
    ),
    dict(
        id="clamp-leaves-dtypes-to-numpy",
        why="clamp compares the integer data with a float32 bound unconverted, so NumPy makes the result float64",
        find="        data = self.data.astype(dtype, copy=False)\n",
        replace="        data = self.data\n",
    ),
]
