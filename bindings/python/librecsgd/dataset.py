# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Dataset: ratings with optional user and item features (rs_dataset)."""

import ctypes

from . import _buffers, _capi, _core, _names
from ._core import Handle, check, path_arg, reader
from ._lib import LIB

_i64, _f32, _i32 = ctypes.c_int64, ctypes.c_float, ctypes.c_int32


def side_value(side):
    """'user' / 'item' (or RS_SIDE_USER / RS_SIDE_ITEM) -> the RS_SIDE_* value."""
    return _names.value_of("RS_SIDE", side, "side")


class Dataset(Handle):
    """Ratings (user, item, rating, weight) with 64-bit external ids, and
    optional sparse user and item features.

    Dataset(**params) makes an empty one; dataset parameters (rating_min,
    rating_max, csv_delimiter, csv_user_col, ...: anything rs_param_from_name
    knows) are keywords. Use it as a context manager or call close(); a
    finaliser frees it otherwise. A failed call leaves the dataset as it was.
    """

    _kind = "Dataset"
    _free_fn = LIB.rs_dataset_free
    _ptr_type = _capi.rs_dataset
    _set_int, _set_int_name = LIB.rs_dataset_set_int, "rs_dataset_set_int"
    _set_double, _set_double_name = LIB.rs_dataset_set_double, "rs_dataset_set_double"
    _get_int, _get_double = LIB.rs_dataset_get_int, LIB.rs_dataset_get_double

    def __init__(self, **params):
        ptr = self._new_ptr()
        check(LIB.rs_dataset_new(ctypes.byref(ptr), None, None), "rs_dataset_new")
        self._adopt(ptr)
        for k, v in params.items():
            self._set_param(k, v)

    @classmethod
    def _wrap(cls, ptr):
        self = cls.__new__(cls)
        self._adopt(ptr)
        return self

    def _message(self):
        return LIB.rs_dataset_last_error(self._ptr).decode("utf-8", "replace")

    def _check(self, status, function):
        self._cbs.take_error(function, status)
        return check(status, function, self._message)

    # ---- construction ----

    @classmethod
    def from_file(cls, path, format="movielens", **params):
        """Ratings from a file path or a readable file object (text or binary).
        format: 'movielens', 'csv', 'libmf' (the RS_FORMAT_* names) or a value."""
        ds = cls(**params)
        try:
            ds.load(path, format)
        except BaseException:
            ds.close()
            raise
        return ds

    @classmethod
    def from_arrays(cls, users, items, ratings, weights=None, **params):
        """Ratings from sequences: lists, tuples, array.array or numpy arrays
        (passed to rs_dataset_add_ratings without a per-element Python loop)."""
        ds = cls(**params)
        try:
            ds.add_ratings(users, items, ratings, weights)
        except BaseException:
            ds.close()
            raise
        return ds

    # ---- parameters ----

    def set_params(self, **params):
        for k, v in params.items():
            self._set_param(k, v)
        return self

    def get_param(self, name):
        return self._get_param(name)

    def get_params(self):
        return self._all_params()

    # ---- ratings ----

    def load(self, path, format="movielens"):
        """Append ratings from a file path or a file object."""
        fmt = _names.value_of("RS_FORMAT", format, "format")
        h = self._h
        if hasattr(path, "read"):
            fn = reader(self._cbs, path)
            name = getattr(path, "name", None)
            name = path_arg(name) if isinstance(name, str) else None
            with _core.pinned(self):
                st = LIB.rs_dataset_load(h, fn, None, fmt, name)
            self._check(st, "rs_dataset_load")
        else:
            self._check(LIB.rs_dataset_load_file(h, path_arg(path), fmt), "rs_dataset_load_file")
        return self

    def add_rating(self, user, item, rating, weight=1.0):
        self._check(LIB.rs_dataset_add_rating(self._h, user, item, rating, weight),
                    "rs_dataset_add_rating")
        return self

    def add_ratings(self, users, items, ratings, weights=None):
        """Append n ratings at once (all or none)."""
        u = _buffers.InArray(users, _i64, "users")
        i = _buffers.InArray(items, _i64, "items")
        r = _buffers.InArray(ratings, _f32, "ratings")
        w = _buffers.InArray(weights, _f32, "weights") if weights is not None else None
        if not u.n == i.n == r.n or (w is not None and w.n != u.n):
            raise ValueError("users, items, ratings%s must have the same length (%d, %d, %d%s)"
                             % (", weights" if w else "", u.n, i.n, r.n,
                                ", %d" % w.n if w else ""))
        st = LIB.rs_dataset_add_ratings(self._h, u.ptr, i.ptr, r.ptr, w.ptr if w else None, u.n)
        self._check(st, "rs_dataset_add_ratings")
        return self

    def __len__(self):
        return LIB.rs_dataset_num_ratings(self._h)

    @property
    def num_ratings(self):
        return LIB.rs_dataset_num_ratings(self._h)

    @property
    def num_users(self):
        return LIB.rs_dataset_num_users(self._h)

    @property
    def num_items(self):
        return LIB.rs_dataset_num_items(self._h)

    def rating(self, index):
        """(user, item, rating, weight) of rating number index (insertion order)."""
        u, i, r, w = _i64(), _i64(), _f32(), _f32()
        st = LIB.rs_dataset_get_rating(self._h, index, ctypes.byref(u), ctypes.byref(i),
                                       ctypes.byref(r), ctypes.byref(w))
        check(st, "rs_dataset_get_rating", detail="index %d of %d" % (index, len(self)))
        return u.value, i.value, r.value, w.value

    def to_arrays(self):
        """(users, items, ratings, weights) of every rating, in insertion order
        (numpy arrays, else array.array). The C API reads ratings one at a
        time (rs_dataset_get_rating), so this makes one C call per rating."""
        n, h = len(self), self._h
        users, items = _buffers.OutArray(_i64, n), _buffers.OutArray(_i64, n)
        ratings, weights = _buffers.OutArray(_f32, n), _buffers.OutArray(_f32, n)
        u, i, r, w = _i64(), _i64(), _f32(), _f32()
        get, refs = LIB.rs_dataset_get_rating, [ctypes.byref(x) for x in (u, i, r, w)]
        uv, iv, rv, wv = users.value, items.value, ratings.value, weights.value
        for k in range(n):
            check(get(h, k, *refs), "rs_dataset_get_rating", detail="index %d" % k)
            uv[k], iv[k], rv[k], wv[k] = u.value, i.value, r.value, w.value
        return uv, iv, rv, wv

    def id_to_index(self, side, id):
        out = _i32()
        check(LIB.rs_dataset_id_to_index(self._h, side_value(side), id, ctypes.byref(out)),
              "rs_dataset_id_to_index", detail="%s id %d" % (side, id))
        return out.value

    def index_to_id(self, side, index):
        out = _i64()
        check(LIB.rs_dataset_index_to_id(self._h, side_value(side), index, ctypes.byref(out)),
              "rs_dataset_index_to_id", detail="%s index %d" % (side, index))
        return out.value

    # ---- features ----

    def load_features(self, path, side, format="sparse"):
        """Feature rows of one side from a file path or file object.
        format: 'sparse', 'movielens_item', 'movielens_user' (RS_FEATURES_*)."""
        fmt = _names.value_of("RS_FEATURES", format, "format")
        s = side_value(side)
        h = self._h
        if hasattr(path, "read"):
            fn = reader(self._cbs, path)
            name = getattr(path, "name", None)
            name = path_arg(name) if isinstance(name, str) else None
            with _core.pinned(self):
                st = LIB.rs_dataset_load_features(h, s, fn, None, fmt, name)
            self._check(st, "rs_dataset_load_features")
        else:
            self._check(LIB.rs_dataset_load_features_file(h, s, path_arg(path), fmt),
                        "rs_dataset_load_features_file")
        return self

    def load_user_features(self, path, format="sparse"):
        return self.load_features(path, "user", format)

    def load_item_features(self, path, format="sparse"):
        return self.load_features(path, "item", format)

    def add_feature(self, side, name):
        """Declare a named feature (or find it); returns its index."""
        out = _i32()
        self._check(LIB.rs_dataset_add_feature(self._h, side_value(side), name.encode("utf-8"),
                                               ctypes.byref(out)), "rs_dataset_add_feature")
        return out.value

    def num_features(self, side):
        return LIB.rs_dataset_num_features(self._h, side_value(side))

    def feature_name(self, side, index):
        name = LIB.rs_dataset_feature_name(self._h, side_value(side), index)
        if name is None:
            raise IndexError("no %s feature %d" % (side, index))
        return name.decode("utf-8")

    def feature_names(self, side):
        return [self.feature_name(side, k) for k in range(self.num_features(side))]

    def _feature_indices(self, side, features):
        idx = [f if isinstance(f, int) else self.add_feature(side, f) for f in features]
        return _buffers.InArray(idx, _i32, "features")

    def set_features(self, side, id, features=(), values=None):
        """Set (replace) the feature row of one id. features: indices or names
        (names are declared when new), or a {feature: value} dict."""
        if isinstance(features, dict):
            features, values = list(features), list(features.values())
        f = self._feature_indices(side, features)
        v = _buffers.InArray(values, _f32, "values") if values is not None else None
        if v is not None and v.n != f.n:
            raise ValueError("features and values must have the same length")
        self._check(LIB.rs_dataset_set_features(self._h, side_value(side), id, f.ptr,
                                                v.ptr if v else None, f.n),
                    "rs_dataset_set_features")
        return self

    def get_features(self, side, id):
        """{feature name: value} of one id's feature row."""
        s, h, n = side_value(side), self._h, ctypes.c_size_t()
        check(LIB.rs_dataset_get_features(h, s, id, None, None, 0, ctypes.byref(n)),
              "rs_dataset_get_features", detail="%s id %d" % (side, id))
        cap = n.value
        idx, val = (_i32 * max(cap, 1))(), (_f32 * max(cap, 1))()
        check(LIB.rs_dataset_get_features(h, s, id, idx, val, cap, ctypes.byref(n)),
              "rs_dataset_get_features", detail="%s id %d" % (side, id))
        return {self.feature_name(side, idx[k]): val[k] for k in range(min(cap, n.value))}

    def standardize_features(self, side):
        self._check(LIB.rs_dataset_standardize_features(self._h, side_value(side)),
                    "rs_dataset_standardize_features")
        return self

    # ---- splits ----

    def _split(self, fn, name, arg, seed):
        a, b = self._new_ptr(), self._new_ptr()
        check(fn(self._h, arg, seed, ctypes.byref(a), ctypes.byref(b)), name,
              detail="%r, seed %r" % (arg, seed))
        return Dataset._wrap(a), Dataset._wrap(b)

    def split_random(self, test_fraction=0.2, seed=42):
        """(train, test): ratings split at random (rs_dataset_split_random)."""
        return self._split(LIB.rs_dataset_split_random, "rs_dataset_split_random",
                           float(test_fraction), seed)

    def split_per_user(self, n=1, seed=42):
        """(train, test): n ratings of every user with more than n go to test
        (rs_dataset_split_holdout)."""
        return self._split(LIB.rs_dataset_split_holdout, "rs_dataset_split_holdout", n, seed)

    def __repr__(self):
        if self.closed:
            return "<librecsgd.Dataset closed>"
        return "<librecsgd.Dataset %d ratings, %d users, %d items>" % (
            self.num_ratings, self.num_users, self.num_items)
