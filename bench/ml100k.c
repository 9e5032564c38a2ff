/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * ml100k.c: accuracy on the five canonical MovieLens 100K folds
 * ($RS_DATA_DIR/ml-100k/uN.base -> uN.test; RS_DATA_DIR defaults to
 * ../shared/data). Prints per-fold and mean RMSE/MAE and fit seconds; the last
 * line holds mean_rmse= and mean_mae=. Exits 77 (skip) when the data is absent.
 * With --scorer content|hybrid the item features (19 genre flags and release
 * decade, u.item) and user features (gender, age bucket, occupation, u.user)
 * are loaded into the training set (--year and --title-words N add the
 * loader's standardised release year and title words). Every metric comes from the library's
 * evaluation API (rs_model_evaluate_ratings / _ranking): RMSE, MAE and the
 * ranking metrics at 10 (relevant = test rating >= 4, training items
 * excluded; docs/guide/evaluation.md), and, for reference, the RMSE of the
 * baseline "global mean + damped user bias".
 * The data set's license forbids redistribution: it is read in place only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librecsgd/recsgd.h>
#include "set_param.h"

typedef struct opts {
    const char *data_dir;
    int32_t scorer;
    int folds_from, folds_to;
    int use_defaults;
    /* overrides; < 0 means "library default" */
    int64_t factors, epochs, threads, seed, lr_policy;
    double lr, l2, l2_bias, l2_features, init_scale, decay;
    const char *params[32]; /* --param name=value */
    int n_params;
    int64_t title_words, year; /* MovieLens item-feature options */
} opts;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ml100k [--data-dir DIR] [--scorer collaborative|content|hybrid] [--fold N]\n"
            "              [--factors N] [--epochs N] [--lr X] [--l2 X] [--l2-bias X] [--l2-features X]\n"
            "              [--lr-policy constant|inverse_time|adagrad|adam|auto] [--lr-decay X]\n"
            "              [--init-scale X] [--threads N] [--seed N] [--svd-defaults]\n"
            "              [--param name=value ...] [--year] [--title-words MIN_DF]\n"
            "  --svd-defaults: 100 factors, 20 epochs, constant lr 0.005, L2 0.02 (the Python toolkits' SVD)\n");
}

static int parse(int argc, char **argv, opts *o)
{
    const char *env = getenv("RS_DATA_DIR");
    o->data_dir = env && *env ? env : "../shared/data";
    o->scorer = RS_SCORER_COLLABORATIVE;
    o->folds_from = 1;
    o->folds_to = 5;
    o->n_params = 0;
    o->title_words = o->year = 0;
    o->factors = o->epochs = o->threads = o->seed = o->lr_policy = -1;
    o->lr = o->l2 = o->l2_bias = o->l2_features = o->init_scale = o->decay = -1;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
#define TAKE(name) (strcmp(a, name) == 0 && v && (k++, 1))
        if (TAKE("--data-dir"))
            o->data_dir = v;
        else if (TAKE("--scorer")) {
            if (strcmp(v, "collaborative") == 0)
                o->scorer = RS_SCORER_COLLABORATIVE;
            else if (strcmp(v, "content") == 0)
                o->scorer = RS_SCORER_CONTENT;
            else if (strcmp(v, "hybrid") == 0)
                o->scorer = RS_SCORER_HYBRID;
            else
                return -1;
        } else if (TAKE("--fold"))
            o->folds_from = o->folds_to = atoi(v);
        else if (TAKE("--factors"))
            o->factors = atoll(v);
        else if (TAKE("--epochs"))
            o->epochs = atoll(v);
        else if (TAKE("--threads"))
            o->threads = atoll(v);
        else if (TAKE("--seed"))
            o->seed = atoll(v);
        else if (TAKE("--lr"))
            o->lr = atof(v);
        else if (TAKE("--l2"))
            o->l2 = atof(v);
        else if (TAKE("--l2-features"))
            o->l2_features = atof(v);
        else if (TAKE("--l2-bias"))
            o->l2_bias = atof(v);
        else if (TAKE("--init-scale"))
            o->init_scale = atof(v);
        else if (TAKE("--lr-decay"))
            o->decay = atof(v);
        else if (TAKE("--lr-policy")) {
            static const char *names[] = {"constant", "inverse_time", "adagrad", "adam", "auto"};
            for (int p = 0; p < 5; p++)
                if (strcmp(v, names[p]) == 0)
                    o->lr_policy = p;
            if (o->lr_policy < 0)
                return -1;
        } else if (TAKE("--title-words")) {
            o->title_words = atoll(v);
        } else if (strcmp(a, "--year") == 0) {
            o->year = 1;
        } else if (TAKE("--param") && o->n_params < 32) {
            o->params[o->n_params++] = v;
        } else if (strcmp(a, "--svd-defaults") == 0) {
            o->factors = 100, o->epochs = 20, o->lr = 0.005, o->l2 = 0.02, o->l2_bias = 0.02;
            o->lr_policy = 0; /* constant, as those toolkits */
            o->init_scale = 0.1;
        } else
            return -1;
#undef TAKE
    }
    if (o->folds_from < 1 || o->folds_to > 5)
        return -1;
    return 0;
}

static int configure(rs_model *m, const opts *o)
{
    int bad = 0;
    if (o->factors > 0) bad |= rs_model_set_int(m, RS_PARAM_FACTORS, o->factors) != RS_OK;
    if (o->epochs > 0) bad |= rs_model_set_int(m, RS_PARAM_EPOCHS, o->epochs) != RS_OK;
    if (o->threads > 0) bad |= rs_model_set_int(m, RS_PARAM_THREADS, o->threads) != RS_OK;
    if (o->seed >= 0) bad |= rs_model_set_int(m, RS_PARAM_SEED, o->seed) != RS_OK;
    if (o->lr_policy >= 0) bad |= rs_model_set_int(m, RS_PARAM_LR_POLICY, o->lr_policy) != RS_OK;
    if (o->lr > 0) bad |= rs_model_set_double(m, RS_PARAM_LEARNING_RATE, o->lr) != RS_OK;
    if (o->l2 >= 0) bad |= rs_model_set_double(m, RS_PARAM_L2_FACTORS, o->l2) != RS_OK;
    if (o->l2_features >= 0) bad |= rs_model_set_double(m, RS_PARAM_L2_FEATURES, o->l2_features) != RS_OK;
    if (o->l2_bias >= 0) bad |= rs_model_set_double(m, RS_PARAM_L2_BIAS, o->l2_bias) != RS_OK;
    if (o->init_scale >= 0) bad |= rs_model_set_double(m, RS_PARAM_INIT_SCALE, o->init_scale) != RS_OK;
    if (o->decay >= 0) bad |= rs_model_set_double(m, RS_PARAM_LR_DECAY, o->decay) != RS_OK;
    for (int k = 0; k < o->n_params && !bad; k++)
        bad |= set_param(m, o->params[k]) != RS_OK;
    if (bad)
        fprintf(stderr, "ml100k: bad hyper-parameter: %s\n", rs_model_last_error(m));
    return bad ? -1 : 0;
}

static rs_dataset *load(const char *dir, const char *file, int with_features, const opts *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ml-100k/%s", dir, file);
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return NULL;
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    if (st == RS_OK)
        st = rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_TITLE_WORDS, o->title_words);
    if (st == RS_OK)
        st = rs_dataset_set_int(ds, RS_PARAM_MOVIELENS_YEAR, o->year);
    if (st == RS_OK && with_features) {
        snprintf(path, sizeof path, "%s/ml-100k/u.item", dir);
        st = rs_dataset_load_features_file(ds, RS_SIDE_ITEM, path, RS_FEATURES_MOVIELENS_ITEM);
        if (st == RS_OK) {
            snprintf(path, sizeof path, "%s/ml-100k/u.user", dir);
            st = rs_dataset_load_features_file(ds, RS_SIDE_USER, path, RS_FEATURES_MOVIELENS_USER);
        }
    }
    if (st != RS_OK) {
        fprintf(stderr, "ml100k: %s\n", rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* RMSE of mu + b_u with b_u = sum(r - mu) / (n_u + 5): the baseline the
 * content scorer must beat. */
static double baseline_rmse(const rs_dataset *tr, const rs_dataset *te)
{
    size_t n = rs_dataset_num_ratings(tr), nu = rs_dataset_num_users(tr);
    double mu = 0;
    for (size_t j = 0; j < n; j++) {
        float r;
        rs_dataset_get_rating(tr, j, NULL, NULL, &r, NULL);
        mu += r;
    }
    mu /= (double)n;
    double *sum = calloc(nu, sizeof *sum), *cnt = calloc(nu, sizeof *cnt);
    for (size_t j = 0; j < n; j++) {
        int64_t u;
        int32_t ui;
        float r;
        rs_dataset_get_rating(tr, j, &u, NULL, &r, NULL);
        rs_dataset_id_to_index(tr, RS_SIDE_USER, u, &ui);
        sum[ui] += r - mu;
        cnt[ui] += 1;
    }
    double se = 0;
    size_t m = rs_dataset_num_ratings(te);
    for (size_t j = 0; j < m; j++) {
        int64_t u;
        int32_t ui;
        float r;
        rs_dataset_get_rating(te, j, &u, NULL, &r, NULL);
        double y = mu;
        if (rs_dataset_id_to_index(tr, RS_SIDE_USER, u, &ui) == RS_OK)
            y += sum[ui] / (cnt[ui] + 5.0);
        se += (r - y) * (r - y);
    }
    free(sum);
    free(cnt);
    return sqrt(se / (double)m);
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/ml-100k/u1.base", o.data_dir);
    FILE *f = fopen(probe, "r");
    if (!f) {
        printf("ml100k: SKIP: %s not found (set RS_DATA_DIR to the folder holding ml-100k/)\n", probe);
        return 77;
    }
    fclose(f);
    double sum_rmse = 0, sum_mae = 0, sum_secs = 0, sum_base = 0, sum_p = 0, sum_r = 0, sum_ndcg = 0,
           sum_map = 0, sum_auc = 0;
    int folds = 0;
    int with_features = o.scorer != RS_SCORER_COLLABORATIVE;
    for (int fold = o.folds_from; fold <= o.folds_to; fold++) {
        char base[32], test[32];
        snprintf(base, sizeof base, "u%d.base", fold);
        snprintf(test, sizeof test, "u%d.test", fold);
        rs_dataset *tr = load(o.data_dir, base, with_features, &o), *te = load(o.data_dir, test, 0, &o);
        rs_model *m = NULL;
        if (!tr || !te || rs_model_new(&m, o.scorer, NULL, NULL) != RS_OK || configure(m, &o) != 0)
            return 1;
        double t0 = now();
        rs_status st = rs_fit(m, tr, NULL);
        double secs = now() - t0;
        if (st != RS_OK) {
            fprintf(stderr, "ml100k: fold %d: rs_fit: %s: %s\n", fold, rs_status_string(st),
                    rs_model_last_error(m));
            return 1;
        }
        /* The library's evaluation API: RMSE/MAE of rs_predict, and the
         * ranking metrics at 10 (relevant = rating >= 4, training items
         * excluded through the model's seen lists). */
        double v[RS_METRIC_COUNT_V0_2];
        size_t nv;
        if (rs_model_evaluate_ratings(m, te, v, RS_METRIC_COUNT_V0_2, &nv) != RS_OK ||
            rs_model_evaluate_ranking(m, te, NULL, NULL, 0, 10, 4.0, 0, v, RS_METRIC_COUNT_V0_2,
                                      &nv) != RS_OK || v[RS_METRIC_UNSCORED] > 0)
            return 1;
        double rmse = v[RS_METRIC_RMSE], mae = v[RS_METRIC_MAE];
        double base_rmse = baseline_rmse(tr, te);
        printf("fold=%d rmse=%.4f mae=%.4f precision@10=%.4f recall@10=%.4f ndcg@10=%.4f "
               "map@10=%.4f auc=%.4f baseline_rmse=%.4f fit_seconds=%.2f test_ratings=%.0f "
               "fallbacks=%.0f\n",
               fold, rmse, mae, v[RS_METRIC_PRECISION], v[RS_METRIC_RECALL], v[RS_METRIC_NDCG],
               v[RS_METRIC_MAP], v[RS_METRIC_AUC], base_rmse, secs, v[RS_METRIC_SCORED],
               v[RS_METRIC_FALLBACKS]);
        fflush(stdout);
        sum_base += base_rmse;
        sum_p += v[RS_METRIC_PRECISION];
        sum_r += v[RS_METRIC_RECALL];
        sum_ndcg += v[RS_METRIC_NDCG];
        sum_map += v[RS_METRIC_MAP];
        sum_auc += v[RS_METRIC_AUC];
        sum_rmse += rmse;
        sum_mae += mae;
        sum_secs += secs;
        folds++;
        rs_model_free(m);
        rs_dataset_free(tr);
        rs_dataset_free(te);
    }
    static const char *names[] = {"", "collaborative", "content", "hybrid"};
    printf("ml100k: scorer=%s folds=%d mean_rmse=%.4f mean_mae=%.4f mean_precision@10=%.4f "
           "mean_recall@10=%.4f mean_ndcg@10=%.4f mean_map@10=%.4f mean_auc=%.4f mean_baseline_rmse=%.4f "
           "mean_fit_seconds=%.2f\n",
           names[o.scorer], folds, sum_rmse / folds, sum_mae / folds, sum_p / folds, sum_r / folds,
           sum_ndcg / folds, sum_map / folds, sum_auc / folds, sum_base / folds, sum_secs / folds);
    return 0;
}
