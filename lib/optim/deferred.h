/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * deferred.h: shared rows trained deferred (lib/optim/deferred.c).
 *
 * Why: the feature rows of the content and hybrid scorers are touched by
 * every rating of every user (or item) that has the feature, so no block of
 * the rating grid owns them and the block schedule cannot keep their
 * updates disjoint. Updating them per rating forces one thread; it also
 * makes every rating rebuild its user's and item's vectors from the
 * feature rows, because they change all the time.
 *
 * What: the rows of a scorer's deferred blocks (rs__scorer_ops
 * .deferred_blocks) are frozen for one sub-epoch: one step of the
 * schedule (schedule.h), a diagonal of the block grid, whose blocks share
 * no user and no item, or in implicit mode one of 1 + negatives phases of
 * a diagonal (an implicit epoch holds that many updates per rating, so the
 * rows stay frozen for as many updates as in an explicit diagonal: with
 * one step per diagonal the within-cold AUC of bench/coldstart fell by
 * 0.002-0.006). Every rating
 * of the sub-epoch is predicted with their values at its start and adds to
 * each deferred row it touches its loss gradient -w e d(pred)/d(row)
 * (without the L2 term) and its curvature w |d(pred)/d(row)|^2; the id rows
 * (user and item biases and factors) keep their per-rating SGD step. At
 * the end of the sub-epoch (the schedule's merge point) every deferred row
 * that n > 0 ratings touched takes its n steps as one update:
 *
 *     gbar = sum / n + l2 * row             the mean gradient, L2 at the frozen value
 *     h    = K curvature / n + l2           the mean curvature, times the coupling K
 *     gbar = clip(gbar)                     the clip policy, once per row
 *     row -= n eta phi(n eta h) dir         phi(x) = (1 - exp(-x)) / x
 *
 * where (eta, dir) is the learning-rate policy's step for one row update:
 * (lr scale, gbar) for constant and inverse-time rates; AdaGrad's
 * accumulator first grows by n |gbar|^2 / cols (as n equal steps would make
 * it grow), then (lr scale / (sqrt(acc) + eps), gbar); Adam takes one
 * moment update with gbar, then per component (lr scale / c1 / (sqrt(v /
 * c2) + eps), m); scale is the row's learning-rate scale (feature rows take
 * smaller steps, run.c).
 *
 * phi is why this is stable: n eta is the distance n small steps would
 * cover, and phi(n eta h) shortens it to what they cover on a quadratic of
 * curvature h, where each step also sees the previous ones (gradient flow
 * for n steps' time). For small n eta h it is 1 (the update is the sum of
 * the n per-rating updates at the frozen value); for large n eta h the
 * update never passes the minimum along the gradient (Newton's step), where
 * the plain sum of n steps would overshoot and diverge as soon as
 * n eta h > 2 - at the learning rates the per-rating steps still handle.
 *
 * K is there because the deferred rows of one rating move together: a
 * user's few feature rows and the item's all explain the same error, each
 * takes its update from the same frozen errors, and on the direction they
 * share the joint curvature is about their number times each one's (n
 * sequential steps see the others' moves; one update each does not). K is
 * the Gershgorin bound on that sum, per feature f, averaged over the
 * training ratings that touch f: sum |x_f| (L1_u + L1_i) / sum x_f^2, where
 * L1 is the sum of |x| over the user's and over the item's feature row (1
 * for a feature that is alone in its rating). With it the update never
 * overshoots the joint minimum; without it implicit mode (a larger
 * constant step, every negative touching the feature rows too) diverged
 * on MovieLens (bench/coldstart), while explicit fits at the default steps
 * are in the small n eta h regime where phi is about 1 and K changes little.
 *
 * Every block of a diagonal adds to its own set of sums (the set of its
 * user band; blocks of a diagonal have distinct user bands), so blocks on
 * different threads never add to one sum; at the merge point the sets are
 * added in band order and the rows applied in row order on one thread, so
 * the result does not depend on which thread trained which block: a model
 * is bit-identical for a seed and a band count on any number of threads.
 * The sets cost bands x the deferred rows' size; above a budget (64 MiB or
 * the weights' size) there is one set, which only a scorer whose own sums
 * are per id (disjoint between the blocks of a diagonal) may share across
 * threads.
 *
 * The generic step (step.c) adds deferred rows' gradients from
 * pred_grad's touches to its block's set of sums here; a scorer's fused
 * loop may keep per-id sums too (cheaper when ids have several ratings in
 * a step: one vector per user and per item instead of one per feature) and
 * add them to the sums after its block or in defer_collect, before the
 * rows are applied (content/fm_train.c). */
#ifndef RS_OPTIM_DEFERRED_H
#define RS_OPTIM_DEFERRED_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

struct rs__train_ctx;
struct rs__scorer_ops;
struct rs__epoch_plan;

typedef struct rs__deferred {
    uint32_t mask;                   /* bit b: block b is deferred */
    /* Sets of sums: one per band (a block of a diagonal adds to the set of
     * its user band, rs__deferred_slot), or 1 when that many would exceed
     * the memory budget (deferred.c). Set s of block b starts at cell
     * s * rows[b]. */
    size_t slots;
    size_t n_ratings;                /* training ratings of the fit (for the scorer's choices) */
    float *sum[RS__MAX_BLOCKS];      /* slots x rows x stride: the sub-epoch's gradient sums */
    float *curv[RS__MAX_BLOCKS];     /* slots x rows: the sub-epoch's curvature sums */
    uint64_t *count[RS__MAX_BLOCKS]; /* slots x rows: ratings that touched the row */
    void *sum_raw[RS__MAX_BLOCKS];
    size_t sum_bytes[RS__MAX_BLOCKS], rows[RS__MAX_BLOCKS];
    /* Sub-epochs begun: a fused loop stamps its per-id caches with it, so a
     * cache of an earlier sub-epoch (or of an epoch cut short) is never
     * mistaken for a current one. */
    uint64_t serial;
    /* Per feature (by RS_SIDE_*), the coupling that scales the mean
     * curvature of its rows (see above), and each deferred block's (NULL: 1). */
    float *coupling[2];
    size_t n_coupling[2];
    double *coupling_sums[2];        /* per side: the sums behind it (num, then den) */
    const float *row_coupling[RS__MAX_BLOCKS];
    void *scorer_state;              /* the scorer's own (ops->defer_new) */
    const struct rs__scorer_ops *ops;
} rs__deferred;

/* The set of sums a block with user band `band` adds to. */
static inline size_t rs__deferred_slot(const rs__deferred *d, size_t band)
{
    return d->slots > 1 ? band : 0;
}

/* 1 if block blk of the context's weights is trained deferred. */
static inline int rs__deferred_has(const rs__deferred *d, int32_t blk)
{
    return d && (d->mask >> blk & 1u);
}

/* Sums for the scorer's deferred blocks of w and its own state, and the
 * coupling of the feature rows over the training ratings (u[j], i[j]) for
 * j < n (dense indices); a scorer without deferred blocks gets an empty,
 * inactive object (mask 0). */
RS_INTERNAL rs_status rs__deferred_init(rs__deferred *d, const struct rs__scorer_ops *ops,
                                        const rs__weights *w, const int32_t *u, const int32_t *i,
                                        size_t n, size_t slots, const rs__allocator *a);
/* Make the coupling from d->coupling_sums and the scorer's state
 * (defer_new) for a fit of n_ratings training ratings. rs__deferred_init
 * calls it with its own ratings' sums; a run split over processes sums
 * coupling_sums and the rating count over all of them first and calls it
 * again (lib/mpi), so every process trains as one process would. */
RS_INTERNAL rs_status rs__deferred_finish(rs__deferred *d, const rs__weights *w, size_t n_ratings,
                                          const rs__allocator *a);
RS_INTERNAL void rs__deferred_free(rs__deferred *d, const rs__allocator *a);
/* Forget what the current sub-epoch gathered (an epoch that stopped early)
 * and begin a new one. */
RS_INTERNAL void rs__deferred_begin(rs__deferred *d, const rs__weights *w);
/* The merge point: gather the scorer's sums (defer_collect), apply every
 * touched deferred row through the context's policies (its statistics
 * count the row updates and clips), clear the sums and begin the next
 * sub-epoch. c->defer must be d. */
RS_INTERNAL void rs__deferred_apply(struct rs__train_ctx *c);

/* The schedule's merge callback (rs__epoch_plan.merge) for deferred rows:
 * rs__deferred_begin at the epoch's start, rs__deferred_apply after each
 * diagonal, on the context of the thread that calls it. */
RS_INTERNAL void rs__deferred_merge(struct rs__epoch_plan *plan, size_t tid, size_t diagonal);

#endif
