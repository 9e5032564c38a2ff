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

/* One task of a parallel loop: task index in [0, n_tasks), worker index in
 * [0, workers). Returns RS_OK or an error that stops the loop. */
typedef rs_status (*rs__eval_task_fn)(void *ud, size_t task, size_t worker);

/* Run fn over n_tasks tasks on up to `workers` threads (worker w takes tasks
 * w, w + workers, ...; the calling thread is worker 0). Results must be
 * written per task, so they do not depend on the thread count. Without
 * thread support, or when a thread cannot be started, the calling thread
 * runs the remaining workers' tasks itself. Returns the first error of the
 * lowest-numbered failing worker, or RS_OK. */
RS_INTERNAL rs_status rs__eval_parallel(size_t n_tasks, size_t workers, rs__eval_task_fn fn,
                                        void *ud, const rs__allocator *a);

/* Threads an evaluation of n_tasks tasks uses on model m: RS_PARAM_THREADS,
 * at most n_tasks, 1 without thread support. */
RS_INTERNAL size_t rs__eval_workers(const rs_model *m, size_t n_tasks);

/* Write value into metrics[index] when index < cap, counting it in *n. */
static inline void rs__eval_put(double *metrics, size_t cap, size_t index, double value, size_t *n)
{
    if (index < cap) {
        metrics[index] = value;
        (*n)++;
    }
}

#endif
