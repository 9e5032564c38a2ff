/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * coldfit.h: the cold-start refit that follows rs_fit for scorers with
 * features (lib/optim/coldfit.c). */
#ifndef RS_OPTIM_COLDFIT_H
#define RS_OPTIM_COLDFIT_H

#include <stddef.h>
#include <stdint.h>
#include "common/config.h"
#include "core/model.h"

struct rs__fit_run;
struct rs__pool;
struct rs__epoch_plan;

/* Buffers of one refit, allocated before training starts so that running
 * out of memory is reported while the fit is being prepared. */
typedef struct rs__coldfit {
    int enabled;            /* set by rs_fit: fresh fit, scorer with features, cold_epochs > 0 */
    int64_t refit_epochs;   /* refit epochs run so far (implicit: seeds their negatives) */
    size_t n_ids;           /* capacity of skip and count (the larger side) */
    size_t n_bias, n_fact;  /* capacity of the snapshot, in floats */
    unsigned char *skip;    /* ids held out to choose the epoch count */
    uint32_t *count;        /* training ratings per id */
    float *orig_bias, *orig_fact; /* the side's feature rows before the refit */
    /* The cold-start tastes (RS_PARAM_COLD_TASTE): the training ratings
     * grouped by id (offsets over n_ids + 1, rating indices over n), each
     * rating's residual, and one dense system of up to dim unknowns. */
    size_t taste_n, taste_dim;
    size_t *taste_off, *taste_order;
    float *taste_resid;
    double *taste_A, *taste_b;
} rs__coldfit;

RS_INTERNAL rs_status rs__coldfit_prepare(struct rs__fit_run *fr);
/* Refit the item side, then the user side (each only if it has features). */
RS_INTERNAL void rs__coldfit_run(struct rs__fit_run *fr, struct rs__pool *pool,
                                 struct rs__epoch_plan *plan);
RS_INTERNAL void rs__coldfit_free(struct rs__fit_run *fr);

#endif
