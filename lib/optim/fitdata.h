/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fitdata.h: training data laid out for the optimizer. Users and items are
 * dealt at random into `bands` bands each; ratings are grouped into the
 * bands x bands grid of blocks, put in a canonical order (by user, item,
 * rating, weight, timestamp) and shuffled once inside each block, so the
 * layout does not depend on the order the ratings came in. Blocks
 * on one "diagonal" share no user and no item, so threads can train them at
 * once without locks, and a block's rows stay in cache while it is trained. */
#ifndef RS_OPTIM_FITDATA_H
#define RS_OPTIM_FITDATA_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"
#include "data/dataset.h"
#include "common/rng.h"

typedef struct rs__fitdata {
    size_t n;
    int32_t *u, *i;
    float *r, *wt;       /* wt NULL when unweighted */
    int64_t *tm;         /* timestamps carried along (rs_fit_consume of a dataset that has them), else NULL */
    size_t cap[5];       /* exact capacities of u, i, r, wt, tm (n, or a dataset's columns' capacities) */
    size_t bands;
    size_t *block_off;   /* bands * bands + 1 offsets; block (bu, bi) = bu * bands + bi */
    int32_t *item_band;  /* band of every item (n_items entries) */
    size_t n_items;
    /* validation ratings mapped to model indices (unknown ids dropped) */
    size_t vn;
    int32_t *vu, *vi;
    float *vr, *vw;
    /* summary of the training ratings */
    double mean, std;
    float rmin, rmax;
} rs__fitdata;

/* Ratings by model indices, as parallel arrays (w NULL: all weights 1). */
typedef struct rs__ratings_view {
    const int32_t *u, *i;
    const float *r, *w;
    size_t n;
} rs__ratings_view;

/* Lay out n >= 1 ratings for n_users x n_items in a bands x bands grid. */
RS_INTERNAL rs_status rs__fitdata_from_arrays(rs__fitdata *fd, const rs__ratings_view *rv,
                                              size_t n_users, size_t n_items, size_t bands,
                                              uint64_t seed, const rs__allocator *a);

/* The same layout on rating columns the fit owns (rs_fit_consume): they are
 * sorted into the grid in place, not copied, and fd frees them. Both paths
 * give the same order for the same ratings in the same order. On failure
 * the columns are left as they were (still owned by the caller). */
RS_INTERNAL rs_status rs__fitdata_adopt(rs__fitdata *fd, rs__rating_columns *cols, size_t n_users,
                                        size_t n_items, size_t bands, uint64_t seed,
                                        const rs__allocator *a);
/* The same for a share of the ratings (the MPI module: one process's users,
 * by the full set's indices; cols->n may be 0, with arrays of capacity 1):
 * full_sizes[b] is the size of block b of the whole set. Each block this
 * share holds is laid out exactly as the whole set's layout lays it out:
 * every block's order is a function of its ratings alone (sorted, then
 * shuffled), and the random stream skips the blocks held elsewhere. The
 * summary covers the share only. */
RS_INTERNAL rs_status rs__fitdata_adopt_share(rs__fitdata *fd, rs__rating_columns *cols,
                                              size_t n_users, size_t n_items, size_t bands,
                                              uint64_t seed, const size_t *full_sizes,
                                              const rs__allocator *a);

/* Turn fd's ratings into each user's distinct items, sorted ascending (CSR
 * in the storage of fd's rating values, which the items replace): what
 * rs__seen_build computes, without a second copy of the ratings. off
 * (n_users + 1 entries) and next (n_users) are the caller's, allocated
 * beforehand, so this cannot fail; fd is left empty, and *items_out /
 * *items_cap take the items array over. */
RS_INTERNAL void rs__fitdata_into_seen(rs__fitdata *fd, size_t n_users, size_t *off, size_t *next,
                                       int32_t **items_out, size_t *items_cap,
                                       const rs__allocator *a);

/* The band of every user and item, as the layout deals them (both arrays
 * from a; rng is left where the layout goes on to shuffle the blocks). */
RS_INTERNAL rs_status rs__fitdata_deal(size_t n_users, size_t n_items, size_t bands,
                                       uint64_t seed, int32_t **user_band, int32_t **item_band,
                                       rs__rng *rng, const rs__allocator *a);

/* Weighted sums behind fd's summary, accumulated in rating order so that
 * pieces added one after another give the same bits as one pass. */
typedef struct rs__rating_summary {
    double sw, s1, s2;
    float rmin, rmax;
    size_t n;
} rs__rating_summary;
RS_INTERNAL void rs__rating_summary_add(rs__rating_summary *acc, const rs__ratings_view *rv);
/* fd's mean, std, rmin and rmax from acc (acc->n > 0). */
RS_INTERNAL void rs__rating_summary_finish(const rs__rating_summary *acc, rs__fitdata *fd);

/* rs_fit_consume: train's rating columns become fd (laid out as
 * rs__fitdata_build lays out a copy; train is left with no ratings), and
 * valid's ratings are mapped as rs__fitdata_build maps them. On failure
 * train keeps its ratings (in grid order if the layout was made). */
RS_INTERNAL rs_status rs__fitdata_take(rs__fitdata *fd, rs_dataset *train, const rs_dataset *valid,
                                       const rs__idmap *users, const rs__idmap *items, size_t bands,
                                       uint64_t seed, const rs__allocator *a);
/* Hand fd's rating columns back to the dataset they were taken from (a fit
 * that failed) and free the rest of fd. The ratings are the same, in fd's
 * order. */
RS_INTERNAL void rs__fitdata_give_back(rs__fitdata *fd, rs_dataset *train, const rs__allocator *a);

/* Fisher-Yates shuffle of entries [lo, hi) (all columns together). */
RS_INTERNAL void rs__fitdata_shuffle(rs__fitdata *fd, size_t lo, size_t hi, rs__rng *rng);

/* users/items are the model's id maps (copies of train's). */
RS_INTERNAL rs_status rs__fitdata_build(rs__fitdata *fd, const rs_dataset *train,
                                        const rs_dataset *valid, const rs__idmap *users,
                                        const rs__idmap *items, size_t bands, uint64_t seed,
                                        const rs__allocator *a);
RS_INTERNAL void rs__fitdata_free(rs__fitdata *fd, const rs__allocator *a);

/* Reorder the ratings of every block by user (in the shuffle's order within
 * a user), so the implicit-user-factor loops see each user's ratings of a
 * block as one run (mf_train.c). Deterministic; RS_ERR_NOMEM leaves fd as
 * it was. */
RS_INTERNAL rs_status rs__fitdata_group_users(rs__fitdata *fd, const rs__allocator *a);

/* Each user's distinct training items, sorted ascending, as CSR. */
RS_INTERNAL rs_status rs__seen_build(const rs_dataset *train, size_t n_users, size_t n_items,
                                     size_t **off_out, int32_t **items_out, size_t *nnz_out,
                                     const rs__allocator *a);

/* Merge new (user, item) pairs (model indices, any order, duplicates
 * allowed) into seen lists of old_users users, giving lists for n_users >=
 * old_users users. The old lists are not modified. */
RS_INTERNAL rs_status rs__seen_merge(const size_t *old_off, const int32_t *old_items,
                                     size_t old_users, const int32_t *new_u, const int32_t *new_i,
                                     size_t n_new, size_t n_users, size_t **off_out,
                                     int32_t **items_out, size_t *nnz_out,
                                     const rs__allocator *a);

#endif
