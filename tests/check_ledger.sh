#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_ledger.sh: docs/symbols.md lists exactly the RS_API functions of
# include/librecsgd/*.h, each once and each with the release that introduced it.
set -eu
srcdir="${srcdir:-.}"
ledger="$srcdir/docs/symbols.md"
test -f "$ledger" || { echo "FAIL: $ledger missing"; exit 1; }

sed -n 's/^RS_API[^(]*[ *]\(rs_[A-Za-z0-9_]*\)(.*/\1/p' "$srcdir"/include/librecsgd/*.h \
    | sort > ledger.expected
# Ledger rows look like: | `rs_name` | `header.h` | introduced X.Y | summary |
# (rows of librecsgd-mpi, rs_mpi_*, are checked by tests/mpi/check_mpi_exports.sh)
grep '^| `rs_' "$ledger" | grep -v '^| `rs_mpi_' | sed 's/^| `\(rs_[A-Za-z0-9_]*\)`.*/\1/' | sort > ledger.actual
status=0
bad=$(grep '^| `rs_' "$ledger" | grep -v '^| `rs_exp_' | grep -v -E '\| introduced [0-9]+\.[0-9]+ \|' || true)
if test -n "$bad"; then
    echo "FAIL: ledger rows without 'introduced X.Y':"
    echo "$bad"
    status=1
fi
# The experimental zone carries no promise, and its rows say so.
bad=$(grep '^| `rs_exp_' "$ledger" | grep -v -E '\| experimental [0-9]+\.[0-9]+ \|' || true)
if test -n "$bad"; then
    echo "FAIL: rs_exp_* ledger rows without 'experimental X.Y':"
    echo "$bad"
    status=1
fi
dups=$(uniq -d ledger.actual)
if test -n "$dups"; then
    echo "FAIL: listed more than once in docs/symbols.md: $dups"
    status=1
fi
if ! diff -u ledger.expected ledger.actual; then
    echo "FAIL: docs/symbols.md differs from the RS_API declarations (- declared only, + ledger only)"
    status=1
fi
test "$status" -eq 0 && echo "PASS: docs/symbols.md lists the $(wc -l < ledger.expected) RS_API functions"
exit "$status"
