/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dataset.h (internal): the layout of rs_dataset. Ratings are stored as
 * parallel arrays of dense indices (12 bytes per rating, 16 with weights,
 * 8 more with timestamps), so the optimizer reads them without any id
 * lookups. With string ids the id maps are string maps (idmap.h). */
#ifndef RS_DATA_DATASET_H
#define RS_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/dataset.h>
#include "common/alloc.h"
#include "common/error.h"
#include "idmap.h"
#include "features.h"

struct rs_dataset {
    rs__allocator alloc;
    rs__errbuf err;
    rs__idmap users, items;
    /* ratings */
    int32_t *user;   /* dense user index */
    int32_t *item;   /* dense item index */
    float *rating;
    float *weight;   /* NULL while every weight is 1 */
    int64_t *time;   /* NULL unless timestamps are kept; RS_NO_TIMESTAMP for none */
    size_t n, cap;   /* cap: room in every array in use (the min of acap) */
    size_t acap[5];  /* exact capacity of user, item, rating, weight, time (for the allocator's osize) */
    /* parameters */
    double rating_min, rating_max;
    int32_t csv_delim, csv_user_col, csv_item_col, csv_rating_col, csv_time_col;
    int32_t has_header, keep_time; /* string ids: users.strings (== items.strings) */
    int32_t ml_title_words, ml_year; /* RS_FEATURES_MOVIELENS_ITEM options */
    /* features, indexed by the same dense indices as users/items */
    rs__features user_feat, item_feat;
};

/* The rating columns, moved out of a dataset (rs_fit_consume trains on them
 * in place instead of copying them). acap holds each array's exact
 * capacity for the allocator's osize; weight is NULL when every weight is 1. */
typedef struct rs__rating_columns {
    int32_t *user, *item;
    float *rating, *weight;
    int64_t *time;   /* NULL unless the dataset keeps timestamps */
    size_t n;
    size_t acap[5];
} rs__rating_columns;
/* Move ds's rating columns into *out; ds keeps its ids, features and
 * parameters and is left with no ratings. */
RS_INTERNAL void rs__dataset_take_ratings(rs_dataset *ds, rs__rating_columns *out);
/* Give columns back to a dataset that has no ratings (a fit that failed). */
RS_INTERNAL void rs__dataset_return_ratings(rs_dataset *ds, rs__rating_columns *cols);
RS_INTERNAL void rs__rating_columns_free(rs__rating_columns *c, const rs__allocator *a);

/* The one rating rule of rs_dataset_add_rating(s) and every loader: the
 * float that would be stored is finite and inside [rating_min, rating_max]. */
static inline int rs__rating_ok(const rs_dataset *ds, float r)
{
    return (double)r >= ds->rating_min && (double)r <= ds->rating_max; /* NaN fails; Inf is out */
}

/* Why a rating breaks that rule, naming the data: "rating 5e+29 is outside
 * the accepted range [-1e+06, 1e+06] ...". Writes into buf (cap bytes). */
RS_INTERNAL void rs__rating_why(const rs_dataset *ds, double r, char *buf, size_t cap);

/* Make room for n more ratings (amortised growth). */
RS_INTERNAL rs_status rs__dataset_reserve(rs_dataset *ds, size_t extra);
/* Append one already-validated rating by dense indices, with its timestamp
 * (dropped when the dataset keeps none). Room must be reserved. */
static inline void rs__dataset_push_timed(rs_dataset *ds, int32_t u, int32_t i, float r, float w,
                                          int64_t t)
{
    size_t k = ds->n++;
    ds->user[k] = u;
    ds->item[k] = i;
    ds->rating[k] = r;
    if (ds->weight)
        ds->weight[k] = w;
    if (ds->time)
        ds->time[k] = t;
}
/* The same without a timestamp. */
static inline void rs__dataset_push(rs_dataset *ds, int32_t u, int32_t i, float r, float w)
{
    rs__dataset_push_timed(ds, u, i, r, w, RS_NO_TIMESTAMP);
}
/* Make room for exactly `extra` more ratings (no slack: for sizes known up front). */
RS_INTERNAL rs_status rs__dataset_reserve_exact(rs_dataset *ds, size_t extra);
/* Give back capacity beyond n (best effort, never fails). */
RS_INTERNAL void rs__dataset_shrink(rs_dataset *ds);
/* Turn on the weight column (filled with 1 for existing ratings). */
RS_INTERNAL rs_status rs__dataset_enable_weights(rs_dataset *ds);
/* Turn on the timestamp column (RS_NO_TIMESTAMP for existing ratings). */
RS_INTERNAL rs_status rs__dataset_enable_time(rs_dataset *ds);
/* 1 when ids are strings. */
static inline int rs__dataset_string_ids(const rs_dataset *ds) { return ds->users.strings != 0; }
/* Intern string id s (n bytes, already checked) on one side; a key clash
 * gets its message in ds->err (RS_ERR_RANGE). */
RS_INTERNAL rs_status rs__dataset_intern_str(rs_dataset *ds, int32_t side, const char *s, size_t n,
                                             int32_t *index_out);
/* Copy src's parameters (not its data) into dst. */
RS_INTERNAL void rs__dataset_copy_params(rs_dataset *dst, const rs_dataset *src);

/* Rollback support: a failed load restores these sizes exactly. */
typedef struct rs__dataset_mark {
    size_t n, n_users, n_items;
    int had_weights, had_time;
    rs__features_mark uf, itf;
} rs__dataset_mark;
RS_INTERNAL rs__dataset_mark rs__dataset_mark_now(const rs_dataset *ds);
RS_INTERNAL void rs__dataset_rollback(rs_dataset *ds, rs__dataset_mark mark);

/* Feature side helpers. */
static inline rs__features *rs__dataset_features(rs_dataset *ds, int32_t side)
{
    return side == RS_SIDE_USER ? &ds->user_feat : &ds->item_feat;
}
static inline rs__idmap *rs__dataset_idmap(rs_dataset *ds, int32_t side)
{
    return side == RS_SIDE_USER ? &ds->users : &ds->items;
}

#endif
