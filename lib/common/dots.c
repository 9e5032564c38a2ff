/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dots.c: the serving kernels of dots.h for the baseline ISA, AVX2 and
 * AVX-512 (F + BW), each compiled with __attribute__((target)) so the
 * library itself is built for the baseline and picks a variant at run time.
 *
 * Contraction of a * b + c into a fused multiply-add is switched off for
 * this file: a fused product skips one rounding, and the AVX variants must
 * give exactly the float of the baseline loop (and of rs__vec_dot, which the
 * scorers' predict() uses). */
#include "dots.h"

#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define DOTS_X86 1
#include <immintrin.h>
#define TARGET_AVX2 __attribute__((target("avx2")))
#define TARGET_AVX512 __attribute__((target("avx2,avx512f,avx512bw")))
#else
#define DOTS_X86 0
#endif

/* ---- choosing a variant ---- */

int rs__dots_isa_supported(int32_t isa)
{
    if (isa == RS__DOTS_BASELINE)
        return 1;
#if DOTS_X86
    __builtin_cpu_init();
    if (isa == RS__DOTS_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == RS__DOTS_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
    return 0;
}

int32_t rs__dots_isa(void)
{
    for (int32_t isa = RS__DOTS_COUNT - 1; isa > RS__DOTS_BASELINE; isa--)
        if (rs__dots_isa_supported(isa))
            return isa;
    return RS__DOTS_BASELINE;
}

const char *rs__dots_isa_name(int32_t isa)
{
    switch (isa) {
    case RS__DOTS_AVX2: return "avx2";
    case RS__DOTS_AVX512: return "avx512";
    default: return "baseline";
    }
}

/* ---- baseline ---- */

static inline float biased(float base, const float *bias, size_t r, float dot)
{
    return (bias ? base + bias[r] : base) + dot;
}

/* rs__vec_dot's order over c8 (a multiple of 8) values. */
static float dot8_base(const float *x, const float *a, size_t c8)
{
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t c = 0; c < c8; c += 8)
        for (int l = 0; l < 8; l++)
            s[l] += a[c + l] * x[c + l];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* rs__vec_dot itself: cols values, x[c] at x[(c / 8) * chunk + c % 8]
 * (chunk 8: a plain row; 16: the paired AVX-512 batch layout). */
static float dot_exact(const float *x, size_t chunk, const float *a, size_t cols)
{
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t c = 0; c < cols; c++)
        s[c & 7] += a[c] * x[(c / 8) * chunk + c % 8];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static void rows_base(const float *x, const float *a, size_t lda, size_t rows, size_t c8,
                      float base, const float *bias, float *out)
{
    for (size_t r = 0; r < rows; r++)
        out[r] = biased(base, bias, r, dot8_base(x, a + r * lda, c8));
}

static void batch_base(const float *pk, size_t nx, const float *base, const float *a, size_t lda,
                       size_t rows, size_t c8, const float *bias, float *out, size_t ldo)
{
    for (size_t i = 0; i < nx; i++)
        rows_base(pk + i * c8, a, lda, rows, c8, base[i], bias, out + i * ldo);
}

/* Rows without padding (a block of one column has stride 1): rs__vec_dot,
 * reading exactly cols values of the query and of each row. */
static void batch_unpadded(int paired, const float *pk, size_t nx, const float *base,
                           const float *a, size_t lda, size_t rows, size_t cols,
                           const float *bias, float *out, size_t ldo)
{
    size_t c8 = rs__dots_cols8(cols);
    for (size_t i = 0; i < nx; i++) {
        const float *x = paired ? pk + (i / 2) * 2 * c8 + (i % 2) * 8 : pk + i * c8;
        for (size_t r = 0; r < rows; r++)
            out[i * ldo + r] = biased(base[i], bias, r, dot_exact(x, paired ? 16 : 8, a + r * lda, cols));
    }
}

/* Queries packed in pairs (the AVX-512 batch layout, built here so every
 * variant can read it): for query pair g and column chunk c, 16 floats hold
 * chunk c (8 floats) of query 2g, then of query 2g + 1. */
static void pack_pairs(const float *const *x, size_t nx, size_t cols, float *pk)
{
    size_t c8 = rs__dots_cols8(cols), pairs = (nx + 1) / 2;
    memset(pk, 0, pairs * 2 * c8 * sizeof *pk);
    for (size_t i = 0; i < nx; i++) {
        float *dst = pk + (i / 2) * 2 * c8 + (i % 2) * 8;
        for (size_t c = 0; c < cols; c++)
            dst[(c / 8) * 16 + c % 8] = x[i][c];
    }
}

/* D of nb whole blocks from block `first` into d (16 per block). */
static void q8_dots_base(const int8_t *blocks, size_t pairs, const int16_t *xq, size_t first,
                         size_t nb, int32_t *d)
{
    for (size_t b = 0; b < nb; b++) {
        const int8_t *blk = blocks + (first + b) * pairs * 32;
        int32_t acc[RS__Q8_BLOCK] = {0};
        for (size_t p = 0; p < pairs; p++) {
            int32_t x0 = xq[2 * p], x1 = xq[2 * p + 1];
            const int8_t *v = blk + p * 32;
            for (int i = 0; i < RS__Q8_BLOCK; i++)
                acc[i] += v[2 * i] * x0 + v[2 * i + 1] * x1;
        }
        memcpy(d + RS__Q8_BLOCK * b, acc, sizeof acc);
    }
}

/* out[j] = (float)d[j] * (step * scale[j]) + (base + bias[j]), j < n. */
static void q8_convert_base(const int32_t *d, size_t n, float step, const float *scale,
                            float base, const float *bias, float *out)
{
    for (size_t j = 0; j < n; j++)
        out[j] = (float)d[j] * (step * scale[j]) + (bias ? base + bias[j] : base);
}

/* Blocks per group of the int8 kernels: 64 rows of int32 results. */
#define Q8_GROUP 4

#if DOTS_X86
/* ---- AVX2 ---- */

/* The four dot products whose eight lanes are in a, b, c, d, each reduced
 * in rs__vec_dot's order: (l0+l4, l1+l5, l2+l6, l3+l7), then pairwise. */
TARGET_AVX2 static inline __m128 reduce4_avx2(__m256 a, __m256 b, __m256 c, __m256 d)
{
    __m128 ha = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    __m128 hb = _mm_add_ps(_mm256_castps256_ps128(b), _mm256_extractf128_ps(b, 1));
    __m128 hc = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    __m128 hd = _mm_add_ps(_mm256_castps256_ps128(d), _mm256_extractf128_ps(d, 1));
    return _mm_hadd_ps(_mm_hadd_ps(ha, hb), _mm_hadd_ps(hc, hd));
}

TARGET_AVX2 static inline __m256 madd_ps(__m256 s, __m256 a, __m256 b)
{
    return _mm256_add_ps(s, _mm256_mul_ps(a, b));
}

/* Four rows per pass: the query is loaded once per four rows. */
TARGET_AVX2 static void rows_avx2(const float *x, const float *a, size_t lda, size_t rows,
                                  size_t c8, float base, const float *bias, float *out)
{
    __m128 vb = _mm_set1_ps(base);
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *a0 = a + r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t c = 0; c < c8; c += 8) {
            __m256 xv = _mm256_loadu_ps(x + c);
            s0 = madd_ps(s0, _mm256_loadu_ps(a0 + c), xv);
            s1 = madd_ps(s1, _mm256_loadu_ps(a1 + c), xv);
            s2 = madd_ps(s2, _mm256_loadu_ps(a2 + c), xv);
            s3 = madd_ps(s3, _mm256_loadu_ps(a3 + c), xv);
        }
        __m128 bias4 = bias ? _mm_add_ps(vb, _mm_loadu_ps(bias + r)) : vb;
        _mm_storeu_ps(out + r, _mm_add_ps(bias4, reduce4_avx2(s0, s1, s2, s3)));
    }
    for (; r < rows; r++) {
        const float *a0 = a + r * lda;
        __m256 s0 = _mm256_setzero_ps();
        for (size_t c = 0; c < c8; c += 8)
            s0 = madd_ps(s0, _mm256_loadu_ps(a0 + c), _mm256_loadu_ps(x + c));
        out[r] = biased(base, bias, r, _mm_cvtss_f32(reduce4_avx2(s0, s0, s0, s0)));
    }
}

/* Store (base + bias[r .. r + 3]) + v to o[0 .. 3]: one query, four rows. */
TARGET_AVX2 static inline void store_1x4(__m128 v, float base, const float *bias, size_t r,
                                         float *o)
{
    __m128 b = _mm_set1_ps(base);
    if (bias)
        b = _mm_add_ps(b, _mm_loadu_ps(bias + r));
    _mm_storeu_ps(o, _mm_add_ps(b, v));
}

/* Queries are plain rows of c8 floats. Tiles of 2 queries x 4 rows keep 8
 * accumulators in registers; each query chunk feeds 4 products, each row
 * chunk 2, and the four dots of a query leave in one vector. */
TARGET_AVX2 static void batch_avx2(const float *pk, size_t nx, const float *base, const float *a,
                                   size_t lda, size_t rows, size_t c8, const float *bias,
                                   float *out, size_t ldo)
{
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *b0 = a + r * lda, *b1 = b0 + lda, *b2 = b1 + lda, *b3 = b2 + lda;
        size_t i = 0;
        for (; i + 2 <= nx; i += 2) {
            const float *x0 = pk + i * c8, *x1 = x0 + c8;
            __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s03 = s00;
            __m256 s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            for (size_t c = 0; c < c8; c += 8) {
                __m256 v0 = _mm256_loadu_ps(b0 + c), v1 = _mm256_loadu_ps(b1 + c);
                __m256 v2 = _mm256_loadu_ps(b2 + c), v3 = _mm256_loadu_ps(b3 + c);
                __m256 u = _mm256_loadu_ps(x0 + c);
                s00 = madd_ps(s00, v0, u);
                s01 = madd_ps(s01, v1, u);
                s02 = madd_ps(s02, v2, u);
                s03 = madd_ps(s03, v3, u);
                u = _mm256_loadu_ps(x1 + c);
                s10 = madd_ps(s10, v0, u);
                s11 = madd_ps(s11, v1, u);
                s12 = madd_ps(s12, v2, u);
                s13 = madd_ps(s13, v3, u);
            }
            store_1x4(reduce4_avx2(s00, s01, s02, s03), base[i], bias, r, out + i * ldo + r);
            store_1x4(reduce4_avx2(s10, s11, s12, s13), base[i + 1], bias, r,
                      out + (i + 1) * ldo + r);
        }
        for (; i < nx; i++) {
            const float *x0 = pk + i * c8;
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t c = 0; c < c8; c += 8) {
                __m256 u = _mm256_loadu_ps(x0 + c);
                s0 = madd_ps(s0, _mm256_loadu_ps(b0 + c), u);
                s1 = madd_ps(s1, _mm256_loadu_ps(b1 + c), u);
                s2 = madd_ps(s2, _mm256_loadu_ps(b2 + c), u);
                s3 = madd_ps(s3, _mm256_loadu_ps(b3 + c), u);
            }
            store_1x4(reduce4_avx2(s0, s1, s2, s3), base[i], bias, r, out + i * ldo + r);
        }
    }
    for (; r < rows; r++)
        for (size_t i = 0; i < nx; i++)
            rows_avx2(pk + i * c8, a + r * lda, lda, 1, c8, base[i], bias ? bias + r : NULL,
                      out + i * ldo + r);
}

TARGET_AVX2 static void q8_dots_avx2(const int8_t *blocks, size_t pairs, const int16_t *xq,
                                     size_t first, size_t nb, int32_t *d)
{
    size_t bs = pairs * 32, b = 0;
#define Q8_STEP(acc, ptr)                                                                          \
    acc = _mm256_add_epi32(                                                                        \
        acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(ptr))), x))
    /* Four blocks (64 rows) per pass, eight accumulators: the query pair is
     * broadcast once for 64 rows, and four streams keep the prefetchers busy. */
    for (; b + 4 <= nb; b += 4) {
        const int8_t *k0 = blocks + (first + b) * bs, *k1 = k0 + bs, *k2 = k1 + bs, *k3 = k2 + bs;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        __m256i a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m256i x = _mm256_set1_epi32(w);
            size_t o = 32 * p;
            Q8_STEP(a0, k0 + o);
            Q8_STEP(a1, k0 + o + 16);
            Q8_STEP(a2, k1 + o);
            Q8_STEP(a3, k1 + o + 16);
            Q8_STEP(a4, k2 + o);
            Q8_STEP(a5, k2 + o + 16);
            Q8_STEP(a6, k3 + o);
            Q8_STEP(a7, k3 + o + 16);
        }
        int32_t *o = d + RS__Q8_BLOCK * b;
        _mm256_storeu_si256((__m256i *)o, a0);
        _mm256_storeu_si256((__m256i *)(o + 8), a1);
        _mm256_storeu_si256((__m256i *)(o + 16), a2);
        _mm256_storeu_si256((__m256i *)(o + 24), a3);
        _mm256_storeu_si256((__m256i *)(o + 32), a4);
        _mm256_storeu_si256((__m256i *)(o + 40), a5);
        _mm256_storeu_si256((__m256i *)(o + 48), a6);
        _mm256_storeu_si256((__m256i *)(o + 56), a7);
    }
    for (; b < nb; b++) {
        const int8_t *k0 = blocks + (first + b) * bs;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0;
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m256i x = _mm256_set1_epi32(w);
            Q8_STEP(a0, k0 + 32 * p);
            Q8_STEP(a1, k0 + 32 * p + 16);
        }
        _mm256_storeu_si256((__m256i *)(d + RS__Q8_BLOCK * b), a0);
        _mm256_storeu_si256((__m256i *)(d + RS__Q8_BLOCK * b + 8), a1);
    }
#undef Q8_STEP
}

TARGET_AVX2 static void q8_convert_avx2(const int32_t *d, size_t n, float step,
                                        const float *scale, float base, const float *bias,
                                        float *out)
{
    __m256 vs = _mm256_set1_ps(step), vb = _mm256_set1_ps(base);
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 w = _mm256_mul_ps(vs, _mm256_loadu_ps(scale + j));
        __m256 b = bias ? _mm256_add_ps(vb, _mm256_loadu_ps(bias + j)) : vb;
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(d + j))), w);
        _mm256_storeu_ps(out + j, _mm256_add_ps(v, b));
    }
    q8_convert_base(d + j, n - j, step, scale + j, base, bias ? bias + j : NULL, out + j);
}

/* ---- AVX-512 ---- */

TARGET_AVX512 static inline __m512 bcast8(const float *p)
{
    return _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_loadu_pd((const double *)p)));
}

TARGET_AVX512 static inline __m512 madd512(__m512 s, __m512 a, __m512 b)
{
    return _mm512_add_ps(s, _mm512_mul_ps(a, b));
}

TARGET_AVX512 static inline __m256 lo8(__m512 v) { return _mm512_castps512_ps256(v); }
TARGET_AVX512 static inline __m256 hi8(__m512 v)
{
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* Queries packed in pairs (pack_pairs): a zmm product of a query pair with
 * a row chunk broadcast to both halves computes two dot products at once,
 * each in the eight-lane order of the other variants. Tiles of 4 query
 * pairs (8 queries) x 4 rows: 16 zmm accumulators; each query chunk feeds
 * 4 products, each row chunk 4 (8 dot products). */
TARGET_AVX512 static void batch_avx512(const float *pk, size_t nx, const float *base,
                                       const float *a, size_t lda, size_t rows, size_t c8,
                                       const float *bias, float *out, size_t ldo)
{
    size_t pairs = (nx + 1) / 2, full = nx / 2, ps = 2 * c8; /* floats per packed pair */
    size_t r = 0;
/* Query pair g's dots with rows r .. r + 3 (accumulators s0 .. s3) to out. */
#define STORE_PAIR(g, s0, s1, s2, s3)                                                                  do {                                                                                                   size_t q_ = 2 * (g);                                                                               store_1x4(reduce4_avx2(lo8(s0), lo8(s1), lo8(s2), lo8(s3)), base[q_], bias, r,                               out + q_ * ldo + r);                                                                     if (q_ + 1 < nx)                                                                                       store_1x4(reduce4_avx2(hi8(s0), hi8(s1), hi8(s2), hi8(s3)), base[q_ + 1], bias, r,                           out + (q_ + 1) * ldo + r);                                                       } while (0)
    for (; r + 4 <= rows; r += 4) {
        const float *b0 = a + r * lda, *b1 = b0 + lda, *b2 = b1 + lda, *b3 = b2 + lda;
        size_t g = 0;
        for (; g + 4 <= full; g += 4) {
            const float *x0 = pk + g * ps, *x1 = x0 + ps, *x2 = x1 + ps, *x3 = x2 + ps;
            __m512 s00 = _mm512_setzero_ps(), s01 = s00, s02 = s00, s03 = s00;
            __m512 s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            __m512 s20 = s00, s21 = s00, s22 = s00, s23 = s00;
            __m512 s30 = s00, s31 = s00, s32 = s00, s33 = s00;
            for (size_t c = 0; c < c8; c += 8) {
                __m512 v0 = bcast8(b0 + c), v1 = bcast8(b1 + c);
                __m512 v2 = bcast8(b2 + c), v3 = bcast8(b3 + c);
                size_t o = 2 * c;
#define ROW4(u, t0, t1, t2, t3)                                                                        t0 = madd512(t0, v0, u);                                                                           t1 = madd512(t1, v1, u);                                                                           t2 = madd512(t2, v2, u);                                                                           t3 = madd512(t3, v3, u)
                __m512 u = _mm512_loadu_ps(x0 + o);
                ROW4(u, s00, s01, s02, s03);
                u = _mm512_loadu_ps(x1 + o);
                ROW4(u, s10, s11, s12, s13);
                u = _mm512_loadu_ps(x2 + o);
                ROW4(u, s20, s21, s22, s23);
                u = _mm512_loadu_ps(x3 + o);
                ROW4(u, s30, s31, s32, s33);
            }
            STORE_PAIR(g, s00, s01, s02, s03);
            STORE_PAIR(g + 1, s10, s11, s12, s13);
            STORE_PAIR(g + 2, s20, s21, s22, s23);
            STORE_PAIR(g + 3, s30, s31, s32, s33);
        }
        for (; g < pairs; g++) {
            const float *x0 = pk + g * ps;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t c = 0; c < c8; c += 8) {
                __m512 v0 = bcast8(b0 + c), v1 = bcast8(b1 + c);
                __m512 v2 = bcast8(b2 + c), v3 = bcast8(b3 + c);
                __m512 u = _mm512_loadu_ps(x0 + 2 * c);
                ROW4(u, s0, s1, s2, s3);
            }
            STORE_PAIR(g, s0, s1, s2, s3);
        }
#undef ROW4
    }
#undef STORE_PAIR
    for (; r < rows; r++) {
        const float *b0 = a + r * lda;
        for (size_t g = 0; g < pairs; g++) {
            const float *x0 = pk + g * ps;
            __m512 s0 = _mm512_setzero_ps();
            for (size_t c = 0; c < c8; c += 8)
                s0 = madd512(s0, bcast8(b0 + c), _mm512_loadu_ps(x0 + 2 * c));
            float v[4];
            _mm_storeu_ps(v, reduce4_avx2(lo8(s0), hi8(s0), lo8(s0), hi8(s0)));
            size_t i = 2 * g;
            out[i * ldo + r] = biased(base[i], bias, r, v[0]);
            if (i + 1 < nx)
                out[(i + 1) * ldo + r] = biased(base[i + 1], bias, r, v[1]);
        }
    }
}

/* One zmm covers a whole block (16 rows x one pair); four blocks per pass. */
TARGET_AVX512 static void q8_dots_avx512(const int8_t *blocks, size_t pairs, const int16_t *xq,
                                         size_t first, size_t nb, int32_t *d)
{
    size_t bs = pairs * 32, b = 0;
#define Q8_STEP512(acc, ptr)                                                                       \
    acc = _mm512_add_epi32(                                                                        \
        acc, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(ptr))), x))
    for (; b + 4 <= nb; b += 4) {
        const int8_t *k0 = blocks + (first + b) * bs, *k1 = k0 + bs, *k2 = k1 + bs, *k3 = k2 + bs;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m512i x = _mm512_set1_epi32(w);
            size_t o = 32 * p;
            Q8_STEP512(a0, k0 + o);
            Q8_STEP512(a1, k1 + o);
            Q8_STEP512(a2, k2 + o);
            Q8_STEP512(a3, k3 + o);
        }
        int32_t *o = d + RS__Q8_BLOCK * b;
        _mm512_storeu_si512((void *)o, a0);
        _mm512_storeu_si512((void *)(o + 16), a1);
        _mm512_storeu_si512((void *)(o + 32), a2);
        _mm512_storeu_si512((void *)(o + 48), a3);
    }
    for (; b < nb; b++) {
        const int8_t *k0 = blocks + (first + b) * bs;
        __m512i a0 = _mm512_setzero_si512();
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m512i x = _mm512_set1_epi32(w);
            Q8_STEP512(a0, k0 + 32 * p);
        }
        _mm512_storeu_si512((void *)(d + RS__Q8_BLOCK * b), a0);
    }
#undef Q8_STEP512
}

TARGET_AVX512 static void q8_convert_avx512(const int32_t *d, size_t n, float step,
                                            const float *scale, float base, const float *bias,
                                            float *out)
{
    __m512 vs = _mm512_set1_ps(step), vb = _mm512_set1_ps(base);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 w = _mm512_mul_ps(vs, _mm512_loadu_ps(scale + j));
        __m512 b = bias ? _mm512_add_ps(vb, _mm512_loadu_ps(bias + j)) : vb;
        __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_loadu_si512((const void *)(d + j))), w);
        _mm512_storeu_ps(out + j, _mm512_add_ps(v, b));
    }
    q8_convert_base(d + j, n - j, step, scale + j, base, bias ? bias + j : NULL, out + j);
}
#endif /* DOTS_X86 */

/* ---- dispatch ---- */

void rs__dots_rows(int32_t isa, const float *x, const float *a, size_t lda, size_t rows,
                   size_t cols, float base, const float *bias, float *out)
{
    size_t c8 = rs__dots_cols8(cols);
    if (lda < c8) {
        for (size_t r = 0; r < rows; r++)
            out[r] = biased(base, bias, r, dot_exact(x, 8, a + r * lda, cols));
        return;
    }
#if DOTS_X86
    /* One query streams the rows from memory: 8-float AVX2 vectors already
     * keep up with it, so AVX-512 runs the same loop. */
    if (isa >= RS__DOTS_AVX2) {
        rows_avx2(x, a, lda, rows, c8, base, bias, out);
        return;
    }
#endif
    (void)isa;
    rows_base(x, a, lda, rows, c8, base, bias, out);
}

size_t rs__dots_pack_floats(int32_t isa, size_t nx, size_t cols)
{
    size_t c8 = rs__dots_cols8(cols);
    if (isa == RS__DOTS_AVX512)
        return (nx + 1) / 2 * 2 * c8;
    return nx * c8;
}

void rs__dots_pack(int32_t isa, const float *const *x, size_t nx, size_t cols, float *packed)
{
    if (isa == RS__DOTS_AVX512) {
        pack_pairs(x, nx, cols, packed);
        return;
    }
    size_t c8 = rs__dots_cols8(cols);
    for (size_t i = 0; i < nx; i++) {
        memcpy(packed + i * c8, x[i], cols * sizeof *packed);
        memset(packed + i * c8 + cols, 0, (c8 - cols) * sizeof *packed);
    }
}

void rs__dots_batch(int32_t isa, const float *packed, size_t nx, const float *base,
                    const float *a, size_t lda, size_t rows, size_t cols, const float *bias,
                    float *out, size_t ldo)
{
    size_t c8 = rs__dots_cols8(cols);
    if (lda < c8) {
        batch_unpadded(isa == RS__DOTS_AVX512, packed, nx, base, a, lda, rows, cols, bias, out,
                       ldo);
        return;
    }
#if DOTS_X86
    if (isa == RS__DOTS_AVX512) {
        batch_avx512(packed, nx, base, a, lda, rows, c8, bias, out, ldo);
        return;
    }
    if (isa == RS__DOTS_AVX2) {
        batch_avx2(packed, nx, base, a, lda, rows, c8, bias, out, ldo);
        return;
    }
#endif
    batch_base(packed, nx, base, a, lda, rows, c8, bias, out, ldo);
}

void rs__q8_scores(int32_t isa, const int8_t *blocks, size_t pairs, const int16_t *xq,
                   size_t first, size_t count, float step, const float *scale, float base,
                   const float *bias, float *out)
{
    int32_t d[Q8_GROUP * RS__Q8_BLOCK];
    size_t b0 = first / RS__Q8_BLOCK;
    for (size_t done = 0; done < count; done += Q8_GROUP * RS__Q8_BLOCK) {
        size_t n = count - done < Q8_GROUP * RS__Q8_BLOCK ? count - done : Q8_GROUP * RS__Q8_BLOCK;
        size_t nb = (n + RS__Q8_BLOCK - 1) / RS__Q8_BLOCK, j = first + done;
        const float *bj = bias ? bias + j : NULL;
#if DOTS_X86
        if (isa == RS__DOTS_AVX512) {
            q8_dots_avx512(blocks, pairs, xq, b0, nb, d);
            q8_convert_avx512(d, n, step, scale + j, base, bj, out + done);
        } else if (isa == RS__DOTS_AVX2) {
            q8_dots_avx2(blocks, pairs, xq, b0, nb, d);
            q8_convert_avx2(d, n, step, scale + j, base, bj, out + done);
        } else
#endif
        {
            q8_dots_base(blocks, pairs, xq, b0, nb, d);
            q8_convert_base(d, n, step, scale + j, base, bj, out + done);
        }
        b0 += nb;
    }
    (void)isa;
}
