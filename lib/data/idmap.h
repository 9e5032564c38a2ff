/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * idmap.h: external int64 ids <-> dense int32 indices, in order of first
 * appearance. Open addressing with linear probing; the dense side is a plain
 * array so index -> id is one load.
 *
 * A string map (strings != 0) holds byte-string ids instead: the bytes of
 * every id sit back to back in one arena (id k is bytes[off[k], off[k+1])),
 * and ids[k] is the id's 64-bit key (rs__str_key), which the same hash table
 * indexes. The key is a pure function of the bytes, so independent datasets
 * and models agree on the key of a string without sharing a table, and every
 * int64 code path (fits, validation sets, persistence) works unchanged. Two
 * different strings with one key are refused (about n^2 / 2^65 odds for n
 * ids). No allocation per id: the arena, the offsets, the keys and the slots
 * are four arrays that grow by doubling. */
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
    /* string ids (strings != 0) */
    int32_t strings;
    uint64_t *off;    /* count + 1 used, off_cap allocated: id k is bytes[off[k], off[k+1]) */
    size_t off_cap;
    char *bytes;      /* nbytes used, bytes_cap allocated */
    size_t nbytes, bytes_cap;
} rs__idmap;

/* Longest string id in bytes (RS_STR_ID_MAX of the public header). */
#define RS__STR_ID_MAX ((size_t)255)

/* strlen of a caller's string id, counting at most RS__STR_ID_MAX + 1 bytes
 * (so a longer one is seen as too long without reading all of it). */
static inline size_t rs__str_id_len(const char *s)
{
    size_t n = 0;
    while (n <= RS__STR_ID_MAX && s[n])
        n++;
    return n;
}

/* Largest number of ids a map may hold (indices are int32). */
#define RS__IDMAP_MAX ((size_t)INT32_MAX - 1)

RS_INTERNAL void rs__idmap_init(rs__idmap *m);
RS_INTERNAL void rs__idmap_free(rs__idmap *m, const rs__allocator *a);
/* Bytes the map holds through its allocator (what rs__idmap_free releases). */
RS_INTERNAL size_t rs__idmap_bytes(const rs__idmap *m);
/* Dense index of id, or -1. */
RS_INTERNAL int32_t rs__idmap_find(const rs__idmap *m, int64_t id);
/* Find or insert id; *index_out receives its dense index. RS_ERR_NOMEM or
 * RS_ERR_RANGE (map full) on failure, with m unchanged; RS_ERR_STATE on a
 * string map (use rs__idmap_insert_str). */
RS_INTERNAL rs_status rs__idmap_insert(rs__idmap *m, const rs__allocator *a, int64_t id,
                                       int32_t *index_out);
/* Make room for at least n ids without further allocation. */
RS_INTERNAL rs_status rs__idmap_reserve(rs__idmap *m, const rs__allocator *a, size_t n);
/* Forget every id with index >= count (undo of a failed batch). */
RS_INTERNAL void rs__idmap_truncate(rs__idmap *m, size_t count);
/* Deep copy (dst must be freshly initialised). */
RS_INTERNAL rs_status rs__idmap_copy(rs__idmap *dst, const rs__idmap *src, const rs__allocator *a);

/* ---- string ids ---- */

/* The 64-bit key of a byte string: a fixed, byte-order independent hash
 * (XXH64's short-input rounds over every 8/4/1-byte piece, then its
 * avalanche). Models store keys next to their strings, so it never changes. */
RS_INTERNAL int64_t rs__str_key(const char *s, size_t n);
/* Make an empty map a string map. */
RS_INTERNAL void rs__idmap_use_strings(rs__idmap *m);
/* Dense index of string id s (n bytes), or -1. */
RS_INTERNAL int32_t rs__idmap_find_str(const rs__idmap *m, const char *s, size_t n);
/* Find or insert a string id. RS_ERR_NOMEM, RS_ERR_RANGE (map full) or
 * RS_ERR_FORMAT (another string already has this key; *index_out is then
 * that string's index) on failure, with m unchanged. */
RS_INTERNAL rs_status rs__idmap_insert_str(rs__idmap *m, const rs__allocator *a, const char *s,
                                           size_t n, int32_t *index_out);
/* Bytes of string id `index` (not NUL-terminated); *n receives the length. */
static inline const char *rs__idmap_str(const rs__idmap *m, int32_t index, size_t *n)
{
    *n = (size_t)(m->off[index + 1] - m->off[index]);
    return m->bytes + m->off[index];
}
/* String id `index` into a caller buffer, NUL-terminated; *len_out gets the
 * length. RS_ERR_RANGE (nothing written) when cap <= the length. */
RS_INTERNAL rs_status rs__idmap_copy_str(const rs__idmap *m, int32_t index, char *buf, size_t cap,
                                         size_t *len_out);
/* Room for `extra` more string bytes without further allocation. */
RS_INTERNAL rs_status rs__idmap_reserve_bytes(rs__idmap *m, const rs__allocator *a, size_t extra);
/* Give back arena capacity beyond what is used (best effort, never fails). */
RS_INTERNAL void rs__idmap_shrink_bytes(rs__idmap *m, const rs__allocator *a);

#endif
