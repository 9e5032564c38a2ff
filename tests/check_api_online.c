/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_online.c: rs_partial_fit and rs_fold_in_user/item - new ids
 * join the model and learn, the model is never half-updated, and bad input
 * gets a defined status. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"
#include "testutil.h"

static rs_dataset *old_ds, *new_ds, *test_ds;

/* Users 1..250 are old, 251..300 arrive later (all their ratings in new_ds). */
static void make_data(void)
{
    rs_dataset *all;
    ck_assert_int_eq(rs_dataset_new(&all, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&test_ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(all, test_ds, 300, 200, 4, 0.5, 0.1, 0.1, 5), 20000);
    ck_assert_int_eq(rs_dataset_new(&old_ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&new_ds, NULL, NULL), RS_OK);
    for (size_t j = 0; j < rs_dataset_num_ratings(all); j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(all, j, &u, &i, &r, NULL);
        ck_assert_int_eq(rs_dataset_add_rating(u > 250 ? new_ds : old_ds, u, i, r, 1.0f), RS_OK);
    }
    rs_dataset_free(all);
}

static void free_data(void)
{
    rs_dataset_free(old_ds);
    rs_dataset_free(new_ds);
    rs_dataset_free(test_ds);
}

static rs_model *fitted_epochs(rs_alloc_fn alloc, void *ud, int64_t epochs)
{
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, alloc, ud), RS_OK);
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02);
    rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_CONSTANT); /* tuned as a constant step */
    rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1);
    rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.01);
    rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0);
    ck_assert_int_eq(rs_fit(m, old_ds, NULL), RS_OK);
    return m;
}

static rs_model *fitted(rs_alloc_fn alloc, void *ud) { return fitted_epochs(alloc, ud, 60); }

/* RMSE over test ratings of users > 250 (the newcomers). */
static double newcomer_rmse(const rs_model *m)
{
    double e = synth_rmse_users_above(m, test_ds, 250);
    ck_assert(isfinite(e)); /* every prediction RS_OK or RS_FALLBACK */
    return e;
}

START_TEST(test_partial_fit_adds_and_learns_new_users)
{
    rs_model *m = fitted(NULL, NULL);
    size_t users = rs_model_num_users(m);
    double before = newcomer_rmse(m); /* fallback only */
    rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 20);
    ck_assert_int_eq(rs_partial_fit(m, new_ds, old_ds), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(m), users + 50);
    double after = newcomer_rmse(m);
    ck_assert_msg(after < 0.5 * before, "newcomer RMSE %.4f -> %.4f", before, after);
    ck_assert_uint_eq(rs_model_num_epoch_stats(m), 20);
    /* Their rated items are now excluded from their recommendations. */
    int64_t items[200];
    size_t n;
    ck_assert_int_eq(rs_topk(m, 260, 200, 0, NULL, 0, NULL, 0, items, NULL, &n), RS_OK);
    for (size_t j = 0; j < rs_dataset_num_ratings(new_ds); j++) {
        int64_t u, i;
        rs_dataset_get_rating(new_ds, j, &u, &i, NULL, NULL);
        if (u != 260)
            continue;
        for (size_t k = 0; k < n; k++)
            ck_assert(items[k] != i);
    }
    rs_model_free(m);
}
END_TEST

/* epochs_trained counts rs_fit's epochs, grows by each rs_partial_fit's and
 * travels with the saved model, so the inverse-time schedule of a later
 * partial fit continues where training ended. */
START_TEST(test_epochs_trained_counts_and_persists)
{
    rs_model *m = fitted_epochs(NULL, NULL, 12);
    int64_t v = -1;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_EPOCHS_TRAINED, &v), RS_OK);
    ck_assert_int_eq(v, 12);
    rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 3);
    ck_assert_int_eq(rs_partial_fit(m, new_ds, NULL), RS_OK);
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_EPOCHS_TRAINED, &v), RS_OK);
    ck_assert_int_eq(v, 15);
    size_t size = 0;
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, &size, NULL, 0), RS_ERR_RANGE);
    void *buf = malloc(size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(rs_model_save_buffer(m, buf, size, &size, NULL, 0), RS_OK);
    rs_model *l;
    ck_assert_int_eq(rs_model_load_buffer(&l, buf, size, NULL, NULL, NULL, 0), RS_OK);
    ck_assert_int_eq(rs_model_get_int(l, RS_PARAM_EPOCHS_TRAINED, &v), RS_OK);
    ck_assert_int_eq(v, 15);
    /* Under the inverse-time schedule the partial fit's first step is the
     * 16th epoch's: lr / (1 + decay * 15). */
    rs_model_set_int(l, RS_PARAM_LR_POLICY, RS_LR_INVERSE_TIME);
    ck_assert_int_eq(rs_partial_fit(l, new_ds, NULL), RS_OK);
    double stats[RS_STAT_COUNT_V0_1], lr0, decay;
    size_t got;
    ck_assert_int_eq(rs_model_epoch_stats(l, 0, stats, RS_STAT_COUNT_V0_1, &got), RS_OK);
    rs_model_get_double(l, RS_PARAM_LEARNING_RATE, &lr0);
    rs_model_get_double(l, RS_PARAM_LR_DECAY, &decay);
    ck_assert_double_eq_tol(stats[RS_STAT_LEARNING_RATE], lr0 / (1.0 + decay * 15.0), 1e-12);
    free(buf);
    rs_model_free(l);
    rs_model_free(m);
}
END_TEST

START_TEST(test_partial_fit_bad_input)
{
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_partial_fit(m, new_ds, NULL), RS_ERR_STATE);
    rs_model_free(m);
    m = fitted(NULL, NULL);
    rs_dataset *empty;
    rs_dataset_new(&empty, NULL, NULL);
    ck_assert_int_eq(rs_partial_fit(m, empty, NULL), RS_ERR_EMPTY);
    ck_assert_int_eq(rs_partial_fit(m, NULL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_partial_fit(NULL, new_ds, NULL), RS_ERR_INVALID_ARG);
    rs_dataset_free(empty);
    rs_model_free(m);
}
END_TEST

START_TEST(test_partial_fit_divergence_keeps_model_finite)
{
    rs_model *m = fitted(NULL, NULL);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 5.0);
    ck_assert_int_eq(rs_partial_fit(m, new_ds, old_ds), RS_ERR_NUMERIC);
    for (size_t j = 0; j < rs_dataset_num_ratings(test_ds); j++) {
        int64_t u, i;
        float y;
        rs_dataset_get_rating(test_ds, j, &u, &i, NULL, NULL);
        rs_status st = rs_predict(m, u, i, &y);
        ck_assert(st == RS_OK || st == RS_FALLBACK);
        ck_assert(isfinite(y));
    }
    rs_model_free(m);
}
END_TEST

START_TEST(test_online_calls_fail_cleanly_out_of_memory)
{
    /* Allocation k of a partial fit (or fold-in) fails, for every k: the call
     * reports RS_ERR_NOMEM and the model is exactly as before. */
    /* One epoch of fitting and of updating is enough to reach every allocation. */
    for (int which = 0; which < 2; which++) {
        tu_alloc b = {0};
        rs_model *m = fitted_epochs(tu_alloc_fn, &b, 1);
        rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 1);
        size_t base = b.calls;
        int64_t items[3] = {1000000, 1000001, 1000002};
        float rs[3] = {4, 3, 5};
        rs_status st = which == 0 ? rs_partial_fit(m, new_ds, old_ds)
                                  : rs_fold_in_user(m, 999, items, rs, 3);
        ck_assert_int_eq(st, RS_OK);
        size_t needed = b.calls - base;
        rs_model_free(m);
        ck_assert_uint_eq(b.live, 0);
        ck_assert_uint_eq(b.bad_osize, 0);
        for (size_t k = 1; k <= needed; k++) {
            tu_alloc c = {0};
            m = fitted_epochs(tu_alloc_fn, &c, 1);
            rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 1);
            float before, after;
            ck_assert_int_eq(rs_predict(m, 1, 1000000, &before), RS_OK);
            size_t users = rs_model_num_users(m);
            c.fail_at = c.calls + k; /* the k-th allocation of the call fails */
            st = which == 0 ? rs_partial_fit(m, new_ds, old_ds) : rs_fold_in_user(m, 999, items, rs, 3);
            ck_assert_msg(st == RS_ERR_NOMEM, "which %d fail at +%zu: %d", which, k, (int)st);
            ck_assert_uint_eq(rs_model_num_users(m), users);
            ck_assert_int_eq(rs_predict(m, 1, 1000000, &after), RS_OK);
            ck_assert_float_eq(before, after);
            c.fail_at = 0;
            rs_model_free(m);
            ck_assert_uint_eq(c.live, 0);
            ck_assert_uint_eq(c.bad_osize, 0);
        }
    }
}
END_TEST

START_TEST(test_fold_in_user_gets_recommendations_at_once)
{
    rs_model *m = fitted(NULL, NULL);
    /* Fold user 270 in from all of their new ratings. */
    int64_t items[200];
    float rs[200];
    size_t n = 0;
    for (size_t j = 0; j < rs_dataset_num_ratings(new_ds) && n < 200; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(new_ds, j, &u, &i, &r, NULL);
        if (u == 270) {
            items[n] = i;
            rs[n++] = r;
        }
    }
    ck_assert_uint_gt(n, 20);
    float y;
    ck_assert_int_eq(rs_predict(m, 270, items[0], &y), RS_FALLBACK);
    size_t users = rs_model_num_users(m);
    ck_assert_int_eq(rs_fold_in_user(m, 270, items, rs, n), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(m), users + 1);
    /* The fit to the user's own ratings is close (a rank-4 structure plus noise). */
    double se = 0;
    for (size_t k = 0; k < n; k++) {
        ck_assert_int_eq(rs_predict(m, 270, items[k], &y), RS_OK);
        se += (rs[k] - y) * (rs[k] - y);
    }
    ck_assert_double_lt(sqrt(se / (double)n), 0.3);
    int64_t top[10];
    size_t got;
    ck_assert_int_eq(rs_topk(m, 270, 10, 0, NULL, 0, NULL, 0, top, NULL, &got), RS_OK);
    ck_assert_uint_eq(got, 10);
    for (size_t t = 0; t < got; t++)
        for (size_t k = 0; k < n; k++)
            ck_assert(top[t] != items[k]); /* folded-in items count as seen */
    /* Folding in again replaces the user's parameters, without a new id. */
    ck_assert_int_eq(rs_fold_in_user(m, 270, items, rs, n / 2), RS_OK);
    ck_assert_uint_eq(rs_model_num_users(m), users + 1);
    rs_model_free(m);
}
END_TEST

/* The prior: one rating moves the new user's prediction of that very item
 * only part of the way from the fallback (bias damped by 5 pseudo-ratings,
 * factors by far more), and the further ratings then move it more. */
START_TEST(test_fold_in_one_rating_is_shrunk_toward_the_fallback)
{
    rs_model *m = fitted(NULL, NULL);
    int64_t item = 1000007;
    float fb, y, r = 5.0f;
    ck_assert_int_eq(rs_predict(m, 901, item, &fb), RS_FALLBACK);
    ck_assert_int_eq(rs_fold_in_user(m, 901, &item, &r, 1), RS_OK);
    ck_assert_int_eq(rs_predict(m, 901, item, &y), RS_OK);
    ck_assert_double_gt(y, fb); /* moved toward the rating */
    ck_assert_double_lt(y - fb, (r - fb) / 5.0);
    /* Ten ratings of 5 on different items move it much further. */
    int64_t items[10];
    float rs[10];
    for (int k = 0; k < 10; k++)
        items[k] = 1000000 + 3 * k, rs[k] = 5.0f;
    float fb2, y2;
    ck_assert_int_eq(rs_predict(m, 902, items[0], &fb2), RS_FALLBACK);
    ck_assert_int_eq(rs_fold_in_user(m, 902, items, rs, 10), RS_OK);
    ck_assert_int_eq(rs_predict(m, 902, items[0], &y2), RS_OK);
    ck_assert_double_gt(y2 - fb2, 2.0 * (y - fb));
    rs_model_free(m);
}
END_TEST

START_TEST(test_fold_in_bad_input)
{
    rs_model *m = fitted(NULL, NULL);
    int64_t items[2] = {1000000, 1000001}, unknown[2] = {-5, -6};
    float rs[2] = {4, 3}, bad[2] = {4, NAN};
    size_t users = rs_model_num_users(m);
    ck_assert_int_eq(rs_fold_in_user(m, 999, items, bad, 2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_fold_in_user(m, 999, unknown, rs, 2), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_fold_in_user(m, 999, NULL, rs, 2), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_fold_in_user(m, 999, items, rs, 0), RS_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(rs_model_num_users(m), users);
    int64_t u[2] = {1, 2};
    ck_assert_int_eq(rs_fold_in_item(m, 5000000, u, rs, 2), RS_OK);
    ck_assert_uint_eq(rs_model_num_items(m), rs_dataset_num_items(old_ds) + 1);
    rs_model_free(m);

    rs_model *c;
    if (rs_model_new(&c, RS_SCORER_CONTENT, NULL, NULL) == RS_OK) {
        rs_model_set_int(c, RS_PARAM_EPOCHS, 2);
        ck_assert_int_eq(rs_fit(c, old_ds, NULL), RS_OK);
        ck_assert_int_eq(rs_fold_in_item(c, 5000000, u, rs, 2), RS_ERR_STATE);
        ck_assert_int_eq(rs_fold_in_user(c, 999, items, rs, 2), RS_OK);
        rs_model_free(c);
    }
    rs_model *unfitted;
    ck_assert_int_eq(rs_model_new(&unfitted, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_fold_in_user(unfitted, 1, items, rs, 2), RS_ERR_STATE);
    rs_model_free(unfitted);
}
END_TEST

static Suite *online_suite(void)
{
    Suite *s = suite_create("check_api_online");
    TCase *tc = tcase_create("online");
    tcase_add_unchecked_fixture(tc, make_data, free_data);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_partial_fit_adds_and_learns_new_users);
    tcase_add_test(tc, test_partial_fit_bad_input);
    tcase_add_test(tc, test_epochs_trained_counts_and_persists);
    tcase_add_test(tc, test_partial_fit_divergence_keeps_model_finite);
    tcase_add_test(tc, test_online_calls_fail_cleanly_out_of_memory);
    tcase_add_test(tc, test_fold_in_user_gets_recommendations_at_once);
    tcase_add_test(tc, test_fold_in_bad_input);
    tcase_add_test(tc, test_fold_in_one_rating_is_shrunk_toward_the_fallback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(online_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
