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

#include "common/linalg.h"
#include "common/rng.h"
#include "run.h"

enum { REFIT_PATIENCE = 2, HOLDOUT_ONE_IN = 10 };

/* Columns of a taste row beyond the feature weights: intercept, flag. */
enum { TASTE_EXTRA = 2 };

static rs_status taste_prepare(rs__fit_run *fr)
{
    rs__coldfit *cf = &fr->cold;
    const rs__scorer_ops *ops = fr->m->ops;
    const rs__weights *w = &fr->w;
    if (!ops->taste_block || ops->taste_block(w, RS_SIDE_USER) < 0 || fr->implicit)
        return RS_OK; /* implicit mode: the ratings are positives, not responses */
    const rs__allocator *a = &fr->m->alloc;
    for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
        size_t cols = w->blocks[ops->taste_block(w, side)].cols;
        size_t dim = cols - TASTE_EXTRA + 1; /* weights and the intercept */
        cf->taste_dim = dim > cf->taste_dim ? dim : cf->taste_dim;
    }
    cf->taste_n = fr->fd.n;
    size_t n = cf->taste_n ? cf->taste_n : 1, d = cf->taste_dim;
    cf->taste_off = rs__calloc(a, cf->n_ids + 1, sizeof *cf->taste_off);
    cf->taste_order = rs__calloc(a, n, sizeof *cf->taste_order);
    cf->taste_resid = rs__calloc(a, n, sizeof *cf->taste_resid);
    cf->taste_A = rs__calloc(a, 2 * d * d, sizeof *cf->taste_A);
    cf->taste_b = rs__calloc(a, 3 * d, sizeof *cf->taste_b);
    if (!cf->taste_off || !cf->taste_order || !cf->taste_resid || !cf->taste_A || !cf->taste_b)
        return RS_ERR_NOMEM;
    return RS_OK;
}

static void taste_free(rs__fit_run *fr)
{
    rs__coldfit *cf = &fr->cold;
    const rs__allocator *a = &fr->m->alloc;
    if (!cf->taste_dim)
        return;
    size_t n = cf->taste_n ? cf->taste_n : 1, d = cf->taste_dim;
    rs__free(a, cf->taste_off, cf->n_ids + 1, sizeof *cf->taste_off);
    rs__free(a, cf->taste_order, n, sizeof *cf->taste_order);
    rs__free(a, cf->taste_resid, n, sizeof *cf->taste_resid);
    rs__free(a, cf->taste_A, 2 * d * d, sizeof *cf->taste_A);
    rs__free(a, cf->taste_b, 3 * d, sizeof *cf->taste_b);
}

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
    return taste_prepare(fr);
}

void rs__coldfit_free(rs__fit_run *fr)
{
    rs__coldfit *cf = &fr->cold;
    const rs__allocator *a = &fr->m->alloc;
    size_t nf = cf->n_fact ? cf->n_fact : 1;
    taste_free(fr);
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

/* Returns 1 when cf->skip holds a hold-out of the side's ids afterwards. */
static int refit_side(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan, int32_t side)
{
    rs__coldfit *cf = &fr->cold;
    rs__weights *w = &fr->w;
    int32_t fb, ff;
    if (!fr->m->ops->cold_blocks(w, side, &fb, &ff))
        return 0;
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
        return 0;
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
            return 1;
        }
    }
    if (best_epochs > 0)
        fr->m->ops->cold_absorb(w, side, cf->orig_bias, rows.fact ? cf->orig_fact : NULL,
                                cf->count);
    rs__log(fr->m, RS_LOG_INFO, "cold-start refit of the %s features: %lld epochs "
            "(held-out %ss scored as new: RMSE %.4f -> %.4f)", name, (long long)best_epochs,
            name, before, best);
    return 1;
}

/* ---- the cold-start tastes (RS_PARAM_COLD_TASTE) ----
 *
 * Why: after the refit a new item is scored mu + b_u + (user features) +
 * c . x_i + <t_u, V^T x_i>: each user's response to the item's features is
 * V t_u, a linear map of a taste vector that training shaped for the item
 * ids. A user's own ridge regression on the item features (the closed-form
 * reference, bench/cold_reference.c) scored new items 0.5-0.8 points of RMSE
 * better on MovieLens (bench/coldstart). What: for every user, theta_u =
 * argmin sum_j wt_j (e_j - [x_j, 1] . theta)^2 + lambda |theta|^2 over the
 * user's training ratings, e_j the residual of the rating scored as if its
 * item were new (predict_cold); the same per item over user features for
 * new users. lambda is chosen among LAMBDAS on the ids the refit held out
 * (their ratings scored with the thetas fitted without them), or no taste
 * at all if none helps; then every theta is fitted on all ratings. */
static const double LAMBDAS[] = {3, 10, 30, 100, 300, 1000};
enum { N_LAMBDAS = sizeof LAMBDAS / sizeof LAMBDAS[0] };

/* Flag every id with training ratings (column cols - 1 of its taste row):
 * the tastes apply only to pairs whose other id has none. */
static void taste_flag_trained(rs__fit_run *fr)
{
    rs__weights *w = &fr->w;
    const rs__scorer_ops *ops = fr->m->ops;
    rs__block *TU = &w->blocks[ops->taste_block(w, RS_SIDE_USER)];
    rs__block *TI = &w->blocks[ops->taste_block(w, RS_SIDE_ITEM)];
    for (size_t j = 0; j < fr->fd.n; j++) {
        TU->data[(size_t)fr->fd.u[j] * TU->stride + TU->cols - 1] = 1.0f;
        TI->data[(size_t)fr->fd.i[j] * TI->stride + TI->cols - 1] = 1.0f;
    }
}

/* Accumulate wt [x, 1] [x, 1]^T into A and wt [x, 1] e into b, x the
 * feature row of id restricted to the taste's d - 1 features. */
static void taste_add(double *A, double *b, size_t d, const rs__features *ft, int32_t id,
                      double wt, double e)
{
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, (size_t)id, &col, &val), nf = d - 1;
    for (size_t p = 0; p <= n; p++) {
        size_t r = p < n ? (size_t)col[p] : nf;
        double vr = p < n ? (double)val[p] : 1.0;
        if (p < n && r >= nf)
            continue;
        b[r] += wt * vr * e;
        for (size_t q = 0; q <= n; q++) {
            size_t c = q < n ? (size_t)col[q] : nf;
            if (q < n && c >= nf)
                continue;
            A[r * d + c] += wt * vr * (q < n ? (double)val[q] : 1.0);
        }
    }
}

static double taste_eval(const double *theta, size_t d, const rs__features *ft, int32_t id)
{
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(ft, (size_t)id, &col, &val);
    double s = theta[d - 1];
    for (size_t p = 0; p < n; p++)
        if ((size_t)col[p] < d - 1)
            s += val[p] * theta[col[p]];
    return s;
}

/* theta = (A + lambda I)^-1 b (the intercept unpenalised would let ids with
 * few ratings jump; it is penalised like the rest). 0 on success. */
static int taste_solve(const rs__coldfit *cf, size_t d, double lambda, double *theta)
{
    double *L = cf->taste_A + d * d;
    memcpy(L, cf->taste_A, d * d * sizeof *L);
    for (size_t r = 0; r < d; r++)
        L[r * d + r] += lambda;
    if (rs__chol_factor(L, d) != 0)
        return -1;
    memcpy(theta, cf->taste_b, d * sizeof *theta);
    rs__chol_solve(L, theta, d);
    return 0;
}

/* Fit the tastes that score new ids of `side` (held-out ids in cf->skip
 * when have_skip). */
static void fit_tastes(rs__fit_run *fr, int32_t side, int have_skip)
{
    rs__coldfit *cf = &fr->cold;
    rs__weights *w = &fr->w;
    const rs__fitdata *fd = &fr->fd;
    int32_t owner = side == RS_SIDE_USER ? RS_SIDE_ITEM : RS_SIDE_USER;
    rs__block *T = &w->blocks[fr->m->ops->taste_block(w, owner)];
    const rs__features *ft = side == RS_SIDE_USER ? &w->user_feat : &w->item_feat;
    const char *name = side == RS_SIDE_USER ? "user" : "item";
    size_t d = T->cols - TASTE_EXTRA + 1, n_own = owner == RS_SIDE_USER ? w->n_users : w->n_items;
    const int32_t *own = owner == RS_SIDE_USER ? fd->u : fd->i;
    const int32_t *cold = side == RS_SIDE_USER ? fd->u : fd->i;
    if (!have_skip)
        return;
    /* Group the ratings by owner and take their residuals as new ids. */
    memset(cf->taste_off, 0, (n_own + 1) * sizeof *cf->taste_off);
    for (size_t j = 0; j < fd->n; j++)
        cf->taste_off[own[j] + 1]++;
    for (size_t o = 0; o < n_own; o++)
        cf->taste_off[o + 1] += cf->taste_off[o];
    for (size_t j = 0; j < fd->n; j++) {
        size_t at = cf->taste_off[own[j]]++;
        cf->taste_order[at] = j;
        cf->taste_resid[j] = fd->r[j] - fr->m->ops->predict_cold(w, fd->u[j], fd->i[j], side);
    }
    memmove(cf->taste_off + 1, cf->taste_off, n_own * sizeof *cf->taste_off);
    cf->taste_off[0] = 0;

    /* Choose lambda on the held-out ids. */
    double se[N_LAMBDAS + 1] = {0}, sw = 0, *theta = cf->taste_b + d;
    for (size_t o = 0; o < n_own; o++) {
        memset(cf->taste_A, 0, d * d * sizeof *cf->taste_A);
        memset(cf->taste_b, 0, d * sizeof *cf->taste_b);
        size_t held = 0;
        for (size_t k = cf->taste_off[o]; k < cf->taste_off[o + 1]; k++) {
            size_t j = cf->taste_order[k];
            if (cf->skip[cold[j]])
                held++;
            else
                taste_add(cf->taste_A, cf->taste_b, d, ft, cold[j], fd->wt ? fd->wt[j] : 1.0,
                          cf->taste_resid[j]);
        }
        if (held == 0)
            continue;
        for (size_t l = 0; l <= N_LAMBDAS; l++) {
            int ok = l < N_LAMBDAS && taste_solve(cf, d, LAMBDAS[l], theta) == 0;
            for (size_t k = cf->taste_off[o]; k < cf->taste_off[o + 1]; k++) {
                size_t j = cf->taste_order[k];
                if (!cf->skip[cold[j]])
                    continue;
                double y = fd->r[j] - cf->taste_resid[j] + (ok ? taste_eval(theta, d, ft, cold[j]) : 0);
                if (fr->p->clamp)
                    y = y < fd->rmin ? fd->rmin : (y > fd->rmax ? fd->rmax : y);
                double wt = fd->wt ? fd->wt[j] : 1.0, e = fd->r[j] - y;
                se[l] += wt * e * e;
                if (l == 0)
                    sw += wt;
            }
        }
    }
    size_t best = N_LAMBDAS; /* no taste */
    for (size_t l = 0; l < N_LAMBDAS; l++)
        if (se[l] < se[best])
            best = l;
    if (sw <= 0 || best == N_LAMBDAS) {
        rs__log(fr->m, RS_LOG_INFO, "cold-start tastes for new %ss: none (no penalty helped "
                "the held-out %ss)", name, name);
        return;
    }
    /* Fit every taste on all ratings with that penalty. */
    for (size_t o = 0; o < n_own; o++) {
        if (cf->taste_off[o] == cf->taste_off[o + 1])
            continue;
        memset(cf->taste_A, 0, d * d * sizeof *cf->taste_A);
        memset(cf->taste_b, 0, d * sizeof *cf->taste_b);
        for (size_t k = cf->taste_off[o]; k < cf->taste_off[o + 1]; k++) {
            size_t j = cf->taste_order[k];
            taste_add(cf->taste_A, cf->taste_b, d, ft, cold[j], fd->wt ? fd->wt[j] : 1.0,
                      cf->taste_resid[j]);
        }
        if (taste_solve(cf, d, LAMBDAS[best], theta) != 0)
            continue;
        float *row = T->data + o * T->stride;
        for (size_t c = 0; c < d; c++)
            row[c] = (float)theta[c];
    }
    rs__log(fr->m, RS_LOG_INFO, "cold-start tastes for new %ss: penalty %g (held-out %ss "
            "scored as new: RMSE %.4f -> %.4f)", name, LAMBDAS[best], name, sqrt(se[N_LAMBDAS] / sw),
            sqrt(se[best] / sw));
}

int rs__train_tastes_zero(const rs__weights *w, const rs__scorer_ops *ops)
{
    if (!ops || !ops->taste_block)
        return 1;
    for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
        int32_t tb = ops->taste_block(w, side);
        if (tb < 0)
            continue;
        const rs__block *T = &w->blocks[tb];
        for (size_t r = 0; r < T->rows; r++) {
            const float *row = T->data + r * T->stride;
            for (size_t c = 0; c + 1 < T->cols; c++) /* the last column is the flag */
                if (row[c] != 0.0f)
                    return 0;
        }
    }
    return 1;
}

/* Tell the contexts whether the tastes are zero (they change below). */
static void note_tastes(rs__fit_run *fr)
{
    int zero = rs__train_tastes_zero(&fr->w, fr->m->ops);
    for (size_t t = 0; t < fr->threads; t++)
        fr->ctx[t].tastes_zero = zero;
}

void rs__coldfit_run(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan)
{
    if (!fr->cold.enabled)
        return;
    int tastes = fr->cold.taste_dim > 0;
    int held = refit_side(fr, pool, plan, RS_SIDE_ITEM);
    if (tastes) {
        taste_flag_trained(fr);
        fit_tastes(fr, RS_SIDE_ITEM, held);
        note_tastes(fr);
    }
    held = refit_side(fr, pool, plan, RS_SIDE_USER);
    if (tastes) {
        fit_tastes(fr, RS_SIDE_USER, held);
        note_tastes(fr);
    }
}
