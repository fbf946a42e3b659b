"""Realistic learner mistakes in Module 09, each a patch of one solution region."""
MISTAKES = [
    dict(
        id="output-size-forgets-plus-one",
        why="counts the steps the window can move, not the positions it takes: one output row and column short",
        find="    return (size + 2 * padding - kernel) // stride + 1\n",
        replace="    return (size + 2 * padding - kernel) // stride\n",
    ),
    dict(
        id="output-size-pads-one-side",
        why="the output size counts the padding once, as if it were added on one side only",
        find="    return (size + 2 * padding - kernel) // stride + 1\n",
        replace="    return (size + padding - kernel) // stride + 1\n",
    ),
    dict(
        id="padding-on-one-side-only",
        why="pads at the top and left only, so the image is off-centre and the output one size short",
        find="    padded = np.full((n, c, h + 2 * rows, w + 2 * columns), value, dtype=x.dtype)\n"
             "    padded[:, :, rows:rows + h, columns:columns + w] = x\n",
        replace="    padded = np.full((n, c, h + rows, w + columns), value, dtype=x.dtype)\n"
                "    padded[:, :, rows:, columns:] = x\n",
    ),
    dict(
        id="loops-flip-the-kernel",
        why="computes a textbook convolution (kernel flipped) where deep learning, and PyTorch, cross-correlate",
        find="                    out[image, f, i, j] = np.sum(window * weight[f])\n",
        replace="                    out[image, f, i, j] = np.sum(window * weight[f, :, ::-1, ::-1])\n",
    ),
    dict(
        id="im2col-flips-the-kernel",
        why="flips the kernel before the matrix product, so PyTorch's weights give other outputs",
        find="    out = weight.data.reshape(filters, -1) @ cols\n",
        replace="    out = weight.data[:, :, ::-1, ::-1].reshape(filters, -1) @ cols\n",
    ),
    dict(
        id="windows-ignore-the-stride",
        why="returns a window at every position whatever the stride",
        find="    return every[:, :, ::stride[0], ::stride[1]]\n",
        replace="    return every\n",
    ),
    dict(
        id="add-windows-assigns",
        why="assigns each window's gradient instead of adding it, so overlapping windows overwrite each other",
        find="            total[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += grad_windows[..., u, v]\n",
        replace="            total[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] = grad_windows[..., u, v]\n",
    ),
    dict(
        id="conv-weight-gradient-averaged-over-images",
        why="averages the weight gradient over the batch (its groups of images) instead of summing it",
        find="        grad_weight = (cols @ g.transpose(0, 2, 1)).sum(axis=0).T.reshape(weight.shape)\n",
        replace="        grad_weight = (cols @ g.transpose(0, 2, 1)).mean(axis=0).T.reshape(weight.shape)\n",
    ),
    dict(
        id="conv-bias-gradient-averaged",
        why="averages the bias gradient over images and positions instead of summing it",
        find="        grad_bias = g.sum(axis=(0, 2))\n",
        replace="        grad_bias = g.mean(axis=(0, 2))\n",
    ),
    dict(
        id="conv-input-gradient-not-cropped",
        why="hands back the gradient of the padded input, a larger array than the input",
        find="        grad_x = from_groups(crop_images(grad_padded, saved[\"padding\"], x.shape[2:]))\n",
        replace="        grad_x = from_groups(grad_padded)\n",
    ),
    dict(
        id="conv-init-he-gain",
        why="draws the weights with ReLU's Kaiming gain sqrt(2) instead of PyTorch's a = sqrt(5) scheme",
        find="        drawn = kaiming_uniform(fan_in, self.out_channels, gain=np.sqrt(1.0 / 3.0))\n",
        replace="        drawn = kaiming_uniform(fan_in, self.out_channels, gain=np.sqrt(2.0))\n",
    ),
    dict(
        id="conv-bias-starts-at-zero",
        why="starts the bias at zero, as Linear does, where PyTorch's Conv2d draws it uniformly",
        find="            self.bias = Parameter(default_generator().uniform(-bound, bound, self.out_channels).astype(np.float32))\n",
        replace="            self.bias = Parameter(np.zeros(self.out_channels, dtype=np.float32))\n",
    ),
    dict(
        id="max-pool-pads-with-zeros",
        why="pads with zeros, so on negative inputs the padding wins the maximum",
        find="    padded = pad_images(x.data, padding, value=-np.inf)\n",
        replace="    padded = pad_images(x.data, padding)\n",
    ),
    dict(
        id="max-pool-last-of-ties",
        why="lets an equal value replace the best so far, so the last of tied maxima takes the gradient",
        find="            wins = (candidate > out) | np.isnan(candidate)\n",
        replace="            wins = (candidate >= out) | np.isnan(candidate)\n",
    ),
    dict(
        id="max-pool-gradient-to-every-element",
        why="sends each window's gradient to every element of the window, not to its maximum only",
        find="            grad_padded[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += grad * (winners == u * kw + v)\n",
        replace="            grad_padded[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += grad\n",
    ),
    dict(
        id="avg-pool-gradient-divided-by-height",
        why="divides the window's gradient by its height instead of its number of elements",
        find="    share = grad / (kh * kw)\n",
        replace="    share = grad / kh\n",
    ),
    dict(
        id="flatten-merges-the-batch-axis",
        why="flattens everything, the batch axis included, into one long vector",
        find="        return x.flatten(self.start_dim, self.end_dim)\n",
        replace="        return x.flatten()\n",
    ),
    dict(
        id="batch-norm-batch-statistics-in-eval",
        why="always normalises with the batch's statistics, in evaluation too",
        find="                          self.training, momentum, self.eps)\n",
        replace="                          True, momentum, self.eps)\n",
    ),
    dict(
        id="batch-norm-running-variance-biased",
        why="blends the biased batch variance into the running variance, where PyTorch uses the unbiased one",
        find="            running_var.data[...] = (1 - momentum) * running_var.data + momentum * var * (count / (count - 1))\n",
        replace="            running_var.data[...] = (1 - momentum) * running_var.data + momentum * var\n",
    ),
    dict(
        id="batch-norm-momentum-reversed",
        why="keeps 10% of the old running mean and takes 90% of the new batch, an optimiser's sense of momentum",
        find="            running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean\n",
        replace="            running_mean.data[...] = momentum * running_mean.data + (1 - momentum) * mean\n",
    ),
    dict(
        id="batch-norm-eps-outside-the-root",
        why="adds eps after the square root, which changes channels of small variance",
        find="    inv_std = 1.0 / np.sqrt(var + eps)\n",
        replace="    inv_std = 1.0 / (np.sqrt(var) + eps)\n",
    ),
    dict(
        id="batch-norm-gradient-ignores-batch-statistics",
        why="treats the batch's mean and variance as constants in training, as if in evaluation",
        find="            grad = grad - x_hat * (grad_weight / count).reshape(shape) - (grad_bias / count).reshape(shape)\n",
        replace="            pass\n",
    ),
    dict(
        id="batch-norm-does-not-count-batches",
        why="never counts training batches, so num_batches_tracked stays 0 (and momentum=None divides by it)",
        find="            self.num_batches_tracked.data += 1\n",
        replace="            pass\n",
    ),
    dict(
        id="receptive-field-ignores-the-jump",
        why="adds kernel - 1 per layer as if every layer saw the input pixels directly, ignoring earlier strides",
        find="            field[axis] += (kernel[axis] - 1) * jump[axis]\n",
        replace="            field[axis] += kernel[axis] - 1\n",
    ),
]
