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
]
