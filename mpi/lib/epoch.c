/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * epoch.c: one epoch across the ranks, and the hooks that put it into the
 * core's epoch loop (rs__run_epochs).
 *
 * The core draws the epoch's block order: the B diagonals in a random order;
 * on diagonal r the block of user band b is (b, (b + off_r) mod B). Blocks of
 * one diagonal share no row, and block (b, c) needs only the rows of user
 * band b (always on b's owner) and of item band c as the previous block of
 * item band c left them. So the ranks run the diagonals in turn, each
 * training its own bands' blocks, and between two diagonals every item band
 * moves (with its optimizer state) from the rank that trained it to the
 * owner of its next block: point-to-point, sent as soon as its block is
 * done, received while the rank trains its other blocks. Each block sees
 * exactly the rows it would see in rs_fit's sequential order, so the
 * parameters are the same bits; each block's statistics are summed into
 * its own position, so the epoch's statistics are too. Item bands start and
 * end every epoch at home (band c on rank c mod ranks), which is where
 * rollback, validation, checkpoints and the final gather expect them.
 *
 * Content and hybrid models also update feature rows that every rating
 * shares. The core trains them deferred (lib/optim/deferred.h): frozen
 * during a diagonal, every block adding their gradients to its own set of
 * sums; after every diagonal the ranks add up their sets (each cell was
 * written on one rank only, so the sum is exact) and every rank applies
 * them as rs_fit does, so the model is rs_fit's on any number of ranks.
 * Where the sums cannot be per block (more than their memory budget), the
 * rows step per rating and the ranks exchange their changes after each
 * block round, every rank applying the sum of the changes in rank order
 * (every rank gets the same bits). */
#include <string.h>

#include "dist.h"
#include "io/format.h"

/* Item band c's holder while the placement offset is off. */
static int holder(const rs__dist *d, size_t c, size_t off)
{
    return rs__dist_owner(d, (c + d->B - off) % d->B);
}

static size_t diag_offset(const rs__epoch_plan *plan, size_t B, size_t r)
{
    size_t blk = plan->order[r * B];
    return (blk % B + B - blk / B) % B;
}

/* 1 when every diagonal's positions are one diagonal (what schedule.c draws). */
static int order_is_diagonal(const rs__epoch_plan *plan, size_t B)
{
    for (size_t r = 0; r < B; r++) {
        size_t off = diag_offset(plan, B, r);
        for (size_t k = r * B; k < r * B + B; k++)
            if ((plan->order[k] % B + B - plan->order[k] / B) % B != off)
                return 0;
    }
    return 1;
}

static void pack_band(rs__dist *d, size_t c, float *dst)
{
    for (size_t k = d->item_off[c]; k < d->item_off[c + 1]; k++, dst += d->item_floats)
        rs__dist_pack_row(d->fr, &d->fr->w, RS_SIDE_ITEM, (size_t)d->item_list[k], 1, dst);
}

static void unpack_band(rs__dist *d, size_t c, const float *src)
{
    for (size_t k = d->item_off[c]; k < d->item_off[c + 1]; k++, src += d->item_floats)
        rs__dist_unpack_row(d->fr, &d->fr->w, RS_SIDE_ITEM, (size_t)d->item_list[k], 1, src);
}

static int band_count(const rs__dist *d, size_t c)
{
    return (int)((d->item_off[c + 1] - d->item_off[c]) * d->item_floats);
}

static void fail(rs__dist *d, rs_status st)
{
    if (d->fail == RS_OK)
        d->fail = st;
}

/* Send band c (just trained in slot s) to its next holder. */
static void send_band(rs__dist *d, size_t s, size_t c, int dst)
{
    rs_mpi_job *job = d->job;
    if (d->fail)
        return;
    rs_status st = rs__mpi_wait(job, 1, &d->sreq[s], "an item band to leave");
    if (st != RS_OK) {
        fail(d, st);
        return;
    }
    float *buf = d->sendbuf + s * d->slot_floats;
    pack_band(d, c, buf);
    st = rs__mpi_check(job, MPI_Isend(buf, band_count(d, c), MPI_FLOAT, dst, 1000 + (int)c,
                                      job->comm, &d->sreq[s]), "MPI_Isend");
    job->bytes_sent += (double)band_count(d, c) * sizeof(float);
    fail(d, st);
}

static void post_recv(rs__dist *d, size_t s, size_t c, int src)
{
    rs_mpi_job *job = d->job;
    if (d->fail)
        return;
    float *buf = d->recvbuf + s * d->slot_floats;
    rs_status st = rs__mpi_check(job, MPI_Irecv(buf, band_count(d, c), MPI_FLOAT, src,
                                                1000 + (int)c, job->comm, &d->rreq[s]),
                                 "MPI_Irecv");
    d->rband[s] = (int32_t)c;
    fail(d, st);
}

/* ---- shared feature rows (content, hybrid) ---- */

/* Walk every shared row: pack (dir 0) or unpack (dir 1) parameters and
 * optimizer state; mult receives 1 for values merged by products (Adam's
 * powers) when not NULL. */
static size_t shared_walk(rs__fit_run *fr, float *buf, int dir, unsigned char *mult)
{
    size_t n = 0;
    rs__optstate *o = &fr->opt;
    int32_t pol = (int32_t)fr->p->lr_policy;
    for (size_t b = 0; b < fr->w.n_blocks; b++) {
        rs__block *blk = &fr->w.blocks[b];
        if (rs__block_side(blk) != -1)
            continue;
        for (size_t row = 0; row < blk->rows; row++) {
            size_t c = blk->cols, at = row * blk->stride;
            float *parts[5] = {blk->data + at, NULL, NULL, NULL, NULL};
            size_t lens[5] = {c, 0, 0, 0, 0};
            if (pol == RS_LR_ADAGRAD)
                parts[1] = o->acc[b] + row, lens[1] = 1;
            if (pol == RS_LR_ADAM) {
                parts[1] = o->acc[b] + at, lens[1] = c;
                parts[2] = o->acc2[b] + at, lens[2] = c;
                parts[3] = o->pow1[b] + row, lens[3] = 1;
                parts[4] = o->pow2[b] + row, lens[4] = 1;
            }
            for (int k = 0; k < 5; k++) {
                if (!lens[k])
                    continue;
                if (buf && dir == 0)
                    memcpy(buf + n, parts[k], lens[k] * sizeof(float));
                else if (buf)
                    memcpy(parts[k], buf + n, lens[k] * sizeof(float));
                if (mult)
                    memset(mult + n, k >= 3, lens[k]);
                n += lens[k];
            }
        }
    }
    return n;
}

/* After a diagonal: every rank's change to the shared rows, summed in rank
 * order onto the rows as they were before it. */
static void merge_shared(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    size_t S = d->shared_floats;
    if (!S || d->fail)
        return;
    float *mine = d->shared_all + (size_t)job->rank * S, *old = d->shared_old;
    shared_walk(d->fr, mine, 0, NULL);
    const unsigned char *mult = (const unsigned char *)(d->shared_all + d->P * S);
    for (size_t j = 0; j < S; j++)
        mine[j] = mult[j] ? (old[j] > 0.0f ? mine[j] / old[j] : 0.0f) : mine[j] - old[j];
    MPI_Request req;
    rs_status st = rs__mpi_check(job, MPI_Iallgather(MPI_IN_PLACE, 0, MPI_FLOAT, d->shared_all,
                                                     (int)S, MPI_FLOAT, job->comm, &req),
                                 "MPI_Iallgather");
    if (st == RS_OK)
        st = rs__mpi_wait(job, 1, &req, "the other ranks' feature rows");
    if (st != RS_OK) {
        fail(d, st);
        return;
    }
    job->bytes_sent += (double)S * sizeof(float) * (double)(d->P - 1);
    for (size_t j = 0; j < S; j++) {
        float v = old[j];
        for (size_t r = 0; r < d->P; r++)
            v = mult[j] ? v * d->shared_all[r * S + j] : v + d->shared_all[r * S + j];
        old[j] = v;
    }
    shared_walk(d->fr, old, 1, NULL);
}

rs_status rs__dist_check_shared(rs__dist *d)
{
    size_t S = d->shared_floats;
    if (!S)
        return RS_OK;
    shared_walk(d->fr, d->shared_old, 0, NULL); /* no merge follows: scratch */
    uint64_t h[2];
    h[0] = h[1] = rs__crc32c(0, d->shared_old, S * sizeof(float));
    rs_status st;
    if ((st = rs__mpi_allreduce(d->job, &h[0], 1, MPI_UINT64_T, MPI_MIN, "the feature rows' "
                                "checksums")) != RS_OK ||
        (st = rs__mpi_allreduce(d->job, &h[1], 1, MPI_UINT64_T, MPI_MAX, "the feature rows' "
                                "checksums")) != RS_OK)
        return st;
    if (h[0] != h[1])
        return rs__err(&d->job->err, RS_ERR_STATE, "internal error: the shared feature rows differ "
                       "between the ranks after training");
    return RS_OK;
}

/* After diagonal r of a run with deferred feature rows: every rank's sets
 * of sums added up (each cell written on one rank: exact), then the
 * core's merge point on every rank, its statistics in the plan's slot for
 * the diagonal as rs_fit keeps them. */
static void merge_deferred(rs__dist *d, rs__epoch_plan *plan, size_t r)
{
    rs__fit_run *fr = d->fr;
    rs__deferred *df = &fr->defer;
    rs_mpi_job *job = d->job;
    if (d->fail)
        return;
    if (d->P > 1) {
        MPI_Request req[3 * RS__MAX_BLOCKS];
        int nreq = 0;
        rs_status st = RS_OK;
        for (size_t b = 0; b < fr->w.n_blocks && st == RS_OK; b++) {
            if (!(df->mask >> b & 1u))
                continue;
            size_t cells = df->slots * df->rows[b];
            st = rs__mpi_check(job, MPI_Iallreduce(MPI_IN_PLACE, df->sum[b],
                                                   (int)(cells * fr->w.blocks[b].stride), MPI_FLOAT,
                                                   MPI_SUM, job->comm, &req[nreq++]),
                               "MPI_Iallreduce");
            if (st == RS_OK)
                st = rs__mpi_check(job, MPI_Iallreduce(MPI_IN_PLACE, df->curv[b], (int)cells,
                                                       MPI_FLOAT, MPI_SUM, job->comm, &req[nreq++]),
                                   "MPI_Iallreduce");
            if (st == RS_OK)
                st = rs__mpi_check(job, MPI_Iallreduce(MPI_IN_PLACE, df->count[b], (int)cells,
                                                       MPI_UINT64_T, MPI_SUM, job->comm,
                                                       &req[nreq++]),
                                   "MPI_Iallreduce");
            job->bytes_sent += (double)cells * (fr->w.blocks[b].stride + 3) * sizeof(float);
        }
        if (st == RS_OK)
            st = rs__mpi_wait(job, nreq, req, "the other ranks' feature-row sums");
        if (st != RS_OK) {
            fail(d, st);
            return;
        }
    }
    rs__train_ctx *c = &fr->ctx[0];
    memset(&c->st, 0, sizeof c->st);
    rs__deferred_apply(c);
    plan->merge_stats[r] = c->st;
}

/* ---- the epoch ---- */

/* The position in the order of slot s's block on diagonal r. */
static size_t slot_position(const rs__dist *d, const rs__epoch_plan *plan, size_t r, size_t s)
{
    size_t B = d->B, b = (size_t)d->job->rank + s * d->P, k = r * B;
    while (plan->order[k] / B != b)
        k++;
    return k;
}

/* After slot s's block of diagonal r: send its band on to the band's next
 * holder, and expect the band of the next diagonal. */
static void pass_on(rs__dist *d, size_t s, size_t off, size_t next)
{
    size_t B = d->B, me = (size_t)d->job->rank, b = me + s * d->P, c = (b + off) % B;
    int dst = holder(d, c, next);
    if ((size_t)dst != me)
        send_band(d, s, c, dst);
    size_t c2 = (b + next) % B;
    int src = holder(d, c2, off);
    if ((size_t)src != me)
        post_recv(d, s, c2, src);
    /* Move the messages in flight along. */
    rs__mpi_poll(d->job, (int)d->n_own, d->sreq);
}

/* Slot s's block of diagonal r (its item band is here), then pass it on. */
static void train_slot(rs__dist *d, rs__epoch_plan *plan, size_t r, size_t s, size_t off,
                       size_t next)
{
    size_t k = slot_position(d, plan, r, s);
    double c0 = rs__mpi_cpu_now();
    rs__plan_train_block(plan, 0, k);
    d->job->compute_seconds += rs__mpi_cpu_now() - c0;
    if (d->fr->ctx[0].diverged)
        d->stat_u[4 * k + 3] = 1;
    pass_on(d, s, off, next);
}

/* Threads: the rank's blocks of diagonal r at once on the fit's pool (they
 * share no row), each with its own stream and statistics as always. */
static void train_slots_pooled(rs__dist *d, rs__epoch_plan *plan, rs__pool *pool, size_t r)
{
    rs__epoch_plan *sub = &d->sub;
    for (size_t s = 0; s < d->n_own; s++) {
        d->sub_pos[s] = slot_position(d, plan, r, s);
        sub->order[s] = plan->order[d->sub_pos[s]];
        sub->after_row[s] = sub->after_col[s] = SIZE_MAX;
    }
    sub->seed = plan->seed;
    sub->serial = plan->serial;
    double c0 = rs__mpi_cpu_now();
    rs__pool_run_epoch(pool, sub);
    d->job->compute_seconds += rs__mpi_cpu_now() - c0;
    for (size_t s = 0; s < d->n_own; s++) {
        plan->block_stats[d->sub_pos[s]] = sub->block_stats[s];
        if (sub->diverged)
            d->stat_u[4 * d->sub_pos[s] + 3] = 1;
    }
}

static void run_epoch(void *ud, rs__fit_run *fr, rs__pool *pool, rs__epoch_plan *plan)
{
    rs__dist *d = ud;
    rs_mpi_job *job = d->job;
    size_t B = d->B, nb = B * B, me = (size_t)job->rank;
    double t0 = rs__mpi_now();
    job->counting = 1;
    memset(plan->block_stats, 0, nb * sizeof *plan->block_stats);
    memset(d->stat_u, 0, 4 * nb * sizeof *d->stat_u);
    plan->diverged = 0;
    if (!order_is_diagonal(plan, B))
        fail(d, rs__err(&job->err, RS_ERR_STATE, "rank %d: the epoch's block order is not a "
                        "sequence of diagonals", job->rank));
    if (d->shared_floats)
        shared_walk(fr, d->shared_old, 0, NULL);
    if (fr->defer.mask) { /* the epoch's first merge point, as rs_fit has it */
        memset(plan->merge_stats, 0, B * sizeof *plan->merge_stats);
        rs__deferred_begin(&fr->defer, &fr->w);
    }
    for (size_t s = 0; s < d->n_own; s++) {
        d->sreq[s] = d->rreq[s] = MPI_REQUEST_NULL;
        d->rband[s] = -1;
    }
    /* Home to the first diagonal. */
    size_t off = diag_offset(plan, B, 0);
    for (size_t s = 0; s < d->n_own; s++) {
        size_t c = me + s * d->P; /* home band of slot s */
        int dst = holder(d, c, off);
        if ((size_t)dst != me)
            send_band(d, s, c, dst);
        size_t need = (me + s * d->P + off) % B;
        int src = holder(d, need, 0);
        if ((size_t)src != me)
            post_recv(d, s, need, src);
    }
    unsigned char *done = d->done;
    size_t rounds = (B + d->P - 1) / d->P; /* blocks per diagonal on the busiest rank */
    for (size_t r = 0; r < B && !d->fail; r++) {
        off = diag_offset(plan, B, r);
        size_t next = r + 1 < B ? diag_offset(plan, B, r + 1) : 0;
        if (pool && !d->shared_floats) {
            /* Threads: every band of the diagonal in, the blocks on the
             * pool, every band out (no overlap, T times the compute). */
            for (size_t s = 0; s < d->n_own && !d->fail; s++) {
                if (d->rband[s] < 0)
                    continue;
                fail(d, rs__mpi_wait(job, 1, &d->rreq[s], "an item band from another rank"));
                if (!d->fail)
                    unpack_band(d, (me + s * d->P + off) % B, d->recvbuf + s * d->slot_floats);
                d->rband[s] = -1;
            }
            if (d->fail)
                break;
            train_slots_pooled(d, plan, pool, r);
            for (size_t s = 0; s < d->n_own; s++)
                pass_on(d, s, off, next);
            if (fr->defer.mask)
                merge_deferred(d, plan, r);
            continue;
        }
        if (d->shared_floats) {
            /* Shared rows: the ranks train their s-th blocks side by side
             * and merge after each, so the shared rows never drift apart
             * by more than one block per rank. */
            for (size_t s = 0; s < rounds && !d->fail; s++) {
                if (s < d->n_own && d->rband[s] >= 0) {
                    fail(d, rs__mpi_wait(job, 1, &d->rreq[s], "an item band from another rank"));
                    if (d->fail)
                        break;
                    unpack_band(d, (me + s * d->P + off) % B, d->recvbuf + s * d->slot_floats);
                    d->rband[s] = -1;
                }
                if (s < d->n_own)
                    train_slot(d, plan, r, s, off, next);
                merge_shared(d);
            }
            continue;
        }
        size_t pending = d->n_own;
        memset(done, 0, d->n_own);
        while (pending && !d->fail) {
            int progressed = 0;
            for (size_t s = 0; s < d->n_own && !d->fail; s++) {
                if (done[s])
                    continue;
                size_t c = (me + s * d->P + off) % B;
                if (d->rband[s] >= 0) {
                    int flag = 0;
                    if (MPI_Test(&d->rreq[s], &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
                        fail(d, rs__mpi_check(job, MPI_ERR_OTHER, "MPI_Test"));
                        break;
                    }
                    if (!flag)
                        continue;
                    unpack_band(d, c, d->recvbuf + s * d->slot_floats);
                    d->rband[s] = -1;
                }
                train_slot(d, plan, r, s, off, next);
                done[s] = 1;
                pending--;
                progressed = 1;
            }
            if (!progressed && pending && !d->fail)
                fail(d, rs__mpi_wait_any(job, (int)d->n_own, d->rreq, "an item band from another rank"));
        }
        if (fr->defer.mask)
            merge_deferred(d, plan, r);
    }
    /* Back home. */
    for (size_t s = 0; s < d->n_own && !d->fail; s++) {
        if (d->rband[s] < 0)
            continue;
        rs_status st = rs__mpi_wait(job, 1, &d->rreq[s], "an item band coming home");
        if (st != RS_OK) {
            fail(d, st);
            break;
        }
        unpack_band(d, (size_t)d->rband[s], d->recvbuf + s * d->slot_floats);
        d->rband[s] = -1;
    }
    if (!d->fail)
        fail(d, rs__mpi_wait(job, (int)d->n_own, d->sreq, "the item bands to leave"));
    plan->serial++;

    /* Statistics: every position is trained on one rank and zero elsewhere,
     * so the sums are exact and equal to that rank's values. */
    for (size_t k = 0; k < nb; k++) {
        const rs__train_stats *t = &plan->block_stats[k];
        double *sd = d->stat_d + 5 * k;
        uint64_t *su = d->stat_u + 4 * k;
        sd[0] = t->sq_err, sd[1] = t->sum_w, sd[2] = t->gnorm_sum, sd[3] = t->gnorm_max;
        sd[4] = t->fnorm_sum;
        su[0] = t->n_updates, su[1] = t->n_rows, su[2] = t->n_clipped;
    }
    if (!d->fail) {
        rs_status st = rs__mpi_allreduce(job, d->stat_d, (int)(5 * nb), MPI_DOUBLE, MPI_SUM,
                                         "the epoch's statistics");
        if (st == RS_OK)
            st = rs__mpi_allreduce(job, d->stat_u, (int)(4 * nb), MPI_UINT64_T, MPI_SUM,
                                   "the epoch's statistics");
        fail(d, st);
    }
    int diverged = d->fail != RS_OK;
    for (size_t k = 0; k < nb; k++) {
        rs__train_stats *t = &plan->block_stats[k];
        const double *sd = d->stat_d + 5 * k;
        const uint64_t *su = d->stat_u + 4 * k;
        t->sq_err = sd[0], t->sum_w = sd[1], t->gnorm_sum = sd[2], t->gnorm_max = sd[3];
        t->fnorm_sum = sd[4];
        t->n_updates = su[0], t->n_rows = su[1], t->n_clipped = su[2];
        diverged |= su[3] != 0;
    }
    plan->diverged = diverged;
    job->train_seconds += rs__mpi_now() - t0;
    job->counting = 0;
}

static int all_finite(void *ud, rs__fit_run *fr)
{
    rs__dist *d = ud;
    int ok = rs__weights_all_finite(&fr->w);
    if (!d->fail)
        fail(d, rs__mpi_allreduce(d->job, &ok, 1, MPI_INT, MPI_LAND, "the other ranks' checks"));
    return ok && !d->fail;
}

static double valid_rmse(void *ud, rs__fit_run *fr)
{
    (void)fr;
    return rs__dist_valid_rmse(ud);
}

static int32_t agree_stop(void *ud, rs__fit_run *fr, int32_t rc)
{
    rs__dist *d = ud;
    (void)fr;
    int32_t v = rc != 0;
    if (!d->fail)
        fail(d, rs__mpi_allreduce(d->job, &v, 1, MPI_INT32_T, MPI_MAX, "the other ranks' progress"));
    return d->fail ? 1 : v;
}

static rs_status epoch_end(void *ud, rs__fit_run *fr)
{
    rs__dist *d = ud;
    int64_t epoch = fr->loop.next_epoch - 1, every = d->job->checkpoint_every;
    if (d->fail)
        return d->fail;
    if (every > 0 && d->job->checkpoint && epoch % every == 0) {
        rs_status st = rs__dist_checkpoint_write(d);
        if (st != RS_OK)
            fail(d, st);
        return st;
    }
    return RS_OK;
}

static const rs__run_hooks dist_hooks = {NULL, run_epoch, all_finite, valid_rmse, agree_stop,
                                         epoch_end};

const rs__run_hooks *rs__dist_hooks(void) { return &dist_hooks; }

rs_status rs__dist_prepare_epochs(rs__dist *d)
{
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    size_t B = d->B, nb = B * B, slots = d->n_own ? d->n_own : 1;
    d->item_floats = rs__dist_row_floats(fr, RS_SIDE_ITEM, 1);
    size_t most = 0;
    for (size_t c = 0; c < B; c++)
        most = d->item_off[c + 1] - d->item_off[c] > most ? d->item_off[c + 1] - d->item_off[c] : most;
    d->slot_floats = most * d->item_floats > 0 ? most * d->item_floats : 1;
    rs_status st = d->slot_floats <= (size_t)INT32_MAX ? RS_OK : RS_ERR_RANGE;
    d->sendbuf = rs__alloc(a, slots * d->slot_floats, sizeof(float));
    d->recvbuf = rs__alloc(a, slots * d->slot_floats, sizeof(float));
    d->sreq = rs__alloc(a, slots, sizeof *d->sreq);
    d->rreq = rs__alloc(a, slots, sizeof *d->rreq);
    d->rband = rs__alloc(a, slots, sizeof *d->rband);
    d->done = rs__alloc(a, slots, 1);
    d->stat_d = rs__alloc(a, 5 * nb, sizeof *d->stat_d);
    d->stat_u = rs__alloc(a, 4 * nb, sizeof *d->stat_u);
    if (!d->sendbuf || !d->recvbuf || !d->sreq || !d->rreq || !d->rband || !d->done || !d->stat_d ||
        !d->stat_u)
        st = RS_ERR_NOMEM;
    for (size_t s = 0; st == RS_OK && s < slots; s++)
        d->sreq[s] = d->rreq[s] = MPI_REQUEST_NULL;
    if (st == RS_OK && fr->threads > 1) {
        /* The pool's plan of one diagonal: this rank's blocks, independent. */
        rs__epoch_plan *sub = &d->sub;
        memset(sub, 0, sizeof *sub);
        sub->fd = &fr->fd;
        sub->ctx = fr->ctx;
        sub->threads = fr->threads;
        sub->n_blocks = d->n_own;
        sub->phases = 1; /* no merge points: one step per block */
        sub->n_pos = d->n_own;
        sub->order = rs__alloc(a, 3 * slots, sizeof *sub->order);
        sub->block_stats = rs__calloc(a, slots, sizeof *sub->block_stats);
        sub->state = rs__calloc(a, slots, 1);
        d->sub_pos = rs__alloc(a, slots, sizeof *d->sub_pos);
        if (!sub->order || !sub->block_stats || !sub->state || !d->sub_pos)
            st = RS_ERR_NOMEM;
        else
            sub->after_row = sub->order + slots, sub->after_col = sub->order + 2 * slots;
    }
    if (st == RS_OK && d->P > 1 && fr->m->ops->shares_rows && !fr->defer.mask) {
        size_t S = shared_walk(fr, NULL, 0, NULL);
        d->shared_floats = S;
        d->shared_old = rs__alloc(a, S ? S : 1, sizeof(float));
        /* P rows of values, then one byte per value: the merge kind */
        size_t extra = (S + sizeof(float) - 1) / sizeof(float);
        d->shared_all_n = (S ? S : 1) * d->P + extra;
        d->shared_all = rs__alloc(a, d->shared_all_n, sizeof(float));
        if (!d->shared_old || !d->shared_all)
            st = RS_ERR_NOMEM;
        else
            shared_walk(fr, NULL, 0, (unsigned char *)(d->shared_all + d->P * S));
        if (S > (size_t)INT32_MAX)
            st = RS_ERR_RANGE;
    }
    return rs__mpi_agree(d->job, st, st == RS_ERR_RANGE ? "an item band or the feature rows too "
                         "large for one message" : "out of memory while preparing the epochs");
}
