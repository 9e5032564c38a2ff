#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_mpi.sh: librecsgd-mpi on 1, 2 and 4 local ranks (make check in a
# --with-mpi build; every mpirun under a timeout):
#   - tests/mpi/check_mpi_fit: every case (see its header) on 1, 2 and 4 ranks
#     (content and hybrid without the cold-start refit: rs_fit's bytes);
#   - recsgd-mpi train on data/sample: the model file is byte-identical to
#     recsgd train's (and two runs save the same bytes); a run killed
#     (SIGKILL of rank 1) after the checkpoint
#     of epoch 3 and resumed saves the uninterrupted run's bytes; a malformed
#     line stops every rank with exit code 4, one message naming the rank and
#     the line, and no model file;
#   - MovieLens 100K fold 1 (when $RS_DATA_DIR/ml-100k exists): the test
#     RMSE of recsgd-mpi's model within 1% of recsgd's, collaborative and
#     hybrid, on 1, 2 and 4 ranks (the model file identical where promised).
set -u
srcdir="${srcdir:-.}"
top_builddir="${top_builddir:-.}"
run="$srcdir/tests/mpi/run.sh"
fit="$top_builddir/tests/mpi/check_mpi_fit"
recsgd="$top_builddir/tools/recsgd/recsgd"
recsgd_mpi="$top_builddir/tools/recsgd-mpi/recsgd-mpi"
sample="$srcdir/data/sample"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_mpi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; passes=$((passes + 1)); }
t0=$(date +%s)

# ---- the library against rs_fit ----
for np in 1 2 4; do
    for args in "equal collaborative auto" "equal collaborative adagrad" "equal collaborative adam" \
        "equal collaborative constant" "equal content auto" "equal hybrid auto" "equal hybrid adagrad" \
        "exact content auto" "exact hybrid adagrad" "exact hybrid adam" "threads" "valid" "halve" "file $sample/ratings.tsv" "csv" "formats" "gzip" "badline" "unsupported" "nomem" \
        "resume"; do
        # shellcheck disable=SC2086 # args are words
        if sh "$run" "$np" 120 "$fit" $args > "$tmp/out" 2>&1; then
            grep '^PASS' "$tmp/out"
            passes=$((passes + 1))
        else
            fail "check_mpi_fit $args on $np ranks:"
            tail -n 20 "$tmp/out"
        fi
    done
done
# A late rank: the others must give up after the 1 s timeout, not hang.
for np in 2 4; do
    s0=$(date +%s)
    sh "$run" "$np" 60 "$fit" timeout > "$tmp/out" 2>&1
    dt=$(($(date +%s) - s0))
    if grep -q '^PASS timeout' "$tmp/out" && test "$dt" -lt 40; then
        pass "timeout on $np ranks: $(grep '^PASS' "$tmp/out" | cut -c1-120) (mpirun ended after ${dt} s)"
    else
        fail "timeout on $np ranks (${dt} s):"
        tail -n 20 "$tmp/out"
    fi
done

# ---- the command-line tool ----
common="--data $sample/ratings.tsv --epochs 6 --factors 16 --lr-policy adagrad"
# shellcheck disable=SC2086
"$recsgd" train $common --model "$tmp/single.model" --quiet || fail "recsgd train"
rmse_on() { "$recsgd" eval --model "$1" --data "$2" --json | sed -n 's/.*"rmse":\([0-9.]*\).*/\1/p'; }
within1() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 0.01 * b) }'; }
for np in 1 2 4; do
    # shellcheck disable=SC2086
    sh "$run" "$np" 120 "$recsgd_mpi" train $common --model "$tmp/mpi$np.model" --quiet > "$tmp/out" 2>&1
    rc1=$?
    # shellcheck disable=SC2086
    sh "$run" "$np" 120 "$recsgd_mpi" train $common --model "$tmp/again$np.model" --quiet > "$tmp/out2" 2>&1
    rc2=$?
    if test "$rc1" -eq 0 && test "$rc2" -eq 0 && cmp -s "$tmp/single.model" "$tmp/mpi$np.model" &&
        cmp -s "$tmp/mpi$np.model" "$tmp/again$np.model"; then
        pass "recsgd-mpi train on $np ranks: model file identical to recsgd train's (and a second run's)"
    else
        fail "recsgd-mpi train on $np ranks (exit $rc1, $rc2): $(tail -n 5 "$tmp/out")"
    fi
done

# Kill and resume: rank 1 dies (SIGKILL) at the end of epoch 4, after the
# checkpoint of epoch 3; the resumed run must save the uninterrupted bytes.
# shellcheck disable=SC2086
sh "$run" 2 120 "$recsgd_mpi" train $common --model "$tmp/full.model" --quiet > /dev/null 2>&1
RECSGD_MPI_TEST_KILL=1:3 sh "$run" 2 120 "$recsgd_mpi" train $common --model "$tmp/kr.model" \
    --checkpoint-every 1 --quiet > "$tmp/killed" 2>&1
killed=$?
# shellcheck disable=SC2086
sh "$run" 2 120 "$recsgd_mpi" train $common --model "$tmp/kr.model" --checkpoint-every 1 --resume \
    > "$tmp/resumed" 2>&1
resumed=$?
if test "$killed" -ne 0 && ! test -e "$tmp/kr.model.tmp" && test "$resumed" -eq 0 &&
    grep -q 'resumed after epoch 3' "$tmp/resumed" && cmp -s "$tmp/full.model" "$tmp/kr.model"; then
    pass "kill and resume: the run killed after epoch 3 (exit $killed) and resumed saves the uninterrupted run's bytes"
else
    fail "kill and resume (killed run exit $killed, resumed exit $resumed): $(tail -n 3 "$tmp/resumed")"
fi

# A malformed line in the share of the last of 4 ranks.
head -n 50000 "$sample/ratings.tsv" > "$tmp/bad.tsv"
echo "12 13 oops" >> "$tmp/bad.tsv"
tail -n 8000 "$sample/ratings.tsv" >> "$tmp/bad.tsv"
sh "$run" 4 60 "$recsgd_mpi" train --data "$tmp/bad.tsv" --model "$tmp/bad.model" > "$tmp/out" 2> "$tmp/err"
code=$?
msgs=$(grep -c '^recsgd-mpi: ' "$tmp/err")
if test "$code" -eq 4 && test "$msgs" -eq 1 && grep -q '^recsgd-mpi: rank 3: .*bad.tsv:50001: ' "$tmp/err" &&
    ! test -e "$tmp/bad.model"; then
    pass "bad input on 4 ranks: exit 4, $(grep '^recsgd-mpi: ' "$tmp/err"), no model file"
else
    fail "bad input on 4 ranks: exit $code, $msgs messages: $(cat "$tmp/err" | head -n 5)"
fi

# ---- MovieLens 100K fold 1, when present ----
data_dir=${RS_DATA_DIR:-$srcdir/../shared/data}
ml="$data_dir/ml-100k"
if test -f "$ml/u1.base"; then
    rmse_of() { rmse_on "$1" "$ml/u1.test"; }
    for scorer in collaborative hybrid; do
        feats=""
        test "$scorer" = hybrid && feats="--user-features $ml/u.user --item-features $ml/u.item --features-format movielens"
        # shellcheck disable=SC2086
        "$recsgd" train --data "$ml/u1.base" --scorer "$scorer" $feats --model "$tmp/ml.model" --quiet
        ref=$(rmse_of "$tmp/ml.model")
        for np in 1 2 4; do
            # shellcheck disable=SC2086
            sh "$run" "$np" 300 "$recsgd_mpi" train --data "$ml/u1.base" --scorer "$scorer" $feats \
                --model "$tmp/ml$np.model" --quiet > "$tmp/out" 2>&1
            got=$(rmse_of "$tmp/ml$np.model")
            same=""
            cmp -s "$tmp/ml.model" "$tmp/ml$np.model" && same=", model file identical"
            if { test "$np" -eq 1 || test "$scorer" = collaborative; } && test -z "$same"; then
                fail "MovieLens 100K u1, $scorer, $np ranks: the model file differs from recsgd's"
            elif within1 "$got" "$ref"; then
                pass "MovieLens 100K u1, $scorer, $np ranks: test RMSE $got vs recsgd's $ref$same"
            else
                fail "MovieLens 100K u1, $scorer, $np ranks: test RMSE '$got' vs recsgd's $ref: $(tail -n 3 "$tmp/out")"
            fi
        done
    done
else
    echo "(MovieLens 100K not found in $data_dir: its checks are skipped)"
fi

echo "check_mpi.sh: $passes passed, $fails failed in $(($(date +%s) - t0)) s"
test "$fails" -eq 0
