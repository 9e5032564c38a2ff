/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * implicit.c: implicit feedback (clicks, plays, purchases) on the same
 * weighted-MSE core. Every observed pair is a positive with target 1 and
 * weight w * (1 + RS_PARAM_CONFIDENCE * value); every epoch draws
 * RS_PARAM_NEGATIVES unobserved items per positive as negatives with target
 * 0 and weight 1. A negative is drawn from the item band of its positive, so
 * it lands in the same block of the grid and the lock-free thread schedule
 * still holds; the draws come from a stream seeded by RS_PARAM_SEED and the
 * epoch, so a run is reproducible. */
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "run.h"

/* 1 if item is in user u's (sorted) seen list. */
static int seen(const rs__fit_run *fr, int32_t u, int32_t item)
{
    const int32_t *v = fr->seen_item + fr->seen_off[u];
    size_t lo = 0, hi = fr->seen_off[u + 1] - fr->seen_off[u];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < fr->seen_off[u + 1] - fr->seen_off[u] && v[lo] == item;
}

rs_status rs__implicit_prepare(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    rs__fitdata *fd = &fr->fd;
    size_t neg = (size_t)fr->p->negatives, n = fd->n, B = fd->bands;
    size_t total;
    if (rs__mul_size(n, neg + 1, &total) != 0 || total > (size_t)INT32_MAX * 4)
        return RS_ERR_NOMEM;
    int32_t *u = rs__alloc(a, total, sizeof *u), *i = rs__alloc(a, total, sizeof *i);
    float *r = rs__alloc(a, total, sizeof *r), *w = rs__alloc(a, total, sizeof *w);
    size_t *off = rs__calloc(a, B * B + 1, sizeof *off);
    size_t *band_off = rs__calloc(a, B + 1, sizeof *band_off);
    int32_t *band_items = rs__alloc(a, fd->n_items ? fd->n_items : 1, sizeof *band_items);
    if (!u || !i || !r || !w || !off || !band_off || !band_items) {
        rs__free(a, u, total, sizeof *u), rs__free(a, i, total, sizeof *i);
        rs__free(a, r, total, sizeof *r), rs__free(a, w, total, sizeof *w);
        rs__free(a, off, B * B + 1, sizeof *off);
        rs__free(a, band_off, B + 1, sizeof *band_off);
        rs__free(a, band_items, fd->n_items ? fd->n_items : 1, sizeof *band_items);
        return RS_ERR_NOMEM;
    }
    /* Items grouped by band, for drawing negatives inside a block. */
    for (size_t it = 0; it < fd->n_items; it++)
        band_off[fd->item_band[it] + 1]++;
    for (size_t b = 0; b < B; b++)
        band_off[b + 1] += band_off[b];
    size_t *cur = off; /* reuse: filled properly below */
    for (size_t b = 0; b < B; b++)
        cur[b] = band_off[b];
    for (size_t it = 0; it < fd->n_items; it++)
        band_items[cur[fd->item_band[it]]++] = (int32_t)it;
    memset(off, 0, (B * B + 1) * sizeof *off);
    /* Each block: its positives, then room for their negatives. */
    double conf = fr->p->confidence;
    for (size_t blk = 0; blk < B * B; blk++) {
        size_t lo = fd->block_off[blk], hi = fd->block_off[blk + 1];
        size_t base = lo * (neg + 1);
        off[blk] = base;
        for (size_t j = lo; j < hi; j++) {
            size_t k = base + (j - lo);
            u[k] = fd->u[j];
            i[k] = fd->i[j];
            r[k] = 1.0f;
            w[k] = (fd->wt ? fd->wt[j] : 1.0f) * (float)(1.0 + conf * fd->r[j]);
        }
        /* Negative slots start as harmless zeros; every epoch redraws them. */
        for (size_t k = base + (hi - lo); k < hi * (neg + 1); k++) {
            u[k] = fd->u[lo + (k - base) % (hi - lo)];
            i[k] = 0;
            r[k] = 0.0f;
            w[k] = 1.0f;
        }
    }
    off[B * B] = total;
    /* Swap the expanded layout in. */
    rs__free(a, fd->u, n, sizeof *fd->u), rs__free(a, fd->i, n, sizeof *fd->i);
    rs__free(a, fd->r, n, sizeof *fd->r), rs__free(a, fd->wt, n, sizeof *fd->wt);
    rs__free(a, fd->block_off, B * B + 1, sizeof *fd->block_off);
    fd->u = u, fd->i = i, fd->r = r, fd->wt = w, fd->block_off = off, fd->n = total;
    fr->n_positives = n;
    fr->band_off = band_off;
    fr->band_items = band_items;
    /* Targets are 0/1 with a share 1/(1+neg) of ones. */
    double p1 = 1.0 / (double)(neg + 1);
    fd->mean = p1;
    fd->std = sqrt(p1 * (1.0 - p1));
    fd->rmin = 0.0f;
    fd->rmax = 1.0f;
    for (size_t j = 0; j < fd->vn; j++)
        fd->vr[j] = 1.0f; /* validation pairs are positives */
    return RS_OK;
}

void rs__implicit_resample(rs__fit_run *fr, int64_t epoch)
{
    rs__fitdata *fd = &fr->fd;
    size_t neg = (size_t)fr->p->negatives, B = fd->bands;
    for (size_t blk = 0; blk < B * B; blk++) {
        size_t lo = fd->block_off[blk], hi = fd->block_off[blk + 1];
        size_t n_pos = (hi - lo) / (neg + 1);
        if (n_pos == 0)
            continue;
        size_t bi = blk % B;
        const int32_t *cand = fr->band_items + fr->band_off[bi];
        size_t n_cand = fr->band_off[bi + 1] - fr->band_off[bi];
        rs__rng rng;
        rs__rng_seed(&rng, rs__seed_mix(rs__seed_mix((uint64_t)fr->p->seed, (uint64_t)epoch), blk));
        /* Positives first (where the previous shuffle moved them: they are
         * the entries with target 1), then fresh negatives after them. */
        size_t p = lo;
        for (size_t j = lo; j < hi; j++)
            if (fd->r[j] == 1.0f) {
                int32_t tu = fd->u[j], ti = fd->i[j];
                float tw = fd->wt[j];
                fd->u[j] = fd->u[p], fd->i[j] = fd->i[p], fd->r[j] = fd->r[p], fd->wt[j] = fd->wt[p];
                fd->u[p] = tu, fd->i[p] = ti, fd->r[p] = 1.0f, fd->wt[p] = tw;
                p++;
            }
        size_t k = lo + n_pos;
        for (size_t j = lo; j < lo + n_pos; j++) {
            int32_t u = fd->u[j];
            for (size_t x = 0; x < neg; x++, k++) {
                int32_t item = cand[rs__rng_below(&rng, n_cand)];
                /* A few redraws avoid the user's own items; a user who has
                 * seen almost everything keeps the last draw. */
                for (int tries = 0; tries < 16 && seen(fr, u, item); tries++)
                    item = cand[rs__rng_below(&rng, n_cand)];
                fd->u[k] = u;
                fd->i[k] = item;
                fd->r[k] = 0.0f;
                fd->wt[k] = 1.0f;
            }
        }
        rs__fitdata_shuffle(fd, lo, hi, &rng);
    }
}

void rs__implicit_free(rs__fit_run *fr)
{
    const rs__allocator *a = &fr->m->alloc;
    size_t B = fr->fd.bands;
    rs__free(a, fr->band_off, B + 1, sizeof *fr->band_off);
    rs__free(a, fr->band_items, fr->fd.n_items ? fr->fd.n_items : 1, sizeof *fr->band_items);
    fr->band_off = NULL;
    fr->band_items = NULL;
}
