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

struct rs__fit_run;

/* The epoch loop's state between two epochs: with the weights, the
 * optimizer state and the statistics rows, everything a run needs to go on
 * after epoch next_epoch - 1 exactly as if it had never stopped (the MPI
 * module's checkpoints save and restore it). */
typedef struct rs__loop_state {
    int32_t started;     /* 0: rs__run_epochs starts a fresh loop */
    int32_t halvings;
    int64_t next_epoch;  /* 1-based */
    uint64_t plan_serial; /* epochs the plan has run (per-block random streams) */
    uint64_t since_best;
    double lr_scale;
    double best_train, prev_train, best_valid;
    rs__rng order_rng;
} rs__loop_state;

/* Optional hooks for a caller that runs the epochs elsewhere (the MPI
 * module: blocks on several processes). NULL members keep the
 * single-process behaviour. */
typedef struct rs__run_hooks {
    void *ud;
    /* Run the plan's epoch (default rs__pool_run_epoch): every block's
     * statistics in plan->block_stats, plan->diverged set, plan->serial
     * advanced by one. */
    void (*run_epoch)(void *ud, struct rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan);
    /* 1 when every parameter is finite (default: rs__weights_all_finite). */
    int (*all_finite)(void *ud, struct rs__fit_run *fr);
    /* The validation RMSE of the weights (default: over fd's validation ratings). */
    double (*valid_rmse)(void *ud, struct rs__fit_run *fr);
    /* The progress callback's answer, agreed (default: rc itself). */
    int32_t (*agree_stop)(void *ud, struct rs__fit_run *fr, int32_t rc);
    /* After every epoch that does not end the run, with fr->loop ready for
     * the next one; a status other than RS_OK stops the run with it. */
    rs_status (*epoch_end)(void *ud, struct rs__fit_run *fr);
} rs__run_hooks;

/* Everything one run owns. w is trained in place; callers move it into or
 * out of the model around the run. */
typedef struct rs__fit_run {
    rs_model *m;
    const rs__params *p;
    rs__idmap users, items;
    rs__weights w, last_good, best;
    /* last_good is kept (a copy of w after every good epoch) only when a
     * diverging epoch can continue or be kept: RS_DIVERGENCE_HALVE_LR or
     * keep_partial. Otherwise a diverged run is thrown away whole, and the
     * copy would only cost one more set of parameters in memory. */
    int track_last_good;
    int have_best;   /* set by the caller when fd holds validation ratings */
    int64_t epoch_base; /* epochs already behind w (rs_partial_fit): the schedule continues */
    int64_t budget_epochs; /* the fit's epoch budget (RS_PARAM_EPOCHS), for RS_LR_AUTO */
    rs__fitdata fd;
    rs__optstate opt;
    size_t *seen_off;
    int32_t *seen_item;
    size_t seen_nnz;
    size_t *seen_next;    /* seen_next_n cursors for rs__fitdata_into_seen (NULL in implicit mode) */
    size_t seen_next_n;
    rs_dataset *consumed; /* rs_fit_consume: the dataset whose rating columns fd holds */
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
    float *imp_scale; /* RS_PARAM_IMPLICIT_LR_SCALE for every row of the implicit block */
    size_t n_imp_scale;
    /* implicit feedback (implicit.c) */
    int implicit;
    size_t n_positives;
    size_t *band_off;    /* items grouped by band: band_items[band_off[b] .. band_off[b+1]) */
    int32_t *band_items;
    rs__coldfit cold; /* the cold-start refit after rs_fit (coldfit.c) */
    rs__deferred defer; /* sums of the scorer's deferred shared rows (deferred.h) */
    rs__loop_state loop;        /* the epoch loop's state (zero: a fresh run) */
    const rs__run_hooks *hooks; /* NULL: the single-process run */
} rs__fit_run;


RS_INTERNAL double rs__now_seconds(void);
/* Fill factor rows with the init policy: user-side rows from first_user,
 * item-side rows from first_item; feature blocks only when !partial. */
RS_INTERNAL rs_status rs__run_init_blocks(rs__fit_run *fr, size_t first_user, size_t first_item,
                                          int partial);
/* The base learning rate of the t-th epoch of training (1-based, counting
 * the epochs already behind the weights) for a fit of `budget` epochs. */
RS_INTERNAL double rs__schedule_lr(const rs__params *p, int64_t t, int64_t budget);
/* Feature rows' learning-rate multipliers from scale[f] = the number of the
 * n training ratings that touch feature f (n_ids ids on that side): scale
 * becomes min(1, (n / n_ids) / count). */
RS_INTERNAL void rs__feature_scale_finish(float *scale, size_t n_features, size_t n, size_t n_ids);
RS_INTERNAL size_t rs__run_choose_bands(size_t threads, const rs__weights *w, size_t n_ratings);
/* The threads a run of the model's scorer uses for `requested` (one, with
 * a logged reason, for a scorer whose shared rows are not deferred and for
 * implicit user factors, `implicit` != 0). */
RS_INTERNAL size_t rs__run_threads(rs_model *m, int64_t requested, int implicit);
/* Allocate the per-run state for fr->w and fr->fd: snapshots, optimizer
 * state, statistics, learning-rate scales and thread contexts. */
RS_INTERNAL rs_status rs__run_prepare(rs__fit_run *fr);
/* Train (RS_OK, RS_ERR_NUMERIC, RS_ERR_CANCELLED or RS_ERR_NOMEM). */
RS_INTERNAL rs_status rs__run_execute(rs__fit_run *fr, double t0);
/* The epoch loop alone, from fr->loop (a fresh loop when not started), on
 * a plan and pool the caller made: rs__run_execute without the plan, the
 * pool and the cold-start refit. */
RS_INTERNAL rs_status rs__run_epochs(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan,
                                     double t0);
/* Move a finished run into its model (sgd.c): id maps, weights, seen
 * lists, statistics; the model's previous fit is dropped. */
RS_INTERNAL void rs__run_commit(rs__fit_run *fr);
/* Zero the id rows (biases and factors) of ids without a training rating
 * (flags by dense index), as rs_fit does after the init policy (sgd.c). */
RS_INTERNAL void rs__weights_zero_unrated(rs__weights *w, const unsigned char *user_rated,
                                          const unsigned char *item_rated);
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
/* The same for a run spread over processes (the MPI module): the comparison
 * ratings this process holds, and reduce, which first agrees on a status
 * (returned) and, when it is RS_OK and n > 0, sums v[0..n) over every
 * process in place. A failure of reduce is returned as it is. */
typedef struct rs__baseline_io {
    rs_status (*reduce)(void *ud, double *v, size_t n, rs_status st);
    void *ud;
    const int32_t *u, *i;
    const float *r, *w; /* w NULL: all 1 */
    size_t n;
    int validation;     /* they are validation ratings (for the warning) */
} rs__baseline_io;
RS_INTERNAL rs_status rs__baseline_prepare_io(rs__fit_run *fr, const rs__baseline_io *io);
RS_INTERNAL rs_status rs__baseline_check_io(rs__fit_run *fr, const rs__baseline_io *io);
/* Weighted RMSE of fr->w's clamped predictions on n ratings (w NULL: all 1). */
RS_INTERNAL double rs__run_rmse(const rs__fit_run *fr, const int32_t *u, const int32_t *i,
                                const float *r, const float *w, size_t n);

/* Implicit feedback: turn fr->fd (positives, with seen lists staged) into
 * positives plus negative slots; draw the negatives of one epoch. */
RS_INTERNAL rs_status rs__implicit_prepare(rs__fit_run *fr);
RS_INTERNAL void rs__implicit_resample(rs__fit_run *fr, int64_t epoch);
RS_INTERNAL void rs__implicit_free(rs__fit_run *fr);

#endif
