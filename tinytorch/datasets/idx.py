"""Reading IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.

An IDX file is a header, then the numbers, all big-endian:

    bytes 0-1   0x00 0x00             (always zero)
    byte  2     data type code        0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                      0x0D float32, 0x0E float64
    byte  3     number of dimensions  (1 for labels, 3 for a stack of images)
    then        one 4-byte size per dimension, e.g. 60000, 28, 28
    then        the values, row-major: 60000 * 28 * 28 bytes for uint8 images
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

from tinytorch.datasets.checksums import verify_sha256

IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a complete, valid IDX file."""


def read_content(path):
    """The bytes of `path`, decompressed when it is gzip (recognised by its first bytes, not its name)."""
    path = Path(path)
    content = path.read_bytes()
    if not content.startswith(GZIP_MAGIC):
        return content
    try:
        return gzip.decompress(content)
    except EOFError:
        raise IDXError(f"{path}: the gzip data ends early; the file is truncated") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise IDXError(f"{path}: damaged gzip data ({error})") from None


def parse_idx(content, source="IDX data"):
    """The array stored in `content` (the bytes of an uncompressed IDX file).

    One-byte types come back as a read-only view of `content` (no copy); wider types are
    converted to the machine's byte order. `source` names the data in error messages.
    """
    if len(content) < 4:
        raise IDXError(f"{source}: {len(content)} bytes, too short for the 4-byte IDX magic number; truncated?")
    if content[0] != 0 or content[1] != 0:
        raise IDXError(
            f"{source}: not an IDX file: its magic number 0x{content[:4].hex().upper()} "
            "does not start with two zero bytes"
        )
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X} {dtype.name}" for code, dtype in IDX_TYPES.items())
        raise IDXError(f"{source}: unknown IDX data type code 0x{type_code:02X} (known: {known})")
    if ndim == 0:
        raise IDXError(f"{source}: the IDX header declares 0 dimensions")
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise IDXError(
            f"{source}: {len(content)} bytes, too short for the header of a {ndim}-dimensional IDX file "
            f"({header_size} bytes); truncated?"
        )
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    actual = len(content) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "has extra bytes after the data"
        raise IDXError(
            f"{source}: {problem}: the header declares shape {shape} of {dtype.name}, "
            f"{expected:,} bytes of data, but {actual:,} bytes follow the header"
        )
    array = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def read_idx(path, sha256=None):
    """The array in the IDX file `path` (raw or gzip). With `sha256`, the decompressed content
    must have that SHA-256 (hex) or ChecksumError is raised before anything is parsed."""
    content = read_content(path)
    if sha256 is not None:
        verify_sha256(content, sha256, f"{path} (uncompressed content)")
    return parse_idx(content, source=path)


def read_labelled_images(images_path, labels_path, images_sha256=None, labels_sha256=None):
    """(images (N, rows, cols), labels (N,)) from a pair of IDX files, checked to match.

    The arrays keep the files' dtypes (uint8 for MNIST-style data).
    """
    images = read_idx(images_path, images_sha256)
    labels = read_idx(labels_path, labels_sha256)
    if images.ndim != 3:
        raise IDXError(f"{images_path}: expected a stack of images (3 dimensions), got shape {images.shape}")
    if labels.ndim != 1:
        raise IDXError(f"{labels_path}: expected one label per image (1 dimension), got shape {labels.shape}")
    if len(images) != len(labels):
        raise IDXError(
            f"mismatched IDX pair: {images_path} holds {len(images):,} images, "
            f"{labels_path} holds {len(labels):,} labels"
        )
    return images, labels
