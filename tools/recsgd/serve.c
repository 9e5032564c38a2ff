/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * serve.c: the scoring subcommands over a saved model: `predict` (one
 * score), `topk` (a user's best items) and `similar` (nearest items or users
 * by cosine of their learned vectors). Results go to stdout, one per line
 * ("rank id score"), or as one JSON object with --json. Ids are taken and
 * printed as the model has them: 64-bit integers, or strings for a model
 * trained with --ids string (the library's _str calls). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_MODEL = 1, O_USER, O_ITEM, O_K, O_EXCLUDE, O_SEEN, O_JSON, O_QUIET };

#define ROW_MODEL {O_MODEL, "model", 'm', "FILE", "the model file (required)", NULL, 0}
#define ROW_JSON {O_JSON, "json", 0, NULL, "print one JSON object", NULL, 0}
#define ROW_QUIET {O_QUIET, "quiet", 'q', NULL, "no note on stderr when a fallback is used", NULL, 0}
#define ROW_K {O_K, "k", 'k', "N", "number of results", "10, range 1 to 100000", 0}
#define ROW_END {0, NULL, 0, NULL, NULL, NULL, 0}

static const cli_opt predict_table[] = {
    ROW_MODEL,
    {O_USER, "user", 'u', "U", "user id (required; unknown ids get the fallback chain)", NULL, 0},
    {O_ITEM, "item", 'i', "I", "item id (required)", NULL, 0},
    ROW_JSON, ROW_QUIET, ROW_END};

static const cli_opt topk_table[] = {
    ROW_MODEL,
    {O_USER, "user", 'u', "U", "user id (required; unknown ids get the fallback ranking)", NULL, 0},
    ROW_K,
    {O_EXCLUDE, "exclude", 0, "I1,I2,...", "items never to return (repeatable)", "none", 0},
    {O_SEEN, "include-seen", 0, NULL, "also rank the items the user rated in training",
     "left out", 0},
    ROW_JSON, ROW_QUIET, ROW_END};

static const cli_opt similar_table[] = {
    ROW_MODEL,
    {O_ITEM, "item", 'i', "I", "items nearest to this item (give --item or --user)", NULL, 0},
    {O_USER, "user", 'u', "U", "users nearest to this user", NULL, 0},
    ROW_K, ROW_JSON, ROW_QUIET, ROW_END};

void cli_predict_help(FILE *f)
{
    cli_help(f, "recsgd predict --model M --user U --item I [OPTIONS]",
             "Print the model's predicted rating of one (user, item) pair.", predict_table);
}

void cli_topk_help(FILE *f)
{
    cli_help(f, "recsgd topk --model M --user U [OPTIONS]",
             "Print a user's k best-scored items: rank, item, score.", topk_table);
}

void cli_similar_help(FILE *f)
{
    cli_help(f, "recsgd similar --model M (--item I | --user U) [OPTIONS]",
             "Print the k items (or users) whose learned vectors are closest by cosine.",
             similar_table);
}

typedef struct serve_opts {
    const char *model, *user, *item;
    int64_t uid, iid; /* the ids as integers, for a model with int64 ids */
    int64_t k;
    char *exclude; /* comma-separated, every --exclude joined */
    int include_seen, json, quiet;
} serve_opts;

static int serve_option(void *ud, const cli_opt *o, const char *v)
{
    serve_opts *s = ud;
    switch (o->id) {
    case O_MODEL: s->model = v; break;
    case O_USER: s->user = v; break;
    case O_ITEM: s->item = v; break;
    case O_K: return cli_parse_int("-k", v, 1, &s->k);
    case O_EXCLUDE: return cli_list_append(&s->exclude, v);
    case O_SEEN: s->include_seen = 1; break;
    case O_JSON: s->json = 1; break;
    case O_QUIET: s->quiet = 1; break;
    default: break;
    }
    return 0;
}

static int parse_args(int argc, char **argv, const cli_opt *table, serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    int rc = cli_parse_options(argc, argv, table, serve_option, o);
    if (rc)
        return rc;
    if (!o->model)
        return cli_fail(CLI_USAGE, "%s: --model FILE is required", argv[0]);
    if (o->k > 100000)
        return cli_fail(CLI_USAGE, "-k: '%" PRId64 "' is too large (at most 100000)", o->k);
    return 0;
}

/* An id argument as the model wants it: checked as an integer for int64 ids. */
static int check_id(const rs_model *m, const char *opt, const char *v, int64_t *out)
{
    if (rs_model_has_string_ids(m)) {
        size_t n = strlen(v);
        if (n == 0 || n > RS_STR_ID_MAX)
            return cli_fail(CLI_USAGE, "%s: an id is 1 to %d bytes", opt, (int)RS_STR_ID_MAX);
        return 0;
    }
    return cli_parse_int(opt, v, INT64_MIN, out);
}

/* Failed scoring calls write no message on the model: say what went wrong. */
static int scoring_error(const char *what, rs_status st, const serve_opts *o)
{
    if (st == RS_ERR_UNKNOWN_ID && o->item && !o->user)
        return cli_fail(CLI_ERR, "%s: item %s is not in the model", what, o->item);
    if (st == RS_ERR_UNKNOWN_ID && o->user && !o->item)
        return cli_fail(CLI_ERR, "%s: user %s is not in the model", what, o->user);
    return cli_fail(CLI_ERR, "%s: %s", what, rs_status_string(st));
}

static void fallback_note(const serve_opts *o, const char *what)
{
    if (!o->quiet && !o->json)
        fprintf(stderr, "recsgd: note: %s unknown to the model: scored by the fallback chain "
                        "(global mean and biases)\n", what);
}

/* A list of results: int64 ids, or strings (names[j], ids NULL). */
static void print_list(const serve_opts *o, const char *command, const char *key,
                       const int64_t *ids, const char *const *names, const float *scores,
                       size_t n, rs_status st)
{
    if (!o->json) {
        for (size_t r = 0; r < n; r++) {
            if (names)
                printf("%zu\t%s\t%.4f\n", r + 1, names[r], scores[r]);
            else
                printf("%zu\t%" PRId64 "\t%.4f\n", r + 1, ids[r], scores[r]);
        }
        return;
    }
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "command", command);
    if (o->user && names)
        cli_json_str(&j, "user", o->user);
    else if (o->user)
        cli_json_int(&j, "user", o->uid);
    if (o->item && names)
        cli_json_str(&j, "item", o->item);
    else if (o->item)
        cli_json_int(&j, "item", o->iid);
    cli_json_bool(&j, "fallback", st == RS_FALLBACK);
    cli_json_open(&j, "results", '[');
    for (size_t r = 0; r < n; r++) {
        cli_json_open(&j, NULL, '{');
        if (names)
            cli_json_str(&j, key, names[r]);
        else
            cli_json_int(&j, key, ids[r]);
        cli_json_num(&j, "score", scores[r]);
        cli_json_close(&j, '{');
    }
    cli_json_close(&j, '[');
    cli_json_end(&j);
}

int cli_predict(int argc, char **argv)
{
    serve_opts o;
    int rc = parse_args(argc, argv, predict_table, &o);
    if (!rc && (!o.user || !o.item))
        rc = cli_fail(CLI_USAGE, "predict: --user U and --item I are required");
    rs_model *m = NULL;
    int64_t u = 0, i = 0;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0 ||
        (rc = check_id(m, "--user", o.user, &u)) != 0 || (rc = check_id(m, "--item", o.item, &i)) != 0)
        goto out;
    int strings = rs_model_has_string_ids(m);
    float y;
    rs_status st = strings ? rs_predict_str(m, o.user, o.item, &y) : rs_predict(m, u, i, &y);
    if (st != RS_OK && st != RS_FALLBACK) {
        rc = scoring_error("predict", st, &o);
        goto out;
    }
    if (st == RS_FALLBACK)
        fallback_note(&o, "the user or the item is");
    if (o.json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "predict");
        if (strings) {
            cli_json_str(&j, "user", o.user);
            cli_json_str(&j, "item", o.item);
        } else {
            cli_json_int(&j, "user", u);
            cli_json_int(&j, "item", i);
        }
        cli_json_num(&j, "score", y);
        cli_json_bool(&j, "fallback", st == RS_FALLBACK);
        cli_json_end(&j);
    } else
        printf("%.4f\n", y);
out:
    rs_model_free(m);
    free(o.exclude);
    return rc;
}

/* The --exclude list, split at commas, as ids (int64 model) or strings. */
static int exclusions(const rs_model *m, char *list, int64_t **ids, const char ***names, size_t *n)
{
    *ids = NULL;
    *names = NULL;
    *n = 0;
    if (!list)
        return 0;
    if (!rs_model_has_string_ids(m))
        return cli_parse_id_list("--exclude", list, ids, n);
    return cli_list_split(list, names, n);
}

/* Result strings of a _str call: pointers into buf. */
static const char **split_names(char *buf, const size_t *off, size_t n)
{
    const char **v = malloc((n ? n : 1) * sizeof *v);
    for (size_t j = 0; v && j < n; j++)
        v[j] = buf + off[j];
    return v;
}

int cli_topk(int argc, char **argv)
{
    serve_opts o;
    int rc = parse_args(argc, argv, topk_table, &o);
    if (!rc && !o.user)
        rc = cli_fail(CLI_USAGE, "topk: --user U is required");
    rs_model *m = NULL;
    int64_t *items = NULL, *ex = NULL, u = 0;
    const char **exn = NULL, **names = NULL;
    float *scores = NULL;
    char *buf = NULL;
    size_t *off = NULL, n_ex = 0, k = (size_t)o.k;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0 || (rc = check_id(m, "--user", o.user, &u)) != 0 ||
        (rc = exclusions(m, o.exclude, &ex, &exn, &n_ex)) != 0)
        goto out;
    o.uid = u;
    int strings = rs_model_has_string_ids(m);
    items = malloc(k * sizeof *items);
    scores = malloc(k * sizeof *scores);
    buf = strings ? malloc(k * (RS_STR_ID_MAX + 1)) : NULL;
    off = strings ? malloc(k * sizeof *off) : NULL;
    if (!items || !scores || (strings && (!buf || !off))) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    size_t n = 0;
    int32_t flags = o.include_seen ? RS_TOPK_INCLUDE_SEEN : 0;
    rs_status st = strings ? rs_topk_str(m, o.user, k, flags, exn, n_ex, NULL, 0, buf,
                                         k * (RS_STR_ID_MAX + 1), off, scores, &n)
                           : rs_topk(m, u, k, flags, ex, n_ex, NULL, 0, items, scores, &n);
    if (st != RS_OK && st != RS_FALLBACK) {
        rc = scoring_error("topk", st, &o);
        goto out;
    }
    if (st == RS_FALLBACK)
        fallback_note(&o, "the user is");
    if (strings && !(names = split_names(buf, off, n))) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    print_list(&o, "topk", "item", items, names, scores, n, st);
out:
    rs_model_free(m);
    free(items);
    free(scores);
    free(buf);
    free(off);
    free(ex);
    free(exn);
    free(names);
    free(o.exclude);
    return rc;
}

int cli_similar(int argc, char **argv)
{
    serve_opts o;
    int rc = parse_args(argc, argv, similar_table, &o);
    if (!rc && !o.user == !o.item)
        rc = cli_fail(CLI_USAGE, "similar: give exactly one of --item I and --user U");
    rs_model *m = NULL;
    int64_t *ids = NULL, id = 0;
    const char **names = NULL;
    float *scores = NULL;
    char *buf = NULL;
    size_t *off = NULL, k = (size_t)o.k;
    const char *opt = o.item ? "--item" : "--user", *what = o.item ? o.item : o.user;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0 || (rc = check_id(m, opt, what, &id)) != 0)
        goto out;
    o.uid = o.iid = id;
    int strings = rs_model_has_string_ids(m);
    ids = malloc(k * sizeof *ids);
    scores = malloc(k * sizeof *scores);
    buf = strings ? malloc(k * (RS_STR_ID_MAX + 1)) : NULL;
    off = strings ? malloc(k * sizeof *off) : NULL;
    if (!ids || !scores || (strings && (!buf || !off))) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    size_t n = 0, cap = k * (RS_STR_ID_MAX + 1);
    rs_status st;
    if (strings)
        st = o.item ? rs_similar_items_str(m, what, k, buf, cap, off, scores, &n)
                    : rs_similar_users_str(m, what, k, buf, cap, off, scores, &n);
    else
        st = o.item ? rs_similar_items(m, id, k, ids, scores, &n)
                    : rs_similar_users(m, id, k, ids, scores, &n);
    if (st != RS_OK) {
        rc = scoring_error("similar", st, &o);
        goto out;
    }
    if (strings && !(names = split_names(buf, off, n))) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    print_list(&o, "similar", o.item ? "item" : "user", ids, names, scores, n, st);
out:
    rs_model_free(m);
    free(ids);
    free(scores);
    free(buf);
    free(off);
    free(names);
    free(o.exclude);
    return rc;
}

int cli_serve_check_args(const char *cmd, int argc, char **argv)
{
    const cli_opt *table = strcmp(cmd, "predict") == 0 ? predict_table
                           : strcmp(cmd, "topk") == 0  ? topk_table
                                                       : similar_table;
    serve_opts o;
    int rc = parse_args(argc, argv, table, &o);
    free(o.exclude);
    return rc;
}
