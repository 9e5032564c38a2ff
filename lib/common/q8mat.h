/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * q8mat.h: an int8 copy of a float matrix, one scale per row, in the block
 * layout of the int8 kernels (dots.h). Row j is approximated by
 * scale[j] * int8 row with scale[j] = max_c |a_jc| / 127 and each value
 * rounded to the nearest integer, so every element is off by at most
 * 0.51 * scale[j] (half a step, plus the rounding of the division). The
 * copy is a cache: whoever owns the float matrix rebuilds the rows it
 * changes (lib/core/serving.c does so for the item vectors). */
#ifndef RS_COMMON_Q8MAT_H
#define RS_COMMON_Q8MAT_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/status.h>
#include "alloc.h"
#include "dots.h"

typedef struct rs__q8mat {
    int8_t *blocks;   /* cap_blocks blocks of pairs * 32 bytes (dots.h layout) */
    float *scale;     /* cap_blocks * 16 row scales (rows past n: unused) */
    size_t n, cols, pairs, cap_blocks;
    float scale_max;  /* >= every scale[j], j < n (grows with updates; exact after a full set) */
    void *raw;        /* aligned allocation behind blocks */
    size_t raw_bytes;
} rs__q8mat;

static inline size_t rs__q8mat_blocks(size_t n) { return (n + RS__Q8_BLOCK - 1) / RS__Q8_BLOCK; }

/* Make room for n rows of cols values. The rows already set keep their
 * values when cols is unchanged; new rows read as zero until set. On
 * failure (RS_ERR_NOMEM, RS_ERR_RANGE) q is unchanged. */
RS_INTERNAL rs_status rs__q8mat_resize(rs__q8mat *q, const rs__allocator *a, size_t n,
                                       size_t cols);

/* Quantise rows [first, first + count) from src (row j at src + j * ld).
 * Setting all n rows recomputes scale_max exactly. Returns 0 if a value is
 * not finite (the copy is then unusable), 1 otherwise. */
RS_INTERNAL int rs__q8mat_set_rows(rs__q8mat *q, const float *src, size_t ld, size_t first,
                                   size_t count);

RS_INTERNAL void rs__q8mat_free(rs__q8mat *q, const rs__allocator *a);

/* Bytes the copy holds (blocks and scales). */
RS_INTERNAL size_t rs__q8mat_bytes(const rs__q8mat *q);

/* Quantise a query row x (cols floats) to int16 for rs__q8_dots:
 * x[c] ~ step * xq[c], each off by at most 0.51 * step, with |xq[c]| small
 * enough that no int32 sum over a row can overflow. xq needs
 * 2 * ((cols + 1) / 2) entries (the last is zeroed for odd cols). Writes
 * the step and sum |xq[c]| and returns 1; returns 0 when x has a value that
 * is not finite. */
RS_INTERNAL int rs__q8_query(const float *x, size_t cols, int16_t *xq, float *step,
                             double *l1_out);

#endif
