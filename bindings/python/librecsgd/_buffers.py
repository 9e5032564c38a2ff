# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""Passing Python sequences to C and getting C arrays back, without a
per-element Python loop.

Inputs: a numpy array is passed in place when it already has the C type and
is contiguous (otherwise one vectorised conversion); any other object with
the buffer protocol and the right item type (array.array, memoryview) is
passed in place too; lists, tuples, ranges and other iterables are converted
once by array.array, whose loop runs in C.

Outputs are numpy arrays when numpy is importable, array.array otherwise.
"""

import array
import ctypes

try:
    import numpy
except ImportError:  # numpy is optional
    numpy = None

HAVE_NUMPY = numpy is not None


def _typecode(ctype):
    """The array.array type code of a ctypes scalar type."""
    size = ctypes.sizeof(ctype)
    if ctype in (ctypes.c_float, ctypes.c_double):
        return "f" if size == 4 else "d"
    signed = ctype(-1).value == -1
    for code in ("bhilq" if signed else "BHILQ"):
        if array.array(code).itemsize == size:
            return code
    raise TypeError("no array type code for %r" % ctype)


def _same_type(fmt, ctype):
    """Whether a buffer's struct format holds ctype values ('q' and 'l' are
    both int64_t on LP64)."""
    fmt = fmt.lstrip("@=<")
    code = _typecode(ctype)
    if len(fmt) != 1 or fmt not in _NP_KIND or _NP_KIND[fmt] != _NP_KIND[code]:
        return False
    return array.array(fmt).itemsize == ctypes.sizeof(ctype) if fmt in "bhilqBHILQfd" else False


_NP_KIND = {"f": "f", "d": "f", "b": "i", "h": "i", "i": "i", "l": "i", "q": "i",
            "B": "u", "H": "u", "I": "u", "L": "u", "Q": "u"}


def _np_dtype(ctype):
    return numpy.dtype(_typecode(ctype))


class InArray:
    """A read-only C view of a sequence: .ptr (POINTER(ctype) or None), .n."""

    __slots__ = ("ptr", "n", "_keep")

    def __init__(self, seq, ctype, what):
        code = _typecode(ctype)
        if HAVE_NUMPY and isinstance(seq, numpy.ndarray):
            arr = seq
            if arr.ndim != 1:
                raise ValueError("%s must be one-dimensional, not of shape %s" % (what, arr.shape))
            want = _np_dtype(ctype)
            if arr.dtype != want:
                kind = arr.dtype.kind
                if _NP_KIND[code] in "iu" and kind not in "iub":
                    raise TypeError("%s must hold integers, not %s" % (what, arr.dtype))
                if _NP_KIND[code] == "f" and kind not in "iubf":
                    raise TypeError("%s must hold numbers, not %s" % (what, arr.dtype))
                arr = arr.astype(want)
            arr = numpy.ascontiguousarray(arr)
            self.n = arr.shape[0]
            self.ptr = arr.ctypes.data_as(ctypes.POINTER(ctype)) if self.n else None
            self._keep = arr
            return
        mv = None
        if not isinstance(seq, (list, tuple, range, str)):
            try:
                mv = memoryview(seq)
            except TypeError:
                mv = None
        if mv is not None and mv.ndim == 1 and mv.c_contiguous and _same_type(mv.format, ctype) \
                and mv.itemsize == ctypes.sizeof(ctype):
            self.n = mv.shape[0]
            if mv.readonly:
                arr = array.array(code, mv.tobytes())
            else:
                arr = mv
        else:
            if mv is not None:
                mv.release()
            try:
                arr = array.array(code, seq)
            except TypeError as e:
                raise TypeError("%s: %s" % (what, e)) from None
            except OverflowError as e:
                raise OverflowError("%s: %s" % (what, e)) from None
            self.n = len(arr)
        self._keep = arr
        self.ptr = (ctype * self.n).from_buffer(arr) if self.n else None
        if self.ptr is not None:
            self.ptr = ctypes.cast(self.ptr, ctypes.POINTER(ctype))


class OutArray:
    """A C buffer of n ctype values: .ptr, and .value (numpy or array.array)."""

    __slots__ = ("ptr", "value", "n", "_keep")

    def __init__(self, ctype, n, use_numpy=True):
        self.n = n
        if HAVE_NUMPY and use_numpy:
            self.value = numpy.zeros(n, dtype=_np_dtype(ctype))
            self._keep = None
            self.ptr = self.value.ctypes.data_as(ctypes.POINTER(ctype))
        else:
            self.value = array.array(_typecode(ctype), bytes(n * ctypes.sizeof(ctype)))
            # an empty array.array has no buffer address: point at a spare element
            self._keep = (ctype * n).from_buffer(self.value) if n else (ctype * 1)()
            self.ptr = ctypes.cast(self._keep, ctypes.POINTER(ctype))


def view(ptr, ctype, shape):
    """A writable view (numpy array or memoryview) of C memory that lives only
    during a callback."""
    n = 1
    for d in shape:
        n *= d
    addr = ctypes.cast(ptr, ctypes.c_void_p).value
    if not n or not addr:
        if HAVE_NUMPY:
            return numpy.zeros(shape, dtype=_np_dtype(ctype))
        return memoryview(bytearray(0)).cast(_typecode(ctype))  # memoryview: no 0 in a shape
    buf = (ctype * n).from_address(addr)
    if HAVE_NUMPY:
        return numpy.frombuffer(buf, dtype=_np_dtype(ctype)).reshape(shape)
    return memoryview(buf).cast("B").cast(_typecode(ctype), shape)
