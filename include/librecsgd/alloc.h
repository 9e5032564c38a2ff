/* librecsgd - embeddable recommender library. SPDX-License-Identifier: BSD-2-Clause
 * alloc.h: the allocator hook and every callback type of the public API. */
#ifndef LIBRECSGD_ALLOC_H
#define LIBRECSGD_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Allocator hook (Lua's lua_Alloc shape). Given at object creation with its
 * user_data; every allocation the object makes goes through it.
 *   ptr == NULL, nsize > 0  -> allocate nsize bytes
 *   ptr != NULL, nsize > 0  -> resize from osize to nsize bytes
 *   nsize == 0              -> free ptr (may be NULL) and return NULL
 * osize is always the size previously requested for ptr (0 for new blocks),
 * so pool and arena allocators need no headers. Return NULL only on failure;
 * on a failed resize the old block must stay valid.
 * The hook may be called from several threads at once when the caller runs
 * `shared` calls concurrently, or when rs_fit, rs_topk_batch(_ex) or the
 * evaluation calls run with RS_PARAM_THREADS > 1. */
typedef void *(*rs_alloc_fn)(void *user_data, void *ptr, size_t osize, size_t nsize);

/* Log hook: diagnostics the library would otherwise have nowhere to put.
 * level is an RS_LOG_* value; message is valid only during the call.
 * Called on the thread that made the API call. Must not call into the handle. */
typedef void (*rs_log_fn)(void *user_data, int32_t level, const char *message);
enum { RS_LOG_ERROR = 0, RS_LOG_WARN = 1, RS_LOG_INFO = 2, RS_LOG_DEBUG = 3 };

/* Progress hook, called by rs_fit after every epoch on the calling thread.
 * stats is indexed by RS_STAT_* (see model.h); n_stats tells how many entries
 * this library version fills. Return non-zero to stop: rs_fit then returns
 * RS_ERR_CANCELLED and the model keeps its last complete epoch (it is left
 * as it was when no epoch completed). */
typedef int32_t (*rs_progress_fn)(void *user_data, const double *stats, size_t n_stats);

/* Streaming I/O hooks (lua_Writer / lua_Reader shape).
 * writer: consume len bytes; return 0 on success, non-zero to fail the call.
 * reader: fill up to cap bytes of buf and set *len_out; *len_out == 0 means
 * end of input; return 0 on success, non-zero to fail the call. */
typedef int32_t (*rs_writer_fn)(void *user_data, const void *buf, size_t len);
typedef int32_t (*rs_reader_fn)(void *user_data, void *buf, size_t cap, size_t *len_out);

/* Initialisation policy: fill one parameter block (rows x cols floats,
 * row-major) before training. block is an RS_BLOCK_* value; seed is derived
 * from RS_PARAM_SEED and the block, so a policy that uses only seed is
 * deterministic. Return 0 on success, non-zero to cancel rs_fit. Biases are
 * not passed to the policy: they always start at zero. */
typedef int32_t (*rs_init_fn)(void *user_data, int32_t block, float *values,
                              size_t rows, size_t cols, uint64_t seed);

/* Clipping policy: called for the gradient of one parameter row (n floats)
 * before it is applied. It may change grad in place; it returns 1 if it
 * changed anything (counted in RS_STAT_CLIP_SHARE) and 0 otherwise. It runs on
 * training worker threads when RS_PARAM_THREADS > 1, so it must be reentrant. */
typedef int32_t (*rs_clip_fn)(void *user_data, float *grad, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LIBRECSGD_ALLOC_H */
