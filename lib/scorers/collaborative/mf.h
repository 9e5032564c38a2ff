/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * mf.h: block order of the collaborative scorer and its specialised loop. */
#ifndef RS_SCORERS_MF_H
#define RS_SCORERS_MF_H

#include <string.h>
#include "optim/train.h"
#include "scorers/implicit.h"

enum { MF_BLOCK_UBIAS = 0, MF_BLOCK_IBIAS = 1, MF_BLOCK_P = 2, MF_BLOCK_Q = 3 };
/* With implicit user factors the y_j block follows (index 4). */

RS_INTERNAL void rs__mf_train_chunk(rs__train_ctx *c, const rs__chunk *ch);

/* SVD++ works on the user vector in slices of this many floats, so that
 * predict needs only a stack buffer. */
#define RS__MF_SLICE 128

/* <a, b> over k floats, summed slice by slice as rs__mf_svdpp_predict does. */
static RS_ALWAYS_INLINE float rs__mf_sliced_dot(const float *a, const float *b, size_t k)
{
    float dot = 0.0f;
    for (size_t lo = 0; lo < k; lo += RS__MF_SLICE)
        dot += rs__vec_dot(a + lo, b + lo, k - lo < RS__MF_SLICE ? k - lo : RS__MF_SLICE);
    return dot;
}

/* mu + b_u + b_i + <p_u + |N(u)|^-1/2 sum_j y_j, q_i>; yb is the implicit
 * block. The training loop forms the same numbers from a whole user vector
 * (the slices change no float operation). */
static RS_ALWAYS_INLINE float rs__mf_svdpp_predict(const rs__weights *w, int32_t yb, int32_t u,
                                                   int32_t i)
{
    const rs__block *P = &w->blocks[MF_BLOCK_P], *Q = &w->blocks[MF_BLOCK_Q];
    size_t k = P->cols;
    const float *pu = P->data + (size_t)u * P->stride, *qi = Q->data + (size_t)i * Q->stride;
    float ub[RS__MF_SLICE];
    float dot = 0.0f;
    for (size_t lo = 0; lo < k; lo += RS__MF_SLICE) {
        size_t len = k - lo < RS__MF_SLICE ? k - lo : RS__MF_SLICE;
        memcpy(ub, pu + lo, len * sizeof(float));
        rs__implicit_add(w, yb, u, lo, len, ub);
        dot += rs__vec_dot(ub, qi + lo, len);
    }
    return w->global_mean + w->blocks[MF_BLOCK_UBIAS].data[u] + w->blocks[MF_BLOCK_IBIAS].data[i] +
           dot;
}

#endif
