# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""librecsgd: Python bindings of the librecsgd recommender library.

A thin layer over the C API through ctypes (no compile step). The library is
found through LIBRECSGD_PATH (the file, or its directory), then the system
loader (librecsgd.so.0); its major version is checked at import.

    import librecsgd as rs
    with rs.Dataset.from_file("data/sample/ratings.tsv") as ds:
        train, test = ds.split_random(0.2, seed=42)
    model = rs.Model("collaborative", factors=16, epochs=30).fit(train)
    model.predict(1, 42)
    model.recommend(1, k=10)          # [(item, score), ...]

Every RS_* constant of the headers is available here (rs.RS_FALLBACK, ...).
"""

from . import _capi
from ._lib import LIB as _LIB, PATH as library_path, LibraryNotFoundError, LibraryVersionError
from .errors import *  # noqa: F401,F403 - Error and one subclass per status
from .errors import __all__ as _error_names
from .dataset import Dataset
from .model import Model, Recommendations
from ._core import param_bounds, status_string

globals().update({_n: getattr(_capi, _n) for _n in dir(_capi) if _n.startswith("RS_")})

__version__ = _capi.RS_VERSION_STRING  # the headers these bindings were generated from
HAVE_NUMPY = __import__("librecsgd._buffers", fromlist=["HAVE_NUMPY"]).HAVE_NUMPY


def version():
    """The version string of the loaded library (rs_version_string)."""
    return _LIB.rs_version_string().decode()


def version_number():
    return _LIB.rs_version_number()


def build_features():
    """The set of RS_FEATURE_* names compiled into the loaded library."""
    bits = _LIB.rs_build_features()
    return {n[len("RS_FEATURE_"):].lower() for n in _capi.GROUPS["RS_FEATURE"]
            if bits & getattr(_capi, n)}


__all__ = ["Dataset", "Model", "Recommendations", "param_bounds", "status_string",
           "version", "version_number", "build_features", "library_path",
           "LibraryNotFoundError", "LibraryVersionError", "HAVE_NUMPY"] + list(_error_names) + \
    sorted(n for n in dir(_capi) if n.startswith("RS_"))
