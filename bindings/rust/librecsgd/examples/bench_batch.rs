// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! bench_batch: the safe crate's batch calls against the same C calls made
//! directly through librecsgd-sys, on one fitted model.
//!
//!     bench_batch [RATINGS_FILE] [PAIRS]
//!
//! RATINGS_FILE defaults to data/sample/ratings.tsv (MovieLens format; the
//! MovieLens 100K `u.data` works too), PAIRS to 1000000. Prints, for
//! `predict_batch` over PAIRS pairs and `recommend_batch` (k = 10) for every
//! user, the best of 5 runs through each path and their ratio. Timings on a
//! loaded machine mean little; run it on a quiet one, or count instructions
//! (valgrind --tool=callgrind) instead.

use librecsgd::{sys, Dataset, Model, Result};
use std::time::Instant;

fn best_of<F: FnMut()>(mut f: F) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).cloned().unwrap_or_else(|| "data/sample/ratings.tsv".into());
    let n_pairs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let ds = Dataset::from_file(&path, "movielens")?;
    let mut model = Model::new("collaborative")?;
    model.set("factors", 64)?.set("epochs", 5)?.set("threads", 1)?;
    model.fit(&ds, None)?;
    let users: Vec<i64> = (0..ds.num_users() as i32).map(|k| ds.index_to_id(librecsgd::Side::User, k)).collect::<Result<_>>()?;
    let items: Vec<i64> = (0..ds.num_items() as i32).map(|k| ds.index_to_id(librecsgd::Side::Item, k)).collect::<Result<_>>()?;
    // deterministic pseudo-random pairs
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let pu: Vec<i64> = (0..n_pairs).map(|_| users[next(users.len())]).collect();
    let pi: Vec<i64> = (0..n_pairs).map(|_| items[next(items.len())]).collect();
    println!("{}: {} users, {} items; {} pairs; 64 factors", path, users.len(), items.len(), n_pairs);

    let mut sink = 0f64;
    let safe = best_of(|| sink += model.predict_batch(&pu, &pi).unwrap()[0] as f64);
    let raw = best_of(|| {
        let mut out = vec![0f32; n_pairs];
        // SAFETY: buffers of n_pairs entries; a shared call.
        let st = unsafe { sys::rs_predict_batch(model.as_ptr(), pu.as_ptr(), pi.as_ptr(), n_pairs, out.as_mut_ptr(), std::ptr::null_mut()) };
        assert!(st == sys::RS_OK || st == sys::RS_FALLBACK);
        sink += out[0] as f64;
    });
    println!("predict_batch    safe {:.4} s  direct C {:.4} s  ratio {:.3}", safe, raw, safe / raw);

    let k = 10;
    let safe = best_of(|| sink += model.recommend_batch(&users, k, false).unwrap().scores[0] as f64);
    let raw = best_of(|| {
        let mut ids = vec![0i64; users.len() * k];
        let mut scores = vec![0f32; users.len() * k];
        let mut counts = vec![0usize; users.len()];
        // SAFETY: buffers sized for users.len() * k entries and users.len() counts.
        let st = unsafe {
            sys::rs_topk_batch(model.as_ptr(), users.as_ptr(), users.len(), k, 0, ids.as_mut_ptr(), scores.as_mut_ptr(), counts.as_mut_ptr())
        };
        assert!(st == sys::RS_OK || st == sys::RS_FALLBACK);
        sink += scores[0] as f64;
    });
    println!("recommend_batch  safe {:.4} s  direct C {:.4} s  ratio {:.3}  ({} users, k {})", safe, raw, safe / raw, users.len(), k);
    if sink.is_nan() {
        println!("(nan)");
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_batch: {}", e);
        std::process::exit(1);
    }
}
