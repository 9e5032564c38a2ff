#!/usr/bin/env python3
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""quickstart.py: examples/quickstart.c in Python, through the librecsgd package.

1. load data/sample/ratings.tsv and the item features (to label items);
2. hold out 20% of the ratings as a test set, and 10% of the rest for
   early stopping;
3. fit a collaborative model, printing every 10th epoch;
4. print the test RMSE next to the global-mean baseline, and the top-10 of
   two users (one of them unknown: the fallback ranking).

Usage: quickstart.py [DATA_DIR]    (default: data/sample)
Run from the top of a built tree without installing anything:
    LIBRECSGD_PATH=_build/.libs PYTHONPATH=bindings/python python3 examples/python/quickstart.py
"""

import math
import os
import sys

import librecsgd as rs


def show_epoch(stats):
    if stats["epoch"] % 10 == 0:
        print("  epoch %3d  train RMSE %.4f  validation RMSE %.4f"
              % (stats["epoch"], stats["train_rmse"], stats["valid_rmse"]))


def label(ds, item):
    try:
        feats = ds.get_features("item", item)
    except rs.UnknownIdError:
        return ""
    return " ".join(name for name, value in feats.items() if value == 1.0)


def main(data_dir):
    all_ = rs.Dataset.from_file(os.path.join(data_dir, "ratings.tsv"), format="movielens")
    all_.load_item_features(os.path.join(data_dir, "item_features.txt"))
    rest, test = all_.split_random(0.2, seed=42)
    train, valid = rest.split_random(0.1, seed=43)
    print("%d ratings: %d train, %d validation, %d test; %d users, %d items"
          % (len(all_), len(train), len(valid), len(test), all_.num_users, all_.num_items))

    model = rs.Model("collaborative", factors=16, epochs=200, learning_rate=0.01)
    model.fit(train, valid, progress=show_epoch)
    print("stopped after %d epochs" % len(model.epoch_stats()))

    users, items, ratings, _ = test.to_arrays()
    scores, status = model.predict_batch(users, items, return_status=True)
    mean = sum(train.to_arrays()[2]) / len(train)
    n = len(ratings)
    rmse = math.sqrt(sum((float(s) - r) ** 2 for s, r in zip(scores, ratings)) / n)
    base = math.sqrt(sum((mean - r) ** 2 for r in ratings) / n)
    fallbacks = sum(1 for s in status if s == rs.RS_FALLBACK)
    print("test RMSE %.4f (global-mean baseline %.4f; %d of %d scored by the fallback)"
          % (rmse, base, fallbacks, n))

    for user in (1, 123456):
        top, st = model.recommend(user, k=10, return_status=True)
        print("\nTop-10 for user %d%s:" % (user, " (unknown user: popularity fallback)"
                                           if st == rs.RS_FALLBACK else ""))
        for rank, (item, score) in enumerate(top, 1):
            print("  %2d. item %4d  predicted %.2f  (score %.2f)  %s"
                  % (rank, item, model.predict(user, item), score, label(all_, item)))
    for ds in (all_, rest, test, train, valid):
        ds.close()
    model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "data/sample"))
