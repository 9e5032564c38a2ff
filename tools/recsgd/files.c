/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * files.c: loading rating and feature files and model files, with the
 * library's own message (it names the file and line) as the diagnostic. */
#include <string.h>

#include "cli.h"

static const char *const format_names[] = {"auto", "movielens", "csv", "libmf", NULL};

int cli_parse_format(const char *opt, const char *s, int32_t *out)
{
    int k;
    if (cli_parse_choice(opt, s, format_names, &k) != 0)
        return CLI_USAGE;
    static const int32_t formats[] = {CLI_FORMAT_AUTO, RS_FORMAT_MOVIELENS, RS_FORMAT_CSV,
                                      RS_FORMAT_LIBMF};
    *out = formats[k];
    return 0;
}

static int32_t resolve_format(const char *path, int32_t format)
{
    if (format != CLI_FORMAT_AUTO)
        return format;
    size_t n = strlen(path);
    if (n >= 4 && (strcmp(path + n - 4, ".csv") == 0 || strcmp(path + n - 4, ".CSV") == 0))
        return RS_FORMAT_CSV;
    return RS_FORMAT_MOVIELENS;
}

/* Prints the library message, prefixed with the path unless it already names it. */
static int report(rs_status st, const char *path, const char *msg)
{
    if (!msg || !*msg)
        msg = rs_status_string(st);
    if (strstr(msg, path))
        return cli_fail(cli_status_code(st), "%s", msg);
    return cli_fail(cli_status_code(st), "%s: %s", path, msg);
}

int cli_load_ratings(rs_dataset **out, const char *path, int32_t format)
{
    *out = NULL;
    rs_dataset *ds;
    rs_status st = rs_dataset_new(&ds, NULL, NULL);
    if (st != RS_OK)
        return cli_fail(CLI_ERR, "cannot create a dataset: %s", rs_status_string(st));
    st = rs_dataset_load_file(ds, path, resolve_format(path, format));
    if (st != RS_OK) {
        int code = report(st, path, rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return code;
    }
    *out = ds;
    return CLI_OK;
}

int cli_load_features(rs_dataset *ds, int32_t side, const char *path, int32_t format)
{
    rs_status st = rs_dataset_load_features_file(ds, side, path, format);
    return st == RS_OK ? CLI_OK : report(st, path, rs_dataset_last_error(ds));
}

int cli_load_model(rs_model **out, const char *path)
{
    char msg[512];
    rs_status st = rs_model_load_file(out, path, NULL, NULL, msg, sizeof msg);
    return st == RS_OK ? CLI_OK : report(st, path, msg);
}

int cli_save_model(const rs_model *m, const char *path)
{
    char msg[512];
    rs_status st = rs_model_save_file(m, path, msg, sizeof msg);
    if (st == RS_OK)
        return CLI_OK;
    /* Saving can only fail on the file (or memory); it is never a divergence. */
    int code = report(st, path, msg);
    return code == CLI_DIVERGED ? CLI_ERR : code;
}

const char *cli_scorer_name(int64_t scorer)
{
    switch (scorer) {
    case RS_SCORER_COLLABORATIVE: return "collaborative";
    case RS_SCORER_CONTENT: return "content";
    case RS_SCORER_HYBRID: return "hybrid";
    default: return "unknown";
    }
}

const char *cli_choice_name(rs_param p, int64_t v)
{
    static const char *const lr[] = {"constant", "inverse_time", "adagrad", "adam", "auto"};
    static const char *const init[] = {"normal", "uniform", "scaled", "zero", "custom"};
    static const char *const clip[] = {"none", "value", "norm", "custom"};
    static const char *const div[] = {"stop", "halve"};
    static const char *const cold[] = {"fallback", "error"};
    switch (p) {
    case RS_PARAM_LR_POLICY: return v >= 0 && v < 5 ? lr[v] : NULL;
    case RS_PARAM_INIT: return v >= 0 && v < 5 ? init[v] : NULL;
    case RS_PARAM_CLIP: return v >= 0 && v < 4 ? clip[v] : NULL;
    case RS_PARAM_ON_DIVERGENCE: return v >= 0 && v < 2 ? div[v] : NULL;
    case RS_PARAM_COLD_START: return v >= 0 && v < 2 ? cold[v] : NULL;
    case RS_PARAM_SCORER: return cli_scorer_name(v);
    default: return NULL;
    }
}
