/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * serve_fixture.h: hand-built fitted models for the white-box serving tests
 * (check_unit_topk, check_unit_predict). A model is made with rs_model_new,
 * its id maps and the collaborative scorer's blocks are filled directly with
 * known values, and it is marked fitted - no training involved.
 *
 * Item dense index i has external id FX_ITEM_ID(i), which DEcreases with i,
 * so "ties by the smaller id" differs from "ties by dense order". With
 * quantised values (multiples of 1/16, at most 16 factors) every score is
 * exact in float whatever the summation order, so CBLAS, the portable
 * kernels and the brute-force reference agree bit for bit. */
#ifndef RS_TESTS_SERVE_FIXTURE_H
#define RS_TESTS_SERVE_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "data/idmap.h"
#include "scorers/scorer.h"

#define FX_USER_ID(u) ((int64_t)(100 + 3 * (int64_t)(u)))
#define FX_ITEM_ID(i) ((int64_t)(1000000 - 7 * (int64_t)(i)))
#define FX_UNKNOWN_ID ((int64_t)-424242)

/* Deterministic generator (splitmix64) so tests need no global state. */
static inline uint64_t fx_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1); quantised to multiples of 1/16 when quant is set. */
static inline float fx_value(uint64_t *s, int quant)
{
    double u = (double)(fx_next(s) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    if (quant)
        return (float)(floor(u * 16.0) / 16.0);
    return (float)u;
}

static inline size_t fx_range(uint64_t *s, size_t lo, size_t hi)
{
    return lo + (size_t)(fx_next(s) % (uint64_t)(hi - lo + 1));
}

static inline rs__block *fx_block(rs_model *m, int32_t role)
{
    rs__block *b = rs__weights_block(&m->w, role);
    ck_assert_ptr_nonnull(b);
    return b;
}

/* A fitted collaborative model with random parameters and random seen lists
 * (each user sees each item with probability seen_pct / 100). alloc may be NULL. */
static inline rs_model *fx_model_alloc(size_t nu, size_t ni, size_t f, uint64_t seed, int quant,
                                       int seen_pct, rs_alloc_fn alloc, void *ud)
{
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, alloc, ud), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, (int64_t)f), RS_OK);
    for (size_t u = 0; u < nu; u++) {
        int32_t idx;
        ck_assert_int_eq(rs__idmap_insert(&m->users, &m->alloc, FX_USER_ID(u), &idx), RS_OK);
        ck_assert_int_eq(idx, (int32_t)u);
    }
    for (size_t i = 0; i < ni; i++) {
        int32_t idx;
        ck_assert_int_eq(rs__idmap_insert(&m->items, &m->alloc, FX_ITEM_ID(i), &idx), RS_OK);
        ck_assert_int_eq(idx, (int32_t)i);
    }
    m->w.n_users = nu;
    m->w.n_items = ni;
    ck_assert_int_eq(m->ops->layout(&m->w, &m->alloc, &m->params), RS_OK);
    uint64_t s = seed * 7919u + 17u;
    rs__block *ub = fx_block(m, RS__ROLE_USER_BIAS), *ib = fx_block(m, RS__ROLE_ITEM_BIAS);
    rs__block *P = fx_block(m, RS__ROLE_USER_FACTORS), *Q = fx_block(m, RS__ROLE_ITEM_FACTORS);
    for (size_t u = 0; u < nu; u++) {
        ub->data[u] = fx_value(&s, quant);
        for (size_t c = 0; c < f; c++)
            P->data[u * P->stride + c] = fx_value(&s, quant);
    }
    for (size_t i = 0; i < ni; i++) {
        ib->data[i] = fx_value(&s, quant);
        for (size_t c = 0; c < f; c++)
            Q->data[i * Q->stride + c] = fx_value(&s, quant);
    }
    m->w.global_mean = 3.5f;
    m->w.rating_min = 1.0f;
    m->w.rating_max = 5.0f;

    /* Seen lists: count first, then fill in ascending item order. */
    uint64_t s2 = seed * 31u + 5u;
    size_t nnz = 0;
    for (size_t u = 0; u < nu; u++)
        for (size_t i = 0; i < ni; i++)
            nnz += (int)(fx_next(&s2) % 100) < seen_pct;
    m->seen_off = rs__alloc(&m->alloc, nu + 1, sizeof *m->seen_off);
    ck_assert_ptr_nonnull(m->seen_off);
    m->seen_users_cap = nu;
    if (nnz > 0) {
        m->seen_item = rs__alloc(&m->alloc, nnz, sizeof *m->seen_item);
        ck_assert_ptr_nonnull(m->seen_item);
    }
    m->seen_nnz = nnz;
    s2 = seed * 31u + 5u;
    size_t at = 0;
    for (size_t u = 0; u < nu; u++) {
        m->seen_off[u] = at;
        for (size_t i = 0; i < ni; i++)
            if ((int)(fx_next(&s2) % 100) < seen_pct)
                m->seen_item[at++] = (int32_t)i;
    }
    m->seen_off[nu] = at;
    m->fitted = 1;
    return m;
}

static inline rs_model *fx_model(size_t nu, size_t ni, size_t f, uint64_t seed, int quant,
                                 int seen_pct)
{
    return fx_model_alloc(nu, ni, f, seed, quant, seen_pct, NULL, NULL);
}

/* 1 if dense item i is in user u's seen list. */
static inline int fx_seen(const rs_model *m, size_t u, size_t i)
{
    for (size_t t = m->seen_off[u]; t < m->seen_off[u + 1]; t++)
        if ((size_t)m->seen_item[t] == i)
            return 1;
    return 0;
}

/* Reference scorer, written independently of lib/serve: the fallback chain
 * (u < 0) or the full biased-MF formula with a plain loop in double. */
static inline double fx_ref_score(const rs_model *m, int32_t u, size_t i)
{
    const rs__block *ub = rs__weights_cblock(&m->w, RS__ROLE_USER_BIAS);
    const rs__block *ib = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
    const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    double s = (double)m->w.global_mean + (double)ib->data[i];
    if (u < 0)
        return s;
    s += (double)ub->data[u];
    for (size_t c = 0; c < P->cols; c++)
        s += (double)P->data[(size_t)u * P->stride + c] * (double)Q->data[i * Q->stride + c];
    return s;
}

typedef struct fx_ranked {
    double score;
    int64_t id;
} fx_ranked;

static inline int fx_ranked_cmp(const void *pa, const void *pb)
{
    const fx_ranked *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Counting allocator: tracks live bytes and can fail after a budget of calls. */
typedef struct fx_alloc_state {
    long long live;
    long calls;
    long fail_after; /* < 0: never fail */
} fx_alloc_state;

static inline void *fx_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    fx_alloc_state *st = ud;
    if (nsize == 0) {
        st->live -= (long long)osize;
        free(ptr);
        return NULL;
    }
    if (st->fail_after >= 0 && st->calls >= st->fail_after)
        return NULL;
    st->calls++;
    void *p = realloc(ptr, nsize);
    if (p)
        st->live += (long long)nsize - (long long)(ptr ? osize : 0);
    return p;
}

#endif
