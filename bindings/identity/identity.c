/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * identity.c: the C reference of the cross-language identity workflow
 * (bindings/identity/SPEC.md), on the public API only. The Python, Go and
 * Rust programs must print the same bytes and save the same model files.
 *
 * Usage: identity DATA_DIR OUT_DIR   (DATA_DIR: data/sample)
 * Build: cc $(pkg-config --cflags librecsgd) identity.c $(pkg-config --libs librecsgd)
 */
#include <librecsgd/recsgd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPK 10

static const int64_t users[] = {1, 2, 3, 999999};
static const int64_t items[] = {1, 2, 3, 999999};
#define N_IDS (sizeof users / sizeof users[0])

static int fail(const char *what, rs_status st, const char *detail)
{
    fprintf(stderr, "identity: %s: %s%s%s\n", what, rs_status_string(st), detail && *detail ? ": " : "",
            detail ? detail : "");
    return 0;
}

static uint32_t float_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static unsigned long long double_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (unsigned long long)b;
}

static void join(char *out, size_t cap, const char *dir, const char *file)
{
    snprintf(out, cap, "%s/%s", dir, file);
}

/* The predict block: one rs_predict per pair, user-major. */
static int print_predictions(const rs_model *m)
{
    for (size_t u = 0; u < N_IDS; u++)
        for (size_t i = 0; i < N_IDS; i++) {
            float score = 0.0f;
            rs_status st = rs_predict(m, users[u], items[i], &score);
            if (st != RS_OK && st != RS_FALLBACK)
                return fail("rs_predict", st, NULL);
            printf("%" PRId64 " %" PRId64 " %d %08" PRIx32 " %.6f\n", users[u], items[i], (int)st,
                   float_bits(score), (double)score);
        }
    return 1;
}

/* The evaluate block: every entry of both evaluation calls on test. */
static int print_evaluation(const rs_model *m, const rs_dataset *test)
{
    double v[RS_METRIC_COUNT_V0_2];
    size_t n1 = 0, n2 = 0;
    rs_status st = rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &n1);
    if (st != RS_OK)
        return fail("rs_model_evaluate_ratings", st, NULL);
    st = rs_model_evaluate_ranking(m, test, NULL, NULL, 0, 10, 4.0, 0, v, RS_METRIC_COUNT_V0_2, &n2);
    if (st != RS_OK)
        return fail("rs_model_evaluate_ranking", st, NULL);
    if (n1 + n2 != RS_METRIC_COUNT_V0_2)
        return fail("rs_model_evaluate_*", RS_OK, "the calls did not fill every entry");
    for (size_t k = 0; k < RS_METRIC_COUNT_V0_2; k++)
        printf("%zu %016llx\n", k, double_bits(v[k]));
    return 1;
}

static int set_by_name(rs_model *m, const char *name, int64_t value)
{
    rs_status st = rs_model_set_int(m, rs_param_from_name(name), value);
    return st == RS_OK ? 1 : fail(name, st, rs_model_last_error(m));
}

static int run_scorer(const char *scorer, int32_t kind, const rs_dataset *train,
                      const rs_dataset *test, const char *out_dir)
{
    rs_model *m = NULL, *back = NULL;
    char path[4096], file[64], err[256];
    int ok = 0;
    rs_status st = rs_model_new(&m, kind, NULL, NULL);
    if (st != RS_OK)
        return fail("rs_model_new", st, scorer);
    if (!set_by_name(m, "factors", 16) || !set_by_name(m, "epochs", 8) || !set_by_name(m, "seed", 7) ||
        !set_by_name(m, "threads", 1))
        goto out;
    if ((st = rs_fit(m, train, NULL)) != RS_OK) {
        fail("rs_fit", st, rs_model_last_error(m));
        goto out;
    }
    size_t n_epochs = rs_model_num_epoch_stats(m), n_stats = 0;
    double stats[64];
    if (n_epochs == 0 ||
        (st = rs_model_epoch_stats(m, n_epochs - 1, stats, 64, &n_stats)) != RS_OK ||
        n_stats <= RS_STAT_TRAIN_RMSE) {
        fail("rs_model_epoch_stats", st, NULL);
        goto out;
    }
    printf("scorer %s\n", scorer);
    printf("epochs %zu train_rmse %016llx\n", n_epochs, double_bits(stats[RS_STAT_TRAIN_RMSE]));
    for (size_t u = 0; u < 3; u++) {
        int64_t top[TOPK];
        float scores[TOPK];
        size_t n = 0;
        st = rs_topk(m, users[u], TOPK, 0, NULL, 0, NULL, 0, top, scores, &n);
        if (st != RS_OK && st != RS_FALLBACK) {
            fail("rs_topk", st, NULL);
            goto out;
        }
        printf("topk user %" PRId64 "\n", users[u]);
        for (size_t r = 0; r < n; r++)
            printf("%zu %" PRId64 " %08" PRIx32 " %.6f\n", r + 1, top[r], float_bits(scores[r]),
                   (double)scores[r]);
    }
    printf("predict\n");
    if (!print_predictions(m))
        goto out;
    printf("evaluate\n");
    if (!print_evaluation(m, test))
        goto out;
    snprintf(file, sizeof file, "c-%s.model", scorer);
    join(path, sizeof path, out_dir, file);
    if ((st = rs_model_save_file(m, path, err, sizeof err)) != RS_OK) {
        fail("rs_model_save_file", st, err);
        goto out;
    }
    if ((st = rs_model_load_file(&back, path, NULL, NULL, err, sizeof err)) != RS_OK) {
        fail("rs_model_load_file", st, err);
        goto out;
    }
    printf("reloaded\n");
    ok = print_predictions(back);
out:
    rs_model_free(back);
    rs_model_free(m);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: identity DATA_DIR OUT_DIR\n");
        return 2;
    }
    if (rs_version_number() / 10000 != RS_VERSION_MAJOR) {
        fprintf(stderr, "identity: library version %s does not match the headers' %s\n",
                rs_version_string(), RS_VERSION_STRING);
        return 1;
    }
    const char *data = argv[1], *out = argv[2];
    char path[4096];
    rs_dataset *all = NULL, *train = NULL, *test = NULL;
    int ok = 0;
    rs_status st = rs_dataset_new(&all, NULL, NULL);
    if (st != RS_OK) {
        fail("rs_dataset_new", st, NULL);
        goto out;
    }
    join(path, sizeof path, data, "ratings.tsv");
    if ((st = rs_dataset_load_file(all, path, RS_FORMAT_MOVIELENS)) != RS_OK) {
        fail("rs_dataset_load_file", st, rs_dataset_last_error(all));
        goto out;
    }
    join(path, sizeof path, data, "user_features.txt");
    if ((st = rs_dataset_load_features_file(all, RS_SIDE_USER, path, RS_FEATURES_SPARSE)) != RS_OK) {
        fail("rs_dataset_load_features_file", st, rs_dataset_last_error(all));
        goto out;
    }
    join(path, sizeof path, data, "item_features.txt");
    if ((st = rs_dataset_load_features_file(all, RS_SIDE_ITEM, path, RS_FEATURES_SPARSE)) != RS_OK) {
        fail("rs_dataset_load_features_file", st, rs_dataset_last_error(all));
        goto out;
    }
    if ((st = rs_dataset_split_random(all, 0.2, 42, &train, &test)) != RS_OK) {
        fail("rs_dataset_split_random", st, NULL);
        goto out;
    }
    ok = run_scorer("collaborative", RS_SCORER_COLLABORATIVE, train, test, out) &&
         run_scorer("hybrid", RS_SCORER_HYBRID, train, test, out);
out:
    rs_dataset_free(test);
    rs_dataset_free(train);
    rs_dataset_free(all);
    if (fflush(stdout) != 0)
        ok = 0;
    return ok ? 0 : 1;
}
