/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * dist.h (internal): one distributed training run (rs_mpi_fit).
 *
 * Every rank holds the model's full parameter layout (the same blocks as
 * rs_fit, initialised identically), but only some rows of it are live on a
 * rank at a time: the users of the user bands it owns (band b belongs to
 * rank b % ranks) and the item bands it currently holds. Item bands travel
 * between the diagonals of an epoch with their optimizer state and are
 * "home" (band c on rank c % ranks) between epochs. Feature rows (content,
 * hybrid) are shared by every rating and are merged after every diagonal.
 *
 * Files: stage.c (global id maps, the grid, ratings sent to their owners),
 * rows.c (packing rows, gathering the model on rank 0), epoch.c (the
 * epoch's diagonals and the hooks of the core's epoch loop), valid.c
 * (distributed validation), checkpoint.c, fit.c (rs_mpi_fit). */
#ifndef RS_MPI_DIST_H
#define RS_MPI_DIST_H

#include "job.h"
#include "optim/run.h"

typedef struct rs__dist {
    rs_mpi_job *job;
    rs__fit_run *fr;
    size_t B;                /* bands per side */
    size_t P;                /* ranks */
    int32_t *ub, *ib;        /* band of every user and item (global indices) */
    size_t *item_off;        /* items of band c: item_list[item_off[c] .. item_off[c + 1]), ascending */
    int32_t *item_list;
    size_t *user_off;        /* users of band b, likewise */
    int32_t *user_list;
    size_t n_own;            /* user bands owned here: b = rank, rank + P, ... */
    /* the item-band exchange: one slot per owned user band */
    size_t item_floats;      /* packed floats per item row (parameters and optimizer state) */
    size_t slot_floats;      /* room per slot: the largest band */
    float *sendbuf, *recvbuf;
    MPI_Request *sreq, *rreq;
    int32_t *rband;          /* band expected in each receive slot, -1: none */
    unsigned char *done;     /* per slot: its block of the current diagonal is trained */
    rs__epoch_plan sub;      /* threads: one diagonal's blocks of this rank, for the pool */
    size_t *sub_pos;         /* their positions in the epoch's order */
    /* shared feature rows (content, hybrid; more than one rank) */
    size_t shared_floats;
    float *shared_old, *shared_all; /* shared_all: ranks * shared_floats, then the merge kinds */
    size_t shared_all_n;
    /* validation: this rank's users' validation ratings with their positions */
    size_t vn;
    int32_t *vu, *vi;
    float *vr, *vw;
    uint64_t *vpos;
    uint64_t vn_total;
    /* per-position divergence flags and the statistics exchange */
    double *stat_d;          /* 5 per position */
    uint64_t *stat_u;        /* 4 per position */
    /* a failure inside a hook (a wait that timed out, a checkpoint that
     * could not be written): the loop is stopped and rs_mpi_fit returns it */
    rs_status fail;
} rs__dist;

/* ---- stage.c ---- */
/* Everything before training: id maps, features, weights, grid, ratings
 * and validation ratings of this rank's users. Collective; agreed. */
RS_INTERNAL rs_status rs__dist_stage(rs__dist *d, const rs_dataset *train, const rs_dataset *valid);
RS_INTERNAL void rs__dist_free(rs__dist *d);
static inline int rs__dist_owner(const rs__dist *d, size_t band) { return (int)(band % d->P); }

/* ---- rows.c ---- */
/* Floats of one row of `side` (RS_SIDE_USER / RS_SIDE_ITEM) in every block
 * of that side; with_opt adds the optimizer state of those rows. */
RS_INTERNAL size_t rs__dist_row_floats(const rs__fit_run *fr, int32_t side, int with_opt);
RS_INTERNAL void rs__dist_pack_row(const rs__fit_run *fr, const rs__weights *w, int32_t side,
                                   size_t row, int with_opt, float *dst);
RS_INTERNAL void rs__dist_unpack_row(rs__fit_run *fr, rs__weights *w, int32_t side, size_t row,
                                     int with_opt, const float *src);
/* Rank 0's replica becomes the whole model: the other ranks send their
 * users' rows and their home item bands (with optimizer state and the best
 * snapshot when asked). Collective. */
RS_INTERNAL rs_status rs__dist_gather(rs__dist *d, int with_opt, int with_best);
/* Every rank gets every home item band (parameters only): what
 * validation needs. Collective. */
RS_INTERNAL rs_status rs__dist_share_items(rs__dist *d);

/* ---- epoch.c ---- */
RS_INTERNAL rs_status rs__dist_prepare_epochs(rs__dist *d);
RS_INTERNAL const rs__run_hooks *rs__dist_hooks(void);
/* Content and hybrid on more than one rank: every rank's shared feature rows
 * (parameters and optimizer state) are the same bits, or RS_ERR_STATE.
 * Collective; the merges make them so, and this checks it once a run ends. */
RS_INTERNAL rs_status rs__dist_check_shared(rs__dist *d);

/* ---- valid.c ---- */
RS_INTERNAL double rs__dist_valid_rmse(rs__dist *d);
/* The bias-only baseline's ratings on this rank (validation ones when the
 * run has them) and the reduction over the ranks (lib/optim/baseline.c). */
RS_INTERNAL rs__baseline_io rs__dist_baseline_io(rs__dist *d);

/* ---- checkpoint.c ---- */
RS_INTERNAL rs_status rs__dist_checkpoint_write(rs__dist *d);
RS_INTERNAL rs_status rs__dist_checkpoint_read(rs__dist *d);

#endif
