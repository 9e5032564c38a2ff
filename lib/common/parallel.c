/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * parallel.c: the per-call parallel loop of the evaluation and of batch
 * serving - a few pthreads that live for one call (no global pool), each
 * taking a fixed, interleaved share of the tasks, so which thread ran a task
 * never changes a result. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "parallel.h"

#if RS_ENABLE_THREADS
#include <pthread.h>
#endif

typedef struct worker {
    size_t n_tasks, workers, self;
    rs__task_fn fn;
    void *ud;
    rs_status st;
} worker;

static void run_share(worker *w)
{
    w->st = RS_OK;
    for (size_t t = w->self; t < w->n_tasks && w->st == RS_OK; t += w->workers)
        w->st = w->fn(w->ud, t, w->self);
}

#if RS_ENABLE_THREADS
static void *thread_main(void *p)
{
    run_share(p);
    return NULL;
}
#endif

rs_status rs__parallel_run(size_t n_tasks, size_t workers, rs__task_fn fn, void *ud,
                            const rs__allocator *a)
{
    if (workers < 1)
        workers = 1;
    worker *w = rs__calloc(a, workers, sizeof *w);
    if (!w)
        return RS_ERR_NOMEM;
    for (size_t k = 0; k < workers; k++)
        w[k] = (worker){n_tasks, workers, k, fn, ud, RS_OK};
#if RS_ENABLE_THREADS
    pthread_t *tids = workers > 1 ? rs__calloc(a, workers, sizeof *tids) : NULL;
    unsigned char *started = workers > 1 ? rs__calloc(a, workers, 1) : NULL;
    for (size_t k = 1; tids && started && k < workers; k++)
        started[k] = pthread_create(&tids[k], NULL, thread_main, &w[k]) == 0;
    run_share(&w[0]);
    for (size_t k = 1; k < workers; k++) {
        if (tids && started && started[k])
            pthread_join(tids[k], NULL);
        else
            run_share(&w[k]); /* no thread: the caller does this share */
    }
    rs__free(a, tids, workers, sizeof *tids);
    rs__free(a, started, workers, 1);
#else
    for (size_t k = 0; k < workers; k++)
        run_share(&w[k]);
#endif
    rs_status st = RS_OK;
    for (size_t k = 0; k < workers && st == RS_OK; k++)
        st = w[k].st;
    rs__free(a, w, workers, sizeof *w);
    return st;
}
