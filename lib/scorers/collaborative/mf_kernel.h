/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf_kernel.h: the body of the collaborative scorer's fused training loop,
 * written once for a vector type and included by mf_train.c once per ISA
 * with its native width (16 floats for AVX-512, 8 for AVX2, 4 for the
 * baseline): a generic 64-byte vector lowered onto narrower registers goes
 * through the stack. No include guard on purpose. Before including, define
 *   MF_V       the vector type (float, vector_size(4 * MF_LANES))
 *   MF_LANES   its lanes
 *   MF_SUFFIX  the suffix of the functions made here
 *   MF_TARGET  the entry's target attribute (or nothing)
 * It defines MF_F(mf_chunk)(ctx, chunk), the entry for that ISA. */
#define MF_CAT_(a, b) a##_##b
#define MF_CAT(a, b) MF_CAT_(a, b)
#define MF_F(name) MF_CAT(name, MF_SUFFIX)

#include "scorers/simd.h"

MF_TARGET static RS_ALWAYS_INLINE void MF_F(mf_chunk_body)(rs__train_ctx *c, const rs__chunk *ch, int32_t clip_kind,
                                           int32_t pol)
{
    rs__weights *w = c->w;
    float *ub = w->blocks[MF_BLOCK_UBIAS].data, *ib = w->blocks[MF_BLOCK_IBIAS].data;
    float *P = w->blocks[MF_BLOCK_P].data, *Q = w->blocks[MF_BLOCK_Q].data;
    const size_t stride = w->blocks[MF_BLOCK_P].stride, nv = stride / MF_LANES;
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
    MF_V *gp_buf = (MF_V *)c->rowbuf, *gq_buf = (MF_V *)c->rowbuf + nv;
    MF_F(normbuf) nbuf;
    memset(&nbuf, 0, sizeof nbuf);
    int nb = 0;
    rs__train_stats st = c->st;
    const size_t row_bytes = stride * sizeof(float);
    const MF_V l2v = MF_F(splat)(l2f);
    /* AdaGrad with value clipping keeps the two passes: its accumulator
     * takes the norm after clipping, which only the clipped row gives. */
    const int one_pass = (pol == POL_CONSTANT && clip_kind != RS_CLIP_CUSTOM) ||
                         (pol == POL_ADAGRAD && (clip_kind == RS_CLIP_NONE || clip_kind == RS_CLIP_NORM));
    /* Norm clipping and AdaGrad need each row's norm; the statistics only their sum. */
    const int two_norms = one_pass && (pol == POL_ADAGRAD || clip_kind == RS_CLIP_NORM);
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
        MF_V *p = (MF_V *)(P + (size_t)u * stride), *q = (MF_V *)(Q + (size_t)i * stride);
        /* The one-pass policies take both rows' squared norms from this
         * pass too: with them, the gradients' norms (for the statistics,
         * norm clipping and AdaGrad) follow from the dot product alone
         * (||g q + l2 p||^2 = g^2 |q|^2 + 2 g l2 p.q + l2^2 |p|^2), and the
         * update needs no second pass over the rows or reduction. */
        MF_V acc = MF_F(splat)(0.0f), app = acc, aqq = acc;
        float pq, pp = 0.0f, qq = 0.0f, pp_qq = 0.0f;
        if (!one_pass) {
            for (size_t v = 0; v < nv; v++)
                acc += p[v] * q[v];
            pq = MF_F(hsum)(acc);
        } else if (two_norms) {
            for (size_t v = 0; v < nv; v++) {
                acc += p[v] * q[v];
                app += p[v] * p[v];
                aqq += q[v] * q[v];
            }
            float r4[4];
            MF_F(hsum4)(acc, app, aqq, MF_F(splat)(0.0f), r4);
            pq = r4[0];
            pp = r4[1];
            qq = r4[2];
        } else {
            for (size_t v = 0; v < nv; v++) {
                acc += p[v] * q[v];
                app += p[v] * p[v] + q[v] * q[v];
            }
            MF_F(hsum2)(acc, app, &pq, &pp_qq);
        }
        float e = ch->r[j] - (mu + ub[u] + ib[i] + pq);
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
        const MF_V gv = MF_F(splat)(g);
        float fnorm2;
        if (one_pass) {
            /* Squared norms of the two factor gradients (before clipping);
             * rounding can take a tiny one below 0, which a norm never is. */
            const float cross = 2.0f * g * l2f * pq, gg = g * g, ll = l2f * l2f;
            float sqp = 0.0f, sqq = 0.0f;
            if (two_norms) {
                sqp = gg * qq + cross + ll * pp;
                sqq = gg * pp + cross + ll * qq;
                sqp = sqp > 0.0f ? sqp : 0.0f;
                sqq = sqq > 0.0f ? sqq : 0.0f;
                fnorm2 = sqp + sqq;
            } else {
                fnorm2 = (gg + ll) * pp_qq + 2.0f * cross;
                fnorm2 = fnorm2 > 0.0f ? fnorm2 : 0.0f;
            }
            float etap = lr, etaq = lr;
            if (clip_kind == RS_CLIP_NORM) {
                if (sqp > cc * cc) {
                    etap *= cc / sqrtf(sqp);
                    sqp = cc * cc;
                    st.n_clipped++;
                }
                if (sqq > cc * cc) {
                    etaq *= cc / sqrtf(sqq);
                    sqq = cc * cc;
                    st.n_clipped++;
                }
            }
            if (pol == POL_ADAGRAD) {
                s_p[u] += sqp * inv_k;
                s_q[i] += sqq * inv_k;
                etap /= sqrtf(s_p[u]) + c->eps;
                etaq /= sqrtf(s_q[i]) + c->eps;
            }
            const MF_V vp = MF_F(splat)(etap), vq = MF_F(splat)(etaq);
            if (clip_kind == RS_CLIP_VALUE) {
                int32_t cp = 0, cq = 0;
                for (size_t v = 0; v < nv; v++) {
                    MF_V pv = p[v], qv = q[v];
                    MF_V gpv = gv * qv + l2v * pv, gqv = gv * pv + l2v * qv;
                    MF_V gpc = MF_F(vclamp)(gpv, cc), gqc = MF_F(vclamp)(gqv, cc);
                    for (int l = 0; l < MF_LANES; l++) {
                        cp |= gpc[l] != gpv[l];
                        cq |= gqc[l] != gqv[l];
                    }
                    p[v] = pv - vp * gpc;
                    q[v] = qv - vq * gqc;
                }
                st.n_clipped += (uint64_t)(cp + cq);
            } else {
                for (size_t v = 0; v < nv; v++) {
                    MF_V pv = p[v], qv = q[v];
                    p[v] = pv - vp * (gv * qv + l2v * pv);
                    q[v] = qv - vq * (gv * pv + l2v * qv);
                }
            }
        } else {
            /* Two passes: the gradients (from the old rows) into the row
             * buffers with their norms; clipping; then each row's step. */
            MF_V np = MF_F(splat)(0.0f), nq = MF_F(splat)(0.0f);
            for (size_t v = 0; v < nv; v++) {
                MF_V pv = p[v], qv = q[v];
                MF_V gpv = gv * qv + l2v * pv, gqv = gv * pv + l2v * qv;
                np += gpv * gpv;
                nq += gqv * gqv;
                gp_buf[v] = gpv;
                gq_buf[v] = gqv;
            }
            float np2 = MF_F(hsum)(np), nq2 = MF_F(hsum)(nq);
            fnorm2 = np2 + nq2;
            float sqp = np2, sqq = nq2; /* squared norms after clipping */
            if (clip_kind == RS_CLIP_NORM) {
                if (np2 > cc * cc) {
                    const MF_V s = MF_F(splat)(cc / sqrtf(np2));
                    for (size_t v = 0; v < nv; v++)
                        gp_buf[v] *= s;
                    sqp = cc * cc;
                    st.n_clipped++;
                }
                if (nq2 > cc * cc) {
                    const MF_V s = MF_F(splat)(cc / sqrtf(nq2));
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
                    MF_V a = MF_F(splat)(0.0f), b = MF_F(splat)(0.0f);
                    for (size_t v = 0; v < nv; v++) {
                        a += gp_buf[v] * gp_buf[v];
                        b += gq_buf[v] * gq_buf[v];
                    }
                    sqp = MF_F(hsum)(a);
                    sqq = MF_F(hsum)(b);
                }
            }
            MF_F(row_step)(p, gp_buf, nv, lr, sqp, inv_k, c, pol, s_p ? s_p + u : NULL,
                     pol == POL_ADAM ? (MF_V *)(s_p + (size_t)u * stride) : NULL,
                     pol == POL_ADAM ? (MF_V *)(s2_p + (size_t)u * stride) : NULL,
                     pol == POL_ADAM ? p1_p + u : NULL, pol == POL_ADAM ? p2_p + u : NULL);
            MF_F(row_step)(q, gq_buf, nv, lr, sqq, inv_k, c, pol, s_q ? s_q + i : NULL,
                     pol == POL_ADAM ? (MF_V *)(s_q + (size_t)i * stride) : NULL,
                     pol == POL_ADAM ? (MF_V *)(s2_q + (size_t)i * stride) : NULL,
                     pol == POL_ADAM ? p1_q + i : NULL, pol == POL_ADAM ? p2_q + i : NULL);
        }
        st.n_rows += 4;
        /* The norms' square roots are taken a vector at a time. */
        nbuf.fu.f[nb] = fnorm2;
        nbuf.gu.g[nb] = norm2 + fnorm2;
        if (++nb == MF_LANES) {
            MF_F(flush_norms)(&st, &nbuf, nb);
            nb = 0;
        }
        st.n_updates++;
    }
    MF_F(flush_norms)(&st, &nbuf, nb);
    c->st = st;
}

/* The entry for this ISA: every (clip, policy) pair is its own
 * instantiation of the body, so the inner loops carry no policy tests. */
MF_TARGET static void MF_F(mf_chunk)(rs__train_ctx *c, const rs__chunk *ch)
{
    int32_t pol = c->lr_policy == RS_LR_ADAGRAD ? POL_ADAGRAD
                  : c->lr_policy == RS_LR_ADAM  ? POL_ADAM
                                                : POL_CONSTANT;
    switch (c->clip.kind * 3 + pol) {
    case RS_CLIP_NONE * 3 + POL_CONSTANT: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NONE, POL_CONSTANT); break;
    case RS_CLIP_NONE * 3 + POL_ADAGRAD: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NONE, POL_ADAGRAD); break;
    case RS_CLIP_NONE * 3 + POL_ADAM: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NONE, POL_ADAM); break;
    case RS_CLIP_VALUE * 3 + POL_CONSTANT: MF_F(mf_chunk_body)(c, ch, RS_CLIP_VALUE, POL_CONSTANT); break;
    case RS_CLIP_VALUE * 3 + POL_ADAGRAD: MF_F(mf_chunk_body)(c, ch, RS_CLIP_VALUE, POL_ADAGRAD); break;
    case RS_CLIP_VALUE * 3 + POL_ADAM: MF_F(mf_chunk_body)(c, ch, RS_CLIP_VALUE, POL_ADAM); break;
    case RS_CLIP_NORM * 3 + POL_CONSTANT: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NORM, POL_CONSTANT); break;
    case RS_CLIP_NORM * 3 + POL_ADAGRAD: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NORM, POL_ADAGRAD); break;
    case RS_CLIP_NORM * 3 + POL_ADAM: MF_F(mf_chunk_body)(c, ch, RS_CLIP_NORM, POL_ADAM); break;
    case RS_CLIP_CUSTOM * 3 + POL_CONSTANT: MF_F(mf_chunk_body)(c, ch, RS_CLIP_CUSTOM, POL_CONSTANT); break;
    case RS_CLIP_CUSTOM * 3 + POL_ADAGRAD: MF_F(mf_chunk_body)(c, ch, RS_CLIP_CUSTOM, POL_ADAGRAD); break;
    default: MF_F(mf_chunk_body)(c, ch, RS_CLIP_CUSTOM, POL_ADAM); break;
    }
}

#undef MF_F
#undef MF_CAT
#undef MF_CAT_
