/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * scorer.h: the one internal interface between the optimizer core and the
 * scorer modules. A scorer declares its parameter blocks, predicts a rating
 * from dense indices and gives the gradient of that prediction; the core
 * (lib/optim) owns everything else: epochs, order, learning rates, L2,
 * clipping, threads, statistics and the divergence guard. */
#ifndef RS_SCORERS_SCORER_H
#define RS_SCORERS_SCORER_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

/* One parameter row touched by a prediction, with d(prediction)/d(row). */
typedef struct rs__touch {
    int32_t block; /* index into rs__weights.blocks */
    size_t row;
    size_t n;      /* floats in the row (block cols) */
    float *grad;   /* n floats in caller-provided scratch */
} rs__touch;

struct rs__train_ctx;
struct rs__deferred;
struct rs__chunk;
struct rs_dataset;

typedef struct rs__scorer_ops {
    int32_t kind;      /* RS_SCORER_* */
    const char *name;
    /* Declare the blocks of a model for n_users x n_items (w's counts and
     * feature tables are already filled in). */
    rs_status (*layout)(rs__weights *w, const rs__allocator *a, const rs__params *p);
    /* Prediction for known dense indices, before clamping. */
    float (*predict)(const rs__weights *w, int32_t u, int32_t i);
    /* Gradient of predict() for (u, i): fills touches (at most max_touches),
     * carving grad arrays out of scratch (scratch_floats long); returns the
     * number of touches. */
    size_t (*pred_grad)(const rs__weights *w, int32_t u, int32_t i, rs__touch *touches,
                        size_t max_touches, float *scratch, size_t scratch_floats);
    /* Upper bounds for pred_grad's buffers given w. */
    size_t (*max_touches)(const rs__weights *w);
    size_t (*scratch_floats)(const rs__weights *w);
    /* Optional specialised training loop for one chunk; NULL = the core's
     * generic step built on pred_grad. Must behave exactly like the generic
     * step (the tests compare them). */
    void (*train_chunk)(struct rs__train_ctx *ctx, const struct rs__chunk *chunk);
    /* 1 if a rating's gradient touches rows shared by all users or items
     * (feature weights): the block schedule cannot make such updates
     * disjoint. Unless the scorer defers those rows (deferred_blocks below,
     * with a train_chunk), the core trains it on one thread to stay
     * deterministic. Such rows also get a smaller step (run.c). */
    int32_t shares_rows;
    /* Optional, for scorers with features (NULL otherwise): what the
     * cold-start refit (lib/optim/coldfit.c) needs.
     * cold_blocks: the feature-bias and feature-factor blocks of `side`
     * (RS_SIDE_*); *factor_blk is -1 when the factors cannot be refitted
     * because no id part of that side could absorb the change. Returns 0
     * when the side has no features.
     * predict_cold: predict() without the id parameters of `side`, i.e. what
     * a brand-new id with the same features would get.
     * cold_absorb: for every id of `side` with ratings (ratings_per_id > 0),
     * add x_id . (old - current) of the two blocks to its id parameters, so
     * its prediction is what it was before the refit. */
    int (*cold_blocks)(const rs__weights *w, int32_t side, int32_t *bias_blk, int32_t *factor_blk);
    float (*predict_cold)(const rs__weights *w, int32_t u, int32_t i, int32_t side);
    void (*cold_absorb)(rs__weights *w, int32_t side, const float *old_bias,
                        const float *old_factors, const uint32_t *ratings_per_id);
    /* Optional (RS_PARAM_COLD_TASTE): the block whose row per id of `side`
     * is that id's cold-start taste - weights over the other side's
     * features (cols - 2 of them; 0 when that side has too many), an
     * intercept, and a flag that is 1 when the id had ratings in rs_fit.
     * The scorer adds x . theta + intercept to every pair whose other id
     * has flag 0 (or is scored without its id part, predict_cold); the
     * refit fits the rows in closed form. -1 when the model has none. */
    int32_t (*taste_block)(const rs__weights *w, int32_t side);
    /* Optional, for scorers with shared rows (0 / NULL otherwise): train the
     * shared rows deferred (lib/optim/deferred.h): frozen for one step of
     * the schedule (a diagonal of the block grid, or a phase of one), their
     * ratings' gradients summed per block and applied at the step's end, so
     * the step's blocks run on different threads.
     * deferred_blocks: bit b set when block b is shared (its rows deferred).
     * The generic step then adds those rows' gradients to the block's set of
     * ctx->defer's sums (rs__deferred_slot); a fused train_chunk may keep
     * its own state as well:
     * defer_new / defer_free: that per-fit state (ctx->defer->scorer_state),
     * chosen knowing d (its sets of sums, the fit's ratings);
     * defer_collect: add what the state still holds for the step to
     * ctx->defer's sums and counts (called at the merge point, on one
     * thread, before the rows are applied). A scorer with deferred_blocks
     * but no train_chunk trains on one thread (with more sets of sums than
     * fit the budget there is one set, which only a train_chunk whose own
     * sums are per id, disjoint within a diagonal, may share). */
    uint32_t deferred_blocks;
    rs_status (*defer_new)(void **state, const rs__weights *w, const struct rs__deferred *d,
                           const rs__allocator *a);
    void (*defer_free)(void *state, const rs__allocator *a);
    void (*defer_collect)(struct rs__train_ctx *ctx);
} rs__scorer_ops;

/* 1 when the core may train the scorer on several threads. */
static inline int rs__scorer_threads_ok(const rs__scorer_ops *ops)
{
    return !ops->shares_rows || (ops->deferred_blocks && ops->train_chunk);
}

/* The ops of a scorer kind, or NULL if it is not built. */
RS_INTERNAL const rs__scorer_ops *rs__scorer_ops_for(int32_t kind);

RS_INTERNAL extern const rs__scorer_ops rs__collaborative_ops;
#if RS_ENABLE_CONTENT
RS_INTERNAL extern const rs__scorer_ops rs__content_ops;
#endif
#if RS_ENABLE_CONTENT && RS_ENABLE_HYBRID /* hybrid builds on the content model */
RS_INTERNAL extern const rs__scorer_ops rs__hybrid_ops;
#endif

#endif
