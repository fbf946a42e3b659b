"""Realistic learner mistakes in Module 08 (data loading), each a patch of one solution region."""

MISTAKES = [
    dict(
        id="get-batch-slices-break",
        why="get_batch treats a slice as a list of positions",
        find="    positions = range(len(dataset))[indices] if isinstance(indices, slice) else indices\n",
        replace="    positions = indices\n",
    ),
    dict(
        id="tensor-dataset-lengths-unchecked",
        why="tensors with different numbers of samples are accepted",
        find="        if len({tensor.shape[0] for tensor in tensors}) > 1:\n"
             '            shapes = ", ".join(str(tensor.shape) for tensor in tensors)\n'
             "            raise ValueError(\n"
             '                f"TensorDataset: all tensors need the same first dimension (the number of samples), got shapes {shapes}"\n'
             "            )\n",
        replace="",
    ),
    dict(
        id="tensor-dataset-labels-become-floats",
        why="samples are rebuilt as float32, so integer labels turn into floats",
        find="        return tuple(from_numpy(np.asarray(part)) for part in parts)\n",
        replace="        return tuple(Tensor(part.astype(np.float32)) for part in parts)\n",
    ),
    dict(
        id="len-drop-last-inverted",
        why="the partial last batch is counted exactly when drop_last says to drop it",
        find="        return full + (1 if rest and not self.drop_last else 0)\n",
        replace="        return full + (1 if rest and self.drop_last else 0)\n",
    ),
    dict(
        id="len-forgets-partial-batch",
        why="len() counts only full batches",
        find="        return full + (1 if rest and not self.drop_last else 0)\n",
        replace="        return full\n",
    ),
    dict(
        id="shuffle-with-numpy-global",
        why="shuffling uses NumPy's global generator, so manual_seed does not make it reproducible",
        find="        order = default_generator().permutation(count) if self.shuffle else None\n",
        replace="        order = np.random.permutation(count) if self.shuffle else None\n",
    ),
    dict(
        id="shuffle-ignored",
        why="shuffle=True still yields the samples in order",
        find="        order = default_generator().permutation(count) if self.shuffle else None\n",
        replace="        order = None\n",
    ),
    dict(
        id="drop-last-ignored",
        why="the partial last batch is yielded even with drop_last=True",
        find="        stop = min(len(self) * self.batch_size, count)\n",
        replace="        stop = count\n",
    ),
    dict(
        id="batches-one-short",
        why="each batch ends one sample early",
        find="            end = min(start + self.batch_size, stop)\n",
        replace="            end = min(start + self.batch_size - 1, stop)\n",
    ),
    dict(
        id="tensor-dataset-checks-only-first-two",
        why="the lengths are compared for the first two tensors only (images and labels), so a third tensor of another length slips through",
        find="        if len({tensor.shape[0] for tensor in tensors}) > 1:\n",
        replace="        if len(tensors) > 1 and tensors[0].shape[0] != tensors[1].shape[0]:\n",
    ),
    dict(
        id="tensor-dataset-compares-whole-shapes",
        why="whole shapes are compared instead of the first dimension, so images (N, 3) and labels (N,) are refused",
        find="        if len({tensor.shape[0] for tensor in tensors}) > 1:\n",
        replace="        if len({tensor.shape for tensor in tensors}) > 1:\n",
    ),
    dict(
        id="tensor-dataset-unwraps-a-single-tensor",
        why="a data set of one tensor returns the bare row instead of a 1-tuple (PyTorch returns a tuple)",
        find="        return tuple(from_numpy(np.asarray(part)) for part in parts)\n",
        replace=("        out = tuple(from_numpy(np.asarray(part)) for part in parts)\n"
                 "        return out[0] if len(out) == 1 else out\n"),
    ),
    dict(
        id="fetch-batch-reads-the-first-samples",
        why="fetch_batch loops over range(len(positions)), so it returns the first samples, not the requested ones",
        find="    samples = [dataset[int(i)] for i in positions]\n",
        replace="    samples = [dataset[i] for i in range(len(positions))]\n",
    ),
    dict(
        id="fetch-batch-errors-name-batch-places",
        why="the positions are not passed to collate, so an error names the sample's place in the batch, not its index",
        find="    return collate(samples, positions, type(dataset).__name__)\n",
        replace="    return collate(samples, owner=type(dataset).__name__)\n",
    ),
    dict(
        id="shuffle-draws-with-replacement",
        why="the epoch's order is drawn with choice(), which samples with replacement: some samples twice, others never",
        find="        order = default_generator().permutation(count) if self.shuffle else None\n",
        replace="        order = default_generator().choice(count, count) if self.shuffle else None\n",
    ),
    dict(
        id="drop-last-drops-the-same-samples",
        why="only the samples that fill whole batches are shuffled, so drop_last leaves out the same last samples every epoch",
        find="        count = len(self.dataset)\n",
        replace="        count = min(len(self) * self.batch_size, len(self.dataset))\n",
    ),
    dict(
        id="len-adds-a-batch-when-divisible",
        why="len() is N // B + 1 without drop_last, one too many when B divides N",
        find="        return full + (1 if rest and not self.drop_last else 0)\n",
        replace="        return full + (0 if self.drop_last else 1)\n",
    ),
]
