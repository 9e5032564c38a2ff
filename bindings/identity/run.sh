#!/usr/bin/env bash
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# bindings/identity/run.sh BUILD_DIR OUT_DIR
#
# The cross-language identity check (bindings/identity/SPEC.md): runs the
# workflow in C (identity.c, always) and in every binding that is present -
# Python (bindings/python/examples/identity.py), Go (bindings/go/cmd/identity,
# with `go run`, when `go` exists) and Rust
# (bindings/rust/librecsgd/examples/identity.rs, with `cargo run --offline`,
# when `cargo` exists) - against the library built in BUILD_DIR, and fails
# unless every report and every saved model file is byte-identical to C's.
#
# Environment: CC (default cc), PYTHON (default /usr/bin/python3, else
# python3), LIBRECSGD_PYTHONPATH (where the librecsgd package is; default
# the source tree's bindings/python), IDENTITY_TIMEOUT (seconds per program,
# default 900).
set -euo pipefail

if test $# -ne 2; then
    echo "usage: $0 BUILD_DIR OUT_DIR" >&2
    exit 2
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
libdir=$build/.libs
data=$top/data/sample
limit=${IDENTITY_TIMEOUT:-900}
scorers=(collaborative hybrid)
test -e "$libdir/librecsgd.so.0" || { echo "identity: no $libdir/librecsgd.so.0 (build first)" >&2; exit 1; }

rm -f "$out"/*.model "$out"/*.txt
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# A pkg-config file pointing into the source and build trees, for cgo
# (#cgo pkg-config: librecsgd) and the Rust build.rs.
mkdir -p "$out/pkgconfig"
sed -e "s|^includedir=.*|includedir=$top/include|" -e "s|^libdir=.*|libdir=$libdir|" \
    "$build/librecsgd.pc" > "$out/pkgconfig/librecsgd.pc"
export PKG_CONFIG_PATH=$out/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

ran=()
skipped=()

# run LANG COMMAND...: the report goes to OUT_DIR/LANG.txt
run() {
    local lang=$1
    shift
    echo "identity: $lang: $*"
    if ! timeout "$limit" "$@" "$data" "$out" > "$out/$lang.txt"; then
        echo "identity: $lang failed" >&2
        return 1
    fi
    ran+=("$lang")
}

# C, the reference: the public API only, built against the headers of the tree.
"${CC:-cc}" -std=c11 -O2 -Wall -Wextra -pedantic -Werror -I"$top/include" \
    "$top/bindings/identity/identity.c" -L"$libdir" -lrecsgd -o "$out/identity-c"
run c "$out/identity-c"

# Python
python=${PYTHON:-}
if test -z "$python"; then
    if test -x /usr/bin/python3; then python=/usr/bin/python3; else python=python3; fi
fi
if test -f "$top/bindings/python/examples/identity.py" && command -v "$python" > /dev/null; then
    run python env LIBRECSGD_PATH="$libdir/librecsgd.so.0" \
        PYTHONPATH="${LIBRECSGD_PYTHONPATH:-$top/bindings/python}" \
        "$python" "$top/bindings/python/examples/identity.py"
else
    skipped+=("python (no bindings/python/examples/identity.py or no $python)")
fi

# Go: the Go binding's module is bindings/go
if test -d "$top/bindings/go/cmd/identity" && command -v go > /dev/null; then
    run go sh -c 'cd "$0" && exec go run ./cmd/identity "$@"' "$top/bindings/go"
else
    skipped+=("go (no bindings/go/cmd/identity or no go)")
fi

# Rust: the safe crate is bindings/rust/librecsgd
if test -f "$top/bindings/rust/librecsgd/examples/identity.rs" && command -v cargo > /dev/null; then
    run rust sh -c 'cd "$0" && exec cargo run --offline --quiet --example identity -- "$@"' \
        "$top/bindings/rust/librecsgd"
else
    skipped+=("rust (no bindings/rust/librecsgd/examples/identity.rs or no cargo)")
fi

# Compare everything with C.
status=0
lines=$(wc -l < "$out/c.txt")
test "$lines" -gt 0 || { echo "identity: the C report is empty" >&2; exit 1; }
for lang in "${ran[@]}"; do
    test "$lang" = c && continue
    if ! cmp -s "$out/c.txt" "$out/$lang.txt"; then
        echo "identity: FAIL: the $lang report differs from C's:" >&2
        diff "$out/c.txt" "$out/$lang.txt" | head -n 20 >&2 || true
        status=1
    fi
    for s in "${scorers[@]}"; do
        if ! cmp "$out/c-$s.model" "$out/$lang-$s.model"; then
            echo "identity: FAIL: $lang-$s.model differs from c-$s.model" >&2
            status=1
        fi
    done
done
if test "${#skipped[@]}" -gt 0; then
    printf 'identity: not run: %s\n' "${skipped[@]}"
fi
if test "$status" -eq 0; then
    sizes=()
    for s in "${scorers[@]}"; do
        sizes+=("$s $(wc -c < "$out/c-$s.model") bytes")
    done
    echo "identity: ${ran[*]}: reports identical ($lines lines), model files identical" \
        "($(IFS=,; echo "${sizes[*]}" | sed 's/,/, /g'))"
fi
exit "$status"
