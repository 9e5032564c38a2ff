/* librecsgd benchmarks. SPDX-License-Identifier: BSD-2-Clause
 * roofline.c: the per-core limit of one biased-MF SGD update, which the
 * library's training loop is measured against.
 *
 * The limit is a standalone update kernel with nothing the library adds
 * (no statistics, no divergence check, no weights, no clipping, no policy):
 *     e = r - (mu + b_u + b_i + p.q)
 *     b_u += lr (e - l2b b_u);  b_i += lr (e - l2b b_i)
 *     p += lr (e q - l2 p);     q += lr (e p - l2 q)      (old p, q)
 * over rows laid out as the library lays them out (64-byte aligned, padded
 * to 16 floats), with software prefetch 8 ratings ahead, compiled for
 * AVX-512, AVX2+FMA and the baseline ISA (the best the CPU runs is used),
 * flush-to-zero on. It runs single-threaded over three rating sequences:
 *   - in cache: 1000 users x 200 items, so every row stays in L1/L2 (the
 *     arithmetic limit);
 *   - file order: the benchmark's ratings (bench/throughput's generator,
 *     --ratings, default 10M: 100k users x 20k items) in the order of the
 *     file, every row a random access (the memory limit);
 *   - grid order: the same ratings in the order rs_fit trains them (its
 *     grid of blocks, one band of item rows at a time).
 * Then the library's own fused loop (the collaborative scorer's train
 * chunk, constant step, no clipping) runs over the grid order too, and the
 * ratio to the grid-order limit is printed. Medians of --repeat passes.
 * The last line is a key=value summary. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/model.h"
#include "optim/fitdata.h"
#include "optim/run.h"
#include "optim/train.h"
#include "scorers/scorer.h"
#include "synth_libmf.h"
#include "timing.h"

typedef float v16f __attribute__((vector_size(64), aligned(64)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif


typedef struct rows {
    float *P, *Q, *bu, *bi;
    size_t stride, nu, ni;
} rows;

typedef float v8f __attribute__((vector_size(32), aligned(32)));
typedef float v4f __attribute__((vector_size(16), aligned(16)));

static RS_ALWAYS_INLINE float hsum_16(v16f v)
{
    float a0 = v[0] + v[8], a1 = v[1] + v[9], a2 = v[2] + v[10], a3 = v[3] + v[11];
    float a4 = v[4] + v[12], a5 = v[5] + v[13], a6 = v[6] + v[14], a7 = v[7] + v[15];
    return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
}
static RS_ALWAYS_INLINE float hsum_8(v8f v)
{
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}
static RS_ALWAYS_INLINE float hsum_4(v4f v) { return (v[0] + v[2]) + (v[1] + v[3]); }

/* The update kernel, written once and stamped out per ISA with its native
 * vector width (as the library's mf_kernel.h is). */
#define ROOFLINE_KERNEL(NAME, VT, LANES, TARGET)                                                  \
    TARGET static void NAME(rows *w, const int32_t *us, const int32_t *is, const float *rs,       \
                            size_t n)                                                              \
    {                                                                                              \
        const float mu = 3.0f, lr = 0.01f, l2 = 0.05f, l2b = 0.02f;                                \
        const size_t stride = w->stride, nv = stride / LANES, row_bytes = stride * sizeof(float);  \
        VT lrv, l2v, zero;                                                                         \
        for (int l = 0; l < LANES; l++)                                                            \
            lrv[l] = lr, l2v[l] = l2, zero[l] = 0.0f;                                              \
        for (size_t j = 0; j < n; j++) {                                                           \
            if (j + 8 < n) {                                                                       \
                const char *pp = (const char *)(w->P + (size_t)us[j + 8] * stride);                \
                const char *qq = (const char *)(w->Q + (size_t)is[j + 8] * stride);                \
                for (size_t off = 0; off < row_bytes; off += 64) {                                 \
                    __builtin_prefetch(pp + off, 1, 3);                                            \
                    __builtin_prefetch(qq + off, 1, 3);                                            \
                }                                                                                  \
                __builtin_prefetch(w->bu + us[j + 8], 1, 3);                                       \
                __builtin_prefetch(w->bi + is[j + 8], 1, 3);                                       \
            }                                                                                      \
            size_t u = (size_t)us[j], i = (size_t)is[j];                                           \
            VT *p = (VT *)(w->P + u * stride), *q = (VT *)(w->Q + i * stride);                     \
            VT acc = zero;                                                                         \
            for (size_t v = 0; v < nv; v++)                                                        \
                acc += p[v] * q[v];                                                                \
            float e = rs[j] - (mu + w->bu[u] + w->bi[i] + hsum_##LANES(acc));                      \
            w->bu[u] += lr * (e - l2b * w->bu[u]);                                                 \
            w->bi[i] += lr * (e - l2b * w->bi[i]);                                                 \
            VT ev;                                                                                 \
            for (int l = 0; l < LANES; l++)                                                        \
                ev[l] = e;                                                                         \
            for (size_t v = 0; v < nv; v++) {                                                      \
                VT pv = p[v], qv = q[v];                                                           \
                p[v] = pv + lrv * (ev * qv - l2v * pv);                                            \
                q[v] = qv + lrv * (ev * pv - l2v * qv);                                            \
            }                                                                                      \
        }                                                                                          \
    }

ROOFLINE_KERNEL(kernel_base, v4f, 4, )
#if defined(__x86_64__) && defined(__GNUC__)
ROOFLINE_KERNEL(kernel_avx2, v8f, 8, __attribute__((target("avx2,fma"))))
ROOFLINE_KERNEL(kernel_avx512, v16f, 16, __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))))
#endif

typedef void (*kernel_fn)(rows *, const int32_t *, const int32_t *, const float *, size_t);

static kernel_fn pick_kernel(int32_t isa, const char **name)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (isa == RS__ISA_AVX512) {
        *name = "avx512";
        return kernel_avx512;
    }
    if (isa == RS__ISA_AVX2) {
        *name = "avx2";
        return kernel_avx2;
    }
#endif
    (void)isa;
    *name = "baseline";
    return kernel_base;
}

static float *aligned_floats(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float)) != 0)
        return NULL;
    memset(p, 0, (n ? n : 1) * sizeof(float));
    return p;
}

static int rows_init(rows *w, size_t nu, size_t ni, size_t k)
{
    w->stride = (k + 15) & ~(size_t)15;
    w->nu = nu;
    w->ni = ni;
    w->P = aligned_floats(nu * w->stride);
    w->Q = aligned_floats(ni * w->stride);
    w->bu = aligned_floats(nu);
    w->bi = aligned_floats(ni);
    if (!w->P || !w->Q || !w->bu || !w->bi)
        return -1;
    uint64_t s = 99;
    for (size_t u = 0; u < nu; u++)
        for (size_t f = 0; f < k; f++)
            w->P[u * w->stride + f] = 0.1f * (float)(synth_unif(&s) - 0.5);
    for (size_t i = 0; i < ni; i++)
        for (size_t f = 0; f < k; f++)
            w->Q[i * w->stride + f] = 0.1f * (float)(synth_unif(&s) - 0.5);
    return 0;
}

static void rows_free(rows *w)
{
    free(w->P), free(w->Q), free(w->bu), free(w->bi);
}

/* Updates per second of kernel over (us, is, rs), median of repeat passes. */
static double rate(kernel_fn kernel, rows *w, const int32_t *us, const int32_t *is, const float *rs,
                   size_t n, int repeat)
{
    double t[16];
    kernel(w, us, is, rs, n < 100000 ? n : 100000); /* warm up */
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        kernel(w, us, is, rs, n);
        t[r] = now() - t0;
    }
    qsort(t, (size_t)repeat, sizeof *t, cmp_double);
    return (double)n / t[repeat / 2];
}

/* The library's fused loop over the grid, block by block in the plan's
 * order, as one epoch of rs_fit runs it on one thread. */
static double library_rate(const rs__fitdata *fd, size_t nu, size_t ni, size_t k, int repeat)
{
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    rs__weights w;
    memset(&w, 0, sizeof w);
    w.n_users = nu;
    w.n_items = ni;
    w.factors = k;
    rs__params p;
    rs__params_default(&p);
    p.factors = (int64_t)k;
    if (rs__collaborative_ops.layout(&w, &a, &p) != RS_OK)
        return NAN;
    uint64_t s = 7;
    for (size_t b = 0; b < w.n_blocks; b++)
        for (size_t j = 0; j < w.blocks[b].rows; j++)
            for (size_t f = 0; f < w.blocks[b].cols; f++)
                w.blocks[b].data[j * w.blocks[b].stride + f] = 0.1f * (float)(synth_unif(&s) - 0.5);
    w.global_mean = 3.0f;
    void *raw;
    size_t raw_bytes;
    float *rowbuf = rs__alloc_floats_aligned(&a, 2 * ((k + 15) & ~(size_t)15), &raw, &raw_bytes);
    rs__train_ctx c;
    memset(&c, 0, sizeof c);
    c.w = &w;
    c.ops = &rs__collaborative_ops;
    c.lr_policy = RS_LR_CONSTANT;
    c.lr = 0.01f;
    c.l2[RS__REG_FACTORS] = 0.05f;
    c.l2[RS__REG_BIAS] = 0.02f;
    c.clip.kind = RS_CLIP_NONE;
    c.blowup = 1e9f;
    c.isa = rs__isa_detect();
    c.rowbuf = rowbuf;
    double t[16];
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        for (size_t blk = 0; blk < fd->bands * fd->bands; blk++) {
            size_t lo = fd->block_off[blk], hi = fd->block_off[blk + 1];
            rs__chunk ch = {fd->u + lo, fd->i + lo, fd->r + lo, NULL, hi - lo};
            rs__collaborative_ops.train_chunk(&c, &ch);
        }
        t[r] = now() - t0;
    }
    qsort(t, (size_t)repeat, sizeof *t, cmp_double);
    rs__free_aligned(&a, raw, raw_bytes);
    rs__weights_free(&w, &a);
    return (double)fd->n / t[repeat / 2];
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    int repeat = 3, users = 0, items = 0;
    size_t force_bands = 0; /* --bands: another grid than rs_fit's choice, to explore blocking */
    size_t factors[4] = {32, 128};
    int n_factors = 2;
    for (int k = 1; k < argc; k++) {
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(argv[k], "--ratings") == 0 && v)
            n = (size_t)atof(v), k++;
        else if (strcmp(argv[k], "--repeat") == 0 && v)
            repeat = atoi(v), k++;
        else if (strcmp(argv[k], "--factors") == 0 && v)
            factors[0] = (size_t)atoi(v), n_factors = 1, k++;
        else if (strcmp(argv[k], "--bands") == 0 && v)
            force_bands = (size_t)atoi(v), k++;
        else {
            fprintf(stderr, "usage: roofline [--ratings N] [--repeat R] [--factors K] [--bands B]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 15 || n < 1000)
        return 2;
    users = (int)(n / 100 > 100 ? n / 100 : 100);
    items = (int)(n / 500 > 100 ? n / 500 : 100);
#if defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040); /* flush-to-zero and denormals-are-zero */
#endif
    synth_ratings d;
    if (synth_generate(&d, n, users, items, 10) != 0) {
        fprintf(stderr, "roofline: out of memory\n");
        return 1;
    }
    int32_t isa = rs__isa_detect();
    const char *isa_name;
    kernel_fn kernel = pick_kernel(isa, &isa_name);
    printf("roofline: %zu ratings, %d users x %d items, kernel %s, median of %d passes\n", d.n, users,
           items, isa_name, repeat);
    /* The grid order, as rs_fit lays it out for one or two threads. */
    rs__allocator a;
    rs__allocator_init(&a, NULL, NULL);
    double summary[4][4];
    for (int f = 0; f < n_factors; f++) {
        size_t k = factors[f];
        rs__weights probe;
        memset(&probe, 0, sizeof probe);
        probe.n_items = (size_t)items;
        probe.factors = k;
        size_t bands = force_bands ? force_bands : rs__run_choose_bands(1, &probe, d.n);
        rs__ratings_view rv = {d.u, d.i, d.r, NULL, d.n};
        rs__fitdata fd;
        if (rs__fitdata_from_arrays(&fd, &rv, (size_t)users, (size_t)items, bands, 42, &a) != RS_OK)
            return 1;
        /* in cache: a small table, the same number of updates */
        int32_t *cu = malloc(d.n * sizeof *cu), *ci = malloc(d.n * sizeof *ci);
        uint64_t s = 5;
        for (size_t j = 0; j < d.n; j++) {
            cu[j] = (int32_t)(synth_next(&s) % 1000);
            ci[j] = (int32_t)(synth_next(&s) % 200);
        }
        rows small, big;
        if (!cu || !ci || rows_init(&small, 1000, 200, k) != 0 ||
            rows_init(&big, (size_t)users, (size_t)items, k) != 0)
            return 1;
        double in_cache = rate(kernel, &small, cu, ci, d.r, d.n, repeat);
        double file_order = rate(kernel, &big, d.u, d.i, d.r, d.n, repeat);
        double grid_order = rate(kernel, &big, fd.u, fd.i, fd.r, fd.n, repeat);
        double lib = library_rate(&fd, (size_t)users, (size_t)items, k, repeat);
        printf("factors=%zu bands=%zu in_cache=%.4g file_order=%.4g grid_order=%.4g "
               "library_loop=%.4g library_over_grid_limit=%.3f\n",
               k, bands, in_cache, file_order, grid_order, lib, lib / grid_order);
        fflush(stdout);
        summary[f][0] = in_cache, summary[f][1] = file_order, summary[f][2] = grid_order;
        summary[f][3] = lib;
        rows_free(&small);
        rows_free(&big);
        free(cu), free(ci);
        rs__fitdata_free(&fd, &a);
    }
    printf("roofline: ratings=%zu", d.n);
    for (int f = 0; f < n_factors; f++)
        printf(" k%zu_limit_file=%.4g k%zu_limit_grid=%.4g k%zu_library=%.4g k%zu_ratio=%.3f",
               factors[f], summary[f][1], factors[f], summary[f][2], factors[f], summary[f][3],
               factors[f], summary[f][3] / summary[f][2]);
    printf("\n");
    synth_free(&d);
    return 0;
}
