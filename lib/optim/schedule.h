/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * schedule.h: the block schedule of one epoch.
 *
 * The ratings sit in a bands x bands grid of blocks (fitdata.h); blocks that
 * share no user band and no item band touch disjoint parameter rows. Every
 * epoch fixes one order of all the blocks (the diagonals, in a random order
 * drawn from the seed). That order is the result: the epoch computes exactly
 * what running the blocks one after another in that order computes.
 *
 * Threads do not run it round by round. Each block waits only for the two
 * blocks before it in the order that share its user band or its item band;
 * a free thread takes the earliest block whose two predecessors are done.
 * So a thread that is slow (a busy core, a larger block) holds back only
 * the blocks that really depend on its block, not a whole round, and every
 * parameter row still sees its updates in the fixed order: the model is
 * bit-identical for a seed and a band count whatever the timing and however
 * blocks land on threads. Statistics are kept per block and merged in the
 * order, and random streams (dropout) are seeded per block, for the same
 * reason.
 *
 * Merge points (optional): a scorer whose ratings also touch rows shared
 * by every block (feature weights, deferred.h) freezes those rows for one
 * step and applies their accumulated updates between steps. A step is a
 * diagonal, or with `phases` H > 1 the h-th of H equal slices of each
 * block of the diagonal (steps r H .. r H + H - 1 for diagonal r; position
 * k of the epoch is block k mod bands of step k / bands). With merge
 * points every position of step s waits until every position of step s -
 * 1 has finished and merge(plan, tid, s - 1) has returned (which implies
 * the band order above); that call runs once per step, in order, on the
 * thread that finished the step's last position (tid: its context), and
 * its statistics (the context's, reset before the call) are merged after
 * the step's positions. merge(plan, 0, RS__PLAN_EPOCH_START) runs on the
 * calling thread before each epoch's first block. Blocks of one diagonal
 * share no band, so they still run at once; only the hand-over between
 * steps waits. */
#ifndef RS_OPTIM_SCHEDULE_H
#define RS_OPTIM_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include "common/config.h"
#include "common/rng.h"
#include "train.h"
#include "fitdata.h"

struct rs__epoch_plan;
/* A merge point (see above): after step `step` on thread tid's context. */
typedef void (*rs__plan_merge_fn)(struct rs__epoch_plan *plan, size_t tid, size_t step);

typedef struct rs__epoch_plan {
    const rs__fitdata *fd;
    rs__train_ctx *ctx;      /* one per thread */
    size_t threads;
    size_t n_blocks;         /* bands * bands */
    size_t phases;           /* steps per diagonal (1 without merge points) */
    size_t n_pos;            /* positions of the epoch: n_blocks * phases */
    /* The epoch's order: block ids, and for each position the positions
     * of the previous block of the same user band and of the same item band
     * (SIZE_MAX: none). */
    size_t *order, *after_row, *after_col;
    rs__train_stats *block_stats; /* per position (n_pos), merged in order */
    unsigned char *state;         /* per position (n_pos): 0 waiting, 1 running, 2 done */
    uint64_t seed;                /* per-block random streams */
    uint64_t serial;              /* epochs run with this plan, for the streams */
    int32_t diverged;             /* a block saw divergence: the epoch stopped early */
    /* Merge points (see above; NULL: none); merge_stats and diag_done
     * have one entry per step (bands * phases). */
    rs__plan_merge_fn merge;
    rs__train_stats *merge_stats;
    size_t *diag_done;            /* blocks of each step finished this epoch */
    size_t merged;                /* steps merged this epoch */
} rs__epoch_plan;

/* The `diagonal` of the merge call made before an epoch's first block. */
#define RS__PLAN_EPOCH_START ((size_t)-1)

/* Allocate the plan's arrays for fd's grid, with merge points (merge, with
 * `phases` steps per diagonal) or without (NULL); the order starts as the
 * diagonals in turn (rs__plan_shuffle draws a new one). */
RS_INTERNAL rs_status rs__plan_init(rs__epoch_plan *plan, const rs__fitdata *fd, rs__train_ctx *ctx,
                                    size_t threads, uint64_t seed, rs__plan_merge_fn merge,
                                    size_t phases, const rs__allocator *a);
RS_INTERNAL void rs__plan_free(rs__epoch_plan *plan, const rs__allocator *a);
/* A fresh order of the diagonals for the next epoch. */
RS_INTERNAL void rs__plan_shuffle(rs__epoch_plan *plan, rs__rng *rng);
/* The epoch's statistics, summed over the blocks in order. */
RS_INTERNAL void rs__plan_merge_stats(const rs__epoch_plan *plan, rs__train_stats *out);

/* Train the block at position k of the order on context ctx[tid]: its
 * own random stream (from the plan's seed and serial), its statistics into
 * block_stats[k]. The pool runs whole epochs with it; a caller that
 * schedules blocks itself (the MPI module, one rank's blocks of a
 * diagonal) calls it directly and bumps plan->serial once per epoch. */
RS_INTERNAL void rs__plan_train_block(rs__epoch_plan *plan, size_t tid, size_t k);

/* 1 if a block of the last epoch flagged divergence. */
static inline int rs__plan_diverged(const rs__epoch_plan *plan) { return plan->diverged != 0; }

/* Worker pool: threads - 1 helpers plus the calling thread. Without thread
 * support (or with one thread) epochs run on the caller only. */
typedef struct rs__pool rs__pool;
RS_INTERNAL rs_status rs__pool_start(rs__pool **out, rs__epoch_plan *plan, const rs__allocator *a);
/* Run one epoch: every block of the plan's order, stopping early once a
 * block diverged. The contexts' settings (lr, refit, ...) are read by every
 * block; their statistics end up in plan->block_stats. */
RS_INTERNAL void rs__pool_run_epoch(rs__pool *pool, rs__epoch_plan *plan);
RS_INTERNAL void rs__pool_stop(rs__pool *pool, const rs__allocator *a);

#endif
