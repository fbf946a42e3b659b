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
]
