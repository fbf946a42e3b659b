"""Realistic learner mistakes in Module 11 (embeddings), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="lookup-not-recorded",
        why="the lookup returns a plain Tensor, so backward never reaches the table",
        find='    return Tensor.from_op(weight.data[ids], "embedding", (weight,), indices=ids)\n',
        replace="    return Tensor(weight.data[ids])\n",
    ),
    dict(
        id="scatter-with-fancy-index-plus-equals",
        why="the gradient is scattered with table_grad[ids] += g, so a repeated id keeps only one contribution",
        find='    np.add.at(table_grad, saved["indices"].reshape(-1), grad.reshape(-1, weight.shape[1]))\n',
        replace='    table_grad[saved["indices"].reshape(-1)] += grad.reshape(-1, weight.shape[1])\n',
    ),
    dict(
        id="scatter-overwrites",
        why="the gradient rows are assigned, not added: the last use of a repeated id wins",
        find='    np.add.at(table_grad, saved["indices"].reshape(-1), grad.reshape(-1, weight.shape[1]))\n',
        replace='    table_grad[saved["indices"].reshape(-1)] = grad.reshape(-1, weight.shape[1])\n',
    ),
    dict(
        id="table-lecun-scaled",
        why="the table is scaled like a Linear weight, N(0, 1/num_embeddings), instead of N(0, 1)",
        find="        table = default_generator().standard_normal((self.num_embeddings, self.embedding_dim), dtype=np.float32)\n",
        replace="        table = default_generator().standard_normal((self.num_embeddings, self.embedding_dim), dtype=np.float32) / np.sqrt(self.num_embeddings)\n",
    ),
    dict(
        id="table-zeros",
        why="the table starts at zeros, so every token looks the same",
        find="        table = default_generator().standard_normal((self.num_embeddings, self.embedding_dim), dtype=np.float32)\n",
        replace="        table = np.zeros((self.num_embeddings, self.embedding_dim), dtype=np.float32)\n",
    ),
    dict(
        id="table-not-a-parameter",
        why="the table is a plain Tensor that requires grad, so the Module never registers it",
        find="        self.weight = Parameter(table)\n",
        replace="        self.weight = Tensor(table, requires_grad=True)\n",
    ),
    dict(
        id="forward-bypasses-the-graph",
        why="Embedding.forward indexes the weight's array directly instead of calling embedding()",
        find="        return embedding(ids, self.weight)\n",
        replace="        return Tensor(self.weight.data[ids])\n",
    ),
    dict(
        id="positions-not-added",
        why="PositionalEmbedding returns the position vectors alone, dropping the token vectors",
        find="        return x + self.weight[:seq_len]\n",
        replace="        return self.weight[:seq_len]\n",
    ),
    dict(
        id="positions-start-at-one",
        why="the first position gets row 1 of the table instead of row 0",
        find="        return x + self.weight[:seq_len]\n",
        replace="        return x + self.weight[1:seq_len + 1]\n",
    ),
    dict(
        id="sin-and-cos-swapped",
        why="cosines go into the even columns and sines into the odd ones",
        find="    table[:, 0::2] = np.sin(angles)\n    table[:, 1::2] = np.cos(angles[:, : embed_dim // 2])\n",
        replace="    table[:, 0::2] = np.cos(angles)\n    table[:, 1::2] = np.sin(angles[:, : embed_dim // 2])\n",
    ),
    dict(
        id="rates-use-i-not-2i",
        why="the exponent of the rate is i / dim instead of 2i / dim, so the frequencies fall off too slowly",
        find="    rates = base ** (-np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)\n",
        replace="    rates = base ** (-np.arange((embed_dim + 1) // 2, dtype=np.float64) / embed_dim)\n",
    ),
    dict(
        id="rates-not-inverted",
        why="the rate is base^(2i/dim) instead of its inverse, so the frequencies grow instead of shrinking",
        find="    rates = base ** (-np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)\n",
        replace="    rates = base ** (np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)\n",
    ),
]
