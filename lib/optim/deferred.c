/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * deferred.c: the sums of deferred shared rows and their update at the
 * schedule's merge points (see deferred.h). */
#include "deferred.h"

#include <math.h>
#include <string.h>
#include "schedule.h"
#include "train.h"

/* Sum of |x| over each id's feature row (n_ids floats). */
static float *feature_l1(const rs__features *ft, size_t n_ids, const rs__allocator *a)
{
    float *l1 = rs__calloc(a, n_ids ? n_ids : 1, sizeof *l1);
    if (!l1)
        return NULL;
    for (size_t id = 0; id < n_ids; id++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(ft, id, &col, &val);
        for (size_t f = 0; f < len; f++)
            l1[id] += fabsf(val[f]);
    }
    return l1;
}

/* The sums behind the coupling of every feature row of one side
 * (deferred.h): over the ratings (owner[j] the side's id, other[j] the
 * other side's), the sum of |x_f| (L1_own + L1_other) and the sum of x_f^2,
 * per feature f, into d->coupling_sums[side] (num, then den). */
static rs_status side_coupling(rs__deferred *d, int side, const rs__features *ft, size_t n_features,
                               const int32_t *owner, const int32_t *other, const float *l1_own,
                               const float *l1_other, size_t n, const rs__allocator *a)
{
    size_t nf = n_features ? n_features : 1;
    double *num = d->coupling_sums[side] = rs__calloc(a, 2 * nf, sizeof *num);
    d->coupling[side] = rs__alloc(a, nf, sizeof(float));
    d->n_coupling[side] = nf;
    if (!num || !d->coupling[side])
        return RS_ERR_NOMEM;
    double *den = num + nf;
    for (size_t j = 0; j < n; j++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(ft, (size_t)owner[j], &col, &val);
        double l1 = (double)l1_own[owner[j]] + (double)l1_other[other[j]];
        for (size_t f = 0; f < len; f++) {
            double x = fabs((double)val[f]);
            num[col[f]] += x * l1;
            den[col[f]] += x * x;
        }
    }
    return RS_OK;
}

/* Both sides' coupling, and each deferred feature block pointed at its side's. */
static rs_status setup_coupling(rs__deferred *d, const rs__weights *w, const int32_t *u,
                                const int32_t *i, size_t n, const rs__allocator *a)
{
    rs_status st = RS_ERR_NOMEM;
    float *l1u = feature_l1(&w->user_feat, w->n_users, a);
    float *l1i = feature_l1(&w->item_feat, w->n_items, a);
    if (l1u && l1i &&
        side_coupling(d, RS_SIDE_USER, &w->user_feat, w->n_user_features, u, i, l1u, l1i, n, a) == RS_OK &&
        side_coupling(d, RS_SIDE_ITEM, &w->item_feat, w->n_item_features, i, u, l1i, l1u, n, a) == RS_OK)
        st = RS_OK;
    rs__free(a, l1u, w->n_users ? w->n_users : 1, sizeof *l1u);
    rs__free(a, l1i, w->n_items ? w->n_items : 1, sizeof *l1i);
    for (size_t b = 0; st == RS_OK && b < w->n_blocks; b++) {
        int32_t role = w->blocks[b].role;
        if (!(d->mask >> b & 1u))
            continue;
        if (role == RS__ROLE_USER_FEATURE_FACTORS || role == RS__ROLE_USER_FEATURE_BIAS)
            d->row_coupling[b] = d->coupling[RS_SIDE_USER];
        else if (role == RS__ROLE_ITEM_FEATURE_FACTORS || role == RS__ROLE_ITEM_FEATURE_BIAS)
            d->row_coupling[b] = d->coupling[RS_SIDE_ITEM];
    }
    return st;
}

/* Per-block sums cost this many bytes at most, or the weights' own size
 * when that is larger; beyond it the sums are one set (deferred.h). */
#define SLOT_BUDGET_BYTES ((size_t)64 << 20)

/* The number of sum sets: `slots` if they fit the budget, else 1. */
static size_t choose_slots(const rs__weights *w, uint32_t mask, size_t slots)
{
    size_t weights = 0, one = 0;
    for (size_t b = 0; b < w->n_blocks; b++) {
        size_t rows = w->blocks[b].rows ? w->blocks[b].rows : 1;
        weights += rows * w->blocks[b].stride * sizeof(float);
        if (mask >> b & 1u)
            one += rows * (w->blocks[b].stride * sizeof(float) + sizeof(float) + sizeof(uint64_t));
    }
    size_t budget = weights > SLOT_BUDGET_BYTES ? weights : SLOT_BUDGET_BYTES;
    if (slots < 1 || one == 0 || slots > budget / one)
        return 1;
    return slots;
}

rs_status rs__deferred_init(rs__deferred *d, const rs__scorer_ops *ops, const rs__weights *w,
                            const int32_t *u, const int32_t *i, size_t n, size_t slots,
                            const rs__allocator *a)
{
    memset(d, 0, sizeof *d);
    d->ops = ops;
    /* Implicit user factors train on one thread (run.c) with every row
     * stepped per rating: nothing to defer. */
    if (!ops->deferred_blocks || rs__weights_implicit_block(w) >= 0)
        return RS_OK;
    d->slots = choose_slots(w, ops->deferred_blocks, slots);
    for (size_t b = 0; b < w->n_blocks; b++) {
        if (!(ops->deferred_blocks >> b & 1u))
            continue;
        const rs__block *blk = &w->blocks[b];
        size_t rows = blk->rows ? blk->rows : 1, cells = d->slots * rows;
        d->rows[b] = rows;
        d->sum[b] = rs__alloc_floats_aligned(a, cells * blk->stride, &d->sum_raw[b], &d->sum_bytes[b]);
        d->count[b] = rs__calloc(a, cells, sizeof *d->count[b]);
        d->curv[b] = rs__calloc(a, cells, sizeof *d->curv[b]);
        d->mask |= 1u << b; /* set before a failure so free releases it */
        if (!d->sum[b] || !d->count[b] || !d->curv[b])
            goto nomem;
        memset(d->sum[b], 0, cells * blk->stride * sizeof(float));
    }
    if (setup_coupling(d, w, u, i, n, a) != RS_OK || rs__deferred_finish(d, w, n, a) != RS_OK)
        goto nomem;
    d->serial = 1;
    return RS_OK;
nomem:
    rs__deferred_free(d, a);
    return RS_ERR_NOMEM;
}

rs_status rs__deferred_finish(rs__deferred *d, const rs__weights *w, size_t n_ratings,
                              const rs__allocator *a)
{
    for (int side = 0; side < 2; side++) {
        const double *num = d->coupling_sums[side], *den = num + d->n_coupling[side];
        for (size_t f = 0; f < d->n_coupling[side]; f++)
            d->coupling[side][f] = den[f] > 0.0 && num[f] > den[f] ? (float)(num[f] / den[f]) : 1.0f;
    }
    d->n_ratings = n_ratings;
    if (d->scorer_state && d->ops->defer_free)
        d->ops->defer_free(d->scorer_state, a);
    d->scorer_state = NULL;
    if (d->ops->defer_new)
        return d->ops->defer_new(&d->scorer_state, w, d, a);
    return RS_OK;
}

void rs__deferred_free(rs__deferred *d, const rs__allocator *a)
{
    for (size_t b = 0; b < RS__MAX_BLOCKS; b++) {
        if (!(d->mask >> b & 1u))
            continue;
        if (d->sum_raw[b])
            rs__free_aligned(a, d->sum_raw[b], d->sum_bytes[b]);
        rs__free(a, d->count[b], d->slots * d->rows[b], sizeof *d->count[b]);
        rs__free(a, d->curv[b], d->slots * d->rows[b], sizeof *d->curv[b]);
    }
    for (int side = 0; side < 2; side++) {
        rs__free(a, d->coupling[side], d->n_coupling[side], sizeof(float));
        rs__free(a, d->coupling_sums[side], 2 * d->n_coupling[side], sizeof(double));
    }
    if (d->scorer_state && d->ops && d->ops->defer_free)
        d->ops->defer_free(d->scorer_state, a);
    memset(d, 0, sizeof *d);
}

/* Clear the sums of every row a sub-epoch touched. */
static void clear_sums(rs__deferred *d, const rs__weights *w)
{
    for (size_t b = 0; b < w->n_blocks; b++) {
        if (!(d->mask >> b & 1u))
            continue;
        size_t stride = w->blocks[b].stride;
        for (size_t r = 0; r < d->slots * d->rows[b]; r++) {
            if (!d->count[b][r])
                continue;
            memset(d->sum[b] + r * stride, 0, stride * sizeof(float));
            d->count[b][r] = 0;
            d->curv[b][r] = 0.0f;
        }
    }
}

void rs__deferred_begin(rs__deferred *d, const rs__weights *w)
{
    if (!d || !d->mask)
        return;
    clear_sums(d, w);
    d->serial++;
}

void rs__deferred_merge(rs__epoch_plan *plan, size_t tid, size_t diagonal)
{
    rs__train_ctx *c = &plan->ctx[tid];
    if (diagonal == RS__PLAN_EPOCH_START)
        rs__deferred_begin(c->defer, c->w);
    else
        rs__deferred_apply(c);
}

/* phi(x) = (1 - exp(-x)) / x, 1 at 0. */
static float phi(float x)
{
    return x < 1e-4f ? 1.0f - 0.5f * x : -expm1f(-x) / x;
}

/* One deferred row's update: n steps along the clipped mean gradient g
 * (cols floats) with mean curvature h, as one (deferred.h). */
static void update_row(rs__train_ctx *c, int32_t blk, size_t row, float *theta, const float *g,
                       size_t cols, size_t stride, float n, float h)
{
    const float lr = c->lr * rs__row_lr_scale(c, blk, row);
    switch (c->lr_policy) {
    case RS_LR_ADAGRAD: {
        float *G = c->opt->acc[blk] + row;
        *G += n * (rs__vec_sqnorm(g, cols) / (float)cols);
        float eta = lr / (sqrtf(*G) + c->eps);
        float step = n * eta * phi(n * eta * h);
        for (size_t j = 0; j < cols; j++)
            theta[j] -= step * g[j];
        break;
    }
    case RS_LR_ADAM: {
        float *m = c->opt->acc[blk] + row * stride;
        float *v = c->opt->acc2[blk] + row * stride;
        float b1 = c->beta1, b2 = c->beta2;
        float c1 = 1.0f - rs__adam_power(&c->opt->pow1[blk][row], b1);
        float c2 = 1.0f - rs__adam_power(&c->opt->pow2[blk][row], b2);
        float inv_c2 = 1.0f / c2;
        for (size_t j = 0; j < cols; j++) {
            m[j] = b1 * m[j] + (1.0f - b1) * g[j];
            v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
            float eta = lr / c1 / (sqrtf(v[j] * inv_c2) + c->eps);
            theta[j] -= n * eta * phi(n * eta * h) * m[j];
        }
        break;
    }
    default: { /* constant and inverse-time */
        float step = n * lr * phi(n * lr * h);
        for (size_t j = 0; j < cols; j++)
            theta[j] -= step * g[j];
        break;
    }
    }
}

void rs__deferred_apply(rs__train_ctx *c)
{
    rs__deferred *d = c->defer;
    rs__weights *w = c->w;
    if (!d || !d->mask)
        return;
    if (d->ops->defer_collect)
        d->ops->defer_collect(c);
    for (size_t b = 0; b < w->n_blocks; b++) {
        if (!(d->mask >> b & 1u))
            continue;
        rs__block *blk = &w->blocks[b];
        float l2 = c->l2[blk->reg];
        for (size_t r = 0; r < blk->rows; r++) {
            float *sum = d->sum[b] + r * blk->stride;
            /* the blocks' sums, in block order, into the first set */
            for (size_t s = 1; s < d->slots; s++) {
                size_t cell = s * d->rows[b] + r;
                if (!d->count[b][cell])
                    continue;
                float *other = d->sum[b] + cell * blk->stride;
                for (size_t j = 0; j < blk->cols; j++)
                    sum[j] += other[j];
                memset(other, 0, blk->stride * sizeof(float));
                d->count[b][r] += d->count[b][cell];
                d->curv[b][r] += d->curv[b][cell];
                d->count[b][cell] = 0;
                d->curv[b][cell] = 0.0f;
            }
            uint64_t count = d->count[b][r];
            if (!count)
                continue;
            float n = (float)count;
            float *theta = blk->data + r * blk->stride;
            float *gb = c->gbuf;
            /* the mean gradient with L2 at the frozen value, clipped once */
            rs__row_grad(gb, sum, theta, 1.0f / n, l2, blk->cols);
            float rn2 = rs__vec_sqnorm(gb, blk->cols);
            c->st.n_rows++;
            c->st.n_clipped += (uint64_t)rs__clip_apply(&c->clip, gb, blk->cols, rn2);
            float coupling = d->row_coupling[b] ? d->row_coupling[b][r] : 1.0f;
            update_row(c, (int32_t)b, r, theta, gb, blk->cols, blk->stride, n,
                       coupling * d->curv[b][r] / n + l2);
            memset(sum, 0, blk->stride * sizeof(float));
            d->count[b][r] = 0;
            d->curv[b][r] = 0.0f;
        }
    }
    d->serial++;
}
