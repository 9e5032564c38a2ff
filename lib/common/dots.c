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

/* rs__vec_dot's order over c8 (a multiple of 8) values. */
static float dot8_base(const float *x, const float *a, size_t c8)
{
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t c = 0; c < c8; c += 8)
        for (int l = 0; l < 8; l++)
            s[l] += a[c + l] * x[c + l];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static void rows_base(const float *x, const float *a, size_t lda, size_t rows, size_t c8,
                      float *out)
{
    for (size_t r = 0; r < rows; r++)
        out[r] = dot8_base(x, a + r * lda, c8);
}

/* Rows without padding (a block of one column has stride 1): exactly
 * rs__vec_dot, reading cols values of x and of each row. */
static void rows_unpadded(const float *x, const float *a, size_t lda, size_t rows, size_t cols,
                          float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *b = a + r * lda;
        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t c = 0;
        for (; c + 8 <= cols; c += 8)
            for (int l = 0; l < 8; l++)
                s[l] += b[c + l] * x[c + l];
        for (; c < cols; c++)
            s[c & 7] += b[c] * x[c];
        out[r] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    }
}

static void batch_base(const float *pk, size_t nx, const float *a, size_t lda, size_t rows,
                       size_t c8, float *out, size_t ldo)
{
    for (size_t i = 0; i < nx; i++)
        rows_base(pk + i * c8, a, lda, rows, c8, out + i * ldo);
}

/* Batch over rows without padding: rs__vec_dot's order, the queries read
 * from either packed layout (paired: the AVX-512 one). */
static void batch_unpadded(int paired, const float *pk, size_t nx, const float *a, size_t lda,
                           size_t rows, size_t cols, float *out, size_t ldo)
{
    size_t c8 = rs__dots_cols8(cols);
    for (size_t i = 0; i < nx; i++) {
        const float *x = paired ? pk + (i / 2) * 2 * c8 + (i % 2) * 8 : pk + i * c8;
        size_t chunk = paired ? 16 : 8; /* floats from one 8-value chunk to the next */
        for (size_t r = 0; r < rows; r++) {
            const float *b = a + r * lda;
            float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (size_t c = 0; c < cols; c++)
                s[c & 7] += b[c] * x[(c / 8) * chunk + c % 8];
            out[i * ldo + r] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        }
    }
}

static void q8_base(const int8_t *blocks, size_t pairs, const int16_t *xq, size_t first,
                    size_t nblocks, int32_t *out)
{
    for (size_t b = 0; b < nblocks; b++) {
        const int8_t *blk = blocks + (first + b) * pairs * 32;
        int32_t acc[RS__Q8_BLOCK] = {0};
        for (size_t p = 0; p < pairs; p++) {
            int32_t x0 = xq[2 * p], x1 = xq[2 * p + 1];
            const int8_t *v = blk + p * 32;
            for (int i = 0; i < RS__Q8_BLOCK; i++)
                acc[i] += v[2 * i] * x0 + v[2 * i + 1] * x1;
        }
        memcpy(out + RS__Q8_BLOCK * b, acc, sizeof acc);
    }
}

/* Queries are packed in pairs: for query pair g and column chunk c, 16
 * floats hold chunk c (8 floats) of query 2g, then of query 2g + 1. A zmm
 * product with a row chunk broadcast to both halves then computes two dot
 * products at once, each with the eight-lane order of the other variants. */
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
                                  size_t c8, float *out)
{
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
        _mm_storeu_ps(out + r, reduce4_avx2(s0, s1, s2, s3));
    }
    for (; r < rows; r++) {
        const float *a0 = a + r * lda;
        __m256 s0 = _mm256_setzero_ps();
        for (size_t c = 0; c < c8; c += 8)
            s0 = madd_ps(s0, _mm256_loadu_ps(a0 + c), _mm256_loadu_ps(x + c));
        out[r] = _mm_cvtss_f32(reduce4_avx2(s0, s0, s0, s0));
    }
}

/* Two dot products per output row pair: lanes 0, 1 of v go to o0[0], o0[1]
 * and lanes 2, 3 to o1[0], o1[1]. */
TARGET_AVX2 static inline void store_2x2(__m128 v, float *o0, float *o1)
{
    _mm_storel_pi((__m64 *)o0, v);
    _mm_storeh_pi((__m64 *)o1, v);
}

/* Queries are plain rows of c8 floats. Tiles of 4 queries x 2 rows keep 8
 * accumulators in registers; each loaded value feeds 2 or 4 products. */
TARGET_AVX2 static void batch_avx2(const float *pk, size_t nx, const float *a, size_t lda,
                                   size_t rows, size_t c8, float *out, size_t ldo)
{
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *b0 = a + r * lda, *b1 = b0 + lda;
        size_t i = 0;
        for (; i + 4 <= nx; i += 4) {
            const float *x0 = pk + i * c8, *x1 = x0 + c8, *x2 = x1 + c8, *x3 = x2 + c8;
            __m256 s00 = _mm256_setzero_ps(), s01 = s00, s10 = s00, s11 = s00;
            __m256 s20 = s00, s21 = s00, s30 = s00, s31 = s00;
            for (size_t c = 0; c < c8; c += 8) {
                __m256 v0 = _mm256_loadu_ps(b0 + c), v1 = _mm256_loadu_ps(b1 + c);
                __m256 u = _mm256_loadu_ps(x0 + c);
                s00 = madd_ps(s00, v0, u);
                s01 = madd_ps(s01, v1, u);
                u = _mm256_loadu_ps(x1 + c);
                s10 = madd_ps(s10, v0, u);
                s11 = madd_ps(s11, v1, u);
                u = _mm256_loadu_ps(x2 + c);
                s20 = madd_ps(s20, v0, u);
                s21 = madd_ps(s21, v1, u);
                u = _mm256_loadu_ps(x3 + c);
                s30 = madd_ps(s30, v0, u);
                s31 = madd_ps(s31, v1, u);
            }
            float *o = out + i * ldo + r;
            store_2x2(reduce4_avx2(s00, s01, s10, s11), o, o + ldo);
            store_2x2(reduce4_avx2(s20, s21, s30, s31), o + 2 * ldo, o + 3 * ldo);
        }
        for (; i < nx; i++) {
            const float *x0 = pk + i * c8;
            __m256 s0 = _mm256_setzero_ps(), s1 = s0;
            for (size_t c = 0; c < c8; c += 8) {
                __m256 u = _mm256_loadu_ps(x0 + c);
                s0 = madd_ps(s0, _mm256_loadu_ps(b0 + c), u);
                s1 = madd_ps(s1, _mm256_loadu_ps(b1 + c), u);
            }
            _mm_storel_pi((__m64 *)(out + i * ldo + r), reduce4_avx2(s0, s1, s0, s1));
        }
    }
    if (r < rows)
        for (size_t i = 0; i < nx; i++)
            rows_avx2(pk + i * c8, a + r * lda, lda, 1, c8, out + i * ldo + r);
}

/* Four blocks (64 rows) per pass, eight accumulators: the query pair is
 * broadcast once for 64 rows, and four streams keep the prefetchers busy. */
TARGET_AVX2 static void q8_avx2(const int8_t *blocks, size_t pairs, const int16_t *xq,
                                size_t first, size_t nblocks, int32_t *out)
{
    size_t bs = pairs * 32, b = 0;
    for (; b + 4 <= nblocks; b += 4) {
        const int8_t *k0 = blocks + (first + b) * bs, *k1 = k0 + bs, *k2 = k1 + bs, *k3 = k2 + bs;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        __m256i a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m256i x = _mm256_set1_epi32(w);
            size_t o = 32 * p;
#define Q8_STEP(acc, ptr)                                                                          \
    acc = _mm256_add_epi32(                                                                        \
        acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(ptr))), x))
            Q8_STEP(a0, k0 + o);
            Q8_STEP(a1, k0 + o + 16);
            Q8_STEP(a2, k1 + o);
            Q8_STEP(a3, k1 + o + 16);
            Q8_STEP(a4, k2 + o);
            Q8_STEP(a5, k2 + o + 16);
            Q8_STEP(a6, k3 + o);
            Q8_STEP(a7, k3 + o + 16);
        }
        int32_t *d = out + RS__Q8_BLOCK * b;
        _mm256_storeu_si256((__m256i *)d, a0);
        _mm256_storeu_si256((__m256i *)(d + 8), a1);
        _mm256_storeu_si256((__m256i *)(d + 16), a2);
        _mm256_storeu_si256((__m256i *)(d + 24), a3);
        _mm256_storeu_si256((__m256i *)(d + 32), a4);
        _mm256_storeu_si256((__m256i *)(d + 40), a5);
        _mm256_storeu_si256((__m256i *)(d + 48), a6);
        _mm256_storeu_si256((__m256i *)(d + 56), a7);
    }
    for (; b < nblocks; b++) {
        const int8_t *k0 = blocks + (first + b) * bs;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0;
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m256i x = _mm256_set1_epi32(w);
            Q8_STEP(a0, k0 + 32 * p);
            Q8_STEP(a1, k0 + 32 * p + 16);
        }
#undef Q8_STEP
        _mm256_storeu_si256((__m256i *)(out + RS__Q8_BLOCK * b), a0);
        _mm256_storeu_si256((__m256i *)(out + RS__Q8_BLOCK * b + 8), a1);
    }
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

/* Tiles of 4 query pairs (8 queries) x 2 rows: 8 zmm accumulators. */
TARGET_AVX512 static void batch_avx512(const float *pk, size_t nx, const float *a, size_t lda,
                                       size_t rows, size_t c8, float *out, size_t ldo)
{
    size_t pairs = (nx + 1) / 2, full = nx / 2, ps = 2 * c8; /* floats per packed pair */
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *b0 = a + r * lda, *b1 = b0 + lda;
        size_t g = 0;
        for (; g + 4 <= full; g += 4) {
            const float *x0 = pk + g * ps, *x1 = x0 + ps, *x2 = x1 + ps, *x3 = x2 + ps;
            __m512 s00 = _mm512_setzero_ps(), s01 = s00, s10 = s00, s11 = s00;
            __m512 s20 = s00, s21 = s00, s30 = s00, s31 = s00;
            for (size_t c = 0; c < c8; c += 8) {
                __m512 v0 = bcast8(b0 + c), v1 = bcast8(b1 + c);
                size_t o = 2 * c;
                __m512 u = _mm512_loadu_ps(x0 + o);
                s00 = madd512(s00, v0, u);
                s01 = madd512(s01, v1, u);
                u = _mm512_loadu_ps(x1 + o);
                s10 = madd512(s10, v0, u);
                s11 = madd512(s11, v1, u);
                u = _mm512_loadu_ps(x2 + o);
                s20 = madd512(s20, v0, u);
                s21 = madd512(s21, v1, u);
                u = _mm512_loadu_ps(x3 + o);
                s30 = madd512(s30, v0, u);
                s31 = madd512(s31, v1, u);
            }
            float *o = out + 2 * g * ldo + r;
            store_2x2(reduce4_avx2(lo8(s00), lo8(s01), hi8(s00), hi8(s01)), o, o + ldo);
            store_2x2(reduce4_avx2(lo8(s10), lo8(s11), hi8(s10), hi8(s11)), o + 2 * ldo,
                      o + 3 * ldo);
            store_2x2(reduce4_avx2(lo8(s20), lo8(s21), hi8(s20), hi8(s21)), o + 4 * ldo,
                      o + 5 * ldo);
            store_2x2(reduce4_avx2(lo8(s30), lo8(s31), hi8(s30), hi8(s31)), o + 6 * ldo,
                      o + 7 * ldo);
        }
        for (; g < pairs; g++) {
            const float *x0 = pk + g * ps;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0;
            for (size_t c = 0; c < c8; c += 8) {
                __m512 u = _mm512_loadu_ps(x0 + 2 * c);
                s0 = madd512(s0, bcast8(b0 + c), u);
                s1 = madd512(s1, bcast8(b1 + c), u);
            }
            __m128 v = reduce4_avx2(lo8(s0), lo8(s1), hi8(s0), hi8(s1));
            float *o = out + 2 * g * ldo + r;
            if (2 * g + 1 < nx)
                store_2x2(v, o, o + ldo);
            else
                _mm_storel_pi((__m64 *)o, v);
        }
    }
    if (r < rows) {
        const float *b0 = a + r * lda;
        for (size_t g = 0; g < pairs; g++) {
            const float *x0 = pk + g * ps;
            __m512 s0 = _mm512_setzero_ps();
            for (size_t c = 0; c < c8; c += 8)
                s0 = madd512(s0, bcast8(b0 + c), _mm512_loadu_ps(x0 + 2 * c));
            __m128 v = reduce4_avx2(lo8(s0), hi8(s0), lo8(s0), hi8(s0));
            out[2 * g * ldo + r] = _mm_cvtss_f32(v);
            if (2 * g + 1 < nx)
                out[(2 * g + 1) * ldo + r] = _mm_cvtss_f32(_mm_shuffle_ps(v, v, 1));
        }
    }
}

/* One zmm covers a whole block (16 rows x one pair); four blocks per pass. */
TARGET_AVX512 static void q8_avx512(const int8_t *blocks, size_t pairs, const int16_t *xq,
                                    size_t first, size_t nblocks, int32_t *out)
{
    size_t bs = pairs * 32, b = 0;
#define Q8_STEP512(acc, ptr)                                                                       \
    acc = _mm512_add_epi32(                                                                        \
        acc, _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(ptr))), x))
    for (; b + 4 <= nblocks; b += 4) {
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
        int32_t *d = out + RS__Q8_BLOCK * b;
        _mm512_storeu_si512((void *)d, a0);
        _mm512_storeu_si512((void *)(d + 16), a1);
        _mm512_storeu_si512((void *)(d + 32), a2);
        _mm512_storeu_si512((void *)(d + 48), a3);
    }
    for (; b < nblocks; b++) {
        const int8_t *k0 = blocks + (first + b) * bs;
        __m512i a0 = _mm512_setzero_si512();
        for (size_t p = 0; p < pairs; p++) {
            int32_t w;
            memcpy(&w, xq + 2 * p, sizeof w);
            __m512i x = _mm512_set1_epi32(w);
            Q8_STEP512(a0, k0 + 32 * p);
        }
        _mm512_storeu_si512((void *)(out + RS__Q8_BLOCK * b), a0);
    }
#undef Q8_STEP512
}
#endif /* DOTS_X86 */

/* ---- dispatch ---- */

void rs__dots_rows(int32_t isa, const float *x, const float *a, size_t lda, size_t rows,
                   size_t cols, float *out)
{
    size_t c8 = rs__dots_cols8(cols);
    if (lda < c8) {
        rows_unpadded(x, a, lda, rows, cols, out);
        return;
    }
#if DOTS_X86
    /* One query streams the rows from memory: 8-float AVX2 vectors already
     * keep up with it, so AVX-512 runs the same loop. */
    if (isa >= RS__DOTS_AVX2) {
        rows_avx2(x, a, lda, rows, c8, out);
        return;
    }
#endif
    (void)isa;
    rows_base(x, a, lda, rows, c8, out);
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

void rs__dots_batch(int32_t isa, const float *packed, size_t nx, const float *a, size_t lda,
                    size_t rows, size_t cols, float *out, size_t ldo)
{
    size_t c8 = rs__dots_cols8(cols);
    if (lda < c8) {
        batch_unpadded(isa == RS__DOTS_AVX512, packed, nx, a, lda, rows, cols, out, ldo);
        return;
    }
#if DOTS_X86
    if (isa == RS__DOTS_AVX512) {
        batch_avx512(packed, nx, a, lda, rows, c8, out, ldo);
        return;
    }
    if (isa == RS__DOTS_AVX2) {
        batch_avx2(packed, nx, a, lda, rows, c8, out, ldo);
        return;
    }
#endif
    batch_base(packed, nx, a, lda, rows, c8, out, ldo);
}

void rs__q8_dots(int32_t isa, const int8_t *blocks, size_t pairs, const int16_t *xq, size_t first,
                 size_t nblocks, int32_t *out)
{
#if DOTS_X86
    if (isa == RS__DOTS_AVX512) {
        q8_avx512(blocks, pairs, xq, first, nblocks, out);
        return;
    }
    if (isa == RS__DOTS_AVX2) {
        q8_avx2(blocks, pairs, xq, first, nblocks, out);
        return;
    }
#endif
    (void)isa;
    q8_base(blocks, pairs, xq, first, nblocks, out);
}
