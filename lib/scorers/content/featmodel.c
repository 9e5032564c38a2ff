/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * featmodel.c: prediction and gradient of the feature-aware factor model
 * (see featmodel.h). Serving calls predict concurrently, so it uses only a
 * fixed stack buffer and walks the k dimensions in slices. */
#include "featmodel.h"
#include "scorers/implicit.h"

#include <math.h>
#include <string.h>
#include "common/vec.h"
#include "optim/train.h"
#include "common/rng.h"

#define SLICE 128

static inline int has_item_factors(const rs__weights *w)
{
    return w->n_blocks > FM_Q && w->blocks[FM_Q].role == RS__ROLE_ITEM_FACTORS;
}

/* Which id parts a rating uses: both, except when training drops one so the
 * feature parts learn to stand alone (RS_PARAM_ID_DROPOUT). */
enum { USE_USER_ID = 1, USE_ITEM_ID = 2, USE_IDS = 3 };
/* The training loop adds the implicit sum of implicit user factors itself
 * (one per run of a user's ratings): user_slice then leaves it out. */
enum { NO_IMPLICIT = 4 };

static size_t taste_cols(size_t n_features)
{
    return (n_features <= FM_TASTE_MAX_FEATURES ? n_features : 0) + FM_TASTE_EXTRA;
}

rs_status rs__fm_layout(rs__weights *w, const rs__allocator *a, const rs__params *p,
                        int with_item_ids)
{
    size_t k = (size_t)p->factors;
    rs_status st;
    if ((st = rs__weights_add_block(w, a, RS__ROLE_USER_BIAS, -1, RS__REG_BIAS, w->n_users, 1)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_USER_FACTORS, RS_BLOCK_USER_FACTORS,
                                    RS__REG_FACTORS, w->n_users, k)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_FEATURE_BIAS, -1, RS__REG_BIAS,
                                    w->n_item_features, 1)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_FEATURE_FACTORS,
                                    RS_BLOCK_ITEM_FEATURE_FACTORS, RS__REG_FEATURES,
                                    w->n_item_features, k)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_USER_FEATURE_BIAS, -1, RS__REG_BIAS,
                                    w->n_user_features, 1)) ||
        (st = rs__weights_add_block(w, a, RS__ROLE_USER_FEATURE_FACTORS,
                                    RS_BLOCK_USER_FEATURE_FACTORS, RS__REG_FEATURES,
                                    w->n_user_features, k)))
        return st;
    /* Both scorers keep an id bias per item (new items start at zero and are
     * scored by their features' biases); only the hybrid has item factors. */
    if ((st = rs__weights_add_block(w, a, RS__ROLE_ITEM_BIAS, -1, RS__REG_BIAS, w->n_items, 1)))
        return st;
    if (with_item_ids && (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_FACTORS,
                                                     RS_BLOCK_ITEM_FACTORS, RS__REG_FACTORS,
                                                     w->n_items, k)))
        return st;
    /* The cold-start tastes (RS_PARAM_COLD_TASTE): a response to the other
     * side's features, an intercept and the trained flag, per id. */
    if (p->cold_taste &&
        ((st = rs__weights_add_block(w, a, RS__ROLE_USER_COLD_TASTE, -1, RS__REG_FEATURES,
                                     w->n_users, taste_cols(w->n_item_features))) ||
         (st = rs__weights_add_block(w, a, RS__ROLE_ITEM_COLD_TASTE, -1, RS__REG_FEATURES,
                                     w->n_items, taste_cols(w->n_user_features)))))
        return st;
    /* Implicit user factors (SVD++): the y_j block last (implicit.h). */
    if ((st = rs__implicit_layout(w, a, p)))
        return st;
    w->factors = k;
    return RS_OK;
}

/* Dimensions [lo, lo + len) of the user and item vectors. */
static RS_ALWAYS_INLINE void user_slice(const rs__weights *w, int32_t u, size_t lo, size_t len, float *out,
                       int use)
{
    const rs__block *P = &w->blocks[FM_P], *U = &w->blocks[FM_U];
    if (use & USE_USER_ID)
        memcpy(out, P->data + (size_t)u * P->stride + lo, len * sizeof(float));
    else
        memset(out, 0, len * sizeof(float));
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(&w->user_feat, (size_t)u, &col, &val);
    for (size_t j = 0; j < n; j++) {
        rs__add_scaled(out, U->data + (size_t)col[j] * U->stride + lo, val[j], len);
    }
    /* The implicit sum belongs to the user's id part: a new user has no N(u). */
    int32_t yb = rs__weights_implicit_block(w);
    if (yb >= 0 && (use & USE_USER_ID) && !(use & NO_IMPLICIT))
        rs__implicit_add(w, yb, u, lo, len, out);
}

static RS_ALWAYS_INLINE void item_slice(const rs__weights *w, int32_t i, size_t lo, size_t len, float *out,
                       int use)
{
    const rs__block *V = &w->blocks[FM_V];
    if (has_item_factors(w) && (use & USE_ITEM_ID)) {
        const rs__block *Q = &w->blocks[FM_Q];
        memcpy(out, Q->data + (size_t)i * Q->stride + lo, len * sizeof(float));
    } else {
        memset(out, 0, len * sizeof(float));
    }
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(&w->item_feat, (size_t)i, &col, &val);
    for (size_t j = 0; j < n; j++) {
        rs__add_scaled(out, V->data + (size_t)col[j] * V->stride + lo, val[j], len);
    }
}

static RS_ALWAYS_INLINE float biases(const rs__weights *w, int32_t u, int32_t i, int use)
{
    float b = w->global_mean;
    if (use & USE_USER_ID)
        b += w->blocks[FM_UBIAS].data[u];
    if (use & USE_ITEM_ID)
        b += w->blocks[FM_IBIAS].data[i];
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(&w->user_feat, (size_t)u, &col, &val);
    for (size_t j = 0; j < n; j++)
        b += val[j] * w->blocks[FM_UFBIAS].data[col[j]];
    n = rs__features_row(&w->item_feat, (size_t)i, &col, &val);
    for (size_t j = 0; j < n; j++)
        b += val[j] * w->blocks[FM_IFBIAS].data[col[j]];
    return b;
}

/* x . theta + intercept of one taste row over a sparse feature row. */
static RS_ALWAYS_INLINE float taste_dot(const float *theta, size_t n_feat, const rs__features *ft,
                                        int32_t id)
{
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, (size_t)id, &col, &val);
    float s = theta[n_feat];
    for (size_t j = 0; j < n; j++)
        if ((size_t)col[j] < n_feat)
            s += val[j] * theta[col[j]];
    return s;
}

/* The cold-start tastes of a pair (RS_PARAM_COLD_TASTE): the user's response
 * to the item's features when the item had no ratings in rs_fit (or is
 * scored without its id part), and the item's response to the user's
 * features in the symmetric case. Zero without the blocks. */
static RS_ALWAYS_INLINE float cold_tastes(const rs__weights *w, int32_t u, int32_t i, int use)
{
    int32_t tb = rs__fm_taste_block(w);
    if (tb < 0)
        return 0.0f;
    const rs__block *TU = &w->blocks[tb], *TI = &w->blocks[tb + 1];
    size_t nif = TU->cols - FM_TASTE_EXTRA, nuf = TI->cols - FM_TASTE_EXTRA;
    const float *tu = TU->data + (size_t)u * TU->stride, *ti = TI->data + (size_t)i * TI->stride;
    float s = 0.0f;
    if (!(use & USE_ITEM_ID) || ti[nuf + 1] == 0.0f)
        s += taste_dot(tu, nif, &w->item_feat, i);
    if (!(use & USE_USER_ID) || tu[nif + 1] == 0.0f)
        s += taste_dot(ti, nuf, &w->user_feat, u);
    return s;
}

float rs__fm_cold_tastes(const rs__weights *w, int32_t u, int32_t i, int use)
{
    return cold_tastes(w, u, i, use);
}

static float predict_using(const rs__weights *w, int32_t u, int32_t i, int use)
{
    float ub[SLICE], ib[SLICE];
    float dot = 0.0f;
    for (size_t lo = 0; lo < w->factors; lo += SLICE) {
        size_t len = w->factors - lo < SLICE ? w->factors - lo : SLICE;
        user_slice(w, u, lo, len, ub, use);
        item_slice(w, i, lo, len, ib, use);
        dot += rs__vec_dot(ub, ib, len);
    }
    return biases(w, u, i, use) + cold_tastes(w, u, i, use) + dot;
}

float rs__fm_predict(const rs__weights *w, int32_t u, int32_t i)
{
    return predict_using(w, u, i, USE_IDS);
}

size_t rs__fm_max_touches(const rs__weights *w)
{
    /* bias and factors of the user and the item, plus two rows per feature */
    size_t mu = 0, mi = 0;
    for (size_t r = 0; r < w->user_feat.n_rows; r++)
        if (w->user_feat.row_len[r] > mu)
            mu = w->user_feat.row_len[r];
    for (size_t r = 0; r < w->item_feat.n_rows; r++)
        if (w->item_feat.row_len[r] > mi)
            mi = w->item_feat.row_len[r];
    size_t ny = rs__weights_implicit_block(w) >= 0 ? rs__weights_implicit_max_row(w) : 0;
    return 4 + 2 * mu + 2 * mi + ny;
}

size_t rs__fm_scratch_floats(const rs__weights *w)
{
    /* user and item vectors, then one gradient row per touch (the implicit
     * rows of N(u) share one) */
    size_t ny = rs__weights_implicit_block(w) >= 0 ? rs__weights_implicit_max_row(w) : 0;
    return 4 * w->factors + (rs__fm_max_touches(w) - ny) * (w->factors + 1);
}

size_t rs__fm_pred_grad(const rs__weights *w, int32_t u, int32_t i, rs__touch *t, size_t max_t,
                        float *scratch, size_t scratch_floats)
{
    size_t k = w->factors;
    const int32_t *ucol, *icol;
    const float *uval, *ival;
    size_t nu = rs__features_row(&w->user_feat, (size_t)u, &ucol, &uval);
    size_t ni = rs__features_row(&w->item_feat, (size_t)i, &icol, &ival);
    size_t need_t = 4 + 2 * nu + 2 * ni;
    int32_t yb = rs__weights_implicit_block(w);
    const int32_t *ycol = NULL;
    const float *yval = NULL;
    size_t ny = yb >= 0 ? rs__features_row(&w->implicit, (size_t)u, &ycol, &yval) : 0;
    if (max_t < need_t + ny || scratch_floats < 3 * k + need_t * (k + 1))
        return 0;
    float *uvec = scratch, *ivec = scratch + k, *next = scratch + 2 * k;
    for (size_t lo = 0; lo < k; lo += SLICE) {
        size_t len = k - lo < SLICE ? k - lo : SLICE;
        user_slice(w, u, lo, len, uvec + lo, USE_IDS);
        item_slice(w, i, lo, len, ivec + lo, USE_IDS);
    }
    size_t nt = 0;
#define SCALAR_TOUCH(blk, row, value)                                                              \
    do {                                                                                           \
        *next = (value);                                                                           \
        t[nt++] = (rs__touch){(blk), (size_t)(row), 1, next};                                      \
        next += 1;                                                                                 \
    } while (0)
#define VECTOR_TOUCH(blk, row, scale, src)                                                         \
    do {                                                                                           \
        for (size_t f = 0; f < k; f++)                                                             \
            next[f] = (scale) * (src)[f];                                                          \
        t[nt++] = (rs__touch){(blk), (size_t)(row), k, next};                                      \
        next += k;                                                                                 \
    } while (0)
    SCALAR_TOUCH(FM_UBIAS, u, 1.0f);
    VECTOR_TOUCH(FM_P, u, 1.0f, ivec); /* d<t,z>/dP_u = z */
    for (size_t j = 0; j < nu; j++) {
        SCALAR_TOUCH(FM_UFBIAS, ucol[j], uval[j]);
        VECTOR_TOUCH(FM_U, ucol[j], uval[j], ivec); /* d/dU_g = y_ug z */
    }
    for (size_t j = 0; j < ni; j++) {
        SCALAR_TOUCH(FM_IFBIAS, icol[j], ival[j]);
        VECTOR_TOUCH(FM_V, icol[j], ival[j], uvec); /* d/dV_f = x_if t */
    }
    SCALAR_TOUCH(FM_IBIAS, i, 1.0f);
    if (has_item_factors(w))
        VECTOR_TOUCH(FM_Q, i, 1.0f, uvec);
    if (ny > 0) { /* d/dy_j = |N(u)|^-1/2 z, one row for all j */
        float *gy = next;
        for (size_t f = 0; f < k; f++)
            gy[f] = yval[0] * ivec[f];
        for (size_t j = 0; j < ny; j++)
            if ((size_t)ycol[j] < w->blocks[yb].rows)
                t[nt++] = (rs__touch){yb, (size_t)ycol[j], k, gy};
    }
#undef SCALAR_TOUCH
#undef VECTOR_TOUCH
    return nt;
}

/* The training loop of implicit user factors (SVD++), compiled twice below
 * (baseline and AVX2+FMA). Those fits run on one thread and defer nothing
 * (optim/deferred.c): the feature rows step per rating here, as in the
 * generic step; fm_train.c's loop, which reads them frozen, serves every
 * other fit. */
static RS_ALWAYS_INLINE void fm_chunk_body(rs__train_ctx *c, const rs__chunk *ch)
{
    rs__weights *w = c->w;
    size_t k = w->factors;
    float *uvec = c->scratch, *ivec = c->scratch + k;
    const float one = 1.0f;
    /* Implicit user factors: per run of one user's ratings, as in mf_train.c
     * (one implicit sum s_u, one y_j step at the run's end, the gradients
     * summed); a run of one rating is the generic step. */
    int32_t yb = rs__weights_implicit_block(w);
    float *acc = c->scratch + 2 * k, *su = c->scratch + 3 * k;
    rs__implicit_run run = {0, NULL, NULL, 0, 0.0f, 0.0f};
    for (size_t j = 0; j < ch->n; j++) {
        int32_t u = ch->u[j], i = ch->i[j];
        float wt = ch->wt ? ch->wt[j] : 1.0f;
        if (yb >= 0 && j == run.end)
            rs__implicit_run_begin(&run, w, yb, ch->u, ch->n, j, k, su, acc);
        int use = USE_IDS;
        if (c->refit == RS__REFIT_USER || c->refit == RS__REFIT_ITEM) {
            /* Cold-start refit: predict as for a brand-new id of that side. */
            if (c->refit_skip && c->refit_skip[c->refit == RS__REFIT_USER ? u : i])
                continue;
            use = c->refit == RS__REFIT_USER ? USE_ITEM_ID : USE_USER_ID;
        } else if (c->id_dropout > 0.0f) {
            if (rs__rng_uniform(&c->rng) < c->id_dropout)
                use &= ~USE_USER_ID;
            if (rs__rng_uniform(&c->rng) < c->id_dropout)
                use &= ~USE_ITEM_ID;
        }
        /* Both vectors are taken before any row moves: a simultaneous step. */
        for (size_t lo = 0; lo < k; lo += SLICE) {
            size_t len = k - lo < SLICE ? k - lo : SLICE;
            user_slice(w, u, lo, len, uvec + lo, use | NO_IMPLICIT);
            item_slice(w, i, lo, len, ivec + lo, use);
        }
        if (yb >= 0 && (use & USE_USER_ID))
            for (size_t f = 0; f < k; f++)
                uvec[f] += su[f];
        float e = ch->r[j] - (biases(w, u, i, use) +
                              (c->tastes_zero ? 0.0f : cold_tastes(w, u, i, use)) +
                              rs__vec_dot(uvec, ivec, k));
        if (RS_UNLIKELY(!(fabsf(e) <= c->blowup))) {
            c->diverged = 1;
            return;
        }
        c->st.sq_err += (double)(wt * e * e);
        c->st.sum_w += wt;
        float g = -wt * e, norm2 = 0.0f, fnorm2 = 0.0f, rn2;
        const int32_t *ucol, *icol;
        const float *uval, *ival;
        size_t nu = rs__features_row(&w->user_feat, (size_t)u, &ucol, &uval);
        size_t ni = rs__features_row(&w->item_feat, (size_t)i, &icol, &ival);
        /* A refit moves only the refitted side's feature rows (and the item
         * feature factors only when item id factors can absorb the change). */
        int refit = c->refit;
        if ((use & USE_USER_ID) && !refit) {
            norm2 += rs__sgd_row(c, FM_UBIAS, (size_t)u, g, &one, 1);
            rn2 = rs__sgd_row(c, FM_P, (size_t)u, g, ivec, k);
            fnorm2 += rn2;
        }
        for (size_t f = 0; f < nu && (!refit || refit == RS__REFIT_USER); f++) {
            norm2 += rs__sgd_row(c, FM_UFBIAS, (size_t)ucol[f], g * uval[f], &one, 1);
            fnorm2 += rs__sgd_row(c, FM_U, (size_t)ucol[f], g * uval[f], ivec, k);
        }
        for (size_t f = 0; f < ni && (!refit || refit == RS__REFIT_ITEM); f++) {
            norm2 += rs__sgd_row(c, FM_IFBIAS, (size_t)icol[f], g * ival[f], &one, 1);
            if (!refit || has_item_factors(w))
                fnorm2 += rs__sgd_row(c, FM_V, (size_t)icol[f], g * ival[f], uvec, k);
        }
        if ((use & USE_ITEM_ID) && !refit) {
            norm2 += rs__sgd_row(c, FM_IBIAS, (size_t)i, g, &one, 1);
            if (has_item_factors(w))
                fnorm2 += rs__sgd_row(c, FM_Q, (size_t)i, g, uvec, k);
        }
        /* The implicit rows of N(u), with the user's id part: the run's
         * gradient, and its step after the run's last rating (last, as in
         * pred_grad). */
        if (yb >= 0 && (use & USE_USER_ID) && !refit) {
            for (size_t f = 0; f < k; f++)
                acc[f] += g * (run.cu * ivec[f]);
            run.m += 1.0f;
        }
        if (yb >= 0 && j + 1 == run.end && run.m > 0.0f)
            rs__sgd_rows_shared(c, yb, run.col, run.n, 1.0f, acc, k, run.m, NULL, &fnorm2);
        rs__stats_rating(c, norm2 + fnorm2, fnorm2);
    }
}

static void fm_chunk_base(rs__train_ctx *c, const rs__chunk *ch) { fm_chunk_body(c, ch); }

#if defined(__x86_64__) && defined(__GNUC__)
/* The same loop for CPUs with AVX2 and FMA (chosen per fit, as in mf_train.c):
 * the row kernels are inlined, so they run on 8-float vectors. */
__attribute__((target("avx2,fma"))) static void fm_chunk_avx2(rs__train_ctx *c,
                                                               const rs__chunk *ch)
{
    fm_chunk_body(c, ch);
}
#endif

void rs__fm_train_chunk_implicit(rs__train_ctx *c, const rs__chunk *ch)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa >= RS__ISA_AVX2) {
        fm_chunk_avx2(c, ch);
        return;
    }
#endif
    fm_chunk_base(c, ch);
}

/* ---- cold-start refit (lib/optim/coldfit.c) ---- */

int rs__fm_cold_blocks(const rs__weights *w, int32_t side, int32_t *bias_blk, int32_t *factor_blk)
{
    if (side == RS_SIDE_USER) {
        *bias_blk = FM_UFBIAS;
        *factor_blk = FM_U; /* P absorbs it */
        return w->n_user_features > 0;
    }
    *bias_blk = FM_IFBIAS;
    *factor_blk = has_item_factors(w) ? FM_V : -1; /* content: V is the item */
    return w->n_item_features > 0;
}

float rs__fm_predict_cold(const rs__weights *w, int32_t u, int32_t i, int32_t side)
{
    return predict_using(w, u, i, side == RS_SIDE_USER ? USE_ITEM_ID : USE_USER_ID);
}

int32_t rs__fm_taste_block_of(const rs__weights *w, int32_t side)
{
    int32_t tb = rs__fm_taste_block(w);
    return tb < 0 ? -1 : side == RS_SIDE_USER ? tb : tb + 1;
}

void rs__fm_cold_absorb(rs__weights *w, int32_t side, const float *old_bias,
                        const float *old_factors, const uint32_t *ratings_per_id)
{
    int32_t fb, ff;
    rs__fm_cold_blocks(w, side, &fb, &ff);
    int32_t id_bias = side == RS_SIDE_USER ? FM_UBIAS : FM_IBIAS;
    int32_t id_factors = side == RS_SIDE_USER ? FM_P : (has_item_factors(w) ? FM_Q : -1);
    const rs__features *ft = side == RS_SIDE_USER ? &w->user_feat : &w->item_feat;
    size_t n_ids = side == RS_SIDE_USER ? w->n_users : w->n_items;
    const rs__block *B = &w->blocks[fb];
    float *bias = w->blocks[id_bias].data;
    for (size_t id = 0; id < n_ids; id++) {
        if (!ratings_per_id[id])
            continue; /* ids without ratings keep zero id parameters */
        const int32_t *col;
        const float *val;
        size_t n = rs__features_row(ft, id, &col, &val);
        for (size_t j = 0; j < n; j++) {
            size_t f = (size_t)col[j];
            bias[id] += val[j] * (old_bias[f] - B->data[f]);
            if (ff < 0 || id_factors < 0)
                continue;
            const rs__block *F = &w->blocks[ff];
            rs__block *I = &w->blocks[id_factors];
            const float *now = F->data + f * F->stride, *was = old_factors + f * F->stride;
            float *row = I->data + id * I->stride;
            for (size_t d = 0; d < w->factors; d++)
                row[d] += val[j] * (was[d] - now[d]);
        }
    }
}
