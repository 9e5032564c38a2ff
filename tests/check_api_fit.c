/* librecsgd tests. SPDX-License-Identifier: BSD-2-Clause
 * check_api_fit.c: rs_fit through the public API only - accuracy on
 * synthetic low-rank data, determinism, the divergence guard, gradient
 * health statistics, callbacks, early stopping and failure atomicity.
 * Every test runs for each scorer built into the library. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <librecsgd/recsgd.h>
#include "synth.h"
#include "test_scale.h"
#include "testutil.h"

#define NOISE 0.1
/* Per scorer (same order as SCORERS): the rate used for accuracy tests. */
static const double GOOD_LR[] = {0.03, 0.01, 0.01};
/* Per scorer: a rate that converges from an initialisation of 0.5
 * (test_fit_converges_at_base_rate); ten times that explodes. */
static const double BASE_LR[] = {0.05, 0.1, 0.05};

static const int32_t SCORERS[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
#define N_SCORERS ((int)(sizeof SCORERS / sizeof SCORERS[0]))

static rs_dataset *train_ds, *test_ds;

static void make_data(void)
{
    ck_assert_int_eq(rs_dataset_new(&train_ds, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&test_ds, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(train_ds, test_ds, 300, 200, 4, 0.5, NOISE, 0.1, 7), 20000);
}

static void free_data(void)
{
    rs_dataset_free(train_ds);
    rs_dataset_free(test_ds);
    train_ds = test_ds = NULL;
}

/* A model of the scorer for loop index _i, or NULL when that scorer is not built. */
static rs_model *new_model(int idx)
{
    rs_model *m = NULL;
    rs_status st = rs_model_new(&m, SCORERS[idx], NULL, NULL);
    if (st == RS_ERR_NOT_BUILT || st == RS_ERR_INVALID_ARG)
        return NULL;
    ck_assert_int_eq(st, RS_OK);
    /* The cold-start refit after training (content, hybrid) is tested in
     * check_api_coldstart.c; two epochs keep it in every fit here - its
     * allocations, determinism and guards - without its time. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2), RS_OK);
    return m;
}

static void set_good_params(rs_model *m)
{
    int64_t kind;
    ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SCORER, &kind), RS_OK);
    double lr = GOOD_LR[kind - RS_SCORER_COLLABORATIVE];
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 8), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 120), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, lr), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.01), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_FEATURES, 0.01), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_BIAS, 0.001), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0), RS_OK);
    /* GOOD_LR are constant steps (the default schedule decays them) */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_CONSTANT), RS_OK);
}

static int model_is_finite(const rs_model *m)
{
    size_t n = rs_dataset_num_ratings(test_ds);
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float y;
        rs_dataset_get_rating(test_ds, j, &u, &i, NULL, NULL);
        rs_status st = rs_predict(m, u, i, &y);
        if ((st != RS_OK && st != RS_FALLBACK) || !isfinite(y))
            return 0;
        float f[64];
        size_t nf = 0;
        if (rs_model_copy_user_factors(m, u, f, 64, &nf) == RS_OK)
            for (size_t k = 0; k < nf && k < 64; k++)
                if (!isfinite(f[k]))
                    return 0;
    }
    return 1;
}

START_TEST(test_fit_recovers_low_rank_structure)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    double rmse = synth_rmse(m, test_ds);
    ck_assert_msg(rmse <= 1.10 * NOISE, "scorer %d: test RMSE %.4f > 1.1 x noise %.3f",
                  (int)SCORERS[_i], rmse, NOISE);
    ck_assert_uint_eq(rs_model_num_users(m), rs_dataset_num_users(train_ds));
    ck_assert_uint_eq(rs_model_num_items(m), rs_dataset_num_items(train_ds));
    rs_model_free(m);
}
END_TEST

/* The first n_out test ratings' predictions of m (each finite, RS_OK or
 * RS_FALLBACK) into out; frees m. */
static void dump_and_free(rs_model *m, float *out, size_t n_out)
{
    size_t n = rs_dataset_num_ratings(test_ds);
    ck_assert_uint_ge(n, n_out);
    for (size_t j = 0; j < n_out; j++) {
        int64_t u, i;
        rs_dataset_get_rating(test_ds, j, &u, &i, NULL, NULL);
        rs_status st = rs_predict(m, u, i, &out[j]);
        ck_assert(st == RS_OK || st == RS_FALLBACK);
        ck_assert(isfinite(out[j]));
    }
    rs_model_free(m);
}

static void fit_and_dump(int idx, int64_t threads, float *out, size_t n_out)
{
    rs_model *m = new_model(idx);
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 10), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, threads), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    dump_and_free(m, out, n_out);
}

START_TEST(test_fit_same_seed_is_bit_identical)
{
    rs_model *probe = new_model(_i);
    if (!probe)
        return;
    rs_model_free(probe);
    enum { N = 500 };
    static float a[N], b[N];
    int64_t max_threads = (rs_build_features() & RS_FEATURE_THREADS) ? 2 : 1;
    /* quick (test_scale.h): the most threads only; 1 thread against 2 is
     * the next test */
    for (int64_t t = rs_test_quick() ? max_threads : 1; t <= max_threads; t++) {
        fit_and_dump(_i, t, a, N);
        fit_and_dump(_i, t, b, N);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "threads=%d: two runs differ", (int)t);
    }
}
END_TEST

/* The model depends on the seed and the band count, never on which thread
 * ran which block: 1, 2 and 3 threads (8, 8 and 12 bands: see
 * rs__run_choose_bands) give the same model for 1 and 2, and 3 threads
 * give the same model run after run whatever the timing. */
START_TEST(test_fit_same_model_on_1_and_2_threads)
{
    rs_model *probe = new_model(_i);
    if (!probe)
        return;
    rs_model_free(probe);
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        return;
    enum { N = 500 };
    static float a[N], b[N];
    fit_and_dump(_i, 1, a, N);
    fit_and_dump(_i, 2, b, N);
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "scorer %d: 1 and 2 threads differ", (int)SCORERS[_i]);
    for (unsigned rep = 0; rep < (rs_test_quick() ? 0u : 3u); rep++) { /* test_scale.h */
        fit_and_dump(_i, 3, a, N);
        fit_and_dump(_i, 3, b, N);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "scorer %d: two 3-thread runs differ",
                      (int)SCORERS[_i]);
    }
}
END_TEST

/* Configurations of test_fit_feature_scorers_train_on_threads: the
 * defaults, implicit mode (sampled negatives), AdaGrad with norm clipping
 * and id dropout (per-block random streams), Adam with value clipping. */
enum { N_THREAD_CONFIGS = 4 };

static int one_thread_logged;

static void note_one_thread(void *ud, int32_t level, const char *msg)
{
    (void)ud, (void)level;
    if (strstr(msg, "one thread"))
        one_thread_logged = 1;
}

/* Fit (and then partial-fit the test ratings into) a model of scorer idx in
 * configuration cfg on `threads` threads; out gets n_out predictions. */
static void fit_config_and_dump(int idx, int cfg, int64_t threads, float *out, size_t n_out)
{
    rs_model *m = new_model(idx);
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 6), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, threads), RS_OK);
    ck_assert_int_eq(rs_model_set_log_callback(m, note_one_thread, NULL), RS_OK);
    if (cfg == 1) {
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_IMPLICIT, 1), RS_OK);
    } else if (cfg == 2) {
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_ADAGRAD), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLIP, RS_CLIP_NORM), RS_OK);
        ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_CLIP_THRESHOLD, 0.5), RS_OK);
        if (SCORERS[idx] != RS_SCORER_COLLABORATIVE)
            ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_ID_DROPOUT, 0.2), RS_OK);
    } else if (cfg == 3) {
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_ADAM), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLIP, RS_CLIP_VALUE), RS_OK);
    }
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_int_eq(rs_partial_fit(m, test_ds, train_ds), RS_OK);
    dump_and_free(m, out, n_out);
}

/* Content and hybrid train on several threads (their feature rows are
 * deferred, lib/optim/deferred.h) and, like the collaborative scorer, give
 * one model for a seed whatever the thread count: 1 and 2 threads (8
 * bands) bit-identical, and 3 threads (12 bands) the same run after run,
 * in every configuration and through rs_partial_fit. */
START_TEST(test_fit_feature_scorers_train_on_threads)
{
    rs_model *probe = new_model(_i / N_THREAD_CONFIGS);
    if (!probe)
        return;
    rs_model_free(probe);
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        return;
    int idx = _i / N_THREAD_CONFIGS, cfg = _i % N_THREAD_CONFIGS;
    enum { N = 500 };
    static float a[N], b[N];
    one_thread_logged = 0;
    fit_config_and_dump(idx, cfg, 1, a, N);
    fit_config_and_dump(idx, cfg, 2, b, N);
    ck_assert_msg(!one_thread_logged, "scorer %d config %d: fell back to one thread",
                  (int)SCORERS[idx], cfg);
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "scorer %d config %d: 1 and 2 threads differ",
                  (int)SCORERS[idx], cfg);
    if (rs_test_quick())
        return; /* valgrind, qemu (test_scale.h): the 3-thread repeat runs natively and under the sanitizers */
    fit_config_and_dump(idx, cfg, 3, a, N);
    fit_config_and_dump(idx, cfg, 3, b, N);
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "scorer %d config %d: two 3-thread runs differ",
                  (int)SCORERS[idx], cfg);
}
END_TEST

START_TEST(test_fit_threads_reach_same_accuracy)
{
    if (!(rs_build_features() & RS_FEATURE_THREADS))
        return;
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, 2), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_double_le(synth_rmse(m, test_ds), 1.10 * NOISE);
    rs_model_free(m);
}
END_TEST

static rs_model *model_at_rate(int idx, double lr)
{
    rs_model *m = new_model(idx);
    if (!m)
        return NULL;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 30), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, lr), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.5), RS_OK);
    return m;
}

START_TEST(test_fit_converges_at_base_rate)
{
    rs_model *m = model_at_rate(_i, BASE_LR[_i]);
    if (!m)
        return;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 120), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_double_lt(synth_rmse(m, test_ds), 0.13);
    rs_model_free(m);
}
END_TEST

/* Ten times a learning rate that converges makes plain SGD explode: the
 * guard must report it and leave the model as it was. */
static rs_model *exploding_model(int idx) { return model_at_rate(idx, 10 * BASE_LR[idx]); }

START_TEST(test_fit_exploding_gradients_detected_and_restored)
{
    rs_model *m = exploding_model(_i);
    if (!m)
        return;
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(m), "diverged"));
    /* The first epoch already diverges: there is no good epoch to keep, so
     * the failed first fit leaves the model unfitted (even with
     * RS_PARAM_KEEP_PARTIAL), never at its random initialisation. */
    ck_assert_uint_eq(rs_model_num_users(m), 0);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 1), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    ck_assert_uint_eq(rs_model_num_users(m), 0);
    size_t ne = rs_model_num_epoch_stats(m);
    ck_assert_uint_ge(ne, 1);
    double s[RS_STAT_COUNT_V0_1];
    size_t n;
    ck_assert_int_eq(rs_model_epoch_stats(m, ne - 1, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
    ck_assert_uint_eq(n, RS_STAT_COUNT_V0_1);
    ck_assert_double_eq(s[RS_STAT_DIVERGED], 1.0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_exploding_run_converges_with_norm_clipping)
{
    rs_model *m = exploding_model(_i);
    if (!m)
        return;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_CLIP, RS_CLIP_NORM), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_CLIP_THRESHOLD, 0.05), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert(model_is_finite(m));
    double s[RS_STAT_COUNT_V0_1];
    size_t n, ne = rs_model_num_epoch_stats(m);
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
    ck_assert_double_gt(s[RS_STAT_CLIP_SHARE], 0.0);
    for (size_t e = 0; e < ne; e++) {
        ck_assert_int_eq(rs_model_epoch_stats(m, e, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
        ck_assert_double_eq(s[RS_STAT_DIVERGED], 0.0);
    }
    ck_assert_double_lt(synth_rmse(m, test_ds), 0.5);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_halving_learning_rate_recovers)
{
    rs_model *m = exploding_model(_i);
    if (!m)
        return;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert(model_is_finite(m));
    double first[RS_STAT_COUNT_V0_1], last[RS_STAT_COUNT_V0_1];
    size_t n, ne = rs_model_num_epoch_stats(m);
    rs_model_epoch_stats(m, 0, first, RS_STAT_COUNT_V0_1, &n);
    rs_model_epoch_stats(m, ne - 1, last, RS_STAT_COUNT_V0_1, &n);
    ck_assert_double_lt(last[RS_STAT_LEARNING_RATE], first[RS_STAT_LEARNING_RATE]);
    ck_assert_double_lt(synth_rmse(m, test_ds), 0.5);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_zero_init_shows_vanishing_factor_gradient)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_INIT, RS_INIT_ZERO), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    double s[RS_STAT_COUNT_V0_1];
    size_t n;
    for (size_t e = 0; e < rs_model_num_epoch_stats(m); e++) {
        ck_assert_int_eq(rs_model_epoch_stats(m, e, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
        ck_assert_double_eq(s[RS_STAT_FACTOR_GRAD_NORM_MEAN], 0.0); /* collapsed */
        ck_assert_double_gt(s[RS_STAT_GRAD_NORM_MEAN], 0.0);        /* biases still learn */
    }
    rs_model_free(m);

    /* The same run with scaled random initialisation has live factor gradients. */
    m = new_model(_i);
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_INIT, RS_INIT_SCALED_NORMAL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_int_eq(rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
    ck_assert_double_gt(s[RS_STAT_FACTOR_GRAD_NORM_MEAN], 1e-3);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_tiny_learning_rate_stalls)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 1e-7), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    double a[RS_STAT_COUNT_V0_1], b[RS_STAT_COUNT_V0_1];
    size_t n, ne = rs_model_num_epoch_stats(m);
    ck_assert_uint_eq(ne, 5);
    rs_model_epoch_stats(m, 0, a, RS_STAT_COUNT_V0_1, &n);
    rs_model_epoch_stats(m, ne - 1, b, RS_STAT_COUNT_V0_1, &n);
    /* The step (learning rate x gradient norm) has vanished and so has progress. */
    ck_assert_double_lt(b[RS_STAT_LEARNING_RATE] * b[RS_STAT_GRAD_NORM_MEAN], 1e-6);
    ck_assert_double_lt(fabs(a[RS_STAT_TRAIN_RMSE] - b[RS_STAT_TRAIN_RMSE]), 1e-3);
    ck_assert_double_gt(b[RS_STAT_TRAIN_RMSE], 0.5);
    rs_model_free(m);
}
END_TEST

static int32_t stop_at_3(void *ud, const double *stats, size_t n)
{
    int *calls = ud;
    (*calls)++;
    ck_assert_uint_ge(n, RS_STAT_COUNT_V0_1);
    ck_assert_double_eq(stats[RS_STAT_EPOCH], (double)*calls);
    ck_assert(isfinite(stats[RS_STAT_TRAIN_RMSE]));
    ck_assert(stats[RS_STAT_SECONDS] >= 0.0);
    return stats[RS_STAT_EPOCH] >= 3.0;
}

START_TEST(test_fit_progress_callback_can_cancel)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    int calls = 0;
    ck_assert_int_eq(rs_model_set_progress_callback(m, stop_at_3, &calls), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_CANCELLED);
    ck_assert_int_eq(calls, 3);
    ck_assert_uint_eq(rs_model_num_epoch_stats(m), 3);
    ck_assert(model_is_finite(m)); /* the last complete epoch is kept and usable */
    rs_model_free(m);
}
END_TEST

static int32_t first_rate(void *ud, const double *stats, size_t n)
{
    (void)n;
    *(double *)ud = stats[RS_STAT_LEARNING_RATE];
    return 1; /* one epoch is enough */
}

/* The default schedule (RS_LR_AUTO): inverse time, scaled up for budgets
 * shorter than the default 80 epochs by H(80) / H(E), at most 4 times. */
START_TEST(test_fit_auto_schedule_scales_short_budgets)
{
    static const int64_t budgets[] = {1, 3, 10, 80, 200};
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        rs_model *m = new_model(0);
        int64_t policy;
        ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_LR_POLICY, &policy), RS_OK);
        ck_assert_int_eq(policy, RS_LR_AUTO);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 4), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, budgets[b]), RS_OK);
        double lr0, decay, first = 0.0;
        rs_model_get_double(m, RS_PARAM_LEARNING_RATE, &lr0);
        rs_model_get_double(m, RS_PARAM_LR_DECAY, &decay);
        ck_assert_int_eq(rs_model_set_progress_callback(m, first_rate, &first), RS_OK);
        ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_CANCELLED);
        double h80 = 0.0, hE = 0.0;
        for (int t = 1; t <= 80; t++)
            h80 += 1.0 / (1.0 + decay * (t - 1));
        for (int t = 1; t <= budgets[b]; t++)
            hE += 1.0 / (1.0 + decay * (t - 1));
        double k = budgets[b] < 80 ? h80 / hE : 1.0;
        if (k > 4.0)
            k = 4.0;
        ck_assert_msg(fabs(first - lr0 * k) <= 1e-9 * lr0 * k, "budget %d: first rate %g, want %g",
                      (int)budgets[b], first, lr0 * k);
        rs_model_free(m);
    }
}
END_TEST

static int32_t reenter(void *ud, const double *stats, size_t n)
{
    (void)stats;
    (void)n;
    rs_model *m = ud;
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 3), RS_ERR_MISUSE);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_MISUSE);
    return 0;
}

START_TEST(test_fit_callback_reentry_is_misuse)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_model_set_progress_callback(m, reenter, m), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    int64_t k;
    rs_model_get_int(m, RS_PARAM_FACTORS, &k);
    ck_assert_int_eq(k, 8);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_early_stopping_keeps_best_validation_epoch)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    /* Over-parameterised and barely regularised: validation error turns up. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 48), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.0), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_PATIENCE, 2), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 40), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, test_ds), RS_OK);
    size_t ne = rs_model_num_epoch_stats(m), n;
    double s[RS_STAT_COUNT_V0_1], best = INFINITY;
    for (size_t e = 0; e < ne; e++) {
        ck_assert_int_eq(rs_model_epoch_stats(m, e, s, RS_STAT_COUNT_V0_1, &n), RS_OK);
        ck_assert(isfinite(s[RS_STAT_VALID_RMSE]));
        if (s[RS_STAT_VALID_RMSE] < best)
            best = s[RS_STAT_VALID_RMSE];
    }
    ck_assert_double_eq_tol(synth_rmse(m, test_ds), best, 1e-4);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_every_learning_rate_policy_converges)
{
    static const int64_t policies[] = {RS_LR_CONSTANT, RS_LR_INVERSE_TIME, RS_LR_ADAGRAD, RS_LR_ADAM};
    const double rates[] = {GOOD_LR[_i], GOOD_LR[_i], 0.1, 0.01};
    for (int p = 0; p < 4; p++) {
        rs_model *m = new_model(_i);
        if (!m)
            return;
        set_good_params(m);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 25), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_LR_POLICY, policies[p]), RS_OK);
        ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, rates[p]), RS_OK);
        ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LR_DECAY, 0.01), RS_OK);
        ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
        double rmse = synth_rmse(m, test_ds);
        ck_assert_msg(rmse < 0.2, "lr policy %d: RMSE %.4f", (int)policies[p], rmse);
        rs_model_free(m);
    }
}
END_TEST

typedef struct init_probe {
    int calls;
    int blocks_seen;
} init_probe;

static int32_t counting_init(void *ud, int32_t block, float *v, size_t rows, size_t cols, uint64_t seed)
{
    init_probe *p = ud;
    p->calls++;
    p->blocks_seen |= 1 << block;
    double s = 0.05;
    return rs_init_normal(&s, block, v, rows, cols, seed); /* wrapping a built-in */
}

typedef struct clip_probe {
    long calls;
} clip_probe;

static int32_t counting_clip(void *ud, float *g, size_t n)
{
    ((clip_probe *)ud)->calls++;
    double c = 0.05;
    return rs_clip_value(&c, g, n);
}

START_TEST(test_fit_custom_policies_are_called)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 3), RS_OK);
    init_probe ip = {0, 0};
    clip_probe cp = {0};
    ck_assert_int_eq(rs_model_set_init_callback(m, counting_init, &ip), RS_OK);
    ck_assert_int_eq(rs_model_set_clip_callback(m, counting_clip, &cp), RS_OK);
    int64_t v;
    rs_model_get_int(m, RS_PARAM_INIT, &v);
    ck_assert_int_eq(v, RS_INIT_CUSTOM);
    rs_model_get_int(m, RS_PARAM_CLIP, &v);
    ck_assert_int_eq(v, RS_CLIP_CUSTOM);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    ck_assert_int_ge(ip.calls, 1);
    ck_assert_int_gt(cp.calls, (long)rs_dataset_num_ratings(train_ds));
    double s[RS_STAT_COUNT_V0_1];
    size_t n;
    rs_model_epoch_stats(m, 0, s, RS_STAT_COUNT_V0_1, &n);
    ck_assert_double_gt(s[RS_STAT_CLIP_SHARE], 0.0);
    rs_model_free(m);
}
END_TEST

static int32_t failing_init(void *ud, int32_t block, float *v, size_t rows, size_t cols, uint64_t seed)
{
    (void)ud, (void)block, (void)v, (void)rows, (void)cols, (void)seed;
    return 5;
}

static int32_t nan_init(void *ud, int32_t block, float *v, size_t rows, size_t cols, uint64_t seed)
{
    (void)ud, (void)block, (void)seed;
    for (size_t k = 0; k < rows * cols; k++)
        v[k] = NAN;
    return 0;
}

START_TEST(test_fit_failure_keeps_previous_model)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 5), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
    int64_t u, i;
    rs_dataset_get_rating(test_ds, 0, &u, &i, NULL, NULL);
    float before, after;
    rs_predict(m, u, i, &before);

    rs_dataset *empty;
    ck_assert_int_eq(rs_dataset_new(&empty, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, empty, NULL), RS_ERR_EMPTY);
    ck_assert_str_ne(rs_model_last_error(m), "");
    ck_assert_int_eq(rs_fit(m, NULL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_fit(NULL, train_ds, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_set_init_callback(m, failing_init, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_CANCELLED);
    ck_assert_int_eq(rs_model_set_init_callback(m, nan_init, NULL), RS_OK);
    ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_ERR_NUMERIC);
    rs_predict(m, u, i, &after);
    ck_assert_float_eq(before, after);
    rs_dataset_free(empty);
    rs_model_free(m);
}
END_TEST

START_TEST(test_predict_before_fit_is_state_error)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    float y;
    ck_assert_int_eq(rs_predict(m, 1, 1000000, &y), RS_ERR_STATE);
    ck_assert_uint_eq(rs_model_num_users(m), 0);
    ck_assert_uint_eq(rs_model_num_epoch_stats(m), 0);
    rs_model_free(m);
}
END_TEST

/* ---- allocator hook: counted (tests/testutil.h), and failing at every allocation in turn ---- */

START_TEST(test_fit_out_of_memory_at_every_allocation)
{
    rs_dataset *small;
    ck_assert_int_eq(rs_dataset_new(&small, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(small, NULL, 30, 20, 2, 0.5, NOISE, 0.0, 3), 100);
    rs_model *m;
    if (rs_model_new(&m, SCORERS[_i], NULL, NULL) != RS_OK) {
        rs_dataset_free(small);
        return;
    }
    rs_model_free(m);
    tu_alloc ok = {0};
    ck_assert_int_eq(rs_model_new(&m, SCORERS[_i], tu_alloc_fn, &ok), RS_OK);
    rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
    rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2);
    ck_assert_int_eq(rs_fit(m, small, small), RS_OK);
    rs_model_free(m);
    ck_assert_uint_eq(ok.live, 0);
    ck_assert_uint_eq(ok.bad_osize, 0); /* every free names the size it was given */
    size_t total = ok.calls;
    ck_assert_uint_gt(total, 5);
    for (size_t k = 1; k <= total; k++) {
        tu_alloc b = {0};
        b.fail_at = k;
        rs_status st = rs_model_new(&m, SCORERS[_i], tu_alloc_fn, &b);
        if (st == RS_OK) {
            rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
            rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2);
            st = rs_fit(m, small, small);
            ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail_at %zu: status %d", k, (int)st);
            if (st == RS_ERR_NOMEM)
                ck_assert_int_eq(rs_model_num_users(m), 0); /* nothing half-fitted */
            rs_model_free(m);
        } else {
            ck_assert_int_eq(st, RS_ERR_NOMEM);
            ck_assert_ptr_null(m);
        }
        ck_assert_msg(b.live == 0, "fail_at %zu: %zu blocks leaked", k, b.live);
        ck_assert_uint_eq(b.bad_osize, 0);
    }
    rs_dataset_free(small);
}
END_TEST

/* ---- rs_fit_consume ---- */

/* An order-free fingerprint of a dataset's ratings (the count and a sum). */
static double ratings_fingerprint(const rs_dataset *ds, size_t *n_out)
{
    size_t n = rs_dataset_num_ratings(ds);
    double sum = 0;
    for (size_t j = 0; j < n; j++) {
        int64_t u, i;
        float r, w;
        ck_assert_int_eq(rs_dataset_get_rating(ds, j, &u, &i, &r, &w), RS_OK);
        sum += ((double)u * 1000003.0 + (double)i) * r * w;
    }
    *n_out = n;
    return sum;
}

static unsigned char *saved_bytes(const rs_model *m, size_t *n)
{
    ck_assert_int_eq(rs_model_save_buffer(m, NULL, 0, n, NULL, 0), RS_ERR_RANGE); /* the size */
    unsigned char *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    size_t got;
    ck_assert_int_eq(rs_model_save_buffer(m, b, *n, &got, NULL, 0), RS_OK);
    ck_assert_uint_eq(got, *n);
    return b;
}

START_TEST(test_fit_consume_gives_the_same_model_and_takes_the_ratings)
{
    rs_model *a = new_model(_i), *b = new_model(_i);
    if (!a)
        return;
    rs_dataset *d1, *d2;
    ck_assert_int_eq(rs_dataset_new(&d1, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&d2, NULL, NULL), RS_OK);
    size_t n = synth_make(d1, NULL, 120, 80, 3, 0.4, NOISE, 0.0, 11);
    ck_assert_uint_eq(synth_make(d2, NULL, 120, 80, 3, 0.4, NOISE, 0.0, 11), n);
    set_good_params(a);
    set_good_params(b);
    ck_assert_int_eq(rs_model_set_int(a, RS_PARAM_EPOCHS, 4), RS_OK);
    ck_assert_int_eq(rs_model_set_int(b, RS_PARAM_EPOCHS, 4), RS_OK);
    /* Two threads where the build has them (--disable-threads: one). */
    rs_status ts = rs_model_set_int(a, RS_PARAM_THREADS, 2);
    ck_assert(ts == RS_OK || ts == RS_ERR_NOT_BUILT);
    ck_assert_int_eq(rs_model_set_int(b, RS_PARAM_THREADS, ts == RS_OK ? 2 : 1), RS_OK);
    ck_assert_int_eq(rs_fit(a, d1, test_ds), RS_OK);
    ck_assert_int_eq(rs_fit_consume(b, d2, test_ds), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(d1), n);
    ck_assert_uint_eq(rs_dataset_num_ratings(d2), 0); /* taken */
    size_t na, nb;
    unsigned char *ba = saved_bytes(a, &na), *bb = saved_bytes(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(ba, bb, na) == 0); /* same weights, ids and seen lists */
    /* The dataset keeps its ids and takes new ratings. */
    int64_t u, i;
    ck_assert_int_eq(rs_dataset_get_rating(d1, 0, &u, &i, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_add_rating(d2, u, i, 3.0f, 1.0f), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(d2), 1);
    free(ba);
    free(bb);
    rs_dataset_free(d1);
    rs_dataset_free(d2);
    rs_model_free(a);
    rs_model_free(b);
}
END_TEST

START_TEST(test_fit_consume_failure_gives_the_ratings_back)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    rs_dataset *d;
    ck_assert_int_eq(rs_dataset_new(&d, NULL, NULL), RS_OK);
    ck_assert_uint_gt(synth_make(d, NULL, 120, 80, 3, 0.4, NOISE, 0.0, 11), 1000);
    size_t n0, n1;
    double f0 = ratings_fingerprint(d, &n0);
    set_good_params(m);
    /* A step that explodes in the first epoch: RS_ERR_NUMERIC after the
     * ratings were laid out in the grid. */
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 10.0), RS_OK);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 1.0), RS_OK);
    ck_assert_int_eq(rs_fit_consume(m, d, NULL), RS_ERR_NUMERIC);
    ck_assert_uint_eq(rs_model_num_users(m), 0); /* still unfitted */
    double f1 = ratings_fingerprint(d, &n1);
    ck_assert_uint_eq(n1, n0);
    ck_assert_double_eq_tol(f1, f0, 1e-9 * fabs(f0));
    /* The dataset a failure gave back trains as before. */
    set_good_params(m);
    ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.01), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 3), RS_OK);
    ck_assert_int_eq(rs_fit_consume(m, d, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(d), 0);
    ck_assert(model_is_finite(m));
    /* Bad arguments change nothing. */
    ck_assert_int_eq(rs_fit_consume(m, NULL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_fit_consume(NULL, d, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_fit_consume(m, d, NULL), RS_ERR_EMPTY);
    rs_dataset_free(d);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_consume_copies_when_it_must)
{
    rs_model *m = new_model(_i);
    if (!m)
        return;
    rs_dataset *d;
    tu_alloc other = {0};
    /* Another allocator than the model's: copied, left as it was. */
    ck_assert_int_eq(rs_dataset_new(&d, tu_alloc_fn, &other), RS_OK);
    size_t n = synth_make(d, NULL, 60, 40, 2, 0.5, NOISE, 0.0, 5);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
    ck_assert_int_eq(rs_fit_consume(m, d, NULL), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(d), n);
    /* Also the validation set: copied. */
    ck_assert_int_eq(rs_fit_consume(m, d, d), RS_OK);
    ck_assert_uint_eq(rs_dataset_num_ratings(d), n);
    rs_dataset_free(d);
    ck_assert_uint_eq(other.live, 0);
    rs_model_free(m);
}
END_TEST

START_TEST(test_fit_consume_out_of_memory_at_every_allocation)
{
    /* Model and dataset on one counting allocator, so the ratings are
     * taken; every allocation of the fit fails in turn. */
    size_t total = 0;
    for (size_t k = 0; k == 0 || k <= total; k++) {
        tu_alloc b = {0};
        rs_model *m;
        rs_dataset *d;
        if (rs_model_new(&m, SCORERS[_i], tu_alloc_fn, &b) != RS_OK)
            return; /* scorer not built */
        ck_assert_int_eq(rs_dataset_new(&d, tu_alloc_fn, &b), RS_OK);
        ck_assert_uint_gt(synth_make(d, NULL, 30, 20, 2, 0.5, NOISE, 0.0, 3), 100);
        size_t n0, n1;
        double f0 = ratings_fingerprint(d, &n0);
        rs_model_set_int(m, RS_PARAM_EPOCHS, 2);
        rs_model_set_int(m, RS_PARAM_COLD_EPOCHS, 2);
        size_t before = b.calls;
        b.fail_at = k ? before + k : 0;
        rs_status st = rs_fit_consume(m, d, NULL);
        b.fail_at = 0;
        if (k == 0) {
            ck_assert_int_eq(st, RS_OK);
            total = b.calls - before;
            ck_assert_uint_gt(total, 5);
            ck_assert_uint_eq(rs_dataset_num_ratings(d), 0);
        } else {
            ck_assert_msg(st == RS_OK || st == RS_ERR_NOMEM, "fail_at %zu: status %d", k, (int)st);
            if (st == RS_ERR_NOMEM) {
                ck_assert_int_eq(rs_model_num_users(m), 0);
                double f1 = ratings_fingerprint(d, &n1);
                ck_assert_msg(n1 == n0 && fabs(f1 - f0) <= 1e-9 * fabs(f0),
                              "fail_at %zu: the ratings did not come back", k);
            }
        }
        rs_dataset_free(d);
        rs_model_free(m);
        ck_assert_msg(b.live == 0, "fail_at %zu: %zu blocks leaked", k, b.live);
        ck_assert_uint_eq(b.bad_osize, 0);
    }
}
END_TEST

/* A diverged run is thrown away whole unless it may go on (HALVE_LR) or be
 * kept (keep_partial): only then does the fit keep a copy of the last good
 * epoch's parameters, so by default training holds one set of them (plus
 * the model's previous one when it replaces a fit). */
START_TEST(test_fit_copies_the_last_good_epoch_only_when_needed)
{
    size_t peak[3];
    for (int mode = 0; mode < 3; mode++) {
        tu_alloc t = {0};
        rs_model *m;
        ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, tu_alloc_fn, &t), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 64), RS_OK);
        ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_EPOCHS, 2), RS_OK);
        if (mode == 1)
            ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR), RS_OK);
        if (mode == 2)
            ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_KEEP_PARTIAL, 1), RS_OK);
        ck_assert_int_eq(rs_fit(m, train_ds, NULL), RS_OK);
        peak[mode] = t.peak_bytes;
        rs_model_free(m);
        ck_assert_uint_eq(t.live, 0);
    }
    size_t params = (rs_dataset_num_users(train_ds) + rs_dataset_num_items(train_ds)) * 64 * sizeof(float);
    ck_assert_uint_ge(peak[1], peak[0] + params * 9 / 10);
    ck_assert_uint_ge(peak[2], peak[0] + params * 9 / 10);
}
END_TEST

static Suite *fit_suite(void)
{
    Suite *s = suite_create("check_api_fit");
    /* Accuracy runs train to convergence: tagged "slow" so the valgrind pass
     * of CI (CK_EXCLUDE_TAGS=slow) skips them; the native and sanitizer runs
     * do every test, and the cases below reach the same code paths. */
    TCase *acc = tcase_create("accuracy");
    tcase_set_tags(acc, "slow");
    tcase_add_unchecked_fixture(acc, make_data, free_data);
    tcase_set_timeout(acc, 300);
    tcase_add_loop_test(acc, test_fit_recovers_low_rank_structure, 0, N_SCORERS);
    tcase_add_loop_test(acc, test_fit_threads_reach_same_accuracy, 0, N_SCORERS);
    tcase_add_loop_test(acc, test_fit_converges_at_base_rate, 0, N_SCORERS);
    tcase_add_loop_test(acc, test_fit_early_stopping_keeps_best_validation_epoch, 0, N_SCORERS);
    tcase_add_loop_test(acc, test_fit_every_learning_rate_policy_converges, 0, N_SCORERS);
    suite_add_tcase(s, acc);

    TCase *tc = tcase_create("fit");
    tcase_add_unchecked_fixture(tc, make_data, free_data);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_fit_same_seed_is_bit_identical, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_same_model_on_1_and_2_threads, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_feature_scorers_train_on_threads, 0, N_SCORERS * N_THREAD_CONFIGS);
    tcase_add_loop_test(tc, test_fit_exploding_gradients_detected_and_restored, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_exploding_run_converges_with_norm_clipping, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_halving_learning_rate_recovers, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_zero_init_shows_vanishing_factor_gradient, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_tiny_learning_rate_stalls, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_progress_callback_can_cancel, 0, N_SCORERS);
    tcase_add_test(tc, test_fit_auto_schedule_scales_short_budgets);
    tcase_add_test(tc, test_fit_copies_the_last_good_epoch_only_when_needed);
    tcase_add_loop_test(tc, test_fit_callback_reentry_is_misuse, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_custom_policies_are_called, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_failure_keeps_previous_model, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_predict_before_fit_is_state_error, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_out_of_memory_at_every_allocation, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_consume_gives_the_same_model_and_takes_the_ratings, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_consume_failure_gives_the_ratings_back, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_consume_copies_when_it_must, 0, N_SCORERS);
    tcase_add_loop_test(tc, test_fit_consume_out_of_memory_at_every_allocation, 0, N_SCORERS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
