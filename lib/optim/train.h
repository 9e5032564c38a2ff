/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * train.h: the optimizer core's working state. A training context is what
 * one worker thread needs to run SGD over a chunk of ratings: the weights,
 * the resolved policies, learning-rate state and its own statistics
 * accumulators (merged in a fixed order after every epoch, so results do not
 * depend on thread timing). */
#ifndef RS_OPTIM_TRAIN_H
#define RS_OPTIM_TRAIN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "core/model.h"
#include "policies/policies.h"
#include "scorers/scorer.h"
#include "common/rng.h"
#include "common/vec.h"
#include "deferred.h"

/* Per-parameter optimizer state for AdaGrad (one accumulator per row) and
 * Adam (first and second moments per parameter; per row beta1^t and
 * beta2^t, t being the row's update count, kept as powers so no step needs
 * powf). Arrays are 64-byte aligned. */
typedef struct rs__optstate {
    size_t n_blocks;
    float *acc[RS__MAX_BLOCKS];   /* AdaGrad: rows; Adam: rows * stride (first moment) */
    float *acc2[RS__MAX_BLOCKS];  /* Adam: rows * stride (second moment) */
    float *pow1[RS__MAX_BLOCKS];  /* Adam: rows, beta1^t (starts at 1) */
    float *pow2[RS__MAX_BLOCKS];  /* Adam: rows, beta2^t (starts at 1) */
    void *raw[RS__MAX_BLOCKS][4]; /* allocations of acc, acc2, pow1, pow2 */
    size_t raw_bytes[RS__MAX_BLOCKS][4], n[RS__MAX_BLOCKS][4];
} rs__optstate;

typedef struct rs__chunk {
    const int32_t *u, *i;
    const float *r;
    const float *wt; /* NULL: every weight is 1 */
    size_t n;
} rs__chunk;

typedef struct rs__train_stats {
    double sq_err;    /* sum of w * e^2 */
    double sum_w;     /* sum of w */
    double gnorm_sum; /* sum of per-rating gradient norms */
    double gnorm_max;
    double fnorm_sum; /* sum of per-rating norms of the factor rows' gradient */
    uint64_t n_updates;   /* ratings processed */
    uint64_t n_rows;      /* parameter rows updated */
    uint64_t n_clipped;   /* rows the clip policy changed */
} rs__train_stats;

enum { RS__ISA_BASELINE = 0, RS__ISA_AVX2 = 1, RS__ISA_AVX512 = 2 };
/* The best kernel ISA this CPU supports (checked per fit, never cached globally). */
RS_INTERNAL int32_t rs__isa_detect(void);

enum { RS__REFIT_NONE = 0, RS__REFIT_USER = 1, RS__REFIT_ITEM = 2 };

/* Rows in each context's rowbuf. */
#define RS__ROWBUF_ROWS 6

typedef struct rs__train_ctx {
    rs__weights *w;
    const rs__scorer_ops *ops;
    rs__optstate *opt;
    int32_t lr_policy;
    float lr;          /* base learning rate for this epoch */
    float l2[RS__REG_COUNT]; /* by RS__REG_* */
    float beta1, beta2, eps;
    rs__clip_policy clip;
    float blowup;      /* |error| above this means the run diverged */
    /* scratch for the generic step */
    rs__touch *touches;
    size_t max_touches;
    float *scratch;
    size_t scratch_floats;
    float *gbuf;       /* largest block row, for the loss gradient */
    size_t gbuf_floats;
    /* RS__ROWBUF_ROWS rows of the widest block, 64-byte aligned: the fused
     * loops' gradient rows (NULL: a fused loop falls back to the generic step). */
    float *rowbuf;
    /* The user band of the block being trained (set by the schedule): the
     * block's set of deferred sums (rs__deferred_slot). */
    size_t band;
    int32_t isa;       /* RS__ISA_*: which compiled kernel the CPU can run */
    /* Per-row learning-rate multipliers by block (NULL: 1 for every row).
     * Rows shared by many ratings (feature weights) get a smaller step, so
     * one epoch moves them about as far as a typical id row. */
    const float *lr_scale[RS__MAX_BLOCKS];
    float id_dropout;  /* RS_PARAM_ID_DROPOUT (feature-model scorers) */
    /* Cold-start refit (coldfit.c): RS__REFIT_USER/ITEM trains only that
     * side's feature rows, predicting without its id parameters, and skips
     * the ratings of ids flagged in refit_skip (NULL: none). */
    int32_t refit;
    const unsigned char *refit_skip;
    /* 1 when every cold-start taste of w is zero (as during rs_fit's epochs:
     * the tastes are fitted after them): the loops skip their term, two
     * passes over the pair's features per rating. 0: not known, add it. */
    int32_t tastes_zero;
    /* Shared rows trained deferred (deferred.h), one object for all the
     * contexts of a fit; NULL, or a mask of 0: every row steps per rating. */
    rs__deferred *defer;
    rs__rng rng;       /* per-thread stream for dropout, seeded from RS_PARAM_SEED */
    rs__train_stats st;
    int32_t diverged;  /* set by a worker when it sees a non-finite or exploding error */
} rs__train_ctx;

/* The learning-rate multiplier of one row (1 unless the core set a scale). */
static RS_ALWAYS_INLINE float rs__row_lr_scale(const rs__train_ctx *c, int32_t blk, size_t row)
{
    return c->lr_scale[blk] ? c->lr_scale[blk][row] : 1.0f;
}

/* theta -= lr * g. g is the context's gradient buffer, never a parameter
 * row: restrict lets the compiler vectorise the loop. */
static RS_ALWAYS_INLINE void rs__row_step(float *restrict theta, const float *restrict g, float lr, size_t n)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) /* blocks of 8: vectorised at -O2 too */
        for (int l = 0; l < 8; l++)
            theta[j + l] -= lr * g[j + l];
    for (; j < n; j++)
        theta[j] -= lr * g[j];
}

/* gb = scale * src + l2 * theta, into the context's gradient buffer (which
 * overlaps neither a parameter row nor src). */
static RS_ALWAYS_INLINE void rs__row_grad(float *restrict gb, const float *restrict src,
                                const float *restrict theta, float scale, float l2, size_t n)
{
    size_t f = 0;
    for (; f + 8 <= n; f += 8)
        for (int l = 0; l < 8; l++)
            gb[f + l] = scale * src[f + l] + l2 * theta[f + l];
    for (; f < n; f++)
        gb[f] = scale * src[f] + l2 * theta[f];
}

/* Adam's beta^t for one row, advanced by one step. Once it is below 2^-25,
 * 1 - beta^t is exactly 1 in float, so it becomes 0 there instead of
 * running on into subnormal numbers (0.9^t is subnormal from t = 870 on,
 * and subnormal arithmetic is about a hundred times slower). */
static RS_ALWAYS_INLINE float rs__adam_power(float *pw, float beta)
{
    float x = *pw * beta;
    *pw = x < 0x1p-25f ? 0.0f : x;
    return *pw;
}

/* Apply one row update theta -= step(g) under the context's learning-rate policy. */
static RS_ALWAYS_INLINE void rs__update_row(rs__train_ctx *c, int32_t blk, size_t row, size_t stride,
                                  float *theta, const float *g, size_t n)
{
    const float lr = c->lr * rs__row_lr_scale(c, blk, row);
    switch (c->lr_policy) {
    case RS_LR_ADAGRAD: {
        /* One accumulator per row (LIBMF-style): the mean squared gradient. */
        float *G = c->opt->acc[blk] + row;
        float s = 0.0f;
        for (size_t j = 0; j < n; j++)
            s += g[j] * g[j];
        *G += s / (float)n;
        float eta = lr / (sqrtf(*G) + c->eps);
        for (size_t j = 0; j < n; j++)
            theta[j] -= eta * g[j];
        break;
    }
    case RS_LR_ADAM: {
        float *m = c->opt->acc[blk] + row * stride;
        float *v = c->opt->acc2[blk] + row * stride;
        float b1 = c->beta1, b2 = c->beta2;
        float c1 = 1.0f - rs__adam_power(&c->opt->pow1[blk][row], b1);
        float c2 = 1.0f - rs__adam_power(&c->opt->pow2[blk][row], b2);
        float eta = lr / c1;
        float inv_c2 = 1.0f / c2;
        for (size_t j = 0; j < n; j++) {
            m[j] = b1 * m[j] + (1.0f - b1) * g[j];
            v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
            theta[j] -= eta * m[j] / (sqrtf(v[j] * inv_c2) + c->eps);
        }
        break;
    }
    default: /* constant and inverse-time: the schedule only changes c->lr per epoch */
        rs__row_step(theta, g, lr, n);
        break;
    }
}

/* One parameter row's SGD step: its loss gradient scale * src + l2 * theta
 * (into c->gbuf), statistics, the clip policy and the learning-rate policy.
 * Returns the row's squared gradient norm before clipping. The generic step
 * and the feature-model loop both update rows through this. */
static RS_ALWAYS_INLINE float rs__sgd_row_l2(rs__train_ctx *c, int32_t blk, size_t row, float scale,
                                             const float *src, size_t n, float l2)
{
    rs__block *b = &c->w->blocks[blk];
    float *theta = b->data + row * b->stride;
    /* The norm uses rs__vec_sqnorm's fixed-order partial sums, not one
     * serial chain of additions: same result every run, and vectorised. */
    float *gb = c->gbuf;
    rs__row_grad(gb, src, theta, scale, l2, n);
    float rn2 = rs__vec_sqnorm(gb, n);
    c->st.n_rows++;
    c->st.n_clipped += (uint64_t)rs__clip_apply(&c->clip, gb, n, rn2);
    rs__update_row(c, blk, row, b->stride, theta, gb, n);
    return rn2;
}

static RS_ALWAYS_INLINE float rs__sgd_row(rs__train_ctx *c, int32_t blk, size_t row, float scale,
                                          const float *src, size_t n)
{
    return rs__sgd_row_l2(c, blk, row, scale, src, n, c->l2[c->w->blocks[blk].reg]);
}

/* rs__sgd_row for rows[0, n_rows) of block blk that share one gradient
 * source (the implicit vectors y_j of a user's N(u), implicit user
 * factors), with the block's L2 times l2_times (the number of ratings the
 * step stands for); rows at or past the block's end are skipped. Each
 * row's squared gradient norm is added to *norm2 (when not NULL) and
 * *fnorm2 in row order, as n_rows calls would. Under a step without
 * per-row state (constant, inverse-time, auto) and without clipping, a row
 * takes one fused pass instead of three: the same operations per component. */
static RS_ALWAYS_INLINE void rs__sgd_rows_shared(rs__train_ctx *c, int32_t blk, const int32_t *rows,
                                                 size_t n_rows, float scale, const float *src,
                                                 size_t n, float l2_times, float *norm2,
                                                 float *fnorm2)
{
    rs__block *b = &c->w->blocks[blk];
    const float l2 = c->l2[b->reg] * l2_times;
    if (c->clip.kind != RS_CLIP_NONE || c->lr_policy == RS_LR_ADAGRAD || c->lr_policy == RS_LR_ADAM) {
        for (size_t r = 0; r < n_rows; r++) {
            if ((size_t)rows[r] >= b->rows)
                continue;
            float rn2 = rs__sgd_row_l2(c, blk, (size_t)rows[r], scale, src, n, l2);
            if (norm2)
                *norm2 += rn2;
            *fnorm2 += rn2;
        }
        return;
    }
    const float *restrict g0 = src;
    for (size_t r = 0; r < n_rows; r++) {
        if ((size_t)rows[r] >= b->rows)
            continue;
        float *restrict theta = b->data + (size_t)rows[r] * b->stride;
        const float lr = c->lr * rs__row_lr_scale(c, blk, (size_t)rows[r]);
        float sq[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t f = 0;
        for (; f + 8 <= n; f += 8)
            for (int l = 0; l < 8; l++) {
                float gv = scale * g0[f + l] + l2 * theta[f + l];
                sq[l] += gv * gv;
                theta[f + l] -= lr * gv;
            }
        for (; f < n; f++) {
            float gv = scale * g0[f] + l2 * theta[f];
            sq[f & 7] += gv * gv;
            theta[f] -= lr * gv;
        }
        float rn2 = ((sq[0] + sq[4]) + (sq[1] + sq[5])) + ((sq[2] + sq[6]) + (sq[3] + sq[7]));
        c->st.n_rows++;
        if (norm2)
            *norm2 += rn2;
        *fnorm2 += rn2;
    }
}

/* One rating's gradient statistics: norm2 the squared norm of all its rows'
 * gradients, fnorm2 that of its factor rows'. */
static RS_ALWAYS_INLINE void rs__stats_rating(rs__train_ctx *c, float norm2, float fnorm2)
{
    float gn = sqrtf(norm2);
    c->st.gnorm_sum += gn;
    c->st.fnorm_sum += sqrtf(fnorm2);
    if (gn > c->st.gnorm_max)
        c->st.gnorm_max = gn;
    c->st.n_updates++;
}

/* The generic SGD step over a chunk, built on the scorer's pred_grad. */
RS_INTERNAL void rs__train_chunk_generic(rs__train_ctx *c, const rs__chunk *ch);

RS_INTERNAL rs_status rs__optstate_init(rs__optstate *o, const rs__weights *w, int32_t lr_policy,
                                        const rs__allocator *a);
RS_INTERNAL void rs__optstate_reset(rs__optstate *o);
RS_INTERNAL void rs__optstate_free(rs__optstate *o, const rs__allocator *a);

/* 1 when w has no cold-start tastes or all of them are zero (ops->taste_block;
 * the flag column of the rows is not a taste). For rs__train_ctx.tastes_zero. */
RS_INTERNAL int rs__train_tastes_zero(const rs__weights *w, const rs__scorer_ops *ops);

#endif
