/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_misuse.c: misuse detection across threads (issue 11). An
 * exclusive call (rs_fit, setters, fold-in, ...) made while a shared call
 * (scoring, saving, getters) runs on the same model returns RS_ERR_MISUSE
 * with a message; a shared call made while an exclusive call runs returns
 * RS_ERR_MISUSE alone. Deterministic: the call in flight is held there by a
 * custom allocator (for a shared call) or by the progress callback (for
 * rs_fit) until the other thread has tried its call. Public API only; the
 * detection exists in builds with threads (RS_FEATURE_THREADS). */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reltest.h"

static int have_threads(void) { return (rs_build_features() & RS_FEATURE_THREADS) != 0; }

/* A gate: one thread parks in it until another opens it. */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int armed;   /* the next caller of gate_park parks (once) */
    int parked;  /* a thread is parked */
    int open;
} gate;

static void gate_init(gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->armed = g->parked = g->open = 0;
}
static void gate_destroy(gate *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}
static void gate_arm(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->armed = 1;
    g->parked = g->open = 0;
    pthread_mutex_unlock(&g->mu);
}
/* Park if armed (the first caller only). */
static void gate_park(gate *g)
{
    pthread_mutex_lock(&g->mu);
    if (g->armed) {
        g->armed = 0;
        g->parked = 1;
        pthread_cond_broadcast(&g->cv);
        while (!g->open)
            pthread_cond_wait(&g->cv, &g->mu);
        g->parked = 0;
    }
    pthread_mutex_unlock(&g->mu);
}
static void gate_wait_parked(gate *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->parked)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}
static void gate_open(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static gate the_gate; /* parks an allocation of a shared call */
static gate cb_gate;  /* parks rs_fit in its progress callback */

/* libc allocator that parks the first allocation after gate_arm. */
static void *gated_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    gate_park(&the_gate);
    return realloc(ptr, nsize);
}

static rs_dataset *train_ds, *test_ds;
static rs_model *model; /* fitted, with gated_alloc */

static void setup(void)
{
    gate_init(&the_gate);
    gate_init(&cb_gate);
    rt_data(&train_ds, &test_ds, 5);
    model = rt_model(RS_SCORER_COLLABORATIVE, gated_alloc, NULL);
    ck_assert_int_eq(rs_fit(model, train_ds, NULL), RS_OK);
}
static void teardown(void)
{
    rs_model_free(model);
    rs_dataset_free(train_ds);
    rs_dataset_free(test_ds);
    gate_destroy(&the_gate);
    gate_destroy(&cb_gate);
}

/* ---- a shared call in flight: every exclusive call is refused ---- */

typedef struct shared_job {
    int kind; /* 0 rs_topk, 1 rs_similar_items, 2 rs_model_save_file, 3 rs_topk_batch */
    rs_status st;
} shared_job;

static void *run_shared(void *arg)
{
    shared_job *j = arg;
    int64_t items[10], users[2] = {1, 2};
    float scores[10];
    size_t n = 0, counts[2];
    char path[64], msg[128];
    switch (j->kind) {
    case 0:
        j->st = rs_topk(model, 1, 5, 0, NULL, 0, NULL, 0, items, scores, &n);
        break;
    case 1:
        j->st = rs_similar_items(model, 1000000, 5, items, scores, &n);
        break;
    case 2:
        snprintf(path, sizeof path, "/tmp/rs_misuse_%ld.model", (long)getpid());
        j->st = rs_model_save_file(model, path, msg, sizeof msg);
        unlink(path);
        break;
    default:
        j->st = rs_topk_batch(model, users, 2, 5, 0, items, scores, counts);
        break;
    }
    return NULL;
}

START_TEST(test_exclusive_call_during_a_shared_call_is_misuse)
{
    if (!have_threads())
        return;
    shared_job job = {_i, -1};
    gate_arm(&the_gate);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, run_shared, &job), 0);
    gate_wait_parked(&the_gate); /* the shared call is in flight, parked in the allocator */

    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_FACTORS, 3), RS_ERR_MISUSE);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(model), "rs_model_set_int called while 1 shared"));
    ck_assert_int_eq(rs_model_set_double(model, RS_PARAM_LEARNING_RATE, 0.1), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_set_log_callback(model, NULL, NULL), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_set_progress_callback(model, NULL, NULL), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_set_init_callback(model, NULL, NULL), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_set_clip_callback(model, NULL, NULL), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_fit(model, train_ds, NULL), RS_ERR_MISUSE);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(model), "rs_fit called while"));
    ck_assert_int_eq(rs_partial_fit(model, test_ds, NULL), RS_ERR_MISUSE);
    int64_t items[2] = {1000000, 1000001};
    float r[2] = {4, 2};
    ck_assert_int_eq(rs_fold_in_user(model, 999, items, r, 2), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_fold_in_item(model, 1000000, items, r, 2), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_set_features(model, RS_SIDE_USER, 998, NULL, NULL, 0),
                     RS_ERR_MISUSE);
    /* Other shared calls still run beside it. */
    float y;
    ck_assert_int_eq(rs_predict(model, 1, 1000000, &y), RS_OK);
    int64_t v;
    ck_assert_int_eq(rs_model_get_int(model, RS_PARAM_FACTORS, &v), RS_OK);
    ck_assert_int_eq(v, 4); /* the refused setter changed nothing */

    gate_open(&the_gate);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(job.st, RS_OK);
    /* Nothing is in flight any more: the exclusive calls work again. */
    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_FACTORS, 3), RS_OK);
    ck_assert_str_eq(rs_model_last_error(model), "");
    ck_assert_int_eq(rs_fold_in_user(model, 999, items, r, 2), RS_OK);
}
END_TEST

/* ---- an exclusive call in flight: every shared call is refused ---- */

typedef struct fit_job {
    rs_model *m;
    int calls_from_callback; /* shared calls the callback made of its own model */
    rs_status from_callback;
    rs_status st;
} fit_job;

static int32_t park_in_progress(void *ud, const double *stats, size_t n)
{
    (void)n;
    fit_job *j = ud;
    if (stats[RS_STAT_EPOCH] == 2.0) {
        /* A callback calling back into its model is misuse as well. */
        float y;
        j->from_callback = rs_predict(j->m, 1, 1000000, &y);
        j->calls_from_callback++;
        gate_park(&cb_gate);
    }
    return 0;
}

static void *run_fit(void *arg)
{
    fit_job *j = arg;
    j->st = rs_fit(j->m, train_ds, NULL);
    return NULL;
}

START_TEST(test_shared_call_during_an_exclusive_call_is_misuse)
{
    if (!have_threads())
        return;
    fit_job job = {model, 0, -1, -1};
    ck_assert_int_eq(rs_model_set_progress_callback(model, park_in_progress, &job), RS_OK);
    char before[64];
    snprintf(before, sizeof before, "%s", rs_model_last_error(model));
    gate_arm(&cb_gate);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, run_fit, &job), 0);
    gate_wait_parked(&cb_gate); /* rs_fit is in flight, parked in its callback */

    float y;
    int64_t items[10], users[2] = {1, 2}, v;
    float scores[10], f[8];
    size_t n, counts[2];
    double d, stats[RS_STAT_COUNT_V0_2];
    rs_status codes[2];
    int32_t idx;
    char msg[200] = "";
    ck_assert_int_eq(rs_predict(model, 1, 1000000, &y), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_predict_batch(model, users, users, 2, scores, codes), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_topk(model, 1, 5, 0, NULL, 0, NULL, 0, items, scores, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_topk_batch(model, users, 2, 5, 0, items, scores, counts), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_similar_items(model, 1000000, 5, items, scores, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_similar_users(model, 1, 5, items, scores, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_get_int(model, RS_PARAM_FACTORS, &v), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_get_double(model, RS_PARAM_LEARNING_RATE, &d), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_epoch_stats(model, 0, stats, RS_STAT_COUNT_V0_2, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_copy_user_factors(model, 1, f, 8, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_copy_item_factors(model, 1000000, f, 8, &n), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_feature_index(model, RS_SIDE_USER, "x", &idx), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_model_save_buffer(model, NULL, 0, &n, msg, sizeof msg), RS_ERR_MISUSE);
    ck_assert_ptr_nonnull(strstr(msg, "exclusive call"));
    ck_assert_int_eq(rs_model_save_file(model, "/tmp/rs_misuse_never", msg, sizeof msg),
                     RS_ERR_MISUSE);
    ck_assert_int_eq(access("/tmp/rs_misuse_never", F_OK), -1);
    /* Shared calls never write the model's message. */
    ck_assert_str_eq(rs_model_last_error(model), before);
    /* Another exclusive call is refused too, with a message. */
    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_EPOCHS, 3), RS_ERR_MISUSE);

    gate_open(&cb_gate);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(job.st, RS_OK);
    ck_assert_int_eq(job.calls_from_callback, 1);
    ck_assert_int_eq(job.from_callback, RS_ERR_MISUSE);
    /* And everything works once it is over. */
    ck_assert_int_eq(rs_predict(model, 1, 1000000, &y), RS_OK);
    ck_assert_int_eq(rs_topk(model, 1, 5, 0, NULL, 0, NULL, 0, items, scores, &n), RS_OK);
    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_EPOCHS, 3), RS_OK);
}
END_TEST

/* ---- no false alarms: many shared calls at once ---- */

static void *hammer(void *arg)
{
    (void)arg;
    long bad = 0;
    int64_t items[5];
    float scores[5], y;
    size_t n;
    for (int k = 0; k < 2000; k++) {
        if (rs_predict(model, 1 + k % 40, 1000000 + k % 30, &y) == RS_ERR_MISUSE)
            bad++;
        if (k % 20 == 0 && rs_topk(model, 1 + k % 40, 5, 0, NULL, 0, NULL, 0, items, scores, &n) ==
                               RS_ERR_MISUSE)
            bad++;
    }
    return (void *)bad;
}

START_TEST(test_concurrent_shared_calls_are_never_misuse)
{
    pthread_t t[4];
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(pthread_create(&t[k], NULL, hammer, NULL), 0);
    for (int k = 0; k < 4; k++) {
        void *bad;
        ck_assert_int_eq(pthread_join(t[k], &bad), 0);
        ck_assert_int_eq((long)bad, 0);
    }
    ck_assert_int_eq(rs_model_set_int(model, RS_PARAM_EPOCHS, 3), RS_OK);
}
END_TEST

static Suite *misuse_suite(void)
{
    Suite *s = suite_create("misuse");
    TCase *tc = tcase_create("misuse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_exclusive_call_during_a_shared_call_is_misuse, 0, 4);
    tcase_add_test(tc, test_shared_call_during_an_exclusive_call_is_misuse);
    tcase_add_test(tc, test_concurrent_shared_calls_are_never_misuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(misuse_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
