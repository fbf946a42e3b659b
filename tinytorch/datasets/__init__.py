"""Data sets for tinytorch (hand-written, not generated from a module).

- `load_digits()`: 1,797 handwritten 8x8 digits bundled with the package (UCI, CC BY 4.0).
- `load_fashion_mnist(split)`: Fashion-MNIST's 70,000 28x28 images, read from IDX files
  found on this machine (Debian: `apt-get install dataset-fashion-mnist`).
- `read_idx(path)`: any IDX file (the MNIST format), raw or gzipped.
- `load_shakespeare(split)`: eight of Shakespeare's plays bundled with the package, about
  1 MB of public-domain text, with a fixed train/held-out split (the held-out text is the last
  play, The Tempest).

The image loaders return NumPy arrays: images float32 scaled to [0, 1], labels int64. Wrap
them for training with `TensorDataset(Tensor(images.reshape(len(images), -1)), Tensor(labels))`.
The text comes back as a str, for a tokenizer (`tinytorch.core.tokenization`) to turn into ids.
"""

from tinytorch.datasets.checksums import ChecksumError
from tinytorch.datasets.digits import load_digits
from tinytorch.datasets.fashion_mnist import CLASSES as FASHION_MNIST_CLASSES
from tinytorch.datasets.fashion_mnist import fashion_mnist_folders, load_fashion_mnist
from tinytorch.datasets.idx import IDXError, read_idx, read_labelled_images
from tinytorch.datasets.shakespeare import PLAYS as SHAKESPEARE_PLAYS
from tinytorch.datasets.shakespeare import load_shakespeare

__all__ = [
    "load_digits",
    "load_fashion_mnist", "fashion_mnist_folders", "FASHION_MNIST_CLASSES",
    "read_idx", "read_labelled_images",
    "load_shakespeare", "SHAKESPEARE_PLAYS",
    "ChecksumError", "IDXError",
]
