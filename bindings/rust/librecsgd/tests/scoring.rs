// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! fit, predict (fallback is a visible success), batches, recommend with
//! filters, similar items and users, epoch statistics.

mod common;
use librecsgd::{sys, Filter, Model, Side};
use std::collections::HashSet;

#[test]
fn fit_with_validation_records_epoch_stats() {
    let (train, test) = common::split();
    let mut m = common::model("collaborative", 6);
    assert_eq!(m.predict(1, 1).unwrap_err().status(), sys::RS_ERR_STATE, "not fitted yet");
    m.fit(&train, Some(&test)).unwrap();
    let stats = m.epoch_stats().unwrap();
    assert!(!stats.is_empty() && stats.len() <= 6);
    for (k, s) in stats.iter().enumerate() {
        assert_eq!(s.epoch(), k + 1);
        assert!(s.train_rmse() > 0.0 && s.train_rmse() < 2.0);
        assert!(s.valid_rmse().unwrap() > 0.0);
        assert_eq!(s.get("train_rmse"), Some(s.train_rmse()));
        assert!(s.values().len() >= sys::RS_STAT_COUNT_V0_1 as usize);
        assert!(!s.diverged());
    }
    assert!(stats.iter().any(|s| s.iter().any(|(n, _)| n == "grad_norm_mean")));
    assert!(stats.last().unwrap().train_rmse() < stats[0].train_rmse());
    let plain = common::fitted("collaborative", &train);
    assert!(plain.epoch_stats().unwrap().iter().all(|s| s.valid_rmse().is_none()));
    assert_eq!((m.num_users(), m.num_items()), (1000, 800));
}

#[test]
fn fallback_is_a_success_not_an_error() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let known = m.predict(1, 2).unwrap();
    assert!(!known.fallback);
    assert!(known.score >= 1.0 && known.score <= 5.0);
    let unknown = m.predict(999_999, 2).unwrap();
    assert!(unknown.fallback, "unknown user scored by the fallback chain");
    assert!(unknown.score.is_finite());
    let top = m.recommend(999_999, 5).unwrap();
    assert!(top.fallback);
    assert_eq!(top.len(), 5);
    // with cold_start = error the same call is an error
    let mut strict = common::model("collaborative", 2);
    strict.set("cold_start", "error").unwrap();
    strict.fit(&train, None).unwrap();
    let e = strict.predict(999_999, 2).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_UNKNOWN_ID);
    assert!(!e.message().is_empty());
}

#[test]
fn predict_batch_matches_single_predictions() {
    let (train, test) = common::split();
    let m = common::fitted("hybrid", &train);
    let mut users: Vec<i64> = test.ratings().take(500).map(|r| r.user).collect();
    let mut items: Vec<i64> = test.ratings().take(500).map(|r| r.item).collect();
    users.push(999_999);
    items.push(1);
    let scores = m.predict_batch(&users, &items).unwrap();
    for k in 0..users.len() {
        assert_eq!(scores[k].to_bits(), m.predict(users[k], items[k]).unwrap().score.to_bits());
    }
    let mut out = vec![0f32; users.len()];
    let mut st = vec![-1; users.len()];
    let any_fallback = m.predict_batch_into(&users, &items, &mut out, Some(&mut st)).unwrap();
    assert!(any_fallback);
    assert_eq!(out, scores);
    assert_eq!(st[users.len() - 1], sys::RS_FALLBACK);
    assert!(st[..users.len() - 1].iter().all(|s| *s == sys::RS_OK));
    let e = m.predict_batch(&users, &items[1..]).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert!(m.predict_batch(&[], &[]).unwrap().is_empty());
}

#[test]
fn recommend_filters_seen_block_and_allow() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let seen: HashSet<i64> = train.ratings().filter(|r| r.user == 1).map(|r| r.item).collect();
    assert!(!seen.is_empty());
    let top = m.recommend(1, 10).unwrap();
    assert_eq!(top.len(), 10);
    assert!(!top.fallback);
    assert!(top.ids.iter().all(|i| !seen.contains(i)), "seen items are excluded");
    assert!(top.scores.windows(2).all(|w| w[0] >= w[1]), "best first");
    let with_seen = m.recommend_with(1, 800, &Filter { include_seen: true, ..Filter::default() }).unwrap();
    assert_eq!(with_seen.len(), 800);
    let all = m.recommend(1, 10_000).unwrap();
    assert_eq!(all.len(), 800 - seen.len(), "k larger than the catalogue gives every eligible item");
    let block = [top.ids[0], top.ids[1]];
    let blocked = m.recommend_with(1, 10, &Filter { block: &block, ..Filter::default() }).unwrap();
    assert_eq!(&blocked.ids[..8], &top.ids[2..]);
    let allow = [top.ids[5], top.ids[3], 424242];
    let allowed = m.recommend_with(1, 10, &Filter { allow: Some(&allow), ..Filter::default() }).unwrap();
    assert_eq!(allowed.ids, vec![top.ids[3], top.ids[5]]);
    assert_eq!(allowed.iter().next().unwrap(), (top.ids[3], top.scores[3]));
    assert!(m.recommend(1, 0).unwrap().is_empty());
}

#[test]
fn recommend_batch_equals_recommend_per_user() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let users = [1i64, 2, 3, 999_999, 17];
    let b = m.recommend_batch(&users, 10, false).unwrap();
    assert_eq!(b.len(), users.len());
    assert!(b.fallback, "user 999999 is unknown");
    for (u, &user) in users.iter().enumerate() {
        let one = m.recommend(user, 10).unwrap();
        let (ids, scores) = b.row(u);
        assert_eq!(ids, &one.ids[..]);
        // rs_topk_batch scores in blocks (sgemm): equal up to rounding
        for (a, c) in scores.iter().zip(&one.scores) {
            assert!((a - c).abs() < 1e-4, "{} {}", a, c);
        }
    }
    let mut ids = vec![0i64; users.len() * 3];
    let mut counts = vec![0usize; users.len()];
    m.recommend_batch_into(&users, 3, true, &mut ids, None, &mut counts).unwrap();
    assert!(counts.iter().all(|&c| c == 3));
    let e = m.recommend_batch_into(&users, 4, true, &mut ids, None, &mut counts).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
}

#[test]
fn similar_items_and_users() {
    let (train, _) = common::split();
    let m = common::fitted("collaborative", &train);
    let s = m.similar_items(1, 5).unwrap();
    assert_eq!(s.len(), 5);
    assert!(!s.ids.contains(&1));
    assert!(s.scores.iter().all(|c| *c <= 1.0001 && *c >= -1.0001));
    assert!(s.scores.windows(2).all(|w| w[0] >= w[1]));
    let u = m.similar_users(1, 3).unwrap();
    assert_eq!(u.len(), 3);
    assert!(!u.ids.contains(&1));
    assert_eq!(m.similar_items(424242, 5).unwrap_err().status(), sys::RS_ERR_UNKNOWN_ID);
    assert_eq!(m.user_factors(1).unwrap().len(), 8);
    assert_eq!(m.item_factors(1).unwrap().len(), 8);
    assert_eq!(m.user_factors(424242).unwrap_err().status(), sys::RS_ERR_UNKNOWN_ID);
    assert_eq!(m.num_features(Side::Item), 0);
}

#[test]
fn content_and_hybrid_models_use_features() {
    let (train, _) = common::split();
    for scorer in ["content", "hybrid"] {
        let m = common::fitted(scorer, &train);
        assert!(m.num_features(Side::Item) > 0, "{}", scorer);
        let g = m.feature_index(Side::Item, "genre_horror").unwrap();
        assert!(g >= 0);
        assert_eq!(m.feature_index(Side::Item, "genre_opera").unwrap_err().status(), sys::RS_ERR_UNKNOWN_ID);
        assert!(!m.predict(1, 1).unwrap().fallback);
    }
    let _ = Model::new("content").unwrap();
}
