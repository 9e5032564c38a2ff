/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * idmap.h: external int64 ids <-> dense int32 indices, in order of first
 * appearance. Open addressing with linear probing; the dense side is a plain
 * array so index -> id is one load. */
#ifndef RS_DATA_IDMAP_H
#define RS_DATA_IDMAP_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/status.h>
#include "common/alloc.h"

typedef struct rs__idmap {
    int64_t *ids;    /* dense index -> external id, count used, cap allocated */
    int32_t *slots;  /* hash table of dense index + 1 (0 = empty), nslots a power of two */
    size_t count;
    size_t cap;
    size_t nslots;
} rs__idmap;

/* Largest number of ids a map may hold (indices are int32). */
#define RS__IDMAP_MAX ((size_t)INT32_MAX - 1)

RS_INTERNAL void rs__idmap_init(rs__idmap *m);
RS_INTERNAL void rs__idmap_free(rs__idmap *m, const rs__allocator *a);
/* Bytes the map holds through its allocator (what rs__idmap_free releases). */
RS_INTERNAL size_t rs__idmap_bytes(const rs__idmap *m);
/* Dense index of id, or -1. */
RS_INTERNAL int32_t rs__idmap_find(const rs__idmap *m, int64_t id);
/* Find or insert id; *index_out receives its dense index. RS_ERR_NOMEM or
 * RS_ERR_RANGE (map full) on failure, with m unchanged. */
RS_INTERNAL rs_status rs__idmap_insert(rs__idmap *m, const rs__allocator *a, int64_t id,
                                       int32_t *index_out);
/* Make room for at least n ids without further allocation. */
RS_INTERNAL rs_status rs__idmap_reserve(rs__idmap *m, const rs__allocator *a, size_t n);
/* Forget every id with index >= count (undo of a failed batch). */
RS_INTERNAL void rs__idmap_truncate(rs__idmap *m, size_t count);
/* Deep copy (dst must be freshly initialised). */
RS_INTERNAL rs_status rs__idmap_copy(rs__idmap *dst, const rs__idmap *src, const rs__allocator *a);

#endif
