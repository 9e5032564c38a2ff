/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_implicit.c: RS_PARAM_IMPLICIT - positives only, negatives drawn
 * per epoch - ranks held-out positives far above popularity, reproducibly. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"

#ifndef FACTORS
#define FACTORS 8
#define NEGS 4
#define EPOCHS 30
#define THRESH 4.0f
#define DENSITY 1.0
#endif
#ifndef RATIO
#define RATIO 1.5
#endif

/* Positives: every synthetic cell rated 4 or more (all cells observed, so
 * which items a user "interacted with" follows their taste). */
static void positives(rs_dataset **train, rs_dataset **test)
{
    rs_dataset *all, *held;
    ck_assert_int_eq(rs_dataset_new(&all, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&held, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(all, held, 200, 150, 4, DENSITY, 0.1, 0.2, 9), 5000);
    ck_assert_int_eq(rs_dataset_new(train, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(test, NULL, NULL), RS_OK);
    for (int part = 0; part < 2; part++) {
        rs_dataset *src = part ? held : all, *dst = part ? *test : *train;
        for (size_t j = 0; j < rs_dataset_num_ratings(src); j++) {
            int64_t u, i;
            float r;
            rs_dataset_get_rating(src, j, &u, &i, &r, NULL);
                if (r >= THRESH)
                ck_assert_int_eq(rs_dataset_add_rating(dst, u, i, 1.0f, 1.0f), RS_OK);
        }
    }
    rs_dataset_free(all);
    rs_dataset_free(held);
}

static unsigned char train_has[201][150];

static double precision_at_10(const rs_model *m, const rs_dataset *train, const rs_dataset *test,
                              const double *pop, size_t n_items)
{
    memset(train_has, 0, sizeof train_has);
    for (size_t j = 0; j < rs_dataset_num_ratings(train); j++) {
        int64_t uu, ii;
        rs_dataset_get_rating(train, j, &uu, &ii, NULL, NULL);
        train_has[uu][ii - 1000000] = 1;
    }
    double sum = 0;
    size_t users = 0;
    for (int64_t u = 1; u <= 200; u++) {
        int64_t top[10];
        size_t got = 0;
        if (m) {
            rs_status st = rs_topk(m, u, 10, 0, NULL, 0, NULL, 0, top, NULL, &got);
            ck_assert(st == RS_OK || st == RS_FALLBACK); /* a user with no positive is unknown */
        } else { /* most popular items the user has no training positive for */
            while (got < 10) {
                int64_t best = -1;
                for (size_t it = 0; it < n_items; it++) {
                    int64_t id = 1000000 + (int64_t)it;
                    int skip = train_has[u][it];
                    for (size_t t = 0; t < got; t++)
                        skip |= top[t] == id;
                    if (!skip && (best < 0 || pop[it] > pop[best - 1000000]))
                        best = id;
                }
                top[got++] = best;
            }
        }
        size_t rel = 0, hits = 0;
        for (size_t j = 0; j < rs_dataset_num_ratings(test); j++) {
            int64_t uu, ii;
            rs_dataset_get_rating(test, j, &uu, &ii, NULL, NULL);
            if (uu != u)
                continue;
            rel++;
            for (size_t k = 0; k < got; k++)
                hits += top[k] == ii;
        }
        if (rel) {
            sum += (double)hits / 10.0;
            users++;
        }
    }
    return sum / (double)users;
}

START_TEST(test_implicit_beats_popularity_and_is_reproducible)
{
    rs_dataset *train, *test;
    positives(&train, &test);
    double pop[150] = {0};
    for (size_t j = 0; j < rs_dataset_num_ratings(train); j++) {
        int64_t u, i;
        rs_dataset_get_rating(train, j, &u, &i, NULL, NULL);
        pop[i - 1000000] += 1;
    }
    rs_model *m[2];
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(rs_model_new(&m[k], RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
        rs_model_set_int(m[k], RS_PARAM_IMPLICIT, 1);
        rs_model_set_int(m[k], RS_PARAM_FACTORS, FACTORS);
        rs_model_set_int(m[k], RS_PARAM_NEGATIVES, NEGS);
        rs_model_set_int(m[k], RS_PARAM_EPOCHS, EPOCHS);
        rs_model_set_double(m[k], RS_PARAM_LEARNING_RATE, 0.02);
        rs_model_set_int(m[k], RS_PARAM_LR_POLICY, RS_LR_CONSTANT); /* tuned as a constant step */
        rs_model_set_double(m[k], RS_PARAM_INIT_SCALE, 0.05);
        rs_model_set_double(m[k], RS_PARAM_L2_FACTORS, 0.01);
        rs_model_set_double(m[k], RS_PARAM_TOLERANCE, 0.0);
        ck_assert_int_eq(rs_fit(m[k], train, NULL), RS_OK);
    }
    double p_model = precision_at_10(m[0], train, test, pop, 150);
    double p_pop = precision_at_10(NULL, train, test, pop, 150);
    ck_assert_msg(p_model >= RATIO * p_pop, "implicit P@10 %.4f vs popular %.4f", p_model, p_pop);
    /* Scores are in [0, 1], and the same seed gives the same model. */
    for (int64_t u = 1; u <= 20; u++) {
        float a, b;
        rs_status sa = rs_predict(m[0], u, 1000003, &a), sb = rs_predict(m[1], u, 1000003, &b);
        ck_assert(sa == RS_OK || sa == RS_FALLBACK);
        ck_assert_int_eq(sa, sb);
        ck_assert(a >= 0.0f && a <= 1.0f);
        ck_assert_float_eq(a, b);
    }
    rs_model_free(m[0]);
    rs_model_free(m[1]);
    rs_dataset_free(train);
    rs_dataset_free(test);
}
END_TEST

START_TEST(test_implicit_parameters)
{
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    int64_t v;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_IMPLICIT, &v), RS_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_NEGATIVES, 0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_CONFIDENCE, -1.0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 2), RS_ERR_RANGE);
    rs_model_free(m);
}
END_TEST

/* Implicit mode has its own defaults for the parameters the user did not
 * set (docs/guide/tuning.md), in whatever order the calls come. */
START_TEST(test_implicit_mode_defaults_respect_the_users_settings)
{
    rs_model *m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    int64_t epochs, factors;
    double lr, l2, tol, l2b;
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.011), RS_OK); /* before */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 1), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 7), RS_OK); /* after */
    rs_model_get_int(m, RS_PARAM_EPOCHS, &epochs);
    rs_model_get_int(m, RS_PARAM_FACTORS, &factors);
    rs_model_get_double(m, RS_PARAM_LEARNING_RATE, &lr);
    rs_model_get_double(m, RS_PARAM_L2_FACTORS, &l2);
    rs_model_get_double(m, RS_PARAM_TOLERANCE, &tol);
    rs_model_get_double(m, RS_PARAM_L2_BIAS, &l2b);
    ck_assert_int_eq(epochs, 50);
    ck_assert_int_eq(factors, 7);
    ck_assert_double_eq(lr, 0.011);
    ck_assert_double_eq(l2, 0.02);
    ck_assert_double_eq(tol, 0.0);
    ck_assert_double_eq(l2b, 0.03); /* same default in both modes */
    /* Back to explicit: the library's choices revert, the user's stay. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 0), RS_OK);
    rs_model_get_int(m, RS_PARAM_EPOCHS, &epochs);
    rs_model_get_int(m, RS_PARAM_FACTORS, &factors);
    rs_model_get_double(m, RS_PARAM_LEARNING_RATE, &lr);
    rs_model_get_double(m, RS_PARAM_TOLERANCE, &tol);
    ck_assert_int_eq(epochs, 80);
    ck_assert_int_eq(factors, 7);
    ck_assert_double_eq(lr, 0.011);
    ck_assert_double_eq(tol, 1e-4);
    /* Setting a parameter to its own default still counts as the user's. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 80), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 1), RS_OK);
    rs_model_get_int(m, RS_PARAM_EPOCHS, &epochs);
    ck_assert_int_eq(epochs, 80);
    /* A failed set changes nothing. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 5), RS_ERR_RANGE);
    rs_model_get_double(m, RS_PARAM_L2_FACTORS, &l2);
    ck_assert_double_eq(l2, 0.02);
    rs_model_free(m);
}
END_TEST

static Suite *implicit_suite(void)
{
    Suite *s = suite_create("check_api_implicit");
    TCase *tc = tcase_create("implicit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_implicit_beats_popularity_and_is_reproducible);
    tcase_add_test(tc, test_implicit_parameters);
    tcase_add_test(tc, test_implicit_mode_defaults_respect_the_users_settings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(implicit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
