/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * strids.c: serving with string ids. Each call turns the strings it is given
 * into their int64 keys (rs__str_key, a pure function of the bytes, so an
 * unknown id gets the fallback chain exactly as through the int64 call),
 * runs the int64 call, and writes the resulting ids back as strings into the
 * caller's buffer. Read-only: no error message is written. */
#include <string.h>

#include "serve.h"

static int has_strings(const rs_model *m) { return m && m->fitted && m->users.strings; }

/* The key of a caller's string id; 0 when it is NULL, empty or too long. */
static int key_of(const char *s, int64_t *key)
{
    size_t n = s ? rs__str_id_len(s) : 0;
    if (n == 0 || n > RS__STR_ID_MAX)
        return 0;
    *key = rs__str_key(s, n);
    return 1;
}

/* Keys of n string ids into a new array (NULL for n == 0). */
static rs_status keys_of(const rs_model *m, const char *const *ids, size_t n, int64_t **out)
{
    *out = NULL;
    if (n == 0)
        return RS_OK;
    if (!ids)
        return RS_ERR_INVALID_ARG;
    int64_t *k = rs__alloc(&m->alloc, n, sizeof *k);
    if (!k)
        return RS_ERR_NOMEM;
    for (size_t j = 0; j < n; j++)
        if (!key_of(ids[j], &k[j])) {
            rs__free(&m->alloc, k, n, sizeof *k);
            return RS_ERR_INVALID_ARG;
        }
    *out = k;
    return RS_OK;
}

/* Writes the strings of n keys of one side back to back into buf. */
static rs_status write_strs(const rs_model *m, int32_t side, const int64_t *keys, size_t n,
                            char *buf, size_t cap, size_t *offsets)
{
    const rs__idmap *map = side == RS_SIDE_USER ? &m->users : &m->items;
    size_t at = 0;
    for (size_t j = 0; j < n; j++) {
        int32_t k = rs__idmap_find(map, keys[j]);
        if (k < 0)
            return RS_ERR_STATE; /* results are ids of the model */
        size_t len;
        const char *s = rs__idmap_str(map, k, &len);
        if (cap - at <= len)
            return RS_ERR_RANGE;
        memcpy(buf + at, s, len);
        buf[at + len] = '\0';
        offsets[j] = at;
        at += len + 1;
    }
    return RS_OK;
}

rs_status rs_predict_str(const rs_model *m, const char *user, const char *item, float *score_out)
{
    if (!m || !score_out)
        return RS_ERR_INVALID_ARG;
    if (!has_strings(m))
        return RS_ERR_STATE;
    int64_t u, i;
    if (!key_of(user, &u) || !key_of(item, &i))
        return RS_ERR_INVALID_ARG;
    return rs_predict(m, u, i, score_out);
}

/* The shared tail of the list calls: checks, the int64 call, the strings. */
typedef rs_status (*list_fn)(const rs_model *m, int64_t id, size_t k, const int64_t *block,
                             size_t n_block, const int64_t *allow, size_t n_allow,
                             int64_t *ids_out, float *scores_out, size_t *n_out, void *ud);

static rs_status list_str(const rs_model *m, int32_t out_side, const char *id, size_t k,
                          const char *const *block, size_t n_block, const char *const *allow,
                          size_t n_allow, char *ids_out, size_t ids_cap, size_t *offsets_out,
                          float *scores_out, size_t *n_out, list_fn fn, void *ud)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (k > 0 && (!ids_out || !offsets_out)))
        return RS_ERR_INVALID_ARG;
    if (!has_strings(m))
        return RS_ERR_STATE;
    int64_t key;
    if (!key_of(id, &key))
        return RS_ERR_INVALID_ARG;
    int64_t *bk = NULL, *ak = NULL, *res = NULL;
    rs_status st = keys_of(m, block, n_block, &bk);
    if (st == RS_OK)
        st = keys_of(m, allow, n_allow, &ak);
    if (st == RS_OK && k > 0 && !(res = rs__alloc(&m->alloc, k, sizeof *res)))
        st = RS_ERR_NOMEM;
    size_t n = 0;
    static const int64_t none = 0; /* a non-NULL, empty allow list allows nothing */
    const int64_t *allow_keys = allow ? (ak ? ak : &none) : NULL;
    if (st == RS_OK)
        st = fn(m, key, k, bk, n_block, allow_keys, n_allow, res, scores_out, &n, ud);
    if (st == RS_OK || st == RS_FALLBACK) {
        rs_status ws = write_strs(m, out_side, res, n, ids_out, ids_cap, offsets_out);
        if (ws != RS_OK)
            st = ws;
        else
            *n_out = n;
    }
    rs__free(&m->alloc, bk, n_block, sizeof *bk);
    rs__free(&m->alloc, ak, n_allow, sizeof *ak);
    rs__free(&m->alloc, res, k, sizeof *res);
    return st;
}

static rs_status topk_fn(const rs_model *m, int64_t id, size_t k, const int64_t *block,
                         size_t n_block, const int64_t *allow, size_t n_allow, int64_t *ids_out,
                         float *scores_out, size_t *n_out, void *ud)
{
    return rs_topk(m, id, k, *(const int32_t *)ud, block, n_block, allow, n_allow, ids_out,
                   scores_out, n_out);
}

static rs_status similar_fn(const rs_model *m, int64_t id, size_t k, const int64_t *block,
                            size_t n_block, const int64_t *allow, size_t n_allow,
                            int64_t *ids_out, float *scores_out, size_t *n_out, void *ud)
{
    (void)block;
    (void)n_block;
    (void)allow;
    (void)n_allow;
    return *(const int *)ud ? rs_similar_users(m, id, k, ids_out, scores_out, n_out)
                            : rs_similar_items(m, id, k, ids_out, scores_out, n_out);
}

rs_status rs_topk_str(const rs_model *m, const char *user, size_t k, int32_t flags,
                      const char *const *block, size_t n_block, const char *const *allow,
                      size_t n_allow, char *ids_out, size_t ids_cap, size_t *offsets_out,
                      float *scores_out, size_t *n_out)
{
    return list_str(m, RS_SIDE_ITEM, user, k, block, n_block, allow, n_allow, ids_out, ids_cap,
                    offsets_out, scores_out, n_out, topk_fn, &flags);
}

rs_status rs_similar_items_str(const rs_model *m, const char *item, size_t k, char *ids_out,
                               size_t ids_cap, size_t *offsets_out, float *scores_out,
                               size_t *n_out)
{
    int users = 0;
    return list_str(m, RS_SIDE_ITEM, item, k, NULL, 0, NULL, 0, ids_out, ids_cap, offsets_out,
                    scores_out, n_out, similar_fn, &users);
}

rs_status rs_similar_users_str(const rs_model *m, const char *user, size_t k, char *ids_out,
                               size_t ids_cap, size_t *offsets_out, float *scores_out,
                               size_t *n_out)
{
    int users = 1;
    return list_str(m, RS_SIDE_USER, user, k, NULL, 0, NULL, 0, ids_out, ids_cap, offsets_out,
                    scores_out, n_out, similar_fn, &users);
}
