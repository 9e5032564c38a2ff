/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * vec.h: small dense float kernels used by scorers and serving. The training
 * hot loops have their own fused kernels with runtime CPU dispatch (lib/optim);
 * these are the portable building blocks. */
#ifndef RS_COMMON_VEC_H
#define RS_COMMON_VEC_H

#include <stddef.h>
#include "config.h"

/* Sum of a[j] * b[j], accumulated in a fixed order (deterministic). */
static RS_ALWAYS_INLINE float rs__vec_dot(const float *a, const float *b, size_t n)
{
    /* Eight independent partial sums let the compiler vectorise without
     * -ffast-math, and fix the summation order so results are reproducible. */
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++)
            s[l] += a[j + l] * b[j + l];
    for (; j < n; j++)
        s[j & 7] += a[j] * b[j];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static RS_ALWAYS_INLINE float rs__vec_sqnorm(const float *a, size_t n) { return rs__vec_dot(a, a, n); }

#endif
