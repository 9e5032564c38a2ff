// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Shared fixtures: data/sample of the source tree, small fitted models.
#![allow(dead_code)]

use librecsgd::{Dataset, Model, Side};
use std::path::PathBuf;

pub fn sample() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../data/sample");
    assert!(d.join("ratings.tsv").exists(), "no data/sample at {}", d.display());
    d
}

/// data/sample with user and item features.
pub fn all() -> Dataset {
    let d = sample();
    let mut ds = Dataset::from_file(d.join("ratings.tsv"), "movielens").unwrap();
    ds.load_features_file(Side::User, d.join("user_features.txt"), "sparse").unwrap();
    ds.load_features_file(Side::Item, d.join("item_features.txt"), "sparse").unwrap();
    ds
}

/// (train, test) of data/sample: 80/20.
pub fn split() -> (Dataset, Dataset) {
    all().split_random(0.2, 42).unwrap()
}

/// A small model of `scorer` with fixed seed, one thread, `epochs` epochs.
pub fn model(scorer: &str, epochs: i64) -> Model {
    let mut m = Model::new(scorer).unwrap();
    m.set("factors", 8).unwrap().set("epochs", epochs).unwrap().set("seed", 7).unwrap().set("threads", 1).unwrap();
    m
}

pub fn fitted(scorer: &str, train: &Dataset) -> Model {
    let mut m = model(scorer, 4);
    m.fit(train, None).unwrap();
    m
}

pub fn has_threads() -> bool {
    librecsgd::build_features().iter().any(|f| f == "threads")
}
