"""Data files shipped inside the package, in tinytorch/datasets/data, beside their licences."""

import gzip
from importlib import resources

from tinytorch.datasets.checksums import verify_sha256


def bundled_file(name):
    """A file of tinytorch/datasets/data, found through importlib.resources (works from a wheel too)."""
    return resources.files("tinytorch.datasets").joinpath("data").joinpath(name)


def read_bundled_gzip(name, sha256):
    """The decompressed content (bytes) of the bundled gzip file `name`.

    The SHA-256 of the file as shipped is checked first: a damaged copy raises ChecksumError
    before anything is decompressed or parsed.
    """
    content = bundled_file(name).read_bytes()
    verify_sha256(content, sha256, f"the bundled {name}")
    return gzip.decompress(content)
