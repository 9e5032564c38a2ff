/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * similar.c: rs_similar_items and rs_similar_users - cosine similarity
 * between learned factor vectors, top-k with the bounded heap. Nothing is
 * precomputed in the model: one fused pass reads each row once and yields
 * both its dot product with the query and its squared norm.
 *
 * The learned vector of a user or item is its id factor row plus, for the
 * feature-aware scorers (content, hybrid), the sum of its feature rows
 * weighted by the feature values - the vector their predict() multiplies.
 * So the content scorer, which has no id rows for items, and ids registered
 * with features only are compared by what the model learned about them. */
#include <math.h>
#include <string.h>

#include "serve.h"
#include "heap.h"
#include "core/inflight.h"

/* Where the vectors of one side come from. */
typedef struct side_vecs {
    const rs__block *ids;      /* id factor rows, or NULL */
    const rs__block *feat;     /* feature factor rows, or NULL */
    const rs__features *rows;  /* each id's sparse feature row (with feat) */
    size_t k;
} side_vecs;

static float dot8(const float *a, const float *b, size_t n)
{
    float s[8] = {0};
    size_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (int l = 0; l < 8; l++)
            s[l] += a[c + l] * b[c + l];
    for (; c < n; c++)
        s[c & 7] += a[c] * b[c];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* dot[r] = <a_r, x>, sq[r] = <a_r, a_r> in one sweep over a. */
static void dot_and_sqnorm(const float *a, size_t rows, size_t cols, size_t lda, const float *x,
                           float *dot, float *sq)
{
    for (size_t r = 0; r < rows; r++) {
        const float *row = a + r * lda;
        float s[8] = {0}, t[8] = {0};
        size_t c = 0;
        for (; c + 8 <= cols; c += 8) {
            for (int l = 0; l < 8; l++) {
                s[l] += row[c + l] * x[c + l];
                t[l] += row[c + l] * row[c + l];
            }
        }
        for (; c < cols; c++) {
            s[c & 7] += row[c] * x[c];
            t[c & 7] += row[c] * row[c];
        }
        dot[r] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        sq[r] = ((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7]));
    }
}

/* The learned vector of row r into out (k floats). */
static void side_vector(const side_vecs *sv, size_t r, float *out)
{
    if (sv->ids)
        memcpy(out, sv->ids->data + r * sv->ids->stride, sv->k * sizeof(float));
    else
        memset(out, 0, sv->k * sizeof(float));
    if (!sv->feat)
        return;
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(sv->rows, r, &col, &val);
    for (size_t j = 0; j < n; j++) {
        if (col[j] < 0 || (size_t)col[j] >= sv->feat->rows)
            continue;
        const float *row = sv->feat->data + (size_t)col[j] * sv->feat->stride;
        for (size_t c = 0; c < sv->k; c++)
            out[c] += val[j] * row[c];
    }
}

/* The vectors of one side, or 0 when the scorer learned none. */
static int side_init(const rs_model *m, int users, size_t n, side_vecs *sv)
{
    const rs__weights *w = &m->w;
    memset(sv, 0, sizeof *sv);
    sv->ids = rs__weights_cblock(w, users ? RS__ROLE_USER_FACTORS : RS__ROLE_ITEM_FACTORS);
    sv->feat = rs__weights_cblock(w, users ? RS__ROLE_USER_FEATURE_FACTORS
                                           : RS__ROLE_ITEM_FEATURE_FACTORS);
    sv->rows = users ? &w->user_feat : &w->item_feat;
    if (sv->ids && sv->ids->rows < n)
        return 0;
    if (sv->feat && (sv->feat->rows == 0 || sv->rows->n_rows == 0))
        sv->feat = NULL; /* no feature contributes: the id rows are the vectors */
    if (sv->ids && sv->feat && sv->ids->cols != sv->feat->cols)
        return 0;
    sv->k = sv->ids ? sv->ids->cols : sv->feat ? sv->feat->cols : 0;
    return sv->k > 0;
}

static rs_status similar(const rs_model *m, int users, int64_t id, size_t k, int64_t *ids_out,
                         float *scores_out, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (k > 0 && !ids_out))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;
    const rs__idmap *map = users ? &m->users : &m->items;
    size_t n = users ? m->w.n_users : m->w.n_items;
    side_vecs sv;
    if (!side_init(m, users, n, &sv))
        return RS_ERR_STATE;
    int32_t q = rs__serve_find(map, n, id);
    if (q < 0)
        return RS_ERR_UNKNOWN_ID;
    size_t cap = k < n - 1 ? k : n - 1;
    if (cap == 0)
        return RS_OK;

    const rs__allocator *a = &m->alloc;
    size_t nf = 2 * n + 2 * sv.k;
    rs__hentry *heap = rs__alloc(a, cap, sizeof *heap);
    float *sim = rs__alloc(a, nf, sizeof *sim);
    if (!heap || !sim) {
        rs__free(a, heap, cap, sizeof *heap);
        rs__free(a, sim, nf, sizeof *sim);
        return RS_ERR_NOMEM;
    }
    float *sq = sim + n, *x = sim + 2 * n, *v = x + sv.k;
    side_vector(&sv, (size_t)q, x);
    if (!sv.feat) {
        dot_and_sqnorm(sv.ids->data, n, sv.k, sv.ids->stride, x, sim, sq);
    } else {
        for (size_t r = 0; r < n; r++) {
            side_vector(&sv, r, v);
            dot_and_sqnorm(v, 1, sv.k, sv.k, x, sim + r, sq + r);
        }
    }
    float qn = sqrtf(dot8(x, x, sv.k));
    for (size_t r = 0; r < n; r++) {
        float d = qn * sqrtf(sq[r]);
        float c = d > 0.0f ? sim[r] / d : 0.0f;
        /* Rounding can push |cos| a hair past 1. */
        sim[r] = c > 1.0f ? 1.0f : c < -1.0f ? -1.0f : c;
    }
    rs__topheap h;
    rs__topheap_init(&h, heap, cap);
    rs__topheap_scan(&h, sim, map->ids, NULL, 0, (size_t)q);
    rs__topheap_scan(&h, sim, map->ids, NULL, (size_t)q + 1, n);
    *n_out = rs__topheap_finish(&h, ids_out, scores_out);

    rs__free(a, heap, cap, sizeof *heap);
    rs__free(a, sim, nf, sizeof *sim);
    return RS_OK;
}

static rs_status similar_items_unguarded(const rs_model *m, int64_t item, size_t k, int64_t *items_out,
                           float *scores_out, size_t *n_out)
{
    return similar(m, 0, item, k, items_out, scores_out, n_out);
}

static rs_status similar_users_unguarded(const rs_model *m, int64_t user, size_t k, int64_t *users_out,
                           float *scores_out, size_t *n_out)
{
    return similar(m, 1, user, k, users_out, scores_out, n_out);
}

/* ---- guarded entry points (misuse detection, core/inflight.h) ---- */

rs_status rs_similar_items(const rs_model *m, int64_t item, size_t k, int64_t *items_out,
                           float *scores_out, size_t *n_out)
{
    if (!m)
        return similar_items_unguarded(m, item, k, items_out, scores_out, n_out);
    RS__SHARED_CALL(m, similar_items_unguarded(m, item, k, items_out, scores_out, n_out));
}

rs_status rs_similar_users(const rs_model *m, int64_t user, size_t k, int64_t *users_out,
                           float *scores_out, size_t *n_out)
{
    if (!m)
        return similar_users_unguarded(m, user, k, users_out, scores_out, n_out);
    RS__SHARED_CALL(m, similar_users_unguarded(m, user, k, users_out, scores_out, n_out));
}
