// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Safe Rust API of librecsgd, an embeddable recommendation library (matrix
//! factorisation trained by SGD; collaborative, content and hybrid scorers).
//!
//! A thin layer over the C API of `librecsgd-sys`: every call is one C call
//! (or two, to size a buffer), nothing is reimplemented, and hyper-parameters
//! and enumerated values are looked up by name in what the headers define,
//! so a parameter the library adds needs no change here.
//!
//! ```no_run
//! use librecsgd::{Dataset, Model, RankingOptions, Side};
//! let all = Dataset::from_file("data/sample/ratings.tsv", "movielens")?;
//! let (train, test) = all.split_random(0.2, 42)?;
//! let mut model = Model::new("collaborative")?;
//! model.set("factors", 32)?.set("epochs", 40)?.set("lr_policy", "adagrad")?;
//! model.fit(&train, Some(&test))?;
//! let p = model.predict(1, 2)?;                 // Prediction { score, fallback }
//! for (item, score) in model.recommend(1, 10)?.iter() {
//!     println!("{} {:.3}", item, score);
//! }
//! let rmse = model.evaluate_ratings(&test)?.get("rmse");
//! let ndcg = model.evaluate_ranking(&test, &RankingOptions { k: 10, ..Default::default() })?.get("ndcg");
//! model.save("model.bin")?;
//! # let _ = (p, Side::User, rmse, ndcg);
//! # Ok::<(), librecsgd::Error>(())
//! ```
//!
//! # Errors
//!
//! Every fallible call returns [`Result<T, Error>`](Error). An [`Error`]
//! carries the C status code ([`Error::status`], one of `sys::RS_ERR_*`,
//! named by [`Error::status_name`]) and the library's message (the handle's
//! last-error text, the save/load `errmsg`, or the status description for
//! read-only calls, which write no message). Arguments the binding checks
//! itself (slices of different lengths, unknown names) fail with the C
//! codes the library would use (`RS_ERR_INVALID_ARG`, `RS_ERR_UNKNOWN_PARAM`,
//! `RS_ERR_PARAM_TYPE`). `RS_FALLBACK` is a success: [`Prediction::fallback`],
//! [`Ranking::fallback`], [`BatchRanking::fallback`].
//!
//! # Callbacks
//!
//! Closures become the library's callbacks through `extern "C"`
//! trampolines that run them inside `std::panic::catch_unwind`, so a panic
//! never unwinds into C:
//!
//! - progress ([`Model::fit_with_progress`], [`Model::partial_fit_with_progress`]):
//!   `FnMut(&EpochStats) -> ControlFlow<()>`, registered for that call only
//!   (it may borrow locals); `Break(())` stops training.
//! - initialisation ([`Model::set_init_callback`]): `FnMut(InitBlock) ->
//!   ControlFlow<()> + Send + 'static`, kept by the model.
//! - clipping ([`Model::set_clip_callback`]): `Fn(&mut [f32]) -> bool + Send +
//!   Sync + 'static` (it runs on the training threads at once).
//! - log ([`Model::set_log_callback`]), and `Read`/`Write` objects for
//!   [`Dataset::from_reader`], [`Model::save_to`], [`Model::load_from`].
//!
//! A panic in a progress or init closure makes the closure's trampoline
//! return the value that stops the fit; a panic in the clipping closure
//! (which cannot stop training) disables it and the next epoch end stops
//! the fit. Either way the call returns an [`Error`] with status
//! `RS_ERR_CANCELLED`, [`Error::is_callback_panic`] true and the panic text
//! in the message; the model keeps its last complete epoch, as for any
//! cancelled fit. A panicking reader or writer fails its call the same way.
//!
//! # Threads: why `Model` and `Dataset` are `Send` and `Sync`
//!
//! The C headers put every function in one of three thread-safety classes:
//! `any`, `shared` (read-only on the handle; any number may run at once on
//! one handle, never together with an `exclusive` call) and `exclusive`.
//! The library takes no locks, keeps no global mutable state, and a handle
//! has no affinity to the thread that created it. This crate maps the
//! classes onto Rust's borrow rules:
//!
//! - `shared` calls are `&self` methods: predict, predict_batch, recommend
//!   (topk), recommend_batch, similar_items/users, evaluate_ratings/ranking,
//!   getters, counts, epoch_stats, factor copies, saving, and the dataset
//!   splits. They write
//!   nothing on the handle (not even its error message), so calling them
//!   from many threads at once is sound: `Model: Sync`, `Dataset: Sync`.
//! - `exclusive` calls are `&mut self` methods: setters, callbacks,
//!   fit/partial_fit, fold-in, set_features, dataset loading and edits.
//!   `&mut` guarantees that no other call is in flight.
//! - moving a handle to another thread is allowed by the C API (no thread
//!   affinity), and every closure a model keeps is `Send`: `Model: Send`,
//!   `Dataset: Send`.
//! - `fit` takes its datasets by `&Dataset` (the C call only reads them), so
//!   one dataset may feed fits of several models on several threads.
//!
//! # Memory ownership
//!
//! `Dataset` and `Model` own their C handle and free it in `Drop`; the
//! library allocates with libc (no allocator hook is installed). No C
//! pointer outlives the call that produced it: strings are copied into
//! `String`, and every output goes into a buffer this crate (or the caller,
//! for the `*_into` variants) allocates with the capacity the C call is
//! told. Closures kept by a model are boxed, handed to C as user data, and
//! freed after the model.
//!
//! The library's major version is checked against the headers' on the
//! first constructor call ([`check_library_version`]); a mismatch is refused
//! with `RS_ERR_VERSION` and a message saying what to install.

mod callbacks;
mod dataset;
mod error;
mod eval;
mod model;
mod params;

/// The raw declarations (`librecsgd-sys`), for constants such as `sys::RS_FALLBACK`.
pub use librecsgd_sys as sys;

pub use callbacks::InitBlock;
pub use dataset::{Dataset, Rating, Side};
pub use error::{status_name, status_string, Error, Result};
pub use eval::{metric_name, Metrics, RankingOptions};
pub use model::{BatchRanking, EpochStats, Filter, Model, Prediction, Ranking};
pub use params::{param_bounds, param_choices, param_id, param_name, param_names, Value};
pub use std::ops::ControlFlow;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static VERSION_ONCE: Once = Once::new();
static VERSION_OK: AtomicBool = AtomicBool::new(false);

/// Refuse a library whose major version differs from the headers this
/// binding was generated from (`rs_version_number() / 10000 ==
/// RS_VERSION_MAJOR`). Constructors call it; the check runs once.
pub fn check_library_version() -> Result<()> {
    VERSION_ONCE.call_once(|| {
        VERSION_OK.store(error::check_major(library_version_number(), sys::RS_VERSION_MAJOR, sys::RS_VERSION_STRING).is_ok(), Ordering::SeqCst)
    });
    if VERSION_OK.load(Ordering::SeqCst) {
        Ok(())
    } else {
        error::check_major(library_version_number(), sys::RS_VERSION_MAJOR, sys::RS_VERSION_STRING)
    }
}

/// The loaded library's version number (`major * 10000 + minor * 100 + patch`).
pub fn library_version_number() -> u32 {
    // SAFETY: no arguments, thread safety `any`.
    unsafe { sys::rs_version_number() }
}

/// The loaded library's version string, e.g. `"0.2.0"`.
pub fn library_version() -> String {
    // SAFETY: returns a static string.
    unsafe { error::cstr_lossy(sys::rs_version_string()) }
}

/// What the loaded library was built with: the lower-case names of the
/// headers' `RS_FEATURE_*` bits it reports (`"threads"`, `"content"`, ...).
pub fn build_features() -> Vec<String> {
    // SAFETY: no arguments.
    let bits = unsafe { sys::rs_build_features() } as i64;
    params::group("RS_FEATURE")
        .iter()
        .filter(|(_, v)| bits & v != 0)
        .map(|(c, _)| params::short_name("RS_FEATURE", c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_different_major_version_is_refused_with_a_clear_message() {
        let e = error::check_major(10203, 0, "0.2.0").unwrap_err();
        assert_eq!(e.status(), sys::RS_ERR_VERSION);
        assert!(e.message().contains("loaded library is 1.2.3"), "{}", e);
        assert!(e.message().contains("major 0"), "{}", e);
        assert!(error::check_major(203, 0, "0.2.0").is_ok());
        assert!(error::check_major(299, 0, "0.2.0").is_ok());
        assert!(error::check_major(20000, 1, "1.0.0").is_err());
    }

    #[test]
    fn the_installed_library_passes_the_check() {
        check_library_version().unwrap();
        assert_eq!(library_version_number() / 10000, sys::RS_VERSION_MAJOR as u32);
        assert!(library_version().starts_with(&format!("{}.", sys::RS_VERSION_MAJOR)));
    }
}
