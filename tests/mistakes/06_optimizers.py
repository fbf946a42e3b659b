"""Realistic learner mistakes in Module 06 (optimizers), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="sgd-velocity-never-stored",
        why="the momentum buffer is made afresh every step, so momentum never builds up",
        find='                velocity = state["velocity"] = np.array(grad, dtype=value.dtype)\n',
        replace="                velocity = np.array(grad, dtype=value.dtype)\n",
    ),
    dict(
        id="sgd-velocity-not-decayed",
        why="the old velocity is not multiplied by the momentum",
        find='                velocity *= h["momentum"]\n',
        replace="                pass\n",
    ),
    dict(
        id="sgd-weight-decay-sign",
        why="weight decay is subtracted from the gradient, growing the weights",
        find='            grad = grad + h["weight_decay"] * value\n',
        replace='            grad = grad - h["weight_decay"] * value\n',
    ),
    dict(
        id="sgd-nesterov-ignored",
        why="nesterov=True steps with the plain velocity",
        find='            grad = grad + h["momentum"] * velocity if h["nesterov"] else velocity\n',
        replace="            grad = velocity\n",
    ),
    dict(
        id="sgd-ascends",
        why="the step adds the gradient instead of subtracting it",
        find='        value -= h["lr"] * grad\n',
        replace='        value += h["lr"] * grad\n',
    ),
    dict(
        id="adam-no-bias-correction",
        why="Adam's first moment is used without dividing by 1 - beta1^t",
        find='        value -= (h["lr"] / (1 - beta1**step)) * m / denominator\n',
        replace='        value -= h["lr"] * m / denominator\n',
    ),
    dict(
        id="adam-second-moment-not-squared",
        why="the second moment averages the gradient, not its square",
        find="        v += (1 - beta2) * (grad * grad)\n",
        replace="        v += (1 - beta2) * grad\n",
    ),
    dict(
        id="adam-step-count-not-saved",
        why="the step count is never stored, so bias correction stays at its first step",
        find='        state["step"] = np.array(step)\n',
        replace="        pass\n",
    ),
    dict(
        id="adam-eps-inside-sqrt",
        why="eps is added under the square root",
        find='        denominator = np.sqrt(v) / math.sqrt(1 - beta2**step) + h["eps"]\n',
        replace='        denominator = np.sqrt(v / (1 - beta2**step) + h["eps"])\n',
    ),
    dict(
        id="adamw-decay-coupled",
        why="AdamW adds the decay to the gradient, as Adam's L2 penalty does, instead of shrinking the weights",
        find='                value *= 1 - h["lr"] * h["weight_decay"]\n',
        replace='                grad = grad + h["weight_decay"] * value\n',
    ),
    dict(
        id="sgd-velocity-aliases-grad",
        why="the first velocity is the gradient array itself, so the next step's velocity *= momentum rewrites .grad",
        find='                velocity = state["velocity"] = np.array(grad, dtype=value.dtype)\n',
        replace='                velocity = state["velocity"] = grad  # the first velocity is the gradient\n',
    ),
    dict(
        id="sgd-dampened-momentum",
        why="the velocity is an average, momentum * v + (1 - momentum) * g, not PyTorch's momentum * v + g",
        find="                velocity += grad\n",
        replace='                velocity += (1 - h["momentum"]) * grad\n',
    ),
    dict(
        id="sgd-weight-decay-into-grad",
        why="weight decay is added to the gradient in place, changing the parameter's .grad",
        find='            grad = grad + h["weight_decay"] * value\n',
        replace='            grad += h["weight_decay"] * value\n',
    ),
    dict(
        id="sgd-lr-inside-velocity",
        why="the learning rate is folded into the velocity (v = m v + lr g; p -= v): the same as PyTorch while lr "
            "is constant, but a schedule's new lr reaches the step only gradually",
        find='        if h["momentum"]:\n'
             '            velocity = state.get("velocity")\n'
             "            if velocity is None:\n"
             '                velocity = state["velocity"] = np.array(grad, dtype=value.dtype)\n'
             "            else:\n"
             '                velocity *= h["momentum"]\n'
             "                velocity += grad\n"
             '            grad = grad + h["momentum"] * velocity if h["nesterov"] else velocity\n'
             '        value -= h["lr"] * grad\n',
        replace='        if h["momentum"]:  # the velocity holds displacements, lr included\n'
                '            velocity = state.setdefault("velocity", np.zeros_like(value))\n'
                '            velocity *= h["momentum"]\n'
                '            velocity += h["lr"] * grad\n'
                '            value -= h["lr"] * grad + h["momentum"] * velocity if h["nesterov"] else velocity\n'
                "        else:\n"
                '            value -= h["lr"] * grad\n',
    ),
    dict(
        id="adam-step-count-on-optimizer",
        why="one step count is kept on the optimizer and advanced for every parameter updated, so with several "
            "parameters the bias correction runs ahead",
        find='        step = int(state["step"]) + 1\n',
        replace='        self.steps_taken = getattr(self, "steps_taken", 0) + 1\n'
                "        step = self.steps_taken\n",
    ),
    dict(
        id="adam-lr-from-defaults",
        why="Adam steps with the constructor's lr, ignoring the group's lr (parameter groups, schedules)",
        find='        value -= (h["lr"] / (1 - beta1**step)) * m / denominator\n',
        replace='        value -= (self.defaults["lr"] / (1 - beta1**step)) * m / denominator\n',
    ),
    dict(
        id="adam-state-float64",
        why="the moments start as np.zeros(shape), float64 for a float32 parameter: twice the memory",
        find='            state["m"] = np.zeros_like(value)\n'
             '            state["v"] = np.zeros_like(value)\n',
        replace='            state["m"] = np.zeros(value.shape)\n'
                '            state["v"] = np.zeros(value.shape)\n',
    ),
    dict(
        id="adam-eps-scaled-by-bias-correction",
        why="eps is added before dividing by sqrt(1 - beta2^t) (the paper's 'efficient' form), not after as in PyTorch",
        find='        denominator = np.sqrt(v) / math.sqrt(1 - beta2**step) + h["eps"]\n',
        replace='        denominator = (np.sqrt(v) + h["eps"]) / math.sqrt(1 - beta2**step)\n',
    ),
    dict(
        id="adam-moments-not-in-place",
        why="m = beta1 * m + ... rebinds a local name, so the stored first moment stays zero",
        find="        m *= beta1\n"
             "        m += (1 - beta1) * grad\n",
        replace="        m = beta1 * m + (1 - beta1) * grad\n",
    ),
    dict(
        id="adamw-decay-forgets-lr",
        why="AdamW shrinks the weights by (1 - weight_decay) instead of (1 - lr * weight_decay)",
        find='                value *= 1 - h["lr"] * h["weight_decay"]\n',
        replace='                value *= 1 - h["weight_decay"]\n',
    ),
]
