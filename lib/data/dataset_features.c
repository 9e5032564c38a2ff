/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dataset_features.c: the public feature calls of rs_dataset (declare, set,
 * get, standardise) on top of rs__features. */
#include <math.h>
#include <string.h>

#include "dataset.h"

static int valid_side(int32_t side) { return side == RS_SIDE_USER || side == RS_SIDE_ITEM; }

static const rs__features *features_of(const rs_dataset *ds, int32_t side)
{
    return side == RS_SIDE_USER ? &ds->user_feat : &ds->item_feat;
}

rs_status rs_dataset_add_feature(rs_dataset *ds, int32_t side, const char *name,
                                 int32_t *index_out)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (!valid_side(side))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "side must be RS_SIDE_USER or RS_SIDE_ITEM");
    if (!name || !name[0])
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "feature name must be non-empty");
    rs_status st = rs__features_add_name(rs__dataset_features(ds, side), &ds->alloc, name,
                                         index_out);
    if (st == RS_ERR_NOMEM)
        return rs__err(&ds->err, st, "out of memory declaring feature '%.60s'", name);
    if (st != RS_OK)
        return rs__err(&ds->err, st, "too many features");
    return RS_OK;
}

size_t rs_dataset_num_features(const rs_dataset *ds, int32_t side)
{
    if (!ds || !valid_side(side))
        return 0;
    return features_of(ds, side)->n_features;
}

const char *rs_dataset_feature_name(const rs_dataset *ds, int32_t side, int32_t index)
{
    if (!ds || !valid_side(side))
        return NULL;
    const rs__features *f = features_of(ds, side);
    if (index < 0 || (size_t)index >= f->n_features)
        return NULL;
    return f->names[index];
}

/* The row of one id, int64 (sid NULL) or string (sid, sn bytes). */
static rs_status set_features(rs_dataset *ds, int32_t side, int64_t id, const char *sid,
                              size_t sn, const int32_t *features, const float *values, size_t n)
{
    if (!valid_side(side))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "side must be RS_SIDE_USER or RS_SIDE_ITEM");
    if ((sid != NULL) != rs__dataset_string_ids(ds))
        return rs__err(&ds->err, RS_ERR_STATE,
                       sid ? "the dataset uses int64 ids (RS_PARAM_STRING_IDS is 0)"
                           : "the dataset uses string ids: use rs_dataset_set_features_str");
    if (sid && (sn == 0 || sn > RS__STR_ID_MAX))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "the id must be 1 to %zu bytes long",
                       RS__STR_ID_MAX);
    if (n > 0 && !features)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "features must not be NULL when n > 0");
    rs__features *f = rs__dataset_features(ds, side);
    for (size_t k = 0; k < n; k++) {
        if (features[k] < 0 || (size_t)features[k] >= f->n_features)
            return rs__err(&ds->err, RS_ERR_RANGE,
                           "feature index %d (entry %zu) is outside [0, %zu)", (int)features[k],
                           k, f->n_features);
        if (values && !isfinite(values[k]))
            return rs__err(&ds->err, RS_ERR_RANGE, "feature value (entry %zu) is not finite", k);
    }
    int dup = rs__features_has_duplicate(features, n, &ds->alloc);
    if (dup < 0)
        return rs__err(&ds->err, RS_ERR_NOMEM, "out of memory");
    if (dup)
        return rs__err(&ds->err, RS_ERR_FORMAT, "duplicate feature index in the row");
    rs__dataset_mark mark = rs__dataset_mark_now(ds);
    int32_t row;
    rs_status st = sid ? rs__dataset_intern_str(ds, side, sid, sn, &row)
                       : rs__idmap_insert(rs__dataset_idmap(ds, side), &ds->alloc, id, &row);
    if (st == RS_OK)
        st = rs__features_set_row(f, &ds->alloc, (size_t)row, features, values, n);
    if (st != RS_OK) {
        rs__dataset_rollback(ds, mark);
        if (ds->err.msg[0]) /* a key clash, already described */
            return st;
        return rs__err(&ds->err, st, st == RS_ERR_NOMEM ? "out of memory" : "too many ids");
    }
    rs__features_compact(f, &ds->alloc);
    return RS_OK;
}

rs_status rs_dataset_set_features(rs_dataset *ds, int32_t side, int64_t id,
                                  const int32_t *features, const float *values, size_t n)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    return set_features(ds, side, id, NULL, 0, features, values, n);
}

rs_status rs_dataset_set_features_str(rs_dataset *ds, int32_t side, const char *id,
                                      const int32_t *features, const float *values, size_t n)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (!id)
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "id must not be NULL");
    size_t sn = rs__str_id_len(id);
    return set_features(ds, side, 0, id, sn, features, values, n);
}

rs_status rs_dataset_get_features(const rs_dataset *ds, int32_t side, int64_t id,
                                  int32_t *features, float *values, size_t cap, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!ds || !n_out || !valid_side(side) || (cap > 0 && (!features || !values)))
        return RS_ERR_INVALID_ARG;
    int32_t row = rs__idmap_find(side == RS_SIDE_USER ? &ds->users : &ds->items, id);
    if (row < 0)
        return RS_ERR_UNKNOWN_ID;
    const int32_t *col;
    const float *val;
    size_t len = rs__features_row(features_of(ds, side), (size_t)row, &col, &val);
    size_t k = len < cap ? len : cap;
    if (k) {
        memcpy(features, col, k * sizeof *features);
        memcpy(values, val, k * sizeof *values);
    }
    *n_out = len;
    return RS_OK;
}

rs_status rs_dataset_standardize_features(rs_dataset *ds, int32_t side)
{
    if (!ds)
        return RS_ERR_INVALID_ARG;
    rs__err_clear(&ds->err);
    if (!valid_side(side))
        return rs__err(&ds->err, RS_ERR_INVALID_ARG, "side must be RS_SIDE_USER or RS_SIDE_ITEM");
    rs__features *f = rs__dataset_features(ds, side);
    size_t nf = f->n_features;
    if (nf == 0)
        return RS_OK;
    /* Per feature: count, mean, sum of squared deviations, min, max. Two
     * passes keep the variance accurate for large offsets. */
    double *stat = rs__calloc(&ds->alloc, nf * 5, sizeof *stat);
    if (!stat)
        return rs__err(&ds->err, RS_ERR_NOMEM, "out of memory");
    double *cnt = stat, *mean = stat + nf, *ss = stat + 2 * nf, *lo = stat + 3 * nf,
           *hi = stat + 4 * nf;
    for (size_t r = 0; r < f->n_rows; r++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(f, r, &col, &val);
        for (size_t k = 0; k < len; k++) {
            size_t j = (size_t)col[k];
            double v = val[k];
            if (cnt[j] == 0 || v < lo[j])
                lo[j] = v;
            if (cnt[j] == 0 || v > hi[j])
                hi[j] = v;
            cnt[j] += 1;
            mean[j] += v;
        }
    }
    for (size_t j = 0; j < nf; j++)
        if (cnt[j] > 0)
            mean[j] /= cnt[j];
    for (size_t r = 0; r < f->n_rows; r++) {
        const int32_t *col;
        const float *val;
        size_t len = rs__features_row(f, r, &col, &val);
        for (size_t k = 0; k < len; k++) {
            double d = val[k] - mean[col[k]];
            ss[col[k]] += d * d;
        }
    }
    for (size_t r = 0; r < f->n_rows; r++) {
        if (f->row_len[r] == 0)
            continue;
        float *val = f->val + f->row_off[r];
        const int32_t *col = f->col + f->row_off[r];
        for (size_t k = 0; k < f->row_len[r]; k++) {
            size_t j = (size_t)col[k];
            if (lo[j] == hi[j])
                continue; /* constant (one-hot flags): leave sparse as is */
            double sd = sqrt(ss[j] / cnt[j]);
            if (sd > 0)
                val[k] = (float)((val[k] - mean[j]) / sd);
        }
    }
    rs__free(&ds->alloc, stat, nf * 5, sizeof *stat);
    return RS_OK;
}
