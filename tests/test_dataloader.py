"""DataLoader (Module 08): Dataset, TensorDataset, DataLoader; epochs, shuffling, drop_last, bad input."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinytorch
from conftest import require_torch
from tinytorch.core.dataloader import DataLoader, Dataset, TensorDataset
from tinytorch.core.tensor import Tensor

pytestmark = pytest.mark.module(name="08_dataloader")


def indexed_dataset(count, features=3):
    """Rows whose values encode their index, plus the index itself as the last field."""
    rows = np.arange(count * features, dtype=np.float32).reshape(count, features)
    return TensorDataset(Tensor(rows), Tensor(np.arange(count)))


def epoch(loader):
    """The sample indices of one epoch, one list per batch."""
    return [batch[-1].data.tolist() for batch in loader]


class Squares(Dataset):
    """A generic Dataset: samples computed on demand, no array indexing."""

    def __init__(self, count):
        self.count = count

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return Tensor([float(index), float(index) ** 2]), Tensor(np.array(index))


class TestEpochs:
    @settings(max_examples=60, deadline=None)
    @given(count=st.integers(1, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(),
           drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1))
    def test_every_sample_once_per_epoch(self, count, batch_size, shuffle, drop_last, seed):
        assume(not (drop_last and batch_size > count))  # no batch at all: refused, tested below
        tinytorch.manual_seed(seed)
        loader = DataLoader(indexed_dataset(count), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
        batches = epoch(loader)
        expected_batches = count // batch_size if drop_last else math.ceil(count / batch_size)
        assert len(batches) == len(loader) == expected_batches
        assert all(len(b) == batch_size for b in batches[:-1])
        seen = sum(batches, [])
        assert len(seen) == len(set(seen)), "no sample twice in an epoch"
        if drop_last:
            assert len(seen) == expected_batches * batch_size and set(seen) <= set(range(count))
        else:
            assert sorted(seen) == list(range(count)), "every sample exactly once"
        if not shuffle:
            assert seen == list(range(len(seen))), "without shuffle, the data set's order"

    def test_last_partial_batch_follows_drop_last(self):
        data = indexed_dataset(10)
        assert [len(b) for b in epoch(DataLoader(data, batch_size=4))] == [4, 4, 2]
        assert [len(b) for b in epoch(DataLoader(data, batch_size=4, drop_last=True))] == [4, 4]
        assert [len(b) for b in epoch(DataLoader(data, batch_size=5, drop_last=True))] == [5, 5]
        assert len(DataLoader(data, batch_size=4)) == 3 and len(DataLoader(data, batch_size=4, drop_last=True)) == 2

    def test_sixty_thousand_in_batches_of_128(self):
        loader = DataLoader(TensorDataset(Tensor(np.zeros((60_000, 1)))), batch_size=128)
        assert len(loader) == 469 and len(DataLoader(loader.dataset, 128, drop_last=True)) == 468


class TestShuffling:
    def test_reproducible_under_manual_seed(self):
        loader = DataLoader(indexed_dataset(50), batch_size=8, shuffle=True)
        tinytorch.manual_seed(123)
        first = [epoch(loader) for _ in range(3)]
        tinytorch.manual_seed(123)
        assert [epoch(loader) for _ in range(3)] == first

    def test_each_epoch_has_a_new_order(self):
        tinytorch.manual_seed(0)
        loader = DataLoader(indexed_dataset(50), batch_size=8, shuffle=True)
        orders = [sum(epoch(loader), []) for _ in range(4)]
        assert len({tuple(order) for order in orders}) == 4
        assert all(order != list(range(50)) for order in orders)

    def test_order_is_a_permutation_from_the_framework_generator(self):
        tinytorch.manual_seed(5)
        order = sum(epoch(DataLoader(indexed_dataset(30), batch_size=7, shuffle=True)), [])
        assert order == np.random.Generator(np.random.PCG64(5)).permutation(30).tolist()

    def test_order_is_fixed_when_the_epoch_starts(self):
        loader = DataLoader(indexed_dataset(20), batch_size=5, shuffle=True)
        tinytorch.manual_seed(9)
        expected = epoch(loader)
        tinytorch.manual_seed(9)
        iterator = iter(loader)
        tinytorch.default_generator().random(100)  # other draws during the epoch change nothing
        assert [batch[-1].data.tolist() for batch in iterator] == expected

    def test_two_epochs_can_run_at_once(self):
        loader = DataLoader(indexed_dataset(12), batch_size=5)
        outer, inner = iter(loader), iter(loader)
        next(outer)
        assert [b[-1].data.tolist() for b in inner] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
        assert [b[-1].data.tolist() for b in outer] == [[5, 6, 7, 8, 9], [10, 11]]


class TestBatches:
    def test_rows_travel_with_their_labels(self):
        tinytorch.manual_seed(1)
        rows = Tensor(np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32))
        labels = Tensor(np.random.default_rng(1).integers(0, 10, size=40))
        for x, y, index in DataLoader(TensorDataset(rows, labels, Tensor(np.arange(40))), 16, shuffle=True):
            assert np.array_equal(x.data, rows.data[index.data]) and np.array_equal(y.data, labels.data[index.data])

    @pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_])
    def test_every_dtype_is_kept(self, dtype):
        data = TensorDataset(Tensor(np.ones((9, 2), dtype=dtype), dtype=dtype))
        for shuffle in (False, True):
            (x,) = next(iter(DataLoader(data, batch_size=4, shuffle=shuffle)))
            assert x.dtype == dtype and x.shape == (4, 2)

    def test_one_vectorised_index_per_batch(self):
        calls = []

        class CountingTensorDataset(TensorDataset):
            def __getitem__(self, index):
                calls.append(index)
                return super().__getitem__(index)

        loader = DataLoader(CountingTensorDataset(Tensor(np.zeros((1000, 4)))), batch_size=100, shuffle=True)
        for _ in loader:
            pass
        assert len(calls) == len(loader) == 10, "one index per batch, not one per sample"
        assert all(isinstance(index, np.ndarray) and index.shape == (100,) for index in calls)

    def test_unshuffled_batches_are_views_and_shuffled_ones_copies(self):
        images = Tensor(np.zeros((100, 4)))
        data = TensorDataset(images)
        (x,) = next(iter(DataLoader(data, batch_size=10)))
        assert np.shares_memory(x.data, images.data)
        (x,) = next(iter(DataLoader(data, batch_size=10, shuffle=True)))
        assert not np.shares_memory(x.data, images.data) and x.data.flags.c_contiguous

    def test_generic_dataset_batches_equal_the_vectorised_ones(self):
        generic = Squares(23)
        tensors = TensorDataset(*(Tensor(field.data) for field in generic.get_batch(slice(0, 23))))
        for seed in (0, 1):
            tinytorch.manual_seed(seed)
            slow = list(DataLoader(generic, batch_size=5, shuffle=True))
            tinytorch.manual_seed(seed)
            fast = list(DataLoader(tensors, batch_size=5, shuffle=True))
            for a, b in zip(slow, fast, strict=True):
                assert all(np.array_equal(p.data, q.data) and p.dtype == q.dtype for p, q in zip(a, b, strict=True))
        assert generic.get_batch(np.array([3]))[1].dtype == np.int64

    def test_single_tensor_samples_give_single_tensor_batches(self):
        class Plain(Dataset):
            def __len__(self):
                return 7

            def __getitem__(self, index):
                return Tensor([float(index)])

        batches = list(DataLoader(Plain(), batch_size=3))
        assert all(isinstance(batch, Tensor) for batch in batches)
        assert [batch.shape for batch in batches] == [(3, 1), (3, 1), (1, 1)]


class TestTensorDataset:
    def test_sample_and_batch_indexing(self):
        data = TensorDataset(Tensor(np.arange(12.0).reshape(6, 2)), Tensor(np.arange(6) * 10))
        x, y = data[2]
        assert x.data.tolist() == [4.0, 5.0] and y.item() == 20 and y.dtype == np.int64
        x, y = data[np.array([5, 0])]
        assert x.shape == (2, 2) and y.data.tolist() == [50, 0]
        x, y = data[Tensor(np.array([1]))]
        assert y.data.tolist() == [10]
        assert data[-1][1].item() == 50 and len(data) == 6
        assert repr(data) == "TensorDataset(6 samples; shapes (6, 2), (6,))"

    def test_mismatched_first_dimensions_name_the_shapes(self):
        with pytest.raises(ValueError) as error:
            TensorDataset(Tensor(np.ones((100, 4))), Tensor(np.zeros(99, dtype=np.int64)))
        assert str(error.value) == (
            "TensorDataset: all tensors need the same first dimension (the number of samples), "
            "got shapes (100, 4), (99,)"
        )

    @pytest.mark.parametrize("arguments, error, message", [
        ((), ValueError, "at least one tensor"),
        ((np.ones((3, 2)),), TypeError, "argument 0 is a ndarray, not a Tensor"),
        ((Tensor(np.ones(3)), [1, 2, 3]), TypeError, "argument 1 is a list"),
        ((Tensor(2.0),), ValueError, "argument 0 is a 0-d tensor"),
    ])
    def test_bad_arguments(self, arguments, error, message):
        with pytest.raises(error, match=message):
            TensorDataset(*arguments)

    @pytest.mark.parametrize("index", [6, -7, np.array([0, 6])])
    def test_out_of_range_index_says_how_many_samples(self, index):
        with pytest.raises(IndexError, match="TensorDataset of 6 samples"):
            TensorDataset(Tensor(np.zeros(6)))[index]

    def test_float_index_is_refused(self):
        with pytest.raises(IndexError, match="integer"):
            TensorDataset(Tensor(np.zeros(6)))[np.array([0.5])]


class TestDataset:
    def test_is_abstract(self):
        with pytest.raises(TypeError):
            Dataset()

        class NoGetItem(Dataset):
            def __len__(self):
                return 1

        with pytest.raises(TypeError):
            NoGetItem()

    def test_samples_of_different_shapes_name_the_shapes(self):
        class Ragged(Squares):
            def __getitem__(self, index):
                return Tensor(np.ones(index + 1)), Tensor(np.array(index))

        with pytest.raises(ValueError, match=r"Ragged field 0 of sample: cannot stack .* \[\(1,\), \(2,\), \(3,\)\]"):
            Ragged(3).get_batch(slice(0, 3))

    @pytest.mark.parametrize("bad_sample, described", [
        ([1.0, 2.0], r"Odd\[2\] is a list of \(float, float\), but sample 0 is a tuple"),
        ((Tensor([1.0]),), r"Odd\[2\] is a tuple of \(Tensor\), but sample 0 is a tuple of \(Tensor, Tensor\)"),
        ((Tensor([1.0, 2.0]), "label"), r"Odd field 1 of sample\[2\] is a str"),
        ((Tensor([1.0, 2.0]), None), r"Odd field 1 of sample\[2\] is a NoneType"),
    ])
    def test_malformed_samples_are_named(self, bad_sample, described):
        class Odd(Squares):
            def __getitem__(self, index):
                return bad_sample if index == 2 else super().__getitem__(index)

        with pytest.raises(TypeError, match=described):
            Odd(4).get_batch(np.array([0, 2]))

    def test_default_collation_like_torch(self):
        torch = require_torch()
        samples = [(np.arange(3) * i, i, {"w": 0.5 * i, "flag": i % 2 == 0}) for i in range(4)]
        ours = next(iter(DataLoader(samples, batch_size=4)))
        theirs = next(iter(torch.utils.data.DataLoader(samples, batch_size=4)))
        assert len(ours) == len(theirs) == 3 and isinstance(ours[2], dict)
        for mine, reference in ((ours[0], theirs[0]), (ours[1], theirs[1]), (ours[2]["w"], theirs[2]["w"]),
                                (ours[2]["flag"], theirs[2]["flag"])):
            assert mine.shape == tuple(reference.shape)
            np.testing.assert_allclose(mine.data, reference.numpy())
        # Differences on purpose: Python floats become float32 here (torch: float64), and a batch
        # of tuple samples is a tuple (torch: a list); both unpack the same way.
        assert isinstance(ours, tuple) and isinstance(theirs, list)
        assert ours[0].dtype == np.int64 and ours[1].dtype == np.int64 and ours[2]["w"].dtype == np.float32
        assert ours[2]["flag"].dtype == np.bool_


class TestDataLoaderArguments:
    @pytest.mark.parametrize("batch_size", [0, -3, 2.0, True, "32", None])
    def test_batch_size_must_be_a_positive_integer(self, batch_size):
        with pytest.raises(ValueError) as error:
            DataLoader(indexed_dataset(5), batch_size=batch_size)
        assert str(error.value) == f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"

    def test_numpy_integer_batch_size_is_fine(self):
        assert len(DataLoader(indexed_dataset(5), batch_size=np.int64(2))) == 3

    @pytest.mark.parametrize("name", ["shuffle", "drop_last"])
    @pytest.mark.parametrize("value", [1, "no", None])
    def test_flags_must_be_booleans(self, name, value):
        with pytest.raises(TypeError, match=f"DataLoader: {name} must be True or False, got {value!r}"):
            DataLoader(indexed_dataset(5), **{name: value})

    def test_empty_dataset(self):
        with pytest.raises(ValueError, match="DataLoader: the dataset TensorDataset is empty"):
            DataLoader(TensorDataset(Tensor(np.zeros((0, 3)))))

    def test_drop_last_leaving_nothing(self):
        with pytest.raises(ValueError, match="drop_last=True with batch_size 8 and only 5 samples leaves no batch"):
            DataLoader(indexed_dataset(5), batch_size=8, drop_last=True)
        assert len(DataLoader(indexed_dataset(5), batch_size=8)) == 1, "without drop_last, one short batch"

    @pytest.mark.parametrize("not_a_dataset", [42, None, "abc", {"a": 1}, (x for x in range(3))])
    def test_dataset_must_be_a_data_set(self, not_a_dataset):
        with pytest.raises(TypeError, match="DataLoader expects a data set"):
            DataLoader(not_a_dataset)

    @pytest.mark.parametrize("sequence", [Tensor(np.arange(8.0).reshape(4, 2)), np.arange(8.0).reshape(4, 2),
                                          [np.array([0.0, 1.0]), np.array([2.0, 3.0]), np.array([4.0, 5.0]), np.array([6.0, 7.0])]])
    def test_any_sequence_is_a_data_set(self, sequence):
        batches = list(DataLoader(sequence, batch_size=3))
        assert [b.shape for b in batches] == [(3, 2), (1, 2)]
        assert np.array_equal(batches[1].data, [[6.0, 7.0]]) and batches[0].dtype == np.float32

    def test_repr(self):
        loader = DataLoader(indexed_dataset(10), batch_size=4, shuffle=True)
        assert repr(loader) == (
            "DataLoader(TensorDataset of 10 samples, batch_size=4, shuffle=True, drop_last=False): 3 batches"
        )


def test_importable_from_the_package_top():
    assert tinytorch.DataLoader is DataLoader and tinytorch.TensorDataset is TensorDataset
    assert tinytorch.Dataset is Dataset
