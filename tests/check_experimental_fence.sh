#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_experimental_fence.sh: the experimental zone is fenced (STYLE R16,
# docs/guide/abi.md). recsgd.h does not pull experimental.h in; including it
# without RS_ENABLE_EXPERIMENTAL stops the compile with a message; with it,
# the header compiles alone as strict C99 and as C++11; it declares only
# rs_exp_* functions, and no other header declares one.
set -eu
srcdir="${srcdir:-.}"
inc="$srcdir/include"
hdr="$inc/librecsgd/experimental.h"
CC=${CC:-cc}
CXX=${CXX:-c++}
work=$(mktemp -d "${TMPDIR:-/tmp}/rs-fence.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

printf '#include <librecsgd/recsgd.h>\n#ifdef LIBRECSGD_EXPERIMENTAL_H\n#error recsgd.h included experimental.h\n#endif\nint main(void) { return 0; }\n' > "$work/umbrella.c"
# shellcheck disable=SC2086 # $CC may carry flags
$CC -std=c99 -fsyntax-only -I"$inc" "$work/umbrella.c" || fail "recsgd.h includes experimental.h"

printf '#include <librecsgd/experimental.h>\nint main(void) { return 0; }\n' > "$work/fenced.c"
# shellcheck disable=SC2086
if $CC -std=c99 -fsyntax-only -I"$inc" "$work/fenced.c" > "$work/fenced.log" 2>&1; then
    fail "experimental.h compiles without RS_ENABLE_EXPERIMENTAL"
elif ! grep -q 'define RS_ENABLE_EXPERIMENTAL' "$work/fenced.log"; then
    fail "experimental.h without RS_ENABLE_EXPERIMENTAL fails, but not with its message:"
    cat "$work/fenced.log"
fi

# shellcheck disable=SC2086
$CC -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -DRS_ENABLE_EXPERIMENTAL -I"$inc" \
    "$work/fenced.c" || fail "experimental.h is not clean C99"
if command -v "${CXX%% *}" > /dev/null 2>&1; then
    cp "$work/fenced.c" "$work/fenced.cc"
    # shellcheck disable=SC2086
    $CXX -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -DRS_ENABLE_EXPERIMENTAL -I"$inc" \
        "$work/fenced.cc" || fail "experimental.h is not clean C++11"
fi

bad=$(grep '^RS_API' "$hdr" | grep -v '[ *]rs_exp_[a-z0-9_]*(' || true)
test -z "$bad" || fail "experimental.h declares names outside rs_exp_*: $bad"
for h in "$inc"/librecsgd/*.h; do
    test "$h" = "$hdr" && continue
    if grep -q '^RS_API.*[ *]rs_exp_' "$h"; then fail "$(basename "$h") declares an rs_exp_* function"; fi
done
n=$(grep -c '^RS_API' "$hdr" || true)
test "$status" -eq 0 && echo "PASS: experimental.h fenced ($n rs_exp_* functions)"
exit "$status"
