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
    rs__free(a, m->off, m->off_cap, sizeof *m->off);
    rs__free(a, m->bytes, m->bytes_cap, 1);
    int32_t strings = m->strings;
    rs__idmap_init(m);
    m->strings = strings; /* an emptied map keeps its kind */
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
    if (m->strings && n + 1 > m->off_cap) {
        size_t ncap = m->cap + 1; /* n <= cap */
        uint64_t *off = rs__realloc(a, m->off, m->off_cap, ncap, sizeof *off);
        if (!off)
            return RS_ERR_NOMEM;
        if (m->off_cap == 0)
            off[0] = 0;
        m->off = off;
        m->off_cap = ncap;
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

/* Room for one more id (and its offset), doubling the arrays. */
static rs_status room_for_one(rs__idmap *m, const rs__allocator *a)
{
    if (m->count + 1 <= m->cap && (m->count + 1) * 2 <= m->nslots &&
        (!m->strings || m->count + 2 <= m->off_cap))
        return RS_OK;
    size_t want = m->count + 1;
    if (want < m->count * 2)
        want = m->count * 2; /* amortised doubling */
    if (want > RS__IDMAP_MAX)
        want = m->count + 1;
    return rs__idmap_reserve(m, a, want);
}

rs_status rs__idmap_insert(rs__idmap *m, const rs__allocator *a, int64_t id, int32_t *index_out)
{
    if (m->strings) /* a string map learns ids only with their bytes */
        return RS_ERR_STATE;
    int32_t found = rs__idmap_find(m, id);
    if (found >= 0) {
        *index_out = found;
        return RS_OK;
    }
    rs_status st = room_for_one(m, a);
    if (st != RS_OK)
        return st;
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
    if (m->strings)
        m->nbytes = (size_t)m->off[count];
    /* Rebuild the table: linear probing does not support cheap deletion. */
    memset(m->slots, 0, m->nslots * sizeof *m->slots);
    for (size_t i = 0; i < m->count; i++)
        place(m->slots, m->nslots, m->ids, (int32_t)i);
}

rs_status rs__idmap_copy(rs__idmap *dst, const rs__idmap *src, const rs__allocator *a)
{
    rs__idmap_init(dst);
    dst->strings = src->strings;
    if (src->count == 0)
        return RS_OK;
    rs_status st = rs__idmap_reserve(dst, a, src->count);
    if (st == RS_OK && src->strings)
        st = rs__idmap_reserve_bytes(dst, a, src->nbytes);
    if (st != RS_OK) {
        rs__idmap_free(dst, a);
        return st;
    }
    memcpy(dst->ids, src->ids, src->count * sizeof *src->ids);
    if (src->strings) {
        memcpy(dst->off, src->off, (src->count + 1) * sizeof *src->off);
        if (src->nbytes)
            memcpy(dst->bytes, src->bytes, src->nbytes);
        dst->nbytes = src->nbytes;
    }
    dst->count = src->count;
    for (size_t i = 0; i < dst->count; i++)
        place(dst->slots, dst->nslots, dst->ids, (int32_t)i);
    return RS_OK;
}

/* ---- string ids ---- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Little-endian loads, assembled byte by byte so the key is the same on
 * every host (compilers turn these into single loads). */
static inline uint64_t le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}
static inline uint64_t le32(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

int64_t rs__str_key(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = P5 + (uint64_t)n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t k = rotl64(le64(p) * P2, 31) * P1;
        h = rotl64(h ^ k, 27) * P1 + P4;
    }
    if (n >= 4) {
        h = rotl64(h ^ (le32(p) * P1), 23) * P2 + P3;
        p += 4;
        n -= 4;
    }
    for (; n > 0; p++, n--)
        h = rotl64(h ^ (*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    /* Two's complement without an implementation-defined conversion. */
    return h <= (uint64_t)INT64_MAX ? (int64_t)h : -(int64_t)(~h) - 1;
}

void rs__idmap_use_strings(rs__idmap *m) { m->strings = 1; }

static int32_t find_key_str(const rs__idmap *m, int64_t key, const char *s, size_t n,
                            int32_t *same_key)
{
    *same_key = -1;
    if (m->nslots == 0)
        return -1;
    size_t mask = m->nslots - 1;
    for (size_t h = hash_id(key) & mask;; h = (h + 1) & mask) {
        int32_t slot = m->slots[h];
        if (slot == 0)
            return -1;
        if (m->ids[slot - 1] == key) {
            size_t len;
            const char *t = rs__idmap_str(m, slot - 1, &len);
            if (len == n && memcmp(t, s, n) == 0)
                return slot - 1;
            *same_key = slot - 1; /* keys are unique in a map: nothing else can match */
            return -1;
        }
    }
}

int32_t rs__idmap_find_str(const rs__idmap *m, const char *s, size_t n)
{
    int32_t clash;
    return find_key_str(m, rs__str_key(s, n), s, n, &clash);
}

rs_status rs__idmap_reserve_bytes(rs__idmap *m, const rs__allocator *a, size_t extra)
{
    if (extra > (size_t)-1 / 4 - m->nbytes)
        return RS_ERR_NOMEM;
    size_t need = m->nbytes + extra;
    if (need <= m->bytes_cap)
        return RS_OK;
    size_t ncap = m->bytes_cap ? m->bytes_cap : 1024;
    while (ncap < need)
        ncap *= 2;
    char *b = rs__realloc(a, m->bytes, m->bytes_cap, ncap, 1);
    if (!b)
        return RS_ERR_NOMEM;
    m->bytes = b;
    m->bytes_cap = ncap;
    return RS_OK;
}

void rs__idmap_shrink_bytes(rs__idmap *m, const rs__allocator *a)
{
    size_t want = m->nbytes ? m->nbytes : 1;
    if (m->bytes_cap <= want || m->bytes_cap - want < m->bytes_cap / 64 + 64)
        return;
    char *b = rs__realloc(a, m->bytes, m->bytes_cap, want, 1);
    if (b) {
        m->bytes = b;
        m->bytes_cap = want;
    }
}

rs_status rs__idmap_insert_str(rs__idmap *m, const rs__allocator *a, const char *s, size_t n,
                               int32_t *index_out)
{
    int64_t key = rs__str_key(s, n);
    int32_t clash;
    int32_t found = find_key_str(m, key, s, n, &clash);
    if (found >= 0) {
        *index_out = found;
        return RS_OK;
    }
    if (clash >= 0) {
        *index_out = clash;
        return RS_ERR_FORMAT;
    }
    rs_status st = room_for_one(m, a);
    if (st == RS_OK)
        st = rs__idmap_reserve_bytes(m, a, n);
    if (st != RS_OK)
        return st;
    int32_t index = (int32_t)m->count;
    if (n)
        memcpy(m->bytes + m->nbytes, s, n);
    m->nbytes += n;
    m->off[m->count + 1] = m->nbytes;
    m->ids[m->count++] = key;
    place(m->slots, m->nslots, m->ids, index);
    *index_out = index;
    return RS_OK;
}

rs_status rs__idmap_copy_str(const rs__idmap *m, int32_t index, char *buf, size_t cap,
                             size_t *len_out)
{
    size_t n;
    const char *s = rs__idmap_str(m, index, &n);
    *len_out = n;
    if (cap <= n)
        return RS_ERR_RANGE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return RS_OK;
}
