/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * schedule.c: running the block schedule, on the calling thread or on a
 * small pool of pthreads that lives for one rs_fit (no global pool). */
/* clock_gettime, mkstemp, fsync, pthread barriers: POSIX, also under strict -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "schedule.h"

#include <string.h>

#if RS_ENABLE_THREADS
#include <pthread.h>
#endif

void rs__plan_run_round(const rs__epoch_plan *plan, size_t tid, size_t r)
{
    const rs__fitdata *fd = plan->fd;
    size_t B = fd->bands;
    rs__train_ctx *c = &plan->ctx[tid];
    for (size_t b = tid; b < B; b += plan->threads) {
        size_t blk = b * B + (b + plan->round_offset[r]) % B;
        size_t lo = fd->block_off[blk], hi = fd->block_off[blk + 1];
        if (hi == lo)
            continue;
        rs__chunk ch = {fd->u + lo, fd->i + lo, fd->r + lo, fd->wt ? fd->wt + lo : NULL, hi - lo};
        if (c->ops->train_chunk)
            c->ops->train_chunk(c, &ch);
        else
            rs__train_chunk_generic(c, &ch);
        if (c->diverged)
            return;
    }
}

static void run_epoch_on(rs__epoch_plan *plan, size_t tid, void (*sync)(void *), void *sync_ud)
{
    size_t B = plan->fd->bands;
    for (size_t r = 0; r < B; r++) {
        rs__plan_run_round(plan, tid, r);
        if (sync)
            sync(sync_ud); /* every thread sees the same flags after the barrier */
        int stop = rs__plan_diverged(plan);
        /* ...and nobody writes a flag again (next round, next epoch) before
         * every thread has read them: a thread that read a flag of the next
         * round would leave the epoch alone and the others would wait at the
         * next barrier forever (a data race ThreadSanitizer found). */
        if (sync)
            sync(sync_ud);
        if (stop)
            return;
    }
}

#if RS_ENABLE_THREADS
struct rs__pool {
    pthread_t *tids;
    size_t n_workers;
    size_t started;
    pthread_barrier_t barrier;
    /* Start gate: workers touch the barrier only after every thread exists,
     * so a failed pthread_create can release the ones already started. */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate_open;
    rs__epoch_plan *plan;
    int quit;
};

typedef struct worker_arg {
    rs__pool *pool;
    size_t tid;
} worker_arg;

static void barrier_sync(void *ud) { pthread_barrier_wait(&((rs__pool *)ud)->barrier); }

static void *worker_main(void *p)
{
    worker_arg *wa = p;
    rs__pool *pool = wa->pool;
    size_t tid = wa->tid;
    pthread_mutex_lock(&pool->gate_mu);
    while (!pool->gate_open)
        pthread_cond_wait(&pool->gate_cv, &pool->gate_mu);
    int quit = pool->quit;
    pthread_mutex_unlock(&pool->gate_mu);
    if (quit)
        return NULL;
    for (;;) {
        pthread_barrier_wait(&pool->barrier); /* epoch start (or quit) */
        if (pool->quit)
            return NULL;
        run_epoch_on(pool->plan, tid, barrier_sync, pool);
    }
}

static void pool_free(rs__pool *pool, const rs__allocator *a)
{
    pthread_barrier_destroy(&pool->barrier);
    pthread_mutex_destroy(&pool->gate_mu);
    pthread_cond_destroy(&pool->gate_cv);
    rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
    rs__free(a, pool, 1, sizeof *pool);
}

static void open_gate(rs__pool *pool, int quit)
{
    pthread_mutex_lock(&pool->gate_mu);
    pool->quit = quit;
    pool->gate_open = 1;
    pthread_cond_broadcast(&pool->gate_cv);
    pthread_mutex_unlock(&pool->gate_mu);
}

/* worker_arg storage lives right after the thread ids, in one allocation. */
rs_status rs__pool_start(rs__pool **out, rs__epoch_plan *plan, const rs__allocator *a)
{
    *out = NULL;
    if (plan->threads <= 1)
        return RS_OK;
    rs__pool *pool = rs__calloc(a, 1, sizeof *pool);
    if (!pool)
        return RS_ERR_NOMEM;
    pool->n_workers = plan->threads - 1;
    pool->plan = plan;
    pool->tids = rs__calloc(a, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
    if (!pool->tids) {
        rs__free(a, pool, 1, sizeof *pool);
        return RS_ERR_NOMEM;
    }
    if (pthread_barrier_init(&pool->barrier, NULL, (unsigned)plan->threads) != 0) {
        rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
        rs__free(a, pool, 1, sizeof *pool);
        return RS_ERR_NOMEM;
    }
    pthread_mutex_init(&pool->gate_mu, NULL);
    pthread_cond_init(&pool->gate_cv, NULL);
    worker_arg *args = (worker_arg *)(pool->tids + pool->n_workers);
    for (size_t w = 0; w < pool->n_workers; w++) {
        args[w].pool = pool;
        args[w].tid = w + 1;
        if (pthread_create(&pool->tids[w], NULL, worker_main, &args[w]) != 0)
            break;
        pool->started++;
    }
    if (pool->started != pool->n_workers) {
        open_gate(pool, 1);
        for (size_t w = 0; w < pool->started; w++)
            pthread_join(pool->tids[w], NULL);
        pool_free(pool, a);
        return RS_ERR_NOMEM;
    }
    open_gate(pool, 0);
    *out = pool;
    return RS_OK;
}

void rs__pool_run_epoch(rs__pool *pool, rs__epoch_plan *plan)
{
    if (!pool) {
        run_epoch_on(plan, 0, NULL, NULL);
        return;
    }
    pthread_barrier_wait(&pool->barrier);
    run_epoch_on(plan, 0, barrier_sync, pool);
}

void rs__pool_stop(rs__pool *pool, const rs__allocator *a)
{
    if (!pool)
        return;
    pool->quit = 1;
    pthread_barrier_wait(&pool->barrier);
    for (size_t w = 0; w < pool->n_workers; w++)
        pthread_join(pool->tids[w], NULL);
    pool_free(pool, a);
}
#else
rs_status rs__pool_start(rs__pool **out, rs__epoch_plan *plan, const rs__allocator *a)
{
    (void)plan;
    (void)a;
    *out = NULL;
    return RS_OK;
}

void rs__pool_run_epoch(rs__pool *pool, rs__epoch_plan *plan)
{
    (void)pool;
    run_epoch_on(plan, 0, NULL, NULL);
}

void rs__pool_stop(rs__pool *pool, const rs__allocator *a)
{
    (void)pool;
    (void)a;
}
#endif
