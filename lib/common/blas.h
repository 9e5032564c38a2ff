/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * blas.h: the one seam to BLAS. With RS_ENABLE_CBLAS=1 these call
 * cblas_sgemv / cblas_sgemm; otherwise portable blocked kernels written so
 * that gcc vectorises them at plain -O2. Only the two shapes serving needs
 * are offered, both on row-major matrices whose rows hold the shared
 * dimension contiguously (the layout of parameter blocks). */
#ifndef RS_COMMON_BLAS_H
#define RS_COMMON_BLAS_H

#include <stddef.h>
#include "config.h"

/* y[r] = alpha * sum_c a[r * lda + c] * x[c] + beta * y[r] for r < rows, c < cols.
 * beta == 0 means y is only written (BLAS rule: its old contents may be garbage). */
RS_INTERNAL void rs__blas_sgemv(size_t rows, size_t cols, float alpha, const float *a, size_t lda,
                                const float *x, float beta, float *y);

/* C = alpha * A * B^T + beta * C, all row-major:
 * c[i * ldc + j] = alpha * sum_l a[i * lda + l] * b[j * ldb + l] + beta * c[i * ldc + j]
 * for i < m, j < n, l < k. beta == 0 means C is only written. */
RS_INTERNAL void rs__blas_sgemm_nt(size_t m, size_t n, size_t k, float alpha, const float *a,
                                   size_t lda, const float *b, size_t ldb, float beta, float *c,
                                   size_t ldc);

/* The portable kernels, always built, so tests can compare them with naive
 * loops and with CBLAS in the same binary. */
RS_INTERNAL void rs__blas_sgemv_portable(size_t rows, size_t cols, float alpha, const float *a,
                                         size_t lda, const float *x, float beta, float *y);
RS_INTERNAL void rs__blas_sgemm_nt_portable(size_t m, size_t n, size_t k, float alpha,
                                            const float *a, size_t lda, const float *b, size_t ldb,
                                            float beta, float *c, size_t ldc);

/* 1 when the seam calls a CBLAS library. */
RS_INTERNAL int rs__blas_is_cblas(void);

#endif
