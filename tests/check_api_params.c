/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * check_api_params.c: black-box tests of every RS_PARAM_* of model.h and
 * dataset.h through the public API only: defaults, bounds, typed setters,
 * unknown ids, names, read-only parameters, status strings, constructor
 * arguments and the allocator hook. The expected values below are copied
 * from the comments in the public headers, which are the contract. */
#include <librecsgd/recsgd.h>

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_INT, T_REAL, T_CHOICE };
enum { ON_MODEL, ON_DATASET };

typedef struct expect_param {
    rs_param id;
    const char *name;
    int type;
    int owner;
    double def;
    int has_bounds; /* 0: the header states no bounds; only their sanity is checked */
    double lo, hi;
    int lo_open, hi_open;
} expect_param;

#define P62 4611686018427387904.0 /* 2^62 */

static const expect_param PARAMS[] = {
    {RS_PARAM_FACTORS, "factors", T_INT, ON_MODEL, 128, 1, 1, 4096, 0, 0},
    {RS_PARAM_EPOCHS, "epochs", T_INT, ON_MODEL, 80, 1, 1, 100000, 0, 0},
    {RS_PARAM_THREADS, "threads", T_INT, ON_MODEL, 1, 1, 1, 256, 0, 0},
    {RS_PARAM_SEED, "seed", T_INT, ON_MODEL, 42, 1, 0, P62, 0, 0},
    {RS_PARAM_PATIENCE, "patience", T_INT, ON_MODEL, 3, 1, 1, 100000, 0, 0},
    {RS_PARAM_CLAMP, "clamp", T_INT, ON_MODEL, 1, 1, 0, 1, 0, 0},
    {RS_PARAM_ONLINE_EPOCHS, "online_epochs", T_INT, ON_MODEL, 5, 1, 1, 1000, 0, 0},
    {RS_PARAM_IMPLICIT, "implicit", T_INT, ON_MODEL, 0, 1, 0, 1, 0, 0},
    {RS_PARAM_NEGATIVES, "negatives", T_INT, ON_MODEL, 4, 1, 1, 100, 0, 0},
    {RS_PARAM_COLD_EPOCHS, "cold_epochs", T_INT, ON_MODEL, 10, 1, 0, 1000, 0, 0},
    {RS_PARAM_KEEP_PARTIAL, "keep_partial", T_INT, ON_MODEL, 0, 1, 0, 1, 0, 0},
    {RS_PARAM_LEARNING_RATE, "learning_rate", T_REAL, ON_MODEL, 0.05, 1, 0, 10, 1, 0},
    {RS_PARAM_L2_FACTORS, "l2_factors", T_REAL, ON_MODEL, 0.06, 1, 0, 1e3, 0, 0},
    {RS_PARAM_L2_BIAS, "l2_bias", T_REAL, ON_MODEL, 0.03, 1, 0, 1e3, 0, 0},
    {RS_PARAM_L2_FEATURES, "l2_features", T_REAL, ON_MODEL, 0.05, 1, 0, 1e3, 0, 0},
    {RS_PARAM_LR_DECAY, "lr_decay", T_REAL, ON_MODEL, 0.5, 1, 0, 1e3, 0, 0},
    {RS_PARAM_TOLERANCE, "tolerance", T_REAL, ON_MODEL, 1e-4, 1, 0, 1, 0, 0},
    {RS_PARAM_INIT_SCALE, "init_scale", T_REAL, ON_MODEL, 0.005, 1, 0, 100, 0, 0},
    {RS_PARAM_CLIP_THRESHOLD, "clip_threshold", T_REAL, ON_MODEL, 1, 1, 0, 1e6, 1, 0},
    {RS_PARAM_ADAM_BETA1, "adam_beta1", T_REAL, ON_MODEL, 0.9, 1, 0, 1, 0, 1},
    {RS_PARAM_ADAM_BETA2, "adam_beta2", T_REAL, ON_MODEL, 0.999, 1, 0, 1, 0, 1},
    {RS_PARAM_EPSILON, "epsilon", T_REAL, ON_MODEL, 1e-8, 1, 0, 1, 1, 0},
    {RS_PARAM_DIVERGENCE, "divergence", T_REAL, ON_MODEL, 4, 1, 1, 1e6, 1, 0},
    {RS_PARAM_REPLAY_RATIO, "replay_ratio", T_REAL, ON_MODEL, 1, 1, 0, 100, 0, 0},
    {RS_PARAM_ID_DROPOUT, "id_dropout", T_REAL, ON_MODEL, 0, 1, 0, 1, 0, 1},
    {RS_PARAM_CONFIDENCE, "confidence", T_REAL, ON_MODEL, 0, 1, 0, 1e3, 0, 0},
    {RS_PARAM_LR_POLICY, "lr_policy", T_CHOICE, ON_MODEL, RS_LR_AUTO, 1, RS_LR_CONSTANT, RS_LR_AUTO, 0, 0},
    {RS_PARAM_INIT, "init", T_CHOICE, ON_MODEL, RS_INIT_NORMAL, 1, RS_INIT_NORMAL, RS_INIT_ZERO, 0, 0},
    {RS_PARAM_CLIP, "clip", T_CHOICE, ON_MODEL, RS_CLIP_NONE, 1, RS_CLIP_NONE, RS_CLIP_NORM, 0, 0},
    {RS_PARAM_ON_DIVERGENCE, "on_divergence", T_CHOICE, ON_MODEL, RS_DIVERGENCE_STOP, 1,
     RS_DIVERGENCE_STOP, RS_DIVERGENCE_HALVE_LR, 0, 0},
    {RS_PARAM_COLD_START, "cold_start", T_CHOICE, ON_MODEL, RS_COLD_START_FALLBACK, 1,
     RS_COLD_START_FALLBACK, RS_COLD_START_ERROR, 0, 0},
    {RS_PARAM_SERVE_OVERSAMPLE, "serve_oversample", T_INT, ON_MODEL, 8, 1, 1, 1000, 0, 0},
    {RS_PARAM_SERVE_QUANTIZED, "serve_quantized", T_CHOICE, ON_MODEL, RS_QUANT_NONE, 1, RS_QUANT_NONE,
     RS_QUANT_INT8, 0, 0},
    {RS_PARAM_IMPLICIT_USER_FACTORS, "implicit_user_factors", T_INT, ON_MODEL, 0, 1, 0, 1, 0, 0},
    {RS_PARAM_COLD_TASTE, "cold_taste", T_INT, ON_MODEL, 1, 1, 0, 1, 0, 0},
    {RS_PARAM_L2_IMPLICIT, "l2_implicit", T_REAL, ON_MODEL, 0.005, 1, 0, 1e3, 0, 0},
    {RS_PARAM_IMPLICIT_LR_SCALE, "implicit_lr_scale", T_REAL, ON_MODEL, 1, 1, 0, 100, 1, 0},
    /* RS_PARAM_SCORER is read-only and tested on its own. */
    {RS_PARAM_RATING_MIN, "rating_min", T_REAL, ON_DATASET, -1e6, 0, 0, 0, 0, 0},
    {RS_PARAM_RATING_MAX, "rating_max", T_REAL, ON_DATASET, 1e6, 0, 0, 0, 0, 0},
    {RS_PARAM_CSV_DELIMITER, "csv_delimiter", T_INT, ON_DATASET, ',', 0, 0, 0, 0, 0},
    {RS_PARAM_CSV_USER_COL, "csv_user_col", T_INT, ON_DATASET, -1, 0, 0, 0, 0, 0},
    {RS_PARAM_CSV_ITEM_COL, "csv_item_col", T_INT, ON_DATASET, -1, 0, 0, 0, 0, 0},
    {RS_PARAM_CSV_RATING_COL, "csv_rating_col", T_INT, ON_DATASET, -1, 0, 0, 0, 0, 0},
    {RS_PARAM_CSV_TIME_COL, "csv_time_col", T_INT, ON_DATASET, -1, 0, 0, 0, 0, 0},
    {RS_PARAM_HAS_HEADER, "has_header", T_INT, ON_DATASET, -1, 1, -1, 1, 0, 0},
    {RS_PARAM_STRING_IDS, "string_ids", T_INT, ON_DATASET, 0, 1, 0, 1, 0, 0},
    {RS_PARAM_TIMESTAMPS, "timestamps", T_INT, ON_DATASET, 1, 1, 0, 1, 0, 0},
    {RS_PARAM_MOVIELENS_TITLE_WORDS, "movielens_title_words", T_INT, ON_DATASET, 0, 1, 0, 1000000, 0, 0},
    {RS_PARAM_MOVIELENS_YEAR, "movielens_year", T_INT, ON_DATASET, 0, 1, 0, 1, 0, 0},
};
#define N_PARAMS (sizeof PARAMS / sizeof PARAMS[0])

/* Ids that belong to no parameter: the ends of every range and far outside
 * them (test_params_table_complete also walks every id of every range). */
static const rs_param UNKNOWN_IDS[] = {-1, 0, 1, 99, 199, 299, 399, 499, 599, 600, 999,
                                       1000, 1999, INT32_MAX, INT32_MIN};
#define N_UNKNOWN (sizeof UNKNOWN_IDS / sizeof UNKNOWN_IDS[0])

/* ---- a uniform view over the model and dataset setters/getters ---- */

typedef struct target {
    rs_model *model;
    rs_dataset *ds;
} target;

static void target_open(target *t)
{
    t->model = NULL;
    t->ds = NULL;
    ck_assert_int_eq(rs_model_new(&t->model, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    ck_assert_int_eq(rs_dataset_new(&t->ds, NULL, NULL), RS_OK);
}

static void target_close(target *t)
{
    rs_model_free(t->model);
    rs_dataset_free(t->ds);
}

static rs_status set_int(target *t, int owner, rs_param p, int64_t v)
{
    return owner == ON_MODEL ? rs_model_set_int(t->model, p, v) : rs_dataset_set_int(t->ds, p, v);
}

static rs_status set_real(target *t, int owner, rs_param p, double v)
{
    return owner == ON_MODEL ? rs_model_set_double(t->model, p, v)
                             : rs_dataset_set_double(t->ds, p, v);
}

static rs_status get_int(const target *t, int owner, rs_param p, int64_t *v)
{
    return owner == ON_MODEL ? rs_model_get_int(t->model, p, v) : rs_dataset_get_int(t->ds, p, v);
}

static rs_status get_real(const target *t, int owner, rs_param p, double *v)
{
    return owner == ON_MODEL ? rs_model_get_double(t->model, p, v)
                             : rs_dataset_get_double(t->ds, p, v);
}

static const char *last_error(const target *t, int owner)
{
    return owner == ON_MODEL ? rs_model_last_error(t->model) : rs_dataset_last_error(t->ds);
}

/* The current value of a parameter, as a double (ints are exact below 2^53,
 * and 2^62 is a power of two). */
static double current(const target *t, const expect_param *e)
{
    if (e->type == T_REAL) {
        double v = NAN;
        ck_assert_int_eq(get_real(t, e->owner, e->id, &v), RS_OK);
        return v;
    }
    int64_t v = INT64_MIN;
    ck_assert_int_eq(get_int(t, e->owner, e->id, &v), RS_OK);
    return (double)v;
}

static rs_status set_value(target *t, const expect_param *e, double v)
{
    return e->type == T_REAL ? set_real(t, e->owner, e->id, v)
                             : set_int(t, e->owner, e->id, (int64_t)v);
}

/* Bounds as the library reports them, checked against the header. */
static void bounds_of(const expect_param *e, double *lo, double *hi)
{
    ck_assert_msg(rs_param_bounds(e->id, lo, hi) == RS_OK, "rs_param_bounds(%s)", e->name);
    ck_assert_msg(*lo <= *hi, "%s: lo %g > hi %g", e->name, *lo, *hi);
    if (e->has_bounds) {
        ck_assert_msg(*lo == e->lo && *hi == e->hi, "%s: bounds [%g, %g], header says [%g, %g]",
                      e->name, *lo, *hi, e->lo, e->hi);
    }
}

/* The error message of a range failure names the parameter and both bounds. */
static void assert_range_message(const target *t, const expect_param *e, double lo, double hi)
{
    const char *msg = last_error(t, e->owner);
    char lo_s[64], hi_s[64];
    ck_assert_ptr_nonnull(msg);
    snprintf(lo_s, sizeof lo_s, "%g", lo);
    snprintf(hi_s, sizeof hi_s, "%g", hi);
    ck_assert_msg(strstr(msg, e->name) != NULL, "%s: message \"%s\" lacks the name", e->name, msg);
    ck_assert_msg(strstr(msg, lo_s) != NULL && strstr(msg, hi_s) != NULL,
                  "%s: message \"%s\" does not name the bounds %s and %s", e->name, msg, lo_s, hi_s);
}

/* A failed call must leave the value as it was. */
static void expect_fail(target *t, const expect_param *e, rs_status got, rs_status want,
                        double before, const char *what)
{
    ck_assert_msg(got == want, "%s: %s returned %d (%s), want %d", e->name, what, (int)got,
                  rs_status_string(got), (int)want);
    ck_assert_msg(current(t, e) == before, "%s: value changed by a failed %s", e->name, what);
    ck_assert_msg(last_error(t, e->owner)[0] != '\0', "%s: no message after a failed %s", e->name,
                  what);
}

/* ---- tests ---- */

/* epochs_trained: 0 before a fit, readable, never settable. */
START_TEST(test_params_epochs_trained_is_read_only)
{
    target t;
    target_open(&t);
    int64_t v = -1;
    ck_assert_int_eq(rs_model_get_int(t.model, RS_PARAM_EPOCHS_TRAINED, &v), RS_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(rs_model_set_int(t.model, RS_PARAM_EPOCHS_TRAINED, 5), RS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(rs_model_last_error(t.model), "read-only"));
    ck_assert_int_eq(rs_model_get_int(t.model, RS_PARAM_EPOCHS_TRAINED, &v), RS_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_str_eq(rs_param_name(RS_PARAM_EPOCHS_TRAINED), "epochs_trained");
    target_close(&t);
}
END_TEST

START_TEST(test_params_defaults_readable)
{
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        double v = current(&t, e);
        ck_assert_msg(v == e->def, "%s: default %.17g, header says %.17g", e->name, v, e->def);
    }
    int64_t scorer = 0;
    ck_assert_int_eq(rs_model_get_int(t.model, RS_PARAM_SCORER, &scorer), RS_OK);
    ck_assert_int_eq(scorer, RS_SCORER_COLLABORATIVE);
    target_close(&t);
}
END_TEST

START_TEST(test_params_bounds_match_header)
{
    for (size_t k = 0; k < N_PARAMS; k++) {
        double lo = NAN, hi = NAN;
        bounds_of(&PARAMS[k], &lo, &hi);
        ck_assert_msg(PARAMS[k].def >= lo && PARAMS[k].def <= hi, "%s: default outside bounds",
                      PARAMS[k].name);
        /* Either output may be NULL. */
        ck_assert_int_eq(rs_param_bounds(PARAMS[k].id, NULL, NULL), RS_OK);
        ck_assert_int_eq(rs_param_bounds(PARAMS[k].id, &lo, NULL), RS_OK);
        ck_assert_int_eq(rs_param_bounds(PARAMS[k].id, NULL, &hi), RS_OK);
    }
    double lo = 0, hi = 0;
    ck_assert_int_eq(rs_param_bounds(RS_PARAM_SCORER, &lo, &hi), RS_OK);
    ck_assert(lo == RS_SCORER_COLLABORATIVE && hi == RS_SCORER_HYBRID);
}
END_TEST

START_TEST(test_params_set_at_bounds)
{
    target t;
    target_open(&t);
    int threads = (rs_build_features() & RS_FEATURE_THREADS) != 0;
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        double lo, hi;
        bounds_of(e, &lo, &hi);
        /* The dataset's rating range must stay ordered: while one end is
         * moved to its bounds, the other is opened to its own bound. */
        double def = current(&t, e);
        if (e->id == RS_PARAM_RATING_MIN)
            ck_assert_int_eq(rs_dataset_set_double(t.ds, RS_PARAM_RATING_MAX, hi), RS_OK);
        if (e->id == RS_PARAM_RATING_MAX)
            ck_assert_int_eq(rs_dataset_set_double(t.ds, RS_PARAM_RATING_MIN, lo), RS_OK);

        if (e->lo_open) {
            rs_status st = set_value(&t, e, lo);
            expect_fail(&t, e, st, RS_ERR_RANGE, def, "set at the open lower bound");
            assert_range_message(&t, e, lo, hi);
            double inside = nextafter(lo, hi);
            ck_assert_msg(set_value(&t, e, inside) == RS_OK, "%s: just above lo", e->name);
            ck_assert(current(&t, e) == inside);
        } else {
            ck_assert_msg(set_value(&t, e, lo) == RS_OK, "%s = %g (lo): %s", e->name, lo,
                          last_error(&t, e->owner));
            ck_assert_msg(current(&t, e) == lo, "%s: lo not stored", e->name);
            ck_assert_str_eq(last_error(&t, e->owner), "");
        }
        ck_assert_int_eq(set_value(&t, e, def), RS_OK);

        if (e->id == RS_PARAM_THREADS && !threads) {
            /* Bounds are the same in every build; values > 1 need threads. */
            rs_status st = set_value(&t, e, hi);
            expect_fail(&t, e, st, RS_ERR_NOT_BUILT, def, "threads > 1 without threads");
        } else if (e->hi_open) {
            rs_status st = set_value(&t, e, hi);
            expect_fail(&t, e, st, RS_ERR_RANGE, def, "set at the open upper bound");
            assert_range_message(&t, e, lo, hi);
            double inside = nextafter(hi, lo);
            ck_assert_msg(set_value(&t, e, inside) == RS_OK, "%s: just below hi", e->name);
            ck_assert(current(&t, e) == inside);
        } else {
            ck_assert_msg(set_value(&t, e, hi) == RS_OK, "%s = %g (hi): %s", e->name, hi,
                          last_error(&t, e->owner));
            ck_assert_msg(current(&t, e) == hi, "%s: hi not stored", e->name);
        }
        ck_assert_int_eq(set_value(&t, e, def), RS_OK);
    }
    target_close(&t);
}
END_TEST

START_TEST(test_params_outside_bounds_is_range_error)
{
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        double lo, hi;
        bounds_of(e, &lo, &hi);
        double before = current(&t, e);
        if (e->type == T_REAL) {
            double below = lo - (fabs(lo) > 1 ? fabs(lo) : 1);
            double above = hi + (fabs(hi) > 1 ? fabs(hi) : 1);
            expect_fail(&t, e, set_real(&t, e->owner, e->id, below), RS_ERR_RANGE, before,
                        "set below lo");
            assert_range_message(&t, e, lo, hi);
            expect_fail(&t, e, set_real(&t, e->owner, e->id, above), RS_ERR_RANGE, before,
                        "set above hi");
            assert_range_message(&t, e, lo, hi);
            /* The nearest doubles outside a closed bound. */
            if (!e->lo_open) {
                expect_fail(&t, e, set_real(&t, e->owner, e->id, nextafter(lo, -INFINITY)),
                            RS_ERR_RANGE, before, "set just below lo");
            }
            if (!e->hi_open) {
                expect_fail(&t, e, set_real(&t, e->owner, e->id, nextafter(hi, INFINITY)),
                            RS_ERR_RANGE, before, "set just above hi");
            }
        } else {
            /* The first integer just outside, and the extremes of int64. */
            rs_status st = set_int(&t, e->owner, e->id, (int64_t)lo - 1);
            expect_fail(&t, e, st, RS_ERR_RANGE, before, "set to lo - 1");
            assert_range_message(&t, e, lo, hi);
            st = set_int(&t, e->owner, e->id, (int64_t)hi + 1);
            expect_fail(&t, e, st, RS_ERR_RANGE, before, "set to hi + 1");
            assert_range_message(&t, e, lo, hi);
            st = set_int(&t, e->owner, e->id, INT64_MIN);
            expect_fail(&t, e, st, RS_ERR_RANGE, before, "set to INT64_MIN");
            st = set_int(&t, e->owner, e->id, INT64_MAX);
            expect_fail(&t, e, st, RS_ERR_RANGE, before, "set to INT64_MAX");
        }
    }
    target_close(&t);
}
END_TEST

START_TEST(test_params_nan_and_inf_rejected)
{
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        if (e->type != T_REAL)
            continue;
        double before = current(&t, e);
        expect_fail(&t, e, set_real(&t, e->owner, e->id, NAN), RS_ERR_RANGE, before, "set NaN");
        expect_fail(&t, e, set_real(&t, e->owner, e->id, INFINITY), RS_ERR_RANGE, before,
                    "set +Inf");
        expect_fail(&t, e, set_real(&t, e->owner, e->id, -INFINITY), RS_ERR_RANGE, before,
                    "set -Inf");
    }
    target_close(&t);
}
END_TEST

START_TEST(test_params_wrong_type_setter_and_getter)
{
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        double before = current(&t, e);
        if (e->type == T_REAL) {
            int64_t iv = 0;
            expect_fail(&t, e, set_int(&t, e->owner, e->id, 1), RS_ERR_PARAM_TYPE, before,
                        "integer setter on a real parameter");
            ck_assert_int_eq(get_int(&t, e->owner, e->id, &iv), RS_ERR_PARAM_TYPE);
        } else {
            double dv = 0;
            expect_fail(&t, e, set_real(&t, e->owner, e->id, e->def), RS_ERR_PARAM_TYPE, before,
                        "real setter on an integer parameter");
            ck_assert_int_eq(get_real(&t, e->owner, e->id, &dv), RS_ERR_PARAM_TYPE);
        }
    }
    target_close(&t);
}
END_TEST

START_TEST(test_params_unknown_id)
{
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_UNKNOWN; k++) {
        rs_param p = UNKNOWN_IDS[k];
        int64_t iv;
        double dv, lo, hi;
        ck_assert_int_eq(rs_model_set_int(t.model, p, 1), RS_ERR_UNKNOWN_PARAM);
        ck_assert(rs_model_last_error(t.model)[0] != '\0');
        ck_assert_int_eq(rs_model_set_double(t.model, p, 1.0), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_model_get_int(t.model, p, &iv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_model_get_double(t.model, p, &dv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_dataset_set_int(t.ds, p, 1), RS_ERR_UNKNOWN_PARAM);
        ck_assert(rs_dataset_last_error(t.ds)[0] != '\0');
        ck_assert_int_eq(rs_dataset_set_double(t.ds, p, 1.0), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_dataset_get_int(t.ds, p, &iv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_dataset_get_double(t.ds, p, &dv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_param_bounds(p, &lo, &hi), RS_ERR_UNKNOWN_PARAM);
        ck_assert_ptr_null(rs_param_name(p));
    }
    target_close(&t);
}
END_TEST

START_TEST(test_params_other_objects_params_are_unknown)
{
    /* A model parameter is no dataset parameter and vice versa. */
    target t;
    target_open(&t);
    for (size_t k = 0; k < N_PARAMS; k++) {
        const expect_param *e = &PARAMS[k];
        int other = e->owner == ON_MODEL ? ON_DATASET : ON_MODEL;
        int64_t iv;
        double dv;
        ck_assert_msg(set_int(&t, other, e->id, (int64_t)e->def) == RS_ERR_UNKNOWN_PARAM, "%s",
                      e->name);
        ck_assert_msg(set_real(&t, other, e->id, e->def) == RS_ERR_UNKNOWN_PARAM, "%s", e->name);
        ck_assert_msg(get_int(&t, other, e->id, &iv) == RS_ERR_UNKNOWN_PARAM, "%s", e->name);
        ck_assert_msg(get_real(&t, other, e->id, &dv) == RS_ERR_UNKNOWN_PARAM, "%s", e->name);
    }
    int64_t iv;
    ck_assert_int_eq(rs_dataset_get_int(t.ds, RS_PARAM_SCORER, &iv), RS_ERR_UNKNOWN_PARAM);
    target_close(&t);
}
END_TEST

/* Every id the library names is in PARAMS (or is RS_PARAM_SCORER), so a
 * parameter added to a header without a row here fails this test; every id it
 * does not name behaves as unknown everywhere. */
START_TEST(test_params_table_complete)
{
    target t;
    target_open(&t);
    size_t named = 0;
    for (rs_param p = 0; p < 2000; p++) {
        const char *name = rs_param_name(p);
        int listed = p == RS_PARAM_SCORER || p == RS_PARAM_EPOCHS_TRAINED; /* read-only: own tests */
        for (size_t k = 0; k < N_PARAMS; k++)
            listed |= PARAMS[k].id == p;
        if (name) {
            named++;
            ck_assert_msg(listed, "parameter %d (\"%s\") is not covered by this test", (int)p, name);
            continue;
        }
        ck_assert_msg(!listed, "parameter %d is in the header but has no name", (int)p);
        int64_t iv;
        double dv;
        ck_assert_int_eq(rs_param_bounds(p, NULL, NULL), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_model_get_int(t.model, p, &iv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_model_get_double(t.model, p, &dv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_dataset_get_int(t.ds, p, &iv), RS_ERR_UNKNOWN_PARAM);
        ck_assert_int_eq(rs_dataset_get_double(t.ds, p, &dv), RS_ERR_UNKNOWN_PARAM);
    }
    ck_assert_uint_eq(named, N_PARAMS + 2); /* + scorer and epochs_trained */
    target_close(&t);
}
END_TEST

START_TEST(test_params_name_round_trip)
{
    for (size_t k = 0; k < N_PARAMS; k++) {
        const char *name = rs_param_name(PARAMS[k].id);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_eq(name, PARAMS[k].name);
        ck_assert_int_eq(rs_param_from_name(name), PARAMS[k].id);
        for (size_t j = 0; j < k; j++)
            ck_assert_str_ne(name, PARAMS[j].name);
    }
    ck_assert_str_eq(rs_param_name(RS_PARAM_SCORER), "scorer");
    ck_assert_int_eq(rs_param_from_name("scorer"), RS_PARAM_SCORER);
    ck_assert_int_eq(rs_param_from_name(NULL), -1);
    ck_assert_int_eq(rs_param_from_name(""), -1);
    ck_assert_int_eq(rs_param_from_name("no_such_parameter"), -1);
    ck_assert_int_eq(rs_param_from_name("Factors"), -1);
    ck_assert_int_eq(rs_param_from_name("factors "), -1);
}
END_TEST

START_TEST(test_params_scorer_is_read_only)
{
    static const int32_t kinds[] = {RS_SCORER_COLLABORATIVE, RS_SCORER_CONTENT, RS_SCORER_HYBRID};
    static const uint32_t need[] = {0, RS_FEATURE_CONTENT, RS_FEATURE_HYBRID};
    for (size_t k = 0; k < 3; k++) {
        rs_model *m = NULL;
        rs_status st = rs_model_new(&m, kinds[k], NULL, NULL);
        if (need[k] && !(rs_build_features() & need[k])) {
            ck_assert_int_eq(st, RS_ERR_NOT_BUILT);
            ck_assert_ptr_null(m);
            continue;
        }
        ck_assert_int_eq(st, RS_OK);
        int64_t v = 0;
        ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SCORER, &v), RS_OK);
        ck_assert_int_eq(v, kinds[k]);
        for (int32_t other = RS_SCORER_COLLABORATIVE; other <= RS_SCORER_HYBRID; other++) {
            ck_assert_int_ne(rs_model_set_int(m, RS_PARAM_SCORER, other), RS_OK);
            ck_assert(rs_model_last_error(m)[0] != '\0');
            ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_SCORER, &v), RS_OK);
            ck_assert_int_eq(v, kinds[k]);
        }
        ck_assert_int_eq(rs_model_set_double(m, RS_PARAM_SCORER, 1.0), RS_ERR_PARAM_TYPE);
        rs_model_free(m);
    }
}
END_TEST

START_TEST(test_params_failure_leaves_every_value)
{
    /* A burst of failing calls changes no parameter at all, not just the one named. */
    target t;
    target_open(&t);
    double before[N_PARAMS];
    for (size_t k = 0; k < N_PARAMS; k++)
        before[k] = current(&t, &PARAMS[k]);
    ck_assert_int_eq(rs_model_set_int(t.model, RS_PARAM_FACTORS, 0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(t.model, RS_PARAM_LEARNING_RATE, -1.0), RS_ERR_RANGE);
    ck_assert_int_eq(rs_model_set_double(t.model, RS_PARAM_FACTORS, 8.0), RS_ERR_PARAM_TYPE);
    ck_assert_int_eq(rs_model_set_int(t.model, 4242, 8), RS_ERR_UNKNOWN_PARAM);
    ck_assert_int_eq(rs_dataset_set_int(t.ds, RS_PARAM_CSV_USER_COL, -2), RS_ERR_RANGE);
    ck_assert_int_eq(rs_dataset_set_double(t.ds, RS_PARAM_RATING_MIN, NAN), RS_ERR_RANGE);
    for (size_t k = 0; k < N_PARAMS; k++)
        ck_assert_msg(current(&t, &PARAMS[k]) == before[k], "%s changed", PARAMS[k].name);
    /* A successful mutating call clears the message. */
    ck_assert_int_eq(rs_model_set_int(t.model, RS_PARAM_FACTORS, 8), RS_OK);
    ck_assert_str_eq(rs_model_last_error(t.model), "");
    ck_assert_int_eq(rs_dataset_set_int(t.ds, RS_PARAM_CSV_USER_COL, 0), RS_OK);
    ck_assert_str_eq(rs_dataset_last_error(t.ds), "");
    target_close(&t);
}
END_TEST

START_TEST(test_params_csv_delimiter_rejects_quote_and_newlines)
{
    target t;
    target_open(&t);
    static const int64_t bad[] = {'"', '\n', '\r'};
    for (size_t k = 0; k < 3; k++) {
        int64_t v = 0;
        ck_assert_int_eq(rs_dataset_set_int(t.ds, RS_PARAM_CSV_DELIMITER, bad[k]), RS_ERR_RANGE);
        ck_assert_int_eq(rs_dataset_get_int(t.ds, RS_PARAM_CSV_DELIMITER, &v), RS_OK);
        ck_assert_int_eq(v, ',');
    }
    ck_assert_int_eq(rs_dataset_set_int(t.ds, RS_PARAM_CSV_DELIMITER, '\t'), RS_OK);
    target_close(&t);
}
END_TEST

START_TEST(test_params_null_arguments)
{
    target t;
    target_open(&t);
    int64_t iv;
    double dv;
    ck_assert_int_eq(rs_model_set_int(NULL, RS_PARAM_FACTORS, 8), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_set_double(NULL, RS_PARAM_LEARNING_RATE, 0.1), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_get_int(NULL, RS_PARAM_FACTORS, &iv), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_get_double(NULL, RS_PARAM_LEARNING_RATE, &dv), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_get_int(t.model, RS_PARAM_FACTORS, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_model_get_double(t.model, RS_PARAM_LEARNING_RATE, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_set_int(NULL, RS_PARAM_CSV_USER_COL, 0), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_set_double(NULL, RS_PARAM_RATING_MIN, 0), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_int(NULL, RS_PARAM_CSV_USER_COL, &iv), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_double(NULL, RS_PARAM_RATING_MIN, &dv), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_int(t.ds, RS_PARAM_CSV_USER_COL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_get_double(t.ds, RS_PARAM_RATING_MIN, NULL), RS_ERR_INVALID_ARG);
    /* NULL handles still give a message, never NULL. */
    ck_assert_ptr_nonnull(rs_model_last_error(NULL));
    ck_assert_ptr_nonnull(rs_dataset_last_error(NULL));
    target_close(&t);
}
END_TEST

START_TEST(test_params_threads_need_thread_support)
{
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_OK);
    int64_t v = 0;
    rs_status st = rs_model_set_int(m, RS_PARAM_THREADS, 2);
    if (rs_build_features() & RS_FEATURE_THREADS) {
        ck_assert_int_eq(st, RS_OK);
        ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_THREADS, &v), RS_OK);
        ck_assert_int_eq(v, 2);
    } else {
        ck_assert_int_eq(st, RS_ERR_NOT_BUILT);
        ck_assert(strstr(rs_model_last_error(m), "thread") != NULL);
        ck_assert_int_eq(rs_model_get_int(m, RS_PARAM_THREADS, &v), RS_OK);
        ck_assert_int_eq(v, 1);
    }
    /* One thread is always available. */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_THREADS, 1), RS_OK);
    rs_model_free(m);
}
END_TEST

START_TEST(test_params_status_string_total)
{
    static const rs_status known[] = {RS_OK, RS_ERR_NOMEM, RS_ERR_INVALID_ARG, RS_ERR_UNKNOWN_PARAM,
                                      RS_ERR_PARAM_TYPE, RS_ERR_RANGE, RS_ERR_STATE, RS_ERR_MISUSE,
                                      RS_ERR_IO, RS_ERR_FORMAT, RS_ERR_VERSION, RS_ERR_CANCELLED,
                                      RS_ERR_NOT_BUILT, RS_ERR_NUMERIC, RS_ERR_UNKNOWN_ID,
                                      RS_ERR_EMPTY, RS_FALLBACK};
    size_t n_known = sizeof known / sizeof known[0];
    for (size_t k = 0; k < n_known; k++) {
        const char *s = rs_status_string(known[k]);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(s[0] != '\0' && strcmp(s, "unknown status") != 0, "code %d", (int)known[k]);
        for (size_t j = 0; j < k; j++)
            ck_assert_msg(strcmp(s, rs_status_string(known[j])) != 0, "codes %d and %d share text",
                          (int)known[k], (int)known[j]);
    }
    for (int32_t c = -300; c <= 300; c++) {
        int is_known = 0;
        for (size_t k = 0; k < n_known; k++)
            is_known |= known[k] == c;
        const char *s = rs_status_string(c);
        ck_assert_ptr_nonnull(s);
        if (!is_known)
            ck_assert_str_eq(s, "unknown status");
    }
    ck_assert_str_eq(rs_status_string(INT32_MAX), "unknown status");
    ck_assert_str_eq(rs_status_string(INT32_MIN), "unknown status");
}
END_TEST

START_TEST(test_params_model_new_bad_arguments)
{
    static const int32_t bad[] = {0, -1, 4, 100, INT32_MAX, INT32_MIN};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rs_model *m = (rs_model *)&m; /* any non-NULL: must be reset to NULL */
        ck_assert_int_eq(rs_model_new(&m, bad[k], NULL, NULL), RS_ERR_INVALID_ARG);
        ck_assert_ptr_null(m);
    }
    ck_assert_int_eq(rs_model_new(NULL, RS_SCORER_COLLABORATIVE, NULL, NULL), RS_ERR_INVALID_ARG);
    ck_assert_int_eq(rs_dataset_new(NULL, NULL, NULL), RS_ERR_INVALID_ARG);
    rs_model_free(NULL);
    rs_dataset_free(NULL);
}
END_TEST

/* ---- a counting allocator that also checks the osize contract ---- */

#define MAX_LIVE 256

typedef struct counting {
    size_t allocs, frees, resizes, live_bytes;
    int bad_osize;
    void *ptr[MAX_LIVE];
    size_t size[MAX_LIVE];
} counting;

static int find_live(counting *c, void *p)
{
    for (int k = 0; k < MAX_LIVE; k++)
        if (c->ptr[k] == p)
            return k;
    return -1;
}

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    counting *c = ud;
    int slot = ptr ? find_live(c, ptr) : -1;
    if (ptr && (slot < 0 || c->size[slot] != osize))
        c->bad_osize++;
    if (nsize == 0) {
        if (ptr) {
            c->frees++;
            if (slot >= 0) {
                c->live_bytes -= c->size[slot];
                c->ptr[slot] = NULL;
            }
        }
        free(ptr);
        return NULL;
    }
    void *q = realloc(ptr, nsize);
    if (!q)
        return NULL;
    if (ptr) {
        c->resizes++;
        if (slot >= 0) {
            c->live_bytes += nsize - c->size[slot];
            c->ptr[slot] = q;
            c->size[slot] = nsize;
        }
        return q;
    }
    c->allocs++;
    int k = find_live(c, NULL);
    if (k < 0) {
        c->bad_osize++; /* table full: the test is too small, report it */
        return q;
    }
    c->ptr[k] = q;
    c->size[k] = nsize;
    c->live_bytes += nsize;
    return q;
}

START_TEST(test_params_allocator_balanced)
{
    counting c;
    memset(&c, 0, sizeof c);
    rs_model *m = NULL;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, counting_alloc, &c), RS_OK);
    ck_assert_uint_ge(c.allocs, 1); /* the model itself comes from the hook */
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 16), RS_OK);
    ck_assert_int_eq(rs_model_set_int(m, RS_PARAM_FACTORS, 0), RS_ERR_RANGE);
    rs_model_free(m);
    ck_assert_uint_eq(c.allocs, c.frees);
    ck_assert_uint_eq(c.live_bytes, 0);
    ck_assert_int_eq(c.bad_osize, 0);

    memset(&c, 0, sizeof c);
    rs_dataset *ds = NULL;
    ck_assert_int_eq(rs_dataset_new(&ds, counting_alloc, &c), RS_OK);
    ck_assert_uint_ge(c.allocs, 1);
    ck_assert_int_eq(rs_dataset_set_int(ds, RS_PARAM_CSV_ITEM_COL, 3), RS_OK);
    rs_dataset_free(ds);
    ck_assert_uint_eq(c.allocs, c.frees);
    ck_assert_uint_eq(c.live_bytes, 0);
    ck_assert_int_eq(c.bad_osize, 0);
}
END_TEST

/* An allocator that always fails: constructors report RS_ERR_NOMEM and NULL. */
static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0)
        free(ptr);
    return NULL;
}

START_TEST(test_params_allocator_failure_reported)
{
    rs_model *m = (rs_model *)&m;
    ck_assert_int_eq(rs_model_new(&m, RS_SCORER_COLLABORATIVE, failing_alloc, NULL), RS_ERR_NOMEM);
    ck_assert_ptr_null(m);
    rs_dataset *ds = (rs_dataset *)&ds;
    ck_assert_int_eq(rs_dataset_new(&ds, failing_alloc, NULL), RS_ERR_NOMEM);
    ck_assert_ptr_null(ds);
}
END_TEST

static Suite *api_params_suite(void)
{
    Suite *s = suite_create("api_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, test_params_defaults_readable);
    tcase_add_test(tc, test_params_epochs_trained_is_read_only);
    tcase_add_test(tc, test_params_bounds_match_header);
    tcase_add_test(tc, test_params_set_at_bounds);
    tcase_add_test(tc, test_params_outside_bounds_is_range_error);
    tcase_add_test(tc, test_params_nan_and_inf_rejected);
    tcase_add_test(tc, test_params_wrong_type_setter_and_getter);
    tcase_add_test(tc, test_params_unknown_id);
    tcase_add_test(tc, test_params_table_complete);
    tcase_add_test(tc, test_params_other_objects_params_are_unknown);
    tcase_add_test(tc, test_params_name_round_trip);
    tcase_add_test(tc, test_params_scorer_is_read_only);
    tcase_add_test(tc, test_params_failure_leaves_every_value);
    tcase_add_test(tc, test_params_csv_delimiter_rejects_quote_and_newlines);
    tcase_add_test(tc, test_params_null_arguments);
    tcase_add_test(tc, test_params_threads_need_thread_support);
    suite_add_tcase(s, tc);

    TCase *tc_misc = tcase_create("status_and_lifecycle");
    tcase_add_test(tc_misc, test_params_status_string_total);
    tcase_add_test(tc_misc, test_params_model_new_bad_arguments);
    tcase_add_test(tc_misc, test_params_allocator_balanced);
    tcase_add_test(tc_misc, test_params_allocator_failure_reported);
    suite_add_tcase(s, tc_misc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(api_params_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
