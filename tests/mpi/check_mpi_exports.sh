#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_mpi_exports.sh: librecsgd-mpi.so exports exactly the RS_MPI_API
# functions of include/librecsgd/recsgd_mpi.h, its version script and the
# librecsgd-mpi rows of docs/symbols.md list exactly them, and it exports
# none of the core's symbols (its copy of the core stays hidden); its sources
# pass tests/check_no_print.sh.
set -eu
top_builddir="${top_builddir:-.}"
srcdir="${srcdir:-.}"
so="$top_builddir/.libs/librecsgd-mpi.so"
test -f "$so" || { echo "SKIP: $so not built"; exit 77; }
header="$srcdir/include/librecsgd/recsgd_mpi.h"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_mpi_exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^RS_MPI_API[^(]*[ *]\(rs_mpi_[A-Za-z0-9_]*\)(.*/\1/p' "$header" | sort > "$tmp/expected"
n_decl=$(grep -c '^RS_MPI_API' "$header" || true)
n=$(wc -l < "$tmp/expected")
test "$n" -gt 0 || { echo "FAIL: no RS_MPI_API declarations in $header"; exit 1; }
test "$n_decl" -eq "$n" || { echo "FAIL: $n_decl RS_MPI_API lines, $n names"; exit 1; }

nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWi]$/ {sub(/@.*/, "", $3); print $3}' | sort -u \
    > "$tmp/actual"
tr '\n' ' ' < "$srcdir/mpi/lib/librecsgd-mpi.map" | sed -E 's@/\*([^*]|\*+[^*/])*\*+/@ @g' \
    | grep -o 'rs_[A-Za-z0-9_*]*[[:space:]]*;' | tr -d ' \t;' | sort > "$tmp/map"
grep '^| `rs_mpi_' "$srcdir/docs/symbols.md" | sed 's/^| `\(rs_[A-Za-z0-9_]*\)`.*/\1/' | sort \
    > "$tmp/ledger"
status=0
diff -u "$tmp/expected" "$tmp/actual" ||
    { echo "FAIL: $so exports differ from the RS_MPI_API declarations"; status=1; }
diff -u "$tmp/expected" "$tmp/map" ||
    { echo "FAIL: mpi/lib/librecsgd-mpi.map differs from the declarations"; status=1; }
diff -u "$tmp/expected" "$tmp/ledger" ||
    { echo "FAIL: the librecsgd-mpi rows of docs/symbols.md differ from the declarations"; status=1; }
bad=$(grep '^| `rs_mpi_' "$srcdir/docs/symbols.md" | grep -v -E '\| introduced [0-9]+\.[0-9]+ \|' || true)
test -z "$bad" || { echo "FAIL: ledger rows without 'introduced X.Y': $bad"; status=1; }
if nm -D "$so" | grep -q 'LIBRECSGD_0\.'; then
    echo "FAIL: $so exports symbols of the core's version nodes"; status=1
fi
# The module never prints or ends the process, like the core (STYLE.md R6).
srcdir="$srcdir/mpi" sh "$srcdir/tests/check_no_print.sh" > "$tmp/noprint" || status=1
sed 's|under lib/|under mpi/lib/|' "$tmp/noprint"
test "$status" -eq 0 && echo "PASS: $n rs_mpi_* functions declared, exported (LIBRECSGD_MPI_0.2), mapped and in the ledger; no core symbol exported"
exit "$status"
