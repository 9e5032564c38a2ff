#!/usr/bin/env bash
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# bindings/go/ci.sh BUILD_OR_PREFIX
#
# The Go binding's CI stage: go vet, go test -race (which also regenerates
# zconstants.go from the headers and checks every RS_API function is
# wrapped), the example program and a run of the identity program, all
# offline and each under `timeout`.
#
# BUILD_OR_PREFIX is either an installed prefix (holding lib/pkgconfig/
# librecsgd.pc) or a configured build directory (holding librecsgd.pc and
# .libs/librecsgd.so): for a build directory a pkg-config file pointing at
# the source tree's headers and the build's .libs is written to a temporary
# directory. Needs Debian's golang-go (Go 1.19), pkg-config, a C compiler,
# and python3 (for bindings/gen/rsapi.py). No network: GOPROXY=off, and the
# module has no dependencies.
#
# Environment: GO (default: go on PATH), GO_TIMEOUT (seconds per step,
# default 900).
set -euo pipefail

if test $# -ne 1; then
    echo "usage: $0 BUILD_OR_PREFIX" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
where=$(cd "$1" && pwd)
go=${GO:-go}
limit=${GO_TIMEOUT:-900}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/recsgd-go.XXXXXX")
trap 'chmod -R u+w "$tmp" 2> /dev/null; rm -rf "$tmp"' EXIT

# ---- where the library is ----
pc=""
for d in lib lib64 lib/*-linux-gnu; do
    if test -f "$where/$d/pkgconfig/librecsgd.pc"; then
        pc=$where/$d/pkgconfig
        libdir=$where/$d
        break
    fi
done
if test -z "$pc"; then
    if test -f "$where/librecsgd.pc" && test -e "$where/.libs/librecsgd.so"; then
        libdir=$where/.libs
        pc=$tmp/pkgconfig
        mkdir -p "$pc"
        sed -e "s|^includedir=.*|includedir=$top/include|" -e "s|^libdir=.*|libdir=$libdir|" \
            "$where/librecsgd.pc" > "$pc/librecsgd.pc"
    else
        echo "go ci: $where is neither an installed prefix nor a build directory of librecsgd" >&2
        exit 1
    fi
fi
export PKG_CONFIG_PATH=$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# ---- an offline, self-contained Go environment ----
export GOPATH=$tmp/gopath GOCACHE=$tmp/gocache GOPROXY=off GOSUMDB=off GOFLAGS=
export GO111MODULE=on GOWORK=off CGO_ENABLED=1 GOTOOLCHAIN=local
unset GOROOT_FINAL

step() {
    local name=$1
    shift
    echo "go ci: $name"
    if ! timeout "$limit" "$@"; then
        echo "go ci: $name FAILED" >&2
        exit 1
    fi
}

"$go" version
echo "go ci: librecsgd $(pkg-config --modversion librecsgd) from $pc"

cd "$here"
step "go vet (binding)" "$go" vet ./...
step "go test -race (binding)" "$go" test -race -count=1 ./...

cd "$top/examples/go"
step "go vet (example)" "$go" vet ./...
step "example on data/sample" sh -c '"$0" run . "$1" > "$2"' "$go" "$top/data/sample" "$tmp/example.txt"
grep -q '^held-out RMSE' "$tmp/example.txt" || { echo "go ci: the example printed no RMSE" >&2; exit 1; }
grep 'held-out RMSE' "$tmp/example.txt"

cd "$here"
mkdir -p "$tmp/identity"
step "identity program" sh -c '"$0" run ./cmd/identity "$1" "$2" > "$2/go.txt"' "$go" "$top/data/sample" "$tmp/identity"
for s in collaborative hybrid; do
    test -s "$tmp/identity/go-$s.model" || { echo "go ci: identity wrote no go-$s.model" >&2; exit 1; }
done
echo "go ci: identity report $(wc -l < "$tmp/identity/go.txt") lines (bindings/identity/run.sh compares it with C)"
echo "go ci: all passed"
