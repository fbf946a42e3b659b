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
]
