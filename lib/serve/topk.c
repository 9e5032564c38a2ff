/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * topk.c: rs_topk and rs_topk_batch.
 *
 * The collaborative scorer scores every item at once, item_bias + Q p_u
 * (+ global mean + user bias), with sgemv; a batch scores 64 users per sgemm
 * over tiles of items. Other scorers call their predict() per item. The k
 * best are then picked with a bounded min-heap (heap.h) and sorted once.
 * Items are ranked by the raw score, which is also what scores_out reports:
 * clamping to the rating range would turn the head of the ranking into ties
 * and hide the order the model learned (rs_predict clamps; top-k does not). */
#include <string.h>

#include "serve.h"
#include "heap.h"
#include "common/blas.h"
#include "common/vec.h"
#include "scorers/scorer.h"
#include "core/inflight.h"
#include "unguarded.h"

/* Users scored per sgemm, and items per sgemm tile: 64 x 2048 floats (512 KiB)
 * stay in L2 while the heaps read them back. */
#define BATCH_USERS 64
#define BATCH_TILE 2048
/* Above this k the 64 heaps of a batch would need more memory than the
 * scores they replace; such batches are served one user at a time. */
#define BATCH_MAX_HEAP 4096

enum { MODE_FALLBACK = 0, MODE_FAST = 1, MODE_GENERIC = 2 };

/* How one user's items are scored. */
typedef struct user_scorer {
    const rs_model *m;
    int mode;
    int32_t u;          /* dense user index; -1 in MODE_FALLBACK */
    const float *ib;    /* item biases, or NULL */
    const float *p;     /* MODE_FAST: the user's factor row */
    const rs__block *q; /* MODE_FAST: item factors */
    float base;         /* MODE_FAST: mean + user bias */
} user_scorer;

/* The collaborative factor blocks when the fast path applies, else 0. */
static int fast_blocks(const rs_model *m, const rs__block **P, const rs__block **Q)
{
    if (m->ops->kind != RS_SCORER_COLLABORATIVE)
        return 0;
    *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    return *P && *Q && (*P)->cols == (*Q)->cols && (*P)->cols > 0 && (*P)->rows >= m->w.n_users &&
           (*Q)->rows >= m->w.n_items;
}

static void scorer_init(user_scorer *sc, const rs_model *m, int32_t u)
{
    const rs__block *P, *Q;
    const float *ub = rs__serve_bias(m, RS__ROLE_USER_BIAS, m->w.n_users);
    memset(sc, 0, sizeof *sc);
    sc->m = m;
    sc->u = u;
    sc->ib = rs__serve_bias(m, RS__ROLE_ITEM_BIAS, m->w.n_items);
    if (u < 0) {
        sc->mode = MODE_FALLBACK;
    } else if (fast_blocks(m, &P, &Q)) {
        sc->mode = MODE_FAST;
        sc->p = P->data + (size_t)u * P->stride;
        sc->q = Q;
        sc->base = m->w.global_mean + (ub ? ub[u] : 0.0f);
    } else {
        sc->mode = MODE_GENERIC;
    }
}

static float score_one(const user_scorer *sc, size_t j)
{
    switch (sc->mode) {
    case MODE_FALLBACK:
        return rs__serve_fallback(sc->m, -1, (int32_t)j);
    case MODE_FAST:
        return (sc->ib ? sc->base + sc->ib[j] : sc->base) +
               rs__vec_dot(sc->p, sc->q->data + j * sc->q->stride, sc->q->cols);
    default:
        return sc->m->ops->predict(&sc->m->w, sc->u, (int32_t)j);
    }
}

/* out[j] = (base + ib[j]) + dot: the association order of the scorer's own
 * predict(), so ties and values agree with rs_predict before clamping. */
static void add_bias(float *out, size_t n, float base, const float *ib)
{
    if (ib) {
        for (size_t j = 0; j < n; j++)
            out[j] = (base + ib[j]) + out[j];
    } else {
        for (size_t j = 0; j < n; j++)
            out[j] = base + out[j];
    }
}

static void score_all(const user_scorer *sc, float *out, size_t n)
{
    switch (sc->mode) {
    case MODE_FALLBACK: /* the chain rs_predict uses: mean + the item's whole bias */
        for (size_t j = 0; j < n; j++)
            out[j] = rs__serve_fallback(sc->m, -1, (int32_t)j);
        break;
    case MODE_FAST:
        rs__blas_sgemv(n, sc->q->cols, 1.0f, sc->q->data, sc->q->stride, sc->p, 0.0f, out);
        add_bias(out, n, sc->base, sc->ib);
        break;
    default:
        for (size_t j = 0; j < n; j++)
            out[j] = sc->m->ops->predict(&sc->m->w, sc->u, (int32_t)j);
        break;
    }
}

/* The user's training items (sorted dense indices), or none. */
static size_t seen_of(const rs_model *m, int32_t u, int32_t flags, const int32_t **seen)
{
    *seen = NULL;
    if (u < 0 || (flags & RS_TOPK_INCLUDE_SEEN) || !m->seen_off || !m->seen_item)
        return 0;
    size_t a = m->seen_off[u], b = m->seen_off[u + 1];
    if (b <= a || b > m->seen_nnz)
        return 0;
    *seen = m->seen_item + a;
    return b - a;
}

/* Scan s[0, n) skipping the sorted indices in seen: the excluded items cut
 * the range into segments, so the hot loop needs no per-item test. */
static void scan_skipping(rs__topheap *h, const float *s, const int64_t *ids, size_t n,
                          const int32_t *seen, size_t n_seen)
{
    size_t pos = 0;
    for (size_t t = 0; t < n_seen; t++) {
        if (seen[t] < 0 || (size_t)seen[t] >= n)
            continue;
        size_t x = (size_t)seen[t];
        if (x >= pos) {
            rs__topheap_scan(h, s, ids, NULL, pos, x);
            pos = x + 1;
        }
    }
    rs__topheap_scan(h, s, ids, NULL, pos, n);
}

/* One user's top-k into items_out/scores_out; u is dense or -1. */
static rs_status topk_one(const rs_model *m, int32_t u, size_t k, int32_t flags,
                          const int64_t *block, size_t n_block, const int64_t *allow,
                          size_t n_allow, int64_t *items_out, float *scores_out, size_t *n_out)
{
    const rs__allocator *a = &m->alloc;
    size_t n = m->w.n_items, cap = k < n ? k : n;
    const int64_t *ids = m->items.ids;
    *n_out = 0;
    if (cap == 0)
        return RS_OK;

    user_scorer sc;
    scorer_init(&sc, m, u);
    const int32_t *seen;
    size_t n_seen = seen_of(m, u, flags, &seen);
    int use_mark = (block && n_block > 0) || allow;

    rs__hentry *heap = rs__alloc(a, cap, sizeof *heap);
    uint8_t *mark = use_mark ? rs__calloc(a, n, 1) : NULL;
    float *scores = allow ? NULL : rs__alloc(a, n, sizeof *scores);
    if (!heap || (use_mark && !mark) || (!allow && !scores)) {
        rs__free(a, heap, cap, sizeof *heap);
        rs__free(a, mark, n, 1);
        rs__free(a, scores, n, sizeof *scores);
        return RS_ERR_NOMEM;
    }

    rs__topheap h;
    rs__topheap_init(&h, heap, cap);
    if (use_mark) {
        for (size_t t = 0; t < n_seen; t++)
            if (seen[t] >= 0 && (size_t)seen[t] < n)
                mark[seen[t]] = 1;
        for (size_t t = 0; t < n_block; t++) {
            int32_t j = rs__serve_item(m, block[t]);
            if (j >= 0)
                mark[j] = 1;
        }
    }
    if (allow) {
        /* Only the allowed items are scored (one dot product each, so a short
         * allow list costs far less than a full sgemv; the scores may differ
         * from the sgemv path in the last bit). Marking each item as it is
         * taken also drops duplicates in the list. */
        for (size_t t = 0; t < n_allow; t++) {
            int32_t j = rs__serve_item(m, allow[t]);
            if (j < 0 || mark[j])
                continue;
            mark[j] = 1;
            rs__topheap_push(&h, score_one(&sc, (size_t)j), ids[j]);
        }
    } else {
        score_all(&sc, scores, n);
        if (use_mark)
            rs__topheap_scan(&h, scores, ids, mark, 0, n);
        else
            scan_skipping(&h, scores, ids, n, seen, n_seen);
    }
    *n_out = rs__topheap_finish(&h, items_out, scores_out);

    rs__free(a, heap, cap, sizeof *heap);
    rs__free(a, mark, n, 1);
    rs__free(a, scores, n, sizeof *scores);
    return RS_OK;
}

rs_status rs__topk_unguarded(const rs_model *m, int64_t user, size_t k, int32_t flags, const int64_t *block,
                  size_t n_block, const int64_t *allow, size_t n_allow, int64_t *items_out,
                  float *scores_out, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (k > 0 && !items_out) || (n_block > 0 && !block) ||
        (n_allow > 0 && !allow) || (flags & ~RS_TOPK_INCLUDE_SEEN))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;
    int32_t u = rs__serve_user(m, user);
    rs_status ok = RS_OK;
    if (u < 0) {
        if (m->params.cold_start == RS_COLD_START_ERROR)
            return RS_ERR_UNKNOWN_ID;
        ok = RS_FALLBACK;
    }
    rs_status st = topk_one(m, u, k, flags, block, n_block, allow, n_allow, items_out, scores_out,
                            n_out);
    return st == RS_OK ? ok : st;
}

/* Scratch of the sgemm batch path. */
typedef struct batch_scratch {
    float *c;          /* BATCH_USERS x tile scores */
    float *pk;         /* BATCH_USERS x f packed user rows */
    rs__hentry *heaps; /* BATCH_USERS x cap */
    size_t c_n, pk_n, heaps_n;
} batch_scratch;

static void batch_scratch_free(const rs__allocator *a, batch_scratch *s)
{
    rs__free(a, s->c, s->c_n, sizeof *s->c);
    rs__free(a, s->pk, s->pk_n, sizeof *s->pk);
    rs__free(a, s->heaps, s->heaps_n, sizeof *s->heaps);
}

/* Top-k of nb known users (dense indices uidx, output rows slot) with sgemm. */
static void batch_block(const rs_model *m, const rs__block *P, const rs__block *Q,
                        const batch_scratch *s, size_t tile, const int32_t *uidx,
                        const size_t *slot, size_t nb, size_t k, size_t cap, int32_t flags,
                        int64_t *items_out, float *scores_out, size_t *counts_out)
{
    size_t n = m->w.n_items, f = P->cols;
    const float *ub = rs__serve_bias(m, RS__ROLE_USER_BIAS, m->w.n_users);
    const float *ib = rs__serve_bias(m, RS__ROLE_ITEM_BIAS, n);
    const int64_t *ids = m->items.ids;
    rs__topheap h[BATCH_USERS];
    float base[BATCH_USERS];
    const int32_t *seen[BATCH_USERS];
    size_t n_seen[BATCH_USERS], cur[BATCH_USERS];

    for (size_t b = 0; b < nb; b++) {
        memcpy(s->pk + b * f, P->data + (size_t)uidx[b] * P->stride, f * sizeof(float));
        base[b] = m->w.global_mean + (ub ? ub[uidx[b]] : 0.0f);
        n_seen[b] = seen_of(m, uidx[b], flags, &seen[b]);
        cur[b] = 0;
        rs__topheap_init(&h[b], s->heaps + b * cap, cap);
    }
    for (size_t t0 = 0; t0 < n; t0 += tile) {
        size_t nt = n - t0 < tile ? n - t0 : tile;
        rs__blas_sgemm_nt(nb, nt, f, 1.0f, s->pk, f, Q->data + t0 * Q->stride, Q->stride, 0.0f,
                          s->c, nt);
        for (size_t b = 0; b < nb; b++) {
            float *row = s->c + b * nt;
            add_bias(row, nt, base[b], ib ? ib + t0 : NULL);
            /* The seen list is sorted, so one cursor per user walks it
             * across the tiles; excluded items split the tile into segments. */
            size_t pos = 0;
            while (cur[b] < n_seen[b] && seen[b][cur[b]] < 0)
                cur[b]++;
            while (cur[b] < n_seen[b] && (size_t)seen[b][cur[b]] < t0 + nt) {
                size_t x = (size_t)seen[b][cur[b]++];
                if (x >= t0 + pos) {
                    rs__topheap_scan(&h[b], row, ids + t0, NULL, pos, x - t0);
                    pos = x - t0 + 1;
                }
            }
            rs__topheap_scan(&h[b], row, ids + t0, NULL, pos, nt);
        }
    }
    for (size_t b = 0; b < nb; b++)
        counts_out[slot[b]] = rs__topheap_finish(&h[b], items_out + slot[b] * k,
                                                 scores_out ? scores_out + slot[b] * k : NULL);
}

static rs_status topk_batch_unguarded(const rs_model *m, const int64_t *users, size_t n_users, size_t k,
                        int32_t flags, int64_t *items_out, float *scores_out, size_t *counts_out)
{
    if (counts_out)
        for (size_t b = 0; b < n_users; b++)
            counts_out[b] = 0;
    if (!m || (n_users > 0 && (!users || !counts_out || (k > 0 && !items_out))) ||
        (flags & ~RS_TOPK_INCLUDE_SEEN))
        return RS_ERR_INVALID_ARG;
    /* Row b starts at b * k: that offset must not overflow. */
    size_t total;
    if (rs__mul_size(n_users, k, &total) != 0)
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;

    /* Decide the status before any work, so RS_COLD_START_ERROR fails cleanly. */
    rs_status ok = RS_OK;
    for (size_t b = 0; b < n_users; b++) {
        if (rs__serve_user(m, users[b]) < 0) {
            if (m->params.cold_start == RS_COLD_START_ERROR)
                return RS_ERR_UNKNOWN_ID;
            ok = RS_FALLBACK;
        }
    }
    size_t n = m->w.n_items, cap = k < n ? k : n;
    if (cap == 0)
        return ok;

    const rs__allocator *a = &m->alloc;
    const rs__block *P, *Q;
    int fast = fast_blocks(m, &P, &Q) && cap <= BATCH_MAX_HEAP;
    batch_scratch s = {0};
    size_t tile = n < BATCH_TILE ? n : BATCH_TILE;
    if (fast) {
        s.c_n = BATCH_USERS * tile;
        s.pk_n = BATCH_USERS * P->cols;
        s.heaps_n = BATCH_USERS * cap;
        s.c = rs__alloc(a, s.c_n, sizeof *s.c);
        s.pk = rs__alloc(a, s.pk_n, sizeof *s.pk);
        s.heaps = rs__alloc(a, s.heaps_n, sizeof *s.heaps);
        if (!s.c || !s.pk || !s.heaps) {
            batch_scratch_free(a, &s);
            return RS_ERR_NOMEM;
        }
    }

    int32_t uidx[BATCH_USERS];
    size_t slot[BATCH_USERS], nb = 0;
    rs_status st = RS_OK;
    for (size_t b = 0; b < n_users && st == RS_OK; b++) {
        int32_t u = rs__serve_user(m, users[b]);
        if (!fast || u < 0) {
            st = topk_one(m, u, k, flags, NULL, 0, NULL, 0, items_out + b * k,
                          scores_out ? scores_out + b * k : NULL, &counts_out[b]);
            continue;
        }
        uidx[nb] = u;
        slot[nb++] = b;
        if (nb == BATCH_USERS) {
            batch_block(m, P, Q, &s, tile, uidx, slot, nb, k, cap, flags, items_out, scores_out,
                        counts_out);
            nb = 0;
        }
    }
    if (st == RS_OK && nb > 0)
        batch_block(m, P, Q, &s, tile, uidx, slot, nb, k, cap, flags, items_out, scores_out,
                    counts_out);
    batch_scratch_free(a, &s);
    if (st != RS_OK) {
        for (size_t b = 0; b < n_users; b++)
            counts_out[b] = 0;
        return st;
    }
    return ok;
}

/* ---- guarded entry points (misuse detection, core/inflight.h) ---- */

rs_status rs_topk(const rs_model *m, int64_t user, size_t k, int32_t flags, const int64_t *block,
                  size_t n_block, const int64_t *allow, size_t n_allow, int64_t *items_out,
                  float *scores_out, size_t *n_out)
{
    if (!m)
        return rs__topk_unguarded(m, user, k, flags, block, n_block, allow, n_allow, items_out,
                                  scores_out, n_out);
    RS__SHARED_CALL(m, rs__topk_unguarded(m, user, k, flags, block, n_block, allow, n_allow,
                                          items_out, scores_out, n_out));
}

rs_status rs_topk_batch(const rs_model *m, const int64_t *users, size_t n_users, size_t k,
                        int32_t flags, int64_t *items_out, float *scores_out, size_t *counts_out)
{
    if (!m)
        return topk_batch_unguarded(m, users, n_users, k, flags, items_out, scores_out,
                                    counts_out);
    RS__SHARED_CALL(m, topk_batch_unguarded(m, users, n_users, k, flags, items_out, scores_out,
                                            counts_out));
}
