// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! quickstart.rs: examples/quickstart.c through the Rust binding.
//!
//! 1. load data/sample/ratings.tsv (MovieLens format) and the item features
//!    (only to label the recommendations);
//! 2. hold out 20% of the ratings as a test set, and 10% of the rest as a
//!    validation set for early stopping;
//! 3. fit a collaborative model, printing progress every 10 epochs;
//! 4. print the held-out RMSE next to the global-mean baseline, and the
//!    top-10 recommendations of two users.
//!
//! Run: cargo run --example quickstart [DATA_DIR]   (in bindings/rust; default data/sample)

use librecsgd::{ControlFlow, Dataset, Model, Result, Side};
use std::path::PathBuf;

/// "genre_drama decade_1990s": the item's indicator feature names.
fn item_label(all: &Dataset, item: i64) -> String {
    let (features, values) = all.features(Side::Item, item).unwrap_or_default();
    features
        .iter()
        .zip(values)
        .filter(|(_, v)| *v == 1.0) // real-valued features (runtime) are not labels
        .filter_map(|(f, _)| all.feature_name(Side::Item, *f))
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(dir: PathBuf) -> Result<()> {
    println!("librecsgd {} (features: {})", librecsgd::library_version(), librecsgd::build_features().join(" "));

    // 1. data
    let mut all = Dataset::from_file(dir.join("ratings.tsv"), "movielens")?;
    all.load_features_file(Side::Item, dir.join("item_features.txt"), "sparse")?;
    println!(
        "loaded {} ratings: {} users, {} items, {} item features",
        all.num_ratings(),
        all.num_users(),
        all.num_items(),
        all.num_features(Side::Item)
    );

    // 2. splits: test (20%), then validation (10% of the rest) for early stopping
    let (rest, test) = all.split_random(0.2, 1)?;
    let (train, valid) = rest.split_random(0.1, 2)?;
    println!(
        "split: {} train, {} validation, {} test ratings",
        train.num_ratings(),
        valid.num_ratings(),
        test.num_ratings()
    );

    // 3. model: hyper-parameters by name
    let mut model = Model::new("collaborative")?;
    model.set("factors", 16)?.set("epochs", 200)?.set("patience", 5)?;
    model.set("learning_rate", 0.02)?.set("l2_factors", 0.05)?;
    println!("fitting a collaborative model (16 factors, SGD, at most 200 epochs, early stopping on validation):");
    model.fit_with_progress(&train, Some(&valid), |s| {
        if s.epoch() % 10 == 0 {
            println!(
                "  epoch {:3}  train RMSE {:.4}  validation RMSE {:.4}",
                s.epoch(),
                s.train_rmse(),
                s.valid_rmse().unwrap_or(f64::NAN)
            );
        }
        ControlFlow::Continue(())
    })?;
    let stats = model.epoch_stats()?;
    if let Some(last) = stats.last() {
        println!(
            "  stopped after {} epochs ({:.2} s); validation RMSE of the last epoch {:.4}",
            stats.len(),
            last.seconds(),
            last.valid_rmse().unwrap_or(f64::NAN)
        );
    }

    // 4. results: the whole test set scored in one predict_batch call
    let (mut users, mut items, mut truth) = (Vec::new(), Vec::new(), Vec::new());
    for r in test.ratings() {
        users.push(r.user);
        items.push(r.item);
        truth.push(r.rating as f64);
    }
    let mut scores = vec![0f32; users.len()];
    let mut statuses = vec![0; users.len()];
    model.predict_batch_into(&users, &items, &mut scores, Some(&mut statuses))?;
    let mean = train.ratings().map(|r| r.rating as f64).sum::<f64>() / train.num_ratings().max(1) as f64;
    let n = truth.len().max(1) as f64;
    let rmse = (scores.iter().zip(&truth).map(|(s, t)| (*s as f64 - t).powi(2)).sum::<f64>() / n).sqrt();
    let base = (truth.iter().map(|t| (mean - t).powi(2)).sum::<f64>() / n).sqrt();
    let n_fallback = statuses.iter().filter(|s| **s == librecsgd::sys::RS_FALLBACK).count();
    println!(
        "\nheld-out RMSE: {:.4} on {} test ratings (global-mean baseline {:.4}; {} scored by the cold-start fallback)",
        rmse,
        truth.len(),
        base,
        n_fallback
    );

    for user in [1, 2] {
        let top = model.recommend(user, 10)?;
        println!(
            "\nTop-10 for user {}{} (items the user rated in training are excluded):",
            user,
            if top.fallback { " (unknown user: popularity fallback)" } else { "" }
        );
        // recommend ranks by the raw score; predict gives the clamped rating
        let predicted = model.predict_batch(&vec![user; top.len()], &top.ids)?;
        for (k, ((item, score), rating)) in top.iter().zip(predicted).enumerate() {
            println!(
                "  {:2}. item {:4}  predicted {:.2}  (score {:.2})  {}",
                k + 1,
                item,
                rating,
                score,
                item_label(&all, item)
            );
        }
    }
    Ok(())
}

fn main() {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data/sample"));
    if let Err(e) = run(dir) {
        eprintln!("quickstart: {}", e);
        std::process::exit(1);
    }
}
