/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "idmap.h"

#include <string.h>

static inline size_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t)id;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (size_t)x;
}

void rs__idmap_init(rs__idmap *m) { memset(m, 0, sizeof *m); }

void rs__idmap_free(rs__idmap *m, const rs__allocator *a)
{
    rs__free(a, m->ids, m->cap, sizeof *m->ids);
    rs__free(a, m->slots, m->nslots, sizeof *m->slots);
    rs__idmap_init(m);
}

size_t rs__idmap_bytes(const rs__idmap *m)
{
    /* what rs__idmap_free gives back */
    return (m->ids ? m->cap * sizeof *m->ids : 0) + (m->slots ? m->nslots * sizeof *m->slots : 0);
}

int32_t rs__idmap_find(const rs__idmap *m, int64_t id)
{
    if (m->nslots == 0)
        return -1;
    size_t mask = m->nslots - 1;
    for (size_t h = hash_id(id) & mask;; h = (h + 1) & mask) {
        int32_t s = m->slots[h];
        if (s == 0)
            return -1;
        if (m->ids[s - 1] == id)
            return s - 1;
    }
}

static void place(int32_t *slots, size_t nslots, const int64_t *ids, int32_t index)
{
    size_t mask = nslots - 1;
    size_t h = hash_id(ids[index]) & mask;
    while (slots[h] != 0)
        h = (h + 1) & mask;
    slots[h] = index + 1;
}

/* Grow so that n ids fit with the table at most half full. */
rs_status rs__idmap_reserve(rs__idmap *m, const rs__allocator *a, size_t n)
{
    if (n > RS__IDMAP_MAX)
        return RS_ERR_RANGE;
    if (n > m->cap) {
        size_t ncap = m->cap ? m->cap : 16;
        while (ncap < n)
            ncap = ncap > RS__IDMAP_MAX / 2 ? RS__IDMAP_MAX : ncap * 2;
        int64_t *ids = rs__realloc(a, m->ids, m->cap, ncap, sizeof *ids);
        if (!ids)
            return RS_ERR_NOMEM;
        m->ids = ids;
        m->cap = ncap;
    }
    if (n * 2 > m->nslots) {
        size_t ns = m->nslots ? m->nslots : 32;
        while (ns < n * 2)
            ns *= 2;
        int32_t *slots = rs__calloc(a, ns, sizeof *slots);
        if (!slots)
            return RS_ERR_NOMEM;
        for (size_t i = 0; i < m->count; i++)
            place(slots, ns, m->ids, (int32_t)i);
        rs__free(a, m->slots, m->nslots, sizeof *m->slots);
        m->slots = slots;
        m->nslots = ns;
    }
    return RS_OK;
}

rs_status rs__idmap_insert(rs__idmap *m, const rs__allocator *a, int64_t id, int32_t *index_out)
{
    int32_t found = rs__idmap_find(m, id);
    if (found >= 0) {
        *index_out = found;
        return RS_OK;
    }
    if (m->count + 1 > m->cap || (m->count + 1) * 2 > m->nslots) {
        size_t want = m->count + 1;
        if (want < m->count * 2)
            want = m->count * 2; /* amortised doubling */
        if (want > RS__IDMAP_MAX)
            want = m->count + 1;
        rs_status st = rs__idmap_reserve(m, a, want);
        if (st != RS_OK)
            return st;
    }
    int32_t index = (int32_t)m->count;
    m->ids[m->count++] = id;
    place(m->slots, m->nslots, m->ids, index);
    *index_out = index;
    return RS_OK;
}

void rs__idmap_truncate(rs__idmap *m, size_t count)
{
    if (count >= m->count)
        return;
    m->count = count;
    /* Rebuild the table: linear probing does not support cheap deletion. */
    memset(m->slots, 0, m->nslots * sizeof *m->slots);
    for (size_t i = 0; i < m->count; i++)
        place(m->slots, m->nslots, m->ids, (int32_t)i);
}

rs_status rs__idmap_copy(rs__idmap *dst, const rs__idmap *src, const rs__allocator *a)
{
    rs__idmap_init(dst);
    if (src->count == 0)
        return RS_OK;
    rs_status st = rs__idmap_reserve(dst, a, src->count);
    if (st != RS_OK) {
        rs__idmap_free(dst, a);
        return st;
    }
    memcpy(dst->ids, src->ids, src->count * sizeof *src->ids);
    dst->count = src->count;
    for (size_t i = 0; i < dst->count; i++)
        place(dst->slots, dst->nslots, dst->ids, (int32_t)i);
    return RS_OK;
}
