/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * coldfit.c: the cold-start refit of the content and hybrid scorers.
 *
 * Why: during rs_fit every rating trains the id parameters of its user and
 * item together with their feature parameters, and the ids soak up most of
 * the signal - a feature's weight ends up with only a share of what the
 * feature says (the split follows the L2 penalties), because the ids were
 * always there to carry the rest. A brand-new id has only its features, so
 * it is scored from that share. Measured on MovieLens 100K with genres and
 * release decades (bench/coldstart), a closed-form linear model over the
 * same features beat the jointly trained scorers on new items by 1.5 to 3
 * points of RMSE.
 *
 * What: after training, for each side that has features, run more epochs of
 * the same SGD step in which the ratings are predicted without that side's
 * id parameters (exactly as a new id would be scored) and only that side's
 * feature rows move. The number of epochs is chosen on 10% of the ids held
 * out by a seeded hash (stop after two epochs without improvement, keep 0
 * if the first epoch already hurts - weak features then change nothing);
 * the refit is then redone on all ids for that many epochs. Finally every id
 * with ratings absorbs the change of its features into its id parameters
 * (b_id += x . (c_old - c_new), and the same for the factor rows), so the
 * prediction of every trained id is what it was: the refit only changes
 * how new ids are scored. With implicit feedback the refit trains on the
 * positives and freshly drawn negatives, exactly like the training epochs:
 * the features then learn to rank a new item among those a user passes
 * over (bench/coldstart's within-cold AUC). */
#include "coldfit.h"

#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "run.h"

enum { REFIT_PATIENCE = 2, HOLDOUT_ONE_IN = 10 };

rs_status rs__coldfit_prepare(rs__fit_run *fr)
{
    rs__coldfit *cf = &fr->cold;
    if (!cf->enabled)
        return RS_OK;
    const rs__allocator *a = &fr->m->alloc;
    const rs__weights *w = &fr->w;
    cf->n_ids = w->n_users > w->n_items ? w->n_users : w->n_items;
    for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
        int32_t fb, ff;
        if (!fr->m->ops->cold_blocks(w, side, &fb, &ff))
            continue;
        size_t nb = w->blocks[fb].rows, nf = ff >= 0 ? w->blocks[ff].rows * w->blocks[ff].stride : 0;
        cf->n_bias = nb > cf->n_bias ? nb : cf->n_bias;
        cf->n_fact = nf > cf->n_fact ? nf : cf->n_fact;
    }
    if (cf->n_bias == 0) {
        cf->enabled = 0; /* no features on either side: nothing to refit */
        return RS_OK;
    }
    size_t nf = cf->n_fact ? cf->n_fact : 1;
    cf->skip = rs__calloc(a, cf->n_ids, sizeof *cf->skip);
    cf->count = rs__calloc(a, cf->n_ids, sizeof *cf->count);
    cf->orig_bias = rs__calloc(a, cf->n_bias, sizeof(float));
    cf->orig_fact = rs__calloc(a, nf, sizeof(float));
    if (!cf->skip || !cf->count || !cf->orig_bias || !cf->orig_fact)
        return RS_ERR_NOMEM;
    return RS_OK;
}

void rs__coldfit_free(rs__fit_run *fr)
{
    rs__coldfit *cf = &fr->cold;
    const rs__allocator *a = &fr->m->alloc;
    size_t nf = cf->n_fact ? cf->n_fact : 1;
    rs__free(a, cf->skip, cf->n_ids, sizeof *cf->skip);
    rs__free(a, cf->count, cf->n_ids, sizeof *cf->count);
    rs__free(a, cf->orig_bias, cf->n_bias, sizeof(float));
    rs__free(a, cf->orig_fact, nf, sizeof(float));
    memset(cf, 0, sizeof *cf);
}

/* The refitted rows of one side: a bias block and, unless fact is NULL, a
 * factor block. */
typedef struct side_rows {
    rs__block *bias, *fact;
} side_rows;

static void save(const side_rows *s, float *bias, float *fact)
{
    memcpy(bias, s->bias->data, s->bias->rows * sizeof(float));
    if (s->fact)
        memcpy(fact, s->fact->data, s->fact->rows * s->fact->stride * sizeof(float));
}

static void restore(const side_rows *s, const float *bias, const float *fact)
{
    memcpy(s->bias->data, bias, s->bias->rows * sizeof(float));
    if (s->fact)
        memcpy(s->fact->data, fact, s->fact->rows * s->fact->stride * sizeof(float));
}

/* The refit's step. It starts from trained feature rows, not from a random
 * init, so under the inverse-time schedule it does not take the initial
 * step (made to grow factors out of a tiny init) but a tenth of it: the
 * step training reaches after about 18 epochs at the default decay (0.005
 * with the defaults, the refit's step before 0.2). Measured with
 * bench/coldstart: the step training ended with (0.0012) refits too
 * little (items 5.1/5.4% over seeds 1-5 against 5.3/5.7%). Under the
 * other policies the refit takes the learning rate itself. */
static double refit_lr(const rs__fit_run *fr)
{
    double lr = fr->p->learning_rate;
    int decays = fr->p->lr_policy == RS_LR_INVERSE_TIME || fr->p->lr_policy == RS_LR_AUTO;
    return decays ? 0.1 * lr : lr;
}

/* One refit epoch over the training ratings (skip: ids left out, or NULL).
 * Returns 1 if it diverged (the caller restores a snapshot). */
static int refit_epoch(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan, int32_t side,
                       const unsigned char *skip)
{
    /* Implicit feedback: fresh negatives for every refit epoch, as in
     * training (their stream continues after the training epochs), so the
     * features learn to rank a new item among the ones a user skips. */
    if (fr->implicit)
        rs__implicit_resample(fr, fr->p->epochs + 1 + fr->cold.refit_epochs++);
    for (size_t t = 0; t < fr->threads; t++) {
        rs__train_ctx *c = &fr->ctx[t];
        c->lr = (float)refit_lr(fr);
        c->refit = side == RS_SIDE_USER ? RS__REFIT_USER : RS__REFIT_ITEM;
        c->refit_skip = skip;
    }
    rs__pool_run_epoch(pool, plan);
    for (size_t t = 0; t < fr->threads; t++) {
        fr->ctx[t].refit = RS__REFIT_NONE;
        fr->ctx[t].refit_skip = NULL;
    }
    return rs__plan_diverged(plan) || !rs__weights_all_finite(&fr->w);
}

/* RMSE of the held-out ids' training ratings, scored as brand-new ids. */
static double held_out_rmse(const rs__fit_run *fr, int32_t side, const unsigned char *skip)
{
    const rs__fitdata *fd = &fr->fd;
    double se = 0, sw = 0;
    for (size_t j = 0; j < fd->n; j++) {
        int32_t u = fd->u[j], i = fd->i[j];
        if (!skip[side == RS_SIDE_USER ? u : i])
            continue;
        float y = fr->m->ops->predict_cold(&fr->w, u, i, side);
        if (fr->p->clamp)
            y = y < fd->rmin ? fd->rmin : (y > fd->rmax ? fd->rmax : y);
        double wt = fd->wt ? fd->wt[j] : 1.0, e = (double)fd->r[j] - y;
        se += wt * e * e;
        sw += wt;
    }
    return sw > 0 ? sqrt(se / sw) : NAN;
}

static void refit_side(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan, int32_t side)
{
    rs__coldfit *cf = &fr->cold;
    rs__weights *w = &fr->w;
    int32_t fb, ff;
    if (!fr->m->ops->cold_blocks(w, side, &fb, &ff))
        return;
    side_rows rows = {&w->blocks[fb], ff >= 0 ? &w->blocks[ff] : NULL};
    const char *name = side == RS_SIDE_USER ? "user" : "item";
    size_t n_ids = side == RS_SIDE_USER ? w->n_users : w->n_items;

    memset(cf->count, 0, n_ids * sizeof *cf->count);
    for (size_t j = 0; j < fr->fd.n; j++)
        cf->count[side == RS_SIDE_USER ? fr->fd.u[j] : fr->fd.i[j]]++;
    size_t held = 0, kept = 0;
    uint64_t salt = rs__seed_mix((uint64_t)fr->p->seed, 0x636f6c64ull + (uint64_t)side);
    for (size_t id = 0; id < n_ids; id++) {
        cf->skip[id] = cf->count[id] > 0 && rs__seed_mix(salt, id) % HOLDOUT_ONE_IN == 0;
        held += cf->skip[id];
        kept += cf->count[id] > 0 && !cf->skip[id];
    }
    if (held == 0 || kept == 0) {
        rs__log(fr->m, RS_LOG_INFO, "cold-start refit of the %s features skipped: too few %ss "
                "to hold some out", name, name);
        return;
    }

    /* Choose the epoch count on the held-out ids. */
    save(&rows, cf->orig_bias, cf->orig_fact);
    double before = held_out_rmse(fr, side, cf->skip), best = before;
    int64_t best_epochs = 0, since = 0;
    for (int64_t e = 1; e <= fr->p->cold_epochs; e++) {
        if (refit_epoch(fr, pool, plan, side, cf->skip))
            break;
        double v = held_out_rmse(fr, side, cf->skip);
        if (v < best) {
            best = v;
            best_epochs = e;
            since = 0;
        } else if (++since >= REFIT_PATIENCE) {
            break;
        }
    }
    restore(&rows, cf->orig_bias, cf->orig_fact);

    /* Redo it on every id for that many epochs. */
    for (int64_t e = 1; e <= best_epochs; e++) {
        if (refit_epoch(fr, pool, plan, side, NULL)) {
            restore(&rows, cf->orig_bias, cf->orig_fact);
            rs__log(fr->m, RS_LOG_WARN, "cold-start refit of the %s features diverged; "
                    "kept the features as trained", name);
            return;
        }
    }
    if (best_epochs > 0)
        fr->m->ops->cold_absorb(w, side, cf->orig_bias, rows.fact ? cf->orig_fact : NULL,
                                cf->count);
    rs__log(fr->m, RS_LOG_INFO, "cold-start refit of the %s features: %lld epochs "
            "(held-out %ss scored as new: RMSE %.4f -> %.4f)", name, (long long)best_epochs,
            name, before, best);
}

void rs__coldfit_run(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan)
{
    if (!fr->cold.enabled)
        return;
    refit_side(fr, pool, plan, RS_SIDE_ITEM);
    refit_side(fr, pool, plan, RS_SIDE_USER);
}
