"""Realistic learner mistakes in Module 12 (attention), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="causal-mask-upper-triangle",
        why="the causal mask keeps the upper triangle: every position sees the future and not the past",
        find="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool)))\n",
        replace="    return Tensor(np.triu(np.ones((seq_len, seq_len), dtype=bool)))\n",
    ),
    dict(
        id="causal-mask-off-by-one",
        why="the causal mask leaves out the diagonal, so a position may not attend to itself",
        find="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool)))\n",
        replace="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool), k=-1))\n",
    ),
    dict(
        id="causal-mask-one-step-ahead",
        why="the causal mask lets each position see one token ahead",
        find="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool)))\n",
        replace="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool), k=1))\n",
    ),
    dict(
        id="scale-by-d",
        why="the scores are divided by d instead of sqrt(d)",
        find="    scale = 1.0 / math.sqrt(query.shape[-1])\n",
        replace="    scale = 1.0 / query.shape[-1]\n",
    ),
    dict(
        id="no-scale",
        why="the scores are not scaled at all",
        find="    scale = 1.0 / math.sqrt(query.shape[-1])\n",
        replace="    scale = 1.0\n",
    ),
    dict(
        id="mask-inverted",
        why="the mask is read the other way round: True blocks a position",
        find="        np.copyto(scores, -np.inf, where=~mask)\n",
        replace="        np.copyto(scores, -np.inf, where=mask)\n",
    ),
    dict(
        id="softmax-over-queries",
        why="the weights are normalised over the queries' axis instead of the keys'",
        find="    totals = weights.sum(axis=-1, keepdims=True)\n",
        replace="    totals = weights.sum(axis=-2, keepdims=True)\n",
    ),
    dict(
        id="no-max-shift",
        why="the softmax exponentiates the raw scores, which overflow for large ones",
        find="    scores -= shift\n",
        replace="",
    ),
    dict(
        id="fully-masked-rows-shift-by-inf",
        why="rows with nothing to attend to are shifted by their maximum, -inf, which gives NaN",
        find="    shift[np.isneginf(shift)] = 0.0\n",
        replace="",
    ),
    dict(
        id="fully-masked-rows-divide-by-zero",
        why="rows whose weights sum to 0 are divided by 0",
        find="    totals[totals == 0] = 1.0\n",
        replace="",
    ),
    dict(
        id="backward-softmax-rule-without-the-sum",
        why="the softmax part of the gradient forgets to subtract the weighted row sum",
        find="    d_scores -= np.sum(d_scores * weights, axis=-1, keepdims=True)\n",
        replace="",
    ),
    dict(
        id="backward-forgets-the-scale",
        why="the gradients of query and key are not multiplied by 1/sqrt(d)",
        find="    d_scores *= scale\n",
        replace="",
    ),
    dict(
        id="backward-key-gradient-not-transposed",
        why="the key gradient uses d_scores instead of its transpose",
        find="    d_key = np.swapaxes(d_scores, -1, -2) @ query.data\n",
        replace="    d_key = d_scores @ query.data\n",
    ),
    dict(
        id="backward-value-gradient-not-transposed",
        why="the value gradient multiplies by the weights instead of their transpose",
        find="    d_value = np.swapaxes(weights, -1, -2) @ grad\n",
        replace="    d_value = weights @ grad\n",
    ),
    dict(
        id="backward-no-sum-to",
        why="gradients of broadcast inputs are returned at the broadcast shape",
        find="    return sum_to(d_query, query.shape), sum_to(d_key, key.shape), sum_to(d_value, value.shape)\n",
        replace="    return d_query, d_key, d_value\n",
    ),
    dict(
        id="split-heads-without-transpose",
        why="the heads are split by reshaping straight to (batch, heads, seq, head_dim), cutting the sequence apart",
        find="        return x.reshape(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)\n",
        replace="        return x.reshape(batch, self.num_heads, seq, self.head_dim)\n",
    ),
    dict(
        id="merge-heads-without-transpose",
        why="the heads are merged by a reshape alone, interleaving positions and heads",
        find="        return x.transpose(1, 2).reshape(batch, seq, self.embed_dim)\n",
        replace="        return x.reshape(batch, seq, self.embed_dim)\n",
    ),
    dict(
        id="values-from-the-key-projection",
        why="a copy-paste slip computes the values with k_proj",
        find="        v = self.split_heads(self.v_proj(x))\n",
        replace="        v = self.split_heads(self.k_proj(x))\n",
    ),
    dict(
        id="no-output-projection",
        why="the merged heads are returned without out_proj",
        find="        return self.out_proj(self.merge_heads(scaled_dot_product_attention(q, k, v, mask)))\n",
        replace="        return self.merge_heads(scaled_dot_product_attention(q, k, v, mask))\n",
    ),
    dict(
        id="mask-dropped",
        why="MultiHeadAttention forgets to pass the mask on",
        find="        return self.out_proj(self.merge_heads(scaled_dot_product_attention(q, k, v, mask)))\n",
        replace="        return self.out_proj(self.merge_heads(scaled_dot_product_attention(q, k, v)))\n",
    ),
    dict(
        id="shift-by-the-global-maximum",
        why="the softmax subtracts one maximum over the whole score array (as for a single row), so rows far "
            "below it underflow to all-zero weights",
        find="    shift = scores.max(axis=-1, keepdims=True)\n",
        replace="    shift = scores.max(keepdims=True)\n",
    ),
    dict(
        id="mask-fills-a-large-negative",
        why="masked scores are set to -1e9 instead of -inf, so a fully masked row averages every value",
        find="        np.copyto(scores, -np.inf, where=~mask)\n",
        replace="        np.copyto(scores, -1e9, where=~mask)\n",
    ),
    dict(
        id="query-scaled-in-place",
        why="the query is scaled before the product (cheaper) by writing into the caller's query array",
        find="    scores = query.data @ np.swapaxes(key.data, -1, -2)\n    scores *= scale\n",
        replace="    scaled_query = query.data\n    scaled_query *= scale\n"
                "    scores = scaled_query @ np.swapaxes(key.data, -1, -2)\n",
    ),
    dict(
        id="scale-as-numpy-float64",
        why="the scale is a NumPy float64 (np.sqrt) and the scores are made out of place, so float32 inputs "
            "give float64 weights and output",
        find="    scale = 1.0 / math.sqrt(query.shape[-1])\n    scores = query.data @ np.swapaxes(key.data, -1, -2)\n"
             "    scores *= scale\n",
        replace="    scale = 1.0 / np.sqrt(query.shape[-1])\n"
                "    scores = query.data @ np.swapaxes(key.data, -1, -2) * scale\n",
    ),
    dict(
        id="attention-not-recorded",
        why="the output is wrapped in a plain Tensor, so autograd never reaches query, key or value",
        find="    return Tensor.from_op(output, \"attention\", (query, key, value), weights=weights, scale=scale)\n",
        replace="    return Tensor(output)\n",
    ),
    dict(
        id="backward-row-sum-without-keepdims",
        why="the softmax rule's row sum drops keepdims, so it broadcasts along the wrong axis (or fails when "
            "there are not as many queries as keys)",
        find="    d_scores -= np.sum(d_scores * weights, axis=-1, keepdims=True)\n",
        replace="    d_scores -= np.sum(d_scores * weights, axis=-1)\n",
    ),
    dict(
        id="queries-and-keys-swapped",
        why="MultiHeadAttention passes the keys as queries and the queries as keys, transposing the scores",
        find="        return self.out_proj(self.merge_heads(scaled_dot_product_attention(q, k, v, mask)))\n",
        replace="        return self.out_proj(self.merge_heads(scaled_dot_product_attention(k, q, v, mask)))\n",
    ),
    dict(
        id="scale-by-the-number-of-keys",
        why="the scale uses the number of key positions (key.shape[-2]) instead of the feature width",
        find="    scale = 1.0 / math.sqrt(query.shape[-1])\n",
        replace="    scale = 1.0 / math.sqrt(key.shape[-2])\n",
    ),
    dict(
        id="causal-mask-of-floats",
        why="the causal mask is built from np.ones without dtype=bool, so it is a float 0/1 array",
        find="    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=bool)))\n",
        replace="    return Tensor(np.tril(np.ones((seq_len, seq_len))))\n",
    ),
    dict(
        id="attention-output-forced-to-float32",
        why="the output is cast to float32 whatever the inputs, so float64 attention loses its precision",
        find="    output = weights @ value.data\n",
        replace="    output = (weights @ value.data).astype(np.float32)\n",
    ),
]
