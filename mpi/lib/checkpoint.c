/* librecsgd-mpi. SPDX-License-Identifier: BSD-2-Clause
 * checkpoint.c: a resumable picture of a distributed run after an epoch.
 *
 * Rank 0 gathers the whole model (every block, the optimizer state, the
 * best-epoch snapshot), adds the epoch loop's state (rs__loop_state: next
 * epoch, the order stream, the learning-rate scale and halvings, the
 * early-stopping state, the plan's epoch count for the per-block streams)
 * and the statistics rows, and writes it to PATH.tmp, flushed to disk, then
 * renamed over PATH (and the directory synced): a crash leaves either the
 * previous checkpoint or the new one, never half of one. A resumed run reads
 * it on rank 0 and broadcasts it; every rank then holds the complete state
 * and the epochs go on exactly as if the run had not stopped.
 *
 * Layout (host byte order: a checkpoint resumes on the machines that wrote
 * it): "RSMPICK1", then uint64 fields: format 2, ranks, bands, scorer,
 * lr policy, users, items, factors, blocks, with_best, parameter hash, data
 * hash, stats rows, payload floats; the loop state; the statistics; the
 * payload (per block: parameters rows x cols, the optimizer state of the
 * block, the best snapshot); a CRC-32C of all the bytes before it. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* fsync, fileno */
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "io/format.h"

#define MAGIC "RSMPICK1"
enum { N_HEAD = 14 };

typedef struct ck_loop {
    int64_t started, halvings, next_epoch;
    uint64_t plan_serial, since_best;
    uint64_t good_epochs; /* rs__fit_run's: what RS_PARAM_KEEP_PARTIAL can keep */
    double lr_scale, best_train, prev_train, best_valid;
    uint64_t rng[4];
} ck_loop;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * 0x100000001b3ull;
    return h;
}

/* What identifies the run: the parameters, and the data behind the grid. */
static void header(const rs__dist *d, uint64_t *h)
{
    const rs__fit_run *fr = d->fr;
    rs__params p = *fr->p;
    p.epochs_trained = 0;
    uint64_t data = 0xcbf29ce484222325ull;
    data = fnv(data, fr->users.ids, fr->users.count * sizeof *fr->users.ids);
    data = fnv(data, fr->items.ids, fr->items.count * sizeof *fr->items.ids);
    data = fnv(data, &fr->fd.mean, sizeof fr->fd.mean);
    data = fnv(data, &fr->fd.std, sizeof fr->fd.std);
    h[0] = 2; /* format 2: the loop state holds the good epochs */
    h[1] = d->P;
    h[2] = d->B;
    h[3] = (uint64_t)fr->m->scorer_kind;
    h[4] = (uint64_t)fr->p->lr_policy;
    h[5] = fr->w.n_users;
    h[6] = fr->w.n_items;
    h[7] = fr->w.factors;
    h[8] = fr->w.n_blocks;
    h[9] = (uint64_t)fr->have_best;
    h[10] = fnv(0xcbf29ce484222325ull, &p, sizeof p);
    h[11] = data;
}

/* Floats of the payload: every block's parameters, optimizer state and best snapshot. */
static size_t payload_floats(const rs__fit_run *fr, int with_best)
{
    size_t n = 0;
    for (size_t b = 0; b < fr->w.n_blocks; b++) {
        const rs__block *blk = &fr->w.blocks[b];
        size_t cells = blk->rows * blk->cols;
        n += cells * (with_best ? 2 : 1);
        if (fr->p->lr_policy == RS_LR_ADAGRAD)
            n += blk->rows;
        else if (fr->p->lr_policy == RS_LR_ADAM)
            n += 2 * cells + 2 * blk->rows;
    }
    return n;
}

/* Copy between the run and a payload (dir 0: to the payload). */
static void payload_walk(rs__fit_run *fr, float *buf, int dir, int with_best)
{
    rs__optstate *o = &fr->opt;
    for (size_t b = 0; b < fr->w.n_blocks; b++) {
        rs__block *blk = &fr->w.blocks[b];
        size_t c = blk->cols;
        for (int part = 0; part < 6; part++) {
            for (size_t row = 0; row < blk->rows; row++) {
                float *src = NULL;
                size_t len = c, at = row * blk->stride;
                if (part == 0)
                    src = blk->data + at;
                else if (part == 1 && fr->p->lr_policy == RS_LR_ADAGRAD)
                    src = o->acc[b] + row, len = 1;
                else if (part == 1 && fr->p->lr_policy == RS_LR_ADAM)
                    src = o->acc[b] + at;
                else if (part == 2 && fr->p->lr_policy == RS_LR_ADAM)
                    src = o->acc2[b] + at;
                else if (part == 3 && fr->p->lr_policy == RS_LR_ADAM)
                    src = o->pow1[b] + row, len = 1;
                else if (part == 4 && fr->p->lr_policy == RS_LR_ADAM)
                    src = o->pow2[b] + row, len = 1;
                else if (part == 5 && with_best)
                    src = fr->best.blocks[b].data + at;
                if (!src)
                    break;
                if (dir == 0)
                    memcpy(buf, src, len * sizeof(float));
                else
                    memcpy(src, buf, len * sizeof(float));
                buf += len;
            }
        }
    }
}

static void loop_out(const rs__fit_run *fr, ck_loop *c)
{
    const rs__loop_state *ls = &fr->loop;
    memset(c, 0, sizeof *c);
    c->good_epochs = fr->good_epochs;
    c->started = ls->started, c->halvings = ls->halvings, c->next_epoch = ls->next_epoch;
    c->plan_serial = ls->plan_serial, c->since_best = ls->since_best;
    c->lr_scale = ls->lr_scale, c->best_train = ls->best_train, c->prev_train = ls->prev_train;
    c->best_valid = ls->best_valid;
    memcpy(c->rng, ls->order_rng.s, sizeof c->rng);
}

static void loop_in(rs__fit_run *fr, const ck_loop *c)
{
    rs__loop_state *ls = &fr->loop;
    fr->good_epochs = (size_t)c->good_epochs;
    ls->started = (int32_t)c->started, ls->halvings = (int32_t)c->halvings;
    ls->next_epoch = c->next_epoch, ls->plan_serial = c->plan_serial, ls->since_best = c->since_best;
    ls->lr_scale = c->lr_scale, ls->best_train = c->best_train, ls->prev_train = c->prev_train;
    ls->best_valid = c->best_valid;
    memcpy(ls->order_rng.s, c->rng, sizeof c->rng);
}

static int write_all(FILE *f, const void *p, size_t n, uint32_t *crc)
{
    *crc = rs__crc32c(*crc, p, n);
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

/* Rank 0: the file, atomically. */
static rs_status write_file(rs__dist *d, char *msg, size_t cap)
{
    rs__fit_run *fr = d->fr;
    const char *path = d->job->checkpoint;
    const rs__allocator *a = &fr->m->alloc;
    int with_best = fr->have_best;
    size_t nf = payload_floats(fr, with_best);
    float *payload = rs__alloc(a, nf ? nf : 1, sizeof(float));
    size_t plen = strlen(path);
    char *tmp = rs__alloc(a, plen + 5, 1);
    if (!payload || !tmp) {
        rs__free(a, payload, nf ? nf : 1, sizeof(float));
        rs__free(a, tmp, plen + 5, 1);
        snprintf(msg, cap, "out of memory while writing the checkpoint %s", path);
        return RS_ERR_NOMEM;
    }
    payload_walk(fr, payload, 0, with_best);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    uint64_t h[N_HEAD] = {0};
    header(d, h);
    h[12] = fr->n_stats;
    h[13] = nf;
    ck_loop cl;
    loop_out(fr, &cl);
    uint32_t crc = 0;
    rs_status st = RS_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = RS_ERR_IO;
        snprintf(msg, cap, "cannot write the checkpoint %s: %s", tmp, strerror(errno));
    } else {
        int bad = write_all(f, MAGIC, 8, &crc) || write_all(f, h, sizeof h, &crc) ||
                  write_all(f, &cl, sizeof cl, &crc) ||
                  write_all(f, fr->stats, fr->n_stats * RS__NSTATS * sizeof(double), &crc) ||
                  write_all(f, payload, nf * sizeof(float), &crc);
        bad = bad || fwrite(&crc, 1, sizeof crc, f) != sizeof crc;
        bad = bad || fflush(f) != 0 || fsync(fileno(f)) != 0;
        int err = errno;
        bad = (fclose(f) != 0) || bad;
        if (bad) {
            st = RS_ERR_IO;
            snprintf(msg, cap, "cannot write the checkpoint %s: %s", tmp, strerror(err ? err : EIO));
            remove(tmp);
        } else if (rename(tmp, path) != 0) {
            st = RS_ERR_IO;
            snprintf(msg, cap, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
            remove(tmp);
        } else {
            /* The rename itself reaches the disk with the directory. */
            char *dcopy = rs__strdup(a, path);
            if (dcopy) {
                int fd = open(dirname(dcopy), O_RDONLY);
                if (fd >= 0) {
                    fsync(fd);
                    close(fd);
                }
                rs__free(a, dcopy, plen + 1, 1);
            }
        }
    }
    rs__free(a, payload, nf ? nf : 1, sizeof(float));
    rs__free(a, tmp, plen + 5, 1);
    return st;
}

rs_status rs__dist_checkpoint_write(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    int counting = job->counting;
    job->counting = 0;
    rs_status st = rs__dist_gather(d, 1, d->fr->have_best);
    char msg[RS__ERRMSG_CAP] = "";
    if (st == RS_OK) {
        rs_status ws = job->rank == 0 ? write_file(d, msg, sizeof msg) : RS_OK;
        st = rs__mpi_agree(job, ws, msg);
    }
    job->counting = counting;
    return st;
}

/* Rank 0: read and check the file; the bytes after the magic, without the CRC. */
static rs_status read_file(rs__dist *d, unsigned char **out, size_t *len_out, char *msg, size_t cap)
{
    const char *path = d->job->checkpoint;
    const rs__allocator *a = &d->fr->m->alloc;
    *out = NULL;
    *len_out = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, cap, "cannot open the checkpoint %s: %s", path, strerror(errno));
        return RS_ERR_IO;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    rewind(f);
    unsigned char *buf = size > 0 ? rs__alloc(a, (size_t)size, 1) : NULL;
    rs_status st = RS_OK;
    if (size < (long)(8 + sizeof(uint64_t) * N_HEAD + sizeof(ck_loop) + 4)) {
        st = RS_ERR_FORMAT;
        snprintf(msg, cap, "%s is not a librecsgd-mpi checkpoint (too short)", path);
    } else if (!buf) {
        st = RS_ERR_NOMEM;
        snprintf(msg, cap, "out of memory while reading the checkpoint %s", path);
    } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        st = RS_ERR_IO;
        snprintf(msg, cap, "cannot read the checkpoint %s", path);
    }
    fclose(f);
    if (st == RS_OK) {
        uint32_t crc;
        memcpy(&crc, buf + size - 4, 4);
        if (memcmp(buf, MAGIC, 8) != 0) {
            st = RS_ERR_FORMAT;
            snprintf(msg, cap, "%s is not a librecsgd-mpi checkpoint", path);
        } else if (rs__crc32c(0, buf, (size_t)size - 4) != crc) {
            st = RS_ERR_FORMAT;
            snprintf(msg, cap, "the checkpoint %s is corrupt (checksum)", path);
        }
    }
    if (st != RS_OK) {
        rs__free(a, buf, size > 0 ? (size_t)size : 1, 1);
        return st;
    }
    *out = buf;
    *len_out = (size_t)size;
    return RS_OK;
}

rs_status rs__dist_checkpoint_read(rs__dist *d)
{
    rs_mpi_job *job = d->job;
    rs__fit_run *fr = d->fr;
    const rs__allocator *a = &fr->m->alloc;
    char msg[RS__ERRMSG_CAP] = "";
    unsigned char *buf = NULL;
    size_t len = 0;
    rs_status st = job->rank == 0 ? read_file(d, &buf, &len, msg, sizeof msg) : RS_OK;
    if ((st = rs__mpi_agree(job, st, msg)) != RS_OK)
        return st;
    uint64_t blen = len;
    if ((st = rs__mpi_bcast(job, &blen, sizeof blen, 0, "the checkpoint's size")) != RS_OK)
        goto out;
    if (job->rank != 0) {
        len = (size_t)blen;
        buf = rs__alloc(a, len, 1);
    }
    if ((st = rs__mpi_agree(job, buf ? RS_OK : RS_ERR_NOMEM, "out of memory while reading the "
                            "checkpoint")) != RS_OK ||
        (st = rs__mpi_bcast(job, buf, len, 0, "the checkpoint")) != RS_OK)
        goto out;
    /* Check it belongs to this run, then take it. */
    uint64_t h[N_HEAD], mine[N_HEAD] = {0};
    memcpy(h, buf + 8, sizeof h);
    header(d, mine);
    int with_best = fr->have_best;
    size_t nf = payload_floats(fr, with_best);
    size_t want = 8 + sizeof h + sizeof(ck_loop) + h[12] * RS__NSTATS * sizeof(double) +
                  nf * sizeof(float) + 4;
    st = RS_OK;
    if (memcmp(h, mine, 12 * sizeof *h) != 0) {
        st = RS_ERR_FORMAT;
        snprintf(msg, sizeof msg, "the checkpoint %s belongs to another run (different data, "
                 "parameters, scorer or rank count)", job->checkpoint);
    } else if (h[13] != nf || len != want || h[12] > fr->stats_cap) {
        st = RS_ERR_FORMAT;
        snprintf(msg, sizeof msg, "the checkpoint %s is inconsistent", job->checkpoint);
    }
    if (st == RS_OK) {
        const unsigned char *p = buf + 8 + sizeof h;
        ck_loop cl;
        memcpy(&cl, p, sizeof cl);
        p += sizeof cl;
        loop_in(fr, &cl);
        fr->n_stats = (size_t)h[12];
        memcpy(fr->stats, p, fr->n_stats * RS__NSTATS * sizeof(double));
        p += fr->n_stats * RS__NSTATS * sizeof(double);
        /* The payload is not float-aligned within the buffer: copy it out. */
        float *pl = rs__alloc(a, nf ? nf : 1, sizeof(float));
        if (!pl) {
            st = RS_ERR_NOMEM;
            snprintf(msg, sizeof msg, "out of memory while reading the checkpoint");
        } else {
            memcpy(pl, p, nf * sizeof(float));
            payload_walk(fr, pl, 1, with_best);
            rs__free(a, pl, nf ? nf : 1, sizeof(float));
            if (fr->track_last_good)
                rs__weights_copy_data(&fr->last_good, &fr->w);
            job->resumed_epoch = fr->loop.next_epoch - 1;
        }
    }
    st = rs__mpi_agree(job, st, msg);
out:
    rs__free(a, buf, len ? len : 1, 1);
    return st;
}
