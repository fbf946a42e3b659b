"""Realistic learner mistakes in Module 13 (transformers), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="layer-norm-over-the-batch-axis",
        why="LayerNorm normalises over the leading (batch) axes instead of the trailing feature axes",
        find="    axes = tuple(range(-len(normalized), 0))\n",
        replace="    axes = tuple(range(len(normalized)))\n",
    ),
    dict(
        id="layer-norm-unbiased-variance",
        why="the variance divides by N - 1 (np.var(ddof=1)) instead of N",
        find="    variance = np.mean(centred * centred, axis=axes, keepdims=True)\n",
        replace="    variance = np.var(x.data, axis=axes, keepdims=True, ddof=1)\n",
    ),
    dict(
        id="layer-norm-eps-outside-the-root",
        why="eps is added to the standard deviation instead of the variance",
        find="    inv_std = 1.0 / np.sqrt(variance + eps)\n",
        replace="    inv_std = 1.0 / (np.sqrt(variance) + eps)\n",
    ),
    dict(
        id="layer-norm-forgets-the-bias",
        why="the output is scaled by weight but never shifted by bias",
        find="    out = x_hat * weight.data + bias.data\n",
        replace="    out = x_hat * weight.data\n",
    ),
    dict(
        id="layer-norm-gradient-misses-the-variance-term",
        why="the input gradient ignores how x moves the variance (the x_hat * mean term)",
        find="    d_x = inv_std * (d_x_hat - d_x_hat.mean(axis=axes, keepdims=True)\n"
             "                     - x_hat * np.mean(d_x_hat * x_hat, axis=axes, keepdims=True))\n",
        replace="    d_x = inv_std * (d_x_hat - d_x_hat.mean(axis=axes, keepdims=True))\n",
    ),
    dict(
        id="layer-norm-gradient-forgets-the-weight",
        why="the gradient of x_hat is taken as grad, forgetting the scale by weight",
        find="    d_x_hat = grad * weight.data\n",
        replace="    d_x_hat = grad\n",
    ),
    dict(
        id="layer-norm-weight-gradient-without-x-hat",
        why="the weight's gradient sums grad alone, like the bias's",
        find="    d_weight = np.sum(grad * x_hat, axis=leading)\n",
        replace="    d_weight = np.sum(grad, axis=leading)\n",
    ),
    dict(
        id="mlp-without-activation",
        why="the MLP forgets GELU, so its two Linear layers collapse into one",
        find="        return self.proj(self.activation(self.fc(x)))\n",
        replace="        return self.proj(self.fc(x))\n",
    ),
    dict(
        id="block-post-norm",
        why="the attention branch normalises after the residual addition (post-norm) instead of before",
        find="        x = x + self.dropout(self.attention(self.norm1(x), mask))\n",
        replace="        x = self.norm1(x + self.dropout(self.attention(x, mask)))\n",
    ),
    dict(
        id="block-attention-without-residual",
        why="the attention branch replaces x instead of being added to it",
        find="        x = x + self.dropout(self.attention(self.norm1(x), mask))\n",
        replace="        x = self.dropout(self.attention(self.norm1(x), mask))\n",
    ),
    dict(
        id="block-mlp-reuses-norm1",
        why="a copy-paste slip normalises the MLP's input with norm1",
        find="        return x + self.dropout(self.mlp(self.norm2(x)))\n",
        replace="        return x + self.dropout(self.mlp(self.norm1(x)))\n",
    ),
    dict(
        id="block-mask-not-passed",
        why="the block calls attention without the mask, so the model reads ahead",
        find="        x = x + self.dropout(self.attention(self.norm1(x), mask))\n",
        replace="        x = x + self.dropout(self.attention(self.norm1(x)))\n",
    ),
    dict(
        id="gpt-positions-not-added",
        why="the GPT feeds token vectors alone, without positions",
        find="        x = self.dropout(self.position_embedding(self.token_embedding(ids)))\n",
        replace="        x = self.dropout(self.token_embedding(ids))\n",
    ),
    dict(
        id="gpt-without-causal-mask",
        why="the blocks get no mask: every position sees the tokens it must predict",
        find="            x = block(x, mask)\n",
        replace="            x = block(x)\n",
    ),
    dict(
        id="gpt-forgets-the-final-norm",
        why="the head reads the residual stream without the final LayerNorm",
        find="        return self.head(self.final_norm(x))\n",
        replace="        return self.head(x)\n",
    ),
    dict(
        id="sampling-ignores-temperature",
        why="the logits are never divided by the temperature",
        find="    scaled = np.asarray(logits, dtype=np.float64) / temperature\n",
        replace="    scaled = np.asarray(logits, dtype=np.float64)\n",
    ),
    dict(
        id="sampling-multiplies-by-temperature",
        why="the logits are multiplied by the temperature instead of divided",
        find="    scaled = np.asarray(logits, dtype=np.float64) / temperature\n",
        replace="    scaled = np.asarray(logits, dtype=np.float64) * temperature\n",
    ),
    dict(
        id="top-k-drops-the-kth",
        why="top-k keeps only logits strictly above the k-th largest, so top_k=1 keeps nothing",
        find="        scaled = np.where(scaled < kth, -np.inf, scaled)\n",
        replace="        scaled = np.where(scaled <= kth, -np.inf, scaled)\n",
    ),
    dict(
        id="sampling-with-numpy-global-random",
        why="the draw uses np.random, which manual_seed does not reset, so generation is not reproducible",
        find="    draws = default_generator().random((scaled.shape[0], 1)) * cumulative[:, -1:]\n",
        replace="    draws = np.random.random((scaled.shape[0], 1)) * cumulative[:, -1:]\n",
    ),
    dict(
        id="sampling-is-greedy",
        why="the next token is always the most likely one: argmax instead of a draw",
        find="    return np.sum(cumulative <= draws, axis=-1).astype(np.int64)\n",
        replace="    return np.argmax(probabilities, axis=-1).astype(np.int64)\n",
    ),
]
