# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Loading the library: LIBRECSGD_PATH (file or directory), the system
loader, and the major-version check."""

import os
import shutil
import subprocess
import sys

import pytest

import librecsgd as rs
from librecsgd import _capi, _lib

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(rs.__file__)))
LIBFILE = os.path.realpath(rs.library_path) if os.path.isabs(rs.library_path) else None


def run_python(code, **env):
    e = dict(os.environ)
    e.pop("LIBRECSGD_PATH", None)
    e["PYTHONPATH"] = PKG_PARENT
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                          timeout=120)


def test_loaded_library_has_the_headers_major_version():
    assert rs.version_number() // 10000 == _capi.RS_VERSION_MAJOR
    assert rs.version().split(".")[0] == str(_capi.RS_VERSION_MAJOR)
    assert rs.version_number() == sum(int(x) * m for x, m in
                                      zip(rs.version().split("."), (10000, 100, 1)))


def test_check_version_refuses_another_major():
    other = (_capi.RS_VERSION_MAJOR + 1) * 10000 + 203
    with pytest.raises(rs.LibraryVersionError) as e:
        _lib.check_version(other, "/some/librecsgd.so.0")
    msg = str(e.value)
    assert "major %d" % (_capi.RS_VERSION_MAJOR + 1) in msg
    assert "/some/librecsgd.so.0" in msg and _capi.RS_VERSION_STRING in msg
    assert isinstance(e.value, ImportError)
    _lib.check_version(_capi.RS_VERSION_MAJOR * 10000 + 99 * 100 + 1, "x")  # other minor: fine


@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None, reason="no C compiler")
def test_import_refuses_a_library_of_another_major_version(tmp_path):
    src = tmp_path / "fake.c"
    src.write_text("unsigned rs_version_number(void) { return %du; }\n"
                   % ((_capi.RS_VERSION_MAJOR + 1) * 10000))
    so = tmp_path / "librecsgd.so.0"
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o", str(so), str(src)],
                   check=True)
    r = run_python("import librecsgd", LIBRECSGD_PATH=str(so))
    assert r.returncode != 0
    assert "LibraryVersionError" in r.stderr and "major %d" % (_capi.RS_VERSION_MAJOR + 1) in r.stderr


def test_missing_library_is_a_clear_import_error(tmp_path):
    r = run_python("import librecsgd", LIBRECSGD_PATH=str(tmp_path / "nothing.so"))
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr and "LIBRECSGD_PATH" in r.stderr


@pytest.mark.skipif(LIBFILE is None, reason="the library was found by name, not by path")
def test_librecsgd_path_may_be_a_directory():
    d = os.path.dirname(LIBFILE)
    if not os.path.exists(os.path.join(d, _lib.SONAME)):
        pytest.skip("no %s beside %s" % (_lib.SONAME, LIBFILE))
    r = run_python("import librecsgd; print(librecsgd.library_path)", LIBRECSGD_PATH=d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(d, _lib.SONAME)


@pytest.mark.skipif(LIBFILE is None, reason="the library was found by name, not by path")
def test_system_loader_finds_the_soname():
    d = os.path.dirname(LIBFILE)
    ld = d + (":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")
    r = run_python("import librecsgd; print(librecsgd.library_path, librecsgd.version())",
                   LD_LIBRARY_PATH=ld)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [_lib.SONAME, rs.version()]


def test_the_package_under_test_is_the_expected_copy():
    """CI sets LIBRECSGD_EXPECT_PACKAGE_DIR to the pip-installed copy."""
    want = os.environ.get("LIBRECSGD_EXPECT_PACKAGE_DIR")
    if not want:
        pytest.skip("LIBRECSGD_EXPECT_PACKAGE_DIR not set")
    assert os.path.realpath(rs.__file__).startswith(os.path.realpath(want) + os.sep)


def test_build_features_are_names():
    feats = rs.build_features()
    assert feats <= {n[len("RS_FEATURE_"):].lower() for n in _capi.GROUPS["RS_FEATURE"]}
