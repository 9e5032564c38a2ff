/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * schedule.c: the epoch's block order with its dependencies, run on the
 * calling thread or on a small pool of pthreads that lives for one rs_fit
 * (no global pool). */
/* pthreads: POSIX, also under strict -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "schedule.h"

#include <string.h>

#if RS_ENABLE_THREADS
#include <pthread.h>
#endif

/* The block at position k of the order: its ratings as one chunk, its own
 * statistics and random stream, then the scorer's loop. */
void rs__plan_train_block(rs__epoch_plan *plan, size_t tid, size_t k)
{
    const rs__fitdata *fd = plan->fd;
    rs__train_ctx *c = &plan->ctx[tid];
    size_t B = fd->bands ? fd->bands : 1, H = plan->phases, step = k / B;
    size_t blk = plan->order[step / H * B + k % B], h = step % H;
    size_t lo = fd->block_off[blk], hi = fd->block_off[blk + 1], n = hi - lo;
    hi = lo + n * (h + 1) / H; /* the block's phase h of H */
    lo += n * h / H;
    memset(&c->st, 0, sizeof c->st);
    c->diverged = 0;
    c->band = blk / B;
    if (hi > lo) {
        uint64_t stream = rs__seed_mix(rs__seed_mix(plan->seed, plan->serial), (uint64_t)blk);
        rs__rng_seed(&c->rng, H > 1 ? rs__seed_mix(stream, (uint64_t)h) : stream);
        rs__chunk ch = {fd->u + lo, fd->i + lo, fd->r + lo, fd->wt ? fd->wt + lo : NULL, hi - lo};
        if (c->ops->train_chunk)
            c->ops->train_chunk(c, &ch);
        else
            rs__train_chunk_generic(c, &ch);
    }
    plan->block_stats[k] = c->st;
}

rs_status rs__plan_init(rs__epoch_plan *plan, const rs__fitdata *fd, rs__train_ctx *ctx,
                        size_t threads, uint64_t seed, rs__plan_merge_fn merge, size_t phases,
                        const rs__allocator *a)
{
    memset(plan, 0, sizeof *plan);
    plan->fd = fd;
    plan->ctx = ctx;
    plan->threads = threads;
    plan->seed = rs__seed_mix(seed, 0x626c6f636bull); /* "block" streams */
    plan->merge = merge;
    plan->phases = merge && phases > 1 ? phases : 1;
    size_t B = fd->bands ? fd->bands : 1, steps = B * plan->phases;
    plan->n_blocks = B * B;
    plan->n_pos = plan->n_blocks * plan->phases;
    plan->order = rs__alloc(a, 3 * plan->n_blocks + 2 * B, sizeof *plan->order);
    plan->block_stats = rs__calloc(a, plan->n_pos, sizeof *plan->block_stats);
    plan->state = rs__calloc(a, plan->n_pos, 1);
    plan->merge_stats = rs__calloc(a, steps, sizeof *plan->merge_stats);
    plan->diag_done = rs__calloc(a, steps, sizeof *plan->diag_done);
    if (!plan->order || !plan->block_stats || !plan->state || !plan->merge_stats ||
        !plan->diag_done) {
        rs__plan_free(plan, a);
        return RS_ERR_NOMEM;
    }
    plan->after_row = plan->order + plan->n_blocks;
    plan->after_col = plan->after_row + plan->n_blocks;
    rs__plan_shuffle(plan, NULL);
    return RS_OK;
}

void rs__plan_free(rs__epoch_plan *plan, const rs__allocator *a)
{
    size_t B = plan->fd && plan->fd->bands ? plan->fd->bands : 1, steps = B * plan->phases;
    rs__free(a, plan->order, 3 * plan->n_blocks + 2 * B, sizeof *plan->order);
    rs__free(a, plan->block_stats, plan->n_pos, sizeof *plan->block_stats);
    rs__free(a, plan->state, plan->n_pos, 1);
    rs__free(a, plan->merge_stats, steps, sizeof *plan->merge_stats);
    rs__free(a, plan->diag_done, steps, sizeof *plan->diag_done);
    plan->merge_stats = NULL;
    plan->diag_done = NULL;
    plan->order = plan->after_row = plan->after_col = NULL;
    plan->block_stats = NULL;
    plan->state = NULL;
}

void rs__plan_shuffle(rs__epoch_plan *plan, rs__rng *rng)
{
    size_t B = plan->fd->bands ? plan->fd->bands : 1;
    /* The diagonal offsets in a random order, in the scratch after the
     * three arrays (2B entries: later the last position per band). */
    size_t *offset = plan->after_col + plan->n_blocks;
    for (size_t r = 0; r < B; r++)
        offset[r] = r;
    for (size_t r = B; rng && r > 1; r--) {
        size_t k = (size_t)rs__rng_below(rng, r);
        size_t tmp = offset[r - 1];
        offset[r - 1] = offset[k];
        offset[k] = tmp;
    }
    size_t k = 0;
    for (size_t r = 0; r < B; r++)
        for (size_t b = 0; b < B; b++)
            plan->order[k++] = b * B + (b + offset[r]) % B;
    /* Predecessors: the last earlier position of the same user band and of
     * the same item band (one forward pass, any order works). */
    size_t *last_row = offset, *last_col = offset + B;
    for (size_t b = 0; b < B; b++)
        last_row[b] = last_col[b] = SIZE_MAX;
    for (size_t p = 0; p < plan->n_blocks; p++) {
        size_t bu = plan->order[p] / B, bi = plan->order[p] % B;
        plan->after_row[p] = last_row[bu];
        plan->after_col[p] = last_col[bi];
        last_row[bu] = last_col[bi] = p;
    }
}

static void add_stats(rs__train_stats *out, const rs__train_stats *s)
{
    out->sq_err += s->sq_err;
    out->sum_w += s->sum_w;
    out->gnorm_sum += s->gnorm_sum;
    out->fnorm_sum += s->fnorm_sum;
    if (s->gnorm_max > out->gnorm_max)
        out->gnorm_max = s->gnorm_max;
    out->n_updates += s->n_updates;
    out->n_rows += s->n_rows;
    out->n_clipped += s->n_clipped;
}

static size_t plan_bands(const rs__epoch_plan *plan)
{
    return plan->fd->bands ? plan->fd->bands : 1;
}

void rs__plan_merge_stats(const rs__epoch_plan *plan, rs__train_stats *out)
{
    size_t B = plan_bands(plan);
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < plan->n_pos; k++) {
        add_stats(out, &plan->block_stats[k]);
        if (plan->merge && (k + 1) % B == 0) /* after the step's blocks */
            add_stats(out, &plan->merge_stats[k / B]);
    }
}

/* The merge point after step r, on thread tid's context. */
static void run_merge(rs__epoch_plan *plan, size_t tid, size_t r)
{
    rs__train_ctx *c = &plan->ctx[tid];
    memset(&c->st, 0, sizeof c->st);
    plan->merge(plan, tid, r);
    plan->merge_stats[r] = c->st;
}

/* Before an epoch: no diagonal merged, none begun. */
static void reset_merges(rs__epoch_plan *plan)
{
    size_t steps = plan_bands(plan) * plan->phases;
    if (plan->merge_stats) /* a plan built by hand (the MPI module's) may have none */
        memset(plan->merge_stats, 0, steps * sizeof *plan->merge_stats);
    if (plan->diag_done)
        memset(plan->diag_done, 0, steps * sizeof *plan->diag_done);
    plan->merged = 0;
    if (plan->merge)
        plan->merge(plan, 0, RS__PLAN_EPOCH_START);
}

/* The epoch on the calling thread alone: the order itself. */
static void run_epoch_serial(rs__epoch_plan *plan)
{
    memset(plan->block_stats, 0, plan->n_pos * sizeof *plan->block_stats);
    plan->diverged = 0;
    reset_merges(plan);
    size_t B = plan_bands(plan);
    for (size_t k = 0; k < plan->n_pos; k++) {
        rs__plan_train_block(plan, 0, k);
        if (plan->ctx[0].diverged) {
            plan->diverged = 1;
            break;
        }
        if (plan->merge && (k + 1) % B == 0)
            run_merge(plan, 0, k / B);
    }
    plan->serial++;
}

#if RS_ENABLE_THREADS
/* The pool: one mutex guards the plan's block states; a free thread takes
 * the earliest waiting block whose predecessors are done, and a finished
 * block wakes the threads waiting for one. Claims are a few per block of
 * tens of thousands of ratings, so one lock costs nothing measurable. */
struct rs__pool {
    pthread_t *tids;
    size_t n_workers;
    size_t started;
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* a block finished, an epoch started, or quit */
    pthread_cond_t finished; /* a worker left the epoch */
    rs__epoch_plan *plan;
    uint64_t generation;     /* epochs started */
    size_t in_epoch;         /* workers (not the caller) still in the epoch */
    size_t next;             /* positions before this one are all taken */
    size_t taken;
    int quit;
};

typedef struct worker_arg {
    rs__pool *pool;
    size_t tid;
} worker_arg;

static int block_ready(const rs__epoch_plan *plan, size_t k)
{
    if (plan->merge) /* every earlier step merged: every earlier block done */
        return plan->state[k] == 0 && k / plan_bands(plan) <= plan->merged;
    size_t r = plan->after_row[k], c = plan->after_col[k];
    return plan->state[k] == 0 && (r == SIZE_MAX || plan->state[r] == 2) &&
           (c == SIZE_MAX || plan->state[c] == 2);
}

/* Take and train blocks until none is left to take (or a block diverged).
 * Called and returns with pool->mu held. */
static void take_blocks(rs__pool *pool, size_t tid)
{
    rs__epoch_plan *plan = pool->plan;
    for (;;) {
        if (plan->diverged || pool->taken == plan->n_pos)
            return;
        size_t k = pool->next;
        while (k < plan->n_pos && !block_ready(plan, k))
            k++;
        if (k == plan->n_pos) {
            pthread_cond_wait(&pool->wake, &pool->mu);
            continue;
        }
        plan->state[k] = 1;
        pool->taken++;
        while (pool->next < plan->n_pos && plan->state[pool->next] != 0)
            pool->next++;
        pthread_mutex_unlock(&pool->mu);
        rs__plan_train_block(plan, tid, k);
        pthread_mutex_lock(&pool->mu);
        plan->state[k] = 2;
        if (plan->ctx[tid].diverged)
            plan->diverged = 1;
        size_t B = plan_bands(plan), r = k / B;
        if (plan->merge && ++plan->diag_done[r] == B && !plan->diverged) {
            /* The diagonal's last block: merge it. Every other thread waits
             * (no block of the next diagonal is ready before merged moves). */
            pthread_mutex_unlock(&pool->mu);
            run_merge(plan, tid, r);
            pthread_mutex_lock(&pool->mu);
            plan->merged = r + 1;
        }
        pthread_cond_broadcast(&pool->wake);
    }
}

static void *worker_main(void *p)
{
    worker_arg *wa = p;
    rs__pool *pool = wa->pool;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->quit && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->mu);
        if (pool->quit)
            break;
        seen = pool->generation;
        take_blocks(pool, wa->tid);
        if (--pool->in_epoch == 0)
            pthread_cond_signal(&pool->finished);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

static void pool_free(rs__pool *pool, const rs__allocator *a)
{
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->finished);
    rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
    rs__free(a, pool, 1, sizeof *pool);
}

static void stop_workers(rs__pool *pool)
{
    pthread_mutex_lock(&pool->mu);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (size_t w = 0; w < pool->started; w++)
        pthread_join(pool->tids[w], NULL);
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
    if (pthread_mutex_init(&pool->mu, NULL) != 0) {
        rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
        rs__free(a, pool, 1, sizeof *pool);
        return RS_ERR_NOMEM;
    }
    if (pthread_cond_init(&pool->wake, NULL) != 0) {
        pthread_mutex_destroy(&pool->mu);
        rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
        rs__free(a, pool, 1, sizeof *pool);
        return RS_ERR_NOMEM;
    }
    if (pthread_cond_init(&pool->finished, NULL) != 0) {
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->mu);
        rs__free(a, pool->tids, pool->n_workers, sizeof *pool->tids + sizeof(worker_arg));
        rs__free(a, pool, 1, sizeof *pool);
        return RS_ERR_NOMEM;
    }
    worker_arg *args = (worker_arg *)(pool->tids + pool->n_workers);
    for (size_t w = 0; w < pool->n_workers; w++) {
        args[w].pool = pool;
        args[w].tid = w + 1;
        if (pthread_create(&pool->tids[w], NULL, worker_main, &args[w]) != 0)
            break;
        pool->started++;
    }
    if (pool->started != pool->n_workers) {
        stop_workers(pool);
        pool_free(pool, a);
        return RS_ERR_NOMEM;
    }
    *out = pool;
    return RS_OK;
}

void rs__pool_run_epoch(rs__pool *pool, rs__epoch_plan *plan)
{
    if (!pool) {
        run_epoch_serial(plan);
        return;
    }
    pthread_mutex_lock(&pool->mu);
    memset(plan->block_stats, 0, plan->n_pos * sizeof *plan->block_stats);
    memset(plan->state, 0, plan->n_pos);
    plan->diverged = 0;
    reset_merges(plan);
    pool->plan = plan;
    pool->next = 0;
    pool->taken = 0;
    pool->in_epoch = pool->n_workers;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    take_blocks(pool, 0);
    while (pool->in_epoch > 0)
        pthread_cond_wait(&pool->finished, &pool->mu);
    plan->serial++;
    pthread_mutex_unlock(&pool->mu);
}

void rs__pool_stop(rs__pool *pool, const rs__allocator *a)
{
    if (!pool)
        return;
    stop_workers(pool);
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
    run_epoch_serial(plan);
}

void rs__pool_stop(rs__pool *pool, const rs__allocator *a)
{
    (void)pool;
    (void)a;
}
#endif
