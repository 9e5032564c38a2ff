#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# abi/bite-test.sh [WORKDIR]: proves that `make abi-check` bites. In a scratch
# copy of this source tree it builds the library once, checks that
# abi-check passes unchanged, then applies one break at a time, rebuilds,
# and requires `make abi-check` to FAIL naming the broken item:
#   signature   rs_status_string(rs_status) becomes rs_status_string(int64_t)
#   renumber    RS_PARAM_EPOCHS = 101 becomes 199
#   remove      rs_similar_users is dropped from lib/librecsgd.map
#   move        rs_similar_users moves from LIBRECSGD_0.1 to a newer node
# and two changes that carry no promise to PASS:
#   add         a new function rs_bite_added in a LIBRECSGD_0.2 node
#   experimental  the signature of an rs_exp_* function changes
# It prints which half of abi-check (abidiff, abi/api.py) caught each case.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/librecsgd-bite.XXXXXX")}
jobs=${JOBS:-2}
src="$work/src"
rm -rf "$src"
mkdir -p "$src"

# The scratch copy: the files git knows (tracked or new, not ignored), or the
# whole tree without build directories when there is no git.
if test -e "$top/.git" && command -v git > /dev/null 2>&1; then
    (cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --) | tar -xf - -C "$src"
else
    (cd "$top" && tar -cf - --exclude=./_build --exclude='./.git' .) | tar -xf - -C "$src"
fi
(cd "$src" && autoreconf -fi > /dev/null 2>&1)
mkdir "$src/b"
(cd "$src/b" && ../configure -q CFLAGS='-g -O1' --disable-tests --with-cblas=no --disable-threads)
build() { make -C "$src/b" -j"$jobs" librecsgd.la > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 1; }; }
build

# abi_check NAME EXPECT(pass|fail) GREP: run make abi-check, compare.
fails=0
abi_check() {
    name=$1 expect=$2 needle=$3
    rc=0
    make -s -C "$src/b" abi-check > "$work/$name.out" 2>&1 || rc=$?
    by=""
    grep -q '^abi/librecsgd-[0-9.]*\.abi: abidiff exit' "$work/$name.out" && by="abidiff"
    grep -q '^abi/librecsgd-[0-9.]*\.api: .* [1-9][0-9]* removed or changed' "$work/$name.out" &&
        by="${by:+$by + }abi/api.py"
    if test "$expect" = fail; then
        if test "$rc" -ne 0 && grep -q -- "$needle" "$work/$name.out"; then
            printf 'ok    %-13s make abi-check fails, caught by %s\n' "$name" "$by"
        else
            printf 'FAIL  %-13s make abi-check exit %d, expected a failure naming %s:\n' "$name" "$rc" "$needle"
            sed 's/^/      /' "$work/$name.out"
            fails=$((fails + 1))
        fi
    else
        if test "$rc" -eq 0 && grep -q -- "$needle" "$work/$name.out"; then
            printf 'ok    %-13s make abi-check passes (%s reported)\n' "$name" "$needle"
        else
            printf 'FAIL  %-13s make abi-check exit %d, expected a pass reporting %s:\n' "$name" "$rc" "$needle"
            sed 's/^/      /' "$work/$name.out"
            fails=$((fails + 1))
        fi
    fi
}

# mutate FILE SED-SCRIPT: edit a file of the scratch copy (saved first).
saved=""
mutate() {
    test -f "$src/$1.orig" || cp "$src/$1" "$src/$1.orig"
    saved="$saved $1"
    sed -i "$2" "$src/$1"
    if cmp -s "$src/$1" "$src/$1.orig"; then
        echo "bite-test: the edit '$2' changed nothing in $1 (update this script)"
        exit 1
    fi
}
append() {
    test -f "$src/$1.orig" || cp "$src/$1" "$src/$1.orig"
    saved="$saved $1"
    printf '%s\n' "$2" >> "$src/$1"
}
restore() {
    # touch: mv keeps the old time stamp, and make must rebuild from it
    for f in $saved; do test ! -f "$src/$f.orig" || { mv "$src/$f.orig" "$src/$f"; touch "$src/$f"; }; done
    saved=""
    build
}

abi_check unchanged pass "PASS"

mutate include/librecsgd/status.h 's/^RS_API const char \*rs_status_string(rs_status s);/RS_API const char *rs_status_string(int64_t s);/'
mutate lib/common/status.c 's/^const char \*rs_status_string(rs_status s)$/const char *rs_status_string(int64_t s)/'
build
abi_check signature fail "rs_status_string"
restore

mutate include/librecsgd/model.h 's/RS_PARAM_EPOCHS *= 101,/RS_PARAM_EPOCHS = 199,/'
build
abi_check renumber fail "RS_PARAM_EPOCHS"
restore

mutate lib/librecsgd.map 's/ rs_similar_users;//'
build
abi_check remove fail "rs_similar_users"
restore

# A symbol moved to a newer version node: old binaries ask for
# rs_similar_users@LIBRECSGD_0.1 and would not find it.
mutate lib/librecsgd.map 's/ rs_similar_users;//'
append lib/librecsgd.map 'LIBRECSGD_0.9 { global: rs_similar_users; } LIBRECSGD_0.1;'
build
abi_check move fail "rs_similar_users"
restore

# An addition: a new function in a 0.2 node is allowed (and reported).
mutate include/librecsgd/status.h 's/^RS_API const char \*rs_status_string(rs_status s);/&\nRS_API int32_t rs_bite_added(void);/'
append lib/common/status.c 'int32_t rs_bite_added(void) { return 1; }'
if grep -q '^LIBRECSGD_0\.2' "$src/lib/librecsgd.map"; then
    mutate lib/librecsgd.map '/^LIBRECSGD_0\.2/,/}/ s/global:/global: rs_bite_added;/'
else
    append lib/librecsgd.map 'LIBRECSGD_0.2 { global: rs_bite_added; } LIBRECSGD_0.1;'
fi
build
abi_check add pass "rs_bite_added"
restore

# The experimental zone: an rs_exp_* signature change is not a break.
if test -f "$src/include/librecsgd/experimental.h"; then
    exp=$(sed -n 's/^RS_API[^(]*[ *]\(rs_exp_[a-z0-9_]*\)(.*/\1/p' "$src/include/librecsgd/experimental.h" | head -n 1)
    def=$(grep -l "^[a-z].*[ *]$exp(" "$src"/lib/*/*.c | head -n 1)
    test -n "$exp" && test -n "$def" || { echo "bite-test: no rs_exp_* function found"; exit 1; }
    mutate include/librecsgd/experimental.h "s/\(^RS_API[^(]*[ *]$exp(\)/\1int32_t bite_extra, /"
    mutate "${def#"$src"/}" "s/\(^[a-z].*[ *]$exp(\)/\1int32_t bite_extra, /"
    build
    abi_check experimental pass "PASS"
    restore
else
    echo "skip  experimental  (no include/librecsgd/experimental.h)"
fi

if test "$fails" -ne 0; then
    echo "bite-test: $fails case(s) FAILED (work directory $work)"
    exit 1
fi
echo "bite-test: abi-check bites (scratch copy in $work)"
