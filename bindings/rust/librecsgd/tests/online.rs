// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! fold_in_user/item, partial_fit, set_features on fitted models.

mod common;
use librecsgd::{sys, Dataset, Side};

#[test]
fn fold_in_user_adds_a_user_who_gets_recommendations() {
    let (train, _) = common::split();
    let mut m = common::fitted("collaborative", &train);
    assert!(m.predict(5000, 1).unwrap().fallback);
    let items = [1i64, 2, 3, 4, 5, 6];
    let ratings = [5.0f32, 4.5, 1.0, 2.0, 5.0, 3.0];
    m.fold_in_user(5000, &items, &ratings).unwrap();
    assert_eq!(m.num_users(), 1001);
    assert!(!m.predict(5000, 1).unwrap().fallback);
    let top = m.recommend(5000, 10).unwrap();
    assert!(!top.fallback);
    assert!(top.ids.iter().all(|i| !items.contains(i)), "folded-in items count as seen");
    let e = m.fold_in_user(5001, &[424242], &[3.0]).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_UNKNOWN_ID);
    assert!(!e.message().is_empty(), "a mutating call reports the library's message");
    assert_eq!(m.num_users(), 1001, "a failed fold-in changes nothing");
    assert_eq!(m.fold_in_user(5001, &[1, 2], &[3.0]).unwrap_err().status(), sys::RS_ERR_INVALID_ARG);
    m.fold_in_item(6000, &[1, 2, 3], &[4.0, 4.0, 2.0]).unwrap();
    assert!(!m.predict(1, 6000).unwrap().fallback);
}

#[test]
fn partial_fit_trains_new_ratings_in() {
    let (train, _) = common::split();
    let mut m = common::fitted("collaborative", &train);
    let new = Dataset::from_slices(&[7000, 7000, 7000, 1], &[1, 2, 3, 7001], &[5.0, 4.0, 1.0, 3.0], None).unwrap();
    assert_eq!(m.partial_fit(&Dataset::new().unwrap(), None).unwrap_err().status(), sys::RS_ERR_EMPTY);
    m.partial_fit(&new, Some(&train)).unwrap();
    assert_eq!(m.num_users(), 1001);
    assert_eq!(m.num_items(), 801);
    assert!(!m.predict(7000, 4).unwrap().fallback);
    let online_epochs = m.get_int("online_epochs").unwrap() as usize;
    assert_eq!(m.epoch_stats().unwrap().len(), online_epochs, "the stats are the online run's");
    let unfitted = common::model("collaborative", 2);
    let mut unfitted = unfitted;
    assert_eq!(unfitted.partial_fit(&new, None).unwrap_err().status(), sys::RS_ERR_STATE);
}

#[test]
fn set_features_registers_cold_items_on_a_hybrid_model() {
    let (train, _) = common::split();
    let mut m = common::fitted("hybrid", &train);
    let horror = m.feature_index(Side::Item, "genre_horror").unwrap();
    let decade = m.feature_index(Side::Item, "decade_2000s").unwrap();
    assert!(m.predict(1, 9000).unwrap().fallback);
    m.set_features(Side::Item, 9000, &[horror, decade], None).unwrap();
    let p = m.predict(1, 9000).unwrap();
    assert!(!p.fallback, "the new item is known through its features");
    // a different feature row gives a different score
    let runtime = m.feature_index(Side::Item, "runtime_hours").unwrap();
    m.set_features(Side::Item, 9001, &[runtime], Some(&[3.0])).unwrap();
    assert_ne!(m.predict(1, 9001).unwrap().score, p.score);
    let n = m.num_features(Side::Item) as i32;
    let e = m.set_features(Side::Item, 9002, &[n], None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_RANGE);
    assert!(!e.message().is_empty());
    let mut c = common::fitted("collaborative", &train);
    c.set_features(Side::Item, 9000, &[], None).unwrap();
    assert!(!c.predict(1, 9000).unwrap().fallback, "known now, scored from the biases");
}
