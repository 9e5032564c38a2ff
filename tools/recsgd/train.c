/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * train.c: `recsgd train`: load ratings (and features), map the options onto
 * RS_PARAM_* through the typed setters, fit with a progress display, then
 * write the statistics CSV and the model file. A failed fit (diverged,
 * interrupted) still writes the statistics; the model file only with
 * --save-on-error (RS_PARAM_KEEP_PARTIAL: the last good epoch). A diverged
 * run exits with 3. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef cli_setting setting;
typedef cli_train_opts train_opts;
#define MAX_SETTINGS CLI_MAX_SETTINGS

static void add_int(train_opts *o, const char *opt, rs_param p, int64_t v)
{
    if (o->n_set < MAX_SETTINGS)
        o->set[o->n_set++] = (setting){opt, p, 0, v, 0};
    else
        o->too_many = 1;
}

static void add_real(train_opts *o, const char *opt, rs_param p, double v)
{
    if (o->n_set < MAX_SETTINGS)
        o->set[o->n_set++] = (setting){opt, p, 1, 0, v};
    else
        o->too_many = 1;
}

/* "name" or "name:X": the choice index and, when present, X. */
static int parse_policy(const char *opt, const char *s, const char *const *names, int *choice,
                        int *has_x, double *x)
{
    char head[32];
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len >= sizeof head)
        len = sizeof head - 1;
    memcpy(head, s, len);
    head[len] = '\0';
    if (cli_parse_choice(opt, head, names, choice) != 0)
        return CLI_USAGE;
    *has_x = colon != NULL;
    if (colon && cli_parse_real(opt, colon + 1, x) != 0)
        return CLI_USAGE;
    return 0;
}

static int parse_init(train_opts *o, const char *opt, const char *s)
{
    static const char *const names[] = {"normal", "uniform", "scaled", "zero", NULL};
    static const int32_t kinds[] = {RS_INIT_NORMAL, RS_INIT_UNIFORM, RS_INIT_SCALED_NORMAL,
                                    RS_INIT_ZERO};
    int k, has_x;
    double x = 0;
    if (parse_policy(opt, s, names, &k, &has_x, &x) != 0)
        return CLI_USAGE;
    if (kinds[k] == RS_INIT_ZERO && has_x)
        return cli_fail(CLI_USAGE, "%s: 'zero' takes no scale (got '%s')", opt, s);
    add_int(o, opt, RS_PARAM_INIT, kinds[k]);
    /* The scaled initialiser's own default s is 1 (its s / sqrt(factors)
     * already keeps dot products small); the model's init_scale default is
     * tuned for the plain normal one. */
    if (kinds[k] == RS_INIT_SCALED_NORMAL && !has_x)
        has_x = 1, x = 1.0;
    if (has_x)
        add_real(o, opt, RS_PARAM_INIT_SCALE, x);
    return 0;
}

static int parse_clip(train_opts *o, const char *opt, const char *s)
{
    static const char *const names[] = {"none", "value", "norm", NULL};
    static const int32_t kinds[] = {RS_CLIP_NONE, RS_CLIP_VALUE, RS_CLIP_NORM};
    int k, has_x;
    double x = 0;
    if (parse_policy(opt, s, names, &k, &has_x, &x) != 0)
        return CLI_USAGE;
    if (kinds[k] == RS_CLIP_NONE && has_x)
        return cli_fail(CLI_USAGE, "%s: 'none' takes no threshold (got '%s')", opt, s);
    if (kinds[k] != RS_CLIP_NONE && !has_x)
        return cli_fail(CLI_USAGE, "%s: '%s' needs a threshold, e.g. '%s:1'", opt, s, s);
    add_int(o, opt, RS_PARAM_CLIP, kinds[k]);
    if (has_x)
        add_real(o, opt, RS_PARAM_CLIP_THRESHOLD, x);
    return 0;
}

/* "--set name=value": any parameter by its library name (rs_param_from_name),
 * so parameters added to the library need no new option. The type is the
 * parameter's own: the setter is picked in configure(). */
static int parse_set(train_opts *o, const char *s)
{
    char name[64];
    const char *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : 0;
    if (!eq || len == 0 || len >= sizeof name)
        return cli_fail(CLI_USAGE, "--set: '%s' is not NAME=VALUE", s);
    memcpy(name, s, len);
    name[len] = '\0';
    rs_param p = rs_param_from_name(name);
    if (p < 0 || p >= 500) /* 500+ are dataset parameters */
        return cli_fail(CLI_USAGE, "--set: '%s' is not a model parameter", name);
    /* A choice by its name ("--set cold_start=error"), as recsgd info prints it. */
    double lo = 0, hi = -1;
    if (p >= 300 && p < 400 && rs_param_bounds(p, &lo, &hi) == RS_OK)
        for (int64_t c = (int64_t)lo; c <= (int64_t)hi; c++) {
            const char *cn = cli_choice_name(p, c);
            if (cn && strcmp(cn, eq + 1) == 0) {
                add_int(o, "--set", p, c);
                return 0;
            }
        }
    double d;
    if (cli_parse_real("--set", eq + 1, &d) != 0)
        return CLI_USAGE;
    /* Whole numbers go to the integer setter first; configure() falls back.
     * (Out of int64 range the conversion would be undefined: such a value
     * goes to the real setter, which reports the range.) */
    if (d > -9.2e18 && d < 9.2e18 && d == (double)(int64_t)d && strpbrk(eq + 1, ".eE") == NULL)
        add_int(o, "--set", p, (int64_t)d);
    else
        add_real(o, "--set", p, d);
    return 0;
}

/* ---- options ---- */

enum {
    O_DATA = 1, O_VALID, O_MODEL, O_STATS, O_UFEAT, O_IFEAT, O_FFMT, O_SCORER, O_FACTORS,
    O_EPOCHS, O_THREADS, O_SEED, O_PATIENCE, O_LR, O_LR_DECAY, O_L2, O_L2_BIAS, O_L2_FEAT,
    O_TOL, O_LR_POLICY, O_ON_DIV, O_INIT, O_CLIP, O_SET, O_QUIET, O_JSON, O_SAVE_ON_ERROR
};

static const cli_opt train_opts_table[] = {
    {O_DATA, "data", 'd', "FILE", "training ratings (required; gzip-compressed files too)", NULL, 0},
    {O_VALID, "valid", 0, "FILE", "validation ratings: early stopping keeps the best epoch", "none", 0},
    {O_MODEL, "model", 'm', "OUT", "write the fitted model to OUT", "not saved", 0},
    {O_STATS, "stats", 0, "FILE", "write per-epoch statistics as CSV (for recsgd plot)", "none", 0},
    CLI_DATA_OPT_ROWS,
    {O_SCORER, "scorer", 0, "collaborative|content|hybrid",
     "the model: biased matrix factorisation on ids, features only, or both", "collaborative", 0},
    {O_UFEAT, "user-features", 0, "FILE", "user features (content and hybrid scorers)", "none", 0},
    {O_IFEAT, "item-features", 0, "FILE", "item features (content and hybrid scorers)", "none", 0},
    {O_FFMT, "features-format", 0, "sparse|movielens",
     "feature files: `id name:value ...` lines, or MovieLens u.user / u.item", "sparse", 0},
    {O_FACTORS, "factors", 0, "N", "latent dimensions", NULL, RS_PARAM_FACTORS},
    {O_EPOCHS, "epochs", 0, "N", "maximum epochs", NULL, RS_PARAM_EPOCHS},
    {O_LR, "lr", 0, "X", "initial learning rate", NULL, RS_PARAM_LEARNING_RATE},
    {O_LR_POLICY, "lr-policy", 0, "auto|constant|inverse_time|adagrad|adam", "learning-rate policy",
     NULL, RS_PARAM_LR_POLICY},
    {O_LR_DECAY, "lr-decay", 0, "X", "decay of inverse_time: lr / (1 + X * epoch)", NULL,
     RS_PARAM_LR_DECAY},
    {O_L2, "l2", 0, "X", "L2 penalty on the factors", NULL, RS_PARAM_L2_FACTORS},
    {O_L2_BIAS, "l2-bias", 0, "X", "L2 penalty on the biases", NULL, RS_PARAM_L2_BIAS},
    {O_L2_FEAT, "l2-features", 0, "X", "L2 penalty on feature weights", NULL, RS_PARAM_L2_FEATURES},
    {O_CLIP, "clip", 0, "none|value:C|norm:C",
     "gradient clipping: per element to [-C, C], or per row to norm C", NULL, RS_PARAM_CLIP},
    {O_INIT, "init", 0, "normal[:S]|uniform[:A]|scaled[:S]|zero",
     "initialisation of the factors (S, A: scale; scaled defaults to 1)", NULL, RS_PARAM_INIT},
    {O_ON_DIV, "on-divergence", 0, "stop|halve",
     "what a diverged epoch does: stop, or roll back and halve the learning rate", NULL,
     RS_PARAM_ON_DIVERGENCE},
    {O_THREADS, "threads", 0, "N", "training threads", NULL, RS_PARAM_THREADS},
    {O_SEED, "seed", 0, "N", "random seed (same seed, same model)", NULL, RS_PARAM_SEED},
    {O_TOL, "tolerance", 0, "X", "stop when the training loss improves by less than this share",
     NULL, RS_PARAM_TOLERANCE},
    {O_PATIENCE, "patience", 0, "N", "epochs without validation gain before stopping", NULL,
     RS_PARAM_PATIENCE},
    {O_SET, "set", 0, "NAME=VALUE", "any model parameter by its library name (repeatable; see below)",
     NULL, 0},
    {O_QUIET, "quiet", 'q', NULL, "no progress display and no summary", NULL, 0},
    {O_JSON, "json", 0, NULL, "print the summary as one JSON object", NULL, 0},
    {O_SAVE_ON_ERROR, "save-on-error", 0, NULL,
     "save the last good epoch (--model) even when the fit fails", "a failed fit saves nothing", 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

enum { N_TRAIN_OPTS = sizeof train_opts_table / sizeof train_opts_table[0] - 1 };

/* train's rows followed by extra's (NULL: none), one table (malloc'd). */
static cli_opt *with_extra(const cli_opt *extra)
{
    size_t n_extra = 0;
    while (extra && extra[n_extra].id)
        n_extra++;
    cli_opt *all = malloc((N_TRAIN_OPTS + n_extra + 1) * sizeof *all);
    if (!all)
        return NULL;
    memcpy(all, train_opts_table, N_TRAIN_OPTS * sizeof *all);
    if (n_extra)
        memcpy(all + N_TRAIN_OPTS, extra, n_extra * sizeof *all);
    all[N_TRAIN_OPTS + n_extra] = train_opts_table[N_TRAIN_OPTS];
    return all;
}

void cli_train_help_with(FILE *f, const char *synopsis, const char *about, const cli_opt *extra)
{
    cli_opt *all = with_extra(extra);
    cli_help(f, synopsis, about, all ? all : train_opts_table);
    free(all);
    cli_help_params(f);
}

void cli_train_help(FILE *f)
{
    cli_train_help_with(f, "recsgd train --data FILE [OPTIONS]",
                        "Fit a model on a ratings file and save it. The progress display shows "
                        "one line per epoch; Ctrl-C stops after the current epoch (the last "
                        "complete one is kept).",
                        NULL);
}

typedef struct train_parse {
    train_opts *o;
    cli_data_opts *data;
    int features_movielens;
    const cli_train_extra *extra;
} train_parse;

/* "--name" of one of train's rows, kept for the messages configure() prints
 * later (the row may sit in a copy of the table: found by its id). */
static const char *dashed(const cli_opt *opt)
{
    static char names[N_TRAIN_OPTS][40];
    size_t k = 0;
    while (k + 1 < N_TRAIN_OPTS && train_opts_table[k].id != opt->id)
        k++;
    if (!names[k][0])
        snprintf(names[k], sizeof names[k], "--%s", train_opts_table[k].name);
    return names[k];
}

static int train_option(void *ud, const cli_opt *opt, const char *v)
{
    static const char *const scorers[] = {"collaborative", "content", "hybrid", NULL};
    static const char *const lr_policies[] = {"constant", "inverse_time", "adagrad", "adam", "auto", NULL};
    static const char *const on_div[] = {"stop", "halve", NULL};
    static const char *const ffmt[] = {"sparse", "movielens", NULL};
    train_parse *tp = ud;
    train_opts *o = tp->o;
    if (opt->id >= CLI_OPT_EXTRA)
        return tp->extra->fn(tp->extra->ud, opt, v);
    const char *name = dashed(opt);
    int rc = 0, k;
    if (cli_data_option(tp->data, opt, v, &rc))
        return rc;
    /* Plain numbers bound to a parameter: integers or reals by its id range. */
    if (opt->param && opt->param < 300) {
        if (opt->param >= 200) {
            double d;
            if ((rc = cli_parse_real(name, v, &d)) == 0)
                add_real(o, name, opt->param, d);
            return rc;
        }
        int64_t iv;
        int64_t lo = opt->param == RS_PARAM_SEED ? 0 : 1;
        if ((rc = cli_parse_int(name, v, lo, &iv)) == 0) {
            add_int(o, name, opt->param, iv);
            if (opt->param == RS_PARAM_EPOCHS)
                o->epochs = iv;
        }
        return rc;
    }
    switch (opt->id) {
    case O_DATA: o->data = v; break;
    case O_VALID: o->valid = v; break;
    case O_MODEL: o->model = v; break;
    case O_STATS: o->stats = v; break;
    case O_UFEAT: o->user_features = v; break;
    case O_IFEAT: o->item_features = v; break;
    case O_FFMT:
        if ((rc = cli_parse_choice(name, v, ffmt, &k)) == 0)
            tp->features_movielens = k == 1;
        break;
    case O_SCORER:
        if ((rc = cli_parse_choice(name, v, scorers, &k)) == 0)
            o->scorer = k + 1;
        break;
    case O_LR_POLICY:
        if ((rc = cli_parse_choice(name, v, lr_policies, &k)) == 0)
            add_int(o, name, RS_PARAM_LR_POLICY, k);
        break;
    case O_ON_DIV:
        if ((rc = cli_parse_choice(name, v, on_div, &k)) == 0)
            add_int(o, name, RS_PARAM_ON_DIVERGENCE, k ? RS_DIVERGENCE_HALVE_LR : RS_DIVERGENCE_STOP);
        break;
    case O_INIT: rc = parse_init(o, name, v); break;
    case O_CLIP: rc = parse_clip(o, name, v); break;
    case O_SET: rc = parse_set(o, v); break;
    case O_QUIET: o->quiet = 1; break;
    case O_JSON: o->json = 1; break;
    case O_SAVE_ON_ERROR:
        o->save_on_error = 1;
        add_int(o, name, RS_PARAM_KEEP_PARTIAL, 1);
        break;
    default: break;
    }
    return rc;
}

int cli_train_parse(int argc, char **argv, train_opts *o, const cli_train_extra *extra)
{
    static const char *const scorers[] = {"collaborative", "content", "hybrid", NULL};
    memset(o, 0, sizeof *o);
    o->scorer = RS_SCORER_COLLABORATIVE;
    cli_data_opts d = CLI_DATA_OPTS_INIT;
    train_parse tp = {o, &d, 0, extra};
    cli_opt *all = extra ? with_extra(extra->opts) : NULL;
    if (extra && !all)
        return cli_fail(CLI_ERR, "out of memory");
    int rc = cli_parse_options(argc, argv, all ? all : train_opts_table, train_option, &tp);
    free(all);
    if (rc)
        return rc;
    o->data_opts = d;
    if (!o->data)
        return cli_fail(CLI_USAGE, "train: --data FILE is required");
    if (o->too_many)
        return cli_fail(CLI_USAGE, "train: too many parameter options (at most %d)", MAX_SETTINGS);
    if ((o->user_features || o->item_features) && o->scorer == RS_SCORER_COLLABORATIVE)
        return cli_fail(CLI_USAGE, "train: feature files need --scorer content or hybrid");
    if (o->scorer != RS_SCORER_COLLABORATIVE && !o->user_features && !o->item_features)
        return cli_fail(CLI_USAGE, "train: --scorer %s needs --user-features and/or --item-features",
                        scorers[o->scorer - 1]);
    /* -1: the MovieLens u.user / u.item layout, chosen per side when loading. */
    o->features_format = tp.features_movielens ? -1 : RS_FEATURES_SPARSE;
    return 0;
}

int cli_check_writable(const char *opt, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!*path)
        return cli_fail(CLI_USAGE, "%s: empty file name", opt);
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else {
        size_t len = (size_t)(slash - path);
        if (len >= sizeof dir)
            len = sizeof dir - 1;
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    if (access(dir, W_OK) != 0)
        return cli_fail(CLI_FILE, "%s: cannot write '%s': %s", opt, path, strerror(errno));
    return 0;
}

int cli_train_load_features(const train_opts *o, rs_dataset *train)
{
    int rc;
    if (o->user_features) {
        int32_t f = o->features_format < 0 ? RS_FEATURES_MOVIELENS_USER : RS_FEATURES_SPARSE;
        if ((rc = cli_load_features(train, RS_SIDE_USER, o->user_features, f)) != 0)
            return rc;
    }
    if (o->item_features) {
        int32_t f = o->features_format < 0 ? RS_FEATURES_MOVIELENS_ITEM : RS_FEATURES_SPARSE;
        if ((rc = cli_load_features(train, RS_SIDE_ITEM, o->item_features, f)) != 0)
            return rc;
    }
    return 0;
}

static int load_inputs(const train_opts *o, rs_dataset **train, rs_dataset **valid)
{
    int rc = cli_load_ratings_with(train, o->data, &o->data_opts);
    if (rc || (rc = cli_train_load_features(o, *train)) != 0)
        return rc;
    if (o->valid && (rc = cli_load_ratings_with(valid, o->valid, &o->data_opts)) != 0)
        return rc;
    return 0;
}

static int configure(rs_model *m, const train_opts *o)
{
    for (int k = 0; k < o->n_set; k++) {
        const setting *s = &o->set[k];
        rs_status st = s->is_real ? rs_model_set_double(m, s->param, s->d)
                                  : rs_model_set_int(m, s->param, s->i);
        if (st == RS_ERR_PARAM_TYPE && !s->is_real) /* "--set lr=1" */
            st = rs_model_set_double(m, s->param, (double)s->i);
        if (st == RS_ERR_PARAM_TYPE && s->is_real)
            return cli_fail(CLI_USAGE, "%s: %s takes an integer, not %g", s->opt,
                            rs_param_name(s->param), s->d);
        if (st == RS_ERR_NOT_BUILT)
            return cli_fail(CLI_USAGE, "%s: not available in this build: %s", s->opt,
                            rs_model_last_error(m));
        if (st != RS_OK)
            return cli_fail(CLI_USAGE, "%s: %s", s->opt, rs_model_last_error(m));
    }
    return 0;
}

int cli_train_new_model(rs_model **m, const train_opts *o)
{
    *m = NULL;
    rs_status st = rs_model_new(m, o->scorer, NULL, NULL);
    if (st != RS_OK)
        return cli_fail(st == RS_ERR_NOT_BUILT ? CLI_USAGE : CLI_ERR, "--scorer %s: %s",
                        cli_scorer_name(o->scorer), rs_status_string(st));
    return configure(*m, o);
}

void cli_train_progress_init(cli_progress *p, const rs_model *m, const train_opts *o)
{
    int64_t epochs = o->epochs;
    if (!epochs)
        rs_model_get_int(m, RS_PARAM_EPOCHS, &epochs);
    cli_progress_init(p, stderr, o->quiet, epochs);
}

typedef struct fit_summary {
    double last[RS_STAT_COUNT_V0_1]; /* the last epoch's stats (NaN if absent) */
    size_t epochs, diverged;
    double best_valid; /* lowest validation RMSE of a kept epoch; the model holds that epoch */
    long best_epoch;
    double baseline_rmse; /* RS_STAT_BASELINE_RMSE (NaN from a 0.1 library) */
    int worse_than_baseline;
} fit_summary;

static void summarize(const rs_model *m, fit_summary *f)
{
    for (size_t k = 0; k < RS_STAT_COUNT_V0_1; k++)
        f->last[k] = NAN;
    f->diverged = 0;
    f->best_valid = NAN;
    f->best_epoch = 0;
    f->baseline_rmse = NAN;
    f->worse_than_baseline = 0;
    f->epochs = rs_model_num_epoch_stats(m);
    double tmp[32];
    size_t got;
    for (size_t e = 0; e < f->epochs; e++) {
        if (rs_model_epoch_stats(m, e, tmp, 32, &got) != RS_OK || got <= RS_STAT_DIVERGED)
            continue;
        if (tmp[RS_STAT_DIVERGED] == 1.0) {
            f->diverged++;
            continue;
        }
        if (tmp[RS_STAT_VALID_RMSE] < f->best_valid || isnan(f->best_valid)) {
            f->best_valid = tmp[RS_STAT_VALID_RMSE];
            f->best_epoch = (long)tmp[RS_STAT_EPOCH];
        }
    }
    if (f->epochs && rs_model_epoch_stats(m, f->epochs - 1, tmp, 32, &got) == RS_OK) {
        memcpy(f->last, tmp, (got < RS_STAT_COUNT_V0_1 ? got : RS_STAT_COUNT_V0_1) * sizeof tmp[0]);
        if (got > RS_STAT_WORSE_THAN_BASELINE) {
            f->baseline_rmse = tmp[RS_STAT_BASELINE_RMSE];
            f->worse_than_baseline = tmp[RS_STAT_WORSE_THAN_BASELINE] == 1.0;
        }
    }
}

void cli_train_report(const train_opts *o, const rs_model *m, size_t n_ratings, rs_status st,
                      int saved)
{
    fit_summary f;
    summarize(m, &f);
    const double *s = f.last;
    const char *outcome = st == RS_OK ? "ok" : st == RS_ERR_NUMERIC ? "diverged"
                                             : st == RS_ERR_CANCELLED ? "interrupted" : "error";
    if (o->json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "train");
        cli_json_str(&j, "status", outcome);
        cli_json_str(&j, "scorer", cli_scorer_name(o->scorer));
        cli_json_int(&j, "ratings", (int64_t)n_ratings);
        cli_json_int(&j, "users", (int64_t)rs_model_num_users(m));
        cli_json_int(&j, "items", (int64_t)rs_model_num_items(m));
        cli_json_int(&j, "epochs", (int64_t)f.epochs);
        cli_json_int(&j, "diverged_epochs", (int64_t)f.diverged);
        cli_json_num(&j, "train_rmse", s[RS_STAT_TRAIN_RMSE]);
        cli_json_num(&j, "valid_rmse", s[RS_STAT_VALID_RMSE]);
        cli_json_num(&j, "best_valid_rmse", f.best_valid);
        if (f.best_epoch)
            cli_json_int(&j, "best_epoch", f.best_epoch);
        else
            cli_json_str(&j, "best_epoch", NULL);
        cli_json_num(&j, "baseline_rmse", f.baseline_rmse);
        cli_json_bool(&j, "worse_than_baseline", f.worse_than_baseline);
        cli_json_num(&j, "learning_rate", s[RS_STAT_LEARNING_RATE]);
        cli_json_num(&j, "seconds", s[RS_STAT_SECONDS]);
        cli_json_str(&j, "model", saved ? o->model : NULL);
        cli_json_str(&j, "stats", o->stats);
        cli_json_end(&j);
        return;
    }
    if (o->quiet)
        return;
    printf("%s: %s model, %zu users, %zu items, %zu ratings; %zu epochs", outcome,
           cli_scorer_name(o->scorer), rs_model_num_users(m), rs_model_num_items(m),
           n_ratings, f.epochs);
    if (f.diverged)
        printf(" (%zu diverged)", f.diverged);
    printf(", train RMSE %.4f", s[RS_STAT_TRAIN_RMSE]);
    if (!isnan(f.best_valid))
        printf(", best valid RMSE %.4f (epoch %ld, kept)", f.best_valid, f.best_epoch);
    printf(", %.2f s\n", s[RS_STAT_SECONDS]);
    if (saved)
        printf("model saved to %s\n", o->model);
    fflush(stdout);
}


/* The library's log lines during rs_fit (warnings such as a halved learning
 * rate, notes such as the cold-start refit's epoch count). They are kept and
 * printed after the progress display is finished, so a terminal progress
 * bar is not broken up. */
void cli_train_log_fn(void *ud, int32_t level, const char *message)
{
    cli_train_log *lg = ud;
    if (level > RS_LOG_INFO)
        return;
    if (lg->n == 8) {
        lg->dropped++;
        return;
    }
    snprintf(lg->line[lg->n++], sizeof lg->line[0], "%s: %s: %s", cli_program,
             level == RS_LOG_ERROR ? "error" : level == RS_LOG_WARN ? "warning" : "note", message);
}

void cli_train_log_print(const cli_train_log *lg, int quiet)
{
    if (quiet)
        return;
    for (int k = 0; k < lg->n; k++)
        fprintf(stderr, "%s\n", lg->line[k]);
    if (lg->dropped)
        fprintf(stderr, "%s: note: %d more library messages not shown\n", cli_program,
                lg->dropped);
}

int cli_train_outcome(const rs_model *m, const train_opts *o, rs_status st, int fitted, int *save)
{
    /* A failed fit saves no model unless --save-on-error: then the library
     * kept the last good epoch (keep_partial for a divergence; a Ctrl-C stop
     * keeps the last complete epoch anyway). */
    *save = o->model && fitted && (st == RS_OK || o->save_on_error);
    const char *kept = st == RS_OK || !o->model ? ""
                       : *save ? " (the last good epoch is saved)"
                       : !o->save_on_error ? " (no model saved; --save-on-error saves the last good epoch)"
                       : " (no good epoch: no model saved)";
    if (st == RS_ERR_NUMERIC)
        return cli_fail(CLI_DIVERGED, "training diverged: %s%s", rs_model_last_error(m), kept);
    if (st == RS_ERR_CANCELLED)
        return cli_fail(CLI_ERR, "training interrupted: %s%s", rs_model_last_error(m), kept);
    if (st != RS_OK)
        return cli_fail(cli_status_code(st) == CLI_FILE ? CLI_FILE : CLI_ERR, "training failed: %s",
                        rs_model_last_error(m));
    return 0;
}

int cli_train(int argc, char **argv)
{
    train_opts o;
    int rc = cli_train_parse(argc, argv, &o, NULL);
    if (rc)
        return rc;
    if (o.model && (rc = cli_check_writable("--model", o.model)) != 0)
        return rc;
    if (o.stats && (rc = cli_check_writable("--stats", o.stats)) != 0)
        return rc;
    rs_dataset *train = NULL, *valid = NULL;
    rs_model *m = NULL;
    /* Parameters first: a bad value is reported before a long load. */
    if ((rc = cli_train_new_model(&m, &o)) != 0 || (rc = load_inputs(&o, &train, &valid)) != 0)
        goto out;
    cli_progress prog;
    cli_train_progress_init(&prog, m, &o);
    rs_model_set_progress_callback(m, cli_progress_epoch, &prog);
    cli_train_log lg = {.n = 0};
    rs_model_set_log_callback(m, cli_train_log_fn, &lg);
    cli_progress_catch_interrupt();
    /* The file's ratings are needed for nothing else: the fit trains on
     * them in place instead of on a copy (half the peak memory). */
    size_t n_train = rs_dataset_num_ratings(train);
    rs_status st = rs_fit_consume(m, train, valid);
    cli_progress_finish(&prog);
    cli_train_log_print(&lg, o.quiet);
    int save;
    rc = cli_train_outcome(m, &o, st, rs_model_num_users(m) > 0, &save);
    if (o.stats) {
        int src = cli_stats_write(m, o.stats);
        if (!rc)
            rc = src;
    }
    int saved = 0;
    if (save) {
        int src = cli_save_model(m, o.model);
        saved = src == 0;
        if (!rc)
            rc = src;
    }
    if (st == RS_OK || st == RS_ERR_NUMERIC || st == RS_ERR_CANCELLED)
        cli_train_report(&o, m, n_train, st, saved);
out:
    rs_model_free(m);
    rs_dataset_free(train);
    rs_dataset_free(valid);
    return rc;
}

int cli_train_check_args(int argc, char **argv)
{
    train_opts o;
    int rc = cli_train_parse(argc, argv, &o, NULL);
    if (rc)
        return rc;
    rs_model *m = NULL;
    rc = cli_train_new_model(&m, &o);
    rs_model_free(m);
    return rc;
}
