#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_examples.sh: run the example programs on data/sample and check that
# what they print is sane (finite RMSEs below a bound, exactly 10
# recommendations, the cold-start and persistence facts they demonstrate).
# Run by `make check` with srcdir and top_builddir set; each example must
# exit 0 and its output must match, or the script fails.
set -u
srcdir="${srcdir:-.}"
top_builddir="${top_builddir:-.}"
data="$srcdir/data/sample"
out="${TMPDIR:-/tmp}/rs_examples.$$"
status=0
trap 'rm -f "$out"' EXIT INT TERM

fail() {
    echo "FAIL: $*"
    status=1
}

# run NAME: run examples/NAME on the sample data into $out; 1 if it failed.
run() {
    prog="$top_builddir/examples/$1"
    if ! test -x "$prog"; then
        fail "$prog was not built"
        return 1
    fi
    # RS_TEST_EXEC: an emulator for cross builds (tests/cross/run.sh), else empty
    # shellcheck disable=SC2086
    if ! ${RS_TEST_EXEC:-} "$prog" "$data" > "$out" 2>&1; then
        cat "$out"
        fail "$1 exited with a failure status"
        return 1
    fi
    return 0
}

# expect NAME REGEX: the output of NAME has a line matching REGEX (grep -E).
expect() {
    grep -E -q "$2" "$out" || fail "$1: no line matches /$2/"
}

# below NAME REGEX BOUND: the first number after REGEX is finite and < BOUND.
below() {
    v=$(sed -n -E "s/.*$2 *([-+0-9.eEinfINFa]+).*/\1/p" "$out" | head -n 1)
    if test -z "$v"; then
        fail "$1: no value after /$2/"
    elif ! awk -v v="$v" -v b="$3" 'BEGIN { exit !(v == v + 0 && v >= 0 && v < b) }'; then
        fail "$1: $2 $v is not a finite number below $3"
    else
        echo "ok: $1: $2 $v < $3"
    fi
}

# skipped NAME: the example said this build lacks what it needs.
skipped() {
    if grep -q '^skipped: ' "$out"; then
        echo "skip: $1: $(sed -n 's/^skipped: //p' "$out")"
        return 0
    fi
    return 1
}

# coldstart: hybrid model, a new user and a new item registered by features.
if run coldstart; then
    if ! skipped coldstart; then
        below coldstart 'test RMSE' 0.6
        expect coldstart 'before registration: [0-9.]+ \(RS_FALLBACK'
        expect coldstart 'after registration with .*: [0-9.]+ \(ok\)'
        n=$(grep -c -E '^ +[0-9]+\. item +[0-9]+  predicted [0-9.]+$' "$out")
        test "$n" -eq 10 || fail "coldstart: $n recommendation lines, expected 10"
        expect coldstart '^  user 3: predicted [0-9.]+ \(ok\)$'
        expect coldstart '^items most similar to new item 9001:( [0-9]+ \([-0-9.]+\)){5}$'
    fi
fi

# embedded: arena allocator, save to memory, load from memory, serve.
if run embedded; then
    below embedded 'train RMSE' 0.6
    n=$(grep -c -E '^ +[0-9]+\. item +[0-9]+  score [0-9.]+$' "$out")
    test "$n" -eq 10 || fail "embedded: $n recommendation lines, expected 10"
    expect embedded '^loaded from the buffer: 1000 users, 800 items$'
    expect embedded '^same top-10 as the model before saving: yes$'
    expect embedded ' 0 failed, 0 bytes still in use$'
    below embedded 'high-water mark' 16777216
fi

# progress: gradient statistics of a healthy, a vanishing and an exploding fit.
if run progress && ! skipped progress; then
    below progress 'healthy: rs_fit ok, 12 epochs, final train RMSE' 0.6
    expect progress '^healthy: .* 0 diverged epochs, 0 epochs with vanishing .* clip callback: [1-9][0-9]* of [1-9][0-9]* rows clipped$'
    expect progress '^vanishing: rs_fit ok, .* 12 epochs with vanishing factor gradients$'
    expect progress '^exploding: rs_fit ok, .* [1-9][0-9]* diverged epochs'
    below progress 'exploding: rs_fit ok, 12 epochs, final train RMSE' 0.8
fi

# online: partial fit of newcomers, then a fold-in.
if run online && ! skipped online; then
    below online 'newcomers after rs_partial_fit: RMSE' 0.6
    expect online '^newcomers after rs_partial_fit: .*\(0 fallback predictions\), 1000 users$'
    expect online '^newcomers before rs_partial_fit: RMSE [0-9.]+ \([1-9][0-9]* fallback predictions\)$'
    expect online '^folded-in user 77777: 10 recommendations:( [0-9]+){10}$'
fi

# from_your_data: a CSV export with string ids, a header and ISO times,
# split by time, fitted, evaluated, served in strings, saved and loaded.
if run from_your_data && ! skipped from_your_data; then
    expect from_your_data '^loaded 5828 ratings: 100 customers, [0-9]+ products, timestamps yes$'
    expect from_your_data '^split by time: 5628 ratings to train on, the 200 latest to test on$'
    below from_your_data 'test RMSE' 1.2
    base=$(sed -n 's/.*(the training mean scores \([0-9.]*\)).*/\1/p' "$out")
    model=$(sed -n 's/^test RMSE \([0-9.]*\) .*/\1/p' "$out")
    awk -v a="$model" -v b="$base" 'BEGIN { exit !(a < b) }' ||
        fail "from_your_data: test RMSE $model is not below the training mean's $base"
    expect from_your_data '^top 5 for customer [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:$'
    n=$(grep -c -E '^  [1-5]\. SKU-[0-9]{5}  [0-9.]+$' "$out")
    test "$n" -eq 5 || fail "from_your_data: $n recommendation lines, expected 5"
    expect from_your_data '^products most like SKU-[0-9]{5}:( SKU-[0-9]{5}){3}$'
    expect from_your_data '^saved \([0-9]+ bytes\) and loaded: string ids kept, top 5 identical$'
fi

# The shell session of docs/guide/from-your-data.md, as written there: the
# block after the "run by tests/check_examples.sh" marker, with recsgd and
# data/sample pointing into this build.
guide="$srcdir/docs/guide/from-your-data.md"
RECSGD="$top_builddir/tools/recsgd/recsgd"
if test -x "$RECSGD" && test -r "$guide"; then
    work="${TMPDIR:-/tmp}/rs_guide.$$"
    mkdir -p "$work"
    awk '/run by tests\/check_examples.sh/ { armed = 1; next }
         armed && /^```sh/ { inside = 1; next }
         inside && /^```/ { exit }
         inside' "$guide" >"$work/session.sh"
    abs_recsgd="$(cd "$(dirname "$RECSGD")" && pwd)/$(basename "$RECSGD")"
    abs_src="$(cd "$srcdir" && pwd)"
    { echo "recsgd() { \"$abs_recsgd\" \"\$@\"; }"
      sed "s|data/sample/|$abs_src/data/sample/|g" "$work/session.sh"; } >"$work/run.sh"
    if test "$(grep -c '^recsgd ' "$work/session.sh")" -lt 4; then
        fail "from-your-data.md: no recsgd session found after the marker"
    elif ! (cd "$work" && sh -e ./run.sh >log 2>&1); then
        sed 's/^/  /' "$work/log" | tail -n 20
        fail "from-your-data.md: the recsgd session failed"
    else
        grep -E -q '^test_ratings|"test_ratings":200' "$work/log" ||
            grep -q 'split (time): 5828 ratings -> 5628' "$work/log" ||
            fail "from-your-data.md: the split did not hold out 200 ratings"
        grep -E -q '^rmse +[0-9.]+$' "$work/log" || fail "from-your-data.md: eval printed no RMSE"
        test "$(grep -c -E '^[1-5]	SKU-[0-9]{5}	' "$work/log")" -eq 8 ||
            fail "from-your-data.md: topk and similar did not print 5 and 3 SKUs"
        echo "ok: docs/guide/from-your-data.md: the recsgd session runs"
    fi
    rm -rf "$work"
fi

test "$status" -eq 0 && echo "PASS: examples run and print sane results"
exit "$status"
