/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * files.c: loading rating and feature files and model files, with the
 * library's own message (it names the file and line) as the diagnostic. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *const format_names[] = {"auto", "movielens", "csv", "tsv", "libmf", NULL};

int cli_parse_format(const char *opt, const char *s, int32_t *out)
{
    int k;
    if (cli_parse_choice(opt, s, format_names, &k) != 0)
        return CLI_USAGE;
    static const int32_t formats[] = {CLI_FORMAT_AUTO, RS_FORMAT_MOVIELENS, RS_FORMAT_CSV,
                                      RS_FORMAT_TSV, RS_FORMAT_LIBMF};
    *out = formats[k];
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    if (n < t)
        return 0;
    for (size_t k = 0; k < t; k++) {
        char c = s[n - t + k];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != tail[k])
            return 0;
    }
    return 1;
}

int32_t cli_resolve_format(const char *path, int32_t format)
{
    if (format != CLI_FORMAT_AUTO)
        return format;
    if (ends_with(path, ".csv") || ends_with(path, ".csv.gz"))
        return RS_FORMAT_CSV;
    if (ends_with(path, ".tsv") || ends_with(path, ".tsv.gz"))
        return RS_FORMAT_TSV;
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

/* The kind of ids of the model cli_load_model loaded last: data files that
 * are scored against it are read the same way (-1: no model yet). */
static int model_string_ids = -1;

int cli_data_option(cli_data_opts *d, const cli_opt *o, const char *value, int *rc)
{
    static const char *const headers[] = {"auto", "yes", "no", NULL};
    static const char *const ids[] = {"int", "string", NULL};
    static const struct {
        const char *name;
        char c;
    } named[] = {{"tab", '\t'}, {"space", ' '}, {"comma", ','}, {"semicolon", ';'},
                 {"pipe", '|'},  {"\\t", '\t'}};
    char opt[32];
    snprintf(opt, sizeof opt, "--%s", o->name);
    int k;
    *rc = 0;
    switch (o->id) {
    case CLI_OPT_FORMAT: *rc = cli_parse_format(opt, value, &d->format); return 1;
    case CLI_OPT_HEADER:
        if ((*rc = cli_parse_choice(opt, value, headers, &k)) == 0)
            d->header = k == 0 ? -1 : k == 1 ? 1 : 0;
        return 1;
    case CLI_OPT_IDS:
        if ((*rc = cli_parse_choice(opt, value, ids, &k)) == 0)
            d->string_ids = k;
        return 1;
    case CLI_OPT_DELIMITER:
        for (size_t j = 0; j < sizeof named / sizeof named[0]; j++)
            if (strcmp(value, named[j].name) == 0) {
                d->delimiter = (unsigned char)named[j].c;
                return 1;
            }
        if (strlen(value) != 1 || value[0] == '"' || value[0] == '\n' || value[0] == '\r')
            *rc = cli_fail(CLI_USAGE,
                           "%s: '%s' is not one character (or tab, space, comma, semicolon, "
                           "pipe); '\"' and line ends cannot separate fields",
                           opt, value);
        else
            d->delimiter = (unsigned char)value[0];
        return 1;
    case CLI_OPT_USER_COL:
    case CLI_OPT_ITEM_COL:
    case CLI_OPT_RATING_COL:
    case CLI_OPT_TIME_COL:
        *rc = cli_parse_int(opt, value, 0, &d->col[o->id - CLI_OPT_USER_COL]);
        return 1;
    default: return 0;
    }
}

int cli_dataset_new_with(rs_dataset **out, const cli_data_opts *d)
{
    *out = NULL;
    rs_dataset *ds;
    rs_status st = rs_dataset_new(&ds, NULL, NULL);
    if (st != RS_OK)
        return cli_fail(CLI_ERR, "cannot create a dataset: %s", rs_status_string(st));
    int strings = d->string_ids >= 0 ? d->string_ids : model_string_ids > 0;
    if (strings)
        rs_dataset_set_int(ds, RS_PARAM_STRING_IDS, 1);
    if (d->header >= 0)
        rs_dataset_set_int(ds, RS_PARAM_HAS_HEADER, d->header);
    if (d->delimiter >= 0 && rs_dataset_set_int(ds, RS_PARAM_CSV_DELIMITER, d->delimiter) != RS_OK) {
        int code = cli_fail(CLI_USAGE, "--delimiter: %s", rs_dataset_last_error(ds));
        rs_dataset_free(ds);
        return code;
    }
    static const rs_param cols[4] = {RS_PARAM_CSV_USER_COL, RS_PARAM_CSV_ITEM_COL,
                                     RS_PARAM_CSV_RATING_COL, RS_PARAM_CSV_TIME_COL};
    for (int c = 0; c < 4; c++)
        if (d->col[c] >= 0 && rs_dataset_set_int(ds, cols[c], d->col[c]) != RS_OK) {
            int code = cli_fail(CLI_USAGE, "%s", rs_dataset_last_error(ds));
            rs_dataset_free(ds);
            return code;
        }
    *out = ds;
    return CLI_OK;
}

void cli_loader_message(char *msg, size_t cap, const char *lib_msg)
{
    /* The library names its parameter; the tool user needs the option. */
    snprintf(msg, cap, "%s", lib_msg);
    static const char lib_hint[] = "(set RS_PARAM_STRING_IDS for string ids)";
    char *h = strstr(msg, lib_hint);
    if (h)
        snprintf(h, cap - (size_t)(h - msg), "(use --ids string for other ids)");
    /* "or set csv_user_col)" -> "or use --user-col N)", and so on. */
    static const char *const words[4] = {"user", "item", "rating", "time"};
    for (int c = 0; c < 4; c++) {
        char from[40], to[40];
        snprintf(from, sizeof from, "set csv_%s_col", words[c]);
        snprintf(to, sizeof to, "use --%s-col N", words[c]);
        if ((h = strstr(msg, from)) != NULL) {
            char tail[600];
            snprintf(tail, sizeof tail, "%s", h + strlen(from));
            snprintf(h, cap - (size_t)(h - msg), "%s%s", to, tail);
        }
    }
}

int cli_load_ratings_with(rs_dataset **out, const char *path, const cli_data_opts *d)
{
    rs_dataset *ds;
    int code = cli_dataset_new_with(&ds, d);
    if (code)
        return code;
    rs_status st = rs_dataset_load_file(ds, path, cli_resolve_format(path, d->format));
    if (st != RS_OK) {
        char msg[600];
        cli_loader_message(msg, sizeof msg, rs_dataset_last_error(ds));
        code = report(st, path, msg);
        rs_dataset_free(ds);
        return code;
    }
    *out = ds;
    return CLI_OK;
}

int cli_load_ratings(rs_dataset **out, const char *path, int32_t format)
{
    cli_data_opts d = CLI_DATA_OPTS_INIT;
    d.format = format;
    return cli_load_ratings_with(out, path, &d);
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
    if (st != RS_OK)
        return report(st, path, msg);
    model_string_ids = rs_model_has_string_ids(*out);
    return CLI_OK;
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
