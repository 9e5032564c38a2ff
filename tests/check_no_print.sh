#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_no_print.sh: the library never prints and never ends the process
# (STYLE.md R6). Fails if any source under lib/ calls printf, fprintf,
# puts, putchar, perror, abort, exit, assert (or their variants) or names
# stdout/stderr. Formatting into a buffer (snprintf, vsnprintf) is allowed,
# and so is the RS_ASSERT definition in lib/common/config.h (debug builds only).
# Comments and string literals are ignored.
set -eu
srcdir="${srcdir:-.}"
test -d "$srcdir/lib" || { echo "FAIL: $srcdir/lib not found"; exit 1; }

files=$(find "$srcdir/lib" -name '*.[ch]' | sort)
test -n "$files" || { echo "FAIL: no sources under $srcdir/lib"; exit 1; }

found=0
for f in $files; do
    # Blank out comments and string/char literals, keeping line numbers.
    hits=$(awk '
        {
            out = ""; i = 1; n = length($0)
            while (i <= n) {
                c = substr($0, i, 1); c2 = substr($0, i, 2)
                if (incomment) {
                    if (c2 == "*/") { incomment = 0; i += 2 } else i++
                    continue
                }
                if (c2 == "/*") { incomment = 1; i += 2; continue }
                if (c2 == "//") break
                if (c == "\"" || c == "\047") {
                    q = c; i++
                    while (i <= n && substr($0, i, 1) != q) {
                        if (substr($0, i, 1) == "\\") i++
                        i++
                    }
                    i++; out = out q q; continue
                }
                out = out c; i++
            }
            print FNR ": " out
        }' "$f" \
        | grep -E '(^|[^A-Za-z0-9_])(printf|fprintf|vprintf|vfprintf|dprintf|puts|putchar|perror|abort|exit|_Exit|quick_exit|assert)[[:space:]]*\(|(^|[^A-Za-z0-9_])(stdout|stderr)([^A-Za-z0-9_]|$)' \
        | grep -v -E '#[[:space:]]*define[[:space:]]+RS_ASSERT' || true)
    if test -n "$hits"; then
        echo "$hits" | sed "s|^|$f:|"
        found=1
    fi
done
if test "$found" -ne 0; then
    echo "FAIL: the library must not print or end the process (use rs__err / rs__log)"
    exit 1
fi
echo "PASS: no printing or process-ending calls in $(echo "$files" | wc -l) files under lib/"
