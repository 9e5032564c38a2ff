/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf_train.c: the specialised SGD loop of the collaborative scorer. It does
 * what the generic step (lib/optim/step.c) does for biased MF, fused into a
 * pass or two over each factor row, for every learning-rate policy
 * (constant and inverse-time; AdaGrad with one accumulator per row; Adam)
 * and every clipping policy (none, value, norm, or the user's callback,
 * called once per row on the gradient in place).
 *
 * Rows are 64-byte aligned and padded with zeros to a multiple of 16
 * floats, so the loops run over whole vectors; padding stays zero because
 * its gradient is zero. The body (mf_kernel.h) is compiled three times,
 * each with its ISA's native vector width: AVX-512 (16 floats), AVX2+FMA
 * (8) and the baseline (4); the choice is made once per fit from the CPU
 * (no -march=native, no global state). */
#include <math.h>
#include <string.h>

#include "optim/train.h"
#include "scorers/fused.h"
#include "mf.h"

/* How many ratings ahead the loop prefetches parameter rows (a build may
 * override it for tuning: -DMF_PREFETCH=N). */
#ifndef MF_PREFETCH
#define MF_PREFETCH 8
#endif

/* The baseline ISA: 4-float vectors (SSE2 on x86-64, NEON or the like elsewhere). */
#define MF_V v4f
#define MF_LANES 4
#define MF_SUFFIX base
#define MF_TARGET
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#if defined(__x86_64__) && defined(__GNUC__)
#define MF_V v8f
#define MF_LANES 8
#define MF_SUFFIX avx2
#define MF_TARGET __attribute__((target("avx2,fma")))
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#define MF_V v16f
#define MF_LANES 16
#define MF_SUFFIX avx512
#define MF_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#include "mf_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET
#endif

/* SVD++ (implicit user factors). A rating's step moves every y_j of its
 * user's N(u), |N(u)| rows; stepping them per rating would cost |N(u)|
 * times a plain rating. So a run of consecutive ratings of one user in the
 * chunk (the grid groups each block's ratings by user for this,
 * rs__fitdata_group_users) shares one implicit sum s_u, taken when the run
 * starts, and the y_j take one step at its end: their gradients summed over
 * the run, their L2 once per rating of it. Biases, p_u and q_i step per
 * rating as always, in the generic step's order and through rs__sgd_row, so
 * every learning-rate and clipping policy applies. A run of one rating is
 * exactly the generic step over mf's pred_grad (the tests check this); the
 * y_j steps count towards the gradient norm of the run's last rating. */
static RS_ALWAYS_INLINE void svdpp_chunk_body(rs__train_ctx *c, const rs__chunk *ch, int32_t yb)
{
    rs__weights *w = c->w;
    const rs__block *P = &w->blocks[MF_BLOCK_P], *Q = &w->blocks[MF_BLOCK_Q];
    size_t k = w->factors;
    float *uvec = c->scratch, *qcopy = c->scratch + k, *acc = c->scratch + 2 * k;
    float *su = c->scratch + 3 * k;
    const float one = 1.0f;
    rs__implicit_run run = {0, NULL, NULL, 0, 0.0f, 0.0f};
    for (size_t j = 0; j < ch->n; j++) {
        int32_t u = ch->u[j], i = ch->i[j];
        if (j == run.end) /* a new run: the user's implicit sum, a zero y gradient */
            rs__implicit_run_begin(&run, w, yb, ch->u, ch->n, j, k, su, acc);
        float wt = ch->wt ? ch->wt[j] : 1.0f;
        const float *pu = P->data + (size_t)u * P->stride, *qi = Q->data + (size_t)i * Q->stride;
        for (size_t f = 0; f < k; f++)
            uvec[f] = pu[f] + su[f];
        float e = ch->r[j] - (w->global_mean + w->blocks[MF_BLOCK_UBIAS].data[u] +
                              w->blocks[MF_BLOCK_IBIAS].data[i] + rs__mf_sliced_dot(uvec, qi, k));
        if (RS_UNLIKELY(!(fabsf(e) <= c->blowup))) {
            c->diverged = 1;
            return;
        }
        c->st.sq_err += (double)(wt * e * e);
        c->st.sum_w += wt;
        /* Gradients come from the rows before they move (a simultaneous step). */
        memcpy(qcopy, qi, k * sizeof(float));
        float g = -wt * e, norm2 = 0.0f, fnorm2 = 0.0f, rn2;
        for (size_t f = 0; f < k; f++) /* d/dy_j = |N(u)|^-1/2 q_i, summed over the run */
            acc[f] += g * (run.cu * qcopy[f]);
        run.m += 1.0f;
        norm2 += rs__sgd_row(c, MF_BLOCK_UBIAS, (size_t)u, g, &one, 1);
        norm2 += rs__sgd_row(c, MF_BLOCK_IBIAS, (size_t)i, g, &one, 1);
        rn2 = rs__sgd_row(c, MF_BLOCK_P, (size_t)u, g, qcopy, k);
        norm2 += rn2;
        fnorm2 += rn2;
        rn2 = rs__sgd_row(c, MF_BLOCK_Q, (size_t)i, g, uvec, k);
        norm2 += rn2;
        fnorm2 += rn2;
        if (j + 1 == run.end) /* the run's y_j step */
            rs__sgd_rows_shared(c, yb, run.col, run.n, 1.0f, acc, k, run.m, &norm2, &fnorm2);
        rs__stats_rating(c, norm2, fnorm2);
    }
}

static void svdpp_chunk_base(rs__train_ctx *c, const rs__chunk *ch, int32_t yb)
{
    svdpp_chunk_body(c, ch, yb);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void svdpp_chunk_avx2(rs__train_ctx *c,
                                                                  const rs__chunk *ch, int32_t yb)
{
    svdpp_chunk_body(c, ch, yb);
}
#endif

void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
    int32_t yb = rs__weights_implicit_block(c->w);
    if (yb >= 0) {
#if defined(__x86_64__) && defined(__GNUC__)
        if (c->isa >= RS__ISA_AVX2) {
            svdpp_chunk_avx2(c, ch, yb);
            return;
        }
#endif
        svdpp_chunk_base(c, ch, yb);
        return;
    }
    if (!c->rowbuf) { /* a context without row buffers (tests build such) */
        rs__train_chunk_generic(c, ch);
        return;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX512) {
        mf_chunk_avx512(c, ch);
        return;
    }
    if (c->isa == RS__ISA_AVX2) {
        mf_chunk_avx2(c, ch);
        return;
    }
#endif
    mf_chunk_base(c, ch);
}
