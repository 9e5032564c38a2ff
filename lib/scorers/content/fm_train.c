/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fm_train.c: the fused training loop of the feature-aware factor model
 * (featmodel.h), shared by the content and hybrid scorers.
 *
 * The feature rows (c, V, d, U) are shared by many ids, so the core trains
 * them deferred (optim/deferred.h): frozen for one step of the schedule (a
 * diagonal of the block grid, or a phase of one), their gradients summed
 * and applied at the step's merge point. That lets this loop work like the
 * collaborative one: a rating reads the frozen feature part of each side,
 * F_u = sum_g y_ug U_g with sum_g y_ug d_g (and F_i), takes the per-rating
 * step of the id rows (b_u, P_u, b_i, Q_i) under every learning-rate and
 * clip policy as collaborative/mf_train.c does, and adds its gradient for
 * the feature rows to sums, in one of two ways per side (fm_defer_new
 * chooses, from the ratings per id in a step and the features per id):
 *
 *  per-id caches   the first rating of an id in a step builds F and zeroes
 *                  a gradient sum A beside it (two rows per id); the id's
 *                  ratings add g z_i (users) or g t_u (items) to A, one
 *                  vector per id rather than one per feature; after the
 *                  block (or at the merge point, with one set of sums)
 *                  A is spread over the id's feature rows (d loss / dU_g =
 *                  sum_u y_ug A_u). Cheap when an id has several ratings
 *                  in a step.
 *  per-block sums  every rating builds F from the feature rows (few, and
 *                  hot in cache) and adds g y_ug z_i to its block's set of
 *                  sums of each of its feature rows. No per-id memory.
 *
 * Either way a block's additions go to its own set of sums (or, for per-id
 * caches with one set, are made at the merge point in id order), so the
 * result does not depend on which thread trained which block. The body is
 * compiled once per ISA at its native width (fm_kernel.h), chosen per fit
 * from the CPU; item factors are read at run time (only its two vector
 * loops are made with and without them), the constant step without
 * clipping (the default) is inlined, and every other learning-rate and
 * clip policy runs through one out-of-line id-row step per ISA that reads
 * them at run time. (A copy of the body per item factors, clip and policy,
 * 72 in all, took 95 s of CPU to compile at -O2 and did not finish in
 * 5 minutes under ASan.)
 *
 * The per-id caches are stamped with the step (rs__deferred.serial); a
 * cache with another stamp is stale and rebuilt on first use. Blocks of
 * one diagonal share no user and no item, so their threads write disjoint
 * caches. */
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "featmodel.h"
#include "optim/train.h"
#include "scorers/fused.h"

/* How many ratings ahead the loop prefetches rows; feature columns (whose
 * offsets must be read first) half as far. */
#define FM_PREFETCH 8

enum { USE_USER_ID = 1, USE_ITEM_ID = 2, USE_IDS = 3 };

/* 1 when the model has item id factors Q (hybrid; the block after FM_Q is
 * the y_j of implicit user factors in a content model that has them). */
static inline int has_q(const rs__weights *w)
{
    return w->n_blocks > FM_Q && w->blocks[FM_Q].role == RS__ROLE_ITEM_FACTORS;
}

/* One id's cache for the current sub-epoch (per-id sides). */
typedef struct fm_id {
    uint64_t stamp; /* the sub-epoch it belongs to */
    float fbias;    /* sum_f x_f * feature bias_f */
    float gbias;    /* sum over the id's ratings of g = -w e */
    float sqx;      /* sum_f x_f^2, for the gradient-norm statistics */
    uint32_t n;     /* ratings of the id in the sub-epoch */
    float wsum;     /* sum of their weights w (curvature of the feature biases) */
    float wsq;      /* sum of w |other side's vector|^2 (curvature of the feature rows) */
} fm_id;

/* One side (users or items) kept per id: per id, the feature vector
 * sum_f x_f F_f and the gradient sum, next to each other (2 * stride
 * floats), and the cache. */
typedef struct fm_side {
    size_t n_ids, stride;
    float *vec;
    void *vec_raw;
    size_t vec_bytes;
    fm_id *id;
} fm_side;

typedef struct fm_state {
    int per_id[2];   /* by RS_SIDE_*: 1 per-id caches, 0 per-block feature sums */
    fm_side side[2]; /* the per-id sides' caches */
} fm_state;

static void side_free(fm_side *s, const rs__allocator *a)
{
    if (s->vec_raw)
        rs__free_aligned(a, s->vec_raw, s->vec_bytes);
    if (s->id)
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

/* A side keeps per-id caches when its ids have more ratings in a
 * sub-epoch (a diagonal) than features: the id's feature vector is then
 * built, and its gradient sum spread over its feature rows, once for
 * several ratings, where the per-block sums do both for every rating (a
 * cache costs two rows of memory traffic per rating instead). Without
 * per-block sets of sums (d->slots == 1) every side keeps per-id caches.
 * Measured (bench/scorers, k = 128): MovieLens 100K (about 10 and 6
 * ratings per user and item in a sub-epoch, 3 and 4 features) is fastest
 * with caches on both sides; the synthetic set (2 ratings per user and 2
 * features, 10 per item and 3 features) with per-block sums for users and
 * caches for items. */
static int side_per_id(const rs__deferred *d, size_t n_ids, size_t n_ratings, size_t bands,
                       const rs__features *ft)
{
    if (d->slots <= 1)
        return 1;
    double nnz = n_ids ? (double)ft->nnz / (double)n_ids : 0.0;
    double per_sub = n_ids ? (double)n_ratings / (double)n_ids / (double)(bands ? bands : 1) : 0.0;
    return per_sub > (nnz > 1.0 ? nnz : 1.0);
}

rs_status rs__fm_defer_new(void **out, const rs__weights *w, const rs__deferred *d,
                           const rs__allocator *a)
{
    *out = NULL;
    fm_state *S = rs__calloc(a, 1, sizeof *S);
    if (!S)
        return RS_ERR_NOMEM;
    size_t stride = w->blocks[FM_P].stride;
    size_t n[2] = {w->n_users, w->n_items};
    const rs__features *ft[2] = {&w->user_feat, &w->item_feat};
    for (int side = 0; side < 2; side++) {
        S->per_id[side] = side_per_id(d, n[side], d->n_ratings, d->slots, ft[side]);
        if (!S->per_id[side])
            continue;
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

/* Optimizer state of the id blocks (NULL for the constant step). */
typedef struct id_state {
    float *s[4], *s2[4], *p1[4], *p2[4]; /* by ID_* */
} id_state;
enum { ID_UB = 0, ID_IB = 1, ID_P = 2, ID_Q = 3 };

/* What the id rows' step under a policy (fm_kernel.h) reports. */
typedef struct id_result {
    float nf2;       /* the rows' squared gradient norms before clipping */
    int32_t clipped; /* rows the clip changed */
} id_result;

/* Fetch the rows of one side of a rating a few steps ahead: the per-id
 * cache, or the feature row's offsets (near) and columns (nearer). */
static RS_ALWAYS_INLINE void prefetch_side(const fm_state *S, int side, const rs__features *ft,
                                           size_t far_id, size_t near_id, size_t row_bytes)
{
    if (S->per_id[side]) {
        const fm_side *s = &S->side[side];
        const char *v = (const char *)(s->vec + far_id * 2 * s->stride);
        /* unrolled: the loop's counter cost more instructions than the
         * prefetches themselves (callgrind) */
        _Pragma("GCC unroll 4")
        for (size_t off = 0; off < 2 * row_bytes; off += 64)
            __builtin_prefetch(v + off, 1, 3);
        __builtin_prefetch(s->id + far_id, 1, 3);
        return;
    }
    if (far_id < ft->n_rows) {
        __builtin_prefetch(ft->row_off + far_id, 0, 3);
        __builtin_prefetch(ft->row_len + far_id, 0, 3);
    }
    if (near_id < ft->n_rows) {
        __builtin_prefetch(ft->col + ft->row_off[near_id], 0, 3);
        __builtin_prefetch(ft->val + ft->row_off[near_id], 0, 3);
    }
}

/* The ISA variants of the body (fused.h). */
#define MF_V v4f
#define MF_LANES 4
#define MF_SUFFIX base
#define MF_TARGET
#include "fm_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#if defined(__x86_64__) && defined(__GNUC__)
#define MF_V v8f
#define MF_LANES 8
#define MF_SUFFIX avx2
#define MF_TARGET __attribute__((target("avx2,fma")))
#include "fm_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET

#define MF_V v16f
#define MF_LANES 16
#define MF_SUFFIX avx512
#define MF_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#include "fm_kernel.h"
#undef MF_V
#undef MF_LANES
#undef MF_SUFFIX
#undef MF_TARGET
#endif

void rs__fm_train_chunk(rs__train_ctx *c, const rs__chunk *ch)
{
    if (rs__weights_implicit_block(c->w) >= 0) {
        rs__fm_train_chunk_implicit(c, ch); /* nothing deferred (deferred.c) */
        return;
    }
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

void rs__fm_defer_collect(rs__train_ctx *c)
{
    if (!c->defer->scorer_state)
        return;
#if defined(__x86_64__) && defined(__GNUC__)
    if (c->isa == RS__ISA_AVX512) {
        fm_collect_avx512(c);
        return;
    }
    if (c->isa == RS__ISA_AVX2) {
        fm_collect_avx2(c);
        return;
    }
#endif
    fm_collect_base(c);
}
