/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * eval.h (internal): what the evaluation files share. The evaluation module
 * sits above serve: it scores through the public serving paths (rs_predict,
 * rs_topk_batch) and never trains. */
#ifndef RS_EVAL_EVAL_H
#define RS_EVAL_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <librecsgd/eval.h>
#include "core/model.h"
#include "common/parallel.h"

/* Write value into metrics[index] when index < cap, counting it in *n. */
static inline void rs__eval_put(double *metrics, size_t cap, size_t index, double value, size_t *n)
{
    if (index < cap) {
        metrics[index] = value;
        (*n)++;
    }
}

#endif
