# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Model.evaluate_ratings / evaluate_ranking: the dicts are keyed by the
RS_METRIC_* names, and their values equal an independent computation in
Python from predict_batch (rating metrics) and recommend (ranking metrics,
every formula of docs/guide/evaluation.md applied literally); bad arguments
raise the library's errors."""

import math

import pytest

import librecsgd as rs
from librecsgd import _capi, _names
from conftest import small_model

UNKNOWN_USER, UNKNOWN_ITEM = 999999, 888888


def metric_keys(first, last):
    """The keys of RS_METRIC_<first> .. RS_METRIC_<last>, from the constants."""
    lo, hi = getattr(_capi, "RS_METRIC_" + first), getattr(_capi, "RS_METRIC_" + last)
    return {_names.METRIC_KEYS[i] for i in range(lo, hi + 1)}


@pytest.fixture(scope="module")
def small_test(split):
    """The test ratings of users 1-80 (in the split's order), plus ratings of
    a user the model does not know and of an item it does not know."""
    users, items, ratings, _ = split[1].to_arrays()
    keep = [k for k in range(len(users)) if users[k] <= 80]
    u = [int(users[k]) for k in keep] + [UNKNOWN_USER, UNKNOWN_USER, 1]
    i = [int(items[k]) for k in keep] + [5, 7, UNKNOWN_ITEM]
    r = [float(ratings[k]) for k in keep] + [4.5, 2.0, 5.0]
    ds = rs.Dataset.from_arrays(u, i, r)
    yield ds
    ds.close()


def test_metric_keys_come_from_the_constants():
    names = [n for n in _capi.GROUPS["RS_METRIC"] if not n.startswith("RS_METRIC_COUNT")]
    assert sorted(_names.METRIC_KEYS) == sorted(getattr(_capi, n) for n in names)
    assert _names.METRIC_KEYS[rs.RS_METRIC_RMSE] == "rmse"
    assert _names.METRIC_KEYS[rs.RS_METRIC_HIT_RATE] == "hit_rate"
    assert _names.METRIC_KEYS[rs.RS_METRIC_AUC_USERS] == "auc_users"


def test_each_call_returns_exactly_its_own_entries(collab, small_test):
    ratings = collab.evaluate_ratings(small_test)
    ranking = collab.evaluate_ranking(small_test)
    # eval.h: ratings writes RMSE..UNSCORED, ranking PRECISION..AUC_USERS
    assert set(ratings) == metric_keys("RMSE", "UNSCORED")
    assert set(ranking) == metric_keys("PRECISION", "AUC_USERS")
    assert len(ratings) + len(ranking) == rs.RS_METRIC_COUNT_V0_2
    assert all(isinstance(v, float) for v in list(ratings.values()) + list(ranking.values()))


def reference_ratings(model, test):
    users, items, ratings, _ = test.to_arrays()
    scores, status = model.predict_batch(users, items, return_status=True)
    err = [float(ratings[k]) - float(scores[k]) for k in range(len(test))]
    n = len(err)
    return {"rmse": math.sqrt(sum(e * e for e in err) / n), "mae": sum(abs(e) for e in err) / n,
            "scored": float(n), "fallbacks": float(sum(s == rs.RS_FALLBACK for s in status)),
            "unscored": 0.0}


@pytest.mark.parametrize("fixture", ["collab", "hybrid"])
def test_evaluate_ratings_equals_predict_batch(fixture, small_test, split, request):
    model = request.getfixturevalue(fixture)
    for test in (small_test, split[1]):
        got, want = model.evaluate_ratings(test), reference_ratings(model, test)
        assert set(got) == set(want)
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-12, abs=1e-12), key
    # the unknown user's and the unknown item's ratings were scored by the fallback
    assert model.evaluate_ratings(small_test)["fallbacks"] == 3


def test_cold_start_error_leaves_unknown_ids_unscored(split, small_test):
    train = split[0]
    with small_model(train, cold_start="error") as m:
        m.fit(train)
        got = m.evaluate_ratings(small_test)
    assert got["unscored"] == 3 and got["fallbacks"] == 0
    assert got["scored"] == len(small_test) - 3


def reference_ranking(model, test, k, threshold, exclude=None, candidates=None,
                      include_seen=False):
    """Every metric of docs/guide/evaluation.md from the full rs_topk list of
    every test user (recommend with k = every item)."""
    users, items, ratings, _ = test.to_arrays()
    relevant, order = {}, []
    for u, i, r in zip(users, items, ratings):
        u, i = int(u), int(i)
        if u not in relevant:
            relevant[u] = set()
            order.append(u)
        if r >= threshold:
            relevant[u].add(i)
    excluded = {}
    if exclude is not None:
        for u, i, _, _ in zip(*exclude.to_arrays()):
            excluded.setdefault(int(u), []).append(int(i))
    everything = model.num_items + len(candidates or ())
    sums = dict.fromkeys(("precision", "recall", "ndcg", "map", "hit_rate", "auc"), 0.0)
    n = skipped = fallback = auc_users = 0
    for u in order:
        rel = relevant[u]
        if not rel:
            skipped += 1
            continue
        ranked, st = model.recommend(u, k=everything, filter_seen=not include_seen,
                                     block=excluded.get(u, ()), allow=candidates,
                                     return_status=True)
        n += 1
        fallback += st == rs.RS_FALLBACK
        hit = [i in rel for i, _ in ranked[:k]]
        hits, m = sum(hit), min(k, len(rel))
        sums["precision"] += hits / k
        sums["recall"] += hits / len(rel)
        dcg = sum(1 / math.log2(r + 2) for r in range(len(hit)) if hit[r])
        sums["ndcg"] += dcg / sum(1 / math.log2(r + 2) for r in range(m))
        sums["map"] += sum(sum(hit[:r + 1]) / (r + 1) for r in range(len(hit)) if hit[r]) / m
        sums["hit_rate"] += hits > 0
        pos = [s for i, s in ranked if i in rel]
        neg = [s for i, s in ranked if i not in rel]
        if pos and neg:
            auc_users += 1
            wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
            sums["auc"] += wins / (len(pos) * len(neg))
    out = {key: v / n for key, v in sums.items()}
    out["auc"] = sums["auc"] / auc_users if auc_users else float("nan")
    out.update(users=float(n), users_skipped=float(skipped), users_fallback=float(fallback),
               users_unranked=0.0, auc_users=float(auc_users))
    return out


def assert_same(got, want):
    assert set(got) == set(want)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-9, abs=1e-12, nan_ok=True), key


@pytest.mark.parametrize("fixture", ["collab", "hybrid"])
def test_evaluate_ranking_equals_the_metrics_of_recommend(fixture, small_test, request):
    model = request.getfixturevalue(fixture)
    for k, threshold in ((10, 4.0), (3, 3.5), (1, 4.5)):
        got = model.evaluate_ranking(small_test, k=k, threshold=threshold)
        assert_same(got, reference_ranking(model, small_test, k, threshold))
    got = model.evaluate_ranking(small_test)
    assert got["users_fallback"] == 1 and got["users"] > 50 and got["users_skipped"] > 0


def test_evaluate_ranking_options_equal_recommend_filters(collab, small_test, split):
    train = split[0]
    assert_same(collab.evaluate_ranking(small_test, k=5, include_seen=True),
                reference_ranking(collab, small_test, 5, 4.0, include_seen=True))
    # the training set as the exclusion set removes what the seen lists remove
    seen = collab.evaluate_ranking(small_test, k=5, include_seen=True, exclude=train)
    assert_same(seen, collab.evaluate_ranking(small_test, k=5))
    excl = rs.Dataset.from_arrays([1, 1, 2, 3], [10, 20, 30, 40], [5, 5, 5, 5])
    with excl:
        assert_same(collab.evaluate_ranking(small_test, k=5, exclude=excl),
                    reference_ranking(collab, small_test, 5, 4.0, exclude=excl))
    # candidates: a list or an array of item ids; unknown ids are ignored
    cands = list(range(1, 200, 3)) + [UNKNOWN_ITEM]
    got = collab.evaluate_ranking(small_test, k=5, candidates=cands)
    assert_same(got, reference_ranking(collab, small_test, 5, 4.0, candidates=cands))
    if rs.HAVE_NUMPY:
        import numpy
        assert collab.evaluate_ranking(small_test, k=5, candidates=numpy.array(cands)) == got
    # an empty candidate list ranks nothing (NULL in C would mean every item)
    none = collab.evaluate_ranking(small_test, k=5, candidates=[])
    assert none["hit_rate"] == 0 and none["auc_users"] == 0 and none["users"] == got["users"]
    assert collab.recommend(1, k=5, allow=[]) == []


def test_no_relevant_rating_skips_every_user(collab, small_test):
    """No rating >= threshold: every user is skipped and the means are NaN."""
    got = collab.evaluate_ranking(small_test, threshold=100.0)
    assert got["users"] == 0 and got["users_skipped"] == small_test.num_users
    assert all(math.isnan(got[key]) for key in ("precision", "recall", "ndcg", "map", "auc"))


def test_evaluation_errors(collab, small_test, split):
    with rs.Model("collaborative") as unfitted:
        for call in (lambda: unfitted.evaluate_ratings(small_test),
                     lambda: unfitted.evaluate_ranking(small_test)):
            with pytest.raises(rs.StateError) as e:
                call()
            assert e.value.status == rs.RS_ERR_STATE and e.value.message
            assert e.value.function.startswith("rs_model_evaluate_")
    with pytest.raises(rs.InvalidArgError) as e:
        collab.evaluate_ranking(small_test, k=0)
    assert e.value.status == rs.RS_ERR_INVALID_ARG
    assert e.value.function == "rs_model_evaluate_ranking" and "k 0" in e.value.message
    for bad in (-1, -2 ** 70, 2 ** 64, 2 ** 70):
        with pytest.raises(rs.InvalidArgError):
            collab.evaluate_ranking(small_test, k=bad)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):  # InvalidArgError is a ValueError
            collab.evaluate_ranking(small_test, threshold=bad)
    for bad in (2.5, "10", True):
        with pytest.raises(TypeError):
            collab.evaluate_ranking(small_test, k=bad)
    with pytest.raises(TypeError):
        collab.evaluate_ratings("test.tsv")
    with pytest.raises(TypeError):
        collab.evaluate_ranking(small_test, exclude=[(1, 2)])
    with pytest.raises(TypeError):
        collab.evaluate_ranking(small_test, candidates=["a"])
    closed = rs.Dataset.from_arrays([1], [2], [4.0])
    closed.close()
    with pytest.raises(rs.ClosedError):
        collab.evaluate_ratings(closed)
    with pytest.raises(rs.ClosedError):
        collab.evaluate_ranking(small_test, exclude=closed)
    m = small_model(split[0]).fit(split[0])
    m.close()
    with pytest.raises(rs.ClosedError):
        m.evaluate_ratings(small_test)
