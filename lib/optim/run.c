/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * run.c: one training run of the SGD core, shared by rs_fit (from scratch)
 * and rs_partial_fit (online): contexts per thread, learning-rate scales,
 * the epoch loop with statistics, the divergence guard, early stopping and
 * callbacks. The callers stage the weights and the rating layout. */
/* clock_gettime, mkstemp, fsync, pthread barriers: POSIX, also under strict -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <string.h>
#include <time.h>

#include "common/rng.h"
#include "run.h"

#define MAX_LR_HALVINGS 20

double rs__now_seconds(void)
{
#if defined(CLOCK_MONOTONIC)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    /* No monotonic clock (bare-metal newlib has none, and clock() would need
     * a _times system call): RS_STAT_SECONDS then reads 0. */
    return 0.0;
#endif
}

/* Fill the factor blocks with the init policy. The policy writes rows * cols
 * contiguous floats; rows are then spread out to the padded stride. */
rs_status rs__run_init_blocks(rs__fit_run *fr, size_t first_user, size_t first_item, int partial)
{
    rs_model *m = fr->m;
    rs_init_fn fn;
    void *ud;
    rs__init_resolve(fr->p->init, m->init_fn, m->init_ud, &fr->p->init_scale, &fn, &ud);
    for (size_t b = 0; b < fr->w.n_blocks; b++) {
        rs__block *blk = &fr->w.blocks[b];
        size_t first = 0;
        if (blk->role == RS__ROLE_USER_FACTORS)
            first = first_user;
        else if (blk->role == RS__ROLE_ITEM_FACTORS)
            first = first_item;
        else if (partial)
            first = blk->rows; /* feature rows are never new in an online update */
        if (blk->init_block < 0 || blk->rows <= first)
            continue;
        uint64_t seed = rs__seed_mix((uint64_t)fr->p->seed,
                                     0x696e6974ull + (uint64_t)blk->init_block + (first << 8));
        m->in_callback = fn != rs_init_normal && fn != rs_init_uniform &&
                         fn != rs_init_scaled_normal && fn != rs_init_zero;
        float *base = blk->data + first * blk->stride;
        size_t rows = blk->rows - first;
        int32_t rc = fn(ud, blk->init_block, base, rows, blk->cols, seed);
        m->in_callback = 0;
        if (rc != 0)
            return rs__err(&m->err, RS_ERR_CANCELLED, "the init policy returned %d for block %d",
                           (int)rc, (int)blk->init_block);
        if (blk->stride != blk->cols) {
            for (size_t r = rows; r-- > 0;) {
                memmove(base + r * blk->stride, base + r * blk->cols, blk->cols * sizeof(float));
                memset(base + r * blk->stride + blk->cols, 0,
                       (blk->stride - blk->cols) * sizeof(float));
            }
        }
    }
    if (!rs__weights_all_finite(&fr->w))
        return rs__err(&m->err, RS_ERR_NUMERIC, "the init policy produced NaN or Inf");
    return RS_OK;
}

/* Sum of the inverse-time factors 1 / (1 + decay * (t - 1)) over t = 1..E. */
static double schedule_sum(double decay, int64_t epochs)
{
    double h = 0.0;
    for (int64_t t = 1; t <= epochs; t++)
        h += 1.0 / (1.0 + decay * (double)(t - 1));
    return h;
}

double rs__schedule_lr(const rs__params *p, int64_t t, int64_t budget)
{
    double lr = p->learning_rate;
    if (p->lr_policy != RS_LR_INVERSE_TIME && p->lr_policy != RS_LR_AUTO)
        return lr; /* constant, or adaptive per row (AdaGrad, Adam) */
    if (p->lr_policy == RS_LR_AUTO) {
        /* A budget shorter than the default takes larger steps so that it
         * covers the default run's total step (at most 4 times larger):
         * with the defaults a 10-epoch fit starts at 0.098, not 0.05. */
        int64_t ref = (int64_t)rs__param_find(RS_PARAM_EPOCHS)->def;
        if (budget < ref && budget > 0) {
            double k = schedule_sum(p->lr_decay, ref) / schedule_sum(p->lr_decay, budget);
            lr *= k > 4.0 ? 4.0 : k;
        }
    }
    return lr / (1.0 + p->lr_decay * (double)(t - 1));
}

/* Bands per side. The model depends on the seed and the band count, not
 * on the thread count (schedule.h), so the count depends on threads only
 * where it must: at least 8, so runs on 1 and 2 threads give the same model
 * and 2 threads have blocks to spare; at least 4 per thread, so a thread
 * that falls behind never holds back the others for long; and, on large
 * data, enough that one band of item rows stays in a core's cache (at most
 * 64, which also covers up to 16 threads with the same model). */
size_t rs__run_choose_bands(size_t threads, const rs__weights *w, size_t n_ratings)
{
    size_t bands = 8;
    if (threads > 2 && 4 * threads > bands)
        bands = 4 * threads;
    size_t row_bytes = rs__stride_for(w->factors ? w->factors : 1) * sizeof(float);
    size_t item_bytes = w->n_items * row_bytes;
    const size_t cache_target = (size_t)512 * 1024;
    if (item_bytes > 2 * cache_target && n_ratings >= 1000000) {
        size_t want = (item_bytes + cache_target - 1) / cache_target;
        if (want > 64)
            want = 64;
        if (want > bands)
            bands = want;
    }
    return bands;
}

/* A feature row is updated by every rating of every user (or item) that has
 * the feature: thousands of times an epoch where an id row sees tens. Its
 * step is scaled by (ratings per id) / (ratings touching the row), capped at
 * 1, so an epoch moves it about as far as a typical id row; without this the
 * shared rows thrash and features hurt accuracy. */
static float *feature_scales(const rs__features *ft, size_t n_features, const int32_t *owner,
                             size_t n, size_t n_ids, const rs__allocator *a)
{
    float *scale = rs__calloc(a, n_features ? n_features : 1, sizeof *scale);
    if (!scale)
        return NULL;
    for (size_t j = 0; j < n; j++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(ft, (size_t)owner[j], &col, &val);
        for (size_t f = 0; f < len; f++)
            scale[col[f]] += 1.0f;
    }
    rs__feature_scale_finish(scale, n_features, n, n_ids);
    return scale;
}

void rs__feature_scale_finish(float *scale, size_t n_features, size_t n, size_t n_ids)
{
    float per_id = (float)n / (float)(n_ids ? n_ids : 1);
    for (size_t f = 0; f < n_features; f++)
        scale[f] = scale[f] > per_id ? per_id / scale[f] : 1.0f;
}

static rs_status setup_scales(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    int32_t yb = rs__weights_implicit_block(&fr->w);
    if (yb >= 0 && fr->p->implicit_lr_scale != 1.0) {
        /* The implicit rows' own step: one scale for every row. */
        fr->n_imp_scale = fr->w.blocks[yb].rows ? fr->w.blocks[yb].rows : 1;
        fr->imp_scale = rs__alloc(a, fr->n_imp_scale, sizeof *fr->imp_scale);
        if (!fr->imp_scale)
            return RS_ERR_NOMEM;
        for (size_t r = 0; r < fr->n_imp_scale; r++)
            fr->imp_scale[r] = (float)fr->p->implicit_lr_scale;
    }
    if (!fr->m->ops->shares_rows)
        return RS_OK;
    fr->n_ufeat_scale = fr->w.n_user_features ? fr->w.n_user_features : 1;
    fr->n_ifeat_scale = fr->w.n_item_features ? fr->w.n_item_features : 1;
    fr->ufeat_scale = feature_scales(&fr->w.user_feat, fr->w.n_user_features, fr->fd.u, fr->fd.n,
                                     fr->w.n_users, a);
    fr->ifeat_scale = feature_scales(&fr->w.item_feat, fr->w.n_item_features, fr->fd.i, fr->fd.n,
                                     fr->w.n_items, a);
    return fr->ufeat_scale && fr->ifeat_scale ? RS_OK : RS_ERR_NOMEM;
}

size_t rs__run_threads(rs_model *m, int64_t requested, int implicit)
{
#if RS_ENABLE_THREADS
    if (requested > 1 && !rs__scorer_threads_ok(m->ops)) {
        rs__log(m, RS_LOG_INFO, "the %s scorer trains on one thread (its shared rows "
                "are not deferred)", m->ops->name);
        return 1;
    }
    if (requested > 1 && implicit) {
        /* A rating moves the y_j of every item its user rated: no block
         * schedule keeps those updates disjoint, and one thread keeps the
         * fit deterministic. */
        rs__log(m, RS_LOG_INFO, "implicit_user_factors trains on one thread (a rating updates "
                "the implicit vectors of all the items its user rated)");
        return 1;
    }
    return requested > 1 ? (size_t)requested : 1;
#else
    (void)m;
    (void)requested;
    (void)implicit;
    return 1;
#endif
}

static rs_status setup_contexts(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    const rs__params *p = fr->p;
    size_t T = fr->threads;
    fr->ctx = rs__calloc(a, T, sizeof *fr->ctx);
    int32_t tastes_zero = rs__train_tastes_zero(&fr->w, fr->m->ops);
    size_t mt = fr->m->ops->max_touches(&fr->w);
    size_t sf = fr->m->ops->scratch_floats(&fr->w);
    size_t gb = 1;
    for (size_t b = 0; b < fr->w.n_blocks; b++)
        if (fr->w.blocks[b].stride > gb)
            gb = fr->w.blocks[b].stride;
    fr->touch_all_n = T * mt;
    fr->scratch_all_floats = T * (sf + gb);
    fr->touch_all = rs__calloc(a, fr->touch_all_n ? fr->touch_all_n : 1, sizeof *fr->touch_all);
    fr->scratch_all = rs__calloc(a, fr->scratch_all_floats, sizeof(float));
    /* gb is a row stride (a multiple of 16 floats, or 1): round up so every
     * thread's two rows start 64-byte aligned. */
    size_t rb = (gb + 15) & ~(size_t)15;
    fr->rowbuf_all = rs__alloc_floats_aligned(a, T * RS__ROWBUF_ROWS * rb, &fr->rowbuf_raw, &fr->rowbuf_bytes);
    if (!fr->ctx || !fr->touch_all || !fr->scratch_all || !fr->rowbuf_all)
        return RS_ERR_NOMEM;
    float range = fr->fd.rmax - fr->fd.rmin;
    int32_t isa = rs__isa_detect();
    rs__clip_policy clip = rs__clip_resolve(p->clip, p->clip_threshold, fr->m->clip_fn, fr->m->clip_ud);
    for (size_t t = 0; t < T; t++) {
        rs__train_ctx *c = &fr->ctx[t];
        c->w = &fr->w;
        c->ops = fr->m->ops;
        c->opt = &fr->opt;
        c->lr_policy = (int32_t)p->lr_policy;
        c->lr = (float)p->learning_rate;
        c->l2[RS__REG_FACTORS] = (float)p->l2_factors;
        c->l2[RS__REG_BIAS] = (float)p->l2_bias;
        c->l2[RS__REG_FEATURES] = (float)p->l2_features;
        c->l2[RS__REG_IMPLICIT] = (float)p->l2_implicit;
        c->beta1 = (float)p->adam_beta1;
        c->beta2 = (float)p->adam_beta2;
        c->eps = (float)p->epsilon;
        c->clip = clip;
        c->isa = isa;
        c->id_dropout = (float)p->id_dropout;
        /* An error a hundred times the rating spread cannot come from a sane model. */
        c->blowup = 100.0f * (range + (float)fr->fd.std + 1.0f);
        c->touches = fr->touch_all + t * mt;
        c->max_touches = mt;
        c->scratch = fr->scratch_all + t * (sf + gb);
        c->scratch_floats = sf;
        c->gbuf = c->scratch + sf;
        c->gbuf_floats = gb;
        c->rowbuf = fr->rowbuf_all + t * RS__ROWBUF_ROWS * rb;
        c->defer = &fr->defer;
        c->tastes_zero = tastes_zero;
        for (size_t b = 0; b < fr->w.n_blocks; b++) {
            int32_t role = fr->w.blocks[b].role;
            if (role == RS__ROLE_USER_FEATURE_FACTORS || role == RS__ROLE_USER_FEATURE_BIAS)
                c->lr_scale[b] = fr->ufeat_scale;
            else if (role == RS__ROLE_ITEM_FEATURE_FACTORS || role == RS__ROLE_ITEM_FEATURE_BIAS)
                c->lr_scale[b] = fr->ifeat_scale;
            else if (role == RS__ROLE_ITEM_IMPLICIT_FACTORS)
                c->lr_scale[b] = fr->imp_scale; /* NULL: the base rate */
        }
    }
    return RS_OK;
}

static double valid_rmse(const rs__fit_run *fr)
{
    const rs__fitdata *fd = &fr->fd;
    return fd->vn == 0 ? NAN : rs__run_rmse(fr, fd->vu, fd->vi, fd->vr, fd->vw, fd->vn);
}

void rs__run_free(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    rs__idmap_free(&fr->users, a);
    rs__idmap_free(&fr->items, a);
    if (fr->seen_off)
        rs__free(a, fr->seen_off, fr->w.n_users + 1, sizeof *fr->seen_off);
    rs__free(a, fr->seen_item, fr->seen_nnz, sizeof *fr->seen_item);
    rs__free(a, fr->seen_next, fr->seen_next_n, sizeof *fr->seen_next);
    rs__weights_free(&fr->w, a);
    rs__weights_free(&fr->last_good, a);
    rs__weights_free(&fr->best, a);
    rs__fitdata_free(&fr->fd, a);
    rs__optstate_free(&fr->opt, a);
    rs__free(a, fr->ctx, fr->threads, sizeof *fr->ctx);
    rs__free(a, fr->touch_all, fr->touch_all_n ? fr->touch_all_n : 1, sizeof *fr->touch_all);
    rs__free(a, fr->scratch_all, fr->scratch_all_floats, sizeof(float));
    if (fr->rowbuf_raw)
        rs__free_aligned(a, fr->rowbuf_raw, fr->rowbuf_bytes);
    rs__free(a, fr->stats, fr->stats_cap * RS__NSTATS, sizeof(double));
    rs__free(a, fr->ufeat_scale, fr->n_ufeat_scale, sizeof(float));
    rs__free(a, fr->imp_scale, fr->n_imp_scale, sizeof(float));
    rs__implicit_free(fr);
    rs__free(a, fr->ifeat_scale, fr->n_ifeat_scale, sizeof(float));
    rs__coldfit_free(fr);
    rs__deferred_free(&fr->defer, a);
}

int rs__run_keeps(const rs__fit_run *fr, rs_status st)
{
    if (st == RS_OK)
        return 1;
    if (fr->good_epochs == 0)
        return 0; /* nothing trained that could be kept */
    if (st == RS_ERR_CANCELLED && fr->stopped)
        return 1; /* the progress callback ended training early on purpose */
    return fr->p->keep_partial && st == RS_ERR_NUMERIC;
}

void rs__run_take_stats(rs__fit_run *fr)
{
    rs_model *m = fr->m;
    if (fr->n_stats == 0 || !fr->stats)
        return; /* nothing, or already taken (a commit takes them) */
    rs__free(&m->alloc, m->epoch_stats, m->epoch_stats_cap * RS__NSTATS, sizeof(double));
    m->epoch_stats = fr->stats;
    m->epoch_stats_cap = fr->stats_cap;
    m->n_epoch_stats = fr->n_stats;
    fr->stats = NULL;
    fr->stats_cap = 0;
}

/* A fresh loop: the state rs_fit starts every run with. */
static void loop_start(rs__fit_run *fr)
{
    rs__loop_state *ls = &fr->loop;
    if (ls->started)
        return;
    memset(ls, 0, sizeof *ls);
    rs__rng_seed(&ls->order_rng, rs__seed_mix((uint64_t)fr->p->seed, 0x6f72646572ull));
    ls->lr_scale = 1.0;
    ls->best_train = ls->prev_train = ls->best_valid = INFINITY;
    ls->next_epoch = 1;
    ls->started = 1;
}

rs_status rs__run_epochs(rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan, double t0)
{
    rs_model *m = fr->m;
    const rs__params *p = fr->p;
    const rs__run_hooks *hk = fr->hooks;
    rs__loop_state *ls = &fr->loop;
    loop_start(fr);
    plan->serial = ls->plan_serial;
    float range = fr->fd.rmax - fr->fd.rmin;
    double floor_ref = 1e-2 * (range > 1.0f ? range : 1.0f);
    rs_status result = RS_OK;

    while (ls->next_epoch <= p->epochs) {
        int64_t epoch = ls->next_epoch;
        double lr = rs__schedule_lr(p, fr->epoch_base + epoch, fr->budget_epochs) * ls->lr_scale;
        /* A fresh order of the diagonals every epoch. */
        rs__plan_shuffle(plan, &ls->order_rng);
        if (fr->implicit)
            rs__implicit_resample(fr, epoch);
        for (size_t t = 0; t < fr->threads; t++)
            fr->ctx[t].lr = (float)lr;
        if (hk && hk->run_epoch)
            hk->run_epoch(hk->ud, fr, pool, plan);
        else
            rs__pool_run_epoch(pool, plan);

        rs__train_stats s;
        rs__plan_merge_stats(plan, &s);
        double train_rmse = s.sum_w > 0 ? sqrt(s.sq_err / s.sum_w) : NAN;
        int diverged = rs__plan_diverged(plan);
        double ref = fmin(ls->best_train, fr->fd.std);
        if (!(ref > floor_ref))
            ref = floor_ref;
        if (!diverged && !(train_rmse <= p->divergence * ref))
            diverged = 1; /* the loss blew up (or is NaN) */
        if (!diverged && !(hk && hk->all_finite ? hk->all_finite(hk->ud, fr)
                                                : rs__weights_all_finite(&fr->w)))
            diverged = 1;

        double *row = fr->stats + fr->n_stats * RS__NSTATS;
        fr->n_stats++;
        row[RS_STAT_EPOCH] = (double)epoch;
        row[RS_STAT_TRAIN_RMSE] = isfinite(train_rmse) ? train_rmse : INFINITY;
        row[RS_STAT_GRAD_NORM_MEAN] = s.n_updates ? s.gnorm_sum / (double)s.n_updates : 0.0;
        row[RS_STAT_GRAD_NORM_MAX] = s.gnorm_max;
        row[RS_STAT_FACTOR_GRAD_NORM_MEAN] = s.n_updates ? s.fnorm_sum / (double)s.n_updates : 0.0;
        row[RS_STAT_CLIP_SHARE] = s.n_rows ? (double)s.n_clipped / (double)s.n_rows : 0.0;
        row[RS_STAT_LEARNING_RATE] = lr;
        row[RS_STAT_DIVERGED] = diverged ? 1.0 : 0.0;
        row[RS_STAT_VALID_RMSE] = NAN;
        row[RS_STAT_BASELINE_RMSE] = fr->have_baseline ? fr->baseline_rmse : NAN;
        row[RS_STAT_WORSE_THAN_BASELINE] = 0.0; /* known once training ends */

        if (diverged) {
            if (fr->track_last_good)
                rs__weights_copy_data(&fr->w, &fr->last_good);
            rs__optstate_reset(&fr->opt);
            row[RS_STAT_SECONDS] = rs__now_seconds() - t0;
            if (p->on_divergence == RS_DIVERGENCE_HALVE_LR && ls->halvings < MAX_LR_HALVINGS) {
                ls->halvings++;
                ls->lr_scale *= 0.5;
                rs__log(m, RS_LOG_WARN,
                        "epoch %lld diverged (train RMSE %g); restored the last good epoch, "
                        "learning rate halved to %g",
                        (long long)epoch, train_rmse, p->learning_rate * ls->lr_scale);
            } else {
                int keep = p->keep_partial && fr->good_epochs > 0; /* rs__run_keeps */
                result = rs__err(&m->err, RS_ERR_NUMERIC,
                                 "training diverged at epoch %lld (train RMSE %g, learning rate %g); "
                                 "%s",
                                 (long long)epoch, train_rmse, lr,
                                 keep ? "the model keeps the last good epoch (keep_partial)"
                                      : "the model is left as it was before the call");
                rs__log(m, RS_LOG_ERROR, "%s", m->err.msg);
            }
        } else {
            fr->good_epochs++;
            if (fr->track_last_good)
                rs__weights_copy_data(&fr->last_good, &fr->w);
            if (train_rmse < ls->best_train)
                ls->best_train = train_rmse;
            double vr = hk && hk->valid_rmse ? hk->valid_rmse(hk->ud, fr) : valid_rmse(fr);
            row[RS_STAT_VALID_RMSE] = vr;
            if (fr->have_best && isfinite(vr)) {
                if (vr < ls->best_valid) {
                    ls->best_valid = vr;
                    ls->since_best = 0;
                    rs__weights_copy_data(&fr->best, &fr->w);
                } else {
                    ls->since_best++;
                }
            }
            row[RS_STAT_SECONDS] = rs__now_seconds() - t0;
        }

        if (m->progress_fn || (hk && hk->agree_stop)) {
            int32_t rc = 0;
            if (m->progress_fn) {
                m->in_callback = 1;
                rc = m->progress_fn(m->progress_ud, row, RS__NSTATS);
                m->in_callback = 0;
            }
            if (hk && hk->agree_stop)
                rc = hk->agree_stop(hk->ud, fr, rc);
            if (rc != 0 && result == RS_OK) {
                fr->stopped = 1; /* a requested early end: rs__run_keeps keeps the epoch */
                result = rs__err(&m->err, RS_ERR_CANCELLED,
                                 "the progress callback stopped training after epoch %lld",
                                 (long long)epoch);
                return result; /* keep this last complete epoch, even with validation */
            }
        }
        if (result != RS_OK)
            return result;
        ls->next_epoch = epoch + 1;
        ls->plan_serial = plan->serial;
        if (!diverged) {
            if (fr->have_best && ls->since_best >= (uint64_t)p->patience)
                break;
            if (isfinite(ls->prev_train) && p->tolerance > 0 &&
                (ls->prev_train - train_rmse) < p->tolerance * ls->prev_train)
                break;
            ls->prev_train = train_rmse;
        }
        if (hk && hk->epoch_end && (result = hk->epoch_end(hk->ud, fr)) != RS_OK)
            return result;
    }
    if (fr->have_best && isfinite(ls->best_valid))
        rs__weights_copy_data(&fr->w, &fr->best);
    return result;
}


rs_status rs__run_prepare(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    rs_status st;
    fr->track_last_good = fr->p->on_divergence == RS_DIVERGENCE_HALVE_LR || fr->p->keep_partial;
    if ((st = rs__optstate_init(&fr->opt, &fr->w, (int32_t)fr->p->lr_policy, a)) != RS_OK ||
        (fr->track_last_good && (st = rs__weights_clone(&fr->last_good, &fr->w, a)) != RS_OK))
        return st;
    if (fr->have_best && (st = rs__weights_clone(&fr->best, &fr->w, a)) != RS_OK)
        return st;
    fr->stats_cap = (size_t)fr->p->epochs;
    fr->stats = rs__calloc(a, fr->stats_cap * RS__NSTATS, sizeof(double));
    if (!fr->stats)
        return RS_ERR_NOMEM;
    if ((st = setup_scales(fr)) != RS_OK || (st = rs__coldfit_prepare(fr)) != RS_OK ||
        (st = rs__deferred_init(&fr->defer, fr->m->ops, &fr->w, fr->fd.u, fr->fd.i, fr->fd.n,
                                  fr->fd.bands ? fr->fd.bands : 1, a)) != RS_OK)
        return st;
    return setup_contexts(fr);
}

rs_status rs__run_execute(rs__fit_run *fr, double t0)
{
    rs_model *m = fr->m;
    rs__epoch_plan plan;
    rs__pool *pool = NULL;
    /* Shared rows deferred: merge points between diagonals; in implicit
     * mode, whose epochs hold 1 + negatives updates per rating, as many per
     * diagonal, so the feature rows stay frozen for as many updates as in
     * an explicit epoch's diagonal. */
    size_t phases = fr->implicit ? 1 + (size_t)fr->p->negatives : 1;
    if (rs__plan_init(&plan, &fr->fd, fr->ctx, fr->threads, (uint64_t)fr->p->seed,
                      fr->defer.mask ? rs__deferred_merge : NULL, phases, &m->alloc) != RS_OK)
        return rs__err(&m->err, RS_ERR_NOMEM, "out of memory while planning the epochs");
    if (rs__pool_start(&pool, &plan, &m->alloc) != RS_OK) {
        rs__plan_free(&plan, &m->alloc);
        return rs__err(&m->err, RS_ERR_NOMEM, "out of memory while starting training threads");
    }
    rs_status st = rs__run_epochs(fr, pool, &plan, t0);
    if (st == RS_OK)
        rs__coldfit_run(fr, pool, &plan);
    rs__pool_stop(pool, &m->alloc);
    rs__plan_free(&plan, &m->alloc);
    return st;
}
