/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * rng.h: a small, seedable, splittable generator (xoshiro256** seeded by
 * splitmix64). State lives in the caller: no global generator. */
#ifndef RS_COMMON_RNG_H
#define RS_COMMON_RNG_H

#include <stdint.h>
#include "config.h"

typedef struct rs__rng {
    uint64_t s[4];
} rs__rng;

RS_INTERNAL void rs__rng_seed(rs__rng *r, uint64_t seed);
RS_INTERNAL uint64_t rs__rng_next(rs__rng *r);
/* Uniform in [0, 1). */
RS_INTERNAL double rs__rng_uniform(rs__rng *r);
/* Uniform integer in [0, n), n > 0 (Lemire's unbiased multiply-shift). */
RS_INTERNAL uint64_t rs__rng_below(rs__rng *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call). */
RS_INTERNAL double rs__rng_normal(rs__rng *r);
/* Two independent standard normals from one Box-Muller draw (half the cost). */
RS_INTERNAL void rs__rng_normal_pair(rs__rng *r, double *a, double *b);
/* Mix two values into a new seed (for per-block and per-thread streams). */
RS_INTERNAL uint64_t rs__seed_mix(uint64_t a, uint64_t b);

#endif
