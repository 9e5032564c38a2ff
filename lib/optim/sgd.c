/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * sgd.c: rs_fit - the one SGD/MSE training loop shared by every scorer.
 *
 * A fit is built in a staging area (id maps, weights, seen lists) and moved
 * into the model only when it succeeds, so a fit that fails at any point
 * (bad input, out of memory, divergence even in the first epoch,
 * cancellation) leaves the previous model untouched, bit for bit; only the
 * epoch statistics describe the failed run. RS_PARAM_KEEP_PARTIAL = 1 keeps
 * the last good epoch of a diverged or cancelled run instead. The model
 * always receives finite parameters: the last good epoch or the best
 * validation epoch. */
#include <string.h>

#include "run.h"
#include "core/inflight.h"

/* Move the staged fit into the model (the model's previous fit is dropped). */
void rs__run_commit(rs__fit_run *fr)
{
    rs_model *m = fr->m;
    rs__model_clear_fitted(m);
    m->users = fr->users;
    m->items = fr->items;
    m->w = fr->w;
    m->seen_off = fr->seen_off;
    m->seen_item = fr->seen_item;
    m->seen_nnz = fr->seen_nnz;
    m->seen_users_cap = m->w.n_users;
    m->fitted = 1;
    rs__run_take_stats(fr);
    m->params.epochs_trained = (int64_t)fr->n_stats;
    rs__idmap_init(&fr->users);
    rs__idmap_init(&fr->items);
    memset(&fr->w, 0, sizeof fr->w);
    fr->seen_off = NULL;
    fr->seen_item = NULL;
    fr->seen_nnz = 0;
    rs__model_serving_refresh(m, 0, SIZE_MAX);
}

/* Ids that have features but no training rating get zero id parameters, so
 * they are scored from their features (content, hybrid) or from the other
 * side's bias (collaborative) and not from untrained random factors. */
void rs__weights_zero_unrated(rs__weights *w, const unsigned char *user_rated,
                              const unsigned char *item_rated)
{
    for (size_t b = 0; b < w->n_blocks; b++) {
        rs__block *blk = &w->blocks[b];
        int32_t side = rs__block_side(blk);
        const unsigned char *rated = side == RS_SIDE_USER ? user_rated
                                     : side == RS_SIDE_ITEM ? item_rated : NULL;
        size_t n = side == RS_SIDE_USER ? w->n_users : w->n_items;
        if (rated)
            for (size_t j = 0; j < n; j++)
                if (!rated[j])
                    memset(blk->data + j * blk->stride, 0, blk->stride * sizeof(float));
    }
}

static rs_status zero_unrated_ids(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    size_t nu = fr->w.n_users, ni = fr->w.n_items;
    unsigned char *user_rated = rs__calloc(a, nu ? nu : 1, 1);
    unsigned char *item_rated = rs__calloc(a, ni ? ni : 1, 1);
    if (!user_rated || !item_rated) {
        rs__free(a, user_rated, nu ? nu : 1, 1);
        rs__free(a, item_rated, ni ? ni : 1, 1);
        return RS_ERR_NOMEM;
    }
    for (size_t j = 0; j < fr->fd.n; j++) {
        user_rated[fr->fd.u[j]] = 1;
        item_rated[fr->fd.i[j]] = 1;
    }
    rs__weights_zero_unrated(&fr->w, user_rated, item_rated);
    rs__free(a, user_rated, nu ? nu : 1, 1);
    rs__free(a, item_rated, ni ? ni : 1, 1);
    return RS_OK;
}

/* The seen lists. Implicit mode samples its negatives against them during
 * the run, so it builds them first, from train. Otherwise only the room for
 * them is taken now, and rs__fitdata_into_seen turns the training ratings
 * into them in place once the run is kept (no second copy of the ratings at
 * any time, and nothing left to fail). */
static int seen_first(const rs__fit_run *fr)
{
    /* Implicit mode and implicit user factors (N(u)) read them during the run. */
    return fr->implicit || fr->p->implicit_user_factors;
}

static rs_status seen_prepare(rs__fit_run *fr, const rs_dataset *train)
{
    const rs__allocator *a = &fr->m->alloc;
    size_t nu = fr->w.n_users;
    if (seen_first(fr)) {
        rs_status st = rs__seen_build(train, nu, fr->w.n_items, &fr->seen_off, &fr->seen_item,
                                      &fr->seen_nnz, a);
        /* N(u) of the implicit user factors: the seen lists themselves. */
        if (st == RS_OK && rs__weights_implicit_block(&fr->w) >= 0)
            st = rs__weights_implicit_build(&fr->w.implicit, a, fr->seen_off, fr->seen_item, nu);
        return st;
    }
    fr->seen_off = rs__alloc(a, nu + 1, sizeof *fr->seen_off);
    fr->seen_next = rs__alloc(a, nu ? nu : 1, sizeof *fr->seen_next);
    fr->seen_next_n = fr->seen_next ? (nu ? nu : 1) : 0;
    return fr->seen_off && fr->seen_next ? RS_OK : RS_ERR_NOMEM;
}

static void seen_finish(rs__fit_run *fr)
{
    if (seen_first(fr))
        return;
    rs__fitdata_into_seen(&fr->fd, fr->w.n_users, fr->seen_off, fr->seen_next, &fr->seen_item,
                          &fr->seen_nnz, &fr->m->alloc);
}

/* consume: train's rating columns may become the fit's (rs_fit_consume);
 * fr->consumed says whether they did. */
static rs_status stage(rs__fit_run *fr, const rs_dataset *train, const rs_dataset *valid,
                       rs_dataset *consume)
{
    rs_model *m = fr->m;
    const rs__allocator *a = &m->alloc;
    rs_status st;
    if ((st = rs__idmap_copy(&fr->users, &train->users, a)) != RS_OK ||
        (st = rs__idmap_copy(&fr->items, &train->items, a)) != RS_OK)
        return st;
    rs__features_init(&fr->w.user_feat);
    rs__features_init(&fr->w.item_feat);
    fr->w.n_users = fr->users.count;
    fr->w.n_items = fr->items.count;
    if (m->scorer_kind != RS_SCORER_COLLABORATIVE) {
        if ((st = rs__features_copy(&fr->w.user_feat, &train->user_feat, a)) != RS_OK ||
            (st = rs__features_copy(&fr->w.item_feat, &train->item_feat, a)) != RS_OK)
            return st;
        fr->w.n_user_features = train->user_feat.n_features;
        fr->w.n_item_features = train->item_feat.n_features;
    }
    fr->w.factors = (size_t)fr->p->factors;
    if ((st = m->ops->layout(&fr->w, a, fr->p)) != RS_OK)
        return st;
    if ((st = rs__run_init_blocks(fr, 0, 0, 0)) != RS_OK)
        return st;
    size_t bands = rs__run_choose_bands(fr->threads, &fr->w, train->n);
    fr->implicit = fr->p->implicit != 0;
    /* Implicit mode and implicit user factors read train's ratings for
     * their seen lists: they copy. */
    if (consume && !seen_first(fr)) {
        st = rs__fitdata_take(&fr->fd, consume, valid, &fr->users, &fr->items, bands,
                              (uint64_t)fr->p->seed, a);
        fr->consumed = st == RS_OK ? consume : NULL;
    } else {
        st = rs__fitdata_build(&fr->fd, train, valid, &fr->users, &fr->items, bands,
                               (uint64_t)fr->p->seed, a);
    }
    /* Implicit user factors step their y_j once per run of a user's
     * ratings: each block's ratings grouped by user make the runs long.
     * (Implicit mode lays out its negative slots itself and keeps its order.) */
    if (st == RS_OK && fr->p->implicit_user_factors && !fr->implicit)
        st = rs__fitdata_group_users(&fr->fd, a);
    if (st != RS_OK)
        return st;
    if ((st = seen_prepare(fr, train)) != RS_OK || (st = zero_unrated_ids(fr)) != RS_OK)
        return st;
    /* Implicit targets (1 and sampled 0) have no rating baseline. */
    if (!fr->implicit && (st = rs__baseline_prepare(fr)) != RS_OK)
        return st;
    if (fr->implicit && (st = rs__implicit_prepare(fr)) != RS_OK)
        return st;
    fr->w.global_mean = (float)fr->fd.mean;
    fr->w.rating_min = fr->fd.rmin;
    fr->w.rating_max = fr->fd.rmax;
    fr->have_best = valid != NULL;
    /* Only a fresh fit refits the features for cold start (in implicit
     * mode with freshly drawn negatives every refit epoch); the refit
     * epochs run through the scorer's own loop (ctx->refit). */
    fr->cold.enabled = fr->m->ops->cold_blocks != NULL && fr->m->ops->train_chunk != NULL &&
                       fr->p->cold_epochs > 0;
    return rs__run_prepare(fr);
}

/* A fit that failed gives the ratings it took back to their dataset. */
static void drop_run(rs__fit_run *fr)
{
    if (fr->consumed)
        rs__fitdata_give_back(&fr->fd, fr->consumed, &fr->m->alloc);
    rs__run_free(fr);
}

static rs_status fit_unguarded(rs_model *m, const rs_dataset *train, const rs_dataset *valid,
                               rs_dataset *consume)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    if (m->in_callback)
        return rs__err(&m->err, RS_ERR_MISUSE, "rs_fit called from inside a callback of this model");
    rs__err_clear(&m->err);
    if (!train)
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "train dataset is NULL");
    if (train->n == 0)
        return rs__err(&m->err, RS_ERR_EMPTY, "train dataset has no ratings");
    if (valid && valid->users.strings != train->users.strings)
        return rs__err(&m->err, RS_ERR_INVALID_ARG,
                       "train and valid use different kinds of id (string and int64)");

    rs__fit_run fr;
    memset(&fr, 0, sizeof fr);
    fr.m = m;
    rs__params params = m->params;
    fr.p = &params;
    fr.threads = rs__run_threads(m, params.threads, params.implicit_user_factors != 0);
    fr.budget_epochs = params.epochs;
    double t0 = rs__now_seconds();
    /* A dataset that also validates, or that another allocator owns, is copied. */
    if (consume && (consume == valid || consume->alloc.fn != m->alloc.fn ||
                    consume->alloc.ud != m->alloc.ud))
        consume = NULL;
    rs_status st = stage(&fr, train, valid, consume);
    if (st != RS_OK) {
        if (st == RS_ERR_NOMEM)
            rs__err(&m->err, st, "out of memory while preparing the fit");
        else if (st == RS_ERR_RANGE && m->err.msg[0] == '\0')
            rs__err(&m->err, st, "%zu users and %zu items with %lld factors need more memory than "
                    "this platform can address (size_t has %u bits)", fr.w.n_users, fr.w.n_items,
                    (long long)params.factors, (unsigned)(sizeof(size_t) * 8));
        else if (m->err.msg[0] == '\0')
            rs__err(&m->err, st, "could not prepare the fit: %s", rs_status_string(st));
        drop_run(&fr);
        return st;
    }
    st = rs__run_execute(&fr, t0);
    if (!rs__run_keeps(&fr, st)) {
        /* The staged fit is dropped: the model keeps its previous fit (or
         * stays unfitted), whatever epoch the failure came at. */
        rs__run_take_stats(&fr);
        if (st == RS_ERR_NOMEM && m->err.msg[0] == '\0')
            rs__err(&m->err, st, "out of memory during the fit; the model is unchanged");
        drop_run(&fr);
        return st;
    }
    if (st == RS_OK)
        rs__baseline_check(&fr);
    seen_finish(&fr); /* the training ratings are spent from here on */
    rs__run_commit(&fr);
    rs__run_free(&fr);
    return st;
}

rs_status rs_fit(rs_model *m, const rs_dataset *train, const rs_dataset *valid)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    rs_status st = rs__exclusive_enter(m, "rs_fit");
    if (st != RS_OK)
        return st;
    st = fit_unguarded(m, train, valid, NULL);
    rs__exclusive_leave(m);
    return st;
}

rs_status rs_fit_consume(rs_model *m, rs_dataset *train, const rs_dataset *valid)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    rs_status st = rs__exclusive_enter(m, "rs_fit_consume");
    if (st != RS_OK)
        return st;
    st = fit_unguarded(m, train, valid, train);
    rs__exclusive_leave(m);
    return st;
}
