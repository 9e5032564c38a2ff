// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! `Error`: a failed call's status code and message.

use crate::sys;
use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

/// The result of every fallible call.
pub type Result<T> = std::result::Result<T, Error>;

/// A failed call: the library's `rs_status` code and its message.
///
/// The message is the handle's last-error text for mutating calls (for
/// example `learning_rate = 0 is outside (0, 10]`), the `errmsg` text of
/// save/load, or the library's short description of the code
/// (`rs_status_string`) for read-only calls, which report no message.
/// `RS_OK` and `RS_FALLBACK` are successes and never become an `Error`.
///
/// A panic inside a callback is caught before it reaches C; the call then
/// fails with status `RS_ERR_CANCELLED`, [`Error::is_callback_panic`] is
/// true and the message carries the panic's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: sys::rs_status,
    message: String,
    panicked: bool,
}

impl Error {
    /// An error with `status` and `message`; an empty message is replaced by
    /// the library's description of the status.
    pub fn new(status: sys::rs_status, message: impl Into<String>) -> Error {
        let mut message = message.into();
        if message.is_empty() {
            message = status_string(status);
        }
        Error { status, message, panicked: false }
    }

    pub(crate) fn callback_panic(what: &str, panic: &str, library: &str) -> Error {
        let mut message = format!("the {} callback panicked: {}", what, panic);
        if !library.is_empty() {
            message.push_str(" (");
            message.push_str(library);
            message.push(')');
        }
        Error { status: sys::RS_ERR_CANCELLED, message, panicked: true }
    }

    /// The `rs_status` code, one of the `sys::RS_ERR_*` constants.
    pub fn status(&self) -> sys::rs_status {
        self.status
    }

    /// The status code's constant name, e.g. `"RS_ERR_RANGE"` (`"unknown"` for
    /// a code the headers do not name).
    pub fn status_name(&self) -> &'static str {
        status_name(self.status)
    }

    /// The message: the library's text for this failure.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True when the call failed because a Rust callback panicked.
    pub fn is_callback_panic(&self) -> bool {
        self.panicked
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status_name())
    }
}

impl std::error::Error for Error {}

/// The constant name of a status code (`"RS_FALLBACK"`, `"RS_ERR_IO"`, ...).
pub fn status_name(status: sys::rs_status) -> &'static str {
    crate::params::group("RS_STATUS")
        .iter()
        .find(|(_, v)| *v == status as i64)
        .map(|(n, _)| *n)
        .unwrap_or("unknown")
}

/// The library's short description of a status code (`rs_status_string`).
pub fn status_string(status: sys::rs_status) -> String {
    // SAFETY: rs_status_string returns a static NUL-terminated string for any value.
    unsafe { cstr_lossy(sys::rs_status_string(status)) }
}

/// Copy a C string owned by the library; NULL gives "".
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn cstr_lossy(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Successful statuses: `Ok(true)` for RS_FALLBACK, `Ok(false)` for RS_OK;
/// anything else is an error with the message `message()` gives.
pub(crate) fn check_with(status: sys::rs_status, message: impl FnOnce() -> String) -> Result<bool> {
    match status {
        sys::RS_OK => Ok(false),
        sys::RS_FALLBACK => Ok(true),
        _ => Err(Error::new(status, message())),
    }
}

/// `check_with` for read-only calls, which write no message.
pub(crate) fn check(status: sys::rs_status) -> Result<bool> {
    check_with(status, String::new)
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::new(sys::RS_ERR_INVALID_ARG, message)
}

/// Parallel slices must have the same length (the C calls take one count).
pub(crate) fn same_len(what: &str, n: usize, other: &str, m: usize) -> Result<()> {
    if n == m {
        Ok(())
    } else {
        Err(invalid(format!("{} has {} entries but {} has {}", what, n, other, m)))
    }
}

/// The library version number must have the headers' major version.
pub(crate) fn check_major(library: u32, header_major: i32, header_string: &str) -> Result<()> {
    if (library / 10000) as i64 == header_major as i64 {
        return Ok(());
    }
    Err(Error::new(
        sys::RS_ERR_VERSION,
        format!(
            "librecsgd version mismatch: the loaded library is {}.{}.{} (major {}), but this binding \
             was generated from the {} headers (major {}); install a librecsgd with major version {} \
             or rebuild the binding against the installed headers",
            library / 10000,
            library / 100 % 100,
            library % 100,
            library / 10000,
            header_string,
            header_major,
            header_major
        ),
    ))
}
