/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * registry.c: scorer kind -> ops. Compiled-out scorers give NULL, which the
 * API reports as RS_ERR_NOT_BUILT. */
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
