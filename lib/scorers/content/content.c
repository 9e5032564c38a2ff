/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * content.c: the content scorer - items are known only through their
 * features, users through an id taste vector plus a map from their features
 * (featmodel.h), so brand-new items and users with features can be scored. */
#include "featmodel.h"

static rs_status content_layout(rs__weights *w, const rs__allocator *a, const rs__params *p)
{
    return rs__fm_layout(w, a, p, 0);
}

const rs__scorer_ops rs__content_ops = {
    RS_SCORER_CONTENT, "content", content_layout, rs__fm_predict, rs__fm_pred_grad,
    rs__fm_max_touches, rs__fm_scratch_floats, rs__fm_train_chunk, 1,
    rs__fm_cold_blocks, rs__fm_predict_cold, rs__fm_cold_absorb, rs__fm_taste_block_of,
    RS__FM_DEFERRED_BLOCKS, rs__fm_defer_new, rs__fm_defer_free, rs__fm_defer_collect,
};
