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
]
