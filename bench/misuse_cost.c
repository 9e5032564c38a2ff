/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * bench/misuse_cost.c: what misuse detection (the per-model in-flight
 * counter of lib/core/inflight.h) costs on the two hottest shared calls.
 * The same build holds both versions of each call: the public, guarded
 * rs_predict / rs_topk and the unguarded bodies behind them
 * (rs__predict_unguarded / rs__topk_unguarded), so the ratio is the check
 * alone. A collaborative model is trained on synthetic ratings; then each
 * call is timed in pairs of short batches (the same calls guarded and
 * unguarded, back to back, in alternating order), with 1 thread and with T
 * threads calling at once on the one model (T = the number of processors,
 * at least 2; every thread starts each batch together, so sharing shows
 * there). The figure is the median of the pairs' ratios: on a shared host
 * the machine's speed drifts by tens of percent over seconds, and only
 * batches milliseconds apart see the same machine.
 *
 * Usage: bench/misuse_cost [n_users] [n_items] [factors] [pairs]
 *        (defaults 2000 20000 64 401)
 * The last line is the key=value summary: predict_ratio_1t, topk_ratio_1t,
 * predict_ratio_Nt, topk_ratio_Nt (median guarded time / unguarded time, so
 * 1.02 means 2% slower), plus misuse_check=0 when the build has no check
 * (no threads): then both versions are the same code. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librecsgd/recsgd.h>
#include "core/model.h"
#include "serve/unguarded.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, rs_status st)
{
    fprintf(stderr, "bench/misuse_cost: %s failed: %s\n", what, rs_status_string(st));
    exit(EXIT_FAILURE);
}

static rs_model *build(size_t nu, size_t ni, size_t f)
{
    rs_dataset *ds;
    rs_model *m;
    rs_status st;
    if ((st = rs_dataset_new(&ds, NULL, NULL)) != RS_OK)
        die("rs_dataset_new", st);
    uint64_t s = 7;
    for (size_t u = 0; u < nu; u++)
        for (int k = 0; k < 20; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            int64_t item = (int64_t)((s >> 33) % ni) + 1;
            float r = (float)(1 + (s >> 20) % 5);
            if ((st = rs_dataset_add_rating(ds, (int64_t)u + 1, item, r, 1.0f)) != RS_OK)
                die("rs_dataset_add_rating", st);
        }
    if ((st = rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL)) != RS_OK)
        die("rs_model_new", st);
    if ((st = rs_model_set_int(m, RS_PARAM_FACTORS, (int64_t)f)) != RS_OK ||
        (st = rs_model_set_int(m, RS_PARAM_EPOCHS, 2)) != RS_OK)
        die("set parameters", st);
    if ((st = rs_fit(m, ds, NULL)) != RS_OK)
        die("rs_fit", st);
    rs_dataset_free(ds);
    return m;
}

typedef struct job {
    const rs_model *m;
    int topk;
    size_t calls, pairs, nu, ni;
    unsigned seed;
    pthread_barrier_t *barrier; /* NULL: one thread */
    double *ratio;              /* pairs ratios guarded / unguarded, one per pair */
    double g_sum, u_sum;        /* seconds of all guarded / unguarded batches */
    volatile float sink;
} job;

/* One batch of `calls` calls of one variant, from seed s (both variants of a
 * pair make the same calls). */
static double batch(job *j, int guarded, unsigned s)
{
    float acc = 0, y;
    int64_t items[10];
    float scores[10];
    size_t n;
    double t0 = now();
    for (size_t c = 0; c < j->calls; c++) {
        s = s * 1103515245u + 12345u;
        int64_t u = (int64_t)(s % j->nu) + 1, i = (int64_t)((s >> 8) % j->ni) + 1;
        rs_status st;
        if (j->topk)
            st = guarded ? rs_topk(j->m, u, 10, 0, NULL, 0, NULL, 0, items, scores, &n)
                         : rs__topk_unguarded(j->m, u, 10, 0, NULL, 0, NULL, 0, items, scores, &n);
        else
            st = guarded ? rs_predict(j->m, u, i, &y) : rs__predict_unguarded(j->m, u, i, &y);
        if (st != RS_OK && st != RS_FALLBACK)
            die(j->topk ? "rs_topk" : "rs_predict", st);
        acc += j->topk ? scores[0] : y;
    }
    double t = now() - t0;
    j->sink = acc;
    return t;
}

static void sync_threads(job *j)
{
    if (j->barrier)
        pthread_barrier_wait(j->barrier);
}

/* Pairs of batches back to back, guarded and unguarded in alternating order,
 * every thread starting each batch together: on a shared host the machine's
 * speed drifts over seconds, and a pair's two batches, milliseconds apart,
 * see the same machine. */
static void *run(void *arg)
{
    job *j = arg;
    unsigned s = j->seed;
    batch(j, 1, s); /* warm caches */
    for (size_t p = 0; p < j->pairs; p++) {
        s = s * 1103515245u + 12345u;
        double t[2];
        for (int k = 0; k < 2; k++) {
            int guarded = (int)((p + (size_t)k) % 2);
            sync_threads(j);
            t[guarded] = batch(j, guarded, s);
        }
        j->ratio[p] = t[1] / t[0];
        j->g_sum += t[1];
        j->u_sum += t[0];
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over every thread's pairs of the ratio guarded / unguarded; the
 * mean times per call in *g_ns, *u_ns. */
static double ratio(const rs_model *m, int topk, size_t calls, size_t pairs, int threads,
                    size_t nu, size_t ni, double *g_ns, double *u_ns)
{
    pthread_t t[64];
    job jobs[64];
    pthread_barrier_t barrier;
    double *all = malloc((size_t)threads * pairs * sizeof *all);
    if (!all || (threads > 1 && pthread_barrier_init(&barrier, NULL, (unsigned)threads) != 0))
        die("setup", RS_ERR_NOMEM);
    for (int k = 0; k < threads; k++) {
        jobs[k] = (job){m, topk, calls, pairs, nu, ni, 1234u + 77u * (unsigned)k,
                        threads > 1 ? &barrier : NULL, all + (size_t)k * pairs, 0, 0, 0};
        if (threads == 1)
            run(&jobs[k]);
        else if (pthread_create(&t[k], NULL, run, &jobs[k]) != 0)
            die("pthread_create", RS_ERR_NOMEM);
    }
    double g = 0, u = 0;
    for (int k = 0; k < threads; k++) {
        if (threads > 1)
            pthread_join(t[k], NULL);
        g += jobs[k].g_sum;
        u += jobs[k].u_sum;
    }
    if (threads > 1)
        pthread_barrier_destroy(&barrier);
    size_t n = (size_t)threads * pairs;
    qsort(all, n, sizeof *all, cmp_double);
    double med = n % 2 ? all[n / 2] : 0.5 * (all[n / 2 - 1] + all[n / 2]);
    free(all);
    *g_ns = g / (double)(threads * pairs * calls) * 1e9;
    *u_ns = u / (double)(threads * pairs * calls) * 1e9;
    return med;
}

int main(int argc, char **argv)
{
    size_t nu = argc > 1 ? (size_t)atol(argv[1]) : 2000;
    size_t ni = argc > 2 ? (size_t)atol(argv[2]) : 20000;
    size_t f = argc > 3 ? (size_t)atol(argv[3]) : 64;
    int pairs = argc > 4 ? atoi(argv[4]) : 401;
    if (nu < 1 || ni < 1 || f < 1 || pairs < 1) {
        fprintf(stderr, "usage: bench/misuse_cost [n_users] [n_items] [factors] [pairs]\n");
        return 2;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int T = cpus < 2 ? 2 : cpus > 64 ? 64 : (int)cpus;
    rs_model *m = build(nu, ni, f);
    printf("bench/misuse_cost: %zu users, %zu items, %zu factors; misuse check %s in this build\n",
           nu, ni, f, RS__MISUSE_CHECK ? "compiled in" : "compiled out (no threads)");
    double r[2][2], g, u;
    const char *name[2] = {"rs_predict", "rs_topk(k=10)"};
    const size_t calls[2] = {4000, 4}; /* per batch: about 0.4 ms and 0.8 ms */
    for (int topk = 0; topk < 2; topk++) {
        for (int mt = 0; mt < 2; mt++) {
            int threads = mt ? T : 1;
            r[topk][mt] = ratio(m, topk, calls[topk], (size_t)pairs, threads, nu, ni, &g, &u);
            printf("%-14s %2d thread%s  guarded %10.1f ns  unguarded %10.1f ns  median ratio %.4f\n",
                   name[topk], threads, threads > 1 ? "s" : " ", g, u, r[topk][mt]);
        }
    }
    printf("misuse_check=%d threads=%d predict_ratio_1t=%.4f topk_ratio_1t=%.4f "
           "predict_ratio_%dt=%.4f topk_ratio_%dt=%.4f\n",
           RS__MISUSE_CHECK, T, r[0][0], r[1][0], T, r[0][1], T, r[1][1]);
    rs_model_free(m);
    return 0;
}
