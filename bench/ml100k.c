/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * ml100k.c: accuracy on the five canonical MovieLens 100K folds
 * ($RS_DATA_DIR/ml-100k/uN.base -> uN.test; RS_DATA_DIR defaults to
 * ../shared/data). Prints per-fold and mean RMSE/MAE and fit seconds; the last
 * line holds mean_rmse= and mean_mae=. Exits 77 (skip) when the data is absent.
 * The data set's license forbids redistribution: it is read in place only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librecsgd/recsgd.h>

typedef struct opts {
    const char *data_dir;
    int32_t scorer;
    int folds_from, folds_to;
    int use_defaults;
    /* overrides; < 0 means "library default" */
    int64_t factors, epochs, threads, seed, lr_policy;
    double lr, l2, l2_bias, init_scale, decay;
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
            "              [--factors N] [--epochs N] [--lr X] [--l2 X] [--l2-bias X]\n"
            "              [--lr-policy constant|inverse_time|adagrad|adam] [--lr-decay X]\n"
            "              [--init-scale X] [--threads N] [--seed N] [--svd-defaults]\n"
            "  --svd-defaults: 100 factors, 20 epochs, lr 0.005, L2 0.02 (the Python toolkits' SVD)\n");
}

static int parse(int argc, char **argv, opts *o)
{
    const char *env = getenv("RS_DATA_DIR");
    o->data_dir = env && *env ? env : "../shared/data";
    o->scorer = RS_SCORER_COLLABORATIVE;
    o->folds_from = 1;
    o->folds_to = 5;
    o->factors = o->epochs = o->threads = o->seed = o->lr_policy = -1;
    o->lr = o->l2 = o->l2_bias = o->init_scale = o->decay = -1;
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
        else if (TAKE("--l2-bias"))
            o->l2_bias = atof(v);
        else if (TAKE("--init-scale"))
            o->init_scale = atof(v);
        else if (TAKE("--lr-decay"))
            o->decay = atof(v);
        else if (TAKE("--lr-policy")) {
            static const char *names[] = {"constant", "inverse_time", "adagrad", "adam"};
            for (int p = 0; p < 4; p++)
                if (strcmp(v, names[p]) == 0)
                    o->lr_policy = p;
            if (o->lr_policy < 0)
                return -1;
        } else if (strcmp(a, "--svd-defaults") == 0) {
            o->factors = 100, o->epochs = 20, o->lr = 0.005, o->l2 = 0.02, o->l2_bias = 0.02;
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
    if (o->l2 >= 0) bad |= rs_model_set_double(m, RS_PARAM_L2_FEATURES, o->l2) != RS_OK;
    if (o->l2_bias >= 0) bad |= rs_model_set_double(m, RS_PARAM_L2_BIAS, o->l2_bias) != RS_OK;
    if (o->init_scale >= 0) bad |= rs_model_set_double(m, RS_PARAM_INIT_SCALE, o->init_scale) != RS_OK;
    if (o->decay >= 0) bad |= rs_model_set_double(m, RS_PARAM_LR_DECAY, o->decay) != RS_OK;
    if (bad)
        fprintf(stderr, "ml100k: bad hyper-parameter: %s\n", rs_model_last_error(m));
    return bad ? -1 : 0;
}

static rs_dataset *load(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ml-100k/%s", dir, file);
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        return NULL;
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    if (st != RS_OK) {
        fprintf(stderr, "ml100k: %s\n", rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return NULL;
    }
    return ds;
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
    double sum_rmse = 0, sum_mae = 0, sum_secs = 0;
    int folds = 0;
    for (int fold = o.folds_from; fold <= o.folds_to; fold++) {
        char base[32], test[32];
        snprintf(base, sizeof base, "u%d.base", fold);
        snprintf(test, sizeof test, "u%d.test", fold);
        rs_dataset *tr = load(o.data_dir, base), *te = load(o.data_dir, test);
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
        double se = 0, ae = 0;
        size_t n = rs_dataset_num_ratings(te), fallbacks = 0;
        for (size_t j = 0; j < n; j++) {
            int64_t u, i;
            float r, y;
            rs_dataset_get_rating(te, j, &u, &i, &r, NULL);
            rs_status ps = rs_predict(m, u, i, &y);
            if (ps == RS_FALLBACK)
                fallbacks++;
            else if (ps != RS_OK)
                return 1;
            se += ((double)r - y) * ((double)r - y);
            ae += fabs((double)r - y);
        }
        double rmse = sqrt(se / (double)n), mae = ae / (double)n;
        printf("fold=%d rmse=%.4f mae=%.4f fit_seconds=%.2f test_ratings=%zu fallbacks=%zu\n", fold,
               rmse, mae, secs, n, fallbacks);
        fflush(stdout);
        sum_rmse += rmse;
        sum_mae += mae;
        sum_secs += secs;
        folds++;
        rs_model_free(m);
        rs_dataset_free(tr);
        rs_dataset_free(te);
    }
    printf("ml100k: folds=%d mean_rmse=%.4f mean_mae=%.4f mean_fit_seconds=%.2f\n", folds,
           sum_rmse / folds, sum_mae / folds, sum_secs / folds);
    return 0;
}
