/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * parallel.h (internal): a parallel loop over tasks for calls that may use
 * several threads (the evaluation, rs_topk_batch): threads start and end
 * inside the call, and each worker takes a fixed share of the tasks. */
#ifndef RS_COMMON_PARALLEL_H
#define RS_COMMON_PARALLEL_H

#include <stddef.h>
#include "alloc.h"
#include "error.h"

/* One task of a parallel loop: task index in [0, n_tasks), worker index in
 * [0, workers). Returns RS_OK or an error that stops the loop. */
typedef rs_status (*rs__task_fn)(void *ud, size_t task, size_t worker);

/* Run fn over n_tasks tasks on up to `workers` threads (worker w takes tasks
 * w, w + workers, ...; the calling thread is worker 0). Results must be
 * written per task, so they do not depend on the thread count. Without
 * thread support, or when a thread cannot be started, the calling thread
 * runs the remaining workers' tasks itself. Returns the first error of the
 * lowest-numbered failing worker, or RS_OK. */
RS_INTERNAL rs_status rs__parallel_run(size_t n_tasks, size_t workers, rs__task_fn fn, void *ud,
                                       const rs__allocator *a);

#endif
