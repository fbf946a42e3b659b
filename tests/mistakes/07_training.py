"""Realistic learner mistakes in Module 07 (training), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="clip-after-step",
        why="gradients are clipped after the optimizer has already used them",
        find=("                if self.max_grad_norm is not None:\n"
             "                    clip_grad_norm(self.model.parameters(), self.max_grad_norm)\n"
             "                self.optimizer.step()\n"),
        replace=("                self.optimizer.step()\n"
                "                if self.max_grad_norm is not None:\n"
                "                    clip_grad_norm(self.model.parameters(), self.max_grad_norm)\n"),
    ),
    dict(
        id="gradients-never-zeroed",
        why="zero_grad is never called, so gradients pile up across batches",
        find="                self.optimizer.zero_grad()\n",
        replace="                pass\n",
    ),
    dict(
        id="epoch-loss-unweighted",
        why="the epoch's loss adds batch means without weighting them by batch size",
        find="                total_loss += loss.item() * batch\n",
        replace="                total_loss += loss.item()\n",
    ),
    dict(
        id="clip-norm-squared",
        why="the total norm is the sum of squares, without the square root",
        find="    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))\n",
        replace="    total = sum(float(np.vdot(g, g)) for g in grads)\n",
    ),
    dict(
        id="clip-scales-small-gradients-up",
        why="gradients are rescaled to max_norm even when their norm is below it",
        find="    if total > max_norm:\n",
        replace="    if total > 0:\n",
    ),
    dict(
        id="clip-returns-clipped-norm",
        why="clip_grad_norm returns the norm after clipping instead of before",
        find="    return total\n",
        replace="    return min(total, max_norm)\n",
    ),
    dict(
        id="steplr-off-by-one",
        why="StepLR decays one epoch early",
        find="        return base_lr * self.gamma ** (epoch // self.step_size)\n",
        replace="        return base_lr * self.gamma ** ((epoch + 1) // self.step_size)\n",
    ),
    dict(
        id="cosine-forgets-eta-min",
        why="cosine annealing goes down to 0 instead of eta_min",
        find="        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2\n",
        replace="        return base_lr * (1 + math.cos(math.pi * progress)) / 2\n",
    ),
    dict(
        id="cosine-rises-after-t-max",
        why="past T_max the learning rate climbs back up the cosine",
        find="        progress = min(epoch, self.T_max) / self.T_max\n",
        replace="        progress = epoch / self.T_max\n",
    ),
    dict(
        id="clip-squares-each-sum",
        why="each gradient's entries are summed and the sum squared, instead of summing the squares (right only for one-element gradients)",
        find="    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))\n",
        replace="    total = math.sqrt(sum(float(np.sum(g)) ** 2 for g in grads))\n",
    ),
    dict(
        id="clip-adds-norms",
        why="the global norm adds the parameters' own norms instead of taking the root of all squares",
        find="    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))\n",
        replace="    total = sum(float(np.linalg.norm(g)) for g in grads)\n",
    ),
    dict(
        id="clip-rebinds-instead-of-scaling-in-place",
        why="g = g * scale makes a new array and leaves the gradients unchanged",
        find="            g *= scale\n",
        replace="            g = g * scale\n",
    ),
    dict(
        id="clip-each-parameter-on-its-own",
        why="every gradient is clipped by its own norm, not by the one global norm",
        find=("    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))\n"
              "    if total > max_norm:\n"
              "        scale = max_norm / (total + 1e-6)\n"
              "        for g in grads:\n"
              "            g *= scale\n"),
        replace=("    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))\n"
                 "    for g in grads:\n"
                 "        own = math.sqrt(float(np.vdot(g, g)))\n"
                 "        if own > max_norm:\n"
                 "            g *= max_norm / (own + 1e-6)\n"),
    ),
    dict(
        id="steplr-every-group-from-the-first-rate",
        why="StepLR starts every parameter group from the first group's rate, not from its own",
        find="        return base_lr * self.gamma ** (epoch // self.step_size)\n",
        replace="        return self.base_lrs[0] * self.gamma ** (epoch // self.step_size)\n",
    ),
    dict(
        id="steplr-compounds-the-current-rate",
        why="StepLR multiplies the current rate by gamma at each boundary (a chained form): the first group's rate for all, and a restored schedule does not get its rate back",
        find="        return base_lr * self.gamma ** (epoch // self.step_size)\n",
        replace=("        current = self.optimizer.param_groups[0][\"lr\"]\n"
                 "        return current * self.gamma if epoch % self.step_size == 0 else current\n"),
    ),
    dict(
        id="cosine-every-group-from-the-first-rate",
        why="cosine annealing glides every parameter group from the first group's rate",
        find="        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2\n",
        replace="        return self.eta_min + (self.base_lrs[0] - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2\n",
    ),
    dict(
        id="train-accuracy-overwritten-each-batch",
        why="the count of right predictions is replaced by each batch's count (= instead of +=)",
        find="                correct += right or 0\n",
        replace="                correct = right or 0\n",
    ),
    dict(
        id="train-samples-counted-as-elements",
        why="the batch size is taken as the number of input elements (x.data.size), not of rows",
        find="                batch = len(x)\n",
        replace="                batch = x.data.size\n",
    ),
]
