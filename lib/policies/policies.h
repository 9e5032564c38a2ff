/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * policies.h: the pluggable initialisation and clipping policies. The core
 * resolves the model's choice (built-in by RS_PARAM_INIT / RS_PARAM_CLIP, or
 * a user callback) once per fit; built-in clipping is then inlined in the
 * update loop instead of being called through a pointer per update. */
#ifndef RS_POLICIES_POLICIES_H
#define RS_POLICIES_POLICIES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <librecsgd/model.h>
#include "common/config.h"

/* Resolved clipping policy. kind is RS_CLIP_NONE/VALUE/NORM (inlined) or
 * RS_CLIP_CUSTOM (called through fn). */
typedef struct rs__clip_policy {
    int32_t kind;
    float c;
    rs_clip_fn fn;
    void *ud;
} rs__clip_policy;

/* Resolve from the model's settings: a user callback that is one of the
 * exported built-ins is recognised and inlined (its ud is read as double *c). */
RS_INTERNAL rs__clip_policy rs__clip_resolve(int64_t clip_param, double threshold, rs_clip_fn fn,
                                             void *ud);

static inline int32_t rs__clip_value_inline(float *g, size_t n, float c)
{
    int32_t changed = 0;
    for (size_t j = 0; j < n; j++) {
        if (g[j] > c) {
            g[j] = c;
            changed = 1;
        } else if (g[j] < -c) {
            g[j] = -c;
            changed = 1;
        }
    }
    return changed;
}

/* sqnorm is the row's squared norm when the caller already has it (or < 0). */
static inline int32_t rs__clip_norm_inline(float *g, size_t n, float c, float sqnorm)
{
    if (sqnorm < 0.0f) {
        sqnorm = 0.0f;
        for (size_t j = 0; j < n; j++)
            sqnorm += g[j] * g[j];
    }
    if (sqnorm <= c * c)
        return 0;
    float s = c / sqrtf(sqnorm);
    for (size_t j = 0; j < n; j++)
        g[j] *= s;
    return 1;
}

/* Apply the policy to one gradient row; returns 1 if it changed the row. */
static inline int32_t rs__clip_apply(const rs__clip_policy *p, float *g, size_t n, float sqnorm)
{
    switch (p->kind) {
    case RS_CLIP_NONE: return 0;
    case RS_CLIP_VALUE: return rs__clip_value_inline(g, n, p->c);
    case RS_CLIP_NORM: return rs__clip_norm_inline(g, n, p->c, sqnorm);
    default: return p->fn(p->ud, g, n) ? 1 : 0;
    }
}

/* The initialiser to call for the model's settings. */
RS_INTERNAL void rs__init_resolve(int64_t init_param, rs_init_fn user_fn, void *user_ud,
                                  const double *scale, rs_init_fn *fn_out, void **ud_out);

#endif
