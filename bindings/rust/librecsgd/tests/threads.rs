// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Send and Sync: shared calls on one model from many threads, models and
//! datasets moved across threads, one dataset feeding concurrent fits.

mod common;
use librecsgd::{Dataset, Error, Model};

fn send_sync<T: Send + Sync>() {}

#[test]
fn handles_and_errors_are_send_and_sync() {
    send_sync::<Model>();
    send_sync::<Dataset>();
    send_sync::<Error>();
}

#[test]
fn shared_calls_run_concurrently_on_one_model() {
    let (train, test) = common::split();
    let m = common::fitted("collaborative", &train);
    let users: Vec<i64> = test.ratings().map(|r| r.user).collect();
    let items: Vec<i64> = test.ratings().map(|r| r.item).collect();
    let want_scores = m.predict_batch(&users, &items).unwrap();
    let want_top: Vec<_> = (1..=50).map(|u| m.recommend(u, 10).unwrap()).collect();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (m, users, items, want_scores, want_top) = (&m, &users, &items, &want_scores, &want_top);
            s.spawn(move || {
                for round in 0..3 {
                    assert_eq!(&m.predict_batch(users, items).unwrap(), want_scores);
                    for u in 1..=50i64 {
                        assert_eq!(&m.recommend(u, 10).unwrap(), &want_top[u as usize - 1]);
                        let p = m.predict(u, (u * 7 + t + round) % 800 + 1).unwrap();
                        assert!(p.score.is_finite());
                    }
                    assert_eq!(m.similar_items(1, 5).unwrap().len(), 5);
                    assert!(!m.to_bytes().unwrap().is_empty());
                }
            });
        }
    });
}

#[test]
fn one_dataset_feeds_fits_on_several_threads() {
    let (train, _) = common::split();
    let reference = common::fitted("collaborative", &train);
    let models: Vec<Model> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let train = &train;
                s.spawn(move || common::fitted("collaborative", train))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for m in &models {
        assert_eq!(m.to_bytes().unwrap(), reference.to_bytes().unwrap(), "fixed seed: the same model");
    }
    // a model moves to another thread and back
    let m = std::thread::spawn(move || {
        let mut m = common::model("hybrid", 2);
        m.fit(&common::split().0, None).unwrap();
        m
    })
    .join()
    .unwrap();
    assert!(m.predict(1, 1).is_ok());
}
