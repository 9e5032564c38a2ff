/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * format.c: the versioned model blob (layout in docs/format.md) and the
 * callback and memory entry points. Every number is written byte by byte in
 * little-endian order, so blobs move between hosts of any byte order; floats
 * travel as their IEEE-754 bit patterns, so a loaded model predicts
 * bit-identically. The decoder trusts nothing: every count is checked against
 * what the input can still hold (when its size is known) or grown in bounded
 * pieces as bytes actually arrive (when it is not), so a corrupt count ends in
 * RS_ERR_FORMAT and never in a huge allocation. */
#include "format.h"

#include <math.h>
#include <stdio.h> /* snprintf only */
#include <string.h>

#include "core/model.h"
#include "core/inflight.h"
#include "common/params.h"
#include "scorers/scorer.h"

#define TAG(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_PARAMS TAG('P', 'A', 'R', 'M')
#define TAG_USER_IDS TAG('U', 'I', 'D', 'S')
#define TAG_ITEM_IDS TAG('I', 'I', 'D', 'S')
#define TAG_USER_FEATURES TAG('U', 'F', 'E', 'A')
#define TAG_ITEM_FEATURES TAG('I', 'F', 'E', 'A')
#define TAG_BLOCKS TAG('B', 'L', 'K', 'S')
#define TAG_SEEN TAG('S', 'E', 'E', 'N')
#define TAG_USER_STRINGS TAG('U', 'S', 'T', 'R')
#define TAG_ITEM_STRINGS TAG('I', 'S', 'T', 'R')

/* Parameter ids live in 100-1999 (model.h); scanning the whole range saves a
 * parameter added later without touching this file. */
#define PARAM_ID_LO 100u
#define PARAM_ID_HI 2000u

/* Without a known input size, arrays grow by at most this many bytes of
 * input at a time, so memory follows the bytes that really arrived. */
#define PIECE_BYTES ((size_t)1 << 16)
/* Staging buffer of the encoder and chunk size of the decoder. */
#define CHUNK 4096

/* ---- little-endian primitives ---- */

static void le32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}
static void le64(unsigned char *b, uint64_t v)
{
    le32(b, (uint32_t)v);
    le32(b + 4, (uint32_t)(v >> 32));
}
static uint32_t rd32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint64_t rd64(const unsigned char *b) { return (uint64_t)rd32(b) | (uint64_t)rd32(b + 4) << 32; }
static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}
static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
/* Two's complement without relying on implementation-defined conversions. */
static int64_t u64_to_i64(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}
static int32_t u32_to_i32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

void rs__errmsg_copy(char *dst, size_t cap, const char *msg)
{
    if (!dst || cap == 0)
        return;
    size_t n = strlen(msg);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, msg, n);
    dst[n] = '\0';
}

/* ---- encoder ---- */

typedef struct sink {
    rs_writer_fn fn;
    void *ud;
    uint32_t crc;
    rs_status st; /* sticky: after a failure nothing more is written */
    rs__errbuf *err;
    size_t len;
    unsigned char buf[CHUNK];
} sink;

static void sink_flush(sink *s)
{
    if (s->st != RS_OK || s->len == 0)
        return;
    s->crc = rs__crc32c(s->crc, s->buf, s->len);
    if (s->fn(s->ud, s->buf, s->len) != 0)
        s->st = rs__err(s->err, RS_ERR_IO, "writer callback failed");
    s->len = 0;
}

static void put(sink *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n > 0 && s->st == RS_OK) {
        size_t k = sizeof s->buf - s->len;
        if (k > n)
            k = n;
        memcpy(s->buf + s->len, b, k);
        s->len += k;
        b += k;
        n -= k;
        if (s->len == sizeof s->buf)
            sink_flush(s);
    }
}
static void put_u32(sink *s, uint32_t v)
{
    unsigned char b[4];
    le32(b, v);
    put(s, b, 4);
}
static void put_u64(sink *s, uint64_t v)
{
    unsigned char b[8];
    le64(b, v);
    put(s, b, 8);
}
static void put_f32(sink *s, float f) { put_u32(s, f32_bits(f)); }
/* Bulk versions: encode a chunk at a time instead of one call per value. */
static void put_f32s(sink *s, const float *v, size_t n)
{
    unsigned char b[CHUNK];
    while (n > 0) {
        size_t k = n < sizeof b / 4 ? n : sizeof b / 4;
        for (size_t j = 0; j < k; j++)
            le32(b + 4 * j, f32_bits(v[j]));
        put(s, b, 4 * k);
        v += k;
        n -= k;
    }
}
static void put_i64s(sink *s, const int64_t *v, size_t n)
{
    unsigned char b[CHUNK];
    while (n > 0) {
        size_t k = n < sizeof b / 8 ? n : sizeof b / 8;
        for (size_t j = 0; j < k; j++)
            le64(b + 8 * j, (uint64_t)v[j]);
        put(s, b, 8 * k);
        v += k;
        n -= k;
    }
}
static void put_i32s(sink *s, const int32_t *v, size_t n)
{
    unsigned char b[CHUNK];
    while (n > 0) {
        size_t k = n < sizeof b / 4 ? n : sizeof b / 4;
        for (size_t j = 0; j < k; j++)
            le32(b + 4 * j, (uint32_t)v[j]);
        put(s, b, 4 * k);
        v += k;
        n -= k;
    }
}

static void put_params(sink *s, const rs__params *p)
{
    uint32_t n = 0;
    for (uint32_t id = PARAM_ID_LO; id < PARAM_ID_HI; id++) {
        const rs__param_info *r = rs__param_find((rs_param)id);
        n += r && r->owner == RS__OWNER_MODEL;
    }
    put_u32(s, TAG_PARAMS);
    put_u32(s, n);
    for (uint32_t id = PARAM_ID_LO; id < PARAM_ID_HI; id++) {
        const rs__param_info *r = rs__param_find((rs_param)id);
        if (!r || r->owner != RS__OWNER_MODEL)
            continue;
        const char *slot = (const char *)p + r->offset;
        uint64_t bits;
        if (r->type == RS__PT_REAL) {
            double d;
            memcpy(&d, slot, sizeof d);
            memcpy(&bits, &d, sizeof bits);
        } else {
            int64_t v;
            memcpy(&v, slot, sizeof v);
            bits = (uint64_t)v;
        }
        put_u32(s, id);
        put_u64(s, bits);
    }
}

static void put_ids(sink *s, uint32_t tag, const rs__idmap *map)
{
    put_u32(s, tag);
    put_i64s(s, map->ids, map->count);
}

/* Only live rows are written (replaced rows leave dead slices in memory),
 * so the bytes depend on the model's content, not on its history. */
static void put_features(sink *s, uint32_t tag, const rs__features *f)
{
    put_u32(s, tag);
    put_u64(s, f->n_features);
    for (size_t i = 0; i < f->n_features; i++) {
        size_t len = strlen(f->names[i]);
        put_u32(s, (uint32_t)len);
        put(s, f->names[i], len);
    }
    put_u64(s, f->n_rows);
    for (size_t r = 0; r < f->n_rows; r++) {
        const int32_t *col;
        const float *val;
        size_t n = rs__features_row(f, r, &col, &val);
        put_u32(s, (uint32_t)n);
        for (size_t j = 0; j < n; j++) {
            put_u32(s, (uint32_t)col[j]);
            put_f32(s, val[j]);
        }
    }
}

static void put_blocks(sink *s, const rs__weights *w)
{
    put_u32(s, TAG_BLOCKS);
    for (size_t b = 0; b < w->n_blocks; b++) {
        const rs__block *blk = &w->blocks[b];
        put_u32(s, (uint32_t)blk->role);
        put_u32(s, (uint32_t)blk->init_block);
        put_u32(s, (uint32_t)blk->reg);
        put_u64(s, blk->rows);
        put_u64(s, blk->cols);
        /* The logical floats only: row padding is an in-memory layout detail. */
        if (blk->stride == blk->cols)
            put_f32s(s, blk->data, blk->rows * blk->cols);
        else
            for (size_t r = 0; r < blk->rows; r++)
                put_f32s(s, blk->data + r * blk->stride, blk->cols);
    }
}

static void put_seen(sink *s, const rs_model *m)
{
    size_t nu = m->w.n_users;
    put_u32(s, TAG_SEEN);
    for (size_t u = 0; u <= nu; u++)
        put_u64(s, m->seen_off ? m->seen_off[u] : 0);
    if (m->seen_off)
        put_i32s(s, m->seen_item, m->seen_off[nu]);
}

/* String ids (format version 2): the bytes of every id, in dense-index order. */
static void put_strings(sink *s, uint32_t tag, const rs__idmap *map)
{
    put_u32(s, tag);
    for (size_t k = 0; k < map->count; k++) {
        size_t n;
        const char *str = rs__idmap_str(map, (int32_t)k, &n);
        put_u32(s, (uint32_t)n);
        put(s, str, n);
    }
}

/* Refuse to write what the decoder would refuse to read. */
static rs_status check_saveable(const rs_model *m, rs__errbuf *err)
{
    const rs__weights *w = &m->w;
    if (m->users.count != w->n_users || m->items.count != w->n_items ||
        w->user_feat.n_features != w->n_user_features ||
        w->item_feat.n_features != w->n_item_features || w->n_blocks == 0)
        return rs__err(err, RS_ERR_STATE, "the model's fitted state is inconsistent");
    for (int side = 0; side < 2; side++) {
        const rs__features *f = side ? &w->item_feat : &w->user_feat;
        for (size_t i = 0; i < f->n_features; i++)
            if (strlen(f->names[i]) > UINT32_MAX)
                return rs__err(err, RS_ERR_RANGE, "feature name %zu is too long to save", i);
    }
    if (m->seen_off && m->seen_off[w->n_users] > m->seen_nnz)
        return rs__err(err, RS_ERR_STATE, "the model's seen lists are inconsistent");
    return RS_OK;
}

rs_status rs__model_encode(const rs_model *m, rs_writer_fn writer, void *ud, rs__errbuf *err)
{
    if (!m->fitted)
        return rs__err(err, RS_ERR_STATE, "the model is not fitted: nothing to save");
    rs_status st = check_saveable(m, err);
    if (st != RS_OK)
        return st;
    const rs__weights *w = &m->w;
    sink s;
    s.fn = writer;
    s.ud = ud;
    s.crc = 0;
    s.st = RS_OK;
    s.err = err;
    s.len = 0;
    uint32_t flags = m->users.strings ? RS__FLAG_STRING_IDS : 0;
    put(&s, RS__FORMAT_MAGIC, 8);
    put_u32(&s, flags ? 2u : 1u); /* the oldest version that holds the model */
    put_u32(&s, flags);
    put_u32(&s, (uint32_t)m->scorer_kind);
    put_u32(&s, (uint32_t)w->n_blocks);
    put_u64(&s, w->n_users);
    put_u64(&s, w->n_items);
    put_u64(&s, w->factors);
    put_u64(&s, w->n_user_features);
    put_u64(&s, w->n_item_features);
    put_f32(&s, w->global_mean);
    put_f32(&s, w->rating_min);
    put_f32(&s, w->rating_max);
    put_params(&s, &m->params);
    put_ids(&s, TAG_USER_IDS, &m->users);
    put_ids(&s, TAG_ITEM_IDS, &m->items);
    put_features(&s, TAG_USER_FEATURES, &w->user_feat);
    put_features(&s, TAG_ITEM_FEATURES, &w->item_feat);
    put_blocks(&s, w);
    put_seen(&s, m);
    if (flags & RS__FLAG_STRING_IDS) {
        put_strings(&s, TAG_USER_STRINGS, &m->users);
        put_strings(&s, TAG_ITEM_STRINGS, &m->items);
    }
    sink_flush(&s);
    if (s.st != RS_OK)
        return s.st;
    /* The checksum covers everything before it, not itself. */
    unsigned char trailer[4];
    le32(trailer, s.crc);
    if (writer(ud, trailer, sizeof trailer) != 0)
        return rs__err(err, RS_ERR_IO, "writer callback failed");
    return RS_OK;
}

/* ---- decoder ---- */

/* Integrity comes before interpretation: a verdict that only a genuine blob
 * may earn (RS_ERR_VERSION: written by a newer library; RS_ERR_NOT_BUILT: a
 * scorer compiled out of this build) is only *pending* until the checksum
 * has been verified, and a blob whose checksum fails is RS_ERR_FORMAT
 * whatever its bytes seem to say. Memory input is checksummed before
 * anything else is read. Streamed input can only be checked at its end: the
 * decoder remembers the pending verdict and, when it cannot parse on (a
 * newer format version, a scorer it lacks, a structure that no longer
 * fits), reads the rest of the input and accepts the verdict only when the
 * input ends in the CRC-32C of everything before it. */
typedef struct source {
    const unsigned char *buf; /* memory input, or NULL for the reader */
    rs_reader_fn reader;
    void *ud;
    size_t limit; /* bytes the input holds; SIZE_MAX when unknown */
    size_t pos;   /* bytes consumed so far */
    uint32_t lag; /* CRC-32C of the bytes consumed, except the last win_len */
    unsigned char win[4]; /* the last bytes consumed: the trailer, once it is read */
    size_t win_len;
    rs__errbuf *err;
    rs_status pending; /* RS_ERR_VERSION / RS_ERR_NOT_BUILT awaiting a valid checksum, or RS_OK */
    rs__errbuf pending_msg;
} source;

/* Account for n consumed bytes: the checksum runs 4 bytes behind, so that
 * wherever the input ends, `lag` covers all but its last 4 bytes. */
static void consume(source *s, const unsigned char *p, size_t n)
{
    s->pos += n;
    if (n >= 4) {
        s->lag = rs__crc32c(s->lag, s->win, s->win_len);
        s->lag = rs__crc32c(s->lag, p, n - 4);
        memcpy(s->win, p + n - 4, 4);
        s->win_len = 4;
        return;
    }
    unsigned char t[8];
    memcpy(t, s->win, s->win_len);
    memcpy(t + s->win_len, p, n);
    size_t len = s->win_len + n, drop = len > 4 ? len - 4 : 0;
    s->lag = rs__crc32c(s->lag, t, drop);
    memcpy(s->win, t + drop, len - drop);
    s->win_len = len - drop;
}

/* 1 when the bytes consumed so far end in the checksum of all before them. */
static int ends_in_checksum(const source *s) { return s->win_len == 4 && s->lag == rd32(s->win); }

static void defer(source *s, rs_status verdict, const char *msg)
{
    if (s->pending != RS_OK)
        return; /* the first reason stands */
    s->pending = verdict;
    rs__errmsg_copy(s->pending_msg.msg, sizeof s->pending_msg.msg, msg);
}

static rs_status truncated(source *s, size_t at)
{
    return rs__err(s->err, RS_ERR_FORMAT, "truncated model blob (input ends at byte %zu)", at);
}

static rs_status get(source *s, void *dst, size_t n)
{
    if (n > s->limit - s->pos)
        return truncated(s, s->limit);
    if (s->buf) {
        memcpy(dst, s->buf + s->pos, n);
        consume(s, dst, n);
        return RS_OK;
    }
    unsigned char *d = dst;
    size_t got = 0;
    while (got < n) {
        size_t len = 0;
        if (s->reader(s->ud, d + got, n - got, &len) != 0)
            return rs__err(s->err, RS_ERR_IO, "reader callback failed at byte %zu", s->pos);
        if (len == 0)
            return truncated(s, s->pos);
        if (len > n - got)
            return rs__err(s->err, RS_ERR_IO, "reader callback returned more bytes than asked");
        consume(s, d + got, len); /* pieces count as they arrive, for settle() */
        got += len;
    }
    return RS_OK;
}

/* Decide a pending verdict: read the rest of the input, then give the
 * verdict if the whole input carries a valid checksum, else call it corrupt.
 * (So a real newer blob embedded in a longer stream reads as corrupt.) */
static rs_status settle(source *s)
{
    unsigned char buf[CHUNK];
    for (;;) {
        size_t len = 0;
        if (s->buf) {
            len = s->limit - s->pos < sizeof buf ? s->limit - s->pos : sizeof buf;
            memcpy(buf, s->buf + s->pos, len);
        } else if (s->reader(s->ud, buf, sizeof buf, &len) != 0) {
            return rs__err(s->err, RS_ERR_IO, "reader callback failed at byte %zu", s->pos);
        } else if (len > sizeof buf) {
            return rs__err(s->err, RS_ERR_IO, "reader callback returned more bytes than asked");
        }
        if (len == 0)
            break;
        consume(s, buf, len);
    }
    if (!ends_in_checksum(s))
        return rs__err(s->err, RS_ERR_FORMAT,
                       "corrupt model blob: checksum mismatch over the %zu bytes of input", s->pos);
    return rs__err(s->err, s->pending, "%s", s->pending_msg.msg);
}

static rs_status get_u32(source *s, uint32_t *v)
{
    unsigned char b[4];
    rs_status st = get(s, b, 4);
    *v = st == RS_OK ? rd32(b) : 0;
    return st;
}
static rs_status get_u64(source *s, uint64_t *v)
{
    unsigned char b[8];
    rs_status st = get(s, b, 8);
    *v = st == RS_OK ? rd64(b) : 0;
    return st;
}
static rs_status get_finite(source *s, float *f, const char *what)
{
    uint32_t u;
    rs_status st = get_u32(s, &u);
    if (st != RS_OK)
        return st;
    *f = bits_f32(u);
    if (!isfinite(*f))
        return rs__err(s->err, RS_ERR_FORMAT, "%s is not a finite number", what);
    return RS_OK;
}

/* Fails unless the input can still hold count elements of size bytes (a
 * no-op when the input size is unknown). */
static rs_status need(source *s, uint64_t count, size_t size)
{
    if (s->limit == SIZE_MAX)
        return RS_OK;
    size_t left = s->limit - s->pos;
    if (count > left / size)
        return truncated(s, s->limit);
    return RS_OK;
}

/* How many of `left` elements (size bytes each) to allocate room for next:
 * all of them when the input size is known (need() vouched for them), else
 * a bounded piece. */
static size_t piece(const source *s, size_t left, size_t size)
{
    if (s->limit != SIZE_MAX)
        return left;
    size_t n = PIECE_BYTES / size;
    if (n == 0)
        n = 1;
    return left < n ? left : n;
}

static rs_status get_tag(source *s, uint32_t tag, const char *name)
{
    size_t at = s->pos;
    uint32_t v;
    rs_status st = get_u32(s, &v);
    if (st == RS_OK && v != tag)
        st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: no %s section at byte %zu", name,
                     at);
    return st;
}

static rs_status read_params(rs_model *m, source *s)
{
    rs_status st = get_tag(s, TAG_PARAMS, "parameter");
    uint32_t n = 0;
    if (st == RS_OK)
        st = get_u32(s, &n);
    if (st != RS_OK)
        return st;
    if (n > PARAM_ID_HI - PARAM_ID_LO)
        return rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %u parameters", (unsigned)n);
    unsigned char present[PARAM_ID_HI - PARAM_ID_LO];
    memset(present, 0, sizeof present);
    rs__params p = m->params; /* defaults: a parameter an older writer lacked keeps its default */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id;
        uint64_t bits;
        if ((st = get_u32(s, &id)) != RS_OK || (st = get_u64(s, &bits)) != RS_OK)
            return st;
        const rs__param_info *r = id >= PARAM_ID_LO && id < PARAM_ID_HI
                                      ? rs__param_find((rs_param)id) : NULL;
        if (!r || r->owner != RS__OWNER_MODEL) {
            /* Parameters have a fixed size, so the rest still parses; the
             * verdict waits for the checksum. */
            char why[RS__ERRMSG_CAP];
            snprintf(why, sizeof why, "the model has parameter %u, unknown to this library "
                     "(written by a newer version)", (unsigned)id);
            defer(s, RS_ERR_VERSION, why);
            continue;
        }
        if (present[id - PARAM_ID_LO])
            return rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: parameter %s appears twice",
                           r->name);
        present[id - PARAM_ID_LO] = 1;
        char *slot = (char *)&p + r->offset;
        rs__errbuf why;
        rs__err_clear(&why);
        if (r->type == RS__PT_REAL) {
            double d;
            memcpy(&d, &bits, sizeof d);
            st = rs__param_check_real(r, d, &why);
            memcpy(slot, &d, sizeof d);
        } else {
            int64_t v = u64_to_i64(bits), cur;
            memcpy(&cur, slot, sizeof cur);
            /* Read-only rows (the scorer) are fixed by rs_model_new: they must agree. */
            if (r->read_only == 1)
                st = v == cur ? RS_OK : rs__err(&why, RS_ERR_RANGE, "%s = %lld does not match "
                                                "the blob's header", r->name, (long long)v);
            else if (r->read_only == 2) /* model state (epochs_trained): only the range */
                st = (double)v >= r->lo && (double)v <= r->hi
                         ? RS_OK
                         : rs__err(&why, RS_ERR_RANGE, "%s = %lld is out of range", r->name,
                                   (long long)v);
            else
                st = rs__param_check_int(r, v, &why);
            memcpy(slot, &v, sizeof v);
        }
        if (st != RS_OK)
            return rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s", why.msg);
    }
#if !RS_ENABLE_THREADS
    /* The thread count only steers training; this build trains on one. */
    if (p.threads > 1)
        p.threads = 1;
#endif
    m->params = p;
    return RS_OK;
}

static rs_status read_ids(rs_model *m, source *s, uint32_t tag, rs__idmap *map, size_t count,
                          const char *what)
{
    rs_status st = get_tag(s, tag, what);
    if (st == RS_OK)
        st = need(s, count, 8);
    unsigned char buf[CHUNK];
    size_t done = 0;
    while (st == RS_OK && done < count) {
        size_t end = done + piece(s, count - done, 8);
        if ((st = rs__idmap_reserve(map, &m->alloc, end)) != RS_OK)
            break;
        while (st == RS_OK && done < end) {
            size_t c = end - done < sizeof buf / 8 ? end - done : sizeof buf / 8;
            if ((st = get(s, buf, c * 8)) != RS_OK)
                break;
            for (size_t j = 0; j < c && st == RS_OK; j++, done++) {
                int64_t id = u64_to_i64(rd64(buf + 8 * j));
                int32_t index = -1;
                st = rs__idmap_insert(map, &m->alloc, id, &index); /* reserved: no allocation */
                if (st == RS_OK && (size_t)index != done)
                    st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s id %lld appears twice",
                                 what, (long long)id);
            }
        }
    }
    return st;
}

/* One feature name into a growing scratch buffer (*name, *cap bytes). */
static rs_status read_name(rs_model *m, source *s, char **name, size_t *cap, const char *what)
{
    uint32_t len;
    rs_status st = get_u32(s, &len);
    if (st == RS_OK)
        st = need(s, len, 1);
    size_t got = 0;
    while (st == RS_OK && got < len) {
        size_t c = piece(s, len - got, 1);
        if (got + c + 1 > *cap) {
            size_t ncap = *cap * 2 > got + c + 1 ? *cap * 2 : got + c + 1;
            char *p = rs__realloc(&m->alloc, *name, *cap, ncap, 1);
            if (!p)
                return RS_ERR_NOMEM;
            *name = p;
            *cap = ncap;
        }
        st = get(s, *name + got, c);
        got += c;
    }
    if (st != RS_OK)
        return st;
    if (*cap == 0) {
        if (!(*name = rs__alloc(&m->alloc, 16, 1)))
            return RS_ERR_NOMEM;
        *cap = 16;
    }
    if (memchr(*name, '\0', len))
        return rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: a %s feature name holds a NUL",
                       what);
    (*name)[len] = '\0';
    return RS_OK;
}

typedef struct row_scratch {
    int32_t *col;
    float *val;
    size_t *stamp; /* row + 1 of the last row that used a feature: duplicate check */
    size_t n;
} row_scratch;

static rs_status read_rows(rs_model *m, source *s, rs__features *f, size_t n_rows,
                           row_scratch *sc, const char *what)
{
    unsigned char buf[CHUNK];
    for (size_t r = 0; r < n_rows; r++) {
        uint32_t len;
        rs_status st = get_u32(s, &len);
        if (st != RS_OK)
            return st;
        if (len > sc->n)
            return rs__err(s->err, RS_ERR_FORMAT,
                           "corrupt model blob: %s row %zu has %u features of %zu", what, r,
                           (unsigned)len, sc->n);
        for (size_t done = 0; done < len;) {
            size_t c = len - done < sizeof buf / 8 ? len - done : sizeof buf / 8;
            if ((st = get(s, buf, c * 8)) != RS_OK)
                return st;
            for (size_t j = 0; j < c; j++, done++) {
                uint32_t col = rd32(buf + 8 * j);
                float val = bits_f32(rd32(buf + 8 * j + 4));
                if (col >= sc->n || !isfinite(val) || sc->stamp[col] == r + 1)
                    return rs__err(s->err, RS_ERR_FORMAT,
                                   "corrupt model blob: bad entry in %s feature row %zu", what, r);
                sc->stamp[col] = r + 1;
                sc->col[done] = (int32_t)col;
                sc->val[done] = val;
            }
        }
        if ((st = rs__features_set_row(f, &m->alloc, r, sc->col, sc->val, len)) != RS_OK)
            return st;
    }
    return RS_OK;
}

static rs_status read_features(rs_model *m, source *s, uint32_t tag, rs__features *f,
                               size_t n_features, size_t n_owners, const char *what)
{
    const rs__allocator *a = &m->alloc;
    uint64_t n_names = 0, n_rows = 0;
    rs_status st = get_tag(s, tag, what);
    if (st == RS_OK)
        st = get_u64(s, &n_names);
    if (st != RS_OK)
        return st;
    if (n_names != n_features)
        return rs__err(s->err, RS_ERR_FORMAT,
                       "corrupt model blob: %llu %s feature names, the header says %zu",
                       (unsigned long long)n_names, what, n_features);
    char *name = NULL;
    size_t name_cap = 0;
    for (size_t i = 0; i < n_features && st == RS_OK; i++) {
        int32_t index = -1;
        st = read_name(m, s, &name, &name_cap, what);
        if (st == RS_OK)
            st = rs__features_add_name(f, a, name, &index);
        if (st == RS_OK && (size_t)index != i)
            st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s feature '%s' appears twice",
                         what, name);
    }
    rs__free(a, name, name_cap, 1);
    if (st == RS_OK)
        st = get_u64(s, &n_rows);
    if (st == RS_OK && n_rows > n_owners)
        st = rs__err(s->err, RS_ERR_FORMAT,
                     "corrupt model blob: %llu %s feature rows for %zu %ss",
                     (unsigned long long)n_rows, what, n_owners, what);
    if (st == RS_OK)
        st = need(s, n_rows, 4);
    if (st != RS_OK || n_rows == 0)
        return st;
    /* Rows hold distinct features, so no row is longer than n_features, and
     * n_features is backed by names actually read: the scratch is bounded. */
    row_scratch sc = {NULL, NULL, NULL, n_features};
    size_t n = n_features ? n_features : 1;
    sc.col = rs__alloc(a, n, sizeof *sc.col);
    sc.val = rs__alloc(a, n, sizeof *sc.val);
    sc.stamp = rs__calloc(a, n, sizeof *sc.stamp);
    st = sc.col && sc.val && sc.stamp ? read_rows(m, s, f, (size_t)n_rows, &sc, what)
                                      : RS_ERR_NOMEM;
    rs__free(a, sc.col, n, sizeof *sc.col);
    rs__free(a, sc.val, n, sizeof *sc.val);
    rs__free(a, sc.stamp, n, sizeof *sc.stamp);
    return st;
}

/* Rows [from, to) of a block, read as one stream of floats. */
static rs_status read_block_rows(source *s, rs__block *b, size_t from, size_t to)
{
    unsigned char buf[CHUNK];
    size_t left = (to - from) * b->cols, r = from, c = 0;
    while (left > 0) {
        size_t k = left < sizeof buf / 4 ? left : sizeof buf / 4;
        rs_status st = get(s, buf, k * 4);
        if (st != RS_OK)
            return st;
        for (size_t j = 0; j < k; j++) {
            float v = bits_f32(rd32(buf + 4 * j));
            if (!isfinite(v))
                return rs__err(s->err, RS_ERR_FORMAT,
                               "corrupt model blob: parameter (%zu, %zu) of block %d is not finite",
                               r, c, (int)b->role);
            b->data[r * b->stride + c] = v;
            if (++c == b->cols) {
                c = 0;
                r++;
            }
        }
        left -= k;
    }
    return RS_OK;
}

typedef struct block_desc {
    int32_t role, init_block, reg;
    size_t cols;
} block_desc;

/* The blocks the scorer declares for this many factors, in its order (the
 * scorers address blocks by position, so the order is part of the check). */
static rs_status expected_blocks(rs_model *m, size_t factors, int implicit, int tastes,
                                 block_desc *d, size_t *n)
{
    rs__weights tmp;
    memset(&tmp, 0, sizeof tmp);
    rs__features_init(&tmp.user_feat);
    rs__features_init(&tmp.item_feat);
    /* (the tastes' columns follow the feature counts; no rows are allocated) */
    tmp.n_user_features = m->w.n_user_features;
    tmp.n_item_features = m->w.n_item_features;
    rs__params p = m->params;
    p.factors = (int64_t)factors;
    p.implicit_user_factors = implicit;
    p.cold_taste = tastes;
    rs_status st = m->ops->layout(&tmp, &m->alloc, &p);
    *n = tmp.n_blocks;
    for (size_t b = 0; b < tmp.n_blocks; b++) {
        d[b].role = tmp.blocks[b].role;
        d[b].init_block = tmp.blocks[b].init_block;
        d[b].reg = tmp.blocks[b].reg;
        d[b].cols = tmp.blocks[b].cols;
    }
    rs__weights_free(&tmp, &m->alloc);
    return st;
}

static size_t rows_for_role(const rs__weights *w, int32_t role)
{
    switch (role) {
    case RS__ROLE_USER_BIAS:
    case RS__ROLE_USER_FACTORS: return w->n_users;
    case RS__ROLE_ITEM_BIAS:
    case RS__ROLE_ITEM_FACTORS:
    case RS__ROLE_ITEM_IMPLICIT_FACTORS:
    case RS__ROLE_ITEM_COLD_TASTE: return w->n_items;
    case RS__ROLE_USER_COLD_TASTE: return w->n_users;
    case RS__ROLE_USER_FEATURE_FACTORS:
    case RS__ROLE_USER_FEATURE_BIAS: return w->n_user_features;
    default: return w->n_item_features;
    }
}

static rs_status read_blocks(rs_model *m, source *s, size_t n_blocks)
{
    rs__weights *w = &m->w;
    block_desc want[RS__MAX_BLOCKS];
    size_t n_want = 0;
    rs_status st = get_tag(s, TAG_BLOCKS, "parameter block");
    /* The weights, not the parameters (which may have been set after the
     * fit), say whether the model has implicit user factors (one more
     * block) and cold-start tastes (two more, content and hybrid): the
     * layout that has as many blocks as the file is the one checked. */
    size_t n_plain = 0;
    if (st == RS_OK)
        st = expected_blocks(m, w->factors, 0, 0, want, &n_plain);
    n_want = n_plain;
    for (int extra = 1; st == RS_OK && extra < 4 && n_blocks != n_want; extra++) {
        st = expected_blocks(m, w->factors, extra & 1, extra >> 1, want, &n_want);
        if (st == RS_OK && n_blocks != n_want)
            n_want = n_plain; /* this scorer has no such blocks, or they do not match */
    }
    if (st == RS_OK && n_blocks != n_want)
        st = expected_blocks(m, w->factors, 0, 0, want, &n_want);
    if (st != RS_OK)
        return st;
    if (n_blocks != n_want)
        return rs__err(s->err, RS_ERR_FORMAT,
                       "corrupt model blob: %zu parameter blocks, the %s scorer has %zu", n_blocks,
                       m->ops->name, n_want);
    for (size_t b = 0; b < n_blocks; b++) {
        uint32_t role, init_block, reg;
        uint64_t rows, cols;
        if ((st = get_u32(s, &role)) != RS_OK || (st = get_u32(s, &init_block)) != RS_OK ||
            (st = get_u32(s, &reg)) != RS_OK || (st = get_u64(s, &rows)) != RS_OK ||
            (st = get_u64(s, &cols)) != RS_OK)
            return st;
        const block_desc *d = &want[b];
        if (u32_to_i32(role) != d->role || u32_to_i32(init_block) != d->init_block ||
            u32_to_i32(reg) != d->reg || cols != d->cols || rows != rows_for_role(w, d->role))
            return rs__err(s->err, RS_ERR_FORMAT,
                           "corrupt model blob: parameter block %zu does not match the %s scorer",
                           b, m->ops->name);
        size_t n_floats;
        if (rs__mul_size((size_t)rows, (size_t)cols, &n_floats) != 0)
            return rs__err(s->err, RS_ERR_RANGE, "parameter block %zu (%llu x %llu floats) is larger "
                           "than this platform can address", b, (unsigned long long)rows,
                           (unsigned long long)cols);
        if ((st = need(s, n_floats, 4)) != RS_OK)
            return st;
        size_t first = piece(s, (size_t)rows, (size_t)cols * 4);
        st = rs__weights_add_block(w, &m->alloc, d->role, d->init_block, d->reg, first,
                                   (size_t)cols);
        if (st != RS_OK)
            return st;
        rs__block *blk = &w->blocks[w->n_blocks - 1];
        /* Grow towards the declared rows only as their bytes arrive. */
        blk->rows = 0;
        while (blk->rows < rows) {
            size_t end = blk->rows + piece(s, (size_t)rows - blk->rows, (size_t)cols * 4);
            if ((st = rs__block_reserve_rows(blk, &m->alloc, end)) != RS_OK ||
                (st = read_block_rows(s, blk, blk->rows, end)) != RS_OK)
                return st;
            blk->rows = end;
        }
    }
    return RS_OK;
}

static rs_status read_offsets(source *s, size_t *off, size_t n_users, size_t n_items)
{
    unsigned char buf[CHUNK];
    size_t done = 0, total = n_users + 1;
    while (done < total) {
        size_t c = total - done < sizeof buf / 8 ? total - done : sizeof buf / 8;
        rs_status st = get(s, buf, c * 8);
        if (st != RS_OK)
            return st;
        for (size_t j = 0; j < c; j++, done++) {
            uint64_t v = rd64(buf + 8 * j);
            uint64_t prev = done ? off[done - 1] : 0;
            if (done == 0 ? v != 0 : v < prev || v - prev > n_items)
                return rs__err(s->err, RS_ERR_FORMAT,
                               "corrupt model blob: bad seen-list offset %zu", done);
            off[done] = (size_t)v;
        }
    }
    return RS_OK;
}

static rs_status read_seen(rs_model *m, source *s)
{
    const rs__allocator *a = &m->alloc;
    size_t nu = m->w.n_users, ni = m->w.n_items;
    rs_status st = get_tag(s, TAG_SEEN, "seen-list");
    if (st == RS_OK)
        st = need(s, (uint64_t)nu + 1, 8);
    if (st != RS_OK)
        return st;
    /* n_users is backed by ids already read, so this allocation is bounded. */
    if (!(m->seen_off = rs__alloc(a, nu + 1, sizeof *m->seen_off)))
        return RS_ERR_NOMEM;
    m->seen_users_cap = nu;
    if ((st = read_offsets(s, m->seen_off, nu, ni)) != RS_OK)
        return st;
    size_t total = m->seen_off[nu];
    if ((st = need(s, total, 4)) != RS_OK)
        return st;
    unsigned char buf[CHUNK];
    size_t done = 0, u = 0;
    int64_t prev = -1;
    do {
        size_t end = done + piece(s, total - done, 4);
        size_t want = end ? end : 1; /* as rs_fit: never an empty allocation */
        if (want > m->seen_nnz) {
            size_t cap = m->seen_nnz * 2 > want ? m->seen_nnz * 2 : want;
            int32_t *p = rs__realloc(a, m->seen_item, m->seen_nnz, cap, sizeof *p);
            if (!p)
                return RS_ERR_NOMEM;
            m->seen_item = p;
            m->seen_nnz = cap;
        }
        while (done < end) {
            size_t c = end - done < sizeof buf / 4 ? end - done : sizeof buf / 4;
            if ((st = get(s, buf, c * 4)) != RS_OK)
                return st;
            for (size_t j = 0; j < c; j++, done++) {
                while (done >= m->seen_off[u + 1]) {
                    u++;
                    prev = -1;
                }
                uint32_t item = rd32(buf + 4 * j);
                if (item >= ni || (int64_t)item <= prev)
                    return rs__err(s->err, RS_ERR_FORMAT,
                                   "corrupt model blob: seen list of user %zu is not sorted "
                                   "distinct item indices", u);
                prev = item;
                m->seen_item[done] = (int32_t)item;
            }
        }
    } while (done < total);
    return RS_OK;
}

/* The strings of the ids already read into map (as keys): each must be 1 to
 * RS__STR_ID_MAX bytes, unique, and hash to its key. The map becomes a
 * string map. The arena grows with the bytes that actually arrive. */
static rs_status read_strings(rs_model *m, source *s, uint32_t tag, rs__idmap *map,
                              const char *what)
{
    rs_status st = get_tag(s, tag, what);
    rs__idmap sm;
    rs__idmap_init(&sm);
    rs__idmap_use_strings(&sm);
    if (st == RS_OK)
        st = rs__idmap_reserve(&sm, &m->alloc, map->count);
    char buf[RS__STR_ID_MAX];
    for (size_t k = 0; st == RS_OK && k < map->count; k++) {
        uint32_t n;
        if ((st = get_u32(s, &n)) != RS_OK)
            break;
        if (n == 0 || n > RS__STR_ID_MAX) {
            st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s string id %zu has length %u",
                         what, k, (unsigned)n);
            break;
        }
        if ((st = get(s, buf, n)) != RS_OK)
            break;
        if (memchr(buf, '\0', n)) {
            st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s string id %zu holds a NUL",
                         what, k);
            break;
        }
        int32_t index = -1;
        st = rs__idmap_insert_str(&sm, &m->alloc, buf, n, &index);
        if (st == RS_OK && (size_t)index != k)
            st = RS_ERR_FORMAT; /* the same string twice */
        if (st == RS_OK && sm.ids[k] != map->ids[k])
            st = rs__err(s->err, RS_ERR_FORMAT,
                         "corrupt model blob: %s string id %zu does not match its key", what, k);
        else if (st == RS_ERR_FORMAT && !s->err->msg[0])
            st = rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: %s string id %zu repeats",
                         what, k);
    }
    if (st != RS_OK) {
        rs__idmap_free(&sm, &m->alloc);
        return st;
    }
    rs__idmap_free(map, &m->alloc);
    *map = sm;
    return RS_OK;
}

static rs_status read_header_counts(rs_model *m, source *s, size_t *n_blocks)
{
    rs__weights *w = &m->w;
    uint32_t nb;
    uint64_t nu, ni, k, nuf, nif;
    rs_status st;
    if ((st = get_u32(s, &nb)) != RS_OK || (st = get_u64(s, &nu)) != RS_OK ||
        (st = get_u64(s, &ni)) != RS_OK || (st = get_u64(s, &k)) != RS_OK ||
        (st = get_u64(s, &nuf)) != RS_OK || (st = get_u64(s, &nif)) != RS_OK ||
        (st = get_finite(s, &w->global_mean, "the global mean")) != RS_OK ||
        (st = get_finite(s, &w->rating_min, "the minimum rating")) != RS_OK ||
        (st = get_finite(s, &w->rating_max, "the maximum rating")) != RS_OK)
        return st;
    rs__errbuf why;
    if (nb == 0 || nb > RS__MAX_BLOCKS || nu > RS__IDMAP_MAX || ni > RS__IDMAP_MAX ||
        nuf > (uint64_t)INT32_MAX - 1 || nif > (uint64_t)INT32_MAX - 1 ||
        k > (uint64_t)INT64_MAX ||
        rs__param_check_int(rs__param_find(RS_PARAM_FACTORS), (int64_t)k, &why) != RS_OK ||
        !(w->rating_min <= w->rating_max))
        return rs__err(s->err, RS_ERR_FORMAT, "corrupt model blob: bad counts in the header");
    *n_blocks = nb;
    w->n_users = (size_t)nu;
    w->n_items = (size_t)ni;
    w->factors = (size_t)k;
    w->n_user_features = (size_t)nuf;
    w->n_item_features = (size_t)nif;
    return RS_OK;
}

static rs_status read_body(rs_model *m, source *s, uint32_t flags)
{
    rs__weights *w = &m->w;
    size_t n_blocks = 0;
    rs_status st;
    if ((st = read_header_counts(m, s, &n_blocks)) != RS_OK || (st = read_params(m, s)) != RS_OK ||
        (st = read_ids(m, s, TAG_USER_IDS, &m->users, w->n_users, "user")) != RS_OK ||
        (st = read_ids(m, s, TAG_ITEM_IDS, &m->items, w->n_items, "item")) != RS_OK ||
        (st = read_features(m, s, TAG_USER_FEATURES, &w->user_feat, w->n_user_features,
                            w->n_users, "user")) != RS_OK ||
        (st = read_features(m, s, TAG_ITEM_FEATURES, &w->item_feat, w->n_item_features,
                            w->n_items, "item")) != RS_OK ||
        (st = read_blocks(m, s, n_blocks)) != RS_OK || (st = read_seen(m, s)) != RS_OK)
        return st;
    /* Implicit user factors: N(u) is each user's seen list (not stored twice). */
    if (rs__weights_implicit_block(w) >= 0 &&
        (st = rs__weights_implicit_build(&w->implicit, &m->alloc, m->seen_off, m->seen_item,
                                         w->n_users)) != RS_OK)
        return st;
    if ((flags & RS__FLAG_STRING_IDS) &&
        ((st = read_strings(m, s, TAG_USER_STRINGS, &m->users, "user")) != RS_OK ||
         (st = read_strings(m, s, TAG_ITEM_STRINGS, &m->items, "item")) != RS_OK))
        return st;
    /* The checksum itself is not part of what it covers. */
    uint32_t stored;
    if ((st = get_u32(s, &stored)) != RS_OK)
        return st;
    if (stored != s->lag)
        return rs__err(s->err, RS_ERR_FORMAT,
                       "corrupt model blob: checksum mismatch (stored %08x, computed %08x)",
                       (unsigned)stored, (unsigned)s->lag);
    return RS_OK;
}

static rs_status check_end(source *s)
{
    if (s->limit != SIZE_MAX) {
        if (s->pos != s->limit)
            return rs__err(s->err, RS_ERR_FORMAT, "%zu unexpected bytes after the model",
                           s->limit - s->pos);
        return RS_OK;
    }
    unsigned char extra;
    size_t len = 0;
    if (s->reader(s->ud, &extra, 1, &len) != 0)
        return rs__err(s->err, RS_ERR_IO, "reader callback failed at byte %zu", s->pos);
    if (len != 0)
        return rs__err(s->err, RS_ERR_FORMAT, "unexpected bytes after the model");
    return RS_OK;
}

rs_status rs__model_decode(rs_model **out, const rs__blob_source *src, rs_alloc_fn alloc,
                           void *alloc_ud, rs__errbuf *err)
{
    *out = NULL;
    source s;
    memset(&s, 0, sizeof s);
    s.err = err;
    if (src->reader) {
        s.reader = src->reader;
        s.ud = src->ud;
        s.limit = src->size_hint ? src->size_hint : SIZE_MAX;
    } else {
        s.buf = src->buf;
        s.limit = src->size;
    }
    unsigned char magic[8];
    uint32_t version, flags, kind;
    rs_status st;
    /* Memory: the checksum first, before a single field is believed. */
    if (s.buf && s.limit >= sizeof magic + 8 &&
        memcmp(s.buf, RS__FORMAT_MAGIC, sizeof magic) == 0) {
        uint32_t stored = rd32(s.buf + s.limit - 4);
        uint32_t computed = rs__crc32c(0, s.buf, s.limit - 4);
        if (stored != computed)
            return rs__err(err, RS_ERR_FORMAT,
                           "corrupt model blob: checksum mismatch over its %zu bytes (stored %08x, "
                           "computed %08x): truncated, damaged or followed by other bytes",
                           s.limit, (unsigned)stored, (unsigned)computed);
    }
    if ((st = get(&s, magic, sizeof magic)) != RS_OK)
        return st;
    if (memcmp(magic, RS__FORMAT_MAGIC, sizeof magic) != 0)
        return rs__err(err, RS_ERR_FORMAT, "not a librecsgd model (unknown magic number)");
    if ((st = get_u32(&s, &version)) != RS_OK)
        return st;
    if (version > RS__FORMAT_VERSION) {
        char why[RS__ERRMSG_CAP];
        snprintf(why, sizeof why,
                 "the model has format version %u; this library reads up to version %u",
                 (unsigned)version, RS__FORMAT_VERSION);
        defer(&s, RS_ERR_VERSION, why);
        return settle(&s);
    }
    if (version == 0)
        return rs__err(err, RS_ERR_FORMAT, "corrupt model blob: format version 0");
    if ((st = get_u32(&s, &flags)) != RS_OK || (st = get_u32(&s, &kind)) != RS_OK)
        return st;
    /* Version 1 defines no flags; version 2 the RS__FLAG_* bits. */
    if ((version < 2 && flags != 0) || (flags & ~(uint32_t)RS__FLAGS_KNOWN))
        return rs__err(err, RS_ERR_FORMAT, "corrupt model blob: unknown flags 0x%x",
                       (unsigned)flags);
    if (kind < RS_SCORER_COLLABORATIVE || kind > RS_SCORER_HYBRID)
        return rs__err(err, RS_ERR_FORMAT, "corrupt model blob: unknown scorer kind %u",
                       (unsigned)kind);
    rs_model *m = NULL;
    st = rs_model_new(&m, (int32_t)kind, alloc, alloc_ud);
    if (st == RS_ERR_NOT_BUILT) {
        char why[RS__ERRMSG_CAP];
        snprintf(why, sizeof why, "the model's scorer (%s) is not built into this library",
                 kind == RS_SCORER_CONTENT ? "content" : "hybrid");
        defer(&s, RS_ERR_NOT_BUILT, why);
        return settle(&s);
    }
    if (st != RS_OK)
        return rs__err(err, st, "%s", rs_status_string(st));
    st = read_body(m, &s, flags);
    if (st == RS_OK && src->require_end)
        st = check_end(&s);
    if (s.pending != RS_OK && (st == RS_OK || st == RS_ERR_FORMAT)) {
        /* Parsed to a valid checksum: the verdict stands. A structure that
         * stopped fitting may be a newer layout: the whole input decides. */
        st = st == RS_OK ? rs__err(err, s.pending, "%s", s.pending_msg.msg) : settle(&s);
    }
    if (st != RS_OK) {
        if (st == RS_ERR_NOMEM)
            rs__err(err, st, "out of memory while loading the model");
        else if (err->msg[0] == '\0')
            rs__err(err, st, "cannot load the model: %s", rs_status_string(st));
        rs_model_free(m);
        return st;
    }
    m->fitted = 1;
    /* the int8 serving copy is not stored: it is rebuilt from the floats */
    if ((st = rs__model_serving_build(m)) != RS_OK) {
        rs__err(err, st, "out of memory while building the int8 item copy");
        rs_model_free(m);
        return st;
    }
    *out = m;
    return RS_OK;
}

/* ---- public entry points: callbacks and memory ---- */

static rs_status model_save_unguarded(const rs_model *model, rs_writer_fn writer, void *ud, char *errmsg,
                        size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st = !model || !writer
                       ? rs__err(&e, RS_ERR_INVALID_ARG, "model and writer must not be NULL")
                       : rs__model_encode(model, writer, ud, &e);
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

rs_status rs_model_load(rs_model **out, rs_reader_fn reader, void *ud, rs_alloc_fn alloc,
                        void *alloc_ud, char *errmsg, size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st;
    if (out)
        *out = NULL;
    if (!out || !reader) {
        st = rs__err(&e, RS_ERR_INVALID_ARG, "out and reader must not be NULL");
    } else {
        rs__blob_source src = {NULL, 0, reader, ud, 0, 0};
        st = rs__model_decode(out, &src, alloc, alloc_ud, &e);
    }
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

typedef struct membuf {
    unsigned char *p; /* NULL: only count */
    size_t cap, len;
} membuf;

static int32_t mem_writer(void *ud, const void *buf, size_t len)
{
    membuf *b = ud;
    if (b->p) {
        if (len > b->cap - b->len)
            return 1;
        memcpy(b->p + b->len, buf, len);
    }
    b->len += len;
    return 0;
}

static rs_status model_save_buffer_unguarded(const rs_model *model, void *buf, size_t cap, size_t *size_out,
                               char *errmsg, size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st;
    if (size_out)
        *size_out = 0;
    if (!model || !size_out || (!buf && cap > 0)) {
        st = rs__err(&e, RS_ERR_INVALID_ARG, "model and size_out must not be NULL, nor buf when cap > 0");
    } else {
        /* Two passes: size first, so a short buffer is never half written. */
        membuf count = {NULL, 0, 0};
        st = rs__model_encode(model, mem_writer, &count, &e);
        if (st == RS_OK) {
            *size_out = count.len;
            if (cap < count.len) {
                st = rs__err(&e, RS_ERR_RANGE, "the buffer holds %zu bytes; the model needs %zu",
                             cap, count.len);
            } else {
                membuf mb = {buf, cap, 0};
                st = rs__model_encode(model, mem_writer, &mb, &e);
            }
        }
    }
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

rs_status rs_model_load_buffer(rs_model **out, const void *buf, size_t size, rs_alloc_fn alloc,
                               void *alloc_ud, char *errmsg, size_t errmsg_cap)
{
    rs__errbuf e;
    rs__err_clear(&e);
    rs_status st;
    if (out)
        *out = NULL;
    if (!out || (!buf && size > 0)) {
        st = rs__err(&e, RS_ERR_INVALID_ARG, "out must not be NULL, nor buf when size > 0");
    } else {
        rs__blob_source src = {buf, size, NULL, NULL, 0, 1};
        st = rs__model_decode(out, &src, alloc, alloc_ud, &e);
    }
    rs__errmsg_copy(errmsg, errmsg_cap, e.msg);
    return st;
}

/* ---- guarded entry points (misuse detection, core/inflight.h) ---- */

rs_status rs__save_misuse(char *errmsg, size_t errmsg_cap)
{
    rs__errmsg_copy(errmsg, errmsg_cap,
                    "the model is being changed by an exclusive call (fit, setter, fold-in) "
                    "running at the same time: saving is a shared call");
    return RS_ERR_MISUSE;
}

rs_status rs_model_save(const rs_model *model, rs_writer_fn writer, void *ud, char *errmsg,
                        size_t errmsg_cap)
{
    if (!model)
        return model_save_unguarded(model, writer, ud, errmsg, errmsg_cap);
    unsigned slot;
    if (!rs__shared_enter(model, &slot))
        return rs__save_misuse(errmsg, errmsg_cap);
    rs_status st = model_save_unguarded(model, writer, ud, errmsg, errmsg_cap);
    rs__shared_leave(model, slot);
    return st;
}

rs_status rs_model_save_buffer(const rs_model *model, void *buf, size_t cap, size_t *size_out,
                               char *errmsg, size_t errmsg_cap)
{
    if (!model)
        return model_save_buffer_unguarded(model, buf, cap, size_out, errmsg, errmsg_cap);
    unsigned slot;
    if (!rs__shared_enter(model, &slot))
        return rs__save_misuse(errmsg, errmsg_cap);
    rs_status st = model_save_buffer_unguarded(model, buf, cap, size_out, errmsg, errmsg_cap);
    rs__shared_leave(model, slot);
    return st;
}
