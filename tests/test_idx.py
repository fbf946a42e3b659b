"""The IDX reader (tinytorch.datasets.idx) on small synthetic files, raw and gzipped, good and bad."""

import gzip
import hashlib

import numpy as np
import pytest

from tinytorch.datasets import ChecksumError, IDXError, read_idx, read_labelled_images
from tinytorch.datasets.idx import parse_idx

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array):
    """An IDX file's bytes for `array`, written independently of the reader: header, then big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, TYPE_CODES[array.dtype.type], array.ndim])
    sizes = np.array(array.shape, dtype=">u4").tobytes()
    return header + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("dtype", list(TYPE_CODES))
def test_round_trip_of_every_type(tmp_path, dtype, compress):
    array = (np.arange(2 * 3 * 4) * 37 - 100).astype(dtype).reshape(2, 3, 4)
    path = write(tmp_path / ("x.idx.gz" if compress else "x.idx"), idx_bytes(array), compress)
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    assert result.shape == (2, 3, 4) and np.array_equal(result, array)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    gzipped_without_suffix = write(tmp_path / "labels-idx1-ubyte", idx_bytes(labels), compress=True)
    raw_with_suffix = write(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels))
    assert np.array_equal(read_idx(gzipped_without_suffix), labels)
    assert np.array_equal(read_idx(raw_with_suffix), labels)


def test_mnist_shaped_images_and_labels(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = np.arange(7, dtype=np.uint8)
    images_path = write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(images), compress=True)
    labels_path = write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels))
    got_images, got_labels = read_labelled_images(images_path, labels_path)
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)
    assert got_images.dtype == np.uint8


@pytest.mark.parametrize("content, message", [
    (b"", "0 bytes, too short for the 4-byte IDX magic number"),
    (b"\x00\x00\x08", "3 bytes, too short"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), r"not an IDX file: its magic number 0x89504E47"),
    (b"\x08\x03\x00\x00" + bytes(16), r"magic number 0x08030000 does not start with two zero bytes"),
    (b"\x00\x00\x07\x01" + bytes(8), r"unknown IDX data type code 0x07 \(known: 0x08 uint8, 0x09 int8"),
    (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    (b"\x00\x00\x08\x03" + bytes(8), r"too short for the header of a 3-dimensional IDX file \(16 bytes\)"),
])
def test_bad_headers(content, message):
    with pytest.raises(IDXError, match=message):
        parse_idx(content, source="bad.idx")


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_truncated_data_names_the_sizes(tmp_path, compress):
    content = idx_bytes(np.zeros((10, 28, 28), dtype=np.uint8))
    path = write(tmp_path / "images", content[:-1], compress)
    with pytest.raises(IDXError) as error:
        read_idx(path)
    assert str(error.value) == (
        f"{path}: truncated: the header declares shape (10, 28, 28) of uint8, "
        "7,840 bytes of data, but 7,839 bytes follow the header"
    )


def test_extra_bytes_after_the_data(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(np.zeros(5, dtype=np.int32)) + b"\x00")
    with pytest.raises(IDXError, match=r"has extra bytes after the data: .* 20 bytes of data, but 21 bytes"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int16)))
    path = write(tmp_path / "cut.gz", compressed[: len(compressed) // 2])
    with pytest.raises(IDXError, match="gzip data ends early; the file is truncated"):
        read_idx(path)


def test_damaged_gzip(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int16))))
    compressed[-5] ^= 0xFF  # inside the trailer's length field: the data no longer matches it
    path = write(tmp_path / "damaged.gz", bytes(compressed))
    with pytest.raises(IDXError, match="damaged gzip data"):
        read_idx(path)


def test_mismatched_counts_name_both_files(tmp_path):
    images_path = write(tmp_path / "images", idx_bytes(np.zeros((6, 2, 2), dtype=np.uint8)))
    labels_path = write(tmp_path / "labels", idx_bytes(np.zeros(5, dtype=np.uint8)))
    with pytest.raises(IDXError) as error:
        read_labelled_images(images_path, labels_path)
    assert str(error.value) == (
        f"mismatched IDX pair: {images_path} holds 6 images, {labels_path} holds 5 labels"
    )


def test_images_and_labels_need_the_right_dimensions(tmp_path):
    flat = write(tmp_path / "flat", idx_bytes(np.zeros((6, 4), dtype=np.uint8)))
    labels = write(tmp_path / "labels", idx_bytes(np.zeros(6, dtype=np.uint8)))
    with pytest.raises(IDXError, match=r"expected a stack of images \(3 dimensions\), got shape \(6, 4\)"):
        read_labelled_images(flat, labels)
    with pytest.raises(IDXError, match=r"expected one label per image \(1 dimension\), got shape \(6, 4\)"):
        read_labelled_images(write(tmp_path / "images", idx_bytes(np.zeros((6, 2, 2), dtype=np.uint8))), flat)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_checksum_is_of_the_uncompressed_content(tmp_path, compress):
    content = idx_bytes(np.arange(12, dtype=np.uint8))
    path = write(tmp_path / "labels", content, compress)
    assert read_idx(path, sha256=hashlib.sha256(content).hexdigest()).shape == (12,)
    wrong = hashlib.sha256(content + b"!").hexdigest()
    with pytest.raises(ChecksumError) as error:
        read_idx(path, sha256=wrong)
    assert str(error.value) == (
        f"{path} (uncompressed content): SHA-256 is {hashlib.sha256(content).hexdigest()}, expected {wrong}; "
        "the file is corrupt, truncated or a different version"
    )
    assert isinstance(error.value, ValueError)
