/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * topk.c: rs_topk, rs_topk_batch and rs_topk_batch_ex (per-user exclusions).
 *
 * The collaborative scorer scores tiles of items at once, item_bias + Q p_u
 * (+ global mean + user bias), with the library's own kernels (dots.h: run-
 * time ISA dispatch, one thread, no BLAS); a batch scores 64 users per tile
 * of items. With RS_PARAM_SERVE_QUANTIZED a single user is served through
 * the int8 item copy with the same result (topk_q8.c). Other scorers call
 * their predict() per item. The k best are picked with a bounded min-heap
 * (heap.h) and sorted once. All paths compute a score with the same float
 * operations, so single, batch and quantised calls agree bit for bit.
 * Items are ranked by the raw score, which is also what scores_out reports:
 * clamping to the rating range would turn the head of the ranking into ties
 * and hide the order the model learned (rs_predict clamps; top-k does not). */
#include <string.h>

#include "serve.h"
#include "heap.h"
#include "topk_q8.h"
#include "common/dots.h"
#include "scorers/scorer.h"
#include "scorers/implicit.h"
#include "core/inflight.h"
#include "common/parallel.h"
#include "unguarded.h"

/* Users scored per batch kernel call, and items per tile: 64 x 2048 floats
 * (512 KiB) stay in L2 while the heaps read them back. */
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
    int32_t isa;        /* RS__DOTS_* variant for this call */
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
    sc->isa = rs__dots_isa();
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
        return rs__topk_exact_one(sc->isa, sc->p, sc->base, sc->q, sc->ib, j);
    default:
        return sc->m->ops->predict(&sc->m->w, sc->u, (int32_t)j);
    }
}

/* Scores of items t0 .. t0 + nt - 1 into out. */
static void score_tile(const user_scorer *sc, size_t t0, size_t nt, float *out)
{
    switch (sc->mode) {
    case MODE_FALLBACK: /* the chain rs_predict uses: mean + the item's whole bias */
        for (size_t j = 0; j < nt; j++)
            out[j] = rs__serve_fallback(sc->m, -1, (int32_t)(t0 + j));
        break;
    case MODE_FAST:
        rs__dots_rows(sc->isa, sc->p, sc->q->data + t0 * sc->q->stride, sc->q->stride, nt,
                      sc->q->cols, sc->base, sc->ib ? sc->ib + t0 : NULL, out);
        break;
    default:
        for (size_t j = 0; j < nt; j++)
            out[j] = sc->m->ops->predict(&sc->m->w, sc->u, (int32_t)(t0 + j));
        break;
    }
}

/* The int8 item copy when it applies to this user's scan: collaborative
 * scoring and float factors too large to stay in cache. */
static const rs__serving *int8_copy(const user_scorer *sc)
{
    if (sc->mode != MODE_FAST ||
        sc->m->w.n_items * sc->q->stride * sizeof(float) < RS__TOPK_Q8_MIN_BYTES)
        return NULL;
    return rs__model_serving_copy(sc->m);
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
    /* Implicit user factors: the fast path scans with the effective user
     * vector p_u + |N(u)|^-1/2 sum_j y_j (a padded, aligned row, as P's). */
    int32_t yb = rs__weights_implicit_block(&m->w);
    void *eff_raw = NULL;
    size_t eff_bytes = 0;
    if (sc.mode == MODE_FAST && yb >= 0) {
        float *eff = rs__alloc_floats_aligned(a, sc.q->stride, &eff_raw, &eff_bytes);
        if (!eff)
            return RS_ERR_NOMEM;
        rs__implicit_user_vector(&m->w, yb, sc.p, u, sc.q->cols, eff);
        sc.p = eff;
    }
    const int32_t *seen;
    size_t n_seen = seen_of(m, u, flags, &seen);
    int use_mark = (block && n_block > 0) || allow;

    rs__hentry *heap = rs__alloc(a, cap, sizeof *heap);
    uint8_t *mark = use_mark ? rs__calloc(a, n, 1) : NULL;
    float *scores = allow ? NULL : rs__alloc(a, RS__TOPK_TILE, sizeof *scores);
    uint8_t *tmark = allow ? NULL : rs__calloc(a, RS__TOPK_TILE, 1);
    if (!heap || (use_mark && !mark) || (!allow && (!scores || !tmark))) {
        rs__free(a, heap, cap, sizeof *heap);
        rs__free(a, mark, n, 1);
        rs__free(a, scores, RS__TOPK_TILE, sizeof *scores);
        rs__free(a, tmark, RS__TOPK_TILE, 1);
        if (eff_raw)
            rs__free_aligned(a, eff_raw, eff_bytes);
        return RS_ERR_NOMEM;
    }

    rs__topheap h;
    rs__topheap_init(&h, heap, cap);
    rs_status st = RS_OK;
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
         * allow list costs far less than a full scan). Marking each item as
         * it is taken also drops duplicates in the list. */
        for (size_t t = 0; t < n_allow; t++) {
            int32_t j = rs__serve_item(m, allow[t]);
            if (j < 0 || mark[j])
                continue;
            mark[j] = 1;
            rs__topheap_push(&h, score_one(&sc, (size_t)j), ids[j]);
        }
    } else {
        /* The int8 copy when there is one (same result, fewer bytes read),
         * else the float scan, one tile of scores at a time. */
        const rs__serving *sv = int8_copy(&sc);
        int used = 0;
        if (sv)
            st = rs__topk_q8(m, sv, sc.isa, sc.p, sc.base, sc.q, sc.ib, mark, seen, n_seen, &h,
                             &used, NULL);
        rs__skiplist sk;
        rs__skiplist_init(&sk, use_mark ? NULL : seen, n_seen);
        for (size_t t0 = 0; st == RS_OK && !used && t0 < n; t0 += RS__TOPK_TILE) {
            size_t nt = n - t0 < RS__TOPK_TILE ? n - t0 : RS__TOPK_TILE;
            score_tile(&sc, t0, nt, scores);
            rs__topheap_offer_tile(&h, scores, ids, mark, t0, nt, &sk, tmark);
        }
    }
    *n_out = st == RS_OK ? rs__topheap_finish(&h, items_out, scores_out) : 0;

    rs__free(a, heap, cap, sizeof *heap);
    rs__free(a, mark, n, 1);
    rs__free(a, scores, RS__TOPK_TILE, sizeof *scores);
    rs__free(a, tmark, RS__TOPK_TILE, 1);
    if (eff_raw)
        rs__free_aligned(a, eff_raw, eff_bytes);
    return st;
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

/* Scratch of the batch path. */
typedef struct batch_scratch {
    float *c;          /* BATCH_USERS x tile scores */
    float *pk;         /* BATCH_USERS user rows packed for rs__dots_batch */
    rs__hentry *heaps; /* BATCH_USERS x cap */
    uint8_t *tmark;    /* tile flags of seen items (zero between uses) */
    size_t c_n, pk_n, heaps_n, tmark_n;
    int32_t isa;       /* the kernel variant pk is packed for */
    float *eff;        /* implicit user factors: BATCH_USERS effective user rows, or NULL */
    void *eff_raw;
    size_t eff_bytes;
} batch_scratch;

static void batch_scratch_free(const rs__allocator *a, batch_scratch *s)
{
    rs__free(a, s->c, s->c_n, sizeof *s->c);
    rs__free(a, s->pk, s->pk_n, sizeof *s->pk);
    rs__free(a, s->heaps, s->heaps_n, sizeof *s->heaps);
    rs__free(a, s->tmark, s->tmark_n, 1);
    if (s->eff_raw)
        rs__free_aligned(a, s->eff_raw, s->eff_bytes);
}

static void sift_down(int32_t *v, size_t r, size_t n)
{
    for (;;) {
        size_t c = 2 * r + 1;
        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1] > v[c])
            c++;
        if (v[r] >= v[c])
            return;
        int32_t t = v[r];
        v[r] = v[c];
        v[c] = t;
        r = c;
    }
}

/* Sort dense indices ascending (heap sort: no recursion, no allocation). */
static void sort_indices(int32_t *v, size_t n)
{
    if (n < 2)
        return;
    for (size_t r = n / 2; r-- > 0;)
        sift_down(v, r, n);
    for (size_t end = n; end-- > 1;) {
        int32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/* The items a batch user must not get: the seen list (unless included) and
 * the caller's exclusions, as one sorted list of dense indices written at
 * out (room for n_seen + n_ex); unknown excluded ids are ignored. */
static size_t merge_skips(const rs_model *m, const int32_t *seen, size_t n_seen,
                          const int64_t *ex, size_t n_ex, int32_t *out)
{
    size_t n = 0;
    for (size_t t = 0; t < n_ex; t++) {
        int32_t j = rs__serve_item(m, ex[t]);
        if (j >= 0)
            out[n++] = j;
    }
    sort_indices(out, n);
    /* Merge the sorted seen list in from the back, in place. */
    size_t a = n, b = n_seen, w = n + n_seen;
    while (b > 0) {
        if (a > 0 && out[a - 1] > seen[b - 1])
            out[--w] = out[--a];
        else
            out[--w] = seen[--b];
    }
    return n + n_seen;
}

/* Top-k of nb known users (dense indices uidx, output rows slot), scored
 * tile by tile with the batch kernel; skip[b] (n_skip[b] sorted dense
 * indices) are left out, or when skip is NULL the users' seen lists. */
static void batch_block(const rs_model *m, const rs__block *P, const rs__block *Q,
                        const batch_scratch *s, size_t tile, const int32_t *uidx,
                        const size_t *slot, size_t nb, size_t k, size_t cap, int32_t flags,
                        const int32_t *const *skip, const size_t *n_skip, int64_t *items_out,
                        float *scores_out, size_t *counts_out)
{
    size_t n = m->w.n_items, f = P->cols;
    int32_t isa = s->isa;
    const float *ub = rs__serve_bias(m, RS__ROLE_USER_BIAS, m->w.n_users);
    const float *ib = rs__serve_bias(m, RS__ROLE_ITEM_BIAS, n);
    const int64_t *ids = m->items.ids;
    rs__topheap h[BATCH_USERS];
    float base[BATCH_USERS];
    const float *rows[BATCH_USERS] = {0};
    rs__skiplist sk[BATCH_USERS];

    for (size_t b = 0; b < nb; b++) {
        const int32_t *seen;
        size_t n_seen;
        if (skip) {
            seen = skip[b];
            n_seen = n_skip[b];
        } else {
            n_seen = seen_of(m, uidx[b], flags, &seen);
        }
        rows[b] = P->data + (size_t)uidx[b] * P->stride;
        if (s->eff) { /* implicit user factors: the effective user vector */
            float *e = s->eff + b * P->stride;
            rs__implicit_user_vector(&m->w, rs__weights_implicit_block(&m->w), rows[b], uidx[b],
                                     f, e);
            rows[b] = e;
        }
        base[b] = m->w.global_mean + (ub ? ub[uidx[b]] : 0.0f);
        rs__skiplist_init(&sk[b], seen, n_seen);
        rs__topheap_init(&h[b], s->heaps + b * cap, cap);
    }
    rs__dots_pack(isa, rows, nb, f, s->pk);
    for (size_t t0 = 0; t0 < n; t0 += tile) {
        size_t nt = n - t0 < tile ? n - t0 : tile;
        rs__dots_batch(isa, s->pk, nb, base, Q->data + t0 * Q->stride, Q->stride, nt, f,
                       ib ? ib + t0 : NULL, s->c, nt);
        for (size_t b = 0; b < nb; b++)
            rs__topheap_offer_tile(&h[b], s->c + b * nt, ids, NULL, t0, nt, &sk[b], s->tmark);
    }
    for (size_t b = 0; b < nb; b++)
        counts_out[slot[b]] = rs__topheap_finish(&h[b], items_out + slot[b] * k,
                                                 scores_out ? scores_out + slot[b] * k : NULL);
}

/* One rs_topk_batch call: what every range of its users shares. */
typedef struct batch_job {
    const rs_model *m;
    const rs__block *P, *Q;
    int fast;
    const int64_t *users;
    size_t n_users, k, cap, tile;
    int32_t flags;
    const size_t *ex_off;
    const int64_t *ex_items;
    int64_t *items_out;
    float *scores_out;
    size_t *counts_out;
    batch_scratch *scratch; /* one per worker (fast path) */
} batch_job;

/* The scratch of one worker of the batch path. */
static rs_status batch_scratch_init(const batch_job *j, batch_scratch *s)
{
    const rs__allocator *a = &j->m->alloc;
    *s = (batch_scratch){0};
    if (!j->fast)
        return RS_OK;
    s->c_n = BATCH_USERS * j->tile;
    s->isa = rs__dots_isa();
    s->pk_n = rs__dots_pack_floats(s->isa, BATCH_USERS, j->P->cols);
    s->heaps_n = BATCH_USERS * j->cap;
    s->c = rs__alloc(a, s->c_n, sizeof *s->c);
    s->pk = rs__alloc(a, s->pk_n, sizeof *s->pk);
    s->heaps = rs__alloc(a, s->heaps_n, sizeof *s->heaps);
    s->tmark_n = j->tile;
    s->tmark = rs__calloc(a, s->tmark_n, 1);
    int implicit = rs__weights_implicit_block(&j->m->w) >= 0;
    if (implicit)
        s->eff = rs__alloc_floats_aligned(a, BATCH_USERS * j->P->stride, &s->eff_raw, &s->eff_bytes);
    if (!s->c || !s->pk || !s->heaps || !s->tmark || (implicit && !s->eff)) {
        batch_scratch_free(a, s);
        *s = (batch_scratch){0};
        return RS_ERR_NOMEM;
    }
    return RS_OK;
}

/* Users [b0, b1) of the call: unknown users (or every user off the fast
 * path) one by one, known ones in groups of BATCH_USERS. */
static rs_status batch_range(const batch_job *j, size_t b0, size_t b1, const batch_scratch *s)
{
    const rs_model *m = j->m;
    const rs__allocator *a = &m->alloc;
    int32_t uidx[BATCH_USERS];
    size_t slot[BATCH_USERS], nb = 0;
    /* With exclusions, the batch path skips each user's seen list and
     * exclusions merged into one sorted list (grown as needed). */
    int32_t *merged = NULL;
    size_t merged_cap = 0, group_need = 0;
    const int32_t *skip[BATCH_USERS];
    size_t n_skip[BATCH_USERS];
    size_t k = j->k;
    const size_t *ex_off = j->ex_off;
    rs_status st = RS_OK;
    for (size_t b = b0; b <= b1 && st == RS_OK; b++) {
        int32_t u = b < b1 ? rs__serve_user(m, j->users[b]) : -1;
        size_t n_ex = ex_off && b < b1 ? ex_off[b + 1] - ex_off[b] : 0;
        const int64_t *ex = n_ex ? j->ex_items + ex_off[b] : NULL;
        if (b < b1 && (!j->fast || u < 0)) {
            st = topk_one(m, u, k, j->flags, ex, n_ex, NULL, 0, j->items_out + b * k,
                          j->scores_out ? j->scores_out + b * k : NULL, &j->counts_out[b]);
            continue;
        }
        if (b < b1) {
            const int32_t *seen;
            uidx[nb] = u;
            slot[nb] = b;
            group_need += seen_of(m, u, j->flags, &seen) + n_ex;
            nb++;
        }
        if (nb == 0 || (nb < BATCH_USERS && b < b1))
            continue;
        /* A full group (or the last one): build the skip lists, then score. */
        if (ex_off) {
            if (group_need > merged_cap) {
                int32_t *g = rs__realloc(a, merged, merged_cap, group_need, sizeof *g);
                if (!g) {
                    st = RS_ERR_NOMEM;
                    break;
                }
                merged = g;
                merged_cap = group_need;
            }
            size_t at = 0;
            for (size_t g = 0; g < nb; g++) {
                size_t ub = slot[g];
                const int32_t *seen;
                size_t ns = seen_of(m, uidx[g], j->flags, &seen);
                size_t ne = ex_off[ub + 1] - ex_off[ub];
                skip[g] = merged + at;
                n_skip[g] = merge_skips(m, seen, ns, ne ? j->ex_items + ex_off[ub] : NULL, ne,
                                        merged + at);
                at += ns + ne;
            }
        }
        batch_block(m, j->P, j->Q, s, j->tile, uidx, slot, nb, k, j->cap, j->flags,
                    ex_off ? skip : NULL, n_skip, j->items_out, j->scores_out, j->counts_out);
        nb = 0;
        group_need = 0;
    }
    rs__free(a, merged, merged_cap, sizeof *merged);
    return st;
}

/* Users per task when the batch runs on several threads: whole groups, and
 * enough of them that starting a thread pays. */
#define BATCH_TASK_USERS (4 * BATCH_USERS)

static rs_status batch_task(void *ud, size_t task, size_t worker)
{
    const batch_job *j = ud;
    size_t b0 = task * BATCH_TASK_USERS;
    size_t b1 = b0 + BATCH_TASK_USERS < j->n_users ? b0 + BATCH_TASK_USERS : j->n_users;
    return batch_range(j, b0, b1, &j->scratch[worker]);
}

/* rs_topk_batch and rs_topk_batch_ex: ex_off NULL means no exclusions. */
static rs_status topk_batch_unguarded(const rs_model *m, const int64_t *users, size_t n_users, size_t k,
                                      int32_t flags, const size_t *ex_off, const int64_t *ex_items,
                                      int64_t *items_out, float *scores_out, size_t *counts_out)
{
    if (counts_out)
        for (size_t b = 0; b < n_users; b++)
            counts_out[b] = 0;
    if (!m || (n_users > 0 && (!users || !counts_out || (k > 0 && !items_out))) ||
        (flags & ~RS_TOPK_INCLUDE_SEEN))
        return RS_ERR_INVALID_ARG;
    /* CSR exclusions: offsets never decrease, and items exist when any are named. */
    if (ex_off) {
        for (size_t b = 0; b < n_users; b++)
            if (ex_off[b + 1] < ex_off[b])
                return RS_ERR_INVALID_ARG;
        if (ex_off[n_users] > ex_off[0] && !ex_items)
            return RS_ERR_INVALID_ARG;
    }
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
    batch_job j = {m, NULL, NULL, 0, users, n_users, k, cap, n < BATCH_TILE ? n : BATCH_TILE,
                   flags, ex_off, ex_items, items_out, scores_out, counts_out, NULL};
    j.fast = fast_blocks(m, &j.P, &j.Q) && cap <= BATCH_MAX_HEAP;
    /* RS_PARAM_THREADS threads over ranges of users (each user's result is
     * the same whichever group or thread scores it: test_topk_batch_*). */
    size_t n_tasks = (n_users + BATCH_TASK_USERS - 1) / BATCH_TASK_USERS;
    size_t workers = rs__model_workers(m, n_tasks);
    batch_scratch one;
    j.scratch = workers > 1 ? rs__calloc(a, workers, sizeof *j.scratch) : &one;
    if (!j.scratch)
        return RS_ERR_NOMEM;
    rs_status st = RS_OK;
    size_t ready = 0;
    for (; ready < workers && st == RS_OK; ready++)
        if ((st = batch_scratch_init(&j, &j.scratch[ready])) != RS_OK)
            break;
    if (st == RS_OK)
        st = workers > 1 ? rs__parallel_run(n_tasks, workers, batch_task, &j, a)
                         : batch_range(&j, 0, n_users, &j.scratch[0]);
    for (size_t w = 0; w < ready; w++)
        batch_scratch_free(a, &j.scratch[w]);
    if (workers > 1)
        rs__free(a, j.scratch, workers, sizeof *j.scratch);
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
    return rs_topk_batch_ex(m, users, n_users, k, flags, NULL, NULL, items_out, scores_out,
                            counts_out);
}

rs_status rs_topk_batch_ex(const rs_model *m, const int64_t *users, size_t n_users, size_t k,
                           int32_t flags, const size_t *exclude_offsets,
                           const int64_t *exclude_items, int64_t *items_out, float *scores_out,
                           size_t *counts_out)
{
    if (!m)
        return topk_batch_unguarded(m, users, n_users, k, flags, exclude_offsets, exclude_items,
                                    items_out, scores_out, counts_out);
    RS__SHARED_CALL(m, topk_batch_unguarded(m, users, n_users, k, flags, exclude_offsets,
                                            exclude_items, items_out, scores_out, counts_out));
}
