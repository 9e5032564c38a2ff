/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * schedule.h: the block schedule of one epoch. With B bands there are B
 * rounds; round r trains the B blocks (b, (b + offset_r) mod B), which share
 * no user and no item. Thread t takes blocks b = t, t + T, ... of every
 * round, so the assignment, and hence the result, never depends on timing. */
#ifndef RS_OPTIM_SCHEDULE_H
#define RS_OPTIM_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include "common/config.h"
#include "train.h"
#include "fitdata.h"

typedef struct rs__epoch_plan {
    const rs__fitdata *fd;
    rs__train_ctx *ctx;      /* one per thread */
    size_t threads;
    size_t *round_offset;    /* bands entries, a permutation chosen per epoch */
} rs__epoch_plan;

/* Train every block thread tid owns in round r. */
RS_INTERNAL void rs__plan_run_round(const rs__epoch_plan *plan, size_t tid, size_t r);

/* 1 if any worker flagged divergence. */
static inline int rs__plan_diverged(const rs__epoch_plan *plan)
{
    for (size_t t = 0; t < plan->threads; t++)
        if (plan->ctx[t].diverged)
            return 1;
    return 0;
}

/* Worker pool: threads - 1 helpers plus the calling thread. Without thread
 * support (or with one thread) epochs run on the caller only. */
typedef struct rs__pool rs__pool;
RS_INTERNAL rs_status rs__pool_start(rs__pool **out, rs__epoch_plan *plan, const rs__allocator *a);
/* Run one epoch (all rounds, stopping after a round in which a worker diverged). */
RS_INTERNAL void rs__pool_run_epoch(rs__pool *pool, rs__epoch_plan *plan);
RS_INTERNAL void rs__pool_stop(rs__pool *pool, const rs__allocator *a);

#endif
