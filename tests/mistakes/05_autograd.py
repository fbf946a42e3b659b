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
]
