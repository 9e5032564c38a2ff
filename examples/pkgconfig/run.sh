#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# examples/pkgconfig/run.sh: an out-of-tree consumer check. Builds the C and
# C++ examples against an INSTALLED librecsgd found through pkg-config only,
# the way a downstream project would, then runs them; also links the C
# example statically (pkg-config --static uses Libs.private), and once with
# `cc -static` and nothing but pkg-config's flags: that is only possible when
# the private dependencies are complete (Requires.private: openblas when it
# was found through pkg-config, no hard-coded -L in Libs.private).
#
# Usage: examples/pkgconfig/run.sh PREFIX [WORKDIR]
#   PREFIX   where `make install` put the library (lib/pkgconfig/librecsgd.pc inside)
#   WORKDIR  scratch directory for the binaries (default: a fresh mktemp -d)
set -eu
prefix=${1:?usage: run.sh PREFIX [WORKDIR]}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
CC=${CC:-cc}
CXX=${CXX:-g++}

pcdir=$(find "$prefix" -name librecsgd.pc -path '*pkgconfig*' | head -n 1)
test -n "$pcdir" || { echo "run.sh: no librecsgd.pc under $prefix" >&2; exit 1; }
PKG_CONFIG_PATH=$(dirname "$pcdir")
export PKG_CONFIG_PATH

echo "pkg-config: librecsgd $(pkg-config --modversion librecsgd)"
echo "  cflags: $(pkg-config --cflags librecsgd)"
echo "  libs:   $(pkg-config --libs librecsgd)"
libdir=$(pkg-config --variable=libdir librecsgd)

# shellcheck disable=SC2046 # word splitting of pkg-config output is intended
set -x
$CC -std=c99 -Wall -Wextra -Werror -o "$work/quickstart" "$top/examples/quickstart.c" \
    $(pkg-config --cflags --libs librecsgd) -lm
$CXX -std=c++11 -Wall -Wextra -Werror -o "$work/quickstart_cxx" "$top/examples/quickstart_cxx.cc" \
    $(pkg-config --cflags --libs librecsgd)
$CC -std=c99 -o "$work/quickstart_static" "$top/examples/quickstart.c" \
    $(pkg-config --cflags librecsgd) "$libdir/librecsgd.a" $(pkg-config --static --libs-only-l librecsgd | sed 's/-lrecsgd//') -lm
set +x
# Libs.private must not carry a build machine's -L path: a dependency found
# through pkg-config is a Requires.private, which brings its own.
if pkg-config --variable=pcfiledir librecsgd > /dev/null &&
    grep '^Libs.private:' "$pcdir" | grep -q -- '-L'; then
    echo "run.sh: Libs.private of $pcdir has a -L path: $(grep '^Libs.private:' "$pcdir")" >&2
    exit 1
fi
echo "  requires.private: $(sed -n 's/^Requires.private: *//p' "$pcdir")"
# A fully static program from pkg-config's flags alone.
static_ok=yes
# shellcheck disable=SC2046
if $CC -static -std=c99 -o "$work/quickstart_fullstatic" "$top/examples/quickstart.c" \
    $(pkg-config --static --cflags --libs librecsgd) > "$work/fullstatic.log" 2>&1; then
    echo "cc -static \$(pkg-config --static --cflags --libs librecsgd): linked"
else
    grep -v "statically linked applications requires at runtime" "$work/fullstatic.log" | tail -n 20
    echo "run.sh: cc -static with pkg-config --static flags failed" >&2
    static_ok=no
fi
test "$static_ok" = yes || exit 1

LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
# The shared binaries must pick up the installed library, not a build tree.
if command -v ldd >/dev/null 2>&1; then
    ldd "$work/quickstart" | grep librecsgd
fi
"$work/quickstart_cxx"
"$work/quickstart" "$top/data/sample"
"$work/quickstart_static" "$top/data/sample" > "$work/static.out"
tail -n 1 "$work/static.out"
# the -static one has no dynamic section at all, and answers the same
if readelf -d "$work/quickstart_fullstatic" 2>/dev/null | grep -q 'NEEDED'; then
    echo "run.sh: quickstart_fullstatic is dynamically linked:" >&2
    readelf -d "$work/quickstart_fullstatic" | grep NEEDED >&2
    exit 1
fi
"$work/quickstart_fullstatic" "$top/data/sample" > "$work/fullstatic.out"
# (the same, but for the training time it prints)
sed 's/([0-9.]* s)//' "$work/static.out" > "$work/static.cmp"
sed 's/([0-9.]* s)//' "$work/fullstatic.out" > "$work/fullstatic.cmp"
cmp "$work/static.cmp" "$work/fullstatic.cmp"
echo "quickstart_fullstatic: statically linked (no NEEDED entries), same output as quickstart_static"
echo "pkg-config consumers: OK"
