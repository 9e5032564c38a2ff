# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""The generated layer matches the headers: every RS_API function, callback
typedef and RS_* constant of include/librecsgd/*.h is in the package, with
the same signature and value. LIBRECSGD_INCLUDE selects another header tree
(for example the installed headers)."""

import ctypes
import os
import sys

import pytest

import librecsgd as rs
from librecsgd import _capi, _lib
from conftest import INCLUDE, PYDIR, TOP

sys.path.insert(0, os.path.join(TOP, "bindings", "gen"))
sys.path.insert(0, PYDIR)
import gen_capi  # noqa: E402
import rsapi  # noqa: E402


@pytest.fixture(scope="module")
def api():
    try:
        return rsapi.read_api(INCLUDE)
    except rsapi.ParseError as e:
        pytest.skip("cannot read the headers: %s" % e)


def test_committed_capi_is_what_the_headers_generate():
    expected = gen_capi.generate(INCLUDE)
    with open(_capi.__file__, encoding="utf-8") as f:
        actual = f.read()
    assert actual == expected, (
        "%s is stale: run python3 bindings/python/gen_capi.py" % _capi.__file__)


def _eval(expr):
    return eval(expr, {"_c": ctypes, **vars(_capi)})


def test_every_function_is_bound_with_the_header_signature(api):
    names = [f["name"] for f in api["functions"]]
    assert sorted(_capi.FUNCTIONS) == sorted(names), "functions added or removed"
    assert not _lib.MISSING, "the loaded library lacks %s" % sorted(_lib.MISSING)
    callbacks = {cb["name"] for cb in api["callbacks"]}
    for f in api["functions"]:
        restype = _eval(gen_capi.ctype(f["ret"], api, callbacks))
        argtypes = tuple(_eval(gen_capi.ctype(p, api, callbacks)) for p in f["params"])
        fn = getattr(_lib.LIB, f["name"])
        assert fn.restype is restype or fn.restype == restype, f["name"]
        assert tuple(fn.argtypes) == argtypes, f["name"]
        assert len(fn.argtypes) == len(f["params"]), f["name"]
        assert _capi.FUNCTIONS[f["name"]][2] == gen_capi.c_decl(f)


def test_every_callback_type_matches(api):
    callbacks = {cb["name"] for cb in api["callbacks"]}
    assert sorted(_capi.CALLBACKS) == sorted(callbacks)
    for cb in api["callbacks"]:
        t = _capi.CALLBACKS[cb["name"]]
        assert t._restype_ == _eval(gen_capi.ctype(cb["ret"], api, callbacks))
        assert tuple(t._argtypes_) == tuple(_eval(gen_capi.ctype(p, api, callbacks))
                                            for p in cb["params"])
        # the NULL callback is accepted where the API allows it
        assert t.from_param(None) is None


def test_every_constant_has_the_header_value(api):
    assert api["constants"], "no constants read"
    for c in api["constants"]:
        assert getattr(_capi, c["name"]) == c["value"], c["name"]
        assert getattr(rs, c["name"]) == c["value"], c["name"]
    groups = {}
    for c in api["constants"]:
        groups.setdefault(c["group"], []).append(c["name"])
    assert {g: tuple(v) for g, v in groups.items()} == _capi.GROUPS
    assert _capi.PARAM_CHOICES == api["param_choices"]


def test_handles_and_typedefs(api):
    for h in api["handles"]:
        assert issubclass(getattr(_capi, h), ctypes.Structure)
    for name, base in api["typedefs"].items():
        assert getattr(_capi, name) is _eval(gen_capi.SCALARS[base])


def test_enumerated_parameters_name_their_value_groups(api):
    # lr_policy, init, clip, on_divergence, cold_start, scorer
    assert _capi.PARAM_CHOICES["RS_PARAM_LR_POLICY"] == "RS_LR"
    for param, group in _capi.PARAM_CHOICES.items():
        assert group in _capi.GROUPS and _capi.GROUPS[group], (param, group)


def test_check_mode_of_the_generator():
    # gen_capi.py --check exits 0 on the committed file
    assert gen_capi.main(["--include", INCLUDE, "--output", _capi.__file__, "--check"]) == 0
