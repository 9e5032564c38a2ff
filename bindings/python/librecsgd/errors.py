# librecsgd. SPDX-License-Identifier: BSD-2-Clause
"""librecsgd.Error and one subclass per rs_status error code.

The classes are made from the status constants of the headers
(RS_ERR_FORMAT -> FormatError, RS_ERR_RANGE -> RangeError, ...), so a status
added to the library gets its class without a change here. Where a Python
built-in exception means the same thing, the class also derives from it
(RangeError is a ValueError, IoError an OSError, ...), so ordinary
``except ValueError`` code keeps working.

RS_OK and RS_FALLBACK are successes and never raise.
"""

from . import _capi

# Python built-in exceptions that mean the same as a status (by the suffix
# after RS_ERR_); statuses not listed derive from Error only.
_ALSO = {
    "NOMEM": MemoryError,
    "INVALID_ARG": ValueError,
    "UNKNOWN_PARAM": ValueError,
    "PARAM_TYPE": TypeError,
    "RANGE": ValueError,
    "IO": OSError,
    "UNKNOWN_ID": LookupError,
}
# class names that the plain CamelCase rule would make unreadable
_NAMES = {"NOMEM": "NoMemoryError"}

STATUS_NAMES = {getattr(_capi, n): n for n in _capi.GROUPS["RS_STATUS"]}


def status_name(status):
    """'RS_ERR_RANGE' for 5; 'status <n>' for a code these bindings do not know."""
    return STATUS_NAMES.get(status, "status %d" % status)


class Error(Exception):
    """A librecsgd call failed.

    status   the rs_status code (an RS_ERR_* value)
    message  the library's message (rs_model_last_error, rs_dataset_last_error
             or the errmsg of save/load), or rs_status_string() when the call
             writes none
    function the C function that failed
    """

    def __init__(self, status, message="", function=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.function = function

    @property
    def status_name(self):
        return status_name(self.status)

    def __str__(self):
        head = "%s: " % self.function if self.function else ""
        return "%s%s [%s]" % (head, self.message, self.status_name)

    def __reduce__(self):
        return (_rebuild, (self.status, self.message, self.function))


def _rebuild(status, message, function):
    return error_for(status, message, function)


BY_STATUS = {}


def _make_classes():
    out = {}
    for name in _capi.GROUPS["RS_STATUS"]:
        if not name.startswith("RS_ERR_"):
            continue
        suffix = name[len("RS_ERR_"):]
        cls_name = _NAMES.get(suffix) or "".join(w.capitalize() for w in suffix.split("_")) + "Error"
        bases = (Error,) + ((_ALSO[suffix],) if suffix in _ALSO else ())
        cls = type(cls_name, bases, {
            "__doc__": "Raised for %s (%d)." % (name, getattr(_capi, name)),
            "__module__": __name__,
            "__init__": Error.__init__,
            "__str__": Error.__str__,
            "__reduce__": Error.__reduce__,
        })
        BY_STATUS[getattr(_capi, name)] = cls
        out[cls_name] = cls
    return out


CLASSES = _make_classes()
globals().update(CLASSES)
__all__ = ["Error", "status_name"] + sorted(CLASSES)


def error_for(status, message="", function=None):
    """The exception object for a failed status (unknown codes give Error)."""
    return BY_STATUS.get(status, Error)(status, message, function)


class ClosedError(InvalidArgError):  # noqa: F821 (made above from RS_ERR_INVALID_ARG)
    """An operation on a Dataset or Model after close(). In C this would be a
    NULL handle, hence the status RS_ERR_INVALID_ARG."""

    def __init__(self, what):
        InvalidArgError.__init__(self, _capi.RS_ERR_INVALID_ARG,  # noqa: F821
                                 "operation on a closed %s" % what)

    def __reduce__(self):
        return (ClosedError, (self.message.rsplit(" ", 1)[-1],))


__all__.append("ClosedError")
