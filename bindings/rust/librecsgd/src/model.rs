// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! `Model`: a recommendation model (`rs_model`): configure, fit, score,
//! update online, save and load.

use crate::callbacks::{
    clip_trampoline, init_trampoline, log_trampoline, progress_trampoline, read_trampoline, stream_result,
    write_trampoline, ClipState, InitBlock, InitState, LogState, Owned, PanicSlot, ProgressFn, ProgressState,
    ReadState, WriteState,
};
use crate::dataset::{path_cstring, Dataset, Side};
use crate::error::{check, check_with, cstr_lossy, invalid, same_len, Error, Result};
use crate::params::{choice, cstring, group, short_name, ParamOps, Value};
use crate::sys;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Mutex;

/// A score and whether it came from the cold-start fallback chain
/// (`RS_FALLBACK`: an unknown user or item was scored from the global mean
/// and the known side's bias). A fallback is a success, never an `Err`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub score: f32,
    pub fallback: bool,
}

/// A ranked list: `ids[k]` scored `scores[k]`, best first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranking {
    pub ids: Vec<i64>,
    pub scores: Vec<f32>,
    /// The user was unknown and was ranked by the fallback chain.
    pub fallback: bool,
}

impl Ranking {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// `(id, score)` pairs, best first.
    pub fn iter(&self) -> impl Iterator<Item = (i64, f32)> + '_ {
        self.ids.iter().copied().zip(self.scores.iter().copied())
    }
}

/// What `Model::recommend_with` may return.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Also rank items the user rated in training (`RS_TOPK_INCLUDE_SEEN`).
    pub include_seen: bool,
    /// Items never to return.
    pub block: &'a [i64],
    /// If set, only these items are candidates.
    pub allow: Option<&'a [i64]>,
}

/// The top-k lists of many users from one `rs_topk_batch` call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchRanking {
    /// Row stride of `ids` and `scores`.
    pub k: usize,
    /// `users.len() * k` ids; row `u` starts at `u * k` and holds `counts[u]` entries.
    pub ids: Vec<i64>,
    pub scores: Vec<f32>,
    pub counts: Vec<usize>,
    /// Some user was unknown and got the fallback ranking.
    pub fallback: bool,
}

impl BatchRanking {
    /// Number of users.
    pub fn len(&self) -> usize {
        self.counts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
    /// The list of user number `u` (in the order of the request).
    pub fn row(&self, u: usize) -> (&[i64], &[f32]) {
        let start = u * self.k;
        let end = start + self.counts[u].min(self.k);
        (&self.ids[start..end], &self.scores[start..end])
    }
}

/// The statistics of one training epoch, indexed by the headers'
/// `RS_STAT_*` constants.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    values: Vec<f64>,
}

fn stat_entries() -> impl Iterator<Item = (String, usize)> {
    // RS_STAT_COUNT_V* are counts of entries, not entries
    group("RS_STAT")
        .iter()
        .filter(|(c, _)| !c.starts_with("RS_STAT_COUNT_"))
        .map(|(c, v)| (short_name("RS_STAT", c), *v as usize))
}

impl EpochStats {
    pub(crate) fn from_values(values: Vec<f64>) -> EpochStats {
        EpochStats { values }
    }
    fn at(&self, index: i32) -> f64 {
        self.values.get(index as usize).copied().unwrap_or(f64::NAN)
    }
    /// Every value the library filled, indexed by `RS_STAT_*`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// A statistic by its name (`"train_rmse"`, `"clip_share"`, ...: the
    /// `RS_STAT_*` constants in lower case), if this library fills it.
    pub fn get(&self, name: &str) -> Option<f64> {
        stat_entries().find(|(n, _)| n == name).and_then(|(_, k)| self.values.get(k).copied())
    }
    /// `(name, value)` for every named statistic the library filled.
    pub fn iter(&self) -> impl Iterator<Item = (String, f64)> + '_ {
        stat_entries().filter_map(move |(n, k)| self.values.get(k).map(|v| (n, *v)))
    }
    /// The 1-based epoch number.
    pub fn epoch(&self) -> usize {
        self.at(sys::RS_STAT_EPOCH) as usize
    }
    /// Weighted RMSE over the epoch's updates.
    pub fn train_rmse(&self) -> f64 {
        self.at(sys::RS_STAT_TRAIN_RMSE)
    }
    /// RMSE on the validation set after the epoch (`None` without one).
    pub fn valid_rmse(&self) -> Option<f64> {
        let v = self.at(sys::RS_STAT_VALID_RMSE);
        if v.is_nan() {
            None
        } else {
            Some(v)
        }
    }
    /// Base learning rate in force during the epoch.
    pub fn learning_rate(&self) -> f64 {
        self.at(sys::RS_STAT_LEARNING_RATE)
    }
    /// Wall-clock seconds since the fit started.
    pub fn seconds(&self) -> f64 {
        self.at(sys::RS_STAT_SECONDS)
    }
    /// The epoch diverged and was rolled back.
    pub fn diverged(&self) -> bool {
        self.at(sys::RS_STAT_DIVERGED) == 1.0
    }
}

/// A recommendation model (`rs_model`).
///
/// `&self` methods are the C API's `shared` calls (scoring, getters,
/// saving) and may run on many threads at once; `&mut self` methods are its
/// `exclusive` calls (setters, callbacks, `fit`, online updates). See the
/// crate documentation for why `Model` is `Send` and `Sync`.
pub struct Model {
    raw: NonNull<sys::rs_model>,
    // Closures the C model holds as user data; freed after the model (Drop).
    init: Option<Owned<InitState>>,
    clip: Option<Owned<ClipState>>,
    log: Option<Owned<LogState>>,
}

// SAFETY: rs_model has no thread affinity and the library keeps no global
// mutable state. Every &self method calls only `shared` functions, which the
// headers allow concurrently on one model and which write nothing (not even
// the last-error message); every `exclusive` function is behind &mut self.
// The closures the model holds are Send (init, log: called only inside
// exclusive calls, on the calling thread) or Send + Sync (clip: called from
// training worker threads at once).
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle is live and owned; the callback states are
        // dropped after it (fields drop after this body).
        unsafe { sys::rs_model_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("scorer", &self.get("scorer").ok())
            .field("users", &self.num_users())
            .field("items", &self.num_items())
            .finish()
    }
}

const OPS: ParamOps<sys::rs_model> = ParamOps {
    set_int: sys::rs_model_set_int,
    set_double: sys::rs_model_set_double,
    get_int: sys::rs_model_get_int,
    get_double: sys::rs_model_get_double,
    last_error: sys::rs_model_last_error,
};

const ERRMSG_CAP: usize = 512;

/// A caller buffer for the `errmsg` of save/load.
struct ErrMsg([u8; ERRMSG_CAP]);

impl ErrMsg {
    fn new() -> ErrMsg {
        ErrMsg([0; ERRMSG_CAP])
    }
    fn ptr(&mut self) -> *mut c_char {
        self.0.as_mut_ptr() as *mut c_char
    }
    fn text(&self) -> String {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(ERRMSG_CAP);
        String::from_utf8_lossy(&self.0[..end]).into_owned()
    }
}

fn loaded(raw: *mut sys::rs_model) -> Result<Model> {
    let raw = NonNull::new(raw).ok_or_else(|| invalid("the library returned no model"))?;
    Ok(Model { raw, init: None, clip: None, log: None })
}

/// Unregisters the per-call progress trampoline when the call ends.
struct ProgressGuard(*mut sys::rs_model);

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        // SAFETY: the model is live and held exclusively by the calling method.
        unsafe { sys::rs_model_set_progress_callback(self.0, None, ptr::null_mut()) };
    }
}

impl Model {
    /// An untrained model of one scorer kind: `"collaborative"`,
    /// `"content"` or `"hybrid"` (the headers' `RS_SCORER_*`). Every
    /// parameter starts at its default.
    pub fn new(scorer: &str) -> Result<Model> {
        crate::check_library_version()?;
        let s = choice("RS_SCORER", scorer, "scorer")?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid out-pointer; NULL allocator means libc.
        check(unsafe { sys::rs_model_new(&mut raw, s, None, ptr::null_mut()) })?;
        loaded(raw)
    }

    /// `Model::new` followed by `set` for each `(name, value)`.
    pub fn with_params<V: Into<Value>, I: IntoIterator<Item = (&'static str, V)>>(scorer: &str, params: I) -> Result<Model> {
        let mut m = Model::new(scorer)?;
        for (n, v) in params {
            m.set(n, v)?;
        }
        Ok(m)
    }

    /// The raw handle, for calls the safe API lacks. It stays owned by `self`.
    pub fn as_ptr(&self) -> *const sys::rs_model {
        self.raw.as_ptr()
    }

    fn message(&self) -> String {
        // SAFETY: live handle; the text is copied at once.
        unsafe { cstr_lossy(sys::rs_model_last_error(self.raw.as_ptr())) }
    }

    fn mutating(&mut self, status: sys::rs_status) -> Result<bool> {
        check_with(status, || self.message())
    }

    // ---- parameters ----

    /// Set a hyper-parameter by its keyword name (through
    /// `rs_param_from_name`): numbers for numeric parameters, value names
    /// for enumerated ones (`set("lr_policy", "adagrad")`). A new parameter
    /// of the library needs no binding change.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<&mut Model> {
        // SAFETY: live handle, exclusive through &mut self.
        unsafe { OPS.set(self.raw.as_ptr(), name, value.into())? };
        Ok(self)
    }

    /// A hyper-parameter by name: `Value::Name` for enumerated ones.
    pub fn get(&self, name: &str) -> Result<Value> {
        // SAFETY: live handle; a shared call.
        unsafe { OPS.get(self.raw.as_ptr(), name) }
    }

    /// An integer (or enumerated, as its number) parameter.
    pub fn get_int(&self, name: &str) -> Result<i64> {
        let p = crate::params::param_id(name)?;
        let mut v = 0;
        // SAFETY: valid out-pointer.
        check(unsafe { sys::rs_model_get_int(self.raw.as_ptr(), p, &mut v) })?;
        Ok(v)
    }

    /// A real parameter.
    pub fn get_double(&self, name: &str) -> Result<f64> {
        let p = crate::params::param_id(name)?;
        let mut v = 0.0;
        // SAFETY: valid out-pointer.
        check(unsafe { sys::rs_model_get_double(self.raw.as_ptr(), p, &mut v) })?;
        Ok(v)
    }

    // ---- callbacks ----

    /// A custom initialisation policy: `f` fills each parameter block before
    /// training (`rs_model_set_init_callback`). Return
    /// `ControlFlow::Break(())` to cancel the fit (`RS_ERR_CANCELLED`); a
    /// panic cancels it too and is reported as an `Error`. The closure is
    /// kept by the model until replaced or `clear_init_callback`.
    pub fn set_init_callback<F>(&mut self, f: F) -> Result<()>
    where
        F: FnMut(InitBlock<'_>) -> ControlFlow<()> + Send + 'static,
    {
        let state = Owned::new(InitState { f: Mutex::new(Box::new(f)), panic: PanicSlot::default() });
        // SAFETY: state lives in self.init as long as the model refers to it.
        let st = unsafe { sys::rs_model_set_init_callback(self.raw.as_ptr(), Some(init_trampoline), state.ud()) };
        self.mutating(st)?;
        self.init = Some(state);
        Ok(())
    }

    /// Back to the built-in initialiser selected by the `init` parameter.
    pub fn clear_init_callback(&mut self) -> Result<()> {
        // SAFETY: live handle, exclusive.
        let st = unsafe { sys::rs_model_set_init_callback(self.raw.as_ptr(), None, ptr::null_mut()) };
        self.mutating(st)?;
        self.init = None;
        Ok(())
    }

    /// A custom gradient clipping policy: `f` may change one parameter
    /// row's gradient in place and returns whether it did
    /// (`rs_model_set_clip_callback`). With `threads > 1` it runs on the
    /// training threads at once, hence `Fn + Sync`. It cannot stop training
    /// itself: after a panic it is no longer called, the fit stops at the end
    /// of that epoch and returns an `Error` with `RS_ERR_CANCELLED`.
    pub fn set_clip_callback<F>(&mut self, f: F) -> Result<()>
    where
        F: Fn(&mut [f32]) -> bool + Send + Sync + 'static,
    {
        let state = Owned::new(ClipState { f: Box::new(f), panic: PanicSlot::default() });
        // SAFETY: state lives in self.clip as long as the model refers to it.
        let st = unsafe { sys::rs_model_set_clip_callback(self.raw.as_ptr(), Some(clip_trampoline), state.ud()) };
        self.mutating(st)?;
        self.clip = Some(state);
        Ok(())
    }

    /// Back to the built-in clipping selected by the `clip` parameter.
    pub fn clear_clip_callback(&mut self) -> Result<()> {
        // SAFETY: live handle, exclusive.
        let st = unsafe { sys::rs_model_set_clip_callback(self.raw.as_ptr(), None, ptr::null_mut()) };
        self.mutating(st)?;
        self.clip = None;
        Ok(())
    }

    /// Receive the library's diagnostics: `f(level, message)` with `level`
    /// an `RS_LOG_*` constant. Called during `exclusive` calls on the
    /// calling thread; a panic in it is caught and dropped.
    pub fn set_log_callback<F>(&mut self, f: F) -> Result<()>
    where
        F: FnMut(i32, &str) + Send + 'static,
    {
        let state = Owned::new(LogState { f: Mutex::new(Box::new(f)), panic: PanicSlot::default() });
        // SAFETY: state lives in self.log as long as the model refers to it.
        let st = unsafe { sys::rs_model_set_log_callback(self.raw.as_ptr(), Some(log_trampoline), state.ud()) };
        self.mutating(st)?;
        self.log = Some(state);
        Ok(())
    }

    /// Stop receiving diagnostics.
    pub fn clear_log_callback(&mut self) -> Result<()> {
        // SAFETY: live handle, exclusive.
        let st = unsafe { sys::rs_model_set_log_callback(self.raw.as_ptr(), None, ptr::null_mut()) };
        self.mutating(st)?;
        self.log = None;
        Ok(())
    }

    // ---- training ----

    /// Run one training call with the progress trampoline registered when a
    /// closure needs it, and turn caught panics into errors.
    fn train(
        &mut self,
        progress: Option<ProgressFn<'_>>,
        call: impl FnOnce(*mut sys::rs_model) -> sys::rs_status,
    ) -> Result<()> {
        let raw = self.raw.as_ptr();
        if let Some(s) = &self.init {
            s.get().panic.take();
        }
        if let Some(s) = &self.clip {
            s.get().panic.take();
        }
        let clip = self.clip.as_ref().map(|s| &s.get().panic);
        let mut state = ProgressState { user: progress, clip, panic: None };
        // the message is read before unregistering: that mutating call clears it
        let (status, library) = if state.user.is_some() || state.clip.is_some() {
            // SAFETY: state outlives the call; the guard unregisters it before
            // state is dropped, on every path.
            let st = unsafe {
                sys::rs_model_set_progress_callback(raw, Some(progress_trampoline), &mut state as *mut ProgressState as *mut _)
            };
            if st != sys::RS_OK {
                return Err(Error::new(st, self.message()));
            }
            let _guard = ProgressGuard(raw);
            let st = call(raw);
            (st, self.message())
        } else {
            let st = call(raw);
            (st, self.message())
        };
        if let Some(p) = state.panic {
            return Err(Error::callback_panic("progress", &p, &library));
        }
        if let Some(p) = self.init.as_ref().and_then(|s| s.get().panic.take()) {
            return Err(Error::callback_panic("init", &p, &library));
        }
        if let Some(p) = self.clip.as_ref().and_then(|s| s.get().panic.take()) {
            return Err(Error::callback_panic("clip", &p, &library));
        }
        check_with(status, || library).map(|_| ())
    }

    /// Train from scratch on `train` (`rs_fit`); with `valid`, the best
    /// validation epoch is kept (early stopping).
    pub fn fit(&mut self, train: &Dataset, valid: Option<&Dataset>) -> Result<()> {
        let v = valid.map_or(ptr::null(), |v| v.as_ptr());
        // SAFETY: the datasets are live and only read.
        self.train(None, |m| unsafe { sys::rs_fit(m, train.as_ptr(), v) })
    }

    /// `fit` calling `progress` after every epoch; returning
    /// `ControlFlow::Break(())` stops training (`RS_ERR_CANCELLED`, the
    /// model keeps its last complete epoch). `progress` runs on the calling
    /// thread, so it may borrow locals and need not be `Send`.
    pub fn fit_with_progress<F>(&mut self, train: &Dataset, valid: Option<&Dataset>, mut progress: F) -> Result<()>
    where
        F: FnMut(&EpochStats) -> ControlFlow<()>,
    {
        let v = valid.map_or(ptr::null(), |v| v.as_ptr());
        // SAFETY: the datasets are live and only read.
        self.train(Some(&mut progress), |m| unsafe { sys::rs_fit(m, train.as_ptr(), v) })
    }

    /// Train new ratings into a fitted model (`rs_partial_fit`), replaying
    /// older ratings from `replay`.
    pub fn partial_fit(&mut self, ratings: &Dataset, replay: Option<&Dataset>) -> Result<()> {
        let r = replay.map_or(ptr::null(), |r| r.as_ptr());
        // SAFETY: the datasets are live and only read.
        self.train(None, |m| unsafe { sys::rs_partial_fit(m, ratings.as_ptr(), r) })
    }

    /// `partial_fit` with a progress closure, as in `fit_with_progress`.
    pub fn partial_fit_with_progress<F>(&mut self, ratings: &Dataset, replay: Option<&Dataset>, mut progress: F) -> Result<()>
    where
        F: FnMut(&EpochStats) -> ControlFlow<()>,
    {
        let r = replay.map_or(ptr::null(), |r| r.as_ptr());
        // SAFETY: the datasets are live and only read.
        self.train(Some(&mut progress), |m| unsafe { sys::rs_partial_fit(m, ratings.as_ptr(), r) })
    }

    /// The statistics of every epoch of the last fit.
    pub fn epoch_stats(&self) -> Result<Vec<EpochStats>> {
        // SAFETY: live handle.
        let n = unsafe { sys::rs_model_num_epoch_stats(self.raw.as_ptr()) };
        let mut cap = group("RS_STAT").len().max(16);
        let mut out = Vec::with_capacity(n);
        for e in 0..n {
            loop {
                let mut buf = vec![0f64; cap];
                let mut got = 0usize;
                // SAFETY: buf holds cap doubles.
                check(unsafe { sys::rs_model_epoch_stats(self.raw.as_ptr(), e, buf.as_mut_ptr(), cap, &mut got) })?;
                if got == cap {
                    cap *= 2; // the library may fill more than this binding knows
                    continue;
                }
                buf.truncate(got);
                out.push(EpochStats::from_values(buf));
                break;
            }
        }
        Ok(out)
    }

    // ---- scoring ----

    /// The predicted rating of `user` for `item` (`rs_predict`).
    pub fn predict(&self, user: i64, item: i64) -> Result<Prediction> {
        let mut score = 0f32;
        // SAFETY: valid out-pointer; a shared call.
        let fallback = check(unsafe { sys::rs_predict(self.raw.as_ptr(), user, item, &mut score) })?;
        Ok(Prediction { score, fallback })
    }

    /// Predictions of `users[k]` for `items[k]`, in one C call.
    pub fn predict_batch(&self, users: &[i64], items: &[i64]) -> Result<Vec<f32>> {
        let mut scores = vec![0f32; users.len()];
        self.predict_batch_into(users, items, &mut scores, None)?;
        Ok(scores)
    }

    /// `predict_batch` into caller buffers; `statuses` (if given) receives
    /// each pair's `rs_status` (`RS_OK`, `RS_FALLBACK`, or its error).
    /// Returns whether any pair used the fallback. When a pair fails the
    /// call returns its error, with the buffers still filled for the others
    /// (a failed pair scores 0).
    pub fn predict_batch_into(
        &self,
        users: &[i64],
        items: &[i64],
        scores: &mut [f32],
        statuses: Option<&mut [sys::rs_status]>,
    ) -> Result<bool> {
        same_len("users", users.len(), "items", items.len())?;
        same_len("users", users.len(), "scores", scores.len())?;
        let st_ptr = match statuses {
            Some(s) => {
                same_len("users", users.len(), "statuses", s.len())?;
                s.as_mut_ptr()
            }
            None => ptr::null_mut(),
        };
        // SAFETY: every buffer holds users.len() elements.
        check(unsafe {
            sys::rs_predict_batch(self.raw.as_ptr(), users.as_ptr(), items.as_ptr(), users.len(), scores.as_mut_ptr(), st_ptr)
        })
    }

    /// The `k` best items for `user`, excluding the items they rated in
    /// training (`rs_topk`).
    pub fn recommend(&self, user: i64, k: usize) -> Result<Ranking> {
        self.recommend_with(user, k, &Filter::default())
    }

    /// `recommend` with seen items, a block list and an allow list chosen by `filter`.
    pub fn recommend_with(&self, user: i64, k: usize, filter: &Filter<'_>) -> Result<Ranking> {
        // at most every item can be returned: no larger buffer is needed
        let k = k.min(self.num_items());
        let mut r = Ranking { ids: vec![0; k], scores: vec![0.0; k], fallback: false };
        let flags = if filter.include_seen { sys::RS_TOPK_INCLUDE_SEEN } else { 0 };
        let (allow, n_allow) = filter.allow.map_or((ptr::null(), 0), |a| (a.as_ptr(), a.len()));
        let block = if filter.block.is_empty() { ptr::null() } else { filter.block.as_ptr() };
        let mut n = 0usize;
        // SAFETY: the output buffers hold k entries; block/allow hold their lengths.
        r.fallback = check(unsafe {
            sys::rs_topk(
                self.raw.as_ptr(),
                user,
                k,
                flags,
                block,
                filter.block.len(),
                allow,
                n_allow,
                r.ids.as_mut_ptr(),
                r.scores.as_mut_ptr(),
                &mut n,
            )
        })?;
        r.ids.truncate(n);
        r.scores.truncate(n);
        Ok(r)
    }

    /// The top-`k` lists of many users in one call (`rs_topk_batch`).
    pub fn recommend_batch(&self, users: &[i64], k: usize, include_seen: bool) -> Result<BatchRanking> {
        let k = k.min(self.num_items());
        let total = users.len().checked_mul(k).ok_or_else(|| invalid("users.len() * k overflows"))?;
        let mut r = BatchRanking {
            k,
            ids: vec![0; total],
            scores: vec![0.0; total],
            counts: vec![0; users.len()],
            fallback: false,
        };
        r.fallback = self.recommend_batch_into(users, k, include_seen, &mut r.ids, Some(&mut r.scores), &mut r.counts)?;
        Ok(r)
    }

    /// `recommend_batch` into caller buffers: `ids` (and `scores`) hold
    /// `users.len() * k` entries, `counts` one per user. Returns whether
    /// some user got the fallback ranking.
    pub fn recommend_batch_into(
        &self,
        users: &[i64],
        k: usize,
        include_seen: bool,
        ids: &mut [i64],
        scores: Option<&mut [f32]>,
        counts: &mut [usize],
    ) -> Result<bool> {
        let total = users.len().checked_mul(k).ok_or_else(|| invalid("users.len() * k overflows"))?;
        if ids.len() < total {
            return Err(invalid(format!("ids holds {} entries, {} users * k {} need {}", ids.len(), users.len(), k, total)));
        }
        same_len("users", users.len(), "counts", counts.len())?;
        let sp = match scores {
            Some(s) if s.len() < total => {
                return Err(invalid(format!("scores holds {} entries, {} needed", s.len(), total)))
            }
            Some(s) => s.as_mut_ptr(),
            None => ptr::null_mut(),
        };
        let flags = if include_seen { sys::RS_TOPK_INCLUDE_SEEN } else { 0 };
        // SAFETY: the buffers hold users.len() * k (ids, scores) and users.len() (counts) entries.
        check(unsafe {
            sys::rs_topk_batch(self.raw.as_ptr(), users.as_ptr(), users.len(), k, flags, ids.as_mut_ptr(), sp, counts.as_mut_ptr())
        })
    }

    fn similar(
        &self,
        k: usize,
        f: impl FnOnce(usize, *mut i64, *mut f32, *mut usize) -> sys::rs_status,
    ) -> Result<Ranking> {
        let mut r = Ranking { ids: vec![0; k], scores: vec![0.0; k], fallback: false };
        let mut n = 0usize;
        check(f(k, r.ids.as_mut_ptr(), r.scores.as_mut_ptr(), &mut n))?;
        r.ids.truncate(n);
        r.scores.truncate(n);
        Ok(r)
    }

    /// The `k` items closest to `item` by cosine of their learned factors.
    pub fn similar_items(&self, item: i64, k: usize) -> Result<Ranking> {
        let k = k.min(self.num_items());
        // SAFETY: the buffers hold k entries.
        self.similar(k, |k, ids, s, n| unsafe { sys::rs_similar_items(self.raw.as_ptr(), item, k, ids, s, n) })
    }

    /// The `k` users closest to `user` by cosine of their learned factors.
    pub fn similar_users(&self, user: i64, k: usize) -> Result<Ranking> {
        let k = k.min(self.num_users());
        // SAFETY: the buffers hold k entries.
        self.similar(k, |k, ids, s, n| unsafe { sys::rs_similar_users(self.raw.as_ptr(), user, k, ids, s, n) })
    }

    // ---- online updates and cold start ----

    /// Solve one user's bias and factors from their ratings with the items
    /// frozen (`rs_fold_in_user`); a new user is added.
    pub fn fold_in_user(&mut self, user: i64, items: &[i64], ratings: &[f32]) -> Result<()> {
        same_len("items", items.len(), "ratings", ratings.len())?;
        // SAFETY: both slices hold items.len() entries.
        let st = unsafe { sys::rs_fold_in_user(self.raw.as_ptr(), user, items.as_ptr(), ratings.as_ptr(), items.len()) };
        self.mutating(st).map(|_| ())
    }

    /// Solve one item's bias and factors from its ratings with the users
    /// frozen (`rs_fold_in_item`).
    pub fn fold_in_item(&mut self, item: i64, users: &[i64], ratings: &[f32]) -> Result<()> {
        same_len("users", users.len(), "ratings", ratings.len())?;
        // SAFETY: both slices hold users.len() entries.
        let st = unsafe { sys::rs_fold_in_item(self.raw.as_ptr(), item, users.as_ptr(), ratings.as_ptr(), users.len()) };
        self.mutating(st).map(|_| ())
    }

    /// Register a user or item with its features on a fitted model, or
    /// replace a known one's (`rs_model_set_features`). Indices are the
    /// model's (`feature_index`); `values` `None` means all 1.
    pub fn set_features(&mut self, side: Side, id: i64, features: &[i32], values: Option<&[f32]>) -> Result<()> {
        if let Some(v) = values {
            same_len("features", features.len(), "values", v.len())?;
        }
        let v = values.map_or(ptr::null(), |v| v.as_ptr());
        // SAFETY: slices hold features.len() entries.
        let st = unsafe { sys::rs_model_set_features(self.raw.as_ptr(), side.raw(), id, features.as_ptr(), v, features.len()) };
        self.mutating(st).map(|_| ())
    }

    /// The model's index of a named feature.
    pub fn feature_index(&self, side: Side, name: &str) -> Result<i32> {
        let n = cstring(name, "feature name")?;
        let mut index = -1;
        // SAFETY: valid string and out-pointer.
        check(unsafe { sys::rs_model_feature_index(self.raw.as_ptr(), side.raw(), n.as_ptr(), &mut index) })?;
        Ok(index)
    }

    /// Number of features the model knows on one side.
    pub fn num_features(&self, side: Side) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_model_num_features(self.raw.as_ptr(), side.raw()) }
    }

    // ---- inspection ----

    /// Users known to the fitted model.
    pub fn num_users(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_model_num_users(self.raw.as_ptr()) }
    }

    /// Items known to the fitted model.
    pub fn num_items(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_model_num_items(self.raw.as_ptr()) }
    }

    fn factors(&self, f: impl Fn(*mut f32, usize, *mut usize) -> sys::rs_status) -> Result<Vec<f32>> {
        let mut n = 0usize;
        check(f(ptr::null_mut(), 0, &mut n))?;
        let mut v = vec![0f32; n];
        let mut got = 0usize;
        check(f(v.as_mut_ptr(), n, &mut got))?;
        v.truncate(got.min(n));
        Ok(v)
    }

    /// One user's learned factor vector.
    pub fn user_factors(&self, user: i64) -> Result<Vec<f32>> {
        // SAFETY: dst holds cap floats (cap 0 asks for the length).
        self.factors(|dst, cap, n| unsafe { sys::rs_model_copy_user_factors(self.raw.as_ptr(), user, dst, cap, n) })
    }

    /// One item's learned factor vector.
    pub fn item_factors(&self, item: i64) -> Result<Vec<f32>> {
        // SAFETY: dst holds cap floats (cap 0 asks for the length).
        self.factors(|dst, cap, n| unsafe { sys::rs_model_copy_item_factors(self.raw.as_ptr(), item, dst, cap, n) })
    }

    // ---- persistence ----

    /// Save the fitted model to a file, atomically (`rs_model_save_file`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let p = path_cstring(path.as_ref())?;
        let mut e = ErrMsg::new();
        // SAFETY: valid path and errmsg buffer.
        let st = unsafe { sys::rs_model_save_file(self.raw.as_ptr(), p.as_ptr(), e.ptr(), ERRMSG_CAP) };
        check_with(st, || e.text()).map(|_| ())
    }

    /// Load a model from a file (`rs_model_load_file`).
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        crate::check_library_version()?;
        let p = path_cstring(path.as_ref())?;
        let mut e = ErrMsg::new();
        let mut raw = ptr::null_mut();
        // SAFETY: valid path, out-pointer and errmsg buffer.
        let st = unsafe { sys::rs_model_load_file(&mut raw, p.as_ptr(), None, ptr::null_mut(), e.ptr(), ERRMSG_CAP) };
        check_with(st, || e.text())?;
        loaded(raw)
    }

    /// The fitted model as a byte blob (`rs_model_save_buffer`).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut e = ErrMsg::new();
        let mut size = 0usize;
        // SAFETY: cap 0 with a NULL buffer asks for the size.
        let st = unsafe { sys::rs_model_save_buffer(self.raw.as_ptr(), ptr::null_mut(), 0, &mut size, e.ptr(), ERRMSG_CAP) };
        if st != sys::RS_ERR_RANGE {
            check_with(st, || e.text())?;
        }
        let mut buf = vec![0u8; size];
        let mut written = 0usize;
        // SAFETY: buf holds size bytes.
        let st = unsafe {
            sys::rs_model_save_buffer(self.raw.as_ptr(), buf.as_mut_ptr() as *mut _, size, &mut written, e.ptr(), ERRMSG_CAP)
        };
        check_with(st, || e.text())?;
        buf.truncate(written);
        Ok(buf)
    }

    /// A model from a blob written by `to_bytes`, `save` or `save_to`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        crate::check_library_version()?;
        let mut e = ErrMsg::new();
        let mut raw = ptr::null_mut();
        // SAFETY: bytes holds bytes.len() bytes and is not retained.
        let st = unsafe {
            sys::rs_model_load_buffer(&mut raw, bytes.as_ptr() as *const _, bytes.len(), None, ptr::null_mut(), e.ptr(), ERRMSG_CAP)
        };
        check_with(st, || e.text())?;
        loaded(raw)
    }

    /// Write the fitted model to a `Write` (`rs_model_save`).
    pub fn save_to<W: Write>(&self, mut writer: W) -> Result<()> {
        let mut e = ErrMsg::new();
        let mut st = WriteState { w: &mut writer, error: None, panic: None };
        // SAFETY: st outlives the call.
        let status = unsafe {
            sys::rs_model_save(self.raw.as_ptr(), Some(write_trampoline), &mut st as *mut WriteState as *mut _, e.ptr(), ERRMSG_CAP)
        };
        stream_result("writer", status, e.text(), st.error, st.panic)
    }

    /// Read a model from a `Read` (`rs_model_load`).
    pub fn load_from<R: Read>(mut reader: R) -> Result<Model> {
        crate::check_library_version()?;
        let mut e = ErrMsg::new();
        let mut raw = ptr::null_mut();
        let mut st = ReadState { r: &mut reader, error: None, panic: None };
        // SAFETY: st outlives the call; out-pointer and errmsg valid.
        let status = unsafe {
            sys::rs_model_load(
                &mut raw,
                Some(read_trampoline),
                &mut st as *mut ReadState as *mut _,
                None,
                ptr::null_mut(),
                e.ptr(),
                ERRMSG_CAP,
            )
        };
        stream_result("reader", status, e.text(), st.error, st.panic)?;
        loaded(raw)
    }

    /// An independent copy of the fitted model (through `to_bytes`);
    /// callbacks are not copied.
    pub fn try_clone(&self) -> Result<Model> {
        Model::from_bytes(&self.to_bytes()?)
    }
}
