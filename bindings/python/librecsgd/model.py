# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Model: a recommendation model (rs_model): train, score, persist."""

import ctypes
import numbers

from . import _buffers, _capi, _core, _names
from ._core import Handle, check, path_arg, raise_status
from ._lib import LIB
from .dataset import Dataset, side_value

_i64, _f32, _i32, _size = ctypes.c_int64, ctypes.c_float, ctypes.c_int32, ctypes.c_size_t
_ERRMSG_CAP = 512
_SIZE_MAX = _size(-1).value


def _dataset_handle(ds, what, allow_none=False):
    if ds is None and allow_none:
        return None
    if not isinstance(ds, Dataset):
        raise TypeError("%s must be a librecsgd.Dataset, not %s" % (what, type(ds).__name__))
    return ds._h


# Room for more metric entries than these headers define (a newer 0.x
# library may fill more), and the value the evaluation calls never write: a
# NaN with a payload no arithmetic produces, so an entry still holding it
# after a call is one the call left alone (each call writes only its own).
_METRIC_ROOM = 64
_UNWRITTEN = 0x7FF8C0FFEE0DDBA1


def _metric_buffer():
    buf = (ctypes.c_double * _METRIC_ROOM)()
    bits = (ctypes.c_uint64 * _METRIC_ROOM).from_buffer(buf)
    for i in range(_METRIC_ROOM):
        bits[i] = _UNWRITTEN
    return buf


def _metrics_written(buf):
    """{key: value} of the entries a call wrote ('metric_<i>' for an entry
    these headers do not name)."""
    bits = (ctypes.c_uint64 * _METRIC_ROOM).from_buffer(buf)
    return {_names.METRIC_KEYS.get(i, "metric_%d" % i): buf[i]
            for i in range(_METRIC_ROOM) if bits[i] != _UNWRITTEN}


# A valid address for an empty but present id list: the C calls read NULL as
# "no list" (every item), an empty list as "no item".
_NO_IDS = (_i64 * 1)()


def _id_list(arr):
    """The pointer of an InArray passed as a present list."""
    return arr.ptr if arr.n else ctypes.cast(_NO_IDS, ctypes.POINTER(_i64))


def _pairs(ids, scores, n):
    return [(ids[k], scores[k]) for k in range(n)]


class Recommendations:
    """The result of Model.recommend_batch: one row of up to k items per user.

    items   (n_users, k) int64 array (numpy) or flat array.array of n_users*k
    scores  the same shape, float32
    counts  items written per user (fewer than k when a user has fewer
            eligible items; the rest of the row is 0)
    status  RS_OK, or RS_FALLBACK when some users were unknown (they got the
            fallback ranking)
    r[u]    the row of user number u as [(item, score), ...]
    """

    def __init__(self, users, k, items, scores, counts, status):
        self.users, self.k = users, k
        self.items, self.scores, self.counts, self.status = items, scores, counts, status

    @property
    def fallback(self):
        return self.status == _capi.RS_FALLBACK

    def __len__(self):
        return len(self.counts)

    def __getitem__(self, row):
        if not -len(self) <= row < len(self):
            raise IndexError(row)
        row %= len(self)
        n = int(self.counts[row])
        if _buffers.HAVE_NUMPY and hasattr(self.items, "ndim"):
            return list(zip(self.items[row, :n].tolist(), self.scores[row, :n].tolist()))
        base = row * self.k
        return list(zip(self.items[base:base + n], self.scores[base:base + n]))

    def __iter__(self):
        for row in range(len(self)):
            yield self[row]

    def tolist(self):
        return list(self)

    def __repr__(self):
        return "<librecsgd.Recommendations %d users, k=%d>" % (len(self), self.k)


class Model(Handle):
    """A recommendation model of one scorer kind.

    Model(scorer="hybrid", factors=64, learning_rate=0.01, lr_policy="adagrad", ...)

    scorer is 'collaborative', 'content' or 'hybrid' (the RS_SCORER_* names,
    or a value); the default, hybrid, uses features when the training data
    has them and is plain matrix factorisation otherwise (a build made with
    --disable-hybrid raises NotBuiltError for it).
    Every other keyword is a hyper-parameter by its library name
    (rs_param_from_name), so a parameter added to the library needs no change
    here; enumerated parameters take their value names (lr_policy="adagrad",
    init="uniform", clip="norm", cold_start="error", ...) or values.
    init= and clip= also take a Python callable (see set_init, set_clip), and
    log= a logging callable (see set_log).

    Close with close() or `with`; a finaliser frees the model otherwise.
    """

    _kind = "Model"
    _free_fn = LIB.rs_model_free
    _ptr_type = _capi.rs_model
    _set_int, _set_int_name = LIB.rs_model_set_int, "rs_model_set_int"
    _set_double, _set_double_name = LIB.rs_model_set_double, "rs_model_set_double"
    _get_int, _get_double = LIB.rs_model_get_int, LIB.rs_model_get_double

    def __init__(self, scorer="hybrid", **params):
        kind = _names.value_of("RS_SCORER", scorer, "scorer")
        ptr = self._new_ptr()
        check(LIB.rs_model_new(ctypes.byref(ptr), kind, None, None), "rs_model_new",
              detail="scorer %r" % (scorer,))
        self._adopt(ptr)
        self.stopped = False
        try:
            self.set_params(**params)
        except BaseException:
            self.close()
            raise

    @classmethod
    def _wrap(cls, ptr):
        self = cls.__new__(cls)
        self._adopt(ptr)
        self.stopped = False
        return self

    def _message(self):
        return LIB.rs_model_last_error(self._ptr).decode("utf-8", "replace")

    def _check(self, status, function):
        """For calls that write the model's message (mutating calls)."""
        self._cbs.take_error(function, status)
        return check(status, function, self._message)

    # ---- parameters ----

    def set_params(self, **params):
        """Set hyper-parameters by name; returns self."""
        for k, v in params.items():
            if k == "init" and callable(v):
                self.set_init(v)
            elif k == "clip" and callable(v):
                self.set_clip(v)
            elif k == "log":
                self.set_log(v)
            else:
                self._set_param(k, v)
        return self

    def get_param(self, name):
        """One hyper-parameter (enumerated ones as their names)."""
        return self._get_param(name)

    def get_params(self):
        """{name: value} of every hyper-parameter of the model."""
        return self._all_params()

    @property
    def scorer(self):
        return self.get_param("scorer")

    @staticmethod
    def param_bounds(name):
        """(lo, hi) of a parameter (rs_param_bounds)."""
        return _core.param_bounds(name)

    # ---- callbacks (slow: one trip through the interpreter per call) ----

    def _set_callback(self, kind, setter, name, fn, trampoline):
        h = self._h
        obj = trampoline(self._cbs, fn) if fn is not None else None
        self._check(setter(h, obj, None), name)
        if obj is None:
            self._cbs.refs.pop(kind, None)
        else:
            self._cbs.refs[kind] = obj  # C holds it until replaced or freed

    def set_init(self, fn):
        """Custom initialisation: fn(block, values, seed) fills values, a
        writable (rows, cols) float32 array (numpy, else a memoryview), for
        each parameter block (an RS_BLOCK_* value). Raise to cancel the fit.
        None restores the built-in chosen by the init parameter."""
        self._set_callback("init", LIB.rs_model_set_init_callback, "rs_model_set_init_callback",
                           fn, _core.init_trampoline)
        return self

    def set_clip(self, fn):
        """Custom gradient clipping: fn(grad) may change grad (a writable
        float32 vector) in place and returns True if it changed it. Called
        once per parameter-row update, so a Python policy is slow; prefer
        clip="value" / "norm". An exception stops the fit at the end of the
        epoch. None restores the built-in chosen by the clip parameter."""
        self._set_callback("clip", LIB.rs_model_set_clip_callback, "rs_model_set_clip_callback",
                           fn, _core.clip_trampoline)
        return self

    def set_log(self, fn):
        """Diagnostics: fn(level, message), level an RS_LOG_* value. None unregisters."""
        self._set_callback("log", LIB.rs_model_set_log_callback, "rs_model_set_log_callback",
                           fn, _core.log_trampoline)
        return self

    # ---- training ----

    def _train(self, name, call, progress, datasets):
        """Run one training call with the progress trampoline installed when
        Python code must be able to stop it."""
        with _core.pinned(self, *datasets):
            return self._train_pinned(name, call, progress)

    def _train_pinned(self, name, call, progress):
        h, cbs = self._h, self._cbs
        cbs.error, cbs.user_stop = None, False
        watch = progress is not None or any(k in cbs.refs for k in ("clip", "log"))
        if watch:
            tramp = _core.progress_trampoline(cbs, progress)
            self._check(LIB.rs_model_set_progress_callback(h, tramp, None),
                        "rs_model_set_progress_callback")
        try:
            st = call(h)
        finally:
            if watch:
                LIB.rs_model_set_progress_callback(h, None, None)
        self.stopped = st == _capi.RS_ERR_CANCELLED and cbs.user_stop and cbs.error is None
        if self.stopped:
            return self
        self._check(st, name)
        return self

    def fit(self, train, valid=None, progress=None):
        """Train from scratch on train (early stopping on valid, if given).

        progress(stats) is called after every epoch with that epoch's
        statistics (a dict, see epoch_stats); returning True stops training,
        keeping the last complete epoch (then self.stopped is True). An
        exception raised by any Python callback stops training (the C side
        sees RS_ERR_CANCELLED) and is re-raised here with its traceback.
        Returns self."""
        t = _dataset_handle(train, "train")
        v = _dataset_handle(valid, "valid", allow_none=True)
        return self._train("rs_fit", lambda h: LIB.rs_fit(h, t, v), progress, (train, valid))

    def partial_fit(self, ratings, replay=None, progress=None):
        """Train new ratings into the fitted model (rs_partial_fit), mixing in
        ratings sampled from replay. Returns self."""
        r = _dataset_handle(ratings, "ratings")
        p = _dataset_handle(replay, "replay", allow_none=True)
        return self._train("rs_partial_fit", lambda h: LIB.rs_partial_fit(h, r, p), progress,
                           (ratings, replay))

    def epoch_stats(self):
        """Statistics of every epoch of the last fit: a list of dicts keyed by
        the RS_STAT_* names ('epoch', 'train_rmse', 'valid_rmse', ...)."""
        h = self._h
        n = LIB.rs_model_num_epoch_stats(h)
        cap = 64
        buf, got = (ctypes.c_double * cap)(), _size()
        out = []
        for e in range(n):
            check(LIB.rs_model_epoch_stats(h, e, buf, cap, ctypes.byref(got)),
                  "rs_model_epoch_stats", detail="epoch %d" % e)
            out.append(_names.stats_dict(buf[:got.value]))
        return out

    # ---- scoring ----

    def predict(self, user, item, return_status=False):
        """The predicted rating of (user, item). An unknown id is scored by the
        cold-start fallback chain: that is a success, RS_FALLBACK, visible
        with return_status=True, which returns (score, status)."""
        score = _f32()
        st = LIB.rs_predict(self._h, user, item, ctypes.byref(score))
        check(st, "rs_predict", detail="user %d, item %d" % (user, item))
        return (score.value, st) if return_status else score.value

    def predict_batch(self, users, items, return_status=False):
        """Scores of n (user, item) pairs in one C call: a float32 numpy array
        (array.array('f') without numpy). return_status=True returns
        (scores, statuses) with the per-pair rs_status values (RS_FALLBACK
        marks fallback scores; per-pair errors are reported there, not raised)."""
        u = _buffers.InArray(users, _i64, "users")
        i = _buffers.InArray(items, _i64, "items")
        if u.n != i.n:
            raise ValueError("users and items must have the same length (%d, %d)" % (u.n, i.n))
        scores = _buffers.OutArray(_f32, u.n)
        status = _buffers.OutArray(_i32, u.n) if return_status else None
        st = LIB.rs_predict_batch(self._h, u.ptr, i.ptr, u.n, scores.ptr,
                                  status.ptr if status else None)
        if st not in (_capi.RS_OK, _capi.RS_FALLBACK):
            per_pair = status is not None and u.n and st in status.value
            if not per_pair:
                check(st, "rs_predict_batch", detail="%d pairs" % u.n)
        return (scores.value, status.value) if return_status else scores.value

    def recommend(self, user, k=10, filter_seen=True, block=(), allow=None,
                  return_status=False):
        """The k best items for user as [(item, score), ...], best first.
        filter_seen=False also ranks items the user rated in training; block
        items are never returned; allow (if not None) are the only candidates
        (an empty allow list returns nothing).
        An unknown user gets the fallback ranking (status RS_FALLBACK, see
        return_status, which returns (list, status))."""
        b = _buffers.InArray(block, _i64, "block")
        a = _buffers.InArray(allow, _i64, "allow") if allow is not None else None
        items, scores, n = (_i64 * max(k, 1))(), (_f32 * max(k, 1))(), _size()
        flags = 0 if filter_seen else _capi.RS_TOPK_INCLUDE_SEEN
        st = LIB.rs_topk(self._h, user, k, flags, b.ptr, b.n,
                         _id_list(a) if a else None, a.n if a else 0, items, scores,
                         ctypes.byref(n))
        check(st, "rs_topk", detail="user %d, k %d" % (user, k))
        out = _pairs(items, scores, n.value)
        return (out, st) if return_status else out

    def recommend_batch(self, users, k=10, filter_seen=True):
        """rs_topk_batch: the k best items of every user in one C call, as a
        Recommendations object (arrays; rec[u] is user number u's list)."""
        u = _buffers.InArray(users, _i64, "users")
        items = _buffers.OutArray(_i64, u.n * k)
        scores = _buffers.OutArray(_f32, u.n * k)
        counts = _buffers.OutArray(_size, u.n)
        flags = 0 if filter_seen else _capi.RS_TOPK_INCLUDE_SEEN
        st = LIB.rs_topk_batch(self._h, u.ptr, u.n, k, flags, items.ptr, scores.ptr, counts.ptr)
        check(st, "rs_topk_batch", detail="%d users, k %d" % (u.n, k))
        iv, sv = items.value, scores.value
        if hasattr(iv, "reshape"):
            iv, sv = iv.reshape(u.n, k), sv.reshape(u.n, k)
        return Recommendations(users, k, iv, sv, counts.value, st)

    def _similar(self, fn, name, id, k):
        ids, scores, n = (_i64 * max(k, 1))(), (_f32 * max(k, 1))(), _size()
        check(fn(self._h, id, k, ids, scores, ctypes.byref(n)), name, detail="id %d, k %d" % (id, k))
        return _pairs(ids, scores, n.value)

    def similar_items(self, item, k=10):
        """The k items closest to item by cosine of the factors: [(item, similarity)]."""
        return self._similar(LIB.rs_similar_items, "rs_similar_items", item, k)

    def similar_users(self, user, k=10):
        """The k users closest to user: [(user, similarity)]."""
        return self._similar(LIB.rs_similar_users, "rs_similar_users", user, k)

    # ---- evaluation (rs_model_evaluate_ratings / _ranking; formulas in
    # docs/guide/evaluation.md) ----

    def _evaluate(self, name, call, detail):
        """Run one evaluation call; {key: value} of the entries it wrote."""
        buf, n = _metric_buffer(), _size()
        st = call(buf, _METRIC_ROOM, ctypes.byref(n))
        check(st, name, detail=detail)
        return _metrics_written(buf)

    def evaluate_ratings(self, test):
        """Rating-prediction accuracy on a test Dataset: what
        rs_model_evaluate_ratings returns, as a dict keyed by the RS_METRIC_*
        names it fills: 'rmse', 'mae' (of predict() over the scored ratings;
        NaN when none was scored), 'scored', 'fallbacks' (scored by the
        cold-start fallback), 'unscored' (unknown ids under cold_start="error").
        Counts are floats, as the library stores them. Read-only (the model
        may serve other threads meanwhile)."""
        t = _dataset_handle(test, "test")
        h = self._h
        with _core.pinned(self, test):
            return self._evaluate("rs_model_evaluate_ratings",
                                  lambda buf, cap, n: LIB.rs_model_evaluate_ratings(h, t, buf, cap, n),
                                  "%d test ratings" % len(test))

    def evaluate_ranking(self, test, k=10, threshold=4.0, exclude=None, candidates=None,
                         include_seen=False):
        """Top-k ranking quality on a test Dataset: what
        rs_model_evaluate_ranking returns, as a dict keyed by the RS_METRIC_*
        names it fills: 'precision', 'recall', 'ndcg', 'map', 'hit_rate' (at
        k), 'auc' (over all candidates), and the counts 'users' (ranked),
        'users_skipped' (no test rating >= threshold), 'users_fallback',
        'users_unranked', 'auc_users'.

        A test rating >= threshold is relevant. The candidates are the items
        in candidates (a sequence of item ids; empty: no item is a candidate)
        or every item the model knows, minus the items each user rated in
        training (unless include_seen) and minus each user's items in exclude
        (a Dataset, e.g. a validation set). Means over no user are NaN."""
        t = _dataset_handle(test, "test")
        x = _dataset_handle(exclude, "exclude", allow_none=True)
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError("k must be an int, not %r" % (k,))
        if not 0 <= k <= _SIZE_MAX:  # ctypes would wrap it around silently
            raise_status(_capi.RS_ERR_INVALID_ARG, "rs_model_evaluate_ranking",
                         "k must be >= 1 and fit in size_t, not %d" % k)
        c = _buffers.InArray(candidates, _i64, "candidates") if candidates is not None else None
        flags = _capi.RS_EVAL_INCLUDE_SEEN if include_seen else 0
        h = self._h

        def call(buf, cap, n):
            return LIB.rs_model_evaluate_ranking(h, t, x, _id_list(c) if c else None, c.n if c else 0,
                                                 int(k), float(threshold), flags, buf, cap, n)
        with _core.pinned(self, test, exclude):
            return self._evaluate("rs_model_evaluate_ranking", call,
                                  "k %d, threshold %r" % (k, threshold))

    # ---- online updates and cold start ----

    def _fold_in(self, fn, name, id, others, ratings, what):
        o = _buffers.InArray(others, _i64, what)
        r = _buffers.InArray(ratings, _f32, "ratings")
        if o.n != r.n:
            raise ValueError("%s and ratings must have the same length (%d, %d)" % (what, o.n, r.n))
        self._check(fn(self._h, id, o.ptr, r.ptr, o.n), name)
        return self

    def fold_in_user(self, user, items, ratings):
        """Compute a (new or known) user's parameters from their ratings with
        every item frozen (rs_fold_in_user)."""
        return self._fold_in(LIB.rs_fold_in_user, "rs_fold_in_user", user, items, ratings, "items")

    def fold_in_item(self, item, users, ratings):
        """The same for an item (rs_fold_in_item)."""
        return self._fold_in(LIB.rs_fold_in_item, "rs_fold_in_item", item, users, ratings, "users")

    def feature_index(self, side, name):
        out = _i32()
        check(LIB.rs_model_feature_index(self._h, side_value(side), name.encode("utf-8"),
                                         ctypes.byref(out)),
              "rs_model_feature_index", detail="%s feature %r" % (side, name))
        return out.value

    def num_features(self, side):
        return LIB.rs_model_num_features(self._h, side_value(side))

    def set_features(self, side, id, features=(), values=None):
        """Register a user or item with its features, or replace a known one's
        (rs_model_set_features). features: the model's feature indices or
        names, or a {feature: value} dict; values default to 1."""
        if isinstance(features, dict):
            features, values = list(features), list(features.values())
        idx = [f if isinstance(f, int) else self.feature_index(side, f) for f in features]
        f = _buffers.InArray(idx, _i32, "features")
        v = _buffers.InArray(values, _f32, "values") if values is not None else None
        if v is not None and v.n != f.n:
            raise ValueError("features and values must have the same length")
        self._check(LIB.rs_model_set_features(self._h, side_value(side), id, f.ptr,
                                              v.ptr if v else None, f.n), "rs_model_set_features")
        return self

    # ---- inspection ----

    @property
    def num_users(self):
        return LIB.rs_model_num_users(self._h)

    @property
    def num_items(self):
        return LIB.rs_model_num_items(self._h)

    def _factors(self, fn, name, id):
        h, n = self._h, _size()
        check(fn(h, id, None, 0, ctypes.byref(n)), name, detail="id %d" % id)
        out = _buffers.OutArray(_f32, n.value)
        check(fn(h, id, out.ptr, n.value, ctypes.byref(n)), name, detail="id %d" % id)
        return out.value

    def user_factors(self, user):
        """A copy of one user's factor vector (float32 array)."""
        return self._factors(LIB.rs_model_copy_user_factors, "rs_model_copy_user_factors", user)

    def item_factors(self, item):
        return self._factors(LIB.rs_model_copy_item_factors, "rs_model_copy_item_factors", item)

    # ---- persistence ----

    def save(self, path):
        """Write the fitted model to a path (atomically) or a writable binary file object."""
        err = ctypes.create_string_buffer(_ERRMSG_CAP)
        if hasattr(path, "write"):
            cbs = self._cbs
            fn = _core.writer(cbs, path)
            with _core.pinned(self):
                st = LIB.rs_model_save(self._h, fn, None, err, _ERRMSG_CAP)
            cbs.take_error("rs_model_save", st)
            check(st, "rs_model_save", err.value.decode("utf-8", "replace"))
        else:
            st = LIB.rs_model_save_file(self._h, path_arg(path), err, _ERRMSG_CAP)
            check(st, "rs_model_save_file", err.value.decode("utf-8", "replace"))

    @classmethod
    def load(cls, path):
        """A model read from a path or a readable binary file object."""
        err = ctypes.create_string_buffer(_ERRMSG_CAP)
        ptr = cls._new_ptr()
        if hasattr(path, "read"):
            cbs = _core.Callbacks()
            fn = _core.reader(cbs, path)
            st = LIB.rs_model_load(ctypes.byref(ptr), fn, None, None, None, err, _ERRMSG_CAP)
            cbs.take_error("rs_model_load", st)
            check(st, "rs_model_load", err.value.decode("utf-8", "replace"))
        else:
            st = LIB.rs_model_load_file(ctypes.byref(ptr), path_arg(path), None, None, err,
                                        _ERRMSG_CAP)
            check(st, "rs_model_load_file", err.value.decode("utf-8", "replace"))
        return cls._wrap(ptr)

    def to_bytes(self):
        """The model blob (the same bytes save() writes)."""
        h, size = self._h, _size()
        err = ctypes.create_string_buffer(_ERRMSG_CAP)
        st = LIB.rs_model_save_buffer(h, None, 0, ctypes.byref(size), err, _ERRMSG_CAP)
        if st != _capi.RS_ERR_RANGE or size.value == 0:
            check(st, "rs_model_save_buffer", err.value.decode("utf-8", "replace"))
        buf = ctypes.create_string_buffer(size.value)
        st = LIB.rs_model_save_buffer(h, buf, size.value, ctypes.byref(size), err, _ERRMSG_CAP)
        check(st, "rs_model_save_buffer", err.value.decode("utf-8", "replace"))
        return buf.raw[:size.value]

    @classmethod
    def from_bytes(cls, data):
        """A model read from a blob (bytes, bytearray, memoryview)."""
        data = bytes(data)
        err = ctypes.create_string_buffer(_ERRMSG_CAP)
        ptr = cls._new_ptr()
        st = LIB.rs_model_load_buffer(ctypes.byref(ptr), data, len(data), None, None, err,
                                      _ERRMSG_CAP)
        check(st, "rs_model_load_buffer", err.value.decode("utf-8", "replace"))
        return cls._wrap(ptr)

    def __reduce__(self):
        # pickle and copy go through the library's own model format
        return (_model_from_bytes, (self.to_bytes(),))

    def __repr__(self):
        if self.closed:
            return "<librecsgd.Model closed>"
        return "<librecsgd.Model %s, %d users, %d items>" % (self.scorer, self.num_users,
                                                             self.num_items)


def _model_from_bytes(data):
    return Model.from_bytes(data)
