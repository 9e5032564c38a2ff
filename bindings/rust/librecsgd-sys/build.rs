// librecsgd. SPDX-License-Identifier: BSD-2-Clause
//! Link flags for librecsgd, from the `pkg-config` command (no crates).
//!
//! - `LIBRECSGD_LIB_DIR=/dir`: skip pkg-config and link `-L/dir -lrecsgd`.
//! - otherwise `pkg-config --libs librecsgd` (the command named by
//!   `$PKG_CONFIG`, default `pkg-config`; `PKG_CONFIG_PATH` finds a library
//!   installed under a prefix: `PREFIX/lib/pkgconfig`).
//! - `LIBRECSGD_STATIC=1`: link the static library (`pkg-config --static`).
//!
//! The header directory pkg-config reports is passed to dependents as
//! `DEP_RECSGD_INCLUDE` and to this crate's tests (which check the generated
//! declarations against those headers too).

use std::env;
use std::process::{exit, Command};

fn fail(msg: &str) -> ! {
    eprintln!("error: librecsgd-sys: {}", msg);
    exit(1);
}

fn pkg_config(args: &[&str]) -> String {
    let cmd = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = match Command::new(&cmd).args(args).arg("librecsgd").output() {
        Ok(out) => out,
        Err(e) => fail(&format!(
            "cannot run `{}` ({}). Install it (Debian: apt-get install pkg-config) or set \
             LIBRECSGD_LIB_DIR to the directory holding librecsgd.so",
            cmd, e
        )),
    };
    if !out.status.success() {
        fail(&format!(
            "`{} {} librecsgd` failed:\n{}\nIs librecsgd installed? For a library installed \
             under PREFIX set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig (or LIBRECSGD_LIB_DIR=PREFIX/lib)",
            cmd,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn main() {
    for var in ["PKG_CONFIG", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "LIBRECSGD_LIB_DIR", "LIBRECSGD_STATIC"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let link_static = env::var("LIBRECSGD_STATIC").map(|v| v == "1").unwrap_or(false);
    let kind = if link_static { "static=" } else { "" };

    if let Ok(dir) = env::var("LIBRECSGD_LIB_DIR") {
        println!("cargo:rustc-link-search=native={}", dir);
        println!("cargo:rustc-link-lib={}recsgd", kind);
        if link_static {
            println!("cargo:rustc-link-lib=m");
        }
        return;
    }

    let mut args = vec!["--libs"];
    if link_static {
        args.push("--static");
    }
    for flag in pkg_config(&args).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            let k = if lib == "recsgd" { kind } else { "" };
            println!("cargo:rustc-link-lib={}{}", k, lib);
        } else {
            println!("cargo:rustc-link-arg={}", flag);
        }
    }
    let include = pkg_config(&["--variable=includedir"]);
    if !include.is_empty() {
        println!("cargo:include={}", include);
        println!("cargo:rustc-env=LIBRECSGD_PKG_INCLUDEDIR={}", include);
    }
}
