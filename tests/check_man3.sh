#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_man3.sh: every RS_API function of include/librecsgd/*.h has a man(3)
# page in the build tree (docs/man3, made by docs/man/gen-man3.sh during
# `make`, installed by `make install`) with its name, summary, synopsis and
# contract sections, listed in librecsgd(3); where man(1) is installed, each
# page also renders without a warning.
set -eu
srcdir="${srcdir:-.}"
top_builddir="${top_builddir:-.}"
dir="$top_builddir/docs/man3"
test -d "$dir" || { echo "FAIL: $dir not built"; exit 1; }
names=$(sed -n 's/^RS_API[^(]*[ *]\(rs_[A-Za-z0-9_]*\)(.*/\1/p' "$srcdir"/include/librecsgd/*.h | sort)
test -n "$names" || { echo "FAIL: no RS_API functions found"; exit 1; }
status=0
count=0
render=0
command -v man >/dev/null 2>&1 && man -l /dev/null >/dev/null 2>&1 && render=1
for n in $names; do
    count=$((count + 1))
    page="$dir/$n.3"
    if ! test -s "$page"; then
        echo "FAIL: $n has no man page ($page)"
        status=1
        continue
    fi
    grep -q "^$n \\\\- [a-zA-Z(]" "$page" || { echo "FAIL: $page: no NAME line '$n \\- summary'"; status=1; }
    grep -q "^\.SH SYNOPSIS" "$page" && grep -q "$n(" "$page" ||
        { echo "FAIL: $page: no synopsis with $n("; status=1; }
    for sec in "RETURN VALUE\|ERRORS" "THREAD SAFETY" "VERSIONS"; do
        grep -q "^\.SH \($sec\)" "$page" || { echo "FAIL: $page: no $sec section"; status=1; }
    done
    grep -q "^\.BR $n (3)" "$dir/librecsgd.3" || { echo "FAIL: librecsgd(3) does not list $n"; status=1; }
    if test "$render" -eq 1; then
        w=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
        test -z "$w" || { echo "FAIL: $page: man warns: $w"; status=1; }
    fi
done
test "$status" -eq 0 && echo "PASS: $count RS_API functions have a man(3) page$(test "$render" -eq 1 && echo ', each renders cleanly')"
exit "$status"
