/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * valid.c: the validation RMSE of a distributed run, with the bits of
 * rs_fit's. Validation needs every item row: the home bands are shared with
 * every rank first. Each rank scores its users' validation ratings; rank 0
 * puts the terms back into the order of the ranks' validation sets and sums
 * them in that order, as rs_fit's loop does. The bias-only baseline every
 * fit is held to (lib/optim/baseline.c) is computed on the same ratings,
 * its sums reduced over the ranks. */
#include <math.h>
#include <string.h>

#include "dist.h"

typedef struct vterm {
    uint64_t pos;
    double se, w;
} vterm;

double rs__dist_valid_rmse(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    if (d->vn_total == 0 || d->fail)
        return NAN;
    rs_status st = rs__dist_share_items(d);
    vterm *mine = NULL, *all = NULL;
    int *count = NULL, *disp = NULL;
    double res = NAN;
    if (st != RS_OK)
        goto out;
    mine = rs__alloc(a, d->vn ? d->vn : 1, sizeof *mine);
    count = rs__alloc(a, 2 * d->P, sizeof *count);
    if (job->rank == 0)
        all = rs__alloc(a, d->vn_total, sizeof *all);
    st = mine && count && (job->rank != 0 || all) && d->vn_total <= (uint64_t)INT32_MAX
             ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, "out of memory while validating")) != RS_OK)
        goto out;
    disp = count + d->P;
    const rs__fitdata *fd = &fr->fd;
    for (size_t j = 0; j < d->vn; j++) {
        float y = fr->m->ops->predict(&fr->w, d->vu[j], d->vi[j]);
        if (fr->p->clamp)
            y = y < fd->rmin ? fd->rmin : (y > fd->rmax ? fd->rmax : y);
        double e = (double)d->vr[j] - y;
        mine[j].pos = d->vpos[j];
        mine[j].se = d->vw[j] * e * e;
        mine[j].w = d->vw[j];
    }
    int n = (int)d->vn;
    MPI_Request req;
    st = rs__mpi_check(job, MPI_Igather(&n, 1, MPI_INT, count, 1, MPI_INT, 0, job->comm, &req),
                       "MPI_Igather");
    if (st != RS_OK || (st = rs__mpi_wait(job, 1, &req, "the validation counts")) != RS_OK)
        goto out;
    MPI_Datatype rec;
    MPI_Type_contiguous((int)sizeof(vterm), MPI_BYTE, &rec);
    MPI_Type_commit(&rec);
    vterm *recv = NULL;
    if (job->rank == 0) {
        int acc = 0;
        for (size_t r = 0; r < d->P; r++) {
            disp[r] = acc;
            acc += count[r];
        }
        /* Received into the second half of nothing: terms land by rank,
         * then move to their positions. */
        recv = rs__alloc(a, d->vn_total, sizeof *recv);
    }
    int ok = job->rank != 0 || recv;
    if ((st = rs__mpi_agree(job, ok ? RS_OK : RS_ERR_NOMEM, "out of memory while validating")) != RS_OK) {
        MPI_Type_free(&rec);
        rs__free(a, recv, d->vn_total, sizeof *recv);
        goto out;
    }
    st = rs__mpi_check(job, MPI_Igatherv(mine, n, rec, recv, count, disp, rec, 0, job->comm, &req),
                       "MPI_Igatherv");
    if (st == RS_OK)
        st = rs__mpi_wait(job, 1, &req, "the validation terms");
    MPI_Type_free(&rec);
    double se = 0.0, sw = 0.0;
    if (st == RS_OK && job->rank == 0) {
        for (uint64_t j = 0; j < d->vn_total; j++)
            all[recv[j].pos] = recv[j];
        for (uint64_t j = 0; j < d->vn_total; j++) {
            se += all[j].se;
            sw += all[j].w;
        }
        res = sqrt(se / sw);
    }
    rs__free(a, recv, d->vn_total, sizeof *recv);
    if (st == RS_OK)
        st = rs__mpi_bcast(job, &res, sizeof res, 0, "the validation RMSE");
out:
    if (st != RS_OK && d->fail == RS_OK)
        d->fail = st;
    rs__free(a, mine, d->vn ? d->vn : 1, sizeof *mine);
    rs__free(a, count, 2 * d->P, sizeof *count);
    rs__free(a, all, d->vn_total ? d->vn_total : 1, sizeof *all);
    return st == RS_OK ? res : NAN;
}

/* rs__baseline_io's reduce: agree on st, then sum v over the ranks. */
static rs_status baseline_reduce(void *ud, double *v, size_t n, rs_status st)
{
    rs__dist *d = ud;
    const size_t piece = (size_t)1 << 28;
    st = rs__mpi_agree(d->job, st, "out of memory while computing the bias-only baseline");
    for (size_t off = 0; st == RS_OK && off < n; off += piece) {
        size_t len = n - off < piece ? n - off : piece;
        st = rs__mpi_allreduce(d->job, v + off, (int)len, MPI_DOUBLE, MPI_SUM,
                               "the bias-only baseline's sums");
    }
    return st;
}

rs__baseline_io rs__dist_baseline_io(rs__dist *d)
{
    const rs__fitdata *fd = &d->fr->fd;
    if (d->fr->have_best)
        return (rs__baseline_io){baseline_reduce, d, d->vu, d->vi, d->vr, d->vw, d->vn, 1};
    return (rs__baseline_io){baseline_reduce, d, fd->u, fd->i, fd->r, fd->wt, fd->n, 0};
}
