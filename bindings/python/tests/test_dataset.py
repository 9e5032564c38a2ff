# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Dataset: lifetime, loaders, arrays without a per-element loop, features, splits."""

import array
import gc
import io
import weakref

import pytest

import librecsgd as rs
from librecsgd import _buffers
from conftest import data

np = _buffers.numpy


def test_context_manager_and_close():
    with rs.Dataset() as ds:
        ds.add_rating(1, 2, 3.0)
        assert len(ds) == 1
    assert ds.closed
    with pytest.raises(rs.ClosedError) as e:
        len(ds)
    assert isinstance(e.value, rs.Error) and e.value.status == rs.RS_ERR_INVALID_ARG
    ds.close()  # idempotent


def test_finaliser_frees_an_unclosed_dataset():
    ds = rs.Dataset()
    fin = ds._finalizer
    assert fin.alive
    ref = weakref.ref(ds)
    del ds
    gc.collect()
    assert ref() is None and not fin.alive


def test_from_file_movielens(sample):
    assert len(sample) == 58097 and sample.num_users == 1000 and sample.num_items == 800
    user, item, rating, weight = sample.rating(0)
    assert (user, item, weight) == (1, 681, 1.0) and abs(rating - 4.4) < 1e-6


def test_from_file_csv_with_dataset_parameters(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("item;user;stars\n10;1;4\n11;2;5\n")
    with rs.Dataset.from_file(str(f), format="csv", csv_delimiter=";", csv_rating_col=2) as ds:
        assert ds.get_param("csv_delimiter") == ord(";")
        assert ds.rating(0)[:3] == (1, 10, 4.0)
    with pytest.raises(rs.FormatError, match="outside"):  # the message names the line
        rs.Dataset.from_file(str(f), format="csv", csv_delimiter=";", csv_rating_col=2,
                             rating_max=4.5)


def test_from_file_object_text_and_binary():
    with open(data("ratings.tsv"), "rb") as f, rs.Dataset.from_file(f) as ds:
        assert len(ds) == 58097
    text = io.StringIO("1 2 3\n2 3 4\n")
    with rs.Dataset.from_file(text, format="libmf") as ds:
        assert len(ds) == 2 and ds.rating(1)[:3] == (2, 3, 4.0)


def test_reader_exception_is_reraised():
    class Broken(io.RawIOBase):
        def read(self, n=-1):
            raise RuntimeError("disk on fire")
    with pytest.raises(RuntimeError, match="disk on fire"):
        rs.Dataset.from_file(Broken())


def test_from_arrays_lists_and_weights():
    with rs.Dataset.from_arrays([1, 1, 2], [10, 11, 10], [4.0, 3.5, 5], weights=[1, 2, 0.5]) as ds:
        assert len(ds) == 3 and ds.rating(1) == (1, 11, 3.5, 2.0)
        assert ds.num_users == 2 and ds.num_items == 2
    with pytest.raises(ValueError):
        rs.Dataset.from_arrays([1, 2], [1], [1.0, 2.0])
    with pytest.raises(TypeError):
        rs.Dataset.from_arrays([1.5], [1], [1.0])  # ids are integers
    with pytest.raises(rs.RangeError):  # all or none: a NaN rating refuses the batch
        rs.Dataset.from_arrays([1, 2], [1, 2], [1.0, float("nan")])


class NoPythonLoop(array.array):
    """An array.array that fails if Python code iterates or indexes it."""

    def __iter__(self):
        raise AssertionError("per-element Python loop")

    def __getitem__(self, k):
        raise AssertionError("per-element Python access")


def test_from_arrays_passes_buffers_in_place():
    users = NoPythonLoop("q", [1, 2, 3])
    items = NoPythonLoop("q", [7, 8, 9])
    ratings = NoPythonLoop("f", [1.0, 2.0, 3.0])
    with rs.Dataset.from_arrays(users, items, ratings) as ds:
        assert [ds.rating(k)[:3] for k in range(3)] == [(1, 7, 1.0), (2, 8, 2.0), (3, 9, 3.0)]
    ib = _buffers.InArray(users, __import__("ctypes").c_int64, "users")
    assert ib._keep.obj is users  # the memoryview of the caller's buffer: no copy


@pytest.mark.skipif(np is None, reason="numpy not installed")
def test_from_arrays_numpy():
    class NoLoop(np.ndarray):
        def __iter__(self):
            raise AssertionError("per-element Python loop")
    n = 100000
    rng = np.random.default_rng(1)
    users = rng.integers(1, 500, n).view(NoLoop)
    items = rng.integers(1, 300, n).astype(np.int32).view(NoLoop)  # converted in one step
    ratings = rng.uniform(1, 5, n)                                  # float64 -> float32
    with rs.Dataset.from_arrays(users, items, ratings) as ds:
        assert len(ds) == n
        u, i, r, w = ds.to_arrays()
        assert (u == np.asarray(users)).all() and (i == np.asarray(items)).all()
        assert np.allclose(r, ratings.astype(np.float32)) and (w == 1).all()
    with pytest.raises(ValueError):
        rs.Dataset.from_arrays(np.zeros((2, 2), np.int64), [1, 2], [1.0, 2.0])
    with pytest.raises(TypeError):
        rs.Dataset.from_arrays(np.array([1.5]), [1], [1.0])


def test_feature_loaders(sample):
    assert sample.num_features("user") > 0 and sample.num_features("item") > 0
    feats = sample.get_features("item", 1)
    assert feats["genre_horror"] == 1.0 and abs(feats["runtime_hours"] - 2.1) < 1e-6
    assert "gender_m" in sample.get_features(rs.RS_SIDE_USER, 1)
    names = sample.feature_names("user")
    assert names[0] == sample.feature_name("user", 0)
    with pytest.raises(rs.UnknownIdError):
        sample.get_features("item", 123456)
    with pytest.raises(ValueError):
        sample.get_features("shop", 1)


def test_set_features_and_standardize():
    with rs.Dataset() as ds:
        idx = ds.add_feature("item", "genre_a")
        ds.set_features("item", 5, {"genre_a": 1.0, "length": 2.0})
        assert ds.get_features("item", 5) == {"genre_a": 1.0, "length": 2.0}
        ds.set_features("item", 6, [idx, "length"], [1.0, 4.0])
        ds.standardize_features("item")
        f = ds.get_features("item", 6)
        assert f["genre_a"] == 1.0 and f["length"] != 4.0
        with pytest.raises(rs.FormatError):
            ds.set_features("item", 7, [idx, idx])


def test_split_random(sample):
    train, test = sample.split_random(0.25, seed=5)
    with train, test:
        assert len(train) + len(test) == len(sample)
        assert abs(len(test) - 0.25 * len(sample)) < 0.02 * len(sample)
        train2, test2 = sample.split_random(0.25, seed=5)
        with train2, test2:
            assert [test.rating(k) for k in range(20)] == [test2.rating(k) for k in range(20)]
    with pytest.raises(rs.RangeError):
        sample.split_random(1.5)


def test_split_per_user(sample):
    train, test = sample.split_per_user(2, seed=1)
    with train, test:
        assert len(train) + len(test) == len(sample)
        users, _, _, _ = test.to_arrays()
        counts = {}
        for u in users:
            counts[int(u)] = counts.get(int(u), 0) + 1
        assert set(counts.values()) == {2}


def test_ids(sample):
    idx = sample.id_to_index("user", 1)
    assert sample.index_to_id("user", idx) == 1
    with pytest.raises(rs.UnknownIdError):
        sample.id_to_index("user", 123456)
