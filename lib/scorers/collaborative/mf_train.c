/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf_train.c: the specialised SGD loop of the collaborative scorer. It does
 * exactly what the generic step (lib/optim/step.c) does for biased MF, fused
 * into one pass over each factor row, for the policies that need no
 * per-parameter state (constant or inverse-time learning rate; no, value or
 * norm clipping). Other policies use the generic step.
 *
 * Rows are 64-byte aligned and padded with zeros to a multiple of 16 floats,
 * so the loops run over whole 8-float vectors; padding stays zero because its
 * gradient is zero. The same body is compiled for AVX2+FMA and for the
 * baseline ISA, and the choice is made once per fit from the CPU (no
 * -march=native, no global state). */
#include <math.h>
#include <string.h>

#include "optim/train.h"
#include "mf.h"

typedef float v8f __attribute__((vector_size(32), aligned(32)));

/* How many ratings ahead the loop prefetches parameter rows. */
#define MF_PREFETCH 8

__attribute__((always_inline)) static inline float hsum8(const v8f *v)
{
    return (((*v)[0] + (*v)[4]) + ((*v)[1] + (*v)[5])) + (((*v)[2] + (*v)[6]) + ((*v)[3] + (*v)[7]));
}

static inline int32_t clip_scalar(float *g, const rs__clip_policy *cp)
{
    if (cp->kind == RS_CLIP_NONE)
        return 0;
    float a = fabsf(*g);
    if (a <= cp->c) /* for one component, value and norm clipping agree */
        return 0;
    *g = *g > 0 ? cp->c : -cp->c;
    return 1;
}

__attribute__((always_inline)) static inline void
mf_chunk_body(rs__train_ctx *c, const rs__chunk *ch, int32_t clip_kind)
{
    rs__weights *w = c->w;
    float *ub = w->blocks[MF_BLOCK_UBIAS].data, *ib = w->blocks[MF_BLOCK_IBIAS].data;
    float *P = w->blocks[MF_BLOCK_P].data, *Q = w->blocks[MF_BLOCK_Q].data;
    size_t stride = w->blocks[MF_BLOCK_P].stride, nv = stride / 8;
    const float mu = w->global_mean, lr = c->lr;
    const float l2f = c->l2[RS__REG_FACTORS], l2b = c->l2[RS__REG_BIAS];
    const float cc = c->clip.c;
    rs__train_stats st = c->st;
    const size_t row_bytes = stride * sizeof(float);
    for (size_t j = 0; j < ch->n; j++) {
        /* Rows of a rating a few steps ahead are fetched now: the loop is
         * bound by memory latency, not arithmetic. */
        if (j + MF_PREFETCH < ch->n) {
            const char *pp = (const char *)(P + (size_t)ch->u[j + MF_PREFETCH] * stride);
            const char *qq = (const char *)(Q + (size_t)ch->i[j + MF_PREFETCH] * stride);
            for (size_t off = 0; off < row_bytes; off += 64) {
                __builtin_prefetch(pp + off, 1, 3);
                __builtin_prefetch(qq + off, 1, 3);
            }
            __builtin_prefetch(ub + ch->u[j + MF_PREFETCH], 1, 3);
            __builtin_prefetch(ib + ch->i[j + MF_PREFETCH], 1, 3);
        }
        const int32_t u = ch->u[j], i = ch->i[j];
        const float wt = ch->wt ? ch->wt[j] : 1.0f;
        v8f *p = (v8f *)(P + (size_t)u * stride), *q = (v8f *)(Q + (size_t)i * stride);
        v8f acc = {0};
        for (size_t v = 0; v < nv; v++)
            acc += p[v] * q[v];
        float e = ch->r[j] - (mu + ub[u] + ib[i] + hsum8(&acc));
        if (__builtin_expect(!(fabsf(e) <= c->blowup), 0)) {
            c->diverged = 1;
            break;
        }
        st.sq_err += (double)(wt * e * e);
        st.sum_w += wt;
        const float g = -wt * e;
        float gbu = g + l2b * ub[u], gbi = g + l2b * ib[i];
        float norm2 = gbu * gbu + gbi * gbi;
        st.n_clipped += (uint64_t)(clip_scalar(&gbu, &c->clip) + clip_scalar(&gbi, &c->clip));
        ub[u] -= lr * gbu;
        ib[i] -= lr * gbi;
        const v8f gv = {g, g, g, g, g, g, g, g}, l2v = {l2f, l2f, l2f, l2f, l2f, l2f, l2f, l2f};
        const v8f lrv = {lr, lr, lr, lr, lr, lr, lr, lr};
        float fnorm2;
        if (clip_kind == RS_CLIP_NORM) {
            /* The norm of each row's gradient is needed before either row moves. */
            v8f np = {0}, nq = {0};
            for (size_t v = 0; v < nv; v++) {
                v8f gp = gv * q[v] + l2v * p[v], gq = gv * p[v] + l2v * q[v];
                np += gp * gp;
                nq += gq * gq;
            }
            float np2 = hsum8(&np), nq2 = hsum8(&nq);
            fnorm2 = np2 + nq2;
            float sp = 1.0f, sq = 1.0f;
            if (np2 > cc * cc) {
                sp = cc / sqrtf(np2);
                st.n_clipped++;
            }
            if (nq2 > cc * cc) {
                sq = cc / sqrtf(nq2);
                st.n_clipped++;
            }
            const v8f lsp = lrv * sp, lsq = lrv * sq;
            for (size_t v = 0; v < nv; v++) {
                v8f pv = p[v], qv = q[v];
                p[v] = pv - lsp * (gv * qv + l2v * pv);
                q[v] = qv - lsq * (gv * pv + l2v * qv);
            }
        } else if (clip_kind == RS_CLIP_VALUE) {
            v8f nacc = {0};
            int32_t cp = 0, cq = 0;
            for (size_t v = 0; v < nv; v++) {
                v8f pv = p[v], qv = q[v];
                v8f gp = gv * qv + l2v * pv, gq = gv * pv + l2v * qv;
                nacc += gp * gp + gq * gq;
                for (int l = 0; l < 8; l++) {
                    float a = gp[l], b = gq[l];
                    float ac = a > cc ? cc : (a < -cc ? -cc : a);
                    float bc = b > cc ? cc : (b < -cc ? -cc : b);
                    cp |= ac != a;
                    cq |= bc != b;
                    gp[l] = ac;
                    gq[l] = bc;
                }
                p[v] = pv - lrv * gp;
                q[v] = qv - lrv * gq;
            }
            fnorm2 = hsum8(&nacc);
            st.n_clipped += (uint64_t)(cp + cq);
        } else {
            v8f nacc = {0};
            for (size_t v = 0; v < nv; v++) {
                v8f pv = p[v], qv = q[v];
                v8f gp = gv * qv + l2v * pv, gq = gv * pv + l2v * qv;
                nacc += gp * gp + gq * gq;
                p[v] = pv - lrv * gp;
                q[v] = qv - lrv * gq;
            }
            fnorm2 = hsum8(&nacc);
        }
        st.n_rows += 4;
        st.fnorm_sum += sqrtf(fnorm2);
        float gn = sqrtf(norm2 + fnorm2);
        st.gnorm_sum += gn;
        if (gn > st.gnorm_max)
            st.gnorm_max = gn;
        st.n_updates++;
    }
    c->st = st;
}

static void mf_chunk_base(rs__train_ctx *c, const rs__chunk *ch)
{
    switch (c->clip.kind) {
    case RS_CLIP_NORM: mf_chunk_body(c, ch, RS_CLIP_NORM); break;
    case RS_CLIP_VALUE: mf_chunk_body(c, ch, RS_CLIP_VALUE); break;
    default: mf_chunk_body(c, ch, RS_CLIP_NONE); break;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void mf_chunk_avx2(rs__train_ctx *c,
                                                               const rs__chunk *ch)
{
    switch (c->clip.kind) {
    case RS_CLIP_NORM: mf_chunk_body(c, ch, RS_CLIP_NORM); break;
    case RS_CLIP_VALUE: mf_chunk_body(c, ch, RS_CLIP_VALUE); break;
    default: mf_chunk_body(c, ch, RS_CLIP_NONE); break;
    }
}
#endif

void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
    int fast = c->clip.kind != RS_CLIP_CUSTOM &&
               (c->lr_policy == RS_LR_CONSTANT || c->lr_policy == RS_LR_INVERSE_TIME);
    if (!fast) {
        rs__train_chunk_generic(c, ch);
        return;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX2) {
        mf_chunk_avx2(c, ch);
        return;
    }
#endif
    mf_chunk_base(c, ch);
}
