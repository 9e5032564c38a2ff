/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_dataset.c: rs_dataset lifecycle, parameters, ratings, id
 * mapping, features, standardisation and splits through the public API. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "testutil.h"

static rs_dataset *new_ds(void)
{
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_ptr_nonnull(ds);
    return ds;
}

/* users 0..nu-1, each rating k items (ids 1000+j), rating 1 + (u + j) % 5 */
static rs_dataset *grid(int nu, int k)
{
    rs_dataset *ds = new_ds();
    for (int u = 0; u < nu; u++)
        for (int j = 0; j < k; j++)
            ck_assert_int_eq(rs_dataset_add_rating(ds, u, 1000 + (u * 7 + j) % 50,
                                                   (float)(1 + (u + j) % 5), 1.0f),
                             RS_OK);
    return ds;
}

/* ---- lifecycle ---- */

START_TEST(test_dataset_new_free)
{
    ck_assert_int_eq(rs_dataset_new(NULL, NULL, NULL), RS_ERR_INVALID_ARG);
    rs_dataset *ds = new_ds();
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 0);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 0);
    ck_assert_str_eq(rs_dataset_last_error(ds), "");
    ck_assert_uint_eq(rs_dataset_num_ratings(NULL), 0);
    ck_assert_ptr_nonnull(rs_dataset_last_error(NULL));
    rs_dataset_free(ds);
    rs_dataset_free(NULL);
}
END_TEST

/* ---- parameters ---- */

START_TEST(test_dataset_params_defaults_and_roundtrip)
{
    rs_dataset *ds = new_ds();
    double d;
    int64_t v;
    ck_assert_int_eq(rs_dataset_get_double(ds, RS_PARAM_RATING_MIN, &d), RS_OK);
    ck_assert(d == -1e6);
    ck_assert_int_eq(rs_dataset_get_double(ds, RS_PARAM_RATING_MAX, &d), RS_OK);
    ck_assert(d == 1e6);
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_CSV_DELIMITER, &v), RS_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_CSV_USER_COL, &v), RS_OK);
    ck_assert_int_eq(v, -1);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 5.0), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 0.5), RS_OK);
    ck_assert_int_eq(rs_dataset_get_double(ds, RS_PARAM_RATING_MIN, &d), RS_OK);
    ck_assert(d == 0.5);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_ITEM_COL, 3), RS_OK);
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_CSV_ITEM_COL, &v), RS_OK);
    ck_assert_int_eq(v, 3);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_params_bounds_and_types)
{
    rs_dataset *ds = new_ds();
    double d;
    int64_t v;
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_RATING_MIN, 1), RS_ERR_PARAM_TYPE);
    ck_assert_str_ne(rs_dataset_last_error(ds), "");
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_CSV_DELIMITER, 9.0), RS_ERR_PARAM_TYPE);
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_RATING_MAX, &v), RS_ERR_PARAM_TYPE);
    ck_assert_int_eq(rs_dataset_get_double(ds, RS_PARAM_CSV_USER_COL, &d), RS_ERR_PARAM_TYPE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_USER_COL, 1024), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_USER_COL, -2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, 0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, '"'), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, '\n'), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, NAN), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, INFINITY), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 1e31), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 2.0), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 3.0), RS_ERR_RANGE);
    /* Unknown to the dataset: a model parameter and a made-up one. */
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_FACTORS, 8), RS_ERR_UNKNOWN_PARAM);
    ck_assert_int_eq(rs_dataset_set_int(ds, 4242, 8), RS_ERR_UNKNOWN_PARAM);
    ck_assert_int_eq(rs_dataset_get_int(ds, 4242, &v), RS_ERR_UNKNOWN_PARAM);
    ck_assert_int_eq(rs_dataset_set_int(NULL, RS_PARAM_CSV_USER_COL, 1), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_CSV_USER_COL, NULL), RS_ERR_INVALID_ARG);
    /* Failed setters left the values alone; a good call clears the message. */
    ck_assert_int_eq(rs_dataset_get_int(ds, RS_PARAM_CSV_DELIMITER, &v), RS_OK);
    ck_assert_int_eq(v, ',');
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, '\t'), RS_OK);
    ck_assert_str_eq(rs_dataset_last_error(ds), "");
    rs_dataset_free(ds);
}
END_TEST

/* ---- ratings ---- */

START_TEST(test_dataset_add_rating_validation)
{
    rs_dataset *ds = new_ds();
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, 1.0), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 5.0), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 3.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, NAN, 1.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, INFINITY, 1.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 5.5f, 1.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 0.5f, 1.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 3.0f, 0.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 3.0f, -1.0f), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 9, 9, 3.0f, NAN), RS_ERR_RANGE);
    ck_assert_str_ne(rs_dataset_last_error(ds), "");
    ck_assert_int_eq(rs_dataset_add_rating(NULL, 1, 2, 3.0f, 1.0f), RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 1);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 3, 5.0f, 2.5f), RS_OK);
    float w;
    ck_assert_int_eq(rs_dataset_get_rating(ds, 0, NULL, NULL, NULL, &w), RS_OK);
    ck_assert(w == 1.0f);
    ck_assert_int_eq(rs_dataset_get_rating(ds, 1, NULL, NULL, NULL, &w), RS_OK);
    ck_assert(w == 2.5f);
    ck_assert_int_eq(rs_dataset_get_rating(ds, 2, NULL, NULL, NULL, &w), RS_ERR_RANGE);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_add_ratings_all_or_nothing)
{
    rs_dataset *ds = new_ds();
    int64_t users[3] = {1, 2, 3}, items[3] = {10, 20, 30};
    float ratings[3] = {1, 2, NAN}, weights[3] = {1, 2, 3};
    ck_assert_int_eq(rs_dataset_add_ratings(ds, users, items, ratings, weights, 3), RS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "entry 2"));
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 0);
    ratings[2] = 3;
    ck_assert_int_eq(rs_dataset_add_ratings(ds, users, items, ratings, NULL, 3), RS_OK);
    ck_assert_int_eq(rs_dataset_add_ratings(ds, users, items, ratings, NULL, 0), RS_OK);
    ck_assert_int_eq(rs_dataset_add_ratings(ds, NULL, items, ratings, NULL, 2),
                     RS_ERR_INVALID_ARG);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 3);
    int64_t u, i;
    float r, w;
    ck_assert_int_eq(rs_dataset_get_rating(ds, 2, &u, &i, &r, &w), RS_OK);
    ck_assert(u == 3 && i == 30 && r == 3.0f && w == 1.0f);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_id_mapping_roundtrip)
{
    rs_dataset *ds = new_ds();
    int64_t ids[] = {INT64_MIN, -5, 0, 7, 123456789012345, INT64_MAX};
    for (int k = 0; k < 6; k++)
        ck_assert_int_eq(rs_dataset_add_rating(ds, ids[k], ids[5 - k], 1.0f, 1.0f), RS_OK);
    for (int k = 0; k < 6; k++) {
        int32_t idx;
        int64_t back;
        ck_assert_int_eq(rs_dataset_id_to_index(ds, RS_SIDE_USER, ids[k], &idx), RS_OK);
        ck_assert_int_eq(idx, k); /* order of first appearance */
        ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, idx, &back), RS_OK);
        ck_assert(back == ids[k]);
        ck_assert_int_eq(rs_dataset_id_to_index(ds, RS_SIDE_ITEM, ids[5 - k], &idx), RS_OK);
        ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_ITEM, idx, &back), RS_OK);
        ck_assert(back == ids[5 - k]);
    }
    int32_t idx;
    int64_t id;
    ck_assert_int_eq(rs_dataset_id_to_index(ds, RS_SIDE_USER, 8, &idx), RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_dataset_id_to_index(ds, 7, 0, &idx), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, 6, &id), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, -1, &id), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, 0, NULL), RS_ERR_INVALID_ARG);
    /* Many ids: every one maps back. */
    for (int64_t k = 0; k < 5000; k++)
        ck_assert_int_eq(rs_dataset_add_rating(ds, k * 7919, k, 1.0f, 1.0f), RS_OK);
    for (int64_t k = 0; k < 5000; k++) {
        ck_assert_int_eq(rs_dataset_id_to_index(ds, RS_SIDE_USER, k * 7919, &idx), RS_OK);
        ck_assert_int_eq(rs_dataset_index_to_id(ds, RS_SIDE_USER, idx, &id), RS_OK);
        ck_assert(id == k * 7919);
    }
    rs_dataset_free(ds);
}
END_TEST

/* ---- features ---- */

START_TEST(test_dataset_features_declare_set_get)
{
    rs_dataset *ds = new_ds();
    int32_t a, b, again;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "genre=Drama", &a), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "year", &b), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "genre=Drama", &again), RS_OK);
    ck_assert_int_eq(a, 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(again, a);
    ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_ITEM), 2);
    ck_assert_uint_eq(rs_dataset_num_features(ds, RS_SIDE_USER), 0);
    ck_assert_uint_eq(rs_dataset_num_features(ds, 5), 0);
    ck_assert_str_eq(rs_dataset_feature_name(ds, RS_SIDE_ITEM, 1), "year");
    ck_assert_ptr_null(rs_dataset_feature_name(ds, RS_SIDE_ITEM, 2));
    ck_assert_ptr_null(rs_dataset_feature_name(ds, RS_SIDE_ITEM, -1));
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "", NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, NULL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_add_feature(ds, 3, "x", NULL), RS_ERR_INVALID_ARG);

    int32_t cols[2] = {b, a};
    float vals[2] = {1995.0f, 1.0f};
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, 42, cols, vals, 2), RS_OK);
    /* An id with features and no ratings is added to the id map. */
    ck_assert_uint_eq(rs_dataset_num_items(ds), 1);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    int32_t gc[4];
    float gv[4];
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 42, gc, gv, 4, &n), RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(gc[0] == b && gv[0] == 1995.0f && gc[1] == a && gv[1] == 1.0f);
    /* Capacity smaller than the row: n_out is the full length. */
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 42, gc, gv, 1, &n), RS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 43, gc, gv, 4, &n),
                     RS_ERR_UNKNOWN_ID);
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 42, NULL, NULL, 4, &n),
                     RS_ERR_INVALID_ARG);
    /* Replace with NULL values (all 1), then clear. */
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, 42, &b, NULL, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 42, gc, gv, 4, &n), RS_OK);
    ck_assert(n == 1 && gc[0] == b && gv[0] == 1.0f);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, 42, NULL, NULL, 0), RS_OK);
    ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, 42, gc, gv, 4, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    /* Ratings for an id that has features share its index. */
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 42, 4.0f, 1.0f), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_items(ds), 1);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_features_errors)
{
    rs_dataset *ds = new_ds();
    int32_t a, b;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_USER, "a", &a), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_USER, "b", &b), RS_OK);
    int32_t dup[2] = {a, a}, out_of_range[2] = {a, 2}, negative[1] = {-1};
    float vals[2] = {1.0f, 2.0f}, bad[2] = {1.0f, NAN};
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, dup, vals, 2), RS_ERR_FORMAT);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, out_of_range, vals, 2),
                     RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, negative, vals, 1),
                     RS_ERR_RANGE);
    int32_t ok[2] = {a, b};
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, ok, bad, 2), RS_ERR_RANGE);
    bad[1] = INFINITY;
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, ok, bad, 2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 5, NULL, vals, 2),
                     RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_set_features(ds, 9, 5, ok, vals, 2), RS_ERR_INVALID_ARG);
    /* None of the failures added the id. */
    ck_assert_uint_eq(rs_dataset_num_users(ds), 0);
    /* Long rows take the sorted duplicate check. */
    int32_t many[100];
    for (int k = 0; k < 100; k++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", k);
        ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_USER, name, &many[k]), RS_OK);
    }
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 6, many, NULL, 100), RS_OK);
    many[99] = many[3];
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 7, many, NULL, 100),
                     RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_users(ds), 1);
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_features_replace_many_times)
{
    /* Replaced rows leave dead slices; compaction must keep every row right. */
    rs_dataset *ds = new_ds();
    int32_t f[3];
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "x", &f[0]), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "y", &f[1]), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "z", &f[2]), RS_OK);
    for (int round = 0; round < 2000; round++) {
        float v[3] = {(float)round, (float)(round + 1), (float)(round + 2)};
        ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, round % 7, f, v, 3), RS_OK);
    }
    for (int id = 0; id < 7; id++) {
        int32_t c[3];
        float v[3];
        size_t n;
        ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, id, c, v, 3, &n), RS_OK);
        int last = 1999 - ((1999 - id) % 7);
        ck_assert(n == 3 && v[0] == (float)last && v[2] == (float)(last + 2));
    }
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_dataset_standardize)
{
    rs_dataset *ds = new_ds();
    int32_t year, flag;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "year", &year), RS_OK);
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_ITEM, "flag", &flag), RS_OK);
    float years[4] = {1990, 1995, 2000, 2005};
    for (int k = 0; k < 4; k++) {
        int32_t c[2] = {year, flag};
        float v[2] = {years[k], 1.0f};
        ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_ITEM, k, c, v, k % 2 ? 2 : 1),
                         RS_OK);
    }
    ck_assert_int_eq(rs_dataset_standardize_features(ds, RS_SIDE_ITEM), RS_OK);
    double sum = 0, sq = 0;
    for (int k = 0; k < 4; k++) {
        int32_t c[2];
        float v[2];
        size_t n;
        ck_assert_int_eq(rs_dataset_get_features(ds, RS_SIDE_ITEM, k, c, v, 2, &n), RS_OK);
        ck_assert_int_eq(c[0], year);
        sum += v[0];
        sq += (double)v[0] * v[0];
        if (n == 2)
            ck_assert(v[1] == 1.0f); /* constant feature left alone */
    }
    ck_assert_double_eq_tol(sum / 4, 0.0, 1e-6);
    ck_assert_double_eq_tol(sq / 4, 1.0, 1e-5);
    ck_assert_int_eq(rs_dataset_standardize_features(ds, 4), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_standardize_features(ds, RS_SIDE_USER), RS_OK);
    rs_dataset_free(ds);
}
END_TEST

/* ---- splits ---- */

static int same_ratings(const rs_dataset *a, const rs_dataset *b)
{
    if (rs_dataset_num_ratings(a) != rs_dataset_num_ratings(b))
        return 0;
    for (size_t k = 0; k < rs_dataset_num_ratings(a); k++) {
        int64_t u1, i1, u2, i2;
        float r1, r2;
        rs_dataset_get_rating(a, k, &u1, &i1, &r1, NULL);
        rs_dataset_get_rating(b, k, &u2, &i2, &r2, NULL);
        if (u1 != u2 || i1 != i2 || r1 != r2)
            return 0;
    }
    return 1;
}

/* Every (user, item) pair of src appears exactly once across train and test. */
static void check_partition(const rs_dataset *src, const rs_dataset *tr, const rs_dataset *te)
{
    size_t n = rs_dataset_num_ratings(src);
    ck_assert_uint_eq(rs_dataset_num_ratings(tr) + rs_dataset_num_ratings(te), n);
    char *seen = calloc(n, 1);
    const rs_dataset *parts[2] = {tr, te};
    for (int p = 0; p < 2; p++)
        for (size_t k = 0; k < rs_dataset_num_ratings(parts[p]); k++) {
            int64_t u, i;
            float r;
            rs_dataset_get_rating(parts[p], k, &u, &i, &r, NULL);
            /* grid(): pairs are unique, so find the source position. */
            size_t found = n;
            for (size_t s = 0; s < n && found == n; s++) {
                int64_t su, si;
                rs_dataset_get_rating(src, s, &su, &si, NULL, NULL);
                if (su == u && si == i && !seen[s])
                    found = s;
            }
            ck_assert_uint_lt(found, n);
            seen[found] = 1;
        }
    free(seen);
}

START_TEST(test_dataset_split_random)
{
    rs_dataset *src = grid(40, 10);
    int32_t f;
    ck_assert_int_eq(rs_dataset_add_feature(src, RS_SIDE_USER, "vip", &f), RS_OK);
    ck_assert_int_eq(rs_dataset_set_features(src, RS_SIDE_USER, 3, &f, NULL, 1), RS_OK);
    ck_assert_int_eq(rs_dataset_set_double(src, RS_PARAM_RATING_MAX, 5.0), RS_OK);
    rs_dataset *tr, *te, *tr2, *te2, *tr3, *te3;
    ck_assert_int_eq(rs_dataset_split_random(src, 0.25, 7, &tr, &te), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(te), 100);
    ck_assert_uint_eq(rs_dataset_num_ratings(tr), 300);
    check_partition(src, tr, te);
    /* Same seed, same split; another seed, another split. */
    ck_assert_int_eq(rs_dataset_split_random(src, 0.25, 7, &tr2, &te2), RS_OK);
    ck_assert(same_ratings(te, te2) && same_ratings(tr, tr2));
    ck_assert_int_eq(rs_dataset_split_random(src, 0.25, 8, &tr3, &te3), RS_OK);
    ck_assert(!same_ratings(te, te3));
    /* Outputs carry parameters, ids and features. */
    double d;
    ck_assert_int_eq(rs_dataset_get_double(te, RS_PARAM_RATING_MAX, &d), RS_OK);
    ck_assert(d == 5.0);
    ck_assert_uint_eq(rs_dataset_num_features(te, RS_SIDE_USER), 1);
    int32_t c;
    float v;
    size_t n;
    ck_assert_int_eq(rs_dataset_get_features(tr, RS_SIDE_USER, 3, &c, &v, 1, &n), RS_OK);
    ck_assert(n == 1 && c == f && v == 1.0f);
    int32_t i_src, i_te;
    ck_assert_int_eq(rs_dataset_id_to_index(src, RS_SIDE_ITEM, 1010, &i_src), RS_OK);
    ck_assert_int_eq(rs_dataset_id_to_index(te, RS_SIDE_ITEM, 1010, &i_te), RS_OK);
    ck_assert_int_eq(i_src, i_te);
    ck_assert_uint_eq(rs_dataset_num_ratings(src), 400);
    rs_dataset_free(tr);
    rs_dataset_free(te);
    rs_dataset_free(tr2);
    rs_dataset_free(te2);
    rs_dataset_free(tr3);
    rs_dataset_free(te3);
    /* Edges: 0 and 1, bad fraction, bad pointers. */
    ck_assert_int_eq(rs_dataset_split_random(src, 0.0, 1, &tr, &te), RS_OK);
    ck_assert(rs_dataset_num_ratings(te) == 0 && rs_dataset_num_ratings(tr) == 400);
    rs_dataset_free(tr);
    rs_dataset_free(te);
    ck_assert_int_eq(rs_dataset_split_random(src, 1.0, 1, &tr, &te), RS_OK);
    ck_assert(rs_dataset_num_ratings(te) == 400 && rs_dataset_num_ratings(tr) == 0);
    rs_dataset_free(tr);
    rs_dataset_free(te);
    ck_assert_int_eq(rs_dataset_split_random(src, 1.5, 1, &tr, &te), RS_ERR_RANGE);
    ck_assert(tr == NULL && te == NULL);
    ck_assert_int_eq(rs_dataset_split_random(src, NAN, 1, &tr, &te), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_split_random(src, 0.5, 1, NULL, &te), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_split_random(NULL, 0.5, 1, &tr, &te), RS_ERR_INVALID_ARG);
    rs_dataset_free(src);
}
END_TEST

START_TEST(test_dataset_split_holdout)
{
    rs_dataset *src = grid(30, 6);
    /* Two users with few ratings keep them all. */
    ck_assert_int_eq(rs_dataset_add_rating(src, 500, 1000, 3.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(src, 501, 1000, 3.0f, 1.0f), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(src, 501, 1001, 3.0f, 1.0f), RS_OK);
    rs_dataset *tr, *te, *tr2, *te2;
    ck_assert_int_eq(rs_dataset_split_holdout(src, 2, 11, &tr, &te), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(te), 60);
    ck_assert_uint_eq(rs_dataset_num_ratings(tr), 180 + 3 - 60);
    check_partition(src, tr, te);
    /* Exactly 2 per user with > 2 ratings, none for the others. */
    int per_user[600] = {0};
    for (size_t k = 0; k < rs_dataset_num_ratings(te); k++) {
        int64_t u;
        rs_dataset_get_rating(te, k, &u, NULL, NULL, NULL);
        per_user[u]++;
    }
    for (int u = 0; u < 30; u++)
        ck_assert_int_eq(per_user[u], 2);
    ck_assert_int_eq(per_user[500] + per_user[501], 0);
    ck_assert_int_eq(rs_dataset_split_holdout(src, 2, 11, &tr2, &te2), RS_OK);
    ck_assert(same_ratings(te, te2) && same_ratings(tr, tr2));
    rs_dataset_free(tr);
    rs_dataset_free(te);
    rs_dataset_free(tr2);
    rs_dataset_free(te2);
    ck_assert_int_eq(rs_dataset_split_holdout(src, 0, 11, &tr, &te), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(te), 0);
    rs_dataset_free(tr);
    rs_dataset_free(te);
    ck_assert_int_eq(rs_dataset_split_holdout(src, 1, 1, NULL, NULL), RS_ERR_INVALID_ARG);
    rs_dataset_free(src);
}
END_TEST

START_TEST(test_dataset_split_keeps_weights)
{
    rs_dataset *src = new_ds();
    for (int k = 0; k < 20; k++)
        ck_assert_int_eq(rs_dataset_add_rating(src, k % 4, k, 2.0f, 0.5f + (float)k), RS_OK);
    rs_dataset *tr, *te;
    ck_assert_int_eq(rs_dataset_split_random(src, 0.5, 2, &tr, &te), RS_OK);
    for (size_t k = 0; k < rs_dataset_num_ratings(te); k++) {
        int64_t i;
        float w;
        rs_dataset_get_rating(te, k, NULL, &i, NULL, &w);
        ck_assert(w == 0.5f + (float)i);
    }
    rs_dataset_free(tr);
    rs_dataset_free(te);
    rs_dataset_free(src);
}
END_TEST

/* ---- allocator hook ---- */

START_TEST(test_dataset_alloc_counting)
{
    tu_alloc t;
    memset(&t, 0, sizeof t);
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, tu_alloc_fn, &t), RS_OK);
    for (int k = 0; k < 1000; k++)
        ck_assert_int_eq(rs_dataset_add_rating(ds, k % 37, k % 101, 1.0f, k % 3 ? 1.0f : 2.0f),
                         RS_OK);
    int32_t f;
    ck_assert_int_eq(rs_dataset_add_feature(ds, RS_SIDE_USER, "x", &f), RS_OK);
    ck_assert_int_eq(rs_dataset_set_features(ds, RS_SIDE_USER, 1, &f, NULL, 1), RS_OK);
    ck_assert_uint_gt(t.live, 0);
    rs_dataset_free(ds);
    ck_assert_uint_eq(t.allocs, t.frees);
    ck_assert_uint_eq(t.live_bytes, 0);
    ck_assert_uint_eq(t.bad_osize, 0);
}
END_TEST

START_TEST(test_dataset_alloc_fail_every_step)
{
    for (size_t k = 1; k < 200; k++) {
        tu_alloc t;
        memset(&t, 0, sizeof t);
        t.fail_at = k;
        rs_dataset *ds = NULL;
        rs_status st = rs_dataset_new(&ds, tu_alloc_fn, &t);
        if (st == RS_OK) {
            size_t added = 0;
            for (int j = 0; j < 300; j++) {
                st = rs_dataset_add_rating(ds, j % 13, j, 1.0f, j == 150 ? 3.0f : 1.0f);
                if (st != RS_OK)
                    break;
                added++;
            }
            ck_assert(st == RS_OK || st == RS_ERR_NOMEM);
            ck_assert_uint_eq(rs_dataset_num_ratings(ds), added);
            int32_t f;
            st = rs_dataset_add_feature(ds, RS_SIDE_ITEM, "feat", &f);
            if (st == RS_OK)
                st = rs_dataset_set_features(ds, RS_SIDE_ITEM, 9999, &f, NULL, 1);
            ck_assert(st == RS_OK || st == RS_ERR_NOMEM);
            if (st != RS_OK)
                ck_assert_uint_eq(rs_dataset_num_items(ds), added < 300 ? added : 300);
        } else {
            ck_assert_int_eq(st, RS_ERR_NOMEM);
            ck_assert_ptr_null(ds);
        }
        rs_dataset_free(ds);
        ck_assert_uint_eq(t.live, 0);
        ck_assert_uint_eq(t.bad_osize, 0);
    }
}
END_TEST

static Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dataset_new_free);
    tcase_add_test(tc, test_dataset_params_defaults_and_roundtrip);
    tcase_add_test(tc, test_dataset_params_bounds_and_types);
    tcase_add_test(tc, test_dataset_add_rating_validation);
    tcase_add_test(tc, test_dataset_add_ratings_all_or_nothing);
    tcase_add_test(tc, test_dataset_id_mapping_roundtrip);
    tcase_add_test(tc, test_dataset_features_declare_set_get);
    tcase_add_test(tc, test_dataset_features_errors);
    tcase_add_test(tc, test_dataset_features_replace_many_times);
    tcase_add_test(tc, test_dataset_standardize);
    tcase_add_test(tc, test_dataset_split_random);
    tcase_add_test(tc, test_dataset_split_holdout);
    tcase_add_test(tc, test_dataset_split_keeps_weights);
    tcase_add_test(tc, test_dataset_alloc_counting);
    tcase_add_test(tc, test_dataset_alloc_fail_every_step);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dataset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
