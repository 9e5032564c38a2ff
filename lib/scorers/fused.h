/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * fused.h: pieces shared by the scorers' fused training loops
 * (collaborative/mf_train.c, content/fm_train.c): 16-float vectors (one
 * AVX-512 register, two AVX2 or four SSE registers; rows are padded to a
 * multiple of 16 floats), and one row's or one bias's step under every
 * learning-rate and clip policy, written as the generic step
 * (optim/train.h) does it. Everything is always inlined into loops that
 * are compiled per ISA with __attribute__((target)). */
#ifndef RS_SCORERS_FUSED_H
#define RS_SCORERS_FUSED_H

#include <math.h>
#include "optim/train.h"

/* The helpers below take and return 64-byte vectors; they are always
 * inlined, so gcc's note that such values would be passed differently
 * without AVX-512 concerns no call that exists. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v16f __attribute__((vector_size(64), aligned(64)));

enum { POL_CONSTANT = 0, POL_ADAGRAD = 1, POL_ADAM = 2 };

static RS_ALWAYS_INLINE float hsum16(v16f v)
{
    float s[8];
    for (int l = 0; l < 8; l++)
        s[l] = v[l] + v[l + 8];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

static RS_ALWAYS_INLINE v16f splat(float x)
{
    return (v16f){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

static RS_ALWAYS_INLINE v16f vclamp(v16f x, float c)
{
    for (int l = 0; l < 16; l++)
        x[l] = x[l] > c ? c : (x[l] < -c ? -c : x[l]);
    return x;
}

static RS_ALWAYS_INLINE v16f vsqrt(v16f x)
{
    for (int l = 0; l < 16; l++)
        x[l] = __builtin_sqrtf(x[l]);
    return x;
}

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

/* Apply a factor row's gradient gr (already clipped) under the policy;
 * sq is its squared norm (AdaGrad's per-row accumulator takes the mean). */
static RS_ALWAYS_INLINE void row_step(v16f *restrict x, const v16f *restrict gr, size_t nv, float lr,
                                      float sq, float inv_k, const rs__train_ctx *c, int32_t pol,
                                      float *acc, v16f *restrict m, v16f *restrict v, float *p1,
                                      float *p2)
{
    if (pol == POL_ADAGRAD) {
        *acc += sq * inv_k;
        const v16f eta = splat(lr / (sqrtf(*acc) + c->eps));
        for (size_t j = 0; j < nv; j++)
            x[j] -= eta * gr[j];
    } else if (pol == POL_ADAM) {
        const float b1 = c->beta1, b2 = c->beta2;
        const float c1 = 1.0f - rs__adam_power(p1, b1), c2 = 1.0f - rs__adam_power(p2, b2);
        const v16f vb1 = splat(b1), vb2 = splat(b2), va1 = splat(1.0f - b1), va2 = splat(1.0f - b2);
        const v16f eta = splat(lr / c1), inv_c2 = splat(1.0f / c2), eps = splat(c->eps);
        for (size_t j = 0; j < nv; j++) {
            v16f gj = gr[j];
            m[j] = vb1 * m[j] + va1 * gj;
            v[j] = vb2 * v[j] + va2 * gj * gj;
            x[j] -= eta * m[j] / (vsqrt(v[j] * inv_c2) + eps);
        }
    } else {
        const v16f vl = splat(lr);
        for (size_t j = 0; j < nv; j++)
            x[j] -= vl * gr[j];
    }
}

#endif
