/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_unit_topk.c: white-box tests of top-k selection (rs_topk,
 * rs_topk_batch), similarity (rs_similar_items/users) and the BLAS seam,
 * against brute-force references on hand-built models (serve_fixture.h). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve_fixture.h"
#include "test_scale.h"
#include "synth.h"
#include "common/blas.h"
#include "common/sort.h"

#if RS_ENABLE_THREADS
#include <pthread.h>
#endif

#define MAXK 4096

/* Expected top-k of dense user u (or -1: fallback) by full sort of the
 * reference scores over eligible items. Returns the count. */
static size_t ref_topk(const rs_model *m, int32_t u, size_t k, int32_t flags, const int64_t *block,
                       size_t n_block, const int64_t *allow, size_t n_allow, fx_ranked *out)
{
    size_t ni = m->w.n_items, n = 0;
    fx_ranked *all = malloc((ni ? ni : 1) * sizeof *all);
    char *seen = calloc(ni ? ni : 1, 1);
    ck_assert(all && seen);
    if (u >= 0 && !(flags & RS_TOPK_INCLUDE_SEEN))
        for (size_t t = m->seen_off[u]; t < m->seen_off[u + 1]; t++)
            seen[m->seen_item[t]] = 1;
    for (size_t i = 0; i < ni; i++) {
        int64_t id = FX_ITEM_ID(i);
        int ok = !seen[i];
        for (size_t t = 0; t < n_block && ok; t++)
            if (block[t] == id)
                ok = 0;
        if (allow && ok) {
            ok = 0;
            for (size_t t = 0; t < n_allow; t++)
                if (allow[t] == id)
                    ok = 1;
        }
        if (ok) {
            all[n].score = fx_ref_score(m, u, i);
            all[n].id = id;
            n++;
        }
    }
    qsort(all, n, sizeof *all, fx_ranked_cmp);
    size_t c = n < k ? n : k;
    memcpy(out, all, c * sizeof *out);
    free(all);
    free(seen);
    return c;
}

/* Exact comparison (quantised models). */
static void assert_same(const fx_ranked *ref, size_t n_ref, const int64_t *ids, const float *sc,
                        size_t n)
{
    ck_assert_uint_eq(n, n_ref);
    for (size_t r = 0; r < n; r++) {
        ck_assert_int_eq(ids[r], ref[r].id);
        ck_assert_float_eq((double)sc[r], ref[r].score);
    }
}

/* Tolerant comparison (continuous values): the result must be a valid top-k
 * when scores are only known to within tol. */
static void assert_valid_topk(const rs_model *m, int32_t u, const fx_ranked *ref, size_t n_ref,
                              const int64_t *ids, const float *sc, size_t n, double tol)
{
    ck_assert_uint_eq(n, n_ref);
    for (size_t r = 0; r < n; r++) {
        ck_assert_double_eq_tol((double)sc[r], ref[r].score, tol);
        if (r > 0)
            ck_assert((double)sc[r - 1] >= (double)sc[r]);
        int32_t i = rs__idmap_find(&m->items, ids[r]);
        ck_assert_int_ge(i, 0);
        ck_assert_double_eq_tol((double)sc[r], fx_ref_score(m, u, (size_t)i), tol);
        for (size_t t = 0; t < r; t++)
            ck_assert_int_ne(ids[t], ids[r]);
    }
}

START_TEST(test_topk_matches_bruteforce_exact)
{
    static int64_t ids[MAXK];
    static float sc[MAXK];
    static fx_ranked ref[MAXK];
    for (uint64_t seed = 1; seed <= rs_test_trials(30); seed++) {
        uint64_t s = seed;
        size_t nu = fx_range(&s, 1, 12), ni = fx_range(&s, 1, 300), f = fx_range(&s, 1, 16);
        rs_model *m = fx_model(nu, ni, f, seed, 1, (int)fx_range(&s, 0, 60));
        size_t ks[] = {0, 1, 2, 5, 10, ni > 1 ? ni - 1 : 1, ni, ni + 7};
        for (size_t u = 0; u < nu; u++) {
            for (size_t kk = 0; kk < sizeof ks / sizeof ks[0]; kk++) {
                for (int32_t flags = 0; flags <= RS_TOPK_INCLUDE_SEEN; flags++) {
                    size_t k = ks[kk], n = 99;
                    ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), k, flags, NULL, 0, NULL, 0, ids, sc,
                                             &n),
                                     RS_OK);
                    size_t nr = ref_topk(m, (int32_t)u, k, flags, NULL, 0, NULL, 0, ref);
                    assert_same(ref, nr, ids, sc, n);
                }
            }
        }
        rs_model_free(m);
    }
}
END_TEST

START_TEST(test_topk_matches_bruteforce_float)
{
    static int64_t ids[MAXK];
    static float sc[MAXK];
    static fx_ranked ref[MAXK];
    for (uint64_t seed = 100; seed < 100 + rs_test_trials(12); seed++) {
        uint64_t s = seed;
        size_t nu = fx_range(&s, 1, 4), ni = fx_range(&s, 1, 2500), f = fx_range(&s, 1, 70);
        rs_model *m = fx_model(nu, ni, f, seed, 0, 10);
        size_t ks[] = {1, 10, 100};
        for (size_t u = 0; u < nu; u++)
            for (size_t kk = 0; kk < 3; kk++) {
                size_t n;
                ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), ks[kk], 0, NULL, 0, NULL, 0, ids, sc,
                                         &n),
                                 RS_OK);
                size_t nr = ref_topk(m, (int32_t)u, ks[kk], 0, NULL, 0, NULL, 0, ref);
                assert_valid_topk(m, (int32_t)u, ref, nr, ids, sc, n, 1e-4);
            }
        rs_model_free(m);
    }
}
END_TEST

START_TEST(test_topk_count_is_min_k_eligible)
{
    rs_model *m = fx_model(2, 20, 4, 3, 1, 0);
    /* user 0 saw every item but 3 */
    size_t keep[] = {2, 11, 17}, at = 0;
    rs__free(&m->alloc, m->seen_item, m->seen_nnz, sizeof *m->seen_item);
    m->seen_item = rs__alloc(&m->alloc, 17, sizeof *m->seen_item);
    ck_assert_ptr_nonnull(m->seen_item);
    for (size_t i = 0; i < 20; i++)
        if (i != keep[0] && i != keep[1] && i != keep[2])
            m->seen_item[at++] = (int32_t)i;
    m->seen_nnz = 17;
    m->seen_off[0] = 0;
    m->seen_off[1] = 17;
    m->seen_off[2] = 17;
    int64_t ids[40];
    float sc[40];
    size_t n;
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 10, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 3);
    for (size_t r = 0; r < n; r++) {
        int32_t i = rs__idmap_find(&m->items, ids[r]);
        ck_assert(i == 2 || i == 11 || i == 17);
    }
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 10, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, ids,
                             sc, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 10);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 40, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, ids,
                             sc, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 20);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(1), 40, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 20); /* user 1 saw nothing */
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_excludes_seen_items)
{
    int64_t ids[64];
    float sc[64];
    rs_model *m = fx_model(8, 60, 8, 11, 1, 40);
    for (size_t u = 0; u < 8; u++) {
        size_t n;
        ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), 64, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
        size_t n_seen = m->seen_off[u + 1] - m->seen_off[u];
        ck_assert_uint_eq(n, 60 - n_seen);
        for (size_t r = 0; r < n; r++)
            ck_assert(!fx_seen(m, u, (size_t)rs__idmap_find(&m->items, ids[r])));
        ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), 64, RS_TOPK_INCLUDE_SEEN, NULL, 0, NULL, 0, ids,
                                 sc, &n),
                         RS_OK);
        ck_assert_uint_eq(n, 60);
    }
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_block_and_allow_lists)
{
    static int64_t ids[512];
    static float sc[512];
    static fx_ranked ref[512];
    for (uint64_t seed = 1; seed <= rs_test_trials(25); seed++) {
        uint64_t s = seed + 1000;
        size_t ni = fx_range(&s, 5, 400);
        rs_model *m = fx_model(4, ni, fx_range(&s, 1, 16), seed, 1, 20);
        int64_t block[40], allow[60];
        size_t nb = fx_range(&s, 0, 40), na = fx_range(&s, 0, 60);
        for (size_t t = 0; t < nb; t++)
            block[t] = t % 7 == 3 ? FX_UNKNOWN_ID - (int64_t)t : FX_ITEM_ID(fx_range(&s, 0, ni - 1));
        for (size_t t = 0; t < na; t++) /* duplicates and unknown ids on purpose */
            allow[t] = t % 5 == 1 ? FX_UNKNOWN_ID + (int64_t)t : FX_ITEM_ID(fx_range(&s, 0, ni - 1));
        for (size_t u = 0; u < 4; u++) {
            size_t ks[] = {1, 7, 50, 512};
            for (size_t kk = 0; kk < 4; kk++) {
                size_t n, nr;
                /* block only */
                ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), ks[kk], 0, block, nb, NULL, 0, ids, sc,
                                         &n),
                                 RS_OK);
                nr = ref_topk(m, (int32_t)u, ks[kk], 0, block, nb, NULL, 0, ref);
                assert_same(ref, nr, ids, sc, n);
                /* allow only, seen included */
                ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), ks[kk], RS_TOPK_INCLUDE_SEEN, NULL, 0,
                                         allow, na, ids, sc, &n),
                                 RS_OK);
                nr = ref_topk(m, (int32_t)u, ks[kk], RS_TOPK_INCLUDE_SEEN, NULL, 0, allow, na, ref);
                assert_same(ref, nr, ids, sc, n);
                /* both, seen excluded */
                ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), ks[kk], 0, block, nb, allow, na, ids, sc,
                                         &n),
                                 RS_OK);
                nr = ref_topk(m, (int32_t)u, ks[kk], 0, block, nb, allow, na, ref);
                assert_same(ref, nr, ids, sc, n);
            }
        }
        rs_model_free(m);
    }
}
END_TEST

START_TEST(test_topk_empty_allow_list_gives_nothing)
{
    rs_model *m = fx_model(1, 10, 4, 2, 1, 0);
    int64_t dummy = FX_ITEM_ID(3), ids[10];
    size_t n = 5;
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 10, 0, NULL, 0, &dummy, 0, ids, NULL, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_ties_by_smaller_id)
{
    rs_model *m = fx_model(2, 50, 8, 5, 1, 0);
    /* every item scores the same: no factors, equal biases */
    rs__block *Q = fx_block(m, RS__ROLE_ITEM_FACTORS), *ib = fx_block(m, RS__ROLE_ITEM_BIAS);
    memset(Q->data, 0, Q->rows * Q->stride * sizeof(float));
    for (size_t i = 0; i < 50; i++)
        ib->data[i] = i % 2 ? 0.25f : 0.5f; /* two score levels */
    int64_t ids[50];
    float sc[50];
    size_t n;
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(1), 50, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 50);
    for (size_t r = 1; r < n; r++) {
        ck_assert((double)sc[r - 1] >= (double)sc[r]);
        if (sc[r - 1] == sc[r])
            ck_assert_int_lt(ids[r - 1], ids[r]);
    }
    /* the smallest id among the even (higher) items is the last even index */
    ck_assert_int_eq(ids[0], FX_ITEM_ID(48));
    ck_assert_int_eq(ids[24], FX_ITEM_ID(0));
    ck_assert_int_eq(ids[25], FX_ITEM_ID(49));
    /* k smaller than a tie group: the smallest ids of the group win */
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(1), 3, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ids[0], FX_ITEM_ID(48));
    ck_assert_int_eq(ids[1], FX_ITEM_ID(46));
    ck_assert_int_eq(ids[2], FX_ITEM_ID(44));
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_unknown_user_falls_back_to_item_bias)
{
    static int64_t ids[200];
    static float sc[200];
    static fx_ranked ref[200];
    rs_model *m = fx_model(5, 200, 8, 9, 1, 30);
    size_t n;
    ck_assert_int_eq(rs_topk(m, FX_UNKNOWN_ID, 20, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_FALLBACK);
    size_t nr = ref_topk(m, -1, 20, 0, NULL, 0, NULL, 0, ref);
    assert_same(ref, nr, ids, sc, n);
    const rs__block *ib = fx_block(m, RS__ROLE_ITEM_BIAS);
    int32_t best = rs__idmap_find(&m->items, ids[0]);
    for (size_t i = 0; i < 200; i++)
        ck_assert(ib->data[i] <= ib->data[best]);
    ck_assert_float_eq(sc[0], m->w.global_mean + ib->data[best]);
    /* the fallback ranking honours block lists too */
    ck_assert_int_eq(rs_topk(m, FX_UNKNOWN_ID, 20, 0, ids, 1, NULL, 0, ids + 100, sc, &n),
                     RS_FALLBACK);
    ck_assert_uint_eq(n, 20);
    for (size_t r = 0; r < n; r++)
        ck_assert_int_ne(ids[100 + r], ids[0]);
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_cold_start_error)
{
    rs_model *m = fx_model(3, 30, 4, 9, 1, 10);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_START, RS_COLD_START_ERROR), RS_OK);
    int64_t ids[10], users[3] = {FX_USER_ID(0), FX_UNKNOWN_ID, FX_USER_ID(2)};
    float sc[30];
    size_t n = 77, counts[3] = {5, 5, 5};
    int64_t bids[30];
    ck_assert_int_eq(rs_topk(m, FX_UNKNOWN_ID, 10, 0, NULL, 0, NULL, 0, ids, sc, &n),
                     RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk_batch(m, users, 3, 10, 0, bids, sc, counts), RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(counts[0] + counts[1] + counts[2], 0);
    /* known users are still served */
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(1), 10, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 10);
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_unfitted_is_state_error)
{
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    int64_t ids[4], users[1] = {1};
    float sc[4];
    size_t n = 9, counts[1] = {9};
    ck_assert_int_eq(rs_topk(m, 1, 4, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_ERR_STATE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk_batch(m, users, 1, 4, 0, ids, sc, counts), RS_ERR_STATE);
    ck_assert_uint_eq(counts[0], 0);
    n = 9;
    ck_assert_int_eq(rs_similar_items(m, 1, 4, ids, sc, &n), RS_ERR_STATE);
    ck_assert_uint_eq(n, 0);
    n = 9;
    ck_assert_int_eq(rs_similar_users(m, 1, 4, ids, sc, &n), RS_ERR_STATE);
    ck_assert_uint_eq(n, 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_topk_invalid_args)
{
    rs_model *m = fx_model(2, 10, 4, 1, 1, 0);
    int64_t ids[10], users[2] = {FX_USER_ID(0), FX_USER_ID(1)};
    float sc[10];
    size_t n = 3, counts[2] = {4, 4};
    ck_assert_int_eq(rs_topk(NULL, 1, 4, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0, NULL, 0, NULL, 0, ids, sc, NULL),
                     RS_ERR_INVALID_ARG);
    n = 3;
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0, NULL, 0, NULL, 0, NULL, sc, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0, NULL, 2, NULL, 0, ids, sc, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0, NULL, 0, NULL, 2, ids, sc, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0x100, NULL, 0, NULL, 0, ids, sc, &n),
                     RS_ERR_INVALID_ARG);
    /* k == 0 needs no output buffer; scores_out is optional */
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 0, 0, NULL, 0, NULL, 0, NULL, NULL, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_topk(m, FX_USER_ID(0), 4, 0, NULL, 0, NULL, 0, ids, NULL, &n), RS_OK);
    ck_assert_uint_eq(n, 4);

    ck_assert_int_eq(rs_topk_batch(NULL, users, 2, 4, 0, ids, sc, counts), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(counts[0] + counts[1], 0);
    ck_assert_int_eq(rs_topk_batch(m, NULL, 2, 4, 0, ids, sc, counts), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk_batch(m, users, 2, 4, 0, NULL, sc, counts), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk_batch(m, users, 2, 4, 0, ids, sc, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk_batch(m, users, 2, 4, 0x8, ids, sc, counts), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_topk_batch(m, users, 0, 4, 0, NULL, NULL, NULL), RS_OK);

    ck_assert_int_eq(rs_similar_items(NULL, FX_ITEM_ID(0), 4, ids, sc, &n), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(0), 4, NULL, sc, &n), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_similar_users(m, FX_USER_ID(0), 4, ids, sc, NULL), RS_ERR_INVALID_ARG);
    rs_model_free(m);
}
END_TEST

/* Batch results must equal single calls, across several 64-user blocks,
 * several sgemm item tiles and interleaved unknown users. */
START_TEST(test_topk_batch_equals_single)
{
    size_t nu = 150, ni = 5000, f = 12;
    rs_model *m = fx_model(nu, ni, f, 21, 1, 3);
    size_t nq = 160, ks[] = {0, 1, 10, 37};
    int64_t *users = malloc(nq * sizeof *users);
    int64_t *bids = malloc(nq * 37 * sizeof *bids);
    float *bsc = malloc(nq * 37 * sizeof *bsc);
    size_t *counts = malloc(nq * sizeof *counts);
    ck_assert(users && bids && bsc && counts);
    for (size_t q = 0; q < nq; q++)
        users[q] = q % 17 == 5 ? FX_UNKNOWN_ID - (int64_t)q : FX_USER_ID((q * 7) % nu);
    for (size_t kk = 0; kk < 4; kk++) {
        for (int32_t flags = 0; flags <= RS_TOPK_INCLUDE_SEEN; flags++) {
            size_t k = ks[kk];
            ck_assert_int_eq(rs_topk_batch(m, users, nq, k, flags, bids, bsc, counts), RS_FALLBACK);
            for (size_t q = 0; q < nq; q++) {
                int64_t ids[37];
                float sc[37];
                size_t n;
                rs_status st = rs_topk(m, users[q], k, flags, NULL, 0, NULL, 0, ids, sc, &n);
                ck_assert(st == RS_OK || st == RS_FALLBACK);
                ck_assert_uint_eq(counts[q], n);
                for (size_t r = 0; r < n; r++) {
                    ck_assert_int_eq(bids[q * k + r], ids[r]);
                    ck_assert_float_eq(bsc[q * k + r], sc[r]);
                }
            }
        }
    }
    /* only known users: RS_OK */
    ck_assert_int_eq(rs_topk_batch(m, users, 5, 10, 0, bids, NULL, counts), RS_OK);
    free(users);
    free(bids);
    free(bsc);
    free(counts);
    rs_model_free(m);
}
END_TEST

/* RS_PARAM_THREADS > 1 spreads rs_topk_batch and rs_topk_batch_ex over
 * threads by ranges of users: every row, count and status is what one
 * thread gives, bit for bit (unknown users, exclusions, seen items). */
START_TEST(test_topk_batch_threads_give_the_same_rows)
{
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        return; /* RS_PARAM_THREADS > 1 is RS_ERR_NOT_BUILT: one thread is all there is */
    /* quick (valgrind, qemu): still two ranges of users */
    size_t nu = 120, ni = 3000, f = 12, nq = rs_test_quick() ? 300 : 700, k = 10;
    rs_model *m = fx_model(nu, ni, f, 29, 1, 3);
    int64_t *users = malloc(nq * sizeof *users), *ex = malloc(nq * 4 * sizeof *ex);
    size_t *off = malloc((nq + 1) * sizeof *off);
    int64_t *ids[4];
    float *sc[4];
    size_t *counts[4];
    for (int t = 0; t < 4; t++) {
        ids[t] = malloc(nq * k * sizeof *ids[t]);
        sc[t] = malloc(nq * k * sizeof *sc[t]);
        counts[t] = malloc(nq * sizeof *counts[t]);
        ck_assert(ids[t] && sc[t] && counts[t]);
    }
    ck_assert(users && ex && off);
    off[0] = 0;
    for (size_t q = 0; q < nq; q++) {
        users[q] = q % 19 == 7 ? FX_UNKNOWN_ID - (int64_t)q : FX_USER_ID((q * 13) % nu);
        size_t e = off[q];
        for (size_t j = 0; j < q % 4; j++)
            ex[e++] = FX_ITEM_ID((q * 31 + j * 7) % ni);
        off[q + 1] = e;
    }
    for (int with_ex = 0; with_ex <= 1; with_ex++) {
        int64_t threads[4] = {1, 2, 3, 8};
        for (int t = 0; t < 4; t++) {
            ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, threads[t]), RS_OK);
            memset(ids[t], 0xab, nq * k * sizeof *ids[t]);
            rs_status st = with_ex ? rs_topk_batch_ex(m, users, nq, k, 0, off, ex, ids[t], sc[t], counts[t])
                                   : rs_topk_batch(m, users, nq, k, 0, ids[t], sc[t], counts[t]);
            ck_assert_int_eq(st, RS_FALLBACK);
        }
        for (int t = 1; t < 4; t++) {
            ck_assert(memcmp(counts[0], counts[t], nq * sizeof *counts[0]) == 0);
            for (size_t q = 0; q < nq; q++) {
                ck_assert_uint_eq(counts[0][q], k);
                ck_assert(memcmp(ids[0] + q * k, ids[t] + q * k, k * sizeof *ids[0]) == 0);
                ck_assert(memcmp(sc[0] + q * k, sc[t] + q * k, k * sizeof *sc[0]) == 0);
            }
        }
    }
    for (int t = 0; t < 4; t++) {
        free(ids[t]);
        free(sc[t]);
        free(counts[t]);
    }
    free(users);
    free(ex);
    free(off);
    rs_model_free(m);
}
END_TEST

/* rs_topk_batch_ex: each row equals rs_topk with that user's exclusions as
 * its block list (known and unknown ids, duplicates, seen items), on the
 * sgemm path and for unknown users; NULL offsets are rs_topk_batch. */
START_TEST(test_topk_batch_ex_equals_single)
{
    size_t nu = 150, ni = 4000, f = 12, nq = 150, k = 25;
    rs_model *m = fx_model(nu, ni, f, 23, 1, 3);
    int64_t *users = malloc(nq * sizeof *users), *bids = malloc(nq * k * sizeof *bids);
    float *bsc = malloc(nq * k * sizeof *bsc);
    size_t *counts = malloc(nq * sizeof *counts), *off = malloc((nq + 1) * sizeof *off);
    int64_t *ex = malloc(nq * 40 * sizeof *ex);
    ck_assert(users && bids && bsc && counts && off && ex);
    uint64_t x = 99;
    off[0] = 0;
    for (size_t q = 0; q < nq; q++) {
        users[q] = q % 13 == 4 ? FX_UNKNOWN_ID - (int64_t)q : FX_USER_ID((q * 11) % nu);
        /* the user's own current top items, random items, unknown ids, a duplicate */
        int64_t top[10];
        float ts[10];
        size_t nt = 0, e = off[q];
        rs_topk(m, users[q], 10, 0, NULL, 0, NULL, 0, top, ts, &nt);
        size_t want = q % 5 == 0 ? 0 : (size_t)(q % 30);
        for (size_t j = 0; j < want; j++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            int64_t id = j < nt && j % 2 == 0 ? top[j]
                       : j % 7 == 3          ? FX_UNKNOWN_ID - 1000 - (int64_t)j
                                             : FX_ITEM_ID((x >> 33) % ni);
            ex[e++] = id;
        }
        if (want > 2)
            ex[e++] = ex[off[q]]; /* a duplicate */
        off[q + 1] = e;
    }
    for (int32_t flags = 0; flags <= RS_TOPK_INCLUDE_SEEN; flags++) {
        ck_assert_int_eq(rs_topk_batch_ex(m, users, nq, k, flags, off, ex, bids, bsc, counts),
                         RS_FALLBACK);
        for (size_t q = 0; q < nq; q++) {
            int64_t ids[25];
            float sc[25];
            size_t n;
            rs_status st = rs_topk(m, users[q], k, flags, ex + off[q], off[q + 1] - off[q], NULL,
                                   0, ids, sc, &n);
            ck_assert(st == RS_OK || st == RS_FALLBACK);
            ck_assert_uint_eq(counts[q], n);
            for (size_t r = 0; r < n; r++) {
                ck_assert_int_eq(bids[q * k + r], ids[r]);
                ck_assert_float_eq(bsc[q * k + r], sc[r]);
                for (size_t e = off[q]; e < off[q + 1]; e++)
                    ck_assert(bids[q * k + r] != ex[e]);
            }
        }
        /* No offsets: exactly rs_topk_batch. */
        int64_t *b2 = malloc(nq * k * sizeof *b2);
        size_t *c2 = malloc(nq * sizeof *c2);
        ck_assert(b2 && c2);
        ck_assert_int_eq(rs_topk_batch_ex(m, users, nq, k, flags, NULL, NULL, bids, NULL, counts),
                         RS_FALLBACK);
        ck_assert_int_eq(rs_topk_batch(m, users, nq, k, flags, b2, NULL, c2), RS_FALLBACK);
        for (size_t q = 0; q < nq; q++) {
            ck_assert_uint_eq(counts[q], c2[q]);
            for (size_t r = 0; r < c2[q]; r++)
                ck_assert_int_eq(bids[q * k + r], b2[q * k + r]);
        }
        free(b2);
        free(c2);
    }
    /* Bad CSR: decreasing offsets, items missing; counts are zeroed. */
    size_t bad[3] = {0, 2, 1};
    ck_assert_int_eq(rs_topk_batch_ex(m, users, 2, k, 0, bad, ex, bids, NULL, counts),
                     RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(counts[0], 0);
    size_t some[3] = {0, 1, 1};
    ck_assert_int_eq(rs_topk_batch_ex(m, users, 2, k, 0, some, NULL, bids, NULL, counts),
                     RS_ERR_INVALID_ARG);
    size_t none[3] = {5, 5, 5}; /* no exclusions at all: items may be NULL */
    ck_assert_int_eq(rs_topk_batch_ex(m, users + 1, 2, k, 0, none, NULL, bids, NULL, counts),
                     RS_OK);
    /* Allocation failures: RS_ERR_NOMEM, no output, nothing leaked. */
    fx_alloc_state fs = {0, 0, -1};
    rs_model *ma = fx_model_alloc(70, 3000, 8, 6, 1, 5, fx_alloc, &fs);
    long long live = fs.live;
    for (long budget = 0; budget < 5; budget++) {
        fs.calls = 0;
        fs.fail_after = budget;
        int64_t u70[70];
        for (size_t u = 0; u < 70; u++)
            u70[u] = FX_USER_ID(u);
        size_t o70[71];
        for (size_t u = 0; u <= 70; u++)
            o70[u] = u < 40 ? u : 40;
        int64_t e70[40];
        for (size_t j = 0; j < 40; j++)
            e70[j] = FX_ITEM_ID(j * 3);
        static int64_t out70[70 * 20];
        size_t c70[70];
        rs_status r = rs_topk_batch_ex(ma, u70, 70, 20, 0, o70, e70, out70, NULL, c70);
        ck_assert(r == RS_OK || r == RS_ERR_NOMEM);
        if (budget == 0)
            ck_assert_int_eq(r, RS_ERR_NOMEM);
        if (r == RS_ERR_NOMEM)
            for (size_t u = 0; u < 70; u++)
                ck_assert_uint_eq(c70[u], 0);
        ck_assert_int_eq(fs.live, live);
    }
    fs.fail_after = -1;
    rs_model_free(ma);
    free(users);
    free(bids);
    free(bsc);
    free(counts);
    free(off);
    free(ex);
    rs_model_free(m);
}
END_TEST

/* The same model with non-collaborative ops exercises the per-item predict()
 * path, which must rank exactly like the sgemv path. */
START_TEST(test_topk_generic_scorer_path)
{
    static rs__scorer_ops ops;
    ops = rs__collaborative_ops;
    ops.kind = RS_SCORER_HYBRID;
    rs_model *a = fx_model(70, 300, 8, 4, 1, 10);
    rs_model *b = fx_model(70, 300, 8, 4, 1, 10);
    b->ops = &ops;
    int64_t ia[30], ib[30], users[70];
    float sa[30], sb[30];
    size_t na, nb;
    for (size_t u = 0; u < 70; u++) {
        users[u] = FX_USER_ID(u);
        ck_assert_int_eq(rs_topk(a, users[u], 30, 0, NULL, 0, NULL, 0, ia, sa, &na), RS_OK);
        ck_assert_int_eq(rs_topk(b, users[u], 30, 0, NULL, 0, NULL, 0, ib, sb, &nb), RS_OK);
        ck_assert_uint_eq(na, nb);
        for (size_t r = 0; r < na; r++) {
            ck_assert_int_eq(ia[r], ib[r]);
            ck_assert_float_eq(sa[r], sb[r]);
        }
    }
    static int64_t bi[70 * 5];
    static float bs[70 * 5];
    size_t counts[70];
    ck_assert_int_eq(rs_topk_batch(b, users, 70, 5, 0, bi, bs, counts), RS_OK);
    for (size_t u = 0; u < 70; u++) {
        ck_assert_int_eq(rs_topk(a, users[u], 5, 0, NULL, 0, NULL, 0, ia, sa, &na), RS_OK);
        ck_assert_uint_eq(counts[u], na);
        for (size_t r = 0; r < na; r++)
            ck_assert_int_eq(bi[u * 5 + r], ia[r]);
    }
    rs_model_free(a);
    rs_model_free(b);
}
END_TEST

/* Scratch memory comes from the model's allocator, is released before
 * return, and an allocation failure is reported as RS_ERR_NOMEM with no
 * output and nothing leaked. */
START_TEST(test_topk_scratch_from_model_allocator)
{
    fx_alloc_state st = {0, 0, -1};
    rs_model *m = fx_model_alloc(70, 3000, 8, 6, 1, 5, fx_alloc, &st);
    long long live = st.live;
    long calls = st.calls;
    int64_t ids[20], users[70], block[2] = {FX_ITEM_ID(3), FX_ITEM_ID(4)};
    static int64_t bids[70 * 20];
    float sc[20];
    size_t n, counts[70];
    for (size_t u = 0; u < 70; u++)
        users[u] = FX_USER_ID(u);
    ck_assert_int_eq(rs_topk(m, users[0], 20, 0, block, 2, NULL, 0, ids, sc, &n), RS_OK);
    ck_assert_int_eq(rs_topk_batch(m, users, 70, 20, 0, bids, NULL, counts), RS_OK);
    ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(1), 20, ids, sc, &n), RS_OK);
    ck_assert(st.calls > calls);
    ck_assert_int_eq(st.live, live);

    for (long budget = 0; budget < 4; budget++) {
        st.calls = 0;
        st.fail_after = budget;
        rs_status r1 = rs_topk(m, users[1], 20, 0, block, 2, NULL, 0, ids, sc, &n);
        ck_assert(r1 == RS_OK || r1 == RS_ERR_NOMEM);
        if (r1 == RS_ERR_NOMEM)
            ck_assert_uint_eq(n, 0);
        st.calls = 0;
        rs_status r2 = rs_topk_batch(m, users, 70, 20, 0, bids, NULL, counts);
        ck_assert(r2 == RS_OK || r2 == RS_ERR_NOMEM);
        if (r2 == RS_ERR_NOMEM)
            for (size_t u = 0; u < 70; u++)
                ck_assert_uint_eq(counts[u], 0);
        st.calls = 0;
        rs_status r3 = rs_similar_users(m, FX_USER_ID(2), 20, ids, sc, &n);
        ck_assert(r3 == RS_OK || r3 == RS_ERR_NOMEM);
        if (budget == 0) {
            ck_assert_int_eq(r1, RS_ERR_NOMEM);
            ck_assert_int_eq(r2, RS_ERR_NOMEM);
            ck_assert_int_eq(r3, RS_ERR_NOMEM);
        }
        ck_assert_int_eq(st.live, live);
    }
    st.fail_after = -1;
    rs_model_free(m);
    ck_assert_int_eq(st.live, 0);
}
END_TEST

/* Read-only calls leave the model (including its error message) untouched. */
START_TEST(test_topk_does_not_modify_model)
{
    rs_model *m = fx_model(10, 100, 8, 8, 1, 10);
    strcpy(m->err.msg, "sentinel");
    rs_model before;
    memcpy(&before, m, sizeof before);
    const rs__block *Q = fx_block(m, RS__ROLE_ITEM_FACTORS);
    size_t qbytes = Q->rows * Q->stride * sizeof(float);
    float *qcopy = malloc(qbytes);
    ck_assert_ptr_nonnull(qcopy);
    memcpy(qcopy, Q->data, qbytes);
    int64_t ids[10], users[2] = {FX_USER_ID(1), FX_UNKNOWN_ID};
    int64_t bids[20];
    float sc[20];
    size_t n, counts[2];
    rs_topk(m, FX_USER_ID(3), 10, 0, NULL, 0, NULL, 0, ids, sc, &n);
    rs_topk(m, FX_UNKNOWN_ID, 10, 0, NULL, 0, NULL, 0, ids, sc, &n);
    rs_topk(m, FX_USER_ID(3), 10, 0, NULL, 0, NULL, 3, ids, sc, &n);
    rs_topk_batch(m, users, 2, 10, 0, bids, sc, counts);
    rs_similar_items(m, FX_ITEM_ID(5), 10, ids, sc, &n);
    rs_similar_users(m, FX_UNKNOWN_ID, 10, ids, sc, &n);
    ck_assert_int_eq(memcmp(&before, m, sizeof before), 0);
    ck_assert_int_eq(memcmp(qcopy, Q->data, qbytes), 0);
    ck_assert_str_eq(rs_model_last_error(m), "sentinel");
    free(qcopy);
    rs_model_free(m);
}
END_TEST

/* Models trained by rs_fit with every scorer kind that is built: top-k and
 * the similarity calls agree with brute force over the scorer's predict(). */
START_TEST(test_topk_fitted_scorers)
{
    int32_t kinds[3] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    int built = 0;
    for (int kk = 0; kk < 3; kk++) {
        rs_model *m = NULL;
        rs_status st = rs_model_new(&m, kinds[kk], NULL, NULL);
        if (st == RS_ERR_NOT_BUILT)
            continue;
        ck_assert_int_eq(st, RS_OK);
        built++;
        rs_dataset *ds = NULL;
        ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
        ck_assert_uint_gt(synth_make(ds, NULL, 30, 80, 4, 0.3, 0.1, 0.0, 7), 0);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 8), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 4), RS_OK);
        ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
        size_t ni = m->w.n_items;
        fx_ranked *ref = malloc(ni * sizeof *ref);
        int64_t ids[10], users[30];
        float sc[10];
        static int64_t bids[30 * 10];
        static float bsc[30 * 10];
        size_t counts[30];
        ck_assert_ptr_nonnull(ref);
        for (int32_t u = 0; u < (int32_t)m->w.n_users; u++) {
            size_t n, nr = 0;
            users[u] = m->users.ids[u];
            ck_assert_int_eq(rs_topk(m, users[u], 10, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
            for (size_t i = 0; i < ni; i++) {
                int seen = 0;
                for (size_t t = m->seen_off[u]; t < m->seen_off[u + 1]; t++)
                    seen |= (size_t)m->seen_item[t] == i;
                if (seen)
                    continue;
                ref[nr].score = m->ops->predict(&m->w, u, (int32_t)i);
                ref[nr].id = m->items.ids[i];
                nr++;
            }
            qsort(ref, nr, sizeof *ref, fx_ranked_cmp);
            ck_assert_uint_eq(n, nr < 10 ? nr : 10);
            for (size_t r = 0; r < n; r++) {
                ck_assert_double_eq_tol((double)sc[r], ref[r].score, 1e-4);
                int32_t i = rs__idmap_find(&m->items, ids[r]);
                ck_assert_double_eq_tol((double)sc[r], m->ops->predict(&m->w, u, i), 1e-4);
            }
            /* similarity works for every scorer and never returns the query */
            ck_assert_int_eq(rs_similar_users(m, users[u], 5, ids, sc, &n), RS_OK);
            ck_assert_uint_eq(n, 5);
            for (size_t r = 0; r < n; r++)
                ck_assert_int_ne(ids[r], users[u]);
        }
        ck_assert_int_eq(rs_topk_batch(m, users, m->w.n_users, 10, 0, bids, bsc, counts), RS_OK);
        for (size_t u = 0; u < m->w.n_users; u++) {
            size_t n;
            ck_assert_int_eq(rs_topk(m, users[u], 10, 0, NULL, 0, NULL, 0, ids, sc, &n), RS_OK);
            ck_assert_uint_eq(counts[u], n);
            for (size_t r = 0; r < n; r++)
                ck_assert_double_eq_tol(bsc[u * 10 + r], sc[r], 1e-4);
        }
        size_t n;
        ck_assert_int_eq(rs_similar_items(m, m->items.ids[3], 5, ids, sc, &n), RS_OK);
        ck_assert_uint_eq(n, 5);
        free(ref);
        rs_dataset_free(ds);
        rs_model_free(m);
    }
    ck_assert_int_ge(built, 1);
}
END_TEST

#if RS_ENABLE_THREADS
/* Serving calls are `shared`: threads scoring one model at the same time get
 * exactly the results of a lone caller. */
typedef struct par_job {
    const rs_model *m;
    const int64_t *want; /* nu x 10 expected ids */
    int bad;
} par_job;

static void *par_worker(void *arg)
{
    par_job *j = arg;
    size_t nu = j->m->w.n_users;
    for (int rep = 0; rep < 3; rep++)
        for (size_t u = 0; u < nu; u++) {
            int64_t ids[10], sim[10];
            float sc[10];
            size_t n, ns;
            rs_status st = rs_topk(j->m, FX_USER_ID(u), 10, 0, NULL, 0, NULL, 0, ids, sc, &n);
            if (st != RS_OK || n != 10 || memcmp(ids, j->want + u * 10, sizeof ids) != 0)
                j->bad++;
            if (rs_similar_items(j->m, FX_ITEM_ID(u), 10, sim, sc, &ns) != RS_OK || ns != 10)
                j->bad++;
        }
    return NULL;
}

START_TEST(test_topk_concurrent_callers)
{
    size_t nu = 40;
    rs_model *m = fx_model(nu, 3000, 16, 31, 1, 5);
    int64_t *want = malloc(nu * 10 * sizeof *want);
    float sc[10];
    ck_assert_ptr_nonnull(want);
    for (size_t u = 0; u < nu; u++) {
        size_t n;
        ck_assert_int_eq(rs_topk(m, FX_USER_ID(u), 10, 0, NULL, 0, NULL, 0, want + u * 10, sc, &n),
                         RS_OK);
    }
    pthread_t th[4];
    par_job jobs[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (par_job){m, want, 0};
        ck_assert_int_eq(pthread_create(&th[t], NULL, par_worker, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        ck_assert_int_eq(pthread_join(th[t], NULL), 0);
        ck_assert_int_eq(jobs[t].bad, 0);
    }
    free(want);
    rs_model_free(m);
}
END_TEST
#endif

/* ---- similarity ---- */

static double ref_cos(const rs__block *b, size_t r, size_t q)
{
    double d = 0, nr = 0, nq = 0;
    for (size_t c = 0; c < b->cols; c++) {
        double x = b->data[r * b->stride + c], y = b->data[q * b->stride + c];
        d += x * y;
        nr += x * x;
        nq += y * y;
    }
    return nr > 0 && nq > 0 ? d / (sqrt(nr) * sqrt(nq)) : 0.0;
}

static void check_similar(rs_model *m, int users, size_t k)
{
    const rs__block *b = fx_block(m, users ? RS__ROLE_USER_FACTORS : RS__ROLE_ITEM_FACTORS);
    size_t n_rows = users ? m->w.n_users : m->w.n_items;
    int64_t *ids = malloc((k + 1) * sizeof *ids);
    float *sc = malloc((k + 1) * sizeof *sc);
    fx_ranked *ref = malloc(n_rows * sizeof *ref);
    ck_assert(ids && sc && ref);
    for (size_t q = 0; q < n_rows; q++) {
        int64_t qid = users ? FX_USER_ID(q) : FX_ITEM_ID(q);
        size_t n, nr = 0;
        rs_status st = users ? rs_similar_users(m, qid, k, ids, sc, &n)
                             : rs_similar_items(m, qid, k, ids, sc, &n);
        ck_assert_int_eq(st, RS_OK);
        for (size_t r = 0; r < n_rows; r++) {
            if (r == q)
                continue;
            ref[nr].score = ref_cos(b, r, q);
            ref[nr].id = users ? FX_USER_ID(r) : FX_ITEM_ID(r);
            nr++;
        }
        qsort(ref, nr, sizeof *ref, fx_ranked_cmp);
        size_t want = nr < k ? nr : k;
        ck_assert_uint_eq(n, want);
        for (size_t r = 0; r < n; r++) {
            ck_assert_int_ne(ids[r], qid);
            ck_assert_double_eq_tol((double)sc[r], ref[r].score, 1e-5);
            ck_assert(sc[r] >= -1.0f && sc[r] <= 1.0f);
            if (r > 0)
                ck_assert(sc[r - 1] >= sc[r]);
            /* the id must be one whose reference cosine matches */
            int32_t idx = rs__idmap_find(users ? &m->users : &m->items, ids[r]);
            ck_assert_int_ge(idx, 0);
            ck_assert_double_eq_tol((double)sc[r], ref_cos(b, (size_t)idx, q), 1e-5);
        }
    }
    free(ids);
    free(sc);
    free(ref);
}

START_TEST(test_similar_items_and_users_match_bruteforce)
{
    for (uint64_t seed = 1; seed <= rs_test_trials(6); seed++) {
        uint64_t s = seed + 77;
        rs_model *m = fx_model(fx_range(&s, 1, 40), fx_range(&s, 1, 120), fx_range(&s, 1, 33),
                               seed, 0, 0);
        size_t ks[] = {0, 1, 5, 200};
        for (size_t kk = 0; kk < 4; kk++) {
            check_similar(m, 0, ks[kk]);
            check_similar(m, 1, ks[kk]);
        }
        rs_model_free(m);
    }
}
END_TEST

/* With feature factors (content, hybrid) an id's vector is its id row plus
 * its weighted feature rows; without id rows (content) the features alone. */
START_TEST(test_similar_uses_feature_vectors)
{
    size_t ni = 30, k = 6, nfeat = 4;
    rs_model *m = fx_model(3, ni, k, 3, 0, 0);
    ck_assert_int_eq(rs__weights_add_block(&m->w, &m->alloc, RS__ROLE_ITEM_FEATURE_FACTORS, -1,
                                           RS__REG_FEATURES, nfeat, k),
                     RS_OK);
    rs__block *V = fx_block(m, RS__ROLE_ITEM_FEATURE_FACTORS);
    uint64_t s = 5;
    for (size_t g = 0; g < nfeat; g++)
        for (size_t c = 0; c < k; c++)
            V->data[g * V->stride + c] = fx_value(&s, 0);
    for (size_t i = 0; i < ni; i++) {
        if (i % 3 == 0)
            continue; /* no features */
        int32_t col[2] = {(int32_t)(i % nfeat), (int32_t)((i + 1) % nfeat)};
        float val[2] = {0.5f, -1.25f};
        ck_assert_int_eq(rs__features_set_row(&m->w.item_feat, &m->alloc, i, col, val, 2), RS_OK);
    }
    int64_t ids[10];
    float sc[10];
    double *vec = malloc(ni * k * sizeof *vec);
    fx_ranked *ref = malloc(ni * sizeof *ref);
    ck_assert(vec && ref);
    for (int pass = 0; pass < 2; pass++) {
        rs__block *Q = pass == 0 ? fx_block(m, RS__ROLE_ITEM_FACTORS) : NULL;
        if (pass == 1) /* hide the id rows: a content-style model */
            fx_block(m, RS__ROLE_ITEM_FACTORS)->role = RS__ROLE_COUNT;
        for (size_t i = 0; i < ni; i++)
            for (size_t c = 0; c < k; c++) {
                double x = Q ? Q->data[i * Q->stride + c] : 0.0;
                if (i % 3 != 0)
                    x += 0.5 * V->data[(i % nfeat) * V->stride + c] -
                         1.25 * V->data[((i + 1) % nfeat) * V->stride + c];
                vec[i * k + c] = x;
            }
        for (size_t q = 0; q < ni; q++) {
            size_t n, nr = 0;
            ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(q), 10, ids, sc, &n), RS_OK);
            for (size_t r = 0; r < ni; r++) {
                if (r == q)
                    continue;
                double d = 0, a2 = 0, b2 = 0;
                for (size_t c = 0; c < k; c++) {
                    d += vec[r * k + c] * vec[q * k + c];
                    a2 += vec[r * k + c] * vec[r * k + c];
                    b2 += vec[q * k + c] * vec[q * k + c];
                }
                ref[nr].score = a2 > 0 && b2 > 0 ? d / (sqrt(a2) * sqrt(b2)) : 0.0;
                ref[nr].id = FX_ITEM_ID(r);
                nr++;
            }
            qsort(ref, nr, sizeof *ref, fx_ranked_cmp);
            ck_assert_uint_eq(n, 10);
            for (size_t r = 0; r < n; r++) {
                ck_assert_double_eq_tol((double)sc[r], ref[r].score, 1e-5);
                if (fabs(ref[r].score - (r + 1 < nr ? ref[r + 1].score : -2.0)) > 1e-4 &&
                    (r == 0 || fabs(ref[r].score - ref[r - 1].score) > 1e-4))
                    ck_assert_int_eq(ids[r], ref[r].id);
            }
        }
    }
    free(vec);
    free(ref);
    rs_model_free(m);
}
END_TEST

START_TEST(test_similar_zero_norm_rows_score_zero)
{
    rs_model *m = fx_model(3, 6, 4, 2, 1, 0);
    rs__block *Q = fx_block(m, RS__ROLE_ITEM_FACTORS);
    float rows[6][4] = {{1, 0, 0, 0}, {0, 0, 0, 0}, {2, 0, 0, 0}, {-1, 0, 0, 0}, {0, 1, 0, 0},
                        {1, 1, 0, 0}};
    for (size_t i = 0; i < 6; i++)
        memcpy(Q->data + i * Q->stride, rows[i], sizeof rows[i]);
    int64_t ids[6];
    float sc[6];
    size_t n;
    ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(0), 10, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(ids[0], FX_ITEM_ID(2));
    ck_assert_float_eq_tol(sc[0], 1.0f, 1e-6f);
    ck_assert_int_eq(ids[1], FX_ITEM_ID(5));
    ck_assert_float_eq_tol(sc[1], (float)(1.0 / sqrt(2.0)), 1e-6f);
    /* items 4 and 1 both score 0: the smaller id (item 4) first */
    ck_assert_int_eq(ids[2], FX_ITEM_ID(4));
    ck_assert_float_eq(sc[2], 0.0f);
    ck_assert_int_eq(ids[3], FX_ITEM_ID(1));
    ck_assert_float_eq(sc[3], 0.0f);
    ck_assert_int_eq(ids[4], FX_ITEM_ID(3));
    ck_assert_float_eq_tol(sc[4], -1.0f, 1e-6f);
    /* a zero-norm query is similar to nothing */
    ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(1), 10, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 5);
    for (size_t r = 0; r < n; r++)
        ck_assert_float_eq(sc[r], 0.0f);
    ck_assert_int_lt(ids[0], ids[1]);
    rs_model_free(m);
}
END_TEST

START_TEST(test_similar_unknown_and_single)
{
    rs_model *m = fx_model(1, 4, 4, 2, 1, 0);
    int64_t ids[4];
    float sc[4];
    size_t n = 3;
    ck_assert_int_eq(rs_similar_items(m, FX_UNKNOWN_ID, 3, ids, sc, &n), RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(n, 0);
    n = 3;
    ck_assert_int_eq(rs_similar_users(m, FX_UNKNOWN_ID, 3, ids, sc, &n), RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(n, 0);
    /* one user: nobody else to compare with */
    ck_assert_int_eq(rs_similar_users(m, FX_USER_ID(0), 3, ids, sc, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_similar_items(m, FX_ITEM_ID(2), 3, ids, NULL, &n), RS_OK);
    ck_assert_uint_eq(n, 3);
    rs_model_free(m);
}
END_TEST

/* ---- BLAS seam ---- */

static void naive_gemv(size_t rows, size_t cols, float alpha, const float *a, size_t lda,
                       const float *x, float beta, float *y)
{
    for (size_t r = 0; r < rows; r++) {
        double s = 0;
        for (size_t c = 0; c < cols; c++)
            s += (double)a[r * lda + c] * x[c];
        y[r] = (float)(alpha * s + (beta == 0.0f ? 0.0 : beta * (double)y[r]));
    }
}

START_TEST(test_blas_kernels_match_naive)
{
    uint64_t s = 12345;
    for (unsigned trial = 0; trial < rs_test_trials(60); trial++) {
        size_t rows = fx_range(&s, 0, 37), cols = fx_range(&s, 0, 41), lda = cols + fx_range(&s, 0, 5);
        size_t n = fx_range(&s, 0, 300), ldb = lda, ldc = n + fx_range(&s, 0, 3);
        float alpha = trial % 3 == 0 ? 1.0f : fx_value(&s, 0);
        float beta = trial % 4 == 0 ? 0.0f : fx_value(&s, 0);
        float *a = malloc((rows * lda + 1) * sizeof *a), *b = malloc((n * ldb + 1) * sizeof *b);
        float *x = malloc((cols + 1) * sizeof *x);
        float *y0 = malloc((rows + 1) * sizeof *y0), *y1 = malloc((rows + 1) * sizeof *y1);
        float *y2 = malloc((rows + 1) * sizeof *y2);
        float *c0 = malloc((rows * ldc + 1) * sizeof *c0), *c1 = malloc((rows * ldc + 1) * sizeof *c1);
        float *c2 = malloc((rows * ldc + 1) * sizeof *c2);
        ck_assert(a && b && x && y0 && y1 && y2 && c0 && c1 && c2);
        for (size_t t = 0; t < rows * lda; t++)
            a[t] = fx_value(&s, 0);
        for (size_t t = 0; t < n * ldb; t++)
            b[t] = fx_value(&s, 0);
        for (size_t t = 0; t < cols; t++)
            x[t] = fx_value(&s, 0);
        for (size_t r = 0; r < rows; r++) {
            /* with beta == 0 the old contents must be ignored, NaN included */
            y0[r] = y1[r] = y2[r] = beta == 0.0f ? NAN : fx_value(&s, 0);
        }
        for (size_t t = 0; t < rows * ldc; t++)
            c0[t] = c1[t] = c2[t] = beta == 0.0f ? NAN : fx_value(&s, 0);

        naive_gemv(rows, cols, alpha, a, lda, x, beta, y0);
        rs__blas_sgemv_portable(rows, cols, alpha, a, lda, x, beta, y1);
        rs__blas_sgemv(rows, cols, alpha, a, lda, x, beta, y2);
        for (size_t r = 0; r < rows; r++) {
            ck_assert_float_eq_tol(y1[r], y0[r], 1e-4f);
            ck_assert_float_eq_tol(y2[r], y0[r], 1e-4f);
        }
        /* C = A B^T: row j of B against row i of A */
        for (size_t i = 0; i < rows; i++)
            naive_gemv(n, cols, alpha, b, ldb, a + i * lda, beta, c0 + i * ldc);
        rs__blas_sgemm_nt_portable(rows, n, cols, alpha, a, lda, b, ldb, beta, c1, ldc);
        rs__blas_sgemm_nt(rows, n, cols, alpha, a, lda, b, ldb, beta, c2, ldc);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < n; j++) {
                ck_assert_float_eq_tol(c1[i * ldc + j], c0[i * ldc + j], 1e-4f);
                ck_assert_float_eq_tol(c2[i * ldc + j], c0[i * ldc + j], 1e-4f);
            }
        free(a);
        free(b);
        free(x);
        free(y0);
        free(y1);
        free(y2);
        free(c0);
        free(c1);
        free(c2);
    }
}
END_TEST

/* rs__sort, the allocation-free qsort of the top-k and evaluation code:
 * against insertion sort on every length to 300, int64 keys with many
 * duplicates and 12-byte records (a size no word copy handles). */
static int cmp_i64_asc(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}
typedef struct rec12 {
    int32_t key, a, b;
} rec12;
static int cmp_rec12(const void *x, const void *y)
{
    const rec12 *p = x, *q = y;
    return (p->key > q->key) - (p->key < q->key);
}

START_TEST(test_sort_matches_insertion_sort)
{
    int64_t v[300], ref[300];
    rec12 r[300];
    uint64_t x = 99;
    for (size_t n = 0; n <= 300; n += rs_test_quick() ? 7 : 1) {
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            v[i] = (int64_t)(x >> 33) % 50 - 25; /* duplicates and negatives */
            ref[i] = v[i];
            r[i] = (rec12){(int32_t)(n - i), (int32_t)i, -(int32_t)i}; /* unique keys */
        }
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && ref[j - 1] > ref[j]; j--) {
                int64_t t = ref[j];
                ref[j] = ref[j - 1];
                ref[j - 1] = t;
            }
        rs__sort(v, n, sizeof *v, cmp_i64_asc);
        rs__sort(r, n, sizeof *r, cmp_rec12);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(v[i], ref[i]);
            ck_assert_int_eq(r[i].key, (int32_t)(i + 1));
            ck_assert_int_eq(r[i].a, (int32_t)(n - 1 - i)); /* records moved whole */
            ck_assert_int_eq(r[i].b, -(int32_t)(n - 1 - i));
        }
    }
}
END_TEST

static Suite *topk_suite(void)
{
    Suite *s = suite_create("check_unit_topk");
    TCase *tc = tcase_create("topk");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_topk_matches_bruteforce_exact);
    tcase_add_test(tc, test_topk_matches_bruteforce_float);
    tcase_add_test(tc, test_topk_count_is_min_k_eligible);
    tcase_add_test(tc, test_topk_excludes_seen_items);
    tcase_add_test(tc, test_topk_block_and_allow_lists);
    tcase_add_test(tc, test_topk_empty_allow_list_gives_nothing);
    tcase_add_test(tc, test_topk_ties_by_smaller_id);
    tcase_add_test(tc, test_topk_unknown_user_falls_back_to_item_bias);
    tcase_add_test(tc, test_topk_cold_start_error);
    tcase_add_test(tc, test_topk_unfitted_is_state_error);
    tcase_add_test(tc, test_topk_invalid_args);
    tcase_add_test(tc, test_topk_batch_equals_single);
    tcase_add_test(tc, test_topk_batch_ex_equals_single);
    tcase_add_test(tc, test_topk_batch_threads_give_the_same_rows);
    tcase_add_test(tc, test_topk_generic_scorer_path);
    tcase_add_test(tc, test_topk_scratch_from_model_allocator);
    tcase_add_test(tc, test_topk_does_not_modify_model);
    tcase_add_test(tc, test_topk_fitted_scorers);
#if RS_ENABLE_THREADS
    tcase_add_test(tc, test_topk_concurrent_callers);
#endif
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("similar");
    tcase_set_timeout(ts, 60);
    tcase_add_test(ts, test_similar_items_and_users_match_bruteforce);
    tcase_add_test(ts, test_similar_uses_feature_vectors);
    tcase_add_test(ts, test_similar_zero_norm_rows_score_zero);
    tcase_add_test(ts, test_similar_unknown_and_single);
    suite_add_tcase(s, ts);
    TCase *tb = tcase_create("blas");
    tcase_set_timeout(tb, 60); /* 2.4 s of CPU under ASan; a loaded machine needs more than Check's 4 s */
    tcase_add_test(tb, test_blas_kernels_match_naive);
    suite_add_tcase(s, tb);
    TCase *tq = tcase_create("sort");
    tcase_add_test(tq, test_sort_matches_insertion_sort);
    suite_add_tcase(s, tq);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(topk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
