/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * blas.c: the BLAS seam (see blas.h) and the portable kernels behind it. */
#include "blas.h"

#include <limits.h>

#if RS_ENABLE_CBLAS
#include <cblas.h>
#endif

/* The portable kernels keep LANES independent partial sums per dot product:
 * without -ffast-math gcc may not reassociate a float reduction, but it does
 * vectorise element-wise updates of a small fixed-size array (SLP), and the
 * fixed summation order keeps results reproducible. */
#define LANES 8

static inline float lanes_sum(const float s[LANES])
{
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static inline float blend(float alpha, float dot, float beta, float old)
{
    /* BLAS rule: beta == 0 never reads the output, so stale NaNs do not leak in. */
    return beta == 0.0f ? alpha * dot : alpha * dot + beta * old;
}

/* Four rows at a time: x is loaded once per four rows and the 32 partial
 * sums fit the 16 SSE registers of baseline x86-64. */
void rs__blas_sgemv_portable(size_t rows, size_t cols, float alpha, const float *a, size_t lda,
                             const float *x, float beta, float *y)
{
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *a0 = a + r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        float s0[LANES] = {0}, s1[LANES] = {0}, s2[LANES] = {0}, s3[LANES] = {0};
        size_t c = 0;
        for (; c + LANES <= cols; c += LANES) {
            for (int l = 0; l < LANES; l++) {
                float xv = x[c + l];
                s0[l] += a0[c + l] * xv;
                s1[l] += a1[c + l] * xv;
                s2[l] += a2[c + l] * xv;
                s3[l] += a3[c + l] * xv;
            }
        }
        for (; c < cols; c++) {
            s0[c & 7] += a0[c] * x[c];
            s1[c & 7] += a1[c] * x[c];
            s2[c & 7] += a2[c] * x[c];
            s3[c & 7] += a3[c] * x[c];
        }
        y[r] = blend(alpha, lanes_sum(s0), beta, y[r]);
        y[r + 1] = blend(alpha, lanes_sum(s1), beta, y[r + 1]);
        y[r + 2] = blend(alpha, lanes_sum(s2), beta, y[r + 2]);
        y[r + 3] = blend(alpha, lanes_sum(s3), beta, y[r + 3]);
    }
    for (; r < rows; r++) {
        const float *a0 = a + r * lda;
        float s0[LANES] = {0};
        size_t c = 0;
        for (; c + LANES <= cols; c += LANES)
            for (int l = 0; l < LANES; l++)
                s0[l] += a0[c + l] * x[c + l];
        for (; c < cols; c++)
            s0[c & 7] += a0[c] * x[c];
        y[r] = blend(alpha, lanes_sum(s0), beta, y[r]);
    }
}

/* Rows of B per cache tile: TILE_B rows of up to a few hundred floats stay in
 * L2 while every row of A sweeps over them. */
#define TILE_B 128

/* Two rows of A against four rows of B: eight dot products whose 8 x 4
 * lane sums stay in registers; each loaded value is used two or four times. */
static void kern_2x4(size_t k, const float *a0, const float *a1, const float *b0, const float *b1,
                     const float *b2, const float *b3, float out[8])
{
    float s[8][4] = {{0}};
    size_t l = 0;
    for (; l + 4 <= k; l += 4) {
        for (int v = 0; v < 4; v++) {
            float x0 = a0[l + v], x1 = a1[l + v];
            float y0 = b0[l + v], y1 = b1[l + v], y2 = b2[l + v], y3 = b3[l + v];
            s[0][v] += x0 * y0;
            s[1][v] += x0 * y1;
            s[2][v] += x0 * y2;
            s[3][v] += x0 * y3;
            s[4][v] += x1 * y0;
            s[5][v] += x1 * y1;
            s[6][v] += x1 * y2;
            s[7][v] += x1 * y3;
        }
    }
    for (; l < k; l++) {
        s[0][l & 3] += a0[l] * b0[l];
        s[1][l & 3] += a0[l] * b1[l];
        s[2][l & 3] += a0[l] * b2[l];
        s[3][l & 3] += a0[l] * b3[l];
        s[4][l & 3] += a1[l] * b0[l];
        s[5][l & 3] += a1[l] * b1[l];
        s[6][l & 3] += a1[l] * b2[l];
        s[7][l & 3] += a1[l] * b3[l];
    }
    for (int q = 0; q < 8; q++)
        out[q] = (s[q][0] + s[q][2]) + (s[q][1] + s[q][3]);
}

static float dot_plain(size_t k, const float *a, const float *b)
{
    float s[4] = {0, 0, 0, 0};
    size_t l = 0;
    for (; l + 4 <= k; l += 4)
        for (int v = 0; v < 4; v++)
            s[v] += a[l + v] * b[l + v];
    for (; l < k; l++)
        s[l & 3] += a[l] * b[l];
    return (s[0] + s[2]) + (s[1] + s[3]);
}

void rs__blas_sgemm_nt_portable(size_t m, size_t n, size_t k, float alpha, const float *a,
                                size_t lda, const float *b, size_t ldb, float beta, float *c,
                                size_t ldc)
{
    for (size_t j0 = 0; j0 < n; j0 += TILE_B) {
        size_t j1 = j0 + TILE_B < n ? j0 + TILE_B : n;
        size_t i = 0;
        for (; i + 2 <= m; i += 2) {
            const float *a0 = a + i * lda, *a1 = a0 + lda;
            float *c0 = c + i * ldc, *c1 = c0 + ldc;
            size_t j = j0;
            for (; j + 4 <= j1; j += 4) {
                float out[8];
                const float *b0 = b + j * ldb;
                kern_2x4(k, a0, a1, b0, b0 + ldb, b0 + 2 * ldb, b0 + 3 * ldb, out);
                for (int q = 0; q < 4; q++) {
                    c0[j + q] = blend(alpha, out[q], beta, c0[j + q]);
                    c1[j + q] = blend(alpha, out[4 + q], beta, c1[j + q]);
                }
            }
            for (; j < j1; j++) {
                c0[j] = blend(alpha, dot_plain(k, a0, b + j * ldb), beta, c0[j]);
                c1[j] = blend(alpha, dot_plain(k, a1, b + j * ldb), beta, c1[j]);
            }
        }
        for (; i < m; i++) {
            const float *a0 = a + i * lda;
            float *c0 = c + i * ldc;
            for (size_t j = j0; j < j1; j++)
                c0[j] = blend(alpha, dot_plain(k, a0, b + j * ldb), beta, c0[j]);
        }
    }
}

#if RS_ENABLE_CBLAS
/* CBLAS takes int sizes; serving never comes close (ids are int32, factors
 * <= 4096), but split anyway rather than truncate. */
#define CB_MAX ((size_t)INT_MAX)

void rs__blas_sgemv(size_t rows, size_t cols, float alpha, const float *a, size_t lda,
                    const float *x, float beta, float *y)
{
    if (rows == 0)
        return;
    if (cols == 0 || cols > CB_MAX || lda > CB_MAX) {
        rs__blas_sgemv_portable(rows, cols, alpha, a, lda, x, beta, y);
        return;
    }
    for (size_t r = 0; r < rows; r += CB_MAX) {
        size_t nr = rows - r < CB_MAX ? rows - r : CB_MAX;
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)nr, (int)cols, alpha, a + r * lda,
                    (int)(lda > 0 ? lda : 1), x, 1, beta, y + r, 1);
    }
}

void rs__blas_sgemm_nt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                       const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0 || m > CB_MAX || n > CB_MAX || k > CB_MAX || lda > CB_MAX || ldb > CB_MAX ||
        ldc > CB_MAX) {
        rs__blas_sgemm_nt_portable(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, alpha, a,
                (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

int rs__blas_is_cblas(void) { return 1; }
#else
void rs__blas_sgemv(size_t rows, size_t cols, float alpha, const float *a, size_t lda,
                    const float *x, float beta, float *y)
{
    rs__blas_sgemv_portable(rows, cols, alpha, a, lda, x, beta, y);
}

void rs__blas_sgemm_nt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                       const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    rs__blas_sgemm_nt_portable(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int rs__blas_is_cblas(void) { return 0; }
#endif
