/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fm_kernel.h: the body of the feature-model scorers' fused training loop
 * (fm_train.c), written once for a vector type and included by fm_train.c
 * once per ISA with its native width, as collaborative/mf_kernel.h is. No
 * include guard on purpose. Before including, define MF_V, MF_LANES,
 * MF_SUFFIX and MF_TARGET (see mf_kernel.h). It defines MF_F(fm_chunk)(ctx,
 * chunk) and MF_F(fm_collect)(ctx), the entries for that ISA. */
#define MF_CAT_(a, b) a##_##b
#define MF_CAT(a, b) MF_CAT_(a, b)
#define MF_F(name) MF_CAT(name, MF_SUFFIX)

#include "scorers/simd.h"

/* The row loops run nv = stride / lanes times (8 at k = 128 on AVX-512):
 * unrolled, their counter and branch stop costing as much as the work. */
#ifndef FM_UNROLL
#define FM_UNROLL _Pragma("GCC unroll 4")
#endif

/* Helpers that are not per-rating work on the common path (an id's cache
 * built once per sub-epoch, the per-block sums of a side without caches,
 * the merge point's collection) stay out of line: inlined, they made the
 * loop one huge function, whose register allocation and debug-info
 * tracking took most of this file's compile time, under ASan above all. */
#define FM_OUTLINE MF_TARGET __attribute__((noinline)) static

/* vec = sum_j val[j] F[col[j]] (nv vectors); *fbias = sum_j val[j] fb[col[j]]
 * and *sqx = sum_j val[j]^2: an id's feature part from the frozen rows. */
FM_OUTLINE void MF_F(build)(MF_V *restrict vec, size_t n, const int32_t *col, const float *val,
                                   const rs__block *F, const float *fb, size_t nv, float *fbias,
                                   float *sqx)
{
    float b = 0.0f, sq = 0.0f;
    if (n == 0)
        for (size_t v = 0; v < nv; v++)
            vec[v] = MF_F(splat)(0.0f);
    for (size_t j = 0; j < n; j++) {
        const MF_V *row = (const MF_V *)(F->data + (size_t)col[j] * F->stride);
        const MF_V x = MF_F(splat)(val[j]);
        if (j == 0) {
            FM_UNROLL
            for (size_t v = 0; v < nv; v++)
                vec[v] = x * row[v];
        } else {
            FM_UNROLL
            for (size_t v = 0; v < nv; v++)
                vec[v] += x * row[v];
        }
        b += val[j] * fb[col[j]];
        sq += val[j] * val[j];
    }
    *fbias = b;
    *sqx = sq;
}

/* Build id's cache for sub-epoch serial (enter). */
FM_OUTLINE void MF_F(rebuild)(fm_side *s, fm_id *st, size_t id, uint64_t serial,
                              const rs__features *ft, const rs__block *F, const float *fb, size_t nv)
{
    MF_V *vec = (MF_V *)(s->vec + id * 2 * s->stride), *acc = vec + nv;
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, id, &col, &val);
    MF_F(build)(vec, n, col, val, F, fb, nv, &st->fbias, &st->sqx);
    for (size_t v = 0; v < nv; v++)
        acc[v] = MF_F(splat)(0.0f);
    st->gbias = 0.0f;
    st->n = 0;
    st->wsum = 0.0f;
    st->wsq = 0.0f;
    st->stamp = serial;
}

/* The id's cache for this sub-epoch, built on first use from the frozen
 * feature rows F (vectors) and fb (biases). */
MF_TARGET static RS_ALWAYS_INLINE fm_id *MF_F(enter)(fm_side *s, size_t id, uint64_t serial,
                                           const rs__features *ft, const rs__block *F,
                                           const float *fb, size_t nv)
{
    fm_id *st = &s->id[id];
    if (RS_UNLIKELY(st->stamp != serial))
        MF_F(rebuild)(s, st, id, serial, ft, F, fb, nv);
    return st;
}

/* Add one rating's gradient to the block's own sums of the feature rows of
 * one side (per-block sums): bias rows g x_f, vector rows g x_f vec (NULL:
 * the side's vectors do not gather), with counts and curvatures as the
 * per-id path adds them at the merge point (collect_side). */
FM_OUTLINE void MF_F(scatter)(rs__deferred *d, size_t slot, int32_t bias_blk, int32_t vec_blk,
                                     size_t n, const int32_t *col, const float *val, float g,
                                     float wt, const MF_V *vec, float vec2, size_t stride, size_t nv)
{
    const size_t bcell = slot * d->rows[bias_blk];
    float *bsum = d->sum[bias_blk] + bcell, *bcurv = d->curv[bias_blk] + bcell;
    uint64_t *bcount = d->count[bias_blk] + bcell;
    for (size_t j = 0; j < n; j++) {
        const size_t f = (size_t)col[j];
        const float x = val[j], xx = x * x;
        bsum[f] += g * x;
        bcount[f]++;
        bcurv[f] += wt * xx;
        if (!vec)
            continue;
        const size_t cell = slot * d->rows[vec_blk] + f;
        MF_V *sum = (MF_V *)(d->sum[vec_blk] + cell * stride);
        const MF_V gx = MF_F(splat)(g * x);
        FM_UNROLL
        for (size_t v = 0; v < nv; v++)
            sum[v] += gx * vec[v];
        d->count[vec_blk][cell]++;
        d->curv[vec_blk][cell] += wt * xx * vec2;
    }
}

/* The id rows' step (P_u, and Q_i when q is not NULL) under every policy
 * but the constant step without clipping, in two passes: the gradients
 * (from the old rows) into the row buffers with their norms, clipping,
 * then each row's step. One copy per ISA with the policy and the clip read
 * at run time (they are the same for every rating of a fit): a copy per
 * combination inlined into the loop made most of this file's compile time.
 * Adds the rating's gradient to the per-id sums au and ai as the one-pass
 * loop does (gus, gis: g or 0); returns the rows' squared gradient norms
 * before clipping and how many rows the clip changed. */
MF_TARGET __attribute__((noinline)) static id_result
MF_F(id_rows_policy)(rs__train_ctx *c, const id_state *os, int32_t clip_kind, int32_t pol, MF_V *p,
                     MF_V *q, const MF_V *tb, const MF_V *zb, MF_V *au, MF_V *ai, float gs, float gus,
                     float gis, int tu, int qrow, size_t u, size_t i)
{
    const int hq = q != NULL;
    const size_t stride = c->w->blocks[FM_P].stride, nv = stride / MF_LANES, k = c->w->factors;
    const float inv_k = 1.0f / (float)(k ? k : 1);
    const float lr = c->lr, cc = c->clip.c;
    const MF_V l2v = MF_F(splat)(c->l2[RS__REG_FACTORS]);
    const MF_V gv = MF_F(splat)(gs), gu = MF_F(splat)(gus), gi = MF_F(splat)(gis);
    MF_V *gp_buf = (MF_V *)c->rowbuf, *gq_buf = gp_buf + nv;
    float nf2 = 0.0f;
    MF_V np = MF_F(splat)(0.0f), nq = MF_F(splat)(0.0f);
    for (size_t v = 0; v < nv; v++) {
        const MF_V zv = zb[v], tv = tb[v];
        MF_V gpv = gv * zv + l2v * p[v];
        np += gpv * gpv;
        gp_buf[v] = gpv;
        if (hq) {
            MF_V gqv = gv * tv + l2v * q[v];
            nq += gqv * gqv;
            gq_buf[v] = gqv;
        }
        au[v] += gu * zv;
        ai[v] += gi * tv;
    }
    float np2, nq2;
    MF_F(hsum2)(np, nq, &np2, &nq2);
    float sqp = np2, sqq = nq2; /* squared norms after clipping */
    int32_t cp = 0, cq = 0;
    if (clip_kind == RS_CLIP_NORM) {
        if (tu && np2 > cc * cc) {
            const MF_V s = MF_F(splat)(cc / sqrtf(np2));
            for (size_t v = 0; v < nv; v++)
                gp_buf[v] *= s;
            sqp = cc * cc;
            cp = 1;
        }
        if (qrow && nq2 > cc * cc) {
            const MF_V s = MF_F(splat)(cc / sqrtf(nq2));
            for (size_t v = 0; v < nv; v++)
                gq_buf[v] *= s;
            sqq = cc * cc;
            cq = 1;
        }
    } else if (clip_kind != RS_CLIP_NONE) {
        if (clip_kind == RS_CLIP_VALUE) {
            cp = tu ? rs__clip_value_inline((float *)gp_buf, k, cc) : 0;
            cq = qrow ? rs__clip_value_inline((float *)gq_buf, k, cc) : 0;
        } else { /* the user's policy, once per row, on the gradient in place */
            cp = tu ? (c->clip.fn(c->clip.ud, (float *)gp_buf, k) ? 1 : 0) : 0;
            cq = qrow ? (c->clip.fn(c->clip.ud, (float *)gq_buf, k) ? 1 : 0) : 0;
        }
        if (pol == POL_ADAGRAD && (cp || cq)) {
            MF_V a = MF_F(splat)(0.0f), b = MF_F(splat)(0.0f);
            for (size_t v = 0; v < nv; v++) {
                a += gp_buf[v] * gp_buf[v];
                if (hq)
                    b += gq_buf[v] * gq_buf[v];
            }
            sqp = MF_F(hsum)(a);
            sqq = MF_F(hsum)(b);
        }
    }
    if (tu) {
        nf2 += np2;
        MF_F(row_step)(p, gp_buf, nv, lr, sqp, inv_k, c, pol, os->s[ID_P] ? os->s[ID_P] + u : NULL,
                 pol == POL_ADAM ? (MF_V *)(os->s[ID_P] + (size_t)u * stride) : NULL,
                 pol == POL_ADAM ? (MF_V *)(os->s2[ID_P] + (size_t)u * stride) : NULL,
                 pol == POL_ADAM ? os->p1[ID_P] + u : NULL,
                 pol == POL_ADAM ? os->p2[ID_P] + u : NULL);
    }
    if (qrow) {
        nf2 += nq2;
        MF_F(row_step)(q, gq_buf, nv, lr, sqq, inv_k, c, pol, os->s[ID_Q] ? os->s[ID_Q] + i : NULL,
                 pol == POL_ADAM ? (MF_V *)(os->s[ID_Q] + (size_t)i * stride) : NULL,
                 pol == POL_ADAM ? (MF_V *)(os->s2[ID_Q] + (size_t)i * stride) : NULL,
                 pol == POL_ADAM ? os->p1[ID_Q] + i : NULL,
                 pol == POL_ADAM ? os->p2[ID_Q] + i : NULL);
    }
    id_result r = {nf2, cp + cq};
    return r;
}

/* t = um P_u + F_u and z = im Q_i + F_i (z = F_i without item factors,
 * hq = 0) into tb and zb; r4 gets <t, z>, |t|^2 and |z|^2. */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(vectors)(const MF_V *p, const MF_V *q, const MF_V *fu,
                                           const MF_V *fi, MF_V umv, MF_V imv, MF_V *tb, MF_V *zb,
                                           size_t nv, int hq, float *r4)
{
    MF_V acc = MF_F(splat)(0.0f), tt = MF_F(splat)(0.0f), zz = MF_F(splat)(0.0f);
    FM_UNROLL
    for (size_t v = 0; v < nv; v++) {
        MF_V t = umv * p[v] + fu[v];
        MF_V z = hq ? imv * q[v] + fi[v] : fi[v];
        acc += t * z;
        tt += t * t;
        zz += z * z;
        tb[v] = t;
        zb[v] = z;
    }
    MF_F(hsum4)(acc, tt, zz, MF_F(splat)(0.0f), r4);
}

/* The constant step without clipping, in one pass: the id rows' gradients
 * from the old vectors, then the steps (lu, li: the rate, or 0 for a row
 * that does not train), and the per-id sums; the rows' squared gradient
 * norms into *np2 and *nq2. */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(step_constant)(MF_V *p, MF_V *q, const MF_V *tb, const MF_V *zb,
                                                 MF_V *au, MF_V *ai, MF_V gv, MF_V gu, MF_V gi,
                                                 MF_V l2v, MF_V lu, MF_V li, size_t nv, int hq,
                                                 float *np2, float *nq2)
{
    MF_V np = MF_F(splat)(0.0f), nq = MF_F(splat)(0.0f);
    FM_UNROLL
    for (size_t v = 0; v < nv; v++) {
        const MF_V pv = p[v], zv = zb[v], tv = tb[v];
        MF_V gpv = gv * zv + l2v * pv;
        np += gpv * gpv;
        p[v] = pv - lu * gpv;
        if (hq) {
            MF_V qv = q[v];
            MF_V gqv = gv * tv + l2v * qv;
            nq += gqv * gqv;
            q[v] = qv - li * gqv;
        }
        au[v] += gu * zv;
        ai[v] += gi * tv;
    }
    MF_F(hsum2)(np, nq, np2, nq2);
}

/* The loop, compiled once per ISA: item factors (hq), the policy and the
 * clip are read at run time, once per chunk or per rating (the same for
 * every rating of a fit); only the two vector loops above come with and
 * without item factors. The constant step without clipping (the default)
 * runs in one pass inline, every other policy through id_rows_policy. */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(fm_chunk_body)(rs__train_ctx *c, const rs__chunk *ch)
{
    const int hq = has_q(c->w);
    const int tastes = !c->tastes_zero && rs__fm_taste_block(c->w) >= 0;
    const int32_t pol = c->lr_policy == RS_LR_ADAGRAD ? POL_ADAGRAD
                        : c->lr_policy == RS_LR_ADAM  ? POL_ADAM
                                                      : POL_CONSTANT;
    const int32_t clip_kind = c->clip.kind;
    const int one_pass = pol == POL_CONSTANT && clip_kind == RS_CLIP_NONE;
    rs__weights *w = c->w;
    rs__deferred *d = c->defer;
    fm_state *S = d->scorer_state;
    fm_side *su = &S->side[RS_SIDE_USER], *si = &S->side[RS_SIDE_ITEM];
    const int pu = S->per_id[RS_SIDE_USER], pi = S->per_id[RS_SIDE_ITEM];
    const uint64_t serial = d->serial;
    const size_t slot = rs__deferred_slot(d, c->band);
    float *ub = w->blocks[FM_UBIAS].data, *ib = w->blocks[FM_IBIAS].data;
    float *P = w->blocks[FM_P].data, *Q = hq ? w->blocks[FM_Q].data : NULL;
    const rs__block *Ublk = &w->blocks[FM_U], *Vblk = &w->blocks[FM_V];
    const float *ufb = w->blocks[FM_UFBIAS].data, *ifb = w->blocks[FM_IFBIAS].data;
    const rs__features *uft = &w->user_feat, *ift = &w->item_feat;
    const size_t stride = w->blocks[FM_P].stride, nv = stride / MF_LANES;
    const float mu = w->global_mean, lr = c->lr;
    const float l2f = c->l2[RS__REG_FACTORS], l2b = c->l2[RS__REG_BIAS];
    const fm_mode md = mode_of(c, hq);
    const int train_ids = !c->refit;
    const int32_t blk_of[4] = {FM_UBIAS, FM_IBIAS, FM_P, FM_Q};
    id_state os;
    memset(&os, 0, sizeof os);
    for (int b = 0; b < (hq ? 4 : 3); b++) {
        if (pol != POL_CONSTANT)
            os.s[b] = c->opt->acc[blk_of[b]];
        if (pol == POL_ADAM) {
            os.s2[b] = c->opt->acc2[blk_of[b]];
            os.p1[b] = c->opt->pow1[blk_of[b]];
            os.p2[b] = c->opt->pow2[blk_of[b]];
        }
    }
    /* Row buffers: the id rows' gradients (two-pass policies), the two
     * feature parts of the per-block-sum sides, and this rating's user
     * and item vectors t and z (from the rows before the step). */
    MF_V *gp_buf = (MF_V *)c->rowbuf, *gq_buf = gp_buf + nv;
    MF_V *fu_buf = gq_buf + nv, *fi_buf = fu_buf + nv, *tb = fi_buf + nv, *zb = tb + nv;
    const size_t row_bytes = stride * sizeof(float);
    const MF_V l2v = MF_F(splat)(l2f);
    rs__train_stats st = c->st;
    for (size_t j = 0; j < ch->n; j++) {
        if (j + FM_PREFETCH < ch->n) {
            const size_t un = (size_t)ch->u[j + FM_PREFETCH], in = (size_t)ch->i[j + FM_PREFETCH];
            const size_t uh = (size_t)ch->u[j + FM_PREFETCH / 2], ih = (size_t)ch->i[j + FM_PREFETCH / 2];
            const char *pp = (const char *)(P + un * stride);
            FM_UNROLL
            for (size_t off = 0; off < row_bytes; off += 64)
                __builtin_prefetch(pp + off, 1, 3);
            if (hq) {
                const char *qq = (const char *)(Q + in * stride);
                FM_UNROLL
                for (size_t off = 0; off < row_bytes; off += 64)
                    __builtin_prefetch(qq + off, 1, 3);
            }
            prefetch_side(S, RS_SIDE_USER, uft, un, uh, row_bytes);
            prefetch_side(S, RS_SIDE_ITEM, ift, in, ih, row_bytes);
            __builtin_prefetch(ub + un, 1, 3);
            __builtin_prefetch(ib + in, 1, 3);
        }
        const int32_t u = ch->u[j], i = ch->i[j];
        const float wt = ch->wt ? ch->wt[j] : 1.0f;
        int use = USE_IDS;
        if (c->refit) {
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
        /* Each side's frozen feature part: from its per-id cache, or built
         * now from the feature rows (kept for the scatter below). */
        fm_id *us = NULL, *is = NULL;
        const MF_V *fu = fu_buf, *fi = fi_buf;
        MF_V *au = NULL, *ai = NULL;
        float fbu, fbi, sqxu, sqxi;
        const int32_t *ucol = NULL, *icol = NULL;
        const float *uval = NULL, *ival = NULL;
        size_t unn = 0, inn = 0;
        if (pu) {
            us = MF_F(enter)(su, (size_t)u, serial, uft, Ublk, ufb, nv);
            fu = (const MF_V *)(su->vec + (size_t)u * 2 * stride);
            au = (MF_V *)fu + nv;
            fbu = us->fbias;
            sqxu = us->sqx;
        } else {
            unn = rs__features_row(uft, (size_t)u, &ucol, &uval);
            MF_F(build)(fu_buf, unn, ucol, uval, Ublk, ufb, nv, &fbu, &sqxu);
        }
        if (pi) {
            is = MF_F(enter)(si, (size_t)i, serial, ift, Vblk, ifb, nv);
            fi = (const MF_V *)(si->vec + (size_t)i * 2 * stride);
            ai = (MF_V *)fi + nv;
            fbi = is->fbias;
            sqxi = is->sqx;
        } else {
            inn = rs__features_row(ift, (size_t)i, &icol, &ival);
            MF_F(build)(fi_buf, inn, icol, ival, Vblk, ifb, nv, &fbi, &sqxi);
        }
        MF_V *p = (MF_V *)(P + (size_t)u * stride);
        MF_V *q = hq ? (MF_V *)(Q + (size_t)i * stride) : NULL;
        /* id parts in (1) or out (0) of this rating's vectors */
        const float um = (use & USE_USER_ID) ? 1.0f : 0.0f, im = (use & USE_ITEM_ID) ? 1.0f : 0.0f;
        const MF_V umv = MF_F(splat)(um), imv = MF_F(splat)(im);
        /* t = um P_u + F_u, z = im Q_i + F_i; the dot and both squared norms */
        float r4[4];
        if (hq)
            MF_F(vectors)(p, q, fu, fi, umv, imv, tb, zb, nv, 1, r4);
        else
            MF_F(vectors)(p, q, fu, fi, umv, imv, tb, zb, nv, 0, r4);
        const float t2 = r4[1], z2 = r4[2];
        float e = ch->r[j] - (mu + um * ub[u] + fbu + im * ib[i] + fbi + r4[0]);
        if (tastes) /* the cold-start tastes (featmodel.c), as predict adds them */
            e -= rs__fm_cold_tastes(w, u, i, use);
        if (RS_UNLIKELY(!(fabsf(e) <= c->blowup))) {
            c->diverged = 1;
            break;
        }
        st.sq_err += (double)(wt * e * e);
        st.sum_w += wt;
        const float g = -wt * e;
        const int tu = train_ids && (use & USE_USER_ID), ti = train_ids && (use & USE_ITEM_ID);
        float nb2 = 0.0f, nf2 = 0.0f; /* squared gradient norms: biases, factor rows */
        /* id biases */
        if (tu) {
            float gb = g + l2b * ub[u];
            nb2 += gb * gb;
            if (one_pass) {
                ub[u] -= lr * gb;
            } else {
                st.n_clipped += (uint64_t)clip_scalar(&gb, &c->clip, clip_kind);
                bias_step(ub + u, gb, lr, c, pol, os.s[ID_UB] ? os.s[ID_UB] + u : NULL,
                          pol == POL_ADAM ? os.s2[ID_UB] + u : NULL,
                          pol == POL_ADAM ? os.p1[ID_UB] + u : NULL,
                          pol == POL_ADAM ? os.p2[ID_UB] + u : NULL);
            }
            st.n_rows++;
        }
        if (ti) {
            float gb = g + l2b * ib[i];
            nb2 += gb * gb;
            if (one_pass) {
                ib[i] -= lr * gb;
            } else {
                st.n_clipped += (uint64_t)clip_scalar(&gb, &c->clip, clip_kind);
                bias_step(ib + i, gb, lr, c, pol, os.s[ID_IB] ? os.s[ID_IB] + i : NULL,
                          pol == POL_ADAM ? os.s2[ID_IB] + i : NULL,
                          pol == POL_ADAM ? os.p1[ID_IB] + i : NULL,
                          pol == POL_ADAM ? os.p2[ID_IB] + i : NULL);
            }
            st.n_rows++;
        }
        /* the deferred feature rows: gradient sums (per id, or into the
         * block's own sums), and their norms without L2 (the merge point
         * adds it once) */
        const float g2 = g * g;
        const MF_V gv = MF_F(splat)(g);
        /* The per-id gradient sums are added in the id rows' loop below;
         * a side without them adds to its (now free) feature-part buffer. */
        const int au_on = pu && md.user_feat, ai_on = pi && md.item_vec;
        const MF_V gu = MF_F(splat)(au_on ? g : 0.0f), gi = MF_F(splat)(ai_on ? g : 0.0f);
        if (!au_on)
            au = fu_buf;
        if (!ai_on)
            ai = fi_buf;
        if (md.user_feat) {
            nb2 += g2 * sqxu;
            nf2 += g2 * sqxu * z2;
            if (pu) {
                us->gbias += g;
                us->n++;
                us->wsum += wt;
                us->wsq += wt * z2;
            } else {
                MF_F(scatter)(d, slot, FM_UFBIAS, FM_U, unn, ucol, uval, g, wt, zb, z2, stride, nv);
            }
        }
        if (md.item_bias) {
            nb2 += g2 * sqxi;
            if (md.item_vec)
                nf2 += g2 * sqxi * t2;
            if (pi) {
                is->gbias += g;
                is->n++;
                is->wsum += wt;
                is->wsq += wt * t2;
            } else {
                MF_F(scatter)(d, slot, FM_IFBIAS, FM_V, inn, icol, ival, g, wt, md.item_vec ? tb : NULL, t2,
                        stride, nv);
            }
        }
        const int qrow = hq && ti;
        if (one_pass) {
            /* One pass: the id rows' gradients from the old vectors, then the steps. */
            const MF_V lu = MF_F(splat)(tu ? lr : 0.0f), li = MF_F(splat)(qrow ? lr : 0.0f);
            float np2, nq2;
            if (hq)
                MF_F(step_constant)(p, q, tb, zb, au, ai, gv, gu, gi, l2v, lu, li, nv, 1, &np2, &nq2);
            else
                MF_F(step_constant)(p, q, tb, zb, au, ai, gv, gu, gi, l2v, lu, li, nv, 0, &np2, &nq2);
            if (tu)
                nf2 += np2;
            if (qrow)
                nf2 += nq2;
        } else {
            const id_result r = MF_F(id_rows_policy)(c, &os, clip_kind, pol, p, qrow ? q : NULL, tb, zb,
                                                     au, ai, g, au_on ? g : 0.0f, ai_on ? g : 0.0f,
                                                     tu, qrow, (size_t)u, (size_t)i);
            nf2 += r.nf2;
            st.n_clipped += (uint64_t)r.clipped;
        }
        st.n_rows += (uint64_t)(tu + qrow);
        float gn = sqrtf(nb2 + nf2);
        st.gnorm_sum += gn;
        st.fnorm_sum += sqrtf(nf2);
        if (gn > st.gnorm_max)
            st.gnorm_max = gn;
        st.n_updates++;
    }
    c->st = st;
}

/* Add one id's sums (a per-id side) to set `slot` of its feature rows'
 * sums, and mark them added (n = 0). */
FM_OUTLINE void MF_F(collect_id)(rs__deferred *d, size_t slot, fm_side *s, size_t id,
                                             const rs__features *ft, int32_t bias_blk, int32_t vec_blk)
{
    fm_id *st = &s->id[id];
    const size_t stride = s->stride, nv = stride / MF_LANES;
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, id, &col, &val);
    const MF_V *acc = (const MF_V *)(s->vec + id * 2 * stride + stride);
    const size_t bcell = slot * d->rows[bias_blk];
    for (size_t j = 0; j < n; j++) {
        const size_t f = (size_t)col[j];
        const float x = val[j];
        d->sum[bias_blk][bcell + f] += x * st->gbias;
        d->count[bias_blk][bcell + f] += st->n;
        d->curv[bias_blk][bcell + f] += x * x * st->wsum;
        if (vec_blk < 0)
            continue;
        const size_t cell = slot * d->rows[vec_blk] + f;
        MF_V *sum = (MF_V *)(d->sum[vec_blk] + cell * stride);
        const MF_V xv = MF_F(splat)(x);
        FM_UNROLL
        for (size_t v = 0; v < nv; v++)
            sum[v] += xv * acc[v];
        d->count[vec_blk][cell] += st->n;
        d->curv[vec_blk][cell] += x * x * st->wsq;
    }
    st->n = 0;
}

/* 1 if id's cache holds sums of this sub-epoch not yet added. */
MF_TARGET static RS_ALWAYS_INLINE int MF_F(pending)(const fm_side *s, size_t id, uint64_t serial)
{
    return s->id[id].stamp == serial && s->id[id].n != 0;
}

/* After a block (a chunk of the schedule): with per-block sets of sums,
 * the per-id sides add their ids' sums to the block's set, in the order of
 * the ids' first ratings in the block, on the block's thread. Every id of a
 * diagonal is in one block only, so no other block adds to it. */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(collect_chunk)(rs__train_ctx *c, const rs__chunk *ch)
{
    rs__deferred *d = c->defer;
    fm_state *S = d->scorer_state;
    const rs__weights *w = c->w;
    const fm_mode md = mode_of(c, has_q(w));
    const size_t slot = rs__deferred_slot(d, c->band);
    const int cu = S->per_id[RS_SIDE_USER] && md.user_feat;
    const int ci = S->per_id[RS_SIDE_ITEM] && md.item_bias;
    fm_side *su = &S->side[RS_SIDE_USER], *si = &S->side[RS_SIDE_ITEM];
    for (size_t j = 0; j < ch->n && (cu || ci); j++) {
        const size_t u = (size_t)ch->u[j], i = (size_t)ch->i[j];
        if (cu && MF_F(pending)(su, u, d->serial))
            MF_F(collect_id)(d, slot, su, u, &w->user_feat, FM_UFBIAS, FM_U);
        if (ci && MF_F(pending)(si, i, d->serial))
            MF_F(collect_id)(d, slot, si, i, &w->item_feat, FM_IFBIAS, md.item_vec ? FM_V : -1);
    }
}

/* At the merge point, with one set of sums: every per-id side's pending
 * sums, in id order (with per-block sets, collect_chunk added them). */
MF_TARGET static RS_ALWAYS_INLINE void MF_F(collect_body)(rs__train_ctx *c)
{
    rs__deferred *d = c->defer;
    fm_state *S = d->scorer_state;
    const rs__weights *w = c->w;
    const fm_mode md = mode_of(c, has_q(w));
    fm_side *su = &S->side[RS_SIDE_USER], *si = &S->side[RS_SIDE_ITEM];
    if (d->slots > 1)
        return;
    for (size_t u = 0; S->per_id[RS_SIDE_USER] && md.user_feat && u < su->n_ids; u++)
        if (MF_F(pending)(su, u, d->serial))
            MF_F(collect_id)(d, 0, su, u, &w->user_feat, FM_UFBIAS, FM_U);
    for (size_t i = 0; S->per_id[RS_SIDE_ITEM] && md.item_bias && i < si->n_ids; i++)
        if (MF_F(pending)(si, i, d->serial))
            MF_F(collect_id)(d, 0, si, i, &w->item_feat, FM_IFBIAS, md.item_vec ? FM_V : -1);
}

MF_TARGET static void MF_F(fm_chunk)(rs__train_ctx *c, const rs__chunk *ch)
{
    MF_F(fm_chunk_body)(c, ch);
    if (c->defer->slots > 1)
        MF_F(collect_chunk)(c, ch);
}

MF_TARGET static void MF_F(fm_collect)(rs__train_ctx *c) { MF_F(collect_body)(c); }

#undef FM_OUTLINE
#undef MF_F
#undef MF_CAT
#undef MF_CAT_
