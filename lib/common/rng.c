/* librecsgd. SPDX-License-Identifier: BSD-2-Clause */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rs__rng_seed(rs__rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rs__rng_next(rs__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rs__rng_uniform(rs__rng *r) { return (double)(rs__rng_next(r) >> 11) * 0x1.0p-53; }

/* The 128-bit product x * n: returns the high 64 bits, *lo the low ones.
 * Compilers for 32-bit targets have no 128-bit integer; there it is built
 * from 32-bit halves, with the same bits, so draws match on every platform. */
static inline uint64_t mul_hi_lo(uint64_t x, uint64_t n, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    __uint128_t m = (__uint128_t)x * n;
    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
#else
    uint64_t x0 = x & 0xffffffffu, x1 = x >> 32, n0 = n & 0xffffffffu, n1 = n >> 32;
    uint64_t p00 = x0 * n0, p01 = x0 * n1, p10 = x1 * n0, p11 = x1 * n1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

uint64_t rs__rng_below(rs__rng *r, uint64_t n)
{
    /* 128-bit multiply-shift with rejection of the biased low range. */
    uint64_t l;
    uint64_t hi = mul_hi_lo(rs__rng_next(r), n, &l);
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t)
            hi = mul_hi_lo(rs__rng_next(r), n, &l);
    }
    return hi;
}

double rs__rng_normal(rs__rng *r)
{
    double u1 = rs__rng_uniform(r);
    double u2 = rs__rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t rs__seed_mix(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * 0xD6E8FEB86659FD93ull);
    return splitmix64(&x);
}

void rs__rng_normal_pair(rs__rng *r, double *a, double *b)
{
    double u1 = rs__rng_uniform(r);
    double u2 = rs__rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    *a = rad * cos(th);
    *b = rad * sin(th);
}
