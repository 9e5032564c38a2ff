/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * model.c: rs_model lifecycle, parameters, callbacks and inspection. The
 * model only holds a pointer to its scorer's ops: rs_model_new, which picks
 * them, lives with the scorer registry (lib/scorers/registry.c). */
#include "model.h"
#include "inflight.h"

#include <stdarg.h>
#include <stdio.h> /* vsnprintf only */
#include <string.h>

rs_status rs__model_create(rs_model **out, int32_t scorer, const struct rs__scorer_ops *ops,
                           rs_alloc_fn alloc, void *alloc_ud)
{
    *out = NULL;
    rs__allocator a;
    rs__allocator_init(&a, alloc, alloc_ud);
    rs_model *m = rs__calloc(&a, 1, sizeof *m);
    if (!m)
        return RS_ERR_NOMEM;
    m->alloc = a;
    m->scorer_kind = scorer;
    m->ops = ops;
    rs__params_default(&m->params);
    m->params.scorer = scorer;
    rs__idmap_init(&m->users);
    rs__idmap_init(&m->items);
    rs__features_init(&m->w.user_feat);
    rs__features_init(&m->w.item_feat);
#if RS__MISUSE_CHECK
    rs__inflight_init(&m->inflight);
#endif
    *out = m;
    return RS_OK;
}

void rs__model_clear_fitted(rs_model *m)
{
    /* seen_off is sized by the user count, so free it before the weights. */
    if (m->seen_off)
        rs__free(&m->alloc, m->seen_off, m->seen_users_cap + 1, sizeof *m->seen_off);
    rs__free(&m->alloc, m->seen_item, m->seen_nnz, sizeof *m->seen_item);
    rs__model_serving_free(m);
    rs__weights_free(&m->w, &m->alloc);
    rs__idmap_free(&m->users, &m->alloc);
    rs__idmap_free(&m->items, &m->alloc);
    m->seen_off = NULL;
    m->seen_item = NULL;
    m->seen_nnz = 0;
    m->seen_users_cap = 0;
    m->fitted = 0;
}

void rs_model_free(rs_model *m)
{
    if (!m)
        return;
    rs__allocator a = m->alloc;
    rs__model_clear_fitted(m);
    rs__free(&a, m->epoch_stats, m->epoch_stats_cap * RS__NSTATS, sizeof(double));
    rs__free(&a, m, 1, sizeof *m);
}

const char *rs_model_last_error(const rs_model *m)
{
    return m ? m->err.msg : "no model (NULL handle)";
}

#define GUARD_MUTATING(m)                                                                        \
    do {                                                                                         \
        if (!(m))                                                                                \
            return RS_ERR_INVALID_ARG;                                                           \
        if ((m)->in_callback)                                                                    \
            return rs__err(&(m)->err, RS_ERR_MISUSE, "called from inside a callback of this model"); \
        rs__err_clear(&(m)->err);                                                                \
    } while (0)

static void mark_set(rs_model *m, const rs__param_info *r)
{
    size_t i = rs__param_index(r);
    if (i / 64 < RS__PARAM_SET_WORDS)
        m->params_set[i / 64] |= (uint64_t)1 << (i % 64);
}

static rs_status model_set_int_unguarded(rs_model *m, rs_param param, int64_t value)
{
    GUARD_MUTATING(m);
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_MODEL)
        return rs__err(&m->err, RS_ERR_UNKNOWN_PARAM, "unknown model parameter %d", (int)param);
    rs_status st = rs__param_check_int(r, value, &m->err);
    if (st != RS_OK)
        return st;
#if !RS_ENABLE_THREADS
    if (param == RS_PARAM_THREADS && value > 1)
        return rs__err(&m->err, RS_ERR_NOT_BUILT, "threads = %lld: built without thread support",
                       (long long)value);
#endif
    int64_t old = *(int64_t *)((char *)&m->params + r->offset);
    *(int64_t *)((char *)&m->params + r->offset) = value;
    if (param == RS_PARAM_SERVE_QUANTIZED && (st = rs__model_serving_build(m)) != RS_OK) {
        *(int64_t *)((char *)&m->params + r->offset) = old;
        return rs__err(&m->err, st, "no memory for the int8 copy of %zu item vectors",
                       m->w.n_items);
    }
    mark_set(m, r);
    if (param == RS_PARAM_IMPLICIT && old != value) /* the parameters the user left alone
                                                     * take the new mode's defaults */
        rs__params_apply_mode(&m->params, m->params_set, value != 0);
    if (param == RS_PARAM_INIT)
        m->init_fn = NULL, m->init_ud = NULL;
    if (param == RS_PARAM_CLIP)
        m->clip_fn = NULL, m->clip_ud = NULL;
    return RS_OK;
}

static rs_status model_set_double_unguarded(rs_model *m, rs_param param, double value)
{
    GUARD_MUTATING(m);
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_MODEL)
        return rs__err(&m->err, RS_ERR_UNKNOWN_PARAM, "unknown model parameter %d", (int)param);
    rs_status st = rs__param_check_real(r, value, &m->err);
    if (st != RS_OK)
        return st;
    *(double *)((char *)&m->params + r->offset) = value;
    mark_set(m, r);
    return RS_OK;
}

static rs_status model_get_int_unguarded(const rs_model *m, rs_param param, int64_t *out)
{
    if (!m || !out)
        return RS_ERR_INVALID_ARG;
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_MODEL)
        return RS_ERR_UNKNOWN_PARAM;
    if (r->type == RS__PT_REAL)
        return RS_ERR_PARAM_TYPE;
    *out = *(const int64_t *)((const char *)&m->params + r->offset);
    if (param == RS_PARAM_INIT && m->init_fn)
        *out = RS_INIT_CUSTOM;
    if (param == RS_PARAM_CLIP && m->clip_fn)
        *out = RS_CLIP_CUSTOM;
    return RS_OK;
}

static rs_status model_get_double_unguarded(const rs_model *m, rs_param param, double *out)
{
    if (!m || !out)
        return RS_ERR_INVALID_ARG;
    const rs__param_info *r = rs__param_find(param);
    if (!r || r->owner != RS__OWNER_MODEL)
        return RS_ERR_UNKNOWN_PARAM;
    if (r->type != RS__PT_REAL)
        return RS_ERR_PARAM_TYPE;
    *out = *(const double *)((const char *)&m->params + r->offset);
    return RS_OK;
}

static rs_status model_set_log_callback_unguarded(rs_model *m, rs_log_fn fn, void *ud)
{
    GUARD_MUTATING(m);
    m->log_fn = fn;
    m->log_ud = fn ? ud : NULL;
    return RS_OK;
}

static rs_status model_set_progress_callback_unguarded(rs_model *m, rs_progress_fn fn, void *ud)
{
    GUARD_MUTATING(m);
    m->progress_fn = fn;
    m->progress_ud = fn ? ud : NULL;
    return RS_OK;
}

static rs_status model_set_init_callback_unguarded(rs_model *m, rs_init_fn fn, void *ud)
{
    GUARD_MUTATING(m);
    m->init_fn = fn;
    m->init_ud = fn ? ud : NULL;
    return RS_OK;
}

static rs_status model_set_clip_callback_unguarded(rs_model *m, rs_clip_fn fn, void *ud)
{
    GUARD_MUTATING(m);
    m->clip_fn = fn;
    m->clip_ud = fn ? ud : NULL;
    return RS_OK;
}

void rs__log(rs_model *m, int32_t level, const char *fmt, ...)
{
    if (!m->log_fn)
        return;
    char buf[512], safe[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rs__escape_controls(safe, sizeof safe, buf);
    m->in_callback = 1;
    m->log_fn(m->log_ud, level, safe);
    m->in_callback = 0;
}

size_t rs_model_num_users(const rs_model *m) { return m && m->fitted ? m->w.n_users : 0; }

size_t rs_model_num_items(const rs_model *m) { return m && m->fitted ? m->w.n_items : 0; }

size_t rs_model_num_epoch_stats(const rs_model *m) { return m ? m->n_epoch_stats : 0; }

static rs_status model_epoch_stats_unguarded(const rs_model *m, size_t epoch, double *stats_out, size_t cap,
                               size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (!stats_out && cap > 0))
        return RS_ERR_INVALID_ARG;
    if (epoch >= m->n_epoch_stats)
        return RS_ERR_RANGE;
    size_t n = cap < RS__NSTATS ? cap : RS__NSTATS;
    if (n) /* stats_out may be NULL with cap 0: memcpy(NULL, .., 0) is undefined */
        memcpy(stats_out, m->epoch_stats + epoch * RS__NSTATS, n * sizeof(double));
    *n_out = n;
    return RS_OK;
}

static rs_status copy_factors(const rs_model *m, const rs__idmap *ids, int32_t role, int64_t id,
                              float *dst, size_t cap, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (!dst && cap > 0))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted)
        return RS_ERR_STATE;
    int32_t idx = rs__idmap_find(ids, id);
    if (idx < 0)
        return RS_ERR_UNKNOWN_ID;
    const rs__block *b = rs__weights_cblock(&m->w, role);
    if (!b)
        return RS_ERR_STATE;
    size_t n = b->cols < cap ? b->cols : cap;
    if (n) /* the size query passes dst NULL, cap 0 */
        memcpy(dst, b->data + (size_t)idx * b->stride, n * sizeof(float));
    *n_out = b->cols;
    return RS_OK;
}

static rs_status copy_user_factors_unguarded(const rs_model *m, int64_t user, float *dst, size_t cap,
                                     size_t *n_out)
{
    return copy_factors(m, m ? &m->users : NULL, RS__ROLE_USER_FACTORS, user, dst, cap, n_out);
}

static rs_status copy_item_factors_unguarded(const rs_model *m, int64_t item, float *dst, size_t cap,
                                     size_t *n_out)
{
    return copy_factors(m, m ? &m->items : NULL, RS__ROLE_ITEM_FACTORS, item, dst, cap, n_out);
}

/* ---- guarded entry points (misuse detection, inflight.h) ---- */

#define EXCLUSIVE_CALL(m, what, call)                  \
    do {                                               \
        if (!(m))                                      \
            return RS_ERR_INVALID_ARG;                 \
        rs_status st_ = rs__exclusive_enter((m), what); \
        if (st_ != RS_OK)                              \
            return st_;                                \
        st_ = (call);                                  \
        rs__exclusive_leave(m);                        \
        return st_;                                    \
    } while (0)
#define SHARED_CALL(m, call)                \
    do {                                    \
        if (!(m))                           \
            return (call);                  \
        RS__SHARED_CALL((m), (call));       \
    } while (0)

rs_status rs_model_set_int(rs_model *m, rs_param param, int64_t value)
{
    EXCLUSIVE_CALL(m, "rs_model_set_int", model_set_int_unguarded(m, param, value));
}

rs_status rs_model_set_double(rs_model *m, rs_param param, double value)
{
    EXCLUSIVE_CALL(m, "rs_model_set_double", model_set_double_unguarded(m, param, value));
}

rs_status rs_model_get_int(const rs_model *m, rs_param param, int64_t *out)
{
    SHARED_CALL(m, model_get_int_unguarded(m, param, out));
}

rs_status rs_model_get_double(const rs_model *m, rs_param param, double *out)
{
    SHARED_CALL(m, model_get_double_unguarded(m, param, out));
}

rs_status rs_model_set_log_callback(rs_model *m, rs_log_fn fn, void *ud)
{
    EXCLUSIVE_CALL(m, "rs_model_set_log_callback", model_set_log_callback_unguarded(m, fn, ud));
}

rs_status rs_model_set_progress_callback(rs_model *m, rs_progress_fn fn, void *ud)
{
    EXCLUSIVE_CALL(m, "rs_model_set_progress_callback",
                   model_set_progress_callback_unguarded(m, fn, ud));
}

rs_status rs_model_set_init_callback(rs_model *m, rs_init_fn fn, void *ud)
{
    EXCLUSIVE_CALL(m, "rs_model_set_init_callback", model_set_init_callback_unguarded(m, fn, ud));
}

rs_status rs_model_set_clip_callback(rs_model *m, rs_clip_fn fn, void *ud)
{
    EXCLUSIVE_CALL(m, "rs_model_set_clip_callback", model_set_clip_callback_unguarded(m, fn, ud));
}

rs_status rs_model_epoch_stats(const rs_model *m, size_t epoch, double *stats_out, size_t cap,
                               size_t *n_out)
{
    SHARED_CALL(m, model_epoch_stats_unguarded(m, epoch, stats_out, cap, n_out));
}

rs_status rs_model_copy_user_factors(const rs_model *m, int64_t user, float *dst, size_t cap,
                                     size_t *n_out)
{
    SHARED_CALL(m, copy_user_factors_unguarded(m, user, dst, cap, n_out));
}

rs_status rs_model_copy_item_factors(const rs_model *m, int64_t item, float *dst, size_t cap,
                                     size_t *n_out)
{
    SHARED_CALL(m, copy_item_factors_unguarded(m, item, dst, cap, n_out));
}
