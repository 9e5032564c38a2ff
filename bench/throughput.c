/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * throughput.c: SGD training speed on a synthetic set shaped like LIBMF's
 * benchmarks: 100k users x 20k items, true rank 10 plus noise, Zipf-skewed
 * item popularity, 10M ratings (--ratings N). Trains 10 epochs at 32 and 128
 * factors on 1 and 2 threads and prints updates per second (ratings x epochs
 * / rs_fit seconds; generating and loading the data are excluded) and peak
 * RSS. With --repeat R each configuration runs R times and the median is
 * reported. The last line holds k32_t2_updates_per_s= and k128_t2_updates_per_s=. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <librecsgd/recsgd.h>

static uint64_t sm(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)(sm(s) >> 11) * 0x1.0p-53; }
static double gauss(uint64_t *s)
{
    double u1 = unif(s), u2 = unif(s);
    return sqrt(-2.0 * log(u1 < 1e-300 ? 1e-300 : u1)) * cos(6.283185307179586 * u2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static rs_dataset *generate(size_t n, int users, int items, int rank)
{
    uint64_t s = 20261128;
    float *P = malloc(sizeof(float) * (size_t)users * rank), *Q = malloc(sizeof(float) * (size_t)items * rank);
    double *cdf = malloc(sizeof(double) * (size_t)items);
    int64_t *us = malloc(sizeof(int64_t) * n), *is = malloc(sizeof(int64_t) * n);
    float *rs = malloc(sizeof(float) * n);
    if (!P || !Q || !cdf || !us || !is || !rs)
        return NULL;
    double scale = 1.0 / sqrt((double)rank);
    for (size_t k = 0; k < (size_t)users * rank; k++)
        P[k] = (float)(gauss(&s) * sqrt(scale));
    for (size_t k = 0; k < (size_t)items * rank; k++)
        Q[k] = (float)(gauss(&s) * sqrt(scale));
    double acc = 0;
    for (int i = 0; i < items; i++) {
        acc += 1.0 / pow(i + 1.0, 0.8); /* Zipf-like popularity */
        cdf[i] = acc;
    }
    for (size_t j = 0; j < n; j++) {
        int u = (int)(sm(&s) % (uint64_t)users);
        double x = unif(&s) * acc;
        int lo = 0, hi = items - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cdf[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* Popularity rank -> a scattered item id, so hot items are spread out. */
        int i = (int)(((uint64_t)lo * 7919u) % (uint64_t)items);
        double r = 3.0;
        for (int k = 0; k < rank; k++)
            r += P[(size_t)u * rank + k] * Q[(size_t)i * rank + k];
        r += 0.5 * gauss(&s);
        us[j] = u;
        is[j] = i;
        rs[j] = (float)(r < 1 ? 1 : (r > 5 ? 5 : r));
    }
    rs_dataset *ds = NULL;
    if (rs_dataset_new(&ds, NULL, NULL) != RS_OK || rs_dataset_add_ratings(ds, us, is, rs, NULL, n) != RS_OK)
        ds = NULL;
    free(P), free(Q), free(cdf), free(us), free(is), free(rs);
    return ds;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    int repeat = 1, epochs = 10;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--ratings") == 0 && k + 1 < argc)
            n = (size_t)atoll(argv[++k]);
        else if (strcmp(argv[k], "--repeat") == 0 && k + 1 < argc)
            repeat = atoi(argv[++k]);
        else if (strcmp(argv[k], "--epochs") == 0 && k + 1 < argc)
            epochs = atoi(argv[++k]);
        else {
            fprintf(stderr, "usage: throughput [--ratings N] [--repeat R] [--epochs E]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 15 || n < 1000 || epochs < 1)
        return 2;
    double t0 = now();
    rs_dataset *ds = generate(n, 100000, 20000, 10);
    if (!ds) {
        fprintf(stderr, "throughput: could not generate data\n");
        return 1;
    }
    printf("generated ratings=%zu users=%zu items=%zu seconds=%.2f\n", rs_dataset_num_ratings(ds),
           rs_dataset_num_users(ds), rs_dataset_num_items(ds), now() - t0);
    int has_threads = (rs_build_features() & RS_FEATURE_THREADS) != 0;
    static const int factors[] = {32, 128};
    double summary[2][2] = {{0, 0}, {0, 0}};
    for (int f = 0; f < 2; f++) {
        for (int t = 1; t <= 2; t++) {
            if (t == 2 && !has_threads)
                continue;
            double rates[15];
            double rmse = 0;
            for (int r = 0; r < repeat; r++) {
                rs_model *m;
                if (rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
                    return 1;
                rs_model_set_int(m, RS_PARAM_FACTORS, factors[f]);
                rs_model_set_int(m, RS_PARAM_EPOCHS, epochs);
                rs_model_set_int(m, RS_PARAM_THREADS, t);
                rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0);
                rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.005);
                double s0 = now();
                rs_status st = rs_fit(m, ds, NULL);
                double secs = now() - s0;
                if (st != RS_OK) {
                    fprintf(stderr, "throughput: rs_fit: %s\n", rs_model_last_error(m));
                    return 1;
                }
                rates[r] = (double)n * epochs / secs;
                double s[RS_STAT_COUNT_V0_1];
                size_t got;
                rs_model_epoch_stats(m, rs_model_num_epoch_stats(m) - 1, s, RS_STAT_COUNT_V0_1, &got);
                rmse = s[RS_STAT_TRAIN_RMSE];
                rs_model_free(m);
            }
            qsort(rates, (size_t)repeat, sizeof rates[0], cmp_double);
            double med = rates[repeat / 2];
            summary[f][t - 1] = med;
            printf("factors=%d threads=%d epochs=%d updates_per_s=%.3e (median of %d) train_rmse=%.4f peak_rss_mb=%.0f\n",
                   factors[f], t, epochs, med, repeat, rmse, peak_rss_mb());
            fflush(stdout);
        }
    }
    rs_dataset_free(ds);
    printf("throughput: ratings=%zu k32_t1_updates_per_s=%.3e k32_t2_updates_per_s=%.3e "
           "k128_t1_updates_per_s=%.3e k128_t2_updates_per_s=%.3e peak_rss_mb=%.0f\n",
           n, summary[0][0], summary[0][1], summary[1][0], summary[1][1], peak_rss_mb());
    return 0;
}
