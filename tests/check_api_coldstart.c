/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_coldstart.c: brand-new users and items - registered with their
 * features after training (rs_model_set_features) or present in the training
 * set with features and no ratings - are scored meaningfully by the content
 * and hybrid scorers; bad feature input gets a defined status. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"

enum { USERS = 300, ITEMS = 200, COLD_FROM_ITEM = 170, COLD_FROM_USER = 260 };

static rs_dataset *all_ds; /* every rating, with features */

static void make_all(void)
{
    ck_assert_int_eq(rs_dataset_new(&all_ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(all_ds, NULL, USERS, ITEMS, 4, 0.5, 0.1, 0.0, 21), 20000);
}

static void free_all(void) { rs_dataset_free(all_ds); }

static int is_cold(int32_t side, int64_t u, int64_t i)
{
    return side == RS_SIDE_ITEM ? i - 1000000 >= COLD_FROM_ITEM : u - 1 >= COLD_FROM_USER;
}

/* Split all_ds: ratings of cold ids go to test; train gets the features of
 * the ids it has ratings for only. */
static void split_cold(int32_t side, rs_dataset **train, rs_dataset **test)
{
    ck_assert_int_eq(rs_dataset_new(train, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(test, NULL, NULL), RS_OK);
    for (int32_t s = RS_SIDE_USER; s <= RS_SIDE_ITEM; s++)
        for (size_t f = 0; f < rs_dataset_num_features(all_ds, s); f++)
            ck_assert_int_eq(rs_dataset_add_feature(*train, s,
                                                    rs_dataset_feature_name(all_ds, s, (int32_t)f),
                                                    NULL),
                             RS_OK);
    for (size_t j = 0; j < rs_dataset_num_ratings(all_ds); j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(all_ds, j, &u, &i, &r, NULL);
        ck_assert_int_eq(rs_dataset_add_rating(is_cold(side, u, i) ? *test : *train, u, i, r, 1.0f),
                         RS_OK);
    }
    for (int32_t s = RS_SIDE_USER; s <= RS_SIDE_ITEM; s++) {
        size_t n = s == RS_SIDE_USER ? rs_dataset_num_users(*train) : rs_dataset_num_items(*train);
        for (size_t k = 0; k < n; k++) {
            int64_t id;
            int32_t f[8];
            float v[8];
            size_t nf;
            rs_dataset_index_to_id(*train, s, (int32_t)k, &id);
            ck_assert_int_eq(rs_dataset_get_features(all_ds, s, id, f, v, 8, &nf), RS_OK);
            ck_assert_int_eq(rs_dataset_set_features(*train, s, id, f, v, nf), RS_OK);
        }
    }
}

static rs_model *fit_refit(int32_t scorer, const rs_dataset *train, int64_t epochs,
                           int64_t cold_epochs)
{
    rs_model *m;
    rs_status st = rs_model_new(&m, scorer, NULL, NULL);
    if (st == RS_ERR_NOT_BUILT)
        return NULL;
    ck_assert_int_eq(st, RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, cold_epochs), RS_OK);
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.01);
    rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1);
    rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.01);
    rs_model_set_double(m, RS_PARAM_L2_FEATURES, 0.01);
    rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0);
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    return m;
}

static rs_model *fit_epochs(int32_t scorer, const rs_dataset *train, int64_t epochs)
{
    return fit_refit(scorer, train, epochs, 30);
}

/* Accuracy comparisons train to convergence; behaviour checks need a few epochs. */
static rs_model *fit(int32_t scorer, const rs_dataset *train) { return fit_epochs(scorer, train, 60); }
static rs_model *fit_quick(int32_t scorer, const rs_dataset *train)
{
    return fit_epochs(scorer, train, 5);
}

/* Register every cold id of test with its features, by feature name. */
static void register_cold(rs_model *m, int32_t side, const rs_dataset *test)
{
    for (size_t j = 0; j < rs_dataset_num_ratings(test); j++) {
        int64_t u, i;
        rs_dataset_get_rating(test, j, &u, &i, NULL, NULL);
        int64_t id = side == RS_SIDE_USER ? u : i;
        int32_t f[8], mf[8];
        float v[8];
        size_t nf;
        ck_assert_int_eq(rs_dataset_get_features(all_ds, side, id, f, v, 8, &nf), RS_OK);
        for (size_t k = 0; k < nf; k++)
            ck_assert_int_eq(rs_model_feature_index(m, side, rs_dataset_feature_name(all_ds, side, f[k]),
                                                    &mf[k]),
                             RS_OK);
        ck_assert_int_eq(rs_model_set_features(m, side, id, mf, v, nf), RS_OK);
    }
}

static double rmse(const rs_model *m, const rs_dataset *test, rs_status expect)
{
    double se = 0;
    size_t n = rs_dataset_num_ratings(test);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r, y;
        rs_dataset_get_rating(test, j, &u, &i, &r, NULL);
        ck_assert_int_eq(rs_predict(m, u, i, &y), expect);
        ck_assert(isfinite(y));
        se += ((double)r - y) * ((double)r - y);
    }
    return sqrt(se / (double)n);
}

static void check_cold_side(int32_t side)
{
    rs_dataset *train, *test;
    split_cold(side, &train, &test);
    rs_model *cf = fit(RS_SCORER_COLLABORATIVE, train);
    double fallback = rmse(cf, test, RS_FALLBACK); /* unknown ids: mean + known bias */
    rs_model_free(cf);
    static const int32_t scorers[] = {RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    for (int s = 0; s < 2; s++) {
        rs_model *m = fit(scorers[s], train);
        if (!m)
            continue;
        size_t known = side == RS_SIDE_USER ? rs_model_num_users(m) : rs_model_num_items(m);
        register_cold(m, side, test);
        size_t now = side == RS_SIDE_USER ? rs_model_num_users(m) : rs_model_num_items(m);
        ck_assert_uint_eq(now, known + (side == RS_SIDE_USER ? USERS - COLD_FROM_USER
                                                              : ITEMS - COLD_FROM_ITEM));
        double cold = rmse(m, test, RS_OK);
        ck_assert_msg(cold <= 0.97 * fallback, "side %d scorer %d: cold RMSE %.4f vs fallback %.4f",
                      (int)side, (int)scorers[s], cold, fallback);
        rs_model_free(m);
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
}

/* The cold-start refit (RS_PARAM_COLD_EPOCHS) retrains the feature parts
 * for new ids and moves the change into the id parameters: every trained
 * (user, item) pair scores as without it, and new ids score at least as
 * well as without it. */
static void check_refit(int32_t side)
{
    rs_dataset *train, *test;
    split_cold(side, &train, &test);
    static const int32_t scorers[] = {RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    for (int s = 0; s < 2; s++) {
        rs_model *plain = fit_refit(scorers[s], train, 60, 0);
        if (!plain)
            continue;
        rs_model *refit = fit_refit(scorers[s], train, 60, 30);
        double max_diff = 0;
        for (size_t j = 0; j < rs_dataset_num_ratings(train); j++) {
            int64_t u, i;
            float a, b;
            rs_dataset_get_rating(train, j, &u, &i, NULL, NULL);
            ck_assert_int_eq(rs_predict(plain, u, i, &a), RS_OK);
            ck_assert_int_eq(rs_predict(refit, u, i, &b), RS_OK);
            max_diff = fmax(max_diff, fabs((double)a - b));
        }
        ck_assert_msg(max_diff < 1e-4, "side %d scorer %d: trained pairs moved by %g", (int)side,
                      (int)scorers[s], max_diff);
        /* The fallback chain (an unknown id paired with a known one) uses the
         * known id's whole bias, which the refit does not move either. */
        max_diff = 0;
        for (size_t j = 0; j < rs_dataset_num_ratings(train); j++) {
            int64_t u, i;
            float a, b;
            rs_dataset_get_rating(train, j, &u, &i, NULL, NULL);
            ck_assert_int_eq(rs_predict(plain, -7, i, &a), RS_FALLBACK);
            ck_assert_int_eq(rs_predict(refit, -7, i, &b), RS_FALLBACK);
            max_diff = fmax(max_diff, fabs((double)a - b));
            ck_assert_int_eq(rs_predict(plain, u, -7, &a), RS_FALLBACK);
            ck_assert_int_eq(rs_predict(refit, u, -7, &b), RS_FALLBACK);
            max_diff = fmax(max_diff, fabs((double)a - b));
        }
        ck_assert_msg(max_diff < 1e-4, "side %d scorer %d: fallback moved by %g", (int)side,
                      (int)scorers[s], max_diff);
        /* rs_topk for an unknown user ranks by that same chain. */
        ck_assert_int_eq(rs_model_set_int(refit, RS_PARAM_CLAMP, 0), RS_OK);
        int64_t top[5];
        float top_score[5], y;
        size_t n_top = 0;
        ck_assert_int_eq(rs_topk(refit, -7, 5, 0, NULL, 0, NULL, 0, top, top_score, &n_top),
                         RS_FALLBACK);
        ck_assert_uint_eq(n_top, 5);
        for (size_t t = 0; t < n_top; t++) {
            ck_assert_int_eq(rs_predict(refit, -7, top[t], &y), RS_FALLBACK);
            ck_assert_float_eq_tol(top_score[t], y, 1e-5f);
        }
        register_cold(plain, side, test);
        register_cold(refit, side, test);
        double before = rmse(plain, test, RS_OK), after = rmse(refit, test, RS_OK);
        ck_assert_msg(after <= before + 1e-4, "side %d scorer %d: refit %.4f vs %.4f", (int)side,
                      (int)scorers[s], after, before);
        rs_model_free(plain);
        rs_model_free(refit);
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
}

START_TEST(test_coldstart_refit_keeps_trained_scores_items) { check_refit(RS_SIDE_ITEM); }
END_TEST

START_TEST(test_coldstart_refit_keeps_trained_scores_users) { check_refit(RS_SIDE_USER); }
END_TEST

START_TEST(test_coldstart_new_items_scored_from_features) { check_cold_side(RS_SIDE_ITEM); }
END_TEST

START_TEST(test_coldstart_new_users_scored_from_features) { check_cold_side(RS_SIDE_USER); }
END_TEST

START_TEST(test_coldstart_new_user_gets_recommendations)
{
    rs_dataset *train, *test;
    split_cold(RS_SIDE_USER, &train, &test);
    rs_model *m = fit_quick(RS_SCORER_HYBRID, train);
    if (m) {
        int32_t f;
        ck_assert_int_eq(rs_model_feature_index(m, RS_SIDE_USER, "group=3", &f), RS_OK);
        ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_USER, 777777, &f, NULL, 1), RS_OK);
        int64_t items[10];
        float scores[10];
        size_t n;
        ck_assert_int_eq(rs_topk(m, 777777, 10, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK);
        ck_assert_uint_eq(n, 10);
        for (size_t k = 1; k < n; k++)
            ck_assert(scores[k - 1] >= scores[k]);
        int64_t sim[5];
        ck_assert_int_eq(rs_similar_users(m, 777777, 5, sim, NULL, &n), RS_OK);
        ck_assert_uint_eq(n, 5);
        rs_model_free(m);
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
}
END_TEST

START_TEST(test_coldstart_features_for_id_without_ratings)
{
    /* all_ds-style training set where one item has features and no rating:
     * it is known to the model, has zero id parameters and is scored from
     * its features. */
    rs_dataset *train, *test;
    split_cold(RS_SIDE_ITEM, &train, &test);
    int32_t f[2] = {0, 1};
    ck_assert_int_eq(rs_dataset_set_features(train, RS_SIDE_ITEM, 5555555, f, NULL, 2), RS_OK);
    static const int32_t scorers[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    for (int s = 0; s < 3; s++) {
        rs_model *m = fit_quick(scorers[s], train);
        if (!m)
            continue;
        float y, q[8];
        size_t nq;
        ck_assert_int_eq(rs_predict(m, 1, 5555555, &y), RS_OK);
        ck_assert(isfinite(y));
        if (scorers[s] != RS_SCORER_CONTENT) {
            ck_assert_int_eq(rs_model_copy_item_factors(m, 5555555, q, 8, &nq), RS_OK);
            for (size_t k = 0; k < nq; k++)
                ck_assert_float_eq(q[k], 0.0f);
        }
        rs_model_free(m);
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
}
END_TEST

START_TEST(test_coldstart_bad_feature_input)
{
    rs_dataset *train, *test;
    split_cold(RS_SIDE_ITEM, &train, &test);
    rs_model *unfitted;
    ck_assert_int_eq(rs_model_new(&unfitted, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_model_set_features(unfitted, RS_SIDE_ITEM, 1, NULL, NULL, 0), RS_ERR_STATE);
    rs_model_free(unfitted);

    rs_model *m = fit_quick(RS_SCORER_HYBRID, train);
    if (!m) {
        rs_dataset_free(train);
        rs_dataset_free(test);
        return;
    }
    size_t items = rs_model_num_items(m);
    int32_t nf = (int32_t)rs_model_num_features(m, RS_SIDE_ITEM);
    ck_assert_int_gt(nf, 0);
    int32_t out_of_range = nf, dup[2] = {1, 1}, neg = -1, ok = 0;
    float nan = NAN;
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, &out_of_range, NULL, 1), RS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "outside"));
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, &neg, NULL, 1), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, &ok, &nan, 1), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, dup, NULL, 2), RS_ERR_FORMAT);
    ck_assert_int_eq(rs_model_set_features(m, 7, 9, &ok, NULL, 1), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, NULL, NULL, 1), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(rs_model_num_items(m), items); /* unchanged by the failures */
    int32_t idx;
    ck_assert_int_eq(rs_model_feature_index(m, RS_SIDE_ITEM, "no such feature", &idx),
                     RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(idx, -1);
    /* Replacing the features of a known item changes its score. */
    float before, after;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &before), RS_OK);
    int32_t other[2] = {7, 9};
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 1000000, other, NULL, 2), RS_OK);
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &after), RS_OK);
    ck_assert_float_ne(before, after);
    ck_assert_uint_eq(rs_model_num_items(m), items);
    rs_model_free(m);

    /* The collaborative scorer has no features: ids only. */
    m = fit_quick(RS_SCORER_COLLABORATIVE, train);
    ck_assert_uint_eq(rs_model_num_features(m, RS_SIDE_ITEM), 0);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, &ok, NULL, 1), RS_ERR_RANGE);
    float fb, reg;
    ck_assert_int_eq(rs_predict(m, 1, 9, &fb), RS_FALLBACK);
    ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, 9, NULL, NULL, 0), RS_OK);
    ck_assert_int_eq(rs_predict(m, 1, 9, &reg), RS_OK);
    ck_assert_float_eq_tol(fb, reg, 1e-6f); /* same numbers as the fallback chain */
    rs_model_free(m);
    rs_dataset_free(train);
    rs_dataset_free(test);
}
END_TEST

/* ---- RS_PARAM_COLD_TASTE ---- */

enum { T_USERS = 300, T_ITEMS = 200, T_TAGS = 20, T_COLD_FROM = 170 };

/* Ratings whose response to an item's tags is each user's own: r = 3 + b_u +
 * the user's weights of the item's two tags (independent for every user and
 * tag, so 8 factors cannot carry them through the shared tag rows), plus
 * noise. Items from T_COLD_FROM on are new: their ratings go to test, and
 * train gets the features of the other items only. */
static void taste_data(rs_dataset **train, rs_dataset **test, rs_dataset **feats)
{
    ck_assert_int_eq(rs_dataset_new(train, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(test, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(feats, NULL, NULL), RS_OK);
    char name[16];
    for (int t = 0; t < T_TAGS; t++) {
        snprintf(name, sizeof name, "tag=%d", t);
        ck_assert_int_eq(rs_dataset_add_feature(*train, RS_SIDE_ITEM, name, NULL), RS_OK);
        ck_assert_int_eq(rs_dataset_add_feature(*feats, RS_SIDE_ITEM, name, NULL), RS_OK);
    }
    synth_rng rng = {77};
    static double W[T_USERS][T_TAGS], bu[T_USERS];
    for (int u = 0; u < T_USERS; u++) {
        bu[u] = 0.3 * synth_normal(&rng);
        for (int t = 0; t < T_TAGS; t++)
            W[u][t] = 0.6 * synth_normal(&rng);
    }
    for (int i = 0; i < T_ITEMS; i++) {
        int tags[2];
        synth_tags(i, tags);
        int32_t f[2] = {tags[0], tags[1]};
        ck_assert_int_eq(rs_dataset_set_features(*feats, RS_SIDE_ITEM, 1000000 + i, f, NULL, 2), RS_OK);
        if (i < T_COLD_FROM)
            ck_assert_int_eq(rs_dataset_set_features(*train, RS_SIDE_ITEM, 1000000 + i, f, NULL, 2),
                             RS_OK);
        for (int u = 0; u < T_USERS; u++) {
            if (synth_uniform(&rng) >= 0.5)
                continue;
            double r = 3.0 + bu[u] + W[u][tags[0]] + W[u][tags[1]] + 0.2 * synth_normal(&rng);
            ck_assert_int_eq(rs_dataset_add_rating(i < T_COLD_FROM ? *train : *test, u + 1,
                                                   1000000 + i, (float)r, 1.0f),
                             RS_OK);
        }
    }
}

static rs_model *fit_taste(int32_t scorer, const rs_dataset *train, int64_t taste)
{
    rs_model *m;
    rs_status st = rs_model_new(&m, scorer, NULL, NULL);
    if (st == RS_ERR_NOT_BUILT)
        return NULL;
    ck_assert_int_eq(st, RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_TASTE, taste), RS_OK);
    rs_model_set_int(m, RS_PARAM_FACTORS, 8);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 30);
    ck_assert_int_eq(rs_fit(m, train, NULL), RS_OK);
    return m;
}

static void register_from(rs_model *m, const rs_dataset *feats, const rs_dataset *test)
{
    for (size_t j = 0; j < rs_dataset_num_ratings(test); j++) {
        int64_t u, i;
        rs_dataset_get_rating(test, j, &u, &i, NULL, NULL);
        int32_t f[4];
        float v[4];
        size_t nf;
        ck_assert_int_eq(rs_dataset_get_features(feats, RS_SIDE_ITEM, i, f, v, 4, &nf), RS_OK);
        ck_assert_int_eq(rs_model_set_features(m, RS_SIDE_ITEM, i, f, v, nf), RS_OK);
    }
}

/* Each user's taste for item features, fitted in closed form, scores new
 * items far better when that taste is the user's own; trained pairs score
 * exactly as without it; the tastes survive a save and a load bit for bit. */
START_TEST(test_coldstart_tastes_score_new_items_and_leave_trained_pairs)
{
    static const int32_t scorers[] = {RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    rs_dataset *train, *test, *feats;
    taste_data(&train, &test, &feats);
    rs_model *off = fit_taste(scorers[_i], train, 0);
    if (!off) {
        rs_dataset_free(train), rs_dataset_free(test), rs_dataset_free(feats);
        return;
    }
    rs_model *on = fit_taste(scorers[_i], train, 1);
    for (size_t j = 0; j < rs_dataset_num_ratings(train); j++) {
        int64_t u, i;
        float a, b;
        rs_dataset_get_rating(train, j, &u, &i, NULL, NULL);
        ck_assert_int_eq(rs_predict(off, u, i, &a), RS_OK);
        ck_assert_int_eq(rs_predict(on, u, i, &b), RS_OK);
        ck_assert_msg(a == b, "trained pair (%lld, %lld): %g without tastes, %g with",
                      (long long)u, (long long)i, a, b);
    }
    register_from(off, feats, test);
    register_from(on, feats, test);
    double without = rmse(off, test, RS_OK), with = rmse(on, test, RS_OK);
    ck_assert_msg(with <= 0.7 * without, "scorer %d: new items RMSE %.4f with tastes, %.4f without",
                  (int)scorers[_i], with, without);
    /* Saved and loaded: the same bytes, the same scores for new items. */
    size_t cap = 8u << 20, n1 = 0, n2 = 0;
    unsigned char *b1 = malloc(cap), *b2 = malloc(cap);
    ck_assert_ptr_nonnull(b1);
    ck_assert_ptr_nonnull(b2);
    ck_assert_int_eq(rs_model_save_buffer(on, b1, cap, &n1, NULL, 0), RS_OK);
    rs_model *back;
    ck_assert_int_eq(rs_model_load_buffer(&back, b1, n1, NULL, NULL, NULL, 0), RS_OK);
    ck_assert_int_eq(rs_model_save_buffer(back, b2, cap, &n2, NULL, 0), RS_OK);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);
    ck_assert_double_eq(rmse(back, test, RS_OK), with);
    /* A model without tastes has two blocks fewer and loads as well. */
    ck_assert_int_eq(rs_model_save_buffer(off, b1, cap, &n1, NULL, 0), RS_OK);
    ck_assert_uint_lt(n1, n2);
    rs_model_free(back);
    ck_assert_int_eq(rs_model_load_buffer(&back, b1, n1, NULL, NULL, NULL, 0), RS_OK);
    ck_assert_double_eq(rmse(back, test, RS_OK), without);
    rs_model_free(back);
    free(b1);
    free(b2);
    rs_model_free(off);
    rs_model_free(on);
    rs_dataset_free(train);
    rs_dataset_free(test);
    rs_dataset_free(feats);
}
END_TEST

static Suite *coldstart_suite(void)
{
    Suite *s = suite_create("check_api_coldstart");
    /* The accuracy comparisons train six models: "slow", skipped by the
     * valgrind pass of CI (CK_EXCLUDE_TAGS=slow), run everywhere else. */
    TCase *acc = tcase_create("accuracy");
    tcase_set_tags(acc, "slow");
    tcase_add_unchecked_fixture(acc, make_all, free_all);
    tcase_set_timeout(acc, 300);
    tcase_add_test(acc, test_coldstart_new_items_scored_from_features);
    tcase_add_test(acc, test_coldstart_new_users_scored_from_features);
    tcase_add_test(acc, test_coldstart_refit_keeps_trained_scores_items);
    tcase_add_test(acc, test_coldstart_refit_keeps_trained_scores_users);
    tcase_add_loop_test(acc, test_coldstart_tastes_score_new_items_and_leave_trained_pairs, 0, 2);
    suite_add_tcase(s, acc);
    TCase *tc = tcase_create("coldstart");
    tcase_add_unchecked_fixture(tc, make_all, free_all);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_coldstart_new_user_gets_recommendations);
    tcase_add_test(tc, test_coldstart_features_for_id_without_ratings);
    tcase_add_test(tc, test_coldstart_bad_feature_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(coldstart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
