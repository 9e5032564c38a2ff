/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * memory.c: rs_exp_model_memory_bytes, the bytes a model holds through its
 * allocator. It mirrors what rs_model_free and rs__model_clear_fitted (model.c)
 * give back; tests/check_api_experimental.c holds it to a counting allocator
 * after every kind of call, so a new allocation that is not counted here fails
 * there. */
#define RS_ENABLE_EXPERIMENTAL 1
#include <librecsgd/experimental.h>

#include "model.h"

rs_status rs_exp_model_memory_bytes(const rs_model *m, size_t *bytes_out)
{
    if (bytes_out)
        *bytes_out = 0;
    if (!m || !bytes_out)
        return RS_ERR_INVALID_ARG;
    size_t n = sizeof *m;
    n += m->epoch_stats ? m->epoch_stats_cap * RS__NSTATS * sizeof *m->epoch_stats : 0;
    n += m->seen_off ? (m->seen_users_cap + 1) * sizeof *m->seen_off : 0;
    n += m->seen_item ? m->seen_nnz * sizeof *m->seen_item : 0;
    n += rs__idmap_bytes(&m->users) + rs__idmap_bytes(&m->items);
    n += rs__weights_bytes(&m->w);
    /* the int8 serving copy (RS_PARAM_SERVE_QUANTIZED): what rs__q8mat_free
     * gives back, alignment slack included */
    const rs__q8mat *q = &m->serving.items;
    n += q->raw ? q->raw_bytes : 0;
    n += q->scale ? q->cap_blocks * RS__Q8_BLOCK * sizeof *q->scale : 0;
    *bytes_out = n;
    return RS_OK;
}
