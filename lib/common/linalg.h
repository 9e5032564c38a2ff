/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * linalg.h: the small dense solves the library needs (fold-in, the feature
 * re-split): Cholesky factorisation of a symmetric positive definite matrix
 * in place, then solves for any number of right-hand sides. Row-major. */
#ifndef RS_COMMON_LINALG_H
#define RS_COMMON_LINALG_H

#include <stddef.h>
#include "config.h"

/* A (n x n, SPD) -> its lower Cholesky factor L in place. 0 on success, -1
 * when A is not positive definite. */
RS_INTERNAL int rs__chol_factor(double *A, size_t n);
/* Solve L L^T x = b in place (b has n entries), with L from rs__chol_factor. */
RS_INTERNAL void rs__chol_solve(const double *L, double *b, size_t n);

#endif
