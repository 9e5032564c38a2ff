#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# check_cli.sh: the recsgd command-line tool end to end on data/sample: every
# subcommand once, then every bad argument, missing file and malformed file
# must give its documented exit code and one clear line on stderr.
set -u
srcdir="${srcdir:-.}"
top_builddir="${top_builddir:-.}"
RECSGD="${RECSGD:-$top_builddir/tools/recsgd/recsgd}"
sample="$srcdir/data/sample"
test -x "$RECSGD" || { echo "FAIL: $RECSGD not built"; exit 1; }
test -r "$sample/ratings.tsv" || { echo "FAIL: $sample/ratings.tsv not found"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
passes=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { passes=$((passes + 1)); }

# expect CODE 'stderr substring' recsgd-args...: the exit code must be CODE;
# for a failure, stderr must be exactly one line containing the substring.
expect() {
    code=$1; pattern=$2; shift 2
    "$RECSGD" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if test "$got" -ne "$code"; then
        fail "recsgd $* exited $got, expected $code; stderr: $(cat "$tmp/err")"
        return 1
    fi
    if test "$code" -ne 0; then
        if test "$(wc -l <"$tmp/err")" -ne 1; then
            fail "recsgd $*: expected one line on stderr, got: $(cat "$tmp/err")"
            return 1
        fi
        if ! grep -q '^recsgd: ' "$tmp/err" || ! grep -qF -- "$pattern" "$tmp/err"; then
            fail "recsgd $*: stderr lacks '$pattern': $(cat "$tmp/err")"
            return 1
        fi
    fi
    pass
    return 0
}

# check 'description' shell-condition
check() {
    if eval "$2"; then pass; else fail "$1"; fi
}

# A small, fast training set: the sample minus every fifth rating, which is
# the test set.
grep -v '^#' "$sample/ratings.tsv" | awk -v tr="$tmp/train.tsv" -v te="$tmp/test.tsv" \
    '{ if (NR % 5 == 0) print > te; else print > tr }'
fast="--factors 8 --epochs 4 --lr 0.02 --threads 1"

# ---- every subcommand ----
expect 0 '' train --data "$tmp/train.tsv" $fast --model "$tmp/m.rsm" --stats "$tmp/s.csv" --quiet
check "model file written" "test -s '$tmp/m.rsm'"
check "stats header" "test \"\$(head -1 '$tmp/s.csv')\" = 'epoch,train_rmse,valid_rmse,grad_norm_mean,grad_norm_max,factor_grad_norm_mean,clip_share,learning_rate,seconds,diverged'"
check "stats has one row per epoch" "test \"\$(wc -l <'$tmp/s.csv')\" -eq 5"
check "stats rows are numeric" "awk -F, 'NR > 1 && (\$1 != NR - 1 || \$2 + 0 <= 0 || \$10 != 0) { bad = 1 } END { exit bad }' '$tmp/s.csv'"

expect 0 '' train --data "$tmp/train.tsv" --valid "$tmp/test.tsv" $fast --json
check "train --json: one object with status ok" "grep -q '^{\"command\":\"train\",\"status\":\"ok\".*\"valid_rmse\":[0-9]' '$tmp/out'"
check "train: a progress line per epoch when stderr is not a terminal" "test \"\$(grep -c '^epoch [0-9]*/4 ' '$tmp/err')\" -eq 4"
# On a terminal the progress line is redrawn in place (util-linux script gives a pty).
if script -qc true /dev/null >/dev/null 2>&1; then
    script -qc "'$RECSGD' train --data '$tmp/train.tsv' $fast" "$tmp/tty.log" >/dev/null 2>&1
    check "train: in-place progress bar on a terminal" \
        "grep -q \"\$(printf '\\r\\033\\[K')epoch 4/4 \\[####################\\] train 0\\.\" '$tmp/tty.log'"
fi
expect 0 '' train --data "$tmp/train.tsv" $fast
check "train: summary on stdout" "grep -q '^ok: collaborative model, 1000 users' '$tmp/out'"

expect 0 '' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv"
check "eval prints rmse" "grep -Eq '^rmse +0\.[0-9]{4}$' '$tmp/out'"
check "eval prints ndcg@10" "grep -Eq '^ndcg@10 +0\.[0-9]{4}$' '$tmp/out'"
expect 0 '' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" -k 5 --json
check "eval --json" "grep -q '\"rmse\":0\.[0-9]*,\"mae\".*\"precision@5\"' '$tmp/out'"
# The RMSE must be below the global-mean level (~0.87 on the sample).
check "eval rmse is sensible" "awk -F'\"rmse\":' '{ split(\$2, a, \",\"); exit !(a[1] > 0.2 && a[1] < 0.8) }' '$tmp/out'"

# eval's RMSE is the library's validation RMSE of the kept epoch (every test
# id is known to the training set here, so no fallback separates them).
expect 0 '' train --data "$tmp/train.tsv" --valid "$tmp/test.tsv" $fast --model "$tmp/v.rsm" --json
sed -n 's/.*"best_valid_rmse":\([0-9.]*\).*/\1/p' "$tmp/out" >"$tmp/valid_rmse"
expect 0 '' eval --model "$tmp/v.rsm" --data "$tmp/test.tsv" --json
sed -n 's/.*"rmse":\([0-9.]*\),.*/\1/p' "$tmp/out" >"$tmp/eval_rmse"
check "eval RMSE = the library's validation RMSE ($(cat "$tmp/eval_rmse") vs $(cat "$tmp/valid_rmse"))" \
    "awk -v a=\"\$(cat '$tmp/eval_rmse')\" -v b=\"\$(cat '$tmp/valid_rmse')\" 'BEGIN { d = a - b; exit !(a > 0 && d < 1e-6 && d > -1e-6) }'"

expect 0 '' predict --model "$tmp/m.rsm" --user 1 --item 681
check "predict prints a score" "grep -Eq '^[1-5]\.[0-9]{4}$' '$tmp/out'"
expect 0 '' predict --model "$tmp/m.rsm" --user 999999 --item 681
check "predict: fallback note for an unknown user" "grep -q 'fallback' '$tmp/err'"
expect 0 '' predict --model "$tmp/m.rsm" --user 999999 --item 681 --json
check "predict --json marks the fallback" "grep -q '\"fallback\":true' '$tmp/out'"

expect 0 '' topk --model "$tmp/m.rsm" --user 1 -k 5
check "topk -k 5 gives 5 ranked lines" "awk -F'\t' 'NF != 3 || \$1 != NR { bad = 1 } END { exit bad || NR != 5 }' '$tmp/out'"
first=$(awk -F'\t' 'NR == 1 { print $2 }' "$tmp/out")
expect 0 '' topk --model "$tmp/m.rsm" --user 1 -k 5 --exclude "$first,999999"
check "topk --exclude drops the item" "! awk -F'\t' '{ print \$2 }' '$tmp/out' | grep -qx '$first'"
seen=$(awk '$1 == 1 { print $2; exit }' "$tmp/train.tsv")
expect 0 '' topk --model "$tmp/m.rsm" --user 1 -k 800
check "topk leaves out a training item" "! awk -F'\t' '{ print \$2 }' '$tmp/out' | grep -qx '$seen'"
expect 0 '' topk --model "$tmp/m.rsm" --user 1 -k 800 --include-seen
check "topk --include-seen ranks it" "awk -F'\t' '{ print \$2 }' '$tmp/out' | grep -qx '$seen'"
expect 0 '' topk --model "$tmp/m.rsm" --user 1 -k 3 --json
check "topk --json" "grep -q '\"results\":\[{\"item\":' '$tmp/out'"

expect 0 '' similar --model "$tmp/m.rsm" --item 1 -k 4
check "similar --item gives 4 lines" "test \"\$(wc -l <'$tmp/out')\" -eq 4"
check "similar --item excludes the item itself" "! awk -F'\t' '{ print \$2 }' '$tmp/out' | grep -qx 1"
expect 0 '' similar --model "$tmp/m.rsm" --user 1 -k 2 --json
check "similar --user --json" "grep -q '\"results\":\[{\"user\":' '$tmp/out'"

expect 0 '' info --model "$tmp/m.rsm"
check "info names the scorer" "grep -Eq '^scorer +collaborative$' '$tmp/out'"
check "info lists parameters" "grep -Eq '^  factors +8$' '$tmp/out' && grep -Eq '^  learning_rate +0.02$' '$tmp/out'"
expect 0 '' info --model "$tmp/m.rsm" --json
check "info --json" "grep -q '\"users\":1000,\"items\":800' '$tmp/out'"

expect 0 '' plot "$tmp/s.csv" --out "$tmp/c.svg" --title 'a <title> & more'
check "plot writes an SVG" "head -2 '$tmp/c.svg' | grep -q '<svg' && tail -1 '$tmp/c.svg' | grep -q '</svg>'"
check "plot escapes the title" "grep -q 'a &lt;title&gt; &amp; more' '$tmp/c.svg'"
check "plot draws lines" "grep -q '<polyline' '$tmp/c.svg'"

# Features: the hybrid scorer with the sample's sparse feature files.
expect 0 '' train --data "$tmp/train.tsv" --scorer hybrid --user-features "$sample/user_features.txt" \
    --item-features "$sample/item_features.txt" $fast --model "$tmp/h.rsm" --quiet
expect 0 '' info --model "$tmp/h.rsm"
check "info: hybrid scorer with features" "grep -Eq '^scorer +hybrid$' '$tmp/out' && grep -Eq '^item features +[1-9]' '$tmp/out'"

# Divergence: exit 3, the stats still written (with the diverged epoch), and no
# model saved: a failed fit never replaces a model file (issue 11, defect 1).
expect 3 'diverged' train --data "$tmp/train.tsv" --factors 8 --epochs 3 --lr 5 --init scaled \
    --stats "$tmp/d.csv" --model "$tmp/d.rsm" --quiet
check "diverged run: stats row marked diverged" "awk -F, 'NR > 1 && \$10 == 1 { hit = 1 } END { exit !hit }' '$tmp/d.csv'"
check "diverged run: no model saved" "test ! -e '$tmp/d.rsm'"
cp "$tmp/m.rsm" "$tmp/keep.rsm"
expect 3 'no model saved' train --data "$tmp/train.tsv" --factors 8 --epochs 3 --lr 5 --init scaled \
    --model "$tmp/keep.rsm" --save-on-error --quiet
check "diverged run: an existing model file is left alone" "cmp -s '$tmp/m.rsm' '$tmp/keep.rsm'"
# Epoch 1 is good, epoch 2 diverges (Adam at 0.5, divergence factor 3): only
# --save-on-error saves the model of epoch 1.
expect 3 'diverged' train --data "$tmp/train.tsv" --factors 8 --epochs 10 --lr-policy adam --lr 0.5 \
    --set divergence=3 --init scaled --model "$tmp/e.rsm" --quiet
check "diverged after a good epoch: no model without --save-on-error" "test ! -e '$tmp/e.rsm'"
expect 3 'last good epoch is saved' train --data "$tmp/train.tsv" --factors 8 --epochs 10 \
    --lr-policy adam --lr 0.5 --set divergence=3 --init scaled --model "$tmp/e.rsm" --save-on-error --quiet
expect 0 '' info --model "$tmp/e.rsm"
check "--save-on-error saved the last good epoch" "grep -Eq '^  keep_partial +1$' '$tmp/out'"
expect 0 '' plot "$tmp/d.csv" "$tmp/s.csv" --label diverged --label fine --out "$tmp/d.svg"
check "plot marks the diverged epoch" "grep -q 'diverged epoch' '$tmp/d.svg'"
expect 0 '' train --data "$tmp/train.tsv" --factors 8 --epochs 4 --lr 5 --lr-policy constant --init scaled \
    --on-divergence halve --stats "$tmp/h.csv" --quiet
check "--on-divergence halve halves the rate" "awk -F, 'NR == 3 { exit !(\$8 < 5) }' '$tmp/h.csv'"

# A whole number beyond int64 goes to the real setter (converting it to int64
# was undefined behaviour: found by tests/fuzz/fuzz_cli_args.c).
expect 2 'takes an integer' train --data "$tmp/train.tsv" --set seed=99999999999999999999 --quiet

# --set reaches any model parameter by its library name.
expect 0 '' train --data "$tmp/train.tsv" $fast --set clamp=0 --set l2_bias=0.5 --model "$tmp/p.rsm" --quiet
expect 0 '' info --model "$tmp/p.rsm"
check "--set applied" "grep -Eq '^  clamp +0$' '$tmp/out' && grep -Eq '^  l2_bias +0.5$' '$tmp/out'"

# ---- usage errors: exit 2 ----
expect 2 'usage' 
expect 2 "unknown command 'fit'" fit
expect 2 '--data FILE is required' train --epochs 3
expect 2 "--factors: 'abc' is not a positive integer" train --data "$tmp/train.tsv" --factors abc
expect 2 "--factors: '0' is not a positive integer" train --data "$tmp/train.tsv" --factors 0
expect 2 '--factors: factors = 99999 is outside' train --data "$tmp/train.tsv" --factors 99999
expect 2 "--lr: 'fast' is not a finite number" train --data "$tmp/train.tsv" --lr fast
expect 2 '--lr: learning_rate' train --data "$tmp/train.tsv" --lr -1
expect 2 "--seed: '-3' is not a non-negative integer" train --data "$tmp/train.tsv" --seed -3
expect 2 "--scorer: 'deep' is not one of collaborative|content|hybrid" train --data "$tmp/train.tsv" --scorer deep
expect 2 "--clip: 'norm' needs a threshold" train --data "$tmp/train.tsv" --clip norm
expect 2 "--clip: 'sideways' is not one of none|value|norm" train --data "$tmp/train.tsv" --clip sideways:1
expect 2 "--init: 'x' is not a finite number" train --data "$tmp/train.tsv" --init normal:x
expect 2 "--lr-policy: 'sgd' is not one of" train --data "$tmp/train.tsv" --lr-policy sgd
expect 2 "--format: 'json' is not one of" train --data "$tmp/train.tsv" --format json
expect 2 '--epochs: missing value' train --data "$tmp/train.tsv" --epochs
expect 2 "unknown option '--bogus'" train --data "$tmp/train.tsv" --bogus
expect 2 '--quiet takes no value' train --data "$tmp/train.tsv" --quiet=yes
expect 2 'needs --user-features and/or --item-features' train --data "$tmp/train.tsv" --scorer content
expect 2 'feature files need --scorer content or hybrid' train --data "$tmp/train.tsv" --item-features "$sample/item_features.txt"
expect 2 "--set: 'nosuch' is not a model parameter" train --data "$tmp/train.tsv" --set nosuch=1
expect 2 '--set: factors takes an integer, not 2.5' train --data "$tmp/train.tsv" --set factors=2.5
expect 2 "--set: 'factors' is not NAME=VALUE" train --data "$tmp/train.tsv" --set factors
expect 2 '--model FILE is required' eval --data "$tmp/test.tsv"
expect 2 "-k: '0' is not a positive integer" eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" -k 0
expect 2 '--user U and --item I are required' predict --model "$tmp/m.rsm" --user 1
expect 2 "--user: '1x' is not an integer" predict --model "$tmp/m.rsm" --user 1x --item 2
expect 2 '--user U is required' topk --model "$tmp/m.rsm"
expect 2 "--exclude: 'x' is not an id" topk --model "$tmp/m.rsm" --user 1 --exclude 1,x
expect 2 'exactly one of --item I and --user U' similar --model "$tmp/m.rsm" --item 1 --user 1
expect 2 "unexpected argument 'extra'" info --model "$tmp/m.rsm" extra
expect 2 '--out FILE.svg is required' plot "$tmp/s.csv"
expect 2 'at least one statistics CSV file' plot --out "$tmp/x.svg"

# ---- runtime errors: exit 1 ----
expect 1 'item 123456 is not in the model' similar --model "$tmp/m.rsm" --item 123456

# ---- missing, malformed and unwritable files: exit 4 ----
expect 4 "$tmp/nope.tsv" train --data "$tmp/nope.tsv"
printf '1\t2\t4\n1\t3\t5\n2\t2\tfive\n' >"$tmp/bad.tsv"
expect 4 'bad.tsv:3' train --data "$tmp/bad.tsv" $fast
printf '# only a comment\n' >"$tmp/empty.tsv"
expect 4 'empty.tsv' train --data "$tmp/empty.tsv" $fast
printf '1 genre_a\n2 genre_b:zz\n' >"$tmp/badfeat.txt"
expect 4 'badfeat.txt:2' train --data "$tmp/train.tsv" --scorer content --item-features "$tmp/badfeat.txt" $fast
expect 4 'valid-missing.tsv' train --data "$tmp/train.tsv" --valid "$tmp/valid-missing.tsv" $fast
expect 4 "--model: cannot write '$tmp/no/dir/m.rsm'" train --data "$tmp/train.tsv" $fast --model "$tmp/no/dir/m.rsm"
expect 4 'missing.rsm' eval --model "$tmp/missing.rsm" --data "$tmp/test.tsv"
printf 'this is not a model\n' >"$tmp/junk.rsm"
expect 4 'junk.rsm' info --model "$tmp/junk.rsm"
head -c 200 "$tmp/m.rsm" >"$tmp/cut.rsm"
expect 4 'cut.rsm' predict --model "$tmp/cut.rsm" --user 1 --item 2
expect 4 'bad.tsv:3' eval --model "$tmp/m.rsm" --data "$tmp/bad.tsv"
expect 4 'nope.csv: cannot open' plot "$tmp/nope.csv" --out "$tmp/x.svg"
printf 'a,b\n1,2\n' >"$tmp/foreign.csv"
expect 4 "foreign.csv:1: no 'epoch' column" plot "$tmp/foreign.csv" --out "$tmp/x.svg"
head -3 "$tmp/s.csv" >"$tmp/trunc.csv"; printf '3,0.5\n' >>"$tmp/trunc.csv"
expect 4 'trunc.csv:4: expected 10 fields, found 2' plot "$tmp/trunc.csv" --out "$tmp/x.svg"
expect 4 'cannot write' plot "$tmp/s.csv" --out "$tmp/no/dir/x.svg"

# ---- 0.2: help texts, option conventions, progress width, string ids, split ----
# Every subcommand's --help lists its options with their defaults.
for c in train eval predict topk similar split info plot; do
    expect 0 '' $c --help
    check "$c --help lists options" "grep -q '^options:' '$tmp/out' && grep -q -- '--' '$tmp/out'"
    check "$c --help lines fit 79 columns" "! awk 'length > 79 { bad = 1 } END { exit !bad }' '$tmp/out'"
done
expect 0 '' help topk
check "recsgd help topk = topk --help" "grep -q '^usage: recsgd topk' '$tmp/out'"
# train --help names every model parameter of the library (RS_PARAM_* 100-399 of
# model.h, by their library names), with its default and range.
"$RECSGD" train --help >"$tmp/help.txt"
params=$(sed -n 's/^ *RS_PARAM_\([A-Z0-9_]*\) *= *\([1-3][0-9][0-9]\),.*/\1/p; s/^ *RS_PARAM_\([A-Z0-9_]*\) *= *\([1-3][0-9][0-9]\) .*/\1/p' \
    "$srcdir/include/librecsgd/model.h" | tr 'A-Z' 'a-z' | sort -u)
check "model.h has model parameters to look for" "test \"\$(echo '$params' | wc -w)\" -ge 30"
for p in $params; do
    check "train --help lists parameter $p with a default" "grep -Eq '^  $p +[a-z]+, default ' '$tmp/help.txt'"
done
check "train --help: --factors shows the library's default and range" \
    "grep -A1 -- '--factors N' '$tmp/help.txt' | tr -s ' ' | grep -q 'default 128, range 1 to 4096'"
# getopt_long conventions: -k2, -k 2, --k=2, --k 2, abbreviations, --.
for form in "-k2" "-k 2" "--k=2" "--k 2"; do
    expect 0 '' topk --model "$tmp/m.rsm" --user 1 $form
    check "topk $form gives 2 lines" "test \"\$(wc -l <'$tmp/out')\" -eq 2"
done
expect 0 '' topk -m "$tmp/m.rsm" -u1 --incl -k3
check "abbreviated --include-seen" "test \"\$(wc -l <'$tmp/out')\" -eq 3"
expect 2 "unexpected argument '--json'" topk --model "$tmp/m.rsm" --user 1 -- --json
expect 2 "ambiguous option '--l'" train --data "$tmp/train.tsv" --l2 0.1 --l2-b 0.1 --l 3
expect 0 '' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" -k5 --json
check "eval -k5" "grep -q 'precision@5' '$tmp/out'"

# The progress line fits the terminal: 80 and 120 columns under a pseudo-terminal.
if script -qc true /dev/null >/dev/null 2>&1; then
    for w in 80 120; do
        script -qc "stty cols $w rows 24; '$RECSGD' train --data '$tmp/train.tsv' --valid '$tmp/test.tsv' $fast" \
            "$tmp/tty$w.log" >/dev/null 2>&1
        # every redraw of the line, escape sequences removed
        tr '\r' '\n' <"$tmp/tty$w.log" | sed 's/\x1b\[K//g' | grep '^epoch [0-9]*/4 \[' >"$tmp/lines$w"
        check "progress at $w columns: 4 redraws" "test \"\$(wc -l <'$tmp/lines$w')\" -eq 4"
        check "progress at $w columns never reaches the last column" \
            "awk -v w=$w 'length >= w { bad = 1 } END { exit bad }' '$tmp/lines$w'"
    done
    check "progress at 120 columns has room for everything" "grep -q 'valid 0.*|grad|.*clip' '$tmp/lines120'"
    check "progress at 80 columns drops parts instead of wrapping" "! grep -q 'clip' '$tmp/lines80'"
fi

# String ids: a CSV export with UUID-like users, SKUs, a header and ISO dates.
awk 'NR > 1 || !/^#/' "$tmp/train.tsv" | head -3000 | awk -F'\t' '
    BEGIN { print "user_id,item_id,rating,timestamp" }
    { printf "%08x-aaaa-4bbb-8ccc-%012d,\"SKU, %d\",%s,2024-%02d-%02dT12:00:00Z\n", $1 * 2654435761 % 4294967296, $1, $2, $3, NR % 12 + 1, NR % 28 + 1 }' >"$tmp/export.csv"
expect 4 "use --ids string" train --data "$tmp/export.csv" $fast
expect 0 '' train --data "$tmp/export.csv" --ids string $fast --model "$tmp/s.rsm" --quiet
expect 0 '' info --model "$tmp/s.rsm"
check "info: string ids" "grep -Eq '^ids +string$' '$tmp/out'"
u1=$(sed -n '2s/,.*//p' "$tmp/export.csv")
expect 0 '' topk --model "$tmp/s.rsm" --user "$u1" -k 3
check "topk by string id: 3 SKUs" "test \"\$(grep -c '	SKU, [0-9]*	' '$tmp/out')\" -eq 3"
first=$(awk -F'\t' 'NR == 1 { print $2 }' "$tmp/out")
expect 0 '' topk --model "$tmp/s.rsm" --user "$u1" -k 3 --json
check "topk --json with string ids" "grep -q '\"user\":\"$u1\".*\"item\":\"SKU, ' '$tmp/out'"
expect 0 '' predict --model "$tmp/s.rsm" --user "$u1" --item "$first"
check "predict by string ids" "grep -Eq '^[0-9]\.[0-9]{4}$' '$tmp/out'"
expect 0 '' similar --model "$tmp/s.rsm" --item "$first" -k 2
check "similar by string id" "test \"\$(wc -l <'$tmp/out')\" -eq 2"
expect 1 "is not in the model" similar --model "$tmp/s.rsm" --item "no such sku"
expect 0 '' eval --model "$tmp/s.rsm" --data "$tmp/export.csv"
check "eval reads the data with the model's string ids" "grep -Eq '^rmse +0\.[0-9]{4}$' '$tmp/out'"

# split: random, per user, by time (cut-off and last n); the parts read back.
expect 0 '' split --data "$tmp/export.csv" --ids string --train "$tmp/a.csv" --test "$tmp/b.csv" --json
check "split random: 20% test" "grep -q '\"ratings\":3000,\"train_ratings\":2400,\"test_ratings\":600' '$tmp/out'"
expect 0 '' train --data "$tmp/a.csv" --ids string $fast --model "$tmp/a.rsm" --quiet
expect 0 '' split --data "$tmp/train.tsv" --method user --holdout 2 --train "$tmp/u.tsv" --test "$tmp/v.tsv"
check "split user: 2 per user" "test \"\$(awk 'NR > 1' '$tmp/v.tsv' | wc -l)\" -eq 2000"
expect 0 '' split --data "$tmp/export.csv" --ids string --method time --cutoff 2024-11-01 --train "$tmp/p.csv" --test "$tmp/f.csv"
check "split time: test part at or after the cut-off" \
    "awk -F, 'NR > 1 && \$NF < 1730419200 { bad = 1 } END { exit bad }' '$tmp/f.csv' && test \"\$(awk 'NR > 1' '$tmp/f.csv' | wc -l)\" -gt 0"
expect 0 '' split --data "$tmp/export.csv" --ids string --method time --last 1 --train "$tmp/p.tsv" --test "$tmp/f.tsv"
expect 0 '' train --data "$tmp/p.tsv" --ids string $fast --quiet
expect 2 'needs exactly one of --cutoff T and --last N' split --data "$tmp/train.tsv" --method time --train "$tmp/x" --test "$tmp/y"
expect 2 "--cutoff: 'soon' is not Unix seconds" split --data "$tmp/train.tsv" --method time --cutoff soon --train "$tmp/x" --test "$tmp/y"
cut -f1-3 "$tmp/train.tsv" >"$tmp/untimed.tsv"
expect 4 'needs a timestamp on every rating' split --data "$tmp/untimed.tsv" --method time --last 1 --train "$tmp/x" --test "$tmp/y"
expect 0 '' split --data "$tmp/train.tsv" --method time --last 1 --train "$tmp/x.tsv" --test "$tmp/y.tsv"
check "split time --last 1: one rating per user (the sample's users have more)" \
    "test \"\$(awk 'NR > 1' '$tmp/y.tsv' | wc -l)\" -eq 1000"
expect 2 "--delimiter: 'ab' is not one character" train --data "$tmp/train.tsv" --delimiter ab

# gzip input, when the library has zlib.
if command -v gzip >/dev/null 2>&1; then
    gzip -c "$tmp/train.tsv" >"$tmp/train.tsv.gz"
    if "$RECSGD" train --data "$tmp/train.tsv.gz" $fast --quiet 2>"$tmp/err"; then
        pass
    else
        check "gzip input without zlib: RS_ERR_NOT_BUILT" "grep -q 'built without zlib' '$tmp/err'"
    fi
fi

# ---- eval prints what the evaluation API returns ----
# tests/eval_reference calls rs_model_evaluate_ratings and _ranking itself
# with the same arguments and prints every RS_METRIC_* entry (%.17g); every
# figure of `recsgd eval --json` (17 digits too) must be the same string.
REF="${EVAL_REFERENCE:-$top_builddir/tests/eval_reference}"
rating_keys="ratings:2 fallbacks:3 skipped:4 rmse:0 mae:1"
ranking_keys() {
    echo "ranked_users:11 users_without_relevant:12 fallback_users:13 unranked_users:14" \
        "auc_users:15 precision@$1:5 recall@$1:6 ndcg@$1:7 map@$1:8 hit_rate@$1:9 auc:10"
}
json_value() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
# eval_matches 'what' all|rating|ranking K 'reference arguments' recsgd-eval-arguments...
eval_matches() {
    what=$1; kinds=$2; k=$3; ref=$4; shift 4
    if ! "$RECSGD" eval --json "$@" >"$tmp/cli.json" 2>"$tmp/err"; then
        fail "$what: recsgd eval $*: $(cat "$tmp/err")"
        return
    fi
    # shellcheck disable=SC2086 # the reference arguments are words
    if ! "$REF" $ref >"$tmp/ref.txt" 2>"$tmp/err"; then
        fail "$what: eval_reference $ref: $(cat "$tmp/err")"
        return
    fi
    case $kinds in
    all) want_keys="$rating_keys $(ranking_keys "$k")"; absent="" ;;
    rating) want_keys=$rating_keys; absent=$(ranking_keys "$k") ;;
    ranking) want_keys=$(ranking_keys "$k"); absent=$rating_keys ;;
    esac
    for pair in $want_keys; do
        key=${pair%:*}
        got=$(json_value "$key" "$tmp/cli.json")
        want=$(awk -v i="${pair##*:}" '$1 == i { print ($2 ~ /nan/) ? "null" : $2 }' "$tmp/ref.txt")
        check "$what: $key is the API's ($got, $want)" "test -n '$want' && test '$got' = '$want'"
    done
    for pair in $absent; do
        check "$what: no $pair" "! grep -q '\"${pair%:*}\":' '$tmp/cli.json'"
    done
}
if test -x "$REF"; then
    eval_matches "eval" all 10 "$tmp/m.rsm $tmp/test.tsv 10 4 0" --model "$tmp/m.rsm" --data "$tmp/test.tsv"
    eval_matches "eval -k3 --relevance 3.5 --include-seen" all 3 "$tmp/m.rsm $tmp/test.tsv 3 3.5 1" \
        -m "$tmp/m.rsm" -d "$tmp/test.tsv" -k3 --relevance 3.5 --include-seen
    # an exclusion set, a candidate list (given in two parts), the ranking only
    head -n 2000 "$tmp/test.tsv" >"$tmp/excl.tsv"
    cands=$(awk 'BEGIN { for (i = 1; i < 400; i += 3) printf "%s%d", (i > 1 ? "," : ""), i }')
    eval_matches "eval --ranking --exclude-ratings --candidates" ranking 5 \
        "$tmp/m.rsm $tmp/test.tsv 5 4 0 $tmp/excl.tsv $cands,999999" \
        --model "$tmp/m.rsm" --data "$tmp/test.tsv" --ranking -k 5 --exclude-ratings "$tmp/excl.tsv" \
        --candidates "$cands" --candidates 999999
    eval_matches "eval --rating" rating 10 "$tmp/m.rsm $tmp/test.tsv 10 4 0" \
        --model "$tmp/m.rsm" --data "$tmp/test.tsv" --rating
    # unknown users and items: the fallback, and under cold_start=error the
    # unscored ratings and unranked users
    cp "$tmp/test.tsv" "$tmp/cold.tsv"
    printf '999999\t5\t4.5\t1\n999999\t7\t2\t1\n1\t888888\t5\t1\n' >>"$tmp/cold.tsv"
    eval_matches "eval with unknown ids" all 10 "$tmp/m.rsm $tmp/cold.tsv 10 4 0" \
        --model "$tmp/m.rsm" --data "$tmp/cold.tsv"
    check "eval with unknown ids: 3 fallbacks, 1 fallback user" \
        "grep -q '\"fallbacks\":3,' '$tmp/cli.json' && grep -q '\"fallback_users\":1,' '$tmp/cli.json'"
    expect 0 '' train --data "$tmp/train.tsv" $fast --set cold_start=error --model "$tmp/ce.rsm" --quiet
    eval_matches "eval, cold_start=error" all 10 "$tmp/ce.rsm $tmp/cold.tsv 10 4 0" \
        --model "$tmp/ce.rsm" --data "$tmp/cold.tsv"
    check "eval, cold_start=error: 3 skipped, 1 unranked user" \
        "grep -q '\"skipped\":3,' '$tmp/cli.json' && grep -q '\"unranked_users\":1,' '$tmp/cli.json'"
    # the text output shows the same figures, to 4 decimals
    expect 0 '' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv"
    "$REF" "$tmp/m.rsm" "$tmp/test.tsv" 10 4 0 >"$tmp/ref.txt"
    for pair in rmse:0 mae:1 precision@10:5 ndcg@10:7 auc:10; do
        want=$(awk -v i="${pair##*:}" '$1 == i { printf "%.4f", $2 }' "$tmp/ref.txt")
        check "eval text: ${pair%:*} $want" "grep -Eq '^${pair%:*} +$want\$' '$tmp/out'"
    done
    expect 0 '' eval --model "$tmp/m.rsm" --data "$tmp/cold.tsv"
    check "eval text: the unknown user ranked by the fallback" "grep -q '^unknown users 1 ranked by the fallback' '$tmp/out'"
else
    fail "$REF not built (make check builds it)"
fi
# string ids: candidates by their strings (unknown ones ignored); every item
# as candidates ranks as no list does
sed 's/"SKU, \([0-9]*\)"/sku\1/' "$tmp/export.csv" >"$tmp/plain.csv"
expect 0 '' train --data "$tmp/plain.csv" --ids string $fast --model "$tmp/p.rsm" --quiet
every=$(awk -F, 'NR > 1 && !seen[$2]++ { printf "%s%s", (n++ ? "," : ""), $2 }' "$tmp/plain.csv")
expect 0 '' eval --model "$tmp/p.rsm" --data "$tmp/plain.csv" --ranking --include-seen --json
sed 's/"include_seen".*//' "$tmp/out" >"$tmp/all.json"
expect 0 '' eval --model "$tmp/p.rsm" --data "$tmp/plain.csv" --ranking --include-seen --candidates "$every" --json
sed 's/"include_seen".*//' "$tmp/out" >"$tmp/every.json"
check "eval: string-id candidates listing every item rank as no list" "cmp -s '$tmp/all.json' '$tmp/every.json'"
check "eval: string-id candidates rank something" "! grep -q '\"ranked_users\":0,' '$tmp/out'"
some=$(echo "$every" | cut -d, -f1-20)
expect 0 '' eval --model "$tmp/p.rsm" --data "$tmp/plain.csv" --ranking --candidates "$some" --json
cp "$tmp/out" "$tmp/some.json"
expect 0 '' eval --model "$tmp/p.rsm" --data "$tmp/plain.csv" --ranking --candidates "$some,no-such-sku" --json
check "eval: an unknown string candidate is ignored" "cmp -s '$tmp/some.json' '$tmp/out'"
check "eval: 20 candidates rank differently from all" "! cmp -s '$tmp/some.json' '$tmp/every.json'"
# bad eval arguments
expect 2 '--rating and --ranking exclude each other' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" --rating --ranking
expect 2 '--rating prints no ranking' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" --rating --include-seen
expect 2 "--candidates: 'x' is not an id" eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" --candidates 1,x
expect 2 "--relevance: 'nan' is not a finite number" eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" --relevance nan
expect 4 'excl-missing.tsv' eval --model "$tmp/m.rsm" --data "$tmp/test.tsv" --exclude-ratings "$tmp/excl-missing.tsv"

echo "check_cli.sh: $passes passed, $fails failed"
test "$fails" -eq 0
