// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Dataset: loaders, slices, features, id maps, splits, parameters, errors.

mod common;
use librecsgd::{sys, Dataset, Side, Value};

#[test]
fn from_file_loads_the_sample_and_its_features() {
    let ds = common::all();
    assert_eq!(ds.num_ratings(), 58097);
    assert_eq!(ds.num_users(), 1000);
    assert_eq!(ds.num_items(), 800);
    assert!(ds.num_features(Side::User) > 5);
    assert!(ds.num_features(Side::Item) > 5);
    let names = ds.feature_names(Side::Item);
    assert_eq!(names.len(), ds.num_features(Side::Item));
    assert!(names.iter().any(|n| n == "runtime_hours"), "{:?}", names);
    // item 1: genre_horror decade_2000s runtime_hours:2.1 (data/sample/item_features.txt)
    let (f, v) = ds.features(Side::Item, 1).unwrap();
    assert_eq!(f.len(), 3);
    let named: Vec<(String, f32)> = f.iter().map(|k| ds.feature_name(Side::Item, *k).unwrap()).zip(v).collect();
    assert!(named.contains(&("genre_horror".to_string(), 1.0)), "{:?}", named);
    assert!(named.contains(&("runtime_hours".to_string(), 2.1)), "{:?}", named);
    let first = ds.rating(0).unwrap();
    assert_eq!((first.user, first.item, first.rating, first.weight), (1, 681, 4.4, 1.0));
    assert_eq!(ds.ratings().count(), ds.num_ratings());
}

#[test]
fn from_slices_adds_every_rating_in_one_call() {
    let users = [10i64, 10, 20, 30];
    let items = [1i64, 2, 1, 3];
    let ratings = [5.0f32, 3.0, 4.0, 1.0];
    let ds = Dataset::from_slices(&users, &items, &ratings, None).unwrap();
    assert_eq!((ds.num_ratings(), ds.num_users(), ds.num_items()), (4, 3, 3));
    let got: Vec<(i64, i64, f32, f32)> = ds.ratings().map(|r| (r.user, r.item, r.rating, r.weight)).collect();
    assert_eq!(got, vec![(10, 1, 5.0, 1.0), (10, 2, 3.0, 1.0), (20, 1, 4.0, 1.0), (30, 3, 1.0, 1.0)]);
    let w = Dataset::from_slices(&users, &items, &ratings, Some(&[1.0, 2.0, 0.5, 1.0])).unwrap();
    assert_eq!(w.rating(1).unwrap().weight, 2.0);
    // dense indices in order of first appearance
    assert_eq!(ds.id_to_index(Side::User, 20).unwrap(), 1);
    assert_eq!(ds.index_to_id(Side::Item, 2).unwrap(), 3);
    assert_eq!(ds.id_to_index(Side::User, 99).unwrap_err().status(), sys::RS_ERR_UNKNOWN_ID);
}

#[test]
fn mismatched_slices_are_refused_and_leave_the_dataset_alone() {
    let mut ds = Dataset::new().unwrap();
    ds.add_rating(1, 1, 3.0).unwrap();
    let e = ds.add_ratings(&[1, 2], &[1], &[3.0, 4.0], None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert!(e.message().contains("items"), "{}", e);
    let e = ds.add_ratings(&[1], &[1], &[3.0], Some(&[1.0, 2.0])).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert_eq!(ds.num_ratings(), 1);
    ds.add_weighted_rating(2, 2, 4.0, 0.5).unwrap();
    assert_eq!(ds.rating(1).unwrap().weight, 0.5);
}

#[test]
fn library_errors_carry_status_and_message() {
    let e = Dataset::from_file("/nonexistent/ratings.tsv", "movielens").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_IO);
    assert_eq!(e.status_name(), "RS_ERR_IO");
    assert!(e.message().contains("/nonexistent/ratings.tsv"), "{}", e);
    assert!(!e.is_callback_panic());
    let e = Dataset::from_reader(&b"1 2 notanumber\n"[..], "movielens", "bad.txt").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_FORMAT);
    assert!(e.message().contains("bad.txt"), "{}", e);
    assert!(format!("{}", e).ends_with("(RS_ERR_FORMAT)"), "{}", e);
    let e = Dataset::from_file(common::sample().join("ratings.tsv"), "parquet").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_INVALID_ARG);
    assert!(e.message().contains("movielens, csv, libmf"), "{}", e);
}

#[test]
fn readers_feed_ratings_and_features() {
    let text = "# comment\n1 10 4\n1 11 2\n2 10 5\n";
    let mut ds = Dataset::from_reader(text.as_bytes(), "movielens", "mem").unwrap();
    assert_eq!(ds.num_ratings(), 3);
    ds.load_features_reader(Side::Item, "10 genre_a genre_b:0.5\n11 genre_b\n".as_bytes(), "sparse", "feat").unwrap();
    assert_eq!(ds.num_features(Side::Item), 2);
    let (f, v) = ds.features(Side::Item, 10).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(v, vec![1.0, 0.5]);
}

struct Failing;
impl std::io::Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::Other, "disk on fire"))
    }
}
struct Panicking;
impl std::io::Read for Panicking {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        panic!("reader exploded")
    }
}

#[test]
fn reader_errors_and_panics_fail_the_load_cleanly() {
    let e = Dataset::from_reader(Failing, "movielens", "f").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_IO);
    assert!(e.message().contains("disk on fire"), "{}", e);
    let e = Dataset::from_reader(Panicking, "movielens", "p").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_CANCELLED);
    assert!(e.is_callback_panic());
    assert!(e.message().contains("reader exploded"), "{}", e);
}

#[test]
fn dataset_parameters_by_name_drive_the_csv_loader() {
    let mut ds = Dataset::new().unwrap();
    ds.set("csv_delimiter", ';').unwrap().set("rating_max", 5).unwrap();
    assert_eq!(ds.get("csv_delimiter").unwrap(), Value::Int(';' as i64));
    assert_eq!(ds.get("rating_max").unwrap(), Value::Real(5.0));
    ds.load_reader("user;item;rating\n1;2;3.5\n2;2;4\n".as_bytes(), "csv", "semi.csv").unwrap();
    assert_eq!(ds.num_ratings(), 2);
    let e = ds.load_reader("user;item;rating\n1;3;9\n".as_bytes(), "csv", "high.csv").unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_FORMAT);
    assert!(e.message().contains("outside the accepted range [-1e+06, 5]"), "{}", e);
    assert_eq!(ds.num_ratings(), 2, "a failed load leaves the dataset as it was");
    assert_eq!(ds.set("no_such_param", 1).unwrap_err().status(), sys::RS_ERR_UNKNOWN_PARAM);
}

#[test]
fn features_set_get_declare_and_standardize() {
    let mut ds = Dataset::from_slices(&[1, 2, 3], &[1, 1, 2], &[3.0, 4.0, 5.0], None).unwrap();
    let a = ds.add_feature(Side::User, "age").unwrap();
    let b = ds.add_feature(Side::User, "student").unwrap();
    assert_eq!(ds.add_feature(Side::User, "age").unwrap(), a, "an existing name is found");
    ds.set_features(Side::User, 1, &[a, b], Some(&[20.0, 1.0])).unwrap();
    ds.set_features(Side::User, 2, &[a], Some(&[40.0])).unwrap();
    ds.set_features(Side::User, 3, &[b], None).unwrap();
    assert_eq!(ds.features(Side::User, 3).unwrap(), (vec![b], vec![1.0]));
    let e = ds.set_features(Side::User, 1, &[a, a], None).unwrap_err();
    assert_eq!(e.status(), sys::RS_ERR_FORMAT);
    assert!(!e.message().is_empty());
    assert_eq!(ds.set_features(Side::User, 1, &[a], Some(&[1.0, 2.0])).unwrap_err().status(), sys::RS_ERR_INVALID_ARG);
    ds.standardize_features(Side::User).unwrap();
    let (_, v1) = ds.features(Side::User, 1).unwrap();
    let (_, v2) = ds.features(Side::User, 2).unwrap();
    assert!((v1[0] + v2[0]).abs() < 1e-5 && v1[0] < 0.0, "age standardised: {} {}", v1[0], v2[0]);
    assert_eq!(v1[1], 1.0, "an all-equal indicator is left alone");
    assert_eq!(ds.feature_name(Side::User, 99), None);
}

#[test]
fn splits_partition_the_ratings() {
    let all = common::all();
    let (train, test) = all.split_random(0.2, 42).unwrap();
    assert_eq!(train.num_ratings() + test.num_ratings(), all.num_ratings());
    let share = test.num_ratings() as f64 / all.num_ratings() as f64;
    assert!((share - 0.2).abs() < 0.01, "{}", share);
    // both parts keep the id maps and features
    assert_eq!(test.num_users(), all.num_users());
    assert_eq!(test.features(Side::Item, 1).unwrap(), all.features(Side::Item, 1).unwrap());
    let (again, _) = all.split_random(0.2, 42).unwrap();
    assert_eq!(again.rating(0).unwrap(), train.rating(0).unwrap(), "same seed, same split");

    let (tr, te) = all.split_per_user(2, 1).unwrap();
    assert_eq!(tr.num_ratings() + te.num_ratings(), all.num_ratings());
    let mut per_user = std::collections::HashMap::new();
    for r in te.ratings() {
        *per_user.entry(r.user).or_insert(0) += 1;
    }
    assert!(per_user.values().all(|&n| n == 2));
    assert!(per_user.len() > 900);
    assert_eq!(all.split_random(1.5, 1).unwrap_err().status(), sys::RS_ERR_RANGE);
}
