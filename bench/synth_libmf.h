/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * synth_libmf.h: the synthetic rating set of the training benchmarks, shaped
 * like LIBMF's: users x items, true rank `rank` (Gaussian factors of
 * variance 1/rank around a mean of 3), Zipf-skewed item popularity
 * (exponent 0.8, popularity rank scattered over the item ids), Gaussian
 * noise 0.5, ratings clipped to [1, 5] and rounded to 3 decimals; one line
 * in 100 goes to the test set. One generator for bench/throughput (which
 * writes LIBMF text files), bench/roofline and bench/mpi_throughput (which
 * keep the training ratings in memory), so they all see the same data. */
#ifndef RS_BENCH_SYNTH_LIBMF_H
#define RS_BENCH_SYNTH_LIBMF_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint64_t synth_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double synth_unif(uint64_t *s) { return (double)(synth_next(s) >> 11) * 0x1.0p-53; }
static inline double synth_gauss(uint64_t *s)
{
    double u1 = synth_unif(s), u2 = synth_unif(s);
    return sqrt(-2.0 * log(u1 < 1e-300 ? 1e-300 : u1)) * cos(6.283185307179586 * u2);
}

/* Calls emit(ud, user, item, rating, is_test) for n generated lines; 0 on
 * success, -1 when out of memory or when emit returns non-zero. */
static inline int synth_each(size_t n, int users, int items, int rank,
                      int (*emit)(void *, int, int, double, int), void *ud)
{
    uint64_t s = 20261128;
    float *P = malloc(sizeof(float) * (size_t)users * rank), *Q = malloc(sizeof(float) * (size_t)items * rank);
    double *cdf = malloc(sizeof(double) * (size_t)items);
    int rc = -1;
    if (!P || !Q || !cdf)
        goto out;
    double scale = 1.0 / sqrt((double)rank);
    for (size_t k = 0; k < (size_t)users * rank; k++)
        P[k] = (float)(synth_gauss(&s) * sqrt(scale));
    for (size_t k = 0; k < (size_t)items * rank; k++)
        Q[k] = (float)(synth_gauss(&s) * sqrt(scale));
    double acc = 0;
    for (int i = 0; i < items; i++) {
        acc += 1.0 / pow(i + 1.0, 0.8);
        cdf[i] = acc;
    }
    for (size_t j = 0; j < n; j++) {
        int u = (int)(synth_next(&s) % (uint64_t)users);
        double x = synth_unif(&s) * acc;
        int lo = 0, hi = items - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cdf[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        int i = (int)(((uint64_t)lo * 7919u) % (uint64_t)items);
        double r = 3.0;
        for (int k = 0; k < rank; k++)
            r += P[(size_t)u * rank + k] * Q[(size_t)i * rank + k];
        r += 0.5 * synth_gauss(&s);
        r = r < 1 ? 1 : (r > 5 ? 5 : r);
        r = floor(r * 1000.0 + 0.5) / 1000.0;
        if (emit(ud, u, i, r, synth_next(&s) % 100 == 0) != 0)
            goto out;
    }
    rc = 0;
out:
    free(P), free(Q), free(cdf);
    return rc;
}

/* ---- the training ratings in memory ---- */

typedef struct synth_ratings {
    int32_t *u, *i;
    float *r;
    size_t n, cap;
} synth_ratings;

static inline int synth_keep_train(void *ud, int u, int i, double r, int is_test)
{
    synth_ratings *d = ud;
    if (is_test)
        return 0;
    if (d->n == d->cap) {
        size_t nc = d->cap ? 2 * d->cap : 1 << 16;
        int32_t *nu = realloc(d->u, nc * sizeof *nu);
        if (nu)
            d->u = nu;
        int32_t *ni = realloc(d->i, nc * sizeof *ni);
        if (ni)
            d->i = ni;
        float *nr = realloc(d->r, nc * sizeof *nr);
        if (nr)
            d->r = nr;
        if (!nu || !ni || !nr)
            return -1;
        d->cap = nc;
    }
    d->u[d->n] = u;
    d->i[d->n] = i;
    d->r[d->n] = (float)r;
    d->n++;
    return 0;
}

static inline void synth_free(synth_ratings *d)
{
    free(d->u), free(d->i), free(d->r);
    d->u = d->i = NULL;
    d->r = NULL;
    d->n = d->cap = 0;
}

static inline int synth_generate(synth_ratings *d, size_t n, int users, int items, int rank)
{
    d->u = d->i = NULL;
    d->r = NULL;
    d->n = d->cap = 0;
    if (synth_each(n, users, items, rank, synth_keep_train, d) != 0) {
        synth_free(d);
        return -1;
    }
    return 0;
}

/* ---- LIBMF text files ("user item rating" lines) ---- */

typedef struct synth_files {
    FILE *train, *test;
} synth_files;

static inline int synth_write_line(void *ud, int u, int i, double r, int is_test)
{
    synth_files *f = ud;
    return fprintf(is_test ? f->test : f->train, "%d %d %.3f\n", u, i, r) < 0 ? -1 : 0;
}

static inline int synth_write_files(const char *train_path, const char *test_path, size_t n, int users,
                             int items, int rank)
{
    synth_files f = {fopen(train_path, "w"), fopen(test_path, "w")};
    if (!f.train || !f.test) {
        if (f.train)
            fclose(f.train);
        if (f.test)
            fclose(f.test);
        return -1;
    }
    static char buf_tr[1 << 20], buf_te[1 << 16];
    setvbuf(f.train, buf_tr, _IOFBF, sizeof buf_tr);
    setvbuf(f.test, buf_te, _IOFBF, sizeof buf_te);
    int bad = synth_each(n, users, items, rank, synth_write_line, &f) != 0;
    bad |= ferror(f.train) || ferror(f.test);
    bad |= fclose(f.train) != 0;
    bad |= fclose(f.test) != 0;
    return bad ? -1 : 0;
}

#endif
