/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * topk_q8.c: one user's top-k through the int8 copy of the item factors,
 * returning exactly the items and scores of the float scan.
 *
 * 1. The int8 scan: every eligible item gets an approximate score
 *    a_j = base + b_j + t s_j (v . w_j), the query quantised to int16 steps
 *    of t, item j to int8 steps of s_j, the dot product exact in int32. It
 *    streams about f + 4 bytes per item instead of 4 f. The C = k *
 *    RS_PARAM_SERVE_OVERSAMPLE best (at least 32) are kept.
 * 2. The C candidates are re-scored exactly (the float kernel of the exact
 *    scan) into the caller's k-heap; T is its k-th score.
 * 3. The bound. Each element is off by at most 0.51 of its step, so
 *    |p . q_j - t s_j (v . w_j)| <= s_j K with K = 0.51 t (|v|_1 + 128 f)
 *    (|q_jc| <= 128 s_j), and the float rounding of a_j and of the exact
 *    score is below delta = (f + 16) 2^-23 M, M bounding every magnitude
 *    involved. So no item can score more than a_j + s_j K + delta. Every
 *    item left out has a_j <= a_C (the C-th approximate score); if
 *    a_C + s_max K + delta < T none of them can enter the top k, nor tie
 *    its last entry, and the heap holds the exact result.
 * 4. Otherwise a second pass recomputes the approximate scores and
 *    re-scores exactly every item whose bound a_j + s_j K + delta reaches
 *    the current T (which only rises). Items that cannot reach it cannot
 *    belong to the top k, so the result is again exact - in the worst case
 *    (near-equal scores everywhere) at the cost of the exact scan plus two
 *    int8 scans.
 * The k-heap orders by (score, then smaller id), a total order, so the
 * result does not depend on the order in which items were pushed. */
#include "topk_q8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/q8mat.h"
#include "common/sort.h"

typedef struct q8_scratch {
    int16_t *xq;
    float *approx;
    uint8_t *tmark;
    rs__hentry *cand;
    size_t n_xq, n_cand;
} q8_scratch;

static void scratch_free(const rs__allocator *a, q8_scratch *s)
{
    rs__free(a, s->xq, s->n_xq, sizeof *s->xq);
    rs__free(a, s->approx, RS__TOPK_TILE, sizeof *s->approx);
    rs__free(a, s->tmark, RS__TOPK_TILE, 1);
    rs__free(a, s->cand, s->n_cand, sizeof *s->cand);
}

/* The C best approximate scores, kept loosely: entries at or above thr
 * gather in a buffer of 2C; a full buffer is cut back to its C best, which
 * raises thr. Amortised, an entry costs a few instructions, where a heap
 * of C would pay a sift of log2(C) levels. Every entry dropped or never
 * taken scores at most the final thr. */
typedef struct cands {
    rs__hentry *e;
    size_t n, keep, cap;
    float thr;
} cands;

/* a ranks above b: higher score, then smaller index (a total order). */
static inline int above(const rs__hentry *a, const rs__hentry *b)
{
    return a->score > b->score || (a->score == b->score && a->id < b->id);
}

static inline void swap_entries(rs__hentry *a, rs__hentry *b)
{
    rs__hentry t = *a;
    *a = *b;
    *b = t;
}

/* Reorder e[0, n) so that its `keep` best entries come first (quickselect,
 * median-of-three pivots). */
static void select_best(rs__hentry *e, size_t n, size_t keep)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        if (above(&e[mid], &e[lo]))
            swap_entries(&e[mid], &e[lo]);
        if (above(&e[last], &e[lo]))
            swap_entries(&e[last], &e[lo]);
        if (above(&e[mid], &e[last]))
            swap_entries(&e[mid], &e[last]); /* e[last]: the median */
        size_t q = lo;
        for (size_t i = lo; i < last; i++)
            if (above(&e[i], &e[last]))
                swap_entries(&e[i], &e[q++]);
        swap_entries(&e[q], &e[last]); /* e[lo, q) rank above e[q] */
        if (q == keep || q + 1 == keep)
            return;
        if (q < keep)
            lo = q + 1;
        else
            hi = q;
    }
}

static void cands_cut(cands *cb)
{
    select_best(cb->e, cb->n, cb->keep);
    cb->n = cb->keep;
    float low = cb->e[0].score;
    for (size_t i = 1; i < cb->n; i++)
        if (cb->e[i].score < low)
            low = cb->e[i].score;
    cb->thr = low;
}

/* Offer approximate scores a[0, nt) of items t0 .. (tm: exclusion flags
 * indexed from t0, or NULL). */
static void cands_offer(cands *cb, const float *a, const uint8_t *tm, size_t t0, size_t nt)
{
    for (size_t j = 0; j < nt;) {
        size_t end = j + 16 <= nt ? j + 16 : nt;
        if (end == j + 16 && RS_LIKELY(!rs__any16_ge(a + j, cb->thr))) {
            j = end;
            continue;
        }
        for (; j < end; j++) {
            if (a[j] >= cb->thr && (!tm || !tm[j])) {
                cb->e[cb->n].score = a[j];
                cb->e[cb->n].id = (int64_t)(t0 + j);
                if (++cb->n == cb->cap)
                    cands_cut(cb);
            }
        }
    }
}

static int cmp_entry_id(const void *x, const void *y)
{
    int64_t a = ((const rs__hentry *)x)->id, b = ((const rs__hentry *)y)->id;
    return a < b ? -1 : a > b;
}

rs_status rs__topk_q8(const rs_model *m, const rs__serving *sv, int32_t isa, const float *p,
                      float base, const rs__block *Q, const float *ib, const uint8_t *mark,
                      const int32_t *seen, size_t n_seen, rs__topheap *h, int *used,
                      rs__q8_stats *stats)
{
    const rs__q8mat *q = &sv->items;
    const rs__allocator *a = &m->alloc;
    const int64_t *ids = m->items.ids;
    size_t n = m->w.n_items, f = q->cols, k = h->cap;
    *used = 0;
    if (stats)
        memset(stats, 0, sizeof *stats);
    /* Candidates: k * oversample, at least the minimum; the int8 pass only
     * pays when they are a small share of the items. */
    size_t over = (size_t)m->params.serve_oversample, c = k;
    if (over > 1 && c <= (size_t)-1 / over)
        c *= over;
    if (c < RS__TOPK_MIN_CANDIDATES)
        c = RS__TOPK_MIN_CANDIDATES;
    if (k == 0 || c > n / 4)
        return RS_OK;

    q8_scratch s;
    memset(&s, 0, sizeof s);
    s.n_xq = 2 * q->pairs;
    s.n_cand = 2 * c;
    s.xq = rs__alloc(a, s.n_xq, sizeof *s.xq);
    s.approx = rs__alloc(a, RS__TOPK_TILE, sizeof *s.approx);
    s.cand = rs__alloc(a, s.n_cand, sizeof *s.cand);
    s.tmark = rs__calloc(a, RS__TOPK_TILE, 1);
    if (!s.xq || !s.approx || !s.cand || !s.tmark) {
        scratch_free(a, &s);
        return RS_ERR_NOMEM;
    }

    /* The query and the bound's terms (in double: they are compared, not
     * accumulated, so their own rounding is negligible). */
    float t;
    double l1;
    if (!rs__q8_query(p, f, s.xq, &t, &l1)) {
        scratch_free(a, &s);
        return RS_OK;
    }
    double p1 = 0.0;
    for (size_t c2 = 0; c2 < f; c2++)
        p1 += fabs((double)p[c2]);
    double smax = (double)q->scale_max;
    double K = 0.51 * (double)t * (l1 + 128.0 * (double)f);
    double M = fabs((double)base) + (double)sv->bias_absmax + 128.0 * smax * (p1 + (double)t * l1) +
               smax * K;
    double delta = ((double)f + 16.0) * ldexp(1.0, -23) * M;
    if (!(M < 1e30) || !(K < 1e30)) { /* also NaN: the float bounds would not hold */
        scratch_free(a, &s);
        return RS_OK;
    }
    *used = 1;

    /* 1. the int8 scan */
    cands cb = {s.cand, 0, c, 2 * c, -INFINITY};
    rs__skiplist sk;
    rs__skiplist_init(&sk, mark ? NULL : seen, n_seen);
    for (size_t t0 = 0; t0 < n; t0 += RS__TOPK_TILE) {
        size_t nt = n - t0 < RS__TOPK_TILE ? n - t0 : RS__TOPK_TILE, first;
        rs__q8_scores(isa, q->blocks, q->pairs, s.xq, t0, nt, t, q->scale, base, ib, s.approx);
        const uint8_t *tm = rs__tile_mark(&sk, mark, t0, nt, s.tmark, &first);
        cands_offer(&cb, s.approx, tm, t0, nt);
        rs__tile_unmark(&sk, mark, t0, nt, s.tmark, first);
    }
    if (cb.n > c)
        cands_cut(&cb);
    /* 2. exact scores of the candidates */
    for (size_t e = 0; e < cb.n; e++) {
        size_t j = (size_t)cb.e[e].id;
        rs__topheap_push(h, rs__topk_exact_one(isa, p, base, Q, ib, j), ids[j]);
    }
    if (stats)
        stats->candidates = cb.n;
    /* 3. the bound; fewer than C candidates were every eligible item */
    double T = (double)rs__topheap_threshold(h);
    if (cb.n < c || (double)cb.thr + smax * K + delta < T) {
        scratch_free(a, &s);
        return RS_OK;
    }
    /* 4. second pass; the candidates, already scored, are skipped through
     * their sorted indices */
    if (stats)
        stats->second_pass = 1;
    rs__sort(cb.e, cb.n, sizeof *cb.e, cmp_entry_id); /* not qsort: it mallocs (sort.h) */
    size_t cpos = 0;
    float Kf = (float)K, df = (float)delta;
    rs__skiplist_init(&sk, mark ? NULL : seen, n_seen);
    for (size_t t0 = 0; t0 < n; t0 += RS__TOPK_TILE) {
        size_t nt = n - t0 < RS__TOPK_TILE ? n - t0 : RS__TOPK_TILE, first;
        float *ap = s.approx;
        rs__q8_scores(isa, q->blocks, q->pairs, s.xq, t0, nt, t, q->scale, base, ib, ap);
        const uint8_t *tm = rs__tile_mark(&sk, mark, t0, nt, s.tmark, &first);
        for (; cpos < cb.n && (size_t)cb.e[cpos].id < t0 + nt; cpos++)
            ap[cb.e[cpos].id - (int64_t)t0] = -INFINITY;
        float thr = (float)T;
        const float *sc = q->scale + t0;
        for (size_t j = 0; j < nt; j++) {
            if (ap[j] + sc[j] * Kf + df >= thr && (!tm || !tm[j])) {
                rs__topheap_push(h, rs__topk_exact_one(isa, p, base, Q, ib, t0 + j), ids[t0 + j]);
                thr = rs__topheap_threshold(h);
                if (stats)
                    stats->extra++;
            }
        }
        rs__tile_unmark(&sk, mark, t0, nt, s.tmark, first);
        T = (double)thr;
    }
    scratch_free(a, &s);
    return RS_OK;
}
