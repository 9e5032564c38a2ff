/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_eval.c: the evaluation API against a brute-force reference.
 *
 * The reference below shares no code with lib/eval: it scores every
 * candidate of every user with rs_predict (RS_PARAM_CLAMP = 0, so these are
 * the raw scores rs_topk ranks by), sorts them with qsort, and applies each
 * metric's textbook definition (AUC by comparing every relevant item with
 * every irrelevant one). Black box: only <librecsgd/recsgd.h>. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"
#include "testutil.h"

#define USERS 40
#define ITEMS 60
#define TOL 1e-9

static const int32_t SCORERS[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
#define N_SCORERS ((int)(sizeof SCORERS / sizeof SCORERS[0]))

static rs_dataset *train, *test;

static void make_data(void)
{
    ck_assert_int_eq(rs_dataset_new(&train, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&test, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train, test, USERS, ITEMS, 3, 0.35, 0.3, 0.3, 11), 0);
    /* An unknown user (ranked and predicted by the fallback chain), an
     * unknown item, and a user whose test ratings are all low (skipped). */
    ck_assert_int_eq(rs_dataset_add_rating(test, 999, 1000000, 4.5f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(test, 999, 1000003, 5.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(test, 1, 4242, 5.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(test, 998, 1000001, 1.0f, 1.0f), RS_OK);
}

static void free_data(void)
{
    rs_dataset_free(train);
    rs_dataset_free(test);
}

static rs_model *fitted(int32_t scorer, int64_t threads)
{
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, scorer, NULL, NULL), RS_OK);
    rs_model_set_int(m, RS_PARAM_FACTORS, 6);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 15);
    rs_model_set_int(m, RS_PARAM_CLAMP, 0);
    rs_model_set_int(m, RS_PARAM_THREADS, threads);
    rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 0);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02);
    rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1);
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    return m;
}

/* ---- the reference ---- */

typedef struct cand {
    int64_t item;
    float score;
    int relevant;
} cand;

static int by_score(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->item > b->item) - (a->item < b->item);
}

static int has_pair(const rs_dataset *ds, int64_t u, int64_t i)
{
    if (!ds)
        return 0;
    for (size_t j = 0; j < rs_dataset_num_ratings(ds); j++) {
        int64_t uu, ii;
        rs_dataset_get_rating(ds, j, &uu, &ii, NULL, NULL);
        if (uu == u && ii == i)
            return 1;
    }
    return 0;
}

static int relevant(const rs_dataset *ds, int64_t u, int64_t i, double thr)
{
    for (size_t j = 0; j < rs_dataset_num_ratings(ds); j++) {
        int64_t uu, ii;
        float r;
        rs_dataset_get_rating(ds, j, &uu, &ii, &r, NULL);
        if (uu == u && ii == i && r >= thr)
            return 1;
    }
    return 0;
}

/* The reference ranking metrics, indexed by RS_METRIC_*. */
static void reference(const rs_model *m, const rs_dataset *te, const rs_dataset *excl,
                      const int64_t *allow, size_t n_allow, size_t k, double thr, int include_seen,
                      double *out)
{
    double sum[RS_METRIC_COUNT_V0_2] = {0};
    size_t users = 0, skipped = 0, fallback = 0, auc_users = 0;
    size_t ni = rs_dataset_num_items(train);
    cand *c = malloc(ni * sizeof *c);
    for (size_t tu = 0; tu < rs_dataset_num_users(te); tu++) {
        int64_t u;
        rs_dataset_index_to_id(te, RS_SIDE_USER, (int32_t)tu, &u);
        /* relevant items: distinct test items >= thr, known to the model or not */
        size_t n_rel = 0;
        for (size_t j = 0; j < rs_dataset_num_ratings(te); j++) {
            int64_t uu, ii;
            float r;
            rs_dataset_get_rating(te, j, &uu, &ii, &r, NULL);
            int first = 1;
            for (size_t q = 0; q < j; q++) {
                int64_t u2, i2;
                float r2;
                rs_dataset_get_rating(te, q, &u2, &i2, &r2, NULL);
                first &= !(u2 == uu && i2 == ii && r2 >= thr);
            }
            n_rel += uu == u && r >= thr && first;
        }
        if (n_rel == 0) {
            skipped++;
            continue;
        }
        users++;
        int64_t known_item;
        float dummy;
        rs_dataset_index_to_id(train, RS_SIDE_ITEM, 0, &known_item);
        fallback += rs_predict(m, u, known_item, &dummy) == RS_FALLBACK;
        size_t nc = 0;
        for (size_t x = 0; x < ni; x++) {
            int64_t i;
            rs_dataset_index_to_id(train, RS_SIDE_ITEM, (int32_t)x, &i);
            int ok = !allow;
            for (size_t a = 0; allow && a < n_allow; a++)
                ok |= allow[a] == i;
            if (!ok || (!include_seen && has_pair(train, u, i)) || has_pair(excl, u, i))
                continue;
            float s;
            rs_status st = rs_predict(m, u, i, &s);
            ck_assert(st == RS_OK || st == RS_FALLBACK);
            c[nc++] = (cand){i, s, relevant(te, u, i, thr)};
        }
        qsort(c, nc, sizeof *c, by_score);
        double hits = 0, dcg = 0, ap = 0, idcg = 0;
        for (size_t r = 0; r < k && r < nc; r++)
            if (c[r].relevant) {
                hits++;
                dcg += 1.0 / log2((double)r + 2);
                ap += hits / (double)(r + 1);
            }
        for (size_t r = 0; r < k && r < n_rel; r++)
            idcg += 1.0 / log2((double)r + 2);
        sum[RS_METRIC_PRECISION] += hits / (double)k;
        sum[RS_METRIC_RECALL] += hits / (double)n_rel;
        sum[RS_METRIC_NDCG] += dcg / idcg;
        sum[RS_METRIC_MAP] += ap / (double)(n_rel < k ? n_rel : k);
        sum[RS_METRIC_HIT_RATE] += hits > 0;
        double good = 0, pairs = 0;
        for (size_t p = 0; p < nc; p++)
            for (size_t q = 0; q < nc; q++)
                if (c[p].relevant && !c[q].relevant) {
                    pairs++;
                    good += c[p].score > c[q].score ? 1.0 : c[p].score == c[q].score ? 0.5 : 0.0;
                }
        if (pairs > 0) {
            sum[RS_METRIC_AUC] += good / pairs;
            auc_users++;
        }
    }
    free(c);
    for (int x = RS_METRIC_PRECISION; x <= RS_METRIC_HIT_RATE; x++)
        out[x] = sum[x] / (double)users;
    out[RS_METRIC_AUC] = sum[RS_METRIC_AUC] / (double)auc_users;
    out[RS_METRIC_USERS] = (double)users;
    out[RS_METRIC_USERS_SKIPPED] = (double)skipped;
    out[RS_METRIC_USERS_FALLBACK] = (double)fallback;
    out[RS_METRIC_USERS_UNRANKED] = 0;
    out[RS_METRIC_AUC_USERS] = (double)auc_users;
}

static void assert_ranking(const double *got, const double *want)
{
    for (int x = RS_METRIC_PRECISION; x < RS_METRIC_COUNT_V0_2; x++)
        ck_assert_msg(fabs(got[x] - want[x]) <= TOL, "metric %d: %.12f, reference %.12f", x,
                      got[x], want[x]);
}

/* ---- tests ---- */

START_TEST(test_eval_ratings_match_reference)
{
    rs_model *m = fitted(SCORERS[_i], 1);
    double got[RS_METRIC_COUNT_V0_2];
    size_t n;
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, got, RS_METRIC_COUNT_V0_2, &n), RS_OK);
    ck_assert_uint_eq(n, 5);
    double se = 0, ae = 0;
    size_t fallbacks = 0, cnt = rs_dataset_num_ratings(test);
    for (size_t j = 0; j < cnt; j++) {
        int64_t u, i;
        float r, y;
        rs_dataset_get_rating(test, j, &u, &i, &r, NULL);
        rs_status st = rs_predict(m, u, i, &y);
        fallbacks += st == RS_FALLBACK;
        se += ((double)r - y) * ((double)r - y);
        ae += fabs((double)r - y);
    }
    ck_assert_double_eq_tol(got[RS_METRIC_RMSE], sqrt(se / (double)cnt), TOL);
    ck_assert_double_eq_tol(got[RS_METRIC_MAE], ae / (double)cnt, TOL);
    ck_assert_double_eq(got[RS_METRIC_SCORED], (double)cnt);
    ck_assert_double_eq(got[RS_METRIC_FALLBACKS], (double)fallbacks);
    ck_assert_uint_ge(fallbacks, 3);
    ck_assert_double_eq(got[RS_METRIC_UNSCORED], 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_ranking_matches_reference)
{
    rs_model *m = fitted(SCORERS[_i], 1);
    static const size_t ks[] = {1, 5, 200};
    for (size_t t = 0; t < 3; t++) {
        double got[RS_METRIC_COUNT_V0_2], want[RS_METRIC_COUNT_V0_2];
        size_t n;
        ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, ks[t], 3.5, 0, got,
                                                   RS_METRIC_COUNT_V0_2, &n),
                         RS_OK);
        ck_assert_uint_eq(n, RS_METRIC_COUNT_V0_2 - RS_METRIC_PRECISION);
        reference(m, test, NULL, NULL, 0, ks[t], 3.5, 0, want);
        assert_ranking(got, want);
        ck_assert_double_gt(got[RS_METRIC_USERS], 10);
        ck_assert_double_ge(got[RS_METRIC_USERS_SKIPPED], 1); /* user 998 */
        ck_assert_double_eq(got[RS_METRIC_USERS_FALLBACK], 1); /* user 999 */
        ck_assert_double_gt(got[RS_METRIC_AUC], 0.55);        /* the model learned something */
    }
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_ranking_seen_exclude_and_candidates_match_reference)
{
    rs_model *m = fitted(SCORERS[_i], 1);
    double got[RS_METRIC_COUNT_V0_2], want[RS_METRIC_COUNT_V0_2];
    size_t n;
    /* Training items ranked too. */
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, 3.0,
                                               RS_EVAL_INCLUDE_SEEN, got, RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    reference(m, test, NULL, NULL, 0, 5, 3.0, 1, want);
    assert_ranking(got, want);
    /* The training set passed as an explicit exclusion gives the default. */
    double dflt[RS_METRIC_COUNT_V0_2];
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, train, NULL, 0, 5, 3.0,
                                               RS_EVAL_INCLUDE_SEEN, got, RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, 3.0, 0, dflt,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    assert_ranking(got, dflt);
    /* An exclusion set of some test pairs. */
    rs_dataset *excl;
    ck_assert_int_eq(rs_dataset_new(&excl, NULL, NULL), RS_OK);
    for (size_t j = 0; j < rs_dataset_num_ratings(test); j += 3) {
        int64_t u, i;
        rs_dataset_get_rating(test, j, &u, &i, NULL, NULL);
        ck_assert_int_eq(rs_dataset_add_rating(excl, u, i, 1.0f, 1.0f), RS_OK);
    }
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, excl, NULL, 0, 4, 3.0, 0, got,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    reference(m, test, excl, NULL, 0, 4, 3.0, 0, want);
    assert_ranking(got, want);
    /* A candidate list with duplicates and an unknown id. */
    int64_t allow[32];
    size_t na = 0;
    for (int i = 0; i < ITEMS; i += 2)
        allow[na++] = 1000000 + i;
    allow[na++] = 1000000;
    allow[na++] = 77;
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, excl, allow, na, 3, 3.0, 0, got,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    reference(m, test, excl, allow, na, 3, 3.0, 0, want);
    assert_ranking(got, want);
    rs_dataset_free(excl);
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_results_do_not_depend_on_threads)
{
    rs_model *one = fitted(RS_SCORER_COLLABORATIVE, 1);
    rs_model *three = fitted(RS_SCORER_COLLABORATIVE, 1);
    /* (a build without threads refuses, and both run on one thread) */
    rs_model_set_int(three, RS_PARAM_THREADS, 3);
    double a[RS_METRIC_COUNT_V0_2], b[RS_METRIC_COUNT_V0_2];
    size_t n;
    ck_assert_int_eq(rs_model_evaluate_ratings(one, test, a, RS_METRIC_COUNT_V0_2, &n), RS_OK);
    ck_assert_int_eq(rs_model_evaluate_ranking(one, test, NULL, NULL, 0, 5, 3.5, 0, a,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    rs_status st = rs_model_evaluate_ratings(three, test, b, RS_METRIC_COUNT_V0_2, &n);
    ck_assert_int_eq(st, RS_OK);
    ck_assert_int_eq(rs_model_evaluate_ranking(three, test, NULL, NULL, 0, 5, 3.5, 0, b,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    ck_assert_mem_eq(a, b, sizeof a); /* bit for bit */
    rs_model_free(one);
    rs_model_free(three);
}
END_TEST

START_TEST(test_eval_cap_writes_only_own_entries)
{
    rs_model *m = fitted(RS_SCORER_COLLABORATIVE, 1);
    double v[RS_METRIC_COUNT_V0_2 + 1];
    for (size_t x = 0; x <= RS_METRIC_COUNT_V0_2; x++)
        v[x] = -7.0;
    size_t n = 99;
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, 3.5, 0, v,
                                               RS_METRIC_NDCG + 1, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 3);
    for (int x = 0; x < RS_METRIC_PRECISION; x++)
        ck_assert_double_eq(v[x], -7.0); /* the ratings entries are left alone */
    ck_assert_double_ne(v[RS_METRIC_NDCG], -7.0);
    ck_assert_double_eq(v[RS_METRIC_MAP], -7.0);
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, v, 2, &n), RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_double_eq(v[RS_METRIC_SCORED], -7.0);
    ck_assert_double_gt(v[RS_METRIC_RMSE], 0.0);
    ck_assert_double_ne(v[RS_METRIC_NDCG], -7.0); /* the ranking entries stay */
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, NULL, 0, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_cold_start_error_counts_unscored_and_unranked)
{
    rs_model *m = fitted(RS_SCORER_COLLABORATIVE, 1);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_START, RS_COLD_START_ERROR), RS_OK);
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &n), RS_OK);
    ck_assert_double_eq(v[RS_METRIC_UNSCORED], 4); /* 999 twice, item 4242, user 998 */
    ck_assert_double_eq(v[RS_METRIC_FALLBACKS], 0);
    ck_assert_double_eq(v[RS_METRIC_SCORED], (double)rs_dataset_num_ratings(test) - 4);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, 3.5, 0, v,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    ck_assert_double_eq(v[RS_METRIC_USERS_UNRANKED], 1);
    ck_assert_double_eq(v[RS_METRIC_USERS_FALLBACK], 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_empty_test_gives_nan_means)
{
    rs_model *m = fitted(RS_SCORER_COLLABORATIVE, 1);
    rs_dataset *empty;
    ck_assert_int_eq(rs_dataset_new(&empty, NULL, NULL), RS_OK);
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    ck_assert_int_eq(rs_model_evaluate_ratings(m, empty, v, RS_METRIC_COUNT_V0_2, &n), RS_OK);
    ck_assert(isnan(v[RS_METRIC_RMSE]));
    ck_assert_double_eq(v[RS_METRIC_SCORED], 0);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, empty, NULL, NULL, 0, 5, 3.5, 0, v,
                                               RS_METRIC_COUNT_V0_2, &n),
                     RS_OK);
    ck_assert(isnan(v[RS_METRIC_PRECISION]));
    ck_assert(isnan(v[RS_METRIC_AUC]));
    ck_assert_double_eq(v[RS_METRIC_USERS], 0);
    rs_dataset_free(empty);
    rs_model_free(m);
}
END_TEST

START_TEST(test_eval_bad_arguments)
{
    rs_model *m = fitted(RS_SCORER_COLLABORATIVE, 1), *unfit;
    ck_assert_int_eq(rs_model_new(&unfit, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    double v[RS_METRIC_COUNT_V0_2];
    size_t n = 5;
    const size_t C = RS_METRIC_COUNT_V0_2;
    ck_assert_int_eq(rs_model_evaluate_ratings(NULL, test, v, C, &n), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_model_evaluate_ratings(m, NULL, v, C, &n), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, NULL, C, &n), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ratings(m, test, v, C, NULL), RS_ERR_INVALID_ARG);
    n = 5;
    ck_assert_int_eq(rs_model_evaluate_ratings(unfit, test, v, C, &n), RS_ERR_STATE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 0, 4.0, 0, v, C, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, NAN, 0, v, C, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 5, 4.0, 0x10, v, C, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test, NULL, NULL, 3, 5, 4.0, 0, v, C, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ranking(m, NULL, NULL, NULL, 0, 5, 4.0, 0, v, C, &n),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_evaluate_ranking(unfit, test, NULL, NULL, 0, 5, 4.0, 0, v, C, &n),
                     RS_ERR_STATE);
    ck_assert_str_eq(rs_model_last_error(m), ""); /* read-only calls write no message */
    rs_model_free(m);
    rs_model_free(unfit);
}
END_TEST

START_TEST(test_eval_out_of_memory_fails_cleanly)
{
    for (int which = 0; which < 2; which++) {
        tu_alloc t = {0};
        rs_model *m;
        ck_assert_int_eq(rs_model_new(&m, SCORERS[_i], tu_alloc_fn, &t), RS_OK);
        rs_model_set_int(m, RS_PARAM_EPOCHS, 3);
        ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
        size_t live = t.live, base = t.calls;
        double want[RS_METRIC_COUNT_V0_2], got[RS_METRIC_COUNT_V0_2];
        size_t n;
        rs_status st = which ? rs_model_evaluate_ranking(m, test, train, NULL, 0, 5, 3.5, 0, want,
                                                         RS_METRIC_COUNT_V0_2, &n)
                             : rs_model_evaluate_ratings(m, test, want, RS_METRIC_COUNT_V0_2, &n);
        ck_assert_int_eq(st, RS_OK);
        size_t used = t.calls - base;
        for (size_t k = 1; k <= used; k++) {
            t.fail_at = t.calls + k;
            st = which ? rs_model_evaluate_ranking(m, test, train, NULL, 0, 5, 3.5, 0, got,
                                                   RS_METRIC_COUNT_V0_2, &n)
                       : rs_model_evaluate_ratings(m, test, got, RS_METRIC_COUNT_V0_2, &n);
            t.fail_at = 0;
            ck_assert_msg(st == RS_ERR_NOMEM || st == RS_OK, "fail at %zu: %d", k, (int)st);
            if (st == RS_OK)
                ck_assert_mem_eq(got, want, n * sizeof *got);
            else
                ck_assert_uint_eq(n, 0);
            ck_assert_uint_eq(t.live, live); /* nothing leaked */
        }
        ck_assert_uint_eq(t.bad_osize, 0);
        rs_model_free(m);
    }
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("check_api_eval");
    TCase *tc = tcase_create("eval");
    tcase_add_unchecked_fixture(tc, make_data, free_data);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_eval_ratings_match_reference, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_eval_ranking_matches_reference, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_eval_ranking_seen_exclude_and_candidates_match_reference, 0,
                        N_SCORERS);
    tcase_add_test(tc, test_eval_results_do_not_depend_on_threads);
    tcase_add_test(tc, test_eval_cap_writes_only_own_entries);
    tcase_add_test(tc, test_eval_cold_start_error_counts_unscored_and_unranked);
    tcase_add_test(tc, test_eval_empty_test_gives_nan_means);
    tcase_add_test(tc, test_eval_bad_arguments);
    tcase_add_loop_test(tc, test_eval_out_of_memory_fails_cleanly, 0, N_SCORERS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(eval_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
