/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * hybrid.c: the hybrid scorer - the content model with item id factors and
 * biases added, so known items use both their ids and their features and a
 * new item with features uses the feature part alone (featmodel.h). */
#include "scorers/content/featmodel.h"

static rs_status hybrid_layout(rs__weights *w, const rs__allocator *a, const rs__params *p)
{
    return rs__fm_layout(w, a, p, 1);
}

const rs__scorer_ops rs__hybrid_ops = {
    RS_SCORER_HYBRID, "hybrid", hybrid_layout, rs__fm_predict, rs__fm_pred_grad,
    rs__fm_max_touches, rs__fm_scratch_floats, rs__fm_train_chunk, 1,
    rs__fm_cold_blocks, rs__fm_predict_cold, rs__fm_cold_absorb, rs__fm_taste_block_of,
    RS__FM_DEFERRED_BLOCKS, rs__fm_defer_new, rs__fm_defer_free, rs__fm_defer_collect,
};
