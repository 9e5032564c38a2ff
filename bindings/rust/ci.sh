#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# bindings/rust/ci.sh PREFIX: the Rust binding against a librecsgd installed
# under PREFIX (make install), offline, with an empty Cargo home:
#
#   1. cargo test --offline (both crates: generated declarations == headers,
#      constants == linked library, the safe API's tests);
#   2. the same generator test against a scratch copy of the headers with one
#      constant changed must FAIL;
#   3. cargo build --offline --release --examples; run the quickstart on
#      data/sample and the identity workflow (bindings/identity/SPEC.md);
#      when the C reference bindings/identity/identity.c is in the tree, its
#      report and model files must be byte-identical to Rust's.
#
# Needs Debian's cargo and rustc (1.63+), python3, pkg-config and a C
# compiler. No registry crate is used; nothing is downloaded.
set -eu

if test $# -ne 1; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# Debian's toolchain, not a rustup or pyenv shim earlier on PATH
PATH=/usr/bin:$PATH
export PATH
libdir=$prefix/lib
test -d "$libdir/pkgconfig" || libdir=$prefix/lib64
PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_PATH LD_LIBRARY_PATH
unset LIBRECSGD_INCLUDE_DIR LIBRECSGD_LIB_DIR LIBRECSGD_STATIC || true

work=$(mktemp -d "${TMPDIR:-/tmp}/librecsgd-rust-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
# an empty Cargo home: proves no registry or network is needed
CARGO_HOME=$work/cargo-home
export CARGO_HOME

cargo --version
rustc --version
echo "librecsgd $(pkg-config --modversion librecsgd) from $prefix"

cd "$here"

echo "---- cargo test --offline"
timeout 900 cargo test --offline --quiet

echo "---- a changed header constant must fail the generated-declarations test"
cp -r "$prefix/include" "$work/include"
sed -i 's/RS_ERR_EMPTY *= 15/RS_ERR_EMPTY = 16/' "$work/include/librecsgd/status.h"
grep -q 'RS_ERR_EMPTY = 16' "$work/include/librecsgd/status.h"
if LIBRECSGD_INCLUDE_DIR=$work/include timeout 300 cargo test --offline --quiet -p librecsgd-sys \
    --test matches_headers bindings_rs_is_regenerated >"$work/neg.log" 2>&1; then
    echo "FAIL: the test passed against headers with RS_ERR_EMPTY changed" >&2
    exit 1
fi
grep -F -- '+pub const RS_ERR_EMPTY: rs_status = 16;' "$work/neg.log"
echo "ok: the test fails on the changed constant"

echo "---- cargo build --offline --release --examples"
timeout 600 cargo build --offline --release --quiet --examples
examples=$here/target/release/examples

echo "---- quickstart on data/sample"
timeout 120 "$examples/quickstart" "$top/data/sample" >"$work/quickstart.txt"
tail -n 14 "$work/quickstart.txt"
grep -q '^held-out RMSE' "$work/quickstart.txt"

echo "---- identity workflow (bindings/identity/SPEC.md)"
mkdir -p "$work/out"
timeout 120 "$examples/identity" "$top/data/sample" "$work/out" >"$work/out/rust.txt"
echo "rust: $(wc -l <"$work/out/rust.txt") lines, $(ls "$work/out" | grep -c '^rust-.*\.model$') model files"
ref=$top/bindings/identity/identity.c
if test -f "$ref"; then
    cc -std=c11 -O2 $(pkg-config --cflags librecsgd) "$ref" $(pkg-config --libs librecsgd) -lm -o "$work/identity-c"
    timeout 120 "$work/identity-c" "$top/data/sample" "$work/out" >"$work/out/c.txt"
    cmp "$work/out/c.txt" "$work/out/rust.txt"
    for s in collaborative hybrid; do
        cmp "$work/out/c-$s.model" "$work/out/rust-$s.model"
    done
    echo "ok: report and model files byte-identical to the C reference"
else
    echo "no $ref in this tree: the byte comparison with C is left to bindings/identity/run.sh"
fi
echo "rust binding: all checks passed"
