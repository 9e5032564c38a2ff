# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Shared fixtures of the Python binding's tests.

Run from anywhere:  python3 -m pytest bindings/python/tests
The package is imported from PYTHONPATH (CI: the pip-installed copy) or, when
it is not importable, from the source tree. The library comes from
LIBRECSGD_PATH or the system loader; when neither is set up and the source
tree has a build in _build, that build is used. LIBRECSGD_TEST_NO_NUMPY=1
runs everything as if numpy were not installed.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
TOP = os.path.dirname(os.path.dirname(PYDIR))
DATA = os.path.join(TOP, "data", "sample")
INCLUDE = os.environ.get("LIBRECSGD_INCLUDE", os.path.join(TOP, "include"))

if os.environ.get("LIBRECSGD_TEST_NO_NUMPY"):
    sys.modules["numpy"] = None  # the package must work without numpy: `import numpy` now fails

if "LIBRECSGD_PATH" not in os.environ:
    built = os.path.join(TOP, "_build", ".libs", "librecsgd.so.0")
    if os.path.exists(built):
        os.environ["LIBRECSGD_PATH"] = built

try:
    import librecsgd  # noqa: F401
except ImportError as e:
    if "No module named" not in str(e):
        raise
    sys.path.insert(0, PYDIR)

import librecsgd as rs  # noqa: E402


def data(name):
    return os.path.join(DATA, name)


@pytest.fixture(scope="session")
def sample():
    """data/sample with its user and item features (read-only for tests)."""
    ds = rs.Dataset.from_file(data("ratings.tsv"))
    ds.load_user_features(data("user_features.txt"))
    ds.load_item_features(data("item_features.txt"))
    yield ds
    ds.close()


@pytest.fixture(scope="session")
def split(sample):
    train, test = sample.split_random(0.2, seed=42)
    yield train, test
    train.close()
    test.close()


@pytest.fixture(scope="session")
def collab(split):
    """A small fitted collaborative model (read-only for tests)."""
    m = rs.Model("collaborative", factors=8, epochs=5, seed=7, threads=1)
    m.fit(split[0])
    yield m
    m.close()


@pytest.fixture(scope="session")
def hybrid(split):
    m = rs.Model("hybrid", factors=8, epochs=4, seed=7, threads=1, cold_epochs=0)
    m.fit(split[0])
    yield m
    m.close()


def small_model(train, **kw):
    params = dict(factors=4, epochs=3, seed=3, threads=1)
    params.update(kw)
    scorer = params.pop("scorer", "collaborative")
    return rs.Model(scorer, **params)
