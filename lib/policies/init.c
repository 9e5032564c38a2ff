/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * init.c: the built-in initialisation policies. Each fills a block from its
 * own seed only, so results do not depend on the order blocks are filled. */
#include "policies.h"

#include <math.h>
#include <string.h>
#include "common/rng.h"

static double scale_or(const void *ud, double dflt)
{
    if (!ud)
        return dflt;
    double s = *(const double *)ud;
    return (s == s && s >= 0.0 && s < 1e6) ? s : dflt;
}

static void fill_normal(float *v, size_t rows, size_t cols, uint64_t seed, double std)
{
    rs__rng r;
    rs__rng_seed(&r, seed);
    size_t n = rows * cols, j = 0;
    for (; j + 2 <= n; j += 2) {
        double a, b;
        rs__rng_normal_pair(&r, &a, &b);
        v[j] = (float)(std * a);
        v[j + 1] = (float)(std * b);
    }
    if (j < n)
        v[j] = (float)(std * rs__rng_normal(&r));
}

int32_t rs_init_normal(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                       uint64_t seed)
{
    (void)block;
    if (values)
        fill_normal(values, rows, cols, seed, scale_or(ud, 0.1));
    return 0;
}

int32_t rs_init_uniform(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                        uint64_t seed)
{
    (void)block;
    if (!values)
        return 0;
    double a = scale_or(ud, 0.1);
    rs__rng r;
    rs__rng_seed(&r, seed);
    for (size_t j = 0; j < rows * cols; j++)
        values[j] = (float)(a * (2.0 * rs__rng_uniform(&r) - 1.0));
    return 0;
}

int32_t rs_init_scaled_normal(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                              uint64_t seed)
{
    (void)block;
    if (values && cols > 0)
        fill_normal(values, rows, cols, seed, scale_or(ud, 1.0) / sqrt((double)cols));
    return 0;
}

int32_t rs_init_zero(void *ud, int32_t block, float *values, size_t rows, size_t cols,
                     uint64_t seed)
{
    (void)ud;
    (void)block;
    (void)seed;
    if (values)
        memset(values, 0, rows * cols * sizeof(float));
    return 0;
}

void rs__init_resolve(int64_t init_param, rs_init_fn user_fn, void *user_ud, const double *scale,
                      rs_init_fn *fn_out, void **ud_out)
{
    if (user_fn) {
        *fn_out = user_fn;
        *ud_out = user_ud;
        return;
    }
    *ud_out = (void *)scale;
    switch (init_param) {
    case RS_INIT_UNIFORM: *fn_out = rs_init_uniform; break;
    case RS_INIT_SCALED_NORMAL: *fn_out = rs_init_scaled_normal; break;
    case RS_INIT_ZERO: *fn_out = rs_init_zero; break;
    default: *fn_out = rs_init_normal; break;
    }
}
