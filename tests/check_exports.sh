#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_exports.sh: the shared library exports exactly the RS_API functions
# declared in include/librecsgd/*.h, and lib/librecsgd.map lists exactly them
# (STYLE.md R14). Exit 77 (SKIP) when no shared library was built.
set -eu
top_builddir="${top_builddir:-.}"
srcdir="${srcdir:-.}"
so="$top_builddir/.libs/librecsgd.so"
if ! test -f "$so"; then
    echo "SKIP: $so not built (static-only build)"
    exit 77
fi

# Every declaration starts a line with RS_API and names the function on that
# line; count them too, so a declaration the sed misses cannot hide.
sed -n 's/^RS_API[^(]*[ *]\(rs_[A-Za-z0-9_]*\)(.*/\1/p' "$srcdir"/include/librecsgd/*.h \
    | sort > exports.expected
n_decl=$(cat "$srcdir"/include/librecsgd/*.h | grep -c '^RS_API' || true)
n_names=$(wc -l < exports.expected)
if test "$n_decl" -ne "$n_names"; then
    echo "FAIL: $n_decl lines start with RS_API but only $n_names function names were found on them"
    exit 1
fi
if test "$n_names" -eq 0; then
    echo "FAIL: no RS_API declarations found under $srcdir/include/librecsgd"
    exit 1
fi
dups=$(uniq -d exports.expected)
if test -n "$dups"; then
    echo "FAIL: declared more than once: $dups"
    exit 1
fi

nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWi]$/ {sub(/@.*/, "", $3); print $3}' \
    | sort -u > exports.actual
status=0
if ! diff -u exports.expected exports.actual; then
    echo "FAIL: exported symbols of $so differ from the RS_API declarations (- declared, + exported)"
    status=1
fi

# The version script: names listed in global sections (comments stripped).
tr '\n' ' ' < "$srcdir/lib/librecsgd.map" | sed -E 's@/\*([^*]|\*+[^*/])*\*+/@ @g' \
    | grep -o 'rs_[A-Za-z0-9_*]*[[:space:]]*;' | tr -d ' \t;' | sort > exports.map
if ! diff -u exports.expected exports.map; then
    echo "FAIL: lib/librecsgd.map differs from the RS_API declarations (- declared, + in the map)"
    status=1
fi

# The experimental zone (include/librecsgd/experimental.h): every rs_exp_*
# function, and nothing else, is in the LIBRECSGD_EXPERIMENTAL node, and the
# library exports it with that version (docs/guide/abi.md).
exp_decl=$(grep '^rs_exp_' exports.expected || true)
exp_node=$(tr '\n' ' ' < "$srcdir/lib/librecsgd.map" | sed -E 's@/\*([^*]|\*+[^*/])*\*+/@ @g' \
    | grep -o 'LIBRECSGD_EXPERIMENTAL[[:space:]]*{[^}]*}' | grep -o 'rs_[A-Za-z0-9_*]*[[:space:]]*;' \
    | tr -d ' \t;' | sort || true)
if test "$exp_decl" != "$exp_node"; then
    echo "FAIL: the LIBRECSGD_EXPERIMENTAL node of lib/librecsgd.map must list exactly the rs_exp_* functions"
    echo "  declared: $(echo $exp_decl)"
    echo "  in node:  $(echo $exp_node)"
    status=1
fi
if nm -D --defined-only "$so" | grep -q ' rs_[a-z0-9_]*@@'; then
    bad=$(nm -D --defined-only "$so" | awk '{print $3}' \
        | grep -E '^rs_exp_[a-z0-9_]*@@|@@LIBRECSGD_EXPERIMENTAL$' | grep -v '^rs_exp_[a-z0-9_]*@@LIBRECSGD_EXPERIMENTAL$' || true)
    if test -n "$bad"; then
        echo "FAIL: symbols in the wrong version node: $bad"
        status=1
    fi
fi

if test "$status" -eq 0; then
    echo "PASS: $n_names RS_API functions declared, exported and listed in the map" \
        "($(echo "$exp_decl" | grep -c . || true) experimental)"
fi
exit "$status"
