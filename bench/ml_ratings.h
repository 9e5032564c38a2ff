/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * ml_ratings.h: read a MovieLens `user item rating timestamp` file into an
 * array, timestamps included (rs_dataset does not keep them, and the online
 * and implicit benchmarks need them or need raw access). Benchmark code only. */
#ifndef RS_BENCH_ML_RATINGS_H
#define RS_BENCH_ML_RATINGS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct rating {
    int64_t u, i;
    float r;
    long ts;
} rating;

/* The whole file, or NULL when it cannot be opened; *n_out gets the count. */
static rating *read_all(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 17, n = 0;
    rating *v = malloc(cap * sizeof *v);
    long long u, i, ts;
    double r;
    while (v && fscanf(f, "%lld %lld %lf %lld", &u, &i, &r, &ts) == 4) {
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        if (v)
            v[n++] = (rating){u, i, (float)r, (long)ts};
    }
    fclose(f);
    *n_out = n;
    return v;
}

#endif
