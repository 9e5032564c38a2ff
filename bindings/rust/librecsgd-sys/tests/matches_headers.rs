// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! The committed src/bindings.rs must be exactly what gen_bindings.py makes
//! from the headers, and its constants must agree with the linked library.

use librecsgd_sys::*;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> String {
    if let Ok(p) = std::env::var("LIBRECSGD_PYTHON") {
        return p;
    }
    // Debian's interpreter, not a pyenv shim first on PATH
    if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3".into() } else { "python3".into() }
}

/// Header directories to check against: $LIBRECSGD_INCLUDE_DIR alone when
/// set; otherwise the source tree's include/ and the installed headers
/// pkg-config reported at build time (when they are a different directory).
fn include_dirs() -> Vec<PathBuf> {
    if let Ok(d) = std::env::var("LIBRECSGD_INCLUDE_DIR") {
        return vec![PathBuf::from(d)];
    }
    let mut dirs = Vec::new();
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../include");
    if tree.join("librecsgd/recsgd.h").exists() {
        dirs.push(tree.canonicalize().unwrap());
    }
    if let Some(d) = option_env!("LIBRECSGD_PKG_INCLUDEDIR") {
        if let Ok(d) = Path::new(d).canonicalize() {
            if !dirs.contains(&d) && d.join("librecsgd/recsgd.h").exists() {
                dirs.push(d);
            }
        }
    }
    assert!(!dirs.is_empty(), "no librecsgd headers found: set LIBRECSGD_INCLUDE_DIR");
    dirs
}

#[test]
fn bindings_rs_is_regenerated_from_the_headers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gen = root.join("../gen_bindings.py");
    let committed = root.join("src/bindings.rs");
    for dir in include_dirs() {
        let out = Command::new(python())
            .arg(&gen)
            .arg("--include")
            .arg(&dir)
            .arg("--check")
            .arg(&committed)
            .output()
            .expect("cannot run python3 (set LIBRECSGD_PYTHON)");
        assert!(
            out.status.success(),
            "src/bindings.rs differs from the headers in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn linked_library_has_the_header_major_version() {
    let v = unsafe { rs_version_number() };
    assert_eq!(v / 10000, RS_VERSION_MAJOR as u32, "library {} vs headers {}", v, RS_VERSION_STRING);
    let s = unsafe { CStr::from_ptr(rs_version_string()) }.to_str().unwrap();
    assert!(s.starts_with(&format!("{}.", RS_VERSION_MAJOR)), "{}", s);
}

#[test]
fn every_param_constant_is_known_to_the_library_by_its_name() {
    let params = RS_CONSTANT_GROUPS.iter().find(|g| g.0 == "RS_PARAM").expect("RS_PARAM group").1;
    assert!(params.len() > 20);
    for (cname, value) in params {
        let name = unsafe { rs_param_name(*value as rs_param) };
        assert!(!name.is_null(), "{} = {} unknown to the library", cname, value);
        let name = unsafe { CStr::from_ptr(name) };
        assert_eq!(name.to_str().unwrap(), cname["RS_PARAM_".len()..].to_ascii_lowercase());
        let owned = CString::new(name.to_bytes()).unwrap();
        let back = unsafe { rs_param_from_name(owned.as_ptr()) };
        assert_eq!(back as i64, *value, "{}", cname);
    }
}

#[test]
fn status_constants_have_library_descriptions() {
    let unknown = unsafe { CStr::from_ptr(rs_status_string(-12345)) }.to_owned();
    let statuses = RS_CONSTANT_GROUPS.iter().find(|g| g.0 == "RS_STATUS").unwrap().1;
    assert!(statuses.iter().any(|s| s.0 == "RS_FALLBACK" && s.1 == RS_FALLBACK as i64));
    for (cname, value) in statuses {
        let s = unsafe { CStr::from_ptr(rs_status_string(*value as rs_status)) };
        assert_ne!(s, unknown.as_c_str(), "{} has no description in the library", cname);
    }
}

#[test]
fn every_enumerated_param_has_a_value_group() {
    for (param, cname, group) in RS_PARAM_CHOICES {
        assert!((300..400).contains(param), "{}", cname);
        assert!(RS_CONSTANT_GROUPS.iter().any(|g| g.0 == *group && !g.1.is_empty()), "{}", group);
    }
    assert!(RS_PARAM_CHOICES.iter().any(|c| c.0 == RS_PARAM_LR_POLICY && c.2 == "RS_LR"));
}
