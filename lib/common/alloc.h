/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * alloc.h: the one path to memory. Every object keeps its (fn, user_data)
 * and every allocation goes through these helpers, which also guard size
 * arithmetic against overflow. */
#ifndef RS_COMMON_ALLOC_H
#define RS_COMMON_ALLOC_H

#include <stddef.h>
#include <librecsgd/alloc.h>
#include "config.h"

typedef struct rs__allocator {
    rs_alloc_fn fn;
    void *ud;
} rs__allocator;

/* Fill a with fn/ud, or with the libc-backed default when fn is NULL. */
RS_INTERNAL void rs__allocator_init(rs__allocator *a, rs_alloc_fn fn, void *ud);

/* malloc-like; NULL on failure or when count * size overflows. n == 0 gives NULL. */
RS_INTERNAL void *rs__alloc(const rs__allocator *a, size_t count, size_t size);
/* calloc-like (zero filled). */
RS_INTERNAL void *rs__calloc(const rs__allocator *a, size_t count, size_t size);
/* realloc-like from ocount to ncount elements; on failure returns NULL and p stays valid. */
RS_INTERNAL void *rs__realloc(const rs__allocator *a, void *p, size_t ocount, size_t ncount,
                              size_t size);
/* Free p, which was allocated with count elements of size bytes. NULL is a no-op. */
RS_INTERNAL void rs__free(const rs__allocator *a, void *p, size_t count, size_t size);

/* 64-byte aligned float arrays for SIMD kernels; *raw_bytes receives the size
 * to pass back to rs__free_aligned. Contents are zeroed. */
RS_INTERNAL float *rs__alloc_floats_aligned(const rs__allocator *a, size_t count, void **raw,
                                            size_t *raw_bytes);
RS_INTERNAL void rs__free_aligned(const rs__allocator *a, void *raw, size_t raw_bytes);

/* Copy a NUL-terminated string; NULL on failure. Free with rs__free(a, s, strlen(s) + 1, 1). */
RS_INTERNAL char *rs__strdup(const rs__allocator *a, const char *s);

/* count * size without overflow: 0 on success, -1 on overflow. */
static inline int rs__mul_size(size_t count, size_t size, size_t *out)
{
    if (size != 0 && count > (size_t)-1 / size)
        return -1;
    *out = count * size;
    return 0;
}

#endif
