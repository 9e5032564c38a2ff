/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * ids.c: growing a fitted model by new users and items. New ids start with
 * zero id parameters and no seen items, so a content or hybrid model scores
 * them from their features alone and a collaborative model from the global
 * mean and the other side's bias (the same numbers as the fallback chain).
 * rs_model_set_features is the public entry point; online updates
 * (rs_partial_fit) reuse the same two steps: reserve, then push. A model
 * fitted on string ids keeps a string map (data/idmap.h): a new id then
 * brings its bytes along (rs__model_reserve_new_ids), and the lookups
 * between strings and the int64 keys every other call takes are here too. */
#include <math.h>
#include <string.h>

#include "model.h"
#include "inflight.h"

static rs__idmap *side_map(rs_model *m, int32_t side)
{
    return side == RS_SIDE_USER ? &m->users : &m->items;
}

/* Room for `extra` ids and `bytes` bytes of their strings. */
static rs_status reserve(rs_model *m, int32_t side, size_t extra, size_t bytes)
{
    rs__idmap *map = side_map(m, side);
    size_t want = map->count + extra;
    if (want > RS__IDMAP_MAX)
        return RS_ERR_RANGE;
    rs_status st = rs__idmap_reserve(map, &m->alloc, want);
    if (st == RS_OK && map->strings)
        st = rs__idmap_reserve_bytes(map, &m->alloc, bytes);
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

rs_status rs__model_reserve_ids(rs_model *m, int32_t side, size_t extra)
{
    if (side_map(m, side)->strings)
        return RS_ERR_STATE; /* a new string id needs its bytes: rs__model_reserve_new_ids */
    return reserve(m, side, extra, 0);
}

/* The id just added to the map gets zero parameters and no seen items. */
static int32_t grow_side(rs_model *m, int32_t side, int32_t index)
{
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

int32_t rs__model_push_id(rs_model *m, int32_t side, int64_t id)
{
    int32_t index;
    rs__idmap_insert(side_map(m, side), &m->alloc, id, &index); /* reserved: cannot fail */
    return grow_side(m, side, index);
}

/* Bytes of the string whose key is `key` in src (a string map), or NULL. */
static const char *str_of(const rs__idmap *src, int64_t key, size_t *n)
{
    int32_t k = rs__idmap_find(src, key);
    return k >= 0 ? rs__idmap_str(src, k, n) : NULL;
}

rs_status rs__model_reserve_new_ids(rs_model *m, int32_t side, const rs__idmap *fresh,
                                    const rs__idmap *src)
{
    rs__idmap *map = side_map(m, side);
    if (fresh->count == 0)
        return RS_OK;
    if (map->strings != src->strings)
        return rs__err(&m->err, RS_ERR_STATE,
                       map->strings ? "the model has string ids, the new ratings int64 ids"
                                    : "the model has int64 ids, the new ratings string ids");
    size_t bytes = 0;
    for (size_t k = 0; map->strings && k < fresh->count; k++) {
        size_t n = 0;
        if (!str_of(src, fresh->ids[k], &n))
            return RS_ERR_STATE; /* cannot happen: fresh ids come from src */
        bytes += n;
    }
    return reserve(m, side, fresh->count, bytes);
}

void rs__model_push_new_ids(rs_model *m, int32_t side, const rs__idmap *fresh,
                            const rs__idmap *src)
{
    rs__idmap *map = side_map(m, side);
    for (size_t k = 0; k < fresh->count; k++) {
        int32_t index;
        if (map->strings) {
            size_t n = 0;
            const char *s = str_of(src, fresh->ids[k], &n);
            rs__idmap_insert_str(map, &m->alloc, s, n, &index); /* reserved, new key */
        } else {
            rs__idmap_insert(map, &m->alloc, fresh->ids[k], &index); /* reserved */
        }
        grow_side(m, side, index);
    }
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

/* The feature row of one id (sid NULL: the int64 id; else the string sid,
 * sn bytes, whose key is id). */
static rs_status set_features_unguarded(rs_model *m, int32_t side, int64_t id, const char *sid,
                                        size_t sn, const int32_t *features, const float *values,
                                        size_t n)
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
    rs__idmap *map = side_map(m, side);
    int32_t index = sid ? rs__idmap_find_str(map, sid, sn) : rs__idmap_find(map, id);
    if (index < 0 && map->strings && !sid)
        return rs__err(&m->err, RS_ERR_STATE,
                       "the model has string ids: register a new %s with rs_model_set_features_str",
                       what);
    if (sid && index < 0 && rs__idmap_find(map, id) >= 0)
        return rs__err(&m->err, RS_ERR_RANGE,
                       "%s id '%.*s' has the same 64-bit key as another id of the model", what,
                       (int)sn, sid);
    rs_status st = RS_OK;
    if (index < 0)
        st = reserve(m, side, 1, sn);
    size_t row = index >= 0 ? (size_t)index : map->count;
    if (st == RS_OK && (n > 0 || row < ft->n_rows))
        st = rs__features_set_row(ft, &m->alloc, row, features, values, n);
    if (st != RS_OK)
        return sid ? rs__err(&m->err, st, "could not register %s '%.*s': %s", what, (int)sn, sid,
                             rs_status_string(st))
                   : rs__err(&m->err, st, "could not register %s %lld: %s", what, (long long)id,
                             rs_status_string(st));
    if (index < 0) {
        int32_t k;
        if (sid)
            rs__idmap_insert_str(map, &m->alloc, sid, sn, &k); /* reserved, new key */
        else
            rs__idmap_insert(map, &m->alloc, id, &k);
        grow_side(m, side, k);
    }
    if (side == RS_SIDE_ITEM)
        rs__model_serving_refresh(m, row, 1);
    return RS_OK;
}

static rs_status set_features_str_unguarded(rs_model *m, int32_t side, const char *id,
                                            const int32_t *features, const float *values,
                                            size_t n)
{
    size_t sn = id ? rs__str_id_len(id) : 0;
    if ((sn == 0 || sn > RS__STR_ID_MAX) && !m->in_callback) {
        rs__err_clear(&m->err);
        return rs__err(&m->err, RS_ERR_INVALID_ARG, "the id must be 1 to %zu bytes long",
                       RS__STR_ID_MAX);
    }
    if (m->fitted && !m->users.strings && !m->in_callback) {
        rs__err_clear(&m->err);
        return rs__err(&m->err, RS_ERR_STATE, "the model has int64 ids (use rs_model_set_features)");
    }
    return set_features_unguarded(m, side, rs__str_key(id, sn), id, sn, features, values, n);
}

static rs_status feature_index_unguarded(const rs_model *m, int32_t side, const char *name,
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

/* ---- string ids ---- */

int32_t rs_model_has_string_ids(const rs_model *m)
{
    return m && m->fitted && m->users.strings ? 1 : 0;
}

static rs_status id_from_str_unguarded(const rs_model *m, int32_t side, const char *id,
                                       int64_t *id_out)
{
    if (!id || !id_out || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    if (!rs_model_has_string_ids(m))
        return RS_ERR_STATE;
    size_t n = rs__str_id_len(id);
    if (n == 0 || n > RS__STR_ID_MAX)
        return RS_ERR_INVALID_ARG;
    *id_out = rs__str_key(id, n);
    const rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    return rs__idmap_find_str(map, id, n) >= 0 ? RS_OK : RS_ERR_UNKNOWN_ID;
}

static rs_status id_to_str_unguarded(const rs_model *m, int32_t side, int64_t id, char *buf,
                                     size_t cap, size_t *len_out)
{
    if (len_out)
        *len_out = 0;
    if (!len_out || (!buf && cap > 0) || (side != RS_SIDE_USER && side != RS_SIDE_ITEM))
        return RS_ERR_INVALID_ARG;
    if (!rs_model_has_string_ids(m))
        return RS_ERR_STATE;
    const rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    int32_t k = rs__idmap_find(map, id);
    if (k < 0)
        return RS_ERR_UNKNOWN_ID;
    return rs__idmap_copy_str(map, k, buf, cap, len_out);
}

/* ---- guarded entry points (misuse detection, inflight.h) ---- */

rs_status rs_model_set_features(rs_model *m, int32_t side, int64_t id, const int32_t *features,
                                const float *values, size_t n)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    rs_status st = rs__exclusive_enter(m, "rs_model_set_features");
    if (st != RS_OK)
        return st;
    st = set_features_unguarded(m, side, id, NULL, 0, features, values, n);
    rs__exclusive_leave(m);
    return st;
}

rs_status rs_model_set_features_str(rs_model *m, int32_t side, const char *id,
                                    const int32_t *features, const float *values, size_t n)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    rs_status st = rs__exclusive_enter(m, "rs_model_set_features_str");
    if (st != RS_OK)
        return st;
    st = set_features_str_unguarded(m, side, id, features, values, n);
    rs__exclusive_leave(m);
    return st;
}

rs_status rs_model_feature_index(const rs_model *m, int32_t side, const char *name,
                                 int32_t *index_out)
{
    if (!m)
        return feature_index_unguarded(m, side, name, index_out);
    RS__SHARED_CALL(m, feature_index_unguarded(m, side, name, index_out));
}

rs_status rs_model_id_from_str(const rs_model *m, int32_t side, const char *id, int64_t *id_out)
{
    if (!m)
        return RS_ERR_INVALID_ARG;
    RS__SHARED_CALL(m, id_from_str_unguarded(m, side, id, id_out));
}

rs_status rs_model_id_to_str(const rs_model *m, int32_t side, int64_t id, char *buf, size_t cap,
                             size_t *len_out)
{
    if (len_out)
        *len_out = 0;
    if (!m)
        return RS_ERR_INVALID_ARG;
    RS__SHARED_CALL(m, id_to_str_unguarded(m, side, id, buf, cap, len_out));
}
