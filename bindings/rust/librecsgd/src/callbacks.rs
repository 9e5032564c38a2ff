// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! `extern "C"` trampolines that run Rust closures and `Read`/`Write`
//! objects as the library's callbacks. Every one runs its Rust code inside
//! `std::panic::catch_unwind`, so a panic never unwinds into C: it is stored
//! and the trampoline returns the value that stops the C call (or, for the
//! clipping policy, which cannot stop training, the next progress check
//! stops it).

use crate::model::EpochStats;
use std::any::Any;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The text of a panic payload.
pub(crate) fn panic_text(p: Box<dyn Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic payload that is not a string)".to_string()
    }
}

/// A mutex's guard even after a panic poisoned it (the callbacks catch
/// their panics, so the data behind it is still whole).
fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The first panic caught in a callback that may run on several threads.
#[derive(Default)]
pub(crate) struct PanicSlot {
    set: AtomicBool,
    text: Mutex<Option<String>>,
}

impl PanicSlot {
    fn record(&self, p: Box<dyn Any + Send>) {
        let text = panic_text(p);
        let mut t = lock(&self.text);
        if t.is_none() {
            *t = Some(text);
        }
        drop(t);
        self.set.store(true, Ordering::SeqCst);
    }
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }
    /// The stored panic text, clearing the slot for the next call.
    pub fn take(&self) -> Option<String> {
        if !self.set.swap(false, Ordering::SeqCst) {
            return None;
        }
        Some(lock(&self.text).take().unwrap_or_default())
    }
}

/// A heap object handed to C as user data: allocated by `Box`, freed by
/// `Drop`, reached through the raw pointer only (never through a `Box`, so
/// the pointer C holds stays valid and unaliased).
pub(crate) struct Owned<T>(NonNull<T>);

impl<T> Owned<T> {
    pub fn new(v: T) -> Owned<T> {
        // SAFETY: Box::into_raw never returns NULL.
        Owned(unsafe { NonNull::new_unchecked(Box::into_raw(Box::new(v))) })
    }
    pub fn ud(&self) -> *mut c_void {
        self.0.as_ptr() as *mut c_void
    }
    pub fn get(&self) -> &T {
        // SAFETY: live until drop; C only reaches it during calls that hold
        // the model exclusively, or (clip) through shared references.
        unsafe { self.0.as_ref() }
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: allocated by Box::into_raw in new(), dropped once.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

// SAFETY: Owned<T> is a Box<T>; it is as thread-safe as T.
unsafe impl<T: Send> Send for Owned<T> {}
unsafe impl<T: Sync> Sync for Owned<T> {}

// ---- progress ----

pub(crate) type ProgressFn<'a> = &'a mut dyn FnMut(&EpochStats) -> ControlFlow<()>;

/// User data of the progress trampoline for one `fit`/`partial_fit` call.
pub(crate) struct ProgressState<'a, 'b> {
    pub user: Option<ProgressFn<'a>>,
    /// Stop training at the next epoch end once the clipping closure panicked.
    pub clip: Option<&'b PanicSlot>,
    pub panic: Option<String>,
}

pub(crate) unsafe extern "C" fn progress_trampoline(
    ud: *mut c_void,
    stats: *const f64,
    n_stats: usize,
) -> i32 {
    // SAFETY: ud is the &mut ProgressState the fit call registered for its
    // own duration; stats holds n_stats doubles during this call.
    let st = &mut *(ud as *mut ProgressState<'_, '_>);
    if st.clip.map_or(false, |c| c.is_set()) {
        return 1;
    }
    let f = match st.user.as_mut() {
        Some(f) => f,
        None => return 0,
    };
    let values = if stats.is_null() { &[][..] } else { std::slice::from_raw_parts(stats, n_stats) };
    let stats = EpochStats::from_values(values.to_vec());
    match catch_unwind(AssertUnwindSafe(|| f(&stats))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(p) => {
            st.panic = Some(panic_text(p));
            1
        }
    }
}

// ---- initialisation policy ----

/// One parameter block to initialise, as the library passes it to a custom
/// initialisation policy (`Model::set_init_callback`).
pub struct InitBlock<'a> {
    /// Which block: an `RS_BLOCK_*` constant (`sys::RS_BLOCK_USER_FACTORS`, ...).
    pub block: i32,
    /// `rows * cols` floats, row-major, to fill.
    pub values: &'a mut [f32],
    /// Rows of the block (one per user, item or feature).
    pub rows: usize,
    /// Columns (the number of factors).
    pub cols: usize,
    /// Seed derived from the `seed` parameter and the block: a policy that
    /// draws only from it is deterministic.
    pub seed: u64,
}

impl InitBlock<'_> {
    /// The block's short name (`"user_factors"`, `"item_feature_factors"`, ...).
    pub fn block_name(&self) -> String {
        crate::params::group("RS_BLOCK")
            .iter()
            .find(|(_, v)| *v == self.block as i64)
            .map(|(c, _)| crate::params::short_name("RS_BLOCK", c))
            .unwrap_or_else(|| format!("block {}", self.block))
    }
}

pub(crate) type InitFn = Box<dyn FnMut(InitBlock<'_>) -> ControlFlow<()> + Send>;

pub(crate) struct InitState {
    pub f: Mutex<InitFn>,
    pub panic: PanicSlot,
}

pub(crate) unsafe extern "C" fn init_trampoline(
    ud: *mut c_void,
    block: i32,
    values: *mut f32,
    rows: usize,
    cols: usize,
    seed: u64,
) -> i32 {
    // SAFETY: ud is the model's InitState (alive as long as the model);
    // values holds rows * cols floats during this call.
    let st = &*(ud as *const InitState);
    let n = match rows.checked_mul(cols) {
        Some(n) => n,
        None => return 1,
    };
    let values = if n == 0 || values.is_null() {
        &mut [][..]
    } else {
        std::slice::from_raw_parts_mut(values, n)
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut f = lock(&st.f);
        (*f)(InitBlock { block, values, rows, cols, seed })
    }));
    match r {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(p) => {
            st.panic.record(p);
            1
        }
    }
}

// ---- clipping policy ----

pub(crate) type ClipFn = Box<dyn Fn(&mut [f32]) -> bool + Send + Sync>;

pub(crate) struct ClipState {
    pub f: ClipFn,
    pub panic: PanicSlot,
}

pub(crate) unsafe extern "C" fn clip_trampoline(ud: *mut c_void, grad: *mut f32, n: usize) -> i32 {
    // SAFETY: ud is the model's ClipState, only read here (the closure is
    // Fn + Sync: worker threads call it at once); grad holds n floats that
    // belong to this call alone.
    let st = &*(ud as *const ClipState);
    if st.panic.is_set() || n == 0 || grad.is_null() {
        return 0; // after a panic: leave gradients alone until training stops
    }
    let grad = std::slice::from_raw_parts_mut(grad, n);
    match catch_unwind(AssertUnwindSafe(|| (st.f)(grad))) {
        Ok(changed) => changed as i32,
        Err(p) => {
            st.panic.record(p);
            0
        }
    }
}

// ---- log ----

pub(crate) type LogFn = Box<dyn FnMut(i32, &str) + Send>;

pub(crate) struct LogState {
    pub f: Mutex<LogFn>,
    pub panic: PanicSlot,
}

pub(crate) unsafe extern "C" fn log_trampoline(ud: *mut c_void, level: i32, message: *const c_char) {
    // SAFETY: ud is the model's LogState; message is valid during the call.
    let st = &*(ud as *const LogState);
    let text = crate::error::cstr_lossy(message);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut f = lock(&st.f);
        (*f)(level, &text)
    }));
    if let Err(p) = r {
        st.panic.record(p); // a log line cannot stop the call; the panic is dropped
    }
}

// ---- streams ----

/// User data of the reader trampoline: a `Read` and what went wrong in it.
pub(crate) struct ReadState<'a> {
    pub r: &'a mut dyn Read,
    pub error: Option<io::Error>,
    pub panic: Option<String>,
}

pub(crate) unsafe extern "C" fn read_trampoline(
    ud: *mut c_void,
    buf: *mut c_void,
    cap: usize,
    len_out: *mut usize,
) -> i32 {
    // SAFETY: ud is a &mut ReadState alive for the C call; buf holds cap
    // bytes, zeroed here so the slice is initialised memory.
    let st = &mut *(ud as *mut ReadState<'_>);
    if !len_out.is_null() {
        *len_out = 0;
    }
    if cap == 0 || buf.is_null() || len_out.is_null() {
        return 0;
    }
    std::ptr::write_bytes(buf as *mut u8, 0, cap);
    let buf = std::slice::from_raw_parts_mut(buf as *mut u8, cap);
    loop {
        match catch_unwind(AssertUnwindSafe(|| st.r.read(buf))) {
            Ok(Ok(n)) => {
                *len_out = n.min(cap);
                return 0;
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) => {
                st.error = Some(e);
                return 1;
            }
            Err(p) => {
                st.panic = Some(panic_text(p));
                return 1;
            }
        }
    }
}

/// User data of the writer trampoline.
pub(crate) struct WriteState<'a> {
    pub w: &'a mut dyn Write,
    pub error: Option<io::Error>,
    pub panic: Option<String>,
}

pub(crate) unsafe extern "C" fn write_trampoline(ud: *mut c_void, buf: *const c_void, len: usize) -> i32 {
    // SAFETY: ud is a &mut WriteState alive for the C call; buf holds len bytes.
    let st = &mut *(ud as *mut WriteState<'_>);
    if len == 0 {
        return 0;
    }
    let buf = std::slice::from_raw_parts(buf as *const u8, len);
    match catch_unwind(AssertUnwindSafe(|| st.w.write_all(buf))) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            st.error = Some(e);
            1
        }
        Err(p) => {
            st.panic = Some(panic_text(p));
            1
        }
    }
}

/// The error of a call that ran a stream trampoline: a panic first, then the
/// `io::Error`, then the library's own status.
pub(crate) fn stream_result(
    what: &str,
    status: crate::sys::rs_status,
    message: String,
    error: Option<io::Error>,
    panic: Option<String>,
) -> crate::Result<()> {
    if let Some(p) = panic {
        return Err(crate::Error::callback_panic(what, &p, &message));
    }
    if let Some(e) = error {
        let message = if message.is_empty() { e.to_string() } else { format!("{}: {}", message, e) };
        return Err(crate::Error::new(status, message));
    }
    crate::error::check_with(status, || message).map(|_| ())
}
