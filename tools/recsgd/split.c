/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * split.c: `recsgd split`: divide a ratings file into a training and a test
 * file with the library's splits: at random (rs_dataset_split_random), a
 * few ratings of every user (rs_dataset_split_holdout), or by time
 * (rs_dataset_split_by_time: a global cut-off, or every user's latest n).
 * Both files are written with a header line, `user item rating` and the
 * timestamp when the data has one, comma-separated for *.csv and
 * tab-separated otherwise, fields quoted where needed, so recsgd and the
 * library read them back as they were (ratings with 9 significant digits:
 * the same floats). */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum {
    O_DATA = 1, O_TRAIN, O_TEST, O_METHOD, O_FRACTION, O_HOLDOUT, O_CUTOFF, O_LAST, O_SEED,
    O_QUIET, O_JSON
};

static const cli_opt split_table[] = {
    {O_DATA, "data", 'd', "FILE", "the ratings to split (required)", NULL, 0},
    {O_TRAIN, "train", 0, "OUT", "where the training part goes (required; *.csv: commas, else tabs)",
     NULL, 0},
    {O_TEST, "test", 0, "OUT", "where the test part goes (required)", NULL, 0},
    CLI_DATA_OPT_ROWS,
    {O_METHOD, "method", 0, "random|user|time",
     "random ratings; N ratings of every user; or the latest ratings by timestamp", "random", 0},
    {O_FRACTION, "test-fraction", 0, "F", "random: share of ratings in the test part",
     "0.2, range 0 to 1", 0},
    {O_HOLDOUT, "holdout", 0, "N", "user: ratings held out per user (users with N or fewer keep all)",
     "1", 0},
    {O_CUTOFF, "cutoff", 0, "T",
     "time: ratings at or after T are the test part (Unix seconds, or an ISO 8601 date such as "
     "2024-01-31 or 2024-01-31T12:00:00Z)",
     "none", 0},
    {O_LAST, "last", 0, "N", "time: every user's N latest ratings are the test part (instead of --cutoff)",
     "none", 0},
    {O_SEED, "seed", 0, "N", "random seed of the random and user methods", "42", 0},
    {O_QUIET, "quiet", 'q', NULL, "no summary", NULL, 0},
    {O_JSON, "json", 0, NULL, "print the summary as one JSON object", NULL, 0},
    {0, NULL, 0, NULL, NULL, NULL, 0}};

void cli_split_help(FILE *f)
{
    cli_help(f, "recsgd split --data FILE --train OUT --test OUT [OPTIONS]",
             "Split a ratings file into training and test files. Both keep every id of the "
             "input in the same order of first appearance, and the timestamps.",
             split_table);
}

typedef struct split_opts {
    const char *data, *train, *test;
    cli_data_opts d;
    int method; /* 0 random, 1 user, 2 time */
    double fraction;
    int64_t holdout, last, seed;
    int64_t cutoff;
    int has_cutoff, has_last, quiet, json;
} split_opts;

/* Unix seconds from an integer or an ISO 8601 date / date-time in UTC. */
static int parse_time(const char *opt, const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && *end == '\0' && errno == 0) {
        *out = v;
        return 0;
    }
    static const char *const forms[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
                                        "%Y-%m-%d %H:%M:%S",  "%Y-%m-%dT%H:%MZ",
                                        "%Y-%m-%dT%H:%M",     "%Y-%m-%d"};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *e = strptime(s, forms[k], &tm);
        if (e && *e == '\0') {
            *out = (int64_t)timegm(&tm);
            return 0;
        }
    }
    return cli_fail(CLI_USAGE, "%s: '%s' is not Unix seconds or an ISO 8601 date (2024-01-31, "
                               "2024-01-31T12:00:00Z)",
                    opt, s);
}

static int split_option(void *ud, const cli_opt *o, const char *v)
{
    static const char *const methods[] = {"random", "user", "time", NULL};
    split_opts *so = ud;
    int rc = 0;
    if (cli_data_option(&so->d, o, v, &rc))
        return rc;
    switch (o->id) {
    case O_DATA: so->data = v; break;
    case O_TRAIN: so->train = v; break;
    case O_TEST: so->test = v; break;
    case O_METHOD: return cli_parse_choice("--method", v, methods, &so->method);
    case O_FRACTION:
        if ((rc = cli_parse_real("--test-fraction", v, &so->fraction)) == 0 &&
            !(so->fraction >= 0 && so->fraction <= 1))
            rc = cli_fail(CLI_USAGE, "--test-fraction: '%s' is not in [0, 1]", v);
        return rc;
    case O_HOLDOUT: return cli_parse_int("--holdout", v, 0, &so->holdout);
    case O_CUTOFF:
        so->has_cutoff = 1;
        return parse_time("--cutoff", v, &so->cutoff);
    case O_LAST:
        so->has_last = 1;
        return cli_parse_int("--last", v, 0, &so->last);
    case O_SEED: return cli_parse_int("--seed", v, 0, &so->seed);
    case O_QUIET: so->quiet = 1; break;
    case O_JSON: so->json = 1; break;
    default: break;
    }
    return 0;
}

static int parse_args(int argc, char **argv, split_opts *o)
{
    memset(o, 0, sizeof *o);
    cli_data_opts d = CLI_DATA_OPTS_INIT;
    o->d = d;
    o->fraction = 0.2;
    o->holdout = 1;
    o->seed = 42;
    int rc = cli_parse_options(argc, argv, split_table, split_option, o);
    if (rc)
        return rc;
    if (!o->data || !o->train || !o->test)
        return cli_fail(CLI_USAGE, "split: --data FILE, --train OUT and --test OUT are required");
    if (strcmp(o->train, o->test) == 0)
        return cli_fail(CLI_USAGE, "split: --train and --test name the same file");
    if (o->method == 2 && o->has_cutoff == o->has_last)
        return cli_fail(CLI_USAGE, "split: --method time needs exactly one of --cutoff T and --last N");
    if (o->method != 2 && (o->has_cutoff || o->has_last))
        return cli_fail(CLI_USAGE, "split: --cutoff and --last belong to --method time");
    return 0;
}

static int ends_with_csv(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && (strcmp(path + n - 4, ".csv") == 0 || strcmp(path + n - 4, ".CSV") == 0);
}

/* A field, quoted when the readers would otherwise split or trim it. */
static void put_field(FILE *f, const char *s, char delim)
{
    size_t n = strlen(s);
    int quote = n == 0 || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
                s[0] == '#' || strchr(s, delim) || strchr(s, '"') || strchr(s, '\n') ||
                strchr(s, '\r');
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The id of one side of rating k: its string, or its int64 as text. */
static const char *id_text(const rs_dataset *ds, int32_t side, int64_t id, int strings, char *buf)
{
    if (!strings) {
        snprintf(buf, RS_STR_ID_MAX + 1, "%" PRId64, id);
        return buf;
    }
    int32_t index;
    size_t len;
    if (rs_dataset_id_to_index(ds, side, id, &index) != RS_OK ||
        rs_dataset_index_to_id_str(ds, side, index, buf, RS_STR_ID_MAX + 1, &len) != RS_OK)
        buf[0] = '\0';
    return buf;
}

static int write_part(const rs_dataset *ds, const char *path, int strings)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_fail(CLI_FILE, "%s: cannot write: %s", path, strerror(errno));
    char delim = ends_with_csv(path) ? ',' : '\t';
    int timed = rs_dataset_has_timestamps(ds);
    fprintf(f, "user%citem%crating%s\n", delim, delim, timed ? (delim == ',' ? ",timestamp" : "\ttimestamp") : "");
    char ub[RS_STR_ID_MAX + 1], ib[RS_STR_ID_MAX + 1];
    for (size_t k = 0; k < rs_dataset_num_ratings(ds); k++) {
        int64_t u, i, t = 0;
        float r;
        rs_dataset_get_rating(ds, k, &u, &i, &r, NULL);
        put_field(f, id_text(ds, RS_SIDE_USER, u, strings, ub), delim);
        fputc(delim, f);
        put_field(f, id_text(ds, RS_SIDE_ITEM, i, strings, ib), delim);
        fprintf(f, "%c%.9g", delim, (double)r);
        if (timed) {
            rs_dataset_get_timestamp(ds, k, &t);
            if (t == RS_NO_TIMESTAMP)
                fprintf(f, "%c", delim);
            else
                fprintf(f, "%c%" PRId64, delim, t);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if ((fclose(f) != 0) | bad)
        return cli_fail(CLI_FILE, "%s: write error: %s", path, strerror(errno));
    return 0;
}

int cli_split(int argc, char **argv)
{
    static const char *const names[] = {"random", "user", "time"};
    split_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    rs_dataset *all = NULL, *train = NULL, *test = NULL;
    if ((rc = cli_load_ratings_with(&all, o.data, &o.d)) != 0)
        return rc;
    rs_status st;
    if (o.method == 0)
        st = rs_dataset_split_random(all, o.fraction, (uint64_t)o.seed, &train, &test);
    else if (o.method == 1)
        st = rs_dataset_split_holdout(all, (size_t)o.holdout, (uint64_t)o.seed, &train, &test);
    else
        st = rs_dataset_split_by_time(all, o.has_cutoff ? RS_TIME_SPLIT_CUTOFF : RS_TIME_SPLIT_LAST_N,
                                      o.has_cutoff ? o.cutoff : o.last, &train, &test);
    if (st == RS_ERR_STATE)
        rc = cli_fail(CLI_FILE, "%s: --method time needs a timestamp on every rating", o.data);
    else if (st != RS_OK)
        rc = cli_fail(CLI_ERR, "split: %s", rs_status_string(st));
    int strings = 0;
    int64_t v;
    if (!rc && rs_dataset_get_int(all, RS_PARAM_STRING_IDS, &v) == RS_OK)
        strings = v != 0;
    if (!rc && (rc = write_part(train, o.train, strings)) == 0)
        rc = write_part(test, o.test, strings);
    if (!rc && o.json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "split");
        cli_json_str(&j, "method", names[o.method]);
        cli_json_int(&j, "ratings", (int64_t)rs_dataset_num_ratings(all));
        cli_json_int(&j, "train_ratings", (int64_t)rs_dataset_num_ratings(train));
        cli_json_int(&j, "test_ratings", (int64_t)rs_dataset_num_ratings(test));
        cli_json_str(&j, "train", o.train);
        cli_json_str(&j, "test", o.test);
        cli_json_end(&j);
    } else if (!rc && !o.quiet) {
        printf("split (%s): %zu ratings -> %zu in %s, %zu in %s\n", names[o.method],
               rs_dataset_num_ratings(all), rs_dataset_num_ratings(train), o.train,
               rs_dataset_num_ratings(test), o.test);
    }
    rs_dataset_free(train);
    rs_dataset_free(test);
    rs_dataset_free(all);
    return rc;
}
