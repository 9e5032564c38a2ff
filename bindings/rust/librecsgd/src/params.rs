// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Parameters by name (`rs_param_from_name`) and enumerated values by name
//! (the constant groups generated from the headers), shared by `Model` and
//! `Dataset`.

use crate::error::{cstr_lossy, invalid, Error, Result};
use crate::sys;
use std::ffi::CString;
use std::os::raw::c_char;

/// A parameter value: an integer, a real, or the name of an enumerated
/// choice (`"adagrad"` for `lr_policy`). Built from Rust values with `into()`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer (also accepted by real parameters).
    Int(i64),
    /// A real number.
    Real(f64),
    /// The name of an enumerated value, e.g. `"inverse_time"`.
    Name(String),
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { Value::Int(v as i64) }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, u8, u16, u32, usize);

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v as i64)
    }
}
impl From<char> for Value {
    /// A character as its code (the CSV delimiter).
    fn from(v: char) -> Value {
        Value::Int(v as i64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}
impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Real(v as f64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Name(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Name(v)
    }
}

impl Value {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }
    /// The number as a real (integers convert).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Real(v) => Some(*v),
            Value::Name(_) => None,
        }
    }
    /// The choice name, if this is one.
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Value::Name(v) => Some(v),
            _ => None,
        }
    }
}

/// The members of a generated constant group (`"RS_LR"` -> `[("RS_LR_CONSTANT", 0), ...]`).
pub(crate) fn group(prefix: &str) -> &'static [(&'static str, i64)] {
    sys::RS_CONSTANT_GROUPS.iter().find(|g| g.0 == prefix).map(|g| g.1).unwrap_or(&[])
}

/// The short name of a group member: `RS_LR_INVERSE_TIME` -> `inverse_time`.
pub(crate) fn short_name(group: &str, constant: &str) -> String {
    constant[group.len() + 1..].to_ascii_lowercase()
}

/// The value of the member of `group` named `name` (`"movielens"` in RS_FORMAT).
pub(crate) fn choice(group_prefix: &str, name: &str, what: &str) -> Result<i32> {
    let members = group(group_prefix);
    for (c, v) in members {
        if short_name(group_prefix, c) == name {
            return Ok(*v as i32);
        }
    }
    let known: Vec<String> = members.iter().map(|(c, _)| short_name(group_prefix, c)).collect();
    Err(invalid(format!("unknown {} '{}' (known: {})", what, name, known.join(", "))))
}

/// The short names of a group's members.
pub(crate) fn choice_names(group_prefix: &str) -> Vec<String> {
    group(group_prefix).iter().map(|(c, _)| short_name(group_prefix, c)).collect()
}

pub(crate) fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| invalid(format!("{} contains a NUL byte", what)))
}

/// The `rs_param` of a keyword name, through `rs_param_from_name`.
pub fn param_id(name: &str) -> Result<sys::rs_param> {
    let c = cstring(name, "parameter name")?;
    // SAFETY: c is a valid NUL-terminated string; the call reads it only.
    let p = unsafe { sys::rs_param_from_name(c.as_ptr()) };
    if p < 0 {
        return Err(Error::new(sys::RS_ERR_UNKNOWN_PARAM, format!("unknown parameter '{}'", name)));
    }
    Ok(p)
}

/// The keyword name of a parameter (`rs_param_name`), e.g. `"factors"`.
pub fn param_name(param: sys::rs_param) -> Option<String> {
    // SAFETY: returns a static string or NULL.
    let p = unsafe { sys::rs_param_name(param) };
    if p.is_null() {
        None
    } else {
        Some(unsafe { cstr_lossy(p) })
    }
}

/// Every parameter the headers define (model and dataset), by keyword name.
pub fn param_names() -> Vec<String> {
    group("RS_PARAM").iter().filter_map(|(_, v)| param_name(*v as sys::rs_param)).collect()
}

/// The inclusive bounds of a parameter (`rs_param_bounds`).
pub fn param_bounds(name: &str) -> Result<(f64, f64)> {
    let p = param_id(name)?;
    let (mut lo, mut hi) = (0.0, 0.0);
    // SAFETY: both out-pointers are valid.
    crate::error::check(unsafe { sys::rs_param_bounds(p, &mut lo, &mut hi) })?;
    Ok((lo, hi))
}

/// The value group of an enumerated parameter (`lr_policy` -> `RS_LR`).
fn choice_group(param: sys::rs_param) -> Option<&'static str> {
    sys::RS_PARAM_CHOICES.iter().find(|c| c.0 == param).map(|c| c.2)
}

/// The names an enumerated parameter accepts (`"lr_policy"` -> `["constant",
/// "inverse_time", "adagrad", "adam"]`); `None` for a numeric parameter.
pub fn param_choices(name: &str) -> Result<Option<Vec<String>>> {
    Ok(choice_group(param_id(name)?).map(choice_names))
}

/// The setters and getters of one handle kind (model or dataset).
pub(crate) struct ParamOps<H> {
    pub set_int: unsafe extern "C" fn(*mut H, sys::rs_param, i64) -> sys::rs_status,
    pub set_double: unsafe extern "C" fn(*mut H, sys::rs_param, f64) -> sys::rs_status,
    pub get_int: unsafe extern "C" fn(*const H, sys::rs_param, *mut i64) -> sys::rs_status,
    pub get_double: unsafe extern "C" fn(*const H, sys::rs_param, *mut f64) -> sys::rs_status,
    pub last_error: unsafe extern "C" fn(*const H) -> *const c_char,
}

impl<H> ParamOps<H> {
    /// Set `name` to `value` on the handle: integers go to the integer
    /// setter and, when the library says the parameter is real
    /// (RS_ERR_PARAM_TYPE), to the real one; names of enumerated values are
    /// looked up in the parameter's generated value group.
    ///
    /// # Safety
    /// `h` is a live handle the caller has exclusive access to.
    pub unsafe fn set(&self, h: *mut H, name: &str, value: Value) -> Result<()> {
        let p = param_id(name)?;
        let st = match value {
            Value::Int(v) => {
                let st = (self.set_int)(h, p, v);
                if st == sys::RS_ERR_PARAM_TYPE {
                    (self.set_double)(h, p, v as f64)
                } else {
                    st
                }
            }
            Value::Real(v) => (self.set_double)(h, p, v),
            Value::Name(s) => match choice_group(p) {
                Some(g) => (self.set_int)(h, p, choice(g, &s, &format!("value of {}", name))? as i64),
                None => {
                    return Err(Error::new(
                        sys::RS_ERR_PARAM_TYPE,
                        format!("parameter '{}' takes a number, not the name '{}'", name, s),
                    ))
                }
            },
        };
        crate::error::check_with(st, || cstr_lossy((self.last_error)(h))).map(|_| ())
    }

    /// The value of `name`: `Value::Name` for enumerated parameters,
    /// `Value::Int` or `Value::Real` for the others.
    ///
    /// # Safety
    /// `h` is a live handle (a `shared` call).
    pub unsafe fn get(&self, h: *const H, name: &str) -> Result<Value> {
        let p = param_id(name)?;
        let mut i = 0i64;
        let st = (self.get_int)(h, p, &mut i);
        if st == sys::RS_ERR_PARAM_TYPE {
            let mut d = 0f64;
            crate::error::check((self.get_double)(h, p, &mut d))?;
            return Ok(Value::Real(d));
        }
        crate::error::check(st)?;
        if let Some(g) = choice_group(p) {
            if let Some((c, _)) = group(g).iter().find(|(_, v)| *v == i) {
                return Ok(Value::Name(short_name(g, c)));
            }
        }
        Ok(Value::Int(i))
    }
}
