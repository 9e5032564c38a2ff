// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Evaluation: [`Model::evaluate_ratings`] and [`Model::evaluate_ranking`]
//! over `rs_model_evaluate_ratings` / `rs_model_evaluate_ranking` (the
//! formulas are in `docs/guide/evaluation.md`). Both are `shared` calls:
//! `&self`, callable while other threads serve from the same model.

use crate::dataset::Dataset;
use crate::error::{check, Result};
use crate::model::Model;
use crate::params::{group, short_name};
use crate::sys;
use std::ptr;

/// Room for more entries than these headers define (a newer library of the
/// same major version may write more).
const METRIC_ROOM: usize = 64;
/// A NaN payload no arithmetic produces: an entry still holding it after a
/// call is one the call left alone (each call writes only its own entries).
const UNWRITTEN: u64 = 0x7FF8_C0FF_EE0D_DBA1;

/// The name of a metric index: the `RS_METRIC_*` constant in lower case
/// without its prefix (`sys::RS_METRIC_HIT_RATE` -> `"hit_rate"`), or
/// `"metric_<n>"` for an index these headers do not name.
pub fn metric_name(metric: i32) -> String {
    group("RS_METRIC")
        .iter()
        .find(|(c, v)| *v == metric as i64 && !c.starts_with("RS_METRIC_COUNT_"))
        .map(|(c, _)| short_name("RS_METRIC", c))
        .unwrap_or_else(|| format!("metric_{}", metric))
}

/// The figures one evaluation call wrote, in index order, indexed by the
/// headers' `RS_METRIC_*` constants. Counts (`scored`, `users`, ...) are whole
/// numbers stored as `f64`, as the library stores them; a mean over nothing
/// is NaN.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    entries: Vec<(i32, f64)>,
}

impl Metrics {
    /// The value at an `RS_METRIC_*` index (`sys::RS_METRIC_RMSE`), if the
    /// call wrote it.
    pub fn value(&self, metric: i32) -> Option<f64> {
        self.entries.iter().find(|e| e.0 == metric).map(|e| e.1)
    }
    /// A value by its name (`"rmse"`, `"ndcg"`: see [`metric_name`]).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries.iter().find(|e| metric_name(e.0) == name).map(|e| e.1)
    }
    /// `(index, value)` of every entry, in index order.
    pub fn entries(&self) -> &[(i32, f64)] {
        &self.entries
    }
    /// `(name, value)` of every entry, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (String, f64)> + '_ {
        self.entries.iter().map(|e| (metric_name(e.0), e.1))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What [`Model::evaluate_ranking`] ranks and how; `Default` is k 10,
/// threshold 4 (as `recsgd eval`), every item a candidate, seen items and
/// no others excluded.
#[derive(Debug, Clone, Copy)]
pub struct RankingOptions<'a> {
    /// Cut-off of the top-k metrics (>= 1).
    pub k: usize,
    /// A test rating >= `threshold` is relevant (finite).
    pub threshold: f64,
    /// Ratings whose (user, item) pairs are never candidates (e.g. a
    /// validation set, or the training set of a model fitted elsewhere).
    pub exclude: Option<&'a Dataset>,
    /// If set, only these items are ranked (unknown ids and duplicates are
    /// ignored; an empty slice ranks nothing); `None` ranks every item the
    /// model knows.
    pub candidates: Option<&'a [i64]>,
    /// Keep the items each user rated in training among the candidates
    /// (`RS_EVAL_INCLUDE_SEEN`).
    pub include_seen: bool,
}

impl Default for RankingOptions<'_> {
    fn default() -> Self {
        RankingOptions { k: 10, threshold: 4.0, exclude: None, candidates: None, include_seen: false }
    }
}

fn evaluate(call: impl FnOnce(*mut f64, usize, &mut usize) -> sys::rs_status) -> Result<Metrics> {
    let mut buf = vec![f64::from_bits(UNWRITTEN); METRIC_ROOM];
    let mut n = 0usize;
    check(call(buf.as_mut_ptr(), METRIC_ROOM, &mut n))?;
    let entries = buf
        .iter()
        .enumerate()
        .filter(|(_, v)| v.to_bits() != UNWRITTEN)
        .map(|(j, v)| (j as i32, *v))
        .collect();
    Ok(Metrics { entries })
}

impl Model {
    /// Rating-prediction accuracy on `test` (`rs_model_evaluate_ratings`):
    /// every rating scored as [`Model::predict`] would, giving `rmse`, `mae`,
    /// `scored`, `fallbacks` (scored by the cold-start fallback) and
    /// `unscored` (unknown ids under `cold_start = "error"`).
    pub fn evaluate_ratings(&self, test: &Dataset) -> Result<Metrics> {
        // SAFETY: both handles are live for the call; buf holds room doubles.
        evaluate(|buf, room, n| unsafe { sys::rs_model_evaluate_ratings(self.as_ptr(), test.as_ptr(), buf, room, n) })
    }

    /// Top-k ranking quality on `test` (`rs_model_evaluate_ranking`): the
    /// candidates of every test user with a relevant rating, ranked exactly
    /// as [`Model::recommend`] orders them, give the means of `precision`,
    /// `recall`, `ndcg`, `map`, `hit_rate` (at k) and `auc` (over all
    /// candidates), with the counts `users`, `users_skipped` (no relevant
    /// rating), `users_fallback`, `users_unranked` and `auc_users`.
    /// `k == 0` or a non-finite threshold fails with `RS_ERR_INVALID_ARG`.
    pub fn evaluate_ranking(&self, test: &Dataset, options: &RankingOptions<'_>) -> Result<Metrics> {
        let exclude = options.exclude.map_or(ptr::null(), |d| d.as_ptr());
        // an empty slice's pointer is dangling but not NULL: "no candidate"
        let (cand, n_cand) = options.candidates.map_or((ptr::null(), 0), |c| (c.as_ptr(), c.len()));
        let flags = if options.include_seen { sys::RS_EVAL_INCLUDE_SEEN } else { 0 };
        // SAFETY: the handles are live for the call; cand holds n_cand ids;
        // buf holds room doubles.
        evaluate(|buf, room, n| unsafe {
            sys::rs_model_evaluate_ranking(
                self.as_ptr(),
                test.as_ptr(),
                exclude,
                cand,
                n_cand,
                options.k,
                options.threshold,
                flags,
                buf,
                room,
                n,
            )
        })
    }
}
