/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dataset.c: the rs_dataset object: lifecycle, parameters, ratings, id
 * lookups and the mark/rollback that makes every batch all-or-nothing. */
#include "dataset.h"

#include <math.h>
#include <stdio.h> /* snprintf only */
#include <string.h>

#include "core/params.h"

static void set_defaults(rs_dataset *ds)
{
    ds->rating_min = rs__param_find(RS_PARAM_RATING_MIN)->def;
    ds->rating_max = rs__param_find(RS_PARAM_RATING_MAX)->def;
    ds->csv_delim = (int32_t)rs__param_find(RS_PARAM_CSV_DELIMITER)->def;
    ds->csv_user_col = (int32_t)rs__param_find(RS_PARAM_CSV_USER_COL)->def;
    ds->csv_item_col = (int32_t)rs__param_find(RS_PARAM_CSV_ITEM_COL)->def;
    ds->csv_rating_col = (int32_t)rs__param_find(RS_PARAM_CSV_RATING_COL)->def;
}

rs_status rs_dataset_new(rs_dataset **out, rs_alloc_fn alloc, void *alloc_ud)
{
    if (!out)
        return RS_ERR_INVALID_ARG;
    *out = NULL;
    rs__allocator a;
    rs__allocator_init(&a, alloc, alloc_ud);
    rs_dataset *ds = rs__alloc(&a, 1, sizeof *ds);
    if (!ds)
        return RS_ERR_NOMEM;
    memset(ds, 0, sizeof *ds);
    ds->alloc = a;
    rs__idmap_init(&ds->users);
    rs__idmap_init(&ds->items);
    rs__features_init(&ds->user_feat);
    rs__features_init(&ds->item_feat);
    set_defaults(ds);
    *out = ds;
    return RS_OK;
}

void rs_dataset_free(rs_dataset *ds)
{
    if (!ds)
        return;
    rs__allocator a = ds->alloc;
    rs__idmap_free(&ds->users, &a);
    rs__idmap_free(&ds->items, &a);
    rs__features_free(&ds->user_feat, &a);
    rs__features_free(&ds->item_feat, &a);
    rs__free(&a, ds->user, ds->acap[0], sizeof *ds->user);
    rs__free(&a, ds->item, ds->acap[1], sizeof *ds->item);
    rs__free(&a, ds->rating, ds->acap[2], sizeof *ds->rating);
    rs__free(&a, ds->weight, ds->acap[3], sizeof *ds->weight);
    rs__free(&a, ds, 1, sizeof *ds);
}

const char *rs_dataset_last_error(const rs_dataset *ds)
{
    return ds ? ds->err.msg : "invalid dataset handle (NULL)";
}

/* ---- parameters ---- */

static const rs__param_info *dataset_param(rs_dataset *ds, rs_param param)
{
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_DATASET) {
        rs__err(&ds->err, RS_ERR_UNKNOWN_PARAM, "parameter %d is not a dataset parameter",
                (int)param);
        return NULL;
    }
    return r;
}

rs_status rs_dataset_set_int(rs_dataset *ds, rs_param param, int64_t value)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    const rs__param_info *r = dataset_param(ds, param);
    if (!r)
        return RS_ERR_UNKNOWN_PARAM;
    rs_status st = rs__param_check_int(r, value, &ds->err);
    if (st != RS_OK)
        return st;
    switch (param) {
    case RS_PARAM_CSV_DELIMITER:
        /* Quotes and line ends have a fixed meaning in the CSV reader. */
        if (value == '"' || value == '\n' || value == '\r')
            return rs__err(&ds->err, RS_ERR_RANGE,
                           "csv_delimiter may be any byte but '\"', '\\n' and '\\r'");
        ds->csv_delim = (int32_t)value;
        break;
    case RS_PARAM_CSV_USER_COL: ds->csv_user_col = (int32_t)value; break;
    case RS_PARAM_CSV_ITEM_COL: ds->csv_item_col = (int32_t)value; break;
    case RS_PARAM_CSV_RATING_COL: ds->csv_rating_col = (int32_t)value; break;
    default:
        return rs__err(&ds->err, RS_ERR_UNKNOWN_PARAM, "parameter %s has no storage", r->name);
    }
    return RS_OK;
}

rs_status rs_dataset_set_double(rs_dataset *ds, rs_param param, double value)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    const rs__param_info *r = dataset_param(ds, param);
    if (!r)
        return RS_ERR_UNKNOWN_PARAM;
    rs_status st = rs__param_check_real(r, value, &ds->err);
    if (st != RS_OK)
        return st;
    switch (param) {
    case RS_PARAM_RATING_MIN:
        if (value > ds->rating_max)
            return rs__err(&ds->err, RS_ERR_RANGE, "rating_min = %g exceeds rating_max = %g",
                           value, ds->rating_max);
        ds->rating_min = value;
        break;
    case RS_PARAM_RATING_MAX:
        if (value < ds->rating_min)
            return rs__err(&ds->err, RS_ERR_RANGE, "rating_max = %g is below rating_min = %g",
                           value, ds->rating_min);
        ds->rating_max = value;
        break;
    default:
        return rs__err(&ds->err, RS_ERR_UNKNOWN_PARAM, "parameter %s has no storage", r->name);
    }
    return RS_OK;
}

rs_status rs_dataset_get_int(const rs_dataset *ds, rs_param param, int64_t *out)
{
    if (!ds || !out)
        return RS_ERR_INVALID_ARG;
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_DATASET)
        return RS_ERR_UNKNOWN_PARAM;
    if (r->type == RS__PT_REAL)
        return RS_ERR_PARAM_TYPE;
    switch (param) {
    case RS_PARAM_CSV_DELIMITER: *out = ds->csv_delim; return RS_OK;
    case RS_PARAM_CSV_USER_COL: *out = ds->csv_user_col; return RS_OK;
    case RS_PARAM_CSV_ITEM_COL: *out = ds->csv_item_col; return RS_OK;
    case RS_PARAM_CSV_RATING_COL: *out = ds->csv_rating_col; return RS_OK;
    default: return RS_ERR_UNKNOWN_PARAM;
    }
}

rs_status rs_dataset_get_double(const rs_dataset *ds, rs_param param, double *out)
{
    if (!ds || !out)
        return RS_ERR_INVALID_ARG;
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_DATASET)
        return RS_ERR_UNKNOWN_PARAM;
    if (r->type != RS__PT_REAL)
        return RS_ERR_PARAM_TYPE;
    switch (param) {
    case RS_PARAM_RATING_MIN: *out = ds->rating_min; return RS_OK;
    case RS_PARAM_RATING_MAX: *out = ds->rating_max; return RS_OK;
    default: return RS_ERR_UNKNOWN_PARAM;
    }
}

/* ---- storage ---- */

static void recompute_cap(rs_dataset *ds)
{
    size_t cap = ds->acap[0];
    for (int k = 1; k < (ds->weight ? 4 : 3); k++)
        if (ds->acap[k] < cap)
            cap = ds->acap[k];
    ds->cap = cap;
}

/* Resize every rating array to ncap (>= n). Each array's exact size is kept
 * in acap, so a failure halfway leaves a consistent (if uneven) state that
 * the allocator can still be told the truth about. */
static rs_status resize_arrays(rs_dataset *ds, size_t ncap)
{
    const rs__allocator *a = &ds->alloc;
    void **arr[4] = {(void **)&ds->user, (void **)&ds->item, (void **)&ds->rating,
                     (void **)&ds->weight};
    rs_status st = RS_OK;
    for (int k = 0; k < 4 && st == RS_OK; k++) {
        if (k == 3 && !ds->weight)
            break;
        if (ds->acap[k] == ncap)
            continue;
        void *p = rs__realloc(a, *arr[k], ds->acap[k], ncap, 4);
        if (!p) {
            st = RS_ERR_NOMEM;
            break;
        }
        *arr[k] = p;
        ds->acap[k] = ncap;
    }
    recompute_cap(ds);
    return st;
}

rs_status rs__dataset_reserve(rs_dataset *ds, size_t extra)
{
    if (extra > (size_t)-1 / 16 - ds->n)
        return RS_ERR_NOMEM;
    size_t need = ds->n + extra;
    if (need <= ds->cap)
        return RS_OK;
    size_t ncap = ds->cap + ds->cap / 2;
    if (ncap < need)
        ncap = need;
    if (ncap < 64)
        ncap = 64;
    return resize_arrays(ds, ncap);
}

rs_status rs__dataset_reserve_exact(rs_dataset *ds, size_t extra)
{
    if (extra > (size_t)-1 / 16 - ds->n)
        return RS_ERR_NOMEM;
    size_t need = ds->n + extra;
    if (need <= ds->cap)
        return RS_OK;
    return resize_arrays(ds, need);
}

void rs__dataset_shrink(rs_dataset *ds)
{
    /* Best effort: trimming the estimate's slack is not worth failing for. */
    size_t want = ds->n < 64 ? 64 : ds->n;
    if (ds->cap > want && ds->cap - want > ds->cap / 64)
        (void)resize_arrays(ds, want);
}

rs_status rs__dataset_enable_weights(rs_dataset *ds)
{
    if (ds->weight)
        return RS_OK;
    if (ds->cap == 0) {
        rs_status st = resize_arrays(ds, 64);
        if (st != RS_OK)
            return st;
    }
    float *w = rs__alloc(&ds->alloc, ds->cap, sizeof *w);
    if (!w)
        return RS_ERR_NOMEM;
    for (size_t k = 0; k < ds->n; k++)
        w[k] = 1.0f;
    ds->weight = w;
    ds->acap[3] = ds->cap;
    return RS_OK;
}

rs__dataset_mark rs__dataset_mark_now(const rs_dataset *ds)
{
    rs__dataset_mark m;
    m.n = ds->n;
    m.n_users = ds->users.count;
    m.n_items = ds->items.count;
    m.had_weights = ds->weight != NULL;
    m.uf = rs__features_mark_now(&ds->user_feat);
    m.itf = rs__features_mark_now(&ds->item_feat);
    return m;
}

void rs__dataset_rollback(rs_dataset *ds, rs__dataset_mark mark)
{
    if (ds->n > mark.n)
        ds->n = mark.n;
    rs__idmap_truncate(&ds->users, mark.n_users);
    rs__idmap_truncate(&ds->items, mark.n_items);
    if (!mark.had_weights && ds->weight) {
        rs__free(&ds->alloc, ds->weight, ds->acap[3], sizeof *ds->weight);
        ds->weight = NULL;
        ds->acap[3] = 0;
        recompute_cap(ds);
    }
    rs__features_rollback(&ds->user_feat, &ds->alloc, mark.uf);
    rs__features_rollback(&ds->item_feat, &ds->alloc, mark.itf);
}

/* ---- ratings ---- */

void rs__rating_why(const rs_dataset *ds, double r, char *buf, size_t cap)
{
    if (!isfinite(r) || !isfinite((float)r))
        snprintf(buf, cap, "rating %g is not finite (as a float)", r);
    else
        snprintf(buf, cap,
                 "rating %g is outside the accepted range [%g, %g]: a mis-scaled rating column? "
                 "(widen it with RS_PARAM_RATING_MIN/MAX if the data is right)",
                 r, ds->rating_min, ds->rating_max);
}

static rs_status check_rating(rs_dataset *ds, float rating, float weight, size_t at, int batch)
{
    int bad_rating = !rs__rating_ok(ds, rating);
    int bad_weight = !isfinite(weight) || !(weight > 0.0f);
    if (RS_LIKELY(!bad_rating && !bad_weight))
        return RS_OK; /* the hot path formats nothing */
    char where[48] = "";
    if (batch)
        snprintf(where, sizeof where, " (entry %zu)", at);
    if (bad_rating) {
        char why[200];
        rs__rating_why(ds, rating, why, sizeof why);
        return rs__err(&ds->err, RS_ERR_RANGE, "%s%s", why, where);
    }
    return rs__err(&ds->err, RS_ERR_RANGE, "weight %g must be finite and > 0%s", (double)weight,
                   where);
}

static rs_status insert_fail(rs_dataset *ds, rs_status st, rs__dataset_mark mark)
{
    rs__dataset_rollback(ds, mark);
    if (st == RS_ERR_RANGE)
        return rs__err(&ds->err, st, "too many distinct ids (at most %zu per side)",
                       (size_t)RS__IDMAP_MAX);
    return rs__err(&ds->err, st, "out of memory while adding ratings");
}

rs_status rs_dataset_add_rating(rs_dataset *ds, int64_t user, int64_t item, float rating,
                                float weight)
{
    return rs_dataset_add_ratings(ds, &user, &item, &rating, &weight, 1);
}

rs_status rs_dataset_add_ratings(rs_dataset *ds, const int64_t *users, const int64_t *items,
                                 const float *ratings, const float *weights, size_t n)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (n == 0)
        return RS_OK;
    if (!users || !items || !ratings)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "users, items and ratings must not be NULL");
    int need_weights = 0;
    for (size_t k = 0; k < n; k++) {
        float w = weights ? weights[k] : 1.0f;
        rs_status st = check_rating(ds, ratings[k], w, k, n > 1);
        if (st != RS_OK)
            return st;
        need_weights |= w != 1.0f;
    }
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    rs_status st = rs__dataset_reserve(ds, n);
    if (st == RS_OK && need_weights)
        st = rs__dataset_enable_weights(ds);
    if (st != RS_OK)
        return insert_fail(ds, st, mark);
    for (size_t k = 0; k < n; k++) {
        int32_t u, i;
        st = rs__idmap_insert(&ds->users, &ds->alloc, users[k], &u);
        if (st == RS_OK)
            st = rs__idmap_insert(&ds->items, &ds->alloc, items[k], &i);
        if (st != RS_OK)
            return insert_fail(ds, st, mark);
        rs__dataset_push(ds, u, i, ratings[k], weights ? weights[k] : 1.0f);
    }
    return RS_OK;
}

/* ---- accessors ---- */

size_t rs_dataset_num_ratings(const rs_dataset *ds) { return ds ? ds->n : 0; }
size_t rs_dataset_num_users(const rs_dataset *ds) { return ds ? ds->users.count : 0; }
size_t rs_dataset_num_items(const rs_dataset *ds) { return ds ? ds->items.count : 0; }

rs_status rs_dataset_get_rating(const rs_dataset *ds, size_t index, int64_t *user, int64_t *item,
                                float *rating, float *weight)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    if (index >= ds->n)
        return RS_ERR_RANGE;
    if (user)
        *user = ds->users.ids[ds->user[index]];
    if (item)
        *item = ds->items.ids[ds->item[index]];
    if (rating)
        *rating = ds->rating[index];
    if (weight)
        *weight = ds->weight ? ds->weight[index] : 1.0f;
    return RS_OK;
}

rs_status rs_dataset_id_to_index(const rs_dataset *ds, int32_t side, int64_t id,
                                 int32_t *index_out)
{
    if (!ds || !index_out || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    int32_t idx = rs__idmap_find(side == RS_SIDE_USER ? &ds->users : &ds->items, id);
    if (idx < 0)
        return RS_ERR_UNKNOWN_ID;
    *index_out = idx;
    return RS_OK;
}

rs_status rs_dataset_index_to_id(const rs_dataset *ds, int32_t side, int32_t index,
                                 int64_t *id_out)
{
    if (!ds || !id_out || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    const rs__idmap *m = side == RS_SIDE_USER ? &ds->users : &ds->items;
    if (index < 0 || (size_t)index >= m->count)
        return RS_ERR_RANGE;
    *id_out = m->ids[index];
    return RS_OK;
}
