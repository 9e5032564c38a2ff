/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * online.c: keeping a fitted model fresh without a full retrain.
 *
 * rs_partial_fit adds new ratings (and their new users and items) and runs a
 * few epochs of the same SGD core over them, optionally mixed with a sample
 * of older ratings the caller still has (replay), so the model does not
 * forget. rs_fold_in_user / rs_fold_in_item give one id its parameters from
 * its ratings with the other side frozen: the prediction is linear in the
 * id's bias and factors, so a small ridge regression solves it exactly. */
#include <math.h>
#include <string.h>

#include "common/linalg.h"
#include "common/rng.h"
#include "run.h"
#include "core/inflight.h"

/* Replace the model's seen lists by freshly merged ones for n_users users
 * (ownership moves to the model; the pointers are cleared). */
static void install_seen(rs_model *m, size_t **off, int32_t **items, size_t nnz, size_t n_users)
{
    rs__free(&m->alloc, m->seen_off, m->seen_users_cap + 1, sizeof *m->seen_off);
    rs__free(&m->alloc, m->seen_item, m->seen_nnz, sizeof *m->seen_item);
    m->seen_off = *off;
    m->seen_item = *items;
    m->seen_nnz = nnz;
    m->seen_users_cap = n_users;
    *off = NULL;
    *items = NULL;
}

/* With implicit user factors, N(u) follows the seen lists: the rows for
 * the merged lists go into the weights now (the old rows into *keep), and
 * implicit_restore puts the old ones back when the call fails. */
static rs_status implicit_swap_in(rs_model *m, const size_t *off, const int32_t *items,
                                  size_t n_users, rs__features *keep)
{
    rs__features_init(keep);
    if (rs__weights_implicit_block(&m->w) < 0)
        return RS_OK;
    rs__features fresh;
    rs_status st = rs__weights_implicit_build(&fresh, &m->alloc, off, items, n_users);
    if (st != RS_OK)
        return st;
    *keep = m->w.implicit;
    m->w.implicit = fresh;
    return RS_OK;
}

static void implicit_restore(rs_model *m, rs__features *keep, int failed)
{
    if (rs__weights_implicit_block(&m->w) < 0)
        return;
    if (failed) {
        rs__features_free(&m->w.implicit, &m->alloc);
        m->w.implicit = *keep;
    } else {
        rs__features_free(keep, &m->alloc);
    }
    rs__features_init(keep);
}

/* ---- rs_partial_fit ---- */

typedef struct online_batch {
    int32_t *u, *i;
    float *r, *w;
    size_t n, cap;
} online_batch;

static void batch_free(online_batch *b, const rs__allocator *a)
{
    rs__free(a, b->u, b->cap, sizeof *b->u);
    rs__free(a, b->i, b->cap, sizeof *b->i);
    rs__free(a, b->r, b->cap, sizeof *b->r);
    rs__free(a, b->w, b->cap, sizeof *b->w);
    memset(b, 0, sizeof *b);
}

static rs_status batch_alloc(online_batch *b, size_t cap, const rs__allocator *a)
{
    memset(b, 0, sizeof *b);
    b->cap = cap ? cap : 1;
    b->u = rs__alloc(a, b->cap, sizeof *b->u);
    b->i = rs__alloc(a, b->cap, sizeof *b->i);
    b->r = rs__alloc(a, b->cap, sizeof *b->r);
    b->w = rs__alloc(a, b->cap, sizeof *b->w);
    if (!b->u || !b->i || !b->r || !b->w) {
        batch_free(b, a);
        return RS_ERR_NOMEM;
    }
    return RS_OK;
}

/* Model index of an external id: known, or the position it will get among
 * the new ids (collected in `fresh`, a scratch id map). */
static rs_status index_of(const rs__idmap *known, rs__idmap *fresh, const rs__allocator *a,
                          int64_t id, int32_t *out)
{
    int32_t k = rs__idmap_find(known, id);
    if (k >= 0) {
        *out = k;
        return RS_OK;
    }
    int32_t f;
    rs_status st = rs__idmap_insert(fresh, a, id, &f);
    if (st == RS_OK && known->count + (size_t)f + 1 > RS__IDMAP_MAX)
        st = RS_ERR_RANGE;
    *out = (int32_t)known->count + f;
    return st;
}

static rs_status partial_fit_unguarded(rs_model *m, const rs_dataset *ratings,
                                       const rs_dataset *replay)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    if (m->in_callback)
        return rs__err(&m->err, RS_ERR_MISUSE, "called from inside a callback of this model");
    rs__err_clear(&m->err);
    if (!ratings)
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "ratings is NULL");
    if (!m->fitted)
        return rs__err(&m->err, RS_ERR_STATE, "rs_partial_fit needs a fitted model (use rs_fit)");
    if (ratings->n == 0)
        return rs__err(&m->err, RS_ERR_EMPTY, "no new ratings");

    const rs__allocator *a = &m->alloc;
    rs__params params = m->params;
    params.epochs = params.online_epochs;
    params.tolerance = 0.0;
    size_t old_users = m->w.n_users, old_items = m->w.n_items;
    rs__idmap fresh_users, fresh_items;
    rs__idmap_init(&fresh_users);
    rs__idmap_init(&fresh_items);
    online_batch batch;
    size_t n_replay = 0;
    if (replay && replay->n > 0 && params.replay_ratio > 0.0) {
        double want = params.replay_ratio * (double)ratings->n;
        n_replay = want > 1e9 ? (size_t)1e9 : (size_t)want;
    }
    rs_status st = batch_alloc(&batch, ratings->n + n_replay, a);
    size_t *seen_off = NULL, seen_nnz = 0;
    int32_t *seen_item = NULL;
    rs__fit_run fr;
    memset(&fr, 0, sizeof fr);
    int pushed = 0;
    rs__weights before;
    memset(&before, 0, sizeof before);
    int have_before = 0;
    rs__features old_implicit;
    rs__features_init(&old_implicit);
    int swapped = 0;

    /* 1. New ratings in model indices; new ids numbered after the known ones. */
    for (size_t j = 0; st == RS_OK && j < ratings->n; j++) {
        int64_t uid = ratings->users.ids[ratings->user[j]], iid = ratings->items.ids[ratings->item[j]];
        st = index_of(&m->users, &fresh_users, a, uid, &batch.u[batch.n]);
        if (st == RS_OK)
            st = index_of(&m->items, &fresh_items, a, iid, &batch.i[batch.n]);
        batch.r[batch.n] = ratings->rating[j];
        batch.w[batch.n] = ratings->weight ? ratings->weight[j] : 1.0f;
        batch.n++;
    }
    size_t n_new = batch.n;
    /* 2. A sample of older ratings, for ids the model knows. */
    if (st == RS_OK && n_replay > 0) {
        rs__rng rng;
        rs__rng_seed(&rng, rs__seed_mix((uint64_t)params.seed, 0x7265706c6179ull + m->n_epoch_stats));
        for (size_t k = 0; k < n_replay; k++) {
            size_t j = (size_t)rs__rng_below(&rng, replay->n);
            int32_t u = rs__idmap_find(&m->users, replay->users.ids[replay->user[j]]);
            int32_t i = rs__idmap_find(&m->items, replay->items.ids[replay->item[j]]);
            if (u < 0 || i < 0)
                continue;
            batch.u[batch.n] = u;
            batch.i[batch.n] = i;
            batch.r[batch.n] = replay->rating[j];
            batch.w[batch.n] = replay->weight ? replay->weight[j] : 1.0f;
            batch.n++;
        }
    }
    size_t n_users = old_users + fresh_users.count, n_items = old_items + fresh_items.count;
    /* 3. Room for the new ids and their seen items, before anything changes. */
    if (st == RS_OK)
        st = rs__model_reserve_new_ids(m, RS_SIDE_USER, &fresh_users, &ratings->users);
    if (st == RS_OK)
        st = rs__model_reserve_new_ids(m, RS_SIDE_ITEM, &fresh_items, &ratings->items);
    if (st == RS_OK)
        st = rs__seen_merge(m->seen_off, m->seen_item, old_users, batch.u, batch.i, n_new, n_users,
                            &seen_off, &seen_item, &seen_nnz, a);
    /* 4. The run: the model's weights are trained in place. */
    fr.m = m;
    fr.p = &params;
    fr.epoch_base = m->params.epochs_trained; /* the schedule goes on where training left it */
    fr.budget_epochs = m->params.epochs;       /* params.epochs is the online count here */
    /* Shared rows the scorer does not defer, the y_j of implicit user
     * factors: one thread. */
    fr.threads = rs__run_threads(m, params.threads, rs__weights_implicit_block(&m->w) >= 0);
    if (st == RS_OK) {
        rs__ratings_view rv = {batch.u, batch.i, batch.r, batch.w, batch.n};
        size_t bands = rs__run_choose_bands(fr.threads, &m->w, rv.n);
        st = rs__fitdata_from_arrays(&fr.fd, &rv, n_users, n_items, bands,
                                     rs__seed_mix((uint64_t)params.seed, m->n_epoch_stats), a);
        /* Implicit user factors: runs of a user's ratings (sgd.c). */
        if (st == RS_OK && rs__weights_implicit_block(&m->w) >= 0 && !params.implicit)
            st = rs__fitdata_group_users(&fr.fd, a);
    }
    /* N(u) of the implicit user factors grows with the new ratings. */
    if (st == RS_OK) {
        st = implicit_swap_in(m, seen_off, seen_item, n_users, &old_implicit);
        swapped = st == RS_OK;
    }
    if (st == RS_OK) {
        rs__model_push_new_ids(m, RS_SIDE_USER, &fresh_users, &ratings->users);
        rs__model_push_new_ids(m, RS_SIDE_ITEM, &fresh_items, &ratings->items);
        pushed = 1;
        fr.w = m->w; /* moved back below, whatever happens */
        memset(&m->w, 0, sizeof m->w);
        st = rs__run_init_blocks(&fr, old_users, old_items, 1);
        /* The weights train in place: without RS_PARAM_KEEP_PARTIAL a failure
         * after good epochs goes back to this copy. (With it, a failure with
         * no good epoch leaves fr.w at the run's start, the same values.) */
        if (st == RS_OK && !params.keep_partial) {
            st = rs__weights_clone(&before, &fr.w, a);
            have_before = st == RS_OK;
        }
        if (st == RS_OK)
            st = rs__run_prepare(&fr);
        if (st == RS_OK)
            st = rs__run_execute(&fr, rs__now_seconds());
        m->w = fr.w;
        memset(&fr.w, 0, sizeof fr.w);
    }
    int trained = pushed && rs__run_keeps(&fr, st);
    if (swapped)
        implicit_restore(m, &old_implicit, !trained);
    if (trained) {
        /* The new seen lists and statistics; the rating range grows with the data. */
        install_seen(m, &seen_off, &seen_item, seen_nnz, n_users);
        rs__model_serving_refresh(m, 0, SIZE_MAX);
        if (fr.fd.rmin < m->w.rating_min)
            m->w.rating_min = fr.fd.rmin;
        if (fr.fd.rmax > m->w.rating_max)
            m->w.rating_max = fr.fd.rmax;
        m->params.epochs_trained += (int64_t)fr.n_stats;
        rs__run_take_stats(&fr);
    } else {
        rs__run_take_stats(&fr);
        if (pushed) { /* the model goes back to what it was */
            if (have_before)
                rs__weights_copy_data(&m->w, &before);
            rs__model_pop_ids(m, RS_SIDE_USER, old_users);
            rs__model_pop_ids(m, RS_SIDE_ITEM, old_items);
        }
        if (st == RS_ERR_NOMEM)
            rs__err(&m->err, st, "out of memory in rs_partial_fit; the model is unchanged");
        else if (m->err.msg[0] == '\0')
            rs__err(&m->err, st, "rs_partial_fit failed: %s", rs_status_string(st));
    }
    rs__run_free(&fr);
    rs__weights_free(&before, a);
    rs__free(a, seen_off, n_users + 1, sizeof *seen_off);
    rs__free(a, seen_item, seen_nnz, sizeof *seen_item);
    batch_free(&batch, a);
    rs__idmap_free(&fresh_users, a);
    rs__idmap_free(&fresh_items, a);
    return st;
}

/* ---- fold-in: a ridge solve for one id with the other side frozen ---- */

/* Fold-in shrinks an id towards the fallback chain's prediction (bias and
 * factors 0) with a prior worth this many ratings: a damped bias,
 * b = sum(r - c) / (n + 5) when the factors are left out, and a factor prior
 * that outweighs the id's own ratings until it has a few hundred. Measured
 * by bench/online on MovieLens 100K (seeds 1-5): with these values fold-in
 * is better than the fallback from the first rating, for users and items,
 * on every seed, and within 0.1% of the unshrunk solve for long histories. */
#define FOLD_IN_BIAS_PRIOR 5.0
#define FOLD_IN_FACTOR_PRIOR 300.0

/* The prior's scale per factor dimension: the mean of z_f^2 over a fixed
 * sample of the other side's ids, where z is what the id's factor row
 * multiplies in predict() (the other side's factors, for scorers with
 * features plus their feature part). With it the factor prior weighs
 * "FOLD_IN_FACTOR_PRIOR ratings with no deviation" whatever the scale of
 * the factors. */
static void prior_scale(const rs_model *m, int32_t side, int32_t self, int32_t fac_block,
                        rs__touch *touches, size_t mt, float *scratch, size_t sf, double *d,
                        size_t k)
{
    size_t n_other = side == RS_SIDE_USER ? m->w.n_items : m->w.n_users;
    size_t samples = n_other < 1024 ? n_other : 1024;
    for (size_t f = 0; f < k; f++)
        d[f] = 0.0;
    for (size_t t = 0; t < samples; t++) {
        int32_t o = (int32_t)(t * n_other / samples);
        int32_t u = side == RS_SIDE_USER ? self : o, i = side == RS_SIDE_USER ? o : self;
        size_t nt = m->ops->pred_grad(&m->w, u, i, touches, mt, scratch, sf);
        for (size_t x = 0; x < nt; x++)
            if (touches[x].block == fac_block && touches[x].row == (size_t)self)
                for (size_t f = 0; f < k; f++)
                    d[f] += (double)touches[x].grad[f] * touches[x].grad[f];
    }
    for (size_t f = 0; f < k; f++)
        d[f] = samples ? d[f] / (double)samples : 0.0;
}

static rs_status fold_in(rs_model *m, int32_t side, int64_t id, const int64_t *others,
                         const float *ratings, size_t n)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    if (m->in_callback)
        return rs__err(&m->err, RS_ERR_MISUSE, "called from inside a callback of this model");
    rs__err_clear(&m->err);
    const char *what = side == RS_SIDE_USER ? "user" : "item";
    if (n > 0 && (!others || !ratings))
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "ids or ratings is NULL with n = %zu", n);
    if (!m->fitted)
        return rs__err(&m->err, RS_ERR_STATE, "fold-in needs a fitted model");
    rs__block *bias = rs__weights_block(&m->w, side == RS_SIDE_USER ? RS__ROLE_USER_BIAS
                                                                   : RS__ROLE_ITEM_BIAS);
    rs__block *fac = rs__weights_block(&m->w, side == RS_SIDE_USER ? RS__ROLE_USER_FACTORS
                                                                  : RS__ROLE_ITEM_FACTORS);
    if (!bias || !fac)
        return rs__err(&m->err, RS_ERR_STATE,
                       "the %s scorer has no %s id parameters to fold in (register the %s's "
                       "features with rs_model_set_features)",
                       m->ops->name, what, what);
    for (size_t j = 0; j < n; j++)
        if (!isfinite(ratings[j]))
            return rs__err(&m->err, RS_ERR_RANGE, "rating %zu is not finite", j);
    const rs__idmap *other_map = side == RS_SIDE_USER ? &m->items : &m->users;
    size_t known = 0;
    for (size_t j = 0; j < n; j++)
        known += rs__idmap_find(other_map, others[j]) >= 0;
    if (known == 0)
        return rs__err(&m->err, RS_ERR_UNKNOWN_ID, "none of the %zu %ss is known to the model", n,
                       side == RS_SIDE_USER ? "item" : "user");

    const rs__allocator *a = &m->alloc;
    size_t k = fac->cols, dim = k + 1;
    size_t mt = m->ops->max_touches(&m->w), sf = m->ops->scratch_floats(&m->w);
    /* Implicit user factors: the merged seen lists lengthen an N(u) row by
     * at most n items (fold-in of a user) or 1 (of an item). */
    if (rs__weights_implicit_block(&m->w) >= 0)
        mt += n;
    rs__features old_implicit;
    rs__features_init(&old_implicit);
    int swapped = 0;
    double *A = rs__calloc(a, dim * dim, sizeof *A);
    double *b = rs__calloc(a, dim, sizeof *b);
    rs__touch *touches = rs__alloc(a, mt, sizeof *touches);
    float *scratch = rs__alloc(a, sf, sizeof *scratch);
    float *keep = rs__alloc(a, k + 1, sizeof *keep);
    double *scale = rs__alloc(a, k + 1, sizeof *scale);
    int32_t *pair_u = rs__alloc(a, known, sizeof *pair_u), *pair_i = rs__alloc(a, known, sizeof *pair_i);
    float *pair_r = rs__alloc(a, known, sizeof *pair_r);
    rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    int32_t self = rs__idmap_find(map, id);
    int is_new = self < 0;
    size_t *seen_off = NULL, seen_nnz = 0;
    int32_t *seen_item = NULL;
    rs_status st =
        (A && b && touches && scratch && keep && scale && pair_u && pair_i && pair_r) ? RS_OK : RS_ERR_NOMEM;
    if (st == RS_OK && is_new)
        st = rs__model_reserve_ids(m, side, 1);
    size_t n_users = m->w.n_users + (is_new && side == RS_SIDE_USER);
    int32_t self_index = is_new ? (int32_t)map->count : self;
    if (st == RS_OK) {
        size_t q = 0;
        for (size_t j = 0; j < n; j++) {
            int32_t o = rs__idmap_find(other_map, others[j]);
            if (o < 0)
                continue;
            pair_u[q] = side == RS_SIDE_USER ? self_index : o;
            pair_i[q] = side == RS_SIDE_USER ? o : self_index;
            pair_r[q] = ratings[j];
            q++;
        }
        st = rs__seen_merge(m->seen_off, m->seen_item, m->w.n_users, pair_u, pair_i, known, n_users,
                            &seen_off, &seen_item, &seen_nnz, a);
    }
    /* N(u) follows the merged seen lists: a user's folded-in items, or the
     * item joining the lists of the users who rated it. */
    if (st == RS_OK) {
        st = implicit_swap_in(m, seen_off, seen_item, n_users, &old_implicit);
        swapped = st == RS_OK;
    }
    if (st == RS_OK) {
        if (is_new)
            self = rs__model_push_id(m, side, id);
        float *brow = bias->data + (size_t)self * bias->stride;
        float *frow = fac->data + (size_t)self * fac->stride;
        int32_t fac_block = (int32_t)(fac - m->w.blocks);
        keep[0] = brow[0];
        memcpy(keep + 1, frow, k * sizeof(float));
        brow[0] = 0.0f;
        memset(frow, 0, k * sizeof(float));
        /* With the id's own part at zero, predict() is the frozen part c and
         * the gradient wrt the factor row is the other side's vector z. */
        for (size_t j = 0; j < known; j++) {
            int32_t u = pair_u[j], i = pair_i[j];
            float c = m->ops->predict(&m->w, u, i);
            size_t nt = m->ops->pred_grad(&m->w, u, i, touches, mt, scratch, sf);
            const float *z = NULL;
            for (size_t t = 0; t < nt; t++)
                if (touches[t].block == fac_block && touches[t].row == (size_t)self)
                    z = touches[t].grad;
            double y = (double)pair_r[j] - c;
            /* x = [bias, factors]; features of this rating: [1, z] */
            A[0] += 1.0;
            b[0] += y;
            for (size_t f = 0; f < k; f++) {
                double zf = z ? z[f] : 0.0;
                A[(f + 1)] += zf;
                b[f + 1] += y * zf;
                for (size_t g = 0; g <= f; g++)
                    A[(f + 1) * dim + (g + 1)] += zf * (z ? z[g] : 0.0);
            }
        }
        /* Symmetric fill and the L2 terms of SGD, summed over the id's ratings. */
        for (size_t f = 0; f < k; f++)
            A[(f + 1) * dim] = A[f + 1];
        for (size_t f = 1; f < dim; f++)
            for (size_t g = f + 1; g < dim; g++)
                A[f * dim + g] = A[g * dim + f];
        double nk = (double)known;
        /* The prior (docs/guide/online.md): zero deviation from the
         * fallback, worth FOLD_IN_BIAS_PRIOR ratings for the bias and
         * FOLD_IN_FACTOR_PRIOR ratings along every factor dimension; then
         * the per-rating L2 of SGD, so a long history is solved as training
         * would. */
        prior_scale(m, side, self, fac_block, touches, mt, scratch, sf, scale, k);
        A[0] += FOLD_IN_BIAS_PRIOR + nk * m->params.l2_bias + 1e-9;
        for (size_t f = 1; f < dim; f++)
            A[f * dim + f] += FOLD_IN_FACTOR_PRIOR * scale[f - 1] + nk * m->params.l2_factors + 1e-9;
        int ok = rs__chol_factor(A, dim) == 0;
        if (ok)
            rs__chol_solve(A, b, dim);
        for (size_t f = 0; ok && f < dim; f++)
            ok = isfinite(b[f]) && fabs(b[f]) < 1e6;
        if (ok) {
            brow[0] = (float)b[0];
            for (size_t f = 0; f < k; f++)
                frow[f] = (float)b[f + 1];
            install_seen(m, &seen_off, &seen_item, seen_nnz, n_users);
            if (swapped)
                implicit_restore(m, &old_implicit, 0);
            rs__model_serving_refresh(m, side == RS_SIDE_ITEM ? (size_t)self : 0, side == RS_SIDE_ITEM);
        } else {
            brow[0] = keep[0];
            memcpy(frow, keep + 1, k * sizeof(float));
            if (is_new)
                rs__model_pop_ids(m, side, (size_t)self);
            if (swapped)
                implicit_restore(m, &old_implicit, 1);
            st = rs__err(&m->err, RS_ERR_NUMERIC, "fold-in of %s %lld gave no finite solution", what,
                         (long long)id);
        }
    } else {
        if (swapped)
            implicit_restore(m, &old_implicit, 1);
        rs__err(&m->err, st, "fold-in of %s %lld failed: %s", what, (long long)id,
                rs_status_string(st));
    }
    rs__free(a, A, dim * dim, sizeof *A);
    rs__free(a, b, dim, sizeof *b);
    rs__free(a, touches, mt, sizeof *touches);
    rs__free(a, scratch, sf, sizeof *scratch);
    rs__free(a, keep, k + 1, sizeof *keep);
    rs__free(a, scale, k + 1, sizeof *scale);
    rs__free(a, pair_u, known, sizeof *pair_u);
    rs__free(a, pair_i, known, sizeof *pair_i);
    rs__free(a, pair_r, known, sizeof *pair_r);
    rs__free(a, seen_off, n_users + 1, sizeof *seen_off);
    rs__free(a, seen_item, seen_nnz, sizeof *seen_item);
    return st;
}

/* ---- guarded entry points (misuse detection, core/inflight.h) ---- */

#define EXCLUSIVE_CALL(m, what, call)                   \
    do {                                                \
        if (!(m))                                       \
            return RS_ERR_INVALID_ARG;                  \
        rs_status st_ = rs__exclusive_enter((m), what); \
        if (st_ != RS_OK)                               \
            return st_;                                 \
        st_ = (call);                                   \
        rs__exclusive_leave(m);                         \
        return st_;                                     \
    } while (0)

rs_status rs_partial_fit(rs_model *m, const rs_dataset *ratings, const rs_dataset *replay)
{
    EXCLUSIVE_CALL(m, "rs_partial_fit", partial_fit_unguarded(m, ratings, replay));
}

rs_status rs_fold_in_user(rs_model *m, int64_t user, const int64_t *items, const float *ratings,
                          size_t n)
{
    EXCLUSIVE_CALL(m, "rs_fold_in_user", fold_in(m, RS_SIDE_USER, user, items, ratings, n));
}

rs_status rs_fold_in_item(rs_model *m, int64_t item, const int64_t *users, const float *ratings,
                          size_t n)
{
    EXCLUSIVE_CALL(m, "rs_fold_in_item", fold_in(m, RS_SIDE_ITEM, item, users, ratings, n));
}
