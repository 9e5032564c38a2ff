/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * status.c: rs_status_string and the build's version/feature report. */
#include <librecsgd/status.h>
#include <librecsgd/version.h>
#include "config.h"

const char *rs_status_string(rs_status s)
{
    switch (s) {
    case RS_OK: return "ok";
    case RS_ERR_NOMEM: return "out of memory";
    case RS_ERR_INVALID_ARG: return "invalid argument";
    case RS_ERR_UNKNOWN_PARAM: return "unknown parameter";
    case RS_ERR_PARAM_TYPE: return "parameter has another type";
    case RS_ERR_RANGE: return "value out of range";
    case RS_ERR_STATE: return "call not valid in this state";
    case RS_ERR_MISUSE: return "library misuse (call from inside a callback)";
    case RS_ERR_IO: return "input/output error";
    case RS_ERR_FORMAT: return "malformed data";
    case RS_ERR_VERSION: return "data written by a newer format version";
    case RS_ERR_CANCELLED: return "cancelled by a callback";
    case RS_ERR_NOT_BUILT: return "feature not built into this library";
    case RS_ERR_NUMERIC: return "training diverged";
    case RS_ERR_UNKNOWN_ID: return "unknown user or item id";
    case RS_ERR_EMPTY: return "no data";
    case RS_FALLBACK: return "ok (cold-start fallback used)";
    default: return "unknown status";
    }
}

uint32_t rs_version_number(void) { return RS_VERSION_NUMBER; }

const char *rs_version_string(void) { return RS_VERSION_STRING; }

uint32_t rs_build_features(void)
{
    uint32_t f = 0;
#if RS_ENABLE_THREADS
    f |= RS_FEATURE_THREADS;
#endif
#if RS_ENABLE_CBLAS
    f |= RS_FEATURE_CBLAS;
#endif
#if RS_ENABLE_CONTENT
    f |= RS_FEATURE_CONTENT;
#endif
#if RS_ENABLE_HYBRID
    f |= RS_FEATURE_HYBRID;
#endif
#if RS_ENABLE_STDIO
    f |= RS_FEATURE_STDIO;
#endif
#if RS_ENABLE_ZLIB
    f |= RS_FEATURE_ZLIB;
#endif
    return f;
}
