/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf_train.c: the specialised SGD loop of the collaborative scorer. It does
 * what the generic step (lib/optim/step.c) does for biased MF, fused into a
 * pass or two over each factor row, for every learning-rate policy
 * (constant and inverse-time; AdaGrad with one accumulator per row; Adam)
 * and every clipping policy (none, value, norm, or the user's callback,
 * called once per row on the gradient in place).
 *
 * Rows are 64-byte aligned and padded with zeros to a multiple of 16
 * floats, so the loops run over whole 16-float vectors (one AVX-512
 * register, two AVX2 or four SSE registers); padding stays zero because
 * its gradient is zero. The same body is compiled for AVX-512, AVX2+FMA and
 * the baseline ISA, and the choice is made once per fit from the CPU (no
 * -march=native, no global state). Each policy pair is its own
 * instantiation of the body, so the inner loops carry no policy tests. */
#include <math.h>
#include <string.h>

#include "optim/train.h"
#include "mf.h"

/* The helpers below take and return 64-byte vectors; they are always
 * inlined, so gcc's note that such values would be passed differently
 * without AVX-512 concerns no call that exists. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v16f __attribute__((vector_size(64), aligned(64)));

/* How many ratings ahead the loop prefetches parameter rows. */
#define MF_PREFETCH 8

enum { POL_CONSTANT = 0, POL_ADAGRAD = 1, POL_ADAM = 2 };

static RS_ALWAYS_INLINE float hsum16(v16f v)
{
    float s[8];
    for (int l = 0; l < 8; l++)
        s[l] = v[l] + v[l + 8];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static RS_ALWAYS_INLINE v16f splat(float x)
{
    return (v16f){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

static RS_ALWAYS_INLINE v16f vclamp(v16f x, float c)
{
    for (int l = 0; l < 16; l++)
        x[l] = x[l] > c ? c : (x[l] < -c ? -c : x[l]);
    return x;
}

static RS_ALWAYS_INLINE v16f vsqrt(v16f x)
{
    for (int l = 0; l < 16; l++)
        x[l] = __builtin_sqrtf(x[l]);
    return x;
}

/* Clip one bias gradient; for a single component value and norm clipping
 * agree. Returns 1 if it changed. */
static RS_ALWAYS_INLINE int32_t clip_scalar(float *g, const rs__clip_policy *cp, int32_t kind)
{
    if (kind == RS_CLIP_NONE)
        return 0;
    if (kind == RS_CLIP_CUSTOM)
        return cp->fn(cp->ud, g, 1) ? 1 : 0;
    float a = fabsf(*g);
    if (a <= cp->c)
        return 0;
    *g = *g > 0 ? cp->c : -cp->c;
    return 1;
}

/* One bias step under the policy (state: AdaGrad accumulator, or Adam
 * moments and powers, all of this one row). */
static RS_ALWAYS_INLINE void bias_step(float *x, float g, float lr, const rs__train_ctx *c,
                                       int32_t pol, float *s1, float *s2, float *p1, float *p2)
{
    if (pol == POL_ADAGRAD) {
        *s1 += g * g;
        *x -= lr / (sqrtf(*s1) + c->eps) * g;
    } else if (pol == POL_ADAM) {
        float b1 = c->beta1, b2 = c->beta2;
        float c1 = 1.0f - rs__adam_power(p1, b1), c2 = 1.0f - rs__adam_power(p2, b2);
        *s1 = b1 * *s1 + (1.0f - b1) * g;
        *s2 = b2 * *s2 + (1.0f - b2) * g * g;
        *x -= lr / c1 * *s1 / (sqrtf(*s2 * (1.0f / c2)) + c->eps);
    } else {
        *x -= lr * g;
    }
}

/* Apply a factor row's gradient gr (already clipped) under the policy;
 * sq is its squared norm (AdaGrad's per-row accumulator takes the mean). */
static RS_ALWAYS_INLINE void row_step(v16f *restrict x, const v16f *restrict gr, size_t nv, float lr,
                                      float sq, float inv_k, const rs__train_ctx *c, int32_t pol,
                                      float *acc, v16f *restrict m, v16f *restrict v, float *p1,
                                      float *p2)
{
    if (pol == POL_ADAGRAD) {
        *acc += sq * inv_k;
        const v16f eta = splat(lr / (sqrtf(*acc) + c->eps));
        for (size_t j = 0; j < nv; j++)
            x[j] -= eta * gr[j];
    } else if (pol == POL_ADAM) {
        const float b1 = c->beta1, b2 = c->beta2;
        const float c1 = 1.0f - rs__adam_power(p1, b1), c2 = 1.0f - rs__adam_power(p2, b2);
        const v16f vb1 = splat(b1), vb2 = splat(b2), va1 = splat(1.0f - b1), va2 = splat(1.0f - b2);
        const v16f eta = splat(lr / c1), inv_c2 = splat(1.0f / c2), eps = splat(c->eps);
        for (size_t j = 0; j < nv; j++) {
            v16f gj = gr[j];
            m[j] = vb1 * m[j] + va1 * gj;
            v[j] = vb2 * v[j] + va2 * gj * gj;
            x[j] -= eta * m[j] / (vsqrt(v[j] * inv_c2) + eps);
        }
    } else {
        const v16f vl = splat(lr);
        for (size_t j = 0; j < nv; j++)
            x[j] -= vl * gr[j];
    }
}

static RS_ALWAYS_INLINE void mf_chunk_body(rs__train_ctx *c, const rs__chunk *ch, int32_t clip_kind,
                                           int32_t pol)
{
    rs__weights *w = c->w;
    float *ub = w->blocks[MF_BLOCK_UBIAS].data, *ib = w->blocks[MF_BLOCK_IBIAS].data;
    float *P = w->blocks[MF_BLOCK_P].data, *Q = w->blocks[MF_BLOCK_Q].data;
    const size_t stride = w->blocks[MF_BLOCK_P].stride, nv = stride / 16;
    const size_t k = w->blocks[MF_BLOCK_P].cols;
    const float inv_k = 1.0f / (float)(k ? k : 1);
    const float mu = w->global_mean, lr = c->lr;
    const float l2f = c->l2[RS__REG_FACTORS], l2b = c->l2[RS__REG_BIAS];
    const float cc = c->clip.c;
    const rs__optstate *o = c->opt;
    /* Optimizer state by block (NULL for the constant step). */
    float *s_ub = NULL, *s_ib = NULL, *s_p = NULL, *s_q = NULL;   /* AdaGrad acc / Adam m */
    float *s2_ub = NULL, *s2_ib = NULL, *s2_p = NULL, *s2_q = NULL; /* Adam v */
    float *p1_ub = NULL, *p1_ib = NULL, *p1_p = NULL, *p1_q = NULL;
    float *p2_ub = NULL, *p2_ib = NULL, *p2_p = NULL, *p2_q = NULL;
    if (pol != POL_CONSTANT) {
        s_ub = o->acc[MF_BLOCK_UBIAS];
        s_ib = o->acc[MF_BLOCK_IBIAS];
        s_p = o->acc[MF_BLOCK_P];
        s_q = o->acc[MF_BLOCK_Q];
    }
    if (pol == POL_ADAM) {
        s2_ub = o->acc2[MF_BLOCK_UBIAS];
        s2_ib = o->acc2[MF_BLOCK_IBIAS];
        s2_p = o->acc2[MF_BLOCK_P];
        s2_q = o->acc2[MF_BLOCK_Q];
        p1_ub = o->pow1[MF_BLOCK_UBIAS];
        p1_ib = o->pow1[MF_BLOCK_IBIAS];
        p1_p = o->pow1[MF_BLOCK_P];
        p1_q = o->pow1[MF_BLOCK_Q];
        p2_ub = o->pow2[MF_BLOCK_UBIAS];
        p2_ib = o->pow2[MF_BLOCK_IBIAS];
        p2_p = o->pow2[MF_BLOCK_P];
        p2_q = o->pow2[MF_BLOCK_Q];
    }
    /* Gradient rows for the two-pass policies, in the context's aligned
     * row buffers (the generic step's scratch is not aligned). */
    v16f *gp_buf = (v16f *)c->rowbuf, *gq_buf = (v16f *)c->rowbuf + nv;
    rs__train_stats st = c->st;
    const size_t row_bytes = stride * sizeof(float);
    const v16f l2v = splat(l2f);
    for (size_t j = 0; j < ch->n; j++) {
        /* Rows of a rating a few steps ahead are fetched now: the loop is
         * bound by memory latency, not arithmetic. */
        if (j + MF_PREFETCH < ch->n) {
            const size_t un = (size_t)ch->u[j + MF_PREFETCH], in = (size_t)ch->i[j + MF_PREFETCH];
            const char *pp = (const char *)(P + un * stride), *qq = (const char *)(Q + in * stride);
            for (size_t off = 0; off < row_bytes; off += 64) {
                __builtin_prefetch(pp + off, 1, 3);
                __builtin_prefetch(qq + off, 1, 3);
            }
            __builtin_prefetch(ub + un, 1, 3);
            __builtin_prefetch(ib + in, 1, 3);
            /* The optimizer state of those rows too: every array is a
             * separate random access. */
            if (pol != POL_CONSTANT) {
                __builtin_prefetch(s_ub + un, 1, 3);
                __builtin_prefetch(s_ib + in, 1, 3);
            }
            if (pol == POL_ADAGRAD) {
                __builtin_prefetch(s_p + un, 1, 3);
                __builtin_prefetch(s_q + in, 1, 3);
            } else if (pol == POL_ADAM) {
                __builtin_prefetch(s2_ub + un, 1, 3);
                __builtin_prefetch(s2_ib + in, 1, 3);
                __builtin_prefetch(p1_ub + un, 1, 3);
                __builtin_prefetch(p2_ub + un, 1, 3);
                __builtin_prefetch(p1_ib + in, 1, 3);
                __builtin_prefetch(p2_ib + in, 1, 3);
                __builtin_prefetch(p1_p + un, 1, 3);
                __builtin_prefetch(p2_p + un, 1, 3);
                __builtin_prefetch(p1_q + in, 1, 3);
                __builtin_prefetch(p2_q + in, 1, 3);
                const char *mp = (const char *)(s_p + un * stride), *mq = (const char *)(s_q + in * stride);
                const char *vp = (const char *)(s2_p + un * stride), *vq = (const char *)(s2_q + in * stride);
                for (size_t off = 0; off < row_bytes; off += 64) {
                    __builtin_prefetch(mp + off, 1, 3);
                    __builtin_prefetch(mq + off, 1, 3);
                    __builtin_prefetch(vp + off, 1, 3);
                    __builtin_prefetch(vq + off, 1, 3);
                }
            }
        }
        const int32_t u = ch->u[j], i = ch->i[j];
        const float wt = ch->wt ? ch->wt[j] : 1.0f;
        v16f *p = (v16f *)(P + (size_t)u * stride), *q = (v16f *)(Q + (size_t)i * stride);
        v16f acc = splat(0.0f);
        for (size_t v = 0; v < nv; v++)
            acc += p[v] * q[v];
        float e = ch->r[j] - (mu + ub[u] + ib[i] + hsum16(acc));
        if (__builtin_expect(!(fabsf(e) <= c->blowup), 0)) {
            c->diverged = 1;
            break;
        }
        st.sq_err += (double)(wt * e * e);
        st.sum_w += wt;
        const float g = -wt * e;
        float gbu = g + l2b * ub[u], gbi = g + l2b * ib[i];
        float norm2 = gbu * gbu + gbi * gbi;
        st.n_clipped += (uint64_t)(clip_scalar(&gbu, &c->clip, clip_kind) +
                                   clip_scalar(&gbi, &c->clip, clip_kind));
        if (pol == POL_CONSTANT) {
            ub[u] -= lr * gbu;
            ib[i] -= lr * gbi;
        } else {
            bias_step(ub + u, gbu, lr, c, pol, s_ub + u, pol == POL_ADAM ? s2_ub + u : NULL,
                      pol == POL_ADAM ? p1_ub + u : NULL, pol == POL_ADAM ? p2_ub + u : NULL);
            bias_step(ib + i, gbi, lr, c, pol, s_ib + i, pol == POL_ADAM ? s2_ib + i : NULL,
                      pol == POL_ADAM ? p1_ib + i : NULL, pol == POL_ADAM ? p2_ib + i : NULL);
        }
        const v16f gv = splat(g), lrv = splat(lr);
        float fnorm2;
        if (pol == POL_CONSTANT && clip_kind == RS_CLIP_NONE) {
            /* One pass: both rows' gradients from the old values, then the step. */
            v16f nacc = splat(0.0f);
            for (size_t v = 0; v < nv; v++) {
                v16f pv = p[v], qv = q[v];
                v16f gpv = gv * qv + l2v * pv, gqv = gv * pv + l2v * qv;
                nacc += gpv * gpv + gqv * gqv;
                p[v] = pv - lrv * gpv;
                q[v] = qv - lrv * gqv;
            }
            fnorm2 = hsum16(nacc);
        } else if (pol == POL_CONSTANT && clip_kind == RS_CLIP_VALUE) {
            v16f nacc = splat(0.0f);
            int32_t cp = 0, cq = 0;
            for (size_t v = 0; v < nv; v++) {
                v16f pv = p[v], qv = q[v];
                v16f gpv = gv * qv + l2v * pv, gqv = gv * pv + l2v * qv;
                nacc += gpv * gpv + gqv * gqv;
                v16f gpc = vclamp(gpv, cc), gqc = vclamp(gqv, cc);
                for (int l = 0; l < 16; l++) {
                    cp |= gpc[l] != gpv[l];
                    cq |= gqc[l] != gqv[l];
                }
                p[v] = pv - lrv * gpc;
                q[v] = qv - lrv * gqc;
            }
            fnorm2 = hsum16(nacc);
            st.n_clipped += (uint64_t)(cp + cq);
        } else {
            /* Two passes: the gradients (from the old rows) into the row
             * buffers with their norms; clipping; then each row's step. */
            v16f np = splat(0.0f), nq = splat(0.0f);
            for (size_t v = 0; v < nv; v++) {
                v16f pv = p[v], qv = q[v];
                v16f gpv = gv * qv + l2v * pv, gqv = gv * pv + l2v * qv;
                np += gpv * gpv;
                nq += gqv * gqv;
                gp_buf[v] = gpv;
                gq_buf[v] = gqv;
            }
            float np2 = hsum16(np), nq2 = hsum16(nq);
            fnorm2 = np2 + nq2;
            float sqp = np2, sqq = nq2; /* squared norms after clipping */
            if (clip_kind == RS_CLIP_NORM) {
                if (np2 > cc * cc) {
                    const v16f s = splat(cc / sqrtf(np2));
                    for (size_t v = 0; v < nv; v++)
                        gp_buf[v] *= s;
                    sqp = cc * cc;
                    st.n_clipped++;
                }
                if (nq2 > cc * cc) {
                    const v16f s = splat(cc / sqrtf(nq2));
                    for (size_t v = 0; v < nv; v++)
                        gq_buf[v] *= s;
                    sqq = cc * cc;
                    st.n_clipped++;
                }
            } else if (clip_kind != RS_CLIP_NONE) {
                int32_t cp, cq;
                if (clip_kind == RS_CLIP_VALUE) {
                    cp = rs__clip_value_inline((float *)gp_buf, k, cc);
                    cq = rs__clip_value_inline((float *)gq_buf, k, cc);
                } else { /* the user's policy, once per row, on the gradient in place */
                    cp = c->clip.fn(c->clip.ud, (float *)gp_buf, k) ? 1 : 0;
                    cq = c->clip.fn(c->clip.ud, (float *)gq_buf, k) ? 1 : 0;
                }
                st.n_clipped += (uint64_t)(cp + cq);
                if (pol == POL_ADAGRAD && (cp || cq)) {
                    v16f a = splat(0.0f), b = splat(0.0f);
                    for (size_t v = 0; v < nv; v++) {
                        a += gp_buf[v] * gp_buf[v];
                        b += gq_buf[v] * gq_buf[v];
                    }
                    sqp = hsum16(a);
                    sqq = hsum16(b);
                }
            }
            row_step(p, gp_buf, nv, lr, sqp, inv_k, c, pol, s_p ? s_p + u : NULL,
                     pol == POL_ADAM ? (v16f *)(s_p + (size_t)u * stride) : NULL,
                     pol == POL_ADAM ? (v16f *)(s2_p + (size_t)u * stride) : NULL,
                     pol == POL_ADAM ? p1_p + u : NULL, pol == POL_ADAM ? p2_p + u : NULL);
            row_step(q, gq_buf, nv, lr, sqq, inv_k, c, pol, s_q ? s_q + i : NULL,
                     pol == POL_ADAM ? (v16f *)(s_q + (size_t)i * stride) : NULL,
                     pol == POL_ADAM ? (v16f *)(s2_q + (size_t)i * stride) : NULL,
                     pol == POL_ADAM ? p1_q + i : NULL, pol == POL_ADAM ? p2_q + i : NULL);
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

/* Every (clip, policy) pair is its own instantiation of the body. */
#define MF_DISPATCH(c, ch)                                                                         \
    do {                                                                                           \
        int32_t pol_ = (c)->lr_policy == RS_LR_ADAGRAD ? POL_ADAGRAD                               \
                       : (c)->lr_policy == RS_LR_ADAM  ? POL_ADAM                                  \
                                                       : POL_CONSTANT;                             \
        switch ((c)->clip.kind * 3 + pol_) {                                                       \
        case RS_CLIP_NONE * 3 + POL_CONSTANT: mf_chunk_body(c, ch, RS_CLIP_NONE, POL_CONSTANT); break; \
        case RS_CLIP_NONE * 3 + POL_ADAGRAD: mf_chunk_body(c, ch, RS_CLIP_NONE, POL_ADAGRAD); break; \
        case RS_CLIP_NONE * 3 + POL_ADAM: mf_chunk_body(c, ch, RS_CLIP_NONE, POL_ADAM); break;     \
        case RS_CLIP_VALUE * 3 + POL_CONSTANT: mf_chunk_body(c, ch, RS_CLIP_VALUE, POL_CONSTANT); break; \
        case RS_CLIP_VALUE * 3 + POL_ADAGRAD: mf_chunk_body(c, ch, RS_CLIP_VALUE, POL_ADAGRAD); break; \
        case RS_CLIP_VALUE * 3 + POL_ADAM: mf_chunk_body(c, ch, RS_CLIP_VALUE, POL_ADAM); break;   \
        case RS_CLIP_NORM * 3 + POL_CONSTANT: mf_chunk_body(c, ch, RS_CLIP_NORM, POL_CONSTANT); break; \
        case RS_CLIP_NORM * 3 + POL_ADAGRAD: mf_chunk_body(c, ch, RS_CLIP_NORM, POL_ADAGRAD); break; \
        case RS_CLIP_NORM * 3 + POL_ADAM: mf_chunk_body(c, ch, RS_CLIP_NORM, POL_ADAM); break;     \
        case RS_CLIP_CUSTOM * 3 + POL_CONSTANT: mf_chunk_body(c, ch, RS_CLIP_CUSTOM, POL_CONSTANT); break; \
        case RS_CLIP_CUSTOM * 3 + POL_ADAGRAD: mf_chunk_body(c, ch, RS_CLIP_CUSTOM, POL_ADAGRAD); break; \
        default: mf_chunk_body(c, ch, RS_CLIP_CUSTOM, POL_ADAM); break;                            \
        }                                                                                          \
    } while (0)

static void mf_chunk_base(rs__train_ctx *c, const rs__chunk *ch) { MF_DISPATCH(c, ch); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void mf_chunk_avx2(rs__train_ctx *c, const rs__chunk *ch)
{
    MF_DISPATCH(c, ch);
}

__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) static void
mf_chunk_avx512(rs__train_ctx *c, const rs__chunk *ch)
{
    MF_DISPATCH(c, ch);
}
#endif

void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
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
