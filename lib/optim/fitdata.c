/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "fitdata.h"

#include <math.h>
#include <string.h>
#include "common/rng.h"

/* Deal n ids at random into bands of (almost) equal size. */
static int32_t *deal_bands(size_t n, size_t bands, rs__rng *rng, const rs__allocator *a)
{
    int32_t *band = rs__alloc(a, n ? n : 1, sizeof *band);
    if (!band)
        return NULL;
    for (size_t j = 0; j < n; j++)
        band[j] = (int32_t)(j % bands);
    for (size_t j = n; j > 1; j--) {
        size_t k = (size_t)rs__rng_below(rng, j);
        int32_t t = band[j - 1];
        band[j - 1] = band[k];
        band[k] = t;
    }
    return band;
}

void rs__fitdata_free(rs__fitdata *fd, const rs__allocator *a)
{
    rs__free(a, fd->u, fd->n, sizeof *fd->u);
    rs__free(a, fd->i, fd->n, sizeof *fd->i);
    rs__free(a, fd->r, fd->n, sizeof *fd->r);
    rs__free(a, fd->wt, fd->n, sizeof *fd->wt);
    rs__free(a, fd->block_off, fd->bands * fd->bands + 1, sizeof *fd->block_off);
    rs__free(a, fd->item_band, fd->n_items ? fd->n_items : 1, sizeof *fd->item_band);
    rs__free(a, fd->vu, fd->vn, sizeof *fd->vu);
    rs__free(a, fd->vi, fd->vn, sizeof *fd->vi);
    rs__free(a, fd->vr, fd->vn, sizeof *fd->vr);
    rs__free(a, fd->vw, fd->vn, sizeof *fd->vw);
    memset(fd, 0, sizeof *fd);
}

static rs_status map_valid(rs__fitdata *fd, const rs_dataset *valid, const rs__idmap *users,
                           const rs__idmap *items, const rs__allocator *a)
{
    size_t n = 0;
    for (size_t j = 0; j < valid->n; j++)
        if (rs__idmap_find(users, valid->users.ids[valid->user[j]]) >= 0 &&
            rs__idmap_find(items, valid->items.ids[valid->item[j]]) >= 0)
            n++;
    if (n == 0)
        return RS_OK;
    fd->vu = rs__alloc(a, n, sizeof *fd->vu);
    fd->vi = rs__alloc(a, n, sizeof *fd->vi);
    fd->vr = rs__alloc(a, n, sizeof *fd->vr);
    fd->vw = rs__alloc(a, n, sizeof *fd->vw);
    fd->vn = n;
    if (!fd->vu || !fd->vi || !fd->vr || !fd->vw)
        return RS_ERR_NOMEM;
    size_t k = 0;
    for (size_t j = 0; j < valid->n; j++) {
        int32_t u = rs__idmap_find(users, valid->users.ids[valid->user[j]]);
        int32_t i = rs__idmap_find(items, valid->items.ids[valid->item[j]]);
        if (u < 0 || i < 0)
            continue;
        fd->vu[k] = u;
        fd->vi[k] = i;
        fd->vr[k] = valid->rating[j];
        fd->vw[k] = valid->weight ? valid->weight[j] : 1.0f;
        k++;
    }
    return RS_OK;
}

void rs__fitdata_shuffle(rs__fitdata *fd, size_t lo, size_t hi, rs__rng *rng)
{
    for (size_t j = hi - lo; j > 1; j--) {
        size_t x = lo + j - 1, y = lo + (size_t)rs__rng_below(rng, j);
        int32_t tu = fd->u[x], ti = fd->i[x];
        float tr = fd->r[x];
        fd->u[x] = fd->u[y], fd->i[x] = fd->i[y], fd->r[x] = fd->r[y];
        fd->u[y] = tu, fd->i[y] = ti, fd->r[y] = tr;
        if (fd->wt) {
            float tw = fd->wt[x];
            fd->wt[x] = fd->wt[y];
            fd->wt[y] = tw;
        }
    }
}

void rs__rating_summary_add(rs__rating_summary *acc, const rs__ratings_view *rv)
{
    double sw = acc->sw, s1 = acc->s1, s2 = acc->s2;
    float rmin = acc->rmin, rmax = acc->rmax;
    if (acc->n == 0 && rv->n > 0)
        rmin = rmax = rv->r[0];
    for (size_t j = 0; j < rv->n; j++) {
        double w = rv->w ? rv->w[j] : 1.0;
        double r = rv->r[j];
        sw += w;
        s1 += w * r;
        s2 += w * r * r;
        if (rv->r[j] < rmin)
            rmin = rv->r[j];
        if (rv->r[j] > rmax)
            rmax = rv->r[j];
    }
    acc->sw = sw, acc->s1 = s1, acc->s2 = s2;
    acc->rmin = rmin, acc->rmax = rmax;
    acc->n += rv->n;
}

void rs__rating_summary_finish(const rs__rating_summary *acc, rs__fitdata *fd)
{
    fd->mean = acc->s1 / acc->sw;
    double var = acc->s2 / acc->sw - fd->mean * fd->mean;
    fd->std = var > 0 ? sqrt(var) : 0.0;
    fd->rmin = acc->rmin;
    fd->rmax = acc->rmax;
}

rs_status rs__fitdata_deal(size_t n_users, size_t n_items, size_t bands, uint64_t seed,
                           int32_t **user_band, int32_t **item_band, rs__rng *rng,
                           const rs__allocator *a)
{
    rs__rng_seed(rng, rs__seed_mix(seed, 0x6772696400ull)); /* "grid" stream */
    *user_band = deal_bands(n_users, bands, rng, a);
    *item_band = deal_bands(n_items, bands, rng, a);
    if (*user_band && *item_band)
        return RS_OK;
    rs__free(a, *user_band, n_users ? n_users : 1, sizeof **user_band);
    rs__free(a, *item_band, n_items ? n_items : 1, sizeof **item_band);
    *user_band = *item_band = NULL;
    return RS_ERR_NOMEM;
}

/* Advance rng exactly as rs__fitdata_shuffle of n entries would. */
static void shuffle_skip(rs__rng *rng, size_t n)
{
    for (size_t j = n; j > 1; j--)
        (void)rs__rng_below(rng, j);
}

rs_status rs__fitdata_from_share(rs__fitdata *fd, const rs__ratings_view *rv, size_t n_users,
                                 size_t n_items, size_t bands, uint64_t seed,
                                 const size_t *full_sizes, const rs__allocator *a)
{
    memset(fd, 0, sizeof *fd);
    size_t n = rv->n;
    if (bands < 1)
        bands = 1;
    rs__rng rng;
    int32_t *ub, *ib;
    size_t nblocks = bands * bands;
    if (rs__fitdata_deal(n_users, n_items, bands, seed, &ub, &ib, &rng, a) != RS_OK)
        return RS_ERR_NOMEM;
    size_t *cursor = rs__calloc(a, nblocks, sizeof *cursor);
    fd->n = n;
    fd->bands = bands;
    fd->u = rs__alloc(a, n, sizeof *fd->u);
    fd->i = rs__alloc(a, n, sizeof *fd->i);
    fd->r = rs__alloc(a, n, sizeof *fd->r);
    fd->wt = rv->w ? rs__alloc(a, n, sizeof *fd->wt) : NULL;
    fd->block_off = rs__calloc(a, nblocks + 1, sizeof *fd->block_off);
    rs_status st = RS_ERR_NOMEM;
    if (!cursor || (n && (!fd->u || !fd->i || !fd->r)) || (rv->w && n && !fd->wt) ||
        !fd->block_off)
        goto out;

    /* Summary statistics (weighted mean and std, observed range). */
    rs__rating_summary sum = {0};
    rs__rating_summary_add(&sum, rv);
    if (n)
        rs__rating_summary_finish(&sum, fd);

    /* Counting sort into blocks. */
    for (size_t j = 0; j < n; j++)
        fd->block_off[(size_t)ub[rv->u[j]] * bands + (size_t)ib[rv->i[j]] + 1]++;
    for (size_t b = 0; b < nblocks; b++) {
        fd->block_off[b + 1] += fd->block_off[b];
        cursor[b] = fd->block_off[b];
    }
    for (size_t j = 0; j < n; j++) {
        size_t b = (size_t)ub[rv->u[j]] * bands + (size_t)ib[rv->i[j]];
        size_t k = cursor[b]++;
        fd->u[k] = rv->u[j];
        fd->i[k] = rv->i[j];
        fd->r[k] = rv->r[j];
        if (fd->wt)
            fd->wt[k] = rv->w[j];
    }
    /* Shuffle inside each block once: SGD wants a random order, and a fixed
     * one keeps runs reproducible. Blocks held elsewhere (empty here) move
     * the stream on as their shuffle does, so a block is shuffled the same
     * wherever it is held. */
    for (size_t b = 0; b < nblocks; b++) {
        if (full_sizes && fd->block_off[b + 1] == fd->block_off[b])
            shuffle_skip(&rng, full_sizes[b]);
        else
            rs__fitdata_shuffle(fd, fd->block_off[b], fd->block_off[b + 1], &rng);
    }
    st = RS_OK;
out:
    rs__free(a, ub, n_users ? n_users : 1, sizeof *ub);
    if (st == RS_OK) {
        fd->item_band = ib; /* kept: implicit mode samples negatives by band */
        fd->n_items = n_items;
    } else {
        rs__free(a, ib, n_items ? n_items : 1, sizeof *ib);
    }
    rs__free(a, cursor, nblocks, sizeof *cursor);
    if (st != RS_OK)
        rs__fitdata_free(fd, a);
    return st;
}

rs_status rs__fitdata_from_arrays(rs__fitdata *fd, const rs__ratings_view *rv, size_t n_users,
                                  size_t n_items, size_t bands, uint64_t seed,
                                  const rs__allocator *a)
{
    return rs__fitdata_from_share(fd, rv, n_users, n_items, bands, seed, NULL, a);
}

rs_status rs__fitdata_build(rs__fitdata *fd, const rs_dataset *train, const rs_dataset *valid,
                            const rs__idmap *users, const rs__idmap *items, size_t bands,
                            uint64_t seed, const rs__allocator *a)
{
    rs__ratings_view rv = {train->user, train->item, train->rating, train->weight, train->n};
    rs_status st = rs__fitdata_from_arrays(fd, &rv, users->count, items->count, bands, seed, a);
    if (st == RS_OK && valid)
        st = map_valid(fd, valid, users, items, a);
    if (st != RS_OK)
        rs__fitdata_free(fd, a);
    return st;
}

rs_status rs__seen_build(const rs_dataset *train, size_t n_users, size_t n_items, size_t **off_out,
                         int32_t **items_out, size_t *nnz_out, const rs__allocator *a)
{
    size_t n = train->n;
    *off_out = NULL;
    *items_out = NULL;
    *nnz_out = 0;
    /* Two stable counting sorts (by item, then by user) leave every user's
     * items ascending; duplicates are then dropped in place. */
    size_t *ioff = rs__calloc(a, n_items + 1, sizeof *ioff);
    int32_t *by_item = rs__alloc(a, n ? n : 1, sizeof *by_item); /* rating indices */
    size_t *off = rs__calloc(a, n_users + 1, sizeof *off);
    int32_t *items = rs__alloc(a, n ? n : 1, sizeof *items);
    rs_status st = RS_ERR_NOMEM;
    if (!ioff || !by_item || !off || !items || n > (size_t)INT32_MAX)
        goto fail;
    for (size_t j = 0; j < n; j++)
        ioff[train->item[j] + 1]++;
    for (size_t i = 0; i < n_items; i++)
        ioff[i + 1] += ioff[i];
    for (size_t j = 0; j < n; j++)
        by_item[ioff[train->item[j]]++] = (int32_t)j;
    for (size_t j = 0; j < n; j++)
        off[train->user[j] + 1]++;
    for (size_t u = 0; u < n_users; u++)
        off[u + 1] += off[u];
    for (size_t k = 0; k < n; k++) {
        int32_t j = by_item[k];
        items[off[train->user[j]]++] = train->item[j];
    }
    /* off[u] now holds the end of user u; rebuild starts while deduplicating. */
    size_t w = 0, start = 0;
    for (size_t u = 0; u < n_users; u++) {
        size_t end = off[u];
        off[u] = w;
        for (size_t k = start; k < end; k++)
            if (k == start || items[k] != items[k - 1])
                items[w++] = items[k];
        start = end;
    }
    off[n_users] = w;
    rs__free(a, ioff, n_items + 1, sizeof *ioff);
    rs__free(a, by_item, n ? n : 1, sizeof *by_item);
    if (w < (n ? n : 1)) {
        int32_t *shrunk = rs__realloc(a, items, n ? n : 1, w ? w : 1, sizeof *items);
        if (shrunk)
            items = shrunk;
        else {
            /* Keep the larger block; remember its real size for freeing. */
            *off_out = off;
            *items_out = items;
            *nnz_out = n ? n : 1;
            return RS_OK;
        }
    }
    *off_out = off;
    *items_out = items;
    *nnz_out = w ? w : 1;
    return RS_OK;
fail:
    rs__free(a, ioff, n_items + 1, sizeof *ioff);
    rs__free(a, by_item, n ? n : 1, sizeof *by_item);
    rs__free(a, off, n_users + 1, sizeof *off);
    rs__free(a, items, n ? n : 1, sizeof *items);
    return st;
}

static void sort_ints(int32_t *v, size_t n)
{
    /* Shell sort: per-user lists are short and this needs no allocation. */
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
        for (size_t j = gaps[g]; j < n; j++) {
            int32_t x = v[j];
            size_t k = j;
            for (; k >= gaps[g] && v[k - gaps[g]] > x; k -= gaps[g])
                v[k] = v[k - gaps[g]];
            v[k] = x;
        }
}

rs_status rs__seen_merge(const size_t *old_off, const int32_t *old_items, size_t old_users,
                         const int32_t *new_u, const int32_t *new_i, size_t n_new, size_t n_users,
                         size_t **off_out, int32_t **items_out, size_t *nnz_out,
                         const rs__allocator *a)
{
    size_t old_nnz = old_users ? old_off[old_users] : 0;
    size_t cap = old_nnz + n_new ? old_nnz + n_new : 1;
    size_t *noff = rs__calloc(a, n_users + 2, sizeof *noff);
    int32_t *by_user = rs__alloc(a, n_new ? n_new : 1, sizeof *by_user);
    size_t *items_len = NULL;
    int32_t *items = rs__alloc(a, cap, sizeof *items);
    if (!noff || !by_user || !items) {
        rs__free(a, noff, n_users + 2, sizeof *noff);
        rs__free(a, by_user, n_new ? n_new : 1, sizeof *by_user);
        rs__free(a, items, cap, sizeof *items);
        return RS_ERR_NOMEM;
    }
    (void)items_len;
    /* Bucket the new items by user (noff doubles as the bucket offsets). */
    for (size_t j = 0; j < n_new; j++)
        noff[new_u[j] + 2]++;
    for (size_t u = 0; u < n_users; u++)
        noff[u + 2] += noff[u + 1];
    for (size_t j = 0; j < n_new; j++)
        by_user[noff[new_u[j] + 1]++] = new_i[j];
    /* noff[u + 1] is now the end of user u's bucket, noff[u] its start. */
    size_t w = 0;
    size_t start = 0;
    for (size_t u = 0; u < n_users; u++) {
        size_t end = noff[u + 1];
        int32_t *fresh = by_user + start;
        size_t nf = end - start;
        sort_ints(fresh, nf);
        const int32_t *old = u < old_users ? old_items + old_off[u] : NULL;
        size_t no = u < old_users ? old_off[u + 1] - old_off[u] : 0;
        noff[u] = w;
        size_t x = 0, y = 0;
        while (x < no || y < nf) {
            int32_t v = (y >= nf || (x < no && old[x] <= fresh[y])) ? old[x++] : fresh[y++];
            if (w == noff[u] || items[w - 1] != v)
                items[w++] = v;
        }
        start = end;
    }
    noff[n_users] = w;
    rs__free(a, by_user, n_new ? n_new : 1, sizeof *by_user);
    /* Shrink the offsets to n_users + 1 entries to keep the freeing contract. */
    size_t *shrunk = rs__realloc(a, noff, n_users + 2, n_users + 1, sizeof *noff);
    if (!shrunk) {
        rs__free(a, noff, n_users + 2, sizeof *noff);
        rs__free(a, items, cap, sizeof *items);
        return RS_ERR_NOMEM;
    }
    *off_out = shrunk;
    *items_out = items;
    *nnz_out = cap;
    return RS_OK;
}
