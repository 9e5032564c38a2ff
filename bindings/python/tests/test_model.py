# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Model: keyword parameters, fitting, scoring, batches, similarity, online
updates, cold start, persistence and pickling, epoch statistics."""

import array
import gc
import io
import pickle
import weakref

import pytest

import librecsgd as rs
from librecsgd import _buffers, _capi, _names
from conftest import small_model

np = _buffers.numpy


# ---- construction and parameters ----

def test_context_manager_close_and_finaliser():
    with rs.Model("collaborative") as m:
        assert m.scorer == "collaborative"
    assert m.closed
    with pytest.raises(rs.ClosedError):
        m.get_param("factors")
    m2 = rs.Model()
    fin, ref = m2._finalizer, weakref.ref(m2)
    del m2
    gc.collect()
    assert ref() is None and not fin.alive


def test_scorers_by_name_and_value():
    for name, value in _names.choices("RS_SCORER").items():
        if name == "content" and "content" not in rs.build_features():
            continue
        with rs.Model(name) as a, rs.Model(value) as b:
            assert a.scorer == b.scorer == name
    with pytest.raises(ValueError):
        rs.Model("bayesian")


def test_every_hyper_parameter_is_a_keyword():
    """Every parameter the library knows (rs_param_name over the RS_PARAM_*
    constants) is settable by keyword, with no list in the binding."""
    with rs.Model("hybrid") as m:
        params = m.get_params()
    assert params["factors"] == 128 and params["lr_policy"] == "auto"
    model_params = [n for n in _capi.GROUPS["RS_PARAM"]
                    if n not in ("RS_PARAM_SCORER",) and
                    rs._core.LIB.rs_param_name(getattr(_capi, n)).decode() in params]
    assert len(model_params) >= 30
    read_only = ("scorer", "epochs_trained")  # fixed by Model(), and model state
    settable = {k: v for k, v in params.items() if k not in read_only}
    with rs.Model("hybrid", **settable) as m:
        assert {k: v for k, v in m.get_params().items() if k not in read_only} == settable


def test_keywords_reach_the_library():
    with rs.Model(factors=24, learning_rate=0.02, epochs=3, lr_policy="adagrad",
                  init="uniform", clip="norm", cold_start="error", on_divergence="halve_lr") as m:
        assert m.get_param("factors") == 24
        assert m.get_param("learning_rate") == 0.02
        assert m.get_param("lr_policy") == "adagrad"
        assert m.get_param("init") == "uniform" and m.get_param("clip") == "norm"
        assert m.get_param("cold_start") == "error" and m.get_param("on_divergence") == "halve_lr"
        m.set_params(lr_policy=rs.RS_LR_ADAM, factors=8.0, learning_rate=1)  # values, coerced
        assert m.get_param("lr_policy") == "adam" and m.get_param("factors") == 8
        assert m.get_param("learning_rate") == 1.0
        with pytest.raises(ValueError) as e:
            m.set_params(lr_policy="sometimes")
        assert "adagrad" in str(e.value)  # the names come from the RS_LR group
        with pytest.raises(rs.ParamTypeError):
            m.set_params(factors=2.5)
        with pytest.raises(rs.RangeError):
            m.set_params(scorer="hybrid")  # read-only
        with pytest.raises(TypeError):
            m.set_params(factors=[1])


def test_enumerated_names_come_from_the_constant_groups():
    assert _names.choices("RS_LR") == {"constant": rs.RS_LR_CONSTANT,
                                       "inverse_time": rs.RS_LR_INVERSE_TIME,
                                       "adagrad": rs.RS_LR_ADAGRAD, "adam": rs.RS_LR_ADAM,
                                       "auto": rs.RS_LR_AUTO}
    for param, group in _capi.PARAM_CHOICES.items():
        assert _names.PARAM_GROUPS[getattr(_capi, param)] == group


def test_param_bounds():
    assert rs.Model.param_bounds("factors") == (1.0, 4096.0)
    with pytest.raises(rs.UnknownParamError):
        rs.param_bounds("nope")


# ---- training and scoring ----

def test_fit_and_predict(collab, split):
    assert collab.num_users == split[0].num_users and collab.num_items == split[0].num_items
    s = collab.predict(1, 2)
    assert 1.0 <= s <= 5.0
    with pytest.raises(TypeError):
        collab.fit("ratings.tsv")


def test_fit_with_validation_keeps_best_epoch(split):
    train, test = split
    with small_model(train, epochs=6) as m:
        m.fit(train, test)
        stats = m.epoch_stats()
        assert all(s["valid_rmse"] == s["valid_rmse"] for s in stats)  # not NaN


def test_epoch_stats_keys_are_the_stat_names(collab):
    stats = collab.epoch_stats()
    assert len(stats) == 5
    keys = [n[len("RS_STAT_"):].lower() for n in _capi.GROUPS["RS_STAT"]
            if not n.startswith("RS_STAT_COUNT")]
    assert list(stats[0])[:len(keys)] == keys
    assert [s["epoch"] for s in stats] == [1, 2, 3, 4, 5]
    assert stats[-1]["train_rmse"] < stats[0]["train_rmse"]


def test_predict_batch_matches_predict(collab):
    users, items = [1, 2, 3, 999999], [5, 6, 999999, 7]
    scores, status = collab.predict_batch(users, items, return_status=True)
    for k in range(4):
        s, st = collab.predict(users[k], items[k], return_status=True)
        assert scores[k] == pytest.approx(s, abs=0) and status[k] == st
    assert list(status) == [rs.RS_OK, rs.RS_OK, rs.RS_FALLBACK, rs.RS_FALLBACK]
    if np is not None:
        assert isinstance(scores, np.ndarray) and scores.dtype == np.float32
        many = collab.predict_batch(np.arange(1, 1001), np.arange(1, 1001) % 800 + 1)
        assert many.shape == (1000,)
    with pytest.raises(ValueError):
        collab.predict_batch([1, 2], [1])


def test_predict_batch_without_numpy(collab, monkeypatch):
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", False)
    scores = collab.predict_batch(array.array("q", [1, 2]), [3, 4])
    assert isinstance(scores, array.array) and scores.typecode == "f"
    assert list(scores) == [collab.predict(1, 3), collab.predict(2, 4)]
    rec = collab.recommend_batch([1, 2], k=3)
    assert isinstance(rec.items, array.array) and rec[1] == collab.recommend(2, k=3)


def test_recommend(collab, split):
    top = collab.recommend(1, k=10)
    assert len(top) == 10 and all(isinstance(i, int) and isinstance(s, float) for i, s in top)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    seen = {int(i) for u, i in zip(*split[0].to_arrays()[:2]) if u == 1}
    assert not seen & {i for i, _ in top}
    with_seen = collab.recommend(1, k=800, filter_seen=False)
    assert seen <= {i for i, _ in with_seen}
    blocked = collab.recommend(1, k=10, block=[top[0][0], top[1][0]])
    assert blocked[0] == top[2]
    allowed = collab.recommend(1, k=10, allow=[top[5][0], top[3][0], 123456])
    assert allowed == [top[3], top[5]]
    assert collab.recommend(1, k=0) == []


def test_recommend_batch_matches_recommend(collab):
    users = list(range(1, 51)) + [999999]
    rec = collab.recommend_batch(users, k=7)
    assert len(rec) == len(users) and rec.fallback and rec.status == rs.RS_FALLBACK
    for row, u in enumerate(users):
        assert rec[row] == pytest.approx(collab.recommend(u, k=7))
    if np is not None:
        assert rec.items.shape == (51, 7) and rec.scores.dtype == np.float32
        assert list(rec.counts) == [7] * 51
    assert len(rec.tolist()) == 51 and rec[-1] == rec[50]
    with_seen = collab.recommend_batch([1], k=5, filter_seen=False)
    assert with_seen[0] == pytest.approx(collab.recommend(1, k=5, filter_seen=False))


def test_similar_items_and_users(collab):
    items = collab.similar_items(1, k=5)
    assert len(items) == 5 and 1 not in [i for i, _ in items]
    assert all(-1.0001 <= s <= 1.0001 for _, s in items)
    users = collab.similar_users(1, k=3)
    assert len(users) == 3 and 1 not in [u for u, _ in users]
    with pytest.raises(rs.UnknownIdError):
        collab.similar_items(123456)


def test_factors(collab):
    f = collab.user_factors(1)
    assert len(f) == 8
    assert len(collab.item_factors(1)) == 8


# ---- online updates and cold start ----

def test_fold_in_user(split):
    train = split[0]
    with small_model(train) as m:
        m.fit(train)
        _, st = m.predict(777777, 1, return_status=True)
        assert st == rs.RS_FALLBACK
        m.fold_in_user(777777, [1, 2, 3, 4], [5.0, 4.5, 1.0, 2.0])
        _, st = m.predict(777777, 1, return_status=True)
        assert st == rs.RS_OK and m.num_users == train.num_users + 1
        m.fold_in_item(888888, [1, 2], [3.0, 4.0])
        assert m.predict(1, 888888, return_status=True)[1] == rs.RS_OK
        with pytest.raises(ValueError):
            m.fold_in_user(5, [1, 2], [1.0])


def test_partial_fit(split):
    train = split[0]
    with small_model(train) as m, rs.Dataset.from_arrays([1, 555555, 555555], [2, 3, 4],
                                                         [5.0, 4.0, 3.0]) as new:
        m.fit(train)
        before = m.num_users
        m.partial_fit(new, replay=train)
        assert m.num_users == before + 1
        assert m.predict(555555, 3, return_status=True)[1] == rs.RS_OK
        assert len(m.epoch_stats()) == m.get_param("online_epochs")


def test_set_features_cold_start(hybrid, split):
    m = rs.Model.from_bytes(hybrid.to_bytes())
    with m:
        feats = split[0].get_features("item", 1)
        m.set_features("item", 424242, feats)  # names, mapped by rs_model_feature_index
        s, st = m.predict(1, 424242, return_status=True)
        assert st == rs.RS_OK
        idx = [m.feature_index("item", n) for n in feats]
        m.set_features("item", 434343, idx, list(feats.values()))
        assert m.predict(1, 434343) == s
        assert m.num_features("item") == split[0].num_features("item")
        with pytest.raises(rs.UnknownIdError):
            m.feature_index("item", "genre_none")


# ---- persistence ----

def test_save_and_load_path(collab, tmp_path):
    path = tmp_path / "m.model"
    collab.save(str(path))
    with rs.Model.load(path) as back:
        assert back.recommend(1, k=10) == collab.recommend(1, k=10)
        assert back.to_bytes() == collab.to_bytes() == path.read_bytes()


def test_save_and_load_file_objects(collab):
    buf = io.BytesIO()
    collab.save(buf)
    assert buf.getvalue() == collab.to_bytes()
    buf.seek(0)
    with rs.Model.load(buf) as back:
        assert back.predict(2, 3) == collab.predict(2, 3)


def test_bytes_and_pickle(collab):
    blob = collab.to_bytes()
    with rs.Model.from_bytes(blob) as a, rs.Model.from_bytes(bytearray(blob)) as b:
        assert a.predict(1, 1) == b.predict(1, 1) == collab.predict(1, 1)
    back = pickle.loads(pickle.dumps(collab))
    assert back.to_bytes() == blob and back.get_params() == collab.get_params()
    back.close()
    with pytest.raises(rs.FormatError) as e:
        rs.Model.from_bytes(blob[:100])
    assert e.value.message and e.value.function == "rs_model_load_buffer"
    with pytest.raises(rs.IoError):
        rs.Model.load("/nonexistent/dir/m.model")


def test_default_scorer_is_hybrid():
    if "hybrid" not in rs.build_features():
        with pytest.raises(rs.NotBuiltError):
            rs.Model()
        return
    with rs.Model() as m:
        assert m.scorer == "hybrid" and m.get_param("scorer") == "hybrid"
