/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * status.h: status codes returned by every fallible function. */
#ifndef LIBRECSGD_STATUS_H
#define LIBRECSGD_STATUS_H

#include <stdint.h>
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A status code. Values are pinned: append only, never renumber. Callers must
 * treat a code they do not know as an error. RS_OK and RS_FALLBACK are the
 * only successes. */
typedef int32_t rs_status;
enum {
    RS_OK                = 0,
    RS_ERR_NOMEM         = 1,  /* the allocator returned NULL */
    RS_ERR_INVALID_ARG   = 2,  /* NULL handle, bad pointer/size combination */
    RS_ERR_UNKNOWN_PARAM = 3,  /* no such RS_PARAM_* for this object */
    RS_ERR_PARAM_TYPE    = 4,  /* integer setter used for a real parameter or vice versa */
    RS_ERR_RANGE         = 5,  /* value outside the parameter's bounds */
    RS_ERR_STATE         = 6,  /* e.g. rs_predict before rs_fit */
    RS_ERR_MISUSE        = 7,  /* a callback called back into the handle it came from, or (builds
                                  with threads) an exclusive and a shared call overlapped on one model */
    RS_ERR_IO            = 8,  /* a file could not be opened, read or written */
    RS_ERR_FORMAT        = 9,  /* malformed input data or a corrupt/foreign model blob */
    RS_ERR_VERSION       = 10, /* model blob written by a newer format version */
    RS_ERR_CANCELLED     = 11, /* a callback returned non-zero */
    RS_ERR_NOT_BUILT     = 12, /* the feature is compiled out of this build */
    RS_ERR_NUMERIC       = 13, /* training diverged (NaN/Inf or exploding loss); model restored */
    RS_ERR_UNKNOWN_ID    = 14, /* a user or item id the model or dataset does not know */
    RS_ERR_EMPTY         = 15, /* an operation needs data and got none (empty dataset or file) */
    /* Success with a remark: the score came from the cold-start fallback chain
     * (global mean, item bias, user bias) because an id was unknown. */
    RS_FALLBACK          = 100
};

/* A parameter key (RS_PARAM_* in model.h and dataset.h). */
typedef int32_t rs_param;

/**
 * rs_status_string() - short English description of a status code.
 *
 * @param s any value; unknown values give "unknown status"
 * @return static NUL-terminated string; never NULL.
 * Errors: never fails, never allocates.
 * Thread safety: any
 * @since 0.1
 */
RS_API const char *rs_status_string(rs_status s);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_STATUS_H */
