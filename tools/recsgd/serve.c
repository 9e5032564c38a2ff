/* recsgd command-line tool. SPDX-License-Identifier: BSD-2-Clause
 * serve.c: the scoring subcommands over a saved model: `predict` (one
 * score), `topk` (a user's best items) and `similar` (nearest items or users
 * by cosine of their learned vectors). Results go to stdout, one per line
 * ("rank id score"), or as one JSON object with --json. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct serve_opts {
    const char *model;
    int64_t user, item, k;
    int has_user, has_item;
    int64_t *exclude;
    size_t n_exclude;
    int include_seen, json, quiet;
} serve_opts;

/* Parses the options of one subcommand; `allowed` lists which optional ones it takes. */
enum { ALLOW_USER = 1, ALLOW_ITEM = 2, ALLOW_K = 4, ALLOW_EXCLUDE = 8, ALLOW_SEEN = 16 };

static int parse_args(int argc, char **argv, int allowed, serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    cli_args a;
    cli_args_init(&a, argc, argv, 1);
    while (cli_args_more(&a)) {
        int rc = 0;
        if (cli_args_value(&a, "--model", "-m"))
            o->model = a.val;
        else if ((allowed & ALLOW_USER) && cli_args_value(&a, "--user", "-u")) {
            rc = a.bad ? 0 : cli_parse_int(a.opt, a.val, INT64_MIN, &o->user);
            o->has_user = 1;
        } else if ((allowed & ALLOW_ITEM) && cli_args_value(&a, "--item", "-i")) {
            rc = a.bad ? 0 : cli_parse_int(a.opt, a.val, INT64_MIN, &o->item);
            o->has_item = 1;
        } else if ((allowed & ALLOW_K) && cli_args_value(&a, "--k", "-k"))
            rc = a.bad ? 0 : cli_parse_int(a.opt, a.val, 1, &o->k);
        else if ((allowed & ALLOW_EXCLUDE) && cli_args_value(&a, "--exclude", NULL)) {
            free(o->exclude);
            o->exclude = NULL;
            rc = a.bad ? 0 : cli_parse_id_list(a.opt, a.val, &o->exclude, &o->n_exclude);
        } else if ((allowed & ALLOW_SEEN) && cli_args_flag(&a, "--include-seen"))
            o->include_seen = 1;
        else if (cli_args_flag(&a, "--json"))
            o->json = 1;
        else if (cli_args_flag(&a, "--quiet"))
            o->quiet = 1;
        else if (cli_args_positional(&a))
            return cli_fail(CLI_USAGE, "%s: unexpected argument '%s'", argv[0], argv[a.i - 1]);
        if (rc)
            return rc;
    }
    if (a.bad)
        return CLI_USAGE;
    if (!o->model)
        return cli_fail(CLI_USAGE, "%s: --model FILE is required", argv[0]);
    if (o->k > 100000)
        return cli_fail(CLI_USAGE, "-k: '%" PRId64 "' is too large (at most 100000)", o->k);
    return 0;
}

/* Failed scoring calls write no message on the model: say what went wrong. */
static int scoring_error(const char *what, rs_status st, const serve_opts *o)
{
    if (st == RS_ERR_UNKNOWN_ID && o->has_item && !o->has_user)
        return cli_fail(CLI_ERR, "%s: item %" PRId64 " is not in the model", what, o->item);
    if (st == RS_ERR_UNKNOWN_ID && o->has_user && !o->has_item)
        return cli_fail(CLI_ERR, "%s: user %" PRId64 " is not in the model", what, o->user);
    return cli_fail(CLI_ERR, "%s: %s", what, rs_status_string(st));
}

static void fallback_note(const serve_opts *o, const char *what)
{
    if (!o->quiet && !o->json)
        fprintf(stderr, "recsgd: note: %s unknown to the model: scored by the fallback chain "
                        "(global mean and biases)\n", what);
}

static void print_list(const serve_opts *o, const char *command, const char *key,
                       const int64_t *ids, const float *scores, size_t n, rs_status st)
{
    if (!o->json) {
        for (size_t r = 0; r < n; r++)
            printf("%zu\t%" PRId64 "\t%.4f\n", r + 1, ids[r], scores[r]);
        return;
    }
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "command", command);
    if (o->has_user)
        cli_json_int(&j, "user", o->user);
    if (o->has_item)
        cli_json_int(&j, "item", o->item);
    cli_json_bool(&j, "fallback", st == RS_FALLBACK);
    cli_json_open(&j, "results", '[');
    for (size_t r = 0; r < n; r++) {
        cli_json_open(&j, NULL, '{');
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
    int rc = parse_args(argc, argv, ALLOW_USER | ALLOW_ITEM, &o);
    if (!rc && (!o.has_user || !o.has_item))
        rc = cli_fail(CLI_USAGE, "predict: --user U and --item I are required");
    rs_model *m = NULL;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0)
        goto out;
    float y;
    rs_status st = rs_predict(m, o.user, o.item, &y);
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
        cli_json_int(&j, "user", o.user);
        cli_json_int(&j, "item", o.item);
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

int cli_topk(int argc, char **argv)
{
    serve_opts o;
    int rc = parse_args(argc, argv, ALLOW_USER | ALLOW_K | ALLOW_EXCLUDE | ALLOW_SEEN, &o);
    if (!rc && !o.has_user)
        rc = cli_fail(CLI_USAGE, "topk: --user U is required");
    rs_model *m = NULL;
    int64_t *items = NULL;
    float *scores = NULL;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0)
        goto out;
    items = malloc((size_t)o.k * sizeof *items);
    scores = malloc((size_t)o.k * sizeof *scores);
    if (!items || !scores) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    size_t n = 0;
    rs_status st = rs_topk(m, o.user, (size_t)o.k, o.include_seen ? RS_TOPK_INCLUDE_SEEN : 0,
                           o.exclude, o.n_exclude, NULL, 0, items, scores, &n);
    if (st != RS_OK && st != RS_FALLBACK) {
        rc = scoring_error("topk", st, &o);
        goto out;
    }
    if (st == RS_FALLBACK)
        fallback_note(&o, "the user is");
    print_list(&o, "topk", "item", items, scores, n, st);
out:
    rs_model_free(m);
    free(items);
    free(scores);
    free(o.exclude);
    return rc;
}

int cli_similar(int argc, char **argv)
{
    serve_opts o;
    int rc = parse_args(argc, argv, ALLOW_USER | ALLOW_ITEM | ALLOW_K, &o);
    if (!rc && o.has_user == o.has_item)
        rc = cli_fail(CLI_USAGE, "similar: give exactly one of --item I and --user U");
    rs_model *m = NULL;
    int64_t *ids = NULL;
    float *scores = NULL;
    if (rc || (rc = cli_load_model(&m, o.model)) != 0)
        goto out;
    ids = malloc((size_t)o.k * sizeof *ids);
    scores = malloc((size_t)o.k * sizeof *scores);
    if (!ids || !scores) {
        rc = cli_fail(CLI_ERR, "out of memory");
        goto out;
    }
    size_t n = 0;
    rs_status st = o.has_item ? rs_similar_items(m, o.item, (size_t)o.k, ids, scores, &n)
                              : rs_similar_users(m, o.user, (size_t)o.k, ids, scores, &n);
    if (st != RS_OK) {
        rc = scoring_error("similar", st, &o);
        goto out;
    }
    print_list(&o, "similar", o.has_item ? "item" : "user", ids, scores, n, st);
out:
    rs_model_free(m);
    free(ids);
    free(scores);
    free(o.exclude);
    return rc;
}

int cli_serve_check_args(const char *cmd, int argc, char **argv)
{
    int allowed = strcmp(cmd, "predict") == 0 ? ALLOW_USER | ALLOW_ITEM
                  : strcmp(cmd, "topk") == 0   ? ALLOW_USER | ALLOW_K | ALLOW_EXCLUDE | ALLOW_SEEN
                                               : ALLOW_USER | ALLOW_ITEM | ALLOW_K;
    serve_opts o;
    int rc = parse_args(argc, argv, allowed, &o);
    free(o.exclude);
    return rc;
}
