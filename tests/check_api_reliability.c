/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_reliability.c: regression tests of the defects found by outside
 * testing (issue 11), through the public API only:
 *   1. a failed rs_fit / rs_partial_fit leaves the model bit-identical (or
 *      unfitted), also when the first epoch diverges;
 *   2. a model that ends worse than the bias-only baseline is reported;
 *   3. any corruption of a model blob reads RS_ERR_FORMAT; only a genuinely
 *      newer blob (valid checksum) reads RS_ERR_VERSION;
 *   4. size queries with a NULL buffer never call memcpy(NULL, .., 0);
 *   5. one rating-bound rule for rs_dataset_add_rating and the loaders;
 *   6. messages escape control characters; a CSV header naming a column
 *      twice is refused. */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reltest.h"
#include "testutil.h"

static rs_dataset *train_ds, *test_ds;

static void setup(void) { rt_data(&train_ds, &test_ds, 7); }
static void teardown(void)
{
    rs_dataset_free(train_ds);
    rs_dataset_free(test_ds);
}

/* ---- 1. failed fits change nothing ---- */

/* The reference bytes: taken again after every parameter change, since the
 * parameters are part of the saved model. */
#define REF()                                  \
    do {                                       \
        free(ref);                             \
        ref = rt_blob(m, &n, NULL);            \
        ck_assert_ptr_nonnull(ref);            \
    } while (0)

static int32_t cancel_at_2(void *ud, const double *stats, size_t n)
{
    (void)ud;
    (void)n;
    return stats[RS_STAT_EPOCH] >= 2.0;
}
/* A clip policy that turns every gradient into 1e30 once armed, and a
 * progress callback that arms it after the first epoch: training diverges
 * in epoch 2, after one good epoch, whatever the scorer and rate. */
typedef struct bomb {
    int armed;
} bomb;
static int32_t bomb_clip(void *ud, float *g, size_t n)
{
    bomb *b = ud;
    if (!b->armed)
        return 0;
    for (size_t k = 0; k < n; k++)
        g[k] = 1e30f;
    return 1;
}
static int32_t arm_after_1(void *ud, const double *stats, size_t n)
{
    (void)n;
    ((bomb *)ud)->armed = stats[RS_STAT_EPOCH] >= 1.0;
    return 0;
}
static void arm_bomb(rs_model *m, bomb *b)
{
    b->armed = 0;
    ck_assert_int_eq(rs_model_set_clip_callback(m, bomb_clip, b), RS_OK);
    ck_assert_int_eq(rs_model_set_progress_callback(m, arm_after_1, b), RS_OK);
}
static void disarm_bomb(rs_model *m)
{
    ck_assert_int_eq(rs_model_set_clip_callback(m, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_model_set_progress_callback(m, NULL, NULL), RS_OK);
}

static int32_t failing_init(void *ud, int32_t block, float *v, size_t rows, size_t cols, uint64_t seed)
{
    (void)ud, (void)block, (void)v, (void)rows, (void)cols, (void)seed;
    return 1;
}
static int32_t nan_init(void *ud, int32_t block, float *v, size_t rows, size_t cols, uint64_t seed)
{
    (void)ud, (void)block, (void)seed;
    for (size_t k = 0; k < rows * cols; k++)
        v[k] = NAN;
    return 0;
}

START_TEST(test_failed_fit_leaves_model_bit_identical)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    size_t n;
    unsigned char *ref = NULL;
    REF();
    float y0, y1;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y0), RS_OK);

    /* Divergence in the first epoch (ratings of +-5e29). */
    rs_dataset *boom = rt_exploding(40, 30);
    ck_assert_int_eq(rs_fit(m, boom, NULL), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "left as it was"));
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y1), RS_OK);
    ck_assert_float_eq(y0, y1);
    /* The statistics describe the failed run. */
    ck_assert_uint_ge(rs_model_num_epoch_stats(m), 1);
    /* Also with a validation set and with keep_partial (no good epoch to keep). */
    ck_assert_int_eq(rs_fit(m, boom, test_ds), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 1), RS_OK);
    REF();
    ck_assert_int_eq(rs_fit(m, boom, NULL), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 0), RS_OK);

    /* Divergence after good epochs, under both divergence policies. */
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 5.0), RS_OK);
    REF();
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 10.0), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_DIVERGENCE, 1.0001), RS_OK);
    REF();
    rs_status st = rs_fit(m, train_ds, NULL);
    if (st != RS_OK)
        RT_ASSERT_SAME_BLOB(m, ref, n);
    rs_model_free(m);
    m = rt_model(RT_SCORERS[_i], NULL, NULL);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    REF();

    /* Divergence in epoch 2, after a good epoch (RS_PARAM_KEEP_PARTIAL 0). */
    bomb b;
    arm_bomb(m, &b);
    REF();
    ck_assert_int_eq(rs_fit(m, train_ds, test_ds), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    disarm_bomb(m);
    REF();

    /* Cancellation by the init policy; NaN init. */
    ck_assert_int_eq(rs_model_set_init_callback(m, failing_init, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_CANCELLED);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_init_callback(m, nan_init, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_init_callback(m, NULL, NULL), RS_OK);

    /* Bad arguments. */
    rs_dataset *empty;
    ck_assert_int_eq(rs_dataset_new(&empty, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, empty, NULL), RS_ERR_EMPTY);
    ck_assert_int_eq(rs_fit(m, NULL, NULL), RS_ERR_INVALID_ARG);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    rs_dataset_free(empty);
    rs_dataset_free(boom);
    free(ref);
    rs_model_free(m);
}
END_TEST

START_TEST(test_failed_first_fit_leaves_model_unfitted)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    rs_dataset *boom = rt_exploding(40, 30);
    ck_assert_int_eq(rs_fit(m, boom, NULL), RS_ERR_NUMERIC);
    ck_assert_uint_eq(rs_model_num_users(m), 0);
    float y;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_ERR_STATE);
    size_t n;
    rs_status st;
    ck_assert_ptr_null(rt_blob(m, &n, &st));
    ck_assert_int_eq(st, RS_ERR_STATE);
    /* Diverging after a good epoch, or a failing init policy: still unfitted. */
    bomb b;
    arm_bomb(m, &b);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_ERR_STATE);
    disarm_bomb(m);
    ck_assert_int_eq(rs_model_set_init_callback(m, failing_init, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_CANCELLED);
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_ERR_STATE);
    rs_dataset_free(boom);
    rs_model_free(m);
}
END_TEST

/* A stop the progress callback asks for is an early end, not a failure:
 * RS_ERR_CANCELLED, and the model holds the last complete epoch. */
START_TEST(test_a_requested_stop_keeps_the_last_complete_epoch)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    ck_assert_int_eq(rs_model_set_progress_callback(m, cancel_at_2, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, test_ds), RS_ERR_CANCELLED);
    ck_assert_uint_eq(rs_model_num_epoch_stats(m), 2);
    float y;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_OK);
    ck_assert(isfinite(y));
    rs_model_free(m);
}
END_TEST

START_TEST(test_keep_partial_keeps_the_last_good_epoch)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 1), RS_OK);
    bomb b;
    arm_bomb(m, &b);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "keeps the last good epoch"));
    ck_assert_uint_eq(rs_model_num_users(m), 40);
    float y;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_OK);
    ck_assert(isfinite(y));
    rs_model_free(m);
}
END_TEST

START_TEST(test_failed_partial_fit_leaves_model_bit_identical)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    size_t n;
    unsigned char *ref = NULL;
    REF();
    /* New ratings, some for new users and items, that explode at once. */
    rs_dataset *boom = rt_exploding(45, 34);
    ck_assert_int_eq(rs_partial_fit(m, boom, train_ds), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_uint_eq(rs_model_num_users(m), 40);
    /* Good ratings at a learning rate that diverges after good epochs. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_ONLINE_EPOCHS, 20), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 3.0), RS_OK);
    REF();
    rs_status st = rs_partial_fit(m, test_ds, train_ds);
    if (st != RS_OK)
        RT_ASSERT_SAME_BLOB(m, ref, n);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), RS_OK);
    REF();
    /* Diverging in its second epoch. */
    bomb b;
    arm_bomb(m, &b);
    REF();
    ck_assert_int_eq(rs_partial_fit(m, test_ds, train_ds), RS_ERR_NUMERIC);
    RT_ASSERT_SAME_BLOB(m, ref, n);
    /* With keep_partial the good epoch is kept: the model changes. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 1), RS_OK);
    REF();
    b.armed = 0;
    ck_assert_int_eq(rs_partial_fit(m, test_ds, train_ds), RS_ERR_NUMERIC);
    size_t n2;
    unsigned char *after = rt_blob(m, &n2, NULL);
    ck_assert_ptr_nonnull(after);
    ck_assert(n2 != n || memcmp(after, ref, n) != 0);
    free(after);
    rs_dataset_free(boom);
    free(ref);
    rs_model_free(m);
}
END_TEST

/* ---- 2. a model worse than the bias-only baseline is reported ---- */

/* The baseline computed here independently: mean + damped item biases
 * (prior 25), then damped user biases (prior 10), clamped to the training
 * range, RMSE on `eval`. */
static double reference_baseline(const rs_dataset *train, const rs_dataset *eval)
{
    size_t n = rs_dataset_num_ratings(train);
    double mu = 0, rmin = INFINITY, rmax = -INFINITY;
    for (size_t j = 0; j < n; j++) {
        float r;
        rs_dataset_get_rating(train, j, NULL, NULL, &r, NULL);
        mu += r;
        rmin = fmin(rmin, r);
        rmax = fmax(rmax, r);
    }
    mu /= (double)n;
    double bi[64] = {0}, ni[64] = {0}, bu[64] = {0}, nu[64] = {0};
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(train, j, &u, &i, &r, NULL);
        bi[i - 1000000] += r - mu;
        ni[i - 1000000] += 1;
    }
    for (int k = 0; k < 64; k++)
        bi[k] /= 25.0 + ni[k];
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(train, j, &u, &i, &r, NULL);
        bu[u - 1] += r - mu - bi[i - 1000000];
        nu[u - 1] += 1;
    }
    for (int k = 0; k < 64; k++)
        bu[k] /= 10.0 + nu[k];
    double se = 0;
    size_t m = rs_dataset_num_ratings(eval), used = 0;
    for (size_t j = 0; j < m; j++) {
        int64_t u, i;
        float r;
        rs_dataset_get_rating(eval, j, &u, &i, &r, NULL);
        if (nu[u - 1] == 0 || ni[i - 1000000] == 0)
            continue; /* rs_fit skips validation ratings of unknown ids */
        double y = fmin(fmax(mu + bu[u - 1] + bi[i - 1000000], rmin), rmax);
        se += (r - y) * (r - y);
        used++;
    }
    return sqrt(se / (double)used);
}

typedef struct log_seen {
    int warnings;
    char last[512];
} log_seen;

static void log_keep(void *ud, int32_t level, const char *msg)
{
    log_seen *l = ud;
    if (level == RS_LOG_WARN && strstr(msg, "bias-only baseline")) {
        l->warnings++;
        snprintf(l->last, sizeof l->last, "%s", msg);
    }
}

static int32_t check_row(void *ud, const double *stats, size_t n)
{
    double *want = ud;
    ck_assert_uint_ge(n, RS_STAT_COUNT_V0_2);
    ck_assert_double_eq_tol(stats[RS_STAT_BASELINE_RMSE], *want, 1e-4);
    ck_assert_double_eq(stats[RS_STAT_WORSE_THAN_BASELINE], 0.0);
    return 0;
}

START_TEST(test_good_fit_beats_the_baseline_silently)
{
    rs_model *m = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
    log_seen l = {0, ""};
    double want = reference_baseline(train_ds, _i ? test_ds : train_ds);
    ck_assert_int_eq(rs_model_set_log_callback(m, log_keep, &l), RS_OK);
    ck_assert_int_eq(rs_model_set_progress_callback(m, check_row, &want), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 60), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, _i ? test_ds : NULL), RS_OK);
    ck_assert_int_eq(l.warnings, 0);
    size_t ne = rs_model_num_epoch_stats(m), got;
    double s[RS_STAT_COUNT_V0_2 + 4];
    for (size_t e = 0; e < ne; e++) {
        ck_assert_int_eq(rs_model_epoch_stats(m, e, s, RS_STAT_COUNT_V0_2 + 4, &got), RS_OK);
        ck_assert_uint_eq(got, RS_STAT_COUNT_V0_2);
        ck_assert_double_eq_tol(s[RS_STAT_BASELINE_RMSE], want, 1e-4);
        ck_assert_double_eq(s[RS_STAT_WORSE_THAN_BASELINE], 0.0);
    }
    /* A 0.1 caller asking for 10 entries still gets exactly those. */
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_1, &got), RS_OK);
    ck_assert_uint_eq(got, RS_STAT_COUNT_V0_1);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_worse_than_the_baseline_is_reported)
{
    /* Large random factors and a learning rate too small to fix them: no
     * epoch diverges, training succeeds, and the model is far worse than
     * the mean plus biases (the MovieLens lr 0.2 case in miniature). */
    rs_model *m = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
    log_seen l = {0, ""};
    ck_assert_int_eq(rs_model_set_log_callback(m, log_keep, &l), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.7), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 1e-5), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 3), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, _i ? test_ds : NULL), RS_OK);
    ck_assert_int_eq(l.warnings, 1);
    ck_assert_ptr_nonnull(strstr(l.last, _i ? "validation ratings" : "training ratings"));
    size_t ne = rs_model_num_epoch_stats(m), got;
    ck_assert_uint_eq(ne, 3);
    double s[RS_STAT_COUNT_V0_2];
    ck_assert_int_eq(rs_model_epoch_stats(m, ne - 1, s, RS_STAT_COUNT_V0_2, &got), RS_OK);
    ck_assert_double_eq(s[RS_STAT_WORSE_THAN_BASELINE], 1.0);
    ck_assert_double_eq(s[RS_STAT_DIVERGED], 0.0);
    ck_assert_double_eq_tol(s[RS_STAT_BASELINE_RMSE],
                            reference_baseline(train_ds, _i ? test_ds : train_ds), 1e-4);
    ck_assert_double_lt(s[RS_STAT_BASELINE_RMSE], s[RS_STAT_TRAIN_RMSE]);
    rs_model_free(m);
}
END_TEST

START_TEST(test_baseline_is_nan_for_partial_fit_and_implicit)
{
    rs_model *m = rt_model(RS_SCORER_COLLABORATIVE, NULL, NULL);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_int_eq(rs_partial_fit(m, test_ds, NULL), RS_OK);
    double s[RS_STAT_COUNT_V0_2];
    size_t got;
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_2, &got), RS_OK);
    ck_assert(isnan(s[RS_STAT_BASELINE_RMSE]));
    ck_assert_double_eq(s[RS_STAT_WORSE_THAN_BASELINE], 0.0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 1), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_2, &got), RS_OK);
    ck_assert(isnan(s[RS_STAT_BASELINE_RMSE]));
    rs_model_free(m);
}
END_TEST

/* ---- 3. integrity before interpretation ---- */

#define OFF_VERSION 8
#define OFF_FIRST_PARAM_ID 84 /* 76-byte header, "PARM", count, then (id, value) */

/* A --disable-stdio build has no file paths (RS_ERR_NOT_BUILT): the file
 * cases below are left out there, the memory and reader ones still run. */
static int have_stdio(void) { return (rs_build_features() & RS_FEATURE_STDIO) != 0; }
static int load_ways(void) { return have_stdio() ? 3 : 2; }

/* Load a blob three ways: memory, a reader of `chunk` bytes per call, a file. */
static rs_status load_via(int how, const unsigned char *p, size_t n, size_t chunk, char *msg,
                          size_t cap)
{
    rs_model *l = (rs_model *)1;
    rs_status st;
    if (how == 0) {
        st = rs_model_load_buffer(&l, p, n, NULL, NULL, msg, cap);
    } else if (how == 1) {
        rt_reader r = {p, n, 0, chunk};
        st = rs_model_load(&l, rt_read, &r, NULL, NULL, msg, cap);
    } else {
        char path[64];
        strcpy(path, "/tmp/rs_rel_XXXXXX");
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
        close(fd);
        st = rs_model_load_file(&l, path, NULL, NULL, msg, cap);
        unlink(path);
    }
    if (st == RS_OK)
        rs_model_free(l);
    else
        ck_assert_ptr_null(l);
    return st;
}

/* A small model of every scorer: 10 users x 8 items, 2 factors. */
static unsigned char *small_blob(int32_t scorer, size_t *n)
{
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(ds, NULL, 10, 8, 2, 0.5, 0.1, 0.0, 3), 0);
    rs_model *m = rt_model(scorer, NULL, NULL);
    if (!m) {
        rs_dataset_free(ds);
        return NULL;
    }
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 2), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_fit(m, ds, NULL), RS_OK);
    unsigned char *b = rt_blob(m, n, NULL);
    ck_assert_ptr_nonnull(b);
    rs_model_free(m);
    rs_dataset_free(ds);
    return b;
}

START_TEST(test_every_single_bit_flip_is_a_format_error)
{
    size_t n;
    unsigned char *b = small_blob(RT_SCORERS[_i], &n);
    if (!b)
        return;
    char msg[256];
    ck_assert_int_eq(load_via(0, b, n, 0, msg, sizeof msg), RS_OK);
    size_t flips = 0;
    for (size_t bit = 0; bit < 8 * n; bit++) {
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        /* Memory and a reader at every bit; a file at every 17th. */
        ck_assert_msg(load_via(0, b, n, 0, msg, sizeof msg) == RS_ERR_FORMAT,
                      "buffer, bit %zu: %s", bit, msg);
        size_t chunk = 1 + bit % 13;
        rs_status st = load_via(1, b, n, chunk, msg, sizeof msg);
        ck_assert_msg(st == RS_ERR_FORMAT, "reader, bit %zu: status %d: %s", bit, (int)st, msg);
        if (bit % 17 == 0 && have_stdio())
            ck_assert_msg(load_via(2, b, n, 0, msg, sizeof msg) == RS_ERR_FORMAT, "file, bit %zu: %s",
                          bit, msg);
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        flips++;
    }
    ck_assert_uint_eq(flips, 8 * n);
    free(b);
}
END_TEST

START_TEST(test_only_a_genuinely_newer_blob_is_a_version_error)
{
    size_t n;
    unsigned char *b = small_blob(RS_SCORER_COLLABORATIVE, &n);
    char msg[256];
    const size_t chunks[] = {0, 1, 7};
    /* A future format version, correctly checksummed: RS_ERR_VERSION... */
    rt_put32(b + OFF_VERSION, 3); /* 0.2 reads versions 1 and 2 */
    rt_reseal(b, n);
    for (int how = 0; how < load_ways(); how++)
        for (size_t c = 0; c < 3; c++) {
            ck_assert_int_eq(load_via(how, b, n, chunks[c], msg, sizeof msg), RS_ERR_VERSION);
            ck_assert_ptr_nonnull(strstr(msg, "version 3"));
        }
    /* ...and the same bytes with any other bit flipped: RS_ERR_FORMAT. */
    b[n / 2] ^= 0x10;
    for (int how = 0; how < load_ways(); how++)
        ck_assert_int_eq(load_via(how, b, n, 3, msg, sizeof msg), RS_ERR_FORMAT);
    b[n / 2] ^= 0x10;
    rt_put32(b + OFF_VERSION, 1);
    rt_reseal(b, n);
    ck_assert_int_eq(load_via(0, b, n, 0, msg, sizeof msg), RS_OK);

    /* A parameter id this library does not know (199), correctly
     * checksummed: a newer library wrote it. */
    ck_assert_uint_eq(b[OFF_FIRST_PARAM_ID] | b[OFF_FIRST_PARAM_ID + 1] << 8, RS_PARAM_FACTORS);
    rt_put32(b + OFF_FIRST_PARAM_ID, 199);
    rt_reseal(b, n);
    for (int how = 0; how < load_ways(); how++)
        for (size_t c = 0; c < 3; c++) {
            ck_assert_int_eq(load_via(how, b, n, chunks[c], msg, sizeof msg), RS_ERR_VERSION);
            ck_assert_ptr_nonnull(strstr(msg, "parameter 199"));
        }
    /* The same unknown id from a flipped bit (checksum not updated): the
     * outside audit saw RS_ERR_VERSION here. */
    rt_put32(b + OFF_FIRST_PARAM_ID, RS_PARAM_FACTORS);
    rt_reseal(b, n);
    b[OFF_FIRST_PARAM_ID + 1] ^= 0x04; /* 100 -> 1124 */
    for (int how = 0; how < load_ways(); how++)
        for (size_t c = 0; c < 3; c++) {
            ck_assert_int_eq(load_via(how, b, n, chunks[c], msg, sizeof msg), RS_ERR_FORMAT);
            ck_assert_ptr_nonnull(strstr(msg, "checksum"));
        }
    free(b);
}
END_TEST

/* ---- 4. size queries with a NULL buffer (UBSan: memcpy(NULL, .., 0)) ---- */

START_TEST(test_size_queries_with_a_null_buffer)
{
    rs_model *m = rt_model(RT_SCORERS[_i], NULL, NULL);
    if (!m)
        return;
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    size_t n = 99;
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, NULL, 0, &n), RS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, NULL, 1, &n), RS_ERR_INVALID_ARG);
    rs_status st = rs_model_copy_user_factors(m, 1, NULL, 0, &n);
    if (RT_SCORERS[_i] == RS_SCORER_COLLABORATIVE || RT_SCORERS[_i] == RS_SCORER_HYBRID) {
        ck_assert_int_eq(st, RS_OK);
        ck_assert_uint_eq(n, 4);
        ck_assert_int_eq(rs_model_copy_item_factors(m, 1000000, NULL, 0, &n), RS_OK);
        ck_assert_uint_eq(n, 4);
    }
    ck_assert_int_eq(rs_model_copy_user_factors(m, 1, NULL, 3, &n), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_features(train_ds, RS_SIDE_ITEM, 1000000, NULL, NULL, 0, &n),
                     RS_OK);
    ck_assert_uint_eq(n, 2);
    size_t size = 0;
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, &size, NULL, 0), RS_ERR_RANGE);
    ck_assert_uint_gt(size, 0);
    rs_model_free(m);
}
END_TEST

/* ---- 5. one rating-bound rule for rs_dataset_add_rating and the loaders ---- */

/* Load "1 2 <text>\n" in every ratings format; all must agree. */
static rs_status load_one(rs_dataset *ds, const char *text, char *msg, size_t cap)
{
    char line[128];
    const int32_t formats[3] = {RS_FORMAT_MOVIELENS, RS_FORMAT_LIBMF, RS_FORMAT_CSV};
    rs_status first = RS_OK;
    for (int f = 0; f < 3; f++) {
        snprintf(line, sizeof line, "%s1%c2%c%s\n", f == 2 ? "user,item,rating\n" : "",
                 f == 2 ? ',' : ' ', f == 2 ? ',' : '\t', text);
        tu_reader r = tu_reader_of(line, 0);
        size_t before = rs_dataset_num_ratings(ds);
        rs_status st = rs_dataset_load(ds, tu_read, &r, formats[f], "in.txt");
        if (f == 0) {
            first = st;
            snprintf(msg, cap, "%s", rs_dataset_last_error(ds));
        }
        ck_assert_msg(st == first, "format %d disagrees on '%s'", (int)formats[f], text);
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), before + (st == RS_OK));
    }
    return first;
}

START_TEST(test_one_rating_rule_for_add_and_load)
{
    static const char *const texts[] = {"4",        "1000000",    "1e6",       "1000000.01",
                                        "1000000.1", "1000001",   "-1e6",      "-1000000.5",
                                        "1e29",     "5e29",       "1e30",      "3.4e38",
                                        "999999.99", "-1e30",     "1.0000001e6", "2e6"};
    char msg[256];
    for (int wide = 0; wide < 2; wide++) {
        rs_dataset *ds;
        ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
        if (wide) {
            ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MIN, -1e30), RS_OK);
            ck_assert_int_eq(rs_dataset_set_double(ds, RS_PARAM_RATING_MAX, 1e30), RS_OK);
        }
        for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
            float f = (float)strtod(texts[k], NULL);
            rs_status add = rs_dataset_add_rating(ds, 7, 8, f, 1.0f);
            rs_status load = load_one(ds, texts[k], msg, sizeof msg);
            ck_assert_msg((add == RS_OK) == (load == RS_OK),
                          "'%s' (wide %d): add_rating %d, loaders %d (%s)", texts[k], wide, (int)add,
                          (int)load, msg);
            /* The default range is [-1e6, 1e6], applied to the stored float. */
            int want = wide ? (double)f >= -1e30 && (double)f <= 1e30
                            : (double)f >= -1e6 && (double)f <= 1e6;
            ck_assert_msg((add == RS_OK) == want, "'%s' (wide %d): %d", texts[k], wide, (int)add);
            if (load != RS_OK) {
                ck_assert_int_eq(load, RS_ERR_FORMAT);
                ck_assert_int_eq(add, RS_ERR_RANGE);
                ck_assert_msg(strstr(msg, "in.txt:1: rating") != NULL, "%s", msg);
                if (isfinite(f))
                    ck_assert_msg(strstr(msg, "mis-scaled rating column") != NULL, "%s", msg);
                ck_assert_ptr_null(strstr(msg, "learning rate"));
            }
        }
        rs_dataset_free(ds);
    }
    /* The case: 1e30 was refused by rs_dataset_add_rating and accepted by the loader. */
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(ds, 1, 2, 1e30f, 1.0f), RS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "mis-scaled"));
    ck_assert_int_eq(load_one(ds, "1e30", msg, sizeof msg), RS_ERR_FORMAT);
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    rs_dataset_free(ds);
}
END_TEST

/* ---- 6. messages escape control characters; duplicate CSV columns ---- */

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    return 0;
}

static rs_status load_text(rs_dataset *ds, const char *text, int32_t format)
{
    tu_reader r = tu_reader_of(text, 0);
    return rs_dataset_load(ds, tu_read, &r, format, "in.txt");
}

START_TEST(test_messages_escape_control_characters)
{
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    /* The line: the loader strips one '\r', the other is data. */
    ck_assert_int_eq(load_text(ds, "1 2 3\r\r\n", RS_FORMAT_MOVIELENS), RS_ERR_FORMAT);
    ck_assert_str_eq(rs_dataset_last_error(ds), "in.txt:1: rating '3\\r' is not a number");
    /* Every control byte, in every kind of field and format. */
    for (int c = 1; c < 0x80; c++) {
        if (c >= 0x20 && c != 0x7f)
            continue;
        if (c == '\n' || c == '\t')
            continue; /* a line end and a separator, not field content */
        char text[96];
        const char *fmts[] = {"1 2 3%c\n", "1%c 2 3\n", "1 2%c 3\n", "user,item,rating\n1,2,4%c\n",
                              "user,item,rating\n1%c,2,4\n"};
        for (int f = 0; f < 5; f++) {
            snprintf(text, sizeof text, fmts[f], c);
            if (c == '\r' && (f == 0 || f == 3))
                continue; /* a lone trailing '\r' is a CRLF line end */
            rs_status st = load_text(ds, text, f < 3 ? RS_FORMAT_MOVIELENS : RS_FORMAT_CSV);
            ck_assert_msg(st == RS_ERR_FORMAT, "byte %#x, form %d: %d", c, f, (int)st);
            const char *msg = rs_dataset_last_error(ds);
            ck_assert_msg(!has_control(msg), "byte %#x, form %d: raw control byte in '%s'", c, f,
                          msg);
            ck_assert_msg(strchr(msg, '\\') != NULL, "byte %#x, form %d: not shown in '%s'", c, f,
                          msg);
        }
    }
    ck_assert_uint_eq(rs_dataset_num_ratings(ds), 0);
    /* A feature file and a path with control characters. */
    tu_reader r = tu_reader_of("5\x01 a:1\n", 0);
    ck_assert_int_eq(rs_dataset_load_features(ds, RS_SIDE_USER, tu_read, &r, RS_FEATURES_SPARSE,
                                              "feat\ttxt"),
                     RS_ERR_FORMAT);
    ck_assert_msg(!has_control(rs_dataset_last_error(ds)), "%s", rs_dataset_last_error(ds));
    ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "feat\\ttxt"));
    if (have_stdio()) {
        ck_assert_int_eq(rs_dataset_load_file(ds, "/nonexistent/a\nb\x1b[31m", RS_FORMAT_MOVIELENS),
                         RS_ERR_IO);
        ck_assert_msg(!has_control(rs_dataset_last_error(ds)), "%s", rs_dataset_last_error(ds));
        ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "a\\nb\\x1b[31m"));
    }
    rs_dataset_free(ds);
}
END_TEST

START_TEST(test_csv_header_naming_a_column_twice_is_refused)
{
    static const char *const bad[] = {
        "user,item,rating,user\n1,2,3,1\n",          /* the header */
        "User,item,rating,USER\n1,2,3,1\n",          /* names compare ignoring case */
        "user,item,rating,tag,tag\n1,2,3,a,b\n",     /* an ignored column twice */
        "\"user\",item,rating,user\n1,2,3,1\n",      /* quoted */
        "user,user_id,item,rating\n1,1,2,3\n",       /* two names of one role */
        "userId,movieId,item,rating\n1,2,2,3\n",
        "user,item,rating,score\n1,2,3,3\n",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rs_dataset *ds;
        ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
        ck_assert_int_eq(rs_dataset_add_rating(ds, 9, 9, 1.0f, 1.0f), RS_OK);
        ck_assert_msg(load_text(ds, bad[k], RS_FORMAT_CSV) == RS_ERR_FORMAT, "accepted: %s", bad[k]);
        ck_assert_ptr_nonnull(strstr(rs_dataset_last_error(ds), "in.txt:1: the header names"));
        ck_assert_uint_eq(rs_dataset_num_ratings(ds), 1); /* unchanged */
        rs_dataset_free(ds);
    }
    /* Repeated empty names (trailing delimiters) are fine; so is a role set by index. */
    rs_dataset *ds;
    ck_assert_int_eq(rs_dataset_new(&ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(load_text(ds, "user,item,rating,,\n1,2,3,,\n", RS_FORMAT_CSV), RS_OK);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_USER_COL, 1), RS_OK);
    ck_assert_int_eq(load_text(ds, "user,user_id,item,rating\n1,5,2,3\n", RS_FORMAT_CSV), RS_OK);
    int64_t u;
    ck_assert_int_eq(rs_dataset_get_rating(ds, 1, &u, NULL, NULL, NULL), RS_OK);
    ck_assert_int_eq(u, 5);
    rs_dataset_free(ds);
}
END_TEST

static Suite *reliability_suite(void)
{
    Suite *s = suite_create("reliability");
    TCase *tc = tcase_create("failed_fit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_failed_fit_leaves_model_bit_identical, 0, 3);
    tcase_add_loop_test(tc, test_failed_first_fit_leaves_model_unfitted, 0, 3);
    tcase_add_loop_test(tc, test_keep_partial_keeps_the_last_good_epoch, 0, 3);
    tcase_add_loop_test(tc, test_a_requested_stop_keeps_the_last_complete_epoch, 0, 3);
    tcase_add_loop_test(tc, test_failed_partial_fit_leaves_model_bit_identical, 0, 3);
    suite_add_tcase(s, tc);
    tc = tcase_create("baseline");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_good_fit_beats_the_baseline_silently, 0, 2);
    tcase_add_loop_test(tc, test_fit_worse_than_the_baseline_is_reported, 0, 2);
    tcase_add_test(tc, test_baseline_is_nan_for_partial_fit_and_implicit);
    suite_add_tcase(s, tc);
    tc = tcase_create("size_queries");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_size_queries_with_a_null_buffer, 0, 3);
    suite_add_tcase(s, tc);
    tc = tcase_create("rating_rule");
    tcase_add_test(tc, test_one_rating_rule_for_add_and_load);
    suite_add_tcase(s, tc);
    tc = tcase_create("messages");
    tcase_add_test(tc, test_messages_escape_control_characters);
    tcase_add_test(tc, test_csv_header_naming_a_column_twice_is_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("integrity");
    tcase_add_test(tc, test_only_a_genuinely_newer_blob_is_a_version_error);
    suite_add_tcase(s, tc);
    /* Some 30,000 loads: natively a few seconds, too long under valgrind. */
    tc = tcase_create("integrity_flips");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_every_single_bit_flip_is_a_format_error, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reliability_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
