/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * online.c: online updates on MovieLens 100K ($RS_DATA_DIR/ml-100k).
 *  1. rs_partial_fit: fold 1's training ratings sorted by timestamp; a model
 *     trained on the first 90% then partial-fits the last 10% (replaying a
 *     sample of the first 90%). Compared with a full retrain on all of fold
 *     1's training ratings: test RMSE on u1.test and seconds.
 *  2. The fold-in curve on fold 1, for users (rs_fold_in_user) and items
 *     (rs_fold_in_item): per seed, 10% of the ids with at least 20 training
 *     ratings and a test rating are "new". Model B trains on u1.base without
 *     any of their ratings. For n = 1, 2, 3, 5, 10, 20 and all, each new id
 *     gets its n earliest training ratings (by timestamp) and is scored on its
 *     u1.test ratings three ways: folded into B from those n ratings; by B's
 *     fallback chain (the id unknown: mean + the other side's bias); and
 *     trained in, by a model fitted on u1.base with only those n ratings of
 *     the new ids. Every RMSE comes from rs_model_evaluate_ratings.
 *
 *   online [--seed S] [--seeds N] [--side users|items] [--no-partial] [--no-trained]
 *
 * --no-trained skips the trained-in fits (six per seed and side: most of the
 * time) and prints NaN for them.
 *
 * Seeds 1..5 by default; the last lines are the means over the seeds.
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

/* RMSE of m on a test set, from the library's evaluation API. */
static double rmse_ds(const rs_model *m, const rs_dataset *test)
{
    double v[RS_METRIC_COUNT_V0_2];
    size_t n;
    if (rs_model_evaluate_ratings(m, test, v, RS_METRIC_COUNT_V0_2, &n) != RS_OK ||
        v[RS_METRIC_UNSCORED] > 0)
        exit(1);
    return v[RS_METRIC_RMSE];
}

static double rmse(const rs_model *m, const rating *v, size_t n)
{
    rs_dataset *ds = to_dataset(v, n);
    double r = rmse_ds(m, ds);
    rs_dataset_free(ds);
    return r;
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

/* The fold-in curve's list lengths; 0 stands for "all". */
static const size_t NS[] = {1, 2, 3, 5, 10, 20, 0};
#define N_NS (sizeof NS / sizeof NS[0])

typedef struct curve {
    double fold[N_NS], fallback, trained[N_NS];
    size_t ids, held;
} curve;

static int64_t side_id(const rating *r, int side) { return side == RS_SIDE_USER ? r->u : r->i; }

/* One seed, one side: see the header. `full` is the model trained on all of
 * u1.base (the trained-in figure for n = all, the same for every seed). */
static curve fold_in_curve(const rating *base, size_t nb, const rating *test, size_t nt,
                           const rs_model *full, int side, uint64_t seed, int trained)
{
    curve c;
    memset(&c, 0, sizeof c);
    size_t max_id = 0;
    for (size_t j = 0; j < nb; j++)
        if ((size_t)side_id(&base[j], side) > max_id)
            max_id = (size_t)side_id(&base[j], side);
    size_t *n_base = calloc(max_id + 1, sizeof *n_base), *n_test = calloc(max_id + 1, sizeof *n_test);
    unsigned char *cold = calloc(max_id + 1, 1);
    for (size_t j = 0; j < nb; j++)
        n_base[side_id(&base[j], side)]++;
    for (size_t j = 0; j < nt; j++)
        if ((size_t)side_id(&test[j], side) <= max_id)
            n_test[side_id(&test[j], side)]++;
    for (size_t id = 0; id <= max_id; id++) {
        cold[id] = n_base[id] >= 20 && n_test[id] > 0 && mix(id ^ mix(seed)) % 10 == 0;
        c.ids += cold[id];
    }
    /* base is sorted by time: the first ratings of an id are its earliest. */
    rating *warm = malloc(nb * sizeof *warm), *held = malloc(nt * sizeof *held);
    size_t n_warm = 0, n_held = 0;
    for (size_t j = 0; j < nb; j++)
        if (!cold[side_id(&base[j], side)])
            warm[n_warm++] = base[j];
    for (size_t j = 0; j < nt; j++)
        if ((size_t)side_id(&test[j], side) <= max_id && cold[side_id(&test[j], side)])
            held[n_held++] = test[j];
    c.held = n_held;
    rs_dataset *dwarm = to_dataset(warm, n_warm), *dheld = to_dataset(held, n_held);
    rs_model *b = fit(dwarm, NULL);
    c.fallback = rmse_ds(b, dheld);
    size_t cap = 0;
    if (rs_model_save_buffer(b, NULL, 0, &cap, NULL, 0) != RS_ERR_RANGE)
        exit(1);
    void *blob = malloc(cap);
    if (rs_model_save_buffer(b, blob, cap, &cap, NULL, 0) != RS_OK)
        exit(1);
    int64_t *others = malloc(nb * sizeof *others);
    float *vals = malloc(nb * sizeof *vals);
    rating *with = malloc(nb * sizeof *with);
    size_t *taken = calloc(max_id + 1, sizeof *taken);
    for (size_t k = 0; k < N_NS; k++) {
        size_t want = NS[k] ? NS[k] : (size_t)-1;
        /* fold-in into a fresh copy of B */
        rs_model *f;
        if (rs_model_load_buffer(&f, blob, cap, NULL, NULL, NULL, 0) != RS_OK)
            exit(1);
        for (size_t id = 0; id <= max_id; id++) {
            if (!cold[id])
                continue;
            size_t q = 0;
            for (size_t j = 0; j < nb && q < want; j++)
                if ((size_t)side_id(&base[j], side) == id) {
                    others[q] = side == RS_SIDE_USER ? base[j].i : base[j].u;
                    vals[q++] = base[j].r;
                }
            rs_status st = side == RS_SIDE_USER ? rs_fold_in_user(f, (int64_t)id, others, vals, q)
                                                : rs_fold_in_item(f, (int64_t)id, others, vals, q);
            if (st != RS_OK && st != RS_ERR_UNKNOWN_ID) {
                fprintf(stderr, "online: fold-in of %zu: %s\n", id, rs_model_last_error(f));
                exit(1);
            }
        }
        c.fold[k] = rmse_ds(f, dheld);
        rs_model_free(f);
        /* trained in: u1.base with only the first n ratings of each new id */
        if (!NS[k] || !trained) {
            c.trained[k] = NS[k] ? NAN : rmse_ds(full, dheld);
            continue;
        }
        size_t n_with = 0;
        memset(taken, 0, (max_id + 1) * sizeof *taken);
        for (size_t j = 0; j < nb; j++) {
            size_t id = (size_t)side_id(&base[j], side);
            if (!cold[id] || taken[id]++ < want)
                with[n_with++] = base[j];
        }
        rs_dataset *dwith = to_dataset(with, n_with);
        rs_model *t = fit(dwith, NULL);
        c.trained[k] = rmse_ds(t, dheld);
        rs_model_free(t);
        rs_dataset_free(dwith);
    }
    rs_model_free(b);
    rs_dataset_free(dwarm);
    rs_dataset_free(dheld);
    free(blob), free(others), free(vals), free(with), free(taken);
    free(n_base), free(n_test), free(cold), free(warm), free(held);
    return c;
}

static void print_curve(const char *what, const char *side, const curve *c)
{
    for (size_t k = 0; k < N_NS; k++) {
        char n[24];
        if (NS[k])
            snprintf(n, sizeof n, "%zu", NS[k]);
        else
            snprintf(n, sizeof n, "all");
        printf("fold_in %s %s: n=%s fold_in_rmse=%.4f fallback_rmse=%.4f trained_in_rmse=%.4f "
               "fold_in_vs_fallback_pct=%+.2f\n",
               what, side, n, c->fold[k], c->fallback, c->trained[k],
               100.0 * (c->fold[k] - c->fallback) / c->fallback);
    }
}

int main(int argc, char **argv)
{
    uint64_t first_seed = 1;
    int n_seeds = 5, only_side = -1, partial = 1, trained = 1;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--seed") == 0 && k + 1 < argc)
            first_seed = strtoull(argv[++k], NULL, 10);
        else if (strcmp(argv[k], "--seeds") == 0 && k + 1 < argc && atoi(argv[k + 1]) > 0)
            n_seeds = atoi(argv[++k]);
        else if (strcmp(argv[k], "--side") == 0 && k + 1 < argc) {
            k++;
            only_side = strcmp(argv[k], "users") == 0 ? RS_SIDE_USER : RS_SIDE_ITEM;
        } else if (strcmp(argv[k], "--no-partial") == 0)
            partial = 0;
        else if (strcmp(argv[k], "--no-trained") == 0)
            trained = 0;
        else {
            fprintf(stderr, "usage: online [--seed S] [--seeds N] [--side users|items] [--no-partial]\n              [--no-trained]\n");
            return 2;
        }
    }
    const char *env = getenv("RS_DATA_DIR");
    const char *dir = env && *env ? env : "../shared/data";
    char path[4096];
    size_t nb, nt;
    snprintf(path, sizeof path, "%s/ml-100k/u1.base", dir);
    rating *base = read_all(path, &nb);
    snprintf(path, sizeof path, "%s/ml-100k/u1.test", dir);
    rating *test = read_all(path, &nt);
    if (!base || !test || nb == 0) {
        printf("online: SKIP: MovieLens 100K not found under %s (set RS_DATA_DIR)\n", dir);
        return 77;
    }
    qsort(base, nb, sizeof *base, by_time);
    rs_dataset *full = to_dataset(base, nb);
    double full_secs;
    rs_model *mf = fit(full, &full_secs);

    if (partial) {
        /* 1. partial fit vs full retrain */
        size_t cut = nb * 9 / 10;
        rs_dataset *old = to_dataset(base, cut), *fresh = to_dataset(base + cut, nb - cut);
        double full_rmse = rmse(mf, test, nt);
        rs_model *mp = fit(old, NULL);
        double before = rmse(mp, test, nt);
        double t0 = now();
        rs_status st = rs_partial_fit(mp, fresh, old);
        double partial_secs = now() - t0;
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
        rs_model_free(mp);
        rs_dataset_free(old);
        rs_dataset_free(fresh);
    }

    /* 2. the fold-in curve */
    static const char *side_name[] = {"users", "items"};
    curve mean[2];
    memset(mean, 0, sizeof mean);
    for (int s_i = 0; s_i < n_seeds; s_i++) {
        uint64_t seed = first_seed + (uint64_t)s_i;
        for (int side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
            if (only_side >= 0 && side != only_side)
                continue;
            curve c = fold_in_curve(base, nb, test, nt, mf, side, seed, trained);
            char what[64];
            snprintf(what, sizeof what, "seed=%llu", (unsigned long long)seed);
            printf("fold_in %s %s: new_ids=%zu held_out_ratings=%zu\n", what, side_name[side], c.ids,
                   c.held);
            print_curve(what, side_name[side], &c);
            fflush(stdout);
            for (size_t k = 0; k < N_NS; k++) {
                mean[side].fold[k] += c.fold[k] / n_seeds;
                mean[side].trained[k] += c.trained[k] / n_seeds;
            }
            mean[side].fallback += c.fallback / n_seeds;
        }
    }
    int never_worse = 1;
    for (int side = RS_SIDE_USER; side <= RS_SIDE_ITEM; side++) {
        if (only_side >= 0 && side != only_side)
            continue;
        char what[64];
        snprintf(what, sizeof what, "mean_of_%d_seeds", n_seeds);
        print_curve(what, side_name[side], &mean[side]);
        for (size_t k = 0; k + 1 < N_NS; k++)
            never_worse &= mean[side].fold[k] <= mean[side].fallback;
    }
    printf("online: fold_in_never_worse_than_fallback=%s (mean over seeds, n = 1..20)\n",
           never_worse ? "yes" : "no");
    rs_model_free(mf);
    rs_dataset_free(full);
    free(base), free(test);
    return 0;
}
