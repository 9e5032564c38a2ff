/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_svdpp.c: implicit user factors (RS_PARAM_IMPLICIT_USER_FACTORS,
 * SVD++) through the public API - the parameter, training (deterministic
 * with any thread count), persistence (bit-identical round trip, files
 * without the option unchanged), serving (rs_topk and rs_topk_batch use the
 * effective user vector), fold-in and rs_partial_fit (N(u) grows with the
 * user's ratings), and failed calls that leave the model as it was. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"
#include "testutil.h"

static const int32_t KINDS[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_HYBRID, RS_SCORER_CONTENT};

static rs_dataset *train_ds, *test_ds, *old_ds, *new_ds;

/* 200 users x 150 items; users 1..170 are "old", 171..200 arrive later. */
static void make_data(void)
{
    ck_assert_int_eq(rs_dataset_new(&train_ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&test_ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train_ds, test_ds, 200, 150, 4, 0.3, 0.2, 0.15, 7), 7000);
    ck_assert_int_eq(rs_dataset_new(&old_ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&new_ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(synth_features(old_ds, 200, 150), 0);
    for (size_t j = 0; j < rs_dataset_num_ratings(train_ds); j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(train_ds, j, &u, &i, &r, NULL);
        ck_assert_int_eq(rs_dataset_add_rating(u > 170 ? new_ds : old_ds, u, i, r, 1.0f), RS_OK);
    }
}

static void free_data(void)
{
    rs_dataset_free(train_ds);
    rs_dataset_free(test_ds);
    rs_dataset_free(old_ds);
    rs_dataset_free(new_ds);
}

static rs_model *model_of(int32_t kind, int svdpp, int64_t threads, rs_alloc_fn alloc, void *ud)
{
    rs_model *m;
    rs_status st = rs_model_new(&m, kind, alloc, ud);
    if (st != RS_OK)
        return NULL;
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 25);
    rs_model_set_int(m, RS_PARAM_THREADS, threads);
    rs_model_set_int(m, RS_PARAM_CLAMP, 0); /* raw scores: rs_predict and rs_topk compare */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT_USER_FACTORS, svdpp), RS_OK);
    return m;
}

static rs_model *fitted(int32_t kind, int svdpp, int64_t threads, const rs_dataset *train)
{
    rs_model *m = model_of(kind, svdpp, threads, NULL, NULL);
    if (!m)
        return NULL;
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    return m;
}

/* The model's file, malloc'd (*n bytes). */
static unsigned char *blob_of(const rs_model *m, size_t *n)
{
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, n, NULL, 0), RS_ERR_RANGE);
    unsigned char *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(rs_model_save_buffer(m, b, *n, n, NULL, 0), RS_OK);
    return b;
}

static int same_blob(const rs_model *a, const rs_model *b)
{
    size_t na, nb;
    unsigned char *x = blob_of(a, &na), *y = blob_of(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static rs_model *reloaded(const rs_model *m)
{
    size_t n;
    unsigned char *b = blob_of(m, &n);
    rs_model *r = NULL;
    char msg[256];
    ck_assert_msg(rs_model_load_buffer(&r, b, n, NULL, NULL, msg, sizeof msg) == RS_OK, "%s", msg);
    free(b);
    return r;
}

/* RMSE on test ratings of users above `from` (all: 0). */
static double rmse_from(const rs_model *m, int64_t from)
{
    double e = synth_rmse_users_above(m, test_ds, from);
    ck_assert(isfinite(e)); /* every prediction RS_OK or RS_FALLBACK */
    return e;
}

/* Every test prediction of a and b is the same float. */
static void assert_same_predictions(const rs_model *a, const rs_model *b)
{
    for (size_t j = 0; j < rs_dataset_num_ratings(test_ds); j++) {
        int64_t u, i;
        float r, x, y;
        rs_dataset_get_rating(test_ds, j, &u, &i, &r, NULL);
        rs_status s1 = rs_predict(a, u, i, &x), s2 = rs_predict(b, u, i, &y);
        ck_assert_int_eq(s1, s2);
        ck_assert_msg(x == y, "user %lld item %lld: %.9g vs %.9g", (long long)u, (long long)i,
                      (double)x, (double)y);
    }
}

START_TEST(test_svdpp_parameters_are_in_the_table)
{
    ck_assert_int_eq(rs_param_from_name("implicit_user_factors"), RS_PARAM_IMPLICIT_USER_FACTORS);
    ck_assert_int_eq(rs_param_from_name("l2_implicit"), RS_PARAM_L2_IMPLICIT);
    ck_assert_int_eq(rs_param_from_name("implicit_lr_scale"), RS_PARAM_IMPLICIT_LR_SCALE);
    ck_assert_str_eq(rs_param_name(RS_PARAM_IMPLICIT_USER_FACTORS), "implicit_user_factors");
    double lo, hi;
    ck_assert_int_eq(rs_param_bounds(RS_PARAM_IMPLICIT_USER_FACTORS, &lo, &hi), RS_OK);
    ck_assert(lo == 0 && hi == 1);
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    int64_t v = -1;
    double d = -1;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_IMPLICIT_USER_FACTORS, &v), RS_OK);
    ck_assert_int_eq(v, 0); /* off by default */
    ck_assert_int_eq(rs_model_get_double(m, RS_PARAM_IMPLICIT_LR_SCALE, &d), RS_OK);
    ck_assert(d == 1.0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT_USER_FACTORS, 2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_IMPLICIT_USER_FACTORS, 1.0), RS_ERR_PARAM_TYPE);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_IMPLICIT_LR_SCALE, 0.0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_IMPLICIT, -1.0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_IMPLICIT, 0.1), RS_OK);
    rs_model_free(m);
}
END_TEST

/* The option trains a different model that predicts at least as well as
 * the mean on held-out ratings by a wide margin, and is saved with its
 * y_j: a reload predicts bit for bit the same and saves the same bytes. */
START_TEST(test_svdpp_fits_and_round_trips)
{
    int32_t kind = KINDS[_i];
    rs_model *plain = fitted(kind, 0, 1, train_ds);
    if (!plain)
        return; /* scorer not built */
    rs_model *m = fitted(kind, 1, 1, train_ds);
    ck_assert_ptr_nonnull(m);
    double r0 = rmse_from(plain, 0), r1 = rmse_from(m, 0);
    /* the spread of the ratings: what predicting the mean would score */
    double sum = 0, sq = 0;
    size_t n = rs_dataset_num_ratings(test_ds);
    for (size_t j = 0; j < n; j++) {
        float r;
        rs_dataset_get_rating(test_ds, j, NULL, NULL, &r, NULL);
        sum += r;
        sq += (double)r * r;
    }
    double spread = sqrt(sq / (double)n - (sum / (double)n) * (sum / (double)n));
    ck_assert_msg(r1 < 0.8 * spread && r1 < 1.1 * r0, "kind %d: svdpp %g plain %g spread %g",
                  (int)kind, r1, r0, spread);
    ck_assert_msg(r1 != r0, "the option changed nothing");
    ck_assert(!same_blob(plain, m));
    rs_model *back = reloaded(m);
    int64_t v = 0;
    ck_assert_int_eq(rs_model_get_int(back, RS_PARAM_IMPLICIT_USER_FACTORS, &v), RS_OK);
    ck_assert_int_eq(v, 1);
    assert_same_predictions(m, back);
    ck_assert(same_blob(m, back));
    /* A model without the option still loads as before (and stays without
     * it even when the parameter is set after the fit). */
    ck_assert_int_eq(rs_model_set_int(plain, RS_PARAM_IMPLICIT_USER_FACTORS, 1), RS_OK);
    rs_model *back0 = reloaded(plain);
    assert_same_predictions(plain, back0);
    rs_model_free(back0);
    rs_model_free(back);
    rs_model_free(m);
    rs_model_free(plain);
}
END_TEST

/* y_j rows are shared by every user who rated j: the fit runs on one
 * thread whatever RS_PARAM_THREADS says, so 1, 2 and 4 give one model. */
START_TEST(test_svdpp_threads_give_one_model)
{
    rs_model *m1 = fitted(RS_SCORER_COLLABORATIVE, 1, 1, train_ds);
    rs_model *m2 = fitted(RS_SCORER_COLLABORATIVE, 1, 2, train_ds);
    rs_model *m4 = fitted(RS_SCORER_COLLABORATIVE, 1, 4, train_ds);
    rs_model *m2b = fitted(RS_SCORER_COLLABORATIVE, 1, 2, train_ds);
    ck_assert(same_blob(m2, m2b));
    /* the thread count is a saved parameter: compare the predictions */
    assert_same_predictions(m1, m2);
    assert_same_predictions(m1, m4);
    rs_model_free(m1);
    rs_model_free(m2);
    rs_model_free(m4);
    rs_model_free(m2b);
}
END_TEST

/* rs_topk and rs_topk_batch score with the effective user vector: their
 * scores are what rs_predict gives (raw, clamping off), and the batch rows
 * are the single calls' bit for bit. */
START_TEST(test_svdpp_topk_uses_the_effective_user_vector)
{
    int32_t kind = KINDS[_i];
    rs_model *m = fitted(kind, 1, 1, train_ds);
    if (!m)
        return;
    enum { NUSERS = 20, K = 10 };
    int64_t users[NUSERS], items[NUSERS * K], one[K];
    float scores[NUSERS * K], s1[K];
    size_t counts[NUSERS], n1;
    for (int b = 0; b < NUSERS; b++)
        users[b] = 1 + 7 * b;
    rs_status st = rs_topk_batch(m, users, NUSERS, K, 0, items, scores, counts);
    ck_assert_int_eq(st, RS_OK);
    for (int b = 0; b < NUSERS; b++) {
        ck_assert_int_eq(rs_topk(m, users[b], K, 0, NULL, 0, NULL, 0, one, s1, &n1), RS_OK);
        ck_assert_uint_eq(n1, counts[b]);
        for (size_t j = 0; j < n1; j++) {
            ck_assert(one[j] == items[b * K + j]);
            ck_assert(s1[j] == scores[b * K + j]);
            float p;
            ck_assert_int_eq(rs_predict(m, users[b], one[j], &p), RS_OK);
            ck_assert_msg(fabsf(p - s1[j]) <= 1e-4f * (1.0f + fabsf(p)),
                          "kind %d user %lld item %lld: predict %g topk %g", (int)kind,
                          (long long)users[b], (long long)one[j], (double)p, (double)s1[j]);
        }
    }
    rs_model_free(m);
}
END_TEST

/* Fold-in: the new user's N(u) is the items they rated; the result is
 * what the seen lists say (a reload, which rebuilds N(u) from them,
 * predicts the same) and beats the fallback for the newcomers. */
START_TEST(test_svdpp_fold_in_user)
{
    rs_model *m = fitted(RS_SCORER_COLLABORATIVE, 1, 1, old_ds);
    double before = rmse_from(m, 170); /* fallback: the newcomers are unknown */
    size_t n = rs_dataset_num_ratings(new_ds);
    int64_t *it = malloc(n * sizeof *it);
    float *rt = malloc(n * sizeof *rt);
    for (int64_t u = 171; u <= 200; u++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++) {
            int64_t uu, i;
            float r;
            rs_dataset_get_rating(new_ds, j, &uu, &i, &r, NULL);
            if (uu == u) {
                it[c] = i;
                rt[c++] = r;
            }
        }
        if (c)
            ck_assert_int_eq(rs_fold_in_user(m, u, it, rt, c), RS_OK);
    }
    double after = rmse_from(m, 170);
    ck_assert_msg(after < before, "fold-in %g, fallback %g", after, before);
    rs_model *back = reloaded(m);
    assert_same_predictions(m, back);
    ck_assert(same_blob(m, back));
    rs_model_free(back);
    free(it);
    free(rt);
    rs_model_free(m);
}
END_TEST

/* rs_partial_fit: new users' ratings join their N(u) (and the old users'
 * new items theirs) and train; the in-memory N(u) is what a reload
 * rebuilds from the seen lists. */
START_TEST(test_svdpp_partial_fit)
{
    int32_t kind = KINDS[_i];
    rs_model *m = fitted(kind, 1, 1, old_ds);
    if (!m)
        return;
    double before = rmse_from(m, 170);
    ck_assert_int_eq(rs_partial_fit(m, new_ds, old_ds), RS_OK);
    double after = rmse_from(m, 170);
    ck_assert_msg(after < before, "kind %d: partial fit %g, before %g", (int)kind, after, before);
    rs_model *back = reloaded(m);
    assert_same_predictions(m, back);
    ck_assert(same_blob(m, back));
    rs_model_free(back);
    rs_model_free(m);
}
END_TEST

/* Out of memory at every allocation of fold-in and partial fit: the call
 * fails cleanly and the model (its file) is exactly as before; nothing leaks. */
START_TEST(test_svdpp_failed_updates_leave_the_model)
{
    tu_alloc ta;
    memset(&ta, 0, sizeof ta);
    rs_model *m = model_of(RS_SCORER_COLLABORATIVE, 1, 1, tu_alloc_fn, &ta);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 5);
    ck_assert_int_eq(rs_fit(m, old_ds, NULL), RS_OK);
    size_t n0;
    unsigned char *b0 = blob_of(m, &n0);
    int64_t items[3] = {1000000, 1000001, 1000002};
    float ratings[3] = {4.0f, 2.0f, 5.0f};
    int done_fold = 0, done_partial = 0;
    for (size_t fail = 1; fail < 100000 && !(done_fold && done_partial); fail++) {
        size_t calls = ta.calls;
        ta.fail_at = calls + fail;
        rs_status st = done_fold ? rs_partial_fit(m, new_ds, NULL)
                                 : rs_fold_in_user(m, 999, items, ratings, 3);
        ta.fail_at = 0;
        if (st == RS_OK) {
            if (done_fold)
                done_partial = 1;
            else
                done_fold = 1;
            free(b0);
            b0 = blob_of(m, &n0); /* the new state */
            continue;
        }
        ck_assert_int_eq(st, RS_ERR_NOMEM);
        size_t n1;
        unsigned char *b1 = blob_of(m, &n1);
        ck_assert_msg(n1 == n0 && memcmp(b0, b1, n0) == 0, "fail at %zu changed the model", fail);
        free(b1);
    }
    ck_assert(done_fold && done_partial);
    free(b0);
    rs_model_free(m);
    ck_assert_int_eq(ta.live, 0);
    ck_assert_int_eq(ta.bad_osize, 0);
}
END_TEST

/* With a validation set the fit keeps its best epoch (a snapshot of the
 * weights, N(u) included): the kept model's validation RMSE is the best
 * one the epochs reported, and it round-trips. */
START_TEST(test_svdpp_keeps_the_best_validation_epoch)
{
    rs_model *m = model_of(RS_SCORER_HYBRID, 1, 1, NULL, NULL);
    if (!m)
        return;
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.2); /* large steps: validation turns */
    ck_assert_int_eq(rs_fit(m, train_ds, test_ds), RS_OK);
    double best = INFINITY, st[RS_STAT_COUNT_V0_2];
    size_t n_stats = rs_model_num_epoch_stats(m);
    ck_assert_uint_gt(n_stats, 0);
    for (size_t e = 0; e < n_stats; e++) {
        size_t n;
        ck_assert_int_eq(rs_model_epoch_stats(m, e, st, RS_STAT_COUNT_V0_2, &n), RS_OK);
        if (st[RS_STAT_VALID_RMSE] < best)
            best = st[RS_STAT_VALID_RMSE];
    }
    double kept = rmse_from(m, 0);
    ck_assert_msg(fabs(kept - best) <= 1e-4 * best, "kept %g, best epoch %g", kept, best);
    rs_model *back = reloaded(m);
    assert_same_predictions(m, back);
    rs_model_free(back);
    rs_model_free(m);
}
END_TEST

/* Implicit feedback mode (sampled negatives) with implicit user factors:
 * trained on the well-rated pairs (N(u) are those positives), the model
 * ranks held-out well-rated items above the rest, and round-trips. */
START_TEST(test_svdpp_in_implicit_mode)
{
    rs_dataset *pos;
    ck_assert_int_eq(rs_dataset_new(&pos, NULL, NULL), RS_OK);
    for (size_t j = 0; j < rs_dataset_num_ratings(train_ds); j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(train_ds, j, &u, &i, &r, NULL);
        if (r >= 3.5f)
            ck_assert_int_eq(rs_dataset_add_rating(pos, u, i, 1.0f, 1.0f), RS_OK);
    }
    rs_model *m = model_of(RS_SCORER_COLLABORATIVE, 1, 1, NULL, NULL);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 1), RS_OK);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 20);
    ck_assert_int_eq(rs_fit(m, pos, NULL), RS_OK);
    rs_dataset_free(pos);
    double v[RS_METRIC_COUNT_V0_2];
    size_t nv;
    ck_assert_int_eq(rs_model_evaluate_ranking(m, test_ds, NULL, NULL, 0, 10, 3.5, 0, v,
                                               RS_METRIC_COUNT_V0_2, &nv),
                     RS_OK);
    ck_assert_msg(v[RS_METRIC_AUC] > 0.55, "AUC %g", v[RS_METRIC_AUC]);
    rs_model *back = reloaded(m);
    assert_same_predictions(m, back);
    rs_model_free(back);
    rs_model_free(m);
}
END_TEST

static Suite *svdpp_suite(void)
{
    Suite *s = suite_create("check_api_svdpp");
    TCase *tc = tcase_create("svdpp");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, make_data, free_data);
    tcase_add_test(tc, test_svdpp_parameters_are_in_the_table);
    tcase_add_loop_test(tc, test_svdpp_fits_and_round_trips, 0, 3);
    tcase_add_test(tc, test_svdpp_threads_give_one_model);
    tcase_add_loop_test(tc, test_svdpp_topk_uses_the_effective_user_vector, 0, 2);
    tcase_add_test(tc, test_svdpp_fold_in_user);
    tcase_add_loop_test(tc, test_svdpp_partial_fit, 0, 2);
    tcase_add_test(tc, test_svdpp_failed_updates_leave_the_model);
    tcase_add_test(tc, test_svdpp_in_implicit_mode);
    tcase_add_test(tc, test_svdpp_keeps_the_best_validation_epoch);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(svdpp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
