/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * bench/topk.c: serving cost against its floor. A random collaborative model
 * (100k items x 64 factors, 2000 users, ~50 seen items each) is built by
 * hand; then
 *   - latency of one rs_topk(k = 10) next to one bare sgemv over the same
 *     item-factor matrix (the floor: top-k must read all of it once), and
 *   - items scored per second by rs_topk_batch (k = 10) next to bare sgemm
 *     over the same users and items.
 * Usage: bench/topk [n_items] [factors] [reps]
 * The last line is the key=value summary (topk_over_gemv, batch_over_gemm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model.h"
#include "common/blas.h"
#include "scorers/scorer.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float rng_float(uint64_t *s) { return (float)((double)(rng_next(s) >> 40) / 16777216.0) - 0.5f; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, rs_status st)
{
    fprintf(stderr, "bench/topk: %s failed: %s\n", what, rs_status_string(st));
    exit(EXIT_FAILURE);
}

static rs_model *build_model(size_t nu, size_t ni, size_t f, size_t seen_per_user)
{
    rs_model *m;
    rs_status st;
    uint64_t s = 42;
    if ((st = rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL)) != RS_OK)
        die("rs_model_new", st);
    if ((st = rs_model_set_int(m, RS_PARAM_FACTORS, (int64_t)f)) != RS_OK)
        die("set factors", st);
    for (size_t u = 0; u < nu; u++) {
        int32_t idx;
        if ((st = rs__idmap_insert(&m->users, &m->alloc, (int64_t)u + 1, &idx)) != RS_OK)
            die("user ids", st);
    }
    for (size_t i = 0; i < ni; i++) {
        int32_t idx;
        if ((st = rs__idmap_insert(&m->items, &m->alloc, (int64_t)(i * 13 + 7), &idx)) != RS_OK)
            die("item ids", st);
    }
    m->w.n_users = nu;
    m->w.n_items = ni;
    if ((st = m->ops->layout(&m->w, &m->alloc, &m->params)) != RS_OK)
        die("layout", st);
    for (size_t b = 0; b < m->w.n_blocks; b++) {
        rs__block *blk = &m->w.blocks[b];
        for (size_t r = 0; r < blk->rows; r++)
            for (size_t c = 0; c < blk->cols; c++)
                blk->data[r * blk->stride + c] = rng_float(&s);
    }
    m->w.global_mean = 3.5f;
    m->w.rating_min = 1.0f;
    m->w.rating_max = 5.0f;
    /* seen lists: evenly spread items, sorted by construction */
    m->seen_off = rs__alloc(&m->alloc, nu + 1, sizeof *m->seen_off);
    m->seen_users_cap = nu;
    m->seen_nnz = nu * seen_per_user;
    m->seen_item = rs__alloc(&m->alloc, m->seen_nnz ? m->seen_nnz : 1, sizeof *m->seen_item);
    if (!m->seen_off || !m->seen_item)
        die("seen lists", RS_ERR_NOMEM);
    for (size_t u = 0; u < nu; u++) {
        m->seen_off[u] = u * seen_per_user;
        size_t step = ni / (seen_per_user + 1), start = rng_next(&s) % (step ? step : 1);
        for (size_t t = 0; t < seen_per_user; t++)
            m->seen_item[u * seen_per_user + t] = (int32_t)(start + t * step);
    }
    m->seen_off[nu] = m->seen_nnz;
    m->fitted = 1;
    return m;
}

int main(int argc, char **argv)
{
    size_t ni = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 100000;
    size_t f = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 64;
    size_t reps = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 300;
    size_t nu = 2000, k = 10, batch_users = 256, batch_reps = 5;
    if (ni < 100 || f < 1 || reps < 10) {
        fprintf(stderr, "usage: bench/topk [n_items >= 100] [factors >= 1] [reps >= 10]\n");
        return EXIT_FAILURE;
    }
    rs_model *m = build_model(nu, ni, f, 50);
    const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    float *y = malloc(ni * sizeof *y);
    float *c = malloc(64 * ni * sizeof *c);
    double *t_topk = malloc(reps * sizeof *t_topk), *t_gemv = malloc(reps * sizeof *t_gemv);
    int64_t ids[10], *bids = malloc(batch_users * k * sizeof *bids), *users = malloc(batch_users * sizeof *users);
    float sc[10], *bsc = malloc(batch_users * k * sizeof *bsc);
    size_t n, *counts = malloc(batch_users * sizeof *counts);
    if (!y || !c || !t_topk || !t_gemv || !bids || !users || !bsc || !counts)
        die("malloc", RS_ERR_NOMEM);
    rs_status st;

    /* ---- single user: rs_topk vs sgemv, interleaved so both see the same machine state ---- */
    for (size_t r = 0; r < 5; r++) { /* warm-up */
        rs__blas_sgemv(ni, f, 1.0f, Q->data, Q->stride, P->data, 0.0f, y);
        if ((st = rs_topk(m, 1, k, 0, NULL, 0, NULL, 0, ids, sc, &n)) != RS_OK)
            die("rs_topk", st);
    }
    for (size_t r = 0; r < reps; r++) {
        size_t u = (r * 7919) % nu;
        double t0 = now();
        rs__blas_sgemv(ni, f, 1.0f, Q->data, Q->stride, P->data + u * P->stride, 0.0f, y);
        double t1 = now();
        if ((st = rs_topk(m, (int64_t)u + 1, k, 0, NULL, 0, NULL, 0, ids, sc, &n)) != RS_OK || n != k)
            die("rs_topk", st);
        double t2 = now();
        t_gemv[r] = t1 - t0;
        t_topk[r] = t2 - t1;
    }
    qsort(t_topk, reps, sizeof *t_topk, cmp_double);
    qsort(t_gemv, reps, sizeof *t_gemv, cmp_double);
    size_t p99 = (reps * 99) / 100;
    double topk_med = t_topk[reps / 2], gemv_med = t_gemv[reps / 2];
    printf("single user, %zu items x %zu factors, k=%zu, %zu reps (%s)\n", ni, f, k, reps,
           rs__blas_is_cblas() ? "CBLAS" : "portable kernels");
    printf("  rs_topk   median %8.3f ms   p99 %8.3f ms\n", topk_med * 1e3, t_topk[p99] * 1e3);
    printf("  sgemv     median %8.3f ms   p99 %8.3f ms\n", gemv_med * 1e3, t_gemv[p99] * 1e3);

    /* ---- batch: rs_topk_batch vs sgemm over the same users (64 per call) ---- */
    for (size_t b = 0; b < batch_users; b++)
        users[b] = (int64_t)((b * 31) % nu) + 1;
    if ((st = rs_topk_batch(m, users, batch_users, k, 0, bids, bsc, counts)) != RS_OK)
        die("rs_topk_batch", st);
    double best_batch = 1e30, best_gemm = 1e30;
    float *pk = malloc(64 * f * sizeof *pk);
    if (!pk)
        die("malloc", RS_ERR_NOMEM);
    for (size_t r = 0; r < batch_reps; r++) {
        double t0 = now();
        for (size_t b0 = 0; b0 < batch_users; b0 += 64) {
            /* the floor also gathers the users' rows, as any batch must */
            for (size_t b = 0; b < 64; b++)
                memcpy(pk + b * f, P->data + (size_t)(users[b0 + b] - 1) * P->stride,
                       f * sizeof(float));
            rs__blas_sgemm_nt(64, ni, f, 1.0f, pk, f, Q->data, Q->stride, 0.0f, c, ni);
        }
        double t1 = now();
        if ((st = rs_topk_batch(m, users, batch_users, k, 0, bids, bsc, counts)) != RS_OK)
            die("rs_topk_batch", st);
        double t2 = now();
        if (t1 - t0 < best_gemm)
            best_gemm = t1 - t0;
        if (t2 - t1 < best_batch)
            best_batch = t2 - t1;
    }
    double scored = (double)batch_users * (double)ni;
    printf("batch of %zu users, k=%zu (best of %zu)\n", batch_users, k, batch_reps);
    printf("  rs_topk_batch %8.2f ms   %8.3g items/s\n", best_batch * 1e3, scored / best_batch);
    printf("  sgemm         %8.2f ms   %8.3g items/s\n", best_gemm * 1e3, scored / best_gemm);

    printf("bench=topk blas=%s n_items=%zu factors=%zu k=%zu topk_median_ms=%.4f topk_p99_ms=%.4f "
           "gemv_median_ms=%.4f batch_items_per_s=%.4g gemm_items_per_s=%.4g "
           "topk_over_gemv=%.3f batch_over_gemm=%.3f\n",
           rs__blas_is_cblas() ? "cblas" : "portable", ni, f, k, topk_med * 1e3,
           t_topk[p99] * 1e3, gemv_med * 1e3, scored / best_batch, scored / best_gemm,
           topk_med / gemv_med, best_batch / best_gemm);
    free(pk);
    free(y);
    free(c);
    free(t_topk);
    free(t_gemv);
    free(bids);
    free(users);
    free(bsc);
    free(counts);
    rs_model_free(m);
    return EXIT_SUCCESS;
}
