/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fm_train.c: the fused training loop of the feature-aware factor model
 * (featmodel.h), shared by the content and hybrid scorers.
 *
 * The feature rows (c, V, d, U) are shared by many ids, so the core trains
 * them deferred (optim/deferred.h): frozen for one sub-epoch, one diagonal
 * of the block grid. That lets this loop work like the collaborative one:
 * the first rating of a user in a sub-epoch computes the user's feature
 * part F_u = sum_g y_ug U_g and sum_g y_ug d_g once (the rows cannot change
 * before the merge point), so a rating costs two row reads per side instead
 * of one per feature; the rating then adds g * z_i to the user's gradient
 * sum A_u (and g * t_u to the item's B_i), one vector per id rather than
 * one per feature. At the merge point defer_collect turns the per-id sums
 * into the feature rows' sums (d(loss)/dU_g = sum_u y_ug A_u) in id order,
 * so the result does not depend on which thread trained which block, and
 * the core applies them. The id rows (b_u, P_u, b_i, Q_i) take their
 * per-rating step under every learning-rate and clip policy, as in
 * collaborative/mf_train.c: the same body is compiled per policy pair and
 * for AVX-512, AVX2+FMA and the baseline, chosen per fit from the CPU.
 *
 * The per-id caches are stamped with the sub-epoch (rs__deferred.serial);
 * a cache with another stamp is stale and rebuilt on first use, and
 * defer_collect ignores it. Blocks of one diagonal share no user and no
 * item, so their threads write disjoint caches. */
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "featmodel.h"
#include "optim/train.h"
#include "scorers/fused.h"

/* How many ratings ahead the loop prefetches rows. */
#define FM_PREFETCH 8

enum { USE_USER_ID = 1, USE_ITEM_ID = 2, USE_IDS = 3 };

/* One id's cache for the current sub-epoch. */
typedef struct fm_id {
    uint64_t stamp; /* the sub-epoch it belongs to */
    float fbias;    /* sum_f x_f * feature bias_f */
    float gbias;    /* sum over the id's ratings of g = -w e */
    float sqx;      /* sum_f x_f^2, for the gradient-norm statistics */
    uint32_t n;     /* ratings of the id in the sub-epoch */
    float wsum;     /* sum of their weights w (curvature of the feature biases) */
    float wsq;      /* sum of w |other side's vector|^2 (curvature of the feature rows) */
    float fsq;      /* |sum_f x_f F_f|^2: the content scorer's whole item vector */
} fm_id;

/* One side (users or items): per id, the feature vector sum_f x_f F_f and
 * the gradient sum, next to each other (2 * stride floats), and the cache. */
typedef struct fm_side {
    size_t n_ids, stride;
    float *vec;
    void *vec_raw;
    size_t vec_bytes;
    fm_id *id;
} fm_side;

typedef struct fm_state {
    fm_side side[2]; /* by RS_SIDE_* */
} fm_state;

static void side_free(fm_side *s, const rs__allocator *a)
{
    if (s->vec_raw)
        rs__free_aligned(a, s->vec_raw, s->vec_bytes);
    rs__free(a, s->id, s->n_ids ? s->n_ids : 1, sizeof *s->id);
}

void rs__fm_defer_free(void *state, const rs__allocator *a)
{
    fm_state *S = state;
    if (!S)
        return;
    side_free(&S->side[RS_SIDE_USER], a);
    side_free(&S->side[RS_SIDE_ITEM], a);
    rs__free(a, S, 1, sizeof *S);
}

rs_status rs__fm_defer_new(void **out, const rs__weights *w, const rs__allocator *a)
{
    *out = NULL;
    fm_state *S = rs__calloc(a, 1, sizeof *S);
    if (!S)
        return RS_ERR_NOMEM;
    size_t stride = w->blocks[FM_P].stride;
    size_t n[2] = {w->n_users, w->n_items};
    for (int side = 0; side < 2; side++) {
        fm_side *s = &S->side[side];
        s->n_ids = n[side];
        s->stride = stride;
        size_t ids = n[side] ? n[side] : 1;
        s->vec = rs__alloc_floats_aligned(a, ids * 2 * stride, &s->vec_raw, &s->vec_bytes);
        s->id = rs__calloc(a, ids, sizeof *s->id); /* stamp 0: no sub-epoch has it */
        if (!s->vec || !s->id) {
            rs__fm_defer_free(S, a);
            return RS_ERR_NOMEM;
        }
    }
    *out = S;
    return RS_OK;
}

/* Which feature blocks gather gradients in the context's mode: all of them
 * in training; the refitted side's in a cold-start refit (the item factors
 * V only when item id factors can absorb the change). */
typedef struct fm_mode {
    int user_feat, item_bias, item_vec;
} fm_mode;

static RS_ALWAYS_INLINE fm_mode mode_of(const rs__train_ctx *c, int hq)
{
    fm_mode m;
    m.user_feat = !c->refit || c->refit == RS__REFIT_USER;
    m.item_bias = !c->refit || c->refit == RS__REFIT_ITEM;
    m.item_vec = m.item_bias && (!c->refit || hq);
    return m;
}

/* The id's cache for this sub-epoch, built on first use from the frozen
 * feature rows F (vectors) and fb (biases). */
static RS_ALWAYS_INLINE fm_id *enter(fm_side *s, size_t id, uint64_t serial,
                                     const rs__features *ft, const rs__block *F, const float *fb,
                                     size_t nv)
{
    fm_id *st = &s->id[id];
    if (st->stamp == serial)
        return st;
    v16f *vec = (v16f *)(s->vec + id * 2 * s->stride), *acc = vec + nv;
    for (size_t v = 0; v < nv; v++) {
        vec[v] = splat(0.0f);
        acc[v] = splat(0.0f);
    }
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, id, &col, &val);
    float b = 0.0f, sq = 0.0f;
    for (size_t j = 0; j < n; j++) {
        const v16f *row = (const v16f *)(F->data + (size_t)col[j] * F->stride);
        const v16f x = splat(val[j]);
        for (size_t v = 0; v < nv; v++)
            vec[v] += x * row[v];
        b += val[j] * fb[col[j]];
        sq += val[j] * val[j];
    }
    v16f f2 = splat(0.0f);
    for (size_t v = 0; v < nv; v++)
        f2 += vec[v] * vec[v];
    st->fsq = hsum16(f2);
    st->fbias = b;
    st->gbias = 0.0f;
    st->sqx = sq;
    st->n = 0;
    st->wsum = 0.0f;
    st->wsq = 0.0f;
    st->stamp = serial;
    return st;
}

/* Optimizer state of the id blocks (NULL for the constant step). */
typedef struct id_state {
    float *s[4], *s2[4], *p1[4], *p2[4]; /* by ID_* */
} id_state;
enum { ID_UB = 0, ID_IB = 1, ID_P = 2, ID_Q = 3 };

static RS_ALWAYS_INLINE void fm_chunk_body(rs__train_ctx *c, const rs__chunk *ch, int hq,
                                           int32_t clip_kind, int32_t pol)
{
    rs__weights *w = c->w;
    fm_state *S = c->defer->scorer_state;
    fm_side *su = &S->side[RS_SIDE_USER], *si = &S->side[RS_SIDE_ITEM];
    const uint64_t serial = c->defer->serial;
    float *ub = w->blocks[FM_UBIAS].data, *ib = w->blocks[FM_IBIAS].data;
    float *P = w->blocks[FM_P].data, *Q = hq ? w->blocks[FM_Q].data : NULL;
    const rs__block *Ublk = &w->blocks[FM_U], *Vblk = &w->blocks[FM_V];
    const float *ufb = w->blocks[FM_UFBIAS].data, *ifb = w->blocks[FM_IFBIAS].data;
    const size_t stride = w->blocks[FM_P].stride, nv = stride / 16, k = w->factors;
    const float inv_k = 1.0f / (float)(k ? k : 1);
    const float mu = w->global_mean, lr = c->lr, cc = c->clip.c;
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
    v16f *gp_buf = (v16f *)c->rowbuf, *gq_buf = (v16f *)c->rowbuf + nv;
    const size_t row_bytes = stride * sizeof(float);
    const v16f l2v = splat(l2f);
    rs__train_stats st = c->st;
    for (size_t j = 0; j < ch->n; j++) {
        if (j + FM_PREFETCH < ch->n) {
            const size_t un = (size_t)ch->u[j + FM_PREFETCH], in = (size_t)ch->i[j + FM_PREFETCH];
            const char *pp = (const char *)(P + un * stride);
            const char *fu = (const char *)(su->vec + un * 2 * stride);
            const char *fi = (const char *)(si->vec + in * 2 * stride);
            for (size_t off = 0; off < row_bytes; off += 64) {
                __builtin_prefetch(pp + off, 1, 3);
                __builtin_prefetch(fu + off, 1, 3);
                __builtin_prefetch(fu + row_bytes + off, 1, 3);
                __builtin_prefetch(fi + off, 1, 3);
                __builtin_prefetch(fi + row_bytes + off, 1, 3);
                if (hq)
                    __builtin_prefetch((const char *)(Q + in * stride) + off, 1, 3);
            }
            __builtin_prefetch(su->id + un, 1, 3);
            __builtin_prefetch(si->id + in, 1, 3);
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
        fm_id *us = enter(su, (size_t)u, serial, &w->user_feat, Ublk, ufb, nv);
        fm_id *is = enter(si, (size_t)i, serial, &w->item_feat, Vblk, ifb, nv);
        v16f *fu = (v16f *)(su->vec + (size_t)u * 2 * stride), *au = fu + nv;
        v16f *fi = (v16f *)(si->vec + (size_t)i * 2 * stride), *ai = fi + nv;
        v16f *p = (v16f *)(P + (size_t)u * stride);
        v16f *q = hq ? (v16f *)(Q + (size_t)i * stride) : NULL;
        /* id parts in (1) or out (0) of this rating's vectors */
        const float um = (use & USE_USER_ID) ? 1.0f : 0.0f, im = (use & USE_ITEM_ID) ? 1.0f : 0.0f;
        const v16f umv = splat(um), imv = splat(im);
        /* t = um P_u + F_u, z = im Q_i + F_i; the dot and both squared norms
         * (the content scorer's z = F_i is the item's cache: its norm too) */
        v16f acc = splat(0.0f), tt = splat(0.0f), zz = splat(0.0f);
        for (size_t v = 0; v < nv; v++) {
            v16f t = umv * p[v] + fu[v];
            v16f z = hq ? imv * q[v] + fi[v] : fi[v];
            acc += t * z;
            tt += t * t;
            if (hq)
                zz += z * z;
        }
        float e = ch->r[j] - (mu + um * ub[u] + us->fbias + im * ib[i] + is->fbias + hsum16(acc));
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
            st.n_clipped += (uint64_t)clip_scalar(&gb, &c->clip, clip_kind);
            bias_step(ub + u, gb, lr, c, pol, os.s[ID_UB] ? os.s[ID_UB] + u : NULL,
                      pol == POL_ADAM ? os.s2[ID_UB] + u : NULL, pol == POL_ADAM ? os.p1[ID_UB] + u : NULL,
                      pol == POL_ADAM ? os.p2[ID_UB] + u : NULL);
            st.n_rows++;
        }
        if (ti) {
            float gb = g + l2b * ib[i];
            nb2 += gb * gb;
            st.n_clipped += (uint64_t)clip_scalar(&gb, &c->clip, clip_kind);
            bias_step(ib + i, gb, lr, c, pol, os.s[ID_IB] ? os.s[ID_IB] + i : NULL,
                      pol == POL_ADAM ? os.s2[ID_IB] + i : NULL, pol == POL_ADAM ? os.p1[ID_IB] + i : NULL,
                      pol == POL_ADAM ? os.p2[ID_IB] + i : NULL);
            st.n_rows++;
        }
        /* the deferred feature rows: gradient sums, and their norms
         * without L2 (the merge point adds it once) */
        const float g2 = g * g, z2 = hq ? hsum16(zz) : is->fsq, t2 = hsum16(tt);
        if (md.user_feat) {
            us->gbias += g;
            us->n++;
            us->wsum += wt;
            us->wsq += wt * z2;
            nb2 += g2 * us->sqx;
            nf2 += g2 * us->sqx * z2;
        }
        if (md.item_bias) {
            is->gbias += g;
            is->n++;
            is->wsum += wt;
            is->wsq += wt * t2;
            nb2 += g2 * is->sqx;
        }
        if (md.item_vec)
            nf2 += g2 * is->sqx * t2;
        const v16f gv = splat(g);
        const v16f gu = splat(md.user_feat ? g : 0.0f), gi = splat(md.item_vec ? g : 0.0f);
        const int qrow = hq && ti;
        if (pol == POL_CONSTANT && clip_kind == RS_CLIP_NONE) {
            /* One pass: the gradients from the old values, the sums, then the steps. */
            const v16f lu = splat(tu ? lr : 0.0f), li = splat(qrow ? lr : 0.0f);
            v16f np = splat(0.0f), nq = splat(0.0f);
            for (size_t v = 0; v < nv; v++) {
                v16f pv = p[v];
                v16f t = umv * pv + fu[v];
                v16f qv = hq ? q[v] : splat(0.0f);
                v16f z = hq ? imv * qv + fi[v] : fi[v];
                v16f gpv = gv * z + l2v * pv;
                np += gpv * gpv;
                p[v] = pv - lu * gpv;
                if (hq) {
                    v16f gqv = gv * t + l2v * qv;
                    nq += gqv * gqv;
                    q[v] = qv - li * gqv;
                }
                au[v] += gu * z;
                ai[v] += gi * t;
            }
            if (tu)
                nf2 += hsum16(np);
            if (qrow)
                nf2 += hsum16(nq);
        } else {
            /* Two passes: gradients (from the old rows) into the row buffers
             * with their norms, and the sums; clipping; then each row's step. */
            v16f np = splat(0.0f), nq = splat(0.0f);
            for (size_t v = 0; v < nv; v++) {
                v16f pv = p[v];
                v16f t = umv * pv + fu[v];
                v16f qv = hq ? q[v] : splat(0.0f);
                v16f z = hq ? imv * qv + fi[v] : fi[v];
                v16f gpv = gv * z + l2v * pv;
                np += gpv * gpv;
                gp_buf[v] = gpv;
                if (hq) {
                    v16f gqv = gv * t + l2v * qv;
                    nq += gqv * gqv;
                    gq_buf[v] = gqv;
                }
                au[v] += gu * z;
                ai[v] += gi * t;
            }
            float np2 = hsum16(np), nq2 = hsum16(nq);
            float sqp = np2, sqq = nq2; /* squared norms after clipping */
            int32_t cp = 0, cq = 0;
            if (clip_kind == RS_CLIP_NORM) {
                if (tu && np2 > cc * cc) {
                    const v16f s = splat(cc / sqrtf(np2));
                    for (size_t v = 0; v < nv; v++)
                        gp_buf[v] *= s;
                    sqp = cc * cc;
                    cp = 1;
                }
                if (qrow && nq2 > cc * cc) {
                    const v16f s = splat(cc / sqrtf(nq2));
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
                    v16f a = splat(0.0f), b = splat(0.0f);
                    for (size_t v = 0; v < nv; v++) {
                        a += gp_buf[v] * gp_buf[v];
                        if (hq)
                            b += gq_buf[v] * gq_buf[v];
                    }
                    sqp = hsum16(a);
                    sqq = hsum16(b);
                }
            }
            st.n_clipped += (uint64_t)(cp + cq);
            if (tu) {
                nf2 += np2;
                row_step(p, gp_buf, nv, lr, sqp, inv_k, c, pol, os.s[ID_P] ? os.s[ID_P] + u : NULL,
                         pol == POL_ADAM ? (v16f *)(os.s[ID_P] + (size_t)u * stride) : NULL,
                         pol == POL_ADAM ? (v16f *)(os.s2[ID_P] + (size_t)u * stride) : NULL,
                         pol == POL_ADAM ? os.p1[ID_P] + u : NULL,
                         pol == POL_ADAM ? os.p2[ID_P] + u : NULL);
            }
            if (qrow) {
                nf2 += nq2;
                row_step(q, gq_buf, nv, lr, sqq, inv_k, c, pol, os.s[ID_Q] ? os.s[ID_Q] + i : NULL,
                         pol == POL_ADAM ? (v16f *)(os.s[ID_Q] + (size_t)i * stride) : NULL,
                         pol == POL_ADAM ? (v16f *)(os.s2[ID_Q] + (size_t)i * stride) : NULL,
                         pol == POL_ADAM ? os.p1[ID_Q] + i : NULL,
                         pol == POL_ADAM ? os.p2[ID_Q] + i : NULL);
            }
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

/* Every (item factors, clip, policy) triple is its own instantiation. */
#define FM_POLICIES(c, ch, hq, clip)                                                               \
    do {                                                                                           \
        if ((c)->lr_policy == RS_LR_ADAGRAD)                                                       \
            fm_chunk_body(c, ch, hq, clip, POL_ADAGRAD);                                           \
        else if ((c)->lr_policy == RS_LR_ADAM)                                                     \
            fm_chunk_body(c, ch, hq, clip, POL_ADAM);                                              \
        else                                                                                       \
            fm_chunk_body(c, ch, hq, clip, POL_CONSTANT);                                          \
    } while (0)
#define FM_CLIPS(c, ch, hq)                                                                        \
    do {                                                                                           \
        switch ((c)->clip.kind) {                                                                  \
        case RS_CLIP_NONE: FM_POLICIES(c, ch, hq, RS_CLIP_NONE); break;                            \
        case RS_CLIP_VALUE: FM_POLICIES(c, ch, hq, RS_CLIP_VALUE); break;                          \
        case RS_CLIP_NORM: FM_POLICIES(c, ch, hq, RS_CLIP_NORM); break;                            \
        default: FM_POLICIES(c, ch, hq, RS_CLIP_CUSTOM); break;                                    \
        }                                                                                          \
    } while (0)
#define FM_DISPATCH(c, ch)                                                                         \
    do {                                                                                           \
        if ((c)->w->n_blocks > FM_Q)                                                               \
            FM_CLIPS(c, ch, 1);                                                                    \
        else                                                                                       \
            FM_CLIPS(c, ch, 0);                                                                    \
    } while (0)

static void fm_chunk_base(rs__train_ctx *c, const rs__chunk *ch) { FM_DISPATCH(c, ch); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void fm_chunk_avx2(rs__train_ctx *c, const rs__chunk *ch)
{
    FM_DISPATCH(c, ch);
}

__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) static void
fm_chunk_avx512(rs__train_ctx *c, const rs__chunk *ch)
{
    FM_DISPATCH(c, ch);
}
#endif

void rs__fm_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
    if (!c->rowbuf || !c->defer || !c->defer->scorer_state) {
        rs__train_chunk_generic(c, ch); /* a context built without them (tests) */
        return;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX512) {
        fm_chunk_avx512(c, ch);
        return;
    }
    if (c->isa == RS__ISA_AVX2) {
        fm_chunk_avx2(c, ch);
        return;
    }
#endif
    fm_chunk_base(c, ch);
}

/* Add one side's per-id sums to the feature rows' sums, in id order. */
static RS_ALWAYS_INLINE void collect_side(rs__deferred *d, const fm_side *s, const rs__features *ft,
                                          int32_t bias_blk, int32_t vec_blk, uint64_t serial)
{
    const size_t stride = s->stride, nv = stride / 16;
    for (size_t id = 0; id < s->n_ids; id++) {
        const fm_id *st = &s->id[id];
        if (st->stamp != serial || st->n == 0)
            continue;
        const int32_t *col;
        const float *val;
        size_t n = rs__features_row(ft, id, &col, &val);
        const v16f *acc = (const v16f *)(s->vec + id * 2 * stride + stride);
        for (size_t j = 0; j < n; j++) {
            size_t f = (size_t)col[j];
            const float x = val[j];
            d->sum[bias_blk][f] += x * st->gbias;
            d->count[bias_blk][f] += st->n;
            d->curv[bias_blk][f] += x * x * st->wsum;
            if (vec_blk < 0)
                continue;
            v16f *sum = (v16f *)(d->sum[vec_blk] + f * stride);
            const v16f xv = splat(x);
            for (size_t v = 0; v < nv; v++)
                sum[v] += xv * acc[v];
            d->count[vec_blk][f] += st->n;
            d->curv[vec_blk][f] += x * x * st->wsq;
        }
    }
}

static RS_ALWAYS_INLINE void collect_body(rs__train_ctx *c)
{
    rs__deferred *d = c->defer;
    const fm_state *S = d->scorer_state;
    const rs__weights *w = c->w;
    const fm_mode md = mode_of(c, w->n_blocks > FM_Q);
    if (md.user_feat)
        collect_side(d, &S->side[RS_SIDE_USER], &w->user_feat, FM_UFBIAS, FM_U, d->serial);
    if (md.item_bias)
        collect_side(d, &S->side[RS_SIDE_ITEM], &w->item_feat, FM_IFBIAS,
                     md.item_vec ? FM_V : -1, d->serial);
}

static void collect_base(rs__train_ctx *c) { collect_body(c); }

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void collect_avx2(rs__train_ctx *c) { collect_body(c); }

__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) static void
collect_avx512(rs__train_ctx *c)
{
    collect_body(c);
}
#endif

void rs__fm_defer_collect(rs__train_ctx *c)
{
    if (!c->defer->scorer_state)
        return;
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX512) {
        collect_avx512(c);
        return;
    }
    if (c->isa == RS__ISA_AVX2) {
        collect_avx2(c);
        return;
    }
#endif
    collect_base(c);
}
