/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * registry.c: scorer kind -> ops, and rs_model_new, which gives a new model
 * the ops of its scorer (lib/core knows scorers only as an opaque pointer).
 * Compiled-out scorers give NULL, which the API reports as RS_ERR_NOT_BUILT. */
#include "scorer.h"

const rs__scorer_ops *rs__scorer_ops_for(int32_t kind)
{
    switch (kind) {
    case RS_SCORER_COLLABORATIVE: return &rs__collaborative_ops;
#if RS_ENABLE_CONTENT
    case RS_SCORER_CONTENT: return &rs__content_ops;
#endif
#if RS_ENABLE_CONTENT && RS_ENABLE_HYBRID
    case RS_SCORER_HYBRID: return &rs__hybrid_ops;
#endif
    default: return NULL;
    }
}

rs_status rs_model_new(rs_model **out, int32_t scorer, rs_alloc_fn alloc, void *alloc_ud)
{
    if (!out)
        return RS_ERR_INVALID_ARG;
    *out = NULL;
    if (scorer < RS_SCORER_COLLABORATIVE || scorer > RS_SCORER_HYBRID)
        return RS_ERR_INVALID_ARG;
    const rs__scorer_ops *ops = rs__scorer_ops_for(scorer);
    if (!ops)
        return RS_ERR_NOT_BUILT;
    return rs__model_create(out, scorer, ops, alloc, alloc_ud);
}
