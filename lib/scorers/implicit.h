/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * implicit.h: implicit user factors (SVD++, Koren, KDD 2008), shared by the
 * collaborative and the feature-model scorers and by serving.
 *
 *   user vector  p_u + |N(u)|^-1/2 * sum over j in N(u) of y_j
 *
 * N(u) are the user's training items, kept in rs__weights.implicit as a
 * sparse row per user whose entries carry |N(u)|^-1/2; the y_j rows are the
 * scorer's last block (RS__ROLE_ITEM_IMPLICIT_FACTORS, one row per item).
 * They are the same thing as a user feature whose rows are item ids, so the
 * gradient has the shape of a feature row's: d/dy_j = |N(u)|^-1/2 * z for
 * item vector z, the same for every j of the rating's user. Every path that
 * forms the user vector adds the rows through rs__implicit_add, in N(u)
 * order, so predict, the training loops and top-k agree bit for bit. */
#ifndef RS_SCORERS_IMPLICIT_H
#define RS_SCORERS_IMPLICIT_H

#include <stddef.h>
#include <stdint.h>
#include "common/params.h"
#include "common/vec.h"
#include "core/weights.h"

/* Declare the implicit block when the parameters ask for it (last, after
 * every other block of the scorer). */
static inline rs_status rs__implicit_layout(rs__weights *w, const rs__allocator *a,
                                            const rs__params *p)
{
    if (!p->implicit_user_factors)
        return RS_OK;
    return rs__weights_add_block(w, a, RS__ROLE_ITEM_IMPLICIT_FACTORS,
                                 RS_BLOCK_ITEM_IMPLICIT_FACTORS, RS__REG_IMPLICIT, w->n_items,
                                 (size_t)p->factors);
}

/* out += v * row: out is a caller buffer, never a parameter row, so
 * restrict lets the compiler vectorise (the feature model's sums use it too). */
static RS_ALWAYS_INLINE void rs__add_scaled(float *restrict out, const float *restrict row, float v,
                                            size_t len)
{
    size_t f = 0;
    for (; f + 8 <= len; f += 8) /* blocks of 8: vectorised at -O2 too */
        for (int l = 0; l < 8; l++)
            out[f + l] += v * row[f + l];
    for (; f < len; f++)
        out[f] += v * row[f];
}

/* out[0, len) += |N(u)|^-1/2 * y_j[lo, lo + len) for every j in N(u); out
 * is a caller buffer, never a parameter row. yb is the implicit block. */
static RS_ALWAYS_INLINE void rs__implicit_add(const rs__weights *w, int32_t yb, int32_t u,
                                              size_t lo, size_t len, float *restrict out)
{
    const rs__block *Y = &w->blocks[yb];
    const int32_t *col;
    const float *val;
    size_t n = rs__features_row(&w->implicit, (size_t)u, &col, &val);
    for (size_t j = 0; j < n; j++) {
        if ((size_t)col[j] >= Y->rows)
            continue; /* never in a consistent model; keeps a damaged one in bounds */
        rs__add_scaled(out, Y->data + (size_t)col[j] * Y->stride + lo, val[j], len);
    }
}

/* The whole effective user vector: out[0, k) = p_u + the implicit sum
 * (p_u NULL: the implicit sum alone). */
static inline void rs__implicit_user_vector(const rs__weights *w, int32_t yb, const float *pu,
                                            int32_t u, size_t k, float *out)
{
    for (size_t f = 0; f < k; f++)
        out[f] = pu ? pu[f] : 0.0f;
    rs__implicit_add(w, yb, u, 0, k, out);
}

/* The training loops (mf_train.c, featmodel.c) take the ratings of one
 * user that follow each other in a chunk as a run: one implicit sum s_u for
 * the run, the y_j gradients summed over it (acc) and stepped at its end,
 * with L2 once per rating (m). */
typedef struct rs__implicit_run {
    size_t end;           /* one past the run's last rating in the chunk */
    const int32_t *col;   /* N(u) */
    const float *val;
    size_t n;
    float cu;             /* |N(u)|^-1/2 */
    float m;              /* ratings whose gradient acc holds */
} rs__implicit_run;

/* Start the run of users[j] (of n_ratings): its end, N(u), su = the
 * implicit sum (k floats) and acc = 0. */
static inline void rs__implicit_run_begin(rs__implicit_run *run, const rs__weights *w, int32_t yb,
                                          const int32_t *users, size_t n_ratings, size_t j,
                                          size_t k, float *su, float *acc)
{
    int32_t u = users[j];
    run->end = j + 1;
    while (run->end < n_ratings && users[run->end] == u)
        run->end++;
    run->n = rs__features_row(&w->implicit, (size_t)u, &run->col, &run->val);
    run->cu = run->n ? run->val[0] : 0.0f;
    rs__implicit_user_vector(w, yb, NULL, u, k, su);
    for (size_t f = 0; f < k; f++)
        acc[f] = 0.0f;
    run->m = 0.0f;
}

#endif
