/* librecsgd. SPDX-License-Identifier: BSD-2-Clause
 * progress.c: watching gradient health during rs_fit.
 *
 * A progress callback prints the per-epoch statistics (RS_STAT_*) with a
 * one-word verdict, and a custom clipping policy wraps the built-in
 * rs_clip_norm() to count how often it acts. Three fits on data/sample:
 *
 *   healthy    the settings of the quick start, plus norm clipping;
 *   vanishing  all factors start at zero (RS_INIT_ZERO): the factor part of
 *              every gradient is exactly zero, so only the biases learn;
 *   exploding  a learning rate far too large: the divergence guard rolls back
 *              each bad epoch and, with RS_DIVERGENCE_HALVE_LR, halves the rate.
 *
 * Usage: progress [DATA_DIR]   (default: data/sample)
 */
#include <librecsgd/recsgd.h>

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- a clipping policy wrapping the built-in one ----
 * Clipping policies run on the training threads when RS_PARAM_THREADS > 1,
 * so the counters are atomic and the threshold is read-only. */
typedef struct clip_counter {
    double c; /* first member: rs_clip_norm reads its ud as a double * */
    atomic_ullong rows, clipped;
} clip_counter;

static int32_t counting_clip_norm(void *ud, float *grad, size_t n)
{
    clip_counter *cc = ud;
    int32_t changed = rs_clip_norm(&cc->c, grad, n);
    atomic_fetch_add_explicit(&cc->rows, 1, memory_order_relaxed);
    if (changed)
        atomic_fetch_add_explicit(&cc->clipped, 1, memory_order_relaxed);
    return changed;
}

/* ---- the progress callback ---- */

typedef struct watch {
    unsigned diverged, vanishing;
} watch;

static const char *verdict(const double *s)
{
    if (s[RS_STAT_DIVERGED] != 0.0)
        return "diverged: rolled back";
    if (s[RS_STAT_FACTOR_GRAD_NORM_MEAN] < 1e-12)
        return "vanishing: factors get no gradient";
    if (s[RS_STAT_GRAD_NORM_MAX] > 100.0 * s[RS_STAT_GRAD_NORM_MEAN])
        return "spiky: max >> mean";
    return "ok";
}

static int32_t on_epoch(void *ud, const double *s, size_t n_stats)
{
    watch *w = ud;
    if (n_stats < RS_STAT_COUNT_V0_1)
        return 0; /* an older library: fewer statistics than this program shows */
    if (s[RS_STAT_DIVERGED] != 0.0)
        w->diverged++;
    if (s[RS_STAT_FACTOR_GRAD_NORM_MEAN] < 1e-12)
        w->vanishing++;
    printf("  %5.0f  %10.4f  %9.3g  %9.3g  %11.3g  %6.3f  %8.3g  %s\n", s[RS_STAT_EPOCH],
           s[RS_STAT_TRAIN_RMSE], s[RS_STAT_GRAD_NORM_MEAN], s[RS_STAT_GRAD_NORM_MAX],
           s[RS_STAT_FACTOR_GRAD_NORM_MEAN], s[RS_STAT_CLIP_SHARE], s[RS_STAT_LEARNING_RATE],
           verdict(s));
    return 0;
}

static int ok(rs_status st, const char *what, const rs_model *m)
{
    if (st == RS_OK)
        return 1;
    fprintf(stderr, "progress: %s failed: %s (%s)\n", what, rs_status_string(st),
            m ? rs_model_last_error(m) : "");
    return 0;
}

enum { HEALTHY, VANISHING, EXPLODING };

static int run(const rs_dataset *train, int kind)
{
    static const char *const names[] = {"healthy", "vanishing", "exploding"};
    rs_model *m = NULL;
    clip_counter cc = {1.0, 0, 0};
    watch w = {0, 0};
    int good = 0;

    if (!ok(rs_model_new(&m, RS_SCORER_COLLABORATIVE, NULL, NULL), "rs_model_new", NULL))
        return 0;
    if (!ok(rs_model_set_int(m, RS_PARAM_FACTORS, 16), "set factors", m) ||
        !ok(rs_model_set_int(m, RS_PARAM_EPOCHS, 12), "set epochs", m) ||
        !ok(rs_model_set_double(m, RS_PARAM_TOLERANCE, 0.0), "set tolerance", m) ||
        !ok(rs_model_set_double(m, RS_PARAM_L2_FACTORS, 0.05), "set l2_factors", m) ||
        !ok(rs_model_set_double(m, RS_PARAM_INIT_SCALE, 0.1), "set init_scale", m) ||
        /* constant steps, so each case shows its policy alone (the default
         * schedule, inverse time, would decay them) */
        !ok(rs_model_set_int(m, RS_PARAM_LR_POLICY, RS_LR_CONSTANT), "set lr_policy", m) ||
        !ok(rs_model_set_progress_callback(m, on_epoch, &w), "set progress callback", m))
        goto out;
    switch (kind) {
    case HEALTHY:
        if (!ok(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), "set learning_rate", m) ||
            !ok(rs_model_set_clip_callback(m, counting_clip_norm, &cc), "set clip callback", m))
            goto out;
        break;
    case VANISHING:
        if (!ok(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 0.02), "set learning_rate", m) ||
            !ok(rs_model_set_int(m, RS_PARAM_INIT, RS_INIT_ZERO), "set init", m))
            goto out;
        break;
    default:
        if (!ok(rs_model_set_double(m, RS_PARAM_LEARNING_RATE, 1.0), "set learning_rate", m) ||
            !ok(rs_model_set_int(m, RS_PARAM_ON_DIVERGENCE, RS_DIVERGENCE_HALVE_LR),
                "set on_divergence", m))
            goto out;
        break;
    }

    printf("\n%s fit:\n  epoch  train RMSE  grad mean   grad max  factor grad  clipped        lr  "
           "verdict\n", names[kind]);
    rs_status st = rs_fit(m, train, NULL);
    if (!ok(st, "rs_fit", m))
        goto out;
    size_t n_epochs = rs_model_num_epoch_stats(m);
    double last[RS_STAT_COUNT_V0_1];
    size_t n = 0;
    if (!ok(rs_model_epoch_stats(m, n_epochs - 1, last, RS_STAT_COUNT_V0_1, &n), "epoch stats", m))
        goto out;
    printf("%s: rs_fit %s, %zu epochs, final train RMSE %.4f, %u diverged epochs, %u epochs with "
           "vanishing factor gradients",
           names[kind], rs_status_string(st), n_epochs, last[RS_STAT_TRAIN_RMSE], w.diverged,
           w.vanishing);
    if (kind == HEALTHY)
        printf(", clip callback: %llu of %llu rows clipped",
               (unsigned long long)atomic_load(&cc.clipped),
               (unsigned long long)atomic_load(&cc.rows));
    printf("\n");
    good = isfinite(last[RS_STAT_TRAIN_RMSE]);
out:
    rs_model_free(m);
    return good;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/sample";
    char path[4096];
    rs_dataset *ds = NULL;
    int code = EXIT_FAILURE;

    if (!ok(rs_dataset_new(&ds, NULL, NULL), "rs_dataset_new", NULL))
        return code;
    snprintf(path, sizeof path, "%s/ratings.tsv", dir);
    rs_status st = rs_dataset_load_file(ds, path, RS_FORMAT_MOVIELENS);
    if (st == RS_ERR_NOT_BUILT) {
        printf("skipped: built without the file conveniences (--disable-stdio)\n");
        code = EXIT_SUCCESS;
        goto out;
    }
    if (st != RS_OK) {
        fprintf(stderr, "progress: %s: %s\n", path, rs_dataset_last_error(ds));
        goto out;
    }
    if (run(ds, HEALTHY) && run(ds, VANISHING) && run(ds, EXPLODING))
        code = EXIT_SUCCESS;
out:
    rs_dataset_free(ds);
    return code;
}
