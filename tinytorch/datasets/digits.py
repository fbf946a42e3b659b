"""The UCI optical digits, bundled with tinytorch: 1,797 handwritten digits of 8x8 pixels.

Licence CC BY 4.0; the attribution and provenance are in data/README.md beside the file.
"""

import io

import numpy as np

from tinytorch.datasets.bundled import read_bundled_gzip

DIGITS_FILE = "digits.csv.gz"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
PIXEL_MAX = 16  # each pixel counts the inked cells of a 4x4 block, so it lies in 0..16


def load_digits(split=None, test_fraction=0.2, seed=0):
    """The bundled digits: all 1,797, or a stratified train/test split of them.

    Args:
        split: None for every digit, or "train" or "test".
        test_fraction: the share of each class that goes to "test" (rounded per class,
            at least one sample of every class on each side).
        seed: seeds the split. The split uses its own generator, not tinytorch's, on purpose:
            `tinytorch.manual_seed` changes how a model trains, and must never move samples
            between the training and the test set.

    Returns:
        (images, labels): images float32 of shape (N, 8, 8), the 0..16 pixels divided by 16
        so that they lie in [0, 1]; labels int64 of shape (N,), the digit 0-9. Samples keep
        the file's order. Flatten with images.reshape(len(images), -1) (a view, no copy).

    The bundled file's SHA-256 is checked first; a damaged copy raises ChecksumError.
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"load_digits: split must be None, 'train' or 'test', got {split!r}")
    content = read_bundled_gzip(DIGITS_FILE, DIGITS_SHA256)
    table = np.loadtxt(io.BytesIO(content), delimiter=",", dtype=np.int64)
    images = np.divide(table[:, :-1], PIXEL_MAX, dtype=np.float32).reshape(-1, 8, 8)
    labels = table[:, -1].copy()  # a compact array, not a strided view of the whole table
    if split is None:
        return images, labels
    test = stratified_test_mask(labels, test_fraction, seed)
    chosen = test if split == "test" else ~test
    return images[chosen], labels[chosen]


def stratified_test_mask(labels, test_fraction, seed):
    """A boolean mask choosing round(test_fraction * class size) random samples of every class.

    Vectorised: one random permutation, sorted by label (stably, so each class stays in
    random order), then the first k samples of each class are chosen.
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float, np.floating)) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"load_digits: test_fraction must be a number between 0 and 1 (exclusive), got {test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"load_digits: seed must be a non-negative integer, got {seed!r}")
    shuffled = np.random.default_rng(seed).permutation(len(labels))
    by_class = shuffled[np.argsort(labels[shuffled], kind="stable")]
    classes, first, sizes = np.unique(labels[by_class], return_index=True, return_counts=True)
    test_sizes = np.clip(np.rint(sizes * test_fraction).astype(np.int64), 1, sizes - 1)
    class_of = np.searchsorted(classes, labels[by_class])
    rank_in_class = np.arange(len(labels)) - first[class_of]
    mask = np.zeros(len(labels), dtype=bool)
    mask[by_class] = rank_in_class < test_sizes[class_of]
    return mask
