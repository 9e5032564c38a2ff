/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * clip.c: the built-in clipping policies, exported so users can wrap them,
 * and the resolver that lets the core inline them. */
#include "policies.h"

static float threshold_or(const void *ud, float dflt)
{
    if (!ud)
        return dflt;
    double c = *(const double *)ud;
    return (c > 0.0 && c < 1e30) ? (float)c : dflt;
}

int32_t rs_clip_value(void *ud, float *grad, size_t n)
{
    return grad ? rs__clip_value_inline(grad, n, threshold_or(ud, 1.0f)) : 0;
}

int32_t rs_clip_norm(void *ud, float *grad, size_t n)
{
    return grad ? rs__clip_norm_inline(grad, n, threshold_or(ud, 1.0f), -1.0f) : 0;
}

rs__clip_policy rs__clip_resolve(int64_t clip_param, double threshold, rs_clip_fn fn, void *ud)
{
    rs__clip_policy p = {RS_CLIP_NONE, (float)threshold, NULL, NULL};
    if (fn == rs_clip_value) {
        p.kind = RS_CLIP_VALUE;
        p.c = threshold_or(ud, 1.0f);
    } else if (fn == rs_clip_norm) {
        p.kind = RS_CLIP_NORM;
        p.c = threshold_or(ud, 1.0f);
    } else if (fn) {
        p.kind = RS_CLIP_CUSTOM;
        p.fn = fn;
        p.ud = ud;
    } else {
        p.kind = (int32_t)clip_param;
    }
    return p;
}
