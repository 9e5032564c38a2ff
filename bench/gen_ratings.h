/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * gen_ratings.h: what the training-speed benchmarks share (bench/throughput,
 * bench/mpi_throughput): the synthetic LIBMF-style rating set written as
 * "user item rating" text - users x items, true rank `rank`, Zipf-skewed item
 * popularity, Gaussian noise 0.5, ratings clipped to [1, 5], 1% of the lines
 * to a test file - its random numbers, a monotonic clock and a median. */
#ifndef RS_BENCH_GEN_RATINGS_H
#define RS_BENCH_GEN_RATINGS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t sm(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double unif(uint64_t *s) { return (double)(sm(s) >> 11) * 0x1.0p-53; }
static inline double gauss(uint64_t *s)
{
    double u1 = unif(s), u2 = unif(s);
    return sqrt(-2.0 * log(u1 < 1e-300 ? 1e-300 : u1)) * cos(6.283185307179586 * u2);
}

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* ---- data ---- */

static inline int generate(const char *train_path, const char *test_path, size_t n, int users, int items,
                    int rank)
{
    uint64_t s = 20261128;
    float *P = malloc(sizeof(float) * (size_t)users * rank), *Q = malloc(sizeof(float) * (size_t)items * rank);
    double *cdf = malloc(sizeof(double) * (size_t)items);
    FILE *tr = fopen(train_path, "w"), *te = fopen(test_path, "w");
    if (!P || !Q || !cdf || !tr || !te)
        return -1;
    static char buf_tr[1 << 20], buf_te[1 << 16];
    setvbuf(tr, buf_tr, _IOFBF, sizeof buf_tr);
    setvbuf(te, buf_te, _IOFBF, sizeof buf_te);
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
        r = r < 1 ? 1 : (r > 5 ? 5 : r);
        fprintf(sm(&s) % 100 == 0 ? te : tr, "%d %d %.3f\n", u, i, r);
    }
    int bad = ferror(tr) || ferror(te);
    bad |= fclose(tr) != 0;
    bad |= fclose(te) != 0;
    free(P), free(Q), free(cdf);
    return bad ? -1 : 0;
}

#endif
