/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * baseline.c: the yardstick every rs_fit is held to. The bias-only baseline
 * (global mean plus damped item and user biases, solved in closed form on
 * the training ratings, as in Koren's "baseline predictors") costs two passes
 * over the ratings and no training, so a model that ends worse than it has
 * learned nothing useful: typically a learning rate so high that training
 * stalls without ever tripping the divergence guard. rs_fit then still
 * succeeds, but says so (RS_LOG_WARN and RS_STAT_WORSE_THAN_BASELINE).
 * The comparison uses the validation ratings when there are any, else the
 * training ratings, and the same clamping as the model's predictions.
 * A run spread over processes (the MPI module) passes the ratings held here
 * and a reduction of the sums (rs__baseline_io); one process passes none. */
#include <math.h>

#include "run.h"

/* Prior strength (in ratings) that shrinks the biases of rarely rated items
 * and users towards 0. */
#define ITEM_DAMPING 25.0
#define USER_DAMPING 10.0

static float clamp_to(const rs__fit_run *fr, float y)
{
    if (!fr->p->clamp)
        return y;
    return y < fr->fd.rmin ? fr->fd.rmin : (y > fr->fd.rmax ? fr->fd.rmax : y);
}

/* The comparison set of one process: validation ratings when there are any. */
static rs__baseline_io comparison_set(const rs__fit_run *fr)
{
    const rs__fitdata *fd = &fr->fd;
    if (fd->vn > 0)
        return (rs__baseline_io){NULL, NULL, fd->vu, fd->vi, fd->vr, fd->vw, fd->vn, 1};
    return (rs__baseline_io){NULL, NULL, fd->u, fd->i, fd->r, fd->wt, fd->n, 0};
}

/* Sums over every process (in place), after agreeing on st. */
static rs_status reduce(const rs__baseline_io *io, double *v, size_t n, rs_status st)
{
    return io->reduce ? io->reduce(io->ud, v, n, st) : st;
}

double rs__run_rmse(const rs__fit_run *fr, const int32_t *u, const int32_t *i, const float *r,
                    const float *w, size_t n)
{
    double se = 0, sw = 0;
    for (size_t j = 0; j < n; j++) {
        double e = (double)r[j] - clamp_to(fr, fr->m->ops->predict(&fr->w, u[j], i[j]));
        double wj = w ? w[j] : 1.0;
        se += wj * e * e;
        sw += wj;
    }
    return sw > 0 ? sqrt(se / sw) : NAN;
}

rs_status rs__baseline_prepare(rs__fit_run *fr)
{
    rs__baseline_io io = comparison_set(fr);
    return rs__baseline_prepare_io(fr, &io);
}

void rs__baseline_check(rs__fit_run *fr)
{
    rs__baseline_io io = comparison_set(fr);
    (void)rs__baseline_check_io(fr, &io);
}

rs_status rs__baseline_prepare_io(rs__fit_run *fr, const rs__baseline_io *io)
{
    const rs__fitdata *fd = &fr->fd;
    const rs__allocator *a = &fr->m->alloc;
    size_t nu = fr->w.n_users ? fr->w.n_users : 1, ni = fr->w.n_items ? fr->w.n_items : 1;
    double *bu = rs__calloc(a, 2 * nu, sizeof *bu), *bi = rs__calloc(a, 2 * ni, sizeof *bi);
    rs_status st = reduce(io, NULL, 0, bu && bi ? RS_OK : RS_ERR_NOMEM);
    if (st != RS_OK) {
        rs__free(a, bu, 2 * nu, sizeof *bu);
        rs__free(a, bi, 2 * ni, sizeof *bi);
        return st;
    }
    double *wu = bu + nu, *wi = bi + ni, mu = fd->mean;
    for (size_t j = 0; j < fd->n; j++) {
        double w = fd->wt ? fd->wt[j] : 1.0;
        bi[fd->i[j]] += w * ((double)fd->r[j] - mu);
        wi[fd->i[j]] += w;
    }
    /* Every item's ratings (a user's are all on one process). */
    if ((st = reduce(io, bi, 2 * ni, RS_OK)) != RS_OK)
        goto out;
    for (size_t k = 0; k < ni; k++)
        bi[k] /= ITEM_DAMPING + wi[k];
    for (size_t j = 0; j < fd->n; j++) {
        double w = fd->wt ? fd->wt[j] : 1.0;
        bu[fd->u[j]] += w * ((double)fd->r[j] - mu - bi[fd->i[j]]);
        wu[fd->u[j]] += w;
    }
    for (size_t k = 0; k < nu; k++)
        bu[k] /= USER_DAMPING + wu[k];
    double sums[2] = {0, 0};
    for (size_t j = 0; j < io->n; j++) {
        float y = clamp_to(fr, (float)(mu + bu[io->u[j]] + bi[io->i[j]]));
        double d = (double)io->r[j] - y, w = io->w ? io->w[j] : 1.0;
        sums[0] += w * d * d;
        sums[1] += w;
    }
    if ((st = reduce(io, sums, 2, RS_OK)) == RS_OK) {
        fr->baseline_rmse = sums[1] > 0 ? sqrt(sums[0] / sums[1]) : NAN;
        fr->have_baseline = isfinite(fr->baseline_rmse);
    }
out:
    rs__free(a, bu, 2 * nu, sizeof *bu);
    rs__free(a, bi, 2 * ni, sizeof *bi);
    return st;
}

rs_status rs__baseline_check_io(rs__fit_run *fr, const rs__baseline_io *io)
{
    if (!fr->have_baseline || fr->n_stats == 0)
        return RS_OK;
    double sums[2] = {0, 0};
    for (size_t j = 0; j < io->n; j++) {
        double e = (double)io->r[j] - clamp_to(fr, fr->m->ops->predict(&fr->w, io->u[j], io->i[j]));
        double wj = io->w ? io->w[j] : 1.0;
        sums[0] += wj * e * e;
        sums[1] += wj;
    }
    rs_status st = reduce(io, sums, 2, RS_OK);
    if (st != RS_OK)
        return st;
    double rmse = sums[1] > 0 ? sqrt(sums[0] / sums[1]) : NAN;
    int worse = !(rmse <= fr->baseline_rmse);
    fr->stats[(fr->n_stats - 1) * RS__NSTATS + RS_STAT_WORSE_THAN_BASELINE] = worse ? 1.0 : 0.0;
    if (worse)
        rs__log(fr->m, RS_LOG_WARN,
                "the fitted model is worse than the bias-only baseline: RMSE %.4f on the %s "
                "ratings against %.4f for the mean plus user and item biases; it has learned "
                "nothing useful (is the learning rate %g too high?)",
                rmse, io->validation ? "validation" : "training", fr->baseline_rmse,
                fr->p->learning_rate);
    return RS_OK;
}
