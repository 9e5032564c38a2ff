/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * online.c: online updates on MovieLens 100K ($RS_DATA_DIR/ml-100k).
 *  1. rs_partial_fit: fold 1's training ratings sorted by timestamp; a model
 *     trained on the first 90% then partial-fits the last 10% (replaying a
 *     sample of the first 90%). Compared with a full retrain on all of fold
 *     1's training ratings: test RMSE on u1.test and seconds.
 *  2. rs_fold_in_user: 10% of the users (fixed seed) keep their 10 latest
 *     ratings as a test set. Model A trains on everything else ("trained in
 *     from the start"); model B trains without those users at all and then
 *     folds each of them in from all but their 10 test ratings. RMSE on the
 *     held-out ratings of both.
 * Exits 77 when the data is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librecsgd/recsgd.h>
#include "ml_ratings.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_time(const void *a, const void *b)
{
    const rating *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static rs_dataset *to_dataset(const rating *v, size_t n)
{
    rs_dataset *ds;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK)
        exit(1);
    for (size_t j = 0; j < n; j++)
        if (rs_dataset_add_rating(ds, v[j].u, v[j].i, v[j].r, 1.0f) != RS_OK)
            exit(1);
    return ds;
}

static double rmse(const rs_model *m, const rating *v, size_t n)
{
    double se = 0;
    for (size_t j = 0; j < n; j++) {
        float y;
        rs_status st = rs_predict(m, v[j].u, v[j].i, &y);
        if (st != RS_OK && st != RS_FALLBACK)
            exit(1);
        se += ((double)v[j].r - y) * ((double)v[j].r - y);
    }
    return sqrt(se / (double)n);
}

static rs_model *fit(const rs_dataset *ds, double *secs)
{
    rs_model *m;
    if (rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
        exit(1);
    double t0 = now();
    if (rs_fit(m, ds, NULL) != RS_OK) {
        fprintf(stderr, "online: rs_fit: %s\n", rs_model_last_error(m));
        exit(1);
    }
    if (secs)
        *secs = now() - t0;
    return m;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int main(void)
{
    const char *env = getenv("RS_DATA_DIR");
    const char *dir = env && *env ? env : "../shared/data";
    char path[4096];
    size_t nb, nt, na;
    snprintf(path, sizeof path, "%s/ml-100k/u1.base", dir);
    rating *base = read_all(path, &nb);
    snprintf(path, sizeof path, "%s/ml-100k/u1.test", dir);
    rating *test = read_all(path, &nt);
    snprintf(path, sizeof path, "%s/ml-100k/u.data", dir);
    rating *all = read_all(path, &na);
    if (!base || !test || !all || nb == 0) {
        printf("online: SKIP: MovieLens 100K not found under %s (set RS_DATA_DIR)\n", dir);
        return 77;
    }

    /* 1. partial fit vs full retrain */
    qsort(base, nb, sizeof *base, by_time);
    size_t cut = nb * 9 / 10;
    rs_dataset *full = to_dataset(base, nb), *old = to_dataset(base, cut),
               *fresh = to_dataset(base + cut, nb - cut);
    double full_secs, partial_secs;
    rs_model *mf = fit(full, &full_secs);
    double full_rmse = rmse(mf, test, nt);
    rs_model *mp = fit(old, NULL);
    double before = rmse(mp, test, nt);
    double t0 = now();
    rs_status st = rs_partial_fit(mp, fresh, old);
    partial_secs = now() - t0;
    if (st != RS_OK) {
        fprintf(stderr, "online: rs_partial_fit: %s\n", rs_model_last_error(mp));
        return 1;
    }
    double partial_rmse = rmse(mp, test, nt);
    printf("partial_fit: full_retrain_rmse=%.4f full_retrain_seconds=%.3f first90_rmse=%.4f "
           "partial_fit_rmse=%.4f partial_fit_seconds=%.4f rmse_gap_pct=%.2f time_share_pct=%.2f\n",
           full_rmse, full_secs, before, partial_rmse, partial_secs,
           100.0 * (partial_rmse - full_rmse) / full_rmse, 100.0 * partial_secs / full_secs);
    fflush(stdout);

    /* 2. fold-in of held-out users */
    qsort(all, na, sizeof *all, by_time);
    size_t max_user = 0;
    for (size_t j = 0; j < na; j++)
        if ((size_t)all[j].u > max_user)
            max_user = (size_t)all[j].u;
    size_t *count = calloc(max_user + 1, sizeof *count), *seen = calloc(max_user + 1, sizeof *seen);
    for (size_t j = 0; j < na; j++)
        count[all[j].u]++;
    rating *a_train = malloc(na * sizeof *a_train), *b_train = malloc(na * sizeof *b_train),
           *held = malloc(na * sizeof *held), *fold = malloc(na * sizeof *fold);
    size_t n_a = 0, n_b = 0, n_h = 0, n_f = 0, n_users = 0;
    for (size_t u = 0; u <= max_user; u++)
        n_users += count[u] > 0 && mix(u ^ 7) % 10 == 0;
    for (size_t j = 0; j < na; j++) {
        size_t u = (size_t)all[j].u;
        int cold = mix(u ^ 7) % 10 == 0;
        int is_test = cold && ++seen[u] > count[u] - 10; /* the user's 10 latest */
        if (is_test) {
            held[n_h++] = all[j];
            continue;
        }
        a_train[n_a++] = all[j];
        if (cold)
            fold[n_f++] = all[j];
        else
            b_train[n_b++] = all[j];
    }
    rs_dataset *da = to_dataset(a_train, n_a), *db = to_dataset(b_train, n_b);
    rs_model *ma = fit(da, NULL), *mb = fit(db, NULL);
    /* fold each cold user in from their non-test ratings */
    int64_t *items = malloc(n_f * sizeof *items);
    float *rs = malloc(n_f * sizeof *rs);
    double fold_secs = 0;
    for (size_t u = 0; u <= max_user; u++) {
        if (count[u] == 0 || mix(u ^ 7) % 10 != 0)
            continue;
        size_t k = 0;
        for (size_t j = 0; j < n_f; j++)
            if ((size_t)fold[j].u == u) {
                items[k] = fold[j].i;
                rs[k++] = fold[j].r;
            }
        double f0 = now();
        st = rs_fold_in_user(mb, (int64_t)u, items, rs, k);
        fold_secs += now() - f0;
        if (st != RS_OK) {
            fprintf(stderr, "online: rs_fold_in_user(%zu): %s\n", u, rs_model_last_error(mb));
            return 1;
        }
    }
    double ra = rmse(ma, held, n_h), rb = rmse(mb, held, n_h);
    printf("fold_in: users=%zu held_out_ratings=%zu trained_in_rmse=%.4f folded_in_rmse=%.4f "
           "gap_pct=%.2f fold_in_ms_per_user=%.3f\n",
           n_users, n_h, ra, rb, 100.0 * (rb - ra) / ra, 1000.0 * fold_secs / (double)n_users);
    printf("online: partial_fit_rmse_gap_pct=%.2f partial_fit_time_share_pct=%.2f fold_in_gap_pct=%.2f\n",
           100.0 * (partial_rmse - full_rmse) / full_rmse, 100.0 * partial_secs / full_secs,
           100.0 * (rb - ra) / ra);
    rs_model_free(mf), rs_model_free(mp), rs_model_free(ma), rs_model_free(mb);
    rs_dataset_free(full), rs_dataset_free(old), rs_dataset_free(fresh), rs_dataset_free(da),
        rs_dataset_free(db);
    free(base), free(test), free(all), free(count), free(seen), free(a_train), free(b_train),
        free(held), free(fold), free(items), free(rs);
    return 0;
}
