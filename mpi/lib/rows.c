/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * rows.c: the rows of one side (users or items) packed for a message - every
 * block of that side, logical columns only, optionally with the optimizer
 * state of the row (AdaGrad: its accumulator; Adam: both moments and both
 * powers) - and the two collective moves built on them: the whole model
 * gathered on rank 0, and every home item band shared with every rank. */
#include <string.h>

#include "dist.h"

static size_t opt_floats(const rs__fit_run *fr, const rs__block *b)
{
    if (fr->p->lr_policy == RS_LR_ADAGRAD)
        return 1;
    if (fr->p->lr_policy == RS_LR_ADAM)
        return 2 * b->cols + 2;
    return 0;
}

size_t rs__dist_row_floats(const rs__fit_run *fr, int32_t side, int with_opt)
{
    size_t n = 0;
    for (size_t b = 0; b < fr->w.n_blocks; b++) {
        const rs__block *blk = &fr->w.blocks[b];
        if (rs__block_side(blk) == side)
            n += blk->cols + (with_opt ? opt_floats(fr, blk) : 0);
    }
    return n;
}

void rs__dist_pack_row(const rs__fit_run *fr, const rs__weights *w, int32_t side, size_t row,
                       int with_opt, float *dst)
{
    const rs__optstate *o = &fr->opt;
    for (size_t b = 0; b < w->n_blocks; b++) {
        const rs__block *blk = &w->blocks[b];
        if (rs__block_side(blk) != side)
            continue;
        size_t c = blk->cols, at = row * blk->stride;
        memcpy(dst, blk->data + at, c * sizeof(float));
        dst += c;
        if (!with_opt)
            continue;
        if (fr->p->lr_policy == RS_LR_ADAGRAD) {
            *dst++ = o->acc[b][row];
        } else if (fr->p->lr_policy == RS_LR_ADAM) {
            memcpy(dst, o->acc[b] + at, c * sizeof(float));
            memcpy(dst + c, o->acc2[b] + at, c * sizeof(float));
            dst[2 * c] = o->pow1[b][row];
            dst[2 * c + 1] = o->pow2[b][row];
            dst += 2 * c + 2;
        }
    }
}

void rs__dist_unpack_row(rs__fit_run *fr, rs__weights *w, int32_t side, size_t row, int with_opt,
                         const float *src)
{
    rs__optstate *o = &fr->opt;
    for (size_t b = 0; b < w->n_blocks; b++) {
        rs__block *blk = &w->blocks[b];
        if (rs__block_side(blk) != side)
            continue;
        size_t c = blk->cols, at = row * blk->stride;
        memcpy(blk->data + at, src, c * sizeof(float));
        src += c;
        if (!with_opt)
            continue;
        if (fr->p->lr_policy == RS_LR_ADAGRAD) {
            o->acc[b][row] = *src++;
        } else if (fr->p->lr_policy == RS_LR_ADAM) {
            memcpy(o->acc[b] + at, src, c * sizeof(float));
            memcpy(o->acc2[b] + at, src + c, c * sizeof(float));
            o->pow1[b][row] = src[2 * c];
            o->pow2[b][row] = src[2 * c + 1];
            src += 2 * c + 2;
        }
    }
}

/* Rows rank r is the source of: the users of its bands, then the items of
 * its home bands. */
static size_t owned_rows(const rs__dist *d, int r, int32_t side)
{
    const size_t *off = side == RS_SIDE_USER ? d->user_off : d->item_off;
    size_t n = 0;
    for (size_t b = (size_t)r; b < d->B; b += d->P)
        n += off[b + 1] - off[b];
    return n;
}

/* Pack (or unpack into rank 0's replica) every row rank r is the source of. */
static size_t move_rows(rs__dist *d, int r, int with_opt, int with_best, float *buf, int unpack)
{
    rs__fit_run *fr = d->fr;
    float *p = buf;
    for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
        const size_t *off = side == RS_SIDE_USER ? d->user_off : d->item_off;
        const int32_t *list = side == RS_SIDE_USER ? d->user_list : d->item_list;
        size_t f = rs__dist_row_floats(fr, side, with_opt), fb = rs__dist_row_floats(fr, side, 0);
        for (size_t b = (size_t)r; b < d->B; b += d->P)
            for (size_t k = off[b]; k < off[b + 1]; k++) {
                size_t row = (size_t)list[k];
                if (unpack)
                    rs__dist_unpack_row(fr, &fr->w, side, row, with_opt, p);
                else if (buf)
                    rs__dist_pack_row(fr, &fr->w, side, row, with_opt, p);
                p += f;
                if (!with_best)
                    continue;
                if (unpack)
                    rs__dist_unpack_row(fr, &fr->best, side, row, 0, p);
                else if (buf)
                    rs__dist_pack_row(fr, &fr->best, side, row, 0, p);
                p += fb;
            }
    }
    return (size_t)(p - buf);
}

rs_status rs__dist_gather(rs__dist *d, int with_opt, int with_best)
{
    rs_mpi_job *job = d->job;
    const rs__allocator *a = &d->fr->m->alloc;
    if (d->P == 1)
        return RS_OK;
    /* The largest message, for one buffer. */
    size_t most = 0;
    for (int r = job->rank == 0 ? 1 : job->rank; r < (job->rank == 0 ? (int)d->P : job->rank + 1); r++) {
        size_t n = 0;
        for (int32_t side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++)
            n += owned_rows(d, r, side) * (rs__dist_row_floats(d->fr, side, with_opt) +
                                           (with_best ? rs__dist_row_floats(d->fr, side, 0) : 0));
        most = n > most ? n : most;
    }
    float *buf = rs__alloc(a, most ? most : 1, sizeof *buf);
    rs_status st = rs__mpi_agree(job, buf ? RS_OK : RS_ERR_NOMEM, "out of memory while gathering "
                                 "the model");
    if (st != RS_OK)
        goto out;
    if (job->rank == 0) {
        for (int r = 1; r < (int)d->P && st == RS_OK; r++) {
            size_t n = move_rows(d, r, with_opt, with_best, NULL, 0);
            st = rs__mpi_recv(job, buf, n * sizeof *buf, r, RS__TAG_GATHER, "the model's rows");
            if (st == RS_OK)
                move_rows(d, r, with_opt, with_best, buf, 1);
        }
    } else {
        size_t n = move_rows(d, job->rank, with_opt, with_best, buf, 0);
        st = rs__mpi_send(job, buf, n * sizeof *buf, 0, RS__TAG_GATHER, "rank 0 to take the model's rows");
    }
out:
    rs__free(a, buf, most ? most : 1, sizeof *buf);
    return st;
}

rs_status rs__dist_share_items(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    if (d->P == 1)
        return RS_OK;
    size_t f = rs__dist_row_floats(fr, RS_SIDE_ITEM, 0), total = fr->w.n_items * f;
    int *count = rs__alloc(a, 2 * d->P, sizeof *count), *disp = count ? count + d->P : NULL;
    float *all = rs__alloc(a, total ? total : 1, sizeof *all);
    rs_status st = count && all && total <= (size_t)INT32_MAX ? RS_OK : RS_ERR_NOMEM;
    if ((st = rs__mpi_agree(job, st, "out of memory while sharing the item rows")) != RS_OK)
        goto out;
    size_t acc = 0;
    for (size_t r = 0; r < d->P; r++) {
        count[r] = (int)(owned_rows(d, (int)r, RS_SIDE_ITEM) * f);
        disp[r] = (int)acc;
        acc += (size_t)count[r];
    }
    float *p = all + disp[job->rank];
    for (size_t c = (size_t)job->rank; c < d->B; c += d->P)
        for (size_t k = d->item_off[c]; k < d->item_off[c + 1]; k++, p += f)
            rs__dist_pack_row(fr, &fr->w, RS_SIDE_ITEM, (size_t)d->item_list[k], 0, p);
    MPI_Request req;
    st = rs__mpi_check(job, MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, all, count, disp, MPI_FLOAT,
                                            job->comm, &req), "MPI_Iallgatherv");
    if (st == RS_OK && (st = rs__mpi_wait(job, 1, &req, "the item rows of every rank")) == RS_OK) {
        for (size_t r = 0; r < d->P; r++) {
            if ((int)r == job->rank)
                continue;
            p = all + disp[r];
            for (size_t c = r; c < d->B; c += d->P)
                for (size_t k = d->item_off[c]; k < d->item_off[c + 1]; k++, p += f)
                    rs__dist_unpack_row(fr, &fr->w, RS_SIDE_ITEM, (size_t)d->item_list[k], 0, p);
        }
    }
out:
    rs__free(a, count, 2 * d->P, sizeof *count);
    rs__free(a, all, total ? total : 1, sizeof *all);
    return st;
}
