/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_oom_workflow.c: allocation failure across a whole workflow
 * (issue 11). For every scorer, allocation number n = 1, 2, ... of the
 * workflow below fails (only that one), until the workflow completes with no
 * failure left to inject:
 *
 *   create a dataset and a model; load ratings (and features) through a
 *   reader; fit on 2 threads; refit; save; load the saved blob; predict;
 *   top-k; batch top-k; similar items and users; partial fit; fold-in of a
 *   user and an item; register a new id with features; save again.
 *
 * Every call that fails must return RS_ERR_NOMEM; after a failed mutating
 * call the model saves bit-identically to before (and a dataset holds what
 * it held); a retry of the same call then succeeds with the status it has
 * without failures; at the end nothing is left allocated (the counting
 * allocator checks it, LeakSanitizer too in the ASan CI build). Calls may
 * absorb a failed allocation (best-effort caches and shrinks) and succeed.
 * Tagged "slow": it runs the workflow ~1000 times per scorer, natively and
 * under ASan, not under valgrind. Public API only. */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reltest.h"
#include "testutil.h"

/* ---- an allocator that fails exactly one chosen allocation ---- */

typedef struct inject {
    pthread_mutex_t mu;     /* rs_fit's workers allocate too */
    size_t calls;           /* allocations and growths counted so far */
    size_t fail_at;         /* the one that fails (1-based); 0 = none */
    int fired, paused;
    size_t live, live_bytes;
} inject;

static inject inj = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, 0};

static void *inject_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    pthread_mutex_lock(&inj.mu);
    void *out = NULL;
    if (nsize == 0) {
        if (ptr) {
            inj.live--;
            inj.live_bytes -= osize;
        }
        free(ptr);
    } else {
        int fail = 0;
        if (!inj.paused) {
            inj.calls++;
            fail = inj.fail_at && inj.calls == inj.fail_at;
        }
        if (fail) {
            inj.fired = 1;
        } else {
            out = realloc(ptr, nsize);
            if (out) {
                if (!ptr)
                    inj.live++;
                inj.live_bytes += nsize - osize;
            }
        }
    }
    pthread_mutex_unlock(&inj.mu);
    return out;
}

static int fired(void)
{
    pthread_mutex_lock(&inj.mu);
    int f = inj.fired;
    pthread_mutex_unlock(&inj.mu);
    return f;
}
static void pause_injection(int on)
{
    pthread_mutex_lock(&inj.mu);
    inj.paused = on;
    pthread_mutex_unlock(&inj.mu);
}

/* ---- the inputs, as text: ratings and sparse features ---- */

static char *ratings_text, *new_text, *ufeat_text, *ifeat_text;

static char *ratings_as_text(const rs_dataset *ds)
{
    size_t n = rs_dataset_num_ratings(ds), cap = 64 + n * 48, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(ds, j, &u, &i, &r, NULL);
        len += (size_t)snprintf(t + len, cap - len, "%lld\t%lld\t%.6g\n", (long long)u,
                                (long long)i, (double)r);
    }
    return t;
}

static char *features_as_text(const rs_dataset *ds, int32_t side)
{
    size_t ids = side == RS_SIDE_USER ? rs_dataset_num_users(ds) : rs_dataset_num_items(ds);
    size_t cap = 64 + ids * 96, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    t[0] = '\0';
    for (size_t k = 0; k < ids; k++) {
        int64_t id;
        int32_t col[8];
        float val[8];
        size_t nf;
        rs_dataset_index_to_id(ds, side, (int32_t)k, &id);
        rs_dataset_get_features(ds, side, id, col, val, 8, &nf);
        len += (size_t)snprintf(t + len, cap - len, "%lld", (long long)id);
        for (size_t f = 0; f < nf && f < 8; f++)
            len += (size_t)snprintf(t + len, cap - len, " %s:%g",
                                    rs_dataset_feature_name(ds, side, col[f]), (double)val[f]);
        len += (size_t)snprintf(t + len, cap - len, "\n");
    }
    return t;
}

static void make_inputs(void)
{
    rs_dataset *all, *fresh;
    ck_assert_int_eq(rs_dataset_new(&all, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&fresh, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(all, fresh, 24, 16, 2, 0.5, 0.1, 0.15, 9), 0);
    ratings_text = ratings_as_text(all);
    new_text = ratings_as_text(fresh);
    ufeat_text = features_as_text(all, RS_SIDE_USER);
    ifeat_text = features_as_text(all, RS_SIDE_ITEM);
    rs_dataset_free(all);
    rs_dataset_free(fresh);
}

static void free_inputs(void)
{
    free(ratings_text);
    free(new_text);
    free(ufeat_text);
    free(ifeat_text);
}

static int32_t count_writer(void *ud, const void *buf, size_t len)
{
    (void)buf;
    *(size_t *)ud += len;
    return 0;
}

/* What a dataset's features are: counts and a hash of every row. */
static uint64_t features_state(const rs_dataset *ds)
{
    uint64_t h = 1469598103934665603ull;
    for (int side = 0; side < 2; side++) {
        h = (h ^ rs_dataset_num_features(ds, side)) * 1099511628211ull;
        size_t ids = side == RS_SIDE_USER ? rs_dataset_num_users(ds) : rs_dataset_num_items(ds);
        for (size_t k = 0; k < ids; k++) {
            int64_t id;
            int32_t col[8];
            float val[8];
            size_t nf = 0;
            rs_dataset_index_to_id(ds, side, (int32_t)k, &id);
            rs_dataset_get_features(ds, side, id, col, val, 8, &nf);
            h = (h ^ nf) * 1099511628211ull;
            for (size_t f = 0; f < nf && f < 8; f++)
                h = (h ^ (uint64_t)(uint32_t)col[f] ^ ((uint64_t)(val[f] * 1000) << 32)) *
                    1099511628211ull;
        }
    }
    return h;
}

/* ---- the workflow ---- */

#define MAX_STEPS 64

typedef struct run {
    int32_t scorer;
    rs_status want[MAX_STEPS]; /* statuses of a run without failures */
    int recording;
    int step;
    size_t failures; /* calls that returned RS_ERR_NOMEM (and were retried) */
} run;

/* A blob of the model, or NULL (unfitted), taken with injection paused. */
static unsigned char *state_of(const rs_model *m, size_t *n)
{
    if (!m) {
        *n = 0;
        return NULL;
    }
    pause_injection(1);
    unsigned char *b = rt_blob(m, n, NULL);
    pause_injection(0);
    return b;
}

static int same_state(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    if (!a || !b)
        return a == b;
    return na == nb && memcmp(a, b, na) == 0;
}

/* Run one call (it may be repeated): `mutates` names the model it may change
 * (NULL for shared calls and constructors). On RS_ERR_NOMEM the model must
 * be unchanged and the retry must succeed as in the failure-free run. */
#define STEP(r, mutates, call)                                                                 \
    do {                                                                                       \
        size_t n_before_ = 0, n_after_ = 0;                                                    \
        unsigned char *before_ = state_of((mutates), &n_before_);                              \
        int was_fired_ = fired();                                                              \
        rs_status st_ = (call);                                                                \
        if (!was_fired_ && fired() && st_ != ((r)->recording ? st_ : (r)->want[(r)->step])) { \
            ck_assert_msg(st_ == RS_ERR_NOMEM, "%s: step %d (%s): status %d after allocation %zu " \
                          "failed", #call, (r)->step, rs_status_string(st_), (int)st_,           \
                          inj.fail_at);                                                        \
            unsigned char *after_ = state_of((mutates), &n_after_);                            \
            ck_assert_msg(same_state(before_, n_before_, after_, n_after_),                    \
                          "%s: step %d changed the model although it failed", #call,           \
                          (r)->step);                                                          \
            free(after_);                                                                      \
            (r)->failures++;                                                                   \
            st_ = (call); /* the retry: no failure is left to inject */                        \
        }                                                                                      \
        if ((r)->recording)                                                                    \
            (r)->want[(r)->step] = st_;                                                        \
        else                                                                                   \
            ck_assert_msg(st_ == (r)->want[(r)->step], "%s: step %d: status %d, expected %d",   \
                          #call, (r)->step, (int)st_, (int)(r)->want[(r)->step]);               \
        free(before_);                                                                         \
        (r)->step++;                                                                           \
    } while (0)

static rs_status load_text(rs_dataset *ds, const char *text)
{
    tu_reader rd = tu_reader_of(text, 97);
    return rs_dataset_load(ds, tu_read, &rd, RS_FORMAT_MOVIELENS, "ratings");
}
/* A failed feature load must leave the dataset's features as they were. */
static rs_status load_features(rs_dataset *ds, int32_t side, const char *text)
{
    uint64_t before = features_state(ds);
    size_t n = rs_dataset_num_ratings(ds);
    tu_reader rd = tu_reader_of(text, 0);
    rs_status st = rs_dataset_load_features(ds, side, tu_read, &rd, RS_FEATURES_SPARSE, "features");
    if (st != RS_OK) {
        ck_assert_msg(features_state(ds) == before, "a failed feature load changed the dataset");
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), n);
    }
    return st;
}

/* A dataset load that failed must have left the dataset as it was: here,
 * empty (each load goes into a fresh dataset). */
static rs_status load_into_fresh(rs_dataset **ds, const char *text)
{
    rs_status st = rs_dataset_new(ds, inject_alloc, NULL);
    if (st != RS_OK)
        return st;
    st = load_text(*ds, text);
    if (st != RS_OK) {
        ck_assert_uint_eq(rs_dataset_num_ratings(*ds), 0);
        rs_dataset_free(*ds);
        *ds = NULL;
    }
    return st;
}

static void workflow(run *r)
{
    rs_dataset *train = NULL, *fresh = NULL;
    rs_model *m = NULL, *copy = NULL;
    unsigned char *blob = NULL;
    size_t blob_n = 0;
    r->step = 0;
    int feat = r->scorer != RS_SCORER_COLLABORATIVE;

    STEP(r, NULL, load_into_fresh(&train, ratings_text));
    if (feat) {
        STEP(r, NULL, load_features(train, RS_SIDE_USER, ufeat_text));
        STEP(r, NULL, load_features(train, RS_SIDE_ITEM, ifeat_text));
    }
    STEP(r, NULL, load_into_fresh(&fresh, new_text));
    STEP(r, NULL, rs_model_new(&m, r->scorer, inject_alloc, NULL));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 3), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 3), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS,
                                      rs_build_features() & RS_FEATURE_THREADS ? 2 : 1),
                     RS_OK);
    STEP(r, m, rs_fit(m, train, NULL));   /* first fit: a failure leaves it unfitted */
    STEP(r, m, rs_fit(m, train, fresh));  /* refit with validation */

    /* Save (size query, then the bytes) and load the copy. */
    pause_injection(1);
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, &blob_n, NULL, 0), RS_ERR_RANGE);
    blob = malloc(blob_n);
    pause_injection(0);
    size_t got = 0;
    STEP(r, NULL, rs_model_save_buffer(m, blob, blob_n, &got, NULL, 0));
    STEP(r, NULL, rs_model_load_buffer(&copy, blob, got, inject_alloc, NULL, NULL, 0));
    ck_assert_ptr_nonnull(copy);

    /* Serving. */
    float y;
    int64_t items[5], users[3] = {1, 2, 999};
    float scores[5 * 3];
    int64_t bitems[5 * 3];
    size_t n, counts[3];
    STEP(r, NULL, rs_predict(copy, 1, 1000000, &y));
    STEP(r, NULL, rs_topk(copy, 1, 5, 0, NULL, 0, NULL, 0, items, scores, &n));
    STEP(r, NULL, rs_topk_batch(copy, users, 3, 5, 0, bitems, scores, counts));
    STEP(r, NULL, rs_similar_items(copy, 1000000, 5, items, scores, &n));
    STEP(r, NULL, rs_similar_users(copy, 1, 5, items, scores, &n));

    /* Online updates and new ids. */
    STEP(r, copy, rs_partial_fit(copy, fresh, train));
    int64_t fold_items[3] = {1000000, 1000001, 1000002}, fold_users[3] = {1, 2, 3};
    float fold_r[3] = {4.0f, 2.0f, 3.5f};
    STEP(r, copy, rs_fold_in_user(copy, 5000, fold_items, fold_r, 3));
    STEP(r, copy, rs_fold_in_item(copy, 7000000, fold_users, fold_r, 3));
    int32_t f0 = 0;
    STEP(r, copy, rs_model_set_features(copy, RS_SIDE_ITEM, 7000001, feat ? &f0 : NULL, NULL,
                                        feat ? 1 : 0));
    size_t bytes = 0;
    STEP(r, NULL, rs_model_save(copy, count_writer, &bytes, NULL, 0));

    ck_assert_int_le(r->step, MAX_STEPS);
    free(blob);
    rs_model_free(copy);
    rs_model_free(m);
    rs_dataset_free(fresh);
    rs_dataset_free(train);
}

START_TEST(test_every_allocation_of_the_workflow_may_fail)
{
    run r;
    memset(&r, 0, sizeof r);
    r.scorer = RT_SCORERS[_i];
    rs_model *probe = NULL;
    if (rs_model_new(&probe, r.scorer, NULL, NULL) == RS_ERR_NOT_BUILT)
        return;
    rs_model_free(probe);
    make_inputs();

    /* The failure-free run: the statuses to expect, and how many allocations. */
    inj.calls = 0;
    inj.fail_at = 0;
    inj.fired = 0;
    r.recording = 1;
    workflow(&r);
    r.recording = 0;
    size_t total = inj.calls;
    ck_assert_uint_gt(total, 50);
    ck_assert_uint_eq(inj.live, 0);

    size_t fail_at, absorbed = 0;
    for (fail_at = 1;; fail_at++) {
        inj.calls = 0;
        inj.fail_at = fail_at;
        inj.fired = 0;
        size_t failures_before = r.failures;
        workflow(&r);
        ck_assert_msg(inj.live == 0, "allocation %zu failed: %zu blocks (%zu bytes) leaked",
                      fail_at, inj.live, inj.live_bytes);
        if (!inj.fired)
            break; /* n exceeds the workflow's allocations: done */
        if (r.failures == failures_before)
            absorbed++; /* a best-effort allocation: the call succeeded anyway */
    }
    /* Thread timing may change the count a little; the loop covered them all. */
    ck_assert_uint_ge(fail_at, total / 2);
    ck_assert_uint_gt(r.failures, 0);
    printf("oom workflow, scorer %d: %zu allocations failed one at a time: %zu calls returned "
           "RS_ERR_NOMEM and succeeded on retry, %zu failures absorbed, no leak\n",
           (int)r.scorer, fail_at - 1, r.failures, absorbed);
    free_inputs();
}
END_TEST

static Suite *oom_suite(void)
{
    Suite *s = suite_create("oom_workflow");
    TCase *tc = tcase_create("workflow");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_every_allocation_of_the_workflow_may_fail, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(oom_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
