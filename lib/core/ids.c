/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * ids.c: growing a fitted model by new users and items. New ids start with
 * zero id parameters and no seen items, so a content or hybrid model scores
 * them from their features alone and a collaborative model from the global
 * mean and the other side's bias (the same numbers as the fallback chain).
 * rs_model_set_features is the public entry point; online updates
 * (rs_partial_fit) reuse the same two steps: reserve, then push. */
#include <math.h>
#include <string.h>

#include "model.h"

rs_status rs__model_reserve_ids(rs_model *m, int32_t side, size_t extra)
{
    rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    size_t want = map->count + extra;
    if (want > RS__IDMAP_MAX)
        return RS_ERR_RANGE;
    rs_status st = rs__idmap_reserve(map, &m->alloc, want);
    for (size_t b = 0; st == RS_OK && b < m->w.n_blocks; b++)
        if (rs__block_side(&m->w.blocks[b]) == side)
            st = rs__block_reserve_rows(&m->w.blocks[b], &m->alloc, want);
    if (st == RS_OK && side == RS_SIDE_USER && want > m->seen_users_cap) {
        size_t cap = m->seen_users_cap * 2 > want ? m->seen_users_cap * 2 : want;
        size_t *off = rs__realloc(&m->alloc, m->seen_off, m->seen_users_cap + 1, cap + 1,
                                  sizeof *off);
        if (!off)
            return RS_ERR_NOMEM;
        m->seen_off = off;
        m->seen_users_cap = cap;
    }
    return st;
}

int32_t rs__model_push_id(rs_model *m, int32_t side, int64_t id)
{
    rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    int32_t index;
    rs__idmap_insert(map, &m->alloc, id, &index); /* reserved: cannot fail */
    for (size_t b = 0; b < m->w.n_blocks; b++) {
        rs__block *blk = &m->w.blocks[b];
        if (rs__block_side(blk) != side)
            continue;
        memset(blk->data + blk->rows * blk->stride, 0, blk->stride * sizeof(float));
        blk->rows++;
    }
    if (side == RS_SIDE_USER) {
        m->seen_off[m->w.n_users + 1] = m->seen_off[m->w.n_users];
        m->w.n_users++;
    } else {
        m->w.n_items++;
    }
    return index;
}

void rs__model_pop_ids(rs_model *m, int32_t side, size_t count)
{
    rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    if (count >= map->count)
        return;
    rs__idmap_truncate(map, count);
    for (size_t b = 0; b < m->w.n_blocks; b++) {
        rs__block *blk = &m->w.blocks[b];
        if (rs__block_side(blk) == side && blk->rows > count) {
            memset(blk->data + count * blk->stride, 0, (blk->rows - count) * blk->stride * sizeof(float));
            blk->rows = count;
        }
    }
    if (side == RS_SIDE_USER)
        m->w.n_users = count;
    else
        m->w.n_items = count;
}

rs_status rs_model_set_features(rs_model *m, int32_t side, int64_t id, const int32_t *features,
                                const float *values, size_t n)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    if (m->in_callback)
        return rs__err(&m->err, RS_ERR_MISUSE, "called from inside a callback of this model");
    rs__err_clear(&m->err);
    if (side != RS_SIDE_USER && side != RS_SIDE_ITEM)
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "side must be RS_SIDE_USER or RS_SIDE_ITEM");
    if (n > 0 && !features)
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "features is NULL with n = %zu", n);
    if (!m->fitted)
        return rs__err(&m->err, RS_ERR_STATE, "the model is not fitted");
    const char *what = side == RS_SIDE_USER ? "user" : "item";
    rs__features *ft = side == RS_SIDE_USER ? &m->w.user_feat : &m->w.item_feat;
    size_t n_features = side == RS_SIDE_USER ? m->w.n_user_features : m->w.n_item_features;
    for (size_t j = 0; j < n; j++) {
        if (features[j] < 0 || (size_t)features[j] >= n_features)
            return rs__err(&m->err, RS_ERR_RANGE,
                           "%s feature index %d is outside [0, %zu) (the model's %s features)",
                           what, (int)features[j], n_features, what);
        if (values && !isfinite(values[j]))
            return rs__err(&m->err, RS_ERR_RANGE, "%s feature %d has a non-finite value", what,
                           (int)features[j]);
        for (size_t k = 0; k < j; k++)
            if (features[k] == features[j])
                return rs__err(&m->err, RS_ERR_FORMAT, "%s feature %d appears twice", what,
                               (int)features[j]);
    }
    rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    int32_t index = rs__idmap_find(map, id);
    rs_status st = RS_OK;
    if (index < 0)
        st = rs__model_reserve_ids(m, side, 1);
    size_t row = index >= 0 ? (size_t)index : map->count;
    if (st == RS_OK && (n > 0 || row < ft->n_rows))
        st = rs__features_set_row(ft, &m->alloc, row, features, values, n);
    if (st != RS_OK)
        return rs__err(&m->err, st, "could not register %s %lld: %s", what, (long long)id,
                       rs_status_string(st));
    if (index < 0)
        rs__model_push_id(m, side, id);
    if (side == RS_SIDE_ITEM)
        rs__model_serving_refresh(m, row, 1);
    return RS_OK;
}

rs_status rs_model_feature_index(const rs_model *m, int32_t side, const char *name,
                                 int32_t *index_out)
{
    if (index_out)
        *index_out = -1;
    if (!m || !name || !index_out || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted)
        return RS_ERR_STATE;
    int32_t k = rs__features_find(side == RS_SIDE_USER ? &m->w.user_feat : &m->w.item_feat, name);
    if (k < 0)
        return RS_ERR_UNKNOWN_ID;
    *index_out = k;
    return RS_OK;
}

size_t rs_model_num_features(const rs_model *m, int32_t side)
{
    if (!m || !m->fitted)
        return 0;
    return side == RS_SIDE_USER ? m->w.n_user_features
                                : side == RS_SIDE_ITEM ? m->w.n_item_features : 0;
}
