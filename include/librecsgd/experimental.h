/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * experimental.h: the experimental zone. NOT included by recsgd.h.
 *
 * Everything declared here may change its signature or meaning, or vanish,
 * in any release, minor or patch: it is outside the ABI promise of
 * docs/guide/abi.md and outside the baselines `make abi-check` compares.
 * Functions are named rs_exp_*, live in the LIBRECSGD_EXPERIMENTAL version
 * node of the shared library (a program using one fails to load, not to run,
 * when it is gone), and parameters, if any, take ids 1000-1999. An item
 * graduates by being renamed into the stable namespace, so a program built
 * against the experimental name never silently gets a new meaning.
 *
 * To use it, say so before including:
 *
 *     #define RS_ENABLE_EXPERIMENTAL
 *     #include <librecsgd/experimental.h>
 */
#ifndef LIBRECSGD_EXPERIMENTAL_H
#define LIBRECSGD_EXPERIMENTAL_H

#ifndef RS_ENABLE_EXPERIMENTAL
#error "librecsgd/experimental.h holds unstable APIs: define RS_ENABLE_EXPERIMENTAL before including it"
#endif

#include <stddef.h>
#include <stdint.h>
#include "recsgd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- model inspection ---- */

/**
 * rs_exp_model_memory_bytes() - bytes a model holds through its allocator.
 *
 * The sum of the sizes of every block the model has requested from its
 * rs_alloc_fn and not yet freed: the handle itself, the learned parameters
 * (rows padded for SIMD, plus the alignment slack the library asks for),
 * the id maps, feature rows and names, the seen-item lists and the epoch
 * statistics, counting capacity that is reserved but not yet used. It is what
 * a counting allocator given to rs_model_new() or rs_model_load*() would
 * show in use once no call on the model is in flight; scratch space that
 * rs_fit, rs_topk and the other calls allocate and free during the call is
 * not included, nor any allocator's own overhead. Datasets are separate
 * handles and are not counted.
 *
 * @param model     the model (fitted or not)
 * @param bytes_out receives the byte count (0 on error)
 * @return RS_OK, or RS_ERR_INVALID_ARG when model or bytes_out is NULL
 * Errors: never allocates.
 * Ownership: no pointer is retained after return.
 * Thread safety: shared
 * @since 0.2 (experimental)
 */
RS_API rs_status rs_exp_model_memory_bytes(const rs_model *model, size_t *bytes_out);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_EXPERIMENTAL_H */
