/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * stage.c: everything rs_mpi_fit does before the first epoch.
 *
 * The training set is the ranks' shares in rank order, so every piece of
 * rs_fit's staging is rebuilt from the shares in that order: the id maps
 * (ids in order of first appearance: rank 0's ids, then rank 1's new ones,
 * ...), the weights (the same layout and init policy on every rank), the
 * grid (bands dealt from the global indices exactly as rs__fitdata_deal
 * does), the summary of the ratings (summed in rank order, a chain through
 * the ranks, so the mean has the same bits as rs_fit's) and the blocks: each
 * rating is sent to the owner of its user's band, ranks' ratings arrive in
 * rank order, and rs__fitdata_adopt_share lays out each block this rank
 * holds exactly as rs_fit lays out the full grid (a block's order is a
 * function of its ratings; the shuffles' random stream skips the blocks held
 * elsewhere). Every step that can fail on one rank ends in an agreement. */
#include <string.h>

#include "data/dataset.h"
#include "dist.h"

#define NOMEM(what) "out of memory while " what

/* ---- parameters ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 0x100000001b3ull;
    return h;
}

/* Every rank's model must hold rank 0's parameters (rs__params has only
 * 8-byte members: no padding bytes). */
static rs_status check_params(rs__dist *d)
{
    rs__params p = d->fr->m->params;
    p.epochs_trained = 0; /* a model fitted before is refitted alike */
    uint64_t h[2] = {fnv(0xcbf29ce484222325ull, &p, sizeof p), (uint64_t)d->fr->m->scorer_kind};
    uint64_t h0[2] = {h[0], h[1]};
    rs_status st = rs__mpi_bcast(d->job, h0, sizeof h0, 0, "rank 0's parameters");
    if (st != RS_OK)
        return st;
    int same = h[0] == h0[0] && h[1] == h0[1];
    return rs__mpi_agree(d->job, same ? RS_OK : RS_ERR_INVALID_ARG,
                         "its model's scorer or parameters differ from rank 0's (every rank "
                         "must configure its model alike)");
}

/* A flag every rank must share (string ids, a validation set): RS_OK with
 * *any set when it is alike on every rank; otherwise every rank fails with
 * msg, naming the lowest rank that lacks it. */
static rs_status flag_alike(rs__dist *d, int mine, const char *what, const char *msg, int *any)
{
    int all = mine, some = mine;
    rs_status st;
    if ((st = rs__mpi_allreduce(d->job, &all, 1, MPI_INT, MPI_LAND, what)) != RS_OK ||
        (st = rs__mpi_allreduce(d->job, &some, 1, MPI_INT, MPI_LOR, what)) != RS_OK)
        return st;
    *any = some;
    if (all == some)
        return RS_OK;
    st = rs__mpi_agree(d->job, mine ? RS_OK : RS_ERR_INVALID_ARG, msg);
    return st != RS_OK ? st : RS_ERR_INVALID_ARG;
}

/* ---- id maps ---- */

/* The global map of one side: every rank's ids in rank order (one
 * broadcast per rank keeps memory at one rank's list); l2g receives the
 * global index of each of this rank's local ids. String ids travel as their
 * bytes (a string map's offsets and arena); the keys they hash to then
 * index both maps alike. */
static rs_status global_map(rs__dist *d, const rs__idmap *local, rs__idmap *global, int32_t **l2g)
{
    rs_mpi_job *job = d->job;
    const rs__allocator *a = &d->fr->m->alloc;
    uint64_t *counts = rs__alloc(a, 2 * d->P, sizeof *counts), *nbytes = counts ? counts + d->P : NULL;
    int64_t *buf = NULL;
    uint64_t *obuf = NULL;
    char *bbuf = NULL;
    uint64_t most = 0, most_bytes = 0;
    int strings = local->strings != 0, any_strings = 0;
    *l2g = rs__alloc(a, local->count ? local->count : 1, sizeof **l2g);
    rs_status st = counts && *l2g ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, NOMEM("mapping ids"))) != RS_OK ||
        (st = flag_alike(d, strings, "the kinds of id",
                         "its dataset has int64 ids while other ranks' have string ids "
                         "(RS_PARAM_STRING_IDS must be alike on every rank)", &any_strings)) != RS_OK)
        goto out;
    if (strings)
        rs__idmap_use_strings(global);
    if ((st = rs__mpi_allgather_u64(job, local->count, counts, "the other ranks' id counts")) != RS_OK ||
        (strings && (st = rs__mpi_allgather_u64(job, local->nbytes, nbytes, "the other ranks' id "
                                                "bytes")) != RS_OK))
        goto out;
    for (size_t r = 0; r < d->P; r++) {
        most = counts[r] > most ? counts[r] : most;
        most_bytes = strings && nbytes[r] > most_bytes ? nbytes[r] : most_bytes;
    }
    if (strings) {
        obuf = rs__alloc(a, most + 1, sizeof *obuf);
        bbuf = rs__alloc(a, most_bytes ? most_bytes : 1, 1);
        st = obuf && bbuf ? RS_OK : RS_ERR_NOMEM;
    } else {
        buf = rs__alloc(a, most ? most : 1, sizeof *buf);
        st = buf ? RS_OK : RS_ERR_NOMEM;
    }
    if ((st = rs__mpi_agree(job, st, NOMEM("mapping ids"))) != RS_OK)
        goto out;
    /* A rank that runs out of memory inserting still joins every broadcast. */
    rs_status ins = RS_OK;
    for (size_t r = 0; r < d->P; r++) {
        if (counts[r] == 0)
            continue;
        if (strings) {
            if ((int)r == job->rank) {
                memcpy(obuf, local->off, (counts[r] + 1) * sizeof *obuf);
                memcpy(bbuf, local->bytes, nbytes[r]);
            }
            if ((st = rs__mpi_bcast(job, obuf, (counts[r] + 1) * sizeof *obuf, (int)r,
                                    "the id lists")) != RS_OK ||
                (st = rs__mpi_bcast(job, bbuf, nbytes[r], (int)r, "the id lists")) != RS_OK)
                goto out;
            for (size_t k = 0; k < counts[r] && ins == RS_OK; k++) {
                int32_t idx;
                ins = rs__idmap_insert_str(global, a, bbuf + obuf[k], (size_t)(obuf[k + 1] - obuf[k]),
                                           &idx);
            }
            continue;
        }
        if ((int)r == job->rank)
            memcpy(buf, local->ids, counts[r] * sizeof *buf);
        if ((st = rs__mpi_bcast(job, buf, counts[r] * sizeof *buf, (int)r, "the id lists")) != RS_OK)
            goto out;
        for (size_t k = 0; k < counts[r] && ins == RS_OK; k++) {
            int32_t idx;
            ins = rs__idmap_insert(global, a, buf[k], &idx);
        }
    }
    if (ins == RS_OK)
        for (size_t k = 0; k < local->count; k++)
            (*l2g)[k] = rs__idmap_find(global, local->ids[k]);
    st = rs__mpi_agree(job, ins, ins == RS_ERR_RANGE    ? "more than 2^31 - 2 ids"
                                 : ins == RS_ERR_FORMAT ? "two different string ids with one "
                                                          "64-bit key"
                                                        : NOMEM("mapping ids"));
out:
    rs__free(a, buf, most ? most : 1, sizeof *buf);
    rs__free(a, obuf, most + 1, sizeof *obuf);
    rs__free(a, bbuf, most_bytes ? most_bytes : 1, 1);
    rs__free(a, counts, 2 * d->P, sizeof *counts);
    return st;
}

/* ---- features ---- */

/* The global feature table of one side, from this rank's (every rank loads
 * the same feature files): names in order, rows by global index. A hash of
 * the result is compared with rank 0's. */
static rs_status global_features(rs__dist *d, const rs__features *local, const rs__idmap *lmap,
                                 const rs__idmap *gmap, rs__features *out, uint64_t *hash)
{
    const rs__allocator *a = &d->fr->m->alloc;
    rs__features_init(out);
    uint64_t h = 0xcbf29ce484222325ull;
    rs_status st = RS_OK;
    for (size_t f = 0; f < local->n_features && st == RS_OK; f++) {
        st = rs__features_add_name(out, a, local->names[f], NULL);
        h = fnv(h, local->names[f], strlen(local->names[f]) + 1);
    }
    for (size_t g = 0; g < gmap->count && st == RS_OK; g++) {
        int32_t l = rs__idmap_find(lmap, gmap->ids[g]);
        const int32_t *col;
        const float *val;
        size_t n = l >= 0 ? rs__features_row(local, (size_t)l, &col, &val) : 0;
        if (n == 0)
            continue;
        st = rs__features_set_row(out, a, g, col, val, n);
        h = fnv(h, &g, sizeof g);
        h = fnv(h, col, n * sizeof *col);
        h = fnv(h, val, n * sizeof *val);
    }
    *hash = h;
    return st;
}

static rs_status stage_features(rs__dist *d, const rs_dataset *train)
{
    rs__fit_run *fr = d->fr;
    rs__features_init(&fr->w.user_feat);
    rs__features_init(&fr->w.item_feat);
    if (fr->m->scorer_kind == RS_SCORER_COLLABORATIVE)
        return RS_OK;
    uint64_t h[2] = {0, 0};
    rs_status st = global_features(d, &train->user_feat, &train->users, &fr->users,
                                   &fr->w.user_feat, &h[0]);
    if (st == RS_OK)
        st = global_features(d, &train->item_feat, &train->items, &fr->items, &fr->w.item_feat, &h[1]);
    fr->w.n_user_features = fr->w.user_feat.n_features;
    fr->w.n_item_features = fr->w.item_feat.n_features;
    if ((st = rs__mpi_agree(d->job, st, NOMEM("building the feature tables"))) != RS_OK)
        return st;
    uint64_t h0[2] = {h[0], h[1]};
    if ((st = rs__mpi_bcast(d->job, h0, sizeof h0, 0, "rank 0's feature tables")) != RS_OK)
        return st;
    int same = h[0] == h0[0] && h[1] == h0[1];
    return rs__mpi_agree(d->job, same ? RS_OK : RS_ERR_INVALID_ARG,
                         "its feature tables differ from rank 0's (load the same feature files "
                         "on every rank)");
}

/* ---- bands ---- */

/* Ids of every band in ascending order (CSR), from the band of every id. */
static rs_status band_lists(const int32_t *band, size_t n, size_t B, size_t **off, int32_t **list,
                            const rs__allocator *a)
{
    *off = rs__calloc(a, B + 1, sizeof **off);
    *list = rs__alloc(a, n ? n : 1, sizeof **list);
    if (!*off || !*list)
        return RS_ERR_NOMEM;
    for (size_t j = 0; j < n; j++)
        (*off)[band[j] + 1]++;
    for (size_t b = 0; b < B; b++)
        (*off)[b + 1] += (*off)[b];
    size_t *cur = rs__alloc(a, B, sizeof *cur);
    if (!cur)
        return RS_ERR_NOMEM;
    memcpy(cur, *off, B * sizeof *cur);
    for (size_t j = 0; j < n; j++)
        (*list)[cur[band[j]]++] = (int32_t)j;
    rs__free(a, cur, B, sizeof *cur);
    return RS_OK;
}

/* ---- ratings to the owners of their users ---- */

typedef struct rating_rec {
    int32_t u, i;
    float r, w;
} rating_rec;

/* Send every rating (global indices) to the rank owning its user's band;
 * each rank receives the ratings of its users in rank order, each rank's
 * in its own order. pos (optional) travels along as a uint64 per rating. */
static rs_status route(rs__dist *d, const rating_rec *recs, const uint64_t *pos, size_t n,
                       rating_rec **out, uint64_t **pos_out, size_t *n_out)
{
    rs_mpi_job *job = d->job;
    const rs__allocator *a = &d->fr->m->alloc;
    size_t P = d->P;
    *out = NULL;
    if (pos_out)
        *pos_out = NULL;
    *n_out = 0;
    int *scount = rs__calloc(a, 4 * P, sizeof *scount), *sdisp = scount + P;
    int *rcount = scount ? scount + 2 * P : NULL, *rdisp = scount ? scount + 3 * P : NULL;
    uint64_t *c64 = rs__calloc(a, P, sizeof *c64);
    size_t *cur = rs__alloc(a, P, sizeof *cur);
    rating_rec *sbuf = rs__alloc(a, n ? n : 1, sizeof *sbuf);
    uint64_t *spos = pos ? rs__alloc(a, n ? n : 1, sizeof *spos) : NULL;
    rating_rec *rbuf = NULL;
    uint64_t *rpos = NULL;
    size_t total = 0;
    rs_status st = scount && c64 && cur && sbuf && (!pos || spos) ? RS_OK : RS_ERR_NOMEM;
    const char *msg = NOMEM("sending ratings to their owners");
    if (st == RS_OK) {
        for (size_t j = 0; j < n; j++)
            c64[rs__dist_owner(d, (size_t)d->ub[recs[j].u])]++;
        uint64_t acc = 0;
        for (size_t r = 0; r < P; r++) {
            if (c64[r] > (uint64_t)INT32_MAX || acc > (uint64_t)INT32_MAX) {
                st = RS_ERR_RANGE;
                msg = "more than 2^31 ratings for one rank";
            }
            scount[r] = (int)c64[r];
            sdisp[r] = (int)acc;
            acc += c64[r];
        }
        for (size_t r = 0; r < P; r++)
            cur[r] = (size_t)sdisp[r];
        for (size_t j = 0; st == RS_OK && j < n; j++) {
            size_t k = cur[rs__dist_owner(d, (size_t)d->ub[recs[j].u])]++;
            sbuf[k] = recs[j];
            if (pos)
                spos[k] = pos[j];
        }
    }
    if ((st = rs__mpi_agree(job, st, msg)) != RS_OK)
        goto out;
    MPI_Request req;
    st = rs__mpi_check(job, MPI_Ialltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, job->comm, &req),
                       "MPI_Ialltoall");
    if (st != RS_OK || (st = rs__mpi_wait(job, 1, &req, "the rating counts")) != RS_OK)
        goto out;
    uint64_t acc = 0;
    for (size_t r = 0; r < P; r++) {
        rdisp[r] = (int)acc;
        acc += (uint64_t)rcount[r];
    }
    total = (size_t)acc;
    rbuf = rs__alloc(a, total ? total : 1, sizeof *rbuf);
    rpos = pos ? rs__alloc(a, total ? total : 1, sizeof *rpos) : NULL;
    st = acc <= (uint64_t)INT32_MAX && rbuf && (!pos || rpos) ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, NOMEM("receiving this rank's ratings"))) != RS_OK)
        goto out;
    MPI_Datatype rec;
    MPI_Type_contiguous((int)sizeof(rating_rec), MPI_BYTE, &rec);
    MPI_Type_commit(&rec);
    st = rs__mpi_check(job, MPI_Ialltoallv(sbuf, scount, sdisp, rec, rbuf, rcount, rdisp, rec,
                                           job->comm, &req), "MPI_Ialltoallv");
    if (st == RS_OK)
        st = rs__mpi_wait(job, 1, &req, "the ratings of this rank's users");
    if (st == RS_OK && pos) {
        st = rs__mpi_check(job, MPI_Ialltoallv(spos, scount, sdisp, MPI_UINT64_T, rpos, rcount,
                                               rdisp, MPI_UINT64_T, job->comm, &req),
                           "MPI_Ialltoallv");
        if (st == RS_OK)
            st = rs__mpi_wait(job, 1, &req, "the positions of this rank's ratings");
    }
    MPI_Type_free(&rec);
out:
    rs__free(a, scount, 4 * P, sizeof *scount);
    rs__free(a, c64, P, sizeof *c64);
    rs__free(a, cur, P, sizeof *cur);
    rs__free(a, sbuf, n ? n : 1, sizeof *sbuf);
    rs__free(a, spos, n ? n : 1, sizeof *spos);
    if (st != RS_OK) {
        rs__free(a, rbuf, total ? total : 1, sizeof *rbuf);
        rs__free(a, rpos, total ? total : 1, sizeof *rpos);
        return st;
    }
    *out = rbuf;
    if (pos_out)
        *pos_out = rpos;
    *n_out = total;
    return RS_OK;
}

/* This rank's share as records by global indices (unknown ids: skipped,
 * only validation has them). */
static rating_rec *share_records(const rs_dataset *ds, const int32_t *u2g, const int32_t *i2g,
                                 size_t *n_out, size_t *cap_out, const rs__allocator *a)
{
    *cap_out = ds->n ? ds->n : 1;
    rating_rec *recs = rs__alloc(a, *cap_out, sizeof *recs);
    size_t k = 0;
    if (!recs)
        return NULL;
    for (size_t j = 0; j < ds->n; j++) {
        int32_t u = u2g[ds->user[j]], i = i2g[ds->item[j]];
        if (u < 0 || i < 0)
            continue;
        recs[k].u = u;
        recs[k].i = i;
        recs[k].r = ds->rating[j];
        recs[k].w = ds->weight ? ds->weight[j] : 1.0f;
        k++;
    }
    *n_out = k;
    return recs;
}

/* The summary of all ratings, accumulated in rank order: rank r continues
 * rank r - 1's sums over its own share, in the share's order. */
static rs_status summary_chain(rs__dist *d, const rs_dataset *train, rs__rating_summary *sum)
{
    rs_mpi_job *job = d->job;
    memset(sum, 0, sizeof *sum);
    rs_status st = RS_OK;
    if (job->rank > 0)
        st = rs__mpi_recv(job, sum, sizeof *sum, job->rank - 1, RS__TAG_SUMMARY,
                          "the rating summary of the ranks before");
    if (st != RS_OK)
        return st;
    rs__ratings_view rv = {train->user, train->item, train->rating, train->weight, train->n};
    rs__rating_summary_add(sum, &rv);
    if (job->rank + 1 < job->size)
        st = rs__mpi_send(job, sum, sizeof *sum, job->rank + 1, RS__TAG_SUMMARY,
                          "the next rank to take the rating summary");
    if (st != RS_OK)
        return st;
    return rs__mpi_bcast(job, sum, sizeof *sum, job->size - 1, "the rating summary");
}

/* ---- the staging ---- */

rs_status rs__dist_stage(rs__dist *d, const rs_dataset *train, const rs_dataset *valid)
{
    rs_mpi_job *job = d->job;
    rs__fit_run *fr = d->fr;
    rs_model *m = fr->m;
    const rs__allocator *a = &m->alloc;
    rs_status st;
    int32_t *u2g = NULL, *i2g = NULL, *vu2g = NULL, *vi2g = NULL;
    rating_rec *recs = NULL, *mine = NULL;
    size_t n_recs = 0, n_mine = 0, recs_cap = 0;
    unsigned char *rated = NULL;
    size_t *full = NULL;
    uint64_t *sizes = NULL;
    size_t B = 0;

    if ((st = check_params(d)) != RS_OK)
        return st;
    if ((st = global_map(d, &train->users, &fr->users, &u2g)) != RS_OK ||
        (st = global_map(d, &train->items, &fr->items, &i2g)) != RS_OK)
        goto out;
    if ((st = stage_features(d, train)) != RS_OK)
        goto out;

    /* Weights: rs_fit's layout and init, identical on every rank. */
    fr->w.n_users = fr->users.count;
    fr->w.n_items = fr->items.count;
    fr->w.factors = (size_t)fr->p->factors;
    st = m->ops->layout(&fr->w, a, fr->p);
    if (st == RS_OK)
        st = rs__run_init_blocks(fr, 0, 0, 0);
    uint64_t n_total = train->n;
    if ((st = rs__mpi_agree(job, st, st == RS_ERR_NOMEM ? NOMEM("laying out the weights")
                                                        : m->err.msg)) != RS_OK ||
        (st = rs__mpi_allreduce(job, &n_total, 1, MPI_UINT64_T, MPI_SUM, "the rating counts")) != RS_OK)
        goto out;

    /* The grid: rs_fit's band count, made a multiple of the rank count. */
    size_t threads = (size_t)fr->p->threads;
#if !RS_ENABLE_THREADS
    threads = 1;
#endif
    if (m->ops->shares_rows)
        threads = 1;
    B = rs__run_choose_bands(threads, &fr->w, (size_t)n_total);
    if (B % d->P)
        B = (B / d->P + 1) * d->P;
    d->B = B;
    d->n_own = B / d->P + ((size_t)job->rank < B % d->P ? 1 : 0);
    rs__rng grid_rng;
    st = rs__fitdata_deal(fr->w.n_users, fr->w.n_items, B, (uint64_t)fr->p->seed, &d->ub, &d->ib,
                          &grid_rng, a);
    if (st == RS_OK)
        st = band_lists(d->ub, fr->w.n_users, B, &d->user_off, &d->user_list, a);
    if (st == RS_OK)
        st = band_lists(d->ib, fr->w.n_items, B, &d->item_off, &d->item_list, a);
    if (st == RS_OK && !(recs = share_records(train, u2g, i2g, &n_recs, &recs_cap, a)))
        st = RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, NOMEM("dealing the bands"))) != RS_OK)
        goto out;

    /* Ratings to their owners; the summary in rank order. */
    if ((st = route(d, recs, NULL, n_recs, &mine, NULL, &n_mine)) != RS_OK)
        goto out;
    rs__free(a, recs, recs_cap, sizeof *recs);
    recs = NULL;
    rs__rating_summary sum;
    if ((st = summary_chain(d, train, &sum)) != RS_OK)
        goto out;
    int weighted = train->weight != NULL;
    sizes = rs__calloc(a, B * B, sizeof *sizes);
    full = rs__alloc(a, B * B, sizeof *full);
    st = sizes && full ? RS_OK : RS_ERR_NOMEM;
    for (size_t j = 0; st == RS_OK && j < n_mine; j++)
        sizes[(size_t)d->ub[mine[j].u] * B + (size_t)d->ib[mine[j].i]]++;
    if ((st = rs__mpi_agree(job, st, NOMEM("counting the blocks"))) != RS_OK ||
        (st = rs__mpi_allreduce(job, sizes, (int)(B * B), MPI_UINT64_T, MPI_SUM, "the block sizes")) != RS_OK ||
        (st = rs__mpi_allreduce(job, &weighted, 1, MPI_INT, MPI_LOR, "the weight columns")) != RS_OK)
        goto out;
    for (size_t b = 0; b < B * B; b++)
        full[b] = (size_t)sizes[b];
    {
        /* The layout takes parallel columns and sorts them in place. */
        size_t cap = n_mine ? n_mine : 1;
        rs__rating_columns cols;
        memset(&cols, 0, sizeof cols);
        cols.user = rs__alloc(a, cap, sizeof *cols.user);
        cols.item = rs__alloc(a, cap, sizeof *cols.item);
        cols.rating = rs__alloc(a, cap, sizeof *cols.rating);
        cols.weight = weighted ? rs__alloc(a, cap, sizeof *cols.weight) : NULL;
        cols.n = n_mine;
        cols.acap[0] = cols.acap[1] = cols.acap[2] = cap;
        cols.acap[3] = weighted ? cap : 0;
        st = cols.user && cols.item && cols.rating && (!weighted || cols.weight) ? RS_OK
                                                                                : RS_ERR_NOMEM;
        if (st == RS_OK) {
            for (size_t j = 0; j < n_mine; j++) {
                cols.user[j] = mine[j].u;
                cols.item[j] = mine[j].i;
                cols.rating[j] = mine[j].r;
                if (cols.weight)
                    cols.weight[j] = mine[j].w;
            }
            rs__free(a, mine, n_mine ? n_mine : 1, sizeof *mine);
            mine = NULL;
            st = rs__fitdata_adopt_share(&fr->fd, &cols, fr->w.n_users, fr->w.n_items, B,
                                         (uint64_t)fr->p->seed, full, a);
        }
        rs__rating_columns_free(&cols, a); /* nothing left after a successful adopt */
    }
    if ((st = rs__mpi_agree(job, st, NOMEM("laying out the blocks"))) != RS_OK)
        goto out;
    rs__rating_summary_finish(&sum, &fr->fd);
    job->ratings = (int64_t)fr->fd.n;

    /* Ids without a rating anywhere get zero id parameters, as in rs_fit. */
    size_t nu = fr->w.n_users, ni = fr->w.n_items;
    rated = rs__calloc(a, nu + ni ? nu + ni : 1, 1);
    st = rated ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, NOMEM("flagging rated ids"))) != RS_OK)
        goto out;
    for (size_t j = 0; j < fr->fd.n; j++) {
        rated[fr->fd.u[j]] = 1;
        rated[nu + (size_t)fr->fd.i[j]] = 1;
    }
    for (size_t off = 0; off < nu + ni && st == RS_OK; off += (size_t)1 << 30) {
        size_t len = nu + ni - off < ((size_t)1 << 30) ? nu + ni - off : (size_t)1 << 30;
        st = rs__mpi_allreduce(job, rated + off, (int)len, MPI_BYTE, MPI_BOR, "the rated ids");
    }
    if (st != RS_OK)
        goto out;
    rs__weights_zero_unrated(&fr->w, rated, rated + nu);
    fr->w.global_mean = (float)fr->fd.mean;
    fr->w.rating_min = fr->fd.rmin;
    fr->w.rating_max = fr->fd.rmax;

    /* Validation ratings of this rank's users, with their position in the
     * ranks' validation sets in rank order (validation sums in that order). */
    int have_valid = 0;
    if ((st = flag_alike(d, valid != NULL, "the validation sets",
                         "no validation set while other ranks have one (pass one on every rank, "
                         "empty where a rank has none, or none anywhere)", &have_valid)) != RS_OK)
        goto out;
    fr->have_best = have_valid;
    if (have_valid) {
        vu2g = rs__alloc(a, valid->users.count ? valid->users.count : 1, sizeof *vu2g);
        vi2g = rs__alloc(a, valid->items.count ? valid->items.count : 1, sizeof *vi2g);
        st = vu2g && vi2g ? RS_OK : RS_ERR_NOMEM;
        if (st == RS_OK) {
            for (size_t k = 0; k < valid->users.count; k++)
                vu2g[k] = rs__idmap_find(&fr->users, valid->users.ids[k]);
            for (size_t k = 0; k < valid->items.count; k++)
                vi2g[k] = rs__idmap_find(&fr->items, valid->items.ids[k]);
            if (!(recs = share_records(valid, vu2g, vi2g, &n_recs, &recs_cap, a)))
                st = RS_ERR_NOMEM;
        }
        uint64_t first = 0, total = n_recs;
        uint64_t *pos = NULL;
        if ((st = rs__mpi_agree(job, st, NOMEM("mapping the validation ratings"))) != RS_OK ||
            (st = rs__mpi_exscan_u64(job, n_recs, &first, "the validation counts")) != RS_OK ||
            (st = rs__mpi_allreduce(job, &total, 1, MPI_UINT64_T, MPI_SUM, "the validation counts")) != RS_OK)
            goto out;
        pos = rs__alloc(a, n_recs ? n_recs : 1, sizeof *pos);
        st = pos ? RS_OK : RS_ERR_NOMEM;
        if (pos)
            for (size_t j = 0; j < n_recs; j++)
                pos[j] = first + j;
        if ((st = rs__mpi_agree(job, st, NOMEM("mapping the validation ratings"))) == RS_OK)
            st = route(d, recs, pos, n_recs, &mine, &d->vpos, &n_mine);
        rs__free(a, pos, n_recs ? n_recs : 1, sizeof *pos);
        rs__free(a, recs, recs_cap, sizeof *recs);
        recs = NULL;
        if (st != RS_OK)
            goto out;
        d->vn_total = total;
        d->vn = n_mine;
        size_t vc = n_mine ? n_mine : 1;
        d->vu = rs__alloc(a, vc, sizeof *d->vu);
        d->vi = rs__alloc(a, vc, sizeof *d->vi);
        d->vr = rs__alloc(a, vc, sizeof *d->vr);
        d->vw = rs__alloc(a, vc, sizeof *d->vw);
        st = d->vu && d->vi && d->vr && d->vw ? RS_OK : RS_ERR_NOMEM;
        for (size_t j = 0; st == RS_OK && j < n_mine; j++) {
            d->vu[j] = mine[j].u;
            d->vi[j] = mine[j].i;
            d->vr[j] = mine[j].r;
            d->vw[j] = mine[j].w;
        }
        rs__free(a, mine, n_mine ? n_mine : 1, sizeof *mine);
        mine = NULL;
        if ((st = rs__mpi_agree(job, st, NOMEM("keeping the validation ratings"))) != RS_OK)
            goto out;
    }
out:
    rs__free(a, u2g, train->users.count ? train->users.count : 1, sizeof *u2g);
    rs__free(a, i2g, train->items.count ? train->items.count : 1, sizeof *i2g);
    if (valid) {
        rs__free(a, vu2g, valid->users.count ? valid->users.count : 1, sizeof *vu2g);
        rs__free(a, vi2g, valid->items.count ? valid->items.count : 1, sizeof *vi2g);
    }
    rs__free(a, recs, recs_cap, sizeof *recs);
    rs__free(a, mine, n_mine ? n_mine : 1, sizeof *mine);
    rs__free(a, sizes, B * B, sizeof *sizes);
    rs__free(a, full, B * B, sizeof *full);
    rs__free(a, rated, fr->w.n_users + fr->w.n_items ? fr->w.n_users + fr->w.n_items : 1, 1);
    return st;
}

void rs__dist_free(rs__dist *d)
{
    const rs__allocator *a = &d->fr->m->alloc;
    size_t nu = d->fr->w.n_users, ni = d->fr->w.n_items, B = d->B;
    rs__free(a, d->ub, nu ? nu : 1, sizeof *d->ub);
    rs__free(a, d->ib, ni ? ni : 1, sizeof *d->ib);
    if (d->user_off)
        rs__free(a, d->user_off, B + 1, sizeof *d->user_off);
    if (d->item_off)
        rs__free(a, d->item_off, B + 1, sizeof *d->item_off);
    rs__free(a, d->user_list, nu ? nu : 1, sizeof *d->user_list);
    rs__free(a, d->item_list, ni ? ni : 1, sizeof *d->item_list);
    size_t slots = d->n_own ? d->n_own : 1;
    rs__free(a, d->sendbuf, slots * (d->slot_floats ? d->slot_floats : 1), sizeof(float));
    rs__free(a, d->recvbuf, slots * (d->slot_floats ? d->slot_floats : 1), sizeof(float));
    rs__free(a, d->sreq, slots, sizeof *d->sreq);
    rs__free(a, d->rreq, slots, sizeof *d->rreq);
    rs__free(a, d->rband, slots, sizeof *d->rband);
    rs__free(a, d->done, slots, 1);
    rs__free(a, d->sub.order, 3 * slots, sizeof *d->sub.order);
    rs__free(a, d->sub.block_stats, slots, sizeof *d->sub.block_stats);
    rs__free(a, d->sub.state, slots, 1);
    rs__free(a, d->sub_pos, slots, sizeof *d->sub_pos);
    rs__free(a, d->shared_old, d->shared_floats ? d->shared_floats : 1, sizeof(float));
    rs__free(a, d->shared_all, d->shared_all_n, sizeof(float));
    size_t vc = d->vn ? d->vn : 1;
    rs__free(a, d->vu, vc, sizeof *d->vu);
    rs__free(a, d->vi, vc, sizeof *d->vi);
    rs__free(a, d->vr, vc, sizeof *d->vr);
    rs__free(a, d->vw, vc, sizeof *d->vw);
    rs__free(a, d->vpos, vc, sizeof *d->vpos);
    rs__free(a, d->stat_d, 5 * B * B, sizeof *d->stat_d);
    rs__free(a, d->stat_u, 4 * B * B, sizeof *d->stat_u);
}
