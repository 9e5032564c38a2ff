/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * serving.c: the lifecycle of the int8 copy of the item vectors that
 * RS_PARAM_SERVE_QUANTIZED asks for (rs__serving, model.h).
 *
 * rs_topk is `shared` and must not write the model, so the copy is never
 * built lazily by a query: the exclusive calls that change item parameters
 * refresh it - rs_fit and rs_partial_fit (every row), rs_fold_in_item and
 * rs_model_set_features (the one row), rs_model_load* (every row, built from
 * the stored floats: the copy itself is not persisted) and setting the
 * parameter on a fitted model. It is a pure cache: without it, or when it
 * does not match the current item factors (rs__model_serving_copy checks
 * the row count and the data it was built from), serving scans the floats
 * and returns the same results, only slower.
 *
 * Only the collaborative scorer keeps item vectors as one dense block; the
 * content and hybrid scorers compose them from feature rows per item and
 * are served exactly. */
#include <math.h>
#include <stdint.h>

#include "model.h"

/* The item factors and biases the copy mirrors, or 0 when there is nothing
 * to mirror (parameter off, not fitted, another scorer). */
static int source_blocks(const rs_model *m, const rs__block **Q, const rs__block **B)
{
    if (m->params.serve_quantized != RS_QUANT_INT8 || !m->fitted ||
        m->scorer_kind != RS_SCORER_COLLABORATIVE)
        return 0;
    *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    *B = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
    if (!*Q || (*Q)->cols == 0 || (*Q)->rows < m->w.n_items || m->w.n_items == 0)
        return 0;
    if (*B && ((*B)->cols != 1 || (*B)->stride != 1 || (*B)->rows < m->w.n_items))
        *B = NULL;
    return 1;
}

void rs__model_serving_free(rs_model *m)
{
    rs__q8mat_free(&m->serving.items, &m->alloc);
    m->serving.bias_absmax = 0.0f;
    m->serving.src = NULL;
}

/* Quantise rows [lo, hi) and fold their biases into *bmax; 0 if a value is
 * not finite. */
static int set_rows(rs__serving *s, const rs__block *Q, const rs__block *B, size_t lo, size_t hi,
                    float *bmax)
{
    if (lo >= hi)
        return 1;
    int ok = rs__q8mat_set_rows(&s->items, Q->data, Q->stride, lo, hi - lo);
    for (size_t j = lo; B && j < hi; j++) {
        float b = fabsf(B->data[j]);
        if (!isfinite(b))
            ok = 0;
        else if (b > *bmax)
            *bmax = b;
    }
    return ok;
}

/* Bring the copy up to date for rows [first, end) plus any rows added. */
static rs_status update(rs_model *m, size_t first, size_t count)
{
    const rs__block *Q, *B;
    if (!source_blocks(m, &Q, &B)) {
        rs__model_serving_free(m);
        return RS_OK;
    }
    rs__serving *s = &m->serving;
    size_t n = m->w.n_items, old_n = s->items.n;
    int full = s->src != Q->data || s->items.cols != Q->cols || old_n == 0 || old_n > n ||
               (first == 0 && count >= n);
    if (full) {
        rs__model_serving_free(m);
        first = 0;
        count = n;
        old_n = 0;
    }
    rs_status st = rs__q8mat_resize(&s->items, &m->alloc, n, Q->cols);
    if (st != RS_OK) {
        rs__model_serving_free(m);
        return st;
    }
    size_t end = first >= n ? n : count > n - first ? n : first + count;
    int ok = 1;
    float bmax = full ? 0.0f : s->bias_absmax;
    ok &= set_rows(s, Q, B, first, end, &bmax);
    /* rows added since the last refresh (quantising a row twice is harmless) */
    ok &= set_rows(s, Q, B, old_n >= first && old_n < end ? end : old_n, n, &bmax);
    if (!ok) { /* a non-finite parameter: the error bounds would mean nothing */
        rs__model_serving_free(m);
        return RS_OK;
    }
    s->bias_absmax = bmax;
    s->src = Q->data;
    return RS_OK;
}

void rs__model_serving_refresh(rs_model *m, size_t first, size_t count)
{
    if (update(m, first, count) != RS_OK)
        rs__log(m, RS_LOG_WARN,
                "no memory for the int8 item copy (%zu items): top-k scans the float factors",
                m->w.n_items);
}

rs_status rs__model_serving_build(rs_model *m) { return update(m, 0, SIZE_MAX); }

const rs__serving *rs__model_serving_copy(const rs_model *m)
{
    const rs__block *Q, *B;
    const rs__serving *s = &m->serving;
    if (s->items.n == 0 || !source_blocks(m, &Q, &B))
        return NULL;
    return s->items.n == m->w.n_items && s->src == Q->data && s->items.cols == Q->cols ? s : NULL;
}
