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

typedef struct q8_scratch {
    int16_t *xq;
    int32_t *dots;
    float *approx;
    rs__hentry *cand;
    size_t n_xq, n_cand;
} q8_scratch;

static void scratch_free(const rs__allocator *a, q8_scratch *s)
{
    rs__free(a, s->xq, s->n_xq, sizeof *s->xq);
    rs__free(a, s->dots, RS__TOPK_TILE, sizeof *s->dots);
    rs__free(a, s->approx, RS__TOPK_TILE, sizeof *s->approx);
    rs__free(a, s->cand, s->n_cand, sizeof *s->cand);
}

/* Approximate scores of items t0 .. t0 + nt - 1 into s->approx. */
static void approx_tile(int32_t isa, const rs__q8mat *q, const q8_scratch *s, float t, float base,
                        const float *ib, size_t t0, size_t nt)
{
    size_t nb = rs__q8mat_blocks(nt);
    rs__q8_dots(isa, q->blocks, q->pairs, s->xq, t0 / RS__Q8_BLOCK, nb, s->dots);
    const float *sc = q->scale + t0;
    float *out = s->approx;
    if (ib) {
        const float *b = ib + t0;
        for (size_t j = 0; j < nt; j++)
            out[j] = (float)s->dots[j] * (t * sc[j]) + (base + b[j]);
    } else {
        for (size_t j = 0; j < nt; j++)
            out[j] = (float)s->dots[j] * (t * sc[j]) + base;
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
    s.n_cand = c;
    s.xq = rs__alloc(a, s.n_xq, sizeof *s.xq);
    s.dots = rs__alloc(a, RS__TOPK_TILE, sizeof *s.dots);
    s.approx = rs__alloc(a, RS__TOPK_TILE, sizeof *s.approx);
    s.cand = rs__alloc(a, c, sizeof *s.cand);
    if (!s.xq || !s.dots || !s.approx || !s.cand) {
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
    if (!(M < 1e30)) { /* also NaN: the float bounds would not hold */
        scratch_free(a, &s);
        return RS_OK;
    }
    *used = 1;

    /* 1. the int8 scan */
    rs__topheap cand;
    rs__topheap_init(&cand, s.cand, c);
    rs__skiplist sk;
    rs__skiplist_init(&sk, mark ? NULL : seen, n_seen);
    for (size_t t0 = 0; t0 < n; t0 += RS__TOPK_TILE) {
        size_t nt = n - t0 < RS__TOPK_TILE ? n - t0 : RS__TOPK_TILE;
        approx_tile(isa, q, &s, t, base, ib, t0, nt);
        rs__topheap_offer_tile(&cand, s.approx, NULL, mark, t0, nt, &sk);
    }
    /* 2. exact scores of the candidates */
    for (size_t e = 0; e < cand.n; e++) {
        size_t j = (size_t)cand.e[e].id;
        rs__topheap_push(h, rs__topk_exact_one(isa, p, base, Q, ib, j), ids[j]);
    }
    if (stats)
        stats->candidates = cand.n;
    /* 3. the bound: a heap not filled held every eligible item */
    double T = (double)rs__topheap_threshold(h);
    if (cand.n < c || (double)cand.e[0].score + smax * K + delta < T) {
        scratch_free(a, &s);
        return RS_OK;
    }
    /* 4. second pass: candidates are skipped through their sorted ids */
    if (stats)
        stats->second_pass = 1;
    qsort(cand.e, cand.n, sizeof *cand.e, cmp_entry_id);
    size_t cpos = 0;
    float Kf = (float)K, df = (float)delta;
    rs__skiplist_init(&sk, mark ? NULL : seen, n_seen);
    for (size_t t0 = 0; t0 < n; t0 += RS__TOPK_TILE) {
        size_t nt = n - t0 < RS__TOPK_TILE ? n - t0 : RS__TOPK_TILE;
        float *ap = s.approx;
        approx_tile(isa, q, &s, t, base, ib, t0, nt);
        /* excluded and already scored items drop out with -inf */
        for (; sk.pos < sk.n && (size_t)sk.at[sk.pos] < t0 + nt; sk.pos++)
            if (sk.at[sk.pos] >= 0 && (size_t)sk.at[sk.pos] >= t0)
                ap[sk.at[sk.pos] - (int32_t)t0] = -INFINITY;
        for (; cpos < cand.n && (size_t)cand.e[cpos].id < t0 + nt; cpos++)
            ap[cand.e[cpos].id - (int64_t)t0] = -INFINITY;
        if (mark)
            for (size_t j = 0; j < nt; j++)
                if (mark[t0 + j])
                    ap[j] = -INFINITY;
        float thr = (float)T;
        const float *sc = q->scale + t0;
        for (size_t j = 0; j < nt; j++) {
            if (ap[j] + sc[j] * Kf + df >= thr) {
                rs__topheap_push(h, rs__topk_exact_one(isa, p, base, Q, ib, t0 + j), ids[t0 + j]);
                thr = rs__topheap_threshold(h);
                if (stats)
                    stats->extra++;
            }
        }
        T = (double)thr;
    }
    scratch_free(a, &s);
    return RS_OK;
}
