/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf.c: the collaborative scorer, biased matrix factorisation.
 *   prediction = global mean + b_u + b_i + <p_u, q_i>
 * Blocks: user bias, item bias (L2 bias), user factors, item factors (L2
 * factors); with RS_PARAM_IMPLICIT_USER_FACTORS the implicit vectors y_j
 * last, and p_u becomes p_u + |N(u)|^-1/2 sum_j y_j (SVD++, implicit.h). */
#include "scorers/scorer.h"
#include "scorers/implicit.h"
#include "common/vec.h"
#include "mf.h"

enum { B_UBIAS = MF_BLOCK_UBIAS, B_IBIAS = MF_BLOCK_IBIAS, B_P = MF_BLOCK_P, B_Q = MF_BLOCK_Q };

static rs_status mf_layout(rs__weights *w, const rs__allocator *a, const rs__params *p)
{
    size_t k = (size_t)p->factors;
    rs_status st;
    if ((st = rs__weights_add_block(w, a, RS__ROLE_USER_BIAS, -1, RS__REG_BIAS, w->n_users, 1)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_BIAS, -1, RS__REG_BIAS, w->n_items, 1)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_USER_FACTORS, RS_BLOCK_USER_FACTORS,
                                    RS__REG_FACTORS, w->n_users, k)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_FACTORS, RS_BLOCK_ITEM_FACTORS,
                                    RS__REG_FACTORS, w->n_items, k)) ||
        (st = rs__implicit_layout(w, a, p)))
        return st;
    w->factors = k;
    return RS_OK;
}

static float mf_predict(const rs__weights *w, int32_t u, int32_t i)
{
    const rs__block *P = &w->blocks[B_P], *Q = &w->blocks[B_Q];
    int32_t yb = rs__weights_implicit_block(w);
    if (yb >= 0) /* in slices: serving calls this concurrently, with no scratch */
        return rs__mf_svdpp_predict(w, yb, u, i);
    return w->global_mean + w->blocks[B_UBIAS].data[u] + w->blocks[B_IBIAS].data[i] +
           rs__vec_dot(P->data + (size_t)u * P->stride, Q->data + (size_t)i * Q->stride, P->cols);
}

/* SVD++: the gradient of mu + b_u + b_i + <p_u + s_u, q_i>, s_u the implicit
 * sum: q_i for p_u, the effective user vector for q_i and |N(u)|^-1/2 q_i
 * for every y_j of N(u) (all of them point at one gradient row). */
static size_t mf_svdpp_pred_grad(const rs__weights *w, int32_t yb, int32_t u, int32_t i,
                                 rs__touch *t, size_t max_t, float *scratch,
                                 size_t scratch_floats)
{
    const rs__block *P = &w->blocks[B_P], *Q = &w->blocks[B_Q];
    size_t k = P->cols;
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(&w->implicit, (size_t)u, &col, &val);
    if (max_t < 4 + n || scratch_floats < 2 + 3 * k)
        return 0;
    const float *pu = P->data + (size_t)u * P->stride, *qi = Q->data + (size_t)i * Q->stride;
    scratch[0] = 1.0f;
    scratch[1] = 1.0f;
    float *gp = scratch + 2, *gq = scratch + 2 + k, *gy = scratch + 2 + 2 * k;
    rs__implicit_user_vector(w, yb, pu, u, k, gq);
    for (size_t f = 0; f < k; f++)
        gp[f] = qi[f];
    t[0] = (rs__touch){B_UBIAS, (size_t)u, 1, scratch};
    t[1] = (rs__touch){B_IBIAS, (size_t)i, 1, scratch + 1};
    t[2] = (rs__touch){B_P, (size_t)u, k, gp};
    t[3] = (rs__touch){B_Q, (size_t)i, k, gq};
    size_t nt = 4;
    float c = n ? val[0] : 0.0f; /* |N(u)|^-1/2, the same in every entry of the row */
    for (size_t f = 0; f < k; f++)
        gy[f] = c * qi[f];
    for (size_t j = 0; j < n; j++)
        if ((size_t)col[j] < w->blocks[yb].rows)
            t[nt++] = (rs__touch){yb, (size_t)col[j], k, gy};
    return nt;
}

static size_t mf_pred_grad(const rs__weights *w, int32_t u, int32_t i, rs__touch *t, size_t max_t,
                           float *scratch, size_t scratch_floats)
{
    const rs__block *P = &w->blocks[B_P], *Q = &w->blocks[B_Q];
    size_t k = P->cols;
    int32_t yb = rs__weights_implicit_block(w);
    if (yb >= 0)
        return mf_svdpp_pred_grad(w, yb, u, i, t, max_t, scratch, scratch_floats);
    if (max_t < 4 || scratch_floats < 2 + 2 * k)
        return 0;
    const float *pu = P->data + (size_t)u * P->stride, *qi = Q->data + (size_t)i * Q->stride;
    scratch[0] = 1.0f;
    scratch[1] = 1.0f;
    t[0] = (rs__touch){B_UBIAS, (size_t)u, 1, scratch};
    t[1] = (rs__touch){B_IBIAS, (size_t)i, 1, scratch + 1};
    float *gp = scratch + 2, *gq = scratch + 2 + k;
    for (size_t f = 0; f < k; f++) {
        gp[f] = qi[f]; /* d<p,q>/dp = q */
        gq[f] = pu[f];
    }
    t[2] = (rs__touch){B_P, (size_t)u, k, gp};
    t[3] = (rs__touch){B_Q, (size_t)i, k, gq};
    return 4;
}

static size_t mf_max_touches(const rs__weights *w)
{
    /* SVD++: one more row per item of the user's N(u) */
    return 4 + (rs__weights_implicit_block(w) >= 0 ? rs__weights_implicit_max_row(w) : 0);
}
/* SVD++ adds one gradient row shared by every y_j of the rating (and its
 * training loop a user's implicit sum). */
static size_t mf_scratch_floats(const rs__weights *w) { return 2 + 4 * w->factors; }

const rs__scorer_ops rs__collaborative_ops = {
    RS_SCORER_COLLABORATIVE, "collaborative", mf_layout, mf_predict, mf_pred_grad,
    mf_max_touches, mf_scratch_floats, rs__mf_train_chunk, 0,
    NULL, NULL, NULL, NULL, /* no features: nothing to refit for cold start, no tastes */
    0, NULL, NULL, NULL,    /* no shared rows: nothing deferred */
};
