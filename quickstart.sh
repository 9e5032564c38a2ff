#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# quickstart.sh: from a fresh checkout to results, idempotently.
#
#   ./quickstart.sh        install build tools if missing (apt-get, as root), build in
#                          ./_build, and run the quickstart example on data/sample:
#                          held-out RMSE and the top-10 of two users
#   ./quickstart.sh test   the same build, then the whole test suite (make check -j2);
#                          exits with its status
#
# Re-running is cheap: configure runs only when there is no _build/Makefile,
# and make rebuilds only what changed. Set RS_CONFIGURE_FLAGS to pass options
# to configure (for example RS_CONFIGURE_FLAGS=--with-cblas=no).
set -eu

mode=${1:-run}
case "$mode" in
    run | test) ;;
    -h | --help)
        sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: $0 [test]" >&2
        exit 2
        ;;
esac

top=$(cd "$(dirname "$0")" && pwd)
build="$top/_build"
jobs=2

say() { printf '\n==> %s\n' "$*"; }

# ---- dependencies: install only what is missing, and only as root ----
# command or file to probe -> Debian package that provides it
missing=""
need() {
    probe=$1
    pkg=$2
    case "$probe" in
        /*) test -e "$probe" || missing="$missing $pkg" ;;
        *) command -v "$probe" >/dev/null 2>&1 || missing="$missing $pkg" ;;
    esac
}
need autoreconf autoconf
need automake automake
need libtoolize libtool
need pkg-config pkg-config
need gcc gcc
need g++ g++
need make make
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists check 2>/dev/null || missing="$missing check"
    pkg-config --exists openblas 2>/dev/null || missing="$missing libopenblas-dev"
else
    missing="$missing check libopenblas-dev"
fi
if test -n "$missing"; then
    if test "$(id -u)" -eq 0 && command -v apt-get >/dev/null 2>&1; then
        say "installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        # shellcheck disable=SC2086 # one word per package
        apt-get install -y -q --no-install-recommends $missing
    else
        echo "quickstart.sh: missing build dependencies:$missing" >&2
        echo "install them first, e.g.: sudo apt-get install$missing" >&2
        exit 1
    fi
fi

# ---- build (out of tree, in ./_build) ----
cd "$top"
if ! test -x configure || test configure.ac -nt configure || test Makefile.am -nt Makefile.in; then
    say "autoreconf -fi"
    autoreconf -fi
fi
mkdir -p "$build"
cd "$build"
if ! test -f Makefile; then
    say "configure ${RS_CONFIGURE_FLAGS:-}"
    # shellcheck disable=SC2086 # user-supplied flags are split on purpose
    "$top/configure" ${RS_CONFIGURE_FLAGS:-}
fi
say "make -j$jobs"
make -j"$jobs"

if test "$mode" = test; then
    say "make check -j$jobs"
    status=0
    make check -j"$jobs" || status=$?
    if test "$status" -ne 0; then
        # Show why: the logs of the failed tests.
        for log in $(grep -l '^:test-result: \(FAIL\|ERROR\|XPASS\)' tests/*.trs 2>/dev/null | sed 's/\.trs$/.log/'); do
            echo "---- $log ----"
            tail -n 40 "$log"
        done
    fi
    exit "$status"
fi

say "running the quickstart example on data/sample"
# examples/quickstart is a check program; a --disable-tests build links it by hand.
if ! make examples/quickstart >/dev/null 2>&1; then
    mkdir -p examples
    ./libtool --mode=link --tag=CC "${CC:-cc}" -std=c11 -O2 -I"$top/include" \
        -o examples/quickstart "$top/examples/quickstart.c" librecsgd.la -lm
fi
./examples/quickstart "$top/data/sample"
