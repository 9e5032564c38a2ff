/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * quickstart.c: the main job in one file, using only <librecsgd/recsgd.h>.
 *
 *   1. load data/sample/ratings.tsv (MovieLens format) and the item features
 *      (only to label the recommendations);
 *   2. hold out 20% of the ratings as a test set, and 10% of the rest as a
 *      validation set for early stopping;
 *   3. fit a collaborative (biased matrix factorisation) model;
 *   4. print the held-out RMSE next to the global-mean baseline, and the
 *      top-10 recommendations of two users.
 *
 * Usage: quickstart [DATA_DIR]   (default: data/sample)
 * Build: cc $(pkg-config --cflags librecsgd) quickstart.c $(pkg-config --libs librecsgd) -lm
 */
#include <librecsgd/recsgd.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPK 10
#define FACTORS 16
#define EPOCHS 200

/* Print what failed and why; returns 0 so call sites read `if (!ok(...)) goto out;`. */
static int ok(rs_status st, const char *what, const char *detail)
{
    if (st == RS_OK)
        return 1;
    fprintf(stderr, "quickstart: %s failed: %s", what, rs_status_string(st));
    if (detail && detail[0])
        fprintf(stderr, " (%s)", detail);
    fprintf(stderr, "\n");
    return 0;
}

/* Progress callback: one line every 10 epochs (rs_fit calls it after each). */
static int32_t print_epoch(void *ud, const double *stats, size_t n_stats)
{
    (void)ud;
    if (n_stats > RS_STAT_VALID_RMSE && fmod(stats[RS_STAT_EPOCH], 10.0) == 0.0)
        printf("  epoch %3.0f  train RMSE %.4f  validation RMSE %.4f\n", stats[RS_STAT_EPOCH],
               stats[RS_STAT_TRAIN_RMSE], stats[RS_STAT_VALID_RMSE]);
    return 0;
}

/* RMSE of the model on every rating of test; *n_fallback counts ratings whose
 * user or item the model did not see in training (scored by the fallback chain). */
static rs_status test_rmse(const rs_model *model, const rs_dataset *test, double *rmse,
                           double *baseline_rmse, double train_mean, size_t *n_fallback)
{
    size_t n = rs_dataset_num_ratings(test);
    double sse = 0.0, sse_base = 0.0;
    *n_fallback = 0;
    for (size_t k = 0; k < n; k++) {
        int64_t user, item;
        float rating, score;
        rs_status st = rs_dataset_get_rating(test, k, &user, &item, &rating, NULL);
        if (st != RS_OK)
            return st;
        st = rs_predict(model, user, item, &score);
        if (st == RS_FALLBACK)
            ++*n_fallback;
        else if (st != RS_OK)
            return st;
        sse += ((double)score - rating) * ((double)score - rating);
        sse_base += (train_mean - rating) * (train_mean - rating);
    }
    *rmse = n ? sqrt(sse / (double)n) : 0.0;
    *baseline_rmse = n ? sqrt(sse_base / (double)n) : 0.0;
    return RS_OK;
}

static double mean_rating(const rs_dataset *ds)
{
    size_t n = rs_dataset_num_ratings(ds);
    double s = 0.0;
    for (size_t k = 0; k < n; k++) {
        float r = 0.0f;
        if (rs_dataset_get_rating(ds, k, NULL, NULL, &r, NULL) == RS_OK)
            s += r;
    }
    return n ? s / (double)n : 0.0;
}

/* "genre_drama genre_comedy decade_1990s": the item's feature names, if any. */
static void item_label(const rs_dataset *ds, int64_t item, char *buf, size_t cap)
{
    int32_t idx[16];
    float val[16];
    size_t n = 0, used = 0;
    buf[0] = '\0';
    if (rs_dataset_get_features(ds, RS_SIDE_ITEM, item, idx, val, 16, &n) != RS_OK)
        return;
    for (size_t k = 0; k < n && k < 16; k++) {
        const char *name = rs_dataset_feature_name(ds, RS_SIDE_ITEM, idx[k]);
        /* Real-valued features (runtime) are not labels. */
        if (!name || val[k] != 1.0f)
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s", used ? " " : "", name);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
}

static int show_topk(const rs_model *model, const rs_dataset *all, int64_t user)
{
    int64_t items[TOPK];
    float scores[TOPK];
    size_t n = 0;
    rs_status st = rs_topk(model, user, TOPK, 0, NULL, 0, NULL, 0, items, scores, &n);
    if (st != RS_OK && st != RS_FALLBACK)
        return ok(st, "rs_topk", NULL);
    printf("\nTop-%d for user %lld%s (items the user rated in training are excluded):\n", TOPK,
           (long long)user, st == RS_FALLBACK ? " (unknown user: popularity fallback)" : "");
    for (size_t k = 0; k < n; k++) {
        char label[256];
        item_label(all, items[k], label, sizeof label);
        /* rs_topk ranks by the raw score; rs_predict gives the rating the
         * model predicts, clamped to the range seen in training. */
        float rating = scores[k];
        rs_predict(model, user, items[k], &rating);
        printf("  %2zu. item %4lld  predicted %.2f  (score %.2f)  %s\n", k + 1, (long long)items[k],
               (double)rating, (double)scores[k], label);
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096];
    int exit_code = EXIT_FAILURE;
    rs_dataset *all = NULL, *rest = NULL, *test = NULL, *train = NULL, *valid = NULL;
    rs_model *model = NULL;

    printf("librecsgd %s (features:%s%s%s%s%s)\n", rs_version_string(),
           rs_build_features() & RS_FEATURE_THREADS ? " threads" : "",
           rs_build_features() & RS_FEATURE_CBLAS ? " cblas" : "",
           rs_build_features() & RS_FEATURE_CONTENT ? " content" : "",
           rs_build_features() & RS_FEATURE_HYBRID ? " hybrid" : "",
           rs_build_features() & RS_FEATURE_STDIO ? " stdio" : "");

    /* 1. data */
    if (!ok(rs_dataset_new(&all, NULL, NULL), "rs_dataset_new", NULL))
        goto out;
    snprintf(path, sizeof path, "%s/ratings.tsv", dir);
    if (!ok(rs_dataset_load_file(all, path, RS_FORMAT_MOVIELENS), "loading ratings",
            rs_dataset_last_error(all)))
        goto out;
    snprintf(path, sizeof path, "%s/item_features.txt", dir);
    if (!ok(rs_dataset_load_features_file(all, RS_SIDE_ITEM, path, RS_FEATURES_SPARSE),
            "loading item features", rs_dataset_last_error(all)))
        goto out;
    printf("loaded %zu ratings: %zu users, %zu items, %zu item features\n",
           rs_dataset_num_ratings(all), rs_dataset_num_users(all), rs_dataset_num_items(all),
           rs_dataset_num_features(all, RS_SIDE_ITEM));

    /* 2. splits: test (20%), then validation (10% of the rest) for early stopping */
    if (!ok(rs_dataset_split_random(all, 0.2, 1, &rest, &test), "splitting off the test set", NULL))
        goto out;
    if (!ok(rs_dataset_split_random(rest, 0.1, 2, &train, &valid), "splitting off validation", NULL))
        goto out;
    printf("split: %zu train, %zu validation, %zu test ratings\n", rs_dataset_num_ratings(train),
           rs_dataset_num_ratings(valid), rs_dataset_num_ratings(test));

    /* 3. model */
    if (!ok(rs_model_new(&model, RS_SCORER_COLLABORATIVE, NULL, NULL), "rs_model_new", NULL))
        goto out;
    if (!ok(rs_model_set_int(model, RS_PARAM_FACTORS, FACTORS), "set factors", rs_model_last_error(model)) ||
        !ok(rs_model_set_int(model, RS_PARAM_EPOCHS, EPOCHS), "set epochs", rs_model_last_error(model)) ||
        !ok(rs_model_set_int(model, RS_PARAM_PATIENCE, 5), "set patience", rs_model_last_error(model)) ||
        !ok(rs_model_set_double(model, RS_PARAM_LEARNING_RATE, 0.02), "set learning rate",
            rs_model_last_error(model)) ||
        !ok(rs_model_set_double(model, RS_PARAM_L2_FACTORS, 0.05), "set l2_factors",
            rs_model_last_error(model)) ||
        !ok(rs_model_set_progress_callback(model, print_epoch, NULL), "set progress callback", NULL))
        goto out;
    printf("fitting a collaborative model (%d factors, SGD, at most %d epochs, early stopping "
           "on validation):\n", FACTORS, EPOCHS);
    if (!ok(rs_fit(model, train, valid), "rs_fit", rs_model_last_error(model)))
        goto out;
    size_t n_epochs = rs_model_num_epoch_stats(model);
    double last[RS_STAT_COUNT_V0_1];
    size_t n_last = 0;
    if (n_epochs > 0 && rs_model_epoch_stats(model, n_epochs - 1, last, RS_STAT_COUNT_V0_1,
                                             &n_last) == RS_OK && n_last > RS_STAT_SECONDS)
        printf("  stopped after %zu epochs (%.2f s); validation RMSE of the last epoch %.4f\n",
               n_epochs, last[RS_STAT_SECONDS], last[RS_STAT_VALID_RMSE]);

    /* 4. results */
    double rmse = 0.0, base = 0.0;
    size_t n_fallback = 0;
    if (!ok(test_rmse(model, test, &rmse, &base, mean_rating(train), &n_fallback), "scoring the test set",
            NULL))
        goto out;
    printf("\nheld-out RMSE: %.4f on %zu test ratings (global-mean baseline %.4f; %zu scored by the "
           "cold-start fallback)\n",
           rmse, rs_dataset_num_ratings(test), base, n_fallback);

    if (!show_topk(model, all, 1) || !show_topk(model, all, 2))
        goto out;
    exit_code = EXIT_SUCCESS;

out:
    rs_model_free(model);
    rs_dataset_free(valid);
    rs_dataset_free(train);
    rs_dataset_free(test);
    rs_dataset_free(rest);
    rs_dataset_free(all);
    return exit_code;
}
