/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * fit.c: rs_mpi_fit - stage (stage.c), prepare the core's run, run the
 * core's epoch loop with the distributed hooks (epoch.c), gather the model
 * on rank 0 and move it into rank 0's model with the core's own commit.
 * What rs_fit keeps, rs_mpi_fit keeps (rs__run_keeps): a failed fit leaves
 * every rank's model as it was, unless RS_PARAM_KEEP_PARTIAL or a requested
 * stop keeps the last good epoch. */
#include <stdio.h>
#include <string.h>

#include "core/inflight.h"
#include "dist.h"

/* Content and hybrid with more than one rank: the feature rows' step
 * multipliers from the counts over all ranks' ratings, not this rank's. */
static rs_status global_feature_scales(rs__dist *d)
{
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    if (!fr->m->ops->shares_rows || d->P == 1)
        return RS_OK;
    size_t nu = fr->w.n_user_features, ni = fr->w.n_item_features;
    double *count = rs__calloc(a, nu + ni ? nu + ni : 1, sizeof *count);
    rs_status st = rs__mpi_agree(d->job, count ? RS_OK : RS_ERR_NOMEM,
                                 "out of memory while scaling the feature rows");
    if (st != RS_OK)
        return st;
    for (size_t j = 0; j < fr->fd.n; j++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(&fr->w.user_feat, (size_t)fr->fd.u[j], &col, &val);
        for (size_t f = 0; f < len; f++)
            count[col[f]] += 1.0;
        len = rs__features_row(&fr->w.item_feat, (size_t)fr->fd.i[j], &col, &val);
        for (size_t f = 0; f < len; f++)
            count[nu + (size_t)col[f]] += 1.0;
    }
    uint64_t n = fr->fd.n;
    if ((st = rs__mpi_allreduce(d->job, count, (int)(nu + ni), MPI_DOUBLE, MPI_SUM,
                                "the feature counts")) == RS_OK &&
        (st = rs__mpi_allreduce(d->job, &n, 1, MPI_UINT64_T, MPI_SUM, "the rating count")) == RS_OK) {
        if (fr->ufeat_scale) {
            for (size_t f = 0; f < nu; f++)
                fr->ufeat_scale[f] = (float)count[f];
            rs__feature_scale_finish(fr->ufeat_scale, nu, (size_t)n, fr->w.n_users);
        }
        if (fr->ifeat_scale) {
            for (size_t f = 0; f < ni; f++)
                fr->ifeat_scale[f] = (float)count[nu + f];
            rs__feature_scale_finish(fr->ifeat_scale, ni, (size_t)n, fr->w.n_items);
        }
    }
    rs__free(a, count, nu + ni ? nu + ni : 1, sizeof *count);
    return st;
}

/* Content and hybrid: the deferred feature rows (lib/optim/deferred.h)
 * train as in one process when their per-block sums are kept (one set per
 * band: every cell of them is written by one rank per diagonal, so the
 * ranks add them up exactly after each diagonal, epoch.c). The coupling
 * and the fused loop's choices then come from every rank's ratings. With
 * one set of sums (more than the budget), or sets too large for one
 * message, and several ranks, the feature rows step per rating and the
 * ranks merge their changes (epoch.c). */
static rs_status global_deferred(rs__dist *d)
{
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    rs__deferred *df = &fr->defer;
    if (!df->mask || d->P == 1)
        return RS_OK;
    int per_block = df->slots > 1;
    for (size_t b = 0; b < fr->w.n_blocks; b++) /* one message per set of sums (epoch.c) */
        if ((df->mask >> b & 1u) && df->slots * df->rows[b] * fr->w.blocks[b].stride > (size_t)INT32_MAX)
            per_block = 0;
    if (!per_block) {
        rs__deferred_free(df, a); /* mask 0: every row steps per rating */
        return RS_OK;
    }
    uint64_t n = fr->fd.n;
    rs_status st = RS_OK;
    for (int side = 0; side < 2 && st == RS_OK; side++)
        st = rs__mpi_allreduce(d->job, df->coupling_sums[side], (int)(2 * df->n_coupling[side]),
                               MPI_DOUBLE, MPI_SUM, "the feature rows' coupling");
    if (st == RS_OK)
        st = rs__mpi_allreduce(d->job, &n, 1, MPI_UINT64_T, MPI_SUM, "the rating count");
    if (st == RS_OK)
        st = rs__mpi_agree(d->job, rs__deferred_finish(df, &fr->w, (size_t)n, a),
                           "out of memory while preparing the feature rows");
    return st;
}

/* Every user's distinct items, on rank 0: each rank builds the lists of its
 * users and sends them in band order. */
static rs_status gather_seen(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    size_t nu = fr->w.n_users, P = d->P, me = (size_t)job->rank;
    size_t *off = NULL, nnz = 0, *len = NULL;
    int32_t *items = NULL, **its = NULL;
    uint64_t *sizes = NULL, **cnts = NULL;
    rs_status st = rs__seen_merge(NULL, NULL, 0, fr->fd.u, fr->fd.i, fr->fd.n, nu, &off, &items,
                                  &nnz, a);
    if ((st = rs__mpi_agree(job, st, "out of memory while listing the users' items")) != RS_OK)
        return st;
    if (P == 1) {
        fr->seen_off = off, fr->seen_item = items, fr->seen_nnz = nnz;
        return RS_OK;
    }
    /* Counts of this rank's users, then their items, in band order. */
    uint64_t mine[2] = {0, 0};
    for (size_t b = me; b < d->B; b += P)
        for (size_t k = d->user_off[b]; k < d->user_off[b + 1]; k++) {
            size_t u = (size_t)d->user_list[k];
            mine[0]++;
            mine[1] += off[u + 1] - off[u];
        }
    sizes = rs__calloc(a, 2 * P, sizeof *sizes);
    cnts = rs__calloc(a, P, sizeof *cnts);
    its = rs__calloc(a, P, sizeof *its);
    st = sizes && cnts && its ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, "out of memory while gathering the users' items")) != RS_OK)
        goto out;
    MPI_Request req;
    st = rs__mpi_check(job, MPI_Igather(mine, 2, MPI_UINT64_T, sizes, 2, MPI_UINT64_T, 0, job->comm,
                                        &req), "MPI_Igather");
    if (st != RS_OK || (st = rs__mpi_wait(job, 1, &req, "the sizes of the users' item lists")) != RS_OK)
        goto out;
    /* The buffers: this rank's lists to send, or on rank 0 every rank's. */
    for (size_t r = 0; r < P && st == RS_OK; r++) {
        if (me != 0 && r != me)
            continue;
        if (r == 0)
            continue;
        uint64_t nus = me == 0 ? sizes[2 * r] : mine[0], nis = me == 0 ? sizes[2 * r + 1] : mine[1];
        cnts[r] = rs__alloc(a, nus ? nus : 1, sizeof **cnts);
        its[r] = rs__alloc(a, nis ? nis : 1, sizeof **its);
        if (!cnts[r] || !its[r])
            st = RS_ERR_NOMEM;
    }
    if (me == 0 && st == RS_OK && !(len = rs__calloc(a, nu + 1, sizeof *len)))
        st = RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, "out of memory while gathering the users' items")) != RS_OK)
        goto out;
    if (me != 0) {
        size_t x = 0, y = 0;
        for (size_t b = me; b < d->B; b += P)
            for (size_t k = d->user_off[b]; k < d->user_off[b + 1]; k++) {
                size_t u = (size_t)d->user_list[k], n = off[u + 1] - off[u];
                cnts[me][x++] = n;
                memcpy(its[me] + y, items + off[u], n * sizeof **its);
                y += n;
            }
        if ((st = rs__mpi_send(job, cnts[me], mine[0] * sizeof **cnts, 0, RS__TAG_GATHER,
                               "rank 0 to take the users' items")) == RS_OK)
            st = rs__mpi_send(job, its[me], mine[1] * sizeof **its, 0, RS__TAG_GATHER,
                              "rank 0 to take the users' items");
        goto out;
    }
    for (size_t r = 1; r < P && st == RS_OK; r++)
        if ((st = rs__mpi_recv(job, cnts[r], sizes[2 * r] * sizeof **cnts, (int)r, RS__TAG_GATHER,
                               "the users' items")) == RS_OK)
            st = rs__mpi_recv(job, its[r], sizes[2 * r + 1] * sizeof **its, (int)r, RS__TAG_GATHER,
                              "the users' items");
    if (st != RS_OK)
        goto out;
    for (size_t r = 0; r < P; r++) {
        size_t x = 0;
        for (size_t b = r; b < d->B; b += P)
            for (size_t k = d->user_off[b]; k < d->user_off[b + 1]; k++) {
                size_t u = (size_t)d->user_list[k];
                len[u + 1] = r == 0 ? off[u + 1] - off[u] : (size_t)cnts[r][x++];
            }
    }
    for (size_t u = 0; u < nu; u++)
        len[u + 1] += len[u];
    size_t total = len[nu];
    int32_t *all = rs__alloc(a, total ? total : 1, sizeof *all);
    st = all ? RS_OK : RS_ERR_NOMEM;
    for (size_t r = 0; all && r < P; r++) {
        size_t y = 0;
        for (size_t b = r; b < d->B; b += P)
            for (size_t k = d->user_off[b]; k < d->user_off[b + 1]; k++) {
                size_t u = (size_t)d->user_list[k], n = len[u + 1] - len[u];
                memcpy(all + len[u], r == 0 ? items + off[u] : its[r] + y, n * sizeof *all);
                y += n;
            }
    }
    if (all) {
        fr->seen_off = len;
        fr->seen_item = all;
        fr->seen_nnz = total ? total : 1;
        len = NULL;
    }
out:
    for (size_t r = 0; sizes && cnts && its && r < P; r++) {
        uint64_t nus = me == 0 ? sizes[2 * r] : mine[0], nis = me == 0 ? sizes[2 * r + 1] : mine[1];
        rs__free(a, cnts[r], nus ? nus : 1, sizeof **cnts);
        rs__free(a, its[r], nis ? nis : 1, sizeof **its);
    }
    rs__free(a, sizes, 2 * P, sizeof *sizes);
    rs__free(a, cnts, P, sizeof *cnts);
    rs__free(a, its, P, sizeof *its);
    rs__free(a, len, nu + 1, sizeof *len);
    rs__free(a, off, nu + 1, sizeof *off);
    rs__free(a, items, nnz, sizeof *items);
    return st;
}

static void reset_figures(rs_mpi_job *job)
{
    job->bands = job->resumed_epoch = job->ratings = 0;
    job->bytes_sent = job->wait_seconds = job->train_seconds = job->compute_seconds = 0.0;
    job->counting = 0;
}

static rs_status fit_unguarded(rs_mpi_job *job, rs_model *m, const rs_dataset *train,
                               const rs_dataset *valid, rs_status entered);

rs_status rs_mpi_fit(rs_mpi_job *job, rs_model *m, const rs_dataset *train, const rs_dataset *valid)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    reset_figures(job);
    /* The model is this call's alone, as in rs_fit; a rank that finds it in
     * use still joins the agreement below, so every rank fails alike. */
    rs_status entered = m && !m->in_callback ? rs__exclusive_enter(m, "rs_mpi_fit") : RS_OK;
    rs_status st = fit_unguarded(job, m, train, valid, entered);
    if (entered == RS_OK && m && !m->in_callback)
        rs__exclusive_leave(m);
    return st;
}

static rs_status fit_unguarded(rs_mpi_job *job, rs_model *m, const rs_dataset *train,
                               const rs_dataset *valid, rs_status entered)
{
    rs_status st = RS_OK;
    const char *msg = "";
    if (!m || !train)
        st = RS_ERR_INVALID_ARG, msg = "model and train must not be NULL";
    else if (m->in_callback)
        st = RS_ERR_MISUSE, msg = "rs_mpi_fit called from inside a callback of this model";
    else if (entered != RS_OK)
        st = entered, msg = m->err.msg;
    else if (valid && valid->users.strings != train->users.strings)
        st = RS_ERR_INVALID_ARG, msg = "train and valid use different kinds of id (string and int64)";
    else if (m->params.implicit)
        st = RS_ERR_INVALID_ARG, msg = "implicit feedback (RS_PARAM_IMPLICIT) is not supported by "
                                       "rs_mpi_fit";
    else if (m->params.implicit_user_factors)
        st = RS_ERR_INVALID_ARG, msg = "implicit user factors (RS_PARAM_IMPLICIT_USER_FACTORS) are "
                                       "not supported by rs_mpi_fit";
    else if (job->resume && !job->checkpoint)
        st = RS_ERR_INVALID_ARG, msg = "RS_MPI_PARAM_RESUME needs RS_MPI_PARAM_CHECKPOINT";
    if ((st = rs__mpi_agree(job, st, msg)) != RS_OK) {
        if (m && !m->in_callback && entered == RS_OK)
            rs__err(&m->err, st, "%s", job->err.msg);
        return st;
    }
    rs__err_clear(&m->err);

    rs__fit_run fr;
    memset(&fr, 0, sizeof fr);
    fr.m = m;
    rs__params params = m->params;
    fr.p = &params;
    fr.budget_epochs = params.epochs;
    rs__dist d;
    memset(&d, 0, sizeof d);
    d.job = job;
    d.fr = &fr;
    d.P = (size_t)job->size;
    rs__epoch_plan plan;
    memset(&plan, 0, sizeof plan);
    int planned = 0;
    double t0 = rs__mpi_now();

    rs__pool *pool = NULL;
    st = rs__dist_stage(&d, train, valid);
    if (st == RS_OK) {
        job->bands = (int64_t)d.B;
        /* Threads per rank: RS_PARAM_THREADS, at most one per block of a
         * diagonal; one for scorers with shared rows (rs_fit trains
         * content and hybrid on threads, but here their rows may fall back
         * to per-rating steps, global_deferred, which one thread needs; the
         * band count is that of one thread, stage.c). The model does not
         * depend on it (per-block streams and statistics). */
        fr.threads = (size_t)params.threads;
#if !RS_ENABLE_THREADS
        fr.threads = 1;
#endif
        if (m->ops->shares_rows || fr.threads < 1)
            fr.threads = 1;
        if (fr.threads > d.n_own)
            fr.threads = d.n_own ? d.n_own : 1;
        /* The cold-start refit needs every rating on one process. */
        fr.cold.enabled = d.P == 1 && m->ops->cold_blocks != NULL && m->ops->train_chunk != NULL &&
                          params.cold_epochs > 0;
        if (!fr.cold.enabled && m->ops->cold_blocks && params.cold_epochs > 0)
            rs__log(m, RS_LOG_INFO, "the cold-start refit of the feature rows runs on one rank "
                    "only; skipped on %d ranks", job->size);
        st = rs__run_prepare(&fr);
        st = rs__mpi_agree(job, st, st == RS_ERR_NOMEM ? "out of memory while preparing the fit"
                                                       : m->err.msg);
    }
    if (st == RS_OK)
        st = global_feature_scales(&d);
    if (st == RS_OK)
        st = global_deferred(&d);
    rs__baseline_io bio = rs__dist_baseline_io(&d);
    if (st == RS_OK)
        st = rs__baseline_prepare_io(&fr, &bio); /* agreed */
    if (st == RS_OK) {
        st = rs__plan_init(&plan, &fr.fd, fr.ctx, fr.threads, (uint64_t)params.seed,
                           fr.defer.mask ? rs__deferred_merge : NULL, 1, &m->alloc);
        planned = st == RS_OK;
        if (st == RS_OK)
            st = rs__pool_start(&pool, &plan, &m->alloc);
        if ((st = rs__mpi_agree(job, st, "out of memory while planning the epochs or starting "
                                "threads")) == RS_OK)
            st = rs__dist_prepare_epochs(&d);
    }
    if (st == RS_OK && job->resume)
        st = rs__dist_checkpoint_read(&d);
    if (st == RS_OK) {
        rs__run_hooks hooks = *rs__dist_hooks();
        hooks.ud = &d;
        fr.hooks = &hooks;
        st = rs__run_epochs(&fr, pool, &plan, t0);
        if (d.fail != RS_OK)
            st = d.fail;
        fr.hooks = NULL;
        if (st == RS_OK)
            st = rs__dist_check_shared(&d);
        if (st == RS_OK && fr.cold.enabled)
            rs__coldfit_run(&fr, pool, &plan); /* one rank: the core's own refit */
        /* The model against the baseline, as rs_fit ends (every item row
         * on every rank first: the comparison scores this rank's ratings). */
        if (st == RS_OK && (st = rs__dist_share_items(&d)) == RS_OK)
            st = rs__baseline_check_io(&fr, &bio);
    }
    /* Keep what rs_fit would keep (the outcome and its inputs are agreed,
     * so every rank decides alike; not after a broken job: the ranks can
     * no longer exchange the rows). */
    if (!job->broken && rs__run_keeps(&fr, st)) {
        rs_status keep = st;
        char saved[RS__ERRMSG_CAP];
        memcpy(saved, job->err.msg[0] ? job->err.msg : m->err.msg, sizeof saved);
        rs_status gs = rs__dist_gather(&d, 0, 0);
        if (gs == RS_OK)
            gs = gather_seen(&d);
        if (gs == RS_OK && job->rank == 0)
            rs__run_commit(&fr);
        if (gs != RS_OK)
            keep = gs;
        else
            rs__err(&job->err, keep, "%s", saved);
        st = keep;
    }
    /* Rank 0's model gets the run's statistics, kept or not, as rs_fit's
     * does (a commit has taken them already); the other ranks' models stay
     * as they were. */
    if (job->rank == 0)
        rs__run_take_stats(&fr);
    if (st == RS_ERR_NOMEM && !job->err.msg[0] && !m->err.msg[0])
        rs__err(&m->err, st, "out of memory during the fit; the model is unchanged");
    if (st != RS_OK) {
        const char *text = job->err.msg[0] ? job->err.msg : m->err.msg;
        if (text != m->err.msg)
            rs__err(&m->err, st, "%s", text);
        if (text != job->err.msg)
            rs__err(&job->err, st, "%s", text);
    } else {
        rs__err_clear(&job->err);
    }
    rs__pool_stop(pool, &m->alloc);
    if (planned)
        rs__plan_free(&plan, &m->alloc);
    rs__dist_free(&d);
    rs__run_free(&fr);
    return st;
}

rs_status rs_mpi_model_save_file(rs_mpi_job *job, const rs_model *model, const char *path)
{
    if (!job)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&job->err);
    char msg[RS__ERRMSG_CAP] = "";
    rs_status st = RS_OK;
    if (job->rank == 0) {
        if (!model || !path) {
            st = RS_ERR_INVALID_ARG;
            snprintf(msg, sizeof msg, "model and path must not be NULL");
        } else {
            st = rs_model_save_file(model, path, msg, sizeof msg);
        }
    }
    return rs__mpi_agree(job, st, msg);
}
