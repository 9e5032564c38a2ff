/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * similar.c: rs_similar_items and rs_similar_users - cosine similarity
 * between learned factor rows, top-k with the bounded heap. Nothing is
 * precomputed in the model: one fused pass reads each row once and yields
 * both its dot product with the query and its squared norm. */
#include <math.h>

#include "serve.h"
#include "heap.h"

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

static rs_status similar(const rs_model *m, const rs__idmap *map, size_t n, int32_t role,
                         int64_t id, size_t k, int64_t *ids_out, float *scores_out, size_t *n_out)
{
    if (n_out)
        *n_out = 0;
    if (!m || !n_out || (k > 0 && !ids_out))
        return RS_ERR_INVALID_ARG;
    if (!m->fitted || !rs__serve_consistent(m))
        return RS_ERR_STATE;
    /* A scorer without learned id factors (content) has nothing to compare. */
    const rs__block *b = rs__weights_cblock(&m->w, role);
    if (!b || b->rows < n || b->cols == 0)
        return RS_ERR_STATE;
    int32_t q = rs__serve_find(map, n, id);
    if (q < 0)
        return RS_ERR_UNKNOWN_ID;
    size_t cap = k < n - 1 ? k : n - 1;
    if (cap == 0)
        return RS_OK;

    const rs__allocator *a = &m->alloc;
    rs__hentry *heap = rs__alloc(a, cap, sizeof *heap);
    float *sim = rs__alloc(a, 2 * n, sizeof *sim);
    if (!heap || !sim) {
        rs__free(a, heap, cap, sizeof *heap);
        rs__free(a, sim, 2 * n, sizeof *sim);
        return RS_ERR_NOMEM;
    }
    float *sq = sim + n;
    const float *x = b->data + (size_t)q * b->stride;
    dot_and_sqnorm(b->data, n, b->cols, b->stride, x, sim, sq);
    float qn = sqrtf(sq[q]);
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
    rs__free(a, sim, 2 * n, sizeof *sim);
    return RS_OK;
}

rs_status rs_similar_items(const rs_model *m, int64_t item, size_t k, int64_t *items_out,
                           float *scores_out, size_t *n_out)
{
    return similar(m, m ? &m->items : NULL, m ? m->w.n_items : 0, RS__ROLE_ITEM_FACTORS, item, k,
                   items_out, scores_out, n_out);
}

rs_status rs_similar_users(const rs_model *m, int64_t user, size_t k, int64_t *users_out,
                           float *scores_out, size_t *n_out)
{
    return similar(m, m ? &m->users : NULL, m ? m->w.n_users : 0, RS__ROLE_USER_FACTORS, user, k,
                   users_out, scores_out, n_out);
}
