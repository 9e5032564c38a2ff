// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! evaluate_ratings / evaluate_ranking against an independent computation in
//! Rust: the rating metrics from predict_batch, every ranking metric of
//! docs/guide/evaluation.md from the full recommend list of each test user;
//! the entries are named by the RS_METRIC_* constants; errors keep their
//! status.

mod common;
use librecsgd::{metric_name, sys, Dataset, Filter, Metrics, Model, RankingOptions};
use std::collections::{HashMap, HashSet};

const UNKNOWN_USER: i64 = 999_999;
const UNKNOWN_ITEM: i64 = 888_888;

/// The test ratings of users 1-80, plus ratings of a user and of an item
/// the model does not know.
fn small_test(test: &Dataset) -> Dataset {
    let mut u = Vec::new();
    let mut i = Vec::new();
    let mut r = Vec::new();
    for x in test.ratings().filter(|x| x.user <= 80) {
        u.push(x.user);
        i.push(x.item);
        r.push(x.rating);
    }
    u.extend([UNKNOWN_USER, UNKNOWN_USER, 1]);
    i.extend([5, 7, UNKNOWN_ITEM]);
    r.extend([4.5, 2.0, 5.0]);
    Dataset::from_slices(&u, &i, &r, None).unwrap()
}

fn indices(m: &Metrics) -> Vec<i32> {
    m.entries().iter().map(|e| e.0).collect()
}

fn near(a: f64, b: f64, rel: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

fn assert_same(what: &str, got: &Metrics, want: &[(i32, f64)], rel: f64) {
    assert_eq!(indices(got), want.iter().map(|w| w.0).collect::<Vec<_>>(), "{}: entries", what);
    for (k, v) in want {
        let g = got.value(*k).unwrap();
        assert!(near(g, *v, rel), "{}: {} = {:.17}, independent computation {:.17}", what, metric_name(*k), g, v);
    }
}

#[test]
fn metric_names_come_from_the_constants() {
    assert_eq!(metric_name(sys::RS_METRIC_RMSE), "rmse");
    assert_eq!(metric_name(sys::RS_METRIC_HIT_RATE), "hit_rate");
    assert_eq!(metric_name(sys::RS_METRIC_AUC_USERS), "auc_users");
    assert_eq!(metric_name(99), "metric_99");
    let names: HashSet<String> = (0..sys::RS_METRIC_COUNT_V0_2).map(metric_name).collect();
    assert_eq!(names.len(), sys::RS_METRIC_COUNT_V0_2 as usize);
    assert!(names.iter().all(|n| !n.starts_with("metric_")));
}

fn reference_ratings(m: &Model, test: &Dataset) -> Vec<(i32, f64)> {
    let users: Vec<i64> = test.ratings().map(|r| r.user).collect();
    let items: Vec<i64> = test.ratings().map(|r| r.item).collect();
    let mut scores = vec![0f32; users.len()];
    let mut statuses = vec![0; users.len()];
    m.predict_batch_into(&users, &items, &mut scores, Some(&mut statuses)).unwrap();
    let (mut se, mut ae) = (0f64, 0f64);
    for (r, s) in test.ratings().zip(&scores) {
        let e = r.rating as f64 - *s as f64;
        se += e * e;
        ae += e.abs();
    }
    let n = users.len() as f64;
    let fallbacks = statuses.iter().filter(|s| **s == sys::RS_FALLBACK).count() as f64;
    vec![
        (sys::RS_METRIC_RMSE, (se / n).sqrt()),
        (sys::RS_METRIC_MAE, ae / n),
        (sys::RS_METRIC_SCORED, n),
        (sys::RS_METRIC_FALLBACKS, fallbacks),
        (sys::RS_METRIC_UNSCORED, 0.0),
    ]
}

#[test]
fn evaluate_ratings_equals_predict_batch() {
    let (train, test) = common::split();
    let small = small_test(&test);
    for scorer in ["collaborative", "hybrid"] {
        let m = common::fitted(scorer, &train);
        for t in [&small, &test] {
            let got = m.evaluate_ratings(t).unwrap();
            assert_same(scorer, &got, &reference_ratings(&m, t), 1e-12);
        }
        let got = m.evaluate_ratings(&small).unwrap();
        assert_eq!(got.get("fallbacks"), Some(3.0), "an unknown user's two ratings, an unknown item's one");
        assert_eq!(got.len(), 5);
    }
}

#[test]
fn cold_start_error_leaves_unknown_ids_unscored() {
    let (train, test) = common::split();
    let small = small_test(&test);
    let mut m = common::model("collaborative", 3);
    m.set("cold_start", "error").unwrap();
    m.fit(&train, None).unwrap();
    let got = m.evaluate_ratings(&small).unwrap();
    assert_eq!(got.get("unscored"), Some(3.0));
    assert_eq!(got.get("fallbacks"), Some(0.0));
    assert_eq!(got.get("scored"), Some((small.num_ratings() - 3) as f64));
}

/// The formulas of docs/guide/evaluation.md applied to the full recommend
/// list of every test user.
fn reference_ranking(m: &Model, test: &Dataset, o: &RankingOptions<'_>) -> Vec<(i32, f64)> {
    let mut relevant: HashMap<i64, HashSet<i64>> = HashMap::new();
    let mut order = Vec::new();
    for r in test.ratings() {
        if !relevant.contains_key(&r.user) {
            order.push(r.user);
        }
        let rel = relevant.entry(r.user).or_default();
        if r.rating as f64 >= o.threshold {
            rel.insert(r.item);
        }
    }
    let mut excluded: HashMap<i64, Vec<i64>> = HashMap::new();
    if let Some(x) = o.exclude {
        for r in x.ratings() {
            excluded.entry(r.user).or_default().push(r.item);
        }
    }
    let (mut prec, mut rec, mut ndcg, mut ap, mut hit_rate, mut auc) = (0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
    let (mut n, mut skipped, mut fallback, mut auc_users) = (0f64, 0f64, 0f64, 0f64);
    let none = Vec::new();
    for u in order {
        let rel = &relevant[&u];
        if rel.is_empty() {
            skipped += 1.0;
            continue;
        }
        let filter = Filter {
            include_seen: o.include_seen,
            block: excluded.get(&u).unwrap_or(&none),
            allow: o.candidates,
        };
        let ranked = m.recommend_with(u, m.num_items(), &filter).unwrap();
        n += 1.0;
        if ranked.fallback {
            fallback += 1.0;
        }
        let (mut hits, mut dcg, mut sum_prec) = (0f64, 0f64, 0f64);
        for (r, id) in ranked.ids.iter().take(o.k).enumerate() {
            if rel.contains(id) {
                hits += 1.0;
                dcg += 1.0 / (r as f64 + 2.0).log2();
                sum_prec += hits / (r + 1) as f64;
            }
        }
        let mm = o.k.min(rel.len());
        let idcg: f64 = (0..mm).map(|r| 1.0 / (r as f64 + 2.0).log2()).sum();
        prec += hits / o.k as f64;
        rec += hits / rel.len() as f64;
        ndcg += dcg / idcg;
        ap += sum_prec / mm as f64;
        if hits > 0.0 {
            hit_rate += 1.0;
        }
        let pos: Vec<f32> = ranked.iter().filter(|(i, _)| rel.contains(i)).map(|(_, s)| s).collect();
        let neg: Vec<f32> = ranked.iter().filter(|(i, _)| !rel.contains(i)).map(|(_, s)| s).collect();
        if !pos.is_empty() && !neg.is_empty() {
            let mut wins = 0f64;
            for p in &pos {
                for q in &neg {
                    wins += if p > q { 1.0 } else if p == q { 0.5 } else { 0.0 };
                }
            }
            auc += wins / (pos.len() * neg.len()) as f64;
            auc_users += 1.0;
        }
    }
    let auc_mean = if auc_users > 0.0 { auc / auc_users } else { f64::NAN };
    vec![
        (sys::RS_METRIC_PRECISION, prec / n),
        (sys::RS_METRIC_RECALL, rec / n),
        (sys::RS_METRIC_NDCG, ndcg / n),
        (sys::RS_METRIC_MAP, ap / n),
        (sys::RS_METRIC_HIT_RATE, hit_rate / n),
        (sys::RS_METRIC_AUC, auc_mean),
        (sys::RS_METRIC_USERS, n),
        (sys::RS_METRIC_USERS_SKIPPED, skipped),
        (sys::RS_METRIC_USERS_FALLBACK, fallback),
        (sys::RS_METRIC_USERS_UNRANKED, 0.0),
        (sys::RS_METRIC_AUC_USERS, auc_users),
    ]
}

#[test]
fn evaluate_ranking_equals_the_metrics_of_recommend() {
    let (train, test) = common::split();
    let small = small_test(&test);
    let excl = Dataset::from_slices(&[1, 1, 2, 3], &[10, 20, 30, 40], &[5.0; 4], None).unwrap();
    let mut cands: Vec<i64> = (1..200).step_by(3).collect();
    cands.push(UNKNOWN_ITEM);
    let d = RankingOptions::default();
    let cases = [
        d,
        RankingOptions { k: 3, threshold: 3.5, ..d },
        RankingOptions { k: 1, threshold: 4.5, ..d },
        RankingOptions { k: 5, include_seen: true, ..d },
        RankingOptions { k: 5, exclude: Some(&excl), ..d },
        RankingOptions { k: 5, candidates: Some(&cands), ..d },
    ];
    for scorer in ["collaborative", "hybrid"] {
        let m = common::fitted(scorer, &train);
        for o in &cases {
            let got = m.evaluate_ranking(&small, o).unwrap();
            assert_same(scorer, &got, &reference_ranking(&m, &small, o), 1e-9);
        }
        let def = m.evaluate_ranking(&small, &d).unwrap();
        assert_eq!(def.get("users_fallback"), Some(1.0));
        assert!(def.get("users").unwrap() > 50.0 && def.get("users_skipped").unwrap() > 0.0);
    }
    let m = common::fitted("collaborative", &train);
    // the training set as the exclusion set removes what the seen lists remove
    let a = m.evaluate_ranking(&small, &RankingOptions { k: 5, include_seen: true, exclude: Some(&train), ..d }).unwrap();
    let b = m.evaluate_ranking(&small, &RankingOptions { k: 5, ..d }).unwrap();
    assert_same("exclude = train", &a, b.entries(), 1e-12);
    // an empty candidate list ranks nothing (None ranks every item)
    let none = m.evaluate_ranking(&small, &RankingOptions { k: 5, candidates: Some(&[]), ..d }).unwrap();
    assert_eq!(none.get("hit_rate"), Some(0.0));
    assert_eq!(none.get("auc_users"), Some(0.0));
    assert_eq!(none.get("users"), b.get("users"));
    // no relevant rating: every user skipped, the means NaN
    let high = m.evaluate_ranking(&small, &RankingOptions { threshold: 100.0, ..d }).unwrap();
    assert_eq!(high.get("users"), Some(0.0));
    assert_eq!(high.get("users_skipped"), Some(small.num_users() as f64));
    assert!(high.get("ndcg").unwrap().is_nan());
    // the two calls fill disjoint entries that together are every metric
    let mut all: Vec<i32> = indices(&m.evaluate_ratings(&small).unwrap());
    all.extend(indices(&b));
    assert_eq!(all, (0..sys::RS_METRIC_COUNT_V0_2).collect::<Vec<_>>());
    let names: Vec<String> = b.iter().map(|(n, _)| n).collect();
    assert_eq!(names[0], "precision");
}

#[test]
fn evaluation_errors_keep_their_status() {
    let (train, test) = common::split();
    let unfitted = common::model("collaborative", 2);
    let e = unfitted.evaluate_ratings(&test).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_STATE);
    assert!(!e.message().is_empty());
    let e = unfitted.evaluate_ranking(&test, &RankingOptions::default()).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_STATE);
    let m = common::fitted("collaborative", &train);
    let d = RankingOptions::default();
    for o in [
        RankingOptions { k: 0, ..d },
        RankingOptions { threshold: f64::NAN, ..d },
        RankingOptions { threshold: f64::INFINITY, ..d },
    ] {
        let e = m.evaluate_ranking(&test, &o).unwrap_err();
        assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG, "{:?}", o);
        assert_eq!(e.status_name(), "RS_ERR_INVALID_ARG");
    }
}

#[test]
fn evaluation_runs_beside_serving_on_other_threads() {
    let (train, test) = common::split();
    let m = common::fitted("hybrid", &train);
    let want = m.evaluate_ranking(&test, &RankingOptions::default()).unwrap();
    let top = m.recommend(1, 10).unwrap();
    std::thread::scope(|s| {
        let a = s.spawn(|| m.evaluate_ranking(&test, &RankingOptions::default()).unwrap());
        let b = s.spawn(|| (0..50).all(|_| m.recommend(1, 10).unwrap() == top));
        assert_eq!(a.join().unwrap(), want);
        assert!(b.join().unwrap());
    });
}
