#!/usr/bin/env python3
# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""bench/python_batch.py: the cost of the Python binding's batch calls
against the same C calls made directly.

  predict_batch  over --pairs (default 1,000,000) (user, item) pairs
  recommend_batch (rs_topk_batch) for every user of the data set, k = --k

For each, the binding's call (Model.predict_batch / Model.recommend_batch,
including turning its inputs into C arrays and allocating its outputs) is
timed against the bare C function called through ctypes on buffers prepared
beforehand (no per-element work in Python on either side); the best of
--repeat runs of each is printed with their ratio. The goal is a ratio
within 1.3. This prints figures; it asserts nothing about speed.

Instruction counts, which a shared machine does not disturb: run with
--only c, --only python and --only none under
`valgrind --tool=callgrind` (same other options); (python - none) /
(c - none) is the binding's ratio; --which picks one benchmark.

Data: MovieLens 100K (u.data, 943 users) when $RS_DATA_DIR/ml-100k exists,
else data/sample (1000 users); --data DIR/ratings.tsv-style file overrides.

Usage: LIBRECSGD_PATH=_build/.libs PYTHONPATH=bindings/python \
           python3 bench/python_batch.py [--pairs N] [--repeat R] [--k K] [--data FILE] [--no-numpy]
"""

import argparse
import ctypes
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

rs = LIB = _buffers = None  # imported in main(), after --no-numpy


def data_file(arg):
    if arg:
        return arg, os.path.basename(arg)
    env = os.environ.get("RS_DATA_DIR", os.path.join(TOP, "..", "shared", "data"))
    ml = os.path.join(env, "ml-100k", "u.data")
    if os.path.exists(ml):
        return ml, "MovieLens 100K (u.data)"
    return os.path.join(TOP, "data", "sample", "ratings.tsv"), "data/sample"


def best_of_interleaved(c_fn, py_fn, repeat):
    """Best time of each, the C and Python runs alternating so that load
    changes on the machine hit both alike."""
    tc, tp = [], []
    for _ in range(repeat):
        for fn, t in ((c_fn, tc), (py_fn, tp)):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
    return min(tc), min(tp)


def report(what, c_fn, py_fn, repeat, only=None):
    if only:  # for instruction counts: run one side only, print nothing
        for _ in range(repeat):
            {"c": c_fn, "python": py_fn, "none": lambda: None}[only]()
        return
    c, py = best_of_interleaved(c_fn, py_fn, repeat)
    print("%-36s C %9.3f ms   Python %9.3f ms   ratio %.3f (goal <= 1.3)"
          % (what, c * 1e3, py * 1e3, py / c if c > 0 else float("nan")))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--data", default=None, help="a MovieLens-format rating file")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--no-numpy", action="store_true",
                    help="hide numpy: the binding then returns array.array")
    ap.add_argument("--which", choices=("predict", "recommend", "both"), default="both")
    ap.add_argument("--only", choices=("c", "python", "none"),
                    help="run only one side --repeat times and time nothing (for callgrind)")
    a = ap.parse_args(argv)
    if a.no_numpy:
        sys.modules["numpy"] = None  # makes `import numpy` fail
    global rs, LIB, _buffers
    import librecsgd as rs
    from librecsgd._lib import LIB  # the bare C functions, for the reference timing
    from librecsgd import _buffers

    np = _buffers.numpy
    path, label = data_file(a.data)
    with rs.Dataset.from_file(path) as ds:
        model = rs.Model("collaborative", factors=a.factors, epochs=a.epochs, threads=1)
        model.fit(ds)
        users_all, items_all, _, _ = ds.to_arrays()
        user_ids = sorted(set(int(u) for u in users_all))
        item_ids = sorted(set(int(i) for i in items_all))
    if not a.only:
        print("python_batch: %s, %d users, %d items; collaborative, %d factors; numpy %s; best of %d"
              % (label, len(user_ids), len(item_ids), a.factors,
                 np.__version__ if np is not None else "absent (array.array buffers)", a.repeat))

    n = a.pairs
    h = model._h
    i64p, f32p, sizep = (ctypes.POINTER(t) for t in (ctypes.c_int64, ctypes.c_float, ctypes.c_size_t))
    if np is not None:
        rng = np.random.default_rng(1)
        users = np.asarray(user_ids, dtype=np.int64)[rng.integers(0, len(user_ids), n)]
        items = np.asarray(item_ids, dtype=np.int64)[rng.integers(0, len(item_ids), n)]
        c_scores = np.empty(n, dtype=np.float32)
        up, ip, sp = (x.ctypes.data_as(t) for x, t in ((users, i64p), (items, i64p), (c_scores, f32p)))
        batch = np.asarray(user_ids, dtype=np.int64)
    else:
        import array
        import random
        random.seed(1)
        users = array.array("q", (random.choice(user_ids) for _ in range(n)))
        items = array.array("q", (random.choice(item_ids) for _ in range(n)))
        c_scores = array.array("f", bytes(4 * n))
        up = ctypes.cast((ctypes.c_int64 * n).from_buffer(users), i64p)
        ip = ctypes.cast((ctypes.c_int64 * n).from_buffer(items), i64p)
        sp = ctypes.cast((ctypes.c_float * n).from_buffer(c_scores), f32p)
        batch = array.array("q", user_ids)

    def c_predict():
        st = LIB.rs_predict_batch(h, up, ip, n, sp, None)
        assert st in (rs.RS_OK, rs.RS_FALLBACK), st

    def py_predict():
        model.predict_batch(users, items)

    py_scores = model.predict_batch(users, items)
    c_predict()
    assert bytes(memoryview(py_scores)) == bytes(memoryview(c_scores)), "different answers"
    if a.which != "recommend":
        report("predict_batch, %d pairs" % n, c_predict, py_predict, a.repeat, a.only)

    nu, k = len(batch), a.k
    if np is not None:
        c_items, c_top, c_counts = (np.empty(nu * k, np.int64), np.empty(nu * k, np.float32),
                                    np.empty(nu, np.uintp))
        bp, cip, ctp, ccp = (x.ctypes.data_as(t) for x, t in ((batch, i64p), (c_items, i64p),
                                                             (c_top, f32p), (c_counts, sizep)))
    else:
        import array
        c_items, c_top = array.array("q", bytes(8 * nu * k)), array.array("f", bytes(4 * nu * k))
        c_counts = (ctypes.c_size_t * nu)()
        bp = ctypes.cast((ctypes.c_int64 * nu).from_buffer(batch), i64p)
        cip = ctypes.cast((ctypes.c_int64 * (nu * k)).from_buffer(c_items), i64p)
        ctp = ctypes.cast((ctypes.c_float * (nu * k)).from_buffer(c_top), f32p)
        ccp = ctypes.cast(c_counts, sizep)

    def c_topk():
        st = LIB.rs_topk_batch(h, bp, nu, k, 0, cip, ctp, ccp)
        assert st in (rs.RS_OK, rs.RS_FALLBACK), st

    def py_topk():
        model.recommend_batch(batch, k=k)

    rec = model.recommend_batch(batch, k=k)
    c_topk()
    assert bytes(memoryview(rec.items).cast("B")) == bytes(memoryview(c_items).cast("B"))
    if a.which != "predict":
        report("recommend_batch, %d users, k=%d" % (nu, k), c_topk, py_topk, a.repeat, a.only)
    model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
