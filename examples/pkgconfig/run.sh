#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# examples/pkgconfig/run.sh: an out-of-tree consumer check. Builds the C and
# C++ examples against an INSTALLED librecsgd found through pkg-config only,
# the way a downstream project would, then runs them; also links the C
# example statically (pkg-config --static uses Libs.private).
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
echo "pkg-config consumers: OK"
