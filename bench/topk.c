/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * bench/topk.c: serving cost. Three parts, each ending in a key=value line
 * (`bench=topk part=...`):
 *
 *   single  A random collaborative model (100k items x 64 factors by
 *           default, 2000 users with 50 seen items each) built by hand, once
 *           exact and once with RS_PARAM_SERVE_QUANTIZED = RS_QUANT_INT8:
 *           p50/p99 latency of one rs_topk(k = 10) for each, next to one
 *           bare sgemv over the same item factors (the float floor: exact
 *           scoring must read every factor once); recall@10 of the int8 path
 *           against the exact one and the share of identical results (items
 *           and scores), how often its error bound needed the second pass,
 *           the memory of the int8 copy, and the time of many calls in a row
 *           (every user once).
 *   ml      A MovieLens-sized random model (943 users x 1682 items, the
 *           default factor count): top-10 for all 943 users with one
 *           rs_topk_batch call and with one rs_topk call per user.
 *   fitted  The same on a model fitted with default parameters on
 *           MovieLens 100K ($RS_DATA_DIR/ml-100k/u.data; skipped when
 *           RS_DATA_DIR is unset or the file is missing), plus recall and
 *           second-pass share of the int8 path there.
 *
 * Timings from a shared or loaded machine are not results; the instruction
 * counts of `valgrind --tool=callgrind` are stable where timings are not.
 * Usage: bench/topk [n_items] [factors] [reps] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/model.h"
#include "common/blas.h"
#include "common/dots.h"
#include "scorers/scorer.h"
#include "serve/topk_q8.h"

#define K 10

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

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("malloc", RS_ERR_NOMEM);
    return p;
}

/* A random fitted collaborative model, built by hand (no training). */
static rs_model *build_model(size_t nu, size_t ni, size_t f, size_t seen_per_user, int quant)
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
    if (quant && (st = rs_model_set_int(m, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8)) != RS_OK)
        die("serve_quantized", st);
    return m;
}

/* External ids of the model's users, in dense order. */
static int64_t *user_ids(const rs_model *m)
{
    int64_t *v = xmalloc(m->w.n_users * sizeof *v);
    memcpy(v, m->users.ids, m->w.n_users * sizeof *v);
    return v;
}

/* Share of the exact top-k ids found by the other result. */
static double recall(const int64_t *exact, size_t ne, const int64_t *other, size_t no)
{
    size_t hit = 0;
    for (size_t a = 0; a < ne; a++)
        for (size_t b = 0; b < no; b++)
            hit += exact[a] == other[b];
    return ne ? (double)hit / (double)ne : 1.0;
}

/* Top-k of dense user u straight through the int8 path (white box: rs_topk
 * leaves catalogues whose float factors fit in cache to the float scan,
 * and this is how the int8 path is judged on them). Returns the count. */
static size_t q8_topk(const rs_model *m, int32_t u, int64_t *ids, float *sc, rs__q8_stats *st)
{
    const rs__serving *sv = rs__model_serving_copy(m);
    const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    const rs__block *UB = rs__weights_cblock(&m->w, RS__ROLE_USER_BIAS);
    const rs__block *IB = rs__weights_cblock(&m->w, RS__ROLE_ITEM_BIAS);
    if (!sv || !P || !Q)
        die("int8 copy", RS_ERR_STATE);
    rs__hentry heap[K];
    rs__topheap h;
    rs__topheap_init(&h, heap, K);
    size_t a = m->seen_off[u], b = m->seen_off[u + 1];
    int used;
    float base = m->w.global_mean + (UB ? UB->data[u] : 0.0f);
    rs_status r = rs__topk_q8(m, sv, rs__dots_isa(), P->data + (size_t)u * P->stride, base, Q,
                              IB ? IB->data : NULL, NULL, m->seen_item + a, b - a, &h, &used, st);
    if (r != RS_OK || !used)
        die("rs__topk_q8", r != RS_OK ? r : RS_ERR_STATE);
    return rs__topheap_finish(&h, ids, sc);
}

/* Comparison of the int8 path with the exact one over every user. */
typedef struct agreement {
    double recall, identical, second_pass, extra;
} agreement;

static agreement compare_all(const rs_model *exact, const rs_model *q8)
{
    agreement g = {0, 0, 0, 0};
    size_t nu = exact->w.n_users;
    for (size_t u = 0; u < nu; u++) {
        int64_t ie[K], iq[K];
        float se[K], sq[K];
        size_t ne;
        rs_status a = rs_topk(exact, exact->users.ids[u], K, 0, NULL, 0, NULL, 0, ie, se, &ne);
        if (a != RS_OK)
            die("rs_topk", a);
        rs__q8_stats st;
        size_t nq = q8_topk(q8, (int32_t)u, iq, sq, &st);
        g.recall += recall(ie, ne, iq, nq);
        g.identical += ne == nq && memcmp(ie, iq, ne * sizeof *ie) == 0 &&
                       memcmp(se, sq, ne * sizeof *se) == 0;
        g.second_pass += st.second_pass;
        g.extra += (double)st.extra;
    }
    g.recall /= (double)nu;
    g.identical /= (double)nu;
    g.second_pass /= (double)nu;
    g.extra /= (double)nu;
    return g;
}

/* Seconds for top-10 of every user: one rs_topk_batch call (best of reps). */
static double time_batch(const rs_model *m, const int64_t *users, size_t nu, size_t reps)
{
    int64_t *ids = xmalloc(nu * K * sizeof *ids);
    float *sc = xmalloc(nu * K * sizeof *sc);
    size_t *counts = xmalloc(nu * sizeof *counts);
    double best = 1e30;
    for (size_t r = 0; r <= reps; r++) { /* the first run warms the caches */
        double t0 = now();
        rs_status st = rs_topk_batch(m, users, nu, K, 0, ids, sc, counts);
        double t = now() - t0;
        if (st != RS_OK)
            die("rs_topk_batch", st);
        if (r > 0 && t < best)
            best = t;
    }
    free(ids);
    free(sc);
    free(counts);
    return best;
}

/* Seconds for top-10 of every user, one rs_topk call each, back to back (best of reps). */
static double time_loop(const rs_model *m, const int64_t *users, size_t nu, size_t reps)
{
    double best = 1e30;
    for (size_t r = 0; r <= reps; r++) {
        double t0 = now();
        for (size_t b = 0; b < nu; b++) {
            int64_t ids[K];
            float sc[K];
            size_t n;
            rs_status st = rs_topk(m, users[b], K, 0, NULL, 0, NULL, 0, ids, sc, &n);
            if (st != RS_OK)
                die("rs_topk", st);
        }
        double t = now() - t0;
        if (r > 0 && t < best)
            best = t;
    }
    return best;
}

/* ---- part 1: one user over many items ---- */
static void part_single(size_t ni, size_t f, size_t reps)
{
    size_t nu = 2000;
    rs_model *m = build_model(nu, ni, f, 50, 0), *mq = build_model(nu, ni, f, 50, 1);
    const rs__block *P = rs__weights_cblock(&m->w, RS__ROLE_USER_FACTORS);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    float *y = xmalloc(ni * sizeof *y);
    double *te = xmalloc(reps * sizeof *te), *tq = xmalloc(reps * sizeof *tq);
    double *tg = xmalloc(reps * sizeof *tg);
    int64_t ie[K], iq[K];
    float se[K], sq[K];
    size_t ne, nq;
    rs_status st;

    for (size_t r = 0; r < 5; r++) { /* warm-up */
        rs__blas_sgemv(ni, f, 1.0f, Q->data, Q->stride, P->data, 0.0f, y);
        if ((st = rs_topk(m, 1, K, 0, NULL, 0, NULL, 0, ie, se, &ne)) != RS_OK ||
            (st = rs_topk(mq, 1, K, 0, NULL, 0, NULL, 0, iq, sq, &nq)) != RS_OK)
            die("rs_topk", st);
    }
    /* interleaved, so all three see the same machine state */
    for (size_t r = 0; r < reps; r++) {
        size_t u = (r * 7919) % nu;
        double t0 = now();
        rs__blas_sgemv(ni, f, 1.0f, Q->data, Q->stride, P->data + u * P->stride, 0.0f, y);
        double t1 = now();
        st = rs_topk(m, (int64_t)u + 1, K, 0, NULL, 0, NULL, 0, ie, se, &ne);
        double t2 = now();
        if (st == RS_OK)
            st = rs_topk(mq, (int64_t)u + 1, K, 0, NULL, 0, NULL, 0, iq, sq, &nq);
        double t3 = now();
        if (st != RS_OK || ne != K || nq != K)
            die("rs_topk", st);
        tg[r] = t1 - t0;
        te[r] = t2 - t1;
        tq[r] = t3 - t2;
    }
    qsort(te, reps, sizeof *te, cmp_double);
    qsort(tq, reps, sizeof *tq, cmp_double);
    qsort(tg, reps, sizeof *tg, cmp_double);
    size_t p99 = (reps * 99) / 100;
    agreement g = compare_all(m, mq);
    int64_t *users = user_ids(m);
    double loop_e = time_loop(m, users, nu, 2), loop_q = time_loop(mq, users, nu, 2);
    size_t qbytes = rs__q8mat_bytes(&mq->serving.items);
    size_t fbytes = ni * Q->stride * sizeof(float);

    printf("single user, %zu items x %zu factors, k=%d, %zu reps, kernels %s (BLAS floor: %s)\n",
           ni, f, K, reps, rs__dots_isa_name(rs__dots_isa()),
           rs__blas_is_cblas() ? "CBLAS" : "portable");
    printf("  exact rs_topk  p50 %8.3f ms   p99 %8.3f ms\n", te[reps / 2] * 1e3, te[p99] * 1e3);
    printf("  int8  rs_topk  p50 %8.3f ms   p99 %8.3f ms\n", tq[reps / 2] * 1e3, tq[p99] * 1e3);
    printf("  sgemv floor    p50 %8.3f ms   p99 %8.3f ms\n", tg[reps / 2] * 1e3, tg[p99] * 1e3);
    printf("  int8 vs exact over %zu users: recall@%d %.4f, identical %.4f, second pass %.4f "
           "(%.1f extra items re-scored)\n",
           nu, K, g.recall, g.identical, g.second_pass, g.extra);
    printf("  memory: float item factors %.1f MB, int8 copy %.1f MB (%.1f bytes per item)\n",
           (double)fbytes / 1e6, (double)qbytes / 1e6, (double)qbytes / (double)ni);
    printf("  every user once, back to back: exact %.1f ms (%.3f ms/call), int8 %.1f ms "
           "(%.3f ms/call)\n",
           loop_e * 1e3, loop_e * 1e3 / (double)nu, loop_q * 1e3, loop_q * 1e3 / (double)nu);
    printf("bench=topk part=single isa=%s n_items=%zu factors=%zu k=%d exact_p50_ms=%.4f "
           "exact_p99_ms=%.4f q8_p50_ms=%.4f q8_p99_ms=%.4f gemv_p50_ms=%.4f recall_at_10=%.4f "
           "identical=%.4f second_pass=%.4f q8_bytes=%zu float_bytes=%zu loop_exact_ms_per_call=%.4f "
           "loop_q8_ms_per_call=%.4f\n",
           rs__dots_isa_name(rs__dots_isa()), ni, f, K, te[reps / 2] * 1e3, te[p99] * 1e3,
           tq[reps / 2] * 1e3, tq[p99] * 1e3, tg[reps / 2] * 1e3, g.recall, g.identical,
           g.second_pass, qbytes, fbytes, loop_e * 1e3 / (double)nu, loop_q * 1e3 / (double)nu);
    free(users);
    free(y);
    free(te);
    free(tq);
    free(tg);
    rs_model_free(m);
    rs_model_free(mq);
}

/* Batch and one-call-per-user times for all users of m and mq. */
static void report_users(const char *part, rs_model *m, const rs_model *mq)
{
    size_t nu = m->w.n_users;
    int64_t *users = user_ids(m);
    double batch = time_batch(m, users, nu, 5);
    /* The same call with RS_PARAM_THREADS = the processors (at least 2). */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t nthreads = ncpu > 2 ? ncpu : 2;
    if (rs_model_set_int(m, RS_PARAM_THREADS, nthreads) != RS_OK)
        die("rs_model_set_int(RS_PARAM_THREADS)", RS_ERR_INVALID_ARG);
    double batch_t = time_batch(m, users, nu, 5);
    rs_model_set_int(m, RS_PARAM_THREADS, 1);
    double loop_e = time_loop(m, users, nu, 3), loop_q = time_loop(mq, users, nu, 3);
    agreement g = compare_all(m, mq);
    int64_t f;
    rs_model_get_int(m, RS_PARAM_FACTORS, &f);
    printf("%s: %zu users x %zu items x %lld factors, top-%d of every user\n", part, nu,
           m->w.n_items, (long long)f, K);
    printf("  rs_topk_batch (one call)      %8.2f ms\n", batch * 1e3);
    printf("  the same, %lld threads         %8.2f ms   (RS_PARAM_THREADS)\n", (long long)nthreads,
           batch_t * 1e3);
    printf("  rs_topk per user, exact       %8.2f ms\n", loop_e * 1e3);
    const rs__block *Q = rs__weights_cblock(&m->w, RS__ROLE_ITEM_FACTORS);
    int scans_int8 = m->w.n_items * Q->stride * sizeof(float) >= RS__TOPK_Q8_MIN_BYTES;
    printf("  rs_topk per user, int8 set    %8.2f ms   (%s)\n", loop_q * 1e3,
           scans_int8 ? "int8 scan" : "float factors fit in cache: rs_topk scans them exactly");
    printf("  int8 path itself vs exact: recall@%d %.4f, identical %.4f, second pass %.4f "
           "(%.1f extra items re-scored)\n",
           K, g.recall, g.identical, g.second_pass, g.extra);
    printf("bench=topk part=%s n_users=%zu n_items=%zu factors=%lld batch_ms=%.3f "
           "batch_threads=%lld batch_threads_ms=%.3f loop_exact_ms=%.3f loop_q8_ms=%.3f recall_at_10=%.4f identical=%.4f "
           "second_pass=%.4f\n",
           part, nu, m->w.n_items, (long long)f, batch * 1e3, (long long)nthreads, batch_t * 1e3,
           loop_e * 1e3, loop_q * 1e3,
           g.recall, g.identical, g.second_pass);
    free(users);
}

/* ---- part 2: a MovieLens-sized random model ---- */
static void part_ml(void)
{
    int64_t f;
    rs_model *probe;
    if (rs_model_new(&probe, RS_SCORER_COLLABORATIVE, NULL, NULL) != RS_OK)
        die("rs_model_new", RS_ERR_NOMEM);
    rs_model_get_int(probe, RS_PARAM_FACTORS, &f);
    rs_model_free(probe);
    rs_model *m = build_model(943, 1682, (size_t)f, 106, 0);
    rs_model *mq = build_model(943, 1682, (size_t)f, 106, 1);
    report_users("ml", m, mq);
    rs_model_free(m);
    rs_model_free(mq);
}

/* ---- part 3: fitted on MovieLens 100K ---- */
static void part_fitted(void)
{
    const char *dir = getenv("RS_DATA_DIR");
    if (!dir || !*dir) {
        printf("fitted: SKIP: RS_DATA_DIR is not set\n");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/ml-100k/u.data", dir);
    rs_dataset *ds;
    rs_status st;
    if ((st = rs_dataset_new(&ds, NULL, NULL)) != RS_OK)
        die("rs_dataset_new", st);
    if (rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS) != RS_OK) {
        printf("fitted: SKIP: cannot read %s\n", path);
        rs_dataset_free(ds);
        return;
    }
    rs_model *m;
    if ((st = rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL)) != RS_OK ||
        (st = rs_fit(m, ds, NULL)) != RS_OK)
        die("rs_fit", st);
    /* the same weights with the int8 copy, through a save/load round trip
     * (the copy is rebuilt from the stored floats on load) */
    size_t size;
    rs_model_save_buffer(m, NULL, 0, &size, NULL, 0);
    void *buf = xmalloc(size);
    rs_model *mq;
    if ((st = rs_model_save_buffer(m, buf, size, &size, NULL, 0)) != RS_OK ||
        (st = rs_model_load_buffer(&mq, buf, size, NULL, NULL, NULL, 0)) != RS_OK ||
        (st = rs_model_set_int(mq, RS_PARAM_SERVE_QUANTIZED, RS_QUANT_INT8)) != RS_OK)
        die("copy of the fitted model", st);
    free(buf);
    report_users("fitted", m, mq);
    rs_model_free(m);
    rs_model_free(mq);
    rs_dataset_free(ds);
}

int main(int argc, char **argv)
{
    size_t ni = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 100000;
    size_t f = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 64;
    size_t reps = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 1000;
    if (ni < 1000 || f < 1 || f > 4096 || reps < 10) {
        fprintf(stderr, "usage: bench/topk [n_items >= 1000] [factors 1..4096] [reps >= 10]\n");
        return EXIT_FAILURE;
    }
    part_single(ni, f, reps);
    part_ml();
    part_fitted();
    return EXIT_SUCCESS;
}
