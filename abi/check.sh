#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# abi/check.sh SO [SRCDIR]: `make abi-check`. Fails (exit 1) when the freshly
# built shared library SO, or the public headers under SRCDIR/include, break
# a committed release baseline abi/librecsgd-X.Y.{abi,api}; additions are
# allowed and listed. Two halves, because each sees what the other cannot
# (docs/guide/abi.md, "What abi-check catches"):
#   1. abidiff (Debian abigail-tools) of abidw XML: exported symbols and their
#      versions, parameter and return types, the typedefs and callback types
#      they reach. Needs the DWARF of SO (build with -g; autoconf's default
#      CFLAGS -g -O2 has it).
#   2. abi/api.py: the headers' function signatures, callback types, handles
#      and the value of every enum and macro constant (abidiff sees no value
#      of the anonymous enums: no function type contains them).
# rs_exp_* (the experimental zone) is left out of both.
set -eu
so=${1:?usage: abi/check.sh path/to/librecsgd.so [SRCDIR]}
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${2:-$here/..}
PYTHON=${PYTHON:-python3}

for tool in abidw abidiff; do
    command -v "$tool" > /dev/null 2>&1 ||
        { echo "abi-check: $tool not found (Debian: apt-get install abigail-tools)"; exit 1; }
done
command -v "$PYTHON" > /dev/null 2>&1 || { echo "abi-check: $PYTHON not found (set PYTHON=)"; exit 1; }
test -f "$so" || { echo "abi-check: no shared library $so (a --disable-shared build has no ABI to check)"; exit 1; }
if ! readelf -S "$so" | grep -q '\.debug_info'; then
    echo "abi-check: $so has no debug info; configure with CFLAGS containing -g (the default -g -O2 has it)"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/librecsgd-abi.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The same reading as the baselines got (abi/baseline.sh): exported
# interfaces only, types outside the public headers dropped.
abidw --exported-interfaces-only --suppressions "$here/private-types.abignore" \
    --no-corpus-path --no-comp-dir-path --no-elf-needed --out-file "$work/current.abi" "$so"
echo "abi-check: $so: $(grep -c '<elf-symbol ' "$work/current.abi") exported functions"
exp=$(sed -n "s/.*<elf-symbol name='\(rs_exp_[a-z0-9_]*\)'.*/\1/p" "$work/current.abi")
test -z "$exp" || echo "abi-check: experimental, not compared (abi/librecsgd.abignore): $(echo $exp)"

status=0
n=0
for base in "$here"/librecsgd-*.abi; do
    test -f "$base" || continue
    n=$((n + 1))
    rel=abi/$(basename "$base")
    # The verdict ignores additions (--no-added-syms); any other reported
    # change fails: abidiff's exit status is a bit mask, 4 = ABI change,
    # 8 = incompatible change, 1/2 = the tool failed.
    rc=0
    abidiff --no-added-syms --suppressions "$here/librecsgd.abignore" "$base" "$work/current.abi" \
        > "$work/diff.txt" 2>&1 || rc=$?
    # The additions, for the report (and the libtool -version-info bump).
    abidiff --suppressions "$here/librecsgd.abignore" "$base" "$work/current.abi" > "$work/all.txt" 2>&1 || true
    added=$(sed -n "s/^  \[A\] 'function \(.*\)'.*/\1/p" "$work/all.txt")
    if test -n "$added"; then
        echo "$rel: added functions (allowed; release notes: libtool C+1:0:A+1):"
        echo "$added" | sed 's/^/    /'
    fi
    if test "$rc" -eq 0; then
        echo "$rel: abidiff: no incompatible change"
    else
        what="ABI change"
        test $((rc & 8)) -eq 0 || what="incompatible ABI change"
        test $((rc & 3)) -eq 0 || what="abidiff failed"
        echo "$rel: abidiff exit $rc ($what):"
        sed 's/^/    /' "$work/diff.txt"
        status=1
    fi
done
test "$n" -gt 0 || { echo "abi-check: no baseline abi/librecsgd-*.abi"; exit 1; }

for base in "$here"/librecsgd-*.api; do
    test -f "$base" || continue
    "$PYTHON" "$here/api.py" check "$base" --include "$srcdir/include" > "$work/api.txt" 2>&1 || status=1
    sed "s|^api.py: |abi/|" "$work/api.txt"
done

if test "$status" -eq 0; then
    echo "abi-check: PASS (the ABI of every release baseline is kept)"
else
    echo "abi-check: FAIL (see above; docs/guide/abi.md says what may change)"
fi
exit "$status"
