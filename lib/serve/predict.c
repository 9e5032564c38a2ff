/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * predict.c: rs_predict and rs_predict_batch. Known pairs go through the
 * scorer's own predict(), so every scorer kind is served; unknown ids take
 * the cold-start fallback chain or fail, per RS_PARAM_COLD_START. */
#include "serve.h"

#include "scorers/scorer.h"
#include "core/inflight.h"
#include "unguarded.h"

/* Score one pair of a fitted model. */
static RS_ALWAYS_INLINE rs_status predict_one(const rs_model *m, int64_t user, int64_t item, float *out)
{
    int32_t u = rs__serve_user(m, user), i = rs__serve_item(m, item);
    if (u >= 0 && i >= 0) {
        *out = rs__serve_clamp(m, m->ops->predict(&m->w, u, i));
        return RS_OK;
    }
    if (m->params.cold_start == RS_COLD_START_ERROR) {
        *out = 0.0f;
        return RS_ERR_UNKNOWN_ID;
    }
    *out = rs__serve_clamp(m, rs__serve_fallback(m, u, i));
    return RS_FALLBACK;
}

/* The body of rs_predict, inlined into it (a call more inside the check
 * was half of what the check cost a 90 ns call) and into
 * rs__predict_unguarded. */
static inline rs_status predict_body(const rs_model *m, int64_t user, int64_t item,
                                     float *score_out)
{
    if (score_out)
        *score_out = 0.0f;
    if (!m || !score_out)
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;
    return predict_one(m, user, item, score_out);
}

rs_status rs__predict_unguarded(const rs_model *m, int64_t user, int64_t item, float *score_out)
{
    return predict_body(m, user, item, score_out);
}

static rs_status predict_batch_unguarded(const rs_model *m, const int64_t *users, const int64_t *items, size_t n,
                           float *scores_out, rs_status *status_out)
{
    if (!m || (n > 0 && (!users || !items || !scores_out)))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m)) {
        for (size_t j = 0; j < n; j++) {
            scores_out[j] = 0.0f;
            if (status_out)
                status_out[j] = RS_ERR_STATE;
        }
        return RS_ERR_STATE;
    }
    rs_status first_err = RS_OK;
    int any_fallback = 0;
    for (size_t j = 0; j < n; j++) {
        rs_status st = predict_one(m, users[j], items[j], &scores_out[j]);
        if (status_out)
            status_out[j] = st;
        if (st == RS_FALLBACK)
            any_fallback = 1;
        else if (st != RS_OK && first_err == RS_OK)
            first_err = st;
    }
    if (first_err != RS_OK)
        return first_err;
    return any_fallback ? RS_FALLBACK : RS_OK;
}

/* ---- guarded entry points (misuse detection, core/inflight.h) ---- */

rs_status rs_predict(const rs_model *m, int64_t user, int64_t item, float *score_out)
{
    if (!m)
        return predict_body(m, user, item, score_out);
    RS__SHARED_CALL(m, predict_body(m, user, item, score_out));
}

rs_status rs_predict_batch(const rs_model *m, const int64_t *users, const int64_t *items, size_t n,
                           float *scores_out, rs_status *status_out)
{
    if (!m)
        return predict_batch_unguarded(m, users, items, n, scores_out, status_out);
    RS__SHARED_CALL(m, predict_batch_unguarded(m, users, items, n, scores_out, status_out));
}
