/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_soak.c: a serving soak (issue 11). 8 threads call rs_predict,
 * rs_predict_batch, rs_topk, rs_topk_batch, rs_similar_items and
 * rs_similar_users on one fitted model for a bounded time; every answer
 * must equal, bit for bit, the one computed beforehand on a single thread,
 * no call may report RS_ERR_MISUSE, and the resident set must stay flat
 * after a warm-up (no growth from per-call scratch). Run it under
 * ThreadSanitizer to prove the shared calls race-free (.ci/run does, for
 * 60 s). Duration: RS_SOAK_SECONDS (default 2). Public API only. */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reltest.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif

#define THREADS 8
#define USERS 60
#define ITEMS 80
#define K 10

static rs_model *model;

/* Reference answers, single-threaded. */
static float ref_pred[USERS + 2][8];
static int64_t ref_top[USERS + 2][K];
static float ref_top_s[USERS + 2][K];
static size_t ref_top_n[USERS + 2];
static int64_t ref_sim[ITEMS][K];
static float ref_sim_s[ITEMS][K];
static int64_t ref_simu[USERS][K];
static float ref_simu_s[USERS][K];

static int64_t user_id(int u) { return u < USERS ? u + 1 : 100000 + u; } /* last two unknown */
static int64_t item_id(int i) { return 1000000 + i; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void reference(void)
{
    for (int u = 0; u < USERS + 2; u++) {
        for (int j = 0; j < 8; j++) {
            rs_status st = rs_predict(model, user_id(u), item_id((u * 7 + j * 11) % ITEMS),
                                      &ref_pred[u][j]);
            ck_assert(st == RS_OK || st == RS_FALLBACK);
        }
        rs_status st = rs_topk(model, user_id(u), K, 0, NULL, 0, NULL, 0, ref_top[u], ref_top_s[u],
                               &ref_top_n[u]);
        ck_assert(st == RS_OK || st == RS_FALLBACK);
    }
    size_t n;
    for (int i = 0; i < ITEMS; i++)
        ck_assert_int_eq(rs_similar_items(model, item_id(i), K, ref_sim[i], ref_sim_s[i], &n), RS_OK);
    for (int u = 0; u < USERS; u++)
        ck_assert_int_eq(rs_similar_users(model, user_id(u), K, ref_simu[u], ref_simu_s[u], &n),
                         RS_OK);
}

typedef struct worker {
    int id;
    double until;
    long calls, mismatches, misuse;
} worker;

#define SAME(a, b, n) (memcmp((a), (b), (n) * sizeof *(a)) == 0)

static void *serve(void *arg)
{
    worker *w = arg;
    unsigned s = 12345u + (unsigned)w->id * 7919u;
    int64_t items[K], bitems[4 * K], users[4];
    float scores[K], bscores[4 * K], y, ys[8];
    size_t n, counts[4];
    int64_t pu[8], pi[8];
    rs_status codes[8];
    while (now() < w->until) {
        for (int rep = 0; rep < 20; rep++) {
            s = s * 1103515245u + 12345u;
            int u = (int)((s >> 8) % (USERS + 2)), i = (int)((s >> 16) % ITEMS);
            rs_status st;
            switch ((s >> 4) % 6) {
            case 0:
                st = rs_predict(model, user_id(u), item_id((u * 7 + (i % 8) * 11) % ITEMS), &y);
                w->mismatches += memcmp(&y, &ref_pred[u][i % 8], sizeof y) != 0;
                break;
            case 1:
                for (int j = 0; j < 8; j++)
                    pu[j] = user_id(u), pi[j] = item_id((u * 7 + j * 11) % ITEMS);
                st = rs_predict_batch(model, pu, pi, 8, ys, codes);
                w->mismatches += !SAME(ys, ref_pred[u], 8);
                break;
            case 2:
                st = rs_topk(model, user_id(u), K, 0, NULL, 0, NULL, 0, items, scores, &n);
                w->mismatches += n != ref_top_n[u] || !SAME(items, ref_top[u], n) ||
                                 !SAME(scores, ref_top_s[u], n);
                break;
            case 3:
                for (int j = 0; j < 4; j++)
                    users[j] = user_id((u + j) % (USERS + 2));
                st = rs_topk_batch(model, users, 4, K, 0, bitems, bscores, counts);
                for (int j = 0; j < 4; j++) {
                    int uu = (u + j) % (USERS + 2);
                    w->mismatches += counts[j] != ref_top_n[uu] ||
                                     !SAME(bitems + j * K, ref_top[uu], counts[j]) ||
                                     !SAME(bscores + j * K, ref_top_s[uu], counts[j]);
                }
                break;
            case 4:
                st = rs_similar_items(model, item_id(i), K, items, scores, &n);
                w->mismatches += !SAME(items, ref_sim[i], n) || !SAME(scores, ref_sim_s[i], n);
                break;
            default:
                u %= USERS;
                st = rs_similar_users(model, user_id(u), K, items, scores, &n);
                w->mismatches += !SAME(items, ref_simu[u], n) || !SAME(scores, ref_simu_s[u], n);
                break;
            }
            w->misuse += st == RS_ERR_MISUSE;
            w->mismatches += st != RS_OK && st != RS_FALLBACK;
            w->calls++;
        }
    }
    return NULL;
}

START_TEST(test_eight_threads_serve_one_model)
{
    const char *env = getenv("RS_SOAK_SECONDS");
    double seconds = env ? atof(env) : 2.0;
    if (!(seconds > 0))
        seconds = 2.0;
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(ds, NULL, USERS, ITEMS, 3, 0.4, 0.1, 0.0, 17), 0);
    model = rt_model(RS_SCORER_HYBRID, NULL, NULL);
    if (!model)
        model = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_FACTORS, 16), RS_OK);
    ck_assert_int_eq(rs_fit(model, ds, NULL), RS_OK);
    rs_dataset_free(ds);
    reference();

    /* Warm-up (a quarter of the time, at least 0.5 s), then the measured part. */
    double warm = seconds / 4 > 0.5 ? seconds / 4 : 0.5;
    worker w[THREADS];
    pthread_t t[THREADS];
    double start = now();
    for (int k = 0; k < THREADS; k++) {
        w[k] = (worker){k, start + warm + seconds, 0, 0, 0};
        ck_assert_int_eq(pthread_create(&t[k], NULL, serve, &w[k]), 0);
    }
    usleep((useconds_t)(warm * 1e6));
    long rss0 = rss_kib(), rss_max = rss0;
    while (now() < start + warm + seconds) {
        usleep(100000);
        long r = rss_kib();
        if (r > rss_max)
            rss_max = r;
    }
    long calls = 0, mismatches = 0, misuse = 0;
    for (int k = 0; k < THREADS; k++) {
        ck_assert_int_eq(pthread_join(t[k], NULL), 0);
        calls += w[k].calls;
        mismatches += w[k].mismatches;
        misuse += w[k].misuse;
    }
    printf("soak: %d threads, %.1f s (after %.1f s warm-up): %ld calls, %ld mismatches, "
           "%ld misuse reports, RSS %ld KiB -> max %ld KiB\n",
           THREADS, seconds, warm, calls, mismatches, misuse, rss0, rss_max);
    ck_assert_int_gt(calls, THREADS);
    ck_assert_int_eq(mismatches, 0);
    ck_assert_int_eq(misuse, 0);
    /* Flat: at most 2 MiB (allocator arenas settling) above the warm level.
     * Not under AddressSanitizer, whose quarantine keeps every freed block
     * (the per-call scratch) resident up to its limit on purpose. */
#if defined(SOAK_ASAN)
    printf("soak: RSS not checked under AddressSanitizer (its quarantine holds freed memory)\n");
#else
    ck_assert_msg(rss0 < 0 || rss_max - rss0 <= 2048, "RSS grew by %ld KiB", rss_max - rss0);
#endif
    rs_model_free(model);
}
END_TEST

/* Training threads: the block schedule's barriers and divergence flags (the
 * part of rs_fit that runs on several threads), small enough for TSan. */
START_TEST(test_threaded_fits_are_repeatable_and_fail_cleanly)
{
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        return;
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(ds, NULL, USERS, ITEMS, 3, 0.4, 0.1, 0.0, 23), 0);
    unsigned char *blob[2];
    size_t n[2];
    for (int k = 0; k < 2; k++) {
        rs_model *m = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, 4), RS_OK);
        ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
        blob[k] = rt_blob(m, &n[k], NULL);
        ck_assert_ptr_nonnull(blob[k]);
        if (k == 1) {
            /* Diverging on 4 threads: every thread stops at the same round,
             * rs_fit reports it and the model keeps its previous fit. */
            ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 8.0), RS_OK);
            size_t nb;
            unsigned char *before = rt_blob(m, &nb, NULL);
            ck_assert_int_eq(rs_fit(m, ds, NULL), RS_ERR_NUMERIC);
            RT_ASSERT_SAME_BLOB(m, before, nb);
            free(before);
        }
        rs_model_free(m);
    }
    ck_assert(n[0] == n[1] && memcmp(blob[0], blob[1], n[0]) == 0);
    free(blob[0]);
    free(blob[1]);
    rs_dataset_free(ds);
}
END_TEST

static Suite *soak_suite(void)
{
    Suite *s = suite_create("soak");
    TCase *tc = tcase_create("serve");
    /* Timed and RSS-watching: natively, under ASan and under TSan, not
     * under valgrind (which serialises the threads and grows its own cache). */
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, test_eight_threads_serve_one_model);
    suite_add_tcase(s, tc);
    tc = tcase_create("threaded_fit");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_threaded_fits_are_repeatable_and_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(soak_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
