"""Fashion-MNIST (Zalando Research, MIT licence), read from IDX files already on this machine.

Nothing is downloaded. The four files are looked for, gzipped or not, in a fixed list of
folders (`fashion_mnist_folders`); Debian's package `dataset-fashion-mnist` puts them in
/usr/share/datasets/fashion-mnist.
"""

import os
from pathlib import Path

import numpy as np

from tinytorch.datasets.idx import read_labelled_images

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# SHA-256 of each file's UNCOMPRESSED content. The check is made on the content so that it
# holds whichever way a file was compressed: the same data circulates in .gz files whose
# bytes differ. Upstream's README (github.com/zalandoresearch/fashion-mnist) publishes only
# MD5 sums of its .gz files; Debian's .gz files have other bytes again (their gzip headers
# hold no file name and a 2020 time stamp, each file exactly one file name shorter than
# upstream's), so neither .gz sum could check both.
#
# Where the values come from: computed from Debian's dataset-fashion-mnist
# 0.0~git20200523.55506a9-1 after decompression, and equal to the content sums that other
# public projects record for the files they download from upstream (found with a code
# search; one of them lists the MD5s of the content, e.g. f4a8712d7a061bf5bd6d2ca38dc4d50a
# for train-images, beside upstream's .gz MD5s, and our decompressed files match those too).
#
# For reference, not checked:
#   file                        upstream .gz MD5 (README)          Debian .gz SHA-256
#   train-images-idx3-ubyte.gz  8d4fb7e6c68d591d4c3dfef9ec88bf0d   b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
#   train-labels-idx1-ubyte.gz  25c81989df183df01b3e8a0aad5dffbe   0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
#   t10k-images-idx3-ubyte.gz   bef4ecab320f06d8554ea6380940ec79   cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
#   t10k-labels-idx1-ubyte.gz   bb300cfdad3c16e7a12a480ee83cd310   8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
CONTENT_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

DEBIAN_FOLDER = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_PACKAGE = "dataset-fashion-mnist"


def user_cache_folder():
    """$XDG_CACHE_HOME/tinytorch/fashion-mnist, or ~/.cache/tinytorch/fashion-mnist.

    As the XDG base-directory specification says, an unset, empty or relative
    XDG_CACHE_HOME is ignored.
    """
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if os.path.isabs(cache) else Path.home() / ".cache"
    return base / "tinytorch" / "fashion-mnist"


def fashion_mnist_folders(root=None):
    """Where load_fashion_mnist looks, in order, as (folder, why it is on the list) pairs."""
    places = []
    if root is not None:
        places += [(Path(root), "root argument"), (Path(root) / "fashion-mnist", "root argument")]
    data = os.environ.get("TINYTORCH_DATA", "")
    if data:
        places += [(Path(data), "$TINYTORCH_DATA"), (Path(data) / "fashion-mnist", "$TINYTORCH_DATA")]
    places += [(user_cache_folder(), "user cache"), (DEBIAN_FOLDER, f"Debian package {DEBIAN_PACKAGE}")]
    unique = {}
    for folder, reason in places:
        unique.setdefault(folder, reason)
    return list(unique.items())


def _find(folder, name):
    """folder/name or folder/name.gz, whichever exists (the uncompressed one first), else None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_fashion_mnist(split="train", root=None):
    """(images_path, labels_path) of `split` from the first folder that holds both files.

    Raises FileNotFoundError listing every folder searched and how to install the data.
    """
    if split not in FILES:
        raise ValueError(f"load_fashion_mnist: split must be 'train' or 'test', got {split!r}")
    images_name, labels_name = FILES[split]
    looked = []
    for folder, reason in fashion_mnist_folders(root):
        images, labels = _find(folder, images_name), _find(folder, labels_name)
        if images and labels:
            return images, labels
        partial = images or labels
        note = f"; only {partial.name} is there" if partial else ""
        looked.append(f"  {folder}  ({reason}{note})")
    raise FileNotFoundError(
        f"Fashion-MNIST ({split} split) not found. Looked for {images_name} and {labels_name} "
        "(each also as .gz) in:\n" + "\n".join(looked) + "\n"
        f"To install it on Debian or Ubuntu: apt-get install {DEBIAN_PACKAGE} (as root). Elsewhere, put the "
        "four IDX files of https://github.com/zalandoresearch/fashion-mnist (data/fashion), gzipped or not, "
        f"into {user_cache_folder()} or into a folder named by $TINYTORCH_DATA."
    )


def load_fashion_mnist(split="train", root=None):
    """Fashion-MNIST's training (60,000) or test (10,000) images of clothes, 10 classes.

    Args:
        split: "train" or "test".
        root: a folder to search first (see `fashion_mnist_folders` for the rest).

    Returns:
        (images, labels): images float32 of shape (N, 28, 28), the 0..255 pixels divided
        by 255 so that they lie in [0, 1]; labels int64 of shape (N,), in 0..9, naming
        CLASSES[label]. Flatten with images.reshape(len(images), -1) (a view, no copy).

    Every file's SHA-256 is checked before use: ChecksumError for a damaged or different
    file, FileNotFoundError (listing each folder searched) when the files are absent.
    """
    images_path, labels_path = find_fashion_mnist(split, root)
    images, labels = read_labelled_images(
        images_path, labels_path,
        images_sha256=CONTENT_SHA256[FILES[split][0]], labels_sha256=CONTENT_SHA256[FILES[split][1]],
    )
    return np.divide(images, 255, dtype=np.float32), labels.astype(np.int64)
