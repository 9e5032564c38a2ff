/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * online.c: keep a model fresh without retraining it.
 *
 *   1. load data/sample/ratings.tsv and split it: users 1-900 are the
 *      "history", users 901-1000 arrive later;
 *   2. train a collaborative model on the history;
 *   3. rs_partial_fit: the newcomers' ratings are trained into the model in
 *      a few epochs (replaying a sample of the history so nothing is
 *      forgotten); their RMSE before (fallback) and after is printed;
 *   4. rs_fold_in_user: one more user arrives with a handful of ratings and
 *      gets parameters at once (an exact ridge solve with the items frozen)
 *      and a top-10.
 *
 * Usage: online [DATA_DIR]   (default: data/sample)
 */
#include <librecsgd/recsgd.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define FIRST_NEWCOMER 901

static int check(rs_status st, const char *what, const char *detail)
{
    if (st == RS_OK)
        return 1;
    fprintf(stderr, "online: %s failed: %s (%s)\n", what, rs_status_string(st), detail ? detail : "");
    return 0;
}

/* RMSE of the model on the ratings of users >= FIRST_NEWCOMER in ds. */
static double newcomer_rmse(const rs_model *m, const rs_dataset *ds, size_t *fallbacks)
{
    double sse = 0;
    size_t n = 0;
    *fallbacks = 0;
    for (size_t k = 0; k < rs_dataset_num_ratings(ds); k++) {
        int64_t u, i;
        float r, y;
        rs_dataset_get_rating(ds, k, &u, &i, &r, NULL);
        if (u < FIRST_NEWCOMER)
            continue;
        rs_status st = rs_predict(m, u, i, &y);
        if (st == RS_FALLBACK)
            (*fallbacks)++;
        else if (st != RS_OK)
            return NAN;
        sse += ((double)r - y) * ((double)r - y);
        n++;
    }
    return n ? sqrt(sse / (double)n) : NAN;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096];
    snprintf(path, sizeof path, "%s/ratings.tsv", dir);
    rs_dataset *all = NULL, *history = NULL, *fresh = NULL, *train = NULL, *test = NULL;
    rs_model *m = NULL;
    int rc = 1;
    if (!check(rs_dataset_new(&all, NULL, NULL), "rs_dataset_new", NULL))
        goto out;
    rs_status st = rs_dataset_load_file(all, path, RS_FORMAT_MOVIELENS);
    if (st == RS_ERR_NOT_BUILT) {
        printf("skipped: built without the file conveniences (--disable-stdio)\n");
        rc = 0;
        goto out;
    }
    if (!check(st, "load", rs_dataset_last_error(all)))
        goto out;
    /* A held-out 10% of everything measures accuracy; the rest is split by user. */
    if (!check(rs_dataset_split_random(all, 0.1, 3, &train, &test), "split", NULL) ||
        !check(rs_dataset_new(&history, NULL, NULL), "rs_dataset_new", NULL) ||
        !check(rs_dataset_new(&fresh, NULL, NULL), "rs_dataset_new", NULL))
        goto out;
    for (size_t k = 0; k < rs_dataset_num_ratings(train); k++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(train, k, &u, &i, &r, NULL);
        if (!check(rs_dataset_add_rating(u < FIRST_NEWCOMER ? history : fresh, u, i, r, 1.0f),
                   "add", NULL))
            goto out;
    }
    if (!check(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), "rs_model_new", NULL))
        goto out;
    rs_model_set_int(m, RS_PARAM_FACTORS, 32);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 40);
    rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.01);
    rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_CONSTANT); /* the default schedule decays it */
    rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.05);
    if (!check(rs_fit(m, history, NULL), "rs_fit", rs_model_last_error(m)))
        goto out;
    size_t fb;
    double before = newcomer_rmse(m, test, &fb);
    printf("trained on %zu history ratings: %zu users\n", rs_dataset_num_ratings(history),
           rs_model_num_users(m));
    printf("newcomers before rs_partial_fit: RMSE %.4f (%zu fallback predictions)\n", before, fb);

    /* The newcomers' ratings arrive: a few epochs, replaying the history. */
    rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 10);
    if (!check(rs_partial_fit(m, fresh, history), "rs_partial_fit", rs_model_last_error(m)))
        goto out;
    double after = newcomer_rmse(m, test, &fb);
    printf("newcomers after rs_partial_fit: RMSE %.4f (%zu fallback predictions), %zu users\n",
           after, fb, rs_model_num_users(m));

    /* One more user, five ratings, parameters at once. */
    int64_t items[5] = {10, 20, 30, 40, 50};
    float ratings[5] = {5, 4, 5, 2, 1};
    if (!check(rs_fold_in_user(m, 77777, items, ratings, 5), "rs_fold_in_user",
               rs_model_last_error(m)))
        goto out;
    int64_t top[10];
    float score[10];
    size_t n;
    if (!check(rs_topk(m, 77777, 10, 0, NULL, 0, NULL, 0, top, score, &n), "rs_topk", NULL))
        goto out;
    printf("folded-in user 77777: %zu recommendations:", n);
    for (size_t k = 0; k < n; k++)
        printf(" %lld", (long long)top[k]);
    printf("\n");
    rc = 0;
out:
    rs_model_free(m);
    rs_dataset_free(all);
    rs_dataset_free(history);
    rs_dataset_free(fresh);
    rs_dataset_free(train);
    rs_dataset_free(test);
    return rc;
}
