/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fused.h: what the scorers' fused training loops share outside their
 * vector code (collaborative/mf_train.c, content/fm_train.c): the vector
 * types of the three ISAs, the learning-rate policy classes, and one bias's
 * clip and step under every policy, written as the generic step
 * (optim/train.h) does them. The vector helpers, per ISA, are in simd.h. */
#ifndef RS_SCORERS_FUSED_H
#define RS_SCORERS_FUSED_H

#include <math.h>
#include "optim/train.h"

/* The kernels' helpers take and return vectors wider than the baseline
 * ISA's; they are always inlined, so gcc's note that such values would be
 * passed differently concerns no call that exists. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v16f __attribute__((vector_size(64), aligned(64)));
typedef float v8f __attribute__((vector_size(32), aligned(32)));
typedef float v4f __attribute__((vector_size(16), aligned(16)));

enum { POL_CONSTANT = 0, POL_ADAGRAD = 1, POL_ADAM = 2 };

/* Clip one bias gradient; for a single component value and norm clipping
 * agree. Returns 1 if it changed. */
static RS_ALWAYS_INLINE int32_t clip_scalar(float *g, const rs__clip_policy *cp, int32_t kind)
{
    if (kind == RS_CLIP_NONE)
        return 0;
    if (kind == RS_CLIP_CUSTOM)
        return cp->fn(cp->ud, g, 1) ? 1 : 0;
    float a = fabsf(*g);
    if (a <= cp->c)
        return 0;
    *g = *g > 0 ? cp->c : -cp->c;
    return 1;
}

/* One bias step under the policy (state: AdaGrad accumulator, or Adam
 * moments and powers, all of this one row). */
static RS_ALWAYS_INLINE void bias_step(float *x, float g, float lr, const rs__train_ctx *c,
                                       int32_t pol, float *s1, float *s2, float *p1, float *p2)
{
    if (pol == POL_ADAGRAD) {
        *s1 += g * g;
        *x -= lr / (sqrtf(*s1) + c->eps) * g;
    } else if (pol == POL_ADAM) {
        float b1 = c->beta1, b2 = c->beta2;
        float c1 = 1.0f - rs__adam_power(p1, b1), c2 = 1.0f - rs__adam_power(p2, b2);
        *s1 = b1 * *s1 + (1.0f - b1) * g;
        *s2 = b2 * *s2 + (1.0f - b2) * g * g;
        *x -= lr / c1 * *s1 / (sqrtf(*s2 * (1.0f / c2)) + c->eps);
    } else {
        *x -= lr * g;
    }
}

/* The ISA variants of a kernel file K (mf_kernel.h, fm_kernel.h) are made
 * by including it once per width with MF_V, MF_LANES, MF_SUFFIX and
 * MF_TARGET defined: the baseline (4 floats: SSE2 on x86-64, NEON or the
 * like elsewhere) always, AVX2+FMA (8) and AVX-512 (16) on x86-64 with gcc
 * or clang; the choice is made per fit from the CPU (c->isa). */

#endif
