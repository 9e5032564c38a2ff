/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf.c: the collaborative scorer, biased matrix factorisation.
 *   prediction = global mean + b_u + b_i + <p_u, q_i>
 * Blocks: user bias, item bias (L2 bias), user factors, item factors (L2 factors). */
#include "scorers/scorer.h"
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
                                    RS__REG_FACTORS, w->n_items, k)))
        return st;
    w->factors = k;
    return RS_OK;
}

static float mf_predict(const rs__weights *w, int32_t u, int32_t i)
{
    const rs__block *P = &w->blocks[B_P], *Q = &w->blocks[B_Q];
    return w->global_mean + w->blocks[B_UBIAS].data[u] + w->blocks[B_IBIAS].data[i] +
           rs__vec_dot(P->data + (size_t)u * P->stride, Q->data + (size_t)i * Q->stride, P->cols);
}

static size_t mf_pred_grad(const rs__weights *w, int32_t u, int32_t i, rs__touch *t, size_t max_t,
                           float *scratch, size_t scratch_floats)
{
    const rs__block *P = &w->blocks[B_P], *Q = &w->blocks[B_Q];
    size_t k = P->cols;
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

static size_t mf_max_touches(const rs__weights *w) { (void)w; return 4; }
static size_t mf_scratch_floats(const rs__weights *w) { return 2 + 2 * w->factors; }

const rs__scorer_ops rs__collaborative_ops = {
    RS_SCORER_COLLABORATIVE, "collaborative", mf_layout, mf_predict, mf_pred_grad,
    mf_max_touches, mf_scratch_floats, rs__mf_train_chunk, 0,
    NULL, NULL, NULL, /* no features: nothing to refit for cold start */
    0, NULL, NULL, NULL, /* no shared rows: nothing deferred */
};
