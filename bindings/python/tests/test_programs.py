# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""The programs around the package run: examples/python/quickstart.py, the
cross-language identity check (C and Python byte for byte, through
bindings/identity/run.sh), and bench/python_batch.py (a smoke run: its
figures are printed, never asserted)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

import librecsgd as rs
from conftest import DATA, TOP

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(rs.__file__)))


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = PKG_PARENT
    return e


def test_quickstart_example():
    r = subprocess.run([sys.executable, os.path.join(TOP, "examples", "python", "quickstart.py"),
                        DATA], env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    m = re.search(r"test RMSE ([0-9.]+) \(global-mean baseline ([0-9.]+)", out)
    assert m and float(m.group(1)) < float(m.group(2))
    assert out.count("\n   1. item") == 2 and "unknown user: popularity fallback" in out
    assert len(re.findall(r"^\s+\d+\. item", out, re.M)) == 20


def build_dir():
    """The build whose library is loaded, when it is a libtool build tree."""
    d = os.environ.get("LIBRECSGD_BUILD_DIR")
    if d:
        return d
    lib = os.path.realpath(rs.library_path) if os.path.isabs(rs.library_path) else ""
    if os.path.basename(os.path.dirname(lib)) == ".libs":
        return os.path.dirname(os.path.dirname(lib))
    return None


@pytest.mark.skipif(build_dir() is None, reason="the loaded library is not in a build tree "
                    "(set LIBRECSGD_BUILD_DIR)")
@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None, reason="no C compiler")
def test_identity_c_and_python_agree_byte_for_byte(tmp_path):
    e = env()
    e["LIBRECSGD_PYTHONPATH"] = PKG_PARENT
    e["PYTHON"] = sys.executable
    r = subprocess.run(["bash", os.path.join(TOP, "bindings", "identity", "run.sh"), build_dir(),
                        str(tmp_path)], env=e, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "reports identical" in r.stdout
    c, py = (tmp_path / "c.txt").read_bytes(), (tmp_path / "python.txt").read_bytes()
    assert c == py and c.count(b"\n") > 100
    for s in ("collaborative", "hybrid"):
        assert (tmp_path / ("c-%s.model" % s)).read_bytes() == \
            (tmp_path / ("python-%s.model" % s)).read_bytes()


@pytest.mark.parametrize("numpy_flag", [[], ["--no-numpy"]])
def test_bench_python_batch_smoke(numpy_flag):
    r = subprocess.run([sys.executable, os.path.join(TOP, "bench", "python_batch.py"),
                        "--pairs", "20000", "--repeat", "1", "--epochs", "2", "--factors", "8",
                        "--data", os.path.join(DATA, "ratings.tsv")] + numpy_flag,
                       env=env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert re.search(r"predict_batch, 20000 pairs .* ratio [0-9.]+", r.stdout)
    assert re.search(r"recommend_batch, 1000 users, k=10 .* ratio [0-9.]+", r.stdout)


def test_python_snippets_of_the_ffi_guide_run():
    """Every ```python block of docs/guide/ffi.md runs from the top of the tree."""
    with open(os.path.join(TOP, "docs", "guide", "ffi.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) >= 2
    lib = rs.library_path
    for code in blocks:
        r = subprocess.run([sys.executable, "-c", code, lib], cwd=TOP, env=env(),
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, code[:200] + "\n" + r.stderr
        assert "(" in r.stdout  # both print (item, score) pairs
