/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "fitdata.h"

#include <math.h>
#include <string.h>
#include "common/rng.h"
#include "common/sort.h"

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
    rs__free(a, fd->u, fd->cap[0], sizeof *fd->u);
    rs__free(a, fd->i, fd->cap[1], sizeof *fd->i);
    rs__free(a, fd->r, fd->cap[2], sizeof *fd->r);
    rs__free(a, fd->wt, fd->cap[3], sizeof *fd->wt);
    rs__free(a, fd->tm, fd->cap[4], sizeof *fd->tm);
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
        if (fd->tm) {
            int64_t tt = fd->tm[x];
            fd->tm[x] = fd->tm[y];
            fd->tm[y] = tt;
        }
    }
}

/* Swap entries x and y (all columns together). */
static inline void swap_entries(rs__fitdata *fd, size_t x, size_t y)
{
    int32_t tu = fd->u[x], ti = fd->i[x];
    float tr = fd->r[x];
    fd->u[x] = fd->u[y];
    fd->i[x] = fd->i[y];
    fd->r[x] = fd->r[y];
    fd->u[y] = tu;
    fd->i[y] = ti;
    fd->r[y] = tr;
    if (fd->wt) {
        float tw = fd->wt[x];
        fd->wt[x] = fd->wt[y];
        fd->wt[y] = tw;
    }
    if (fd->tm) {
        int64_t tt = fd->tm[x];
        fd->tm[x] = fd->tm[y];
        fd->tm[y] = tt;
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

/* Summary statistics (weighted mean and std, observed range) of fd's
 * ratings; none for an empty share (the MPI module sums every rank's). */
static void summarise(rs__fitdata *fd)
{
    rs__ratings_view rv = {fd->u, fd->i, fd->r, fd->wt, fd->n};
    rs__rating_summary acc = {0};
    rs__rating_summary_add(&acc, &rv);
    if (acc.n > 0)
        rs__rating_summary_finish(&acc, fd);
}

/* Advance rng exactly as rs__fitdata_shuffle of n entries would. */
static void shuffle_skip(rs__rng *rng, size_t n)
{
    for (size_t j = n; j > 1; j--)
        (void)rs__rng_below(rng, j);
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

/* One entry of a user's run (the user is the run's): the sort key. */
typedef struct run_entry {
    int32_t i;
    float r, w;
    int64_t t;
} run_entry;

static inline run_entry entry_at(const rs__fitdata *fd, size_t x)
{
    return (run_entry){fd->i[x], fd->r[x], fd->wt ? fd->wt[x] : 0.0f, fd->tm ? fd->tm[x] : 0};
}

static inline void entry_put(rs__fitdata *fd, size_t x, run_entry e)
{
    fd->i[x] = e.i;
    fd->r[x] = e.r;
    if (fd->wt)
        fd->wt[x] = e.w;
    if (fd->tm)
        fd->tm[x] = e.t;
}

/* a before b in a run's canonical order: item, rating, weight, timestamp. */
static inline int entry_before(run_entry a, run_entry b)
{
    if (a.i != b.i)
        return a.i < b.i;
    if (a.r != b.r)
        return a.r < b.r;
    if (a.w != b.w)
        return a.w < b.w;
    return a.t < b.t;
}

/* Shell sort of one user's run [a, a + n) by entry_before, moving entries
 * rather than swapping them (runs are short: most end after the last gap). */
static void sort_run(rs__fitdata *fd, size_t a, size_t n)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t q = 0; q < sizeof gaps / sizeof gaps[0]; q++) {
        size_t g = gaps[q];
        for (size_t j = g; j < n; j++) {
            run_entry x = entry_at(fd, a + j);
            size_t k = j;
            for (; k >= g; k -= g) {
                run_entry y = entry_at(fd, a + k - g);
                if (!entry_before(x, y))
                    break;
                entry_put(fd, a + k, y);
            }
            if (k != j)
                entry_put(fd, a + k, x);
        }
    }
}

/* Block [lo, hi) of user band bu in its canonical order: by user (their
 * place upos in the band; a pass of swaps as the grid's), then each user's
 * run by entry_before (sort_run). off and nxt
 * hold size + 1 and size entries, size = the band's user count. The order
 * is then a function of the block's ratings alone, not of the order they
 * arrived in: a block laid out from one process's share of the ratings
 * (the MPI module) is rs_fit's, bit for bit. */
static void canonical_block(rs__fitdata *fd, size_t lo, size_t hi, const int32_t *upos, size_t size,
                            size_t *off, size_t *nxt)
{
    memset(off, 0, (size + 1) * sizeof *off);
    for (size_t j = lo; j < hi; j++)
        off[upos[fd->u[j]] + 1]++;
    for (size_t g = 0; g < size; g++) {
        off[g + 1] += off[g];
        nxt[g] = off[g];
    }
    for (size_t g = 0; g < size; g++)
        while (nxt[g] < off[g + 1]) {
            size_t j = lo + nxt[g];
            size_t t = (size_t)upos[fd->u[j]];
            if (t == g)
                nxt[g]++;
            else
                swap_entries(fd, j, lo + nxt[t]++);
        }
    for (size_t g = 0; g < size; g++)
        if (off[g + 1] - off[g] > 1)
            sort_run(fd, lo + off[g], off[g + 1] - off[g]);
}

/* Deal users and items into bands, move every rating into its block in
 * place (one pass of swaps: each swap puts one rating in its final block),
 * put each block in its canonical order and shuffle it. fd's columns hold
 * the ratings in their original order; block_off and cursor (bands^2
 * entries) are allocated. full_sizes (NULL: fd holds every rating) gives the
 * size of every block of the whole set when fd holds a share: a block held
 * elsewhere (empty here) moves the random stream on as its shuffle does, so
 * every block is shuffled alike wherever it is held. */
static rs_status grid_in_place(rs__fitdata *fd, size_t n_users, size_t n_items, size_t *cursor,
                               uint64_t seed, const size_t *full_sizes, const rs__allocator *a)
{
    size_t bands = fd->bands, nblocks = bands * bands, n = fd->n;
    rs__rng rng;
    int32_t *ub, *ib;
    if (rs__fitdata_deal(n_users, n_items, bands, seed, &ub, &ib, &rng, a) != RS_OK)
        return RS_ERR_NOMEM;
    /* Every user's place in its band, for the canonical order (allocated,
     * like the band maps, before any rating moves). */
    size_t *fill = rs__calloc(a, bands, sizeof *fill), band_max = 0;
    int32_t *upos = rs__alloc(a, n_users ? n_users : 1, sizeof *upos);
    if (fill && upos)
        for (size_t u = 0; u < n_users; u++)
            upos[u] = (int32_t)fill[ub[u]]++;
    for (size_t b = 0; fill && b < bands; b++)
        band_max = fill[b] > band_max ? fill[b] : band_max;
    size_t *off = fill && upos ? rs__alloc(a, 2 * band_max + 1, sizeof *off) : NULL;
    if (!off) {
        rs__free(a, fill, bands, sizeof *fill);
        rs__free(a, upos, n_users ? n_users : 1, sizeof *upos);
        rs__free(a, ub, n_users ? n_users : 1, sizeof *ub);
        rs__free(a, ib, n_items ? n_items : 1, sizeof *ib);
        return RS_ERR_NOMEM;
    }
    summarise(fd);
    for (size_t j = 0; j < n; j++)
        fd->block_off[(size_t)ub[fd->u[j]] * bands + (size_t)ib[fd->i[j]] + 1]++;
    for (size_t b = 0; b < nblocks; b++) {
        fd->block_off[b + 1] += fd->block_off[b];
        cursor[b] = fd->block_off[b];
    }
    for (size_t b = 0; b < nblocks; b++) {
        size_t end = fd->block_off[b + 1];
        while (cursor[b] < end) {
            size_t j = cursor[b];
            size_t t = (size_t)ub[fd->u[j]] * bands + (size_t)ib[fd->i[j]];
            if (t == b)
                cursor[b]++;
            else
                swap_entries(fd, j, cursor[t]++);
        }
    }
    /* Shuffle inside each block once: SGD wants a random order, and a fixed
     * one keeps runs reproducible. */
    for (size_t b = 0; b < nblocks; b++) {
        size_t lo = fd->block_off[b], hi = fd->block_off[b + 1];
        if (full_sizes && hi == lo) {
            shuffle_skip(&rng, full_sizes[b]);
            continue;
        }
        canonical_block(fd, lo, hi, upos, fill[b / bands], off, off + band_max + 1);
        rs__fitdata_shuffle(fd, lo, hi, &rng);
    }
    rs__free(a, off, 2 * band_max + 1, sizeof *off);
    rs__free(a, fill, bands, sizeof *fill);
    rs__free(a, upos, n_users ? n_users : 1, sizeof *upos);
    rs__free(a, ub, n_users ? n_users : 1, sizeof *ub);
    fd->item_band = ib; /* kept: implicit mode samples negatives by band */
    fd->n_items = n_items;
    return RS_OK;
}

/* The grid's bookkeeping (offsets, cursors) for fd->bands bands. */
static rs_status grid_alloc(rs__fitdata *fd, size_t **cursor, const rs__allocator *a)
{
    size_t nblocks = fd->bands * fd->bands;
    fd->block_off = rs__calloc(a, nblocks + 1, sizeof *fd->block_off);
    *cursor = rs__calloc(a, nblocks, sizeof **cursor);
    if (fd->block_off && *cursor)
        return RS_OK;
    rs__free(a, *cursor, nblocks, sizeof **cursor);
    *cursor = NULL;
    return RS_ERR_NOMEM;
}

rs_status rs__fitdata_from_arrays(rs__fitdata *fd, const rs__ratings_view *rv, size_t n_users,
                                  size_t n_items, size_t bands, uint64_t seed,
                                  const rs__allocator *a)
{
    memset(fd, 0, sizeof *fd);
    size_t n = rv->n, *cursor = NULL;
    fd->n = n;
    fd->bands = bands < 1 ? 1 : bands;
    fd->u = rs__alloc(a, n, sizeof *fd->u);
    fd->i = rs__alloc(a, n, sizeof *fd->i);
    fd->r = rs__alloc(a, n, sizeof *fd->r);
    fd->wt = rv->w ? rs__alloc(a, n, sizeof *fd->wt) : NULL;
    fd->cap[0] = fd->cap[1] = fd->cap[2] = n;
    fd->cap[3] = rv->w ? n : 0;
    rs_status st = RS_ERR_NOMEM;
    if (fd->u && fd->i && fd->r && (!rv->w || fd->wt) && grid_alloc(fd, &cursor, a) == RS_OK) {
        memcpy(fd->u, rv->u, n * sizeof *fd->u);
        memcpy(fd->i, rv->i, n * sizeof *fd->i);
        memcpy(fd->r, rv->r, n * sizeof *fd->r);
        if (fd->wt)
            memcpy(fd->wt, rv->w, n * sizeof *fd->wt);
        st = grid_in_place(fd, n_users, n_items, cursor, seed, NULL, a);
    }
    rs__free(a, cursor, fd->bands * fd->bands, sizeof *cursor);
    if (st != RS_OK)
        rs__fitdata_free(fd, a);
    return st;
}

rs_status rs__fitdata_adopt(rs__fitdata *fd, rs__rating_columns *cols, size_t n_users,
                            size_t n_items, size_t bands, uint64_t seed, const rs__allocator *a)
{
    return rs__fitdata_adopt_share(fd, cols, n_users, n_items, bands, seed, NULL, a);
}

rs_status rs__fitdata_adopt_share(rs__fitdata *fd, rs__rating_columns *cols, size_t n_users,
                                  size_t n_items, size_t bands, uint64_t seed,
                                  const size_t *full_sizes, const rs__allocator *a)
{
    memset(fd, 0, sizeof *fd);
    size_t *cursor = NULL;
    fd->bands = bands < 1 ? 1 : bands;
    rs_status st = grid_alloc(fd, &cursor, a);
    if (st != RS_OK) {
        rs__free(a, fd->block_off, fd->bands * fd->bands + 1, sizeof *fd->block_off);
        memset(fd, 0, sizeof *fd);
        return st;
    }
    fd->n = cols->n;
    fd->u = cols->user;
    fd->i = cols->item;
    fd->r = cols->rating;
    fd->wt = cols->weight;
    fd->tm = cols->time;
    memcpy(fd->cap, cols->acap, sizeof fd->cap);
    /* grid_in_place allocates (the band maps) before it moves a rating, so
     * a failure leaves the columns in their order, and back with the caller. */
    st = grid_in_place(fd, n_users, n_items, cursor, seed, full_sizes, a);
    rs__free(a, cursor, fd->bands * fd->bands, sizeof *cursor);
    if (st != RS_OK) {
        fd->u = fd->i = NULL;
        fd->r = fd->wt = NULL;
        fd->tm = NULL;
        memset(fd->cap, 0, sizeof fd->cap);
        rs__fitdata_free(fd, a);
        return st;
    }
    memset(cols, 0, sizeof *cols);
    return RS_OK;
}

static void sort_ints(int32_t *v, size_t n);

void rs__fitdata_into_seen(rs__fitdata *fd, size_t n_users, size_t *off, size_t *next,
                           int32_t **items_out, size_t *items_cap, const rs__allocator *a)
{
    size_t n = fd->n;
    /* The weights and timestamps go first; the ratings' array (4 bytes an
     * entry, like an item index) becomes the seen lists' storage: the items
     * are scattered into it by user, one independent store each. (Sorting the
     * pairs in place by cycles instead is a chain of dependent random
     * accesses: at 10M ratings it took longer than the training.) */
    rs__free(a, fd->wt, fd->cap[3], sizeof *fd->wt);
    rs__free(a, fd->tm, fd->cap[4], sizeof *fd->tm);
    fd->wt = NULL;
    fd->tm = NULL;
    fd->cap[3] = fd->cap[4] = 0;
    _Static_assert(sizeof(float) == sizeof(int32_t), "the ratings' array holds the items");
    int32_t *items = (int32_t *)(void *)fd->r;
    size_t cap = fd->cap[2];
    fd->r = NULL;
    fd->cap[2] = 0;
    memset(off, 0, (n_users + 1) * sizeof *off);
    for (size_t j = 0; j < n; j++)
        off[fd->u[j] + 1]++;
    for (size_t u = 0; u < n_users; u++) {
        off[u + 1] += off[u];
        next[u] = off[u];
    }
    for (size_t j = 0; j < n; j++)
        items[next[fd->u[j]]++] = fd->i[j];
    rs__free(a, fd->u, fd->cap[0], sizeof *fd->u);
    rs__free(a, fd->i, fd->cap[1], sizeof *fd->i);
    fd->u = fd->i = NULL;
    fd->cap[0] = fd->cap[1] = 0;
    fd->n = 0;
    /* Each user's items ascending, duplicates dropped, packed to the front. */
    size_t w = 0;
    for (size_t u = 0; u < n_users; u++) {
        size_t lo = off[u], hi = off[u + 1];
        sort_ints(items + lo, hi - lo);
        off[u] = w;
        for (size_t k = lo; k < hi; k++)
            if (k == lo || items[k] != items[k - 1])
                items[w++] = items[k];
    }
    off[n_users] = w;
    if (w < cap) { /* give back the rest; keep the larger block if that fails */
        int32_t *shrunk = rs__realloc(a, items, cap, w ? w : 1, sizeof *items);
        if (shrunk) {
            items = shrunk;
            cap = w ? w : 1;
        }
    }
    *items_out = items;
    *items_cap = cap;
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

rs_status rs__fitdata_take(rs__fitdata *fd, rs_dataset *train, const rs_dataset *valid,
                           const rs__idmap *users, const rs__idmap *items, size_t bands,
                           uint64_t seed, const rs__allocator *a)
{
    rs__rating_columns cols;
    rs__dataset_take_ratings(train, &cols);
    rs_status st = rs__fitdata_adopt(fd, &cols, users->count, items->count, bands, seed, a);
    if (st != RS_OK) {
        rs__dataset_return_ratings(train, &cols); /* adopt left them as they were */
        return st;
    }
    if (valid && (st = map_valid(fd, valid, users, items, a)) != RS_OK)
        rs__fitdata_give_back(fd, train, a);
    return st;
}

void rs__fitdata_give_back(rs__fitdata *fd, rs_dataset *train, const rs__allocator *a)
{
    rs__rating_columns cols = {fd->u, fd->i, fd->r, fd->wt, fd->tm, fd->n, {0}};
    memcpy(cols.acap, fd->cap, sizeof cols.acap);
    rs__dataset_return_ratings(train, &cols);
    fd->u = fd->i = NULL;
    fd->r = fd->wt = NULL;
    fd->tm = NULL;
    fd->n = 0;
    memset(fd->cap, 0, sizeof fd->cap);
    rs__fitdata_free(fd, a);
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

static void insertion_sort_ints(int32_t *v, size_t n)
{
    for (size_t j = 1; j < n; j++) {
        int32_t x = v[j];
        size_t k = j;
        for (; k > 0 && v[k - 1] > x; k--)
            v[k] = v[k - 1];
        v[k] = x;
    }
}

static void sort_ints(int32_t *v, size_t n)
{
    /* Quicksort (median of three, the smaller side first so the explicit
     * stack stays under 64 entries) with insertion sort for short runs:
     * seen lists are sorted per user, and this needs no allocation. */
    size_t lo_stack[64], hi_stack[64], top = 0;
    size_t lo = 0, hi = n;
    for (;;) {
        while (hi - lo > 16) {
            size_t mid = lo + (hi - lo) / 2;
            int32_t a = v[lo], b = v[mid], c = v[hi - 1];
            int32_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
            size_t i = lo, j = hi - 1;
            for (;;) {
                while (v[i] < pivot)
                    i++;
                while (v[j] > pivot)
                    j--;
                if (i >= j)
                    break;
                int32_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
            /* [lo, j] <= pivot <= [j + 1, hi) */
            size_t split = j + 1;
            if (split - lo < hi - split) {
                lo_stack[top] = split, hi_stack[top++] = hi;
                hi = split;
            } else {
                lo_stack[top] = lo, hi_stack[top++] = split;
                lo = split;
            }
        }
        insertion_sort_ints(v + lo, hi - lo);
        if (top == 0)
            return;
        top--;
        lo = lo_stack[top];
        hi = hi_stack[top];
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

/* ---- grouping each block's ratings by user (implicit user factors) ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Put column col (elem bytes per entry) of [lo, lo + len) in keys' order. */
static void permute_column(void *col, size_t elem, size_t lo, size_t len, const uint64_t *keys,
                           unsigned char *tmp)
{
    if (!col)
        return;
    unsigned char *base = (unsigned char *)col + lo * elem;
    for (size_t j = 0; j < len; j++)
        memcpy(tmp + j * elem, base + (size_t)(keys[j] & 0xffffffffu) * elem, elem);
    memcpy(base, tmp, len * elem);
}

rs_status rs__fitdata_group_users(rs__fitdata *fd, const rs__allocator *a)
{
    size_t nb = fd->bands * fd->bands, longest = 0;
    for (size_t b = 0; b < nb; b++)
        if (fd->block_off[b + 1] - fd->block_off[b] > longest)
            longest = fd->block_off[b + 1] - fd->block_off[b];
    if (longest < 2)
        return RS_OK;
    if (longest > 0xffffffffu)
        return RS_OK; /* positions would not fit the key: keep the shuffle (still correct) */
    uint64_t *keys = rs__alloc(a, longest, sizeof *keys);
    unsigned char *tmp = rs__alloc(a, longest, 8);
    if (!keys || !tmp) {
        rs__free(a, keys, longest, sizeof *keys);
        rs__free(a, tmp, longest, 8);
        return RS_ERR_NOMEM;
    }
    for (size_t b = 0; b < nb; b++) {
        size_t lo = fd->block_off[b], len = fd->block_off[b + 1] - lo;
        if (len < 2)
            continue;
        /* user, then position in the shuffle: unique keys, so the order is
         * fully determined (the sort need not be stable). */
        for (size_t j = 0; j < len; j++)
            keys[j] = (uint64_t)(uint32_t)fd->u[lo + j] << 32 | (uint64_t)j;
        rs__sort(keys, len, sizeof *keys, cmp_u64);
        permute_column(fd->u, sizeof *fd->u, lo, len, keys, tmp);
        permute_column(fd->i, sizeof *fd->i, lo, len, keys, tmp);
        permute_column(fd->r, sizeof *fd->r, lo, len, keys, tmp);
        permute_column(fd->wt, sizeof *fd->wt, lo, len, keys, tmp);
        permute_column(fd->tm, sizeof *fd->tm, lo, len, keys, tmp);
    }
    rs__free(a, keys, longest, sizeof *keys);
    rs__free(a, tmp, longest, 8);
    return RS_OK;
}
