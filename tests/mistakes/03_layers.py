"""Realistic learner mistakes in Module 03 (layers), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="linear-forgets-bias",
        why="forward returns x @ W and never adds the bias",
        find="        output += self.bias.data\n",
        replace="",
    ),
    dict(
        id="linear-random-bias",
        why="the bias starts random instead of at zero",
        find="            self.bias = Parameter(np.zeros(self.out_features, dtype=np.float32))\n",
        replace="            self.bias = Parameter(np.random.randn(self.out_features).astype(np.float32))\n",
    ),
    dict(
        id="linear-weight-out-by-in",
        why="the weight is made (out, in), PyTorch's layout, while forward computes x @ W",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter(lecun_normal(self.out_features, self.in_features))\n",
    ),
    dict(
        id="linear-weight-not-a-parameter",
        why="the weight is a plain Tensor, not a Parameter, so the layer does not register it",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Tensor(lecun_normal(self.in_features, self.out_features), requires_grad=True)\n",
    ),
    dict(
        id="linear-xavier-init",
        why="Xavier (fan-in and fan-out averaged) instead of LeCun normal",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter(xavier_normal(self.in_features, self.out_features))\n",
    ),
    dict(
        id="dropout-accepts-any-p",
        why="Dropout does not check that p is a probability",
        find=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'
              '            raise ValueError(f"Dropout probability p must be between 0 and 1, got {value!r}")\n'),
        replace="",
    ),
    dict(
        id="dropout-keeps-with-p",
        why="Dropout keeps each value with probability p instead of 1 - p",
        find="        keep = 1.0 - self.p\n",
        replace="        keep = self.p\n",
    ),
    dict(
        id="dropout-no-scaling",
        why="survivors are not scaled by 1 / (1 - p)",
        find="        mask *= dtype.type(1.0 / keep)  # in place: scaling a new copy would cost a pass and an array\n",
        replace="",
    ),
    dict(
        id="dropout-scales-by-p",
        why="survivors are scaled by p instead of 1 / (1 - p)",
        find="        mask *= dtype.type(1.0 / keep)  # in place: scaling a new copy would cost a pass and an array\n",
        replace="        mask *= dtype.type(self.p)\n",
    ),
    dict(
        id="dropout-ignores-eval",
        why="with no training argument Dropout always drops, whatever eval() said",
        find="            training = self.training\n",
        replace="            training = True\n",
    ),
    dict(
        id="dropout-p1-leaves-the-graph",
        why="at p = 1 Dropout returns a fresh zero tensor, cut from the graph",
        find="            return x * from_numpy(np.zeros(x.shape, dtype=dtype))\n",
        replace="            return from_numpy(np.zeros(x.shape, dtype=dtype))\n",
    ),
    dict(
        id="frozen-parameters-dropped",
        why="only parameters that require grad are registered, so a frozen weight leaves parameters() and state_dict()",
        find="            if isinstance(value, Parameter):\n",
        replace="            if isinstance(value, Parameter) and value.requires_grad:\n",
    ),
    dict(
        id="buffers-counted-as-parameters",
        why="every Tensor attribute is taken for a parameter, buffers included",
        find="            if isinstance(value, Parameter):\n",
        replace="            if isinstance(value, Tensor):\n",
    ),
    dict(
        id="linear-bias-as-a-row",
        why="the bias is reshaped to (1, out) 'to broadcast over the batch', so a single sample (in,) comes out (1, out)",
        find="        output += self.bias.data\n",
        replace="        output = output + self.bias.data.reshape(1, -1)\n",
    ),
    dict(
        id="linear-forces-a-batch-axis",
        why="np.atleast_2d on the input 'to handle single samples', so (in,) gives (1, out) instead of (out,)",
        find="        output = np.matmul(x.data, self.weight.data)\n",
        replace="        output = np.matmul(np.atleast_2d(x.data), self.weight.data)\n",
    ),
    dict(
        id="linear-flattens-leading-axes",
        why="the input is reshaped to (-1, in) so a (4, 5, in) batch comes out (20, out)",
        find="        output = np.matmul(x.data, self.weight.data)\n",
        replace="        output = np.matmul(x.data.reshape(-1, self.in_features), self.weight.data)\n",
    ),
    dict(
        id="linear-init-ignores-manual-seed",
        why="the weight is drawn from np.random rather than the framework generator, so manual_seed does not reproduce it",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter((np.random.randn(self.in_features, self.out_features) / np.sqrt(self.in_features)).astype(np.float32))\n",
    ),
    dict(
        id="linear-lecun-uniform",
        why="Kaiming uniform with gain 1 (LeCun uniform): the right variance 1/in, but a uniform, not a normal, distribution",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter(kaiming_uniform(self.in_features, self.out_features, gain=1.0))\n",
    ),
    dict(
        id="linear-std-from-fan-out",
        why="the weight is drawn (out, in) and transposed, so its std is sqrt(1/out_features), not sqrt(1/in_features)",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter(lecun_normal(self.out_features, self.in_features).T)\n",
    ),
    dict(
        id="parameters-sorted-by-name",
        why="parameters are listed in alphabetical order (bias before weight) instead of assignment order",
        find="        for name, value in vars(self).items():\n            if isinstance(value, Parameter):\n",
        replace="        for name, value in sorted(vars(self).items(), key=lambda item: item[0]):\n            if isinstance(value, Parameter):\n",
    ),
    dict(
        id="dropout-accepts-nan",
        why="p is checked with p < 0 or p > 1, which NaN passes",
        find=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'),
        replace=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value < 0.0 or value > 1.0:\n'),
    ),
    dict(
        id="dropout-refuses-numpy-p",
        why="only int and float are accepted, so a NumPy float32 probability (from a config array, say) is refused",
        find=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'),
        replace=('        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:\n'),
    ),
    dict(
        id="dropout-one-mask-for-the-batch",
        why="the mask is drawn for the last axis only, so every sample of the batch loses the same features",
        find="        kept = default_generator().random(x.shape, dtype=np.float32) < keep\n",
        replace="        kept = default_generator().random(x.shape[-1:], dtype=np.float32) < keep\n",
    ),
    dict(
        id="dropout-ignores-manual-seed",
        why="the mask is drawn from np.random, so manual_seed does not reproduce it",
        find="        kept = default_generator().random(x.shape, dtype=np.float32) < keep\n",
        replace="        kept = np.random.random(x.shape) < keep\n",
    ),
    dict(
        id="dropout-float64-output",
        why="the mask is kept / keep, a float64 array, so a float32 input comes out float64",
        find=("        mask = kept.astype(dtype)\n"
              "        mask *= dtype.type(1.0 / keep)  # in place: scaling a new copy would cost a pass and an array\n"
              "        return Tensor.from_op(np.multiply(x.data, mask, dtype=dtype), \"dropout\", (x,), mask=mask)\n"),
        replace=("        mask = kept / keep\n"
                 "        return Tensor.from_op(x.data * mask, \"dropout\", (x,), mask=mask)\n"),
    ),
    dict(
        id="dropout-eval-cuts-the-graph",
        why="in evaluation (and at p = 0) Dropout returns a fresh copy, Tensor(x.data), which no longer requires grad",
        find="            return x\n",
        replace="            return Tensor(x.data)\n",
    ),
    dict(
        id="dropout-explicit-flag-changes-mode",
        why="forward(x, training=...) stores the flag in self.training, so one explicit call switches the layer's mode for good",
        find="        if training is None:\n            training = self.training\n",
        replace="        if training is not None:\n            self.training = training\n        training = self.training\n",
    ),
    dict(
        id="dropout-p1-fresh-leaf",
        why="at p = 1 Dropout returns a new zero tensor that requires grad but is a leaf, not computed from x",
        find="            return x * from_numpy(np.zeros(x.shape, dtype=dtype))\n",
        replace="            return Tensor(np.zeros(x.shape, dtype=dtype), requires_grad=x.requires_grad)\n",
    ),
    dict(
        id="dropout-eval-fresh-leaf",
        why="in evaluation Dropout returns a copy that requires grad but is cut from the graph",
        find="            return x\n",
        replace="            return Tensor(x.data, requires_grad=x.requires_grad)\n",
    ),
    dict(
        id="dropout-p1-zeroes-the-input",
        why="at p = 1 Dropout zeroes x's own array in place and returns x, destroying the caller's data",
        find="            return x * from_numpy(np.zeros(x.shape, dtype=dtype))\n",
        replace="            x.data[...] = 0\n            return x\n",
    ),
    dict(
        id="dropout-floor-division-scale",
        why="the scale is 1 // (1 - p), right at p = 0.5 (2) but 1 at p = 0.2 and 3 at p = 0.7",
        find="        mask *= dtype.type(1.0 / keep)  # in place: scaling a new copy would cost a pass and an array\n",
        replace="        mask *= dtype.type(1.0 // keep)\n",
    ),
    dict(
        id="dropout-p-parsed-with-float",
        why="p is converted with float() before the check, so the string '0.5' and True are accepted",
        find=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'),
        replace=('        value = float(value)\n        if not 0.0 <= value <= 1.0:\n'),
    ),
    dict(
        id="dropout-stores-p-before-checking",
        why="the new p is stored before it is checked, so a refused p still replaces the old one",
        find=('        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'),
        replace=('        self._p = value\n        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:\n'),
    ),
    dict(
        id="linear-kaiming-default",
        why="He/Kaiming normal (std sqrt(2/in), for ReLU) as Linear's default instead of LeCun normal",
        find="        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))\n",
        replace="        self.weight = Parameter(kaiming_normal(self.in_features, self.out_features))\n",
    ),
    dict(
        id="dropout-drops-an-exact-share",
        why="exactly round(p * n) elements are dropped each call (a shuffled index) instead of each element independently",
        find="        kept = default_generator().random(x.shape, dtype=np.float32) < keep\n",
        replace="        kept = (default_generator().permutation(x.data.size) >= round(self.p * x.data.size)).reshape(x.shape)\n",
    ),
]
