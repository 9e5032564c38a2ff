#!/bin/sh
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
# make_pictures.sh: regenerate docs/pictures/*.svg (learning curves drawn by
# `recsgd plot`) from the bundled sample data. `make pictures` runs it.
#   usage: tools/make_pictures.sh [SAMPLE_DIR [OUT_DIR]]
#   RECSGD=path/to/recsgd overrides the tool (default: tools/recsgd/recsgd, then PATH).
# Every run is deterministic (fixed seed, one thread); 10% of the ratings
# (every tenth line) are held out as the validation set.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
sample="${1:-$here/data/sample}"
out="${2:-$here/docs/pictures}"
if test -z "${RECSGD:-}"; then
    if test -x "$here/tools/recsgd/recsgd"; then RECSGD="$here/tools/recsgd/recsgd"
    else RECSGD=recsgd; fi
fi
test -r "$sample/ratings.tsv" || { echo "make_pictures.sh: $sample/ratings.tsv not found" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/recsgd-pictures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

grep -v '^#' "$sample/ratings.tsv" | awk -v tr="$tmp/train.tsv" -v va="$tmp/valid.tsv" \
    '{ if (NR % 10 == 0) print > va; else print > tr }'

train() { # name, options...
    name=$1; shift
    # A diverging run exits with 3 when it stops; its statistics are still written.
    "$RECSGD" train --data "$tmp/train.tsv" --valid "$tmp/valid.tsv" --seed 42 --threads 1 \
        --tolerance 0 --patience 1000 --quiet --stats "$tmp/$name.csv" "$@" || test $? -eq 3
}

# Exploding gradients: lr 2 without clipping diverges (each diverged epoch is
# rolled back and the rate halved until it is small enough); the same lr with
# the gradient of every row clipped to norm 0.05 trains without a hitch.
train explode --epochs 25 --lr 2 --on-divergence halve
train clipped --epochs 25 --lr 2 --clip norm:0.05
train sensible --epochs 25 --lr 0.05
"$RECSGD" plot "$tmp/explode.csv" "$tmp/clipped.csv" "$tmp/sensible.csv" \
    --label "lr 2, no clipping (diverges; lr halved after each divergence)" \
    --label "lr 2, --clip norm:0.05" \
    --label "lr 0.05, no clipping (for reference)" \
    --title "Exploding gradients on data/sample: clipping keeps a huge learning rate stable" \
    --out "$out/exploding.svg"

# Vanishing gradients: with every factor at zero the factor gradient is
# exactly zero, so only the biases learn and the RMSE stalls at the biases-only
# level; the scaled normal init (s / sqrt(factors)) learns at once.
train zero --epochs 25 --lr 0.05 --init zero
train scaled --epochs 25 --lr 0.05 --init scaled
train small --epochs 25 --lr 0.05 --init normal:0.005
"$RECSGD" plot "$tmp/zero.csv" "$tmp/scaled.csv" "$tmp/small.csv" \
    --label "--init zero (factor gradient stays 0)" \
    --label "--init scaled (s = 1)" \
    --label "--init normal:0.005 (the default: slow start)" \
    --title "Vanishing gradients on data/sample: an all-zero init never leaves the saddle" \
    --out "$out/vanishing.svg"
echo "make_pictures.sh: wrote $out/exploding.svg $out/vanishing.svg"
