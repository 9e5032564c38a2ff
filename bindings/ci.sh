#!/usr/bin/env bash
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# bindings/ci.sh BUILD_DIR WORK_DIR [PREFIX]: the bindings' CI stage (called
# by .ci/run).
#
#  1. the library built in BUILD_DIR, installed: PREFIX if given (a
#     `make install` of the same sources, as .ci/run's install section
#     makes), else BUILD_DIR's own `make install DESTDIR=WORK_DIR/stage`
#     relocated to a prefix under WORK_DIR; the bindings are tested against
#     that installed library and its installed headers;
#  2. Python: the committed librecsgd/_capi.py must be what the source and
#     the installed headers generate; `pip install --no-build-isolation`
#     (offline) into a target directory; the pytest suite against that
#     installed copy, once with numpy and once as if numpy were absent;
#  3. Go and Rust: the hooks below (go vet + go test, cargo test --offline);
#  4. the cross-language identity check (bindings/identity/run.sh).
# Installs nothing from the network: the packages come from .ci/run's list.
set -euo pipefail

if test $# -ne 2 && test $# -ne 3; then
    echo "usage: $0 BUILD_DIR WORK_DIR [PREFIX]" >&2
    exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
python=${PYTHON:-/usr/bin/python3}
limit=${BINDINGS_TIMEOUT:-900}
export PYTHONDONTWRITEBYTECODE=1 PIP_ROOT_USER_ACTION=ignore

step() { printf '\n---- bindings: %s\n' "$*"; }

# ---- 1. the freshly built library, installed ----
if test $# -eq 3; then
    prefix=$(cd "$3" && pwd)
    step "installed library: $prefix"
else
    step "make install DESTDIR=$work/stage"
    rm -rf "$work/stage"
    make -C "$build" install DESTDIR="$work/stage" > "$work/install.log"
    built_prefix=$(sed -n 's/^prefix=//p' "$build/librecsgd.pc")
    prefix=$work/stage$built_prefix
    # relocate the staged pkg-config file, so the staged tree is a prefix
    for pc in $(find "$prefix" -name librecsgd.pc); do
        sed -i "s|^prefix=.*|prefix=$prefix|" "$pc"
    done
fi
solib=$(find "$prefix" -name librecsgd.so.0 | head -n 1)
header=$(find "$prefix" -path '*/include/librecsgd/recsgd.h' | head -n 1)
pcfile=$(find "$prefix" -name librecsgd.pc | head -n 1)
if test -z "$solib" || test -z "$header" || test -z "$pcfile"; then
    echo "no installed library, headers or librecsgd.pc under $prefix" >&2
    exit 1
fi
libdir=$(dirname "$solib")
incdir=$(dirname "$(dirname "$header")")
echo "library $solib"
echo "headers $incdir"
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_PATH=$(dirname "$pcfile")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
echo "pkg-config: $(pkg-config --cflags --libs librecsgd)"

# ---- 2. Python ----
python_suite() {
    step "Python: $("$python" --version), pytest $("$python" -m pytest --version 2>&1 | sed 's/^pytest //'), numpy $("$python" -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo absent)"
    "$python" "$top/bindings/python/gen_capi.py" --check
    "$python" "$top/bindings/python/gen_capi.py" --check --include "$incdir"
    echo "librecsgd/_capi.py: up to date with the source and the installed headers"

    step "Python: pip install --no-build-isolation (offline) into $work/site"
    rm -rf "$work/python-src" "$work/site"
    cp -r "$top/bindings/python" "$work/python-src"   # the build leaves build/ and *.egg-info
    timeout "$limit" "$python" -m pip install -q --disable-pip-version-check --no-build-isolation \
        --no-deps --no-index --target "$work/site" "$work/python-src"
    ls "$work/site"

    local no_numpy
    for no_numpy in "" 1; do
        step "Python: pytest against the installed package (${no_numpy:+as if }numpy${no_numpy:+ were absent})"
        (cd "$work" && env PYTHONPATH="$work/site" LIBRECSGD_PATH="$solib" \
            LIBRECSGD_EXPECT_PACKAGE_DIR="$work/site" LIBRECSGD_INCLUDE="$incdir" \
            LIBRECSGD_BUILD_DIR="$build" LIBRECSGD_TEST_NO_NUMPY="$no_numpy" \
            timeout "$limit" "$python" -m pytest -q -p no:cacheprovider -rs "$top/bindings/python/tests")
    done

    step "Python: examples/python/quickstart.py"
    PYTHONPATH="$work/site" LIBRECSGD_PATH="$solib" timeout "$limit" \
        "$python" "$top/examples/python/quickstart.py" "$top/data/sample" | tail -n 3
}

# ---- 3. Go: HOOK for the Go binding (bindings/go) ----
# The integrator merges the Go engineer's stage here: their
# bindings/go/ci.sh PREFIX when it exists, else go vet and go test -race
# over the module when it and `go` exist.
go_suite() {
    if test -f "$top/bindings/go/ci.sh"; then
        step "Go: bindings/go/ci.sh $prefix"
        bash "$top/bindings/go/ci.sh" "$prefix"
    elif test -f "$top/bindings/go/go.mod" && command -v go > /dev/null; then
        step "Go: $(go version)"
        (cd "$top/bindings/go" && timeout "$limit" go vet ./... && timeout "$limit" go test -race ./...)
    else
        step "Go: skipped (no bindings/go, or no go)"
    fi
}

# ---- 3. Rust: HOOK for the Rust binding (bindings/rust) ----
# The integrator merges the Rust engineer's stage here: their
# bindings/rust/ci.sh PREFIX when it exists, else cargo test --offline in
# the workspace when it and `cargo` exist.
rust_suite() {
    if test -f "$top/bindings/rust/ci.sh"; then
        step "Rust: bindings/rust/ci.sh $prefix"
        sh "$top/bindings/rust/ci.sh" "$prefix"
    elif test -f "$top/bindings/rust/Cargo.toml" && command -v cargo > /dev/null; then
        step "Rust: $(cargo --version)"
        (cd "$top/bindings/rust" && timeout "$limit" cargo test --offline)
    else
        step "Rust: skipped (no bindings/rust, or no cargo)"
    fi
}

python_suite
go_suite
rust_suite

# ---- 4. the same answers everywhere ----
step "cross-language identity (bindings/identity/run.sh)"
LIBRECSGD_PYTHONPATH="$work/site" PYTHON="$python" IDENTITY_TIMEOUT="$limit" \
    bash "$top/bindings/identity/run.sh" "$build" "$work/identity"
