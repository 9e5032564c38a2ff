/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * serve.h: what the serving files (predict, top-k, similarity) share: id
 * lookup that tolerates maps longer than the weights, bias access for the
 * cold-start fallback chain, and clamping. Everything here only reads the
 * model: serving calls are `shared`. */
#ifndef RS_SERVE_SERVE_H
#define RS_SERVE_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

/* Dense index of an external id, or -1 when unknown (or beyond the weights). */
static inline int32_t rs__serve_find(const rs__idmap *map, size_t n, int64_t id)
{
    int32_t idx = rs__idmap_find(map, id);
    return idx >= 0 && (size_t)idx < n ? idx : -1;
}

static inline int32_t rs__serve_user(const rs_model *m, int64_t id)
{
    return rs__serve_find(&m->users, m->w.n_users, id);
}

static inline int32_t rs__serve_item(const rs_model *m, int64_t id)
{
    return rs__serve_find(&m->items, m->w.n_items, id);
}

/* Bias vector of a role (one float per row), or NULL when the scorer has none. */
static inline const float *rs__serve_bias(const rs_model *m, int32_t role, size_t rows)
{
    const rs__block *b = rs__weights_cblock(&m->w, role);
    return b && b->cols == 1 && b->stride == 1 && b->rows >= rows ? b->data : NULL;
}

/* The whole bias of a known id: its id bias plus, for scorers with
 * features, the biases of its features (b_i + sum_f x_if c_f). The sum does
 * not depend on how training split it between the two, which the
 * cold-start refit changes (lib/optim/coldfit.c). */
static inline float rs__serve_id_bias(const rs_model *m, int32_t side, int32_t idx)
{
    int is_user = side == RS_SIDE_USER;
    size_t rows = is_user ? m->w.n_users : m->w.n_items;
    const float *b = rs__serve_bias(m, is_user ? RS__ROLE_USER_BIAS : RS__ROLE_ITEM_BIAS, rows);
    float s = b ? b[idx] : 0.0f;
    const rs__block *fb = rs__weights_cblock(
        &m->w, is_user ? RS__ROLE_USER_FEATURE_BIAS : RS__ROLE_ITEM_FEATURE_BIAS);
    if (fb) {
        const int32_t *col;
        const float *val;
        size_t n = rs__features_row(is_user ? &m->w.user_feat : &m->w.item_feat, (size_t)idx,
                                    &col, &val);
        for (size_t j = 0; j < n; j++)
            if ((size_t)col[j] < fb->rows)
                s += val[j] * fb->data[(size_t)col[j] * fb->stride];
    }
    return s;
}

/* The fallback chain: global mean, + item bias if i is known, + user bias if
 * u is known. The order of the additions matches the collaborative scorer. */
static inline float rs__serve_fallback(const rs_model *m, int32_t u, int32_t i)
{
    float s = m->w.global_mean;
    if (u >= 0)
        s += rs__serve_id_bias(m, RS_SIDE_USER, u);
    if (i >= 0)
        s += rs__serve_id_bias(m, RS_SIDE_ITEM, i);
    return s;
}

/* Clamp to the training rating range when RS_PARAM_CLAMP is on. */
static inline float rs__serve_clamp(const rs_model *m, float s)
{
    if (m->params.clamp && m->w.rating_min <= m->w.rating_max) {
        if (s < m->w.rating_min)
            s = m->w.rating_min;
        if (s > m->w.rating_max)
            s = m->w.rating_max;
    }
    return s;
}

/* 1 when the id maps cover the weights (a fitted model always does; the
 * check keeps a damaged model from being read out of bounds). */
static inline int rs__serve_consistent(const rs_model *m)
{
    return m->users.count >= m->w.n_users && m->items.count >= m->w.n_items;
}

#endif
