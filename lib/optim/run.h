/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * run.h: one training run of the SGD core (lib/optim/run.c). rs_fit stages a
 * fresh model, rs_partial_fit stages the fitted one; both then call
 * rs__run_prepare and rs__run_execute, so every training path has the same
 * policies, statistics, divergence guard and callbacks. */
#ifndef RS_OPTIM_RUN_H
#define RS_OPTIM_RUN_H

#include "core/model.h"
#include "data/dataset.h"
#include "coldfit.h"
#include "fitdata.h"
#include "schedule.h"
#include "train.h"

/* Everything one run owns. w is trained in place; callers move it into or
 * out of the model around the run. */
typedef struct rs__fit_run {
    rs_model *m;
    const rs__params *p;
    rs__idmap users, items;
    rs__weights w, last_good, best;
    int have_best;   /* set by the caller when fd holds validation ratings */
    int64_t epoch_base; /* epochs already behind w (rs_partial_fit): the schedule continues */
    int64_t budget_epochs; /* the fit's epoch budget (RS_PARAM_EPOCHS), for RS_LR_AUTO */
    rs__fitdata fd;
    rs__optstate opt;
    size_t *seen_off;
    int32_t *seen_item;
    size_t seen_nnz;
    rs__train_ctx *ctx;
    size_t threads;
    float *scratch_all;
    size_t scratch_all_floats;
    rs__touch *touch_all;
    size_t touch_all_n;
    float *rowbuf_all; /* the contexts' aligned row buffers, one allocation */
    void *rowbuf_raw;
    size_t rowbuf_bytes;
    double *stats;
    size_t stats_cap, n_stats;
    size_t good_epochs; /* epochs that did not diverge (what RS_PARAM_KEEP_PARTIAL can keep) */
    int stopped;        /* the progress callback asked to stop (RS_ERR_CANCELLED, epoch kept) */
    double baseline_rmse; /* of the bias-only baseline (baseline.c), valid when have_baseline */
    int have_baseline;
    float *ufeat_scale, *ifeat_scale; /* learning-rate multipliers of feature rows */
    size_t n_ufeat_scale, n_ifeat_scale;
    /* implicit feedback (implicit.c) */
    int implicit;
    size_t n_positives;
    size_t *band_off;    /* items grouped by band: band_items[band_off[b] .. band_off[b+1]) */
    int32_t *band_items;
    rs__coldfit cold; /* the cold-start refit after rs_fit (coldfit.c) */
} rs__fit_run;


RS_INTERNAL double rs__now_seconds(void);
/* Fill factor rows with the init policy: user-side rows from first_user,
 * item-side rows from first_item; feature blocks only when !partial. */
RS_INTERNAL rs_status rs__run_init_blocks(rs__fit_run *fr, size_t first_user, size_t first_item,
                                          int partial);
/* The base learning rate of the t-th epoch of training (1-based, counting
 * the epochs already behind the weights) for a fit of `budget` epochs. */
RS_INTERNAL double rs__schedule_lr(const rs__params *p, int64_t t, int64_t budget);
RS_INTERNAL size_t rs__run_choose_bands(size_t threads, const rs__weights *w, size_t n_ratings);
/* Allocate the per-run state for fr->w and fr->fd: snapshots, optimizer
 * state, statistics, learning-rate scales and thread contexts. */
RS_INTERNAL rs_status rs__run_prepare(rs__fit_run *fr);
/* Train (RS_OK, RS_ERR_NUMERIC, RS_ERR_CANCELLED or RS_ERR_NOMEM). */
RS_INTERNAL rs_status rs__run_execute(rs__fit_run *fr, double t0);
RS_INTERNAL void rs__run_free(rs__fit_run *fr);
/* 1 when the trained parameters of a run that ended with st go into the
 * model: on success; when the progress callback stopped training after at
 * least one good epoch (a requested early end, as the epoch limit is); with
 * RS_PARAM_KEEP_PARTIAL, after a divergence that followed a good epoch.
 * Otherwise (every failure) the caller leaves the model exactly as it was. */
RS_INTERNAL int rs__run_keeps(const rs__fit_run *fr, rs_status st);
/* Move the run's epoch statistics into the model (also after a failed run,
 * so the caller can see what happened; statistics are not saved). */
RS_INTERNAL void rs__run_take_stats(rs__fit_run *fr);

/* The bias-only baseline (baseline.c): compute fr->baseline_rmse once fr->fd
 * and fr->w's shape are staged; after training, compare the model with it
 * (sets RS_STAT_WORSE_THAN_BASELINE in the last row, warns through the log). */
RS_INTERNAL rs_status rs__baseline_prepare(rs__fit_run *fr);
RS_INTERNAL void rs__baseline_check(rs__fit_run *fr);
/* Weighted RMSE of fr->w's clamped predictions on n ratings (w NULL: all 1). */
RS_INTERNAL double rs__run_rmse(const rs__fit_run *fr, const int32_t *u, const int32_t *i,
                                const float *r, const float *w, size_t n);

/* Implicit feedback: turn fr->fd (positives, with seen lists staged) into
 * positives plus negative slots; draw the negatives of one epoch. */
RS_INTERNAL rs_status rs__implicit_prepare(rs__fit_run *fr);
RS_INTERNAL void rs__implicit_resample(rs__fit_run *fr, int64_t epoch);
RS_INTERNAL void rs__implicit_free(rs__fit_run *fr);

#endif
