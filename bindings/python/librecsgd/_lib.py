# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Finding and loading the shared library, and the load-time version check.

Search order: the LIBRECSGD_PATH environment variable (the library file, or
a directory holding librecsgd.so.0), then the system loader: the SONAME
librecsgd.so.0 (LD_LIBRARY_PATH, ld.so.cache, the default directories) and
whatever ctypes.util.find_library("recsgd") finds.
"""

import ctypes
import ctypes.util
import os

from . import _capi

SONAME = "librecsgd.so.0"
MISSING = frozenset()


class LibraryNotFoundError(ImportError):
    """No librecsgd shared library could be loaded."""


class LibraryVersionError(ImportError):
    """The loaded library's major version is not the one of these bindings."""


def check_version(number, where):
    """Refuse a library whose major version differs from the headers the
    bindings were generated from (rs_version_number() / 10000 ==
    RS_VERSION_MAJOR, STYLE R3)."""
    major = number // 10000
    if major != _capi.RS_VERSION_MAJOR:
        raise LibraryVersionError(
            "librecsgd at %s is version %d.%d.%d (major %d), but these Python bindings were "
            "generated from the %s headers (major %d): install a matching library or "
            "bindings, or point LIBRECSGD_PATH at one"
            % (where, major, number // 100 % 100, number % 100, major,
               _capi.RS_VERSION_STRING, _capi.RS_VERSION_MAJOR))


def _candidates():
    env = os.environ.get("LIBRECSGD_PATH")
    if env:
        if os.path.isdir(env):
            return [os.path.join(env, SONAME)], True
        return [env], True
    found = ctypes.util.find_library("recsgd")
    return [SONAME] + ([found] if found and found != SONAME else []), False


def load():
    """(library, path): the loaded, version-checked and declared library."""
    names, from_env = _candidates()
    errors = []
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError as e:
            errors.append("%s: %s" % (name, e))
            continue
        try:
            version = lib.rs_version_number
        except AttributeError:
            errors.append("%s: not librecsgd (no rs_version_number)" % name)
            continue
        version.restype = ctypes.c_uint32
        version.argtypes = ()
        check_version(version(), name)
        # An older library of the same major version may lack functions of
        # newer minor versions: they are listed in MISSING, and using one
        # raises AttributeError from ctypes.
        global MISSING
        MISSING = frozenset(_capi.bind(lib))
        return lib, name
    hint = ("LIBRECSGD_PATH=%s" % os.environ["LIBRECSGD_PATH"]) if from_env else \
        "set LIBRECSGD_PATH to the library file (e.g. _build/.libs/librecsgd.so.0) or its directory"
    raise LibraryNotFoundError("cannot load librecsgd (%s); tried:\n  %s"
                               % (hint, "\n  ".join(errors)))


LIB, PATH = load()
