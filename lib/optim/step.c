/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * step.c: the generic SGD step every scorer can use. For a rating r with
 * weight w and prediction yhat, the loss is w * (r - yhat)^2 plus L2; the
 * gradient of each touched row is -w * e * dyhat/dtheta + l2 * theta (the
 * constant 2 is folded into the learning rate, as in Funk's SVD). Rows of
 * deferred blocks (deferred.h) do not move: their loss gradient
 * -w * e * dyhat/dtheta and its curvature w |dyhat/dtheta|^2 are added to
 * the row's sums for the merge point, and the rating's gradient norm counts
 * it without the L2 term (applied once there). */
#include "train.h"
#include "common/alloc.h"

#include <string.h>

void rs__train_chunk_generic(rs__train_ctx *c, const rs__chunk *ch)
{
    rs__weights *w = c->w;
    for (size_t j = 0; j < ch->n; j++) {
        int32_t u = ch->u[j], i = ch->i[j];
        float wt = ch->wt ? ch->wt[j] : 1.0f;
        float e = ch->r[j] - c->ops->predict(w, u, i);
        if (RS_UNLIKELY(!(fabsf(e) <= c->blowup))) {
            c->diverged = 1;
            return;
        }
        c->st.sq_err += (double)(wt * e * e);
        c->st.sum_w += wt;
        size_t nt = c->ops->pred_grad(w, u, i, c->touches, c->max_touches, c->scratch,
                                      c->scratch_floats);
        float g = -wt * e;
        float norm2 = 0.0f, fnorm2 = 0.0f;
        /* Every touch's gradient is taken before any row moves (pred_grad
         * copied what it needs into scratch), so the step is simultaneous. */
        for (size_t t = 0; t < nt; t++) {
            const rs__touch *tc = &c->touches[t];
            float rn2;
            if (rs__deferred_has(c->defer, tc->block)) {
                rs__deferred *d = c->defer;
                size_t cell = rs__deferred_slot(d, c->band) * d->rows[tc->block] + tc->row;
                float *sum = d->sum[tc->block] + cell * w->blocks[tc->block].stride;
                for (size_t f = 0; f < tc->n; f++)
                    sum[f] += g * tc->grad[f];
                d->count[tc->block][cell]++;
                float src2 = rs__vec_sqnorm(tc->grad, tc->n);
                d->curv[tc->block][cell] += wt * src2;
                rn2 = g * g * src2;
            } else {
                rn2 = rs__sgd_row(c, tc->block, tc->row, g, tc->grad, tc->n);
            }
            norm2 += rn2;
            if (tc->n > 1)
                fnorm2 += rn2;
        }
        rs__stats_rating(c, norm2, fnorm2);
    }
}

/* One optimizer-state array of n floats, 64-byte aligned (the fused loops
 * read moments as whole vectors) and zeroed. */
static float *state_array(rs__optstate *o, size_t b, int which, size_t n, const rs__allocator *a)
{
    o->n[b][which] = n;
    return rs__alloc_floats_aligned(a, n, &o->raw[b][which], &o->raw_bytes[b][which]);
}

static void fill(float *x, size_t n, float v)
{
    for (size_t j = 0; j < n; j++)
        x[j] = v;
}

rs_status rs__optstate_init(rs__optstate *o, const rs__weights *w, int32_t lr_policy,
                            const rs__allocator *a)
{
    memset(o, 0, sizeof *o);
    o->n_blocks = w->n_blocks;
    if (lr_policy != RS_LR_ADAGRAD && lr_policy != RS_LR_ADAM)
        return RS_OK;
    for (size_t b = 0; b < w->n_blocks; b++) {
        size_t rows = w->blocks[b].rows ? w->blocks[b].rows : 1;
        size_t cells = rows * w->blocks[b].stride;
        if (lr_policy == RS_LR_ADAGRAD) {
            if (!(o->acc[b] = state_array(o, b, 0, rows, a)))
                goto nomem;
            continue;
        }
        o->acc[b] = state_array(o, b, 0, cells, a);
        o->acc2[b] = state_array(o, b, 1, cells, a);
        o->pow1[b] = state_array(o, b, 2, rows, a);
        o->pow2[b] = state_array(o, b, 3, rows, a);
        if (!o->acc[b] || !o->acc2[b] || !o->pow1[b] || !o->pow2[b])
            goto nomem;
        fill(o->pow1[b], rows, 1.0f);
        fill(o->pow2[b], rows, 1.0f);
    }
    return RS_OK;
nomem:
    rs__optstate_free(o, a);
    return RS_ERR_NOMEM;
}

void rs__optstate_reset(rs__optstate *o)
{
    for (size_t b = 0; b < o->n_blocks; b++) {
        if (o->acc[b])
            memset(o->acc[b], 0, o->n[b][0] * sizeof(float));
        if (o->acc2[b])
            memset(o->acc2[b], 0, o->n[b][1] * sizeof(float));
        if (o->pow1[b])
            fill(o->pow1[b], o->n[b][2], 1.0f);
        if (o->pow2[b])
            fill(o->pow2[b], o->n[b][3], 1.0f);
    }
}

void rs__optstate_free(rs__optstate *o, const rs__allocator *a)
{
    for (size_t b = 0; b < RS__MAX_BLOCKS; b++)
        for (int k = 0; k < 4; k++)
            if (o->raw[b][k])
                rs__free_aligned(a, o->raw[b][k], o->raw_bytes[b][k]);
    memset(o, 0, sizeof *o);
}

int32_t rs__isa_detect(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return RS__ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return RS__ISA_AVX2;
#endif
    return RS__ISA_BASELINE;
}
