/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * dots.h: the dot-product kernels of serving, compiled for AVX-512, for
 * AVX2 and for the baseline ISA, chosen at run time from the CPU (no
 * -march=native, no global state: the caller asks rs__dots_isa() per call
 * and passes the answer down).
 *
 * Float kernels: every dot product has the summation order of
 * rs__vec_dot (vec.h) - eight lanes, lane l summing elements l, l+8, ...,
 * products rounded before the add (no fused multiply-add), then
 * ((l0+l4)+(l1+l5))+((l2+l6)+(l3+l7)) - so all ISA variants, the
 * single-user and the batch kernels and the scorer's own predict() give the
 * same float, bit for bit (up to the sign of an exact zero). When the row
 * stride lda is at least cols rounded up to 8, the query and every row are
 * read that far, so that padding (zeros, as parameter blocks keep it) must
 * be there; a smaller lda (blocks of one column have stride 1) reads
 * exactly cols values.
 *
 * Int8 kernels: the item side of the optional quantised copy (q8mat.h) is
 * int8, the query side int16; the products are summed exactly in int32.
 *
 * Every kernel also adds the biases, so that the whole per-item loop runs
 * in the chosen variant (at -O2, gcc does not vectorise such loops itself). */
#ifndef RS_COMMON_DOTS_H
#define RS_COMMON_DOTS_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* Which compiled variant to run. */
enum { RS__DOTS_BASELINE = 0, RS__DOTS_AVX2 = 1, RS__DOTS_AVX512 = 2, RS__DOTS_COUNT = 3 };

/* The best variant this CPU runs (AVX-512 needs F and BW; AVX2 needs FMA
 * too, as the training kernels do). Cheap: call it per scoring call. */
RS_INTERNAL int32_t rs__dots_isa(void);
/* 1 if the CPU can run variant isa (tests run every variant it can). */
RS_INTERNAL int rs__dots_isa_supported(int32_t isa);
RS_INTERNAL const char *rs__dots_isa_name(int32_t isa);

/* cols rounded up to 8: the row length the float kernels read. */
static inline size_t rs__dots_cols8(size_t cols) { return (cols + 7) & ~(size_t)7; }

/* out[r] = (base + bias[r]) + dot(x, a + r * lda) for r < rows, or
 * base + dot(...) when bias is NULL: the association of the collaborative
 * scorer's predict(). */
RS_INTERNAL void rs__dots_rows(int32_t isa, const float *x, const float *a, size_t lda,
                               size_t rows, size_t cols, float base, const float *bias,
                               float *out);

/* Batch: nx query rows against `rows` rows of a. The queries (x[i], cols
 * floats each) are first packed into the variant's layout
 * (rs__dots_pack_floats floats, zero-filled where no query value goes), then
 * out[i * ldo + r] = (base[i] + bias[r]) + dot(x_i, a + r * lda) for i < nx,
 * r < rows (base[i] + dot(...) when bias is NULL). */
RS_INTERNAL size_t rs__dots_pack_floats(int32_t isa, size_t nx, size_t cols);
RS_INTERNAL void rs__dots_pack(int32_t isa, const float *const *x, size_t nx, size_t cols,
                               float *packed);
RS_INTERNAL void rs__dots_batch(int32_t isa, const float *packed, size_t nx, const float *base,
                                const float *a, size_t lda, size_t rows, size_t cols,
                                const float *bias, float *out, size_t ldo);

/* Int8 rows are stored in blocks of RS__Q8_BLOCK rows; inside a block,
 * column pair p (columns 2p, 2p+1) of all 16 rows takes 32 bytes: row i's
 * two values at bytes 2i and 2i+1. A block is pairs * 32 bytes. */
#define RS__Q8_BLOCK 16

/* Approximate scores of rows first .. first + count - 1 (first a multiple
 * of 16): with D_j = sum_c xq[c] * w_jc, the exact int32 dot product of a
 * quantised query (2 * pairs int16 values, zero past its length) with row j,
 * out[j - first] = (float)D_j * (step * scale[j]) + (base + bias[j])
 * (+ base alone when bias is NULL), the same float operations in every
 * variant. The caller keeps max |xq| * 127 * 2 * pairs below 2^31
 * (rs__q8_query does). */
RS_INTERNAL void rs__q8_scores(int32_t isa, const int8_t *blocks, size_t pairs,
                               const int16_t *xq, size_t first, size_t count, float step,
                               const float *scale, float base, const float *bias, float *out);

#endif
