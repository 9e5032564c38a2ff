// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! The cross-language identity workflow (bindings/identity/SPEC.md) in Rust.
//!
//!     identity DATA_DIR OUT_DIR
//!
//! Prints the report on stdout and saves OUT_DIR/rust-<scorer>.model; the
//! output and the files must be byte-identical to the C reference's.

use librecsgd::{Dataset, Model, RankingOptions, Result, Side};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

const IDS: [i64; 4] = [1, 2, 3, 999999];

/// The `predict` block: one rs_predict per pair, user-major.
fn predict_block(model: &Model, out: &mut String) {
    for &u in &IDS {
        for &i in &IDS {
            let (status, score) = match model.predict(u, i) {
                Ok(p) => (if p.fallback { librecsgd::sys::RS_FALLBACK } else { librecsgd::sys::RS_OK }, p.score),
                Err(e) => (e.status(), 0.0f32),
            };
            writeln!(out, "{} {} {} {:08x} {:.6}", u, i, status, score.to_bits(), score as f64).unwrap();
        }
    }
}

/// The `evaluate` block: every entry of both evaluation calls on `test`, in
/// `RS_METRIC_*` index order, as the bits of the double.
fn evaluate_block(model: &Model, test: &Dataset, out: &mut String) -> Result<()> {
    let mut all = model.evaluate_ratings(test)?.entries().to_vec();
    let options = RankingOptions { k: 10, threshold: 4.0, ..Default::default() };
    all.extend_from_slice(model.evaluate_ranking(test, &options)?.entries());
    all.sort_by_key(|e| e.0);
    for (index, value) in all {
        writeln!(out, "{} {:016x}", index, value.to_bits()).unwrap();
    }
    Ok(())
}

fn run(data: &Path, out_dir: &Path) -> Result<String> {
    let mut all = Dataset::from_file(data.join("ratings.tsv"), "movielens")?;
    all.load_features_file(Side::User, data.join("user_features.txt"), "sparse")?;
    all.load_features_file(Side::Item, data.join("item_features.txt"), "sparse")?;
    let (train, test) = all.split_random(0.2, 42)?;
    let mut out = String::new();
    for scorer in ["collaborative", "hybrid"] {
        let mut model = Model::new(scorer)?;
        model.set("factors", 16)?.set("epochs", 8)?.set("seed", 7)?.set("threads", 1)?;
        model.fit(&train, None)?;
        let stats = model.epoch_stats()?;
        let last = stats.last().map_or(f64::NAN, |s| s.train_rmse());
        writeln!(out, "scorer {}", scorer).unwrap();
        writeln!(out, "epochs {} train_rmse {:016x}", stats.len(), last.to_bits()).unwrap();
        for user in 1..=3 {
            writeln!(out, "topk user {}", user).unwrap();
            for (rank, (item, score)) in model.recommend(user, 10)?.iter().enumerate() {
                writeln!(out, "{} {} {:08x} {:.6}", rank + 1, item, score.to_bits(), score as f64).unwrap();
            }
        }
        out.push_str("predict\n");
        predict_block(&model, &mut out);
        out.push_str("evaluate\n");
        evaluate_block(&model, &test, &mut out)?;
        let path = out_dir.join(format!("rust-{}.model", scorer));
        model.save(&path)?;
        let reloaded = Model::load(&path)?;
        out.push_str("reloaded\n");
        predict_block(&reloaded, &mut out);
    }
    Ok(out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: identity DATA_DIR OUT_DIR");
        std::process::exit(2);
    }
    match run(Path::new(&args[1]), Path::new(&args[2])) {
        Ok(report) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(report.as_bytes()).and_then(|_| lock.flush()).expect("writing stdout");
        }
        Err(e) => {
            eprintln!("identity: {}", e);
            std::process::exit(1);
        }
    }
}
