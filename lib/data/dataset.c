/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dataset.c: the rs_dataset object: lifecycle, parameters, ratings, id
 * lookups and the mark/rollback that makes every batch all-or-nothing. */
#include "dataset.h"

#include <math.h>
#include <stdio.h> /* snprintf only */
#include <string.h>

#include "common/params.h"

static void set_defaults(rs_dataset *ds)
{
    ds->rating_min = rs__param_find(RS_PARAM_RATING_MIN)->def;
    ds->rating_max = rs__param_find(RS_PARAM_RATING_MAX)->def;
    ds->csv_delim = (int32_t)rs__param_find(RS_PARAM_CSV_DELIMITER)->def;
    ds->csv_user_col = (int32_t)rs__param_find(RS_PARAM_CSV_USER_COL)->def;
    ds->csv_item_col = (int32_t)rs__param_find(RS_PARAM_CSV_ITEM_COL)->def;
    ds->csv_rating_col = (int32_t)rs__param_find(RS_PARAM_CSV_RATING_COL)->def;
    ds->csv_time_col = (int32_t)rs__param_find(RS_PARAM_CSV_TIME_COL)->def;
    ds->has_header = (int32_t)rs__param_find(RS_PARAM_HAS_HEADER)->def;
    ds->keep_time = (int32_t)rs__param_find(RS_PARAM_TIMESTAMPS)->def;
    ds->ml_title_words = (int32_t)rs__param_find(RS_PARAM_MOVIELENS_TITLE_WORDS)->def;
    ds->ml_year = (int32_t)rs__param_find(RS_PARAM_MOVIELENS_YEAR)->def;
}

void rs__dataset_copy_params(rs_dataset *dst, const rs_dataset *src)
{
    dst->rating_min = src->rating_min;
    dst->rating_max = src->rating_max;
    dst->csv_delim = src->csv_delim;
    dst->csv_user_col = src->csv_user_col;
    dst->csv_item_col = src->csv_item_col;
    dst->csv_rating_col = src->csv_rating_col;
    dst->ml_title_words = src->ml_title_words;
    dst->ml_year = src->ml_year;
    dst->csv_time_col = src->csv_time_col;
    dst->has_header = src->has_header;
    dst->keep_time = src->keep_time;
    dst->users.strings = src->users.strings;
    dst->items.strings = src->items.strings;
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
    rs__free(&a, ds->time, ds->acap[4], sizeof *ds->time);
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
    case RS_PARAM_MOVIELENS_TITLE_WORDS: ds->ml_title_words = (int32_t)value; break;
    case RS_PARAM_MOVIELENS_YEAR: ds->ml_year = (int32_t)value; break;
    case RS_PARAM_CSV_TIME_COL: ds->csv_time_col = (int32_t)value; break;
    case RS_PARAM_HAS_HEADER: ds->has_header = (int32_t)value; break;
    case RS_PARAM_TIMESTAMPS: ds->keep_time = (int32_t)value; break;
    case RS_PARAM_STRING_IDS:
        if ((value != 0) == rs__dataset_string_ids(ds))
            break;
        /* The two kinds of id never mix in one map. */
        if (ds->users.count || ds->items.count || ds->n)
            return rs__err(&ds->err, RS_ERR_STATE,
                           "string_ids can only change while the dataset is empty (it has %zu "
                           "users and %zu items)",
                           ds->users.count, ds->items.count);
        ds->users.strings = ds->items.strings = value != 0;
        break;
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
    case RS_PARAM_MOVIELENS_TITLE_WORDS: *out = ds->ml_title_words; return RS_OK;
    case RS_PARAM_MOVIELENS_YEAR: *out = ds->ml_year; return RS_OK;
    case RS_PARAM_CSV_TIME_COL: *out = ds->csv_time_col; return RS_OK;
    case RS_PARAM_HAS_HEADER: *out = ds->has_header; return RS_OK;
    case RS_PARAM_TIMESTAMPS: *out = ds->keep_time; return RS_OK;
    case RS_PARAM_STRING_IDS: *out = rs__dataset_string_ids(ds); return RS_OK;
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

/* The rating arrays: user, item, rating, then the optional weight and time
 * columns (NULL while absent). */
static const size_t ELEM[5] = {sizeof(int32_t), sizeof(int32_t), sizeof(float), sizeof(float),
                               sizeof(int64_t)};

static void **array_slot(rs_dataset *ds, int k)
{
    switch (k) {
    case 0: return (void **)&ds->user;
    case 1: return (void **)&ds->item;
    case 2: return (void **)&ds->rating;
    case 3: return (void **)&ds->weight;
    default: return (void **)&ds->time;
    }
}

static void recompute_cap(rs_dataset *ds)
{
    size_t cap = ds->acap[0];
    for (int k = 1; k < 5; k++)
        if ((k < 3 || *array_slot(ds, k)) && ds->acap[k] < cap)
            cap = ds->acap[k];
    ds->cap = cap;
}

/* Resize every rating array in use to ncap (>= n). Each array's exact size
 * is kept in acap, so a failure halfway leaves a consistent (if uneven)
 * state that the allocator can still be told the truth about. */
static rs_status resize_arrays(rs_dataset *ds, size_t ncap)
{
    const rs__allocator *a = &ds->alloc;
    rs_status st = RS_OK;
    for (int k = 0; k < 5 && st == RS_OK; k++) {
        void **arr = array_slot(ds, k);
        if ((k >= 3 && !*arr) || ds->acap[k] == ncap)
            continue;
        void *p = rs__realloc(a, *arr, ds->acap[k], ncap, ELEM[k]);
        if (!p) {
            st = RS_ERR_NOMEM;
            break;
        }
        *arr = p;
        ds->acap[k] = ncap;
    }
    recompute_cap(ds);
    return st;
}

void rs__dataset_take_ratings(rs_dataset *ds, rs__rating_columns *out)
{
    out->user = ds->user;
    out->item = ds->item;
    out->rating = ds->rating;
    out->weight = ds->weight;
    out->time = ds->time;
    out->n = ds->n;
    memcpy(out->acap, ds->acap, sizeof out->acap);
    ds->user = ds->item = NULL;
    ds->rating = ds->weight = NULL;
    ds->time = NULL;
    ds->n = 0;
    memset(ds->acap, 0, sizeof ds->acap);
    recompute_cap(ds);
}

void rs__dataset_return_ratings(rs_dataset *ds, rs__rating_columns *cols)
{
    ds->user = cols->user;
    ds->item = cols->item;
    ds->rating = cols->rating;
    ds->weight = cols->weight;
    ds->time = cols->time;
    ds->n = cols->n;
    memcpy(ds->acap, cols->acap, sizeof ds->acap);
    recompute_cap(ds);
    memset(cols, 0, sizeof *cols);
}

void rs__rating_columns_free(rs__rating_columns *c, const rs__allocator *a)
{
    rs__free(a, c->user, c->acap[0], sizeof *c->user);
    rs__free(a, c->item, c->acap[1], sizeof *c->item);
    rs__free(a, c->rating, c->acap[2], sizeof *c->rating);
    rs__free(a, c->weight, c->acap[3], sizeof *c->weight);
    rs__free(a, c->time, c->acap[4], sizeof *c->time);
    memset(c, 0, sizeof *c);
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

rs_status rs__dataset_enable_time(rs_dataset *ds)
{
    if (ds->time)
        return RS_OK;
    if (ds->cap == 0) {
        rs_status st = resize_arrays(ds, 64);
        if (st != RS_OK)
            return st;
    }
    int64_t *t = rs__alloc(&ds->alloc, ds->cap, sizeof *t);
    if (!t)
        return RS_ERR_NOMEM;
    for (size_t k = 0; k < ds->n; k++)
        t[k] = RS_NO_TIMESTAMP;
    ds->time = t;
    ds->acap[4] = ds->cap;
    return RS_OK;
}

rs__dataset_mark rs__dataset_mark_now(const rs_dataset *ds)
{
    rs__dataset_mark m;
    m.n = ds->n;
    m.n_users = ds->users.count;
    m.n_items = ds->items.count;
    m.had_weights = ds->weight != NULL;
    m.had_time = ds->time != NULL;
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
    if (!mark.had_time && ds->time) {
        rs__free(&ds->alloc, ds->time, ds->acap[4], sizeof *ds->time);
        ds->time = NULL;
        ds->acap[4] = 0;
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

/* Length of a string id, or 0 when it is NULL, empty or too long. */
static size_t str_id_len(const char *s)
{
    size_t n = s ? rs__str_id_len(s) : 0;
    return n <= RS__STR_ID_MAX ? n : 0;
}

rs_status rs__dataset_intern_str(rs_dataset *ds, int32_t side, const char *s, size_t n,
                                 int32_t *index_out)
{
    rs__idmap *m = rs__dataset_idmap(ds, side);
    rs_status st = rs__idmap_insert_str(m, &ds->alloc, s, n, index_out);
    if (st == RS_ERR_FORMAT) {
        size_t len;
        const char *other = rs__idmap_str(m, *index_out, &len);
        return rs__err(&ds->err, RS_ERR_RANGE,
                       "%s ids '%.*s' and '%.*s' have the same 64-bit key; one must be renamed",
                       side == RS_SIDE_USER ? "user" : "item", (int)(n > 60 ? 60 : n), s,
                       (int)(len > 60 ? 60 : len), other);
    }
    return st;
}

/* One batch, all or nothing: int64 ids (users/items) or string ids
 * (susers/sitems), optional weights and timestamps. */
static rs_status add_batch(rs_dataset *ds, const int64_t *users, const int64_t *items,
                           const char *const *susers, const char *const *sitems,
                           const float *ratings, const float *weights,
                           const int64_t *timestamps, size_t n)
{
    int strings = susers != NULL;
    int need_weights = 0;
    for (size_t k = 0; k < n; k++) {
        float w = weights ? weights[k] : 1.0f;
        rs_status st = check_rating(ds, ratings[k], w, k, n > 1);
        if (st != RS_OK)
            return st;
        need_weights |= w != 1.0f;
        if (timestamps && timestamps[k] == RS_NO_TIMESTAMP)
            return rs__err(&ds->err, RS_ERR_RANGE,
                           "timestamp (entry %zu) is RS_NO_TIMESTAMP; pass NULL for none", k);
        if (strings && (!str_id_len(susers[k]) || !str_id_len(sitems[k])))
            return rs__err(&ds->err, RS_ERR_INVALID_ARG,
                           "%s id (entry %zu) is NULL, empty or longer than %zu bytes",
                           str_id_len(susers[k]) ? "item" : "user", k, RS__STR_ID_MAX);
    }
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    rs_status st = rs__dataset_reserve(ds, n);
    if (st == RS_OK && need_weights)
        st = rs__dataset_enable_weights(ds);
    if (st == RS_OK && timestamps && ds->keep_time)
        st = rs__dataset_enable_time(ds);
    if (st != RS_OK)
        return insert_fail(ds, st, mark);
    for (size_t k = 0; k < n; k++) {
        int32_t u, i;
        if (strings) {
            st = rs__dataset_intern_str(ds, RS_SIDE_USER, susers[k], str_id_len(susers[k]), &u);
            if (st == RS_OK)
                st = rs__dataset_intern_str(ds, RS_SIDE_ITEM, sitems[k], str_id_len(sitems[k]),
                                            &i);
        } else {
            st = rs__idmap_insert(&ds->users, &ds->alloc, users[k], &u);
            if (st == RS_OK)
                st = rs__idmap_insert(&ds->items, &ds->alloc, items[k], &i);
        }
        if (st != RS_OK) {
            if (ds->err.msg[0]) { /* a key clash, already described */
                rs__dataset_rollback(ds, mark);
                return st;
            }
            return insert_fail(ds, st, mark);
        }
        rs__dataset_push_timed(ds, u, i, ratings[k], weights ? weights[k] : 1.0f,
                               timestamps ? timestamps[k] : RS_NO_TIMESTAMP);
    }
    return RS_OK;
}

static rs_status add_entry(rs_dataset *ds, int strings, size_t n, const void *users,
                           const void *items, const float *ratings)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (strings != rs__dataset_string_ids(ds))
        return rs__err(&ds->err, RS_ERR_STATE,
                       strings ? "the dataset uses int64 ids: set RS_PARAM_STRING_IDS first "
                                 "(while it is empty) to add string ids"
                               : "the dataset uses string ids: add ratings with "
                                 "rs_dataset_add_ratings_str");
    if (n > 0 && (!users || !items || !ratings))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "users, items and ratings must not be NULL");
    return RS_OK;
}

rs_status rs_dataset_add_rating(rs_dataset *ds, int64_t user, int64_t item, float rating,
                                float weight)
{
    return rs_dataset_add_ratings(ds, &user, &item, &rating, &weight, 1);
}

rs_status rs_dataset_add_ratings(rs_dataset *ds, const int64_t *users, const int64_t *items,
                                 const float *ratings, const float *weights, size_t n)
{
    return rs_dataset_add_ratings_timed(ds, users, items, ratings, weights, NULL, n);
}

rs_status rs_dataset_add_ratings_timed(rs_dataset *ds, const int64_t *users, const int64_t *items,
                                       const float *ratings, const float *weights,
                                       const int64_t *timestamps, size_t n)
{
    rs_status st = add_entry(ds, 0, n, users, items, ratings);
    if (st != RS_OK || n == 0)
        return st;
    return add_batch(ds, users, items, NULL, NULL, ratings, weights, timestamps, n);
}

rs_status rs_dataset_add_rating_str(rs_dataset *ds, const char *user, const char *item,
                                    float rating, float weight)
{
    return rs_dataset_add_ratings_str(ds, &user, &item, &rating, &weight, NULL, 1);
}

rs_status rs_dataset_add_ratings_str(rs_dataset *ds, const char *const *users,
                                     const char *const *items, const float *ratings,
                                     const float *weights, const int64_t *timestamps, size_t n)
{
    rs_status st = add_entry(ds, 1, n, users, items, ratings);
    if (st != RS_OK || n == 0)
        return st;
    return add_batch(ds, NULL, NULL, users, items, ratings, weights, timestamps, n);
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

static const rs__idmap *side_map(const rs_dataset *ds, int32_t side)
{
    return side == RS_SIDE_USER ? &ds->users : &ds->items;
}

rs_status rs_dataset_id_to_index_str(const rs_dataset *ds, int32_t side, const char *id,
                                     int32_t *index_out)
{
    if (!ds || !id || !index_out || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    if (!rs__dataset_string_ids(ds))
        return RS_ERR_STATE;
    size_t n = str_id_len(id);
    int32_t idx = n ? rs__idmap_find_str(side_map(ds, side), id, n) : -1;
    if (idx < 0)
        return RS_ERR_UNKNOWN_ID;
    *index_out = idx;
    return RS_OK;
}

rs_status rs_dataset_index_to_id_str(const rs_dataset *ds, int32_t side, int32_t index, char *buf,
                                     size_t cap, size_t *len_out)
{
    if (len_out)
        *len_out = 0;
    if (!ds || !len_out || (!buf && cap > 0) || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    if (!rs__dataset_string_ids(ds))
        return RS_ERR_STATE;
    const rs__idmap *m = side_map(ds, side);
    if (index < 0 || (size_t)index >= m->count)
        return RS_ERR_RANGE;
    return rs__idmap_copy_str(m, index, buf, cap, len_out);
}

int32_t rs_dataset_has_timestamps(const rs_dataset *ds) { return ds && ds->time ? 1 : 0; }

rs_status rs_dataset_get_timestamp(const rs_dataset *ds, size_t index, int64_t *ts_out)
{
    if (!ds || !ts_out)
        return RS_ERR_INVALID_ARG;
    if (index >= ds->n)
        return RS_ERR_RANGE;
    if (!ds->time)
        return RS_ERR_STATE;
    *ts_out = ds->time[index];
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
