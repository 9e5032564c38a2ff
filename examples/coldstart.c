/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * coldstart.c: recommend for a user and an item the model has never seen,
 * from their features alone.
 *
 *   1. load data/sample: ratings plus user and item features;
 *   2. train a hybrid model (id factors plus feature factors) on 90% of the
 *      ratings and report its RMSE on the other 10%;
 *   3. a brand-new user arrives with only a profile (age bucket, gender,
 *      occupation): before registration the model can only fall back to the
 *      global mean and item biases (RS_FALLBACK); after
 *      rs_model_set_features() it scores the user from the features;
 *   4. a brand-new item arrives with genres and a decade: register it the
 *      same way, predict it for a few users and list its nearest items.
 *
 * Usage: coldstart [DATA_DIR]   (default: data/sample)
 */
#include <librecsgd/recsgd.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TOPK 10
#define NEW_USER 5001 /* ids the training data does not contain */
#define NEW_ITEM 9001

static int ok(rs_status st, const char *what, const char *detail)
{
    if (st == RS_OK)
        return 1;
    fprintf(stderr, "coldstart: %s failed: %s", what, rs_status_string(st));
    if (detail && detail[0])
        fprintf(stderr, " (%s)", detail);
    fprintf(stderr, "\n");
    return 0;
}

/* Feature names -> the model's feature indices (the model keeps the names of
 * the dataset it was trained on; rs_model_set_features takes indices). */
static int feature_indices(const rs_model *m, int32_t side, const char *const *names, size_t n,
                           int32_t *idx)
{
    for (size_t k = 0; k < n; k++)
        if (!ok(rs_model_feature_index(m, side, names[k], &idx[k]), "rs_model_feature_index",
                names[k]))
            return 0;
    return 1;
}

static rs_status test_rmse(const rs_model *m, const rs_dataset *test, double *rmse)
{
    size_t n = rs_dataset_num_ratings(test);
    double sse = 0.0;
    for (size_t k = 0; k < n; k++) {
        int64_t u, i;
        float r, y;
        rs_status st = rs_dataset_get_rating(test, k, &u, &i, &r, NULL);
        if (st == RS_OK)
            st = rs_predict(m, u, i, &y);
        if (st != RS_OK && st != RS_FALLBACK)
            return st;
        sse += ((double)y - r) * ((double)y - r);
    }
    *rmse = n ? sqrt(sse / (double)n) : 0.0;
    return RS_OK;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096];
    int code = EXIT_FAILURE;
    rs_dataset *all = NULL, *train = NULL, *test = NULL;
    rs_model *m = NULL;

    /* 1. data: ratings, then the feature rows of both sides. Standardising
     * turns the real-valued features (tenure_years, runtime_hours) into
     * z-scores and leaves the 0/1 indicator features alone. */
    if (!ok(rs_dataset_new(&all, NULL, NULL), "rs_dataset_new", NULL))
        goto out;
    snprintf(path, sizeof path, "%s/ratings.tsv", dir);
    rs_status st = rs_dataset_load_file(all, path, RS_FORMAT_MOVIELENS);
    if (st == RS_ERR_NOT_BUILT) {
        printf("skipped: built without the file conveniences (--disable-stdio)\n");
        code = EXIT_SUCCESS;
        goto out;
    }
    if (!ok(st, path, rs_dataset_last_error(all)))
        goto out;
    snprintf(path, sizeof path, "%s/user_features.txt", dir);
    if (!ok(rs_dataset_load_features_file(all, RS_SIDE_USER, path, RS_FEATURES_SPARSE), path,
            rs_dataset_last_error(all)))
        goto out;
    snprintf(path, sizeof path, "%s/item_features.txt", dir);
    if (!ok(rs_dataset_load_features_file(all, RS_SIDE_ITEM, path, RS_FEATURES_SPARSE), path,
            rs_dataset_last_error(all)))
        goto out;
    if (!ok(rs_dataset_standardize_features(all, RS_SIDE_USER), "standardize", NULL) ||
        !ok(rs_dataset_standardize_features(all, RS_SIDE_ITEM), "standardize", NULL))
        goto out;
    printf("loaded %zu ratings, %zu users (%zu features), %zu items (%zu features)\n",
           rs_dataset_num_ratings(all), rs_dataset_num_users(all),
           rs_dataset_num_features(all, RS_SIDE_USER), rs_dataset_num_items(all),
           rs_dataset_num_features(all, RS_SIDE_ITEM));

    /* 2. a hybrid model; the splits copy the feature rows along. */
    if (!ok(rs_dataset_split_random(all, 0.1, 7, &train, &test), "rs_dataset_split_random", NULL))
        goto out;
    st = rs_model_new(&m, RS_SCORER_HYBRID, NULL, NULL);
    if (st == RS_ERR_NOT_BUILT) {
        printf("skipped: the hybrid scorer is compiled out (--disable-hybrid)\n");
        code = EXIT_SUCCESS;
        goto out;
    }
    if (!ok(st, "rs_model_new", NULL))
        goto out;
    if (!ok(rs_model_set_int(m, RS_PARAM_FACTORS, 16), "set factors", rs_model_last_error(m)) ||
        !ok(rs_model_set_int(m, RS_PARAM_EPOCHS, 40), "set epochs", rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.01), "set learning_rate",
            rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1), "set init_scale",
            rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.02), "set l2_factors",
            rs_model_last_error(m)) ||
        !ok(rs_model_set_double(m, RS_PARAM_L2_FEATURES, 0.01), "set l2_features",
            rs_model_last_error(m)))
        goto out;
    if (!ok(rs_fit(m, train, NULL), "rs_fit", rs_model_last_error(m)))
        goto out;
    double rmse = 0.0;
    if (!ok(test_rmse(m, test, &rmse), "scoring the test set", NULL))
        goto out;
    printf("hybrid model: %zu epochs, test RMSE %.4f on %zu ratings\n",
           rs_model_num_epoch_stats(m), rmse, rs_dataset_num_ratings(test));

    /* 3. a new user. Before registration: the fallback chain. */
    float before = 0.0f, after = 0.0f;
    st = rs_predict(m, NEW_USER, 1, &before);
    printf("\nnew user %d, item 1, before registration: %.3f (%s)\n", NEW_USER, (double)before,
           st == RS_FALLBACK ? "RS_FALLBACK: global mean + item bias" : rs_status_string(st));
    static const char *const user_profile[] = {"age_25_34", "gender_f", "occ_engineer"};
    int32_t uidx[3];
    if (!feature_indices(m, RS_SIDE_USER, user_profile, 3, uidx) ||
        !ok(rs_model_set_features(m, RS_SIDE_USER, NEW_USER, uidx, NULL, 3),
            "rs_model_set_features (user)", rs_model_last_error(m)))
        goto out;
    st = rs_predict(m, NEW_USER, 1, &after);
    printf("new user %d, item 1, after registration with %s %s %s: %.3f (%s)\n", NEW_USER,
           user_profile[0], user_profile[1], user_profile[2], (double)after, rs_status_string(st));

    int64_t items[TOPK];
    float scores[TOPK];
    size_t n = 0;
    if (!ok(rs_topk(m, NEW_USER, TOPK, 0, NULL, 0, NULL, 0, items, scores, &n), "rs_topk", NULL))
        goto out;
    printf("top-%d for new user %d:\n", TOPK, NEW_USER);
    for (size_t k = 0; k < n; k++)
        printf("  %2zu. item %4lld  predicted %.3f\n", k + 1, (long long)items[k],
               (double)scores[k]);

    /* 4. a new item with two genres and a decade. */
    static const char *const item_profile[] = {"genre_horror", "genre_thriller", "decade_2000s"};
    int32_t iidx[3];
    if (!feature_indices(m, RS_SIDE_ITEM, item_profile, 3, iidx) ||
        !ok(rs_model_set_features(m, RS_SIDE_ITEM, NEW_ITEM, iidx, NULL, 3),
            "rs_model_set_features (item)", rs_model_last_error(m)))
        goto out;
    printf("\nnew item %d (%s %s %s):\n", NEW_ITEM, item_profile[0], item_profile[1],
           item_profile[2]);
    for (int64_t u = 1; u <= 3; u++) {
        float y = 0.0f;
        st = rs_predict(m, u, NEW_ITEM, &y);
        if (!ok(st, "rs_predict", NULL))
            goto out;
        printf("  user %lld: predicted %.3f (%s)\n", (long long)u, (double)y, rs_status_string(st));
    }
    if (!ok(rs_similar_items(m, NEW_ITEM, 5, items, scores, &n), "rs_similar_items", NULL))
        goto out;
    printf("items most similar to new item %d:", NEW_ITEM);
    for (size_t k = 0; k < n; k++)
        printf(" %lld (%.2f)", (long long)items[k], (double)scores[k]);
    printf("\n");
    code = EXIT_SUCCESS;

out:
    rs_model_free(m);
    rs_dataset_free(test);
    rs_dataset_free(train);
    rs_dataset_free(all);
    return code;
}
