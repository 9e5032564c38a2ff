// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! `Dataset`: ratings with optional user and item features (`rs_dataset`).

use crate::callbacks::{read_trampoline, stream_result, ReadState};
use crate::error::{check, check_with, cstr_lossy, invalid, same_len, Result};
use crate::params::{choice, cstring, ParamOps, Value};
use crate::sys;
use std::ffi::CString;
use std::io::Read;
use std::path::Path;
use std::ptr::{self, NonNull};

/// Which side of the rating matrix a feature or id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// `RS_SIDE_USER`
    User,
    /// `RS_SIDE_ITEM`
    Item,
}

impl Side {
    pub(crate) fn raw(self) -> i32 {
        match self {
            Side::User => sys::RS_SIDE_USER,
            Side::Item => sys::RS_SIDE_ITEM,
        }
    }
}

/// One rating as stored in a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub user: i64,
    pub item: i64,
    pub rating: f32,
    pub weight: f32,
}

/// A set of ratings with optional user and item features.
///
/// External ids are `i64`. Rating file formats are named after the headers'
/// `RS_FORMAT_*` constants (`"movielens"`, `"csv"`, `"libmf"`), feature file
/// formats after `RS_FEATURES_*` (`"sparse"`, `"movielens_item"`,
/// `"movielens_user"`). A failed call leaves the dataset as it was.
///
/// `Send` and `Sync`: every `&self` method is a `shared` call of the C API
/// (counts, getters, splits), every `&mut self` method an `exclusive` one;
/// `Model::fit` only reads its datasets, so one dataset may feed fits of
/// several models on several threads at once.
pub struct Dataset {
    raw: NonNull<sys::rs_dataset>,
}

// SAFETY: rs_dataset has no thread affinity (no thread-local or global
// state; the default allocator is libc's, which is thread-safe). &self
// methods only make `shared` calls, which may run concurrently; `exclusive`
// calls need &mut self, which Rust makes unique.
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: the handle is live and owned by self.
        unsafe { sys::rs_dataset_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("ratings", &self.num_ratings())
            .field("users", &self.num_users())
            .field("items", &self.num_items())
            .finish()
    }
}

const OPS: ParamOps<sys::rs_dataset> = ParamOps {
    set_int: sys::rs_dataset_set_int,
    set_double: sys::rs_dataset_set_double,
    get_int: sys::rs_dataset_get_int,
    get_double: sys::rs_dataset_get_double,
    last_error: sys::rs_dataset_last_error,
};

pub(crate) fn path_cstring(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| invalid(format!("path {} is not valid UTF-8", path.display())))?
        .as_bytes()
        .to_vec();
    CString::new(bytes).map_err(|_| invalid(format!("path {} contains a NUL byte", path.display())))
}

fn rating_format(name: &str) -> Result<i32> {
    choice("RS_FORMAT", name, "rating format")
}

fn feature_format(name: &str) -> Result<i32> {
    choice("RS_FEATURES", name, "feature format")
}

impl Dataset {
    /// An empty dataset (`rs_dataset_new`).
    pub fn new() -> Result<Dataset> {
        crate::check_library_version()?;
        let mut raw = ptr::null_mut();
        // SAFETY: out-pointer valid; NULL allocator means libc.
        check(unsafe { sys::rs_dataset_new(&mut raw, None, ptr::null_mut()) })?;
        Ok(Dataset { raw: NonNull::new(raw).ok_or_else(|| invalid("rs_dataset_new gave NULL"))? })
    }

    /// A dataset loaded from a rating file (`format`: `"movielens"`, `"csv"`, `"libmf"`).
    pub fn from_file(path: impl AsRef<Path>, format: &str) -> Result<Dataset> {
        let mut ds = Dataset::new()?;
        ds.load_file(path, format)?;
        Ok(ds)
    }

    /// A dataset of `users[k]` rated `items[k]` with `ratings[k]` (weight
    /// `weights[k]`, or 1), added in one call without a per-rating loop.
    pub fn from_slices(users: &[i64], items: &[i64], ratings: &[f32], weights: Option<&[f32]>) -> Result<Dataset> {
        let mut ds = Dataset::new()?;
        ds.add_ratings(users, items, ratings, weights)?;
        Ok(ds)
    }

    /// A dataset parsed from a `Read` (`name` labels error messages).
    pub fn from_reader<R: Read>(reader: R, format: &str, name: &str) -> Result<Dataset> {
        let mut ds = Dataset::new()?;
        ds.load_reader(reader, format, name)?;
        Ok(ds)
    }

    /// The raw handle, for calls the safe API lacks. It stays owned by `self`.
    pub fn as_ptr(&self) -> *const sys::rs_dataset {
        self.raw.as_ptr()
    }

    fn mutating(&mut self, status: sys::rs_status) -> Result<()> {
        // SAFETY: the handle is live; the message is copied at once.
        check_with(status, || unsafe { cstr_lossy(sys::rs_dataset_last_error(self.raw.as_ptr())) }).map(|_| ())
    }

    /// Set a dataset parameter by name (`"rating_min"`, `"csv_delimiter"`, ...).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<&mut Dataset> {
        // SAFETY: live handle, exclusive through &mut self.
        unsafe { OPS.set(self.raw.as_ptr(), name, value.into())? };
        Ok(self)
    }

    /// Read a dataset parameter by name.
    pub fn get(&self, name: &str) -> Result<Value> {
        // SAFETY: live handle; a shared call.
        unsafe { OPS.get(self.raw.as_ptr(), name) }
    }

    /// Append one rating with weight 1 (`rs_dataset_add_rating`).
    pub fn add_rating(&mut self, user: i64, item: i64, rating: f32) -> Result<()> {
        self.add_weighted_rating(user, item, rating, 1.0)
    }

    /// Append one rating with a weight.
    pub fn add_weighted_rating(&mut self, user: i64, item: i64, rating: f32, weight: f32) -> Result<()> {
        // SAFETY: live handle, exclusive.
        let st = unsafe { sys::rs_dataset_add_rating(self.raw.as_ptr(), user, item, rating, weight) };
        self.mutating(st)
    }

    /// Append ratings from parallel slices in one call (all or none).
    pub fn add_ratings(&mut self, users: &[i64], items: &[i64], ratings: &[f32], weights: Option<&[f32]>) -> Result<()> {
        same_len("users", users.len(), "items", items.len())?;
        same_len("users", users.len(), "ratings", ratings.len())?;
        if let Some(w) = weights {
            same_len("users", users.len(), "weights", w.len())?;
        }
        let w = weights.map_or(ptr::null(), |w| w.as_ptr());
        // SAFETY: every slice holds users.len() elements.
        let st = unsafe {
            sys::rs_dataset_add_ratings(self.raw.as_ptr(), users.as_ptr(), items.as_ptr(), ratings.as_ptr(), w, users.len())
        };
        self.mutating(st)
    }

    /// Append the ratings of a file.
    pub fn load_file(&mut self, path: impl AsRef<Path>, format: &str) -> Result<()> {
        let f = rating_format(format)?;
        let p = path_cstring(path.as_ref())?;
        // SAFETY: live handle, valid path string.
        let st = unsafe { sys::rs_dataset_load_file(self.raw.as_ptr(), p.as_ptr(), f) };
        self.mutating(st)
    }

    /// Append the ratings parsed from a `Read` (through `rs_dataset_load`).
    pub fn load_reader<R: Read>(&mut self, mut reader: R, format: &str, name: &str) -> Result<()> {
        let f = rating_format(format)?;
        let n = cstring(name, "name")?;
        let mut st = ReadState { r: &mut reader, error: None, panic: None };
        // SAFETY: st outlives the call; the trampoline only runs during it.
        let status = unsafe {
            sys::rs_dataset_load(self.raw.as_ptr(), Some(read_trampoline), &mut st as *mut ReadState as *mut _, f, n.as_ptr())
        };
        let msg = unsafe { cstr_lossy(sys::rs_dataset_last_error(self.raw.as_ptr())) };
        stream_result("reader", status, msg, st.error, st.panic)
    }

    /// Read the feature rows of one side from a file (`format`: `"sparse"`,
    /// `"movielens_item"`, `"movielens_user"`).
    pub fn load_features_file(&mut self, side: Side, path: impl AsRef<Path>, format: &str) -> Result<()> {
        let f = feature_format(format)?;
        let p = path_cstring(path.as_ref())?;
        // SAFETY: live handle, valid path string.
        let st = unsafe { sys::rs_dataset_load_features_file(self.raw.as_ptr(), side.raw(), p.as_ptr(), f) };
        self.mutating(st)
    }

    /// Read feature rows from a `Read`.
    pub fn load_features_reader<R: Read>(&mut self, side: Side, mut reader: R, format: &str, name: &str) -> Result<()> {
        let f = feature_format(format)?;
        let n = cstring(name, "name")?;
        let mut st = ReadState { r: &mut reader, error: None, panic: None };
        // SAFETY: st outlives the call.
        let status = unsafe {
            sys::rs_dataset_load_features(
                self.raw.as_ptr(),
                side.raw(),
                Some(read_trampoline),
                &mut st as *mut ReadState as *mut _,
                f,
                n.as_ptr(),
            )
        };
        let msg = unsafe { cstr_lossy(sys::rs_dataset_last_error(self.raw.as_ptr())) };
        stream_result("reader", status, msg, st.error, st.panic)
    }

    /// Declare a named feature (or find it); its index.
    pub fn add_feature(&mut self, side: Side, name: &str) -> Result<i32> {
        let n = cstring(name, "feature name")?;
        let mut index = -1;
        // SAFETY: live handle, valid string and out-pointer.
        let st = unsafe { sys::rs_dataset_add_feature(self.raw.as_ptr(), side.raw(), n.as_ptr(), &mut index) };
        self.mutating(st)?;
        Ok(index)
    }

    /// Set (replace) the sparse feature row of an id: `features[k]` has
    /// value `values[k]` (or 1 when `values` is `None`).
    pub fn set_features(&mut self, side: Side, id: i64, features: &[i32], values: Option<&[f32]>) -> Result<()> {
        if let Some(v) = values {
            same_len("features", features.len(), "values", v.len())?;
        }
        let v = values.map_or(ptr::null(), |v| v.as_ptr());
        // SAFETY: slices hold features.len() elements.
        let st = unsafe {
            sys::rs_dataset_set_features(self.raw.as_ptr(), side.raw(), id, features.as_ptr(), v, features.len())
        };
        self.mutating(st)
    }

    /// The sparse feature row of an id: (feature indices, values).
    pub fn features(&self, side: Side, id: i64) -> Result<(Vec<i32>, Vec<f32>)> {
        let mut n = 0usize;
        // SAFETY: cap 0 asks for the length only.
        check(unsafe {
            sys::rs_dataset_get_features(self.raw.as_ptr(), side.raw(), id, ptr::null_mut(), ptr::null_mut(), 0, &mut n)
        })?;
        let (mut f, mut v) = (vec![0i32; n], vec![0f32; n]);
        if n > 0 {
            let mut got = 0usize;
            // SAFETY: both buffers hold n elements.
            check(unsafe {
                sys::rs_dataset_get_features(self.raw.as_ptr(), side.raw(), id, f.as_mut_ptr(), v.as_mut_ptr(), n, &mut got)
            })?;
            f.truncate(got.min(n));
            v.truncate(got.min(n));
        }
        Ok((f, v))
    }

    /// Number of declared features on one side.
    pub fn num_features(&self, side: Side) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_dataset_num_features(self.raw.as_ptr(), side.raw()) }
    }

    /// The name of a declared feature.
    pub fn feature_name(&self, side: Side, index: i32) -> Option<String> {
        // SAFETY: the name is owned by the dataset and copied at once.
        let p = unsafe { sys::rs_dataset_feature_name(self.raw.as_ptr(), side.raw(), index) };
        if p.is_null() {
            None
        } else {
            Some(unsafe { cstr_lossy(p) })
        }
    }

    /// The names of all declared features of one side, by index.
    pub fn feature_names(&self, side: Side) -> Vec<String> {
        (0..self.num_features(side) as i32).filter_map(|k| self.feature_name(side, k)).collect()
    }

    /// Scale one side's features to mean 0, variance 1.
    pub fn standardize_features(&mut self, side: Side) -> Result<()> {
        // SAFETY: live handle, exclusive.
        let st = unsafe { sys::rs_dataset_standardize_features(self.raw.as_ptr(), side.raw()) };
        self.mutating(st)
    }

    /// Number of ratings.
    pub fn num_ratings(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_dataset_num_ratings(self.raw.as_ptr()) }
    }

    /// Number of distinct users (with ratings or features).
    pub fn num_users(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_dataset_num_users(self.raw.as_ptr()) }
    }

    /// Number of distinct items (with ratings or features).
    pub fn num_items(&self) -> usize {
        // SAFETY: live handle.
        unsafe { sys::rs_dataset_num_items(self.raw.as_ptr()) }
    }

    /// Rating number `index`, in insertion order.
    pub fn rating(&self, index: usize) -> Result<Rating> {
        let mut r = Rating { user: 0, item: 0, rating: 0.0, weight: 0.0 };
        // SAFETY: all out-pointers valid.
        check(unsafe {
            sys::rs_dataset_get_rating(self.raw.as_ptr(), index, &mut r.user, &mut r.item, &mut r.rating, &mut r.weight)
        })?;
        Ok(r)
    }

    /// Every rating, in insertion order.
    pub fn ratings(&self) -> impl Iterator<Item = Rating> + '_ {
        (0..self.num_ratings()).filter_map(move |k| self.rating(k).ok())
    }

    /// The dense index of an external id.
    pub fn id_to_index(&self, side: Side, id: i64) -> Result<i32> {
        let mut index = -1;
        // SAFETY: out-pointer valid.
        check(unsafe { sys::rs_dataset_id_to_index(self.raw.as_ptr(), side.raw(), id, &mut index) })?;
        Ok(index)
    }

    /// The external id of a dense index.
    pub fn index_to_id(&self, side: Side, index: i32) -> Result<i64> {
        let mut id = 0;
        // SAFETY: out-pointer valid.
        check(unsafe { sys::rs_dataset_index_to_id(self.raw.as_ptr(), side.raw(), index, &mut id) })?;
        Ok(id)
    }

    fn split(
        &self,
        f: impl FnOnce(*mut *mut sys::rs_dataset, *mut *mut sys::rs_dataset) -> sys::rs_status,
    ) -> Result<(Dataset, Dataset)> {
        let (mut a, mut b) = (ptr::null_mut(), ptr::null_mut());
        check(f(&mut a, &mut b))?;
        match (NonNull::new(a), NonNull::new(b)) {
            (Some(a), Some(b)) => Ok((Dataset { raw: a }, Dataset { raw: b })),
            _ => Err(invalid("split returned NULL")),
        }
    }

    /// Split the ratings at random: (train, test) with `test_fraction` of
    /// them in test (`rs_dataset_split_random`). Both parts keep every id
    /// map and feature row of `self`.
    pub fn split_random(&self, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        // SAFETY: live handle, valid out-pointers.
        self.split(|a, b| unsafe { sys::rs_dataset_split_random(self.raw.as_ptr(), test_fraction, seed, a, b) })
    }

    /// Hold out `n` ratings of every user with more than `n`: (train, test)
    /// (`rs_dataset_split_holdout`).
    pub fn split_per_user(&self, n: usize, seed: u64) -> Result<(Dataset, Dataset)> {
        // SAFETY: live handle, valid out-pointers.
        self.split(|a, b| unsafe { sys::rs_dataset_split_holdout(self.raw.as_ptr(), n, seed, a, b) })
    }
}
