/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * unguarded.h (internal): rs_predict and rs_topk without the misuse check of
 * core/inflight.h: the bodies behind the public entry points, declared so
 * that bench/misuse_cost can measure what the in-flight counter costs. */
#ifndef RS_SERVE_UNGUARDED_H
#define RS_SERVE_UNGUARDED_H

#include "core/model.h"

RS_INTERNAL rs_status rs__predict_unguarded(const rs_model *m, int64_t user, int64_t item,
                                            float *score_out);
RS_INTERNAL rs_status rs__topk_unguarded(const rs_model *m, int64_t user, size_t k, int32_t flags,
                                         const int64_t *block, size_t n_block,
                                         const int64_t *allow, size_t n_allow, int64_t *items_out,
                                         float *scores_out, size_t *n_out);

#endif
