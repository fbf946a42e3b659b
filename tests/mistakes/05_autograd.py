"""Realistic learner mistakes in Module 05 (autograd), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="sum-to-keeps-leading-axes",
        why="sum_to forgets to sum away the axes broadcasting added in front",
        find="        grad = grad.sum(axis=tuple(range(extra)))\n",
        replace="        pass\n",
    ),
    dict(
        id="sum-to-drops-kept-axes",
        why="sum_to sums stretched axes without keepdims, so (3, 1) comes back as (3,)",
        find="        grad = grad.sum(axis=stretched, keepdims=True)\n",
        replace="        grad = grad.sum(axis=stretched)\n",
    ),
    dict(
        id="mul-grad-uses-own-value",
        why="d(a*b)/da is taken as a instead of b",
        find="    grad_a = sum_to(grad * b.data, a.shape) if a.requires_grad else None\n",
        replace="    grad_a = sum_to(grad * a.data, a.shape) if a.requires_grad else None\n",
    ),
    dict(
        id="div-grad-sign",
        why="d(a/b)/db loses its minus sign",
        find="    grad_b = sum_to(-grad * out.data / b.data, b.shape) if b.requires_grad else None\n",
        replace="    grad_b = sum_to(grad * out.data / b.data, b.shape) if b.requires_grad else None\n",
    ),
    dict(
        id="pow-grad-keeps-exponent",
        why="d(x**n)/dx as n * x**n instead of n * x**(n-1)",
        find="            slope = np.where(exponent.data == 0, 0, exponent.data * base.data ** (exponent.data - 1))\n",
        replace="            slope = np.where(exponent.data == 0, 0, exponent.data * base.data ** exponent.data)\n",
    ),
    dict(
        id="matmul-grad-not-transposed",
        why="dL/dA as G @ B instead of G @ B^T",
        find="        grad_a = sum_to(g @ np.swapaxes(b_data, -1, -2), a_data.shape)\n",
        replace="        grad_a = sum_to(g @ b_data, a_data.shape)\n",
    ),
    dict(
        id="mean-grad-not-divided",
        why="the mean's gradient is not divided by the number of elements averaged",
        find='    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]) / count,)\n',
        replace='    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]),)\n',
    ),
    dict(
        id="max-grad-ties-not-shared",
        why="every tied maximum receives the whole gradient",
        find="    share = winners / np.sum(winners, axis=axis, keepdims=True)\n",
        replace="    share = winners\n",
    ),
    dict(
        id="getitem-grad-assigns",
        why="the gradient of indexing is assigned, so repeated indices keep only one contribution",
        find='    np.add.at(full, saved["index"], grad)\n',
        replace='    full[saved["index"]] = grad\n',
    ),
    dict(
        id="sigmoid-grad-missing-factor",
        why="sigmoid's gradient as s instead of s(1 - s)",
        find="    return (grad * s * (1 - s),)\n",
        replace="    return (grad * s,)\n",
    ),
    dict(
        id="tanh-grad-not-squared",
        why="tanh's gradient as 1 - t instead of 1 - t^2",
        find="    return (grad * (1 - t * t),)\n",
        replace="    return (grad * (1 - t),)\n",
    ),
    dict(
        id="softmax-grad-diagonal-only",
        why="softmax's gradient as s(1 - s) per element, ignoring the other outputs",
        find='    return (s * (grad - np.sum(grad * s, axis=saved["dim"], keepdims=True)),)\n',
        replace="    return (grad * s * (1 - s),)\n",
    ),
    dict(
        id="cross-entropy-grad-not-averaged",
        why="with reduction='mean' the gradient is not divided by the batch size",
        find="        result *= grad / len(labels)\n",
        replace="        result *= grad\n",
    ),
    dict(
        id="backward-overwrites-gradients",
        why="a node reached by two paths keeps only the last path's gradient",
        find="                grads[source] = grads[source] + source_grad\n",
        replace="                grads[source] = source_grad\n",
    ),
    dict(
        id="retain-graph-ignored",
        why="backward releases the saved values even when asked to retain the graph",
        find="        if not retain_graph:\n            node._inputs, node._saved = (), None\n",
        replace="        node._inputs, node._saved = (), None\n",
    ),
    dict(
        id="permute-grad-same-order",
        why="the permute rule applies the forward order again instead of its inverse (right only for a swap of two axes)",
        find='    return (np.transpose(grad, np.argsort(saved["dims"])),)\n',
        replace='    return (np.transpose(grad, saved["dims"]),)\n',
    ),
    dict(
        id="matmul-only-2d",
        why="the matmul rule handles matrices only: a 1-D operand (a vector @ matrix, or a dot product) is never lifted to a row or column",
        find=(
            "    a_data = a.data[np.newaxis, :] if a.ndim == 1 else a.data\n"
            "    b_data = b.data[:, np.newaxis] if b.ndim == 1 else b.data\n"
            "    g = grad\n"
            "    if a.ndim == 1:  # put back the row axis, which sits just before the column axis (if any)\n"
            "        g = np.expand_dims(g, g.ndim - 1 if b.ndim > 1 else g.ndim)\n"
            "    if b.ndim == 1:  # put back the column axis, last\n"
            "        g = np.expand_dims(g, g.ndim)\n"
        ),
        replace="    a_data, b_data, g = a.data, b.data, grad\n",
    ),
    dict(
        id="matmul-vector-row-axis-first",
        why="a 1-D left operand's row axis is put back in front of the gradient, right for a matrix on the right but not for a batch of them",
        find="        g = np.expand_dims(g, g.ndim - 1 if b.ndim > 1 else g.ndim)\n",
        replace="        g = np.expand_dims(g, 0)\n",
    ),
    dict(
        id="sum-grad-plain-broadcast",
        why="the sum's gradient is broadcast straight to the input's shape, ignoring the axis: right for axis 0 and full sums only",
        find='    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]),)\n',
        replace="    return (np.broadcast_to(grad, a.shape),)\n",
    ),
    dict(
        id="mean-count-one-axis",
        why="the mean's count is the length of the one reduced axis, which breaks for a tuple of axes",
        find="    count = a.data.size // max(out.data.size, 1)\n",
        replace='    count = a.data.size if saved["axis"] is None else a.shape[saved["axis"]]\n',
    ),
    dict(
        id="extreme-winners-not-expanded",
        why="the extreme values are compared with the input without putting the reduced axis back: broadcasting makes it right for axis 0 only",
        find="    winners = a.data == _expand(out.data, a.shape, axis, keepdims)\n",
        replace="    winners = a.data == out.data\n",
    ),
    dict(
        id="extreme-tie-count-drops-axis",
        why="the number of tied extremes is counted without keepdims, which broadcasts right only for axis 0",
        find="    share = winners / np.sum(winners, axis=axis, keepdims=True)\n",
        replace="    share = winners / np.sum(winners, axis=axis)\n",
    ),
    dict(
        id="extreme-rule-always-max",
        why="the winners are found with max, forgetting that the same rule serves amin",
        find="    winners = a.data == _expand(out.data, a.shape, axis, keepdims)\n",
        replace="    winners = a.data == a.data.max(axis=axis, keepdims=True)\n",
    ),
    dict(
        id="pow-slope-from-output",
        why="d(x**n)/dx computed as n * out / x, which is 0/0 = nan at x = 0",
        find="            slope = np.where(exponent.data == 0, 0, exponent.data * base.data ** (exponent.data - 1))\n",
        replace="            slope = np.where(exponent.data == 0, 0, exponent.data * out.data / base.data)\n",
    ),
    dict(
        id="pow-exponent-grad-unmasked-at-zero-base",
        why="d(0**e)/de is taken as 0 * log 0 = nan instead of 0",
        find="            grad_exponent = sum_to(np.where(flat, 0, grad * out.data * np.log(base.data)), exponent.shape)\n",
        replace="            grad_exponent = sum_to(grad * out.data * np.log(base.data), exponent.shape)\n",
    ),
    dict(
        id="backward-accumulates-in-place",
        why="a second contribution is added in place, changing an array a rule also handed to another input",
        find="                grads[source] = grads[source] + source_grad\n",
        replace="                grads[source] += source_grad\n",
    ),
    dict(
        id="backward-fills-constant-grads",
        why="backward gives a gradient to every input, also to tensors that do not require grad",
        find="            if source_grad is None or not source._requires_grad:\n",
        replace="            if source_grad is None:\n",
    ),
    dict(
        id="backward-keeps-rule-dtype",
        why="a gradient is handed to its input in the dtype the rule produced, so float64 leaks into a float32 leaf's .grad",
        find=(
            "            if source_grad.dtype is not source.data.dtype and source_grad.dtype != source.data.dtype:\n"
            "                source_grad = source_grad.astype(source.data.dtype)\n"
        ),
        replace="",
    ),
    dict(
        id="backward-of-a-leaf-fails",
        why="backward() called on a leaf tensor itself looks for a gradient rule and fails instead of setting .grad to 1",
        find=(
            "        if node._op is None:  # the root itself is a leaf\n"
            "            _accumulate_into_leaf(node, grad, visible)\n"
            "            continue\n"
        ),
        replace="",
    ),
    dict(
        id="backward-keeps-inputs-alive",
        why="backward releases the saved values but not the inputs, so every activation stays alive as long as the loss",
        find="            node._inputs, node._saved = (), None\n",
        replace="            node._saved = None\n",
    ),
    dict(
        id="relu-grad-one-at-zero",
        why="ReLU's slope at 0 is taken as 1 (x >= 0) where PyTorch uses 0",
        find="    return (grad * (inputs[0].data > 0),)\n",
        replace="    return (grad * (inputs[0].data >= 0),)\n",
    ),
    dict(
        id="softmax-grad-last-axis",
        why="the softmax rule sums over the last axis whatever dim the softmax was taken along",
        find='    return (s * (grad - np.sum(grad * s, axis=saved["dim"], keepdims=True)),)\n',
        replace="    return (s * (grad - np.sum(grad * s, axis=-1, keepdims=True)),)\n",
    ),
    dict(
        id="softmax-grad-in-place",
        why="the softmax rule subtracts from the incoming gradient in place, an array other inputs may share",
        find='    return (s * (grad - np.sum(grad * s, axis=saved["dim"], keepdims=True)),)\n',
        replace='    grad -= np.sum(grad * s, axis=saved["dim"], keepdims=True)\n    return (s * grad,)\n',
    ),
    dict(
        id="cross-entropy-grad-ignores-reduction",
        why="the cross-entropy gradient is always divided by N, also for reduction='sum' and 'none'",
        find=(
            '    if reduction == "mean":\n'
            "        result *= grad / len(labels)\n"
            '    elif reduction == "sum":\n'
            "        result *= grad\n"
            "    else:\n"
            "        result *= grad[:, np.newaxis]\n"
        ),
        replace="    result *= grad / len(labels)\n",
    ),
    dict(
        id="cross-entropy-grad-none-not-per-row",
        why="with reduction='none' each row's gradient is multiplied by the whole gradient vector, not by its own entry",
        find="        result *= grad[:, np.newaxis]\n",
        replace="        result *= grad\n",
    ),
    dict(
        id="cross-entropy-grad-softmax-unshifted",
        why="the softmax is recomputed as exp(z) / sum exp(z), which overflows to nan for large logits",
        find='    result = np.exp(z - saved["log_sum_exp"])  # softmax(z), from the forward pass\'s row LSEs\n',
        replace="    result = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)\n",
    ),
    dict(
        id="topological-order-revisits-node",
        why="the search checks `visited` only when pushing a node, so a node pushed twice before its first visit is expanded and processed twice",
        find="        if node in visited:\n            continue\n",
        replace="",
    ),
    dict(
        id="div-denominator-grad-guarded-by-numerator",
        why="the denominator's gradient is computed only when the numerator requires grad, so 1 / x gives x no gradient",
        find="    grad_b = sum_to(-grad * out.data / b.data, b.shape) if b.requires_grad else None\n",
        replace="    grad_b = sum_to(-grad * out.data / b.data, b.shape) if a.requires_grad else None\n",
    ),
    dict(
        id="pow-slope-masked-at-zero-base",
        why="the base's slope is zeroed where the base is 0 instead of where the exponent is 0, so d(x**1)/dx at 0 is 0, not 1",
        find="            slope = np.where(exponent.data == 0, 0, exponent.data * base.data ** (exponent.data - 1))\n",
        replace="            slope = np.where(base.data == 0, 0, exponent.data * base.data ** (exponent.data - 1))\n",
    ),
    dict(
        id="mean-grad-plain-broadcast",
        why="the mean's gradient is broadcast straight to the input's shape, ignoring the axis",
        find='    return (_expand(grad, a.shape, saved["axis"], saved["keepdims"]) / count,)\n',
        replace="    return (np.broadcast_to(grad, a.shape) / count,)\n",
    ),
    dict(
        id="cross-entropy-onehot-every-row",
        why="the one-hot is subtracted with result[:, labels], taking 1 from every row at every label's column",
        find="    result[np.arange(len(labels)), labels] -= 1\n",
        replace="    result[:, labels] -= 1\n",
    ),
    dict(
        id="relu-grad-clips-gradient",
        why="ReLU's gradient as relu(grad), clipping the incoming gradient instead of masking it by the input's sign",
        find="    return (grad * (inputs[0].data > 0),)\n",
        replace="    return (np.maximum(grad, 0),)\n",
    ),
]
