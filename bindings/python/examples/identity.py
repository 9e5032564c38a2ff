#!/usr/bin/env python3
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""identity.py: the cross-language identity workflow (bindings/identity/SPEC.md)
through the Python package. Must print exactly what bindings/identity/identity.c
prints and save byte-identical model files.

Usage: identity.py DATA_DIR OUT_DIR
"""

import os
import struct
import sys

import librecsgd as rs
from librecsgd import _names

USERS = ITEMS = (1, 2, 3, 999999)


def float_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def double_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def print_predictions(model, out):
    for u in USERS:
        for i in ITEMS:
            score, status = model.predict(u, i, return_status=True)
            out.append("%d %d %d %08x %.6f" % (u, i, status, float_bits(score), score))


def print_evaluation(model, test, out):
    """Every entry of both evaluation calls, by RS_METRIC_* index."""
    index = {key: i for i, key in _names.METRIC_KEYS.items()}
    got = dict(model.evaluate_ratings(test))
    got.update(model.evaluate_ranking(test, k=10, threshold=4.0))
    for i, value in sorted((index[key], value) for key, value in got.items()):
        out.append("%d %016x" % (i, double_bits(value)))


def run_scorer(scorer, train, test, out_dir, out):
    with rs.Model(scorer, factors=16, epochs=8, seed=7, threads=1) as model:
        model.fit(train)
        stats = model.epoch_stats()
        out.append("scorer %s" % scorer)
        out.append("epochs %d train_rmse %016x" % (len(stats), double_bits(stats[-1]["train_rmse"])))
        for u in USERS[:3]:
            out.append("topk user %d" % u)
            for rank, (item, score) in enumerate(model.recommend(u, k=10), 1):
                out.append("%d %d %08x %.6f" % (rank, item, float_bits(score), score))
        out.append("predict")
        print_predictions(model, out)
        out.append("evaluate")
        print_evaluation(model, test, out)
        path = os.path.join(out_dir, "python-%s.model" % scorer)
        model.save(path)
    with rs.Model.load(path) as back:
        out.append("reloaded")
        print_predictions(back, out)


def main(argv):
    if len(argv) != 3:
        print("usage: identity.py DATA_DIR OUT_DIR", file=sys.stderr)
        return 2
    data, out_dir = argv[1], argv[2]
    out = []
    with rs.Dataset.from_file(os.path.join(data, "ratings.tsv"), format="movielens") as ds:
        ds.load_user_features(os.path.join(data, "user_features.txt"), format="sparse")
        ds.load_item_features(os.path.join(data, "item_features.txt"), format="sparse")
        train, test = ds.split_random(0.2, seed=42)
    with train, test:
        for scorer in ("collaborative", "hybrid"):
            run_scorer(scorer, train, test, out_dir, out)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
