# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""What Dataset and Model share: status checks, handle lifetime, keyword
parameters, and the trampolines that let Python callbacks run under C."""

import ctypes
import numbers
import os
import weakref

from . import _buffers, _capi, _names
from ._lib import LIB
from .errors import ClosedError, error_for, status_name


def status_string(status):
    return LIB.rs_status_string(status).decode("utf-8", "replace")


def raise_status(status, function, message=""):
    raise error_for(status, message or status_string(status), function)


def check(status, function, message=None, detail=None):
    """Return status if it is a success (RS_OK, RS_FALLBACK); raise otherwise.

    message: the library's message (a string, or a function giving it) for
    calls that write one; read-only calls write none, and then the message is
    rs_status_string() followed by detail, which names the arguments."""
    if status == _capi.RS_OK or status == _capi.RS_FALLBACK:
        return status
    if callable(message):
        message = message()
    if not message:
        message = status_string(status) + (" (%s)" % detail if detail else "")
    raise error_for(status, message, function)


def path_arg(path):
    return os.fsencode(path)


class Callbacks:
    """State shared by a handle and the trampolines of its Python callbacks.
    The trampolines hold this object, never the handle, so no reference
    cycle keeps a Model alive."""

    def __init__(self):
        self.error = None      # the first exception a callback raised
        self.user_stop = False  # the progress callback asked to stop
        self.refs = {}          # kind -> CFUNCTYPE object C may call

    def capture(self, exc):
        if self.error is None:
            self.error = exc

    def take_error(self, function, status):
        """Re-raise what a callback raised, with its own traceback."""
        exc, self.error = self.error, None
        if exc is not None:
            if hasattr(exc, "add_note"):  # Python 3.11
                exc.add_note("(raised in a librecsgd callback; %s then returned %s)"
                             % (function, status_name(status)))
            raise exc.with_traceback(exc.__traceback__)


# ---- trampolines: C calls these; they never let an exception unwind into C ----

def progress_trampoline(cbs, fn):
    def progress(_ud, stats, n):
        if cbs.error is not None:  # a clip or log callback raised: stop now
            return 1
        if fn is None:
            return 0
        try:
            if fn(_names.stats_dict(stats[:n])):
                cbs.user_stop = True
                return 1
            return 0
        except BaseException as e:  # noqa: B902 - KeyboardInterrupt stops training too
            cbs.capture(e)
            return 1
    return _capi.rs_progress_fn(progress)


def init_trampoline(cbs, fn):
    def init(_ud, block, values, rows, cols, seed):
        if cbs.error is not None:
            return 1
        try:
            fn(block, _buffers.view(values, ctypes.c_float, (rows, cols)), seed)
            return 0
        except BaseException as e:  # noqa: B902
            cbs.capture(e)
            return 1
    return _capi.rs_init_fn(init)


def clip_trampoline(cbs, fn):
    # rs_clip_fn has no way to cancel: after an exception the remaining calls
    # return at once and the progress trampoline stops rs_fit at the epoch's end.
    def clip(_ud, grad, n):
        if cbs.error is not None:
            return 0
        try:
            return 1 if fn(_buffers.view(grad, ctypes.c_float, (n,))) else 0
        except BaseException as e:  # noqa: B902
            cbs.capture(e)
            return 0
    return _capi.rs_clip_fn(clip)


def log_trampoline(cbs, fn):
    def log(_ud, level, message):
        if cbs.error is not None:
            return
        try:
            fn(level, message.decode("utf-8", "replace") if message else "")
        except BaseException as e:  # noqa: B902
            cbs.capture(e)
    return _capi.rs_log_fn(log)


class _Reader:
    """rs_reader_fn over a Python file object (binary or text)."""

    def __init__(self, cbs, f):
        self.f, self.pending = f, b""

        def read(_ud, buf, cap, len_out):
            len_out[0] = 0
            if cbs.error is not None:
                return 1
            try:
                data = self.pending
                while not data:
                    chunk = self.f.read(cap)
                    if not chunk:
                        break
                    data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
                n = min(cap, len(data))
                ctypes.memmove(buf, data, n)
                self.pending = data[n:]
                len_out[0] = n
                return 0
            except BaseException as e:  # noqa: B902
                cbs.capture(e)
                return 1
        self.fn = _capi.rs_reader_fn(read)


def reader(cbs, f):
    return _Reader(cbs, f).fn


def writer(cbs, f):
    def write(_ud, buf, n):
        if cbs.error is not None:
            return 1
        try:
            f.write(ctypes.string_at(buf, n))
            return 0
        except BaseException as e:  # noqa: B902
            cbs.capture(e)
            return 1
    return _capi.rs_writer_fn(write)


# ---- handles ----

class Handle:
    """An owned C handle: close() frees it; a finaliser frees it if close() was
    never called; `with` closes it."""

    _kind = "handle"
    _free_fn = None       # rs_*_free
    _ptr_type = None      # _capi.rs_model / _capi.rs_dataset

    def _adopt(self, ptr):
        self._ptr = ptr
        self._pins = 0  # calls in flight that may run Python callbacks
        self._cbs = Callbacks()
        # the finaliser holds the C pointer and the callback objects C may
        # still call, never self
        self._finalizer = weakref.finalize(self, _free_handle, type(self)._free_fn, ptr, self._cbs)

    @classmethod
    def _new_ptr(cls):
        return ctypes.POINTER(cls._ptr_type)()

    @property
    def _h(self):
        ptr = getattr(self, "_ptr", None)
        if ptr is None:
            raise ClosedError(self._kind)
        return ptr

    @property
    def closed(self):
        return getattr(self, "_ptr", None) is None

    def close(self):
        """Free the C object now (idempotent). Later calls raise ClosedError.
        Refused (MisuseError) from inside a callback of a call that uses it."""
        if getattr(self, "_pins", 0):
            raise_status(_capi.RS_ERR_MISUSE, "%s.close" % self._kind,
                         "%s.close() while a call that uses it is running (from a callback?)"
                         % self._kind)
        fin = getattr(self, "_finalizer", None)
        self._ptr = None
        if fin is not None:
            fin()

    def __enter__(self):
        self._h  # noqa: B018 - raises ClosedError on a closed handle
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- keyword parameters through rs_param_from_name ----

    def _set_param(self, name, value):
        h = self._h
        param = LIB.rs_param_from_name(name.encode("utf-8"))
        if param < 0:
            raise_status(_capi.RS_ERR_UNKNOWN_PARAM, "rs_param_from_name",
                         "unknown parameter %r" % name)
        group = _names.PARAM_GROUPS.get(param)
        if isinstance(value, str):
            if group is not None:
                value = _names.value_of(group, value, name)
            elif len(value) == 1:  # a character parameter such as csv_delimiter
                value = ord(value)
            else:
                raise TypeError("%s takes a number, not %r" % (name, value))
        if isinstance(value, numbers.Integral):
            value = int(value)
            if not -2 ** 63 <= value < 2 ** 63:
                raise_status(_capi.RS_ERR_RANGE, self._set_int_name,
                             "%s = %d does not fit in int64_t" % (name, value))
            st = self._set_int(h, param, value)
            if st == _capi.RS_ERR_PARAM_TYPE:
                st, fn = self._set_double(h, param, float(value)), self._set_double_name
            else:
                fn = self._set_int_name
        elif isinstance(value, numbers.Real):
            value = float(value)
            st, fn = self._set_double(h, param, value), self._set_double_name
            if st == _capi.RS_ERR_PARAM_TYPE and value.is_integer():
                st, fn = self._set_int(h, param, int(value)), self._set_int_name
        else:
            raise TypeError("%s takes a number%s, not %r"
                            % (name, " or a name" if group else "", value))
        self._check(st, fn)

    def _get_param(self, name, param=None):
        h = self._h
        if param is None:
            param = LIB.rs_param_from_name(name.encode("utf-8"))
            if param < 0:
                raise_status(_capi.RS_ERR_UNKNOWN_PARAM, "rs_param_from_name",
                             "unknown parameter %r" % name)
        iv, dv = ctypes.c_int64(), ctypes.c_double()
        st = self._get_int(h, param, ctypes.byref(iv))
        if st == _capi.RS_OK:
            group = _names.PARAM_GROUPS.get(param)
            return _names.name_of(group, iv.value) if group else iv.value
        if st == _capi.RS_ERR_PARAM_TYPE:
            st = self._get_double(h, param, ctypes.byref(dv))
            if st == _capi.RS_OK:
                return dv.value
        raise_status(st, "get %s" % name)

    def _all_params(self):
        """{name: value} of every parameter this kind of object has: every
        RS_PARAM_* of the headers that the object's getter accepts."""
        out = {}
        for cname in _capi.GROUPS["RS_PARAM"]:
            param = getattr(_capi, cname)
            name = LIB.rs_param_name(param)
            if not name:
                continue
            try:
                out[name.decode()] = self._get_param(name.decode(), param)
            except Exception as e:  # the other object's parameters
                if getattr(e, "status", None) != _capi.RS_ERR_UNKNOWN_PARAM:
                    raise
        return out


class pinned:
    """with pinned(a, b): close() of a or b is refused until the block ends
    (a callback must not free a handle C is using)."""

    def __init__(self, *handles):
        self.handles = [h for h in handles if h is not None]

    def __enter__(self):
        for h in self.handles:
            h._pins += 1

    def __exit__(self, *exc):
        for h in self.handles:
            h._pins -= 1
        return False


def _free_handle(free_fn, ptr, cbs):
    free_fn(ptr)
    cbs.refs.clear()


def param_bounds(name):
    """(lo, hi): the inclusive bounds of a parameter (rs_param_bounds)."""
    param = LIB.rs_param_from_name(name.encode("utf-8"))
    lo, hi = ctypes.c_double(), ctypes.c_double()
    check(LIB.rs_param_bounds(param, ctypes.byref(lo), ctypes.byref(hi)), "rs_param_bounds",
          "unknown parameter %r" % name)
    return lo.value, hi.value
