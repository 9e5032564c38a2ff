/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * topk_q8.h: one user's top-k through the int8 item copy
 * (RS_PARAM_SERVE_QUANTIZED), with the exact result of the float scan. */
#ifndef RS_SERVE_TOPK_Q8_H
#define RS_SERVE_TOPK_Q8_H

#include <stddef.h>
#include <stdint.h>
#include "common/dots.h"
#include "core/model.h"
#include "heap.h"

/* Items scored per pass of the single-user scans (a multiple of the int8
 * block): 4 KiB of scores stay in L1 while the heap reads them. */
#define RS__TOPK_TILE 1024
/* The int8 scan keeps at least this many candidates. */
#define RS__TOPK_MIN_CANDIDATES 32
/* Float item factors smaller than this stay in a core's cache (2 MiB of L2
 * on current x86 servers), and scanning them costs no more than the int8
 * pass: measured break-even between 1.3 and 2.6 MB (n = 5000 items x 64 or
 * 128 factors). rs_topk scans smaller catalogues exactly. */
#define RS__TOPK_Q8_MIN_BYTES ((size_t)2 << 20)

/* The exact score of item j for the collaborative scorer: (base + ib[j]) +
 * p . q_j, in the association of its predict() and with the dot product
 * of every float kernel (dots.h), so all scoring paths agree bit for bit. */
static inline float rs__topk_exact_one(int32_t isa, const float *p, float base,
                                       const rs__block *Q, const float *ib, size_t j)
{
    float e;
    rs__dots_rows(isa, p, Q->data + j * Q->stride, Q->stride, 1, Q->cols, base, ib ? ib + j : NULL,
                  &e);
    return e;
}

/* What one quantised query did (for tests and bench/topk). */
typedef struct rs__q8_stats {
    size_t candidates; /* kept by the int8 scan and re-scored exactly */
    size_t extra;      /* further items re-scored by the second pass */
    int second_pass;   /* 1 if the bound did not clear the first candidates */
} rs__q8_stats;

/* Top-k of one known user of a collaborative model into h (capacity k,
 * empty), equal to what the exact scan pushes into it: p is the user's
 * factor row, base = global mean + user bias, Q the item factors, ib the
 * item biases (or NULL); items with mark[j] != 0 (mark may be NULL) and the
 * sorted dense indices seen[0, n_seen) are skipped. Sets *used = 0 and does
 * nothing when the int8 path does not apply (then scan exactly):
 * candidates above a quarter of the items, or values too large for its
 * error bound. (rs_topk also leaves catalogues below RS__TOPK_Q8_MIN_BYTES
 * to the float scan.) stats may
 * be NULL. Returns RS_OK or RS_ERR_NOMEM (scratch from the model's
 * allocator). Reads the model only. */
RS_INTERNAL rs_status rs__topk_q8(const rs_model *m, const rs__serving *sv, int32_t isa,
                                  const float *p, float base, const rs__block *Q, const float *ib,
                                  const uint8_t *mark, const int32_t *seen, size_t n_seen,
                                  rs__topheap *h, int *used, rs__q8_stats *stats);

#endif
